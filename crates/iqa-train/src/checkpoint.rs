//! The training-state file: one safetensors file holding everything a run needs to
//! continue exactly: the networks (G, R, D and R_pre), every optimiser buffer, and as JSON
//! metadata the configuration, the step and the best model so far. The batches need no
//! saved random state: batch k is a pure function of (seed, k). One file, written
//! atomically, so a checkpoint is never half old, half new.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::error::{Result, file_error};

const FORMAT: &str = "iqa-training-state";
const VERSION: u32 = 1;

/// The best model so far by validation SROCC.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BestModel {
    /// The step it was evaluated at.
    pub step: u64,
    /// Its validation SROCC.
    pub srocc: f64,
    /// Its validation PLCC.
    pub plcc: f64,
}

/// The scalar part of the training state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateMeta {
    /// Steps done.
    pub step: u64,
    /// Updates made by each optimiser (Adam's bias correction needs them).
    pub optimiser_steps: BTreeMap<String, u64>,
    /// The best model so far.
    pub best: Option<BestModel>,
    /// The configuration of the run.
    pub config: TrainConfig,
    /// What the run trains on ([`crate::trainer::TrainData::fingerprint`]); absent in
    /// states written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// Writes the state atomically.
pub fn save(path: &Path, tensors: &[(String, Tensor)], meta: &StateMeta) -> Result<()> {
    let json = serde_json::to_string(meta).map_err(|e| file_error(path, e))?;
    let metadata = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("version".to_string(), VERSION.to_string()),
        ("state".to_string(), json),
    ]);
    let bytes =
        safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), Some(metadata))
            .map_err(|e| file_error(path, format!("cannot serialise the training state: {e}")))?;
    iqa_io::atomic::write_bytes_atomic(path, &bytes)?;
    Ok(())
}

/// Reads a state file written by [`save`]; every failure names the file.
pub fn load(path: &Path, device: &Device) -> Result<(HashMap<String, Tensor>, StateMeta)> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e))?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| {
        file_error(
            path,
            format!("not a training-state file (cannot read its safetensors header: {e})"),
        )
    })?;
    let meta = header.metadata().clone().unwrap_or_default();
    if meta.get("format").map(String::as_str) != Some(FORMAT) {
        return Err(file_error(
            path,
            format!("not an iqa training-state file (metadata `format` should be `{FORMAT}`)"),
        ));
    }
    if meta.get("version").map(String::as_str) != Some(&VERSION.to_string()) {
        return Err(file_error(
            path,
            format!(
                "training-state version {:?}; this build reads version {VERSION}",
                meta.get("version")
            ),
        ));
    }
    let state: StateMeta = serde_json::from_str(
        meta.get("state")
            .ok_or_else(|| file_error(path, "metadata lacks `state`"))?,
    )
    .map_err(|e| file_error(path, format!("metadata `state`: {e}")))?;
    let tensors = candle_core::safetensors::load_buffer(&bytes, device)
        .map_err(|e| file_error(path, format!("cannot read its tensors: {e}")))?;
    Ok((tensors, state))
}
