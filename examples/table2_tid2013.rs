//! Table 2 of the paper: SROCC per distortion type on TID2013 (and over all types) of
//! Hallucinated-IQA trained and tested on reference-disjoint 80/20 splits.
//!
//! `cargo run --release --example table2_tid2013 -- [--root TID2013_DIR] [--preset tiny|paper]
//! [--splits N] [--steps SCALE] [--vgg19 FILE] [--device cuda:0]`
//!
//! Without `--root` it runs on a synthetic stand-in with the TID2013 types the generator
//! reproduces.

#[path = "common/mod.rs"]
mod common;

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;
use iqa::data::DatabaseKind;
use iqa::data::synth::distortion::distortion_set;
use iqa::train::Variant;

#[derive(Debug, Parser)]
struct Args {
    /// The TID2013 folder.
    #[arg(long)]
    root: Option<PathBuf>,
    #[command(flatten)]
    common: common::Common,
}

/// The paper's values that are legible in our copy: types 1 and 2 and ALL.
const PAPER: [(&str, f64); 3] = [("awgn", 0.923), ("awgn_color", 0.880), ("ALL", 0.879)];

fn main() -> Result<()> {
    common::set_up_runtime();
    let args = Args::parse();
    let c = &args.common;
    let names: Vec<&str> = distortion_set("tid2013")?
        .iter()
        .map(|d| d.name())
        .collect();
    let (manifest, line) = c.database(
        DatabaseKind::Tid2013,
        args.root.as_deref(),
        "tid2013",
        &names,
    )?;
    let report = c.protocol(&c.config(Variant::Full)?, &manifest, "tid2013")?;
    let classic = common::CLASSIC_NR
        .iter()
        .map(|&name| Ok((name, c.classic_row(name, &manifest)?)))
        .collect::<Result<Vec<_>>>()?;
    let paper = |name: &str| PAPER.iter().find(|(n, _)| *n == name).map(|&(_, v)| v);
    println!(
        "Table 2 (TID2013): SROCC, median over {} split(s)",
        c.splits.max(1)
    );
    println!("data: {line}");
    println!("preset {}, {}, steps x{}", c.preset, c.vgg_note(), c.steps);
    println!("  {:<30} {:>8} {:>8}", "type", "ours", "paper");
    for (name, (s, _)) in &report.summary.per_type {
        println!("  {name:<30} {s:>8.3} {:>8}", common::paper(paper(name)));
    }
    println!(
        "  {:<30} {:>8.3} {:>8}",
        "ALL",
        report.summary.srocc.median,
        common::paper(paper("ALL"))
    );
    for (name, (s, _)) in &classic {
        // The BRISQUE cell of the paper's table is not legible in our copy.
        println!(
            "  {:<30} {s:>8.3} {:>8}",
            format!("{} (ALL)", name.to_uppercase()),
            common::paper(None)
        );
    }
    Ok(())
}
