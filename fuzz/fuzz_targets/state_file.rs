//! Training-state files (`state.safetensors`) through the checkpoint reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("state.safetensors");
    if std::fs::write(&path, data).is_ok() {
        let _ = iqa_train::checkpoint::load(&path, &candle_core::Device::Cpu);
    }
});
