//! PSNR on RGB over [0, 255] (as scikit-image's `peak_signal_noise_ratio` with
//! `data_range=255` computes it), or on MATLAB luma.
//!
//! Identical images have an infinite PSNR; to keep scores finite (and JSON valid) the
//! mean squared error is floored at 1e-10 on the [0, 1] scale, which caps PSNR at 100 dB.

use candle_core::{DType, Tensor};

use super::{FullReferenceModel, check_pair, luma::luma_255};
use crate::Result;

/// Which channels PSNR compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PsnrChannels {
    /// All three RGB channels (default).
    #[default]
    Rgb,
    /// MATLAB `rgb2gray` luma, rounded to 8 bits.
    Luma,
}

/// Peak signal-to-noise ratio in dB; higher is better.
#[derive(Debug, Clone, Copy, Default)]
pub struct Psnr {
    channels: PsnrChannels,
}

/// The floor of the mean squared error on the [0, 1] scale (PSNR cap: 100 dB).
const MIN_MSE: f64 = 1e-10;

impl Psnr {
    /// PSNR on the given channels.
    pub fn new(channels: PsnrChannels) -> Self {
        Psnr { channels }
    }
}

impl FullReferenceModel for Psnr {
    fn name(&self) -> &'static str {
        match self.channels {
            PsnrChannels::Rgb => "psnr",
            PsnrChannels::Luma => "psnr-y",
        }
    }

    fn direction(&self) -> crate::registry::Direction {
        crate::registry::Direction::HigherIsBetter
    }

    fn predict(&self, reference: &Tensor, distorted: &Tensor) -> Result<Tensor> {
        check_pair(
            self.name(),
            reference,
            distorted,
            (1, 1),
            "PSNR needs at least one pixel",
        )?;
        let (r, d) = match self.channels {
            PsnrChannels::Rgb => (
                reference.to_dtype(DType::F64)?,
                distorted.to_dtype(DType::F64)?,
            ),
            // luma_255 is on [0, 255]; bring it back to [0, 1].
            PsnrChannels::Luma => (
                luma_255(reference, true)?.affine(1.0 / 255.0, 0.0)?,
                luma_255(distorted, true)?.affine(1.0 / 255.0, 0.0)?,
            ),
        };
        // (N, C, H, W) -> (N,)
        let mse = (r - d)?
            .sqr()?
            .flatten_from(1)?
            .mean(1)?
            .clamp(MIN_MSE, f64::INFINITY)?;
        let psnr = mse.log()?.affine(-10.0 / std::f64::consts::LN_10, 0.0)?;
        Ok(psnr.to_dtype(DType::F32)?)
    }
}
