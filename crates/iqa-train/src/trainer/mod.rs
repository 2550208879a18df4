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

mod run;
mod state;
mod steps;

use std::collections::BTreeMap;
use std::path::PathBuf;

use candle_core::{DType, Device};
use candle_nn::VarMap;
use iqa_data::Manifest;
use iqa_models::hiqa::losses::perceptual_vgg;
use iqa_models::hiqa::{HiqaNetworks, Regressor, RegressorMode, Variant, seeded_init};
use iqa_models::vgg::Vgg;
use serde::Serialize;

use crate::checkpoint::BestModel;
use crate::config::TrainConfig;
use crate::error::{Result, config_error};
use crate::optim::Optimiser;
use crate::progress::ProgressHandle;

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
#[non_exhaustive]
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

impl TrainData<'_> {
    /// Identifies the training and validation items: their counts and a 64-bit FNV-1a
    /// hash of their paths relative to the database root and their scores. A resumed run
    /// must train on the same data; the root itself may move.
    pub fn fingerprint(&self) -> String {
        let names = self.manifest.relative_names();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for &b in bytes {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        for (tag, indices) in [(b"train", self.train), (b"valid", self.val)] {
            eat(tag);
            for &i in indices {
                if let (Some(name), Some(item)) = (names.get(i), self.manifest.items.get(i)) {
                    eat(name.as_bytes());
                    eat(&item.score.to_bits().to_le_bytes());
                }
            }
        }
        format!(
            "{} training and {} validation items, fnv1a64 {hash:016x}",
            self.train.len(),
            self.val.len()
        )
    }
}

/// How a run begins, given what its output folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Start {
    /// Start afresh; a folder that already holds a run (a state, model, log or report) is
    /// refused, so a finished run is never clobbered by mistake.
    #[default]
    Fresh,
    /// Continue from the folder's training state (same configuration and data); a
    /// finished run is reported as such and left unchanged.
    Resume,
    /// Remove the folder's earlier run (its state, models, log and report) and start
    /// afresh.
    Overwrite,
}

/// How a run is carried out (what does not change the result).
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// The output folder (created).
    pub out: PathBuf,
    /// What to do with a run already in the folder.
    pub start: Start,
    /// Where progress is reported (nowhere by default).
    pub progress: ProgressHandle,
    /// Stop once this many steps are done in total (the run can be resumed later).
    pub stop_at: Option<u64>,
}

/// What a run did.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
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
    vgg: Option<Vgg>,
    g_opt: Optimiser,
    r_opt: Optimiser,
    d_opt: Optimiser,
    pre_opt: Optimiser,
    step: u64,
    best: Option<BestModel>,
    last_checkpoint: Option<PathBuf>,
    /// The fingerprint of the data being trained on, once [`Trainer::train`] has it.
    data: Option<String>,
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

impl Trainer {
    /// Fresh networks for `config` on `device`.
    pub fn new(config: &TrainConfig, device: &Device) -> Result<Trainer> {
        config.check()?;
        let variant = config.variant;
        let nets = HiqaNetworks::new(
            &config.network,
            variant.regressor_mode(),
            device,
            config.seed,
        )?;
        let pre_vars = VarMap::new();
        let pre = Regressor::new(
            &config.r_pre_network(),
            RegressorMode::NO_FUSION,
            candle_nn::VarBuilder::from_varmap(&pre_vars, DType::F32, device).pp("r"),
        )?;
        seeded_init(&pre_vars, config.seed.wrapping_add(1000))?;
        let vgg = if variant.uses_perceptual() {
            Some(match (&config.vgg19.path, config.vgg19.allow_random) {
                (Some(path), _) => Vgg::load(
                    path,
                    &perceptual_vgg(&config.network.vgg_taps),
                    "L_v",
                    device,
                )?,
                (None, true) => {
                    tracing::warn!(
                        "no VGG19 weights given: L_v uses random VGG19 features (vgg19.allow_random)"
                    );
                    Vgg::random(
                        config.seed,
                        &perceptual_vgg(&config.network.vgg_taps),
                        device,
                    )?
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
            data: None,
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
}
