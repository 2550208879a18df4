//! FPR and DFSS-IQA model files: this project's format round-trips and scores as the
//! networks do; a converted checkpoint of the authors' code (their tensor names, the
//! `module.` prefix of `nn.DataParallel`, their unused tensors) loads with its sizes read
//! from its shapes; wrong files are refused with the reason.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use candle_nn::VarMap;
use iqa_models::dfss::{Dfss, DfssConfig, DfssScorer};
use iqa_models::fpr::{Fpr, FprConfig, FprScorer};
use iqa_models::nr::raster_tiles;
use iqa_models::registry::{Direction, ModelOptions, no_reference};
use iqa_models::{NoReferenceModel, score_image};

fn image(h: usize, w: usize) -> Tensor {
    let v: Vec<f32> = (0..3 * h * w)
        .map(|i| (0.5 + 0.45 * (i as f64 * 0.37).sin() * (i as f64 * 0.011).cos()) as f32)
        .collect();
    Tensor::from_vec(v, (1, 3, h, w), &Device::Cpu).unwrap()
}

/// `vars` written as the authors' checkpoint converted to safetensors would be: no
/// metadata, every name behind `module.`, plus `extra` tensors their model also has.
fn authors_checkpoint(vars: &VarMap, path: &Path, extra: &[&str]) {
    let data = vars.data().lock().unwrap();
    let mut tensors: HashMap<String, Tensor> = data
        .iter()
        .map(|(k, v)| (format!("module.{k}"), v.as_tensor().clone()))
        .collect();
    for name in extra {
        tensors.insert(
            format!("module.{name}"),
            Tensor::ones(4, candle_core::DType::F32, &Device::Cpu).unwrap(),
        );
    }
    candle_core::safetensors::save(&tensors, path).unwrap();
}

fn score(model: &dyn NoReferenceModel, img: &Tensor) -> f64 {
    score_image(model, img, 64).unwrap()
}

#[test]
fn fpr_files_round_trip_and_authors_checkpoints_load() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Device::Cpu;
    let config = FprConfig {
        fr_widths: [4, 8, 8],
        nr_widths: [4, 8],
        coupling_blocks: 2,
    };
    let (model, vars) = Fpr::seeded(&config, &dev, 3).unwrap();
    // 150 x 200: 2 x 3 whole tiles of 64, in raster order.
    let img = image(150, 200);
    let tiles = raster_tiles(&img, 64, 1024).unwrap();
    assert_eq!(tiles.dim(0).unwrap(), 6);
    let direct = model
        .predict(&tiles, 1, 6)
        .unwrap()
        .to_vec1::<f32>()
        .unwrap()[0];

    let ours = dir.path().join("fpr.safetensors");
    FprScorer::new(model, vars.clone(), Direction::HigherIsBetter)
        .save(&ours)
        .unwrap();
    let loaded = FprScorer::from_file(&ours, &dev).unwrap();
    assert_eq!(loaded.model().config(), &config);
    assert_eq!(loaded.describe().direction, Direction::HigherIsBetter);
    assert_eq!(score(&loaded, &img), f64::from(direct));

    let theirs = dir.path().join("authors.safetensors");
    authors_checkpoint(&vars, &theirs, &["gn.weight", "gn.bias"]);
    let options = ModelOptions {
        weights: Some(&theirs),
        ..ModelOptions::default()
    };
    let converted = no_reference("fpr", &options, &dev).unwrap();
    assert_eq!(converted.describe().direction, Direction::LowerIsBetter);
    assert_eq!(score(converted.as_ref(), &img), f64::from(direct));

    // A tensor that FPR of these sizes lacks, a missing one, another model's file.
    authors_checkpoint(&vars, &theirs, &["sfl4.conv1.conv.0.weight"]);
    let err = FprScorer::from_file(&theirs, &dev).unwrap_err().to_string();
    assert!(err.contains("sfl4.conv1.conv.0.weight"), "{err}");
    let (dmodel, dvars) = Dfss::seeded(&DfssConfig::tiny(46), &dev, 0).unwrap();
    let dfss_file = dir.path().join("dfss.safetensors");
    DfssScorer::new(dmodel, dvars, Direction::HigherIsBetter)
        .save(&dfss_file)
        .unwrap();
    let err = FprScorer::from_file(&dfss_file, &dev)
        .unwrap_err()
        .to_string();
    assert!(err.contains("iqa-dfss") && err.contains("not FPR"), "{err}");
}

#[test]
fn dfss_files_round_trip_and_authors_checkpoints_load() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Device::Cpu;
    let mut config = DfssConfig::tiny(50);
    config.embed_width = 32;
    let (model, vars) = Dfss::seeded(&config, &dev, 5).unwrap();
    let img = image(100, 70);
    let tiles = raster_tiles(&img, 32, 1024).unwrap();
    assert_eq!(tiles.dim(0).unwrap(), 6);
    let direct = model
        .predict(&tiles, 1, 6)
        .unwrap()
        .to_vec1::<f32>()
        .unwrap()[0];
    let ours = dir.path().join("dfss.safetensors");
    DfssScorer::new(model, vars.clone(), Direction::HigherIsBetter)
        .save(&ours)
        .unwrap();
    let loaded = DfssScorer::from_file(&ours, &dev).unwrap();
    assert_eq!(loaded.model().config(), &config);
    assert_eq!(score(&loaded, &img), f64::from(direct));

    // The authors' SIQAD model (50 classes) predicts DMOS: lower is better.
    let theirs = dir.path().join("authors.safetensors");
    authors_checkpoint(
        &vars,
        &theirs,
        &[
            "sf0.conv1.conv.0.weight",
            "sfl21.conv1.conv.1.num_batches_tracked",
        ],
    );
    let converted = DfssScorer::from_file(&theirs, &dev).unwrap();
    assert_eq!(converted.model().config(), &config);
    assert_eq!(converted.describe().direction, Direction::LowerIsBetter);
    assert_eq!(score(&converted, &img), f64::from(direct));
}
