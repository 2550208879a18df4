//! Hallucinated-IQA as a [`NoReferenceModel`]: the networks of a model file with the
//! variant they were trained as and the patch grid they are tested on.

use std::path::Path;

use candle_core::{Device, Tensor};

use super::{HiqaNetworks, Variant, model_file};
use crate::nr::{ExpectedInput, ModelDescription, NoReferenceModel, PatchGrid};
use crate::registry::Direction;
use crate::{ModelError, Result};

/// A trained Hallucinated-IQA model ready to score distorted images alone.
#[derive(Debug)]
pub struct HiqaScorer {
    networks: HiqaNetworks,
    variant: Variant,
    grid: PatchGrid,
}

impl HiqaScorer {
    /// The networks trained as `variant`, scored on `grid`. The oracle is refused: it needs
    /// the true reference, which no-reference scoring does not have.
    pub fn new(networks: HiqaNetworks, variant: Variant, grid: PatchGrid) -> Result<Self> {
        if variant == Variant::Oracle {
            return Err(ModelError::NeedsReference {
                model: "an oracle Hallucinated-IQA model".to_string(),
            });
        }
        grid.check()?;
        Ok(HiqaScorer {
            networks,
            variant,
            grid,
        })
    }

    /// The model in the file `path`, on its training patch with half-overlapping stride.
    pub fn from_file(path: &Path, device: &Device) -> Result<Self> {
        let saved = model_file::load(path, device)?;
        let grid = PatchGrid::half_overlapping(saved.networks.config.patch);
        if saved.variant == Variant::Oracle {
            return Err(ModelError::NeedsReference {
                model: format!("`{}` (an oracle model)", path.display()),
            });
        }
        Self::new(saved.networks, saved.variant, grid)
    }

    /// The same model on another patch grid.
    pub fn with_grid(mut self, grid: PatchGrid) -> Result<Self> {
        grid.check()?;
        self.grid = grid;
        Ok(self)
    }

    /// The networks.
    pub fn networks(&self) -> &HiqaNetworks {
        &self.networks
    }

    /// The variant the networks were trained as.
    pub fn variant(&self) -> Variant {
        self.variant
    }
}

impl NoReferenceModel for HiqaScorer {
    fn describe(&self) -> ModelDescription {
        ModelDescription {
            name: format!(
                "hallucinated-iqa ({}, {})",
                self.variant.name(),
                self.networks.config.preset
            ),
            direction: Direction::HigherIsBetter,
            input: ExpectedInput::Patches(self.grid),
        }
    }

    /// G then R in inference mode (R alone for the baseline).
    fn predict(&self, distorted: &Tensor) -> Result<Tensor> {
        self.networks.predict(self.variant, distorted, None)
    }
}
