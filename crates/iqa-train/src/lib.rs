//! # iqa-train
//!
//! Training and evaluation of the deep quality models of the iqa toolkit:
//!
//! - [`Trainer`]: Algorithm 1 of Hallucinated-IQA (pre-train R_pre; alternate D, G and R;
//!   then R alone), for every variant of the paper's ablation ladder ([`Variant`]);
//!   checkpoints written atomically, exact resume, a stop with a clear error when a loss
//!   diverges, a JSONL log and a final report.
//! - [`optim`]: SGD with momentum and weight decay, and Adam, as PyTorch defines them.
//! - [`evaluate`]: whole-image scores from overlapping test patches and the statistics of
//!   the paper (SROCC, PLCC; per distortion type).
//! - [`labeller`]: a full-reference metric as the labeller of synthetic databases.
//! - [`protocol`]: the paper's protocol: reference-disjoint 80/20 splits repeated and
//!   summarised by the median, and cross-database tests with a logistic mapping.

pub mod checkpoint;
pub mod config;
mod error;
pub mod evaluate;
pub mod labeller;
mod log;
pub mod lr;
pub mod optim;
pub mod progress;
pub mod protocol;
mod trainer;

pub use config::TrainConfig;
pub use error::{Result, TrainError};
pub use iqa_models::hiqa::{Adversary, Variant};
pub use progress::{Progress, ProgressHandle};
pub use trainer::{Stage, Start, TrainData, TrainOptions, TrainReport, Trainer, files};
