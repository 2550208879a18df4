//! The Hallucinated-IQA networks: shapes (odd sizes too), G's range, seeded determinism,
//! gradients reaching every trainable tensor, the ablation modes, and an optimiser step.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use candle_core::{DType, Device, Tensor};
use candle_nn::{Optimizer, SGD, VarMap};
use iqa_models::hiqa::{HiqaConfig, HiqaNetworks, Preset, RegressorMode};

fn batch(n: usize, h: usize, w: usize, seed: u64) -> Tensor {
    let data: Vec<f32> = (0..n * 3 * h * w)
        .map(|k| {
            let v = (k as u64 ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15))
                .wrapping_mul(6364136223846793005)
                >> 40;
            (v % 1000) as f32 / 1000.0
        })
        .collect();
    Tensor::from_vec(data, (n, 3, h, w), &Device::Cpu).unwrap()
}

#[test]
fn shapes_ranges_and_determinism() {
    let cfg = HiqaConfig::tiny();
    let nets = HiqaNetworks::new(&cfg, RegressorMode::FULL, &Device::Cpu, 7).unwrap();
    for (h, w) in [(64, 64), (37, 53), (16, 17)] {
        let x = batch(2, h, w, 1);
        let g = nets.generator.forward(&x, false).unwrap();
        assert_eq!(g.image.dims(), &[2, 3, h, w]);
        let (lo, hi): (f32, f32) = (
            g.image.min_all().unwrap().to_scalar().unwrap(),
            g.image.max_all().unwrap().to_scalar().unwrap(),
        );
        assert!(
            (0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi),
            "{lo} {hi}"
        );
        assert_eq!(g.features.dims()[..2], [2, cfg.g_width]);
        let s = nets
            .regressor
            .forward(&x, Some(&g.image), Some(&g.features), false)
            .unwrap();
        assert_eq!(s.dims(), &[2]);
        assert_eq!(
            nets.discriminator.forward(&g.image, false).unwrap().dims(),
            &[2]
        );
    }
    // Same seed, same networks; another seed, others.
    let x = batch(2, 64, 64, 3);
    let again = HiqaNetworks::new(&cfg, RegressorMode::FULL, &Device::Cpu, 7).unwrap();
    let other = HiqaNetworks::new(&cfg, RegressorMode::FULL, &Device::Cpu, 8).unwrap();
    let score = |n: &HiqaNetworks| -> Vec<f32> {
        let g = n.generator.forward(&x, false).unwrap();
        n.regressor
            .forward(&x, Some(&g.image), Some(&g.features), false)
            .unwrap()
            .to_vec1()
            .unwrap()
    };
    assert_eq!(score(&nets), score(&again));
    assert_ne!(score(&nets), score(&other));
    // G starts close to the identity (its last convolution starts near zero).
    // (In training mode: fresh running statistics are placeholders until training.)
    let g = nets.generator.forward(&x, true).unwrap().image;
    let diff: f32 = (g - &x)
        .unwrap()
        .abs()
        .unwrap()
        .mean_all()
        .unwrap()
        .to_scalar()
        .unwrap();
    assert!(diff < 0.05, "{diff}");
}

/// Every trainable tensor of `vars` has a non-zero gradient in `grads`.
fn all_reached(vars: &VarMap, grads: &candle_core::backprop::GradStore, what: &str) {
    let data = vars.data().lock().unwrap();
    let mut count = 0;
    for (name, var) in data.iter() {
        if name.ends_with("running_mean") || name.ends_with("running_var") {
            continue;
        }
        let g = grads
            .get(var.as_tensor())
            .unwrap_or_else(|| panic!("{what}: no gradient for {name}"));
        let mag: f32 = g.abs().unwrap().sum_all().unwrap().to_scalar().unwrap();
        assert!(mag > 0.0, "{what}: zero gradient for {name}");
        count += 1;
    }
    assert!(count > 10, "{what}: only {count} tensors");
}

/// The `*.gate` tensors of `vars`, by name.
fn gates(vars: &VarMap) -> Vec<(String, candle_core::Var)> {
    let data = vars.data().lock().unwrap();
    data.iter()
        .filter(|(n, _)| n.ends_with(".gate"))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect()
}

/// Sets every `*.gate` tensor of `vars` to `value`; returns how many there were.
fn set_gates(vars: &VarMap, value: f32) -> usize {
    let gates = gates(vars);
    for (_, var) in &gates {
        var.set(&Tensor::full(value, var.dims(), var.device()).unwrap())
            .unwrap();
    }
    gates.len()
}

#[test]
fn closed_gates_make_r_ignore_g_and_still_learn() {
    let cfg = HiqaConfig::tiny();
    assert!(cfg.gates);
    let nets = HiqaNetworks::new(&cfg, RegressorMode::FULL, &Device::Cpu, 3).unwrap();
    let x = batch(4, 32, 32, 8);
    let g = nets.generator.forward(&x, false).unwrap();
    // A reference far from the input and other features: they would move an ungated R.
    let far = (batch(4, 32, 32, 9) * 0.5).unwrap();
    let other = (&g.features * 3.0).unwrap();
    let scores = |reference: &Tensor, features: &Tensor| -> Vec<f32> {
        nets.regressor
            .forward(&x, Some(reference), Some(features), false)
            .unwrap()
            .to_vec1()
            .unwrap()
    };
    // Closed gates add exactly 0: the score depends on the distorted image alone.
    assert_eq!(scores(&g.image, &g.features), scores(&far, &other));
    // Each gate has a gradient, so the branches open when they lower the loss.
    let s = nets
        .regressor
        .forward(&x, Some(&far), Some(&g.features), true)
        .unwrap();
    let grads = s.sqr().unwrap().sum_all().unwrap().backward().unwrap();
    let gates = gates(&nets.r_vars);
    assert_eq!(gates.len(), 2, "r.stem_map.gate and r.project.gate");
    for (name, var) in gates {
        let g = grads.get(var.as_tensor()).unwrap();
        let v: f32 = g.abs().unwrap().sum_all().unwrap().to_scalar().unwrap();
        assert!(v > 0.0, "no gradient for {name}");
    }
    // Opened, the map and the features move the score.
    assert_eq!(set_gates(&nets.r_vars, 1.0), 2);
    assert_ne!(scores(&g.image, &g.features), scores(&far, &g.features));
    assert_ne!(scores(&g.image, &g.features), scores(&g.image, &other));
}

#[test]
fn gradients_reach_every_trainable_tensor() {
    let cfg = HiqaConfig::tiny();
    let nets = HiqaNetworks::new(&cfg, RegressorMode::FULL, &Device::Cpu, 1).unwrap();
    // R's gates start at 0, which blocks the gradient of the branches behind them until
    // they open (the test below); opened here so that every tensor is reached.
    set_gates(&nets.r_vars, 1.0);
    let x = batch(4, 32, 32, 5);
    let g = nets.generator.forward(&x, true).unwrap();
    let s = nets
        .regressor
        .forward(&x, Some(&g.image), Some(&g.features), true)
        .unwrap();
    let d = nets.discriminator.forward(&g.image, true).unwrap();
    let loss = (s.sqr().unwrap().sum_all().unwrap() + d.sum_all().unwrap()).unwrap();
    let loss = (loss + g.image.sum_all().unwrap()).unwrap();
    let grads = loss.backward().unwrap();
    all_reached(&nets.g_vars, &grads, "G");
    all_reached(&nets.r_vars, &grads, "R");
    all_reached(&nets.d_vars, &grads, "D");
}

#[test]
fn modes_and_missing_inputs() {
    let cfg = HiqaConfig::tiny();
    let x = batch(2, 32, 32, 9);
    let base = HiqaNetworks::new(&cfg, RegressorMode::BASELINE, &Device::Cpu, 0).unwrap();
    assert_eq!(
        base.regressor
            .forward(&x, None, None, false)
            .unwrap()
            .dims(),
        &[2]
    );
    assert!(
        !base
            .r_vars
            .data()
            .lock()
            .unwrap()
            .keys()
            .any(|k| k.contains("stem_map"))
    );
    let full = HiqaNetworks::new(&cfg, RegressorMode::FULL, &Device::Cpu, 0).unwrap();
    let err = full
        .regressor
        .forward(&x, None, None, false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("reference estimate"), "{err}");
    let err = full
        .regressor
        .forward(&x, Some(&x), None, false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("features"), "{err}");
    let mut bad = HiqaConfig::tiny();
    bad.g_width = 6;
    assert!(HiqaNetworks::new(&bad, RegressorMode::FULL, &Device::Cpu, 0).is_err());
    assert!(Preset::from_name("huge").is_err());
    let paper = HiqaConfig::preset(Preset::from_name("paper").unwrap());
    assert_eq!(
        (paper.g_width, paper.g_stacks, paper.g_depth, paper.patch),
        (256, 2, 4, 256)
    );
}

#[test]
fn sgd_steps_reduce_an_l1_loss_on_a_fixed_batch() {
    let cfg = HiqaConfig::tiny();
    let nets = HiqaNetworks::new(&cfg, RegressorMode::NO_FUSION, &Device::Cpu, 3).unwrap();
    let x = batch(8, 32, 32, 11);
    let reference = batch(8, 32, 32, 12);
    let target = Tensor::new(&[0.1f32, 0.9, 0.3, 0.7, 0.5, 0.2, 0.8, 0.4], &Device::Cpu).unwrap();
    let mut sgd = SGD::new(nets.r_vars.all_vars(), 0.01).unwrap();
    let loss = |train| {
        let s = nets
            .regressor
            .forward(&x, Some(&reference), None, train)
            .unwrap();
        (s - &target).unwrap().abs().unwrap().mean_all().unwrap()
    };
    let first: f32 = loss(false)
        .to_dtype(DType::F32)
        .unwrap()
        .to_scalar()
        .unwrap();
    for _ in 0..15 {
        sgd.backward_step(&loss(true)).unwrap();
    }
    let last: f32 = loss(false).to_scalar().unwrap();
    assert!(last < first, "{first} -> {last}");
}

mod losses {
    use super::*;
    use iqa_models::hiqa::Regressor;
    use iqa_models::hiqa::losses::*;
    use iqa_models::vars::frozen;

    fn t(v: &[f32]) -> Tensor {
        Tensor::new(v, &Device::Cpu).unwrap()
    }
    fn val(x: Tensor) -> f64 {
        f64::from(x.to_scalar::<f32>().unwrap())
    }
    fn sigma(z: f64) -> f64 {
        1.0 / (1.0 + (-z).exp())
    }

    #[test]
    fn values_against_the_literal_formulas() {
        assert!((val(pixel_loss(&t(&[0.0, 1.0]), &t(&[1.0, 1.0])).unwrap()) - 0.5).abs() < 1e-7);
        let a = [t(&[1.0, 2.0]), t(&[3.0])];
        let b = [t(&[0.0, 0.0]), t(&[1.0])];
        assert!((val(feature_distance(&a, &b).unwrap()) - (2.5 + 4.0)).abs() < 1e-6);
        assert!(feature_distance(&a, &b[..1]).is_err());
        let labels: Vec<f32> = fake_labels(&t(&[0.1, 0.5]), &t(&[0.12, 0.1]), 0.05)
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(labels, vec![1.0, 0.0]);
        // Eq. 1 literally: -(log D(real) + log(1 - |D(fake) - d|)), averaged.
        let (real, fake, d) = ([3.0, -1.0], [2.0, 0.5], [0.0, 1.0]);
        let literal = (0..2)
            .map(|i| -((sigma(real[i])).ln() + (1.0 - (sigma(fake[i]) - d[i]).abs()).ln()))
            .sum::<f64>()
            / 2.0
            * 1.0;
        let ours =
            val(discriminator_loss(&t(&[3.0, -1.0]), &t(&[2.0, 0.5]), &t(&[0.0, 1.0])).unwrap());
        // Ours averages each expectation separately: the same sum of means.
        let literal_means = -((sigma(3.0).ln() + sigma(-1.0).ln()) / 2.0)
            - (((1.0 - sigma(2.0)).ln() + sigma(0.5).ln()) / 2.0);
        assert!(
            (ours - literal_means).abs() < 1e-5,
            "{ours} vs {literal_means}"
        );
        assert!((literal - literal_means).abs() < 1e-12);
        // Eq. 3 literally: log(1 - D(G(I_d))).
        let adv = val(adversarial_loss(&t(&[0.0, 2.0])).unwrap());
        let lit = ((1.0 - sigma(0.0)).ln() + (1.0 - sigma(2.0)).ln()) / 2.0;
        assert!((adv - lit).abs() < 1e-5, "{adv} vs {lit}");
        // Eq. 4 and 5.
        let w = LossWeights {
            pixel: 2.0,
            perceptual: 3.0,
            adversarial: 5.0,
            ..LossWeights::default()
        };
        let g = val(generator_loss(
            &t(&[1.0]).sum_all().unwrap(),
            &t(&[1.0]).sum_all().unwrap(),
            &t(&[1.0]).sum_all().unwrap(),
            &w,
        )
        .unwrap());
        assert!((g - 10.0).abs() < 1e-6);
        let ls = val(perceptual_loss(
            &t(&[1.0]).sum_all().unwrap(),
            &t(&[2.0]).sum_all().unwrap(),
            0.5,
        )
        .unwrap());
        assert!((ls - 2.0).abs() < 1e-6);
        let r = val(regression_loss(&t(&[0.2, 0.8]), &t(&[0.5, 0.5])).unwrap());
        assert!((r - 0.3).abs() < 1e-6);
    }

    #[test]
    fn quality_loss_uses_a_frozen_r_pre() {
        // R_pre is built without the gates (`TrainConfig::r_pre_network`).
        let cfg = HiqaConfig {
            gates: false,
            ..HiqaConfig::tiny()
        };
        let trained = HiqaNetworks::new(&cfg, RegressorMode::NO_FUSION, &Device::Cpu, 4).unwrap();
        let r_pre = Regressor::new(
            &cfg,
            RegressorMode::NO_FUSION,
            frozen(&trained.r_vars, &Device::Cpu, "R_pre")
                .unwrap()
                .pp("r"),
        )
        .unwrap();
        let x = batch(2, 32, 32, 1);
        let reference = batch(2, 32, 32, 2);
        assert!(val(quality_loss(&r_pre, &x, &reference, &reference).unwrap()) < 1e-12);
        let guess = candle_core::Var::from_tensor(&batch(2, 32, 32, 3)).unwrap();
        let loss = quality_loss(&r_pre, &x, guess.as_tensor(), &reference).unwrap();
        assert!(val(loss.clone()) > 0.0);
        let grads = loss.backward().unwrap();
        assert!(
            grads.get(guess.as_tensor()).is_some(),
            "the hallucination gets a gradient"
        );
        let data = trained.r_vars.data().lock().unwrap();
        assert!(
            data.values().all(|v| grads.get(v.as_tensor()).is_none()),
            "R_pre stays frozen"
        );
    }

    #[test]
    fn adversarial_steps_reduce_the_discriminator_loss() {
        let cfg = HiqaConfig::tiny();
        let nets = HiqaNetworks::new(&cfg, RegressorMode::FULL, &Device::Cpu, 5).unwrap();
        let real = batch(8, 32, 32, 21);
        let fake = batch(8, 32, 32, 22).affine(0.5, 0.0).unwrap();
        let d_fake = Tensor::zeros(8, DType::F32, &Device::Cpu).unwrap();
        let mut sgd = SGD::new(nets.d_vars.all_vars(), 0.05).unwrap();
        let loss = |train| {
            let r = nets.discriminator.forward(&real, train).unwrap();
            let f = nets.discriminator.forward(&fake, train).unwrap();
            discriminator_loss(&r, &f, &d_fake).unwrap()
        };
        let first = val(loss(true));
        for _ in 0..10 {
            sgd.backward_step(&loss(true)).unwrap();
        }
        let last = val(loss(true));
        assert!(last < first, "{first} -> {last}");
    }
}

#[test]
fn the_mscn_channel_reaches_r_and_old_configs_stay_without_it() {
    let cfg = HiqaConfig::tiny();
    assert!(cfg.r_mscn && !HiqaConfig::paper().r_mscn);
    let nets = HiqaNetworks::new(&cfg, RegressorMode::BASELINE, &Device::Cpu, 4).unwrap();
    let weight = {
        let data = nets.r_vars.data().lock().unwrap();
        data.iter()
            .find(|(name, _)| name.ends_with("stem_image.conv.conv.weight"))
            .map(|(_, var)| var.clone())
            .unwrap()
    };
    // The image stem reads R, G, B and the luma's MSCN coefficients.
    assert_eq!(weight.dims(), &[cfg.r_width, 4, 3, 3]);
    let x = batch(2, 32, 32, 6);
    let score = || -> Vec<f32> {
        nets.regressor
            .forward(&x, None, None, false)
            .unwrap()
            .to_vec1()
            .unwrap()
    };
    let before = score();
    // Zero the weights of the colour channels: the score still depends on the image,
    // through the MSCN channel alone.
    let mscn_only = weight
        .as_tensor()
        .narrow(1, 3, 1)
        .unwrap()
        .pad_with_zeros(1, 3, 0)
        .unwrap();
    weight.set(&mscn_only).unwrap();
    let blind = score();
    assert_ne!(before, blind);
    let other = batch(2, 32, 32, 7);
    let moved: Vec<f32> = nets
        .regressor
        .forward(&other, None, None, false)
        .unwrap()
        .to_vec1()
        .unwrap();
    assert_ne!(blind, moved, "the MSCN channel carries the image");
    // A configuration written before the switch existed reads as without it.
    let mut json = serde_json::to_value(HiqaConfig::tiny()).unwrap();
    json.as_object_mut().unwrap().remove("r_mscn");
    let old: HiqaConfig = serde_json::from_value(json).unwrap();
    assert!(!old.r_mscn);
}
