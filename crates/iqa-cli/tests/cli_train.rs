//! `iqa train` and `iqa test` end to end on a small synthetic database.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::path::Path;

use serde_json::Value;

mod run;
use run::{failed, iqa, ok};

/// 5 scenes of 64x64, the LIVE types at two levels, PSNR pseudo-MOS.
fn database(dir: &Path) -> String {
    let out = dir.join("db");
    ok(&iqa(&[
        "synth",
        "--out",
        out.to_str().unwrap(),
        "--scenes",
        "5",
        "--size",
        "64x64",
        "--levels",
        "2",
        "--labeller",
        "psnr",
    ]));
    out.join("manifest.csv").to_str().unwrap().to_string()
}

#[test]
fn train_test_and_score_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = database(dir.path());
    // The printed defaults are a valid configuration file; a file changes only its fields
    // (here also the database, relative to the file's folder).
    let defaults = ok(&iqa(&["train", "--print-config", "--preset", "tiny"]));
    assert!(defaults.contains("preset = \"tiny\"") && defaults.contains("[steps]"));
    let config = dir.path().join("run.toml");
    std::fs::write(
        &config,
        "preset = \"tiny\"\nbatch_size = 4\ntest_stride = 32\n[steps]\npretrain = 1\njoint = 2\nregressor = 1\n[network]\npatch = 32\n[data]\nkind = \"manifest\"\nroot = \"db/manifest.csv\"\n",
    )
    .unwrap();
    let merged = ok(&iqa(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--print-config",
    ]));
    assert!(merged.contains("joint = 2") && merged.contains("patch = 32"));

    let out = dir.path().join("run");
    let args = [
        "train",
        "--config",
        config.to_str().unwrap(),
        "--random-vgg",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ];
    let report: Value = serde_json::from_str(ok(&iqa(&args)).trim()).unwrap();
    assert_eq!(report["variant"], "full");
    assert_eq!(report["train"]["steps"], 4);
    // 5 scenes: 4 train, 1 test reference with 5 types x 2 levels.
    assert_eq!(report["test"]["n"], 10);
    assert!(report["test"]["srocc"].as_f64().unwrap().abs() <= 1.0);
    for f in [
        "model.safetensors",
        "state.safetensors",
        "config.toml",
        "log.jsonl",
        "report.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let model = out.join("model.safetensors");
    let tested: Value = serde_json::from_str(
        ok(&iqa(&[
            "test",
            "--model",
            model.to_str().unwrap(),
            "--db",
            "manifest",
            "--root",
            &manifest,
            "--types",
            "jpeg,gblur",
            "--json",
        ]))
        .trim(),
    )
    .unwrap();
    assert_eq!(tested["n"], 20);
    assert_eq!(tested["per_type"].as_object().unwrap().len(), 2);
    let image = dir.path().join("db/dist/scene0000_jpeg_1.png");
    let scored = ok(&iqa(&[
        "score",
        "--model",
        model.to_str().unwrap(),
        image.to_str().unwrap(),
        "--json",
    ]));
    let v: Value = serde_json::from_str(scored.trim()).unwrap();
    assert!(v["score"].as_f64().unwrap().is_finite());

    // A finished run resumed goes nowhere but still answers with its own report, and
    // changes no file.
    let listing = || {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
            .collect();
        files.sort();
        files
    };
    let before = listing();
    let mut resumed = args.to_vec();
    resumed.push("--resume");
    let again: Value = serde_json::from_str(ok(&iqa(&resumed)).trim()).unwrap();
    assert_eq!(again["train"]["steps"], 4);
    assert!(again["train"]["seconds"].as_f64().unwrap() > 1e-3);
    assert_eq!(listing(), before);
    // Training again into the finished run's folder is refused; --overwrite replaces it.
    let e = failed(&iqa(&args));
    assert!(e.contains("--overwrite"), "{e}");
    assert_eq!(listing(), before);
    let curve = dir.path().join("curve.svg");
    let mut overwrite = args.to_vec();
    overwrite.extend(["--overwrite", "--plot", curve.to_str().unwrap()]);
    ok(&iqa(&overwrite));
    let svg = std::fs::read_to_string(&curve).unwrap();
    assert!(svg.contains("<svg") && svg.contains("step"), "{svg:.200}");
    let log = std::fs::read_to_string(out.join("log.jsonl")).unwrap();
    assert_eq!(log.lines().filter(|l| l.contains("\"step\":4")).count(), 1);
    // A distortion type the database does not have is named, not ignored.
    let e = failed(&iqa(&[
        "test",
        "--model",
        model.to_str().unwrap(),
        "--db",
        "manifest",
        "--root",
        &manifest,
        "--types",
        "jpeg,blurr",
    ]));
    assert!(e.contains("`blurr`") && e.contains("gblur"), "{e}");
}

#[test]
fn bad_training_requests_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = database(dir.path());
    let e = failed(&iqa(&[
        "train",
        "--preset",
        "tiny",
        "--db",
        "manifest",
        "--root",
        &manifest,
        "--variant",
        "fancy",
    ]));
    assert!(e.contains("fancy") && e.contains("baseline"), "{e}");
    let empty = dir.path().join("empty");
    let e = failed(&iqa(&[
        "train",
        "--preset",
        "tiny",
        "--db",
        "manifest",
        "--root",
        &manifest,
        "--out",
        empty.to_str().unwrap(),
        "--random-vgg",
        "--resume",
    ]));
    assert!(e.contains("no training state"), "{e}");
    let e = failed(&iqa(&[
        "train", "--preset", "tiny", "--db", "manifest", "--root", &manifest,
    ]));
    assert!(e.contains("vgg19"), "{e}");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "preset = \"tiny\"\n[steps]\njoint = -3\n").unwrap();
    let e = failed(&iqa(&[
        "train",
        "--config",
        bad.to_str().unwrap(),
        "--print-config",
    ]));
    assert!(e.contains("bad.toml"), "{e}");
    let e = failed(&iqa(&[
        "test",
        "--model",
        dir.path().join("nope.safetensors").to_str().unwrap(),
        "--db",
        "manifest",
        "--root",
        &manifest,
    ]));
    assert!(e.contains("nope.safetensors"), "{e}");
}
