//! # iqa
//!
//! An image quality assessment toolkit: the statistics every IQA paper reports, loaders
//! for the public IQA databases, and deep quality models in candle. This crate is the
//! facade over the workspace's crates and the home of the `iqa` command-line tool.
//!
//! - [`metrics`]: SROCC, KROCC, PLCC, RMSE, logistic mapping, reports, significance tests
//!   (the `iqa-metrics` crate, usable on its own without any deep-learning dependency).
//! - [`models`]: quality models in candle; today the full-reference metrics (PSNR, SSIM,
//!   MS-SSIM, DeepWSD) of the `iqa-models` crate.
//! - [`data`]: the public IQA databases as one manifest type, reference-disjoint splits,
//!   patches and batches (the `iqa-data` crate).
//! - [`train`]: Algorithm 1 of Hallucinated-IQA, checkpoints, the evaluation protocol
//!   (the `iqa-train` crate).
//! - [`synth`]: full-reference metrics as labellers of synthetic databases.
//! - [`plot`]: the scatter plot of predictions against MOS with the fitted curve.
//! - [`allocator`]: the allocator setting the `iqa` binary and the examples run with.
//! - [`worker_threads`]: the setting they give candle's element-wise worker threads.

pub use iqa_data as data;
pub use iqa_metrics as metrics;
pub use iqa_models as models;
pub use iqa_train as train;

pub mod allocator;
mod error;
pub mod plot;
pub mod synth;
pub mod worker_threads;

pub use error::{Error, Result};

/// The README's Rust examples, compiled and run as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
