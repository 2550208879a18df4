//! Is one predictor significantly better than another on the same images?
//!
//! Two tests are offered:
//! - Williams' t-test for two dependent correlations that share a variable (the MOS), the
//!   test Steiger (1980) recommends: H0 is corr(a, mos) = corr(b, mos), with the
//!   correlation between the two predictors taken into account.
//! - The F-test on the variances of the residuals after the mapping (ITU-T P.1401, and the
//!   test used in the LIVE and CSIQ evaluations).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, FisherSnedecor, StudentsT};

use crate::correlation::pearson;
use crate::rank::average_ranks;
use crate::{MetricsError, Result, checks};

/// Which correlation two predictors are compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum CorrelationKind {
    /// Pearson's correlation (of the mapped predictions).
    Pearson,
    /// Spearman's correlation (Pearson's on the average ranks).
    Spearman,
}

/// The result of Williams' test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WilliamsTest {
    /// corr(a, mos).
    pub r_a: f64,
    /// corr(b, mos).
    pub r_b: f64,
    /// corr(a, b).
    pub r_ab: f64,
    /// Number of images.
    pub n: usize,
    /// The t statistic (positive when a correlates more strongly).
    pub t: f64,
    /// Degrees of freedom, n - 3.
    pub df: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// Williams' t for corr(a, mos) = `r_a` versus corr(b, mos) = `r_b` when corr(a, b) = `r_ab`
/// on `n` images.
pub fn williams_test(r_a: f64, r_b: f64, r_ab: f64, n: usize) -> Result<WilliamsTest> {
    checks::at_least("Williams' test", 4, n)?;
    for (name, r) in [("r_a", r_a), ("r_b", r_b), ("r_ab", r_ab)] {
        if !(-1.0..=1.0).contains(&r) {
            return Err(MetricsError::InvalidParameter {
                name,
                value: r.to_string(),
                expected: "a correlation in [-1, 1]",
            });
        }
    }
    let nf = n as f64;
    let det = 1.0 - r_a * r_a - r_b * r_b - r_ab * r_ab + 2.0 * r_a * r_b * r_ab;
    let mean_r = (r_a + r_b) / 2.0;
    let variance = 2.0 * (nf - 1.0) / (nf - 3.0) * det + mean_r * mean_r * (1.0 - r_ab).powi(3);
    if variance <= 0.0 {
        return Err(MetricsError::InvalidParameter {
            name: "r_ab",
            value: r_ab.to_string(),
            expected: "predictors that are not perfectly correlated with each other (the test is undefined for identical rankings)",
        });
    }
    let t = (r_a - r_b) * ((nf - 1.0) * (1.0 + r_ab)).sqrt() / variance.sqrt();
    let df = nf - 3.0;
    let p_value = 2.0 * students_t(df)?.sf(t.abs());
    Ok(WilliamsTest {
        r_a,
        r_b,
        r_ab,
        n,
        t,
        df,
        p_value,
    })
}

/// Williams' test of `pred_a` against `pred_b` on the same `mos`, on Pearson's or
/// Spearman's correlation.
pub fn compare_correlations(
    pred_a: &[f64],
    pred_b: &[f64],
    mos: &[f64],
    kind: CorrelationKind,
) -> Result<WilliamsTest> {
    checks::correlation_inputs("Williams' test", 4, pred_a, mos)?;
    checks::same_len(("pred_a", pred_a), ("pred_b", pred_b))?;
    checks::finite("pred_b", pred_b)?;
    checks::not_constant("pred_b", pred_b, "Williams' test")?;
    let (a, b, m) = match kind {
        CorrelationKind::Pearson => (pred_a.to_vec(), pred_b.to_vec(), mos.to_vec()),
        CorrelationKind::Spearman => (
            average_ranks(pred_a),
            average_ranks(pred_b),
            average_ranks(mos),
        ),
    };
    williams_test(pearson(&a, &m), pearson(&b, &m), pearson(&a, &b), mos.len())
}

/// The result of the residual F-test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResidualFTest {
    /// Residual variance of predictor a (sum of squares / (n - parameters)).
    pub variance_a: f64,
    /// Residual variance of predictor b.
    pub variance_b: f64,
    /// Larger variance over smaller.
    pub f: f64,
    /// Degrees of freedom of each variance, n - parameters.
    pub df: f64,
    /// One-sided p-value of F under H0 (equal variances).
    pub p_value: f64,
}

/// F-test on the residuals of two mapped predictors against the same `mos`;
/// `parameters` is the number of mapping parameters fitted (it reduces the degrees of
/// freedom, as in ITU-T P.1401).
pub fn residual_f_test(
    mapped_a: &[f64],
    mapped_b: &[f64],
    mos: &[f64],
    parameters: usize,
) -> Result<ResidualFTest> {
    checks::paired("the residual F-test", parameters + 2, mapped_a, mos)?;
    checks::same_len(("mapped_a", mapped_a), ("mapped_b", mapped_b))?;
    checks::finite("mapped_b", mapped_b)?;
    let df = (mos.len() - parameters) as f64;
    let variance = |mapped: &[f64]| {
        mapped
            .iter()
            .zip(mos)
            .map(|(p, m)| (p - m).powi(2))
            .sum::<f64>()
            / df
    };
    let (variance_a, variance_b) = (variance(mapped_a), variance(mapped_b));
    let (larger, smaller) = if variance_a >= variance_b {
        (variance_a, variance_b)
    } else {
        (variance_b, variance_a)
    };
    if smaller <= 0.0 {
        return Err(MetricsError::InvalidParameter {
            name: "residuals",
            value: "0".into(),
            expected: "non-zero residuals for both predictors (a perfect fit leaves nothing to test)",
        });
    }
    let f = larger / smaller;
    let dist = FisherSnedecor::new(df, df).map_err(|_| MetricsError::TooFewSamples {
        what: "the residual F-test",
        needed: parameters + 2,
        got: mos.len(),
    })?;
    Ok(ResidualFTest {
        variance_a,
        variance_b,
        f,
        df,
        p_value: dist.sf(f),
    })
}

fn students_t(df: f64) -> Result<StudentsT> {
    StudentsT::new(0.0, 1.0, df).map_err(|_| MetricsError::InvalidParameter {
        name: "df",
        value: df.to_string(),
        expected: "positive degrees of freedom",
    })
}
