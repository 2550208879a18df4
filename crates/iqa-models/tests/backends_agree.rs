//! The project's fused CPU kernels give the right training gradients for whole networks:
//! against the same networks run with candle's own operations in f64 (the reference),
//! they are as close as candle's own operations in f32 are. Checked for the
//! G-through-D path of L_adv (G in training mode, D in evaluation mode after a
//! training-mode pass has moved its running statistics), L_R through R (with G's
//! hallucination and features) and L_D through D, on the tiny preset.
//!
//! Where a max-pool window has tied maxima the two conventions differ: the project's op
//! gives the gradient to the first (PyTorch's choice), candle's max reduction to every
//! one. Untrained networks with zero biases do produce ties (exact zeros and repeated
//! values), and f32 rounding makes ties that f64 does not have: with random inputs about
//! one run in three showed a few tensors 1-5 % apart, for candle's f32 path as much as
//! for ours (with the every-maximum convention the fused path agreed within 1e-4 in every
//! run). So the test compares each network's whole gradient (relative L2 error), which a
//! few tied windows barely move, on fixed inputs.
//!
//! The backend switch is process-wide, so this file holds one test (its own binary).

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use iqa_models::hiqa::losses::{adversarial_loss, discriminator_loss, regression_loss};
use iqa_models::hiqa::{
    Discriminator, Generator, HiqaConfig, HiqaNetworks, Regressor, RegressorMode,
};
use iqa_models::ops::tuning::{Backend, set_backend};

/// The largest relative L2 error of a network's whole gradient. (Errors in the 1/k^2
/// max-pool gradient, a transposed kernel or a wrong batch-norm term are far larger.)
const TOLERANCE: f64 = 1e-2;

/// Gradients (as f64) of the three losses for G, R and D, in `dtype` with `backend`, the
/// weights copied from `src`.
fn gradients(
    dtype: DType,
    backend: Backend,
    src: &HiqaNetworks,
    x: &Tensor,
    reference: &Tensor,
) -> [HashMap<String, Tensor>; 3] {
    set_backend(backend);
    let dev = Device::Cpu;
    let config = HiqaConfig::tiny();
    let maps = [VarMap::new(), VarMap::new(), VarMap::new()];
    let vb = |k: usize, p: &str| VarBuilder::from_varmap(&maps[k], dtype, &dev).pp(p.to_string());
    let g = Generator::new(&config, vb(0, "g")).unwrap();
    let r = Regressor::new(&config, RegressorMode::FULL, vb(1, "r")).unwrap();
    let d = Discriminator::new(&config, vb(2, "d")).unwrap();
    for (to, from) in maps.iter().zip([&src.g_vars, &src.r_vars, &src.d_vars]) {
        let data = from.data().lock().unwrap();
        let mut to = to.clone();
        for (name, v) in data.iter() {
            to.set_one(name, v.as_tensor().to_dtype(dtype).unwrap())
                .unwrap();
        }
    }
    let (x, reference) = (
        x.to_dtype(dtype).unwrap(),
        reference.to_dtype(dtype).unwrap(),
    );
    let target = Tensor::new(&[0.2f32, 0.5, 0.9], &dev)
        .unwrap()
        .to_dtype(dtype)
        .unwrap();
    let grads_of = |k: usize, loss: &Tensor| -> HashMap<String, Tensor> {
        let grads = loss.backward().unwrap();
        let data = maps[k].data().lock().unwrap();
        data.iter()
            .filter_map(|(name, v)| {
                let g = grads.get(v.as_tensor())?;
                Some((name.clone(), g.to_dtype(DType::F64).unwrap()))
            })
            .collect()
    };
    // D's running statistics move first, so that its evaluation pass uses real ones.
    d.forward(&reference, true).unwrap();
    let h = g.forward(&x, true).unwrap();
    let g_grads = grads_of(
        0,
        &adversarial_loss(&d.forward(&h.image, false).unwrap()).unwrap(),
    );
    let (image, features) = (h.image.detach(), h.features.detach());
    let s = r.forward(&x, Some(&image), Some(&features), true).unwrap();
    let r_grads = grads_of(1, &regression_loss(&s, &target).unwrap());
    let real = d.forward(&reference, true).unwrap();
    let fake = d.forward(&image, true).unwrap();
    let d_fake = Tensor::zeros(3, dtype, &dev).unwrap();
    let d_grads = grads_of(2, &discriminator_loss(&real, &fake, &d_fake).unwrap());
    [g_grads, r_grads, d_grads]
}

/// The relative L2 error of all of a network's gradients together.
fn l2_error(ours: &HashMap<String, Tensor>, truth: &HashMap<String, Tensor>) -> f64 {
    let (mut err, mut norm) = (0.0, 0.0);
    for (name, t) in truth {
        let sq = |v: &Tensor| -> f64 { v.sqr().unwrap().sum_all().unwrap().to_scalar().unwrap() };
        err += sq(&(&ours[name] - t).unwrap());
        norm += sq(t);
    }
    (err / norm.max(1e-300)).sqrt()
}

#[test]
fn fused_kernels_give_the_reference_gradients() {
    let dev = Device::Cpu;
    let src = HiqaNetworks::new(&HiqaConfig::tiny(), RegressorMode::FULL, &dev, 0).unwrap();
    let pattern = |phase: f32| {
        let v: Vec<f32> = (0..3 * 3 * 32 * 32)
            .map(|i| 0.5 + 0.5 * ((i as f32) * 0.7311 + phase).sin() * ((i as f32) * 0.013).cos())
            .collect();
        Tensor::from_vec(v, (3, 3, 32, 32), &dev).unwrap()
    };
    let (x, reference) = (pattern(0.0), pattern(1.3));
    let truth = gradients(DType::F64, Backend::Candle, &src, &x, &reference);
    let fused = gradients(DType::F32, Backend::Fast, &src, &x, &reference);
    let stock = gradients(DType::F32, Backend::Candle, &src, &x, &reference);
    set_backend(Backend::Fast);
    for (k, net) in ["G", "R", "D"].iter().enumerate() {
        assert!(!truth[k].is_empty(), "{net}: no gradients");
        assert_eq!(
            fused[k].len(),
            truth[k].len(),
            "{net}: gradient sets differ"
        );
        let (ours, theirs) = (
            l2_error(&fused[k], &truth[k]),
            l2_error(&stock[k], &truth[k]),
        );
        eprintln!(
            "{net}: relative L2 error of all gradients: fused f32 {ours:.2e}, candle f32 {theirs:.2e}"
        );
        assert!(ours < TOLERANCE, "{net}: relative L2 error {ours}");
    }
}
