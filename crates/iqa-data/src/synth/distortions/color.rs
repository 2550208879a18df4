//! Colour and intensity: tone curves, mean shift, contrast, saturation, colour
//! quantisation with dithering, chroma shift and chroma diffusion.

use image::RgbImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::noise::quantize;
use super::{Planar, Table, Tabled, check_parameter, gaussian_kernel, separable};
use crate::Result;
use crate::synth::distortion::Distortion;

/// `brighten`: the exponent `g` of the luma curve `y^(1/g)` (on 0..1).
pub const BRIGHTEN_GAMMA: Table = [1.56, 1.98, 2.42, 3.01, 3.92];
/// `darken`: the exponent `g` of the luma curve `y^g` (on 0..1).
pub const DARKEN_GAMMA: Table = [1.55, 1.92, 2.29, 2.71, 3.31];
/// `mean_shift`: the magnitude of the constant added to every sample (sign from the rng).
pub const MEAN_SHIFT_OFFSET: Table = [20.0, 35.0, 50.0, 65.0, 80.0];
/// `contrast_change`: the factor on deviations from the mean (below 1: less contrast).
pub const CONTRAST_CHANGE_FACTOR: Table = [0.806, 0.722, 0.632, 0.556, 0.479];
/// `saturation_change`: the factor on the chroma (Cb, Cr) deviations from grey.
pub const SATURATION_CHANGE_FACTOR: Table = [0.7, 0.5, 0.35, 0.2, 0.08];
/// `color_quantization`: the number of levels per channel (Floyd-Steinberg dithered).
pub const COLOR_QUANTIZATION_LEVELS: Table = [8.0, 6.0, 4.0, 3.0, 2.0];
/// `color_shift`: how far, in pixels, one chroma channel is moved.
pub const COLOR_SHIFT_PIXELS: Table = [1.0, 2.0, 3.0, 5.0, 8.0];
/// `color_diffusion`: the Gaussian's standard deviation for the chroma channels.
pub const COLOR_DIFFUSION_SIGMA: Table = [1.0, 2.0, 3.5, 6.0, 10.0];

/// The colour and intensity distortions.
pub(super) fn distortions() -> Vec<Box<dyn Distortion>> {
    vec![
        Tabled::boxed(
            "brighten",
            "brightening tone curve y^(1/g) on luma (YCbCr), chroma kept",
            BRIGHTEN_GAMMA,
            brighten,
        ),
        Tabled::boxed(
            "darken",
            "darkening tone curve y^g on luma (YCbCr), chroma kept",
            DARKEN_GAMMA,
            darken,
        ),
        Tabled::boxed(
            "mean_shift",
            "a constant added to every sample (sign drawn from the rng), clipped",
            MEAN_SHIFT_OFFSET,
            mean_shift,
        ),
        Tabled::boxed(
            "contrast_change",
            "contrast decrease: deviations from the global mean scaled by a factor below 1",
            CONTRAST_CHANGE_FACTOR,
            contrast_change,
        ),
        Tabled::boxed(
            "saturation_change",
            "desaturation: Cb/Cr deviations from grey scaled by a factor below 1",
            SATURATION_CHANGE_FACTOR,
            saturation_change,
        ),
        Tabled::boxed(
            "color_quantization",
            "colour quantisation to a number of levels per channel, Floyd-Steinberg dithered",
            COLOR_QUANTIZATION_LEVELS,
            color_quantization,
        ),
        Tabled::boxed(
            "color_shift",
            "one chroma channel (Cb or Cr, from the rng) moved by some pixels in a random \
             direction",
            COLOR_SHIFT_PIXELS,
            color_shift,
        ),
        Tabled::boxed(
            "color_diffusion",
            "colour diffusion: Gaussian blur of the chroma channels (YCbCr rather than \
             KADID's Lab)",
            COLOR_DIFFUSION_SIGMA,
            color_diffusion,
        ),
    ]
}

/// Applies `curve` (0..1 to 0..1) to luma, keeping Cb and Cr.
fn tone(image: &RgbImage, curve: impl Fn(f32) -> f32) -> RgbImage {
    let mut planar = Planar::from_rgb(image);
    planar.rgb_to_ycbcr();
    for px in planar.data.chunks_exact_mut(3) {
        px[0] = 255.0 * curve((px[0] / 255.0).clamp(0.0, 1.0));
    }
    planar.ycbcr_to_rgb();
    planar.to_rgb()
}

/// `brighten`.
fn brighten(image: &RgbImage, gamma: f64, _rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let gamma = check_parameter("brighten gamma", gamma, 1.0..=20.0)? as f32;
    Ok(tone(image, |y| y.powf(1.0 / gamma)))
}

/// `darken`.
fn darken(image: &RgbImage, gamma: f64, _rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let gamma = check_parameter("darken gamma", gamma, 1.0..=20.0)? as f32;
    Ok(tone(image, |y| y.powf(gamma)))
}

/// `mean_shift`.
fn mean_shift(image: &RgbImage, offset: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let offset = check_parameter("mean_shift offset", offset, 0.0..=255.0)? as f32;
    let signed = if rng.random::<bool>() {
        offset
    } else {
        -offset
    };
    let mut planar = Planar::from_rgb(image);
    planar.data.iter_mut().for_each(|v| *v += signed);
    Ok(planar.to_rgb())
}

/// `contrast_change`.
fn contrast_change(image: &RgbImage, factor: f64, _rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let factor = check_parameter("contrast_change factor", factor, 0.0..=1.0)? as f32;
    let mut planar = Planar::from_rgb(image);
    let mean = planar.data.iter().sum::<f32>() / planar.data.len().max(1) as f32;
    planar
        .data
        .iter_mut()
        .for_each(|v| *v = mean + factor * (*v - mean));
    Ok(planar.to_rgb())
}

/// `saturation_change`.
fn saturation_change(image: &RgbImage, factor: f64, _rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let factor = check_parameter("saturation_change factor", factor, 0.0..=1.0)? as f32;
    let mut planar = Planar::from_rgb(image);
    planar.rgb_to_ycbcr();
    for px in planar.data.chunks_exact_mut(3) {
        px[1] = 128.0 + factor * (px[1] - 128.0);
        px[2] = 128.0 + factor * (px[2] - 128.0);
    }
    planar.ycbcr_to_rgb();
    Ok(planar.to_rgb())
}

/// `color_quantization`: per-channel Floyd-Steinberg error diffusion in raster order.
fn color_quantization(image: &RgbImage, levels: f64, _rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let levels = check_parameter("color_quantization levels", levels, 2.0..=256.0)?.round() as f32;
    let mut planar = Planar::from_rgb(image);
    let (w, h) = (planar.width, planar.height);
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let i = planar.at(x, y, c);
                let old = planar.data[i];
                let new = quantize(old, levels);
                planar.data[i] = new;
                let error = old - new;
                let spread = [(1, 0, 7.0), (-1, 1, 3.0), (0, 1, 5.0), (1, 1, 1.0)];
                for (dx, dy, weight) in spread {
                    let (nx, ny) = (x as isize + dx, y + dy);
                    if nx >= 0 && (nx as usize) < w && ny < h {
                        let j = planar.at(nx as usize, ny, c);
                        planar.data[j] += error * weight / 16.0;
                    }
                }
            }
        }
    }
    Ok(planar.to_rgb())
}

/// `color_shift`.
fn color_shift(image: &RgbImage, pixels: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let pixels = check_parameter("color_shift pixels", pixels, 0.0..=1000.0)?;
    let channel = rng.random_range(1..3usize);
    let angle = rng.random_range(0.0..std::f64::consts::TAU);
    let (dx, dy) = (pixels * angle.cos(), pixels * angle.sin());
    let mut source = Planar::from_rgb(image);
    source.rgb_to_ycbcr();
    let mut out = source.clone();
    for y in 0..source.height {
        for x in 0..source.width {
            let i = out.at(x, y, channel);
            out.data[i] = source.bilinear(x as f64 - dx, y as f64 - dy, channel);
        }
    }
    out.ycbcr_to_rgb();
    Ok(out.to_rgb())
}

/// `color_diffusion`.
fn color_diffusion(image: &RgbImage, sigma: f64, _rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let sigma = check_parameter("color_diffusion sigma", sigma, 0.01..=100.0)?;
    let mut planar = Planar::from_rgb(image);
    planar.rgb_to_ycbcr();
    let mut blurred = separable(&planar, &gaussian_kernel(sigma), &[1, 2]);
    blurred.ycbcr_to_rgb();
    Ok(blurred.to_rgb())
}
