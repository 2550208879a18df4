//! The paper's test protocol: each test image is cut into overlapping patches at a fixed
//! stride, every patch is scored, and the image's score is their mean; then SROCC and
//! PLCC against the subjective scores, overall and per distortion type.

use std::collections::BTreeMap;

use candle_core::{Device, Tensor};
use iqa_data::patch::PatchOptions;
use iqa_data::{Manifest, PatchBatcher};
use iqa_metrics::{EvalInput, EvalOptions, EvaluationReport, FitKind, GroupFit};
use iqa_models::hiqa::HiqaNetworks;
use serde::Serialize;

use crate::error::Result;
use crate::variant::Variant;

/// Patches scored per forward pass at test time.
pub const TEST_CHUNK: usize = 64;

/// Scores `distorted` patches (`N x 3 x S x S`) with the networks as `variant` uses them
/// (the oracle needs the true `reference` patches).
pub fn predict_patches(
    nets: &HiqaNetworks,
    variant: Variant,
    distorted: &Tensor,
    reference: Option<&Tensor>,
) -> Result<Tensor> {
    let r = &nets.regressor;
    Ok(match variant {
        Variant::Baseline => r.forward(distorted, None, None, false)?,
        Variant::Oracle => {
            let reference = reference.ok_or_else(|| {
                crate::error::config_error("variant", "the oracle needs the true references")
            })?;
            r.forward(distorted, Some(reference), None, false)?
        }
        _ => {
            let g = nets.generator.forward(distorted, false)?;
            r.forward(distorted, Some(&g.image), Some(&g.features), false)?
        }
    })
}

/// Whole-image scores of the manifest's items `indices`: the mean patch score over the
/// test grid of `options` (patch side and stride).
pub fn score_items(
    nets: &HiqaNetworks,
    variant: Variant,
    manifest: &Manifest,
    indices: &[usize],
    options: &PatchOptions,
    device: &Device,
) -> Result<Vec<f64>> {
    let mut batcher = PatchBatcher::new(manifest, indices, options.clone(), 0, device.clone(), 0)?;
    if variant == Variant::Oracle {
        batcher = batcher.with_references()?;
    }
    let mut scores = Vec::with_capacity(indices.len());
    for position in 0..indices.len() {
        let patches = batcher.test_patches(position)?;
        let n = patches.distorted.dim(0)?;
        let mut total = 0.0f64;
        let mut start = 0;
        while start < n {
            let len = TEST_CHUNK.min(n - start);
            let d = patches.distorted.narrow(0, start, len)?;
            let r = patches
                .reference
                .as_ref()
                .map(|r| r.narrow(0, start, len))
                .transpose()?;
            let s: Vec<f32> = predict_patches(nets, variant, &d, r.as_ref())?
                .to_dtype(candle_core::DType::F32)?
                .to_vec1()?;
            total += s.iter().map(|&v| f64::from(v)).sum::<f64>();
            start += len;
        }
        scores.push(total / n as f64);
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
    options: &PatchOptions,
    fit: FitKind,
    device: &Device,
) -> Result<TestResult> {
    let predictions = score_items(nets, variant, manifest, indices, options, device)?;
    statistics(manifest, indices, &predictions, fit)
}
