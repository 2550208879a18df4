//! Model files (safetensors with a JSON header and metadata) through the loader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("model.safetensors");
    if std::fs::write(&path, data).is_ok() {
        let _ = iqa_models::hiqa::model_file::load(&path, &candle_core::Device::Cpu);
    }
});
