//! The README's quick start, on a CPU, in minutes: generate a synthetic IQA database of
//! many small scenes, train the tiny Hallucinated-IQA and the baseline BL (R on the
//! distorted image alone) on it, test both on held-out synthetic scenes and on real
//! photographs (never trained on), print SROCC and PLCC side by side with a significance
//! test, save the models, and score an image.
//!
//! `cargo run --release --example quickstart [-- --out runs/quickstart] [--scenes 200]
//! [--scale 1.0] [--vgg19 FILE] [--seed 0]`

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use candle_core::Device;
use clap::Parser;
use iqa::data::synth::{SceneSource, SynthOptions, generate};
use iqa::data::{DatabaseKind, LoadOptions, Manifest};
use iqa::metrics::{CorrelationKind, FitKind, compare_correlations};
use iqa::models::hiqa::{HiqaScorer, Preset};
use iqa::models::{load_image_tensor, nr::DEFAULT_BATCH, score_image};
use iqa::train::config::StageSteps;
use iqa::train::evaluate::{TestResult, test};
use iqa::train::labeller::MetricLabeller;
use iqa::train::{
    Start, TrainConfig, TrainData, TrainOptions, TrainReport, Trainer, Variant, files,
};

#[derive(Debug, Parser)]
struct Args {
    /// Output folder: the databases, both runs, the models.
    #[arg(long, default_value = "runs/quickstart")]
    out: PathBuf,
    /// Dead-leaves scenes (references) of the training database, 192x192 each.
    #[arg(long, default_value_t = 200)]
    scenes: usize,
    /// Scale of the training schedule (1.0: about eight minutes of training on 2 cores).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// VGG19 weights for the perceptual loss (default: random VGG19 features).
    #[arg(long)]
    vgg19: Option<PathBuf>,
    /// Seed of the data and the training.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The full-reference metric that labels all three databases (a registered name:
    /// vif, ssim, vsi, fsimc, ...). Each labeller gets its own database folders.
    #[arg(long, default_value = LABELLER)]
    labeller: String,
}

/// mimalloc, as the `iqa` binary uses (see `iqa_cli::runtime`).
#[global_allocator]
static ALLOCATOR: iqa_cli::runtime::MiMalloc = iqa_cli::runtime::MiMalloc;

/// The labeller of every database here: VIF (Sheikh and Bovik's wavelet-domain visual
/// information fidelity, on luma). These databases carry LIVE's five distortions, and on
/// LIVE's human scores VIF ranks images better than SSIM (SROCC 0.964 against 0.948). Its
/// labels also depend more on the distortion and less on the scene: predicting each
/// photograph's label from its distortion and level alone reaches 0.900 with VIF and 0.742
/// with SSIM, so a model that learns the distortions can rank the photographs.
/// docs/learning.md, step 10, has the measurements.
const LABELLER: &str = "vif";

/// The side of the training scenes: the size of the held-out scenes and the photographs.
/// Smaller scenes are cheaper per scene but change what some distortions do: a JPEG 2000
/// codestream of a smaller image has fewer decomposition levels, so a fast-fading bit error
/// damages it less (mean SSIM at level 5: 0.75 at 128x128, 0.64 at 192x192), and a model
/// trained on 128x128 scenes ranked fast fading at 192x192 poorly. docs/learning.md, step 7.
const SCENE_SIDE: u32 = 192;

/// Generates (or resumes) a database labelled by `labeller` and loads its manifest.
fn database(out: &Path, source: SceneSource, seed: u64, labeller: &str) -> Result<Manifest> {
    let report = generate(
        &SynthOptions {
            out: out.to_path_buf(),
            source,
            distortions: vec!["live".to_string()],
            levels: 5,
            seed,
        },
        &MetricLabeller::new(labeller)?,
        &|_, _| {},
    )?;
    Ok(iqa::data::load(
        DatabaseKind::Manifest,
        &report.manifest,
        &LoadOptions::default(),
    )?)
}

/// Trains `config` on every item of `manifest`, writing into `out`.
fn train(config: &TrainConfig, manifest: &Manifest, out: &Path) -> Result<(TrainReport, Trainer)> {
    let mut trainer = Trainer::new(config, &Device::Cpu)?;
    let all: Vec<usize> = (0..manifest.items.len()).collect();
    let report = trainer.train(
        &TrainData {
            manifest,
            train: &all,
            val: &[],
        },
        &TrainOptions {
            out: out.to_path_buf(),
            start: Start::Overwrite,
            progress: iqa_cli::progress::on_stderr(true),
            stop_at: None,
        },
    )?;
    // The learning curve (every loss against the step) beside the model.
    iqa_cli::learning_curve::LearningCurve::read(
        &out.join(files::LOG),
        &format!("{} on the quick start's scenes", config.variant),
    )?
    .write(&out.join("curve.svg"))?;
    Ok((report, trainer))
}

/// The trained networks of `trainer` tested on every item of `manifest`.
fn evaluate(trainer: &Trainer, manifest: &Manifest) -> Result<TestResult> {
    let all: Vec<usize> = (0..manifest.items.len()).collect();
    let c = trainer.config();
    Ok(test(
        trainer.networks(),
        c.variant,
        manifest,
        &all,
        c.test_grid(),
        FitKind::None,
        &Device::Cpu,
    )?)
}

/// Williams' test of two models' SROCC on the same images: "p = ..." and which is ahead.
fn significance(a: &TestResult, b: &TestResult, manifest: &Manifest) -> Result<String> {
    let mos: Vec<f64> = manifest.items.iter().map(|i| i.score).collect();
    let w = compare_correlations(
        &a.predictions,
        &b.predictions,
        &mos,
        CorrelationKind::Spearman,
    )?;
    let verdict = if w.p_value < 0.05 {
        "significant at 5 %"
    } else {
        "not significant at 5 %"
    };
    Ok(format!("t = {:+.2}, p = {:.3} ({verdict})", w.t, w.p_value))
}

fn main() -> Result<()> {
    iqa_cli::runtime::setup();
    let args = Args::parse();
    let start = std::time::Instant::now();
    anyhow::ensure!(args.scale > 0.0, "--scale must be positive");
    anyhow::ensure!(args.scenes >= 1, "--scenes must be at least 1");
    let scaled = |n: u64| ((n as f64 * args.scale).ceil() as u64).max(1);

    // 1. Many small training scenes; held-out scenes of another seed; photographs.
    eprintln!("[1/4] generating the training database and the two test sets");
    // The default labeller keeps the folder names the README shows; another gets its own.
    let folder = |name: &str| {
        if args.labeller == LABELLER {
            args.out.join(name)
        } else {
            args.out.join(format!("{name}-{}", args.labeller))
        }
    };
    let training = database(
        &folder("database"),
        SceneSource::Procedural {
            count: args.scenes,
            width: SCENE_SIDE,
            height: SCENE_SIDE,
        },
        args.seed,
        &args.labeller,
    )?;
    let held_out = database(
        &folder("held-out"),
        SceneSource::Procedural {
            count: 20,
            width: 192,
            height: 192,
        },
        args.seed.wrapping_add(1_000_003),
        &args.labeller,
    )?;
    let photos_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/photos");
    let photos = database(
        &folder("photos"),
        SceneSource::Folder(photos_dir.clone()),
        args.seed,
        &args.labeller,
    )
    .with_context(|| format!("the photographs in `{}`", photos_dir.display()))?;

    // 2. The two models: the tiny preset's recipe (Adam, batch 32); both get the same number
    // of R updates, Hallucinated-IQA also pre-trains R_pre and trains G and D.
    let mut hiqa = TrainConfig::preset(Preset::Tiny);
    hiqa.seed = args.seed;
    hiqa.variant = Variant::Full;
    hiqa.set_steps(StageSteps {
        pretrain: scaled(hiqa.steps.pretrain),
        joint: scaled(hiqa.steps.joint),
        regressor: scaled(hiqa.steps.regressor),
    });
    hiqa.vgg19.path = args.vgg19.clone();
    hiqa.vgg19.allow_random = args.vgg19.is_none();
    hiqa.log_every = 50;
    hiqa.checkpoint_every = hiqa.steps.total();
    let mut baseline = hiqa.clone();
    baseline.variant = Variant::Baseline;

    eprintln!("[2/4] training the baseline BL");
    let bl_dir = args.out.join("baseline");
    let (bl_run, bl) = train(&baseline, &training, &bl_dir)?;
    eprintln!("[3/4] training Hallucinated-IQA");
    let hiqa_dir = args.out.join("hiqa");
    let (hiqa_run, full) = train(&hiqa, &training, &hiqa_dir)?;

    eprintln!("[4/4] testing both on the held-out scenes and the photographs");
    let (bl_syn, full_syn) = (evaluate(&bl, &held_out)?, evaluate(&full, &held_out)?);
    let (bl_photo, full_photo) = (evaluate(&bl, &photos)?, evaluate(&full, &photos)?);

    println!(
        "Training: {} dead-leaves scenes of {SCENE_SIDE}x{SCENE_SIDE} ({} images, the LIVE distortions at 5 levels, {} pseudo-MOS)",
        args.scenes,
        training.items.len(),
        args.labeller.to_uppercase()
    );
    println!(
        "Tested on: {} held-out scenes of 192x192 ({} images) and {} photographs of 192x192 ({} images), never trained on",
        20,
        held_out.items.len(),
        photos.items.len() / 25,
        photos.items.len()
    );
    println!(
        "{:<20} {:>16} {:>8} {:>14} {:>8} {:>9}",
        "model", "held-out SROCC", "PLCC", "photos SROCC", "PLCC", "train s"
    );
    for (name, run, syn, photo) in [
        ("baseline BL", &bl_run, &bl_syn, &bl_photo),
        ("Hallucinated-IQA", &hiqa_run, &full_syn, &full_photo),
    ] {
        println!(
            "{name:<20} {:>16.4} {:>8.4} {:>14.4} {:>8.4} {:>9.1}",
            syn.srocc, syn.plcc, photo.srocc, photo.plcc, run.seconds
        );
    }
    if hiqa_run.random_vgg {
        println!("(L_v used random VGG19 features; give --vgg19 for the real ones)");
    }
    println!("\nper distortion type (SROCC): held-out scenes BL / HIQA | photographs BL / HIQA");
    for (name, t) in &full_syn.per_type {
        let get = |r: &TestResult| r.per_type.get(name).map_or(f64::NAN, |t| t.srocc);
        println!(
            "  {name:<14} {:>8.4} {:>8.4} | {:>8.4} {:>8.4}",
            get(&bl_syn),
            t.srocc,
            get(&bl_photo),
            get(&full_photo)
        );
    }
    println!(
        "\nHallucinated-IQA vs BL (Williams' test on SROCC): held-out scenes {}; photographs {}",
        significance(&full_syn, &bl_syn, &held_out)?,
        significance(&full_photo, &bl_photo, &photos)?
    );

    // 3. Score an image with the saved model, as `iqa score --model FILE IMAGE` does.
    let model_path = hiqa_dir.join(files::MODEL);
    let model = HiqaScorer::from_file(&model_path, &Device::Cpu)?;
    let item = &photos.items[0];
    let image = load_image_tensor(&item.dist, &Device::Cpu)?;
    let score = score_image(&model, &image, DEFAULT_BATCH)?;
    println!(
        "\nmodels saved: {} and {}\n{}: predicted {score:.4}, pseudo-MOS {:.4}",
        bl_dir.join(files::MODEL).display(),
        model_path.display(),
        item.dist.display(),
        item.score
    );
    println!(
        "same with the CLI: iqa score --model {} {}",
        model_path.display(),
        item.dist.display()
    );
    println!("total time: {:.0} s", start.elapsed().as_secs_f64());
    Ok(())
}
