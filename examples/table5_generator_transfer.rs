//! Table 5 of the paper: does a generator trained on more databases help? G is trained
//! (with the whole of Algorithm 1's alternating stage) on LIVE's training split, on
//! TID2008, or on TID2008 + TID2013; then R is trained on LIVE's training split with that
//! G fixed, and tested on LIVE's held-out references.
//!
//! `cargo run --release --example table5_generator_transfer -- [--live DIR] [--tid2008 DIR]
//! [--tid2013 DIR] [--preset tiny|paper] [--steps SCALE] [--vgg19 FILE] [--device cuda:0]`
//!
//! Without the folders it runs on synthetic stand-ins with each database's types.

#[path = "common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Parser;
use iqa::data::synth::distortion::distortion_set;
use iqa::data::{DatabaseKind, Manifest, SplitOptions, reference_disjoint_splits};
use iqa::metrics::FitKind;
use iqa::train::config::StageSteps;
use iqa::train::evaluate::test;
use iqa::train::{Start, TrainConfig, TrainData, TrainOptions, Trainer, Variant, files};

#[derive(Debug, Parser)]
struct Args {
    /// The LIVE Release 2 folder.
    #[arg(long)]
    live: Option<PathBuf>,
    /// The TID2008 folder.
    #[arg(long)]
    tid2008: Option<PathBuf>,
    /// The TID2013 folder.
    #[arg(long)]
    tid2013: Option<PathBuf>,
    #[command(flatten)]
    common: common::Common,
}

/// The paper's values as legible in our copy: (G trained on, SROCC, LCC).
const PAPER: [(&str, f64, f64); 3] = [
    ("LIVE", 0.982, 0.982),
    ("TID2008", 0.982, 0.985),
    ("TID2008+TID2013", 0.983, 0.988),
];

fn train(
    config: &TrainConfig,
    m: &Manifest,
    items: &[usize],
    out: &Path,
    g_from: Option<&Path>,
    device: &candle_core::Device,
) -> Result<Trainer> {
    let mut trainer = Trainer::new(config, device)?;
    if let Some(path) = g_from {
        trainer.import_generator(path)?;
    }
    let data = TrainData {
        manifest: m,
        train: items,
        val: &[],
    };
    trainer.train(
        &data,
        &TrainOptions {
            out: out.to_path_buf(),
            start: Start::Overwrite,
            progress: iqa_cli::progress::on_stderr(true),
            stop_at: None,
        },
    )?;
    Ok(trainer)
}

fn main() -> Result<()> {
    common::set_up_runtime();
    let args = Args::parse();
    let c = &args.common;
    let device = c.device()?;
    let (live, live_line) = c.database(
        DatabaseKind::Live,
        args.live.as_deref(),
        "live",
        common::LIVE,
    )?;
    let (t08, t08_line) = c.database(
        DatabaseKind::Tid2008,
        args.tid2008.as_deref(),
        "tid2008",
        &common::tid2008()?,
    )?;
    let t13_names: Vec<&str> = distortion_set("tid2013")?
        .iter()
        .map(|d| d.name())
        .collect();
    let (t13, t13_line) = c.database(
        DatabaseKind::Tid2013,
        args.tid2013.as_deref(),
        "tid2013",
        &t13_names,
    )?;
    let both = common::merge(&t08, &t13);
    let split = reference_disjoint_splits(
        &live,
        &SplitOptions {
            repeats: 1,
            seed: c.seed,
            ..SplitOptions::default()
        },
    )?
    .splits
    .remove(0);
    let full = c.config(Variant::Full)?;
    // G's stage: pre-training and the alternating stage, no R-only stage.
    let mut g_config = full.clone();
    g_config.steps.regressor = 0;
    // R's stage on LIVE with the imported G fixed.
    let mut r_config = full.clone();
    r_config.steps = StageSteps {
        pretrain: 0,
        joint: 0,
        regressor: full.steps.joint + full.steps.regressor,
    };
    let all_t08: Vec<usize> = (0..t08.items.len()).collect();
    let all_both: Vec<usize> = (0..both.items.len()).collect();
    let sources: [(&str, &Manifest, &[usize]); 3] = [
        ("LIVE", &live, &split.train),
        ("TID2008", &t08, &all_t08),
        ("TID2008+TID2013", &both, &all_both),
    ];
    let mut rows = Vec::new();
    for (name, m, items) in sources {
        let g_dir = c.out.join(format!("transfer-g-{name}"));
        eprintln!("training G on {name}");
        train(&g_config, m, items, &g_dir, None, &device)?;
        let r_dir = c.out.join(format!("transfer-r-{name}"));
        eprintln!("training R on LIVE with the G of {name}");
        let trainer = train(
            &r_config,
            &live,
            &split.train,
            &r_dir,
            Some(&g_dir.join(files::MODEL)),
            &device,
        )?;
        let result = test(
            trainer.networks(),
            Variant::Full,
            &live,
            &split.test,
            full.test_grid(),
            FitKind::None,
            &device,
        )?;
        rows.push((name, result));
    }
    println!("Table 5: R trained on LIVE with G trained on other databases, tested on LIVE");
    println!("data: {live_line}\n      {t08_line}\n      {t13_line}");
    println!("preset {}, {}, steps x{}", c.preset, c.vgg_note(), c.steps);
    println!(
        "  {:<18} {:>8} {:>8}   paper SROCC / LCC",
        "G trained on", "SROCC", "LCC"
    );
    for ((name, r), (_, ps, pp)) in rows.iter().zip(PAPER) {
        println!(
            "  {name:<18} {:>8.3} {:>8.3}   {ps:.3} / {pp:.3}",
            r.srocc, r.plcc
        );
    }
    Ok(())
}
