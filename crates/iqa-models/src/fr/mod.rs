//! Full-reference (FR) quality metrics: a reference and a distorted image in, a score out.
//!
//! Every metric is a candle computation on `N x 3 x H x W` tensors in [0, 1], batched and
//! (except DeepWSD's transport step) differentiable, behind [`FullReferenceModel`]. Build
//! one by name with [`crate::registry::full_reference`].

mod deepwsd;
pub(crate) mod filter;
mod gmsd;
mod luma;
mod ms_ssim;
mod nlpd;
mod psnr;
mod ssim;

pub use deepwsd::{DeepWsd, stage_distance};
pub use gmsd::Gmsd;
pub use ms_ssim::MsSsim;
pub use nlpd::Nlpd;
pub use psnr::{Psnr, PsnrChannels};
pub use ssim::{Downsample, Ssim, SsimChannels};

use candle_core::{Device, Tensor};
use image::DynamicImage;

use crate::memory::MemoryCost;
use crate::registry::Direction;
use crate::{ModelError, Result, image_to_tensor};

/// A full-reference quality metric.
pub trait FullReferenceModel: Send + Sync {
    /// The metric's name, as on the command line (`ssim`, `ms-ssim`, ...).
    fn name(&self) -> &'static str;
    /// Which way quality goes (distances such as DeepWSD: lower is better).
    fn direction(&self) -> Direction;
    /// Scores `N` pairs: `reference` and `distorted` are `N x 3 x H x W` in [0, 1];
    /// returns `N` scores (f32).
    fn predict(&self, reference: &Tensor, distorted: &Tensor) -> Result<Tensor>;

    /// The memory scoring a pair needs on the CPU, per pixel plus a fixed part (see
    /// [`crate::memory`]); by default the registry name's measured constant.
    fn memory_cost(&self) -> MemoryCost {
        crate::memory::full_reference_cost(self.name())
    }
}

/// Scores one pair of decoded images on `device`.
///
/// On the CPU, the metric's memory estimate for the larger of the two images is first
/// checked against what the machine can give ([`crate::memory::check_pairs_fit`]): a pair
/// too large is refused before anything is allocated.
pub fn score_images(
    metric: &dyn FullReferenceModel,
    reference: &DynamicImage,
    distorted: &DynamicImage,
    device: &Device,
) -> Result<f32> {
    if device.is_cpu() {
        crate::memory::check_decoded_pairs_fit(metric, 1, reference, distorted)?;
    }
    let r = image_to_tensor(reference, "the reference image", device)?;
    let d = image_to_tensor(distorted, "the distorted image", device)?;
    let scores: Vec<f32> = metric.predict(&r, &d)?.to_vec1()?;
    scores.first().copied().ok_or_else(|| ModelError::BadShape {
        metric: metric.name(),
        tensor: "the scores",
        shape: vec![0],
        expected: "one score for one pair".to_string(),
    })
}

/// Checks that both inputs are `N x 3 x H x W` of the same shape and at least
/// `min` = (height, width); returns (N, H, W).
pub(crate) fn check_pair(
    metric: &'static str,
    reference: &Tensor,
    distorted: &Tensor,
    min: (usize, usize),
    why: &'static str,
) -> Result<(usize, usize, usize)> {
    for (name, t) in [("reference", reference), ("distorted", distorted)] {
        if t.rank() != 4 || t.dim(1)? != 3 {
            return Err(ModelError::BadShape {
                metric,
                tensor: name,
                shape: t.dims().to_vec(),
                expected: "N x 3 x H x W (RGB)".into(),
            });
        }
    }
    if reference.dims() != distorted.dims() {
        return Err(ModelError::SizeMismatch {
            metric,
            reference: reference.dims().to_vec(),
            distorted: distorted.dims().to_vec(),
        });
    }
    let (n, _, h, w) = reference.dims4()?;
    if h < min.0 || w < min.1 {
        return Err(ModelError::TooSmall {
            metric,
            height: h,
            width: w,
            min_height: min.0,
            min_width: min.1,
            why,
        });
    }
    Ok((n, h, w))
}
