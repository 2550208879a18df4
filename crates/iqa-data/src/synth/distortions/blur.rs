//! Blur: Gaussian, lens (disk) and linear motion.

use std::collections::BTreeMap;

use image::RgbImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Planar, Table, Tabled, check_parameter, convolve_taps, gaussian_blur};
use crate::Result;
use crate::synth::distortion::Distortion;

/// `gblur`: the Gaussian's standard deviation in pixels.
pub const GBLUR_SIGMA: Table = [0.923, 1.42, 1.79, 2.28, 2.81];
/// `lens_blur`: the disk's radius in pixels.
pub const LENS_BLUR_RADIUS: Table = [2.0, 3.0, 4.0, 5.0, 6.0];
/// `motion_blur`: the length of the motion in pixels.
pub const MOTION_BLUR_LENGTH: Table = [3.54, 5.81, 7.44, 9.89, 12.3];

/// Steps per pixel when rasterising the motion path.
const MOTION_STEPS_PER_PIXEL: f64 = 4.0;

/// The blur distortions.
pub(super) fn distortions() -> Vec<Box<dyn Distortion>> {
    vec![
        Tabled::boxed(
            "gblur",
            "Gaussian blur (separable kernel, radius 3 sigma, clamped borders)",
            GBLUR_SIGMA,
            gblur,
        ),
        Tabled::boxed(
            "lens_blur",
            "lens (defocus) blur: a disk kernel with an antialiased rim",
            LENS_BLUR_RADIUS,
            lens_blur,
        ),
        Tabled::boxed(
            "motion_blur",
            "linear motion blur: a line kernel of a length, at an angle drawn from the rng",
            MOTION_BLUR_LENGTH,
            motion_blur,
        ),
    ]
}

/// `gblur`.
fn gblur(image: &RgbImage, sigma: f64, _rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let sigma = check_parameter("gblur sigma", sigma, 0.01..=100.0)?;
    Ok(gaussian_blur(&Planar::from_rgb(image), sigma).to_rgb())
}

/// Normalises taps to sum to one.
fn normalise(taps: Vec<(isize, isize, f32)>) -> Vec<(isize, isize, f32)> {
    let sum: f32 = taps.iter().map(|t| t.2).sum();
    taps.into_iter().map(|(x, y, w)| (x, y, w / sum)).collect()
}

/// A disk of `radius` whose rim pixels are weighted by coverage (1 inside, 0 outside).
fn disk(radius: f64) -> Vec<(isize, isize, f32)> {
    let reach = radius.ceil() as isize + 1;
    let mut taps = Vec::new();
    for dy in -reach..=reach {
        for dx in -reach..=reach {
            let distance = ((dx * dx + dy * dy) as f64).sqrt();
            let weight = (radius + 0.5 - distance).clamp(0.0, 1.0);
            if weight > 0.0 {
                taps.push((dx, dy, weight as f32));
            }
        }
    }
    normalise(taps)
}

/// `lens_blur`.
fn lens_blur(image: &RgbImage, radius: f64, _rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let radius = check_parameter("lens_blur radius", radius, 0.5..=100.0)?;
    Ok(convolve_taps(&Planar::from_rgb(image), &disk(radius)).to_rgb())
}

/// A line of `length` pixels through the origin at `angle`, rasterised with bilinear
/// weights.
fn line(length: f64, angle: f64) -> Vec<(isize, isize, f32)> {
    let steps = (length * MOTION_STEPS_PER_PIXEL).ceil().max(1.0) as usize;
    let mut weights: BTreeMap<(isize, isize), f64> = BTreeMap::new();
    for s in 0..=steps {
        let t = length * (s as f64 / steps as f64 - 0.5);
        let (x, y) = (t * angle.cos(), t * angle.sin());
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let corners = [
            (0, 0, (1.0 - fx) * (1.0 - fy)),
            (1, 0, fx * (1.0 - fy)),
            (0, 1, (1.0 - fx) * fy),
            (1, 1, fx * fy),
        ];
        for (ox, oy, w) in corners {
            let key = (x0 as isize + ox, y0 as isize + oy);
            *weights.entry(key).or_default() += w;
        }
    }
    let taps = weights.into_iter().filter(|e| e.1 > 1e-6);
    normalise(taps.map(|((x, y), w)| (x, y, w as f32)).collect())
}

/// `motion_blur`.
fn motion_blur(image: &RgbImage, length: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let length = check_parameter("motion_blur length", length, 1.0..=200.0)?;
    let angle = rng.random_range(0.0..std::f64::consts::PI);
    Ok(convolve_taps(&Planar::from_rgb(image), &line(length, angle)).to_rgb())
}
