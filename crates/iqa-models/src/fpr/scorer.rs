//! FPR as a [`NoReferenceModel`]: the NR branch and head of a model file score an image
//! from its non-overlapping 64x64 tiles in raster order (at most 1024, evenly spread), fed
//! to the GRU in that fixed order. The authors' code shuffles the patches at test time too,
//! which makes its GRU weighting, and so its scores, vary from run to run; a fixed order
//! makes them repeatable.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

use super::{Fpr, FprConfig, PATCH};
use crate::group_model_file::{self, GroupFile, GroupModel};
use crate::nr::{ExpectedInput, ModelDescription, NoReferenceModel, raster_tiles};
use crate::registry::Direction;
use crate::{ModelError, Result};

/// The most tiles an image is scored from (the authors' `--n-ptchs-per-img` at test).
pub const MAX_TILES: usize = 1024;

/// A trained FPR model ready to score distorted images alone.
pub struct FprScorer {
    model: Fpr,
    vars: VarMap,
    direction: Direction,
}

impl FprScorer {
    /// The model in `path`: this project's file, or a converted checkpoint of the authors'
    /// code (sizes from its tensors; scores on the authors' scales, all distortion scales
    /// for natural images, so lower is better).
    pub fn from_file(path: &Path, device: &Device) -> Result<FprScorer> {
        let file = group_model_file::read(path, GroupModel::Fpr, device)?;
        let (config, direction) = if file.is_ours() {
            let config: FprConfig = serde_json::from_str(
                file.metadata
                    .get("config")
                    .map(String::as_str)
                    .unwrap_or(""),
            )
            .map_err(|e| ModelError::ModelFile {
                path: path.to_path_buf(),
                reason: format!("its `config` metadata is not FPR's sizes: {e}"),
            })?;
            let higher = file.metadata.get("higher_is_better").map(String::as_str) != Some("false");
            (config, direction_of(higher))
        } else {
            (config_from_tensors(&file, path)?, Direction::LowerIsBetter)
        };
        let vars = VarMap::new();
        let model = Fpr::new(&config, VarBuilder::from_varmap(&vars, DType::F32, device))?;
        group_model_file::fill(&vars, &file, path, GroupModel::Fpr)?;
        Ok(FprScorer {
            model,
            vars,
            direction,
        })
    }

    /// A scorer of `model` (with its variables `vars`), whose labels went `direction`.
    pub fn new(model: Fpr, vars: VarMap, direction: Direction) -> FprScorer {
        FprScorer {
            model,
            vars,
            direction,
        }
    }

    /// Writes the model to `path` in this project's format.
    pub fn save(&self, path: &Path) -> Result<()> {
        let higher = self.direction == Direction::HigherIsBetter;
        group_model_file::save(
            path,
            GroupModel::Fpr,
            self.model.config(),
            higher,
            &self.vars,
        )
    }

    /// The networks.
    pub fn model(&self) -> &Fpr {
        &self.model
    }
}

fn direction_of(higher_is_better: bool) -> Direction {
    if higher_is_better {
        Direction::HigherIsBetter
    } else {
        Direction::LowerIsBetter
    }
}

/// FPR's sizes from a checkpoint's tensor shapes.
fn config_from_tensors(file: &GroupFile, path: &Path) -> Result<FprConfig> {
    let out = |name: &str| -> Result<usize> { Ok(file.dims(name, path)?[0]) };
    let blocks = (0..)
        .take_while(|k| {
            file.tensors
                .contains_key(&format!("InvRescaleNet.operations.{k}.F.conv1.weight"))
        })
        .count();
    Ok(FprConfig {
        fr_widths: [
            out("fl1.conv1.conv.0.weight")?,
            out("fl2.conv1.conv.0.weight")?,
            out("fl3.conv1.conv.0.weight")?,
        ],
        nr_widths: [
            out("sfl1.conv1.conv.0.weight")?,
            out("sfl21.conv1.conv.0.weight")?,
        ],
        coupling_blocks: blocks,
    })
}

impl NoReferenceModel for FprScorer {
    fn describe(&self) -> ModelDescription {
        ModelDescription {
            name: "fpr".to_string(),
            direction: self.direction,
            input: ExpectedInput::WholeImage,
        }
    }

    /// Each image's score from its tiles (NR branch and head, in inference mode).
    fn predict(&self, distorted: &Tensor) -> Result<Tensor> {
        let n = distorted.dim(0)?;
        let scores = (0..n)
            .map(|k| {
                let tiles = raster_tiles(&distorted.narrow(0, k, 1)?, PATCH, MAX_TILES)?;
                let count = tiles.dim(0)?;
                self.model.predict(&tiles, 1, count)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Tensor::cat(&scores, 0)?)
    }
}

impl std::fmt::Debug for FprScorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FprScorer")
            .field("config", self.model.config())
            .field("direction", &self.direction)
            .finish_non_exhaustive()
    }
}
