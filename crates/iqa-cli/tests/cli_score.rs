//! `iqa score` with a randomly initialised tiny model saved by the library.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::process::Command;

use candle_core::Device;
use iqa_models::hiqa::{HiqaConfig, HiqaNetworks, RegressorMode, model_file};
use iqa_models::{image_to_tensor, load_image, score_whole_image};
use serde_json::Value;

#[test]
fn score_images_with_a_saved_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tiny.safetensors");
    let nets =
        HiqaNetworks::new(&HiqaConfig::tiny(), RegressorMode::FULL, &Device::Cpu, 2).unwrap();
    model_file::save(&nets, &model, false).unwrap();
    let img = dir.path().join("a.png");
    image::RgbImage::from_fn(100, 70, |x, y| {
        image::Rgb([(x * 2) as u8, (y * 3) as u8, 40])
    })
    .save(&img)
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_iqa"))
        .args([
            "score",
            "--model",
            model.to_str().unwrap(),
            img.to_str().unwrap(),
            "--stride",
            "16",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = score_whole_image(
        &nets,
        &image_to_tensor(&load_image(&img).unwrap(), "image", &Device::Cpu).unwrap(),
        64,
        16,
        16,
    )
    .unwrap();
    assert!(
        (v["score"].as_f64().unwrap() - f64::from(expected)).abs() < 1e-5,
        "{v} vs {expected}"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_iqa"))
        .args([
            "score",
            "--model",
            img.to_str().unwrap(),
            img.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("a.png"));
}
