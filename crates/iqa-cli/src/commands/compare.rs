//! `iqa compare`: is one predictor significantly better than another on the same images?

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use iqa_metrics::{
    CorrelationKind, Correlations, FitKind, OutlierRule, WilliamsTest, compare_correlations,
    fit_logistic, residual_f_test,
};
use serde::Serialize;

use super::csv_table::CsvTable;
use super::format;

/// Arguments of `iqa compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// CSV file with a header line and one row per image.
    pub file: PathBuf,
    /// The two prediction columns, as `--pred A --pred B`.
    #[arg(long, required = true)]
    pub pred: Vec<String>,
    /// Column holding the subjective scores.
    #[arg(long)]
    pub mos: String,
    /// Mapping fitted to each predictor before PLCC and the F-test.
    #[arg(long, default_value = "logistic5")]
    pub fit: FitKind,
    /// Significance level used in the verdicts of the table.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Comparison {
    n: usize,
    fit: FitKind,
    predictors: BTreeMap<String, Correlations>,
    williams_plcc: WilliamsTest,
    williams_srocc: WilliamsTest,
    f_test: iqa_metrics::ResidualFTest,
}

/// Runs `iqa compare`.
pub fn run(args: &CompareArgs) -> Result<()> {
    let [name_a, name_b] = args.pred.as_slice() else {
        bail!(
            "give exactly two prediction columns (`--pred A --pred B`), got {}",
            args.pred.len()
        );
    };
    let table = CsvTable::open(&args.file)?;
    let (a, b, mos) = (
        table.numeric(name_a)?,
        table.numeric(name_b)?,
        table.numeric(&args.mos)?,
    );
    let context = |name: &str| format!("evaluating column `{name}` against `{}`", args.mos);
    let fit_a = fit_logistic(args.fit, &a, &mos).with_context(|| context(name_a))?;
    let fit_b = fit_logistic(args.fit, &b, &mos).with_context(|| context(name_b))?;
    let (mapped_a, mapped_b) = (fit_a.map_all(&a), fit_b.map_all(&b));
    let rule = OutlierRule::default();
    let mut predictors = BTreeMap::new();
    predictors.insert(
        name_a.clone(),
        Correlations::compute(&a, &mapped_a, &mos, None, rule).with_context(|| context(name_a))?,
    );
    predictors.insert(
        name_b.clone(),
        Correlations::compute(&b, &mapped_b, &mos, None, rule).with_context(|| context(name_b))?,
    );
    let comparison = Comparison {
        n: mos.len(),
        fit: args.fit,
        williams_plcc: compare_correlations(&mapped_a, &mapped_b, &mos, CorrelationKind::Pearson)?,
        williams_srocc: compare_correlations(&a, &b, &mos, CorrelationKind::Spearman)?,
        f_test: residual_f_test(&mapped_a, &mapped_b, &mos, args.fit.parameter_count())?,
        predictors,
    };

    if args.json {
        println!("{}", serde_json::to_string(&comparison)?);
        return Ok(());
    }
    println!(
        "{}: `{name_a}` (a) against `{name_b}` (b) on `{}`, {} images",
        args.file.display(),
        args.mos,
        comparison.n
    );
    println!("{}", format::header(false));
    for (name, row) in &comparison.predictors {
        println!("{}", format::row(name, row));
    }
    let verdict = |p: f64, a_better: bool| {
        if p < args.alpha {
            format!(
                "{} is significantly better at the {} level",
                if a_better { name_a } else { name_b },
                args.alpha
            )
        } else {
            format!("no significant difference at the {} level", args.alpha)
        }
    };
    for (what, w) in [
        ("PLCC (mapped)", &comparison.williams_plcc),
        ("SROCC", &comparison.williams_srocc),
    ] {
        println!(
            "Williams' test on {what}: t = {:.4}, df = {}, p = {:.3e}: {}",
            w.t,
            w.df,
            w.p_value,
            verdict(w.p_value, w.t > 0.0)
        );
    }
    let f = &comparison.f_test;
    println!(
        "F-test on residual variances ({:.4} vs {:.4}): F = {:.4}, df = ({}, {}), p = {:.3e}: {}",
        f.variance_a,
        f.variance_b,
        f.f,
        f.df,
        f.df,
        f.p_value,
        verdict(f.p_value, f.variance_a < f.variance_b)
    );
    Ok(())
}
