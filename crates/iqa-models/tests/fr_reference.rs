//! The full-reference metrics on the calibration pairs (TID2013 images in
//! `fixtures/calibration`), against scikit-image / NumPy values from
//! `fixtures/gen_fr_reference.py` and against the official values in `official.csv`.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use iqa_models::fr::{Downsample, MsSsim, Psnr, PsnrChannels, Ssim, SsimChannels};
use iqa_models::{FullReferenceModel, image_to_tensor, load_image};
use serde_json::Value;

mod calibration;
use calibration::{calibration, official};

/// The image of a pair: the names (`I03.bmp`, as in `official.csv` and the fixture) are
/// those of the TID2013 originals; the repository holds them as PNG with the same stem.
fn image_path(dir: &Path, sub: &str, name: &str) -> PathBuf {
    let path = dir.join(sub).join(Path::new(name).with_extension("png"));
    assert!(
        path.is_file(),
        "calibration image {} not found",
        path.display()
    );
    path
}

fn pair(name: &str) -> (Tensor, Tensor) {
    let dir = calibration();
    let load = |sub: &str| {
        let path = image_path(&dir, sub, name);
        image_to_tensor(&load_image(&path).unwrap(), name, &Device::Cpu).unwrap()
    };
    (load("ref"), load("dist"))
}

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fr_reference.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn score(metric: &dyn FullReferenceModel, r: &Tensor, d: &Tensor) -> f64 {
    f64::from(metric.predict(r, d).unwrap().to_vec1::<f32>().unwrap()[0])
}

#[test]
fn agree_with_scikit_image_and_numpy() {
    let doc = fixture();
    let pairs = doc["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 5, "fixture lost its pairs");
    let metrics: Vec<(&str, Box<dyn FullReferenceModel>, f64)> = vec![
        ("psnr_rgb", Box::new(Psnr::new(PsnrChannels::Rgb)), 1e-4),
        ("psnr_luma", Box::new(Psnr::new(PsnrChannels::Luma)), 1e-4),
        (
            "ssim_off",
            Box::new(Ssim::new(SsimChannels::Luma, Downsample::Off)),
            1e-6,
        ),
        (
            "ssim_auto",
            Box::new(Ssim::new(SsimChannels::Luma, Downsample::Auto)),
            1e-6,
        ),
        (
            "ssim_rgb_off",
            Box::new(Ssim::new(SsimChannels::Rgb, Downsample::Off)),
            1e-6,
        ),
        ("ms_ssim", Box::new(MsSsim::default()), 1e-6),
    ];
    let mut failures = Vec::new();
    for p in pairs {
        let name = p["name"].as_str().unwrap();
        let (r, d) = pair(name);
        for (key, metric, tol) in &metrics {
            let (got, want) = (score(metric.as_ref(), &r, &d), p[*key].as_f64().unwrap());
            if (got - want).abs() > *tol {
                failures.push(format!("{name} {key}: ours {got:.8}, reference {want:.8}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn agree_with_the_official_values() {
    // SSIM without downsampling: four decimals; PSNR: two; MS-SSIM: the published
    // algorithm differs from the official MATLAB output by up to 0.0044 (see README).
    for (metric, model, tol) in [
        (
            "ssim",
            Box::new(Ssim::new(SsimChannels::Luma, Downsample::Off)) as Box<dyn FullReferenceModel>,
            5.1e-5,
        ),
        ("psnr", Box::new(Psnr::new(PsnrChannels::Rgb)), 5.1e-3),
        ("ms_ssim", Box::new(MsSsim::default()), 4.5e-3),
    ] {
        for (name, want) in official(metric) {
            let (r, d) = pair(&name);
            let got = score(model.as_ref(), &r, &d);
            assert!(
                (got - want).abs() <= tol,
                "{metric} {name}: ours {got:.5}, official {want}"
            );
        }
    }
}
