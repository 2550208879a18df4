//! The error type of `iqa-models`.

use std::path::PathBuf;

/// Everything that can go wrong when loading or running a quality model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A tensor operation failed inside candle.
    #[error("tensor operation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// An input tensor has the wrong rank, channel count or size.
    #[error("{metric}: {tensor} has shape {shape:?}; expected {expected}")]
    BadShape {
        /// The model or metric that refused it.
        metric: &'static str,
        /// Which input ("reference", "distorted", ...).
        tensor: &'static str,
        /// The shape it has.
        shape: Vec<usize>,
        /// What was expected.
        expected: String,
    },
    /// The reference and distorted inputs differ in shape.
    #[error(
        "{metric}: the reference is {reference:?} but the distorted image is {distorted:?}; full-reference metrics compare images of the same size"
    )]
    SizeMismatch {
        /// The metric.
        metric: &'static str,
        /// Shape of the reference.
        reference: Vec<usize>,
        /// Shape of the distorted input.
        distorted: Vec<usize>,
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
    /// An image file could not be read or decoded.
    #[error("cannot read the image `{path}`: {reason}")]
    Image {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// An image has transparent pixels, whose quality is undefined.
    #[error(
        "{what} has transparent pixels (alpha < 255 at x={x}, y={y}); flatten it onto a background first, quality metrics compare opaque images"
    )]
    Transparent {
        /// The image at fault.
        what: String,
        /// Column of the first transparent pixel.
        x: u32,
        /// Row of the first transparent pixel.
        y: u32,
    },
    /// A weights file is missing or does not hold what the model needs.
    #[error("{model}: cannot load weights from `{path}`: {reason}\n{help}")]
    Weights {
        /// The model.
        model: &'static str,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
        /// How to obtain suitable weights.
        help: &'static str,
    },
    /// An unknown name or bad setting.
    #[error("{0}")]
    Config(String),
}

/// Result alias of `iqa-models`.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
