//! Input checks shared by every statistic, so that bad input becomes a typed error.

use crate::{MetricsError, Result};

/// Fails on the first `NaN` or infinity in `values`.
pub(crate) fn finite(name: &'static str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(MetricsError::NonFinite {
            name,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// Fails when two paired inputs differ in length.
pub(crate) fn same_len(left: (&'static str, &[f64]), right: (&'static str, &[f64])) -> Result<()> {
    if left.1.len() != right.1.len() {
        return Err(MetricsError::LengthMismatch {
            left: left.0,
            left_len: left.1.len(),
            right: right.0,
            right_len: right.1.len(),
        });
    }
    Ok(())
}

/// Fails when fewer than `needed` samples are given.
pub(crate) fn at_least(what: &'static str, needed: usize, got: usize) -> Result<()> {
    if got < needed {
        return Err(MetricsError::TooFewSamples { what, needed, got });
    }
    Ok(())
}

/// Fails when every value is the same (a correlation with it is undefined).
pub(crate) fn not_constant(name: &'static str, values: &[f64], what: &'static str) -> Result<()> {
    if let Some(&first) = values.first()
        && values.iter().all(|&v| v == first)
    {
        return Err(MetricsError::Constant {
            name,
            value: first,
            what,
        });
    }
    Ok(())
}

/// The checks of a correlation between `pred` and `mos`: equal lengths, finite values, at
/// least `needed` samples, neither input constant.
pub(crate) fn correlation_inputs(
    what: &'static str,
    needed: usize,
    pred: &[f64],
    mos: &[f64],
) -> Result<()> {
    paired(what, needed, pred, mos)?;
    not_constant("pred", pred, what)?;
    not_constant("mos", mos, what)
}

/// The checks of an error measure between `pred` and `mos`: equal lengths, finite values, at
/// least `needed` samples.
pub(crate) fn paired(what: &'static str, needed: usize, pred: &[f64], mos: &[f64]) -> Result<()> {
    same_len(("pred", pred), ("mos", mos))?;
    at_least(what, needed, pred.len())?;
    finite("pred", pred)?;
    finite("mos", mos)
}
