//! Shared by the paper-experiment examples: the common options, the databases (the real
//! one under `--root`, else a synthetic stand-in with the same distortion types), the
//! training configuration, the protocol run and the table printing.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use iqa::data::synth::distortion::distortion_set;
use iqa::data::synth::{SceneSource, SynthOptions, generate};
use std::collections::BTreeMap;

use iqa::data::{
    DatabaseKind, LoadOptions, Manifest, SplitOptions, SplitSet, reference_disjoint_splits,
};
use iqa::metrics::{FitKind, Summary};
use iqa::models::hiqa::Preset;
use iqa::models::nr::DEFAULT_BATCH;
use iqa::models::parse_device;
use iqa::models::registry::{self, ModelOptions};
use iqa::models::{load_image_tensor, score_image};
use iqa::train::config::StageSteps;
use iqa::train::evaluate::statistics;
use iqa::train::labeller::MetricLabeller;
use iqa::train::protocol::{ProtocolReport, run_splits};
use iqa::train::{Start, TrainConfig, TrainOptions, Variant};

/// The examples run on mimalloc, as the `iqa` binary does (see `iqa_cli::runtime`).
#[global_allocator]
static ALLOCATOR: iqa_cli::runtime::MiMalloc = iqa_cli::runtime::MiMalloc;

/// Makes the allocator keep freed memory and shortens candle's worker spin waits (see
/// `iqa_cli::runtime`); the first call of every example's `main`.
pub fn set_up_runtime() {
    iqa_cli::runtime::setup();
}

/// Options every experiment takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Network preset: tiny (CPU-sized) or paper (the paper's sizes; GPU work).
    #[arg(long, default_value = "tiny")]
    pub preset: String,
    /// Device: cpu or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Reference-disjoint 80/20 splits to train and test (the paper: 10, median reported).
    #[arg(long, default_value_t = 1)]
    pub splits: usize,
    /// Scale of the preset's stage lengths (1.0: the preset's full schedule).
    #[arg(long, default_value_t = 0.25)]
    pub steps: f64,
    /// VGG19 weights (safetensors converted from torchvision) for the perceptual loss;
    /// without them L_v uses random VGG19 features (said in the output).
    #[arg(long)]
    pub vgg19: Option<PathBuf>,
    /// Dead-leaves scenes per synthetic stand-in database.
    #[arg(long, default_value_t = 20)]
    pub scenes: usize,
    /// Seed of the synthetic data, the splits and the training.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output folder (models, logs, synthetic databases).
    #[arg(long, default_value = "runs/examples")]
    pub out: PathBuf,
}

impl Common {
    /// The device.
    pub fn device(&self) -> Result<candle_core::Device> {
        Ok(parse_device(&self.device)?)
    }

    /// The training configuration of `variant`: the preset's, stage lengths scaled.
    pub fn config(&self, variant: Variant) -> Result<TrainConfig> {
        let mut c = TrainConfig::preset(Preset::from_name(&self.preset)?);
        anyhow::ensure!(
            self.steps > 0.0 && self.steps.is_finite(),
            "--steps {} must be positive",
            self.steps
        );
        let scale = |n: u64| ((n as f64 * self.steps).ceil() as u64).max(1);
        c.set_steps(StageSteps {
            pretrain: scale(c.steps.pretrain),
            joint: scale(c.steps.joint),
            regressor: scale(c.steps.regressor),
        });
        c.variant = variant;
        c.seed = self.seed;
        c.vgg19.path = self.vgg19.clone();
        c.vgg19.allow_random = self.vgg19.is_none();
        c.checkpoint_every = c.steps.total();
        c.check()?;
        Ok(c)
    }

    /// A line on what VGG19 the perceptual loss used.
    pub fn vgg_note(&self) -> String {
        match &self.vgg19 {
            Some(p) => format!("VGG19 from {}", p.display()),
            None => "random VGG19 features in L_v (no --vgg19 given)".to_string(),
        }
    }

    /// A real database at `root`, or the synthetic stand-in `name` made of `distortions`.
    /// Returns the manifest and a line saying which data it is.
    pub fn database(
        &self,
        kind: DatabaseKind,
        root: Option<&Path>,
        name: &str,
        distortions: &[&str],
    ) -> Result<(Manifest, String)> {
        if let Some(root) = root {
            let m = iqa::data::load(kind, root, &LoadOptions::default())
                .with_context(|| format!("reading {} at `{}`", kind.name(), root.display()))?;
            let line = format!(
                "{}: the real database at {} ({} images)",
                kind.name(),
                root.display(),
                m.items.len()
            );
            return Ok((m, line));
        }
        // The tiny preset's 64-pixel patches fit 192x192 scenes.
        let (width, height) = if self.preset == "tiny" {
            (192, 192)
        } else {
            (512, 384)
        };
        let out = self.out.join(format!("synthetic-{name}"));
        let options = SynthOptions {
            out: out.clone(),
            source: SceneSource::Procedural {
                count: self.scenes,
                width,
                height,
            },
            distortions: distortions.iter().map(|s| s.to_string()).collect(),
            levels: 5,
            seed: self.seed.wrapping_add(name.len() as u64 * 7919),
        };
        let labeller = stand_in_labeller(name);
        let report = generate(&options, &MetricLabeller::new(labeller)?, &|_, _| {})?;
        let mut m = iqa::data::load(
            DatabaseKind::Manifest,
            &report.manifest,
            &LoadOptions::default(),
        )?;
        m.database = name.to_string();
        let line = format!(
            "{name}: SYNTHETIC stand-in (no --root given): {} dead-leaves scenes of {width}x{height}, {} distortion types x 5 levels, pseudo-MOS from {}, in {}",
            self.scenes,
            distortions.len(),
            labeller.to_uppercase(),
            out.display()
        );
        Ok((m, line))
    }

    /// The reference-disjoint 80/20 splits [`Common::protocol`] trains and tests on.
    pub fn splits_of(&self, manifest: &Manifest) -> Result<SplitSet> {
        Ok(reference_disjoint_splits(
            manifest,
            &SplitOptions {
                repeats: self.splits.max(1),
                seed: self.seed,
                ..SplitOptions::default()
            },
        )?)
    }

    /// The classic no-reference metric `name` (`brisque`, `niqe`) on the test images of the
    /// splits [`Common::protocol`] uses, through the same whole-image scoring path as
    /// `iqa score`: SROCC and PLCC against the scores (median over the splits), with the
    /// metric's scale turned round so that both are positive when it agrees. It uses the
    /// authors' published parameters and is not refitted on the training part.
    pub fn classic_row(&self, name: &str, manifest: &Manifest) -> Result<(f64, f64)> {
        let device = candle_core::Device::Cpu;
        let model = registry::no_reference(name, &ModelOptions::default(), &device)?;
        let sign = if model.describe().direction.lower_is_better() {
            -1.0
        } else {
            1.0
        };
        let mut cache: BTreeMap<usize, f64> = BTreeMap::new();
        let (mut sroccs, mut plccs) = (Vec::new(), Vec::new());
        for split in self.splits_of(manifest)?.splits {
            let mut predictions = Vec::with_capacity(split.test.len());
            for &i in &split.test {
                let score = match cache.get(&i) {
                    Some(&s) => s,
                    None => {
                        let path = &manifest.items[i].dist;
                        let image = load_image_tensor(path, &device)?;
                        let s = sign
                            * score_image(model.as_ref(), &image, DEFAULT_BATCH)
                                .with_context(|| format!("{name} on `{}`", path.display()))?;
                        cache.insert(i, s);
                        s
                    }
                };
                predictions.push(score);
            }
            let result = statistics(manifest, &split.test, &predictions, FitKind::None)?;
            sroccs.push(result.srocc);
            plccs.push(result.plcc);
        }
        Ok((Summary::of(&sroccs)?.median, Summary::of(&plccs)?.median))
    }

    /// Trains and tests `config` on `self.splits` reference-disjoint 80/20 splits.
    pub fn protocol(
        &self,
        config: &TrainConfig,
        manifest: &Manifest,
        name: &str,
    ) -> Result<ProtocolReport> {
        let splits = self.splits_of(manifest)?;
        let which: Vec<usize> = (0..self.splits.max(1)).collect();
        let out = self.out.join(format!("{name}-{}", config.variant));
        eprintln!(
            "training {} on {name}: {} split(s), {} steps each",
            config.variant,
            which.len(),
            config.steps.total()
        );
        Ok(run_splits(
            config,
            manifest,
            &splits,
            &which,
            &self.device()?,
            &TrainOptions {
                out,
                start: Start::Overwrite,
                progress: iqa_cli::progress::on_stderr(true),
                stop_at: None,
            },
        )?)
    }
}

/// The classic no-reference metrics the tables print beside the trained models.
pub const CLASSIC_NR: [&str; 2] = ["brisque", "niqe"];

/// The LIVE distortion types (synthetic names).
pub const LIVE: &[&str] = &["jpeg2000", "jpeg", "awgn", "gblur", "fast_fading"];

/// The labeller of the synthetic stand-in called `name`. LIVE's five distortions get VIF,
/// as the quick start (on LIVE's human scores its SROCC is 0.964, FSIMc's 0.965, SSIM's
/// 0.948; docs/learning.md, step 10, says why VIF). The TID stand-ins keep
/// SSIM: on TID2013's human scores VIF falls below it (0.677 against 0.742), and VIF rises
/// above 1 for TID's contrast enhancement.
pub fn stand_in_labeller(name: &str) -> &'static str {
    if name == "live" { "vif" } else { "ssim" }
}

/// The TID2008 types the synthetic generator reproduces: its TID2013 set (in TID's order)
/// up to TID's 17th type, contrast change, which is where TID2008 ends.
pub fn tid2008() -> Result<Vec<&'static str>> {
    let names: Vec<&'static str> = distortion_set("tid2013")?
        .iter()
        .map(|d| d.name())
        .collect();
    let end = names
        .iter()
        .position(|&n| n == "contrast_change")
        .context("the synthetic tid2013 set has no contrast_change")?;
    Ok(names[..=end].to_vec())
}

/// A paper value or a dash where the paper's digits are not legible.
pub fn paper(value: Option<f64>) -> String {
    value.map_or_else(|| "   -  ".to_string(), |v| format!("{v:.3}"))
}

/// Two databases as one (for training G on both); reference ids are prefixed with each
/// database's name so that scenes of the same name stay apart.
pub fn merge(a: &Manifest, b: &Manifest) -> Manifest {
    let mut out = a.clone();
    out.database = format!("{}+{}", a.database, b.database);
    for item in &mut out.items {
        item.ref_id = item.ref_id.as_ref().map(|r| format!("{}:{r}", a.database));
    }
    out.items.extend(b.items.iter().cloned().map(|mut item| {
        item.ref_id = item.ref_id.as_ref().map(|r| format!("{}:{r}", b.database));
        item
    }));
    out
}
