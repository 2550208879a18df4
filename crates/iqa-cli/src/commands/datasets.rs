//! `iqa datasets`: check a database folder, export it as a generic manifest, split it.

use std::path::PathBuf;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use iqa_data::databases::{KoniqSize, LiveLabels, koniq_official_split, write_manifest_csv};
use iqa_data::image_cache::decode_rgb;
use iqa_data::{
    DatabaseKind, LoadOptions, Manifest, SplitOptions, SplitSet, load, reference_disjoint_splits,
};
use rayon::prelude::*;

/// The `iqa datasets` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum DatasetsCommand {
    /// Validate a database folder and summarise it.
    Check {
        #[command(flatten)]
        source: Source,
        /// Also decode every image (in parallel) to find corrupt or truncated files.
        #[arg(long)]
        decode: bool,
        /// One JSON object instead of the text summary.
        #[arg(long)]
        json: bool,
    },
    /// Write the database as a generic manifest CSV (atomically).
    Export {
        #[command(flatten)]
        source: Source,
        /// The CSV to write; paths in it are relative to its folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Draw reference-disjoint train/validation/test splits (or take the official one) and
    /// save them as JSON, to repeat a run exactly.
    Split {
        #[command(flatten)]
        source: Source,
        /// The JSON file to write.
        #[arg(long)]
        out: PathBuf,
        /// Fraction of references for training.
        #[arg(long, default_value_t = 0.8)]
        train: f64,
        /// Fraction of references for validation.
        #[arg(long, default_value_t = 0.0)]
        val: f64,
        /// Number of random splits.
        #[arg(long, default_value_t = 10)]
        repeats: usize,
        /// Seed of the random splits.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Use the database's official split (KonIQ-10k) instead of random ones.
        #[arg(long)]
        official: bool,
    },
}

/// Which database, where, and the loaders' options.
#[derive(Debug, clap::Args)]
pub struct Source {
    /// live, csiq, tid2008, tid2013, kadid10k, koniq10k, siqad, scid or manifest (also `--db`).
    #[arg(long, visible_alias = "db")]
    kind: String,
    /// The database folder (for `manifest`, the CSV file).
    #[arg(long)]
    root: PathBuf,
    /// LIVE: `dmos` (dmos.mat) or `realigned` (dmos_realigned.mat, the default).
    #[arg(long, value_enum, default_value = "realigned")]
    live_labels: LiveArg,
    /// KonIQ-10k: image folder (default: 1024x768 when present).
    #[arg(long, value_enum)]
    koniq_size: Option<KoniqArg>,
}

/// LIVE's label files.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LiveArg {
    /// dmos.mat: dmos.
    Dmos,
    /// dmos_realigned.mat: dmos_new, dmos_std.
    Realigned,
}

/// KonIQ-10k's image folders.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum KoniqArg {
    /// 1024x768/.
    #[value(name = "1024x768")]
    Full,
    /// 512x384/.
    #[value(name = "512x384")]
    Half,
}

impl Source {
    /// A database folder with the default label choices.
    pub fn new(kind: &str, root: PathBuf) -> Source {
        Source {
            kind: kind.to_string(),
            root,
            live_labels: LiveArg::Realigned,
            koniq_size: None,
        }
    }

    pub fn load(&self) -> Result<(DatabaseKind, Manifest)> {
        let kind = DatabaseKind::from_name(&self.kind)?;
        let options = LoadOptions {
            live_labels: match self.live_labels {
                LiveArg::Dmos => LiveLabels::Dmos,
                LiveArg::Realigned => LiveLabels::Realigned,
            },
            koniq_size: self.koniq_size.map(|s| match s {
                KoniqArg::Full => KoniqSize::Full,
                KoniqArg::Half => KoniqSize::Half,
            }),
        };
        let manifest = load(kind, &self.root, &options)
            .with_context(|| format!("reading {} at `{}`", kind.name(), self.root.display()))?;
        Ok((kind, manifest))
    }
}

/// Runs `iqa datasets ...`.
pub fn run(command: &DatasetsCommand) -> Result<()> {
    match command {
        DatasetsCommand::Check {
            source,
            decode,
            json,
        } => {
            let (kind, manifest) = source.load()?;
            if *decode {
                decode_all(&manifest)?;
            }
            let s = manifest.summary();
            if *json {
                println!(
                    "{}",
                    serde_json::json!({
                        "kind": kind.name(),
                        "references": s.references,
                        "distorted": s.distorted,
                        "distortion_types": s.distortion_types,
                        "score_min": s.score_min,
                        "score_max": s.score_max,
                        "higher_is_better": s.higher_is_better,
                    })
                );
            } else {
                let label = &manifest.label;
                println!("{} at {}: ok", kind.name(), source.root.display());
                println!("  distorted images  {}", s.distorted);
                println!("  references        {}", s.references);
                println!("  distortion types  {}", s.distortion_types);
                println!(
                    "  labels            {} from {}, {} is better, nominal range {}..{}",
                    label.kind.abbreviation(),
                    label.source,
                    if s.higher_is_better {
                        "higher"
                    } else {
                        "lower"
                    },
                    label.range.0,
                    label.range.1
                );
                println!("  scores            {} .. {}", s.score_min, s.score_max);
                if *decode {
                    println!("  images            all decoded");
                }
            }
            Ok(())
        }
        DatasetsCommand::Export { source, out } => {
            let (_, manifest) = source.load()?;
            write_manifest_csv(&manifest, out)?;
            eprintln!("wrote {} items to {}", manifest.items.len(), out.display());
            Ok(())
        }
        DatasetsCommand::Split {
            source,
            out,
            train,
            val,
            repeats,
            seed,
            official,
        } => {
            let (kind, manifest) = source.load()?;
            let set = if *official {
                let split = match kind {
                    DatabaseKind::Koniq10k => koniq_official_split(&manifest, &source.root)?,
                    _ => None,
                };
                let split = split.with_context(|| {
                    format!(
                        "{} at `{}` has no official split (KonIQ-10k has one, in koniq10k_distributions_sets.csv)",
                        kind.name(),
                        source.root.display()
                    )
                })?;
                SplitSet::official(&manifest, split)
            } else {
                let options = SplitOptions {
                    train: *train,
                    val: *val,
                    repeats: *repeats,
                    seed: *seed,
                };
                reference_disjoint_splits(&manifest, &options)?
            };
            set.save(out)?;
            let first = set.splits.first();
            eprintln!(
                "wrote {} split(s) to {} (first: {} train / {} val / {} test images)",
                set.splits.len(),
                out.display(),
                first.map_or(0, |s| s.train.len()),
                first.map_or(0, |s| s.val.len()),
                first.map_or(0, |s| s.test.len()),
            );
            Ok(())
        }
    }
}

/// Decodes every distorted and reference image, with a progress bar; errors list the
/// first failures and their count.
fn decode_all(manifest: &Manifest) -> Result<()> {
    let mut paths: Vec<&PathBuf> = manifest
        .items
        .iter()
        .flat_map(|i| std::iter::once(&i.dist).chain(i.reference.as_ref()))
        .collect();
    paths.sort();
    paths.dedup();
    let bar = ProgressBar::new(paths.len() as u64).with_style(
        ProgressStyle::with_template("decoding {bar:40} {pos}/{len} images, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let failures: Vec<String> = paths
        .par_iter()
        .filter_map(|p| {
            let r = decode_rgb(p);
            bar.inc(1);
            r.err().map(|e| e.to_string())
        })
        .collect();
    bar.finish_and_clear();
    if failures.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "{} of {} images cannot be decoded; first: {}",
        failures.len(),
        paths.len(),
        failures
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    )
}
