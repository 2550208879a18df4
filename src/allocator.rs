//! The allocator the `iqa` binary and the examples run on, and its one setting.
//!
//! candle allocates a fresh buffer for every tensor op. glibc's malloc hands large freed
//! buffers back to the kernel, so each op page-faults them in again (measured: most of the
//! time of PSNR on a 512x384 pair); mimalloc keeps them, but by default still returns
//! ("purges") memory unused for a while. At 256x256 a training step frees and reallocates
//! hundreds of MiB of activations, and the kernel zeroes every returned page again on
//! reuse: 18 % of a paper-preset step's time in a profile. [`keep_freed_memory`] turns
//! purging off; the process then holds on to its peak memory, which a training run
//! reaches in its first step anyway (measured peak resident memory unchanged: 3.3 GB
//! vs 3.4 GB for `iqa bench --preset paper --batch 1`).

#![allow(unsafe_code)]

use std::os::raw::c_int;

pub use mimalloc::MiMalloc;

/// mimalloc's index of the `purge_delay` option (the same in the v2 and v3 headers).
const MI_OPTION_PURGE_DELAY: c_int = 15;

/// Makes mimalloc keep freed memory for reuse instead of returning it to the OS.
///
/// Only useful where [`MiMalloc`] is the global allocator; harmless elsewhere.
///
/// # Safety
///
/// Call it first in `main`, before any other thread exists: mimalloc's option setter is
/// not thread safe (it writes the option's value while allocating threads may read it).
pub unsafe fn keep_freed_memory() {
    // SAFETY: the caller guarantees no other thread runs; the call writes one entry of
    // mimalloc's option table, and 15 is a valid index in both vendored versions.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

/// The current purge delay in milliseconds (-1: never), to check the setting.
// `c_long` is i64 on Linux but i32 on Windows.
#[allow(clippy::useless_conversion)]
pub fn purge_delay() -> i64 {
    // SAFETY: reading an option is thread safe in mimalloc (initialised at process load).
    i64::from(unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) })
}
