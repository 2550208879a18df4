//! MAD, Most Apparent Distortion (E. C. Larson and D. M. Chandler, "Most apparent
//! distortion: full-reference image quality assessment and the role of strategy", Journal
//! of Electronic Imaging 2010), as the PyTorch MAD of IQA-PyTorch (pyiqa, derived from
//! IQA-optimization) computes it on the three RGB channels and averages; the published
//! MAD values use that code.
//!
//! Per channel, a detection-based index HI ([`detection_index`]) and an appearance-based
//! index LO ([`appearance_index`]) are blended as `LO^(1 - s) HI^s` with
//! `s = 1 / (1 + b1 HI^b2)`, `b1 = exp(-2.55 / 3.35)`, `b2 = 1 / (3.35 ln 10)`.
//!
//! Differences from the authors' MAD_index.m (which works on the gray image, keeps
//! full-resolution statistics maps and crops a 16-pixel border): block statistics on a
//! stride-4 grid of 16x16 windows, the reference contrast as the halved minimum of
//! neighbouring windows, the scrambled CSF layout and the channel interleave of that code,
//! no luminance look-up table, and log-Gabor weights indexed by orientation; no border crop.
//!
//! [`detection_index`]: super::mad_detection::detection_index
//! [`appearance_index`]: super::mad_appearance::appearance_index

use super::block_moments::BLOCK;
use super::colour::check_pair;
use super::mad_appearance::appearance_index;
use super::mad_detection::detection_index;
use super::{ClassicError, RgbPlanes};

const METRIC: &str = "mad";

/// MAD of `distorted` against `reference` (RGB planes on the 0..255 scale, of the same
/// size, at least 16x16 pixels): 0 for identical images, higher is worse.
pub fn mad(reference: &RgbPlanes, distorted: &RgbPlanes) -> Result<f64, ClassicError> {
    check_pair(
        METRIC,
        reference,
        distorted,
        (BLOCK, BLOCK),
        "the local statistics use 16x16 windows",
    )?;
    let (width, height) = (reference.width(), reference.height());
    let refs = [reference.r.data(), reference.g.data(), reference.b.data()];
    let dsts = [distorted.r.data(), distorted.g.data(), distorted.b.data()];
    // The two stages are independent: one per thread.
    let (hi, lo) = rayon::join(
        || detection_index(&refs, &dsts, width, height),
        || appearance_index(&refs, &dsts, width, height),
    );
    let b1 = (-2.55_f64 / 3.35).exp();
    let b2 = 1.0 / (10.0_f64.ln() * 3.35);
    let mut sum = 0.0;
    for (&hi, &lo) in hi.iter().zip(&lo) {
        let sig = 1.0 / (1.0 + b1 * hi.powf(b2));
        sum += lo.powf(1.0 - sig) * hi.powf(sig);
    }
    let value = sum / hi.len() as f64;
    if !value.is_finite() {
        return Err(ClassicError::Undefined {
            metric: METRIC,
            reason: format!(
                "the detection (HI {hi:?}) or appearance (LO {lo:?}) index is not finite"
            ),
        });
    }
    Ok(value)
}
