//! The classic full-reference metrics (GMSD, ...) against the official values of
//! `fixtures/calibration/official.csv` and against the NumPy transcriptions of the
//! authors' MATLAB code in `fixtures/classic/` (`fr_reference_a.py` wrote
//! `fr_reference_a.csv`, on the calibration pairs and on four more pairs of odd sizes).
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor, Var};
use iqa_models::fr::Gmsd;
use iqa_models::{FullReferenceModel, image_to_tensor, load_image};

use crate::calibration;
use calibration::calibration;

fn classic() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/classic")
}

/// The pair called `name` in the reference CSV: a calibration pair (`I03`) or one of
/// `classic/pairs`.
fn pair(name: &str) -> (Tensor, Tensor) {
    let calibration_dir = calibration();
    let dir = if calibration_dir
        .join("ref")
        .join(format!("{name}.png"))
        .is_file()
    {
        calibration_dir
    } else {
        classic().join("pairs")
    };
    let load = |sub: &str| {
        let path = dir.join(sub).join(format!("{name}.png"));
        image_to_tensor(&load_image(&path).unwrap(), name, &Device::Cpu).unwrap()
    };
    (load("ref"), load("dist"))
}

/// The rows of a reference CSV: (pair, value of `column`).
fn reference(file: &str, column: &str) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(classic().join(file)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == column).unwrap();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_string(), cells[col].parse().unwrap())
        })
        .collect()
}

/// The official values of one metric, by pair name without extension.
fn official(metric: &str) -> Vec<(String, f64)> {
    calibration::official(metric)
        .into_iter()
        .map(|(name, v)| (name.trim_end_matches(".bmp").to_string(), v))
        .collect()
}

fn score(metric: &dyn FullReferenceModel, r: &Tensor, d: &Tensor) -> f64 {
    f64::from(metric.predict(r, d).unwrap().to_vec1::<f32>().unwrap()[0])
}

fn relative(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs().max(1e-12)
}

#[test]
fn gmsd_reproduces_the_official_values_and_the_transcription() {
    // The result is returned in f32: agreement is limited to its 6e-8 relative precision.
    for (name, want) in official("gmsd") {
        let (r, d) = pair(&name);
        let got = score(&Gmsd::new(), &r, &d);
        assert!(
            relative(got, want) < 1e-6,
            "gmsd {name}: ours {got}, official {want}"
        );
    }
    for (name, want) in reference("fr_reference_a.csv", "gmsd") {
        let (r, d) = pair(&name);
        let got = score(&Gmsd::new(), &r, &d);
        assert!(
            relative(got, want) < 1e-6,
            "gmsd {name}: ours {got}, NumPy {want}"
        );
    }
}

#[test]
fn gmsd_is_a_differentiable_loss() {
    let (r, d) = pair("I19");
    let same = score(&Gmsd::loss(), &r, &r);
    assert!(same.abs() < 1e-6, "GMSD of an image with itself: {same}");
    let var = Var::from_tensor(&d).unwrap();
    let loss = Gmsd::loss()
        .predict(&r, var.as_tensor())
        .unwrap()
        .sum_all()
        .unwrap();
    let grads = loss.backward().unwrap();
    let g: Vec<f32> = grads
        .get(&var)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    assert!(g.iter().all(|v| v.is_finite()));
    assert!(g.iter().any(|v| *v != 0.0));
    // The unrounded loss stays within rounding distance of the metric.
    let metric = score(&Gmsd::new(), &r, &d);
    let as_loss = f64::from(loss.to_vec0::<f32>().unwrap());
    assert!(relative(as_loss, metric) < 1e-2, "{as_loss} vs {metric}");
}
