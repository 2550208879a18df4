//! The nonlinear mappings of the VQEG / IQA literature that bring predictions onto the MOS
//! scale before PLCC and RMSE are computed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::MetricsError;

/// Which mapping is fitted from predictions to subjective scores.
///
/// | kind | formula |
/// |---|---|
/// | `Logistic5` | `b1 * (0.5 - 1 / (1 + exp(b2 * (x - b3)))) + b4 * x + b5` |
/// | `Logistic4` | `(b1 - b2) / (1 + exp(-(x - b3) / abs(b4))) + b2` |
/// | `None` | `x` (no mapping) |
///
/// The five-parameter form is the one of Sheikh et al. (LIVE, 2006) used by most IQA papers;
/// the four-parameter form is the VQEG one (FR-TV Phase II).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum FitKind {
    /// The five-parameter logistic with a linear term.
    #[default]
    Logistic5,
    /// The four-parameter (VQEG) logistic.
    Logistic4,
    /// No mapping: PLCC and RMSE on the raw predictions.
    None,
}

impl FitKind {
    /// Every kind, in the order the CLI lists them.
    pub const ALL: [FitKind; 3] = [FitKind::Logistic5, FitKind::Logistic4, FitKind::None];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            FitKind::Logistic5 => "logistic5",
            FitKind::Logistic4 => "logistic4",
            FitKind::None => "none",
        }
    }

    /// Number of free parameters.
    pub fn parameter_count(self) -> usize {
        match self {
            FitKind::Logistic5 => 5,
            FitKind::Logistic4 => 4,
            FitKind::None => 0,
        }
    }

    /// The mapping at `x` with parameters `params` (which must have
    /// [`parameter_count`](Self::parameter_count) entries).
    pub fn evaluate(self, params: &[f64], x: f64) -> f64 {
        match (self, params) {
            (FitKind::Logistic5, &[b1, b2, b3, b4, b5]) => {
                b1 * (0.5 - sigmoid(-b2 * (x - b3))) + b4 * x + b5
            }
            (FitKind::Logistic4, &[b1, b2, b3, b4]) => {
                (b1 - b2) * sigmoid((x - b3) / b4.abs()) + b2
            }
            _ => x,
        }
    }

    /// The partial derivatives of the mapping at `x` with respect to each parameter.
    pub(crate) fn gradient(self, params: &[f64], x: f64, out: &mut [f64]) {
        match (self, params) {
            (FitKind::Logistic5, &[b1, b2, b3, _, _]) => {
                // q = 1 / (1 + exp(b2 (x - b3))) = sigmoid(-b2 (x - b3)); dq/d(b2 (x - b3)) = -q (1 - q)
                let q = sigmoid(-b2 * (x - b3));
                let slope = q * (1.0 - q);
                out[0] = 0.5 - q;
                out[1] = b1 * slope * (x - b3);
                out[2] = -b1 * slope * b2;
                out[3] = x;
                out[4] = 1.0;
            }
            (FitKind::Logistic4, &[b1, b2, b3, b4]) => {
                let scale = b4.abs();
                let z = (x - b3) / scale;
                let s = sigmoid(z);
                let ds = (b1 - b2) * s * (1.0 - s);
                out[0] = s;
                out[1] = 1.0 - s;
                out[2] = -ds / scale;
                out[3] = -ds * z / scale * b4.signum();
            }
            _ => {}
        }
    }
}

/// The logistic function 1 / (1 + exp(-z)), computed without overflow.
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl fmt::Display for FitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FitKind {
    type Err = MetricsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FitKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| MetricsError::InvalidParameter {
                name: "fit",
                value: s.to_string(),
                expected: "one of logistic5, logistic4, none",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_at_known_points() {
        // At x = b3 the logistic part of the 5-parameter form vanishes.
        let p5 = [2.0, 3.0, 1.0, 0.5, 4.0];
        assert!((FitKind::Logistic5.evaluate(&p5, 1.0) - 4.5).abs() < 1e-15);
        // At x = b3 the 4-parameter form is midway between its asymptotes.
        let p4 = [10.0, 2.0, 0.5, -0.1];
        assert!((FitKind::Logistic4.evaluate(&p4, 0.5) - 6.0).abs() < 1e-15);
        assert_eq!(FitKind::None.evaluate(&[], 0.25), 0.25);
    }

    #[test]
    fn gradients_match_finite_differences() {
        for (kind, params) in [
            (FitKind::Logistic5, vec![3.0, 1.7, 0.4, 0.2, -1.0]),
            (FitKind::Logistic4, vec![9.0, 1.0, 0.3, -0.7]),
        ] {
            let mut grad = vec![0.0; params.len()];
            kind.gradient(&params, 0.9, &mut grad);
            for (i, &g) in grad.iter().enumerate() {
                let h = 1e-6;
                let mut up = params.clone();
                let mut down = params.clone();
                up[i] += h;
                down[i] -= h;
                let numeric = (kind.evaluate(&up, 0.9) - kind.evaluate(&down, 0.9)) / (2.0 * h);
                assert!(
                    (g - numeric).abs() < 1e-7,
                    "{kind} d/db{}: {g} vs {numeric}",
                    i + 1
                );
            }
        }
    }

    #[test]
    fn sigmoid_is_stable_far_out() {
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(sigmoid(-1000.0), 0.0);
    }

    #[test]
    fn parses_names() {
        assert_eq!("Logistic4".parse::<FitKind>().unwrap(), FitKind::Logistic4);
        assert!("cubic".parse::<FitKind>().is_err());
    }
}
