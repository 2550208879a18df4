//! The model variants of the paper's ablation ladder (its Fig. 4) and the oracle: which
//! networks are trained and which losses are on.

use super::RegressorMode;
use serde::{Deserialize, Serialize};

/// A rung of the ablation ladder, or the oracle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
// Not `#[non_exhaustive]`: the paper's ladder (Fig. 4) and the oracle are a closed set,
// and the trainer matches it exhaustively so that no variant can be silently mistrained.
pub enum Variant {
    /// BL: R (no discrepancy map, no fusion) on the distorted image alone.
    Baseline,
    /// BL+HCM: G trained with the pixel loss L_p, R on the distorted image and the
    /// discrepancy map.
    HallucinationMap,
    /// BL+HCM+QPL: G also trained with the quality-aware perceptual loss L_s.
    Perceptual,
    /// BL+HCM+QPL+ADV: plus adversarial learning with a plain discriminator (d_fake = 0).
    PlainAdversarial,
    /// BL+HCM+QPL+QADV: the IQA-discriminator instead (d_fake of Eq. 2).
    IqaAdversarial,
    /// The full model: plus the fusion of G's high-level features in R.
    Full,
    /// The oracle: R fed the true reference instead of a hallucination (an upper bound).
    Oracle,
}

/// The discriminator's labelling of hallucinations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Closed for the same reason as `Variant`.
pub enum Adversary {
    /// The original GAN: every hallucination is fake.
    Plain,
    /// The IQA-discriminator: a hallucination counts as real when R's error with it is
    /// below epsilon (Eq. 2).
    Iqa,
}

impl Variant {
    /// The ablation ladder in the paper's order (Fig. 4).
    pub const LADDER: [Variant; 6] = [
        Variant::Baseline,
        Variant::HallucinationMap,
        Variant::Perceptual,
        Variant::PlainAdversarial,
        Variant::IqaAdversarial,
        Variant::Full,
    ];

    /// Every variant.
    pub const ALL: [Variant; 7] = [
        Variant::Baseline,
        Variant::HallucinationMap,
        Variant::Perceptual,
        Variant::PlainAdversarial,
        Variant::IqaAdversarial,
        Variant::Full,
        Variant::Oracle,
    ];

    /// The name used in configs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Baseline => "baseline",
            Variant::HallucinationMap => "hallucination-map",
            Variant::Perceptual => "perceptual",
            Variant::PlainAdversarial => "plain-adversarial",
            Variant::IqaAdversarial => "iqa-adversarial",
            Variant::Full => "full",
            Variant::Oracle => "oracle",
        }
    }

    /// The paper's label (Fig. 4).
    pub fn paper_label(self) -> &'static str {
        match self {
            Variant::Baseline => "BL",
            Variant::HallucinationMap => "BL+HCM",
            Variant::Perceptual => "BL+HCM+QPL",
            Variant::PlainAdversarial => "BL+HCM+QPL+ADV",
            Variant::IqaAdversarial => "BL+HCM+QPL+QADV",
            Variant::Full => "BL+HCM+QPL+QADV+HSF",
            Variant::Oracle => "oracle",
        }
    }

    /// The variant called `name`.
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == name)
    }

    /// R's mode.
    pub fn regressor_mode(self) -> RegressorMode {
        match self {
            Variant::Baseline => RegressorMode::BASELINE,
            Variant::Full => RegressorMode::FULL,
            _ => RegressorMode::NO_FUSION,
        }
    }

    /// Whether G is trained and used.
    pub fn uses_generator(self) -> bool {
        !matches!(self, Variant::Baseline | Variant::Oracle)
    }

    /// Whether G's loss includes the perceptual terms (and so R_pre must be pre-trained).
    pub fn uses_perceptual(self) -> bool {
        matches!(
            self,
            Variant::Perceptual
                | Variant::PlainAdversarial
                | Variant::IqaAdversarial
                | Variant::Full
        )
    }

    /// The discriminator, if adversarial learning is on.
    pub fn adversary(self) -> Option<Adversary> {
        match self {
            Variant::PlainAdversarial => Some(Adversary::Plain),
            Variant::IqaAdversarial | Variant::Full => Some(Adversary::Iqa),
            _ => None,
        }
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_ladder_adds_one_component_per_rung() {
        for v in Variant::ALL {
            assert_eq!(Variant::from_name(v.name()), Some(v));
        }
        assert_eq!(Variant::from_name("nope"), None);
        let parts = |v: Variant| {
            [
                v.uses_generator(),
                v.uses_perceptual(),
                v.adversary().is_some(),
                v.adversary() == Some(Adversary::Iqa),
                v.regressor_mode().fusion,
            ]
            .iter()
            .filter(|&&b| b)
            .count()
        };
        for (k, v) in Variant::LADDER.into_iter().enumerate() {
            assert_eq!(parts(v), k, "{v}");
        }
        assert!(!Variant::Oracle.uses_generator());
        assert!(Variant::Oracle.regressor_mode().discrepancy);
    }
}
