//! Fig. 4 of the paper: the ablation ladder on TID2008. Each rung adds one component to
//! the baseline BL (R on the distorted image alone): the hallucinated reference (HCM),
//! the quality-aware perceptual loss (QPL), adversarial learning with a plain
//! discriminator (ADV), the IQA-discriminator instead (QADV), and the fusion of G's
//! features (HSF). SROCC and LCC, median over `--splits` reference-disjoint splits.
//!
//! `cargo run --release --example fig4_ablation_tid2008 -- [--root TID2008_DIR]
//! [--preset tiny|paper] [--splits N] [--steps SCALE] [--vgg19 FILE] [--device cuda:0]`
//!
//! Without `--root` it runs on a synthetic stand-in with TID2008's types that the
//! generator reproduces.

#[path = "common/mod.rs"]
mod common;

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;
use iqa::data::DatabaseKind;
use iqa::train::Variant;

#[derive(Debug, Parser)]
struct Args {
    /// The TID2008 folder.
    #[arg(long)]
    root: Option<PathBuf>,
    #[command(flatten)]
    common: common::Common,
}

/// The values the text of our copy states (SROCC, LCC); the figure's bars are not legible.
fn paper(v: Variant) -> (Option<f64>, Option<f64>) {
    match v {
        Variant::HallucinationMap => (Some(0.859), None),
        Variant::Full => (None, Some(0.949)),
        _ => (None, None),
    }
}

fn main() -> Result<()> {
    common::set_up_runtime();
    let args = Args::parse();
    let c = &args.common;
    let (manifest, line) = c.database(
        DatabaseKind::Tid2008,
        args.root.as_deref(),
        "tid2008",
        &common::tid2008()?,
    )?;
    let mut rows = Vec::new();
    for v in Variant::LADDER {
        let report = c.protocol(&c.config(v)?, &manifest, "tid2008")?;
        rows.push((v, report.summary));
    }
    println!(
        "Fig. 4 (TID2008): the ablation ladder, median over {} split(s)",
        c.splits.max(1)
    );
    println!("data: {line}");
    println!("preset {}, {}, steps x{}", c.preset, c.vgg_note(), c.steps);
    println!(
        "  {:<22} {:>8} {:>8}   paper SROCC / LCC",
        "model", "SROCC", "LCC"
    );
    for (v, s) in &rows {
        let (ps, pp) = paper(*v);
        println!(
            "  {:<22} {:>8.3} {:>8.3}   {} / {}",
            v.paper_label(),
            s.srocc.median,
            s.plcc.median,
            common::paper(ps),
            common::paper(pp)
        );
    }
    Ok(())
}
