//! Plain-text tables of evaluation results.

use iqa_metrics::{BootstrapIntervals, Correlations, LogisticFit, SplitSummary};

/// The header line of the statistics table.
pub fn header(with_outliers: bool) -> String {
    let mut line = format!(
        "{:<14} {:>7} {:>8} {:>8} {:>8} {:>10} {:>10}",
        "group", "n", "SROCC", "KROCC", "PLCC", "RMSE", "MAE"
    );
    if with_outliers {
        line.push_str(&format!(" {:>8}", "OR"));
    }
    line
}

/// One row of the statistics table.
pub fn row(label: &str, c: &Correlations) -> String {
    let mut line = format!(
        "{:<14} {:>7} {:>8.4} {:>8.4} {:>8.4} {:>10.4} {:>10.4}",
        label, c.n, c.srocc, c.krocc, c.plcc, c.rmse, c.mae
    );
    if let Some(ratio) = c.outlier_ratio {
        line.push_str(&format!(" {ratio:>8.4}"));
    }
    line
}

/// The mapping, with its parameters and whether the fit converged.
pub fn fit(fit: &LogisticFit) -> String {
    if fit.params.is_empty() {
        return "mapping: none (PLCC, RMSE and MAE on the raw predictions)".into();
    }
    let params: Vec<String> = fit.params.iter().map(|p| format!("{p:.6e}")).collect();
    format!(
        "mapping: {} ({}), b = [{}]",
        fit.kind,
        if fit.converged {
            "converged"
        } else {
            "NOT converged: best parameters reached"
        },
        params.join(", ")
    )
}

/// Bootstrap intervals, one statistic per line.
pub fn intervals(ci: &BootstrapIntervals) -> String {
    let mut text = format!(
        "{:.0}% bootstrap intervals ({} resamples{}):",
        ci.confidence * 100.0,
        ci.resamples,
        if ci.degenerate > 0 {
            format!(", {} degenerate skipped", ci.degenerate)
        } else {
            String::new()
        }
    );
    for (name, i) in [
        ("SROCC", ci.srocc),
        ("KROCC", ci.krocc),
        ("PLCC", ci.plcc),
        ("RMSE", ci.rmse),
    ] {
        text.push_str(&format!(
            "\n  {name:<6} {:.4}  [{:.4}, {:.4}]",
            i.estimate, i.lower, i.upper
        ));
    }
    text
}

/// Median and mean ± std of each statistic over splits.
pub fn split_summary(summary: &SplitSummary) -> String {
    let mut text = format!(
        "over {} splits:      median   mean ± std",
        summary.srocc.runs
    );
    for (name, s) in [
        ("SROCC", summary.srocc),
        ("KROCC", summary.krocc),
        ("PLCC", summary.plcc),
        ("RMSE", summary.rmse),
    ] {
        text.push_str(&format!(
            "\n  {name:<6} {:>18.4}   {:.4} ± {:.4}",
            s.median, s.mean, s.std
        ));
    }
    text
}
