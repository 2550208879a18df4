//! Per-thread scratch buffers, kept between calls (allocating and zeroing fresh ones
//! per image showed up as page faults in profiles).

thread_local! {
    /// Each thread's column-matrix buffer, kept between calls: allocating (and zeroing)
    /// a fresh one per image showed up as page faults in profiles.
    static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's scratch buffer of at least `len` elements (contents
/// unspecified: the callers overwrite what they use).
pub(super) fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    with_buffer(&SCRATCH, len, f)
}

/// Runs `f` with the first `len` elements of this thread's buffer `key`, grown as needed.
pub(super) fn with_buffer<R>(
    key: &'static std::thread::LocalKey<std::cell::RefCell<Vec<f32>>>,
    len: usize,
    f: impl FnOnce(&mut [f32]) -> R,
) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < len {
                buf.resize(len, 0.0);
            }
            f(&mut buf[..len])
        }
        // Re-entered on this thread (a nested rayon job): use a buffer of its own.
        Err(_) => f(&mut vec![0.0; len]),
    })
}
