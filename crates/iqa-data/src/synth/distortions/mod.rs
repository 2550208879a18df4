//! The distortion implementations, one module per family, and the helpers they share.
//!
//! Every distortion is a `Tabled`: a name, a one-line description, a five-entry
//! parameter table (one `pub const` per distortion, mild to severe) and a function of
//! (image, parameter, rng). `all` lists them for the registry in
//! [`super::distortion`].
//!
//! Database types not reproduced (and so absent from the sets):
//! - TID2013 `jpeg_transmission_errors`: the `image` JPEG encoder writes no restart
//!   markers, so one bit error wrecks the rest of the scan instead of a local region.
//! - TID2013 `comfort_noise` and `noisy_compression`: both are defined by TID's own
//!   coders (noise substitution; compression of noisy images), not reproduced here.
//! - TID2013 `chromatic_aberrations` and `sparse_sampling`: not implemented.
//! - SIQAD's layer-segmentation-based coding and SCID's HEVC screen-content coding: both
//!   are codecs (a text/picture layer coder; HEVC's SCC extension with palette and
//!   intra-block-copy modes) with no Rust or vendored C implementation to build here.
//!
//! TID2013's `jpeg2000_transmission_errors` is served by `fast_fading`, its
//! `pattern_noise` by `non_eccentricity_patch`; KADID-10k's two colour-saturation types
//! by the one `saturation_change`. SIQAD's and SCID's Gaussian noise is `awgn`; SCID's
//! colour quantisation with dithering is `color_quantization`, which dithers each channel's
//! uniform levels rather than a palette.

mod blur;
mod codec;
mod color;
mod noise;
mod openjpeg;
mod spatial;
#[cfg(test)]
mod tests;

use image::RgbImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::distortion::{Distortion, LEVELS};
use crate::{DataError, Result};

pub use blur::{GBLUR_SIGMA, LENS_BLUR_RADIUS, MOTION_BLUR_LENGTH};
pub use codec::{FAST_FADING_BIT_ERROR_RATE, FAST_FADING_RATIO, JPEG_QUALITY, JPEG2000_RATIO};
pub use color::{
    BRIGHTEN_GAMMA, COLOR_DIFFUSION_SIGMA, COLOR_QUANTIZATION_LEVELS, COLOR_SHIFT_PIXELS,
    CONTRAST_CHANGE_FACTOR, DARKEN_GAMMA, MEAN_SHIFT_OFFSET, SATURATION_CHANGE_FACTOR,
};
pub use noise::{
    AWGN_COLOR_SIGMA, AWGN_SIGMA, CORRELATED_NOISE_SIGMA, DENOISING_SIGMA,
    HIGH_FREQUENCY_NOISE_SIGMA, IMPULSE_NOISE_FRACTION, MASKED_NOISE_SIGMA,
    MULTIPLICATIVE_NOISE_SIGMA, QUANTIZATION_NOISE_LEVELS,
};
pub use spatial::{
    BLOCK_DISTORTIONS_COUNT, COLOR_BLOCK_COUNT, HIGH_SHARPEN_AMOUNT, JITTER_PIXELS,
    NON_ECCENTRICITY_PATCH_COVER, PIXELATE_FACTOR,
};

#[cfg(test)]
pub(crate) use codec::encode_jpeg;
#[cfg(test)]
pub(crate) use openjpeg::{J2kOptions, encode_j2k};

/// A parameter table: one value per level, mild to severe.
pub type Table = [f64; LEVELS as usize];

/// The function behind a [`Tabled`] distortion: image, the level's parameter, rng.
type ApplyFn = fn(&RgbImage, f64, &mut ChaCha8Rng) -> Result<RgbImage>;

/// A distortion given by a parameter table and a function of the level's parameter.
pub(crate) struct Tabled {
    name: &'static str,
    description: &'static str,
    table: Table,
    apply: ApplyFn,
}

impl Tabled {
    /// Boxes a distortion for the registry.
    pub(crate) fn boxed(
        name: &'static str,
        description: &'static str,
        table: Table,
        apply: ApplyFn,
    ) -> Box<dyn Distortion> {
        Box::new(Self {
            name,
            description,
            table,
            apply,
        })
    }
}

impl Distortion for Tabled {
    fn name(&self) -> &'static str {
        self.name
    }

    fn description(&self) -> &'static str {
        self.description
    }

    fn parameters(&self) -> Table {
        self.table
    }

    fn apply(&self, image: &RgbImage, level: u8, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
        let parameter = level_parameter(&self.table, level)?;
        (self.apply)(image, parameter, rng)
    }
}

/// Every implemented distortion, in family order.
pub(crate) fn all() -> Vec<Box<dyn Distortion>> {
    let mut all = codec::distortions();
    all.extend(noise::distortions());
    all.extend(blur::distortions());
    all.extend(color::distortions());
    all.extend(spatial::distortions());
    all
}

/// The parameter of `level` (1..=5) in `table`, or a `Config` error.
pub(crate) fn level_parameter(table: &Table, level: u8) -> Result<f64> {
    match level {
        1..=LEVELS => Ok(table[usize::from(level - 1)]),
        _ => Err(DataError::Config {
            what: "distortion level",
            reason: format!("{level} is not in 1..={LEVELS}"),
        }),
    }
}

/// An image as interleaved RGB `f32` samples on 0..255.
#[derive(Clone)]
pub(crate) struct Planar {
    pub(crate) width: usize,
    pub(crate) height: usize,
    /// `width * height * 3` samples, row-major, RGB interleaved.
    pub(crate) data: Vec<f32>,
}

impl Planar {
    /// The samples of `image` as floats.
    pub(crate) fn from_rgb(image: &RgbImage) -> Self {
        Self {
            width: image.width() as usize,
            height: image.height() as usize,
            data: image.as_raw().iter().map(|&v| f32::from(v)).collect(),
        }
    }

    /// Rounds and clips back to 8 bits.
    pub(crate) fn to_rgb(&self) -> RgbImage {
        let raw = self.data.iter().map(|&v| to_u8(v)).collect();
        let (w, h) = (self.width as u32, self.height as u32);
        RgbImage::from_raw(w, h, raw).unwrap_or_else(|| RgbImage::new(w, h))
    }

    /// Index of sample (`x`, `y`, `c`).
    pub(crate) fn at(&self, x: usize, y: usize, c: usize) -> usize {
        (y * self.width + x) * 3 + c
    }

    /// The sample at (`x`, `y`, `c`) with coordinates clamped to the image.
    pub(crate) fn clamped(&self, x: isize, y: isize, c: usize) -> f32 {
        let x = x.clamp(0, self.width as isize - 1) as usize;
        let y = y.clamp(0, self.height as isize - 1) as usize;
        self.data[self.at(x, y, c)]
    }

    /// The bilinear interpolation of channel `c` at (`x`, `y`), clamped at the borders.
    pub(crate) fn bilinear(&self, x: f64, y: f64, c: usize) -> f32 {
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = ((x - x0) as f32, (y - y0) as f32);
        let (ix, iy) = (x0 as isize, y0 as isize);
        let top = self.clamped(ix, iy, c) * (1.0 - fx) + self.clamped(ix + 1, iy, c) * fx;
        let bottom =
            self.clamped(ix, iy + 1, c) * (1.0 - fx) + self.clamped(ix + 1, iy + 1, c) * fx;
        top * (1.0 - fy) + bottom * fy
    }

    /// Converts RGB to full-range YCbCr (BT.601), in place.
    pub(crate) fn rgb_to_ycbcr(&mut self) {
        for px in self.data.chunks_exact_mut(3) {
            let (r, g, b) = (px[0], px[1], px[2]);
            px[0] = 0.299 * r + 0.587 * g + 0.114 * b;
            px[1] = 128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b;
            px[2] = 128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b;
        }
    }

    /// Converts full-range YCbCr (BT.601) back to RGB, in place.
    pub(crate) fn ycbcr_to_rgb(&mut self) {
        for px in self.data.chunks_exact_mut(3) {
            let (y, cb, cr) = (px[0], px[1] - 128.0, px[2] - 128.0);
            px[0] = y + 1.402 * cr;
            px[1] = y - 0.344_136 * cb - 0.714_136 * cr;
            px[2] = y + 1.772 * cb;
        }
    }
}

/// Rounds and clips a sample to 0..=255.
pub(crate) fn to_u8(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

/// One standard normal draw (Box-Muller).
pub(crate) fn gaussian(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random::<f64>();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

/// A normalised 1-D Gaussian kernel of standard deviation `sigma` (radius 3 sigma).
pub(crate) fn gaussian_kernel(sigma: f64) -> Vec<f32> {
    let radius = (3.0 * sigma).ceil().max(1.0) as i64;
    let weights: Vec<f64> = (-radius..=radius)
        .map(|i| (-((i * i) as f64) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = weights.iter().sum();
    weights.iter().map(|w| (w / sum) as f32).collect()
}

/// Convolves the channels listed in `channels` with `kernel` along rows and then columns
/// (odd length, centred), clamping at the borders.
pub(crate) fn separable(image: &Planar, kernel: &[f32], channels: &[usize]) -> Planar {
    let radius = (kernel.len() / 2) as isize;
    let pass = |src: &Planar, horizontal: bool| {
        let mut out = src.clone();
        for y in 0..src.height {
            for x in 0..src.width {
                for &c in channels {
                    let mut acc = 0.0;
                    for (k, &w) in kernel.iter().enumerate() {
                        let d = k as isize - radius;
                        let (sx, sy) = if horizontal { (d, 0) } else { (0, d) };
                        acc += w * src.clamped(x as isize + sx, y as isize + sy, c);
                    }
                    let i = out.at(x, y, c);
                    out.data[i] = acc;
                }
            }
        }
        out
    };
    pass(&pass(image, true), false)
}

/// Convolves all channels with a 2-D kernel given as (dx, dy, weight) taps, clamping at
/// the borders.
pub(crate) fn convolve_taps(image: &Planar, taps: &[(isize, isize, f32)]) -> Planar {
    let mut out = image.clone();
    for y in 0..image.height {
        for x in 0..image.width {
            for c in 0..3 {
                let acc: f32 = taps
                    .iter()
                    .map(|&(dx, dy, w)| w * image.clamped(x as isize + dx, y as isize + dy, c))
                    .sum();
                let i = out.at(x, y, c);
                out.data[i] = acc;
            }
        }
    }
    out
}

/// The Gaussian blur of all three channels.
pub(crate) fn gaussian_blur(image: &Planar, sigma: f64) -> Planar {
    separable(image, &gaussian_kernel(sigma), &[0, 1, 2])
}

/// Checks that a parameter is a finite number in `range`, naming the distortion.
pub(crate) fn check_parameter(
    what: &'static str,
    value: f64,
    range: std::ops::RangeInclusive<f64>,
) -> Result<f64> {
    if value.is_finite() && range.contains(&value) {
        Ok(value)
    } else {
        Err(DataError::Config {
            what,
            reason: format!("{value} is not in [{}, {}]", range.start(), range.end()),
        })
    }
}
