//! MATLAB v5 files (LIVE's label files) through the reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = iqa_data::mat5::MatFile::parse(data, std::path::Path::new("fuzz.mat"));
});
