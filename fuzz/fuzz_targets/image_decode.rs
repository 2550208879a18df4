//! Image files through the project's one decode path (format guess, JPEG completeness,
//! size limits, alpha policy).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.img");
    if let Ok(image) = iqa_io::image::decode_bytes(data.to_vec(), path) {
        let _ = iqa_io::image::to_rgb8(image, path);
    }
    let _ = iqa_io::jpeg::check_complete(data);
});
