//! The error type of `iqa-io`.

use std::path::PathBuf;

/// A file could not be read, decoded or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    /// The operating system refused an operation on a file.
    #[error("cannot {action} `{path}`: {source}")]
    File {
        /// What was being done ("create", "write", "read", ...).
        action: &'static str,
        /// The user's file (never a temporary name).
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// An image file could not be decoded.
    #[error("cannot decode the image `{path}`: {reason}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// A job would need more memory than the machine can give (checked before it
    /// allocates).
    #[error("{what} needs about {needed} of memory; this machine can give {available}. {advice}")]
    OutOfMemory {
        /// The job.
        what: String,
        /// The estimate, in words.
        needed: String,
        /// What the machine has, in words.
        available: String,
        /// What to change.
        advice: String,
    },
    /// An image has transparent pixels, whose quality is undefined.
    #[error(
        "`{path}` has transparent pixels (alpha < 255 at x={x}, y={y}); flatten it onto a background first: quality is defined for opaque images"
    )]
    Transparent {
        /// The file.
        path: PathBuf,
        /// Column of the first transparent pixel.
        x: u32,
        /// Row of the first transparent pixel.
        y: u32,
    },
}

/// Result alias of `iqa-io`.
pub type Result<T, E = IoError> = std::result::Result<T, E>;
