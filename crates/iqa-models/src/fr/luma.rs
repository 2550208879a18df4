//! Luma as MATLAB's `rgb2gray` computes it for 8-bit images, which the reference SSIM and
//! MS-SSIM code is given.

use candle_core::{DType, Tensor};

use crate::Result;

/// `rgb2gray`'s weights (ITU-R BT.601, as MATLAB stores them).
const WEIGHTS: [f64; 3] = [
    0.298_936_021_293_775,
    0.587_043_074_451_121,
    0.114_020_904_255_103,
];

/// (N, 3, H, W) in [0, 1] -> (N, 1, H, W) luma on [0, 255] in f64, rounded to integers as
/// MATLAB does for uint8 input when `round` is set (rounding stops gradients; losses turn
/// it off).
pub(crate) fn luma_255(rgb: &Tensor, round: bool) -> Result<Tensor> {
    let rgb = rgb.to_dtype(DType::F64)?;
    let mut y = rgb.narrow(1, 0, 1)?.affine(WEIGHTS[0] * 255.0, 0.0)?;
    for (c, w) in WEIGHTS.iter().enumerate().skip(1) {
        y = (y + rgb.narrow(1, c, 1)?.affine(w * 255.0, 0.0)?)?;
    }
    // Inputs come from 8-bit images as k / 255; scaling back is exact up to rounding,
    // which `round` removes.
    Ok(if round { y.round()? } else { y })
}
