//! No-reference models: the trait, and the shared whole-image helper that scores a patch
//! model on overlapping patches and averages them (the protocol of the paper's test time).

use candle_core::Tensor;

use crate::{ModelError, Result};

/// A model that scores distorted images alone; higher is better.
pub trait NoReferenceModel: Send + Sync {
    /// A short name for logs and reports.
    fn name(&self) -> String;
    /// Scores of a batch `N x 3 x H x W` in [0, 1]: `N` values.
    fn predict(&self, distorted: &Tensor) -> Result<Tensor>;
}

/// Start positions covering `length` with windows of `size` at `stride`, the last aligned to
/// the far edge; one window of the whole length when it is shorter than `size`.
fn positions(length: usize, size: usize, stride: usize) -> Vec<usize> {
    if length <= size {
        return vec![0];
    }
    let last = length - size;
    let mut v: Vec<usize> = (0..=last).step_by(stride.max(1)).collect();
    if v.last() != Some(&last) {
        v.push(last);
    }
    v
}

/// The mean score of `image` (`1 x 3 x H x W`) over overlapping `patch x patch` windows at
/// `stride`, evaluated `batch` windows at a time. A side shorter than the patch is used
/// whole (the networks are fully convolutional up to global pooling).
pub fn score_whole_image(
    model: &dyn NoReferenceModel,
    image: &Tensor,
    patch: usize,
    stride: usize,
    batch: usize,
) -> Result<f32> {
    let (n, c, h, w) = image.dims4()?;
    if n != 1 || c != 3 || patch == 0 || stride == 0 || batch == 0 {
        return Err(ModelError::Config(format!(
            "whole-image scoring needs one 1 x 3 x H x W image and positive patch, stride, batch (got {:?}, {patch}, {stride}, {batch})",
            image.dims()
        )));
    }
    let (ph, pw) = (patch.min(h), patch.min(w));
    let windows: Vec<(usize, usize)> = positions(h, patch, stride)
        .into_iter()
        .flat_map(|y| positions(w, patch, stride).into_iter().map(move |x| (y, x)))
        .collect();
    let mut total = 0.0f64;
    for chunk in windows.chunks(batch) {
        let crops = chunk
            .iter()
            .map(|&(y, x)| image.narrow(2, y, ph)?.narrow(3, x, pw))
            .collect::<candle_core::Result<Vec<_>>>()?;
        let scores: Vec<f32> = model
            .predict(&Tensor::cat(&crops, 0)?)?
            .to_dtype(candle_core::DType::F32)?
            .to_vec1()?;
        total += scores.iter().map(|&s| f64::from(s)).sum::<f64>();
    }
    Ok((total / windows.len() as f64) as f32)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// Scores a patch by its mean value, so whole-image scores can be computed by hand.
    struct Mean;
    impl NoReferenceModel for Mean {
        fn name(&self) -> String {
            "mean".to_string()
        }
        fn predict(&self, x: &Tensor) -> Result<Tensor> {
            Ok(x.flatten_from(1)?.mean(1)?)
        }
    }

    #[test]
    fn grid_and_mean() {
        assert_eq!(positions(10, 4, 3), vec![0, 3, 6]);
        assert_eq!(positions(11, 4, 3), vec![0, 3, 6, 7]);
        assert_eq!(positions(3, 4, 3), vec![0]);
        // A 1 x 3 x 2 x 6 image whose value is its column index; patch 2, stride 2:
        // windows at columns 0, 2, 4 with means 0.5, 2.5, 4.5 -> 2.5.
        let row: Vec<f32> = (0..6).map(|v| v as f32).collect();
        let data: Vec<f32> = (0..6).flat_map(|_| row.clone()).collect();
        let img = Tensor::from_vec(data, (1, 3, 2, 6), &Device::Cpu).unwrap();
        assert_eq!(score_whole_image(&Mean, &img, 2, 2, 2).unwrap(), 2.5);
        // Stride 1: windows 0..=4 -> means 0.5..4.5 -> 2.5 again; a bad stride is refused.
        assert_eq!(score_whole_image(&Mean, &img, 2, 1, 5).unwrap(), 2.5);
        assert!(score_whole_image(&Mean, &img, 2, 0, 1).is_err());
    }
}
