//! Aggregation over repeated train/test splits: the median (what IQA papers report since
//! the LIVE-era protocol of 10 random splits), mean, standard deviation and range.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report::group_members;
use crate::{Correlations, EvalInput, EvalOptions, MetricsError, Result, checks, evaluate};

/// Summary of one statistic over several runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of runs.
    pub runs: usize,
    /// Median (mean of the two middle values for an even count, as NumPy).
    pub median: f64,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator; 0 for a single run).
    pub std: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Summary {
    /// Summarises `values` (at least one, all finite).
    pub fn of(values: &[f64]) -> Result<Self> {
        checks::at_least("a summary over runs", 1, values.len())?;
        checks::finite("values", values)?;
        let mut sorted = values.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 0 {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        } else {
            sorted[n / 2]
        };
        let mean = sorted.iter().sum::<f64>() / n as f64;
        let std = if n > 1 {
            (sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Ok(Summary {
            runs: n,
            median,
            mean,
            std,
            min: sorted[0],
            max: sorted[n - 1],
        })
    }
}

/// Each statistic of [`Correlations`] summarised over repeated splits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitSummary {
    /// SROCC over the splits.
    pub srocc: Summary,
    /// KROCC over the splits.
    pub krocc: Summary,
    /// PLCC over the splits.
    pub plcc: Summary,
    /// RMSE over the splits.
    pub rmse: Summary,
}

/// Summarises the reports of repeated splits (at least one).
pub fn summarize_splits(splits: &[Correlations]) -> Result<SplitSummary> {
    let of =
        |get: fn(&Correlations) -> f64| Summary::of(&splits.iter().map(get).collect::<Vec<_>>());
    Ok(SplitSummary {
        srocc: of(|c| c.srocc)?,
        krocc: of(|c| c.krocc)?,
        plcc: of(|c| c.plcc)?,
        rmse: of(|c| c.rmse)?,
    })
}

/// Each split evaluated on its own (its own mapping), and the summary over splits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitReport {
    /// The statistics of each split, by split label.
    pub per_split: BTreeMap<String, Correlations>,
    /// Median, mean, std and range over the splits.
    pub summary: SplitSummary,
}

/// Evaluates the rows of each split label separately, as when a model was trained and
/// tested once per random split, and summarises over the splits. Groups in `input` are
/// ignored here; per-group rows belong to [`evaluate`].
pub fn evaluate_splits(
    input: &EvalInput<'_>,
    splits: &[String],
    options: &EvalOptions,
) -> Result<SplitReport> {
    if splits.len() != input.pred.len() {
        return Err(MetricsError::LengthMismatch {
            left: "pred",
            left_len: input.pred.len(),
            right: "splits",
            right_len: splits.len(),
        });
    }
    let mut per_split = BTreeMap::new();
    for (label, members) in group_members(splits) {
        let pick = |values: &[f64]| members.iter().map(|&i| values[i]).collect::<Vec<_>>();
        let (pred, mos) = (pick(input.pred), pick(input.mos));
        let std = input.mos_std.map(pick);
        let mut part = EvalInput::new(&pred, &mos);
        if let Some(std) = &std {
            part = part.with_std(std);
        }
        let report = evaluate(&part, options).map_err(|source| MetricsError::InGroup {
            group: format!("split {label}"),
            source: Box::new(source),
        })?;
        per_split.insert(label.to_string(), report.overall);
    }
    let rows: Vec<Correlations> = per_split.values().cloned().collect();
    Ok(SplitReport {
        summary: summarize_splits(&rows)?,
        per_split,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_matches_numpy() {
        // np.median / np.mean / np.std(ddof=1) of [0.9, 0.95, 0.91, 0.93]
        let s = Summary::of(&[0.9, 0.95, 0.91, 0.93]).unwrap();
        assert!((s.median - 0.92).abs() < 1e-15);
        assert!((s.mean - 0.9225).abs() < 1e-15);
        assert!((s.std - 0.022_173_557_826_083_4).abs() < 1e-12, "{}", s.std);
        assert_eq!((s.min, s.max, s.runs), (0.9, 0.95, 4));
        assert!(Summary::of(&[]).is_err());
        assert_eq!(Summary::of(&[0.5]).unwrap().std, 0.0);
    }

    #[test]
    fn splits_are_evaluated_separately() {
        // Split "0" is perfectly ordered, split "1" perfectly reversed.
        let pred = [1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0];
        let mos = [1.0, 2.0, 3.0, 4.0, 4.0, 3.0, 2.0, 1.0];
        let splits: Vec<String> = ["0", "0", "0", "0", "1", "1", "1", "1"]
            .map(String::from)
            .to_vec();
        let options = EvalOptions {
            fit: crate::FitKind::None,
            ..EvalOptions::default()
        };
        let report = evaluate_splits(&EvalInput::new(&pred, &mos), &splits, &options).unwrap();
        assert!((report.per_split["0"].srocc - 1.0).abs() < 1e-12);
        assert!((report.per_split["1"].srocc + 1.0).abs() < 1e-12);
        assert_eq!(report.summary.srocc.runs, 2);
        assert!(report.summary.srocc.median.abs() < 1e-12);
        assert!((report.summary.srocc.std - 2f64.sqrt()).abs() < 1e-12);
    }
}
