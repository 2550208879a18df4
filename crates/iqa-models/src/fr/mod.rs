//! Full-reference (FR) quality metrics: a reference and a distorted image in, a score out.
//!
//! Every metric is a candle computation on `N x 3 x H x W` tensors in [0, 1], batched and
//! (except DeepWSD's transport step) differentiable, behind [`FullReferenceModel`]. Find one
//! by name with [`full_reference_metric`].

mod deepwsd;
mod filter;
mod luma;
mod ms_ssim;
mod psnr;
mod ssim;

pub use deepwsd::{DeepWsd, stage_distance};
pub use ms_ssim::MsSsim;
pub use psnr::{Psnr, PsnrChannels};
pub use ssim::{Downsample, Ssim, SsimChannels};

use std::path::Path;

use candle_core::{Device, Tensor};
use image::DynamicImage;

use crate::{ModelError, Result, image_to_tensor};

/// A full-reference quality metric.
pub trait FullReferenceModel: Send + Sync {
    /// The metric's name, as on the command line (`ssim`, `ms-ssim`, ...).
    fn name(&self) -> &'static str;
    /// Whether lower scores mean better quality (true for distances such as DeepWSD).
    fn lower_is_better(&self) -> bool;
    /// Scores `N` pairs: `reference` and `distorted` are `N x 3 x H x W` in [0, 1];
    /// returns `N` scores (f32).
    fn predict(&self, reference: &Tensor, distorted: &Tensor) -> Result<Tensor>;
}

/// The names [`full_reference_metric`] knows.
pub const FULL_REFERENCE_METRICS: [&str; 6] =
    ["psnr", "psnr-y", "ssim", "ssim-rgb", "ms-ssim", "deepwsd"];

/// Settings a metric may take when built by name.
#[derive(Debug, Clone, Default)]
pub struct MetricOptions<'a> {
    /// SSIM's automatic downsampling.
    pub downsample: Downsample,
    /// DeepWSD's VGG16 weights (safetensors, torchvision key names).
    pub vgg16: Option<&'a Path>,
}

/// Builds a metric by name (see [`FULL_REFERENCE_METRICS`]); a typo gets the closest name
/// suggested.
pub fn full_reference_metric(
    name: &str,
    options: &MetricOptions<'_>,
    device: &Device,
) -> Result<Box<dyn FullReferenceModel>> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "psnr" => Box::new(Psnr::new(PsnrChannels::Rgb)),
        "psnr-y" => Box::new(Psnr::new(PsnrChannels::Luma)),
        "ssim" => Box::new(Ssim::new(SsimChannels::Luma, options.downsample)),
        "ssim-rgb" => Box::new(Ssim::new(SsimChannels::Rgb, options.downsample)),
        "ms-ssim" => Box::new(MsSsim::default()),
        "deepwsd" => match options.vgg16 {
            Some(path) => Box::new(DeepWsd::load(path, device)?),
            None => return Err(DeepWsd::missing_weights_error()),
        },
        other => {
            let closest = FULL_REFERENCE_METRICS
                .iter()
                .min_by_key(|known| edit_distance(other, known))
                .copied()
                .unwrap_or("ssim");
            return Err(ModelError::Config(format!(
                "unknown full-reference metric `{other}`; did you mean `{closest}`? Known: {}",
                FULL_REFERENCE_METRICS.join(", ")
            )));
        }
    })
}

/// Scores one pair of decoded images on `device`.
pub fn score_images(
    metric: &dyn FullReferenceModel,
    reference: &DynamicImage,
    distorted: &DynamicImage,
    device: &Device,
) -> Result<f32> {
    let r = image_to_tensor(reference, "the reference image", device)?;
    let d = image_to_tensor(distorted, "the distorted image", device)?;
    let scores: Vec<f32> = metric.predict(&r, &d)?.to_vec1()?;
    scores
        .first()
        .copied()
        .ok_or_else(|| ModelError::Config(format!("{} returned no score", metric.name())))
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

/// Levenshtein distance, for suggesting names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_suggestions() {
        let err = full_reference_metric("msssim", &MetricOptions::default(), &Device::Cpu)
            .err()
            .unwrap();
        assert!(err.to_string().contains("did you mean `ms-ssim`"), "{err}");
        let err = full_reference_metric("deepwsd", &MetricOptions::default(), &Device::Cpu)
            .err()
            .unwrap();
        assert!(err.to_string().contains("--vgg16"), "{err}");
    }
}
