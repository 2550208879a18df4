//! FPR's initialisation, as the authors' code does it: every convolution (including those
//! of the coupling blocks, whose own Xavier x 0.1 start the model-wide loop overwrites)
//! normal with standard deviation sqrt(2 / (k * k * out_channels)), every linear layer
//! normal(0, 0.01), biases 0, and the GRUs as PyTorch starts them (uniform in
//! +-1/sqrt(hidden), biases too). Seeded per tensor name (see [`crate::hiqa::seeded_init`]).

use candle_nn::VarMap;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::head::HIDDEN;
use crate::Result;
use crate::hiqa::init::{normals, overwrite_seeded};

/// Overwrites every tensor of FPR's `varmap` with its seeded initial value.
pub fn fpr_init(varmap: &VarMap, seed: u64) -> Result<()> {
    overwrite_seeded(varmap, seed, initial)
}

fn initial(name: &str, dims: &[usize], rng: &mut ChaCha8Rng) -> Vec<f32> {
    let n: usize = dims.iter().product();
    let leaf = name.rsplit('.').next().unwrap_or(name);
    if leaf.ends_with("_l0") {
        let k = 1.0 / (HIDDEN as f32).sqrt();
        return (0..n).map(|_| rng.random_range(-k..k)).collect();
    }
    match (leaf, dims) {
        ("weight", [out, _, kh, kw]) => {
            let std = (2.0 / (kh * kw * out) as f64).sqrt() as f32;
            normals(rng, n).into_iter().map(|v| v * std).collect()
        }
        ("weight", [_, _]) => normals(rng, n).into_iter().map(|v| v * 0.01).collect(),
        _ => vec![0.0; n],
    }
}
