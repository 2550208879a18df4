//! The paper's evaluation protocol: reference-disjoint train/test splits (80/20 of the
//! references, 10 repeats by default), one model trained per split, tested on the held-out
//! references, and the median SROCC and PLCC over the splits reported (with mean and
//! standard deviation); per-distortion-type medians; and the cross-database test (train on
//! one database, test on another or on some of its types, PLCC after a logistic mapping).

use std::collections::BTreeMap;

use candle_core::Device;
use iqa_data::{Manifest, SplitSet};
use iqa_metrics::{FitKind, Summary};
use serde::Serialize;

use crate::config::TrainConfig;
use crate::error::{Result, config_error};
use crate::evaluate::{TestResult, test};
use crate::trainer::{TrainData, TrainOptions, TrainReport, Trainer};

/// One split's run.
#[derive(Debug, Clone, Serialize)]
pub struct SplitRun {
    /// The split's index in the split set.
    pub split: usize,
    /// The training run.
    pub training: TrainReport,
    /// The test on the split's held-out items.
    pub test: TestResult,
}

/// Median, mean and spread over the splits.
#[derive(Debug, Clone, Serialize)]
pub struct ProtocolSummary {
    /// SROCC over the splits.
    pub srocc: Summary,
    /// PLCC over the splits.
    pub plcc: Summary,
    /// Per distortion type: (median SROCC, median PLCC) over the splits that test it.
    pub per_type: BTreeMap<String, (f64, f64)>,
}

/// Every split's run and the summary.
#[derive(Debug, Clone, Serialize)]
pub struct ProtocolReport {
    /// The variant.
    pub variant: crate::Variant,
    /// The runs.
    pub runs: Vec<SplitRun>,
    /// The summary.
    pub summary: ProtocolSummary,
}

/// The median of `values` (which must not be empty).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

/// Summarises test results of several splits.
pub fn summarise(tests: &[&TestResult]) -> Result<ProtocolSummary> {
    let srocc: Vec<f64> = tests.iter().map(|t| t.srocc).collect();
    let plcc: Vec<f64> = tests.iter().map(|t| t.plcc).collect();
    let mut by_type: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for t in tests {
        for (name, r) in &t.per_type {
            let e = by_type.entry(name.clone()).or_default();
            e.0.push(r.srocc);
            e.1.push(r.plcc);
        }
    }
    Ok(ProtocolSummary {
        srocc: Summary::of(&srocc)?,
        plcc: Summary::of(&plcc)?,
        per_type: by_type
            .into_iter()
            .map(|(k, (mut s, mut p))| (k, (median(&mut s), median(&mut p))))
            .collect(),
    })
}

/// Trains a model per split of `splits` listed in `which` (output under
/// `options.out/split-K`, each begun as `options.start` says), tests each on its split's
/// test items, and summarises. Training uses the split's validation items, when it has
/// any, to keep the best model.
pub fn run_splits(
    config: &TrainConfig,
    manifest: &Manifest,
    splits: &SplitSet,
    which: &[usize],
    device: &Device,
    options: &TrainOptions,
) -> Result<ProtocolReport> {
    if which.is_empty() {
        return Err(config_error("splits", "no split to run"));
    }
    let mut runs = Vec::new();
    for &k in which {
        let split = splits.splits.get(k).ok_or_else(|| {
            config_error(
                "splits",
                format!(
                    "split {k} does not exist (the set has {})",
                    splits.splits.len()
                ),
            )
        })?;
        let split_options = TrainOptions {
            out: options.out.join(format!("split-{k}")),
            ..options.clone()
        };
        let (run, test) = train_and_test(config, manifest, split, device, &split_options)?;
        tracing::info!(
            split = k,
            srocc = test.srocc,
            plcc = test.plcc,
            "split tested"
        );
        runs.push(SplitRun {
            split: k,
            training: run,
            test,
        });
    }
    let summary = summarise(&runs.iter().map(|r| &r.test).collect::<Vec<_>>())?;
    Ok(ProtocolReport {
        variant: config.variant,
        runs,
        summary,
    })
}

/// Trains on a split's training items (keeping the best model on its validation items)
/// into `options.out` and tests on its test items, within the database (no mapping
/// before PLCC).
pub fn train_and_test(
    config: &TrainConfig,
    manifest: &Manifest,
    split: &iqa_data::Split,
    device: &Device,
    options: &TrainOptions,
) -> Result<(TrainReport, TestResult)> {
    let mut trainer = Trainer::new(config, device)?;
    let data = TrainData {
        manifest,
        train: &split.train,
        val: &split.val,
    };
    let report = trainer.train(&data, options)?;
    let nets = trainer.best_networks(&options.out)?;
    let result = test(
        &nets,
        config.variant,
        manifest,
        &split.test,
        config.test_grid(),
        FitKind::None,
        device,
    )?;
    Ok((report, result))
}

/// The cross-database test: the networks trained elsewhere score the items `indices` of
/// `manifest`; PLCC after the 5-parameter logistic mapping (the databases' score scales
/// differ), SROCC on the raw predictions.
pub fn cross_database(
    nets: &iqa_models::hiqa::HiqaNetworks,
    config: &TrainConfig,
    manifest: &Manifest,
    indices: &[usize],
    device: &Device,
) -> Result<TestResult> {
    test(
        nets,
        config.variant,
        manifest,
        indices,
        config.test_grid(),
        FitKind::Logistic5,
        device,
    )
}

/// The items of `manifest` whose distortion type is one of `types` (all when empty).
pub fn items_of_types(manifest: &Manifest, types: &[&str]) -> Vec<usize> {
    (0..manifest.items.len())
        .filter(|&i| {
            types.is_empty()
                || manifest.items[i]
                    .dist_type
                    .as_deref()
                    .is_some_and(|t| types.contains(&t))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
