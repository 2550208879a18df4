//! # iqa-io
//!
//! Files in and out, the same way in every crate of the iqa toolkit:
//!
//! - [`atomic`]: every file the project writes goes through [`AtomicFile`] or
//!   [`write_atomic`]: a temporary file with a unique name beside the target, renamed into
//!   place only when complete (a crash or a kill never leaves a half-written file under the
//!   real name), removed on error, and cleaned up by the next write to the same target when
//!   a killed process left it behind.
//! - [`image`]: decoding an image file to 8-bit RGB with one policy for grayscale, 16-bit
//!   samples and alpha, used by scoring, testing and training alike; [`jpeg`] refuses
//!   truncated JPEG files, which decoders would silently complete.
//! - [`memory`]: estimates of what a job needs checked against what the machine has,
//!   before anything is allocated.

pub mod atomic;
mod error;
pub mod header;
pub mod image;
pub mod jpeg;
pub mod memory;

pub use atomic::{AtomicFile, write_atomic, write_bytes_atomic};
pub use error::{IoError, Result};
pub use header::repeated_name;
pub use image::decode_rgb8;
