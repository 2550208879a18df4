//! GMSD, the gradient magnitude similarity deviation (Xue, Zhang, Mou & Bovik, IEEE TIP
//! 2014), as the authors' `GMSD.m` computes it: on 8-bit luma in [0, 255], downsampled by
//! a 2x2 mean (zero-padded at the bottom and right), Prewitt gradients divided by 3 with
//! zero padding, similarity `(2 g1 g2 + T) / (g1^2 + g2^2 + T)` with T = 170, and the
//! standard deviation (N - 1) of that map. Lower is better; 0 for identical images.
//!
//! A candle computation, so it is also a loss: [`Gmsd::loss`] skips the 8-bit rounding
//! and adds a small constant under the square root, whose gradient is otherwise undefined
//! where an image is flat.

use candle_core::{DType, Device, Tensor};

use super::luma::luma_255;
use super::{FullReferenceModel, check_pair};
use crate::Result;
use crate::registry::Direction;

/// The stability constant of the similarity, for luma on [0, 255].
const T: f64 = 170.0;

/// GMSD (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gmsd {
    round_luma: bool,
    epsilon: f64,
}

impl Default for Gmsd {
    fn default() -> Self {
        Gmsd::new()
    }
}

impl Gmsd {
    /// The metric as the authors compute it (luma rounded to 8 bits).
    pub fn new() -> Self {
        Gmsd {
            round_luma: true,
            epsilon: 0.0,
        }
    }

    /// The differentiable form for training: unrounded luma and 1e-12 under the square
    /// root (changes the value by about 5e-8 relative).
    pub fn loss() -> Self {
        Gmsd {
            round_luma: false,
            epsilon: 1e-12,
        }
    }

    /// The gradient magnitude of (B, 1, H, W) luma after the 2x2 mean downsampling.
    fn gradient_magnitude(&self, luma: &Tensor) -> Result<Tensor> {
        let (_, _, h, w) = luma.dims4()?;
        let padded = luma
            .pad_with_zeros(2, 0, h % 2)?
            .pad_with_zeros(3, 0, w % 2)?;
        let small = padded.avg_pool2d_with_stride((2, 2), (2, 2))?;
        let (kx, ky) = prewitt(luma.device())?;
        let gx = small.conv2d(&kx, 1, 1, 1, 1)?;
        let gy = small.conv2d(&ky, 1, 1, 1, 1)?;
        Ok((gx.sqr()? + gy.sqr()?)?.affine(1.0, self.epsilon)?.sqrt()?)
    }
}

/// The Prewitt kernels divided by 3 (horizontal, vertical), as (1, 1, 3, 3) f64 tensors.
fn prewitt(device: &Device) -> Result<(Tensor, Tensor)> {
    let third = 1.0 / 3.0;
    let kx = [third, 0.0, -third, third, 0.0, -third, third, 0.0, -third];
    let ky = [third, third, third, 0.0, 0.0, 0.0, -third, -third, -third];
    Ok((
        Tensor::from_slice(&kx, (1, 1, 3, 3), device)?,
        Tensor::from_slice(&ky, (1, 1, 3, 3), device)?,
    ))
}

impl FullReferenceModel for Gmsd {
    fn name(&self) -> &'static str {
        "gmsd"
    }

    fn direction(&self) -> Direction {
        Direction::LowerIsBetter
    }

    fn predict(&self, reference: &Tensor, distorted: &Tensor) -> Result<Tensor> {
        let (n, _, _) = check_pair(
            self.name(),
            reference,
            distorted,
            (4, 4),
            "two samples of the downsampled gradient map",
        )?;
        let g1 = self.gradient_magnitude(&luma_255(reference, self.round_luma)?)?;
        let g2 = self.gradient_magnitude(&luma_255(distorted, self.round_luma)?)?;
        let numerator = g1.mul(&g2)?.affine(2.0, T)?;
        let denominator = (g1.sqr()? + g2.sqr()?)?.affine(1.0, T)?;
        let similarity = numerator.div(&denominator)?.reshape((n, ()))?;
        let count = similarity.dim(1)? as f64;
        let mean = similarity.mean_keepdim(1)?;
        let variance = similarity
            .broadcast_sub(&mean)?
            .sqr()?
            .sum(1)?
            .affine(1.0 / (count - 1.0), 0.0)?;
        Ok(variance.sqrt()?.to_dtype(DType::F32)?)
    }
}
