//! FSIM and FSIMc (L. Zhang, L. Zhang, X. Mou and D. Zhang, "FSIM: A Feature Similarity
//! Index for Image Quality Assessment", IEEE TIP 2011), as the authors' FeatureSIM.m
//! computes them on RGB images.
//!
//! Y, I, Q of the 0..255 RGB planes (no rounding); downsampling by
//! `F = max(1, round(min(H, W) / 256))` (`conv2` 'same' average, every F-th sample);
//! phase congruency PC of Y ([`PhaseCongruency`]); Scharr gradient magnitude G of Y;
//! `S_PC`, `S_G`, `S_I`, `S_Q` similarity maps with constants 0.85, 160, 200, 200, weighted
//! by `max(PC1, PC2)`. The chromatic term `Re[(S_I S_Q)^0.03]` is `|S_I S_Q|^0.03 cos(0.03 pi)`
//! where the product is negative.

use super::colour::{YIQ, check_pair, linear_transform};
use super::downsample::{conv_average_subsample, factor_matlab};
use super::feature_similarity::{scharr_gradient_magnitude, similarity};
use super::phase_congruency::PhaseCongruency;
use super::{ClassicError, RgbPlanes};

const METRIC: &str = "fsim";
const C_PC: f64 = 0.85;
const C_G: f64 = 160.0;
const C_CHROMA: f64 = 200.0;
const LAMBDA: f64 = 0.03;

/// The two scores of FeatureSIM.m for one pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FsimScores {
    /// FSIM: phase congruency and gradient similarity of the luminance Y, in 0..1
    /// (1 for identical images).
    pub fsim: f64,
    /// FSIMc: FSIM with the chromatic similarity of I and Q folded in (the value
    /// published as "FSIM" for colour images), in 0..1 (1 for identical images).
    pub fsimc: f64,
}

/// FSIM and FSIMc of `distorted` against `reference` (RGB planes on the 0..255 scale, of
/// the same size, at least 2x2 pixels).
pub fn fsim(reference: &RgbPlanes, distorted: &RgbPlanes) -> Result<FsimScores, ClassicError> {
    check_pair(
        METRIC,
        reference,
        distorted,
        (2, 2),
        "phase congruency's frequency grid divides by the image size minus one",
    )?;
    let (width, height) = (reference.width(), reference.height());
    let f = factor_matlab(width, height);
    let down = |plane: Vec<f64>| conv_average_subsample(plane, width, height, f);
    let [y1, i1, q1] = linear_transform(reference, &YIQ).map(down);
    let [y2, i2, q2] = linear_transform(distorted, &YIQ).map(down);
    let (w, h) = (y1.width, y1.height);

    let phase = PhaseCongruency::new(w, h);
    let (pc1, pc2) = rayon::join(|| phase.map(&y1.data), || phase.map(&y2.data));
    let g1 = scharr_gradient_magnitude(&y1.data, w, h, 0.0);
    let g2 = scharr_gradient_magnitude(&y2.data, w, h, 0.0);

    let negative_chroma = (LAMBDA * std::f64::consts::PI).cos();
    let (mut sum_fsim, mut sum_fsimc, mut sum_pcm) = (0.0, 0.0, 0.0);
    for k in 0..w * h {
        let s_pc = similarity(pc1[k], pc2[k], C_PC);
        let s_g = similarity(g1[k], g2[k], C_G);
        let pcm = pc1[k].max(pc2[k]);
        let siq = similarity(i1.data[k], i2.data[k], C_CHROMA)
            * similarity(q1.data[k], q2.data[k], C_CHROMA);
        let chroma = siq.abs().powf(LAMBDA) * if siq < 0.0 { negative_chroma } else { 1.0 };
        sum_fsim += s_g * s_pc * pcm;
        sum_fsimc += s_g * s_pc * chroma * pcm;
        sum_pcm += pcm;
    }
    let scores = FsimScores {
        fsim: sum_fsim / sum_pcm,
        fsimc: sum_fsimc / sum_pcm,
    };
    if !scores.fsim.is_finite() || !scores.fsimc.is_finite() {
        return Err(ClassicError::Undefined {
            metric: METRIC,
            reason: "the phase congruency (the pooling weight) is zero or undefined everywhere in \
                     both images (flat images, or tiny ones whose energy is all below the noise \
                     threshold), so the weighted mean is 0/0"
                .into(),
        });
    }
    Ok(scores)
}
