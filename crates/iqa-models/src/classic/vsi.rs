//! VSI (L. Zhang, Y. Shen and H. Li, "VSI: A Visual Saliency-Induced Index for Perceptual
//! Image Quality Assessment", IEEE TIP 2014) as the PyTorch VSI of IQA-optimization
//! (K. Ding) computes it; the published VSI values were computed with that code.
//!
//! Differences from the authors' VSI.m: SDSP saliency at full resolution in that code's
//! CIELAB ([`Sdsp`]); downsampling by non-overlapping `F x F` block means with
//! `F = max(1, round(min(H, W) / 256))` rounded half to even (remainder rows and columns
//! dropped) instead of `conv2` averaging and subsampling; 1e-12 terms in the gradient
//! magnitude and the powers; and `|S_M S_N|^0.02` instead of `Re[(S_M S_N)^0.02]`.

use super::colour::{LMN, check_pair, linear_transform};
use super::downsample::{block_mean, factor_numpy};
use super::feature_similarity::{scharr_gradient_magnitude, similarity};
use super::fft2::Complex64;
use super::saliency_sdsp::Sdsp;
use super::{ClassicError, RgbPlanes};

const METRIC: &str = "vsi";
const C_SALIENCY: f64 = 1.27;
const C_GRADIENT: f64 = 386.0;
const C_CHROMA: f64 = 130.0;
const ALPHA: f64 = 0.4;
const BETA: f64 = 0.02;
const TINY: f64 = 1e-12;

/// VSI of `distorted` against `reference` (RGB planes on the 0..255 scale, of the same
/// size, at least 2x2 pixels): 1 for identical images (up to the 1e-12 terms), lower is
/// worse.
pub fn vsi(reference: &RgbPlanes, distorted: &RgbPlanes) -> Result<f64, ClassicError> {
    check_pair(
        METRIC,
        reference,
        distorted,
        (2, 2),
        "SDSP's frequency grid divides by the image size minus one",
    )?;
    let (width, height) = (reference.width(), reference.height());
    let sdsp = Sdsp::new(width, height);
    let f = factor_numpy(width, height);
    let down = |plane: Vec<f64>| block_mean(plane, width, height, f);
    // The two saliency maps are independent: one per thread.
    let saliency = |image: &RgbPlanes| {
        let mut buffer = vec![Complex64::new(0.0, 0.0); width * height];
        down(sdsp.saliency(image, &mut buffer))
    };
    let (vs1, vs2) = rayon::join(|| saliency(reference), || saliency(distorted));
    let [l1, m1, n1] = linear_transform(reference, &LMN).map(down);
    let [l2, m2, n2] = linear_transform(distorted, &LMN).map(down);
    let (w, h) = (vs1.width, vs1.height);
    let g1 = scharr_gradient_magnitude(&l1.data, w, h, TINY);
    let g2 = scharr_gradient_magnitude(&l2.data, w, h, TINY);

    let (mut sum, mut sum_weight) = (0.0, 0.0);
    for k in 0..w * h {
        let (v1, v2) = (vs1.data[k], vs2.data[k]);
        let s_vs = similarity(v1, v2, C_SALIENCY);
        let s_g = similarity(g1[k], g2[k], C_GRADIENT);
        let s_c = similarity(m1.data[k], m2.data[k], C_CHROMA)
            * similarity(n1.data[k], n2.data[k], C_CHROMA);
        let weight = v1.max(v2);
        sum += (s_g.abs() + TINY).powf(ALPHA) * s_vs * (s_c.abs() + TINY).powf(BETA) * weight;
        sum_weight += weight;
    }
    if sum_weight <= 0.0 || !sum.is_finite() {
        return Err(ClassicError::Undefined {
            metric: METRIC,
            reason: "the SDSP saliency (the pooling weight) is zero everywhere in both images \
                     (no colour contrast), so the weighted mean is 0/0"
                .into(),
        });
    }
    Ok(sum / sum_weight)
}
