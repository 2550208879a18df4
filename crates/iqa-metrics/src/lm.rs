//! A Levenberg-Marquardt solver for the logistic mappings that streams over the data.
//!
//! Each iteration accumulates the k x k normal equations (J^T J, J^T r) and the sum of
//! squares in one pass over the samples (k <= 5), so memory does not grow with the number
//! of samples and a million-row fit costs a few passes, where a general solver would build
//! the n x k Jacobian and factor it. Steps are damped with Marquardt's diagonal scaling.

use nalgebra::{Matrix5, Vector5};

use crate::FitKind;

/// How a minimisation ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Solution {
    /// The parameters reached.
    pub params: Vec<f64>,
    /// The sum of squared residuals there.
    pub sse: f64,
    /// Whether a stopping criterion (not the iteration budget) ended the search.
    pub converged: bool,
}

/// The sums one pass over the data yields.
struct Normal {
    jtj: Matrix5<f64>,
    jtr: Vector5<f64>,
    sse: f64,
}

/// Sum of squared residuals `kind(params, x) - y`.
pub(crate) fn sum_of_squares(kind: FitKind, params: &[f64], x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(&a, &b)| (kind.evaluate(params, a) - b).powi(2))
        .sum()
}

fn normal_equations(kind: FitKind, params: &[f64], x: &[f64], y: &[f64]) -> Normal {
    let k = params.len();
    let mut jtj = Matrix5::zeros();
    let mut jtr = Vector5::zeros();
    let mut sse = 0.0;
    let mut g = [0.0; 5];
    for (&a, &b) in x.iter().zip(y) {
        let r = kind.evaluate(params, a) - b;
        kind.gradient(params, a, &mut g[..k]);
        sse += r * r;
        for i in 0..k {
            jtr[i] += g[i] * r;
            for j in 0..=i {
                jtj[(i, j)] += g[i] * g[j];
            }
        }
    }
    for i in 0..k {
        for j in 0..i {
            jtj[(j, i)] = jtj[(i, j)];
        }
    }
    Normal { jtj, jtr, sse }
}

/// Solves the damped system (J^T J + lambda diag(J^T J)) step = -J^T r for the first `k`
/// parameters; `None` when it is singular.
fn damped_step(normal: &Normal, k: usize, lambda: f64) -> Option<Vec<f64>> {
    let mut a = nalgebra::DMatrix::<f64>::zeros(k, k);
    let mut b = nalgebra::DVector::<f64>::zeros(k);
    for i in 0..k {
        for j in 0..k {
            a[(i, j)] = normal.jtj[(i, j)];
        }
        // A floor keeps a parameter the data does not constrain from making the system
        // singular.
        a[(i, i)] += lambda * normal.jtj[(i, i)].max(1e-12);
        b[i] = -normal.jtr[i];
    }
    let step = a.cholesky()?.solve(&b);
    step.iter()
        .all(|v| v.is_finite())
        .then(|| step.iter().copied().collect())
}

/// Minimises the sum of squares of `kind(params, x) - y` from `start`.
///
/// The damping follows Nielsen's rule (shrink by the gain ratio after a good step, double
/// the growth factor after each bad one). Stops, converged, when the gradient J^T r is
/// below `tolerance` per sample, when an accepted step is smaller than `tolerance`
/// relative to the parameters, or when no damping yields a lower sum (a minimum to machine
/// precision); stops unconverged after `max_iterations` passes.
pub(crate) fn minimize(
    kind: FitKind,
    x: &[f64],
    y: &[f64],
    start: &[f64],
    tolerance: f64,
    max_iterations: usize,
) -> Solution {
    let k = start.len();
    let gradient_tolerance = tolerance * x.len() as f64;
    let mut params = start.to_vec();
    let mut normal = normal_equations(kind, &params, x, y);
    // Marquardt's scaling by diag(J^T J) makes lambda dimensionless.
    let mut lambda = 1e-3;
    let mut growth = 2.0;
    let mut converged = false;
    for _ in 0..max_iterations {
        if !normal.sse.is_finite() {
            break;
        }
        let gradient = (0..k).map(|i| normal.jtr[i].abs()).fold(0.0, f64::max);
        if gradient <= gradient_tolerance {
            converged = true;
            break;
        }
        let trial_step = damped_step(&normal, k, lambda);
        let Some(step) = trial_step else {
            lambda *= growth;
            growth *= 2.0;
            if !lambda.is_finite() || lambda > 1e32 {
                break;
            }
            continue;
        };
        let trial: Vec<f64> = params.iter().zip(&step).map(|(p, s)| p + s).collect();
        let trial_sse = sum_of_squares(kind, &trial, x, y);
        // The reduction the linear model predicts: step . (lambda D step - J^T r).
        let predicted: f64 = (0..k)
            .map(|i| step[i] * (lambda * normal.jtj[(i, i)].max(1e-12) * step[i] - normal.jtr[i]))
            .sum();
        let actual = normal.sse - trial_sse;
        if trial_sse.is_finite() && actual > 0.0 && predicted > 0.0 {
            let gain = actual / predicted;
            let step_norm = step.iter().map(|s| s * s).sum::<f64>().sqrt();
            let param_norm = params.iter().map(|p| p * p).sum::<f64>().sqrt();
            params = trial;
            normal = normal_equations(kind, &params, x, y);
            lambda *= (1.0 - (2.0 * gain - 1.0).powi(3)).max(1.0 / 3.0);
            growth = 2.0;
            if step_norm <= tolerance * (param_norm + tolerance) {
                converged = true;
                break;
            }
        } else {
            lambda *= growth;
            growth *= 2.0;
            if !lambda.is_finite() || lambda > 1e32 {
                // No damping lowers the sum any more: a minimum to machine precision.
                converged = true;
                break;
            }
        }
    }
    Solution {
        sse: normal.sse,
        params,
        converged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_a_straight_line_exactly() {
        // A 5-parameter logistic with b1 = 0 is the line b4 x + b5.
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| 2.0 * v - 3.0).collect();
        let s = minimize(
            FitKind::Logistic5,
            &x,
            &y,
            &[0.0, 1.0, 0.0, 1.0, 0.0],
            1e-12,
            200,
        );
        assert!(s.converged);
        assert!(s.sse < 1e-12, "{s:?}");
    }
}
