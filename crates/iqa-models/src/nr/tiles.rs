//! Non-overlapping tiles of an image in a fixed order, for models that score an image from
//! the set or the sequence of its patches (FPR's GRU reads them in order; DFSS-IQA takes
//! statistics over them) rather than averaging per-patch scores.

use candle_core::Tensor;

use super::whole_image::pad_to_patch;
use crate::{ModelError, Result};

/// The `size x size` tiles of `image` (`1 x C x H x W`) on a grid of stride `size` from the
/// top-left corner, in raster order (rows top to bottom, each left to right), as `T x C x
/// size x size`. An image smaller than a tile is first extended by symmetric reflection;
/// pixels beyond the last whole tile of a row or column are left out. When there are more
/// than `max` tiles, `max` of them evenly spread over the raster order are kept (the
/// authors' code draws up to 1024 at random; a fixed choice makes scores repeatable).
pub fn raster_tiles(image: &Tensor, size: usize, max: usize) -> Result<Tensor> {
    let (n, _, _, _) = image.dims4()?;
    if n != 1 || size == 0 || max == 0 {
        return Err(ModelError::InvalidConfig {
            field: "tiles",
            reason: format!(
                "one image at a time with a tile size and count of at least 1 (got {n} images, size {size}, max {max})"
            ),
        });
    }
    let padded = pad_to_patch(image, size)?;
    let (_, _, h, w) = padded.dims4()?;
    let (rows, cols) = (h / size, w / size);
    let total = rows * cols;
    let keep: Vec<usize> = if total <= max {
        (0..total).collect()
    } else {
        (0..max).map(|k| k * total / max).collect()
    };
    let tiles = keep
        .into_iter()
        .map(|k| {
            let (r, c) = (k / cols, k % cols);
            Ok(padded
                .narrow(2, r * size, size)?
                .narrow(3, c * size, size)?)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Tensor::cat(&tiles, 0)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    #[test]
    fn tiles_come_in_raster_order_and_are_subsampled_evenly() {
        // A 1 x 1 x 4 x 6 image whose pixel value is its index: 2 x 3 tiles of 2.
        let img = Tensor::arange(0f32, 24., &Device::Cpu)
            .unwrap()
            .reshape((1, 1, 4, 6))
            .unwrap();
        let t = raster_tiles(&img, 2, 100).unwrap();
        assert_eq!(t.dims(), &[6, 1, 2, 2]);
        let firsts: Vec<f32> = t
            .narrow(2, 0, 1)
            .unwrap()
            .narrow(3, 0, 1)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(firsts, vec![0., 2., 4., 12., 14., 16.]);
        let t = raster_tiles(&img, 2, 3).unwrap();
        let firsts: Vec<f32> = t
            .flatten_from(1)
            .unwrap()
            .narrow(1, 0, 1)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(firsts, vec![0., 4., 14.]);
        // Smaller than one tile: mirrored up to it.
        let small = Tensor::zeros((1, 3, 5, 7), DType::F32, &Device::Cpu).unwrap();
        assert_eq!(raster_tiles(&small, 8, 4).unwrap().dims(), &[1, 3, 8, 8]);
        assert!(
            raster_tiles(
                &Tensor::zeros((2, 3, 8, 8), DType::F32, &Device::Cpu).unwrap(),
                8,
                4
            )
            .is_err()
        );
    }
}
