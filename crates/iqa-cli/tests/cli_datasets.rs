//! `iqa datasets check | export | split`, run as a user runs them, on fixture databases in
//! the official layouts.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

#[path = "../../iqa-data/tests/common/mod.rs"]
mod common;

use serde_json::Value;

mod run;
use run::{iqa, ok};

#[test]
fn check_export_split_live() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("live");
    common::build_live(&root);
    let root_s = root.to_str().unwrap();

    let out = ok(&iqa(&[
        "datasets", "check", "--kind", "live", "--root", root_s, "--json",
    ]));
    let v: Value = serde_json::from_str(&out).unwrap();
    let exp = common::expected();
    assert_eq!(v["kind"], "live");
    assert_eq!(v["references"], 29);
    assert_eq!(v["distorted"], 779);
    assert_eq!(v["distortion_types"], 5);
    assert_eq!(v["higher_is_better"], false);
    assert_eq!(v["score_max"], exp["live"]["dmos_new_max"]);
    let out = ok(&iqa(&[
        "datasets",
        "check",
        "--kind",
        "live",
        "--root",
        root_s,
        "--live-labels",
        "dmos",
        "--decode",
    ]));
    assert!(
        out.contains("dmos.mat: dmos") && out.contains("all decoded"),
        "{out}"
    );

    let csv = dir.path().join("live.csv");
    let out = iqa(&[
        "datasets",
        "export",
        "--kind",
        "live",
        "--root",
        root_s,
        "--out",
        csv.to_str().unwrap(),
    ]);
    ok(&out);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 780);
    assert!(text.lines().nth(1).unwrap().starts_with("live/"));
    let out = ok(&iqa(&[
        "datasets",
        "check",
        "--kind",
        "manifest",
        "--root",
        csv.to_str().unwrap(),
        "--json",
    ]));
    let m: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (m["distorted"].clone(), m["references"].clone()),
        (779.into(), 29.into())
    );
    assert_eq!(m["higher_is_better"], true);
    // Exported into another folder, the paths step up with `..`: never absolute.
    let elsewhere = dir.path().join("manifests");
    std::fs::create_dir(&elsewhere).unwrap();
    let csv2 = elsewhere.join("live.csv");
    ok(&iqa(&[
        "datasets",
        "export",
        "--kind",
        "live",
        "--root",
        root_s,
        "--out",
        csv2.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&csv2).unwrap();
    assert!(
        text.lines().nth(1).unwrap().starts_with("../live/"),
        "{text:.200}"
    );
    assert!(!text.contains(root_s));
    ok(&iqa(&[
        "datasets",
        "check",
        "--kind",
        "manifest",
        "--root",
        csv2.to_str().unwrap(),
    ]));

    let splits = dir.path().join("splits.json");
    ok(&iqa(&[
        "datasets",
        "split",
        "--kind",
        "live",
        "--root",
        root_s,
        "--out",
        splits.to_str().unwrap(),
        "--repeats",
        "3",
        "--seed",
        "5",
    ]));
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&splits).unwrap()).unwrap();
    assert_eq!(s["splits"].as_array().unwrap().len(), 3);
    assert_eq!(s["items"].as_array().unwrap().len(), 779);
    let out = iqa(&[
        "datasets",
        "split",
        "--kind",
        "live",
        "--root",
        root_s,
        "--out",
        splits.to_str().unwrap(),
        "--official",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no official split"));
}

#[test]
fn bad_inputs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("kadid");
    common::build_kadid(&root, 1);
    let root_s = root.to_str().unwrap();
    // A corrupt image is found by --decode and named.
    std::fs::write(
        root.join("images/I01_05_02.png"),
        b"\x89PNG\r\n\x1a\n broken",
    )
    .unwrap();
    let out = iqa(&["datasets", "check", "--kind", "kadid10k", "--root", root_s]);
    ok(&out);
    let out = iqa(&[
        "datasets", "check", "--kind", "kadid10k", "--root", root_s, "--decode",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 of 126 images") && err.contains("I01_05_02.png"),
        "{err}"
    );

    let out = iqa(&["datasets", "check", "--kind", "kadid", "--root", root_s]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("kadid10k"), "{err}");
    let out = iqa(&["datasets", "check", "--kind", "csiq", "--root", root_s]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("src_imgs"), "{err}");
    let missing = dir.path().join("nothing");
    let out = iqa(&[
        "datasets",
        "check",
        "--kind",
        "tid2013",
        "--root",
        missing.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("nothing"), "{err}");
}
