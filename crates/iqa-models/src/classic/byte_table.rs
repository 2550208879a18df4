//! Per-sample functions of 8-bit images through a 256-entry table.
//!
//! The colour metrics apply costly functions (powers, the sRGB curve) to every sample of
//! images whose samples are the integers 0..255. When every sample is such an integer the
//! function is evaluated once per possible value and looked up, which gives exactly the
//! same numbers as evaluating it per sample; other inputs are evaluated directly.

/// `f` applied to every sample of `data`.
pub(super) fn map_samples(data: &[f64], f: impl Fn(f64) -> f64) -> Vec<f64> {
    if !all_bytes(data) {
        return data.iter().map(|&v| f(v)).collect();
    }
    let table: [f64; 256] = std::array::from_fn(|i| f(i as f64));
    data.iter().map(|&v| table[v as usize]).collect()
}

/// Whether every sample is one of the integers 0..=255.
pub(super) fn all_bytes(data: &[f64]) -> bool {
    data.iter().all(|&v| f64::from(v as u8) == v)
}
