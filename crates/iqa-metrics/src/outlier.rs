//! Outlier ratio: the share of images whose mapped prediction falls outside the
//! uncertainty of their subjective score (VQEG FR-TV, ITU-T P.1401).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::{MetricsError, Result, checks};

/// When a prediction counts as an outlier, given the per-image standard deviation of the
/// individual ratings.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
#[non_exhaustive]
pub enum OutlierRule {
    /// |error| > 2 * std (VQEG FR-TV Phase I and II; the rule IQA papers use).
    #[default]
    TwoSigma,
    /// |error| > t(0.975, N - 1) * std / sqrt(N): outside the 95% confidence interval of
    /// the MOS of N subjects (ITU-T P.1401).
    Ci95 {
        /// Number of subjects who rated each image.
        subjects: usize,
    },
}

impl OutlierRule {
    /// The factor the per-image standard deviation is multiplied by.
    pub fn factor(self) -> Result<f64> {
        match self {
            OutlierRule::TwoSigma => Ok(2.0),
            OutlierRule::Ci95 { subjects } => {
                let t = StudentsT::new(0.0, 1.0, (subjects as f64) - 1.0).map_err(|_| {
                    MetricsError::InvalidParameter {
                        name: "subjects",
                        value: subjects.to_string(),
                        expected: "at least 2 subjects per image",
                    }
                })?;
                Ok(t.inverse_cdf(0.975) / (subjects as f64).sqrt())
            }
        }
    }
}

/// Share of images with |mapped - mos| above the rule's threshold; `mapped` are
/// predictions already mapped to the MOS scale.
pub fn outlier_ratio(
    mapped: &[f64],
    mos: &[f64],
    mos_std: &[f64],
    rule: OutlierRule,
) -> Result<f64> {
    checks::paired("the outlier ratio", 1, mapped, mos)?;
    checks::same_len(("mos", mos), ("mos_std", mos_std))?;
    checks::finite("mos_std", mos_std)?;
    if let Some(index) = mos_std.iter().position(|&s| s < 0.0) {
        return Err(MetricsError::InvalidParameter {
            name: "mos_std",
            value: format!("{} at index {index}", mos_std[index]),
            expected: "non-negative standard deviations",
        });
    }
    let factor = rule.factor()?;
    let outliers = mapped
        .iter()
        .zip(mos)
        .zip(mos_std)
        .filter(|((p, m), s)| (*p - *m).abs() > factor * **s)
        .count();
    Ok(outliers as f64 / mapped.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_points_beyond_two_sigma() {
        let mos = [50.0, 50.0, 50.0, 50.0];
        let std = [5.0, 5.0, 5.0, 5.0];
        let mapped = [50.0, 59.0, 61.0, 35.0];
        assert_eq!(
            outlier_ratio(&mapped, &mos, &std, OutlierRule::TwoSigma).unwrap(),
            0.5
        );
    }

    #[test]
    fn ci95_factor_for_24_subjects() {
        // scipy.stats.t.ppf(0.975, 23) / sqrt(24) = 0.42226...
        let f = OutlierRule::Ci95 { subjects: 24 }.factor().unwrap();
        assert!(
            (f - 2.068_657_610_419_041 / 24f64.sqrt()).abs() < 1e-9,
            "{f}"
        );
        assert!(OutlierRule::Ci95 { subjects: 1 }.factor().is_err());
    }

    #[test]
    fn rejects_negative_std() {
        let err = outlier_ratio(&[1.0], &[1.0], &[-1.0], OutlierRule::TwoSigma).unwrap_err();
        assert!(err.to_string().contains("mos_std"));
    }
}
