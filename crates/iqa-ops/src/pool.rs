//! Running a model's CPU work on a thread of rayon's pool.
//!
//! The CPU kernels split each operation over rayon's global pool. Started from a thread
//! outside the pool (a program's main thread), every such operation hands its work to the
//! pool and blocks until the pool is done: a wake-up and a blocking wait per operation,
//! hundreds of times per step. Started from a pool thread, the same operation splits with
//! rayon's work-stealing join instead, and the calling thread works too. [`on_pool`] moves
//! a whole forward pass or training step onto the pool once. On the 2-core reference
//! machine (alternating runs of `iqa bench`) that made the tiny preset about twice as fast
//! at batch 1 (R forward 416 to 767 patches/s, R step 79 to 165) and 6-20 % faster at
//! batch 32; the paper preset's operations are long enough that it changed little.
//!
//! Pool threads have 2 MiB stacks (Rust's default for spawned threads) where a main thread
//! has 8 MiB; candle's backward pass walks the graph recursively. The paper preset's G
//! step, the deepest graph here, also ran with 128 KiB stacks (`RUST_MIN_STACK=131072`).

use candle_core::Device;

/// Runs `work` on a thread of rayon's global pool when `device` is the CPU and the calling
/// thread is not in a rayon pool already; otherwise (CUDA, where the host thread only
/// queues kernels, or already on a pool thread) runs it where it is called. The networks'
/// `forward`, the trainer's step and the scoring functions go through it; a program that
/// writes its own training loop can wrap each step in it.
pub fn on_pool<R: Send>(device: &Device, work: impl FnOnce() -> R + Send) -> R {
    if device.is_cpu() && rayon::current_thread_index().is_none() {
        rayon::scope(|_| work())
    } else {
        work()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cpu_work_runs_on_a_pool_thread_and_other_work_where_called() {
        assert!(rayon::current_thread_index().is_none());
        let on_cpu = on_pool(&Device::Cpu, rayon::current_thread_index);
        assert!(on_cpu.is_some(), "CPU work ran off the pool");
        // Already on a pool thread: the same thread, no second hop.
        let nested = on_pool(&Device::Cpu, || {
            let outer = rayon::current_thread_index();
            (outer, on_pool(&Device::Cpu, rayon::current_thread_index))
        });
        assert_eq!(nested.0, nested.1);
        assert_eq!(on_pool(&Device::Cpu, || 7 * 6), 42);
    }
}
