//! SSIM (Wang, Bovik, Sheikh & Simoncelli, IEEE TIP 2004), as the authors' reference
//! MATLAB code computes it: luma from `rgb2gray` rounded to 8 bits, optional automatic
//! downsampling by round(min(H, W) / 256), an 11 x 11 Gaussian window (sigma 1.5),
//! K1 = 0.01, K2 = 0.03, L = 255, 'valid' filtering, mean of the SSIM map. The colour
//! variant averages the SSIM of the R, G and B channels (no rounding).

use candle_core::{DType, Tensor};

use super::filter::{as_f64, box_downsample, gaussian_valid};
use super::{FullReferenceModel, check_pair, luma::luma_255};
use crate::Result;

/// Window size and deviation of the reference code.
pub(crate) const WINDOW: usize = 11;
pub(crate) const SIGMA: f64 = 1.5;
const C1: f64 = (0.01 * 255.0) * (0.01 * 255.0);
const C2: f64 = (0.03 * 255.0) * (0.03 * 255.0);

/// The reference code's automatic downsampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Downsample {
    /// Downsample by round(min(H, W) / 256) first, as the reference code does (default).
    #[default]
    Auto,
    /// Compare at full resolution (scikit-image's behaviour).
    Off,
}

/// Which channels SSIM compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SsimChannels {
    /// MATLAB `rgb2gray` luma, rounded to 8 bits (default; the reference code's input).
    #[default]
    Luma,
    /// Luma without the rounding: differentiable, for use as a loss.
    LumaUnrounded,
    /// Each RGB channel, averaged.
    Rgb,
}

/// The structural similarity index; higher is better, 1 for identical images.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ssim {
    channels: SsimChannels,
    downsample: Downsample,
}

/// Pixels of input (over all images and channels, overlap included) filtered at once by
/// [`ssim_and_cs`]: about 200 MiB of maps in flight, whatever the image's size.
pub(crate) const STRIP_PIXELS: usize = 1 << 20;

/// Per-image means of the SSIM map and of its contrast-structure part, from
/// (N, C, H, W) images on [0, 255] in f64: returns ((N,), (N,)).
///
/// Large images are computed in horizontal strips of at most [`STRIP_PIXELS`] input
/// pixels, consecutive strips overlapping by the window less one row, so that every
/// window of the whole image lies in exactly one strip: the maps' sums over the strips
/// are the sums over the whole map (up to the order of the additions), with the memory
/// of one strip.
pub(crate) fn ssim_and_cs(x: &Tensor, y: &Tensor) -> Result<(Tensor, Tensor)> {
    ssim_and_cs_in_strips(x, y, STRIP_PIXELS)
}

/// [`ssim_and_cs`] with strips of at most `strip_pixels` input pixels (at least
/// `2 x WINDOW` rows each).
pub(crate) fn ssim_and_cs_in_strips(
    x: &Tensor,
    y: &Tensor,
    strip_pixels: usize,
) -> Result<(Tensor, Tensor)> {
    let (n, c, h, w) = x.dims4()?;
    let out_rows = (h + 1).saturating_sub(WINDOW);
    let out_cols = (w + 1).saturating_sub(WINDOW);
    let input_rows = (strip_pixels / (n * c * w).max(1)).max(2 * WINDOW);
    let strip_rows = input_rows.saturating_sub(WINDOW - 1);
    if strip_rows >= out_rows {
        let (ssim, cs) = ssim_and_cs_sums(x, y)?;
        let count = (c * out_rows * out_cols) as f64;
        return Ok((ssim.affine(1.0 / count, 0.0)?, cs.affine(1.0 / count, 0.0)?));
    }
    let mut sums: Option<(Tensor, Tensor)> = None;
    let mut start = 0;
    while start < out_rows {
        let rows = strip_rows.min(out_rows - start);
        let span = rows + WINDOW - 1;
        let (ssim, cs) = ssim_and_cs_sums(&x.narrow(2, start, span)?, &y.narrow(2, start, span)?)?;
        sums = Some(match sums {
            None => (ssim, cs),
            Some((total_ssim, total_cs)) => ((total_ssim + ssim)?, (total_cs + cs)?),
        });
        start += rows;
    }
    let count = (c * out_rows * out_cols) as f64;
    match sums {
        Some((ssim, cs)) => Ok((ssim.affine(1.0 / count, 0.0)?, cs.affine(1.0 / count, 0.0)?)),
        None => ssim_and_cs_in_strips(x, y, usize::MAX),
    }
}

/// Per-image sums of the SSIM map and of its contrast-structure part, from (N, C, H, W)
/// images on [0, 255] in f64: returns ((N,), (N,)).
fn ssim_and_cs_sums(x: &Tensor, y: &Tensor) -> Result<(Tensor, Tensor)> {
    let (n, c, h, w) = x.dims4()?;
    // Every map as its own single-channel image: (5 N C, 1, H, W), filtered at once.
    let (x, y) = (x.reshape((n * c, 1, h, w))?, y.reshape((n * c, 1, h, w))?);
    let stack = Tensor::cat(&[&x, &y, &x.sqr()?, &y.sqr()?, &(&x * &y)?], 0)?;
    let means = gaussian_valid(&stack, WINDOW, SIGMA)?;
    let part = |k: usize| means.narrow(0, k * n * c, n * c);
    let (mu_x, mu_y) = (part(0)?, part(1)?);
    let (mu_xx, mu_yy, mu_xy) = (mu_x.sqr()?, mu_y.sqr()?, (&mu_x * &mu_y)?);
    let var_x = (part(2)? - &mu_xx)?;
    let var_y = (part(3)? - &mu_yy)?;
    let cov = (part(4)? - &mu_xy)?;
    // cs = (2 cov + C2) / (var_x + var_y + C2); luminance = (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1)
    let cs = (cov.affine(2.0, C2)? / (var_x + var_y)?.affine(1.0, C2)?)?;
    let luminance = (mu_xy.affine(2.0, C1)? / (mu_xx + mu_yy)?.affine(1.0, C1)?)?;
    let ssim = (luminance * &cs)?;
    // (N C, 1, h, w) -> (N,)
    let per_image = |map: Tensor| -> Result<Tensor> { Ok(map.reshape((n, ()))?.sum(1)?) };
    Ok((per_image(ssim)?, per_image(cs)?))
}

/// The reference code's automatic downsampling factor: max(1, round(min(H, W) / 256)).
pub(crate) fn auto_factor(h: usize, w: usize) -> usize {
    ((h.min(w) as f64 / 256.0).round() as usize).max(1)
}

impl Ssim {
    /// SSIM on the given channels with the given downsampling.
    pub fn new(channels: SsimChannels, downsample: Downsample) -> Self {
        Ssim {
            channels,
            downsample,
        }
    }

    fn prepare(&self, x: &Tensor) -> Result<Tensor> {
        let x = match self.channels {
            SsimChannels::Luma => luma_255(x, true)?,
            SsimChannels::LumaUnrounded => luma_255(x, false)?,
            SsimChannels::Rgb => as_f64(x)?.affine(255.0, 0.0)?,
        };
        let (_, _, h, w) = x.dims4()?;
        match self.downsample {
            Downsample::Auto => box_downsample(&x, auto_factor(h, w)),
            Downsample::Off => Ok(x),
        }
    }
}

impl FullReferenceModel for Ssim {
    fn name(&self) -> &'static str {
        match self.channels {
            SsimChannels::Rgb => "ssim-rgb",
            _ => "ssim",
        }
    }

    fn direction(&self) -> crate::registry::Direction {
        crate::registry::Direction::HigherIsBetter
    }

    fn predict(&self, reference: &Tensor, distorted: &Tensor) -> Result<Tensor> {
        let (_, h, w) = check_pair(
            self.name(),
            reference,
            distorted,
            (WINDOW, WINDOW),
            "the 11x11 SSIM window",
        )?;
        let factor = match self.downsample {
            Downsample::Auto => auto_factor(h, w),
            Downsample::Off => 1,
        };
        let min = WINDOW * factor;
        check_pair(
            self.name(),
            reference,
            distorted,
            (min, min),
            "the 11x11 SSIM window after automatic downsampling",
        )?;
        let (ssim, _) = ssim_and_cs(&self.prepare(reference)?, &self.prepare(distorted)?)?;
        Ok(ssim.to_dtype(DType::F32)?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn strips_give_the_whole_image_value() {
        // Two images of two channels, 61 x 37: strips of 22 input rows (the minimum) and
        // of a few more, the last one shorter.
        let dev = Device::Cpu;
        let x = Tensor::rand(0f64, 255f64, (2, 2, 61, 37), &dev).unwrap();
        let noise = Tensor::randn(0f64, 20f64, (2, 2, 61, 37), &dev).unwrap();
        let y = (&x + noise).unwrap();
        let (whole_ssim, whole_cs) = ssim_and_cs_in_strips(&x, &y, usize::MAX).unwrap();
        let whole_ssim: Vec<f64> = whole_ssim.to_vec1().unwrap();
        let whole_cs: Vec<f64> = whole_cs.to_vec1().unwrap();
        for strip_pixels in [0, 4 * 25 * 37, 4 * 40 * 37] {
            let (ssim, cs) = ssim_and_cs_in_strips(&x, &y, strip_pixels).unwrap();
            let ssim: Vec<f64> = ssim.to_vec1().unwrap();
            let cs: Vec<f64> = cs.to_vec1().unwrap();
            for k in 0..2 {
                assert!((ssim[k] - whole_ssim[k]).abs() < 1e-13, "{strip_pixels}");
                assert!((cs[k] - whole_cs[k]).abs() < 1e-13, "{strip_pixels}");
            }
        }
        assert!(whole_ssim.iter().all(|s| *s > 0.0 && *s < 0.99));
    }

    #[test]
    fn a_large_image_scores_the_same_in_strips() {
        // 600 x 2000 luma: more than STRIP_PIXELS, so the default path uses strips.
        let dev = Device::Cpu;
        let x = Tensor::rand(0f64, 255f64, (1, 1, 600, 2000), &dev).unwrap();
        let y = (&x + Tensor::randn(0f64, 20f64, (1, 1, 600, 2000), &dev).unwrap()).unwrap();
        let (strips, _) = ssim_and_cs(&x, &y).unwrap();
        let (whole, _) = ssim_and_cs_in_strips(&x, &y, usize::MAX).unwrap();
        let (strips, whole): (Vec<f64>, Vec<f64>) =
            (strips.to_vec1().unwrap(), whole.to_vec1().unwrap());
        assert!((strips[0] - whole[0]).abs() < 1e-13, "{strips:?} {whole:?}");
        assert_eq!(strips[0] as f32, whole[0] as f32);
    }
}
