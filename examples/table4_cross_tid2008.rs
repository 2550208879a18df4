//! Table 4 of the paper: cross-database SROCC. Hallucinated-IQA is trained on all of
//! LIVE and tested on the TID2008 subset of JPEG, JPEG2000, white noise and blur, with
//! the predictions mapped to TID2008's MOS by a logistic (which changes PLCC, not SROCC).
//!
//! `cargo run --release --example table4_cross_tid2008 -- [--live LIVE_DIR] [--tid2008 DIR]
//! [--preset tiny|paper] [--steps SCALE] [--oracle] [--vgg19 FILE] [--device cuda:0]`
//!
//! Without the folders it runs on synthetic stand-ins (LIVE's types; TID2008's types the
//! generator reproduces), made from different scenes.

#[path = "common/mod.rs"]
mod common;

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;
use iqa::data::DatabaseKind;
use iqa::train::protocol::{cross_database, items_of_types};
use iqa::train::{Start, TrainData, TrainOptions, Trainer, Variant};

#[derive(Debug, Parser)]
struct Args {
    /// The LIVE Release 2 folder (training).
    #[arg(long)]
    live: Option<PathBuf>,
    /// The TID2008 folder (test).
    #[arg(long)]
    tid2008: Option<PathBuf>,
    /// Also the oracle (fed the true references).
    #[arg(long)]
    oracle: bool,
    #[command(flatten)]
    common: common::Common,
}

/// The test subset: TID2008's JPEG, JPEG2000, white noise and Gaussian blur.
const SUBSET: [&str; 4] = ["jpeg", "jpeg2000", "awgn", "gblur"];

/// The paper's values as legible in our copy (SROCC, LCC).
const PAPER: [(&str, f64, f64); 2] = [("full", 0.934, 0.917), ("oracle", 0.939, 0.920)];

fn main() -> Result<()> {
    common::set_up_runtime();
    let args = Args::parse();
    let c = &args.common;
    let (live, live_line) = c.database(
        DatabaseKind::Live,
        args.live.as_deref(),
        "live",
        common::LIVE,
    )?;
    let (tid, tid_line) = c.database(
        DatabaseKind::Tid2008,
        args.tid2008.as_deref(),
        "tid2008",
        &common::tid2008()?,
    )?;
    let test_items = items_of_types(&tid, &SUBSET);
    let mut variants = vec![Variant::Full];
    if args.oracle {
        variants.push(Variant::Oracle);
    }
    let device = c.device()?;
    let all: Vec<usize> = (0..live.items.len()).collect();
    let mut rows = Vec::new();
    for v in variants {
        let config = c.config(v)?;
        let out = c.out.join(format!("cross-live-{v}"));
        eprintln!(
            "training {v} on all of live: {} steps",
            config.steps.total()
        );
        let mut trainer = Trainer::new(&config, &device)?;
        let data = TrainData {
            manifest: &live,
            train: &all,
            val: &[],
        };
        trainer.train(
            &data,
            &TrainOptions {
                out: out.clone(),
                start: Start::Overwrite,
                progress: iqa_cli::progress::on_stderr(true),
                stop_at: None,
            },
        )?;
        let result = cross_database(trainer.networks(), &config, &tid, &test_items, &device)?;
        rows.push((v, result));
    }
    println!("Table 4: trained on LIVE, tested on the TID2008 subset {SUBSET:?}");
    println!("data: {live_line}");
    println!("      {tid_line}");
    println!("preset {}, {}, steps x{}", c.preset, c.vgg_note(), c.steps);
    println!(
        "  {:<8} {:<10} {:>8} {:>8}   paper SROCC / LCC",
        "model", "type", "SROCC", "LCC"
    );
    for (v, r) in &rows {
        for (name, t) in &r.per_type {
            println!(
                "  {:<8} {name:<10} {:>8.3} {:>8.3}",
                v.name(),
                t.srocc,
                t.plcc
            );
        }
        let p = PAPER.iter().find(|(n, _, _)| *n == v.name());
        println!(
            "  {:<8} {:<10} {:>8.3} {:>8.3}   {} / {}",
            v.name(),
            "ALL",
            r.srocc,
            r.plcc,
            common::paper(p.map(|x| x.1)),
            common::paper(p.map(|x| x.2))
        );
    }
    Ok(())
}
