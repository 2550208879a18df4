//! FPR's training loss, as the authors' script sums it: L1 of the FR head's score on the
//! real pair, on the hallucinated pair and of the NR head's score, each against the
//! label, plus two weighted triplet terms that pull each hallucinated feature map towards
//! its real counterpart and away from the other one (anchor f1, positive fake_f1,
//! negative f2; anchor f2, positive fake_f2, negative f1).

use candle_core::Tensor;
use serde::{Deserialize, Serialize};

use super::FprOutputs;
use crate::Result;
use crate::feature_losses::triplet_margin_loss;

/// The weights of FPR's loss terms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FprLossWeights {
    /// The weight of each triplet term (authors: 20).
    pub triplet: f64,
    /// The triplet margin (authors: 0.5).
    pub margin: f64,
}

impl Default for FprLossWeights {
    fn default() -> Self {
        FprLossWeights {
            triplet: 20.0,
            margin: 0.5,
        }
    }
}

/// Each term of FPR's loss (scalars) and their weighted sum.
#[derive(Debug, Clone)]
pub struct FprLosses {
    /// L1 of the FR head on the real pair.
    pub fs: Tensor,
    /// L1 of the FR head on the hallucinated pair.
    pub nfake_fs: Tensor,
    /// L1 of the NR head.
    pub ns: Tensor,
    /// Triplet (f1, fake_f1, f2), unweighted.
    pub triplet_distorted: Tensor,
    /// Triplet (f2, fake_f2, f1), unweighted.
    pub triplet_pristine: Tensor,
    /// The total the optimiser minimises.
    pub total: Tensor,
}

/// The mean absolute difference of two equal-length vectors.
pub(crate) fn l1(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    Ok((a - b)?.abs()?.mean_all()?)
}

/// FPR's loss of one batch: `out` from [`super::Fpr::forward_train`], `scores` the images'
/// labels (one per image).
pub fn fpr_losses(out: &FprOutputs, scores: &Tensor, w: &FprLossWeights) -> Result<FprLosses> {
    let scores = scores.to_dtype(out.fs.dtype())?;
    let fs = l1(&out.fs, &scores)?;
    let nfake_fs = l1(&out.nfake_fs, &scores)?;
    let ns = l1(&out.ns, &scores)?;
    let triplet_distorted = triplet_margin_loss(&out.f1, &out.fake_f1, &out.f2, w.margin)?;
    let triplet_pristine = triplet_margin_loss(&out.f2, &out.fake_f2, &out.f1, w.margin)?;
    let triplets = ((&triplet_distorted + &triplet_pristine)? * w.triplet)?;
    let total = (((&fs + &nfake_fs)? + &ns)? + triplets)?;
    Ok(FprLosses {
        fs,
        nfake_fs,
        ns,
        triplet_distorted,
        triplet_pristine,
        total,
    })
}
