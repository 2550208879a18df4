//! The paper's test protocol: each test image is scored as the mean over its grid of
//! overlapping patches (through the one whole-image path of `iqa_models::nr`, which the
//! `iqa score` command uses too), then SROCC and PLCC against the subjective scores,
//! overall and per distortion type.

use std::collections::BTreeMap;

use candle_core::Device;
use iqa_data::Manifest;
use iqa_metrics::{EvalInput, EvalOptions, EvaluationReport, FitKind, GroupFit};
use iqa_models::hiqa::{HiqaNetworks, Variant};
use iqa_models::load_image_tensor;
use iqa_models::nr::{DEFAULT_BATCH, PatchGrid, grid_mean};
use serde::Serialize;

use crate::error::{Result, config_error};

/// Whole-image scores of the manifest's items `indices` on `grid`, with the networks as
/// `variant` uses them (the oracle reads each item's true reference too). Images are
/// decoded one at a time and their patches scored [`DEFAULT_BATCH`] at a time.
pub fn score_items(
    nets: &HiqaNetworks,
    variant: Variant,
    manifest: &Manifest,
    indices: &[usize],
    grid: PatchGrid,
    device: &Device,
) -> Result<Vec<f64>> {
    let mut scores = Vec::with_capacity(indices.len());
    for &index in indices {
        let item = manifest.items.get(index).ok_or_else(|| {
            config_error(
                "items",
                format!("item {index} of a database of {}", manifest.items.len()),
            )
        })?;
        let distorted = load_image_tensor(&item.dist, device)?;
        let score = if variant == Variant::Oracle {
            let path = item.reference.as_ref().ok_or_else(|| {
                config_error(
                    "variant",
                    format!(
                        "the oracle needs the true reference of `{}`, which the database does not name",
                        item.dist.display()
                    ),
                )
            })?;
            let reference = load_image_tensor(path, device)?;
            grid_mean(&[&distorted, &reference], grid, DEFAULT_BATCH, |p| {
                nets.predict(variant, &p[0], Some(&p[1]))
            })?
        } else {
            grid_mean(&[&distorted], grid, DEFAULT_BATCH, |p| {
                nets.predict(variant, &p[0], None)
            })?
        };
        scores.push(score);
    }
    Ok(scores)
}

/// The statistics of one test: SROCC and PLCC overall and per distortion type.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    /// Images tested.
    pub n: usize,
    /// SROCC over every image.
    pub srocc: f64,
    /// PLCC over every image (after the mapping, if one was fitted).
    pub plcc: f64,
    /// The mapping before PLCC (`none` within a database; a logistic across databases).
    pub fit: String,
    /// Per distortion type (`SROCC`, `PLCC`, images), where the database labels types.
    pub per_type: BTreeMap<String, TypeResult>,
    /// The whole-image predictions, in the order of the tested items.
    #[serde(skip)]
    pub predictions: Vec<f64>,
}

/// The statistics of one distortion type.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TypeResult {
    /// Images of this type.
    pub n: usize,
    /// SROCC within the type.
    pub srocc: f64,
    /// PLCC within the type (its own mapping when one is fitted).
    pub plcc: f64,
}

/// Compares `predictions` of the items `indices` with their scores. `fit` maps the
/// predictions before PLCC (`FitKind::None` within a database, the logistic across).
/// Types with fewer than three images get no row (no correlation is defined).
pub fn statistics(
    manifest: &Manifest,
    indices: &[usize],
    predictions: &[f64],
    fit: FitKind,
) -> Result<TestResult> {
    let mos: Vec<f64> = indices.iter().map(|&i| manifest.items[i].score).collect();
    let types: Vec<String> = indices
        .iter()
        .map(|&i| {
            manifest.items[i]
                .dist_type
                .clone()
                .unwrap_or_else(|| "all".to_string())
        })
        .collect();
    let options = EvalOptions {
        fit,
        group_fit: GroupFit::PerGroup,
        ..EvalOptions::default()
    };
    let report: EvaluationReport =
        iqa_metrics::evaluate(&EvalInput::new(predictions, &mos), &options)?;
    let mut per_type = BTreeMap::new();
    let mut names: Vec<&String> = types.iter().collect();
    names.sort();
    names.dedup();
    if names.len() > 1 {
        for name in names {
            let picked: Vec<usize> = (0..types.len()).filter(|&k| &types[k] == name).collect();
            if picked.len() < 3 {
                continue;
            }
            let p: Vec<f64> = picked.iter().map(|&k| predictions[k]).collect();
            let m: Vec<f64> = picked.iter().map(|&k| mos[k]).collect();
            // A type whose predictions are all equal has no correlation; leave it out.
            if let Ok(r) = iqa_metrics::evaluate(&EvalInput::new(&p, &m), &options) {
                per_type.insert(
                    name.clone(),
                    TypeResult {
                        n: picked.len(),
                        srocc: r.overall.srocc,
                        plcc: r.overall.plcc,
                    },
                );
            }
        }
    }
    Ok(TestResult {
        n: indices.len(),
        srocc: report.overall.srocc,
        plcc: report.overall.plcc,
        fit: fit.name().to_string(),
        per_type,
        predictions: predictions.to_vec(),
    })
}

/// Scores the items `indices` and computes their statistics.
pub fn test(
    nets: &HiqaNetworks,
    variant: Variant,
    manifest: &Manifest,
    indices: &[usize],
    grid: PatchGrid,
    fit: FitKind,
    device: &Device,
) -> Result<TestResult> {
    let predictions = score_items(nets, variant, manifest, indices, grid, device)?;
    statistics(manifest, indices, &predictions, fit)
}
