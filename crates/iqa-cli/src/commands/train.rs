//! `iqa train` and `iqa test`: Algorithm 1 of Hallucinated-IQA on a database, and the test
//! of a saved model on a database (or a split's test items).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use iqa_cli::progress::on_stderr;
use iqa_data::{DatabaseKind, Manifest, SplitOptions, SplitSet, reference_disjoint_splits};
use iqa_metrics::FitKind;
use iqa_models::hiqa::{Preset, model_file};
use iqa_models::nr::PatchGrid;
use iqa_models::parse_device;
use iqa_train::evaluate::{TestResult, test};
use iqa_train::protocol::{items_of_types, run_splits};
use iqa_train::{Start, TrainConfig, TrainData, TrainOptions, Trainer, Variant, files};

use super::datasets::Source;

/// Arguments of `iqa train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// A TOML configuration (only the fields it changes; `preset` picks the defaults).
    #[arg(long, conflicts_with = "preset")]
    pub config: Option<PathBuf>,
    /// The defaults to start from without a file: tiny or paper.
    #[arg(long)]
    pub preset: Option<String>,
    /// Print the configuration (defaults of the preset, or the file merged over them) and exit.
    #[arg(long)]
    pub print_config: bool,
    /// The database: live, csiq, tid2008, tid2013, kadid10k, koniq10k, siqad, scid or manifest
    /// (default: the configuration's `[data]` table).
    #[arg(long)]
    pub db: Option<String>,
    /// The database folder (for `manifest`, the CSV file).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// The variant (overrides the configuration): baseline, hallucination-map, perceptual,
    /// plain-adversarial, iqa-adversarial, full, oracle.
    #[arg(long)]
    pub variant: Option<String>,
    /// The seed (overrides the configuration).
    #[arg(long)]
    pub seed: Option<u64>,
    /// VGG19 weights for the perceptual loss (safetensors converted from torchvision).
    #[arg(long)]
    pub vgg19: Option<PathBuf>,
    /// Without --vgg19: use random VGG19 features for L_v instead of refusing.
    #[arg(long)]
    pub random_vgg: bool,
    /// A split set (from `iqa datasets split`); default: reference-disjoint 80/20 splits
    /// drawn with the configuration's seed.
    #[arg(long)]
    pub split: Option<PathBuf>,
    /// Fraction of the references held out for validation (keeps the best model) when
    /// the splits are drawn here.
    #[arg(long, default_value_t = 0.0)]
    pub val: f64,
    /// Train and test a model on each of the first N splits and report the median.
    #[arg(long, default_value_t = 1)]
    pub repeats: usize,
    /// Device: cpu or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Output folder (default: runs/DB-VARIANT).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue the run in --out from its last checkpoint.
    #[arg(long, conflicts_with = "overwrite")]
    pub resume: bool,
    /// Replace an earlier run in --out (without it, a folder holding a run is refused).
    #[arg(long)]
    pub overwrite: bool,
    /// Draw the learning curve (every loss and the validation SROCC against the step,
    /// from the run's log.jsonl) into this .svg or .png file.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// One JSON object with the training and test reports.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `iqa test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// The model file.
    #[arg(long)]
    pub model: PathBuf,
    /// The database: live, csiq, tid2008, tid2013, kadid10k, koniq10k, siqad, scid or manifest.
    #[arg(long)]
    pub db: String,
    /// The database folder (for `manifest`, the CSV file).
    #[arg(long)]
    pub root: PathBuf,
    /// Test only the test items of this split set's split --split-index.
    #[arg(long)]
    pub split: Option<PathBuf>,
    /// Which split of --split.
    #[arg(long, default_value_t = 0)]
    pub split_index: usize,
    /// Only these distortion types (comma-separated short names, e.g. jpeg,jpeg2000,wn,gblur).
    #[arg(long)]
    pub types: Option<String>,
    /// The mapping before PLCC: none (within a database), logistic5 or logistic4 (across).
    #[arg(long, default_value = "none")]
    pub fit: String,
    /// Step between test patches (default: the model's training configuration's half patch).
    #[arg(long)]
    pub stride: Option<usize>,
    /// Device: cpu or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// One JSON object: {"n":..,"srocc":..,"plcc":..,"fit":..,"per_type":{..}}.
    #[arg(long)]
    pub json: bool,
    /// Also write every tested image's prediction to this CSV (columns `dist`, `score`,
    /// `dist_type`, `prediction`), for `iqa eval` and `iqa compare`; written atomically.
    #[arg(long)]
    pub predictions: Option<PathBuf>,
}

fn load_db(db: &str, root: &std::path::Path) -> Result<(DatabaseKind, Manifest)> {
    Source::new(db, root.to_path_buf()).load()
}

fn print_test(title: &str, r: &TestResult) {
    println!(
        "{title}: {} images, SROCC {:.4}, PLCC {:.4} (fit {})",
        r.n, r.srocc, r.plcc, r.fit
    );
    if !r.per_type.is_empty() {
        println!("  {:<22} {:>5} {:>8} {:>8}", "type", "n", "SROCC", "PLCC");
        for (name, t) in &r.per_type {
            println!("  {name:<22} {:>5} {:>8.4} {:>8.4}", t.n, t.srocc, t.plcc);
        }
    }
}

/// Runs `iqa train`.
pub fn run_train(args: &TrainArgs) -> Result<()> {
    let mut config = match &args.config {
        Some(path) => TrainConfig::load(path)?,
        None => TrainConfig::preset(
            Preset::from_name(args.preset.as_deref().unwrap_or("paper")).context("--preset")?,
        ),
    };
    if let Some(name) = &args.variant {
        config.variant = Variant::from_name(name).with_context(|| {
            format!(
                "--variant `{name}`: expected one of {}",
                Variant::ALL.map(Variant::name).join(", ")
            )
        })?;
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if let Some(path) = &args.vgg19 {
        config.vgg19.path = Some(path.clone());
    }
    if args.random_vgg {
        config.vgg19.allow_random = true;
    }
    config.check()?;
    if args.print_config {
        print!("{}", config.to_toml()?);
        return Ok(());
    }
    let db = args
        .db
        .clone()
        .or_else(|| config.data.as_ref().map(|d| d.kind.clone()));
    let root = args
        .root
        .clone()
        .or_else(|| config.data.as_ref().map(|d| d.root.clone()));
    let (Some(db), Some(root)) = (db, root) else {
        bail!(
            "give the database: --db KIND --root DIR, or a [data] table (kind, root) in --config"
        );
    };
    let (db, root) = (&db, &root);
    let (kind, manifest) = load_db(db, root)?;
    let device = parse_device(&args.device)?;
    let splits = match &args.split {
        Some(path) => SplitSet::load(path, &manifest)?,
        None => reference_disjoint_splits(
            &manifest,
            &SplitOptions {
                train: 0.8 - args.val,
                val: args.val,
                repeats: args.repeats.max(1),
                seed: config.seed,
            },
        )?,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/{}-{}", kind.name(), config.variant)));
    if args.repeats > 1 {
        if args.resume {
            bail!("--resume continues one run; it cannot be combined with --repeats");
        }
        let which: Vec<usize> = (0..args.repeats).collect();
        let report = run_splits(
            &config,
            &manifest,
            &splits,
            &which,
            &device,
            &TrainOptions {
                out: out.clone(),
                start: start_mode(args)?,
                progress: on_stderr(!args.json),
                stop_at: None,
            },
        )?;
        if args.json {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            for run in &report.runs {
                print_test(&format!("split {}", run.split), &run.test);
            }
            let s = &report.summary;
            println!(
                "{} splits, {}: median SROCC {:.4} (mean {:.4} ± {:.4}), median PLCC {:.4} (mean {:.4} ± {:.4})",
                report.runs.len(),
                config.variant,
                s.srocc.median,
                s.srocc.mean,
                s.srocc.std,
                s.plcc.median,
                s.plcc.mean,
                s.plcc.std
            );
        }
        return Ok(());
    }
    let split = splits.splits.first().context("the split set is empty")?;
    let mut trainer = Trainer::new(&config, &device)?;
    let data = TrainData {
        manifest: &manifest,
        train: &split.train,
        val: &split.val,
    };
    let options = TrainOptions {
        out: out.clone(),
        start: start_mode(args)?,
        progress: on_stderr(!args.json),
        stop_at: None,
    };
    let report = trainer.train(&data, &options)?;
    if let Some(plot) = &args.plot {
        let title = format!("{} on {}", config.variant, kind.name());
        iqa_cli::learning_curve::LearningCurve::read(&out.join(files::LOG), &title)?.write(plot)?;
        tracing::info!(path = %plot.display(), "wrote the learning curve");
    }
    let nets = trainer.best_networks(&out)?;
    let result = test(
        &nets,
        config.variant,
        &manifest,
        &split.test,
        config.test_grid(),
        FitKind::None,
        &device,
    )?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"variant": config.variant, "out": out, "train": report, "test": result})
        );
    } else {
        println!(
            "trained {} for {} steps in {:.1} s ({:.1} patches/s); model: {}",
            config.variant,
            report.steps,
            report.seconds,
            report.patches_per_s,
            report
                .best_model
                .as_ref()
                .unwrap_or(&report.model)
                .display()
        );
        print_test("held-out references", &result);
    }
    Ok(())
}

/// What to do with a run already in --out.
fn start_mode(args: &TrainArgs) -> Result<Start> {
    Ok(match (args.resume, args.overwrite) {
        (true, false) => Start::Resume,
        (false, true) => Start::Overwrite,
        (false, false) => Start::Fresh,
        (true, true) => bail!("--resume and --overwrite exclude each other"),
    })
}

/// Runs `iqa test`.
pub fn run_test(args: &TestArgs) -> Result<()> {
    let device = parse_device(&args.device)?;
    let saved = model_file::load(&args.model, &device)?;
    let (nets, variant) = (saved.networks, saved.variant);
    let (_, manifest) = load_db(&args.db, &args.root)?;
    let mut indices = match &args.split {
        Some(path) => {
            let set = SplitSet::load(path, &manifest)?;
            set.splits
                .get(args.split_index)
                .with_context(|| {
                    format!(
                        "--split-index {}: `{}` has {} splits",
                        args.split_index,
                        path.display(),
                        set.splits.len()
                    )
                })?
                .test
                .clone()
        }
        None => (0..manifest.items.len()).collect(),
    };
    if let Some(types) = &args.types {
        let wanted: Vec<&str> = types.split(',').map(str::trim).collect();
        let present: std::collections::BTreeSet<&str> = manifest
            .items
            .iter()
            .filter_map(|i| i.dist_type.as_deref())
            .collect();
        let unknown: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|t| !present.contains(t))
            .collect();
        if !unknown.is_empty() {
            bail!(
                "--types: `{}` is not a distortion type of this database; its types are: {}",
                unknown.join("`, `"),
                present.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
        let of_types = items_of_types(&manifest, &wanted);
        indices.retain(|i| of_types.contains(i));
        if indices.is_empty() {
            bail!("--types {types}: no item of these types");
        }
    }
    let fit: FitKind = args.fit.parse()?;
    let grid = match args.stride {
        Some(stride) => PatchGrid {
            size: nets.config.patch,
            stride,
        },
        None => PatchGrid::half_overlapping(nets.config.patch),
    };
    let result = test(&nets, variant, &manifest, &indices, grid, fit, &device)?;
    if let Some(path) = &args.predictions {
        write_predictions(path, &manifest, &indices, &result.predictions)?;
    }
    if args.json {
        println!("{}", serde_json::to_string(&result)?);
    } else {
        print_test(&format!("{} ({variant})", args.model.display()), &result);
    }
    Ok(())
}

/// Writes one row per tested item: its file, its score, its type and the prediction.
fn write_predictions(
    path: &std::path::Path,
    manifest: &Manifest,
    indices: &[usize],
    predictions: &[f64],
) -> Result<()> {
    // Errors of the atomic file name `path` themselves; the CSV writer's get it here.
    let csv_error = |e: csv::Error| anyhow::anyhow!("cannot write `{}`: {e}", path.display());
    iqa_io::write_atomic(path, |file| -> Result<()> {
        let mut w = csv::Writer::from_writer(file);
        w.write_record(["dist", "score", "dist_type", "prediction"])
            .map_err(csv_error)?;
        for (&i, p) in indices.iter().zip(predictions) {
            let item = &manifest.items[i];
            w.write_record([
                item.dist.display().to_string(),
                item.score.to_string(),
                item.dist_type.clone().unwrap_or_default(),
                p.to_string(),
            ])
            .map_err(csv_error)?;
        }
        w.flush()
            .map_err(|e| anyhow::anyhow!("cannot write `{}`: {e}", path.display()))?;
        Ok(())
    })
}
