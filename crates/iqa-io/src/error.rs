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
    /// An image file claims more pixels than a complete file of its size can hold (it is
    /// truncated or crafted); refused before the decoder allocates them.
    #[error(
        "`{path}` is a {format} file of {file_bytes} bytes that claims {width}x{height} pixels; a complete {format} file of that size holds at most {max_pixels} pixels, so this one is truncated or crafted"
    )]
    Implausible {
        /// The file.
        path: PathBuf,
        /// Its format ("PNG", "JPEG").
        format: &'static str,
        /// Its size in bytes.
        file_bytes: u64,
        /// The width its header claims.
        width: u32,
        /// The height its header claims.
        height: u32,
        /// The most pixels a file of that size can hold.
        max_pixels: u64,
    },
    /// Decoding an image would allocate more than a decode may on this machine.
    #[error(
        "`{path}` is {width}x{height} pixels: decoding it needs {needed}, more than the {allowed} one decode may use here (at most 1 GiB, and half the memory this machine can give); use a smaller image or free memory"
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
        /// The decoded size, in words.
        needed: String,
        /// The bound, in words.
        allowed: String,
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
