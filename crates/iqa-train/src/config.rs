//! The training configuration: every knob of Algorithm 1, with defaults per network
//! preset. Read from TOML; a file only needs the fields it changes (`preset` picks the
//! defaults the rest come from). `iqa train --print-config` prints the full defaults.

use std::path::{Path, PathBuf};

use iqa_data::patch::{PatchOptions, Rotation};
use iqa_models::hiqa::losses::LossWeights;
use iqa_models::hiqa::{HiqaConfig, Preset, Variant};
use iqa_models::nr::PatchGrid;
use serde::{Deserialize, Serialize};

use crate::error::{Result, config_error, file_error};
use crate::lr::StepDecay;
use crate::optim::OptimiserConfig;

/// How many updates each stage of Algorithm 1 runs. The paper trains each stage "until
/// convergence"; fixed counts make runs comparable and resumable.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSteps {
    /// Pre-training of R_pre (no fusion, fed the true reference), which the quality-aware
    /// perceptual loss L_q needs. Skipped by variants without that loss.
    pub pretrain: u64,
    /// The alternating stage (lines 3-10): D, G (Eq. 3), R (Eq. 5), G (Eq. 4) per step.
    /// Variants without G train R alone for these steps too.
    pub joint: u64,
    /// R alone with G fixed (lines 11-13).
    pub regressor: u64,
}

impl StageSteps {
    /// All steps.
    pub fn total(&self) -> u64 {
        self.pretrain + self.joint + self.regressor
    }
}

/// Which network's learning-rate schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Schedule {
    /// G.
    Generator,
    /// R.
    Regressor,
    /// D.
    Discriminator,
    /// R_pre.
    Pretrain,
}

/// Learning-rate schedules, one per network (each has its own optimiser).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearningRates {
    /// G.
    pub generator: StepDecay,
    /// R (its step counts over the joint and the regressor stages).
    pub regressor: StepDecay,
    /// D.
    pub discriminator: StepDecay,
    /// R_pre during pre-training.
    pub pretrain: StepDecay,
}

/// Training augmentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Augment {
    /// Random horizontal flips (the paper's "flip").
    pub hflip: bool,
    /// Rotations drawn uniformly (`R0`, `R90`, `R180`, `R270`); the paper's "random
    /// rotation" does not name the angles: right angles are lossless.
    pub rotations: Vec<Rotation>,
}

/// Where L_v's VGG19 comes from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VggSource {
    /// A safetensors file converted from torchvision's VGG19 (see datasets.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// Without a file: use randomly initialised VGG19 features instead of refusing.
    /// Random conv features still measure structure, but they are not the perceptual
    /// features of the paper; the run logs a warning and the report records it.
    pub allow_random: bool,
}

/// The database a configuration trains on, so that `iqa train --config FILE` needs nothing
/// else (`--db` and `--root` on the command line take precedence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSource {
    /// `live`, `csiq`, `tid2008`, `tid2013`, `kadid10k`, `koniq10k` or `manifest`.
    pub kind: String,
    /// The database folder (for `manifest`, the CSV file); a relative path is relative to
    /// the configuration file's folder.
    pub root: PathBuf,
}

/// Everything that shapes a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// The preset the defaults came from (`tiny` or `paper`).
    pub preset: Preset,
    /// The seed of every random choice: initialisation, batches, augmentation.
    pub seed: u64,
    /// Which model of the ablation ladder (`baseline`, `hallucination-map`, `perceptual`,
    /// `plain-adversarial`, `iqa-adversarial`, `full`) or `oracle`.
    pub variant: Variant,
    /// Patches per batch. `paper`: 32, the paper's.
    pub batch_size: usize,
    /// Stage lengths.
    pub steps: StageSteps,
    /// The optimiser (all networks).
    pub optimiser: OptimiserConfig,
    /// Learning rates.
    pub lr: LearningRates,
    /// The loss weights mu1..mu3, lambda and epsilon (see `LossWeights`).
    pub losses: LossWeights,
    /// Augmentation of training patches.
    pub augment: Augment,
    /// Test-time stride between overlapping patches. Absent: half the patch side, computed
    /// where it is used (so a configuration that changes `network.patch` moves it too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_stride: Option<usize>,
    /// VGG19 for L_v.
    pub vgg19: VggSource,
    /// Log (progress bar, JSONL) every this many steps.
    pub log_every: u64,
    /// Write a checkpoint every this many steps (and always at the end).
    pub checkpoint_every: u64,
    /// Evaluate on the validation items every this many steps (when there are any) and
    /// keep the best model by SROCC.
    pub validate_every: u64,
    /// A loss above this (or NaN, or infinite) stops the run.
    pub divergence_limit: f64,
    /// Bytes of decoded images kept in memory, in MiB.
    pub cache_mib: usize,
    /// Label each training patch with this full-reference metric (a registered name, e.g.
    /// `ssim`) against the reference patch at the same place, instead of giving it its
    /// image's score. For databases labelled by the same metric (the synthetic ones): an
    /// image's SSIM is the mean of its local SSIM map, so the mean of the patches' labels
    /// estimates the image's label, while a patch that a local distortion (a fast-fading
    /// bit error, a flat region under noise) left intact is no longer taught its image's
    /// damage. Absent: image scores, as the paper trains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_labels: Option<String>,
    /// Start R's (and R_pre's) output bias at the mean training label instead of 0. With
    /// Adam a bias moves about one learning rate per update, so from 0 a regressor spends
    /// its first several hundred updates only reaching the labels' level; PyTorch recipes
    /// get the same effect by standardising the labels. The paper does not say how R's
    /// last layer starts.
    #[serde(default = "yes")]
    pub start_at_mean_label: bool,
    /// During R_pre's pre-training, G also learns by its pixel loss L_p alone (one update
    /// of G's optimiser per batch, at G's base learning rate), so that the alternating
    /// stage starts from a G whose hallucination already differs from its input where the
    /// distortion is. Not in the paper's Algorithm 1, whose G has tens of thousands of
    /// alternating steps to learn this; in a short run G otherwise still returns little
    /// more than its input when R begins to read the discrepancy map. Only variants that
    /// pre-train R_pre (those with the perceptual loss) have this stage.
    #[serde(default)]
    pub warm_up_generator: bool,
    /// The database (optional: the command line may give it instead). Not part of what a
    /// resumed run must match, so a moved database folder can still be resumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataSource>,
    /// The network sizes (the preset's unless changed).
    pub network: HiqaConfig,
}

impl TrainConfig {
    /// The defaults of the network preset `name` (`tiny` or `paper`).
    ///
    /// `paper`: the paper's recipe as far as it survived: SGD with momentum 0.9 and weight
    /// decay 5e-4, batch 32. Its learning rates are garbled ("a5" for G, "a2" for R, dropped
    /// by "aa" every "2aK" iterations); 0.01 for every network, decayed by 0.1 at 70 % of
    /// each stage, was chosen by short runs.
    ///
    /// `tiny`: the CPU quick start's recipe, changed from the paper's where a measurement
    /// said so (docs/learning.md): Adam with no weight decay, batch 32, 1,500 updates of
    /// R. On the same data and held-out scenes Adam at 1e-3 took the baseline's SROCC from
    /// 0.589 (SGD 0.01, batch 8, 750 updates) to 0.666; the paper's SGD needs far more
    /// updates than a few minutes of CPU allow. R and R_pre learn at 2e-3 (G and D at
    /// 1e-3): with R's output starting at the mean label, the baseline's held-out SROCC
    /// went from 0.724 at 1e-3 to 0.818 at 2e-3 and 0.791 at 4e-3 (one seed each; photographs
    /// 0.43, 0.59, 0.64). Stages: 200 steps of R_pre (and of G's warm-up, see
    /// [`TrainConfig::warm_up_generator`]), 150 of the alternating stage, 1,350 of R alone.
    /// The alternating step is the dearest (0.5 s for 32 patches on 2 cores, against 0.17 s
    /// for a step of R alone and 0.21 s for R_pre with G's warm-up), and G learns most of
    /// what it learns in a short run from its pixel loss, which its warm-up gives it more
    /// cheaply; 150 + 1,350 keeps R's 1,500 updates, the baseline's number. Measured
    /// against a validation set of 20 further scenes (docs/learning.md, step 11): 1,050
    /// updates of R alone save about 17 % of the quick start's time but cost both models
    /// about 0.003 SROCC (3 seeds); 400 steps of pre-training and G's warm-up instead of 200
    /// left it level (one seed).
    pub fn preset(preset: Preset) -> TrainConfig {
        let network = HiqaConfig::preset(preset);
        let tiny = preset != Preset::Paper;
        let (batch_size, steps) = match tiny {
            true => (
                32,
                StageSteps {
                    pretrain: 200,
                    joint: 150,
                    regressor: 1350,
                },
            ),
            false => (
                32,
                StageSteps {
                    pretrain: 5_000,
                    joint: 40_000,
                    regressor: 20_000,
                },
            ),
        };
        let decay = |base: f64| StepDecay::at_default_point(base, 0.1);
        let (optimiser, rate, regressor_rate) = if tiny {
            (OptimiserConfig::adam(), 1e-3, 2e-3)
        } else {
            (OptimiserConfig::default(), 0.01, 0.01)
        };
        TrainConfig {
            preset,
            seed: 0,
            variant: Variant::Full,
            batch_size,
            steps,
            optimiser,
            lr: LearningRates {
                generator: decay(rate),
                regressor: decay(regressor_rate),
                discriminator: decay(rate),
                pretrain: decay(regressor_rate),
            },
            losses: LossWeights::default(),
            augment: Augment {
                hflip: true,
                rotations: vec![Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270],
            },
            test_stride: None,
            vgg19: VggSource::default(),
            log_every: if tiny { 10 } else { 100 },
            checkpoint_every: if tiny { 100 } else { 2_000 },
            validate_every: if tiny { 100 } else { 2_000 },
            divergence_limit: 1e4,
            cache_mib: 1024,
            patch_labels: None,
            start_at_mean_label: true,
            warm_up_generator: tiny,
            data: None,
            network,
        }
    }

    /// The learning rate of `schedule` at its network's update `k`: each decays within
    /// the stages its network is trained in (G and D: the joint stage; R: the joint and
    /// regressor stages; R_pre: pre-training).
    pub fn learning_rate(&self, schedule: Schedule, k: u64) -> f64 {
        let s = self.steps;
        let (decay, stage) = match schedule {
            Schedule::Generator => (self.lr.generator, s.joint),
            Schedule::Discriminator => (self.lr.discriminator, s.joint),
            Schedule::Regressor => (self.lr.regressor, s.joint + s.regressor),
            Schedule::Pretrain => (self.lr.pretrain, s.pretrain),
        };
        decay.at(k, stage)
    }

    /// R_pre's sizes: R's, without the gates. R_pre reads the true reference's map, which
    /// says where the damage is from the first step, and L_q compares R_pre's features of
    /// that map with those of G's: a gate that starts closed would hide exactly them.
    pub fn r_pre_network(&self) -> HiqaConfig {
        HiqaConfig {
            gates: false,
            ..self.network.clone()
        }
    }

    /// The test-time stride: [`TrainConfig::test_stride`], else half the patch.
    pub fn test_stride(&self) -> usize {
        self.test_stride.unwrap_or((self.network.patch / 2).max(1))
    }

    /// The patch grid of whole-image scores at test time.
    pub fn test_grid(&self) -> PatchGrid {
        PatchGrid {
            size: self.network.patch,
            stride: self.test_stride(),
        }
    }

    /// Sets the stage lengths (decays without an explicit `every` follow them).
    pub fn set_steps(&mut self, steps: StageSteps) {
        self.steps = steps;
    }

    /// Parses TOML: the `preset` field (default `paper`) gives the defaults, the file's
    /// fields replace them (tables merge field by field). Unknown fields are errors.
    pub fn from_toml(text: &str, origin: &Path) -> Result<TrainConfig> {
        let user: toml::Table = toml::from_str(text).map_err(|e| file_error(origin, e))?;
        let preset = match user.get("preset") {
            None => Preset::Paper,
            Some(toml::Value::String(s)) => {
                Preset::from_name(s).map_err(|e| file_error(origin, e))?
            }
            Some(other) => {
                return Err(file_error(
                    origin,
                    format!("`preset` must be a string (tiny or paper), not {other}"),
                ));
            }
        };
        let defaults = TrainConfig::preset(preset);
        let mut table = toml::Table::try_from(&defaults).map_err(|e| file_error(origin, e))?;
        merge(&mut table, user);
        let config: TrainConfig = table.try_into().map_err(|e| file_error(origin, e))?;
        config.check().map_err(|e| file_error(origin, e))?;
        Ok(config)
    }

    /// Reads a TOML file (see [`TrainConfig::from_toml`]).
    pub fn load(path: &Path) -> Result<TrainConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
        let mut config = TrainConfig::from_toml(&text, path)?;
        if let (Some(data), Some(dir)) = (&mut config.data, path.parent())
            && data.root.is_relative()
        {
            data.root = dir.join(&data.root);
        }
        Ok(config)
    }

    /// The configuration as TOML.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| config_error("(whole configuration)", e))
    }

    /// The patch options of training and test.
    pub fn patch_options(&self) -> PatchOptions {
        PatchOptions {
            size: self.network.patch as u32,
            stride: self.test_stride() as u32,
            hflip: self.augment.hflip,
            rotations: self.augment.rotations.clone(),
        }
    }

    /// Checks every value.
    pub fn check(&self) -> Result<()> {
        self.network
            .check()
            .map_err(|e| config_error("network", e))?;
        if self.batch_size < 2 {
            return Err(config_error(
                "batch_size",
                "must be at least 2 (batch normalisation needs two samples)",
            ));
        }
        if self.steps.joint + self.steps.regressor == 0 {
            return Err(config_error(
                "steps",
                "joint + regressor is 0: R would never be trained",
            ));
        }
        self.optimiser.check("optimiser")?;
        self.lr.generator.check("lr.generator")?;
        self.lr.regressor.check("lr.regressor")?;
        self.lr.discriminator.check("lr.discriminator")?;
        self.lr.pretrain.check("lr.pretrain")?;
        let w = &self.losses;
        for (name, v) in [
            ("losses.pixel", w.pixel),
            ("losses.perceptual", w.perceptual),
            ("losses.adversarial", w.adversarial),
            ("losses.quality", w.quality),
            ("losses.epsilon", w.epsilon),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(config_error(name, format!("{v} must be >= 0 and finite")));
            }
        }
        if self.augment.rotations.is_empty() {
            return Err(config_error(
                "augment.rotations",
                "must list at least one rotation (`R0` for none)",
            ));
        }
        for (name, v) in [
            ("test_stride", self.test_stride() as u64),
            ("log_every", self.log_every),
            ("checkpoint_every", self.checkpoint_every),
            ("validate_every", self.validate_every),
        ] {
            if v == 0 {
                return Err(config_error(name, "must be at least 1"));
            }
        }
        if self.divergence_limit.is_nan() || self.divergence_limit <= 0.0 {
            return Err(config_error("divergence_limit", "must be > 0"));
        }
        Ok(())
    }
}

/// Merges `user` into `base`: tables recursively, other values replaced.
fn merge(base: &mut toml::Table, user: toml::Table) {
    for (key, value) in user {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(u)) => merge(b, u),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// `true`, the serde default of switches that are on unless a file turns them off.
fn yes() -> bool {
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_through_toml() {
        for preset in Preset::NAMED {
            let c = TrainConfig::preset(preset);
            c.check().unwrap();
            let text = c.to_toml().unwrap();
            let back = TrainConfig::from_toml(&text, Path::new("x.toml")).unwrap();
            assert_eq!(back, c);
        }
    }

    #[test]
    fn partial_files_merge_over_the_preset() {
        let text = "preset = \"tiny\"\nvariant = \"baseline\"\n[steps]\njoint = 7\n[network]\nr_width = 12\n";
        let c = TrainConfig::from_toml(text, Path::new("x.toml")).unwrap();
        let tiny = TrainConfig::preset(Preset::Tiny);
        assert_eq!(c.variant, Variant::Baseline);
        assert_eq!(c.steps.joint, 7);
        assert_eq!(c.steps.pretrain, tiny.steps.pretrain);
        assert_eq!(c.network.r_width, 12);
        assert_eq!(c.network.g_width, tiny.network.g_width);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.toml");
        std::fs::write(
            &path,
            "preset = \"tiny\"\n[data]\nkind = \"live\"\nroot = \"live\"\n",
        )
        .unwrap();
        let c = TrainConfig::load(&path).unwrap();
        let data = c.data.unwrap();
        assert_eq!(
            (data.kind.as_str(), data.root),
            ("live", dir.path().join("live"))
        );
    }

    #[test]
    fn derived_values_follow_what_a_file_changes() {
        // The decay points and the test stride are not frozen into the defaults: a file that
        // changes the stage lengths or the patch moves them.
        let c = TrainConfig::from_toml(
            "preset = \"tiny\"\n[steps]\njoint = 1000\nregressor = 0\npretrain = 10\n[network]\npatch = 48\n",
            Path::new("x.toml"),
        )
        .unwrap();
        let base = c.lr.generator.base;
        assert_eq!(c.learning_rate(Schedule::Generator, 699), base);
        assert!(c.learning_rate(Schedule::Generator, 700) < base);
        assert!(c.learning_rate(Schedule::Pretrain, 7) < c.lr.pretrain.base);
        assert_eq!(c.test_stride(), 24);
        assert_eq!(
            c.test_grid(),
            PatchGrid {
                size: 48,
                stride: 24
            }
        );
        // Explicit values stay as written.
        let c = TrainConfig::from_toml(
            "preset = \"tiny\"\ntest_stride = 5\n[lr.generator]\nbase = 0.1\ngamma = 0.5\nevery = 3\n",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(c.test_stride(), 5);
        assert_eq!(c.learning_rate(Schedule::Generator, 3), 0.05);
        // Set in code, too.
        let mut c = TrainConfig::preset(Preset::Tiny);
        c.set_steps(StageSteps {
            pretrain: 10,
            joint: 100,
            regressor: 100,
        });
        assert!(c.learning_rate(Schedule::Regressor, 140) < c.lr.regressor.base);
        assert_eq!(
            c.learning_rate(Schedule::Regressor, 139),
            c.lr.regressor.base
        );
    }

    #[test]
    fn bad_files_name_the_field() {
        let err = |text: &str| {
            TrainConfig::from_toml(text, Path::new("cfg.toml"))
                .unwrap_err()
                .to_string()
        };
        let e = err("preset = \"tiny\"\nbatch_sise = 3\n");
        assert!(e.contains("cfg.toml") && e.contains("batch_sise"), "{e}");
        let e = err("preset = \"tiny\"\nbatch_size = 1\n");
        assert!(e.contains("batch_size"), "{e}");
        let e = err("preset = \"huge\"\n");
        assert!(e.contains("huge"), "{e}");
        let e = err("preset = \"tiny\"\n[lr.generator]\nbase = -1.0\n");
        assert!(e.contains("lr.generator.base"), "{e}");
        let e = err("variant = \"fancy\"\n");
        assert!(e.contains("fancy"), "{e}");
        let e = err("preset = \"tiny\"\n[data]\nkind = \"live\"\n");
        assert!(e.contains("root"), "{e}");
        let e = err("this is not toml");
        assert!(e.contains("cfg.toml"), "{e}");
    }
}
