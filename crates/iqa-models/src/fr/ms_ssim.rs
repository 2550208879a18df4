//! MS-SSIM (Wang, Simoncelli & Bovik, Asilomar 2003): SSIM's contrast-structure term at
//! five scales and its luminance term at the coarsest, weighted
//! 0.0448, 0.2856, 0.3001, 0.2363, 0.1333, with 2 x 2 box downsampling ('symmetric'
//! borders, every second pixel) between scales, on `rgb2gray` luma rounded to 8 bits.
//!
//! Negative contrast-structure means (anti-correlated images) would make the fractional
//! powers undefined; they are clamped to 0, giving a score of 0.

use candle_core::{DType, Tensor};

use super::filter::box_downsample;
use super::ssim::{WINDOW, ssim_and_cs};
use super::{FullReferenceModel, check_pair, luma::luma_255};
use crate::Result;

/// The published scale weights, finest first.
pub const MS_SSIM_WEIGHTS: [f64; 5] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

/// Multi-scale SSIM; higher is better, 1 for identical images.
#[derive(Debug, Clone, Copy, Default)]
pub struct MsSsim {
    /// Skip the 8-bit rounding of the luma (differentiable, for losses).
    pub unrounded: bool,
}

impl FullReferenceModel for MsSsim {
    fn name(&self) -> &'static str {
        "ms-ssim"
    }

    fn direction(&self) -> crate::registry::Direction {
        crate::registry::Direction::HigherIsBetter
    }

    fn predict(&self, reference: &Tensor, distorted: &Tensor) -> Result<Tensor> {
        // The coarsest of five scales is 1/16 of the input and must hold the 11x11 window.
        let min = WINDOW * 16 - 15;
        check_pair(
            "ms-ssim",
            reference,
            distorted,
            (min, min),
            "an 11x11 window at the coarsest of 5 scales",
        )?;
        let mut x = luma_255(reference, !self.unrounded)?;
        let mut y = luma_255(distorted, !self.unrounded)?;
        let mut score: Option<Tensor> = None;
        for (scale, weight) in MS_SSIM_WEIGHTS.iter().enumerate() {
            let (ssim, cs) = ssim_and_cs(&x, &y)?;
            let term = if scale + 1 == MS_SSIM_WEIGHTS.len() {
                ssim
            } else {
                cs
            };
            // term^weight, with negative terms clamped to 0
            let powered = term.relu()?.powf(*weight)?;
            score = Some(match score {
                Some(s) => (s * powered)?,
                None => powered,
            });
            if scale + 1 < MS_SSIM_WEIGHTS.len() {
                x = box_downsample(&x, 2)?;
                y = box_downsample(&y, 2)?;
            }
        }
        match score {
            Some(s) => Ok(s.to_dtype(DType::F32)?),
            None => unreachable_scales(),
        }
    }
}

/// The weights are a non-empty constant, so the loop always runs.
fn unreachable_scales() -> Result<Tensor> {
    Err(crate::ModelError::InvalidConfig {
        field: "ms-ssim",
        reason: "no scales".to_string(),
    })
}
