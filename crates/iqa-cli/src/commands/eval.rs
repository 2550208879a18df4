//! `iqa eval`: every evaluation statistic of a CSV of predictions and scores.

use std::path::PathBuf;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use iqa_cli::plot::{ScatterPlot, write_scatter};
use iqa_metrics::{
    BootstrapOptions, EvalInput, EvalOptions, FitKind, GroupFit, OutlierRule,
    bootstrap_intervals_with_progress, evaluate, evaluate_splits,
};

use super::csv_table::CsvTable;
use super::format;

/// Arguments of `iqa eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// CSV file with a header line and one row per image.
    pub file: PathBuf,
    /// Column holding the model's predictions.
    #[arg(long)]
    pub pred: String,
    /// Column holding the subjective scores (MOS or DMOS).
    #[arg(long)]
    pub mos: String,
    /// Column of group labels (distortion type, database): adds a row per group.
    #[arg(long)]
    pub group: Option<String>,
    /// Mapping fitted before PLCC, RMSE and MAE: logistic5, logistic4 or none.
    #[arg(long, default_value = "logistic5")]
    pub fit: FitKind,
    /// Per-group rows use the overall mapping (`overall`) or one fitted per group (`per-group`).
    #[arg(long, value_enum, default_value = "overall")]
    pub group_fit: GroupFitArg,
    /// Column of a split label (one per train/test split or run): adds each split's
    /// statistics, with its own mapping, and their median, mean and std over the splits.
    #[arg(long)]
    pub split: Option<String>,
    /// Column of the standard deviation of each image's ratings: adds the outlier ratio.
    #[arg(long)]
    pub std: Option<String>,
    /// Subjects per image: outliers fall outside the 95% interval of the MOS (ITU-T P.1401)
    /// instead of beyond 2 standard deviations (VQEG).
    #[arg(long, requires = "std")]
    pub subjects: Option<usize>,
    /// Bootstrap resamples for confidence intervals (e.g. 1000).
    #[arg(long)]
    pub bootstrap: Option<usize>,
    /// Coverage of the bootstrap intervals.
    #[arg(long, default_value_t = 0.95, requires = "bootstrap")]
    pub confidence: f64,
    /// Seed of the bootstrap resampling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write the scatter plot with the fitted curve to this .svg or .png file.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// How per-group rows are mapped.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum GroupFitArg {
    /// The overall mapping, applied within each group.
    Overall,
    /// A mapping fitted to each group.
    PerGroup,
}

/// Runs `iqa eval`.
pub fn run(args: &EvalArgs) -> Result<()> {
    let table = CsvTable::open(&args.file)?;
    let pred = table.numeric(&args.pred)?;
    let mos = table.numeric(&args.mos)?;
    let std = args.std.as_deref().map(|c| table.numeric(c)).transpose()?;
    let groups = args.group.as_deref().map(|c| table.text(c)).transpose()?;
    tracing::info!(rows = table.len(), file = %args.file.display(), "read the table");

    let options = EvalOptions {
        fit: args.fit,
        group_fit: match args.group_fit {
            GroupFitArg::Overall => GroupFit::Overall,
            GroupFitArg::PerGroup => GroupFit::PerGroup,
        },
        outliers: args
            .subjects
            .map_or(OutlierRule::TwoSigma, |subjects| OutlierRule::Ci95 {
                subjects,
            }),
        ..EvalOptions::default()
    };
    let mut input = EvalInput::new(&pred, &mos);
    if let Some(std) = &std {
        input = input.with_std(std);
    }
    if let Some(groups) = &groups {
        input = input.with_groups(groups);
    }
    let context = || {
        format!(
            "evaluating column `{}` against `{}` of `{}`",
            args.pred,
            args.mos,
            args.file.display()
        )
    };
    let report = evaluate(&input, &options).with_context(context)?;
    let splits = match &args.split {
        Some(column) => {
            Some(evaluate_splits(&input, &table.text(column)?, &options).with_context(context)?)
        }
        None => None,
    };

    let intervals = match args.bootstrap {
        Some(resamples) => {
            let bar = ProgressBar::new(resamples as u64).with_style(
                ProgressStyle::with_template(
                    "bootstrap {bar:40} {pos}/{len} resamples, {eta} left",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let ci = bootstrap_intervals_with_progress(
                &pred,
                &report.fit.map_all(&pred),
                &mos,
                &BootstrapOptions {
                    resamples,
                    confidence: args.confidence,
                    seed: args.seed,
                },
                &|| bar.inc(1),
            )
            .with_context(context)?;
            bar.finish_and_clear();
            Some(ci)
        }
        None => None,
    };

    if let Some(path) = &args.plot {
        let title = format!("{} vs {} (n = {})", args.pred, args.mos, pred.len());
        write_scatter(
            path,
            &ScatterPlot {
                pred: &pred,
                mos: &mos,
                groups: groups.as_deref(),
                fit: &report.fit,
                x_label: &args.pred,
                y_label: &args.mos,
                title: &title,
            },
        )?;
        tracing::info!(path = %path.display(), "wrote the scatter plot");
    }

    if args.json {
        let mut value = serde_json::to_value(&report)?;
        if let (Some(ci), Some(object)) = (&intervals, value.as_object_mut()) {
            object.insert("ci".into(), serde_json::to_value(ci)?);
        }
        if let (Some(splits), Some(object)) = (&splits, value.as_object_mut()) {
            object.insert("splits".into(), serde_json::to_value(splits)?);
        }
        println!("{value}");
        return Ok(());
    }
    println!(
        "{}: `{}` against `{}`, {} images",
        args.file.display(),
        args.pred,
        args.mos,
        report.overall.n
    );
    println!("{}\n", format::fit(&report.fit));
    let with_outliers = report.overall.outlier_ratio.is_some();
    println!("{}", format::header(with_outliers));
    println!("{}", format::row("all", &report.overall));
    for (label, row) in &report.groups {
        println!("{}", format::row(label, row));
    }
    for (label, reason) in &report.undefined_groups {
        println!("{label:<14} undefined: {reason}");
    }
    if let Some(splits) = &splits {
        println!(
            "\n{}",
            format::header(with_outliers).replacen("group", "split", 1)
        );
        for (label, row) in &splits.per_split {
            println!("{}", format::row(label, row));
        }
        println!("\n{}", format::split_summary(&splits.summary));
    }
    if let Some(ci) = &intervals {
        println!("\n{}", format::intervals(ci));
    }
    Ok(())
}
