//! The kernels' tuning knobs, read from the environment once per process into one
//! [`Tuning`] value, so that every kernel sees the same settings and there is one place
//! that lists them:
//!
//! | variable | values | effect |
//! |---|---|---|
//! | `IQA_CONV` | `candle` | candle's stock operations instead of the fused CPU kernels |
//! | `IQA_CONV_SPLIT` | `products` | at small batches, thread each block's matrix product instead of spreading one image's row blocks over the threads |
//! | `IQA_CONV_WEIGHT_COLUMNS` | `rows`, `pixels` | force one column-matrix layout for the convolution's weight gradient |
//!
//! The backend can also be switched at run time with [`set_backend`] (tests compare both).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

/// Which implementation runs the CPU operations of this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// The project's fused custom ops (the default).
    Fast,
    /// candle's stock operations (for comparison, or as a fallback).
    Candle,
}

/// How a convolution uses the threads when the batch is smaller than the thread pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmallBatchSplit {
    /// One image's row blocks spread over the threads, each block on one core (default).
    SpreadBlocks,
    /// Each block's matrix product threaded (`IQA_CONV_SPLIT=products`).
    ThreadedProducts,
}

/// The column-matrix layout of the convolution's weight gradient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WeightColumns {
    /// By layer width: by pixel for narrow layers, row-major otherwise (default).
    Auto,
    /// Always row-major, as the forward pass (`IQA_CONV_WEIGHT_COLUMNS=rows`).
    Rows,
    /// Always one line per output pixel (`IQA_CONV_WEIGHT_COLUMNS=pixels`).
    Pixels,
}

/// Every knob of the kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// The backend the process starts with.
    pub backend: Backend,
    /// Thread use at small batches.
    pub small_batch_split: SmallBatchSplit,
    /// The weight gradient's column layout.
    pub weight_columns: WeightColumns,
}

impl Default for Tuning {
    /// The measured best on the reference machines: fused kernels, spread blocks, layout
    /// by width.
    fn default() -> Self {
        Tuning {
            backend: Backend::Fast,
            small_batch_split: SmallBatchSplit::SpreadBlocks,
            weight_columns: WeightColumns::Auto,
        }
    }
}

impl Tuning {
    /// The settings a lookup function gives (`std::env::var` in a program); unknown values
    /// keep the default.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Tuning {
        let default = Tuning::default();
        Tuning {
            backend: match lookup("IQA_CONV").as_deref() {
                Some("candle") => Backend::Candle,
                _ => default.backend,
            },
            small_batch_split: match lookup("IQA_CONV_SPLIT").as_deref() {
                Some("products") => SmallBatchSplit::ThreadedProducts,
                _ => default.small_batch_split,
            },
            weight_columns: match lookup("IQA_CONV_WEIGHT_COLUMNS").as_deref() {
                Some("rows") => WeightColumns::Rows,
                Some("pixels") => WeightColumns::Pixels,
                _ => default.weight_columns,
            },
        }
    }
}

/// The process's settings, read from the environment on first use.
pub fn tuning() -> &'static Tuning {
    static TUNING: OnceLock<Tuning> = OnceLock::new();
    TUNING.get_or_init(|| Tuning::from_lookup(|name| std::env::var(name).ok()))
}

/// 0: as [`tuning`] says; 1: fast; 2: candle.
static BACKEND_OVERRIDE: AtomicU8 = AtomicU8::new(0);

/// The backend in use: the last [`set_backend`], else the environment's.
pub fn backend() -> Backend {
    match BACKEND_OVERRIDE.load(Ordering::Relaxed) {
        1 => Backend::Fast,
        2 => Backend::Candle,
        _ => tuning().backend,
    }
}

/// Chooses the backend for the rest of the process (every thread).
pub fn set_backend(backend: Backend) {
    let v = match backend {
        Backend::Fast => 1,
        Backend::Candle => 2,
    };
    BACKEND_OVERRIDE.store(v, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_values_map_to_settings() {
        let none = Tuning::from_lookup(|_| None);
        assert_eq!(none, Tuning::default());
        let all = Tuning::from_lookup(|name| {
            Some(
                match name {
                    "IQA_CONV" => "candle",
                    "IQA_CONV_SPLIT" => "products",
                    _ => "pixels",
                }
                .to_string(),
            )
        });
        assert_eq!(all.backend, Backend::Candle);
        assert_eq!(all.small_batch_split, SmallBatchSplit::ThreadedProducts);
        assert_eq!(all.weight_columns, WeightColumns::Pixels);
        let rows = Tuning::from_lookup(|n| (n == "IQA_CONV_WEIGHT_COLUMNS").then(|| "rows".into()));
        assert_eq!(rows.weight_columns, WeightColumns::Rows);
        // A typo keeps the default rather than half-applying.
        let typo = Tuning::from_lookup(|_| Some("candel".to_string()));
        assert_eq!(typo, Tuning::default());
    }
}
