//! The classic metrics behind the crate's model traits, so that the registry, the
//! command line and the evaluation protocol use them like any other model: tensors in
//! [0, 1] are turned back into 8-bit planes (the authors' code reads 8-bit images, and
//! the conversion recovers a decoded 8-bit image exactly), every item of a batch is scored
//! on its own, in parallel, and the scores come back as an `N` tensor.

use candle_core::{DType, IndexOp, Tensor};
use rayon::prelude::*;

use super::{ClassicError, Plane, RgbPlanes};
use crate::nr::{ExpectedInput, ModelDescription};
use crate::registry::Direction;
use crate::{FullReferenceModel, ModelError, NoReferenceModel, Result};

/// A classic full-reference metric, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClassicFrMetric {
    /// Visual information fidelity, wavelet domain (Sheikh & Bovik 2006).
    Vif,
    /// Normalised Laplacian pyramid distance (Laparra et al. 2016).
    Nlpd,
    /// Complex-wavelet SSIM (Sampat et al. 2009).
    CwSsim,
    /// Feature similarity on luma (Zhang et al. 2011).
    Fsim,
    /// Feature similarity with chromatic terms (FSIMc).
    Fsimc,
    /// Visual saliency-induced index (Zhang et al. 2014).
    Vsi,
    /// Most apparent distortion (Larson & Chandler 2010).
    Mad,
}

impl ClassicFrMetric {
    /// The registry name.
    pub fn name(self) -> &'static str {
        match self {
            ClassicFrMetric::Vif => "vif",
            ClassicFrMetric::Nlpd => "nlpd",
            ClassicFrMetric::CwSsim => "cw-ssim",
            ClassicFrMetric::Fsim => "fsim",
            ClassicFrMetric::Fsimc => "fsimc",
            ClassicFrMetric::Vsi => "vsi",
            ClassicFrMetric::Mad => "mad",
        }
    }

    /// Which way quality goes.
    pub fn direction(self) -> Direction {
        match self {
            ClassicFrMetric::Nlpd | ClassicFrMetric::Mad => Direction::LowerIsBetter,
            _ => Direction::HigherIsBetter,
        }
    }

    /// Scores one pair of 0..255 colour images.
    pub fn score(
        self,
        reference: &RgbPlanes,
        distorted: &RgbPlanes,
    ) -> std::result::Result<f64, ClassicError> {
        let luma = |f: fn(&Plane, &Plane) -> std::result::Result<f64, ClassicError>| {
            f(&reference.rgb2gray_u8(), &distorted.rgb2gray_u8())
        };
        match self {
            ClassicFrMetric::Vif => luma(super::vif),
            ClassicFrMetric::Nlpd => luma(super::nlpd),
            ClassicFrMetric::CwSsim => luma(super::cw_ssim),
            ClassicFrMetric::Fsim => Ok(super::fsim(reference, distorted)?.fsim),
            ClassicFrMetric::Fsimc => Ok(super::fsim(reference, distorted)?.fsimc),
            ClassicFrMetric::Vsi => super::vsi(reference, distorted),
            ClassicFrMetric::Mad => super::mad(reference, distorted),
        }
    }
}

/// A classic no-reference metric, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClassicNrMetric {
    /// Natural image quality evaluator (Mittal, Soundararajan & Bovik 2013).
    Niqe,
    /// Blind/referenceless image spatial quality evaluator (Mittal, Moorthy & Bovik 2012).
    Brisque,
    /// Perception-based image quality evaluator (Venkatanath et al. 2015).
    Piqe,
}

impl ClassicNrMetric {
    /// The registry name.
    pub fn name(self) -> &'static str {
        match self {
            ClassicNrMetric::Niqe => "niqe",
            ClassicNrMetric::Brisque => "brisque",
            ClassicNrMetric::Piqe => "piqe",
        }
    }

    /// Scores one 0..255 colour image (on its MATLAB `rgb2gray` luma); lower is better.
    pub fn score(self, image: &RgbPlanes) -> std::result::Result<f64, ClassicError> {
        let gray = image.rgb2gray_u8();
        match self {
            ClassicNrMetric::Niqe => super::niqe(&gray),
            ClassicNrMetric::Brisque => super::brisque(&gray),
            ClassicNrMetric::Piqe => super::piqe(&gray),
        }
    }
}

/// A classic full-reference metric as a [`FullReferenceModel`].
#[derive(Debug, Clone, Copy)]
pub struct ClassicFr(pub ClassicFrMetric);

impl FullReferenceModel for ClassicFr {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn direction(&self) -> Direction {
        self.0.direction()
    }

    fn predict(&self, reference: &Tensor, distorted: &Tensor) -> Result<Tensor> {
        let metric = self.0.name();
        let refs = batch_planes(metric, "reference", reference)?;
        // Compare shapes before converting the second batch.
        if reference.dims() != distorted.dims() {
            return Err(ModelError::SizeMismatch {
                metric,
                reference: reference.dims().to_vec(),
                distorted: distorted.dims().to_vec(),
            });
        }
        let dists = batch_planes(metric, "distorted", distorted)?;
        let scores = refs
            .par_iter()
            .zip(&dists)
            .map(|(r, d)| self.0.score(r, d))
            .collect::<std::result::Result<Vec<f64>, ClassicError>>()?;
        scores_tensor(scores, reference)
    }
}

/// A classic no-reference metric as a [`NoReferenceModel`] (whole images).
#[derive(Debug, Clone, Copy)]
pub struct ClassicNr(pub ClassicNrMetric);

impl NoReferenceModel for ClassicNr {
    fn describe(&self) -> ModelDescription {
        ModelDescription {
            name: self.0.name().to_string(),
            direction: Direction::LowerIsBetter,
            input: ExpectedInput::WholeImage,
        }
    }

    fn predict(&self, distorted: &Tensor) -> Result<Tensor> {
        let images = batch_planes(self.0.name(), "distorted", distorted)?;
        let scores = images
            .par_iter()
            .map(|image| self.0.score(image))
            .collect::<std::result::Result<Vec<f64>, ClassicError>>()?;
        scores_tensor(scores, distorted)
    }
}

/// The 8-bit colour planes of every image of an `N x 3 x H x W` batch in [0, 1].
fn batch_planes(
    metric: &'static str,
    name: &'static str,
    batch: &Tensor,
) -> Result<Vec<RgbPlanes>> {
    let dims = batch.dims();
    let &[n, 3, height, width] = dims else {
        return Err(ModelError::BadShape {
            metric,
            tensor: name,
            shape: dims.to_vec(),
            expected: "N x 3 x H x W (RGB in [0, 1])".into(),
        });
    };
    let batch = batch.to_dtype(DType::F32)?;
    (0..n)
        .map(|i| {
            let chw: Vec<f32> = batch.i(i)?.flatten_all()?.to_vec1()?;
            let to_u8 = |v: &f32| f64::from((v * 255.0).round().clamp(0.0, 255.0));
            let plane = |c: usize| {
                let data = chw[c * height * width..(c + 1) * height * width]
                    .iter()
                    .map(to_u8)
                    .collect();
                Plane::new(width, height, data)
            };
            Ok(RgbPlanes {
                r: plane(0)?,
                g: plane(1)?,
                b: plane(2)?,
            })
        })
        .collect()
}

/// `scores` as an `N` f32 tensor on the device of `like`.
fn scores_tensor(scores: Vec<f64>, like: &Tensor) -> Result<Tensor> {
    let n = scores.len();
    let values: Vec<f32> = scores.into_iter().map(|s| s as f32).collect();
    Ok(Tensor::from_vec(values, n, like.device())?)
}
