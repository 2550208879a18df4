//! The classic metrics against the official values of the calibration set
//! (`fixtures/calibration/official.csv`) and against the NumPy transcriptions of the
//! authors' code in `fixtures/classic/` (their scripts wrote the CSVs the tests read),
//! one test binary for all of them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../calibration/mod.rs"]
mod calibration;

mod colour;
mod fixtures;
mod gmsd;
mod nlpd_candle;
mod no_reference;
mod registry;
mod wavelet;
