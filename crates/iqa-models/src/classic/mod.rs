//! The classic IQA metrics every paper table compares against, computed as the authors'
//! code computes them, in plain `f64` Rust on [`Plane`]s (no tensor library; the
//! differentiable ones that serve as losses live in [`crate::fr`]).
//!
//! No-reference, on MATLAB `rgb2gray` luma: [`niqe`] and [`brisque`] (with the
//! parameters their authors fitted, compiled in from `data/`) and [`piqe`].
//! Full-reference: [`vif`], [`nlpd`] and [`cw_ssim`] on luma; [`fsim`] (FSIM and FSIMc),
//! [`vsi`] and [`mad`] on colour. [`ClassicFr`] and [`ClassicNr`] put them behind the
//! crate's model traits, which is how the registry builds them by name.
//!
//! Each is checked against a NumPy transcription of the published code kept in
//! `tests/fixtures/classic/` (agreement to about 1e-13) and against the official values
//! of the calibration set.

mod error;
mod models;
mod plane;

pub use error::ClassicError;
pub use models::{ClassicFr, ClassicFrMetric, ClassicNr, ClassicNrMetric};
pub use plane::{Plane, RGB2GRAY, RgbPlanes};

// Shared building blocks.
mod byte_table;
mod colour;
mod correlate;
mod downsample;
pub mod fft2;
mod linalg;
mod log_gabor;
mod pairwise_sum;
mod resize;
mod small_linalg;

// No-reference metrics.
mod brisque;
mod mscn;
mod niqe;
mod nss;
mod piqe;

pub use brisque::brisque;
pub use niqe::niqe;
pub use piqe::piqe;

// Full-reference metrics on luma.
mod complex_steerable;
mod cw_ssim;
mod nlpd;
mod steerable_sp5;
mod vif;
mod vif_gsm;

pub use cw_ssim::cw_ssim;
pub use nlpd::nlpd;
pub use vif::vif;

// Full-reference metrics on colour.
mod block_moments;
mod feature_similarity;
mod fsim;
mod mad;
mod mad_appearance;
mod mad_detection;
mod phase_congruency;
mod saliency_sdsp;
mod vsi;

pub use fsim::{FsimScores, fsim};
pub use mad::mad;
pub use vsi::vsi;
