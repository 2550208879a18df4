//! Levenberg-Marquardt fitting of the logistic mappings, with several starting points.
//!
//! The fit runs in standardised coordinates (predictions and scores each shifted to zero
//! mean and scaled to unit deviation) and maps the parameters back, so its result does not
//! depend on the units of either side; the solver ([`crate::lm`]) streams over the data.
//!
//! The first start is the customary one of published evaluation code; when it does not
//! converge, or (five-parameter form) ends worse than a straight line, which the family
//! contains, further starts scaled to the data are tried and the lowest sum of squared
//! errors wins. [`StartStrategy::All`] tries every start regardless.

use serde::{Deserialize, Serialize};

use crate::{FitKind, MetricsError, Result, checks, lm};

/// How many starting points the fit tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StartStrategy {
    /// Stop at the first start that converges to an acceptable fit.
    UntilAcceptable,
    /// Try every start and keep the best (default: the logistic fits have local minima,
    /// and with the streaming solver five starts cost little).
    #[default]
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
    /// Budget of solver iterations per start, in units of (parameters + 1). Default 200.
    pub patience: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            strategy: StartStrategy::All,
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
            sse: lm::sum_of_squares(FitKind::None, &[], pred, mos),
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

    let scale = Standardisation::of(pred, mos);
    let (x, y) = (scale.inputs(pred), scale.scores(mos));
    let data = DataSummary::of(&x, &y);
    let starts: Vec<Vec<f64>> =
        std::iter::once(scale.to_standard_units(kind, &customary_start(kind, pred, mos)))
            .chain(starting_points(kind, &data))
            .collect();
    let acceptable_sse = match kind {
        // The family contains straight lines, so a good fit is at least as good as one.
        FitKind::Logistic5 => data.linear_sse * scale.score_std.powi(2) * (1.0 + 1e-9),
        _ => f64::INFINITY,
    };
    let max_iterations = options.patience.max(1) * (kind.parameter_count() + 1);

    let mut best: Option<LogisticFit> = None;
    for (tried, start) in starts.iter().enumerate() {
        let solution = lm::minimize(kind, &x, &y, start, options.tolerance, max_iterations);
        let mut standard_params = solution.params;
        if kind == FitKind::Logistic4 {
            standard_params[3] = standard_params[3].abs();
        }
        let params = scale.to_data_units(kind, &standard_params);
        let fit_sse = lm::sum_of_squares(kind, &params, pred, mos);
        tracing::debug!(
            start = tried,
            converged = solution.converged,
            sse = fit_sse,
            "logistic fit"
        );
        if !fit_sse.is_finite() || params.iter().any(|p| !p.is_finite()) {
            continue;
        }
        let candidate = LogisticFit {
            kind,
            params,
            converged: solution.converged,
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
                vec![high, low, d.x_mean, d.x_std / 4.0],
                vec![high, low, d.x_median, d.x_std],
                vec![high, low, d.x_median, d.x_std / 16.0],
            ]
        }
        FitKind::None => Vec::new(),
    }
}

/// The affine maps between the data's coordinates and standardised ones (zero mean, unit
/// standard deviation for predictions and scores alike).
///
/// Fitting in standardised coordinates makes the fit independent of the units of either
/// side: predictions multiplied by 1000 or shifted by 1000 reach the same mapped values.
struct Standardisation {
    input_mean: f64,
    input_std: f64,
    score_mean: f64,
    score_std: f64,
}

impl Standardisation {
    fn of(pred: &[f64], mos: &[f64]) -> Self {
        let (input_mean, input_std) = mean_std(pred);
        let (score_mean, score_std) = mean_std(mos);
        Standardisation {
            input_mean,
            input_std,
            score_mean,
            score_std,
        }
    }

    fn inputs(&self, pred: &[f64]) -> Vec<f64> {
        pred.iter()
            .map(|x| (x - self.input_mean) / self.input_std)
            .collect()
    }

    fn scores(&self, mos: &[f64]) -> Vec<f64> {
        mos.iter()
            .map(|y| (y - self.score_mean) / self.score_std)
            .collect()
    }

    /// Parameters in the data's coordinates from standardised ones.
    fn to_data_units(&self, kind: FitKind, c: &[f64]) -> Vec<f64> {
        let (xm, xs, ym, ys) = (
            self.input_mean,
            self.input_std,
            self.score_mean,
            self.score_std,
        );
        match (kind, c) {
            (FitKind::Logistic5, &[c1, c2, c3, c4, c5]) => vec![
                ys * c1,
                c2 / xs,
                xm + xs * c3,
                ys * c4 / xs,
                ys * (c5 - c4 * xm / xs) + ym,
            ],
            (FitKind::Logistic4, &[c1, c2, c3, c4]) => {
                vec![ys * c1 + ym, ys * c2 + ym, xm + xs * c3, xs * c4]
            }
            _ => c.to_vec(),
        }
    }

    /// Standardised parameters from the data's coordinates (the inverse of
    /// [`Self::to_data_units`]).
    fn to_standard_units(&self, kind: FitKind, b: &[f64]) -> Vec<f64> {
        let (xm, xs, ym, ys) = (
            self.input_mean,
            self.input_std,
            self.score_mean,
            self.score_std,
        );
        match (kind, b) {
            (FitKind::Logistic5, &[b1, b2, b3, b4, b5]) => vec![
                b1 / ys,
                b2 * xs,
                (b3 - xm) / xs,
                b4 * xs / ys,
                (b5 - ym + b4 * xm) / ys,
            ],
            (FitKind::Logistic4, &[b1, b2, b3, b4]) => {
                vec![(b1 - ym) / ys, (b2 - ym) / ys, (b3 - xm) / xs, b4 / xs]
            }
            _ => b.to_vec(),
        }
    }
}

/// Mean and (population) standard deviation; the checks before the fit ensure the
/// deviation is positive.
fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// The start of VQEG-style evaluation code, in the data's coordinates.
fn customary_start(kind: FitKind, pred: &[f64], mos: &[f64]) -> Vec<f64> {
    let (x_mean, x_std) = mean_std(pred);
    let y_max = mos.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let y_min = mos.iter().copied().fold(f64::INFINITY, f64::min);
    match kind {
        FitKind::Logistic5 => vec![y_max, y_min, x_mean, 1.0, 0.0],
        FitKind::Logistic4 => vec![y_max, y_min, x_mean, x_std / 4.0],
        FitKind::None => Vec::new(),
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
