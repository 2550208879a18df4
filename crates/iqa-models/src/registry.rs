//! One registry of every quality model and metric the crate can build by name, of both
//! kinds: full-reference metrics (a reference and a distorted image in) and no-reference
//! models (a distorted image alone). Each entry is typed metadata ([`ModelInfo`]: kind,
//! direction, score range, whether it needs weights); [`lookup`] finds one by name and
//! suggests the closest name on a typo; [`full_reference`] and [`no_reference`] build one.

use std::path::Path;

use candle_core::Device;
use serde::Serialize;

use crate::classic::{ClassicFr, ClassicFrMetric, ClassicNr, ClassicNrMetric};
use crate::dfss::DfssScorer;
use crate::fpr::FprScorer;
use crate::fr::{DeepWsd, Downsample, Gmsd, MsSsim, Psnr, PsnrChannels, Ssim, SsimChannels};
use crate::hiqa::HiqaScorer;
use crate::{FullReferenceModel, ModelError, NoReferenceModel, Result};

/// Whether a model needs the reference image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ModelKind {
    /// A reference and a distorted image in, a score out.
    FullReference,
    /// A distorted image alone in, a score out.
    NoReference,
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ModelKind::FullReference => "full-reference",
            ModelKind::NoReference => "no-reference",
        })
    }
}

/// Which way quality goes on a model's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Direction {
    /// Higher scores mean better quality (PSNR, SSIM, MOS-like predictions).
    HigherIsBetter,
    /// Lower scores mean better quality (distances such as DeepWSD, DMOS-like scales).
    LowerIsBetter,
}

impl Direction {
    /// Whether lower scores mean better quality.
    pub fn lower_is_better(self) -> bool {
        self == Direction::LowerIsBetter
    }
}

/// The scores a model can give (bounds may be infinite).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoreRange {
    /// The lowest score.
    pub min: f64,
    /// The highest score.
    pub max: f64,
}

/// What the registry knows about a model before building it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ModelInfo {
    /// The name it is built by (lower case, as on the command line).
    pub name: &'static str,
    /// Full-reference or no-reference.
    pub kind: ModelKind,
    /// Which way quality goes.
    pub direction: Direction,
    /// The scores it gives.
    pub range: ScoreRange,
    /// Whether it needs a weights file ([`ModelOptions::weights`]).
    pub needs_weights: bool,
    /// One line on what it is.
    pub summary: &'static str,
}

const fn entry(
    name: &'static str,
    kind: ModelKind,
    direction: Direction,
    (min, max): (f64, f64),
    needs_weights: bool,
    summary: &'static str,
) -> ModelInfo {
    ModelInfo {
        name,
        kind,
        direction,
        range: ScoreRange { min, max },
        needs_weights,
        summary,
    }
}

use Direction::{HigherIsBetter, LowerIsBetter};
use ModelKind::{FullReference, NoReference};

/// Every registered model, full-reference first.
pub const MODELS: &[ModelInfo] = &[
    entry(
        "psnr",
        FullReference,
        HigherIsBetter,
        (0.0, 100.0),
        false,
        "peak signal-to-noise ratio on RGB, dB (capped at 100)",
    ),
    entry(
        "psnr-y",
        FullReference,
        HigherIsBetter,
        (0.0, 100.0),
        false,
        "PSNR on the luma of MATLAB's rgb2gray, dB",
    ),
    entry(
        "ssim",
        FullReference,
        HigherIsBetter,
        (-1.0, 1.0),
        false,
        "SSIM (Wang et al. 2004) on luma, with MATLAB's automatic downsampling",
    ),
    entry(
        "ssim-rgb",
        FullReference,
        HigherIsBetter,
        (-1.0, 1.0),
        false,
        "SSIM averaged over the R, G and B channels",
    ),
    entry(
        "ms-ssim",
        FullReference,
        HigherIsBetter,
        (0.0, 1.0),
        false,
        "multi-scale SSIM (Wang et al. 2003), five scales on luma",
    ),
    entry(
        "gmsd",
        FullReference,
        LowerIsBetter,
        (0.0, 1.0),
        false,
        "gradient magnitude similarity deviation (Xue et al. 2014) on luma; differentiable",
    ),
    entry(
        "vif",
        FullReference,
        HigherIsBetter,
        (0.0, f64::INFINITY),
        false,
        "visual information fidelity (Sheikh & Bovik 2006), wavelet domain, on luma; 1 for identical images, above 1 for contrast enhancement",
    ),
    entry(
        "nlpd",
        FullReference,
        LowerIsBetter,
        (0.0, f64::INFINITY),
        false,
        "normalised Laplacian pyramid distance (Laparra et al. 2016) on luma",
    ),
    entry(
        "cw-ssim",
        FullReference,
        HigherIsBetter,
        (0.0, 1.0),
        false,
        "complex-wavelet SSIM (Sampat et al. 2009) on luma, insensitive to small shifts",
    ),
    entry(
        "fsim",
        FullReference,
        HigherIsBetter,
        (0.0, 1.0),
        false,
        "feature similarity (Zhang et al. 2011): phase congruency and gradient on luma",
    ),
    entry(
        "fsimc",
        FullReference,
        HigherIsBetter,
        (0.0, 1.0),
        false,
        "FSIM with chromatic similarity in YIQ (FSIMc)",
    ),
    entry(
        "vsi",
        FullReference,
        HigherIsBetter,
        (0.0, 1.0),
        false,
        "visual saliency-induced index (Zhang et al. 2014), colour",
    ),
    entry(
        "mad",
        FullReference,
        LowerIsBetter,
        (0.0, f64::INFINITY),
        false,
        "most apparent distortion (Larson & Chandler 2010), per RGB channel, averaged",
    ),
    entry(
        "deepwsd",
        FullReference,
        LowerIsBetter,
        (0.0, f64::INFINITY),
        true,
        "Wasserstein distance of VGG16 features (Liao et al. 2022); weights: torchvision VGG16",
    ),
    entry(
        "hallucinated-iqa",
        NoReference,
        HigherIsBetter,
        (f64::NEG_INFINITY, f64::INFINITY),
        true,
        "Hallucinated-IQA (Lin & Wang 2018); weights: a model file saved by training (scores on the training labels' normalised scale, about [0, 1])",
    ),
    entry(
        "fpr",
        NoReference,
        HigherIsBetter,
        (f64::NEG_INFINITY, f64::INFINITY),
        true,
        "FPR (Chen et al. 2022), hallucinated pristine features; weights: a model file of this project (training labels' scale, higher is better) or a converted checkpoint of the authors' (their distortion scales, lower is better)",
    ),
    entry(
        "dfss-iqa",
        NoReference,
        HigherIsBetter,
        (f64::NEG_INFINITY, f64::INFINITY),
        true,
        "DFSS-IQA (Chen et al. 2024), deep feature statistics, for screen content; weights: a model file of this project or a converted checkpoint of the authors' (SIQAD DMOS or SCID MOS)",
    ),
    entry(
        "niqe",
        NoReference,
        LowerIsBetter,
        (0.0, f64::INFINITY),
        false,
        "NIQE (Mittal, Soundararajan & Bovik 2013) with the authors' pristine model; no training, no weights",
    ),
    entry(
        "brisque",
        NoReference,
        LowerIsBetter,
        (f64::NEG_INFINITY, f64::INFINITY),
        false,
        "BRISQUE (Mittal, Moorthy & Bovik 2012) with the authors' SVR fitted on LIVE; about 0 (best) to 100",
    ),
    entry(
        "piqe",
        NoReference,
        LowerIsBetter,
        (0.0, 100.0),
        false,
        "PIQE (Venkatanath et al. 2015), block-wise distortion estimate; no learned parameters",
    ),
];

/// Settings a model may take when built by name.
#[derive(Debug, Clone, Default)]
pub struct ModelOptions<'a> {
    /// SSIM's automatic downsampling.
    pub downsample: Downsample,
    /// The weights file of a model that needs one (DeepWSD: VGG16 safetensors;
    /// Hallucinated-IQA: a model file).
    pub weights: Option<&'a Path>,
}

/// The registered names of `kind` (every name when `None`), in registry order.
pub fn names(kind: Option<ModelKind>) -> Vec<&'static str> {
    MODELS
        .iter()
        .filter(|m| kind.is_none_or(|k| m.kind == k))
        .map(|m| m.name)
        .collect()
}

/// The entry called `name` (case-insensitive); a typo gets the closest name suggested.
pub fn lookup(name: &str) -> Result<&'static ModelInfo> {
    let wanted = name.to_ascii_lowercase();
    MODELS
        .iter()
        .find(|m| m.name == wanted)
        .ok_or_else(|| unknown("model", name, &names(None)))
}

/// The error for an unknown `name` among `known`, with the closest one suggested when it
/// is within a few edits.
pub fn unknown(what: &'static str, name: &str, known: &[&'static str]) -> ModelError {
    let lower = name.to_ascii_lowercase();
    let suggestion = known
        .iter()
        .map(|k| (edit_distance(&lower, k), *k))
        .min()
        .filter(|(d, k)| *d <= (k.len() / 2).max(2))
        .map(|(_, k)| k);
    ModelError::UnknownName {
        what,
        name: name.to_string(),
        suggestion,
        known: known.join(", "),
    }
}

/// The entry `name`, which must be of `kind`.
fn lookup_kind(name: &str, kind: ModelKind) -> Result<&'static ModelInfo> {
    let info = lookup(name).map_err(|e| match e {
        ModelError::UnknownName { name, .. } => unknown(
            match kind {
                FullReference => "full-reference metric",
                NoReference => "no-reference model",
            },
            &name,
            &names(Some(kind)),
        ),
        other => other,
    })?;
    if info.kind != kind {
        return Err(ModelError::WrongKind {
            name: info.name,
            kind: info.kind,
            wanted: kind,
        });
    }
    Ok(info)
}

/// The weights file a model needs, or the error saying how to get one.
fn weights<'a>(info: &ModelInfo, options: &ModelOptions<'a>) -> Result<&'a Path> {
    options.weights.ok_or(ModelError::MissingWeights {
        model: info.name,
        help: match info.name {
            "deepwsd" => crate::vgg::weights_help(crate::vgg::VggDepth::Vgg16),
            _ => "a model file written by training",
        },
    })
}

/// Builds the full-reference metric `name` on `device`.
pub fn full_reference(
    name: &str,
    options: &ModelOptions<'_>,
    device: &Device,
) -> Result<Box<dyn FullReferenceModel>> {
    let info = lookup_kind(name, FullReference)?;
    Ok(match info.name {
        "psnr" => Box::new(Psnr::new(PsnrChannels::Rgb)),
        "psnr-y" => Box::new(Psnr::new(PsnrChannels::Luma)),
        "ssim" => Box::new(Ssim::new(SsimChannels::Luma, options.downsample)),
        "ssim-rgb" => Box::new(Ssim::new(SsimChannels::Rgb, options.downsample)),
        "ms-ssim" => Box::new(MsSsim::default()),
        "gmsd" => Box::new(Gmsd::new()),
        "vif" => Box::new(ClassicFr(ClassicFrMetric::Vif)),
        "nlpd" => Box::new(ClassicFr(ClassicFrMetric::Nlpd)),
        "cw-ssim" => Box::new(ClassicFr(ClassicFrMetric::CwSsim)),
        "fsim" => Box::new(ClassicFr(ClassicFrMetric::Fsim)),
        "fsimc" => Box::new(ClassicFr(ClassicFrMetric::Fsimc)),
        "vsi" => Box::new(ClassicFr(ClassicFrMetric::Vsi)),
        "mad" => Box::new(ClassicFr(ClassicFrMetric::Mad)),
        "deepwsd" => Box::new(DeepWsd::load(weights(info, options)?, device)?),
        other => {
            return Err(unknown(
                "full-reference metric",
                other,
                &names(Some(FullReference)),
            ));
        }
    })
}

/// Builds the no-reference model `name` on `device`.
pub fn no_reference(
    name: &str,
    options: &ModelOptions<'_>,
    device: &Device,
) -> Result<Box<dyn NoReferenceModel>> {
    let info = lookup_kind(name, NoReference)?;
    Ok(match info.name {
        "hallucinated-iqa" => Box::new(HiqaScorer::from_file(weights(info, options)?, device)?),
        "fpr" => Box::new(FprScorer::from_file(weights(info, options)?, device)?),
        "dfss-iqa" => Box::new(DfssScorer::from_file(weights(info, options)?, device)?),
        "niqe" => Box::new(ClassicNr(ClassicNrMetric::Niqe)),
        "brisque" => Box::new(ClassicNr(ClassicNrMetric::Brisque)),
        "piqe" => Box::new(ClassicNr(ClassicNrMetric::Piqe)),
        other => {
            return Err(unknown(
                "no-reference model",
                other,
                &names(Some(NoReference)),
            ));
        }
    })
}

/// Levenshtein distance, for suggesting names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_lowercase_and_found_case_insensitively() {
        let all = names(None);
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), all.len());
        assert!(all.iter().all(|n| n.to_ascii_lowercase() == *n));
        assert_eq!(lookup("MS-SSIM").unwrap().name, "ms-ssim");
        assert_eq!(lookup("deepwsd").unwrap().direction, LowerIsBetter);
        assert!(lookup("deepwsd").unwrap().needs_weights);
        assert_eq!(
            names(Some(NoReference)),
            vec![
                "hallucinated-iqa",
                "fpr",
                "dfss-iqa",
                "niqe",
                "brisque",
                "piqe"
            ]
        );
    }

    #[test]
    fn typos_get_suggestions_and_kinds_are_checked() {
        let dev = Device::Cpu;
        let err = full_reference("msssim", &ModelOptions::default(), &dev)
            .err()
            .unwrap();
        assert!(err.to_string().contains("did you mean `ms-ssim`"), "{err}");
        assert!(err.to_string().contains("full-reference metric"), "{err}");
        let err = lookup("zzzzzzzz").unwrap_err().to_string();
        assert!(!err.contains("did you mean"), "{err}");
        let err = no_reference("psnr", &ModelOptions::default(), &dev)
            .err()
            .unwrap();
        assert!(matches!(err, ModelError::WrongKind { .. }), "{err}");
        let err = full_reference("deepwsd", &ModelOptions::default(), &dev)
            .err()
            .unwrap();
        assert!(
            matches!(
                err,
                ModelError::MissingWeights {
                    model: "deepwsd",
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            !err.to_string().contains("--"),
            "no command-line flag in {err}"
        );
        let err = no_reference("hallucinated-iqa", &ModelOptions::default(), &dev)
            .err()
            .unwrap();
        assert!(matches!(err, ModelError::MissingWeights { .. }), "{err}");
    }

    #[test]
    fn built_metrics_agree_with_their_entries() {
        for name in names(Some(FullReference)) {
            let info = lookup(name).unwrap();
            if info.needs_weights {
                continue;
            }
            let metric = full_reference(name, &ModelOptions::default(), &Device::Cpu).unwrap();
            assert_eq!(metric.name(), name);
            assert_eq!(metric.direction(), info.direction, "{name}");
        }
        for name in names(Some(NoReference)) {
            let info = lookup(name).unwrap();
            if info.needs_weights {
                continue;
            }
            let model = no_reference(name, &ModelOptions::default(), &Device::Cpu).unwrap();
            let description = model.describe();
            assert_eq!(description.name, name);
            assert_eq!(description.direction, info.direction, "{name}");
        }
    }
}
