//! The synthetic database generator: determinism, resuming, the manifest round trip and
//! bad input. The labeller here is a plain PSNR, so these tests need no models.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::path::Path;

use image::RgbImage;
use iqa_data::Labeller;
use iqa_data::synth::{SceneSource, SynthOptions, generate};
use iqa_data::{DataError, DatabaseKind, LoadOptions, load};

struct Psnr;

impl Labeller for Psnr {
    fn name(&self) -> String {
        "psnr".to_string()
    }
    fn lower_is_better(&self) -> bool {
        false
    }
    fn score(&self, r: &RgbImage, d: &RgbImage) -> iqa_data::Result<f64> {
        let mse = r
            .as_raw()
            .iter()
            .zip(d.as_raw())
            .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
            .sum::<f64>()
            / r.as_raw().len() as f64;
        Ok(10.0 * (255.0f64.powi(2) / mse.max(1e-10)).log10())
    }
}

fn options(out: &Path, seed: u64) -> SynthOptions {
    SynthOptions {
        out: out.to_path_buf(),
        source: SceneSource::Procedural {
            count: 2,
            width: 64,
            height: 48,
        },
        distortions: vec!["live".to_string()],
        levels: 3,
        seed,
    }
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = ["refs", "dist"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(dir.join(sub)).unwrap())
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn deterministic_resumable_and_loadable() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let report = generate(&options(a.path(), 1), &Psnr, &|_, _| {}).unwrap();
    assert_eq!(
        (report.references, report.distorted, report.made),
        (2, 2 * 5 * 3, 30)
    );
    generate(&options(b.path(), 1), &Psnr, &|_, _| {}).unwrap();
    generate(&options(c.path(), 2), &Psnr, &|_, _| {}).unwrap();
    let fa = files(a.path());
    assert_eq!(fa.len(), 32);
    assert!(
        fa.iter().all(|(n, _)| !n.starts_with(".partial")),
        "no temporary file left"
    );
    assert_eq!(fa, files(b.path()), "same seed, same bytes");
    assert_ne!(fa, files(c.path()), "another seed, other images");
    let manifest = std::fs::read_to_string(a.path().join("manifest.csv")).unwrap();
    assert_eq!(
        manifest,
        std::fs::read_to_string(b.path().join("manifest.csv")).unwrap()
    );

    // Resume: a deleted image is made again, identical; the rest are kept.
    let victim = a.path().join("dist/scene0001_jpeg_3.png");
    std::fs::remove_file(&victim).unwrap();
    let again = generate(&options(a.path(), 1), &Psnr, &|_, _| {}).unwrap();
    assert_eq!(again.made, 1);
    assert_eq!(fa, files(a.path()));

    // The output is an ordinary database.
    let m = load(
        DatabaseKind::Manifest,
        &a.path().join("manifest.csv"),
        &LoadOptions::default(),
    )
    .unwrap();
    let s = m.summary();
    assert_eq!((s.distorted, s.references, s.distortion_types), (30, 2, 5));
    let levels: Vec<u32> = m.items.iter().filter_map(|i| i.dist_level).collect();
    assert!(levels.iter().all(|l| [1, 3, 5].contains(l)), "{levels:?}");
    // Pseudo-MOS is the labeller's value; milder levels score higher on average.
    let mean = |level| {
        let v: Vec<f64> = m
            .items
            .iter()
            .filter(|i| i.dist_level == Some(level))
            .map(|i| i.raw_score)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        mean(1) > mean(3) && mean(3) > mean(5),
        "{} {} {}",
        mean(1),
        mean(3),
        mean(5)
    );
    let desc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.path().join("synth.json")).unwrap())
            .unwrap();
    assert_eq!(desc["seed"], 1);
    assert_eq!(desc["labeller"], "psnr");
    assert_eq!(desc["distortions"].as_array().unwrap().len(), 5);
}

#[test]
fn user_references_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let refs = dir.path().join("refs_in");
    std::fs::create_dir(&refs).unwrap();
    let out = dir.path().join("out");
    let opts = |source| SynthOptions {
        out: out.clone(),
        source,
        distortions: vec!["jpeg".to_string(), "gblur".to_string()],
        levels: 2,
        seed: 0,
    };
    // Empty folder.
    let err = generate(&opts(SceneSource::Folder(refs.clone())), &Psnr, &|_, _| {}).unwrap_err();
    assert!(matches!(err, DataError::Empty { .. }), "{err}");
    // A real image and a corrupt one.
    RgbImage::from_fn(40, 40, |x, y| {
        image::Rgb([(x * 6) as u8, (y * 6) as u8, 77])
    })
    .save(refs.join("a.png"))
    .unwrap();
    std::fs::write(refs.join("b.png"), b"not a png").unwrap();
    let err = generate(&opts(SceneSource::Folder(refs.clone())), &Psnr, &|_, _| {}).unwrap_err();
    assert!(err.to_string().contains("b.png"), "{err}");
    std::fs::remove_file(refs.join("b.png")).unwrap();
    let r = generate(&opts(SceneSource::Folder(refs.clone())), &Psnr, &|_, _| {}).unwrap();
    assert_eq!((r.references, r.distorted), (1, 4));
    assert!(out.join("dist/a_jpeg_5.png").is_file());
    // Too small, unknown names, bad levels.
    let tiny = SceneSource::Procedural {
        count: 1,
        width: 16,
        height: 64,
    };
    assert!(generate(&opts(tiny), &Psnr, &|_, _| {}).is_err());
    let proc = SceneSource::Procedural {
        count: 1,
        width: 64,
        height: 64,
    };
    let mut bad = opts(proc.clone());
    bad.distortions = vec!["tid2014".to_string()];
    let err = generate(&bad, &Psnr, &|_, _| {}).unwrap_err().to_string();
    assert!(err.contains("tid2014"), "{err}");
    let mut bad = opts(proc);
    bad.levels = 6;
    assert!(generate(&bad, &Psnr, &|_, _| {}).is_err());
}

#[test]
fn screen_content_databases_with_the_scid_and_siqad_sets() {
    let dir = tempfile::tempdir().unwrap();
    let screen = |set: &str, out: &Path| SynthOptions {
        out: out.to_path_buf(),
        source: SceneSource::Screen {
            count: 2,
            width: 96,
            height: 64,
        },
        distortions: vec![set.to_string()],
        levels: 2,
        seed: 4,
    };
    let scid = dir.path().join("scid");
    let report = generate(&screen("scid", &scid), &Psnr, &|_, _| {}).unwrap();
    assert_eq!((report.references, report.distorted), (2, 2 * 8 * 2));
    let m = load(
        DatabaseKind::Manifest,
        &scid.join("manifest.csv"),
        &LoadOptions::default(),
    )
    .unwrap();
    let mut types: Vec<&str> = m
        .items
        .iter()
        .filter_map(|i| i.dist_type.as_deref())
        .collect();
    types.sort();
    types.dedup();
    assert_eq!(
        types,
        [
            "awgn",
            "color_quantization",
            "contrast_change",
            "gblur",
            "jpeg",
            "jpeg2000",
            "motion_blur",
            "saturation_change"
        ]
    );
    // The recipe names the scenes as screen content: the same folder refuses natural scenes.
    let recipe = std::fs::read_to_string(scid.join("recipe.json")).unwrap();
    assert!(
        recipe.contains("2 screen-content scenes of 96x64"),
        "{recipe}"
    );
    let mut natural = screen("scid", &scid);
    natural.source = SceneSource::Procedural {
        count: 2,
        width: 96,
        height: 64,
    };
    let err = generate(&natural, &Psnr, &|_, _| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("dead-leaves"), "{err}");
    let siqad = dir.path().join("siqad");
    let report = generate(&screen("siqad", &siqad), &Psnr, &|_, _| {}).unwrap();
    assert_eq!(report.distorted, 2 * 6 * 2);
}
