//! `iqa score` with a randomly initialised tiny model saved by the library: the same
//! scores as `iqa test` on images smaller and much larger than a patch (one whole-image
//! path), the registry by name, and the oracle refused.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::path::Path;

use candle_core::Device;
use iqa_models::hiqa::{HiqaConfig, HiqaNetworks, RegressorMode, Variant, model_file};
use serde_json::Value;

mod run;
use run::{failed as stderr, iqa, ok as stdout};

/// The scores of `iqa score --json` output, one per line.
fn scores(json_lines: &str) -> Vec<f64> {
    json_lines
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["score"]
                .as_f64()
                .unwrap()
        })
        .collect()
}

/// A textured RGB image of `w x h`.
fn image(path: &Path, w: u32, h: u32) {
    image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            ((x * 7 + y * 3) % 256) as u8,
            ((x * y) % 251) as u8,
            ((x ^ y) % 256) as u8,
        ])
    })
    .save(path)
    .unwrap();
}

#[test]
fn score_and_test_agree_on_small_and_large_images() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tiny.safetensors");
    let nets =
        HiqaNetworks::new(&HiqaConfig::tiny(), RegressorMode::FULL, &Device::Cpu, 2).unwrap();
    model_file::save(&nets, Variant::Full, &model, false, &[]).unwrap();
    // The tiny preset's patch is 64: one image smaller in both sides, one smaller in one
    // side only, one many patches wide.
    let sizes = [(40, 30), (100, 50), (330, 270)];
    let mut csv = String::from("dist,ref,score,score_std,dist_type,dist_level,ref_id\n");
    let mut paths = Vec::new();
    for (k, (w, h)) in sizes.iter().enumerate() {
        let name = format!("img{k}.png");
        image(&dir.path().join(&name), *w, *h);
        csv.push_str(&format!("{name},,{},,,,\n", k as f64 / 2.0));
        paths.push(dir.path().join(&name));
    }
    let manifest = dir.path().join("db.csv");
    std::fs::write(&manifest, csv).unwrap();
    let predictions = dir.path().join("predictions.csv");
    stdout(&iqa(&[
        "test",
        "--model",
        model.to_str().unwrap(),
        "--db",
        "manifest",
        "--root",
        manifest.to_str().unwrap(),
        "--predictions",
        predictions.to_str().unwrap(),
        "--json",
    ]));
    let tested: Vec<f64> = std::fs::read_to_string(&predictions)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(tested.len(), 3);
    let mut args = vec!["score", "--model", model.to_str().unwrap(), "--json"];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let scored = scores(&stdout(&iqa(&args)));
    assert_eq!(scored, tested, "iqa score and iqa test disagree");
    assert!(scored.iter().all(|s| s.is_finite()));
    // Another batch size changes at most the last bits.
    let mut args = vec![
        "score",
        "--model",
        model.to_str().unwrap(),
        "--json",
        "--batch",
        "3",
    ];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let rebatched = scores(&stdout(&iqa(&args)));
    for (a, b) in rebatched.iter().zip(&scored) {
        assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{a} vs {b}");
    }

    // By name through the registry, with the model file as its weights.
    let named: Value = serde_json::from_str(
        stdout(&iqa(&[
            "score",
            "--metric",
            "hallucinated-iqa",
            "--weights",
            model.to_str().unwrap(),
            paths[0].to_str().unwrap(),
            "--json",
        ]))
        .trim(),
    )
    .unwrap();
    assert_eq!(named["metric"], "hallucinated-iqa");
    assert_eq!(named["score"].as_f64().unwrap(), scored[0]);
}

#[test]
fn unusable_models_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("a.png");
    image(&img, 70, 70);
    let oracle = dir.path().join("oracle.safetensors");
    let nets = HiqaNetworks::new(
        &HiqaConfig::tiny(),
        RegressorMode::NO_FUSION,
        &Device::Cpu,
        2,
    )
    .unwrap();
    model_file::save(&nets, Variant::Oracle, &oracle, false, &[]).unwrap();
    let e = stderr(&iqa(&[
        "score",
        "--model",
        oracle.to_str().unwrap(),
        img.to_str().unwrap(),
    ]));
    assert!(e.contains("oracle") && e.contains("true reference"), "{e}");
    // Not a model file: named once.
    let e = stderr(&iqa(&[
        "score",
        "--model",
        img.to_str().unwrap(),
        img.to_str().unwrap(),
    ]));
    assert!(e.contains("a.png"), "{e}");
    // Typos get a suggestion; a full-reference metric points to `iqa fr`; weights are asked for.
    let e = stderr(&iqa(&[
        "score",
        "--metric",
        "halucinated-iqa",
        img.to_str().unwrap(),
    ]));
    assert!(e.contains("did you mean `hallucinated-iqa`"), "{e}");
    let e = stderr(&iqa(&["score", "--metric", "ssim", img.to_str().unwrap()]));
    assert!(e.contains("iqa fr"), "{e}");
    let e = stderr(&iqa(&[
        "score",
        "--metric",
        "hallucinated-iqa",
        img.to_str().unwrap(),
    ]));
    assert!(e.contains("--weights"), "{e}");

    // A model whose weights are NaN (a diverged run) is refused, naming the tensor.
    let broken = dir.path().join("nan.safetensors");
    let nets = HiqaNetworks::new(
        &HiqaConfig::tiny(),
        RegressorMode::NO_FUSION,
        &Device::Cpu,
        2,
    )
    .unwrap();
    {
        let data = nets.r_vars.data().lock().unwrap();
        let (_, var) = data.iter().next().unwrap();
        let nan = (var.as_tensor().ones_like().unwrap() * f64::NAN).unwrap();
        var.set(&nan).unwrap();
    }
    model_file::save(&nets, Variant::Baseline, &broken, false, &[]).unwrap();
    let e = stderr(&iqa(&[
        "score",
        "--model",
        broken.to_str().unwrap(),
        img.to_str().unwrap(),
    ]));
    assert!(e.contains("nan.safetensors") && e.contains("NaN"), "{e}");
}

#[test]
fn classic_no_reference_metrics_need_no_weights() {
    let calibration = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../iqa-models/tests/fixtures/calibration/dist/I04.png");
    let path = calibration.to_str().unwrap();
    // The authors' NIQE and BRISQUE code on this image (fixtures/classic/nr_reference.py),
    // and MATLAB's PIQE (official.csv).
    for (metric, want, tolerance) in [
        ("niqe", 3.6549, 1e-4),
        ("brisque", -0.1076, 1e-4),
        ("piqe", 21.62, 0.01),
    ] {
        let out = stdout(&iqa(&["score", "--metric", metric, "--json", path]));
        let line: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(line["metric"], metric);
        let got = line["score"].as_f64().unwrap();
        assert!((got - want).abs() < tolerance, "{metric}: {got} vs {want}");
    }
    let e = stderr(&iqa(&["score", "--metric", "niqe", "--patch", "32", path]));
    assert!(e.contains("--patch"), "{e}");
}

#[test]
fn fpr_and_dfss_model_files_score_through_the_command_line() {
    use iqa_models::dfss::{Dfss, DfssConfig, DfssScorer};
    use iqa_models::fpr::{Fpr, FprConfig, FprScorer};
    use iqa_models::registry::Direction;
    use iqa_models::{NoReferenceModel, load_image_tensor, score_image};
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("img.png");
    image(&img, 150, 100);
    let dev = Device::Cpu;
    let tensor = load_image_tensor(&img, &dev).unwrap();

    let (fpr, vars) = Fpr::seeded(&FprConfig::tiny(), &dev, 1).unwrap();
    let fpr = FprScorer::new(fpr, vars, Direction::HigherIsBetter);
    let fpr_file = dir.path().join("fpr.safetensors");
    fpr.save(&fpr_file).unwrap();
    let (dfss, vars) = Dfss::seeded(&DfssConfig::tiny(46), &dev, 1).unwrap();
    let dfss = DfssScorer::new(dfss, vars, Direction::HigherIsBetter);
    let dfss_file = dir.path().join("dfss.safetensors");
    dfss.save(&dfss_file).unwrap();

    for (file, model) in [
        (&fpr_file, &fpr as &dyn NoReferenceModel),
        (&dfss_file, &dfss as &dyn NoReferenceModel),
    ] {
        let want = score_image(model, &tensor, 64).unwrap();
        let out = stdout(&iqa(&[
            "score",
            "--model",
            file.to_str().unwrap(),
            img.to_str().unwrap(),
            "--json",
        ]));
        let got = scores(&out);
        assert_eq!(got.len(), 1);
        assert!((got[0] - want).abs() < 1e-6, "{got:?} vs {want}");
        // By name with --weights, the same.
        let name = if model.describe().name == "fpr" {
            "fpr"
        } else {
            "dfss-iqa"
        };
        let out = stdout(&iqa(&[
            "score",
            "--metric",
            name,
            "--weights",
            file.to_str().unwrap(),
            img.to_str().unwrap(),
            "--json",
        ]));
        assert!((scores(&out)[0] - want).abs() < 1e-6);
    }
    let err = stderr(&iqa(&[
        "score",
        "--model",
        fpr_file.to_str().unwrap(),
        "--patch",
        "32",
        img.to_str().unwrap(),
    ]));
    assert!(err.contains("--patch and --stride"), "{err}");
}
