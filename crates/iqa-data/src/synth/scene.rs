//! Procedural pristine scenes from the dead-leaves model (Matheron; Lee, Mumford & Huang
//! 2001): opaque shapes dropped one under another until the canvas is covered, with sizes
//! drawn from a power law p(r) ~ r^-3. That law makes the model scale-invariant, which gives
//! the 1/f^2 power spectrum and the occlusion edges of natural images. Leaves are shaded
//! (a linear gradient) and most are textured (a grating, value noise at one scale, or
//! fractal noise: value noise summed over octaves down to the pixel, like the grain of
//! grass, gravel, fur or bark in photographs), so a scene has sharp edges, smooth regions
//! and texture at every scale: blur, noise, ringing and blocking all show, and a model
//! trained on them meets fine texture in the reference as photographs have it.

use image::{Rgb, RgbImage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{DataError, Result};

/// Parameters of the dead-leaves scenes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SceneOptions {
    /// Smallest leaf radius, in pixels.
    pub min_radius: f64,
    /// Largest leaf radius, as a fraction of the shorter image side.
    pub max_radius_fraction: f64,
    /// Leaves drawn at most (the canvas is usually covered long before).
    pub max_leaves: usize,
}

impl Default for SceneOptions {
    /// Radii from 2 px to half the short side: a 512x384 scene gets leaves from 2 to 192 px.
    fn default() -> Self {
        SceneOptions {
            min_radius: 2.0,
            max_radius_fraction: 0.5,
            max_leaves: 200_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Shape {
    Disc,
    Ellipse { ratio: f64, angle: f64 },
    Rectangle { ratio: f64, angle: f64 },
}

#[derive(Debug, Clone, Copy)]
enum Texture {
    Flat,
    Grating {
        freq: f64,
        angle: f64,
        phase: f64,
        amp: f64,
    },
    Noise {
        scale: f64,
        amp: f64,
        seed: u64,
    },
    Fractal {
        scale: f64,
        amp: f64,
        seed: u64,
    },
}

/// Octaves of fractal texture: from the leaf's coarsest scale down to about a pixel.
const FRACTAL_OCTAVES: i32 = 5;

/// Amplitude ratio between successive octaves (each half the scale of the last): 2^-0.7,
/// between the 1/f^2 spectrum of the leaves' layout (ratio 0.5) and white grain (1.0).
const FRACTAL_GAIN: f64 = 0.615_572_7;

/// One leaf: where, what shape, what colour and shading.
#[derive(Debug, Clone, Copy)]
struct Leaf {
    cx: f64,
    cy: f64,
    r: f64,
    shape: Shape,
    colour: [f64; 3],
    gradient: (f64, f64),
    texture: Texture,
}

/// A radius from p(r) ~ r^-3 on [lo, hi] by inverting its distribution function.
fn power_law_radius(rng: &mut impl Rng, lo: f64, hi: f64) -> f64 {
    let u: f64 = rng.random();
    let (a, b) = (lo.powi(-2), hi.powi(-2));
    (a - u * (a - b)).powf(-0.5)
}

/// HSV (all in [0, 1]) to RGB in [0, 1].
fn hsv(h: f64, s: f64, v: f64) -> [f64; 3] {
    let h6 = (h.fract() * 6.0).max(0.0);
    let c = v * s;
    let x = c * (1.0 - ((h6 % 2.0) - 1.0).abs());
    let (r, g, b) = match h6 as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [r + m, g + m, b + m]
}

fn random_leaf(rng: &mut ChaCha8Rng, w: f64, h: f64, lo: f64, hi: f64) -> Leaf {
    let r = power_law_radius(rng, lo, hi);
    let shape = match rng.random_range(0..4) {
        0 | 1 => Shape::Disc,
        2 => Shape::Ellipse {
            ratio: rng.random_range(0.3..1.0),
            angle: rng.random_range(0.0..std::f64::consts::PI),
        },
        _ => Shape::Rectangle {
            ratio: rng.random_range(0.3..1.0),
            angle: rng.random_range(0.0..std::f64::consts::PI),
        },
    };
    let colour = hsv(
        rng.random(),
        rng.random_range(0.0..0.65),
        rng.random_range(0.12..0.95),
    );
    let slope = rng.random_range(0.0..0.4) / r.max(1.0);
    let angle: f64 = rng.random_range(0.0..std::f64::consts::TAU);
    // A grating 1 in 8, value noise 1 in 8, fractal texture 3 in 8, flat 3 in 8.
    let texture = match rng.random_range(0..8) {
        0 => Texture::Grating {
            freq: rng.random_range(0.05..0.35),
            angle: rng.random_range(0.0..std::f64::consts::PI),
            phase: rng.random_range(0.0..std::f64::consts::TAU),
            amp: rng.random_range(0.03..0.15),
        },
        1 => Texture::Noise {
            scale: rng.random_range(1.5..8.0),
            amp: rng.random_range(0.04..0.18),
            seed: rng.random(),
        },
        2..=4 => Texture::Fractal {
            scale: rng.random_range(6.0..24.0),
            amp: rng.random_range(0.05..0.3),
            seed: rng.random(),
        },
        _ => Texture::Flat,
    };
    Leaf {
        cx: rng.random_range(-r..w + r),
        cy: rng.random_range(-r..h + r),
        r,
        shape,
        colour,
        gradient: (slope * angle.cos(), slope * angle.sin()),
        texture,
    }
}

impl Leaf {
    fn contains(&self, x: f64, y: f64) -> bool {
        let (dx, dy) = (x - self.cx, y - self.cy);
        match self.shape {
            Shape::Disc => dx * dx + dy * dy <= self.r * self.r,
            Shape::Ellipse { ratio, angle } => {
                let (u, v) = rotate(dx, dy, angle);
                (u / self.r).powi(2) + (v / (self.r * ratio)).powi(2) <= 1.0
            }
            Shape::Rectangle { ratio, angle } => {
                let (u, v) = rotate(dx, dy, angle);
                u.abs() <= self.r * 0.8 && v.abs() <= self.r * 0.8 * ratio
            }
        }
    }

    /// The leaf's colour at (x, y): base colour, shading and texture, clipped later.
    fn colour_at(&self, x: f64, y: f64) -> [f64; 3] {
        let (dx, dy) = (x - self.cx, y - self.cy);
        let mut shade = 1.0 + self.gradient.0 * dx + self.gradient.1 * dy;
        shade += match self.texture {
            Texture::Flat => 0.0,
            Texture::Grating {
                freq,
                angle,
                phase,
                amp,
            } => {
                let (u, _) = rotate(dx, dy, angle);
                amp * (std::f64::consts::TAU * freq * u + phase).sin()
            }
            Texture::Noise { scale, amp, seed } => {
                amp * (value_noise(x / scale, y / scale, seed) - 0.5) * 2.0
            }
            Texture::Fractal { scale, amp, seed } => amp * fractal_noise(x, y, scale, seed),
        };
        self.colour.map(|c| c * shade)
    }
}

fn rotate(x: f64, y: f64, angle: f64) -> (f64, f64) {
    let (s, c) = angle.sin_cos();
    (c * x + s * y, -s * x + c * y)
}

/// Smooth value noise in [0, 1]: bilinear interpolation of hashed lattice values.
fn value_noise(x: f64, y: f64, seed: u64) -> f64 {
    let (xi, yi) = (x.floor(), y.floor());
    let (fx, fy) = (x - xi, y - yi);
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let corner = |i: f64, j: f64| lattice(i as i64, j as i64, seed);
    let top = corner(xi, yi) * (1.0 - sx) + corner(xi + 1.0, yi) * sx;
    let bottom = corner(xi, yi + 1.0) * (1.0 - sx) + corner(xi + 1.0, yi + 1.0) * sx;
    top * (1.0 - sy) + bottom * sy
}

/// Fractal value noise in about [-1, 1]: [`FRACTAL_OCTAVES`] octaves of value noise from
/// `scale` pixels down by halves, each [`FRACTAL_GAIN`] times the amplitude of the last,
/// normalised by the sum of the amplitudes.
fn fractal_noise(x: f64, y: f64, scale: f64, seed: u64) -> f64 {
    let (mut total, mut norm, mut amp, mut s) = (0.0, 0.0, 1.0, scale);
    for octave in 0..FRACTAL_OCTAVES {
        let octave_seed = seed
            .wrapping_add(octave as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        total += amp * (value_noise(x / s, y / s, octave_seed) - 0.5) * 2.0;
        norm += amp;
        amp *= FRACTAL_GAIN;
        s = (s / 2.0).max(0.75);
    }
    total / norm
}

fn lattice(i: i64, j: i64, seed: u64) -> f64 {
    let mut z = seed
        ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// A `width x height` dead-leaves scene, fully determined by `seed`.
pub fn dead_leaves(width: u32, height: u32, seed: u64, options: &SceneOptions) -> Result<RgbImage> {
    if width < 8 || height < 8 {
        return Err(DataError::Config {
            what: "scene size",
            reason: format!("{width}x{height} is too small; scenes need at least 8x8 pixels"),
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (w, h) = (width as usize, height as usize);
    let hi = (options.max_radius_fraction * width.min(height) as f64).max(options.min_radius + 1.0);
    // How busy the scene is: its smallest leaves are 1 to 6 times `min_radius` (log-uniform),
    // so that some scenes are cluttered and others have the large smooth regions most
    // photographs have.
    let lo = (options.min_radius * rng.random_range(0.0..6f64.ln()).exp()).min(hi / 2.0);
    let mut canvas = vec![[0.0f64; 3]; w * h];
    let mut covered = vec![false; w * h];
    let mut remaining = w * h;
    // Front to back: each new leaf lies under the ones already drawn, so it only fills
    // pixels that are still uncovered; drawing stops when the canvas is covered.
    for _ in 0..options.max_leaves {
        if remaining == 0 {
            break;
        }
        let leaf = random_leaf(&mut rng, w as f64, h as f64, lo.max(options.min_radius), hi);
        let x0 = (leaf.cx - leaf.r).floor().max(0.0) as usize;
        let x1 = ((leaf.cx + leaf.r).ceil().max(0.0) as usize).min(w);
        let y0 = (leaf.cy - leaf.r).floor().max(0.0) as usize;
        let y1 = ((leaf.cy + leaf.r).ceil().max(0.0) as usize).min(h);
        for y in y0..y1 {
            for x in x0..x1 {
                let k = y * w + x;
                let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                if !covered[k] && leaf.contains(px, py) {
                    covered[k] = true;
                    canvas[k] = leaf.colour_at(px, py);
                    remaining -= 1;
                }
            }
        }
    }
    // Any pixel still uncovered takes a mid-grey (rare: only with a small leaf budget).
    let image = RgbImage::from_fn(width, height, |x, y| {
        let k = y as usize * w + x as usize;
        let c = if covered[k] { canvas[k] } else { [0.5; 3] };
        Rgb(c.map(|v| (v * 255.0).round().clamp(0.0, 255.0) as u8))
    });
    // A slight optical blur, as every camera has: it removes the staircase of pixel-sharp
    // edges without making the scene soft.
    Ok(image::imageops::blur(&image, 0.6))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_covered_and_varied() {
        let a = dead_leaves(128, 96, 5, &SceneOptions::default()).unwrap();
        let b = dead_leaves(128, 96, 5, &SceneOptions::default()).unwrap();
        let c = dead_leaves(128, 96, 6, &SceneOptions::default()).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let luma: Vec<f64> = a
            .pixels()
            .map(|p| p.0.iter().map(|&v| v as f64).sum::<f64>() / 3.0)
            .collect();
        let mean = luma.iter().sum::<f64>() / luma.len() as f64;
        let var = luma.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / luma.len() as f64;
        assert!(
            var.sqrt() > 20.0,
            "a scene has contrast: std {}",
            var.sqrt()
        );
        assert!(dead_leaves(4, 100, 0, &SceneOptions::default()).is_err());
    }

    #[test]
    fn radii_follow_the_power_law() {
        // P(r > 2 lo) = (lo^-2 - (2 lo)^-2) / ... for hi -> infinity is 1/4.
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = 40_000;
        let above = (0..n)
            .filter(|_| power_law_radius(&mut rng, 2.0, 1e9) > 4.0)
            .count();
        let frac = above as f64 / n as f64;
        assert!((frac - 0.25).abs() < 0.01, "{frac}");
    }

    #[test]
    fn spectrum_falls_like_natural_images() {
        // Radially averaged power at frequency f and 2f: natural images lose about 4x
        // (slope -2 in log-log). Checked loosely on the luma of a 256x256 scene via
        // row/column differences: the mean squared gradient grows much slower than white
        // noise's would (which is flat in spectrum).
        let img = dead_leaves(256, 256, 3, &SceneOptions::default()).unwrap();
        let l = |x: u32, y: u32| {
            let p = img.get_pixel(x, y).0;
            (p[0] as f64 + p[1] as f64 + p[2] as f64) / 3.0
        };
        let mut var = 0.0;
        let mut grad = 0.0;
        let mut mean = 0.0;
        for y in 0..256 {
            for x in 0..256 {
                mean += l(x, y);
            }
        }
        mean /= 65536.0;
        for y in 0..255 {
            for x in 0..255 {
                var += (l(x, y) - mean).powi(2);
                grad += (l(x + 1, y) - l(x, y)).powi(2);
            }
        }
        // For white noise grad/var = 2; for a 1/f^2 image it is far below 1.
        assert!(grad / var < 0.3, "{}", grad / var);
    }
}
