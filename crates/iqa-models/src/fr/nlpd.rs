//! NLPD, the normalised Laplacian pyramid distance (Laparra, Balle, Berardino & Simoncelli,
//! HVEI 2016), as a candle computation: the same algorithm as [`crate::classic::nlpd`]
//! (the authors' `NLP_dist.m`) on `N x 3 x H x W` tensors, batched and differentiable.
//!
//! Luma (MATLAB `rgb2gray`, rounded to 8 bits) divided by 255; a 6-level Laplacian pyramid
//! with the 5-tap Burt and Adelson filter ('symmetric' borders going down; going up the
//! low-pass image replicated by one sample at its border, spread to every other sample
//! times 4, filtered with zero borders and cropped); each level divided by
//! `sigma + conv2(|level|, F, 'same')` with the per-level filters of the original code;
//! the mean over the levels of the root mean square difference. Computed in f64: the
//! band-pass levels are differences of nearly equal images. Lower is better; 0 for
//! identical images.
//!
//! Every filter is a weighted sum of shifted views (`narrow`) of a padded tensor, the
//! separable low-pass filter one dimension at a time and the upsampling by its two
//! phases, so the computation is plain candle ops on any device, with their gradients.
//! It agrees with [`crate::classic::nlpd`] to the rounding of the f32 result.
//!
//! [`Nlpd::loss`] skips the 8-bit rounding and adds a small constant under each square
//! root, whose gradient is otherwise undefined where the images agree.

use candle_core::{DType, Tensor};

use super::luma::luma_255;
use super::{FullReferenceModel, check_pair};
use crate::Result;
use crate::registry::Direction;
use iqa_ops::separable::symmetric_pad;

/// The pyramid's levels (5 band-pass and the low-pass residual).
const LEVELS: usize = 6;
/// Each of the 5 halvings must start from at least 2 samples (see
/// [`crate::classic::nlpd`]).
const MIN_SIDE: usize = 17;
/// The Burt and Adelson low-pass filter (1-D factor of the 5x5 kernel).
const BURT: [f64; 5] = [0.05, 0.25, 0.4, 0.25, 0.05];
/// `sigma` of the divisive normalisation, finest level first.
const SIGMAS: [f64; LEVELS] = [0.0248, 0.0185, 0.0179, 0.0191, 0.0220, 0.2782];
/// The non-zero taps (row, column, value; 0-based in the 5x5 filter) of the normalisation
/// filters `DN_filts(N_b).F2` of `NLP_dist.m`, finest level first.
const DN_TAPS: [&[(usize, usize, f64)]; LEVELS] = [
    &[
        (1, 2, 0.1011),
        (2, 1, 0.1493),
        (2, 3, 0.1460),
        (2, 4, 0.0072),
        (3, 2, 0.1015),
    ],
    &[
        (1, 2, 0.0757),
        (2, 1, 0.1986),
        (2, 3, 0.1846),
        (3, 2, 0.0837),
    ],
    &[
        (1, 2, 0.0477),
        (2, 1, 0.2138),
        (2, 3, 0.2243),
        (3, 2, 0.0467),
    ],
    &[(2, 1, 0.2503), (2, 3, 0.2616)],
    &[(2, 1, 0.2598), (2, 3, 0.2552)],
    &[(2, 1, 0.2215), (2, 3, 0.0717)],
];

/// NLPD (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nlpd {
    round_luma: bool,
    epsilon: f64,
}

impl Default for Nlpd {
    fn default() -> Self {
        Nlpd::new()
    }
}

impl Nlpd {
    /// The metric as the authors compute it (luma rounded to 8 bits).
    pub fn new() -> Self {
        Nlpd {
            round_luma: true,
            epsilon: 0.0,
        }
    }

    /// The differentiable form for training: unrounded luma and 1e-12 under each level's
    /// square root (1e-6 for identical images). The constant changes other values by less
    /// than 1e-8 relative; the unrounded luma changes them more (about 1e-3 relative on
    /// visibly distorted pairs, up to a third on near-identical ones, where NLPD is about
    /// 0.02 and the 8-bit rounding is itself a difference it sees).
    pub fn loss() -> Self {
        Nlpd {
            round_luma: false,
            epsilon: 1e-12,
        }
    }

    /// The normalised pyramid of (B, 3, H, W) RGB in [0, 1]: 6 (B, 1, h, w) f64 levels.
    fn normalised_pyramid(&self, rgb: &Tensor) -> Result<Vec<Tensor>> {
        let image = luma_255(rgb, self.round_luma)?.affine(1.0 / 255.0, 0.0)?;
        laplacian_pyramid(&image)?
            .into_iter()
            .enumerate()
            .map(|(level, band)| {
                let amplitude = local_amplitude(&band, level)?;
                Ok(band.div(&amplitude.affine(1.0, SIGMAS[level])?)?)
            })
            .collect()
    }
}

/// `conv2(|band|, F, 'same')` (zero borders) with the normalisation filter F of `level`:
/// a tap at (r, c) of F weighs the sample at offset (2 - r, 2 - c).
fn local_amplitude(band: &Tensor, level: usize) -> Result<Tensor> {
    let (_, _, h, w) = band.dims4()?;
    let padded = band
        .abs()?
        .pad_with_zeros(2, 2, 2)?
        .pad_with_zeros(3, 2, 2)?;
    let mut sum = band.zeros_like()?;
    for &(r, c, v) in DN_TAPS[level] {
        let shifted = padded.narrow(2, 4 - r, h)?.narrow(3, 4 - c, w)?;
        sum = (sum + shifted.affine(v, 0.0)?)?;
    }
    Ok(sum)
}

/// `laplacian_pyramid_s` of (B, 1, H, W): 5 band-pass levels and the low-pass residual.
fn laplacian_pyramid(image: &Tensor) -> Result<Vec<Tensor>> {
    let mut out = Vec::with_capacity(LEVELS);
    let mut current = image.clone();
    for _ in 0..LEVELS - 1 {
        let (_, _, h, w) = current.dims4()?;
        let low = downsample(&downsample(&current, 2)?, 3)?;
        let up = upsample(&upsample(&low, 2, h)?, 3, w)?;
        out.push(current.sub(&up)?);
        current = low;
    }
    out.push(current);
    Ok(out)
}

/// `out[i] = sum_k taps[k] x[i + k]` along `dim`, for `len` outputs (zero taps skipped).
fn correlate_along(x: &Tensor, dim: usize, taps: &[f64], len: usize) -> Result<Tensor> {
    let mut sum: Option<Tensor> = None;
    for (k, &t) in taps.iter().enumerate().filter(|(_, t)| **t != 0.0) {
        let term = x.narrow(dim, k, len)?.affine(t, 0.0)?;
        sum = Some(match sum {
            Some(s) => (s + term)?,
            None => term,
        });
    }
    match sum {
        Some(s) => Ok(s),
        None => Ok(x.narrow(dim, 0, len)?.zeros_like()?),
    }
}

/// One dimension of `imfilter(x, filter, 'symmetric')` followed by `x(1:2:end)`: the
/// 5-tap low-pass filter along `dim` (2 or 3), every other sample from the first.
fn downsample(x: &Tensor, dim: usize) -> Result<Tensor> {
    let n = x.dim(dim)?;
    let filtered = correlate_along(&symmetric_pad(x, dim, 2, 2)?, dim, &BURT, n)?;
    let even = Tensor::arange_step(0u32, n as u32, 2, x.device())?;
    Ok(filtered.index_select(&even, dim)?)
}

/// One dimension of the upsampling of `NLP_dist.m` to `len` samples along `dim` (2 or 3):
/// the border replicated by one sample (`p`), spread to every other sample times 2 (4 over
/// both dimensions), correlated with the 5-tap filter and cropped. Output `2m` is
/// `K0 p[m] + K2 p[m + 1] + K4 p[m + 2]`, output `2m + 1` is `K1 p[m + 1] + K3 p[m + 2]`
/// (the taps that meet zeros drop out), interleaved and cut to `len`.
fn upsample(low: &Tensor, dim: usize, len: usize) -> Result<Tensor> {
    let n = low.dim(dim)?;
    let p = low.pad_with_same(dim, 1, 1)?.affine(2.0, 0.0)?;
    let even = correlate_along(&p, dim, &[BURT[0], BURT[2], BURT[4]], n)?;
    let odd = correlate_along(&p, dim, &[0.0, BURT[1], BURT[3]], n)?;
    let mut dims = even.dims().to_vec();
    dims[dim] *= 2;
    let interleaved = Tensor::stack(&[&even, &odd], dim + 1)?.reshape(dims)?;
    Ok(interleaved.narrow(dim, 0, len)?)
}

impl FullReferenceModel for Nlpd {
    fn name(&self) -> &'static str {
        "nlpd"
    }

    fn direction(&self) -> Direction {
        Direction::LowerIsBetter
    }

    fn predict(&self, reference: &Tensor, distorted: &Tensor) -> Result<Tensor> {
        let (n, _, _) = check_pair(
            self.name(),
            reference,
            distorted,
            (MIN_SIDE, MIN_SIDE),
            "each of the 5 halvings of the 6-level Laplacian pyramid needs at least 2 samples",
        )?;
        let a = self.normalised_pyramid(reference)?;
        let b = self.normalised_pyramid(distorted)?;
        let mut levels = Vec::with_capacity(LEVELS);
        for (x, y) in a.iter().zip(&b) {
            let mean_square = x.sub(y)?.sqr()?.reshape((n, ()))?.mean(1)?;
            levels.push(mean_square.affine(1.0, self.epsilon)?.sqrt()?);
        }
        let distance = Tensor::stack(&levels, 1)?.mean(1)?;
        Ok(distance.to_dtype(DType::F32)?)
    }
}
