//! `iqa bench` prints the JSON form of the design's contract.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::process::Command;

use serde_json::Value;

#[test]
fn bench_json_contract() {
    let out = Command::new(env!("CARGO_BIN_EXE_iqa"))
        .args([
            "bench",
            "--device",
            "cpu",
            "--preset",
            "tiny",
            "--batch",
            "1,2",
            "--patch",
            "32",
            "--seconds",
            "0",
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
    assert_eq!(v["device"], "cpu");
    assert_eq!(v["preset"], "tiny");
    let results = v["results"].as_array().unwrap();
    let whats: Vec<&str> = results
        .iter()
        .map(|r| r["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        whats[..5],
        [
            "R forward",
            "G+R forward",
            "G train step",
            "R train step",
            "D train step"
        ]
    );
    assert_eq!(results.len(), 10);
    for r in results {
        assert_eq!(r["patch"], 32);
        assert!(r["patches_per_s"].as_f64().unwrap() > 0.0, "{r}");
        assert!(r["gflop_per_patch"].as_f64().unwrap() > 0.0, "{r}");
    }
    // --only keeps the measurements whose names contain a filter.
    let only = Command::new(env!("CARGO_BIN_EXE_iqa"))
        .args([
            "bench",
            "--batch",
            "1",
            "--patch",
            "32",
            "--seconds",
            "0",
            "--json",
            "--only",
            "D TRAIN, g+r",
        ])
        .output()
        .unwrap();
    assert!(only.status.success());
    let v: Value = serde_json::from_slice(&only.stdout).unwrap();
    let whats: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["what"].as_str().unwrap())
        .collect();
    assert_eq!(whats, ["G+R forward", "D train step"]);
    let bad = Command::new(env!("CARGO_BIN_EXE_iqa"))
        .args(["bench", "--preset", "huge"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let e = String::from_utf8_lossy(&bad.stderr);
    assert!(
        e.contains("unknown preset `huge`") && e.contains("known: tiny, paper"),
        "{e}"
    );
}
