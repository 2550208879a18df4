//! The filters of the SSIM family: the Gaussian window ('valid' correlation, as
//! `filter2(w, x, 'valid')`) and MATLAB-style box downsampling (`imfilter(x, ones(f)/f^2,
//! 'symmetric', 'same')` followed by `x(1:f:end, 1:f:end)`).

use candle_core::{DType, Tensor};

use crate::Result;
use iqa_ops::separable::{separable_valid, symmetric_indices};

/// The normalised 1-D Gaussian of `size` taps and deviation `sigma`; its outer product is
/// MATLAB's `fspecial('gaussian', size, sigma)`.
fn gaussian_1d(size: usize, sigma: f64) -> Vec<f64> {
    let centre = (size as f64 - 1.0) / 2.0;
    let taps: Vec<f64> = (0..size)
        .map(|i| (-((i as f64 - centre).powi(2)) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = taps.iter().sum();
    taps.into_iter().map(|t| t / sum).collect()
}

/// Gaussian-weighted local means of every map in `x` (B, 1, H, W), 'valid' region only:
/// (B, 1, H - size + 1, W - size + 1). Separable (see [`iqa_ops::separable`]).
pub(crate) fn gaussian_valid(x: &Tensor, size: usize, sigma: f64) -> Result<Tensor> {
    Ok(separable_valid(x, gaussian_1d(size, sigma))?)
}

/// MATLAB's box downsampling by `factor` of (B, C, H, W): average over `factor x factor`
/// with 'symmetric' borders (MATLAB centres an even kernel at floor((f+1)/2)), then every
/// `factor`-th sample from the first; output (B, C, ceil(H/f), ceil(W/f)).
pub(crate) fn box_downsample(x: &Tensor, factor: usize) -> Result<Tensor> {
    if factor <= 1 {
        return Ok(x.clone());
    }
    let (_, _, h, w) = x.dims4()?;
    let before = factor.div_ceil(2) - 1;
    let after = factor - 1 - before;
    let rows = symmetric_indices(h, before, after, x.device())?;
    let cols = symmetric_indices(w, before, after, x.device())?;
    let padded = x.index_select(&rows, 2)?.index_select(&cols, 3)?;
    // Windows start at 0, f, 2f, ... of the padded signal: exactly avg_pool with stride f.
    Ok(padded.avg_pool2d_with_stride((factor, factor), (factor, factor))?)
}

/// The f64 view used by the reference implementations.
pub(crate) fn as_f64(x: &Tensor) -> Result<Tensor> {
    Ok(x.to_dtype(DType::F64)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn gaussian_taps_match_fspecial() {
        // fspecial('gaussian', 11, 1.5) is the outer product of these (sum 1).
        let g = gaussian_1d(11, 1.5);
        assert!((g.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!((g[5] - 0.266_011_724_861_794_4).abs() < 1e-12, "{}", g[5]);
    }

    #[test]
    fn downsample_by_two_averages_forward() {
        // 1 x 3 row-major: [[0, 2, 4], [6, 8, 10], [12, 14, 16]], factor 2, symmetric.
        let x = Tensor::arange(0f64, 9.0, &Device::Cpu)
            .unwrap()
            .affine(2.0, 0.0)
            .unwrap()
            .reshape((1, 1, 3, 3))
            .unwrap();
        let y: Vec<Vec<f64>> = box_downsample(&x, 2)
            .unwrap()
            .squeeze(0)
            .unwrap()
            .squeeze(0)
            .unwrap()
            .to_vec2()
            .unwrap();
        assert_eq!(y, vec![vec![4.0, 7.0], vec![13.0, 16.0]]);
    }
}
