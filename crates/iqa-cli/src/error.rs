//! The error type of the `iqa` facade.

use std::path::PathBuf;

/// What can go wrong in the facade's own code (plots); errors of the crates below are
/// wrapped.
#[derive(Debug, thiserror::Error)]
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
    /// Reading or writing a file failed.
    #[error("{action} `{path}`: {source}")]
    Io {
        /// What was being done ("writing", "renaming to", ...).
        action: &'static str,
        /// The file at fault.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// Result alias of the facade.
pub type Result<T, E = Error> = std::result::Result<T, E>;
