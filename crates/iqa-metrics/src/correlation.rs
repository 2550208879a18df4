//! SROCC, PLCC and the error measures RMSE and MAE.
//!
//! All take the model's predictions first and the subjective scores second. SROCC and KROCC
//! are computed on the raw predictions; PLCC, RMSE and MAE are meant for predictions already
//! mapped to the MOS scale (see [`crate::fit_logistic`]).

use crate::rank::average_ranks;
use crate::{Result, checks};

/// Spearman rank-order correlation: Pearson's correlation of the average ranks (ties share
/// the mean rank), as `scipy.stats.spearmanr`.
pub fn srocc(pred: &[f64], mos: &[f64]) -> Result<f64> {
    checks::correlation_inputs("SROCC", 2, pred, mos)?;
    let (rank_pred, rank_mos) = rayon::join(|| average_ranks(pred), || average_ranks(mos));
    Ok(pearson(&rank_pred, &rank_mos))
}

/// Pearson linear correlation, as `scipy.stats.pearsonr`.
pub fn plcc(pred: &[f64], mos: &[f64]) -> Result<f64> {
    checks::correlation_inputs("PLCC", 2, pred, mos)?;
    Ok(pearson(pred, mos))
}

/// Root mean squared error between predictions and scores.
pub fn rmse(pred: &[f64], mos: &[f64]) -> Result<f64> {
    checks::paired("RMSE", 1, pred, mos)?;
    let sum = lane_sum(pred, mos, |d| d * d);
    Ok((sum / pred.len() as f64).sqrt())
}

/// Mean absolute error between predictions and scores.
pub fn mae(pred: &[f64], mos: &[f64]) -> Result<f64> {
    checks::paired("MAE", 1, pred, mos)?;
    let sum = lane_sum(pred, mos, f64::abs);
    Ok(sum / pred.len() as f64)
}

/// Sum of `f(pred - mos)` over pairs, in eight independent lanes so that the compiler can
/// vectorise it (a single running sum is a serial dependency chain).
fn lane_sum(pred: &[f64], mos: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    const LANES: usize = 8;
    let mut lanes = [0.0; LANES];
    let (pred_chunks, mos_chunks) = (pred.chunks_exact(LANES), mos.chunks_exact(LANES));
    let tail: f64 = pred_chunks
        .remainder()
        .iter()
        .zip(mos_chunks.remainder())
        .map(|(p, m)| f(p - m))
        .sum();
    for (p, m) in pred_chunks.zip(mos_chunks) {
        for k in 0..LANES {
            lanes[k] += f(p[k] - m[k]);
        }
    }
    lanes.iter().sum::<f64>() + tail
}

/// Pearson's correlation of two checked, equally long, non-constant inputs (two passes, so
/// large offsets do not cost precision).
pub(crate) fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean_x = x.iter().sum::<f64>() / n;
    let mean_y = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mean_x, b - mean_y);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    (sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MetricsError;

    #[test]
    fn perfect_and_inverse_orders() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((srocc(&x, &[10.0, 20.0, 30.0, 40.0]).unwrap() - 1.0).abs() < 1e-15);
        assert!((srocc(&x, &[4.0, 3.0, 2.0, 1.0]).unwrap() + 1.0).abs() < 1e-15);
        assert!((plcc(&x, &[2.0, 4.0, 6.0, 8.0]).unwrap() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn error_measures() {
        // residuals 1, -1, 2, 0 -> RMSE sqrt(6/4), MAE 1
        let pred = [2.0, 1.0, 5.0, 4.0];
        let mos = [1.0, 2.0, 3.0, 4.0];
        assert!((rmse(&pred, &mos).unwrap() - 1.5f64.sqrt()).abs() < 1e-15);
        assert_eq!(mae(&pred, &mos).unwrap(), 1.0);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        assert!(matches!(
            srocc(&[1.0, 2.0], &[1.0]),
            Err(MetricsError::LengthMismatch {
                left_len: 2,
                right_len: 1,
                ..
            })
        ));
        assert!(matches!(
            plcc(&[1.0, f64::NAN, 3.0], &[1.0, 2.0, 3.0]),
            Err(MetricsError::NonFinite {
                name: "pred",
                index: 1,
                ..
            })
        ));
        assert!(matches!(
            plcc(&[1.0, 2.0, 3.0], &[5.0, 5.0, 5.0]),
            Err(MetricsError::Constant { name: "mos", .. })
        ));
        assert!(matches!(
            srocc(&[1.0], &[1.0]),
            Err(MetricsError::TooFewSamples {
                needed: 2,
                got: 1,
                ..
            })
        ));
        assert!(matches!(
            rmse(&[], &[]),
            Err(MetricsError::TooFewSamples {
                needed: 1,
                got: 0,
                ..
            })
        ));
        assert!(matches!(
            mae(&[1.0], &[f64::INFINITY]),
            Err(MetricsError::NonFinite {
                name: "mos",
                index: 0,
                ..
            })
        ));
    }
}
