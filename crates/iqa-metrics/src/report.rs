//! Evaluation reports: every statistic at once, overall and per group.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    FitKind, FitOptions, LogisticFit, MetricsError, OutlierRule, Result, checks, fit_logistic_with,
    krocc, mae, outlier_ratio, plcc, rmse, srocc,
};

/// The statistics of one set of predictions against subjective scores.
///
/// SROCC and KROCC are computed on the raw predictions; PLCC, RMSE, MAE and the outlier
/// ratio on the predictions after the report's mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correlations {
    /// Number of images.
    pub n: usize,
    /// Spearman rank-order correlation.
    pub srocc: f64,
    /// Kendall rank-order correlation (tau-b).
    pub krocc: f64,
    /// Pearson linear correlation after the mapping.
    pub plcc: f64,
    /// Root mean squared error after the mapping, in MOS units.
    pub rmse: f64,
    /// Mean absolute error after the mapping, in MOS units.
    pub mae: f64,
    /// Share of outliers, when per-image score deviations were given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_ratio: Option<f64>,
}

impl Correlations {
    /// Computes every statistic; `mapped` are the predictions after the mapping.
    pub fn compute(
        pred: &[f64],
        mapped: &[f64],
        mos: &[f64],
        mos_std: Option<&[f64]>,
        rule: OutlierRule,
    ) -> Result<Self> {
        Ok(Correlations {
            n: pred.len(),
            srocc: srocc(pred, mos)?,
            krocc: krocc(pred, mos)?,
            plcc: plcc(mapped, mos)?,
            rmse: rmse(mapped, mos)?,
            mae: mae(mapped, mos)?,
            outlier_ratio: mos_std
                .map(|std| outlier_ratio(mapped, mos, std, rule))
                .transpose()?,
        })
    }
}

/// How the mapping is fitted for the per-group rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GroupFit {
    /// The overall mapping is applied within each group (default): stable for small groups,
    /// and the curve the scatter plot shows.
    #[default]
    Overall,
    /// Each group gets its own mapping (as some papers report per-distortion tables).
    PerGroup,
}

/// Options of [`evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct EvalOptions {
    /// The mapping before PLCC, RMSE and MAE (default: 5-parameter logistic).
    pub fit: FitKind,
    /// How the mapping is fitted.
    pub fit_options: FitOptions,
    /// How per-group rows are mapped.
    pub group_fit: GroupFit,
    /// When a point is an outlier (used when score deviations are given).
    pub outliers: OutlierRule,
}

/// What is evaluated: predictions, scores, and optionally per-image score deviations and
/// group labels (distortion type, database, ...).
#[derive(Debug, Clone, Copy)]
pub struct EvalInput<'a> {
    /// The model's predictions, one per image.
    pub pred: &'a [f64],
    /// The subjective scores, one per image.
    pub mos: &'a [f64],
    /// Standard deviation of each image's individual ratings.
    pub mos_std: Option<&'a [f64]>,
    /// A group label per image.
    pub groups: Option<&'a [String]>,
}

impl<'a> EvalInput<'a> {
    /// Predictions and scores, without deviations or groups.
    pub fn new(pred: &'a [f64], mos: &'a [f64]) -> Self {
        EvalInput {
            pred,
            mos,
            mos_std: None,
            groups: None,
        }
    }

    /// Adds per-image standard deviations of the scores (enables the outlier ratio).
    pub fn with_std(self, mos_std: &'a [f64]) -> Self {
        EvalInput {
            mos_std: Some(mos_std),
            ..self
        }
    }

    /// Adds a group label per image (adds per-group rows).
    pub fn with_groups(self, groups: &'a [String]) -> Self {
        EvalInput {
            groups: Some(groups),
            ..self
        }
    }
}

/// The result of [`evaluate`]: overall statistics, the mapping, and per-group rows.
///
/// Serialises to the JSON object of `iqa eval --json`:
/// `{"n":..,"srocc":..,"krocc":..,"plcc":..,"rmse":..,"mae":..,"fit":{..},"groups":{..}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationReport {
    /// Statistics over every image.
    #[serde(flatten)]
    pub overall: Correlations,
    /// The fitted mapping.
    pub fit: LogisticFit,
    /// Statistics per group label, sorted by label.
    pub groups: BTreeMap<String, Correlations>,
    /// Groups whose statistics are undefined (constant scores or predictions, too few
    /// images), each with the reason; absent from the JSON when there are none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub undefined_groups: BTreeMap<String, String>,
}

/// Fits the mapping and computes every statistic, overall and per group.
pub fn evaluate(input: &EvalInput<'_>, options: &EvalOptions) -> Result<EvaluationReport> {
    let EvalInput {
        pred,
        mos,
        mos_std,
        groups,
    } = *input;
    checks::same_len(("pred", pred), ("mos", mos))?;
    if let Some(std) = mos_std {
        checks::same_len(("mos", mos), ("mos_std", std))?;
    }
    if let Some(labels) = groups
        && labels.len() != pred.len()
    {
        return Err(MetricsError::LengthMismatch {
            left: "pred",
            left_len: pred.len(),
            right: "groups",
            right_len: labels.len(),
        });
    }
    let fit = fit_logistic_with(options.fit, pred, mos, &options.fit_options)?;
    let mapped = fit.map_all(pred);
    let overall = Correlations::compute(pred, &mapped, mos, mos_std, options.outliers)?;

    let mut rows = BTreeMap::new();
    let mut undefined = BTreeMap::new();
    for (label, members) in group_members(groups.unwrap_or_default()) {
        let pick = |values: &[f64]| members.iter().map(|&i| values[i]).collect::<Vec<_>>();
        let (group_pred, group_mos) = (pick(pred), pick(mos));
        let group_std = mos_std.map(pick);
        let row = (|| {
            let group_mapped = match options.group_fit {
                GroupFit::Overall => pick(&mapped),
                GroupFit::PerGroup => {
                    fit_logistic_with(options.fit, &group_pred, &group_mos, &options.fit_options)?
                        .map_all(&group_pred)
                }
            };
            Correlations::compute(
                &group_pred,
                &group_mapped,
                &group_mos,
                group_std.as_deref(),
                options.outliers,
            )
        })();
        match row {
            Ok(row) => {
                rows.insert(label.to_string(), row);
            }
            // One group without defined statistics leaves the others and the overall row
            // standing: it is reported, not fatal.
            Err(reason) => {
                tracing::warn!(group = label, %reason, "group statistics undefined");
                undefined.insert(label.to_string(), reason.to_string());
            }
        }
    }
    Ok(EvaluationReport {
        overall,
        fit,
        groups: rows,
        undefined_groups: undefined,
    })
}

/// The indices of each distinct label, by label.
pub(crate) fn group_members(labels: &[String]) -> BTreeMap<&str, Vec<usize>> {
    let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, label) in labels.iter().enumerate() {
        members.entry(label.as_str()).or_default().push(i);
    }
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_overall() {
        let pred: Vec<f64> = (0..40)
            .map(|i| f64::from(i % 20) + 0.1 * f64::from(i))
            .collect();
        let mos: Vec<f64> = pred.iter().map(|p| 3.0 * p + (p * 7.0).sin()).collect();
        let groups: Vec<String> = (0..40)
            .map(|i| if i < 20 { "a" } else { "b" }.into())
            .collect();
        let report = evaluate(
            &EvalInput::new(&pred, &mos).with_groups(&groups),
            &EvalOptions::default(),
        )
        .unwrap();
        assert_eq!(report.overall.n, 40);
        assert_eq!(report.groups.len(), 2);
        assert_eq!(report.groups["a"].n, 20);
        assert!(report.overall.srocc > 0.9);
        let json = serde_json::to_value(&report).unwrap();
        assert!(json["srocc"].is_number() && json["fit"]["kind"] == "logistic5");
        assert!(json["groups"]["b"]["plcc"].is_number());
    }

    #[test]
    fn a_constant_group_is_reported_undefined_and_the_rest_stands() {
        let pred = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let mos = [1.0, 2.0, 2.5, 4.0, 5.0, 5.0, 5.0, 5.0];
        let groups: Vec<String> = ["x", "x", "x", "x", "flat", "flat", "flat", "flat"]
            .map(String::from)
            .to_vec();
        let options = EvalOptions {
            fit: FitKind::None,
            ..EvalOptions::default()
        };
        let report = evaluate(&EvalInput::new(&pred, &mos).with_groups(&groups), &options).unwrap();
        assert_eq!(report.groups.len(), 1);
        assert!(report.groups["x"].srocc > 0.9);
        assert!(report.undefined_groups["flat"].contains("`mos` is constant"));
        let json = serde_json::to_value(&report).unwrap();
        assert!(json["undefined_groups"]["flat"].is_string());
    }
}
