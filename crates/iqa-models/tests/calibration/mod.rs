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
