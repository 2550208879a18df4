//! Labelling synthetic databases with the full-reference metrics of `iqa-models`: the
//! bridge that lets `iqa-data`'s generator stay independent of the models.

use candle_core::Device;
use image::{DynamicImage, RgbImage};

use iqa_data::{DataError, Labeller};
use iqa_models::registry::{ModelOptions, full_reference};
use iqa_models::{FullReferenceModel, score_images};

/// A [`Labeller`] that scores with one full-reference metric on the CPU.
pub struct MetricLabeller {
    metric: Box<dyn FullReferenceModel>,
}

impl MetricLabeller {
    /// The metric called `name` (`ms-ssim`, `ssim`, `psnr`, ...), with its default options.
    pub fn new(name: &str) -> iqa_models::Result<MetricLabeller> {
        let metric = full_reference(name, &ModelOptions::default(), &Device::Cpu)?;
        Ok(MetricLabeller { metric })
    }
}

impl Labeller for MetricLabeller {
    fn name(&self) -> String {
        self.metric.name().to_string()
    }

    fn lower_is_better(&self) -> bool {
        self.metric.direction().lower_is_better()
    }

    fn score(&self, reference: &RgbImage, distorted: &RgbImage) -> iqa_data::Result<f64> {
        let r = DynamicImage::ImageRgb8(reference.clone());
        let d = DynamicImage::ImageRgb8(distorted.clone());
        score_images(self.metric.as_ref(), &r, &d, &Device::Cpu)
            .map(f64::from)
            // The metric's error names the metric; the generator adds the file.
            .map_err(|e| DataError::Labeller {
                path: Default::default(),
                reason: e.to_string(),
            })
    }
}
