//! Losses on feature vectors that the group's models share, as their PyTorch code defines
//! them: the triplet margin loss (`nn.TripletMarginLoss`, p = 2) and the multi-kernel
//! Gaussian MMD of the authors' `utils.MMD_loss`.

use candle_core::{D, Tensor};

use crate::{ModelError, Result};

/// PyTorch's `pairwise_distance` adds this to the difference before the norm.
const PAIRWISE_EPS: f64 = 1e-6;

/// The mean over the batch of max(d(a, p) - d(a, n) + margin, 0), with d the Euclidean
/// distance of `(a - p + 1e-6)` over all but the first axis (each sample flattened).
pub fn triplet_margin_loss(
    anchor: &Tensor,
    positive: &Tensor,
    negative: &Tensor,
    margin: f64,
) -> Result<Tensor> {
    if anchor.dims() != positive.dims() || anchor.dims() != negative.dims() {
        return Err(ModelError::InvalidConfig {
            field: "triplet loss inputs",
            reason: format!(
                "anchor {:?}, positive {:?} and negative {:?} must have one shape",
                anchor.dims(),
                positive.dims(),
                negative.dims()
            ),
        });
    }
    let distance = |other: &Tensor| -> Result<Tensor> {
        let diff = ((anchor - other)? + PAIRWISE_EPS)?.flatten_from(1)?;
        Ok(diff.sqr()?.sum(D::Minus1)?.sqrt()?)
    };
    let hinge = ((distance(positive)? - distance(negative)?)? + margin)?.relu()?;
    Ok(hinge.mean_all()?)
}

/// The squared maximum mean discrepancy between the rows of `source` and of `target` (the
/// same number of rows), with a sum of `kernels` Gaussian kernels whose bandwidths are the
/// mean squared distance between all distinct rows of both, divided by `multiplier` to
/// the power `kernels / 2`, times 1, `multiplier`, `multiplier^2`, ... The bandwidth is a
/// constant for the gradient, as the authors' `.data` makes it.
pub fn mmd_loss(
    source: &Tensor,
    target: &Tensor,
    multiplier: f64,
    kernels: usize,
) -> Result<Tensor> {
    let (n, _) = source.dims2()?;
    if target.dims() != source.dims() || n < 1 || kernels == 0 {
        return Err(ModelError::InvalidConfig {
            field: "mmd inputs",
            reason: format!(
                "source {:?} and target {:?} must be equal-shaped, non-empty matrices (kernels {kernels})",
                source.dims(),
                target.dims()
            ),
        });
    }
    let total = Tensor::cat(&[source, target], 0)?;
    let m = 2 * n;
    let a = total.unsqueeze(0)?.broadcast_as((m, m, total.dim(1)?))?;
    let b = total.unsqueeze(1)?.broadcast_as((m, m, total.dim(1)?))?;
    let squared = (a - b)?.sqr()?.sum(D::Minus1)?;
    let total_distance = squared
        .detach()
        .sum_all()?
        .to_dtype(candle_core::DType::F64)?
        .to_scalar::<f64>()?;
    let mean = total_distance / (m * m - m) as f64;
    let base = mean / multiplier.powi((kernels / 2) as i32);
    let mut kernel = squared.zeros_like()?;
    for k in 0..kernels {
        let bandwidth = base * multiplier.powi(k as i32);
        kernel = (kernel + (squared.affine(-1.0 / bandwidth, 0.0)?).exp()?)?;
    }
    let xx = kernel.narrow(0, 0, n)?.narrow(1, 0, n)?;
    let yy = kernel.narrow(0, n, n)?.narrow(1, n, n)?;
    let xy = kernel.narrow(0, 0, n)?.narrow(1, n, n)?;
    let yx = kernel.narrow(0, n, n)?.narrow(1, 0, n)?;
    Ok((((xx + yy)? - xy)? - yx)?.mean_all()?)
}
