//! Aggregation over repeated train/test splits: the median (what IQA papers report since
//! the LIVE-era protocol of 10 random splits), mean, standard deviation and range.

use serde::{Deserialize, Serialize};

use crate::{Correlations, Result, validate};

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
        validate::at_least("a summary over runs", 1, values.len())?;
        validate::finite("values", values)?;
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
}
