//! DFSS-IQA's training loss, as the authors' script sums it: L1 of the score; a triplet
//! term on the patch-mean structure features (anchor: the reference, positive: the
//! distorted image of the same content, negative: other content; margin 1); 0.005 times the
//! MMD between the distorted images' statistics features, standardised per channel over
//! each image's patches and flattened to one vector per image, and standard normal vectors
//! of the same shape; the squared Gaussian deviations of both pristine groups and their
//! squared difference (pristine content should look like N(0, 1), and alike); and the
//! cross-entropy of the distortion classifier.

use candle_core::Tensor;
use serde::{Deserialize, Serialize};

use super::DfssOutputs;
use crate::Result;
use crate::feature_losses::{mmd_loss, triplet_margin_loss};
use crate::fpr::l1;

/// The floor under the per-channel deviation when standardising (the authors' 1e-9).
const STD_FLOOR: f64 = 1e-9;

/// The weights and settings of DFSS-IQA's loss terms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DfssLossWeights {
    /// Triplet margin (authors: 1).
    pub margin: f64,
    /// Weight of the MMD term (authors: 0.005).
    pub mmd: f64,
    /// MMD kernels (authors: 5) ...
    pub mmd_kernels: usize,
    /// ... whose bandwidths grow by this factor (authors: 2).
    pub mmd_multiplier: f64,
}

impl Default for DfssLossWeights {
    fn default() -> Self {
        DfssLossWeights {
            margin: 1.0,
            mmd: 0.005,
            mmd_kernels: 5,
            mmd_multiplier: 2.0,
        }
    }
}

/// Each term of DFSS-IQA's loss (scalars) and their sum.
#[derive(Debug, Clone)]
pub struct DfssLosses {
    /// L1 of the score.
    pub score: Tensor,
    /// The structure triplet.
    pub triplet: Tensor,
    /// The MMD to a standard normal, unweighted.
    pub mmd: Tensor,
    /// mean(d_ref^2) + mean(d_other^2) + mean((d_ref - d_other)^2).
    pub pristine: Tensor,
    /// Cross-entropy of the distortion classes.
    pub class: Tensor,
    /// The total the optimiser minimises.
    pub total: Tensor,
}

/// Each image's statistics features standardised per channel over its patches (unbiased
/// deviation, as `torch.std`) and flattened: `images x patches x C` -> `images x (patches
/// * C)`.
pub fn standardised(statistics: &Tensor) -> Result<Tensor> {
    let mean = statistics.mean_keepdim(1)?;
    let centred = statistics.broadcast_sub(&mean)?;
    let patches = statistics.dim(1)?;
    let var = (centred.sqr()?.sum_keepdim(1)? / (patches.max(2) - 1) as f64)?;
    let std = (var.sqrt()? + STD_FLOOR)?;
    Ok(centred.broadcast_div(&std)?.flatten_from(1)?)
}

/// DFSS-IQA's loss of one batch: `out` from [`super::Dfss::forward`], `scores` the
/// distorted images' labels, `classes` their distortion classes (u32), `normal` standard
/// normal samples shaped as [`standardised`]'s output (drawn by the caller, so that the
/// loss is a function of its inputs).
pub fn dfss_losses(
    out: &DfssOutputs,
    scores: &Tensor,
    classes: &Tensor,
    normal: &Tensor,
    w: &DfssLossWeights,
) -> Result<DfssLosses> {
    let score = l1(&out.score, &scores.to_dtype(out.score.dtype())?)?;
    let triplet = triplet_margin_loss(
        &out.reference.structure,
        &out.distorted.structure,
        &out.other.structure,
        w.margin,
    )?;
    let features = standardised(&out.distorted.statistics)?;
    let mmd = mmd_loss(&features, normal, w.mmd_multiplier, w.mmd_kernels)?;
    let (dr, dp) = (&out.reference.deviation, &out.other.deviation);
    let pristine =
        ((dr.sqr()?.mean_all()? + dp.sqr()?.mean_all()?)? + (dr - dp)?.sqr()?.mean_all()?)?;
    let class = candle_nn::loss::cross_entropy(&out.class_logits, classes)?;
    let total = ((((&score + &triplet)? + (&mmd * w.mmd)?)? + &pristine)? + &class)?;
    Ok(DfssLosses {
        score,
        triplet,
        mmd,
        pristine,
        class,
        total,
    })
}
