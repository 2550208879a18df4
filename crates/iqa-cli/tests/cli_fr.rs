//! `iqa fr`, run as a user runs it, on the calibration pairs in
//! `crates/iqa-models/tests/fixtures/calibration`.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::path::Path;

use serde_json::Value;

#[path = "../../iqa-models/tests/calibration/mod.rs"]
mod calibration;
mod run;
use calibration::calibration;
use run::iqa;

/// The path of a calibration image: the names (`I03.bmp`, as in the fixture) are those of
/// the TID2013 originals; the repository holds them as PNG with the same stem.
fn image(kind: &str, name: &str) -> String {
    let path = calibration()
        .join(kind)
        .join(Path::new(name).with_extension("png"));
    assert!(
        path.is_file(),
        "calibration image {} not found",
        path.display()
    );
    path.to_str().unwrap().to_string()
}

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../iqa-models/tests/fixtures/fr_reference.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn single_pair_json_matches_scikit_image() {
    let doc = fixture();
    let want = &doc["pairs"][0];
    assert_eq!(want["name"], "I03.bmp");
    for (metric, extra, key) in [
        ("ssim", "off", "ssim_off"),
        ("ssim", "auto", "ssim_auto"),
        ("psnr", "auto", "psnr_rgb"),
    ] {
        let out = iqa(&[
            "fr",
            "--metric",
            metric,
            "--downsample",
            extra,
            "--json",
            &image("ref", "I03.bmp"),
            &image("dist", "I03.bmp"),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(got["metric"], metric);
        let (g, w) = (got["score"].as_f64().unwrap(), want[key].as_f64().unwrap());
        assert!((g - w).abs() < 1e-4, "{key}: {g} vs {w}");
    }
}

#[test]
fn classic_metrics_reproduce_their_official_values() {
    // (metric on the command line, row of official.csv, relative tolerance: the official
    // values carry four decimals, VIF's at the level of 1e-3).
    for (metric, row, tolerance) in [
        ("mad", "mad", 1e-5),
        ("vsi", "vsi", 2e-4),
        ("fsimc", "fsim", 2e-4),
        ("vif", "vif", 3e-3),
    ] {
        let (name, want) = calibration::official(row)
            .into_iter()
            .find(|(name, _)| name == "I08.bmp")
            .unwrap();
        let out = iqa(&[
            "fr",
            "--metric",
            metric,
            "--json",
            &image("ref", &name),
            &image("dist", &name),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Value = serde_json::from_slice(&out.stdout).unwrap();
        let g = got["score"].as_f64().unwrap();
        assert!(
            (g - want).abs() <= tolerance * want.abs(),
            "{metric}: {g} vs {want}"
        );
    }
}

#[test]
fn batch_mode_appends_a_column_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = dir.path().join("pairs.csv");
    let mut text = String::from("ref,dist,label\n");
    for name in ["I04.bmp", "I08.bmp"] {
        text.push_str(&format!(
            "{},{},{name}\n",
            image("ref", name),
            image("dist", name)
        ));
    }
    std::fs::write(&pairs, &text).unwrap();
    let scored = dir.path().join("scored.csv");
    let out = iqa(&[
        "fr",
        "--metric",
        "ms-ssim",
        "--pairs",
        pairs.to_str().unwrap(),
        "--out",
        scored.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = std::fs::read_to_string(&scored).unwrap();
    let lines: Vec<&str> = result.lines().collect();
    assert_eq!(lines[0], "ref,dist,label,ms-ssim");
    let doc = fixture();
    for (line, index) in lines[1..].iter().zip([1, 3]) {
        let score: f64 = line.rsplit(',').next().unwrap().parse().unwrap();
        let want = doc["pairs"][index]["ms_ssim"].as_f64().unwrap();
        assert!((score - want).abs() < 1e-5, "{line} vs {want}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "temporary file left behind"
    );

    // A missing image stops the batch, names the line, and leaves no output file.
    std::fs::write(
        &pairs,
        format!("{text}{},missing.png,x\n", image("ref", "I03.bmp")),
    )
    .unwrap();
    let failed = dir.path().join("failed.csv");
    let out = iqa(&[
        "fr",
        "--metric",
        "psnr",
        "--pairs",
        pairs.to_str().unwrap(),
        "--out",
        failed.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(
        msg.contains("line 4") && msg.contains("missing.png"),
        "{msg}"
    );
    assert!(!failed.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "temporary file left behind"
    );
}

#[test]
fn bad_inputs_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.png");
    image::RgbImage::from_pixel(64, 48, image::Rgb([90, 120, 30]))
        .save(&small)
        .unwrap();
    let small = small.to_str().unwrap();

    let out = iqa(&["fr", "--metric", "ssim", &image("ref", "I03.bmp"), small]);
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && msg.contains("same size"), "{msg}");

    let out = iqa(&["fr", "--metric", "ms-ssim", small, small]);
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && msg.contains("at least 161x161"),
        "{msg}"
    );

    let out = iqa(&["fr", "--metric", "deepwsd", small, small]);
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && msg.contains("vgg16.safetensors"),
        "{msg}"
    );

    let out = iqa(&[
        "fr",
        "--metric",
        "deepwsd",
        "--vgg16",
        "/no/weights.safetensors",
        small,
        small,
    ]);
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && msg.contains("/no/weights.safetensors"),
        "{msg}"
    );

    let out = iqa(&["fr", "--metric", "ssim", "--device", "cuda:0", small, small]);
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && (msg.contains("no CUDA support") || msg.contains("CUDA device")),
        "{msg}"
    );

    // Grayscale files are compared as three equal channels: a defined score.
    let gray = dir.path().join("gray.png");
    image::GrayImage::from_fn(64, 48, |x, y| image::Luma([((x * 3 + y) % 256) as u8]))
        .save(&gray)
        .unwrap();
    let out = iqa(&[
        "fr",
        "--metric",
        "ssim",
        "--json",
        gray.to_str().unwrap(),
        gray.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((got["score"].as_f64().unwrap() - 1.0).abs() < 1e-6);
}

#[test]
fn repeat_reports_the_score_and_a_throughput() {
    let (r, d) = (image("ref", "I19.bmp"), image("dist", "I19.bmp"));
    let want = fixture()["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "I19.bmp")
        .unwrap()["psnr_rgb"]
        .as_f64()
        .unwrap();
    let out = iqa(&[
        "fr", "--metric", "psnr", &r, &d, "--repeat", "3", "--batch", "2", "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((v["score"].as_f64().unwrap() - want).abs() < 1e-4, "{v}");
    assert_eq!(v["batch"], 2);
    assert_eq!(v["repeat"], 3);
    assert!(v["pairs_per_s"].as_f64().unwrap() > 0.0, "{v}");

    let out = iqa(&["fr", "--metric", "psnr", &r, &d, "--repeat", "0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--repeat"), "{err}");
}

#[test]
fn a_truncated_jpeg_is_refused_and_a_repeated_column_too() {
    let dir = tempfile::tempdir().unwrap();
    let reference = image("ref", "I03.png");
    let jpeg = dir.path().join("dist.jpg");
    image::open(&reference).unwrap().save(&jpeg).unwrap();
    run::ok(&iqa(&[
        "fr",
        "--metric",
        "psnr",
        &reference,
        jpeg.to_str().unwrap(),
    ]));
    let bytes = std::fs::read(&jpeg).unwrap();
    std::fs::write(&jpeg, &bytes[..bytes.len() / 2]).unwrap();
    let err = run::failed(&iqa(&[
        "fr",
        "--metric",
        "psnr",
        &reference,
        jpeg.to_str().unwrap(),
    ]));
    assert!(
        err.contains("dist.jpg") && err.contains("truncated"),
        "{err}"
    );

    let pairs = dir.path().join("pairs.csv");
    std::fs::write(
        &pairs,
        format!("ref,dist,dist\n{reference},{reference},{reference}\n"),
    )
    .unwrap();
    let err = run::failed(&iqa(&[
        "fr",
        "--metric",
        "psnr",
        "--pairs",
        pairs.to_str().unwrap(),
    ]));
    assert!(err.contains("two columns named `dist`"), "{err}");

    // An output path that is a folder is refused before any pair is scored.
    std::fs::write(&pairs, format!("ref,dist\n{reference},{reference}\n")).unwrap();
    let folder = dir.path().join("out");
    std::fs::create_dir(&folder).unwrap();
    let err = run::failed(&iqa(&[
        "fr",
        "--metric",
        "psnr",
        "--pairs",
        pairs.to_str().unwrap(),
        "--out",
        folder.to_str().unwrap(),
    ]));
    assert!(err.contains("is a folder"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        3,
        "a temporary file was left"
    );
}

#[test]
fn a_missing_file_is_named_once_with_its_cause_once() {
    let reference = image("ref", "I03.png");
    let err = run::failed(&iqa(&["fr", "--metric", "psnr", "nope.png", &reference]));
    assert!(err.contains("nope.png"), "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
}
