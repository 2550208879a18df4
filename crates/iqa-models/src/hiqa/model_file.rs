//! Model files: one safetensors file holding G and R (and D when saved for training),
//! tensor names `g.*`, `r.*`, `d.*`, with the configuration, R's mode and the variant as
//! JSON in the header metadata, so that loading needs nothing else. Loading checks every
//! tensor's name and shape and names each mismatch. Written atomically.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};

use super::{HiqaConfig, HiqaNetworks, RegressorMode, Variant};
use crate::{ModelError, Result, vars};

const FORMAT: &str = "iqa-hallucinated-iqa";

/// Metadata keys the file format itself uses; extra entries may not take them.
const RESERVED: [&str; 4] = ["format", "config", "mode", "variant"];

fn file_error(path: &Path, reason: impl Into<String>) -> ModelError {
    ModelError::ModelFile {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// A model read from a file: the networks, the variant they were trained as, and the
/// other metadata entries (for example `trained_steps`).
#[derive(Debug)]
pub struct SavedModel {
    /// G, R and D (D freshly initialised when the file has none).
    pub networks: HiqaNetworks,
    /// The variant of the ablation ladder (or the oracle) the networks were trained as.
    pub variant: Variant,
    /// Every metadata entry of the file.
    pub metadata: HashMap<String, String>,
}

/// Writes the networks, trained as `variant`, to `path` (atomically); D is included when
/// `with_discriminator`; `extra` metadata entries are added (the reserved keys `format`,
/// `config`, `mode` and `variant` are ignored there).
pub fn save(
    nets: &HiqaNetworks,
    variant: Variant,
    path: &Path,
    with_discriminator: bool,
    extra: &[(&str, String)],
) -> Result<()> {
    let mut tensors = vars::named_tensors(&nets.g_vars, "", "G")?;
    tensors.extend(vars::named_tensors(&nets.r_vars, "", "R")?);
    if with_discriminator {
        tensors.extend(vars::named_tensors(&nets.d_vars, "", "D")?);
    }
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    let json = |what: &str, value: Result<String, serde_json::Error>| {
        value.map_err(|e| file_error(path, format!("cannot describe its {what}: {e}")))
    };
    let mut metadata = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        (
            "config".to_string(),
            json("configuration", serde_json::to_string(&nets.config))?,
        ),
        (
            "mode".to_string(),
            json("mode", serde_json::to_string(&nets.regressor.mode()))?,
        ),
        ("variant".to_string(), variant.name().to_string()),
    ]);
    for (key, value) in extra {
        if !RESERVED.contains(key) {
            metadata.insert((*key).to_string(), value.clone());
        }
    }
    let bytes =
        safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), Some(metadata))
            .map_err(|e| file_error(path, format!("cannot serialise the networks: {e}")))?;
    iqa_io::atomic::write_bytes_atomic(path, &bytes)?;
    Ok(())
}

/// The header metadata of a model file (`format`, `config`, `mode`, `variant` and any extra
/// entries), without reading its tensors.
pub fn metadata(path: &Path) -> Result<HashMap<String, String>> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, format!("cannot read: {e}")))?;
    header(&bytes, path)
}

fn header(bytes: &[u8], path: &Path) -> Result<HashMap<String, String>> {
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes)
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
    Ok(meta)
}

/// The variant the metadata records; files without one (written before the variant was
/// recorded) are read by R's mode: no discrepancy map is the baseline, fusion the full
/// model, a map without fusion a rung of the ladder in between (never the oracle, which
/// always recorded its variant).
fn variant_of(meta: &HashMap<String, String>, mode: RegressorMode, path: &Path) -> Result<Variant> {
    if let Some(name) = meta.get("variant") {
        return Variant::from_name(name)
            .ok_or_else(|| file_error(path, format!("unknown variant `{name}` in its metadata")));
    }
    Ok(match (mode.discrepancy, mode.fusion) {
        (false, _) => Variant::Baseline,
        (true, false) => Variant::IqaAdversarial,
        (true, true) => Variant::Full,
    })
}

/// Reads a model file: builds the networks its metadata describes on `device` and fills
/// them with its tensors. D is filled when the file has it (else left freshly initialised).
pub fn load(path: &Path, device: &Device) -> Result<SavedModel> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, format!("cannot read: {e}")))?;
    let meta = header(&bytes, path)?;
    let field = |k: &str| {
        meta.get(k)
            .ok_or_else(|| file_error(path, format!("metadata lacks `{k}`")))
    };
    let config: HiqaConfig = serde_json::from_str(field("config")?)
        .map_err(|e| file_error(path, format!("metadata `config`: {e}")))?;
    let mode: RegressorMode = serde_json::from_str(field("mode")?)
        .map_err(|e| file_error(path, format!("metadata `mode`: {e}")))?;
    let variant = variant_of(&meta, mode, path)?;
    let nets = HiqaNetworks::new(&config, mode, device, 0)?;
    let stored: HashMap<String, Tensor> = candle_core::safetensors::load_buffer(&bytes, device)
        .map_err(|e| file_error(path, format!("cannot read its tensors: {e}")))?;
    let mut used = vars::load_into(&nets.g_vars, "", &stored, path, "G")?;
    used.extend(vars::load_into(&nets.r_vars, "", &stored, path, "R")?);
    if stored.keys().any(|k| k.starts_with("d.")) {
        used.extend(vars::load_into(&nets.d_vars, "", &stored, path, "D")?);
    }
    let mut extra: Vec<&String> = stored.keys().filter(|k| !used.contains(k)).collect();
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
    Ok(SavedModel {
        networks: nets,
        variant,
        metadata: meta,
    })
}
