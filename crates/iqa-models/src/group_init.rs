//! The initialisation of the research group's PyTorch models (FPR, DFSS-IQA), whose
//! `_initialize_weights` loops over every module: each convolution normal with standard
//! deviation sqrt(2 / (k * k * out_channels)) (this also overwrites the Xavier x 0.1 start
//! of FPR's coupling blocks, which the loop reaches later), each batch norm with weight 1
//! and bias 0 (running statistics as PyTorch starts them: mean 0, variance 1), each linear
//! layer normal(0, 0.01), every bias 0; GRUs, which the loop skips, as PyTorch starts them
//! (uniform in +-1/sqrt(hidden), biases too). Seeded per tensor name, as
//! [`crate::hiqa::seeded_init`] is.

use candle_nn::VarMap;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::Result;
use crate::hiqa::init::{normals, overwrite_seeded};

/// The hidden width of the group's GRUs (FPR's patch weighting).
const GRU_HIDDEN: usize = 32;

/// Overwrites every tensor of `varmap` with its seeded initial value.
pub fn group_init(varmap: &VarMap, seed: u64) -> Result<()> {
    overwrite_seeded(varmap, seed, initial)
}

fn initial(name: &str, dims: &[usize], rng: &mut ChaCha8Rng) -> Vec<f32> {
    let n: usize = dims.iter().product();
    let leaf = name.rsplit('.').next().unwrap_or(name);
    if leaf.ends_with("_l0") {
        let k = 1.0 / (GRU_HIDDEN as f32).sqrt();
        return (0..n).map(|_| rng.random_range(-k..k)).collect();
    }
    match (leaf, dims) {
        ("weight", [out, _, kh, kw]) => {
            let std = (2.0 / (kh * kw * out) as f64).sqrt() as f32;
            normals(rng, n).into_iter().map(|v| v * std).collect()
        }
        ("weight", [_, _]) => normals(rng, n).into_iter().map(|v| v * 0.01).collect(),
        // A one-dimensional weight is a batch norm's scale.
        ("weight", [_]) | ("running_var", _) => vec![1.0; n],
        _ => vec![0.0; n],
    }
}
