//! The training state: the checkpoint (model file and state file) and its exact
//! restore, the import of a generator trained elsewhere, the networks to test with, and
//! the variant a model file was trained as.

use std::collections::BTreeMap;
use std::path::Path;

use candle_core::Tensor;
use candle_nn::VarMap;
use iqa_models::hiqa::{HiqaNetworks, RegressorMode, model_file};

use super::{Trainer, files};
use crate::checkpoint::{self, StateMeta};
use crate::config::TrainConfig;
use crate::error::{Result, config_error, file_error};
use crate::variant::Variant;

/// Named tensors of the training state, and each optimiser's update count.
type StateTensors = (Vec<(String, Tensor)>, BTreeMap<String, u64>);

impl Trainer {
    /// The variable maps of the training state, with their name prefixes there.
    fn variable_maps(&self) -> [(&'static str, &VarMap); 4] {
        [
            ("net", &self.nets.g_vars),
            ("net", &self.nets.r_vars),
            ("net", &self.nets.d_vars),
            ("pre", &self.pre_vars),
        ]
    }

    /// Every tensor of the run (networks, R_pre, optimiser buffers) with its state name.
    fn state_tensors(&self) -> Result<StateTensors> {
        let mut tensors = Vec::new();
        for (prefix, map) in self.variable_maps() {
            let data = map
                .data()
                .lock()
                .map_err(|_| config_error("networks", "a variable map's lock is poisoned"))?;
            for (name, var) in data.iter() {
                tensors.push((format!("{prefix}.{name}"), var.as_tensor().clone()));
            }
        }
        let mut steps = BTreeMap::new();
        for (name, opt) in [
            ("g", &self.g_opt),
            ("r", &self.r_opt),
            ("d", &self.d_opt),
            ("pre", &self.pre_opt),
        ] {
            let (t, n) = opt.state(&format!("opt.{name}"));
            tensors.extend(t);
            steps.insert(name.to_string(), n);
        }
        tensors.sort_by(|a, b| a.0.cmp(&b.0));
        Ok((tensors, steps))
    }

    pub(super) fn variant_metadata(&self) -> [(&'static str, String); 2] {
        [
            ("variant", self.config.variant.name().to_string()),
            ("trained_steps", self.step.to_string()),
        ]
    }

    /// Writes the model file and the training state into `out` (each atomically; the
    /// state last, so it never refers to a model newer than itself).
    pub fn checkpoint(&mut self, out: &Path) -> Result<()> {
        model_file::save_with_metadata(
            &self.nets,
            &out.join(files::MODEL),
            true,
            &self.variant_metadata(),
        )?;
        let (tensors, optimiser_steps) = self.state_tensors()?;
        let meta = StateMeta {
            step: self.step,
            optimiser_steps,
            best: self.best,
            config: self.config.clone(),
        };
        let path = out.join(files::STATE);
        checkpoint::save(&path, &tensors, &meta)?;
        self.last_checkpoint = Some(path);
        Ok(())
    }

    /// Restores the state written by [`Trainer::checkpoint`]. The configuration must be
    /// the one the state was written with.
    pub fn restore(&mut self, path: &Path) -> Result<()> {
        let (tensors, meta) = checkpoint::load(path, &self.device)?;
        let comparable = |c: &TrainConfig| TrainConfig {
            data: None,
            ..c.clone()
        };
        let (saved, current) = (comparable(&meta.config), comparable(&self.config));
        if saved != current {
            let a = serde_json::to_value(&saved).map_err(|e| file_error(path, e))?;
            let b = serde_json::to_value(&current).map_err(|e| file_error(path, e))?;
            let differing: Vec<String> = match (a, b) {
                (serde_json::Value::Object(a), serde_json::Value::Object(b)) => a
                    .iter()
                    .filter(|(k, v)| b.get(k.as_str()) != Some(v))
                    .map(|(k, _)| k.clone())
                    .collect(),
                _ => Vec::new(),
            };
            return Err(file_error(
                path,
                format!(
                    "was written with another configuration (differs in: {}); resume with the run's own config.toml",
                    differing.join(", ")
                ),
            ));
        }
        for (prefix, map) in self.variable_maps() {
            let data = map
                .data()
                .lock()
                .map_err(|_| config_error("networks", "a variable map's lock is poisoned"))?;
            for (name, var) in data.iter() {
                let key = format!("{prefix}.{name}");
                let t = tensors
                    .get(&key)
                    .ok_or_else(|| file_error(path, format!("tensor `{key}` is missing")))?;
                if t.dims() != var.dims() {
                    return Err(file_error(
                        path,
                        format!(
                            "tensor `{key}` has shape {:?}; the network needs {:?}",
                            t.dims(),
                            var.dims()
                        ),
                    ));
                }
                var.set(t)?;
            }
        }
        for (name, opt) in [
            ("g", &mut self.g_opt),
            ("r", &mut self.r_opt),
            ("d", &mut self.d_opt),
            ("pre", &mut self.pre_opt),
        ] {
            let steps = meta.optimiser_steps.get(name).copied().unwrap_or(0);
            opt.load_state(&tensors, &format!("opt.{name}"), steps)
                .map_err(|e| file_error(path, e))?;
        }
        self.step = meta.step;
        self.best = meta.best;
        self.pre_frozen = None;
        self.last_checkpoint = Some(path.to_path_buf());
        Ok(())
    }

    /// Replaces G (weights and batch statistics) with the G of the model file `path`,
    /// trained elsewhere: the generator-transfer experiment trains G on one database and R
    /// on another. The file's network configuration must equal this run's.
    pub fn import_generator(&mut self, path: &Path) -> Result<()> {
        let other = model_file::load(path, &self.device)?;
        if other.config != self.config.network {
            return Err(file_error(
                path,
                "its network configuration differs from this run's `network`",
            ));
        }
        let source = other
            .g_vars
            .data()
            .lock()
            .map_err(|_| config_error("networks", "a variable map's lock is poisoned"))?;
        let target = self
            .nets
            .g_vars
            .data()
            .lock()
            .map_err(|_| config_error("networks", "a variable map's lock is poisoned"))?;
        for (name, var) in target.iter() {
            let t = source
                .get(name)
                .ok_or_else(|| file_error(path, format!("tensor `{name}` is missing")))?;
            var.set(t.as_tensor())?;
        }
        Ok(())
    }

    /// The networks to test with: the best model by validation SROCC when there is one,
    /// else the latest.
    pub fn best_networks(&self, out: &Path) -> Result<HiqaNetworks> {
        match self.best {
            Some(_) => Ok(model_file::load(&out.join(files::BEST), &self.device)?),
            None => Ok(model_file::load(&out.join(files::MODEL), &self.device)?),
        }
    }
}

/// The variant a model file was trained as: its `variant` metadata, else inferred from R's
/// mode (a file without it cannot be an oracle).
pub fn model_variant(path: &Path) -> Result<Variant> {
    let meta = model_file::metadata(path)?;
    if let Some(name) = meta.get("variant") {
        return Variant::from_name(name)
            .ok_or_else(|| file_error(path, format!("unknown variant `{name}` in its metadata")));
    }
    let mode: RegressorMode = meta
        .get("mode")
        .and_then(|m| serde_json::from_str(m).ok())
        .ok_or_else(|| file_error(path, "metadata lacks a readable `mode`"))?;
    Ok(match (mode.discrepancy, mode.fusion) {
        (false, _) => Variant::Baseline,
        (true, false) => Variant::IqaAdversarial,
        (true, true) => Variant::Full,
    })
}
