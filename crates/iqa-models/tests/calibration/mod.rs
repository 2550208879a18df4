//! The calibration set kept in the repository (five TID2013 pairs as PNG, `official.csv`),
//! shared by the metric tests of iqa-models and the command-line tests of iqa-cli.
#![allow(dead_code, clippy::panic)]

use std::path::PathBuf;

/// The calibration folder; fails if it is missing or empty. (Both crates using this module
/// sit side by side under `crates/`, so one relative path serves both.)
pub fn calibration() -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../iqa-models/tests/fixtures/calibration");
    assert!(
        dir.join("official.csv").is_file(),
        "calibration set not found: no official.csv in {}",
        dir.display()
    );
    for kind in ["ref", "dist"] {
        let pngs = std::fs::read_dir(dir.join(kind)).map_or(0, |entries| {
            entries
                .filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png"))
                })
                .count()
        });
        assert!(
            pngs > 0,
            "calibration set incomplete: no PNG images in {}",
            dir.join(kind).display()
        );
    }
    dir
}

/// The official values of one metric (a row of `official.csv`), by the column's image
/// name (`I03.bmp`, as the TID2013 originals are named).
pub fn official(metric: &str) -> Vec<(String, f64)> {
    let path = calibration().join("official.csv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut lines = text.lines();
    let names: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .skip(1)
        .map(String::from)
        .collect();
    let row = lines
        .find(|l| l.starts_with(&format!("{metric},")))
        .unwrap_or_else(|| panic!("no row `{metric}` in {}", path.display()));
    names
        .into_iter()
        .zip(row.split(',').skip(1).map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("`{v}` in row `{metric}` is not a number"))
        }))
        .collect()
}
