//! The error type of `iqa-train`.

use std::path::PathBuf;

/// Everything that can go wrong while training or evaluating a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// A file could not be written, or an image not decoded.
    #[error(transparent)]
    Io(#[from] iqa_io::IoError),
    /// A network or loss failed (shapes, model files).
    #[error(transparent)]
    Model(#[from] iqa_models::ModelError),
    /// The data pipeline failed (images, manifests, splits).
    #[error(transparent)]
    Data(#[from] iqa_data::DataError),
    /// A statistic could not be computed (too few items, constant predictions).
    #[error(transparent)]
    Metrics(#[from] iqa_metrics::MetricsError),
    /// A tensor operation failed inside candle.
    #[error("tensor operation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// A configuration value is unusable.
    #[error("configuration `{field}`: {reason}")]
    Config {
        /// The field at fault, as written in the TOML file.
        field: String,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// A configuration or checkpoint file could not be read or parsed.
    #[error("`{path}`: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A loss became NaN, infinite or larger than the divergence threshold; the last
    /// checkpoint written before it is intact.
    #[error(
        "training diverged at step {step}: {loss} = {value} (the limit is {limit}); the last good checkpoint is kept{checkpoint}"
    )]
    Diverged {
        /// The step (0-based) whose loss went bad.
        step: u64,
        /// Which loss.
        loss: &'static str,
        /// Its value.
        value: f64,
        /// The divergence threshold.
        limit: f64,
        /// Where the last good checkpoint is (empty when none was written yet).
        checkpoint: String,
    },
}

/// `Result` with [`TrainError`].
pub type Result<T> = std::result::Result<T, TrainError>;

/// An error about the file `path`.
pub(crate) fn file_error(path: &std::path::Path, reason: impl std::fmt::Display) -> TrainError {
    TrainError::File {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// An error about the configuration field `field`.
pub(crate) fn config_error(field: &str, reason: impl std::fmt::Display) -> TrainError {
    TrainError::Config {
        field: field.to_string(),
        reason: reason.to_string(),
    }
}
