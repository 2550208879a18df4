//! Model files of the group's models (FPR, DFSS-IQA). Either this project's format, a
//! safetensors file whose header metadata records `format` (`iqa-fpr` or `iqa-dfss`), the
//! sizes (`config`, JSON) and the direction of the training labels (`higher_is_better`);
//! or a checkpoint of the authors' PyTorch code converted to safetensors, with their
//! tensor names (also with the `module.` prefix that `nn.DataParallel` adds), whose sizes
//! are read from the tensors' shapes. Written atomically.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use candle_nn::VarMap;

use crate::{ModelError, Result, vars};

/// Which of the group's models a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupModel {
    /// FPR.
    Fpr,
    /// DFSS-IQA.
    Dfss,
}

impl GroupModel {
    /// The `format` entry of this project's files.
    pub fn format(self) -> &'static str {
        match self {
            GroupModel::Fpr => "iqa-fpr",
            GroupModel::Dfss => "iqa-dfss",
        }
    }

    /// The model's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            GroupModel::Fpr => "FPR",
            GroupModel::Dfss => "DFSS-IQA",
        }
    }

    /// Tensors of the authors' checkpoints that this project does not build: FPR's unused
    /// GroupNorm `gn`, DFSS-IQA's unused block `sf0`, and every batch norm's
    /// `num_batches_tracked` counter.
    fn ignorable(self, name: &str) -> bool {
        name.ends_with("num_batches_tracked")
            || match self {
                GroupModel::Fpr => name.starts_with("gn."),
                GroupModel::Dfss => name.starts_with("sf0."),
            }
    }
}

fn file_error(path: &Path, reason: impl Into<String>) -> ModelError {
    ModelError::ModelFile {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// What a file holds: its tensors (without any `module.` prefix) and its metadata (empty
/// for a converted checkpoint).
#[derive(Debug)]
pub struct GroupFile {
    /// The tensors by name.
    pub tensors: HashMap<String, Tensor>,
    /// The header metadata.
    pub metadata: HashMap<String, String>,
}

impl GroupFile {
    /// Whether this project wrote the file (it then records the sizes and the direction).
    pub fn is_ours(&self) -> bool {
        self.metadata.contains_key("format")
    }

    /// The shape of tensor `name`, or an error naming the file and the tensor.
    pub fn dims(&self, name: &str, path: &Path) -> Result<Vec<usize>> {
        self.tensors
            .get(name)
            .map(|t| t.dims().to_vec())
            .ok_or_else(|| ModelError::MissingTensor {
                path: path.to_path_buf(),
                tensor: name.to_string(),
            })
    }
}

/// The group model a file of this project's format holds (`None` for any other file, a
/// converted checkpoint included, or one that cannot be read).
pub fn model_of_file(path: &Path) -> Option<GroupModel> {
    let bytes = std::fs::read(path).ok()?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).ok()?;
    let format = header.metadata().as_ref()?.get("format")?.clone();
    [GroupModel::Fpr, GroupModel::Dfss]
        .into_iter()
        .find(|m| m.format() == format)
}

/// Writes `vars` as a `model` file at `path` with its sizes `config` (JSON) and the
/// direction of its training labels.
pub fn save(
    path: &Path,
    model: GroupModel,
    config: &impl serde::Serialize,
    higher_is_better: bool,
    vars: &VarMap,
) -> Result<()> {
    let tensors = vars::named_tensors(vars, "", model.name())?;
    let config = serde_json::to_string(config)
        .map_err(|e| file_error(path, format!("cannot describe its sizes: {e}")))?;
    let metadata = HashMap::from([
        ("format".to_string(), model.format().to_string()),
        ("config".to_string(), config),
        ("higher_is_better".to_string(), higher_is_better.to_string()),
    ]);
    let bytes =
        safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), Some(metadata))
            .map_err(|e| file_error(path, format!("cannot serialise the networks: {e}")))?;
    iqa_io::atomic::write_bytes_atomic(path, &bytes)?;
    Ok(())
}

/// Reads a `model` file (this project's, or a converted checkpoint of the authors') onto
/// `device`. A file of this project's format for the other model is refused.
pub fn read(path: &Path, model: GroupModel, device: &Device) -> Result<GroupFile> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, format!("cannot read: {e}")))?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes)
        .map_err(|e| file_error(path, format!("not a safetensors file: {e}")))?;
    let metadata = header.metadata().clone().unwrap_or_default();
    if let Some(format) = metadata.get("format")
        && format != model.format()
    {
        return Err(file_error(
            path,
            format!(
                "holds `{format}`, not {} (`{}`)",
                model.name(),
                model.format()
            ),
        ));
    }
    let loaded = candle_core::safetensors::load_buffer(&bytes, device)
        .map_err(|e| file_error(path, format!("cannot read its tensors: {e}")))?;
    let tensors = loaded
        .into_iter()
        .map(|(name, t)| {
            let name = name
                .strip_prefix("module.")
                .map(str::to_string)
                .unwrap_or(name);
            (name, t)
        })
        .filter(|(name, _)| !model.ignorable(name))
        .collect();
    Ok(GroupFile { tensors, metadata })
}

/// Fills `vars` from `file`: every variable must be there with its shape, and every tensor
/// of the file must be used (a tensor left over means another architecture).
pub fn fill(vars: &VarMap, file: &GroupFile, path: &Path, model: GroupModel) -> Result<()> {
    let used = vars::load_into(vars, "", &file.tensors, path, model.name())?;
    let mut extra: Vec<&String> = file.tensors.keys().filter(|k| !used.contains(k)).collect();
    extra.sort();
    if let Some(first) = extra.first() {
        return Err(file_error(
            path,
            format!(
                "{} tensors that a {} model of these sizes does not have, e.g. `{first}`",
                extra.len(),
                model.name()
            ),
        ));
    }
    Ok(())
}
