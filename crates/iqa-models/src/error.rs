//! The error type of `iqa-models`.

use std::path::PathBuf;

/// Everything that can go wrong when building, loading or running a quality model.
/// Messages name the model, file or tensor at fault and what was expected; they name no
/// command-line option (the command line adds its own).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A tensor operation failed inside candle.
    #[error("tensor operation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// A classic metric refused its input or could not score it.
    #[error(transparent)]
    Classic(#[from] crate::classic::ClassicError),
    /// An image could not be decoded, a file not written, or a job would not fit in memory.
    #[error(transparent)]
    File(#[from] iqa_io::IoError),
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
    /// A weights file is missing or does not hold what the model needs.
    #[error("{model}: cannot load weights from `{path}`: {reason}; it needs {help}")]
    Weights {
        /// The model.
        model: &'static str,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
        /// What weights it needs and how to obtain them.
        help: &'static str,
    },
    /// A model that needs weights was asked for without them.
    #[error("{model} needs weights and none were given: {help}")]
    MissingWeights {
        /// The model.
        model: &'static str,
        /// What weights it needs and how to obtain them.
        help: &'static str,
    },
    /// No model or metric of that name is registered (or no preset, pooling, ...).
    #[error("unknown {what} `{name}`{}; known: {known}", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownName {
        /// What kind of name (`model`, `full-reference metric`, `preset`, ...).
        what: &'static str,
        /// The name given.
        name: String,
        /// The closest known name, if one is close.
        suggestion: Option<&'static str>,
        /// Every known name, comma-separated.
        known: String,
    },
    /// A registered model of the other kind was asked for (a no-reference model where a
    /// full-reference metric is needed, or the reverse).
    #[error("`{name}` is a {kind} model; a {wanted} model is needed here")]
    WrongKind {
        /// The model's name.
        name: &'static str,
        /// What it is.
        kind: crate::registry::ModelKind,
        /// What was needed.
        wanted: crate::registry::ModelKind,
    },
    /// A model file is unreadable or does not hold what its metadata describes.
    #[error("`{path}`: {reason}")]
    ModelFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A tensor a file must hold is missing.
    #[error("`{path}`: tensor `{tensor}` is missing")]
    MissingTensor {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
    },
    /// A tensor of a file has another shape than the network's.
    #[error("`{path}`: tensor `{tensor}` has shape {found:?}; the network needs {expected:?}")]
    TensorShape {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// Its shape in the file.
        found: Vec<usize>,
        /// The network's shape.
        expected: Vec<usize>,
    },
    /// A tensor of a file holds NaN or infinite values (a diverged training run, a
    /// corrupted file): every score computed from it would be meaningless.
    #[error(
        "`{path}`: tensor `{tensor}` holds {count} NaN or infinite value(s); the file is corrupt or comes from a diverged training run"
    )]
    NonFiniteTensor {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// How many of its values are not finite.
        count: usize,
    },
    /// A model gave a score that is not a finite number.
    #[error(
        "{model} gave the score {score}; its weights or the image drive it out of range (is the model file from a diverged run?)"
    )]
    NonFiniteScore {
        /// The model.
        model: String,
        /// The score it gave.
        score: f64,
    },
    /// A model that needs the true reference image (the oracle) was asked to score
    /// without one.
    #[error(
        "{model} needs the true reference image as input, which no-reference scoring does not have; test it on a database with references instead"
    )]
    NeedsReference {
        /// The model (its file, where it came from one).
        model: String,
    },
    /// A setting is out of range or inconsistent.
    #[error("{field}: {reason}")]
    InvalidConfig {
        /// The setting.
        field: &'static str,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// A device name is unknown, or the device cannot be opened.
    #[error("device `{name}`: {reason}")]
    Device {
        /// The name given.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A variable map's lock was poisoned by a panic in another thread.
    #[error("the variables of {0} are unusable: another thread panicked while using them")]
    Poisoned(&'static str),
}

/// Result alias of `iqa-models`.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
