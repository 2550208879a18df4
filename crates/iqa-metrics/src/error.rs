//! The error type of `iqa-metrics`.

use crate::FitKind;

/// Everything that can go wrong when computing an evaluation statistic.
///
/// Bad input is reported here instead of surfacing as a silent `NaN` in a report. Messages
/// name the input at fault (`pred`, `mos`, ...) and say what was expected; callers that read
/// the values from a file add the file and column names on top.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// Two inputs that must pair up element by element have different lengths.
    #[error(
        "length mismatch: `{left}` has {left_len} values but `{right}` has {right_len}; expected one value of each per image"
    )]
    LengthMismatch {
        /// Name of the first input.
        left: &'static str,
        /// Its length.
        left_len: usize,
        /// Name of the second input.
        right: &'static str,
        /// Its length.
        right_len: usize,
    },
    /// An input holds `NaN` or an infinity.
    #[error(
        "`{name}` holds a non-finite value ({value}) at index {index}; expected finite numbers"
    )]
    NonFinite {
        /// Name of the input.
        name: &'static str,
        /// Position of the first offending value.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// Fewer samples than the statistic or fit needs.
    #[error("{what} needs at least {needed} samples, got {got}")]
    TooFewSamples {
        /// The statistic or fit.
        what: &'static str,
        /// The minimum it needs.
        needed: usize,
        /// What it was given.
        got: usize,
    },
    /// An input is constant, so a correlation with it is undefined.
    #[error("`{name}` is constant (every value is {value}), so {what} is undefined")]
    Constant {
        /// Name of the input.
        name: &'static str,
        /// The value every element has.
        value: f64,
        /// The statistic that is undefined.
        what: &'static str,
    },
    /// A parameter is outside its valid range.
    #[error("invalid parameter `{name}` = {value}: expected {expected}")]
    InvalidParameter {
        /// Name of the parameter.
        name: &'static str,
        /// The value given, formatted.
        value: String,
        /// The valid range.
        expected: &'static str,
    },
    /// No start of the logistic fit converged to finite parameters.
    #[error(
        "the {kind} fit did not converge from any of its {starts} starting points; try `--fit none` or a simpler mapping"
    )]
    FitFailed {
        /// The mapping that was fitted.
        kind: FitKind,
        /// How many starting points were tried.
        starts: usize,
    },
    /// A bootstrap drew too many degenerate resamples (constant inputs) to be trusted.
    #[error(
        "bootstrap: {degenerate} of {resamples} resamples were degenerate (a constant input); the sample is too small for a confidence interval"
    )]
    DegenerateBootstrap {
        /// Resamples where the statistic was undefined.
        degenerate: usize,
        /// Resamples drawn.
        resamples: usize,
    },
    /// An error inside one group of a grouped report.
    #[error("group `{group}`: {source}")]
    InGroup {
        /// The group's label.
        group: String,
        /// What went wrong there.
        #[source]
        source: Box<MetricsError>,
    },
}

/// Result alias of `iqa-metrics`.
pub type Result<T, E = MetricsError> = std::result::Result<T, E>;
