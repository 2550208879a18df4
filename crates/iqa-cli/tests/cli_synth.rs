//! `iqa synth` as a user runs it: a small database labelled by SSIM, read back by
//! `iqa datasets check`.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::process::{Command, Output};

use serde_json::Value;

fn iqa(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iqa"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn synth_writes_a_loadable_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("db");
    let out_s = out.to_str().unwrap();
    let run = iqa(&[
        "synth",
        "--out",
        out_s,
        "--scenes",
        "2",
        "--size",
        "96x64",
        "--set",
        "jpeg,gblur",
        "--levels",
        "2",
        "--labeller",
        "ssim",
        "--seed",
        "3",
        "--json",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let v: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(
        (v["references"].clone(), v["distorted"].clone()),
        (2.into(), 8.into())
    );
    let csv = out.join("manifest.csv");
    let check = iqa(&[
        "datasets",
        "check",
        "--kind",
        "manifest",
        "--root",
        csv.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let c: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(
        (
            c["distorted"].clone(),
            c["references"].clone(),
            c["distortion_types"].clone()
        ),
        (8.into(), 2.into(), 2.into())
    );
    // SSIM pseudo-MOS lies in (0, 1].
    assert!(c["score_min"].as_f64().unwrap() > 0.0 && c["score_max"].as_f64().unwrap() <= 1.0);
    let desc: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("synth.json")).unwrap()).unwrap();
    assert_eq!(desc["labeller"], "ssim");

    // A rerun into the same folder with another seed or size is refused, and changes
    // nothing: mixing two recipes' images in one database would be silently wrong.
    for (flag, value, needle) in [("--seed", "4", "seed"), ("--size", "64x64", "scenes")] {
        let mut args = vec![
            "synth",
            "--out",
            out_s,
            "--scenes",
            "2",
            "--size",
            "96x64",
            "--set",
            "jpeg,gblur",
            "--levels",
            "2",
            "--labeller",
            "ssim",
            "--seed",
            "3",
        ];
        let at = args.iter().position(|a| *a == flag).unwrap();
        args[at + 1] = value;
        let r = iqa(&args);
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(!r.status.success() && err.contains(needle), "{err}");
        let again: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("synth.json")).unwrap())
                .unwrap();
        assert_eq!(again["seed"], 3);
        assert!(again["source"].as_str().unwrap().contains("96x64"));
    }

    for (args, needle) in [
        (vec!["--labeller", "ssimm"], "ssim"),
        (vec!["--size", "96by64"], "WIDTHxHEIGHT"),
        (vec!["--set", "tid2014"], "tid2014"),
        (vec!["--set", "live,gblur"], "`live` is a set"),
        (
            vec!["--labeller", "ms-ssim", "--size", "64x64"],
            "64x64 scenes cannot be labelled by ms-ssim",
        ),
        (vec!["--set", "jpeg,blurr"], "unknown distortion `blurr`"),
    ] {
        let mut all = vec!["synth", "--out", out_s, "--scenes", "1"];
        all.extend(args);
        let r = iqa(&all);
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(!r.status.success() && err.contains(needle), "{err}");
    }
}

#[test]
fn sizes_and_counts_beyond_memory_are_refused_before_anything_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("db");
    for (scenes, size) in [
        ("18446744073709551615", "32x32"),
        ("1000000000", "32x32"),
        ("2", "100000x100000"),
    ] {
        let r = iqa(&[
            "synth",
            "--out",
            out.to_str().unwrap(),
            "--scenes",
            scenes,
            "--size",
            size,
            "--labeller",
            "psnr",
            "--set",
            "gblur",
            "--levels",
            "1",
        ]);
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(
            !r.status.success() && err.contains("needs about") && err.contains("--scenes"),
            "{err}"
        );
        assert!(!out.exists(), "the output folder was created");
    }
}

#[test]
fn the_description_says_when_labels_were_mapped_onto_the_unit_range() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("db");
    let r = iqa(&[
        "synth",
        "--out",
        out.to_str().unwrap(),
        "--scenes",
        "1",
        "--size",
        "32x32",
        "--set",
        "jpeg",
        "--levels",
        "2",
        "--labeller",
        "psnr",
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let desc: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("synth.json")).unwrap()).unwrap();
    let score = desc["score"].as_str().unwrap();
    assert!(
        score.contains("mapped linearly") && score.contains("onto [0, 1]"),
        "{score}"
    );
}

#[test]
fn metrics_undefined_on_flat_images_can_label() {
    // VSI's saliency and FSIM's phase congruency are zero on a flat image: the size check
    // made before any image is written must not probe with one.
    let dir = tempfile::tempdir().unwrap();
    for labeller in ["vsi", "fsimc"] {
        let out = dir.path().join(labeller);
        let r = iqa(&[
            "synth",
            "--out",
            out.to_str().unwrap(),
            "--scenes",
            "2",
            "--size",
            "64x64",
            "--set",
            "gblur",
            "--levels",
            "2",
            "--labeller",
            labeller,
            "--json",
        ]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
        assert_eq!(manifest.lines().count(), 1 + 2 * 2, "{manifest}");
    }
}

#[test]
fn synth_makes_screen_content_with_the_scid_set_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("screen");
    let run = iqa(&[
        "synth",
        "--out",
        out.to_str().unwrap(),
        "--content",
        "screen",
        "--scenes",
        "1",
        "--size",
        "96x64",
        "--levels",
        "1",
        "--labeller",
        "ssim-rgb",
        "--json",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let v: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["distorted"], 8, "the 8 reproduced SCID types: {v}");
    let desc: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("synth.json")).unwrap()).unwrap();
    assert!(
        desc["source"].as_str().unwrap().contains("screen-content"),
        "{desc}"
    );
    let bad = iqa(&[
        "synth",
        "--out",
        dir.path().join("x").to_str().unwrap(),
        "--content",
        "cartoon",
    ]);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        !bad.status.success() && err.contains("`natural` or `screen`"),
        "{err}"
    );
}
