//! Levenberg-Marquardt fitting of the logistic mappings, with several starting points.
//!
//! The first start is the customary one of published evaluation code; when it does not
//! converge, or (five-parameter form) ends worse than a straight line, which the family
//! contains, further starts scaled to the data are tried and the lowest sum of squared
//! errors wins. [`StartStrategy::All`] tries every start regardless.

use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt};
use nalgebra::{DMatrix, DVector, Dyn, Owned};
use serde::{Deserialize, Serialize};

use crate::{FitKind, MetricsError, Result, checks};

/// How many starting points the fit tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StartStrategy {
    /// Stop at the first start that converges to an acceptable fit (default).
    #[default]
    UntilAcceptable,
    /// Try every start and keep the best.
    All,
}

/// Options of [`fit_logistic_with`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// Which starts are tried.
    pub strategy: StartStrategy,
    /// Relative tolerance on the sum of squares and on the parameters (MINPACK's ftol and
    /// xtol). Default 1e-12, tighter than SciPy's 1.5e-8 so that agreement is limited by
    /// the data, not by the stopping rule.
    pub tolerance: f64,
    /// Budget of residual evaluations per start, in units of (parameters + 1). Default 200.
    pub patience: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            strategy: StartStrategy::UntilAcceptable,
            tolerance: 1e-12,
            patience: 200,
        }
    }
}

/// A fitted mapping from predictions to subjective scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticFit {
    /// The mapping's form.
    pub kind: FitKind,
    /// Its parameters b1, b2, ... (empty for [`FitKind::None`]).
    pub params: Vec<f64>,
    /// Whether the chosen start met the convergence criteria (always true for `None`).
    pub converged: bool,
    /// Sum of squared errors of the mapped predictions against the scores.
    pub sse: f64,
    /// How many starting points were tried.
    pub starts_tried: usize,
}

impl LogisticFit {
    /// The identity mapping (no fit).
    pub fn identity(pred: &[f64], mos: &[f64]) -> Self {
        LogisticFit {
            kind: FitKind::None,
            params: Vec::new(),
            converged: true,
            sse: sse(FitKind::None, &[], pred, mos),
            starts_tried: 0,
        }
    }

    /// Maps one prediction onto the score scale.
    pub fn map(&self, x: f64) -> f64 {
        self.kind.evaluate(&self.params, x)
    }

    /// Maps every prediction onto the score scale.
    pub fn map_all(&self, pred: &[f64]) -> Vec<f64> {
        pred.iter().map(|&x| self.map(x)).collect()
    }
}

/// Fits `kind` from `pred` to `mos` with the default [`FitOptions`].
pub fn fit_logistic(kind: FitKind, pred: &[f64], mos: &[f64]) -> Result<LogisticFit> {
    fit_logistic_with(kind, pred, mos, &FitOptions::default())
}

/// Fits `kind` from `pred` to `mos` by Levenberg-Marquardt from several starts.
///
/// Needs one more sample than the mapping has parameters, and non-constant inputs. Returns
/// [`MetricsError::FitFailed`] when no start reaches finite parameters; a fit that ended
/// without meeting the convergence criteria is returned with `converged: false`.
pub fn fit_logistic_with(
    kind: FitKind,
    pred: &[f64],
    mos: &[f64],
    options: &FitOptions,
) -> Result<LogisticFit> {
    let what = match kind {
        FitKind::Logistic5 => "the 5-parameter logistic fit",
        FitKind::Logistic4 => "the 4-parameter logistic fit",
        FitKind::None => "PLCC without a fit",
    };
    checks::correlation_inputs(what, kind.parameter_count() + 1, pred, mos)?;
    if !(options.tolerance > 0.0 && options.tolerance < 1.0) {
        return Err(MetricsError::InvalidParameter {
            name: "tolerance",
            value: options.tolerance.to_string(),
            expected: "a number in (0, 1)",
        });
    }
    if kind == FitKind::None {
        return Ok(LogisticFit::identity(pred, mos));
    }

    let data = DataSummary::of(pred, mos);
    let starts = starting_points(kind, &data);
    let acceptable_sse = match kind {
        // The family contains straight lines, so a good fit is at least as good as one.
        FitKind::Logistic5 => data.linear_sse * (1.0 + 1e-9),
        _ => f64::INFINITY,
    };
    let solver = LevenbergMarquardt::new()
        .with_ftol(options.tolerance)
        .with_xtol(options.tolerance)
        .with_gtol(options.tolerance)
        .with_patience(options.patience.max(1));

    let mut best: Option<LogisticFit> = None;
    for (tried, start) in starts.iter().enumerate() {
        let problem = Problem {
            kind,
            x: pred,
            y: mos,
            params: DVector::from_column_slice(start),
        };
        let (problem, report) = solver.minimize(problem);
        let mut params: Vec<f64> = problem.params.iter().copied().collect();
        if kind == FitKind::Logistic4 {
            params[3] = params[3].abs();
        }
        let fit_sse = sse(kind, &params, pred, mos);
        let converged = report.termination.was_successful();
        tracing::debug!(start = tried, ?report.termination, sse = fit_sse, "logistic fit");
        if !fit_sse.is_finite() || params.iter().any(|p| !p.is_finite()) {
            continue;
        }
        let candidate = LogisticFit {
            kind,
            params,
            converged,
            sse: fit_sse,
            starts_tried: tried + 1,
        };
        if best.as_ref().is_none_or(|b| better(&candidate, b)) {
            best = Some(candidate);
        }
        if let Some(b) = &mut best {
            b.starts_tried = tried + 1;
            if options.strategy == StartStrategy::UntilAcceptable
                && b.converged
                && b.sse <= acceptable_sse
            {
                break;
            }
        }
    }
    match best {
        Some(fit) => {
            if !fit.converged {
                tracing::warn!(kind = %kind, sse = fit.sse, "logistic fit did not converge; using the best parameters reached");
            }
            Ok(fit)
        }
        None => Err(MetricsError::FitFailed {
            kind,
            starts: starts.len(),
        }),
    }
}

/// Converged fits beat unconverged ones; then the lower sum of squares wins.
fn better(a: &LogisticFit, b: &LogisticFit) -> bool {
    (a.converged, -a.sse) > (b.converged, -b.sse)
}

fn sse(kind: FitKind, params: &[f64], pred: &[f64], mos: &[f64]) -> f64 {
    pred.iter()
        .zip(mos)
        .map(|(&x, &y)| (kind.evaluate(params, x) - y).powi(2))
        .sum()
}

/// The summary statistics the starting points are built from.
struct DataSummary {
    x_mean: f64,
    x_median: f64,
    x_std: f64,
    y_min: f64,
    y_max: f64,
    y_mean: f64,
    slope: f64,
    linear_sse: f64,
}

impl DataSummary {
    fn of(x: &[f64], y: &[f64]) -> Self {
        let n = x.len() as f64;
        let x_mean = x.iter().sum::<f64>() / n;
        let y_mean = y.iter().sum::<f64>() / n;
        let (mut sxx, mut sxy) = (0.0, 0.0);
        for (a, b) in x.iter().zip(y) {
            sxx += (a - x_mean).powi(2);
            sxy += (a - x_mean) * (b - y_mean);
        }
        let slope = sxy / sxx;
        let linear_sse = x
            .iter()
            .zip(y)
            .map(|(a, b)| (y_mean + slope * (a - x_mean) - b).powi(2))
            .sum();
        let mut sorted = x.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        let x_median = if sorted.len() % 2 == 0 {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        } else {
            sorted[mid]
        };
        DataSummary {
            x_mean,
            x_median,
            x_std: (sxx / n).sqrt(),
            y_min: y.iter().copied().fold(f64::INFINITY, f64::min),
            y_max: y.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            y_mean,
            slope,
            linear_sse,
        }
    }
}

/// The starting points, in the order they are tried.
fn starting_points(kind: FitKind, d: &DataSummary) -> Vec<Vec<f64>> {
    let sign = if d.slope < 0.0 { -1.0 } else { 1.0 };
    let range = d.y_max - d.y_min;
    match kind {
        FitKind::Logistic5 => {
            let scaled =
                |steepness: f64| vec![sign * range, steepness / d.x_std, d.x_mean, 0.0, d.y_mean];
            vec![
                // The start of VQEG-style evaluation code.
                vec![d.y_max, d.y_min, d.x_mean, 1.0, 0.0],
                scaled(1.0),
                scaled(4.0),
                scaled(0.25),
                // Close to the least-squares line, with a small logistic part.
                vec![
                    0.1 * sign * range,
                    1.0 / d.x_std,
                    d.x_median,
                    d.slope,
                    d.y_mean - d.slope * d.x_mean,
                ],
            ]
        }
        FitKind::Logistic4 => {
            let (high, low) = if sign > 0.0 {
                (d.y_max, d.y_min)
            } else {
                (d.y_min, d.y_max)
            };
            vec![
                // The start of VQEG-style evaluation code.
                vec![d.y_max, d.y_min, d.x_mean, d.x_std / 4.0],
                vec![high, low, d.x_mean, d.x_std / 4.0],
                vec![high, low, d.x_median, d.x_std],
                vec![high, low, d.x_median, d.x_std / 16.0],
            ]
        }
        FitKind::None => Vec::new(),
    }
}

/// The least-squares problem handed to the solver: residuals mapped(x) - y.
struct Problem<'a> {
    kind: FitKind,
    x: &'a [f64],
    y: &'a [f64],
    params: DVector<f64>,
}

impl LeastSquaresProblem<f64, Dyn, Dyn> for Problem<'_> {
    type ResidualStorage = Owned<f64, Dyn>;
    type JacobianStorage = Owned<f64, Dyn, Dyn>;
    type ParameterStorage = Owned<f64, Dyn>;

    fn set_params(&mut self, params: &DVector<f64>) {
        self.params.copy_from(params);
    }

    fn params(&self) -> DVector<f64> {
        self.params.clone()
    }

    fn residuals(&self) -> Option<DVector<f64>> {
        let p = self.params.as_slice();
        let r = DVector::from_iterator(
            self.x.len(),
            self.x
                .iter()
                .zip(self.y)
                .map(|(&x, &y)| self.kind.evaluate(p, x) - y),
        );
        r.iter().all(|v| v.is_finite()).then_some(r)
    }

    fn jacobian(&self) -> Option<DMatrix<f64>> {
        let p = self.params.as_slice();
        let k = p.len();
        let mut jacobian = DMatrix::zeros(self.x.len(), k);
        let mut row = [0.0; 5];
        for (i, &x) in self.x.iter().enumerate() {
            self.kind.gradient(p, x, &mut row[..k]);
            for (c, &g) in row[..k].iter().enumerate() {
                jacobian[(i, c)] = g;
            }
        }
        jacobian.iter().all(|v| v.is_finite()).then_some(jacobian)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_exact_parameters() {
        let truth = [40.0, 6.0, 0.5, 10.0, 30.0];
        let x: Vec<f64> = (0..60).map(|i| f64::from(i) / 59.0).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|&v| FitKind::Logistic5.evaluate(&truth, v))
            .collect();
        let fit = fit_logistic(FitKind::Logistic5, &x, &y).unwrap();
        assert!(fit.converged);
        assert!(fit.sse < 1e-12, "sse {}", fit.sse);
        let mapped = fit.map_all(&x);
        for (m, t) in mapped.iter().zip(&y) {
            assert!((m - t).abs() < 1e-6);
        }
    }

    #[test]
    fn four_parameter_fit_of_a_decreasing_curve() {
        let truth = [1.0, 9.0, 50.0, 8.0];
        let x: Vec<f64> = (0..40).map(|i| f64::from(i) * 2.5).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|&v| FitKind::Logistic4.evaluate(&truth, v))
            .collect();
        let fit = fit_logistic(FitKind::Logistic4, &x, &y).unwrap();
        assert!(fit.converged && fit.sse < 1e-12, "{fit:?}");
        assert!(fit.params[3] > 0.0);
    }

    #[test]
    fn too_few_samples_for_five_parameters() {
        let err = fit_logistic(FitKind::Logistic5, &[1.0, 2.0, 3.0], &[1.0, 2.0, 4.0]).unwrap_err();
        assert!(matches!(
            err,
            MetricsError::TooFewSamples {
                needed: 6,
                got: 3,
                ..
            }
        ));
    }

    #[test]
    fn identity_fit_keeps_predictions() {
        let fit = fit_logistic(FitKind::None, &[1.0, 2.0], &[2.0, 4.0]).unwrap();
        assert_eq!(fit.map_all(&[1.0, 2.0]), vec![1.0, 2.0]);
        assert_eq!(fit.sse, 5.0);
    }
}
