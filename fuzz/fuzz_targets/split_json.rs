//! Split files (JSON) against a small manifest.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let manifest = dir.path().join("manifest.csv");
    let rows = "dist,ref,score\na.png,r1.png,0.5\nb.png,r2.png,0.7\nc.png,r1.png,0.2\n";
    let split = dir.path().join("split.json");
    if std::fs::write(&manifest, rows).is_err() || std::fs::write(&split, data).is_err() {
        return;
    }
    // The manifest reader checks that the images it names exist.
    for name in ["a.png", "b.png", "c.png", "r1.png", "r2.png"] {
        if std::fs::write(dir.path().join(name), b"").is_err() {
            return;
        }
    }
    if let Ok(m) = iqa_data::databases::read_manifest_csv(&manifest) {
        let _ = iqa_data::SplitSet::load(&split, &m);
    }
});
