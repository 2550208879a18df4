//! The README's quick start, on a CPU, in minutes: generate a synthetic IQA database,
//! train the tiny Hallucinated-IQA and the baseline BL (R on the distorted image alone)
//! on its training references, test both on the held-out references, print SROCC and
//! PLCC side by side, save the model, and score an image with it.
//!
//! `cargo run --release --example quickstart [-- --out runs/quickstart] [--scenes 20]
//! [--scale 1.0] [--vgg19 FILE] [--seed 0]`

use std::path::PathBuf;

use anyhow::Result;
use candle_core::Device;
use clap::Parser;
use iqa::data::synth::{SceneSource, SynthOptions, generate};
use iqa::data::{DatabaseKind, LoadOptions, SplitOptions, reference_disjoint_splits};
use iqa::models::hiqa::{HiqaScorer, Preset};
use iqa::models::{load_image_tensor, score_image};
use iqa::train::config::StageSteps;
use iqa::train::labeller::MetricLabeller;
use iqa::train::protocol::train_and_test;
use iqa::train::{TrainConfig, Variant, files};

#[derive(Debug, Parser)]
struct Args {
    /// Output folder: the database, both runs, the models.
    #[arg(long, default_value = "runs/quickstart")]
    out: PathBuf,
    /// Dead-leaves scenes (references); 20 % of them are held out for the test.
    #[arg(long, default_value_t = 20)]
    scenes: usize,
    /// Scale of the training schedule (1.0: about two minutes of training on 2 cores).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// VGG19 weights for the perceptual loss (default: random VGG19 features).
    #[arg(long)]
    vgg19: Option<PathBuf>,
    /// Seed of the data, the split and the training.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// mimalloc, as the `iqa` binary uses (see `iqa_cli::runtime`).
#[global_allocator]
static ALLOCATOR: iqa_cli::runtime::MiMalloc = iqa_cli::runtime::MiMalloc;

fn main() -> Result<()> {
    iqa_cli::runtime::setup();
    let args = Args::parse();
    let start = std::time::Instant::now();
    anyhow::ensure!(args.scale > 0.0, "--scale must be positive");
    let scaled = |n: f64| ((n * args.scale).ceil() as u64).max(1);

    // 1. A LIVE-like database: 5 distortion types x 5 levels per scene, MS-SSIM pseudo-MOS.
    eprintln!("[1/4] generating the synthetic database");
    let synth = generate(
        &SynthOptions {
            out: args.out.join("database"),
            source: SceneSource::Procedural {
                count: args.scenes,
                width: 192,
                height: 192,
            },
            distortions: vec!["live".to_string()],
            levels: 5,
            seed: args.seed,
        },
        &MetricLabeller::new("ms-ssim")?,
        &|_, _| {},
    )?;
    let manifest = iqa::data::load(
        DatabaseKind::Manifest,
        &synth.manifest,
        &LoadOptions::default(),
    )?;
    let split = reference_disjoint_splits(
        &manifest,
        &SplitOptions {
            repeats: 1,
            seed: args.seed,
            ..SplitOptions::default()
        },
    )?
    .splits
    .remove(0);

    // 2. The two models. Both get the same number of R updates; Hallucinated-IQA also
    // pre-trains R_pre and trains G and D in the alternating stage.
    let mut hiqa = TrainConfig::preset(Preset::Tiny);
    hiqa.seed = args.seed;
    hiqa.variant = Variant::Full;
    hiqa.set_steps(StageSteps {
        pretrain: scaled(250.0),
        joint: scaled(300.0),
        regressor: scaled(450.0),
    });
    hiqa.vgg19.path = args.vgg19.clone();
    hiqa.vgg19.allow_random = args.vgg19.is_none();
    hiqa.log_every = 10;
    let mut baseline = hiqa.clone();
    baseline.variant = Variant::Baseline;

    let device = Device::Cpu;
    let progress = iqa_cli::progress::on_stderr(true);
    eprintln!("[2/4] training the baseline BL");
    let bl_dir = args.out.join("baseline");
    let (bl_run, bl) = train_and_test(&baseline, &manifest, &split, &bl_dir, &device, &progress)?;
    eprintln!("[3/4] training Hallucinated-IQA");
    let hiqa_dir = args.out.join("hiqa");
    let (hiqa_run, full) = train_and_test(&hiqa, &manifest, &split, &hiqa_dir, &device, &progress)?;

    println!(
        "Held-out references: {} of {} scenes ({} images); training on the other {} images",
        args.scenes - args.scenes * 4 / 5,
        args.scenes,
        split.test.len(),
        split.train.len()
    );
    println!(
        "{:<22} {:>8} {:>8} {:>10}",
        "model", "SROCC", "PLCC", "train s"
    );
    println!(
        "{:<22} {:>8.4} {:>8.4} {:>10.1}",
        "baseline BL", bl.srocc, bl.plcc, bl_run.seconds
    );
    println!(
        "{:<22} {:>8.4} {:>8.4} {:>10.1}",
        "Hallucinated-IQA", full.srocc, full.plcc, hiqa_run.seconds
    );
    if hiqa_run.random_vgg {
        println!("(L_v used random VGG19 features; give --vgg19 for the real ones)");
    }
    println!("\nper distortion type (SROCC): BL / Hallucinated-IQA");
    for (name, t) in &full.per_type {
        let b = bl.per_type.get(name).map_or(f64::NAN, |b| b.srocc);
        println!("  {name:<14} {b:>8.4} {:>8.4}", t.srocc);
    }

    // 3. Score an image with the saved model, as `iqa score --model FILE IMAGE` does.
    eprintln!("[4/4] scoring a held-out image with the saved model");
    let model_path = hiqa_dir.join(files::MODEL);
    let model = HiqaScorer::from_file(&model_path, &device)?;
    let item = &manifest.items[split.test[0]];
    let image = load_image_tensor(&item.dist, &device)?;
    let score = score_image(&model, &image, iqa::models::nr::DEFAULT_BATCH)?;
    println!(
        "\nmodel saved: {}\n{}: predicted {score:.4}, pseudo-MOS {:.4}",
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
