//! # iqa-metrics
//!
//! The evaluation statistics of image quality assessment (IQA), as IQA papers report them
//! and as SciPy computes them:
//!
//! - rank correlations on raw predictions: [`srocc`] (average ranks for ties) and
//!   [`krocc`] (Kendall's tau-b in O(n log n));
//! - [`plcc`], [`rmse`], [`mae`] and the [`outlier_ratio`] after a nonlinear mapping onto
//!   the MOS scale, fitted by Levenberg-Marquardt ([`fit_logistic`], [`FitKind`]);
//! - reports overall and per group ([`evaluate`]), summaries over repeated splits
//!   ([`evaluate_splits`], [`summarize_splits`]), bootstrap confidence intervals ([`bootstrap_intervals`]) and
//!   significance tests between two predictors ([`compare_correlations`],
//!   [`residual_f_test`]).
//!
//! Bad input (mismatched lengths, `NaN`, too few samples, constant inputs) is a
//! [`MetricsError`], never a `NaN` in a report. The crate has no deep-learning
//! dependency, so any Rust program can use it cheaply.
//!
//! ```
//! use iqa_metrics::{EvalInput, EvalOptions, evaluate};
//!
//! let pred = [0.31, 0.52, 0.48, 0.77, 0.90, 0.12, 0.66];
//! let mos = [32.0, 49.0, 55.0, 71.0, 88.0, 15.0, 60.0];
//! let report = evaluate(&EvalInput::new(&pred, &mos), &EvalOptions::default())?;
//! assert!(report.overall.srocc > 0.9);
//! # Ok::<(), iqa_metrics::MetricsError>(())
//! ```

mod aggregate;
mod bootstrap;
mod checks;
mod correlation;
mod error;
mod fit;
mod kendall;
mod lm;
mod logistic;
mod outlier;
mod rank;
mod report;
mod significance;

pub use aggregate::{SplitReport, SplitSummary, Summary, evaluate_splits, summarize_splits};
pub use bootstrap::{
    BootstrapIntervals, BootstrapOptions, ConfidenceInterval, bootstrap_intervals,
    bootstrap_intervals_with_progress,
};
pub use correlation::{mae, plcc, rmse, srocc};
pub use error::{MetricsError, Result};
pub use fit::{FitOptions, LogisticFit, StartStrategy, fit_logistic, fit_logistic_with};
pub use kendall::krocc;
pub use logistic::FitKind;
pub use outlier::{OutlierRule, outlier_ratio};
pub use rank::average_ranks;
pub use report::{Correlations, EvalInput, EvalOptions, EvaluationReport, GroupFit, evaluate};
pub use significance::{
    CorrelationKind, ResidualFTest, WilliamsTest, compare_correlations, residual_f_test,
    williams_test,
};

/// The names most programs need, for `use iqa_metrics::prelude::*`.
pub mod prelude {
    pub use crate::{
        EvalInput, EvalOptions, EvaluationReport, FitKind, MetricsError, evaluate, krocc, plcc,
        rmse, srocc,
    };
}
