//! The classic metrics behind the crate's two model traits: a batch of `N x 3 x H x W`
//! tensors in [0, 1] becomes `N` luma planes (8-bit, as the MATLAB originals were given),
//! each scored on the CPU in f64.

use candle_core::{DType, Device, Tensor};

use super::{ClassicError, Plane};
use crate::fr::FullReferenceModel;
use crate::nr::{ExpectedInput, ModelDescription, NoReferenceModel};
use crate::registry::Direction;
use crate::{ModelError, Result};

/// A full-reference classic metric: reference luma, distorted luma, score.
pub type FrFunction = fn(&Plane, &Plane) -> std::result::Result<f64, ClassicError>;
/// A no-reference classic metric: luma, score.
pub type NrFunction = fn(&Plane) -> std::result::Result<f64, ClassicError>;

/// The 8-bit luma planes of a batch `N x 3 x H x W` in [0, 1].
pub fn luma_planes(batch: &Tensor, what: &'static str) -> Result<Vec<Plane>> {
    let dims = batch.dims().to_vec();
    let (n, c, h, w) = batch.dims4().map_err(|_| ModelError::BadShape {
        metric: what,
        tensor: "the images",
        shape: dims.clone(),
        expected: "N x 3 x H x W".to_string(),
    })?;
    if c != 3 {
        return Err(ModelError::BadShape {
            metric: what,
            tensor: "the images",
            shape: dims,
            expected: "N x 3 x H x W (RGB)".to_string(),
        });
    }
    let bytes = batch
        .to_device(&Device::Cpu)?
        .to_dtype(DType::F32)?
        .affine(255.0, 0.0)?
        .round()?
        .clamp(0f32, 255f32)?
        .to_dtype(DType::U8)?
        .permute((0, 2, 3, 1))?
        .contiguous()?
        .flatten_all()?
        .to_vec1::<u8>()?;
    Ok(bytes
        .chunks_exact(h * w * 3)
        .take(n)
        .map(|rgb| Plane::luma_u8(rgb, h, w))
        .collect())
}

fn scores(values: Vec<f64>, device: &Device) -> Result<Tensor> {
    let values: Vec<f32> = values.into_iter().map(|v| v as f32).collect();
    Ok(Tensor::new(values, device)?)
}

/// A classic full-reference metric as a [`FullReferenceModel`].
#[derive(Debug, Clone, Copy)]
pub struct ClassicFr {
    name: &'static str,
    direction: Direction,
    function: FrFunction,
}

impl ClassicFr {
    /// The metric `function`, called `name`, whose scores go `direction`.
    pub fn new(name: &'static str, direction: Direction, function: FrFunction) -> Self {
        ClassicFr {
            name,
            direction,
            function,
        }
    }
}

impl FullReferenceModel for ClassicFr {
    fn name(&self) -> &'static str {
        self.name
    }

    fn direction(&self) -> Direction {
        self.direction
    }

    fn predict(&self, reference: &Tensor, distorted: &Tensor) -> Result<Tensor> {
        crate::fr::check_pair(self.name, reference, distorted, (1, 1), "an image")?;
        let refs = luma_planes(reference, self.name)?;
        let dists = luma_planes(distorted, self.name)?;
        let values = refs
            .iter()
            .zip(&dists)
            .map(|(r, d)| (self.function)(r, d).map_err(ModelError::from))
            .collect::<Result<Vec<f64>>>()?;
        scores(values, reference.device())
    }
}

/// A classic no-reference metric as a [`NoReferenceModel`] (fed whole images).
#[derive(Debug, Clone, Copy)]
pub struct ClassicNr {
    name: &'static str,
    direction: Direction,
    function: NrFunction,
}

impl ClassicNr {
    /// The metric `function`, called `name`, whose scores go `direction`.
    pub fn new(name: &'static str, direction: Direction, function: NrFunction) -> Self {
        ClassicNr {
            name,
            direction,
            function,
        }
    }
}

impl NoReferenceModel for ClassicNr {
    fn describe(&self) -> ModelDescription {
        ModelDescription {
            name: self.name.to_string(),
            direction: self.direction,
            input: ExpectedInput::WholeImage,
        }
    }

    fn predict(&self, distorted: &Tensor) -> Result<Tensor> {
        let values = luma_planes(distorted, self.name)?
            .iter()
            .map(|p| (self.function)(p).map_err(ModelError::from))
            .collect::<Result<Vec<f64>>>()?;
        scores(values, distorted.device())
    }
}
