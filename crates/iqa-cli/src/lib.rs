//! # iqa-cli
//!
//! The `iqa` command-line tool of the iqa toolkit, and the pieces of it that the project's
//! examples and benches share: [`runtime`] (the allocator and thread settings programs run
//! with, applied by one safe call), [`plot`] (the scatter plot), [`learning_curve`] (losses
//! and validation SROCC of a run against the step) and [`progress`] (progress on stderr).
//! The library crates (`iqa-metrics`, `iqa-data`, `iqa-models`, `iqa-train`) and the `iqa`
//! facade do not depend on this crate, so a Rust program that uses them compiles none of
//! the command line's dependencies (clap, indicatif, plotters, mimalloc).

mod error;
pub mod learning_curve;
pub mod plot;
pub mod progress;
pub mod runtime;

pub use error::{Error, Result};
