//! Patches for training: random crops with augmentation. (Whole-image scores at test
//! time cut their overlapping grid in `iqa_models::nr`, padded the same way.)
//!
//! Images smaller than the patch in a dimension are first extended to the patch size by
//! mirroring (symmetric reflection, the edge pixel repeated), so every image yields patches
//! of one size without resampling (which would change the distortion being rated).

use image::RgbImage;
use rand::Rng;
use rand::seq::IndexedRandom;
use serde::{Deserialize, Serialize};

use crate::{DataError, Result};

/// A rotation by a multiple of 90 degrees (lossless on square patches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Rotation {
    /// No rotation.
    R0,
    /// 90 degrees clockwise.
    R90,
    /// 180 degrees.
    R180,
    /// 270 degrees clockwise.
    R270,
}

/// Patch size, test stride and training augmentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOptions {
    /// Side of the square patches, in pixels.
    pub size: u32,
    /// Step between test-grid patches (< size gives overlap).
    pub stride: u32,
    /// Flip training patches horizontally with probability 1/2.
    pub hflip: bool,
    /// Rotations drawn uniformly for training patches. The Hallucinated-IQA paper
    /// augments with rotation without saying which angles; the default draws all four
    /// right angles, which are lossless and leave quality unchanged. `[R0]` disables it.
    pub rotations: Vec<Rotation>,
}

impl Default for PatchOptions {
    /// 256 x 256 patches, test stride 128, flips and the four right-angle rotations.
    fn default() -> Self {
        PatchOptions {
            size: 256,
            stride: 128,
            hflip: true,
            rotations: vec![Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270],
        }
    }
}

impl PatchOptions {
    /// Checks the sizes and the rotation set.
    pub fn check(&self) -> Result<()> {
        if self.size == 0 || self.stride == 0 {
            return Err(DataError::Config {
                what: "patch options",
                reason: format!(
                    "size {} and stride {} must be at least 1",
                    self.size, self.stride
                ),
            });
        }
        if self.rotations.is_empty() {
            return Err(DataError::Config {
                what: "patch options",
                reason: "the rotation set is empty (use [R0] for no rotation)".to_string(),
            });
        }
        Ok(())
    }
}

/// Where and how one patch is cut: top-left corner, flip, rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatchSpec {
    /// Top row.
    pub y: u32,
    /// Left column.
    pub x: u32,
    /// Mirror horizontally.
    pub flip: bool,
    /// Rotate after cutting (and flipping).
    pub rotation: Rotation,
}

/// A random training patch of an image of `height x width` (after padding).
pub fn random_spec(
    height: u32,
    width: u32,
    options: &PatchOptions,
    rng: &mut impl Rng,
) -> PatchSpec {
    let size = options.size;
    let y = rng.random_range(0..=height.saturating_sub(size));
    let x = rng.random_range(0..=width.saturating_sub(size));
    let flip = options.hflip && rng.random_bool(0.5);
    let rotation = *options.rotations.choose(rng).unwrap_or(&Rotation::R0);
    PatchSpec {
        y,
        x,
        flip,
        rotation,
    }
}

/// The image extended by mirroring to at least `size x size`; unchanged when big enough.
pub fn pad_to_patch(image: RgbImage, size: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    if w >= size && h >= size {
        return image;
    }
    let (nw, nh) = (w.max(size), h.max(size));
    let mirror = |i: u32, n: u32| -> u32 {
        // Symmetric reflection with period 2n: 0..n-1 then n-1..0.
        let k = i % (2 * n);
        if k < n { k } else { 2 * n - 1 - k }
    };
    RgbImage::from_fn(nw, nh, |x, y| *image.get_pixel(mirror(x, w), mirror(y, h)))
}

/// Cuts the patch `spec` of `options.size` from `image` (already padded), flipped and rotated.
pub fn cut(image: &RgbImage, spec: PatchSpec, size: u32) -> RgbImage {
    let mut patch = image::imageops::crop_imm(image, spec.x, spec.y, size, size).to_image();
    if spec.flip {
        image::imageops::flip_horizontal_in_place(&mut patch);
    }
    match spec.rotation {
        Rotation::R0 => patch,
        Rotation::R90 => image::imageops::rotate90(&patch),
        Rotation::R180 => {
            image::imageops::rotate180_in_place(&mut patch);
            patch
        }
        Rotation::R270 => image::imageops::rotate270(&patch),
    }
}

/// Appends a patch to `out` as channel-major f32 in [0, 1] (the `3 x H x W` layout).
pub fn push_chw(patch: &RgbImage, out: &mut Vec<f32>) {
    let (w, h) = patch.dimensions();
    let plane = (w * h) as usize;
    let start = out.len();
    out.resize(start + 3 * plane, 0.0);
    for (k, pixel) in patch.pixels().enumerate() {
        for c in 0..3 {
            out[start + c * plane + k] = f32::from(pixel.0[c]) / 255.0;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn padding_mirrors_including_the_edge() {
        let img = RgbImage::from_fn(3, 2, |x, y| image::Rgb([(10 * y + x) as u8, 0, 0]));
        let p = pad_to_patch(img, 5);
        assert_eq!(p.dimensions(), (5, 5));
        let row0: Vec<u8> = (0..5).map(|x| p.get_pixel(x, 0).0[0]).collect();
        assert_eq!(row0, vec![0, 1, 2, 2, 1]);
        let col0: Vec<u8> = (0..5).map(|y| p.get_pixel(0, y).0[0]).collect();
        assert_eq!(col0, vec![0, 10, 10, 0, 0]);
    }

    #[test]
    fn cut_flips_and_rotates() {
        let img = RgbImage::from_fn(4, 4, |x, y| image::Rgb([(4 * y + x) as u8, 0, 0]));
        let spec = |flip, rotation| PatchSpec {
            y: 1,
            x: 1,
            flip,
            rotation,
        };
        let v = |p: RgbImage| p.pixels().map(|q| q.0[0]).collect::<Vec<_>>();
        assert_eq!(
            v(cut(&img, spec(false, Rotation::R0), 2)),
            vec![5, 6, 9, 10]
        );
        assert_eq!(v(cut(&img, spec(true, Rotation::R0), 2)), vec![6, 5, 10, 9]);
        // Clockwise: the left column, read bottom-up, becomes the top row.
        assert_eq!(
            v(cut(&img, spec(false, Rotation::R90), 2)),
            vec![9, 5, 10, 6]
        );
        assert_eq!(
            v(cut(&img, spec(false, Rotation::R180), 2)),
            vec![10, 9, 6, 5]
        );
    }

    #[test]
    fn random_specs_stay_inside_and_use_the_rotation_set() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let opts = PatchOptions {
            rotations: vec![Rotation::R180],
            ..PatchOptions::default()
        };
        for _ in 0..200 {
            let s = random_spec(384, 512, &opts, &mut rng);
            assert!(s.y <= 128 && s.x <= 256);
            assert_eq!(s.rotation, Rotation::R180);
        }
    }

    #[test]
    fn chw_layout() {
        let img = RgbImage::from_fn(2, 1, |x, _| image::Rgb([x as u8 * 255, 0, 51]));
        let mut out = vec![];
        push_chw(&img, &mut out);
        assert_eq!(out, vec![0.0, 1.0, 0.0, 0.0, 0.2, 0.2]);
    }
}
