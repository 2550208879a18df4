//! Algorithm 1 of the Hallucinated-IQA supplement, step by step.
//!
//! Stages, in order (each a fixed number of steps from the configuration):
//! 1. pre-training of R_pre (no fusion, fed the true reference: it learns what quality
//!    features a perfect hallucination would give, which is what L_q compares against);
//!    frozen afterwards. Only variants with the perceptual loss need it.
//! 2. the alternating stage, per batch: hallucinate and label with d_fake (Eq. 2); D on
//!    true references, D on hallucinations (Eq. 1); G by mu3 L_adv (Eq. 3); R by L_R
//!    (Eq. 5) on the hallucination; G by L_G (Eq. 4). Variants without G train R alone.
//! 3. R alone with G fixed (G in inference mode, as at test time).
//!
//! Step k always uses batch k of the seeded batch stream, so a run resumed from a
//! checkpoint takes exactly the path of an uninterrupted one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
use iqa_data::{Manifest, PatchBatch, PatchBatcher};
use iqa_metrics::FitKind;
use iqa_models::hiqa::losses::{
    adversarial_loss, discriminator_fake_loss, discriminator_real_loss, fake_labels,
    perceptual_loss, pixel_loss, quality_loss, regression_loss,
};
use iqa_models::hiqa::vgg19::{Vgg19Features, vgg_loss};
use iqa_models::hiqa::{HiqaNetworks, Regressor, RegressorMode, frozen, model_file, seeded_init};
use serde::Serialize;

use crate::checkpoint::{self, BestModel, StateMeta};
use crate::config::TrainConfig;
use crate::error::{Result, TrainError, config_error, file_error};
use crate::log::JsonLog;
use crate::optim::Optimiser;
use crate::variant::{Adversary, Variant};

/// The file names inside a run's output folder.
pub mod files {
    /// The latest model (G, R and D), in the iqa-models format.
    pub const MODEL: &str = "model.safetensors";
    /// The best model by validation SROCC (G and R), when there are validation items.
    pub const BEST: &str = "best.safetensors";
    /// The training state for `--resume`.
    pub const STATE: &str = "state.safetensors";
    /// The configuration of the run.
    pub const CONFIG: &str = "config.toml";
    /// One JSON object per logged step.
    pub const LOG: &str = "log.jsonl";
    /// The final report.
    pub const REPORT: &str = "report.json";
}

/// The stage a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// R_pre's pre-training.
    Pretrain,
    /// The alternating updates of D, G and R.
    Joint,
    /// R alone.
    Regressor,
}

/// The items a run trains and validates on.
#[derive(Debug, Clone, Copy)]
pub struct TrainData<'a> {
    /// The database.
    pub manifest: &'a Manifest,
    /// Training items (indices into the manifest).
    pub train: &'a [usize],
    /// Validation items for keeping the best model (may be empty).
    pub val: &'a [usize],
}

/// How a run is carried out (what does not change the result).
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// The output folder (created).
    pub out: PathBuf,
    /// Continue from the folder's training state instead of starting afresh.
    pub resume: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Stop once this many steps are done in total (the run can be resumed later).
    pub stop_at: Option<u64>,
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    /// The variant trained.
    pub variant: Variant,
    /// Steps done (all stages).
    pub steps: u64,
    /// Steps of the configuration (the run is complete when equal).
    pub total_steps: u64,
    /// Wall time of this call, seconds.
    pub seconds: f64,
    /// Training patches per second in this call (each step uses one batch).
    pub patches_per_s: f64,
    /// The last value of each loss.
    pub last_losses: BTreeMap<String, f64>,
    /// The best model by validation SROCC.
    pub best: Option<BestModel>,
    /// Whether L_v used random VGG19 features.
    pub random_vgg: bool,
    /// The latest model file.
    pub model: PathBuf,
    /// The best model file, when validation items were given.
    pub best_model: Option<PathBuf>,
}

/// The networks, their optimisers and the position in Algorithm 1.
pub struct Trainer {
    config: TrainConfig,
    device: Device,
    nets: HiqaNetworks,
    pre_vars: VarMap,
    pre: Regressor,
    pre_frozen: Option<Regressor>,
    vgg: Option<Vgg19Features>,
    g_opt: Optimiser,
    r_opt: Optimiser,
    d_opt: Optimiser,
    pre_opt: Optimiser,
    step: u64,
    best: Option<BestModel>,
    last_checkpoint: Option<PathBuf>,
}

impl std::fmt::Debug for Trainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("variant", &self.config.variant)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

type Losses = Vec<(&'static str, f64)>;

/// Named tensors of the training state, and each optimiser's update count.
type StateTensors = (Vec<(String, Tensor)>, BTreeMap<String, u64>);

impl Trainer {
    /// Fresh networks for `config` on `device`.
    pub fn new(config: &TrainConfig, device: &Device) -> Result<Trainer> {
        config.validate()?;
        let variant = config.variant;
        let nets = HiqaNetworks::new(
            &config.network,
            variant.regressor_mode(),
            device,
            config.seed,
        )?;
        let pre_vars = VarMap::new();
        let pre = Regressor::new(
            &config.network,
            RegressorMode::NO_FUSION,
            candle_nn::VarBuilder::from_varmap(&pre_vars, DType::F32, device).pp("r"),
        )?;
        seeded_init(&pre_vars, config.seed.wrapping_add(1000))?;
        let vgg = if variant.uses_perceptual() {
            Some(match (&config.vgg19.path, config.vgg19.allow_random) {
                (Some(path), _) => Vgg19Features::load(path, &config.network.vgg_taps, device)?,
                (None, true) => {
                    tracing::warn!(
                        "no VGG19 weights given: L_v uses random VGG19 features (vgg19.allow_random)"
                    );
                    Vgg19Features::random_for_tests(config.seed, &config.network.vgg_taps, device)?
                }
                (None, false) => {
                    return Err(config_error(
                        "vgg19.path",
                        format!(
                            "the variant `{variant}` uses the perceptual loss L_v, which needs VGG19 weights: give a safetensors file converted from torchvision (see datasets.md), or set vgg19.allow_random = true to use random features"
                        ),
                    ));
                }
            })
        } else {
            None
        };
        let opt = |vars: &VarMap| Optimiser::new(vars, config.optimiser);
        Ok(Trainer {
            g_opt: opt(&nets.g_vars)?,
            r_opt: opt(&nets.r_vars)?,
            d_opt: opt(&nets.d_vars)?,
            pre_opt: opt(&pre_vars)?,
            config: config.clone(),
            device: device.clone(),
            nets,
            pre_vars,
            pre,
            pre_frozen: None,
            vgg,
            step: 0,
            best: None,
            last_checkpoint: None,
        })
    }

    /// The networks.
    pub fn networks(&self) -> &HiqaNetworks {
        &self.nets
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Steps done.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// R_pre's pre-training steps (0 for variants without the perceptual loss).
    fn pretrain_steps(&self) -> u64 {
        if self.config.variant.uses_perceptual() {
            self.config.steps.pretrain
        } else {
            0
        }
    }

    /// Steps of the whole run.
    pub fn total_steps(&self) -> u64 {
        self.pretrain_steps() + self.config.steps.joint + self.config.steps.regressor
    }

    /// The stage of step `step`.
    pub fn stage_of(&self, step: u64) -> Stage {
        let pre = self.pretrain_steps();
        if step < pre {
            Stage::Pretrain
        } else if step < pre + self.config.steps.joint {
            Stage::Joint
        } else {
            Stage::Regressor
        }
    }

    /// The loss's value, or the divergence error.
    fn check(&self, name: &'static str, loss: &Tensor) -> Result<f64> {
        let value = loss.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        let limit = self.config.divergence_limit;
        if !value.is_finite() || value.abs() > limit {
            return Err(TrainError::Diverged {
                step: self.step,
                loss: name,
                value,
                limit,
                checkpoint: self
                    .last_checkpoint
                    .as_ref()
                    .map(|p| format!(" in `{}`", p.display()))
                    .unwrap_or_else(|| " (none was written yet)".to_string()),
            });
        }
        Ok(value)
    }

    /// One step of the current stage on `batch`, on rayon's pool for the CPU
    /// ([`iqa_models::on_pool`]: the forward and backward passes in one hop).
    pub fn train_step(&mut self, batch: &PatchBatch) -> Result<Losses> {
        let device = self.device.clone();
        iqa_models::on_pool(&device, || self.step_here(batch))
    }

    /// [`Trainer::train_step`] on the calling thread.
    fn step_here(&mut self, batch: &PatchBatch) -> Result<Losses> {
        let pre = self.pretrain_steps();
        match self.stage_of(self.step) {
            Stage::Pretrain => self.pretrain_step(batch, self.step),
            Stage::Joint => self.joint_step(batch, self.step - pre),
            Stage::Regressor => self.regressor_step(batch, self.step - pre),
        }
    }

    fn reference<'b>(&self, batch: &'b PatchBatch) -> Result<&'b Tensor> {
        batch.reference.as_ref().ok_or_else(|| {
            config_error(
                "data",
                format!(
                    "the variant `{}` needs reference patches; the batch has none",
                    self.config.variant
                ),
            )
        })
    }

    /// R_pre on the distorted image and the true reference, L1 to the scores.
    fn pretrain_step(&mut self, batch: &PatchBatch, k: u64) -> Result<Losses> {
        let reference = self.reference(batch)?;
        let s = self
            .pre
            .forward(&batch.distorted, Some(reference), None, true)?;
        let loss = regression_loss(&s, &batch.scores)?;
        let v = self.check("L_pre", &loss)?;
        self.pre_opt
            .backward_step(&loss, self.config.lr.pretrain.at(k))?;
        Ok(vec![("L_pre", v)])
    }

    /// R alone (Eq. 5); G, where the variant has one, fixed in inference mode.
    fn regressor_step(&mut self, batch: &PatchBatch, k: u64) -> Result<Losses> {
        let variant = self.config.variant;
        let (reference, features) = match variant {
            Variant::Baseline => (None, None),
            Variant::Oracle => (Some(self.reference(batch)?.clone()), None),
            _ => {
                let g = self.nets.generator.forward(&batch.distorted, false)?;
                (Some(g.image.detach()), Some(g.features.detach()))
            }
        };
        let s = self.nets.regressor.forward(
            &batch.distorted,
            reference.as_ref(),
            features.as_ref(),
            true,
        )?;
        let loss = regression_loss(&s, &batch.scores)?;
        let v = self.check("L_R", &loss)?;
        self.r_opt
            .backward_step(&loss, self.config.lr.regressor.at(k))?;
        Ok(vec![("L_R", v)])
    }

    /// Lines 4-9 of Algorithm 1.
    fn joint_step(&mut self, batch: &PatchBatch, k: u64) -> Result<Losses> {
        let variant = self.config.variant;
        if !variant.uses_generator() {
            return self.regressor_step(batch, k);
        }
        if variant.uses_perceptual() && self.pre_frozen.is_none() {
            self.pre_frozen = Some(Regressor::new(
                &self.config.network,
                RegressorMode::NO_FUSION,
                frozen(&self.pre_vars, &self.device)?.pp("r"),
            )?);
        }
        let w = self.config.losses;
        let lr = self.config.lr;
        let (d, s) = (&batch.distorted, &batch.scores);
        let reference = self.reference(batch)?.clone();
        let fusion = variant.regressor_mode().fusion;
        let mut out: Losses = Vec::new();

        // Line 1 for this batch: the hallucination R is trained on and D judges.
        let g = self.nets.generator.forward(d, true)?;
        let (image, features) = (g.image.detach(), g.features.detach());
        let features = fusion.then_some(&features);

        if let Some(adversary) = variant.adversary() {
            // Line 4, Eq. 2: d_fake from R's current error with this hallucination.
            let d_fake = match adversary {
                Adversary::Plain => Tensor::zeros(s.dims(), DType::F32, &self.device)?,
                Adversary::Iqa => {
                    let predicted =
                        self.nets
                            .regressor
                            .forward(d, Some(&image), features, false)?;
                    fake_labels(&predicted, s, w.epsilon)?
                }
            };
            out.push((
                "d_fake",
                d_fake
                    .mean_all()?
                    .to_dtype(DType::F64)?
                    .to_scalar::<f64>()?,
            ));
            // Line 5: D on true references.
            let real = self.nets.discriminator.forward(&reference, true)?;
            let loss = discriminator_real_loss(&real)?;
            out.push(("L_D_real", self.check("L_D_real", &loss)?));
            self.d_opt.backward_step(&loss, lr.discriminator.at(k))?;
            // Line 6: D on hallucinations, with the IQA labels.
            let fake = self.nets.discriminator.forward(&image, true)?;
            let loss = discriminator_fake_loss(&fake, &d_fake)?;
            out.push(("L_D_fake", self.check("L_D_fake", &loss)?));
            self.d_opt.backward_step(&loss, lr.discriminator.at(k))?;
            // Line 7: G by Eq. 3, weighted by mu3 (one weight governs the adversarial
            // pressure in both G updates).
            let g = self.nets.generator.forward(d, true)?;
            let adv = adversarial_loss(&self.nets.discriminator.forward(&g.image, false)?)?;
            let loss = adv.affine(w.adversarial, 0.0)?;
            out.push(("L_adv", self.check("L_adv", &adv)?));
            self.g_opt.backward_step(&loss, lr.generator.at(k))?;
        }

        // Line 8: R by Eq. 5 with the hallucination.
        let predicted = self
            .nets
            .regressor
            .forward(d, Some(&image), features, true)?;
        let loss = regression_loss(&predicted, s)?;
        out.push(("L_R", self.check("L_R", &loss)?));
        self.r_opt.backward_step(&loss, lr.regressor.at(k))?;

        // Line 9: G by Eq. 4.
        let g = self.nets.generator.forward(d, true)?;
        let l_p = pixel_loss(&g.image, &reference)?;
        out.push(("L_p", self.check("L_p", &l_p)?));
        let mut l_g = l_p.affine(w.pixel, 0.0)?;
        if let (Some(vgg), Some(pre)) = (&self.vgg, &self.pre_frozen) {
            let l_v = vgg_loss(vgg, &g.image, &reference)?;
            let l_q = quality_loss(pre, d, &g.image, &reference)?;
            out.push(("L_v", self.check("L_v", &l_v)?));
            out.push(("L_q", self.check("L_q", &l_q)?));
            let l_s = perceptual_loss(&l_v, &l_q, w.quality)?;
            l_g = (l_g + l_s.affine(w.perceptual, 0.0)?)?;
        }
        if variant.adversary().is_some() {
            let adv = adversarial_loss(&self.nets.discriminator.forward(&g.image, false)?)?;
            l_g = (l_g + adv.affine(w.adversarial, 0.0)?)?;
        }
        out.push(("L_G", self.check("L_G", &l_g)?));
        self.g_opt.backward_step(&l_g, lr.generator.at(k))?;
        Ok(out)
    }

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

    fn variant_metadata(&self) -> [(&'static str, String); 2] {
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

    /// Validation SROCC; saves the best model when it improves.
    fn validate(&mut self, data: &TrainData, out: &Path) -> Result<Option<(f64, f64)>> {
        if data.val.is_empty() {
            return Ok(None);
        }
        let result = crate::evaluate::test(
            &self.nets,
            self.config.variant,
            data.manifest,
            data.val,
            &self.config.patch_options(),
            FitKind::None,
            &self.device,
        )?;
        if self.best.is_none_or(|b| result.srocc > b.srocc) {
            model_file::save_with_metadata(
                &self.nets,
                &out.join(files::BEST),
                false,
                &self.variant_metadata(),
            )?;
            self.best = Some(BestModel {
                step: self.step,
                srocc: result.srocc,
                plcc: result.plcc,
            });
        }
        Ok(Some((result.srocc, result.plcc)))
    }

    /// Runs (or continues) Algorithm 1 on `data`, writing into `options.out`.
    pub fn train(&mut self, data: &TrainData, options: &TrainOptions) -> Result<TrainReport> {
        let out = &options.out;
        std::fs::create_dir_all(out).map_err(|e| file_error(out, e))?;
        let state_path = out.join(files::STATE);
        if options.resume {
            if !state_path.exists() {
                return Err(file_error(
                    &state_path,
                    "--resume: there is no training state to continue from in this folder",
                ));
            }
            self.restore(&state_path)?;
            tracing::info!(step = self.step, "resumed");
        }
        let config_text = self.config.to_toml()?;
        let config_path = out.join(files::CONFIG);
        iqa_data::write_atomic(&config_path, |w| {
            std::io::Write::write_all(w, config_text.as_bytes()).map_err(|e| {
                iqa_data::DataError::Io {
                    path: config_path.clone(),
                    source: e,
                }
            })
        })?;
        let variant = self.config.variant;
        let bs = self.config.batch_size;
        let mut batcher = PatchBatcher::new(
            data.manifest,
            data.train,
            self.config.patch_options(),
            self.config.cache_mib << 20,
            self.device.clone(),
            self.config.seed,
        )?;
        if variant != Variant::Baseline {
            batcher = batcher.with_references()?;
        }
        let per_epoch = batcher.batches_per_epoch(bs) as u64;
        if per_epoch == 0 {
            return Err(config_error(
                "batch_size",
                format!("{bs} is more than the {} training items", data.train.len()),
            ));
        }
        let mut log = JsonLog::open(&out.join(files::LOG), options.resume.then_some(self.step))?;
        let total = self.total_steps();
        let end = options.stop_at.map_or(total, |s| s.min(total));
        let bar = if options.progress {
            indicatif::ProgressBar::new(total)
        } else {
            indicatif::ProgressBar::hidden()
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_position(self.step);
        let start = Instant::now();
        let first = self.step;
        let mut last: Losses = Vec::new();
        while self.step < end {
            let epoch = self.step / per_epoch;
            let index = (self.step % per_epoch) as usize;
            let batch = batcher.training_batch(epoch, index, bs)?;
            let stage = self.stage_of(self.step);
            last = self.train_step(&batch)?;
            self.step += 1;
            bar.inc(1);
            let done = self.step == end;
            let mut record = None;
            if self.step % self.config.log_every == 0 || done {
                let seconds = start.elapsed().as_secs_f64();
                let rate = (self.step - first) as f64 * bs as f64 / seconds.max(1e-9);
                let losses: serde_json::Map<String, serde_json::Value> = last
                    .iter()
                    .map(|(k, v)| (k.to_string(), (*v).into()))
                    .collect();
                bar.set_message(format!(
                    "{stage:?} {} {rate:.1} patches/s",
                    last.iter()
                        .map(|(k, v)| format!("{k} {v:.4}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
                tracing::info!(step = self.step, ?stage, ?last, "step");
                record = Some(serde_json::json!({
                    "step": self.step,
                    "stage": stage,
                    "losses": losses,
                    "patches_per_s": rate,
                    "seconds": seconds,
                }));
            }
            if stage != Stage::Pretrain
                && (self.step % self.config.validate_every == 0 || done)
                && let Some((srocc, plcc)) = self.validate(data, out)?
            {
                tracing::info!(step = self.step, srocc, plcc, "validation");
                let r = record
                    .get_or_insert_with(|| serde_json::json!({"step": self.step, "stage": stage}));
                r["val_srocc"] = srocc.into();
                r["val_plcc"] = plcc.into();
            }
            if let Some(r) = record {
                log.write(&r)?;
            }
            if self.step % self.config.checkpoint_every == 0 || done {
                self.checkpoint(out)?;
            }
        }
        bar.finish_and_clear();
        if self.step == first && self.last_checkpoint.is_none() {
            self.checkpoint(out)?;
        }
        let seconds = start.elapsed().as_secs_f64();
        let report = TrainReport {
            variant,
            steps: self.step,
            total_steps: total,
            seconds,
            patches_per_s: (self.step - first) as f64 * bs as f64 / seconds.max(1e-9),
            last_losses: last.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            best: self.best,
            random_vgg: self.vgg.is_some() && self.config.vgg19.path.is_none(),
            model: out.join(files::MODEL),
            best_model: self.best.map(|_| out.join(files::BEST)),
        };
        let text = serde_json::to_string_pretty(&report).map_err(|e| file_error(out, e))?;
        let report_path = out.join(files::REPORT);
        iqa_data::write_atomic(&report_path, |w| {
            std::io::Write::write_all(w, text.as_bytes()).map_err(|e| iqa_data::DataError::Io {
                path: report_path.clone(),
                source: e,
            })
        })?;
        Ok(report)
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
