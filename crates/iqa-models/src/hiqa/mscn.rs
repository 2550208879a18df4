//! The luma's mean-subtracted contrast-normalised (MSCN) coefficients, BRISQUE's and NIQE's
//! representation (Mittal, Moorthy & Bovik 2012): each pixel minus its Gaussian-weighted
//! local mean, divided by the local deviation plus a constant. They take out a scene's
//! local brightness and contrast and leave the statistics that distortions change, which is
//! why classic no-reference models rest on them; R can read them beside the image
//! ([`super::HiqaConfig::r_mscn`]). BRISQUE and NIQE compute theirs in plain `f64` on whole
//! images (`classic::mscn`); this is a tensor function, so it runs inside R, per patch, on
//! any device.

use candle_core::{D, Tensor};

use crate::Result;
use crate::fr::filter::gaussian_valid;
use iqa_ops::separable::symmetric_indices;

/// Side of the Gaussian window (BRISQUE's 7x7).
const WINDOW: usize = 7;
/// Its deviation (BRISQUE's 7/6).
const SIGMA: f64 = 7.0 / 6.0;
/// The constant under the division, for values in [0, 1] (BRISQUE's 1 on the 0-255 scale).
const STABILISER: f64 = 1.0 / 255.0;

/// MSCN coefficients of the BT.601 luma of `rgb` (`N x 3 x H x W`, values in [0, 1]):
/// `N x 1 x H x W`, borders mirrored (MATLAB's 'symmetric').
pub fn mscn_luma(rgb: &Tensor) -> Result<Tensor> {
    let (_, _, h, w) = rgb.dims4()?;
    let weights = Tensor::new(&[0.299f32, 0.587, 0.114], rgb.device())?
        .to_dtype(rgb.dtype())?
        .reshape((1, 3, 1, 1))?;
    let luma = rgb.broadcast_mul(&weights)?.sum_keepdim(1)?;
    let half = WINDOW / 2;
    let rows = symmetric_indices(h, half, half, rgb.device())?;
    let cols = symmetric_indices(w, half, half, rgb.device())?;
    let padded = luma
        .index_select(&rows, D::Minus2)?
        .index_select(&cols, D::Minus1)?;
    let mean = gaussian_valid(&padded, WINDOW, SIGMA)?;
    let mean_sq = gaussian_valid(&padded.sqr()?, WINDOW, SIGMA)?;
    let deviation = (mean_sq - mean.sqr()?)?.relu()?.sqrt()?;
    Ok(((luma - mean)? / (deviation + STABILISER)?)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// The test pattern, `1 x 3 x h x w`: 8-bit values / 255, times `gain` plus `offset`.
    fn pattern(h: usize, w: usize, gain: f32, offset: f32) -> Tensor {
        let values: Vec<f32> = (0..3)
            .flat_map(|c| (0..h).flat_map(move |y| (0..w).map(move |x| (c, y, x))))
            .map(|(c, y, x)| ((x * 37 + y * 101 + c * 59 + (x * y) % 7 * 11) % 256) as u8)
            .map(|v| f32::from(v) / 255.0 * gain + offset)
            .collect();
        Tensor::from_vec(values, (1, 3, h, w), &Device::Cpu).unwrap()
    }

    #[test]
    fn matches_scipy() {
        // Computed once with SciPy (float64) from the same 9x8 pattern:
        //   luma = 0.299 R + 0.587 G + 0.114 B of the values / 255 (rounded to f32)
        //   g = exp(-(arange(7) - 3)^2 / (2 (7/6)^2)); g /= g.sum(); k = outer(g, g)
        //   mu = correlate(luma, k, mode='reflect')   # 'reflect' is MATLAB's 'symmetric'
        //   sd = sqrt(max(correlate(luma^2, k, mode='reflect') - mu^2, 0))
        //   mscn = (luma - mu) / (sd + 1 / 255)
        let rgb = pattern(8, 9, 1.0, 0.0);
        let m = mscn_luma(&rgb)
            .unwrap()
            .squeeze(0)
            .unwrap()
            .squeeze(0)
            .unwrap();
        let m = m.to_vec2::<f32>().unwrap();
        for (y, x, expected) in [
            (0, 0, -0.990_555_660_530_606_5),
            (3, 4, -0.444_968_228_174_034_86),
            (7, 8, 0.046_515_186_738_908_41),
            (5, 1, 0.265_909_555_779_654_25),
        ] {
            let got = f64::from(m[y][x]);
            assert!(
                (got - expected).abs() < 1e-4,
                "({y}, {x}): {got} vs {expected}"
            );
        }
    }

    #[test]
    fn flat_images_give_zero_and_contrast_cancels() {
        let flat = Tensor::full(0.4f32, (1, 3, 12, 12), &Device::Cpu).unwrap();
        let m = mscn_luma(&flat).unwrap();
        assert_eq!(m.dims(), &[1, 1, 12, 12]);
        let max = m
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!(max < 1e-4, "{max}");
        // The test pattern at 0.2x and at 0.8x contrast around other means: nearly the same
        // coefficients, only the stabiliser differs (SciPy, as above, on 16x16: mean
        // absolute difference 0.077 of the coefficients' mean magnitude).
        let a = mscn_luma(&pattern(16, 16, 0.2, 0.1)).unwrap();
        let b = mscn_luma(&pattern(16, 16, 0.8, 0.15)).unwrap();
        let diff = (a - &b).unwrap().abs().unwrap().mean_all().unwrap();
        let size = b.abs().unwrap().mean_all().unwrap();
        let ratio = diff.to_scalar::<f32>().unwrap() / size.to_scalar::<f32>().unwrap();
        assert!((ratio - 0.077).abs() < 0.002, "{ratio}");
    }
}
