//! Seconds per image (no-reference) or per pair (full-reference) of each classic metric,
//! single image on CPU, at 512x384 (TID2013's size) and 1920x1080.
//!
//! `cargo bench --bench classic`; `benches/classic_python.py` times the Python peers on the
//! same images for the README's ratios. The images are a calibration pair (a TID2013
//! reference and its distorted version), resized for the larger size.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use image::imageops::FilterType;
use iqa::models::classic::{self, ClassicError, Plane, RgbPlanes};

/// The calibration pair `I08` at `w x h` (resized with Catmull-Rom when the size differs).
fn pair(w: u32, h: u32) -> (RgbPlanes, RgbPlanes) {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/iqa-models/tests/fixtures/calibration");
    let load = |sub: &str| {
        let img = image::open(dir.join(sub).join("I08.png"))
            .unwrap()
            .to_rgb8();
        let img = if img.dimensions() == (w, h) {
            img
        } else {
            image::imageops::resize(&img, w, h, FilterType::CatmullRom)
        };
        RgbPlanes::from_rgb8(w as usize, h as usize, img.as_raw()).unwrap()
    };
    (load("ref"), load("dist"))
}

type Nr = fn(&Plane) -> Result<f64, ClassicError>;
type FrLuma = fn(&Plane, &Plane) -> Result<f64, ClassicError>;
type FrColour = fn(&RgbPlanes, &RgbPlanes) -> Result<f64, ClassicError>;

fn fsimc(r: &RgbPlanes, d: &RgbPlanes) -> Result<f64, ClassicError> {
    Ok(classic::fsim(r, d)?.fsimc)
}

fn metrics(c: &mut Criterion) {
    let nr: [(&str, Nr); 3] = [
        ("niqe", classic::niqe),
        ("brisque", classic::brisque),
        ("piqe", classic::piqe),
    ];
    let fr_luma: [(&str, FrLuma); 3] = [
        ("vif", classic::vif),
        ("nlpd", classic::nlpd),
        ("cw-ssim", classic::cw_ssim),
    ];
    let fr_colour: [(&str, FrColour); 3] = [
        ("fsim+fsimc", fsimc),
        ("vsi", classic::vsi),
        ("mad", classic::mad),
    ];
    for (w, h) in [(512, 384), (1920, 1080)] {
        let (r, d) = pair(w, h);
        let (ry, dy) = (r.rgb2gray_u8(), d.rgb2gray_u8());
        let size = format!("{w}x{h}");
        let mut group = c.benchmark_group(format!("classic {size}"));
        group.sample_size(10);
        for (name, f) in nr {
            group.bench_function(BenchmarkId::new(name, &size), |b| {
                b.iter(|| f(black_box(&dy)).unwrap())
            });
        }
        for (name, f) in fr_luma {
            group.bench_function(BenchmarkId::new(name, &size), |b| {
                b.iter(|| f(black_box(&ry), black_box(&dy)).unwrap())
            });
        }
        for (name, f) in fr_colour {
            group.bench_function(BenchmarkId::new(name, &size), |b| {
                b.iter(|| f(black_box(&r), black_box(&d)).unwrap())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, metrics);
criterion_main!(benches);
