//! The error type of the classic metrics: plain-Rust computations on [`Plane`]s, with
//! no tensor library, so that they have their own small error type (converted into
//! `ModelError` at the registry boundary).
//!
//! [`Plane`]: super::Plane

/// What can go wrong when a classic metric scores an image or a pair.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClassicError {
    /// A plane's sample count does not match its declared size.
    #[error("a {width}x{height} plane needs {expected} samples, but {actual} were given")]
    PlaneLength {
        /// Declared width.
        width: usize,
        /// Declared height.
        height: usize,
        /// `width * height`.
        expected: usize,
        /// Samples given.
        actual: usize,
    },
    /// An image is smaller than the metric can work with.
    #[error(
        "{metric}: the image is {height}x{width} pixels (height x width), but at least {min_height}x{min_width} is needed ({why})"
    )]
    TooSmall {
        /// The metric.
        metric: &'static str,
        /// Image height.
        height: usize,
        /// Image width.
        width: usize,
        /// Minimum height.
        min_height: usize,
        /// Minimum width.
        min_width: usize,
        /// Why that minimum.
        why: &'static str,
    },
    /// The reference and the distorted image differ in size.
    #[error(
        "{metric}: the reference is {ref_width}x{ref_height} but the distorted image is {dist_width}x{dist_height} (width x height); full-reference metrics compare images of the same size"
    )]
    SizeMismatch {
        /// The metric.
        metric: &'static str,
        /// Reference width.
        ref_width: usize,
        /// Reference height.
        ref_height: usize,
        /// Distorted width.
        dist_width: usize,
        /// Distorted height.
        dist_height: usize,
    },
    /// The image gives the metric nothing to measure (for example NIQE on an image whose
    /// every block is flat), or a step of the computation became undefined.
    #[error("{metric}: {reason}")]
    Undefined {
        /// The metric.
        metric: &'static str,
        /// What happened, naming the quantity at fault.
        reason: String,
    },
}
