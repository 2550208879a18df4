//! Spatial: pixelation, jitter, patch displacement, constant blocks and over-sharpening.

use image::RgbImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Planar, Table, Tabled, check_parameter, gaussian_kernel, separable};
use crate::Result;
use crate::synth::distortion::Distortion;

/// `pixelate`: the side of the averaged square blocks, in pixels.
pub const PIXELATE_FACTOR: Table = [2.0, 3.0, 4.0, 5.0, 6.0];
/// `jitter`: the largest displacement of a pixel, in pixels (each axis).
pub const JITTER_PIXELS: Table = [1.0, 2.0, 3.0, 4.0, 6.0];
/// `non_eccentricity_patch`: the fraction of the image area covered by moved patches.
pub const NON_ECCENTRICITY_PATCH_COVER: Table = [0.0327, 0.064, 0.121, 0.194, 0.288];
/// `block_distortions`: blocks per image (their side scales with the image, 32 px at
/// 512x384).
pub const BLOCK_DISTORTIONS_COUNT: Table = [3.0, 6.0, 12.0, 21.0, 41.0];
/// `color_block`: blocks per image (their side scales with the image, 32 px at 512x384).
pub const COLOR_BLOCK_COUNT: Table = [3.0, 7.0, 13.0, 22.0, 38.0];
/// `high_sharpen`: the unsharp-mask amount on luma.
pub const HIGH_SHARPEN_AMOUNT: Table = [1.24, 2.37, 3.93, 6.2, 10.0];

/// Side of a `non_eccentricity_patch` patch, in pixels.
const PATCH_SIDE: usize = 8;
/// Side of a block at 512x384 (TID's size); scaled with the square root of the area.
const BLOCK_SIDE_512: f64 = 32.0;
/// Intensity offsets of `block_distortions` blocks, magnitude range (0..255 scale).
const BLOCK_OFFSET: std::ops::Range<f32> = 24.0..96.0;
/// The Gaussian width of `high_sharpen`'s unsharp mask.
const SHARPEN_SIGMA: f64 = 1.0;

/// The spatial distortions.
pub(super) fn distortions() -> Vec<Box<dyn Distortion>> {
    vec![
        Tabled::boxed(
            "pixelate",
            "pixelation: square blocks (grid at a random phase) replaced by their mean (box \
             downsampling, nearest upsampling)",
            PIXELATE_FACTOR,
            pixelate,
        ),
        Tabled::boxed(
            "jitter",
            "jitter: every pixel taken from a random offset within a few pixels",
            JITTER_PIXELS,
            jitter,
        ),
        Tabled::boxed(
            "non_eccentricity_patch",
            "non-eccentricity pattern noise: 8x8 patches copied from random nearby places \
             (up to 16 px away), covering a fraction of the image",
            NON_ECCENTRICITY_PATCH_COVER,
            non_eccentricity_patch,
        ),
        Tabled::boxed(
            "block_distortions",
            "local block-wise distortions: blocks (32 px at 512x384) replaced by their mean \
             colour shifted by a random intensity offset",
            BLOCK_DISTORTIONS_COUNT,
            block_distortions,
        ),
        Tabled::boxed(
            "color_block",
            "colour blocks: blocks (32 px at 512x384) of random uniform colour",
            COLOR_BLOCK_COUNT,
            color_block,
        ),
        Tabled::boxed(
            "high_sharpen",
            "over-sharpening: unsharp mask (sigma 1) on luma with a large amount",
            HIGH_SHARPEN_AMOUNT,
            high_sharpen,
        ),
    ]
}

/// `pixelate`: the block grid is offset by a random phase (so blocks do not always line
/// up with the image's origin).
fn pixelate(image: &RgbImage, factor: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let factor = check_parameter("pixelate factor", factor, 1.0..=1000.0)?.round() as usize;
    let mut planar = Planar::from_rgb(image);
    let phase = (rng.random_range(0..factor), rng.random_range(0..factor));
    let columns = (planar.width + phase.0).div_ceil(factor);
    let block = |x: usize, y: usize| ((y + phase.1) / factor) * columns + (x + phase.0) / factor;
    let rows = (planar.height + phase.1).div_ceil(factor);
    let mut sums = vec![[0.0f32; 4]; columns * rows];
    for y in 0..planar.height {
        for x in 0..planar.width {
            let first = planar.at(x, y, 0);
            let sum = &mut sums[block(x, y)];
            for (s, v) in sum.iter_mut().zip(&planar.data[first..first + 3]) {
                *s += v;
            }
            sum[3] += 1.0;
        }
    }
    for y in 0..planar.height {
        for x in 0..planar.width {
            let sum = sums[block(x, y)];
            let first = planar.at(x, y, 0);
            for (v, s) in planar.data[first..first + 3].iter_mut().zip(sum) {
                *v = s / sum[3];
            }
        }
    }
    Ok(planar.to_rgb())
}

/// `jitter`.
fn jitter(image: &RgbImage, reach: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let reach = check_parameter("jitter pixels", reach, 0.0..=1000.0)?.round() as i64;
    let source = Planar::from_rgb(image);
    let mut out = source.clone();
    for y in 0..source.height {
        for x in 0..source.width {
            let dx = rng.random_range(-reach..=reach) as isize;
            let dy = rng.random_range(-reach..=reach) as isize;
            for c in 0..3 {
                let i = out.at(x, y, c);
                out.data[i] = source.clamped(x as isize + dx, y as isize + dy, c);
            }
        }
    }
    Ok(out.to_rgb())
}

/// Copies the `side` x `side` square of `source` at (`sx`, `sy`) into `out` at (`dx`,
/// `dy`), clipped to the image.
fn copy_square(
    source: &Planar,
    out: &mut Planar,
    from: (usize, usize),
    to: (usize, usize),
    side: usize,
) {
    for j in 0..side {
        for i in 0..side {
            let (sx, sy, dx, dy) = (from.0 + i, from.1 + j, to.0 + i, to.1 + j);
            if sx < source.width && sy < source.height && dx < out.width && dy < out.height {
                for c in 0..3 {
                    let k = out.at(dx, dy, c);
                    out.data[k] = source.data[source.at(sx, sy, c)];
                }
            }
        }
    }
}

/// `non_eccentricity_patch`: patches drawn in sequence, so a higher level's patches
/// include a lower level's (for the same rng state).
fn non_eccentricity_patch(image: &RgbImage, cover: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let cover = check_parameter("non_eccentricity_patch cover", cover, 0.0..=10.0)?;
    let source = Planar::from_rgb(image);
    let mut out = source.clone();
    let area = (source.width * source.height) as f64;
    let count = ((cover * area / (PATCH_SIDE * PATCH_SIDE) as f64).round() as usize).max(1);
    let reach = 2 * PATCH_SIDE as i64;
    let limit = |n: usize| n.saturating_sub(PATCH_SIDE) as i64;
    let (max_x, max_y) = (limit(source.width), limit(source.height));
    for _ in 0..count {
        let to = (rng.random_range(0..=max_x), rng.random_range(0..=max_y));
        let shift = (
            rng.random_range(-reach..=reach),
            rng.random_range(-reach..=reach),
        );
        let from = (
            (to.0 + shift.0).clamp(0, max_x) as usize,
            (to.1 + shift.1).clamp(0, max_y) as usize,
        );
        copy_square(
            &source,
            &mut out,
            from,
            (to.0 as usize, to.1 as usize),
            PATCH_SIDE,
        );
    }
    Ok(out.to_rgb())
}

/// The side of a block for an image of this size (32 px at 512x384, at least 4, at most
/// the image's shorter side).
fn block_side(image: &Planar) -> usize {
    let scale = ((image.width * image.height) as f64 / (512.0 * 384.0)).sqrt();
    let side = ((BLOCK_SIDE_512 * scale).round() as usize).max(4);
    side.min(image.width).min(image.height)
}

/// Paints `count` blocks at random places, each with the colour `colour` returns for the
/// block's mean colour.
fn paint_blocks(
    image: &RgbImage,
    count: usize,
    rng: &mut ChaCha8Rng,
    colour: impl Fn([f32; 3], &mut ChaCha8Rng) -> [f32; 3],
) -> RgbImage {
    let mut planar = Planar::from_rgb(image);
    let side = block_side(&planar);
    if side == 0 {
        return image.clone();
    }
    let (max_x, max_y) = (planar.width - side, planar.height - side);
    for _ in 0..count {
        let (x0, y0) = (rng.random_range(0..=max_x), rng.random_range(0..=max_y));
        let points: Vec<(usize, usize)> = (y0..y0 + side)
            .flat_map(|y| (x0..x0 + side).map(move |x| (x, y)))
            .collect();
        let mut mean = [0.0; 3];
        for (c, m) in mean.iter_mut().enumerate() {
            *m = points
                .iter()
                .map(|&(x, y)| planar.data[planar.at(x, y, c)])
                .sum::<f32>()
                / points.len() as f32;
        }
        let fill = colour(mean, rng);
        for &(x, y) in &points {
            for (c, v) in fill.iter().enumerate() {
                let i = planar.at(x, y, c);
                planar.data[i] = *v;
            }
        }
    }
    planar.to_rgb()
}

/// `block_distortions`.
fn block_distortions(image: &RgbImage, count: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let count = check_parameter("block_distortions count", count, 0.0..=10_000.0)?.round();
    Ok(paint_blocks(image, count as usize, rng, |mean, rng| {
        let magnitude = rng.random_range(BLOCK_OFFSET);
        let offset = if rng.random::<bool>() {
            magnitude
        } else {
            -magnitude
        };
        mean.map(|m| m + offset)
    }))
}

/// `color_block`.
fn color_block(image: &RgbImage, count: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let count = check_parameter("color_block count", count, 0.0..=10_000.0)?.round();
    Ok(paint_blocks(image, count as usize, rng, |_, rng| {
        [(); 3].map(|()| rng.random_range(0.0..=255.0))
    }))
}

/// `high_sharpen`.
fn high_sharpen(image: &RgbImage, amount: f64, _rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let amount = check_parameter("high_sharpen amount", amount, 0.0..=100.0)? as f32;
    let mut planar = Planar::from_rgb(image);
    planar.rgb_to_ycbcr();
    let blurred = separable(&planar, &gaussian_kernel(SHARPEN_SIGMA), &[0]);
    for (px, low) in planar
        .data
        .chunks_exact_mut(3)
        .zip(blurred.data.chunks_exact(3))
    {
        px[0] += amount * (px[0] - low[0]);
    }
    planar.ycbcr_to_rgb();
    Ok(planar.to_rgb())
}
