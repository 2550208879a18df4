//! Percentile-bootstrap confidence intervals of the evaluation statistics.
//!
//! Images are resampled with replacement; each resample draws from its own ChaCha8
//! stream (`seed`, stream = resample index), so the result depends on the seed alone, not
//! on the number of threads. PLCC and RMSE are computed on the mapped predictions handed
//! in: the mapping is not refitted per resample (it is part of the evaluated system).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{MetricsError, Result, checks, krocc, plcc, rmse, srocc};

/// Options of [`bootstrap_intervals`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapOptions {
    /// Number of resamples (default 1000).
    pub resamples: usize,
    /// Coverage of the interval (default 0.95).
    pub confidence: f64,
    /// Seed of the resampling (default 0).
    pub seed: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            resamples: 1000,
            confidence: 0.95,
            seed: 0,
        }
    }
}

/// A statistic with its bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    /// The statistic on the full sample.
    pub estimate: f64,
    /// Lower end of the interval.
    pub lower: f64,
    /// Upper end of the interval.
    pub upper: f64,
}

/// Intervals of the four statistics IQA papers report, from the same resamples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapIntervals {
    /// Coverage of the intervals.
    pub confidence: f64,
    /// Resamples drawn.
    pub resamples: usize,
    /// Resamples skipped because an input was constant in them.
    pub degenerate: usize,
    /// SROCC (raw predictions).
    pub srocc: ConfidenceInterval,
    /// KROCC (raw predictions).
    pub krocc: ConfidenceInterval,
    /// PLCC (mapped predictions).
    pub plcc: ConfidenceInterval,
    /// RMSE (mapped predictions).
    pub rmse: ConfidenceInterval,
}

/// Bootstrap intervals of SROCC, KROCC (on `pred`) and PLCC, RMSE (on `mapped`).
pub fn bootstrap_intervals(
    pred: &[f64],
    mapped: &[f64],
    mos: &[f64],
    options: &BootstrapOptions,
) -> Result<BootstrapIntervals> {
    bootstrap_intervals_with_progress(pred, mapped, mos, options, &|| {})
}

/// As [`bootstrap_intervals`], calling `progress` once per finished resample.
pub fn bootstrap_intervals_with_progress(
    pred: &[f64],
    mapped: &[f64],
    mos: &[f64],
    options: &BootstrapOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<BootstrapIntervals> {
    checks::correlation_inputs("a bootstrap interval", 3, pred, mos)?;
    checks::same_len(("pred", pred), ("mapped", mapped))?;
    checks::finite("mapped", mapped)?;
    if options.resamples < 2 {
        return Err(MetricsError::InvalidParameter {
            name: "resamples",
            value: options.resamples.to_string(),
            expected: "at least 2 (1000 or more for a 95% interval)",
        });
    }
    if !(options.confidence > 0.0 && options.confidence < 1.0) {
        return Err(MetricsError::InvalidParameter {
            name: "confidence",
            value: options.confidence.to_string(),
            expected: "a coverage in (0, 1), such as 0.95",
        });
    }
    let estimate = [
        srocc(pred, mos)?,
        krocc(pred, mos)?,
        plcc(mapped, mos)?,
        rmse(mapped, mos)?,
    ];

    let n = pred.len();
    let draws: Vec<Option<[f64; 4]>> = (0..options.resamples)
        .into_par_iter()
        .map(|b| {
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
            rng.set_stream(b as u64);
            let (mut p, mut q, mut m) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            for k in 0..n {
                let i = rng.random_range(0..n);
                (p[k], q[k], m[k]) = (pred[i], mapped[i], mos[i]);
            }
            let stats = (|| {
                Ok::<_, MetricsError>([
                    srocc(&p, &m)?,
                    krocc(&p, &m)?,
                    plcc(&q, &m)?,
                    rmse(&q, &m)?,
                ])
            })();
            progress();
            stats.ok()
        })
        .collect();
    let valid: Vec<[f64; 4]> = draws.into_iter().flatten().collect();
    let degenerate = options.resamples - valid.len();
    if valid.len() * 2 < options.resamples {
        return Err(MetricsError::DegenerateBootstrap {
            degenerate,
            resamples: options.resamples,
        });
    }
    let alpha = (1.0 - options.confidence) / 2.0;
    let interval = |k: usize| {
        let mut values: Vec<f64> = valid.iter().map(|s| s[k]).collect();
        values.sort_unstable_by(f64::total_cmp);
        ConfidenceInterval {
            estimate: estimate[k],
            lower: quantile(&values, alpha),
            upper: quantile(&values, 1.0 - alpha),
        }
    };
    Ok(BootstrapIntervals {
        confidence: options.confidence,
        resamples: options.resamples,
        degenerate,
        srocc: interval(0),
        krocc: interval(1),
        plcc: interval(2),
        rmse: interval(3),
    })
}

/// Quantile of sorted, non-empty values with linear interpolation (NumPy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let weight = position - below as f64;
    sorted[below] * (1.0 - weight) + sorted[above] * weight
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_matches_numpy() {
        // np.quantile([1, 2, 3, 4], [0.025, 0.5, 0.975]) -> [1.075, 2.5, 3.925]
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile(&v, 0.025) - 1.075).abs() < 1e-12);
        assert!((quantile(&v, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile(&v, 0.975) - 3.925).abs() < 1e-12);
    }

    #[test]
    fn same_seed_same_interval_and_seed_matters() {
        let pred: Vec<f64> = (0..50)
            .map(|i| f64::from(i) + (f64::from(i) * 1.7).sin() * 8.0)
            .collect();
        let mos: Vec<f64> = (0..50).map(f64::from).collect();
        let a = bootstrap_intervals(&pred, &pred, &mos, &BootstrapOptions::default()).unwrap();
        let b = bootstrap_intervals(&pred, &pred, &mos, &BootstrapOptions::default()).unwrap();
        let c = bootstrap_intervals(
            &pred,
            &pred,
            &mos,
            &BootstrapOptions {
                seed: 1,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(a, b);
        assert_ne!(a.srocc, c.srocc);
        assert!(a.srocc.lower < a.srocc.estimate && a.srocc.estimate < a.srocc.upper);
    }

    #[test]
    fn rejects_bad_options() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let bad = BootstrapOptions {
            confidence: 1.5,
            ..Default::default()
        };
        assert!(matches!(
            bootstrap_intervals(&x, &x, &x, &bad),
            Err(MetricsError::InvalidParameter {
                name: "confidence",
                ..
            })
        ));
    }
}
