//! Seeded initialisation. candle's CPU random generator cannot be seeded, so networks are
//! built with candle's initialisers and then every tensor is overwritten from a ChaCha8
//! stream of its own (seeded by the seed and the tensor's name): the same seed gives the
//! same network, whatever else the program created first.

use candle_core::{Tensor, Var};
use candle_nn::VarMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::Result;

/// FNV-1a of a name, to give each tensor its own stream.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Standard normal samples (Box-Muller).
pub(crate) fn normals(rng: &mut ChaCha8Rng, n: usize) -> Vec<f32> {
    (0..n)
        .map(|_| {
            let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
            let u2: f64 = rng.random();
            ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
        })
        .collect()
}

/// The initial value of the tensor `name` of shape `dims`: batch-norm statistics and
/// scales as PyTorch starts them (mean 0, variance 1, weight 1, bias 0), biases 0, and
/// weights Kaiming-normal (std sqrt(2 / fan_in)), except G's last convolution, which
/// starts near zero so that G begins as (almost) the identity.
fn initial(name: &str, dims: &[usize], rng: &mut ChaCha8Rng) -> Vec<f32> {
    let n: usize = dims.iter().product();
    let leaf = name.rsplit('.').next().unwrap_or(name);
    let in_norm = name.split('.').any(|p| p.starts_with("bn"));
    match (leaf, dims.len()) {
        ("running_mean", _) | ("bias", _) => vec![0.0; n],
        ("running_var", _) => vec![1.0; n],
        ("weight", 1) if in_norm => vec![1.0; n],
        ("weight", _) => {
            let fan_in: usize = dims.iter().skip(1).product::<usize>().max(1);
            let std = if name.ends_with("out.weight") {
                1e-3
            } else {
                (2.0 / fan_in as f64).sqrt()
            } as f32;
            normals(rng, n).into_iter().map(|v| v * std).collect()
        }
        _ => vec![0.0; n],
    }
}

/// Overwrites every tensor of `varmap` with its seeded initial value.
pub fn seeded_init(varmap: &VarMap, seed: u64) -> Result<()> {
    overwrite_seeded(varmap, seed, initial)
}

/// Overwrites every tensor of `varmap` with `initial(name, dims, rng)`, each tensor drawing
/// from a ChaCha8 stream seeded by `seed` and its name.
pub(crate) fn overwrite_seeded(
    varmap: &VarMap,
    seed: u64,
    initial: impl Fn(&str, &[usize], &mut ChaCha8Rng) -> Vec<f32>,
) -> Result<()> {
    let data = varmap
        .data()
        .lock()
        .map_err(|_| crate::ModelError::Poisoned("a network"))?;
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    for name in names {
        if let Some(var) = data.get(name) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ name_hash(name));
            let dims = var.dims().to_vec();
            let values = initial(name, &dims, &mut rng);
            let t = Tensor::from_vec(values, dims, var.device())?.to_dtype(var.dtype())?;
            Var::set(var, &t)?;
        }
    }
    Ok(())
}

/// Sets the bias of R's output layer (`r.fc2.bias` in `varmap`) to `value`, so that R
/// starts by predicting the mean training label instead of 0. Adam moves a bias by about
/// its learning rate per step, so from 0 a regressor spends its first hundreds of updates
/// only reaching the labels' level (0.7 for SSIM labels at 1e-3).
pub fn start_output_at(varmap: &VarMap, value: f32) -> Result<()> {
    let data = varmap
        .data()
        .lock()
        .map_err(|_| crate::ModelError::Poisoned("a network"))?;
    let name = "r.fc2.bias";
    let var = data
        .get(name)
        .ok_or_else(|| crate::ModelError::InvalidConfig {
            field: "regressor output bias",
            reason: format!("the network has no tensor `{name}`"),
        })?;
    let t = Tensor::full(value, var.dims(), var.device())?.to_dtype(var.dtype())?;
    Var::set(var, &t)?;
    Ok(())
}
