//! Whole-image scores of patch models, one path for every caller (the `iqa score` and
//! `iqa test` commands, the validation during training, the evaluation protocol).
//!
//! Policy, the same everywhere:
//! - An image smaller than the patch in a dimension is first extended to the patch size
//!   by mirroring (symmetric reflection, the edge pixel repeated, to the bottom and the
//!   right), never resized: resizing would change the distortion being rated. Training
//!   patches are cut from images extended the same way (`iqa_data::patch::pad_to_patch`).
//! - The grid: windows at 0, stride, 2 stride, ... and one more aligned to the far edge
//!   where the stride does not land there ([`grid_positions`]), row by row.
//! - The score is the mean of the windows' scores, summed in f64.
//! - Memory is bounded: the windows are cut and scored `batch` at a time, so a large image
//!   costs its own tensor plus one batch of patches, however many windows it has.
//! - The batch size does not change what is computed, but it can change the float
//!   rounding of a patch's score in its last bits (matrix products round differently for
//!   different batch sizes), so every caller uses [`DEFAULT_BATCH`] unless told otherwise:
//!   `iqa score` and `iqa test` then agree to the last bit.

use candle_core::{DType, Tensor};
use iqa_ops::separable::symmetric_pad;

use super::{ExpectedInput, NoReferenceModel, PatchGrid};

/// Patches per forward pass of whole-image scoring unless a caller chooses otherwise.
pub const DEFAULT_BATCH: usize = 64;
use crate::{ModelError, Result};

/// Start positions covering `length` with windows of `size` at `stride`: 0, stride, ...,
/// and `length - size` last. One window at 0 where `length <= size`.
pub fn grid_positions(length: usize, size: usize, stride: usize) -> Vec<usize> {
    let last = length.saturating_sub(size);
    let mut positions: Vec<usize> = (0..=last).step_by(stride.max(1)).collect();
    if positions.last() != Some(&last) {
        positions.push(last);
    }
    positions
}

/// `image` (N, C, H, W) extended by symmetric reflection to at least `size x size`;
/// unchanged when large enough.
pub fn pad_to_patch(image: &Tensor, size: usize) -> Result<Tensor> {
    let (_, _, h, w) = image.dims4()?;
    let padded = symmetric_pad(image, 2, 0, size.saturating_sub(h))?;
    Ok(symmetric_pad(&padded, 3, 0, size.saturating_sub(w))?)
}

/// The mean score over the grid of windows of `images` (each `1 x C x H x W`, all the same
/// size, e.g. a distorted image and its reference), after padding each to the patch size.
/// `score` receives, per batch of at most `batch` windows, one `B x C x S x S` tensor per
/// image (the same windows of each) and returns `B` scores.
pub fn grid_mean(
    images: &[&Tensor],
    grid: PatchGrid,
    batch: usize,
    mut score: impl FnMut(&[Tensor]) -> Result<Tensor>,
) -> Result<f64> {
    grid.check()?;
    let Some(first) = images.first() else {
        return Err(ModelError::InvalidConfig {
            field: "images",
            reason: "no image to score".to_string(),
        });
    };
    if batch == 0 {
        return Err(ModelError::InvalidConfig {
            field: "batch",
            reason: "patches per batch must be at least 1".to_string(),
        });
    }
    for (k, image) in images.iter().enumerate() {
        let dims = image.dims();
        if dims.len() != 4 || dims[0] != 1 || dims != first.dims() {
            return Err(ModelError::BadShape {
                metric: "whole-image scoring",
                tensor: if k == 0 {
                    "the image"
                } else {
                    "a companion image"
                },
                shape: dims.to_vec(),
                expected: format!(
                    "1 x C x H x W, the same for every image ({:?})",
                    first.dims()
                ),
            });
        }
    }
    let padded: Vec<Tensor> = images
        .iter()
        .map(|image| pad_to_patch(image, grid.size))
        .collect::<Result<_>>()?;
    let (_, _, h, w) = padded[0].dims4()?;
    let rows = grid_positions(h, grid.size, grid.stride);
    let cols = grid_positions(w, grid.size, grid.stride);
    let windows: Vec<(usize, usize)> = rows
        .iter()
        .flat_map(|&y| cols.iter().map(move |&x| (y, x)))
        .collect();
    let mut total = 0.0f64;
    for chunk in windows.chunks(batch) {
        let stacks = padded
            .iter()
            .map(|image| {
                let crops = chunk
                    .iter()
                    .map(|&(y, x)| image.narrow(2, y, grid.size)?.narrow(3, x, grid.size))
                    .collect::<candle_core::Result<Vec<_>>>()?;
                // B x (1, C, S, S) -> (B, C, S, S)
                Ok(Tensor::cat(&crops, 0)?)
            })
            .collect::<Result<Vec<_>>>()?;
        let scores: Vec<f32> = score(&stacks)?
            .to_dtype(DType::F32)?
            .flatten_all()?
            .to_vec1()?;
        if scores.len() != chunk.len() {
            return Err(ModelError::BadShape {
                metric: "whole-image scoring",
                tensor: "the scores",
                shape: vec![scores.len()],
                expected: format!("one score per patch ({})", chunk.len()),
            });
        }
        total += scores.iter().map(|&s| f64::from(s)).sum::<f64>();
    }
    Ok(total / windows.len() as f64)
}

/// The score of `image` (`1 x 3 x H x W` in [0, 1]) by `model`, fed as the model expects:
/// the mean over its patch grid (`batch` patches per forward pass), or the whole image.
///
/// A score that is not finite (NaN from a broken model) is an error, never a number
/// passed on. On the CPU, the model's memory estimate is first checked against what the
/// machine can give ([`crate::memory::check_image_fits`]).
pub fn score_image(model: &dyn NoReferenceModel, image: &Tensor, batch: usize) -> Result<f64> {
    if image.device().is_cpu()
        && let [_, _, height, width] = *image.dims()
    {
        crate::memory::check_image_fits(model, height, width, iqa_io::memory::available_bytes())?;
    }
    let score = score_any(model, image, batch)?;
    if score.is_finite() {
        Ok(score)
    } else {
        Err(ModelError::NonFiniteScore {
            model: model.describe().name.to_string(),
            score,
        })
    }
}

fn score_any(model: &dyn NoReferenceModel, image: &Tensor, batch: usize) -> Result<f64> {
    match model.describe().input {
        ExpectedInput::Patches(grid) => {
            grid_mean(&[image], grid, batch, |patches| model.predict(&patches[0]))
        }
        ExpectedInput::WholeImage => {
            let scores: Vec<f32> = model
                .predict(image)?
                .to_dtype(DType::F32)?
                .flatten_all()?
                .to_vec1()?;
            match scores.as_slice() {
                [s] => Ok(f64::from(*s)),
                other => Err(ModelError::BadShape {
                    metric: "whole-image scoring",
                    tensor: "the scores",
                    shape: vec![other.len()],
                    expected: "one score for one image".to_string(),
                }),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::nr::ModelDescription;
    use crate::registry::Direction;
    use candle_core::Device;

    /// Scores a patch by its mean value, so whole-image scores can be computed by hand.
    struct Mean(PatchGrid);
    impl NoReferenceModel for Mean {
        fn describe(&self) -> ModelDescription {
            ModelDescription {
                name: "mean".to_string(),
                direction: Direction::HigherIsBetter,
                input: ExpectedInput::Patches(self.0),
            }
        }
        fn predict(&self, x: &Tensor) -> Result<Tensor> {
            Ok(x.flatten_from(1)?.mean(1)?)
        }
    }

    /// A 1 x 3 x h x w image whose value is its column index.
    fn columns(h: usize, w: usize) -> Tensor {
        let data: Vec<f32> = (0..3 * h).flat_map(|_| (0..w).map(|v| v as f32)).collect();
        Tensor::from_vec(data, (1, 3, h, w), &Device::Cpu).unwrap()
    }

    #[test]
    fn grid_covers_the_image_with_the_last_window_at_the_edge() {
        assert_eq!(grid_positions(10, 4, 3), vec![0, 3, 6]);
        assert_eq!(grid_positions(11, 4, 3), vec![0, 3, 6, 7]);
        assert_eq!(grid_positions(500, 256, 128), vec![0, 128, 244]);
        assert_eq!(grid_positions(256, 256, 128), vec![0]);
        assert_eq!(grid_positions(3, 4, 3), vec![0]);
    }

    #[test]
    fn the_mean_is_over_the_grid_and_independent_of_the_batch() {
        // Patch 2, stride 2 on a 2 x 6 image: windows at columns 0, 2, 4 with means 0.5,
        // 2.5, 4.5 -> 2.5.
        let img = columns(2, 6);
        let model = Mean(PatchGrid { size: 2, stride: 2 });
        for batch in [1, 2, 3, 64] {
            assert_eq!(score_image(&model, &img, batch).unwrap(), 2.5);
        }
        // Stride 1: windows 0..=4, means 0.5..4.5 -> 2.5; a zero stride is refused.
        let model = Mean(PatchGrid { size: 2, stride: 1 });
        assert_eq!(score_image(&model, &img, 5).unwrap(), 2.5);
        assert!(score_image(&Mean(PatchGrid { size: 2, stride: 0 }), &img, 1).is_err());
        assert!(score_image(&model, &img, 0).is_err());
    }

    #[test]
    fn small_images_are_mirrored_to_the_patch_size() {
        // Columns [0 1 2] mirrored to 5: [0 1 2 2 1]; rows likewise; mean 6/5.
        let img = columns(1, 3);
        let padded = pad_to_patch(&img, 5).unwrap();
        assert_eq!(padded.dims(), &[1, 3, 5, 5]);
        let row: Vec<f32> = padded
            .get(0)
            .unwrap()
            .get(0)
            .unwrap()
            .get(4)
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(row, vec![0.0, 1.0, 2.0, 2.0, 1.0]);
        let model = Mean(PatchGrid::half_overlapping(5));
        assert!((score_image(&model, &img, 4).unwrap() - 1.2).abs() < 1e-6);
    }

    #[test]
    fn companion_images_are_cut_at_the_same_windows() {
        let a = columns(4, 8);
        let b = (columns(4, 8) * 2.0).unwrap();
        let grid = PatchGrid { size: 4, stride: 2 };
        let mean = grid_mean(&[&a, &b], grid, 2, |stacks| {
            assert_eq!(stacks.len(), 2);
            let ratio = (stacks[1].clone() - (stacks[0].clone() * 2.0)?)?
                .abs()?
                .max_all()?;
            assert_eq!(ratio.to_scalar::<f32>()?, 0.0);
            Ok(stacks[0].flatten_from(1)?.mean(1)?)
        })
        .unwrap();
        assert_eq!(mean, 3.5);
        let other = columns(4, 9);
        assert!(grid_mean(&[&a, &other], grid, 2, |s| Ok(s[0].clone())).is_err());
    }
}
