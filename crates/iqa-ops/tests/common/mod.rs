//! Comparisons shared by the CPU-kernel tests.

#![allow(clippy::unwrap_used, dead_code)]

use candle_core::Tensor;

/// The largest absolute difference between two tensors of the same shape.
pub fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar()
        .unwrap()
}

/// The largest absolute difference relative to the largest reference magnitude.
pub fn rel(a: &Tensor, b: &Tensor) -> f32 {
    let scale: f32 = b.abs().unwrap().max_all().unwrap().to_scalar().unwrap();
    max_abs_diff(a, b) / scale.max(1e-12)
}
