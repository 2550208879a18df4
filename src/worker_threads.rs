//! candle's element-wise worker threads, and the one setting the `iqa` binary and the
//! examples give them.
//!
//! candle 0.11 runs element-wise ops on 64k elements or more over a pool of its own
//! (one thread fewer than the cores), beside the rayon pool the convolutions and matrix
//! products use. After each op its workers spin 25,000 times before they sleep. On a
//! 2-core machine a spinning worker takes a core from the rayon threads running the next
//! convolution: 12.8 % of a tiny-preset D step's (batch 32) samples were that spin.
//! [`short_spin_waits`] lowers the limit to [`SHORT_SPIN_LIMIT`] through the environment
//! variable candle reads when it starts the pool. Measured on the 2-core reference
//! machine (medians of 5 alternating runs of `iqa bench`): training steps at batch 8 and
//! 32 11-19 % faster, batch 1 and forward passes unchanged within noise; limits of 100
//! to 3000 were indistinguishable, 0 (sleep at once) slightly slower.

#![allow(unsafe_code)]

/// The environment variable candle reads its workers' spin limit from.
pub const SPIN_LIMIT_VAR: &str = "CANDLE_BARRIER_POOL_SPIN_LIMIT";

/// The spin limit [`short_spin_waits`] sets (candle's default: 25,000).
pub const SHORT_SPIN_LIMIT: u32 = 1000;

/// Sets candle's worker spin limit to [`SHORT_SPIN_LIMIT`], unless the user set
/// `CANDLE_BARRIER_POOL_SPIN_LIMIT` already (theirs is kept). It takes effect only if
/// called before candle's first element-wise op on a large tensor starts the pool.
///
/// # Safety
///
/// Call it first in `main`, before any other thread exists: it writes the process
/// environment, which other threads may be reading.
pub unsafe fn short_spin_waits() {
    if std::env::var_os(SPIN_LIMIT_VAR).is_none() {
        // SAFETY: the caller guarantees that no other thread runs.
        unsafe { std::env::set_var(SPIN_LIMIT_VAR, SHORT_SPIN_LIMIT.to_string()) }
    }
}

/// The spin limit candle will use: the variable's value, or `None` where it is unset or
/// not a number (candle then uses its default).
pub fn spin_limit() -> Option<u32> {
    std::env::var(SPIN_LIMIT_VAR).ok()?.parse().ok()
}
