//! Noise: additive Gaussian (white, chroma-weighted, spatially correlated, high-frequency,
//! activity-masked), impulse, multiplicative, quantisation, and denoising residue.

use image::RgbImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Planar, Table, Tabled, check_parameter, gaussian, gaussian_blur, separable};
use crate::Result;
use crate::synth::distortion::Distortion;

/// `awgn`: standard deviation (0..255 scale) of the noise of each level.
pub const AWGN_SIGMA: Table = [14.0, 24.0, 34.0, 46.0, 60.0];
/// `awgn_color`: standard deviation of the Cb and Cr noise (the luma noise is half).
pub const AWGN_COLOR_SIGMA: Table = [18.0, 30.0, 42.0, 56.0, 72.0];
/// `correlated_noise`: standard deviation of the (blurred, then rescaled) noise.
pub const CORRELATED_NOISE_SIGMA: Table = [9.0, 16.0, 23.0, 33.0, 45.0];
/// `masked_noise`: standard deviation of the noise where the local activity is average.
pub const MASKED_NOISE_SIGMA: Table = [18.0, 30.0, 40.0, 50.0, 60.0];
/// `high_frequency_noise`: standard deviation of the high-pass filtered noise.
pub const HIGH_FREQUENCY_NOISE_SIGMA: Table = [16.0, 28.0, 40.0, 50.0, 60.0];
/// `impulse_noise`: the fraction of samples set to 0 or 255.
pub const IMPULSE_NOISE_FRACTION: Table = [0.0119, 0.0369, 0.0792, 0.14, 0.256];
/// `multiplicative_noise`: standard deviation of `n` in `x * (1 + n)`.
pub const MULTIPLICATIVE_NOISE_SIGMA: Table = [0.12, 0.22, 0.34, 0.48, 0.65];
/// `quantization_noise`: the number of levels each channel is quantised to.
pub const QUANTIZATION_NOISE_LEVELS: Table = [10.0, 7.0, 5.0, 3.0, 2.0];
/// `denoising`: standard deviation of the noise that the median filter then removes.
pub const DENOISING_SIGMA: Table = [16.0, 26.0, 38.0, 50.0, 62.0];

/// Gaussian width of the low-pass that `high_frequency_noise` removes from its noise.
const HIGH_PASS_SIGMA: f64 = 1.0;
/// Gaussian width that correlates `correlated_noise`.
const CORRELATION_SIGMA: f64 = 1.0;
/// `denoising` uses a 5x5 median (instead of 3x3) from this noise level on.
const DENOISING_WIDE_FROM: f64 = 25.0;

/// The noise distortions.
pub(super) fn distortions() -> Vec<Box<dyn Distortion>> {
    vec![
        Tabled::boxed(
            "awgn",
            "additive white Gaussian noise, independent per channel",
            AWGN_SIGMA,
            awgn,
        ),
        Tabled::boxed(
            "awgn_color",
            "additive Gaussian noise in YCbCr, Cb/Cr at the level's sigma and Y at half",
            AWGN_COLOR_SIGMA,
            awgn_color,
        ),
        Tabled::boxed(
            "correlated_noise",
            "spatially correlated Gaussian noise (white noise blurred with sigma 1, rescaled)",
            CORRELATED_NOISE_SIGMA,
            correlated_noise,
        ),
        Tabled::boxed(
            "masked_noise",
            "Gaussian noise scaled by local luma activity (7x7 std), stronger in texture",
            MASKED_NOISE_SIGMA,
            masked_noise,
        ),
        Tabled::boxed(
            "high_frequency_noise",
            "Gaussian noise high-pass filtered (minus its sigma-1 blur), rescaled",
            HIGH_FREQUENCY_NOISE_SIGMA,
            high_frequency_noise,
        ),
        Tabled::boxed(
            "impulse_noise",
            "salt-and-pepper noise: a fraction of samples set to 0 or 255",
            IMPULSE_NOISE_FRACTION,
            impulse_noise,
        ),
        Tabled::boxed(
            "multiplicative_noise",
            "speckle: x * (1 + n), n Gaussian, independent per channel",
            MULTIPLICATIVE_NOISE_SIGMA,
            multiplicative_noise,
        ),
        Tabled::boxed(
            "quantization_noise",
            "uniform quantisation of each channel to a number of levels",
            QUANTIZATION_NOISE_LEVELS,
            quantization_noise,
        ),
        Tabled::boxed(
            "denoising",
            "denoising residue: Gaussian noise, then a per-channel median filter (3x3, 5x5 \
             from sigma 25); approximates TID's and KADID's denoisers",
            DENOISING_SIGMA,
            denoising,
        ),
    ]
}

/// A field of independent standard normal samples shaped like `image`.
fn white_field(image: &Planar, rng: &mut ChaCha8Rng) -> Planar {
    let mut field = image.clone();
    field.data.iter_mut().for_each(|v| *v = gaussian(rng));
    field
}

/// Rescales a zero-mean field to standard deviation `sigma`.
fn rescale(field: &mut Planar, sigma: f64) {
    let n = field.data.len().max(1) as f64;
    let var = field
        .data
        .iter()
        .map(|&v| f64::from(v).powi(2))
        .sum::<f64>()
        / n;
    let scale = if var > 0.0 { sigma / var.sqrt() } else { 0.0 };
    field.data.iter_mut().for_each(|v| *v *= scale as f32);
}

/// Adds `noise` to `image`, sample by sample.
fn add(image: &RgbImage, noise: &Planar) -> RgbImage {
    let mut out = Planar::from_rgb(image);
    out.data
        .iter_mut()
        .zip(&noise.data)
        .for_each(|(v, n)| *v += n);
    out.to_rgb()
}

/// `awgn`.
fn awgn(image: &RgbImage, sigma: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let sigma = check_parameter("awgn sigma", sigma, 0.0..=255.0)? as f32;
    let mut noise = white_field(&Planar::from_rgb(image), rng);
    noise.data.iter_mut().for_each(|v| *v *= sigma);
    Ok(add(image, &noise))
}

/// `awgn_color`.
fn awgn_color(image: &RgbImage, sigma: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let sigma = check_parameter("awgn_color sigma", sigma, 0.0..=255.0)? as f32;
    let mut planar = Planar::from_rgb(image);
    planar.rgb_to_ycbcr();
    for (i, v) in planar.data.iter_mut().enumerate() {
        let weight = if i % 3 == 0 { 0.5 } else { 1.0 };
        *v += weight * sigma * gaussian(rng);
    }
    planar.ycbcr_to_rgb();
    Ok(planar.to_rgb())
}

/// `correlated_noise`.
fn correlated_noise(image: &RgbImage, sigma: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let sigma = check_parameter("correlated_noise sigma", sigma, 0.0..=255.0)?;
    let white = white_field(&Planar::from_rgb(image), rng);
    let mut noise = gaussian_blur(&white, CORRELATION_SIGMA);
    rescale(&mut noise, sigma);
    Ok(add(image, &noise))
}

/// `high_frequency_noise`.
fn high_frequency_noise(image: &RgbImage, sigma: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let sigma = check_parameter("high_frequency_noise sigma", sigma, 0.0..=255.0)?;
    let mut noise = white_field(&Planar::from_rgb(image), rng);
    let low = gaussian_blur(&noise, HIGH_PASS_SIGMA);
    noise
        .data
        .iter_mut()
        .zip(&low.data)
        .for_each(|(v, l)| *v -= l);
    rescale(&mut noise, sigma);
    Ok(add(image, &noise))
}

/// The local standard deviation of luma in a 7x7 window, normalised to mean 1 and clipped
/// to [0.25, 3] (so flat areas still get some noise and edges not all of it).
fn activity(image: &Planar) -> Vec<f32> {
    let mut luma = image.clone();
    luma.rgb_to_ycbcr();
    let mut squares = luma.clone();
    squares.data.iter_mut().for_each(|v| *v *= *v);
    let box7 = [1.0 / 7.0; 7];
    let (mean, mean_sq) = (
        separable(&luma, &box7, &[0]),
        separable(&squares, &box7, &[0]),
    );
    let std: Vec<f32> = (0..luma.width * luma.height)
        .map(|p| {
            (mean_sq.data[p * 3] - mean.data[p * 3].powi(2))
                .max(0.0)
                .sqrt()
        })
        .collect();
    let average = std.iter().sum::<f32>() / std.len().max(1) as f32;
    let norm = if average > 0.0 { average } else { 1.0 };
    std.iter().map(|s| (s / norm).clamp(0.25, 3.0)).collect()
}

/// `masked_noise`.
fn masked_noise(image: &RgbImage, sigma: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let sigma = check_parameter("masked_noise sigma", sigma, 0.0..=255.0)? as f32;
    let planar = Planar::from_rgb(image);
    let weights = activity(&planar);
    let mut noise = white_field(&planar, rng);
    for (i, v) in noise.data.iter_mut().enumerate() {
        *v *= sigma * weights[i / 3];
    }
    Ok(add(image, &noise))
}

/// `impulse_noise`.
fn impulse_noise(image: &RgbImage, fraction: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let fraction = check_parameter("impulse_noise fraction", fraction, 0.0..=1.0)?;
    let mut out = image.clone();
    for v in out.iter_mut() {
        let hit = rng.random::<f64>() < fraction;
        let salt = rng.random::<bool>();
        if hit {
            *v = if salt { 255 } else { 0 };
        }
    }
    Ok(out)
}

/// `multiplicative_noise`.
fn multiplicative_noise(image: &RgbImage, sigma: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let sigma = check_parameter("multiplicative_noise sigma", sigma, 0.0..=10.0)? as f32;
    let mut planar = Planar::from_rgb(image);
    planar
        .data
        .iter_mut()
        .for_each(|v| *v *= 1.0 + sigma * gaussian(rng));
    Ok(planar.to_rgb())
}

/// Quantises `v` (0..255) to `levels` evenly spaced values.
pub(super) fn quantize(v: f32, levels: f32) -> f32 {
    let step = 255.0 / (levels - 1.0);
    (v / step).round().clamp(0.0, levels - 1.0) * step
}

/// `quantization_noise`.
fn quantization_noise(image: &RgbImage, levels: f64, _rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let levels = check_parameter("quantization_noise levels", levels, 2.0..=256.0)?.round();
    let mut planar = Planar::from_rgb(image);
    planar
        .data
        .iter_mut()
        .for_each(|v| *v = quantize(*v, levels as f32));
    Ok(planar.to_rgb())
}

/// The per-channel median in a (2 `radius` + 1)² window, clamped at the borders.
fn median(image: &Planar, radius: isize) -> Planar {
    let mut out = image.clone();
    let mut window = Vec::with_capacity(((2 * radius + 1) * (2 * radius + 1)) as usize);
    for y in 0..image.height {
        for x in 0..image.width {
            for c in 0..3 {
                window.clear();
                for dy in -radius..=radius {
                    for dx in -radius..=radius {
                        window.push(image.clamped(x as isize + dx, y as isize + dy, c));
                    }
                }
                window.sort_unstable_by(f32::total_cmp);
                let i = out.at(x, y, c);
                out.data[i] = window[window.len() / 2];
            }
        }
    }
    out
}

/// `denoising`.
fn denoising(image: &RgbImage, sigma: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let sigma = check_parameter("denoising sigma", sigma, 0.0..=255.0)?;
    let noisy = Planar::from_rgb(&awgn(image, sigma, rng)?);
    let radius = if sigma < DENOISING_WIDE_FROM { 1 } else { 2 };
    Ok(median(&noisy, radius).to_rgb())
}
