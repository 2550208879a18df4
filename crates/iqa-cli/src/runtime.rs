//! The process settings the `iqa` binary, the examples and the benches run with, applied
//! by one safe call, [`setup`], first thing in `main`.
//!
//! - **mimalloc keeps freed memory.** candle allocates a fresh buffer for every tensor op.
//!   glibc's malloc hands large freed buffers back to the kernel, so each op page-faults
//!   them in again (most of the time of PSNR on a 512x384 pair); mimalloc keeps them, but
//!   by default still returns ("purges") memory unused for a while, and the kernel zeroes
//!   every returned page again on reuse: 18 % of a paper-preset training step at 256x256.
//!   With purging off the process holds on to its peak memory, which a training run
//!   reaches in its first step anyway (peak resident memory 3.3 GB vs 3.4 GB for
//!   `iqa bench --preset paper --batch 1`). Only useful where [`MiMalloc`] is the global
//!   allocator (declare it with `#[global_allocator]`); harmless elsewhere.
//! - **candle's element-wise workers spin briefly.** candle 0.11 runs element-wise ops on
//!   64k elements or more over a pool of its own beside rayon's, whose workers spin 25,000
//!   times after each op before they sleep. On a 2-core machine a spinning worker took a
//!   core from the next convolution (12.8 % of a tiny-preset D step at batch 32); with
//!   [`SHORT_SPIN_LIMIT`] training steps at batch 8 and 32 ran 11-19 % faster, nothing
//!   slower (limits of 100 to 3000 were indistinguishable, 0 slightly slower). candle reads
//!   the limit from the environment variable [`SPIN_LIMIT_VAR`] when it starts its pool; a
//!   value the user set is kept.
//!
//! Both settings write process-global state that other threads may read (mimalloc's option
//! table, the environment), which is only sound while the process has one thread. [`setup`]
//! therefore checks that first (on Linux, by counting `/proc/self/task`) and applies
//! nothing, with a warning, when other threads exist or the count cannot be read: the
//! program then runs correctly, only slower.

#![allow(unsafe_code)]

use std::os::raw::c_int;

pub use mimalloc::MiMalloc;

/// The environment variable candle reads its workers' spin limit from.
pub const SPIN_LIMIT_VAR: &str = "CANDLE_BARRIER_POOL_SPIN_LIMIT";

/// The spin limit [`setup`] sets (candle's default: 25,000).
pub const SHORT_SPIN_LIMIT: u32 = 1000;

/// mimalloc's index of the `purge_delay` option (the same in the v2 and v3 headers).
const MI_OPTION_PURGE_DELAY: c_int = 15;

/// What [`setup`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Setup {
    /// Both settings applied (the spin limit only where the user had not set one).
    Applied,
    /// Other threads existed (or could not be counted), so nothing was changed.
    Skipped,
}

/// Applies both settings if the process still has a single thread; call it first in
/// `main`. Safe to call at any time: with other threads running it changes nothing.
pub fn setup() -> Setup {
    if !single_threaded() {
        tracing::warn!(
            "runtime settings skipped: other threads already run (call setup first in main)"
        );
        return Setup::Skipped;
    }
    // SAFETY: the process has exactly one thread (checked above, and this thread creates
    // none in between), so nothing reads mimalloc's option table or the environment while
    // they are written. 15 is the purge-delay index in both vendored mimalloc versions.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        if std::env::var_os(SPIN_LIMIT_VAR).is_none() {
            std::env::set_var(SPIN_LIMIT_VAR, SHORT_SPIN_LIMIT.to_string());
        }
    }
    Setup::Applied
}

/// Whether this process has exactly one thread; false where that cannot be told.
fn single_threaded() -> bool {
    #[cfg(target_os = "linux")]
    {
        std::fs::read_dir("/proc/self/task").is_ok_and(|tasks| tasks.count() == 1)
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// mimalloc's current purge delay in milliseconds (-1: never), to check the setting.
// `c_long` is i64 on Linux but i32 on Windows.
#[allow(clippy::useless_conversion)]
pub fn purge_delay() -> i64 {
    // SAFETY: reading an option only reads mimalloc's option table, which is initialised
    // at process load.
    i64::from(unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) })
}

/// The spin limit candle will use: the variable's value, or `None` where it is unset or
/// not a number (candle then uses its default).
pub fn spin_limit() -> Option<u32> {
    std::env::var(SPIN_LIMIT_VAR).ok()?.parse().ok()
}
