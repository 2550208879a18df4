//! Generic manifest CSV files (the format `iqa synth` and `iqa datasets export` write).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("manifest.csv");
    if std::fs::write(&path, data).is_ok() {
        let _ = iqa_data::databases::read_manifest_csv(&path);
    }
});
