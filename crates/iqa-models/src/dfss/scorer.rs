//! DFSS-IQA as a [`NoReferenceModel`]: a model file scores an image from the statistics of
//! its non-overlapping 32x32 tiles (at most 1024, evenly spread over the raster order; the
//! statistics do not depend on their order), norms in inference mode.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

use super::{Dfss, DfssConfig, PATCH};
use crate::group_model_file::{self, GroupFile, GroupModel};
use crate::nr::{ExpectedInput, ModelDescription, NoReferenceModel, raster_tiles};
use crate::registry::Direction;
use crate::{ModelError, Result};

/// The most tiles an image is scored from (the authors' test setting).
pub const MAX_TILES: usize = 1024;

/// SIQAD's class count (7 types x 7 levels + pristine): the authors' SIQAD checkpoints
/// predict its DMOS, lower is better; their SCID ones (46 classes) its MOS.
const SIQAD_CLASSES: usize = 50;

/// A trained DFSS-IQA model ready to score distorted images alone.
pub struct DfssScorer {
    model: Dfss,
    vars: VarMap,
    direction: Direction,
}

impl DfssScorer {
    /// The model in `path`: this project's file, or a converted checkpoint of the authors'
    /// code (sizes from its tensors; the direction from its class count: 50 classes is a
    /// SIQAD model, whose DMOS is lower-is-better, otherwise higher is better, as SCID's
    /// MOS).
    pub fn from_file(path: &Path, device: &Device) -> Result<DfssScorer> {
        let file = group_model_file::read(path, GroupModel::Dfss, device)?;
        let (config, direction) = if file.is_ours() {
            let config: DfssConfig = serde_json::from_str(
                file.metadata
                    .get("config")
                    .map(String::as_str)
                    .unwrap_or(""),
            )
            .map_err(|e| ModelError::ModelFile {
                path: path.to_path_buf(),
                reason: format!("its `config` metadata is not DFSS-IQA's sizes: {e}"),
            })?;
            let higher = file.metadata.get("higher_is_better").map(String::as_str) != Some("false");
            (
                config,
                if higher {
                    Direction::HigherIsBetter
                } else {
                    Direction::LowerIsBetter
                },
            )
        } else {
            let config = config_from_tensors(&file, path)?;
            let direction = if config.classes == SIQAD_CLASSES {
                Direction::LowerIsBetter
            } else {
                Direction::HigherIsBetter
            };
            (config, direction)
        };
        let vars = VarMap::new();
        let model = Dfss::new(&config, VarBuilder::from_varmap(&vars, DType::F32, device))?;
        group_model_file::fill(&vars, &file, path, GroupModel::Dfss)?;
        Ok(DfssScorer {
            model,
            vars,
            direction,
        })
    }

    /// A scorer of `model` (with its variables `vars`), whose labels went `direction`.
    pub fn new(model: Dfss, vars: VarMap, direction: Direction) -> DfssScorer {
        DfssScorer {
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
            GroupModel::Dfss,
            self.model.config(),
            higher,
            &self.vars,
        )
    }

    /// The network.
    pub fn model(&self) -> &Dfss {
        &self.model
    }
}

/// DFSS-IQA's sizes from a checkpoint's tensor shapes.
fn config_from_tensors(file: &GroupFile, path: &Path) -> Result<DfssConfig> {
    let out = |name: &str| -> Result<usize> { Ok(file.dims(name, path)?[0]) };
    Ok(DfssConfig {
        stem_width: out("sf101.conv.0.weight")?,
        conv_width: out("sfl1.weight")?,
        block_width: out("sfl21.conv1.conv.0.weight")?,
        last_width: out("sfl3.conv1.conv.0.weight")?,
        embed_width: out("scl.0.weight")?,
        classes: out("distype_cls.2.weight")?,
    })
}

impl NoReferenceModel for DfssScorer {
    fn describe(&self) -> ModelDescription {
        ModelDescription {
            name: "dfss-iqa".to_string(),
            direction: self.direction,
            input: ExpectedInput::WholeImage,
        }
    }

    /// Each image's score from its tiles.
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

impl std::fmt::Debug for DfssScorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DfssScorer")
            .field("config", self.model.config())
            .field("direction", &self.direction)
            .finish_non_exhaustive()
    }
}
