//! # iqa
//!
//! An image quality assessment toolkit: the statistics every IQA paper reports, loaders
//! for the public IQA databases, and deep quality models in candle. This crate is the
//! facade over the workspace's library crates; it re-exports them and adds nothing of its
//! own, so depending on it compiles no command-line dependency (the `iqa` tool is the
//! `iqa-cli` crate).
//!
//! - [`metrics`]: SROCC, KROCC, PLCC, RMSE, logistic mapping, reports, significance tests
//!   (the `iqa-metrics` crate, usable on its own without any deep-learning dependency).
//! - [`models`]: quality models in candle: full-reference metrics (PSNR, SSIM, MS-SSIM,
//!   DeepWSD), Hallucinated-IQA, the registry of both kinds (the `iqa-models` crate).
//! - [`data`]: the public IQA databases as one manifest type, reference-disjoint splits,
//!   patches and batches; synthetic databases with the `synth` feature (the `iqa-data`
//!   crate).
//! - [`train`]: Algorithm 1 of Hallucinated-IQA, checkpoints, the evaluation protocol
//!   (the `iqa-train` crate).

pub use iqa_data as data;
pub use iqa_metrics as metrics;
pub use iqa_models as models;
pub use iqa_train as train;

/// The README's Rust examples, compiled and run as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
