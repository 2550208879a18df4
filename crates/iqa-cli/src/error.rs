//! The error type of the `iqa-cli` library (plots).

use std::path::PathBuf;

/// What can go wrong in this crate's library code (plots); errors of the crates below are
/// wrapped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An evaluation statistic failed.
    #[error(transparent)]
    Metrics(#[from] iqa_metrics::MetricsError),
    /// The plot's file name has no supported extension.
    #[error("cannot plot to `{path}`: expected a file name ending in .svg or .png")]
    PlotFormat {
        /// The file asked for.
        path: PathBuf,
    },
    /// Drawing the plot failed.
    #[error("drawing the plot `{path}` failed: {reason}")]
    Plot {
        /// The file being drawn.
        path: PathBuf,
        /// What the plotting backend reported.
        reason: String,
    },
    /// Writing a file failed.
    #[error(transparent)]
    Io(#[from] iqa_io::IoError),
}

/// Result alias of this crate's library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
