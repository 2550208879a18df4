//! Model files: one safetensors file holding G and R (and D when saved for training),
//! tensor names `g.*`, `r.*`, `d.*`, with the configuration and R's mode as JSON in the
//! header metadata, so that loading needs nothing else. Loading checks every tensor's name
//! and shape and names each mismatch.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use candle_nn::VarMap;

use super::{HiqaConfig, HiqaNetworks, RegressorMode};
use crate::{ModelError, Result};

const FORMAT: &str = "iqa-hallucinated-iqa";

fn file_error(path: &Path, reason: impl Into<String>) -> ModelError {
    ModelError::Config(format!("`{}`: {}", path.display(), reason.into()))
}

/// Writes the networks to `path` (atomically: a temporary file renamed into place);
/// D is included when `with_discriminator`.
pub fn save(nets: &HiqaNetworks, path: &Path, with_discriminator: bool) -> Result<()> {
    save_with_metadata(nets, path, with_discriminator, &[])
}

/// [`save`] with extra metadata entries (e.g. the training variant); the entries
/// `format`, `config` and `mode` are reserved.
pub fn save_with_metadata(
    nets: &HiqaNetworks,
    path: &Path,
    with_discriminator: bool,
    extra: &[(&str, String)],
) -> Result<()> {
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    let mut maps = vec![&nets.g_vars, &nets.r_vars];
    if with_discriminator {
        maps.push(&nets.d_vars);
    }
    for map in maps {
        let data = map
            .data()
            .lock()
            .map_err(|_| ModelError::Config("a variable map's lock is poisoned".to_string()))?;
        for (name, var) in data.iter() {
            tensors.push((name.clone(), var.as_tensor().clone()));
        }
    }
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    let mut metadata = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        (
            "config".to_string(),
            serde_json::to_string(&nets.config).map_err(|e| file_error(path, e.to_string()))?,
        ),
        (
            "mode".to_string(),
            serde_json::to_string(&nets.regressor.mode())
                .map_err(|e| file_error(path, e.to_string()))?,
        ),
    ]);
    for (key, value) in extra {
        if !metadata.contains_key(*key) {
            metadata.insert((*key).to_string(), value.clone());
        }
    }
    let bytes =
        safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), Some(metadata))
            .map_err(|e| file_error(path, format!("cannot serialise: {e}")))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(
        ".{}.partial",
        path.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    ));
    std::fs::write(&tmp, bytes).map_err(|e| file_error(&tmp, e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| file_error(path, e.to_string()))?;
    Ok(())
}

/// The header metadata of a model file (`format`, `config`, `mode` and any extra
/// entries), without reading its tensors.
pub fn metadata(path: &Path) -> Result<HashMap<String, String>> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e.to_string()))?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes)
        .map_err(|e| file_error(path, format!("not a safetensors file: {e}")))?;
    Ok(header.metadata().clone().unwrap_or_default())
}

/// Reads a model file: builds the networks its metadata describes on `device` and fills
/// them with its tensors. D is filled when the file has it (else left freshly initialised).
pub fn load(path: &Path, device: &Device) -> Result<HiqaNetworks> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e.to_string()))?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes)
        .map_err(|e| file_error(path, format!("not a safetensors file: {e}")))?;
    let meta = header.metadata().clone().unwrap_or_default();
    if meta.get("format").map(String::as_str) != Some(FORMAT) {
        return Err(file_error(
            path,
            format!(
                "not an iqa Hallucinated-IQA model file (metadata `format` should be `{FORMAT}`)"
            ),
        ));
    }
    let field = |k: &str| {
        meta.get(k)
            .ok_or_else(|| file_error(path, format!("metadata lacks `{k}`")))
    };
    let config: HiqaConfig = serde_json::from_str(field("config")?)
        .map_err(|e| file_error(path, format!("metadata `config`: {e}")))?;
    let mode: RegressorMode = serde_json::from_str(field("mode")?)
        .map_err(|e| file_error(path, format!("metadata `mode`: {e}")))?;
    let nets = HiqaNetworks::new(&config, mode, device, 0)?;
    let stored = candle_core::safetensors::load_buffer(&bytes, device)
        .map_err(|e| file_error(path, format!("cannot read tensors: {e}")))?;
    let has_d = stored.keys().any(|k| k.starts_with("d."));
    let mut expected = Vec::new();
    let mut maps: Vec<&VarMap> = vec![&nets.g_vars, &nets.r_vars];
    if has_d {
        maps.push(&nets.d_vars);
    }
    for map in maps {
        let data = map
            .data()
            .lock()
            .map_err(|_| ModelError::Config("a variable map's lock is poisoned".to_string()))?;
        for (name, var) in data.iter() {
            expected.push(name.clone());
            let tensor = stored
                .get(name)
                .ok_or_else(|| file_error(path, format!("tensor `{name}` is missing")))?;
            if tensor.dims() != var.dims() {
                return Err(file_error(
                    path,
                    format!(
                        "tensor `{name}` has shape {:?}; the configuration needs {:?}",
                        tensor.dims(),
                        var.dims()
                    ),
                ));
            }
            var.set(&tensor.to_dtype(var.dtype())?)?;
        }
    }
    let mut extra: Vec<&String> = stored.keys().filter(|k| !expected.contains(k)).collect();
    extra.sort();
    if let Some(first) = extra.first() {
        return Err(file_error(
            path,
            format!(
                "{} tensor(s) the configuration has no place for, first `{first}`",
                extra.len()
            ),
        ));
    }
    Ok(nets)
}
