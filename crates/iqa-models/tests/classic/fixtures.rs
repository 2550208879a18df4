//! The fixtures every classic-metric test reads: the pairs (the calibration set or
//! `fixtures/classic/pairs`), the NumPy transcriptions' CSVs and the official values.

use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use iqa_models::classic::{Plane, RgbPlanes};
use iqa_models::{image_to_tensor, load_image};

use crate::calibration;

/// `tests/fixtures/classic`.
pub fn classic_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/classic")
}

/// The image `sub/name.png` (`sub`: `ref` or `dist`) of the pair called `name`: a
/// calibration pair (`I03`) or one of `classic/pairs`.
pub fn pair_path(name: &str, sub: &str) -> PathBuf {
    let file = format!("{name}.png");
    let calibration_dir = calibration::calibration();
    let dir = if calibration_dir.join("ref").join(&file).is_file() {
        calibration_dir
    } else {
        classic_dir().join("pairs")
    };
    dir.join(sub).join(file)
}

/// An image file as 8-bit colour planes.
pub fn planes(path: &Path) -> RgbPlanes {
    let img = image::open(path).unwrap().to_rgb8();
    RgbPlanes::from_rgb8(img.width() as usize, img.height() as usize, img.as_raw()).unwrap()
}

/// The pair called `name` as colour planes.
pub fn pair_planes(name: &str) -> (RgbPlanes, RgbPlanes) {
    (
        planes(&pair_path(name, "ref")),
        planes(&pair_path(name, "dist")),
    )
}

/// The pair called `name` as MATLAB `rgb2gray` luma.
pub fn pair_luma(name: &str) -> (Plane, Plane) {
    let (r, d) = pair_planes(name);
    (r.rgb2gray_u8(), d.rgb2gray_u8())
}

/// An image file as a `1 x 3 x H x W` tensor in [0, 1] on the CPU.
pub fn tensor(path: &Path) -> Tensor {
    image_to_tensor(&load_image(path).unwrap(), "test image", &Device::Cpu).unwrap()
}

/// The pair called `name` as tensors.
pub fn pair_tensors(name: &str) -> (Tensor, Tensor) {
    (
        tensor(&pair_path(name, "ref")),
        tensor(&pair_path(name, "dist")),
    )
}

/// The rows of a CSV of `classic/` (`fr_reference_a.csv`, ...): (first cell, value of
/// `column`).
pub fn reference(file: &str, column: &str) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(classic_dir().join(file)).unwrap();
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

/// The official values of one metric (a row of `official.csv`), by pair name without
/// extension (`I03`).
pub fn official(metric: &str) -> Vec<(String, f64)> {
    calibration::official(metric)
        .into_iter()
        .map(|(name, v)| (name.trim_end_matches(".bmp").to_string(), v))
        .collect()
}

/// `|got - want| / |want|` (the denominator at least 1e-12).
pub fn relative(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs().max(1e-12)
}
