//! The error type of `iqa-data`.

use std::path::PathBuf;

/// Everything that can go wrong when reading a database, a split or an image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A file could not be written atomically, or an image not decoded.
    #[error(transparent)]
    File(#[from] iqa_io::IoError),
    /// A file or folder could not be read or written.
    #[error("`{path}`: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A MATLAB .mat file is not in the subset of the v5 format this reader handles.
    #[error("`{path}`: cannot read this MATLAB file: {reason}")]
    Mat {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        reason: String,
    },
    /// A label file (CSV, text, spreadsheet, .mat variable) does not have the expected content.
    #[error("`{path}`: {reason}")]
    Labels {
        /// The label file.
        path: PathBuf,
        /// What is wrong, with the line or row where it helps.
        reason: String,
    },
    /// A database folder lacks a file or folder its layout requires.
    #[error(
        "{database} at `{root}`: `{expected}` is absent; see datasets.md for the layout this loader expects"
    )]
    MissingLayout {
        /// The database kind.
        database: String,
        /// The folder given.
        root: PathBuf,
        /// The file or folder that should be there.
        expected: String,
    },
    /// A name in the labels matches several files whose names differ only in case.
    #[error(
        "{database}: {count} name(s) match several files that differ only in the case of their names, so which one the labels mean is ambiguous: {first}; remove or rename the copies"
    )]
    AmbiguousFiles {
        /// The database kind.
        database: String,
        /// How many names are ambiguous.
        count: usize,
        /// The first few, each with all its matches.
        first: String,
    },
    /// Files that the labels name are not on disk.
    #[error("{database}: {count} image file(s) named by the labels are missing: {first}")]
    MissingFiles {
        /// The database kind.
        database: String,
        /// How many are missing.
        count: usize,
        /// The first few, comma-separated.
        first: String,
    },
    /// Image files on disk that the labels do not name.
    #[error(
        "{database}: {count} image file(s) on disk are not in the labels: {first} (a different release of the database, or files added by hand?)"
    )]
    ExtraFiles {
        /// The database kind.
        database: String,
        /// How many there are.
        count: usize,
        /// The first few, comma-separated.
        first: String,
    },
    /// The same name appears twice where names must be unique.
    #[error("`{path}`: `{name}` appears more than once")]
    Duplicate {
        /// The label file or folder.
        path: PathBuf,
        /// The repeated name.
        name: String,
    },
    /// A score is not a finite number within the database's range.
    #[error("`{path}`, {location}: score {value} is not a finite number in [{min}, {max}]")]
    BadScore {
        /// The label file.
        path: PathBuf,
        /// Line, row or index of the score.
        location: String,
        /// The value found.
        value: f64,
        /// The lowest valid score.
        min: f64,
        /// The highest valid score.
        max: f64,
    },
    /// A database folder or manifest has no items.
    #[error("{what}: no items")]
    Empty {
        /// What was empty.
        what: String,
    },
    /// An image file could not be decoded.
    #[error("`{path}`: cannot decode the image: {reason}")]
    Image {
        /// The image file.
        path: PathBuf,
        /// The decoder's message.
        reason: String,
    },
    /// An output folder holds a synthetic database made with other settings.
    #[error(
        "`{folder}` holds a synthetic database made with another {field} (there: {was}; asked for: {now}); resuming would mix images of both. Use another folder, or delete this one to start over"
    )]
    RecipeMismatch {
        /// The output folder.
        folder: PathBuf,
        /// The setting that differs.
        field: &'static str,
        /// Its value in the folder.
        was: String,
        /// Its value in this run.
        now: String,
    },
    /// A configuration value is out of its valid range.
    #[error("invalid {what}: {reason}")]
    Config {
        /// The option.
        what: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A split file or manifest could not be parsed.
    #[error("`{path}`: {reason}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        reason: String,
    },
    /// The labeller of a synthetic database (a full-reference metric) failed.
    #[error("labelling `{path}` failed: {reason}")]
    Labeller {
        /// The distorted image being scored.
        path: PathBuf,
        /// The metric's message.
        reason: String,
    },
    /// A tensor operation failed inside candle.
    #[error("tensor operation failed: {0}")]
    Candle(#[from] candle_core::Error),
}

/// `Result` with [`DataError`].
pub type Result<T> = std::result::Result<T, DataError>;

/// Wraps an I/O error with the path it concerns.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> DataError {
    let path = path.into();
    move |source| DataError::Io { path, source }
}
