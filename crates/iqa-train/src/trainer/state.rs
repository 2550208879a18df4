//! The training state: the checkpoint (model file and state file) and its exact
//! restore, the import of a generator trained elsewhere, and the networks to test with.

use std::collections::BTreeMap;
use std::path::Path;

use candle_core::Tensor;
use candle_nn::VarMap;
use iqa_models::hiqa::{HiqaNetworks, model_file};
use iqa_models::vars;

use super::{Trainer, files};
use crate::checkpoint::{self, StateMeta};
use crate::config::TrainConfig;
use crate::error::{Result, file_error};

/// Named tensors of the training state, and each optimiser's update count.
type StateTensors = (Vec<(String, Tensor)>, BTreeMap<String, u64>);

impl Trainer {
    /// The variable maps of the training state, with their name prefixes there and their
    /// names in errors.
    fn variable_maps(&self) -> [(&'static str, &VarMap, &'static str); 4] {
        [
            ("net.", &self.nets.g_vars, "G"),
            ("net.", &self.nets.r_vars, "R"),
            ("net.", &self.nets.d_vars, "D"),
            ("pre.", &self.pre_vars, "R_pre"),
        ]
    }

    /// Every tensor of the run (networks, R_pre, optimiser buffers) with its state name.
    fn state_tensors(&self) -> Result<StateTensors> {
        let mut tensors = Vec::new();
        for (prefix, map, what) in self.variable_maps() {
            tensors.extend(vars::named_tensors(map, prefix, what)?);
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

    /// Writes G and R (and D when `with_discriminator`) to `path` as a model file of this
    /// run's variant, with the steps trained so far.
    pub(super) fn save_model(&self, path: &Path, with_discriminator: bool) -> Result<()> {
        model_file::save(
            &self.nets,
            self.config.variant,
            path,
            with_discriminator,
            &[("trained_steps", self.step.to_string())],
        )?;
        Ok(())
    }

    /// Writes the model file and the training state into `out` (each atomically; the
    /// state last, so it never refers to a model newer than itself).
    pub fn checkpoint(&mut self, out: &Path) -> Result<()> {
        self.save_model(&out.join(files::MODEL), true)?;
        let (tensors, optimiser_steps) = self.state_tensors()?;
        let meta = StateMeta {
            step: self.step,
            optimiser_steps,
            best: self.best,
            config: self.config.clone(),
            data: self.data.clone(),
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
        if let (Some(saved), Some(current)) = (&meta.data, &self.data)
            && saved != current
        {
            return Err(file_error(
                path,
                format!(
                    "was trained on other data ({saved}); this run has {current}. Resume with the database and split the run started with"
                ),
            ));
        }
        for (prefix, map, what) in self.variable_maps() {
            vars::load_into(map, prefix, &tensors, path, what)?;
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
        let other = model_file::load(path, &self.device)?.networks;
        if other.config != self.config.network {
            return Err(file_error(
                path,
                "its network configuration differs from this run's `network`",
            ));
        }
        vars::copy_into(&other.g_vars, &self.nets.g_vars, path, "G")?;
        Ok(())
    }

    /// The networks to test with: the best model by validation SROCC when there is one,
    /// else the latest.
    pub fn best_networks(&self, out: &Path) -> Result<HiqaNetworks> {
        match self.best {
            Some(_) => Ok(model_file::load(&out.join(files::BEST), &self.device)?.networks),
            None => Ok(model_file::load(&out.join(files::MODEL), &self.device)?.networks),
        }
    }
}
