//! FPR's networks: the coupling network's exact inverse, the authors' initialisation,
//! seeded determinism, and clear errors on wrong inputs.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use candle_core::{DType, Device, Tensor};
use iqa_models::fpr::{Fpr, FprConfig, PATCH};

fn small() -> FprConfig {
    FprConfig {
        fr_widths: [4, 8, 8],
        nr_widths: [4, 8],
        coupling_blocks: 3,
    }
}

/// `n` patches with values in [0, 1], the same on every run (candle's CPU random
/// generator cannot be seeded).
fn rand_patches(n: usize) -> Tensor {
    let len = n * 3 * PATCH * PATCH;
    let v: Vec<f32> = (0..len)
        .map(|i| (0.5 + 0.5 * ((i as f64) * 0.618_034 + (i / 7) as f64).sin()) as f32)
        .collect();
    Tensor::from_vec(v, (n, 3, PATCH, PATCH), &Device::Cpu).unwrap()
}

fn max_abs(t: &Tensor) -> f32 {
    t.abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

#[test]
fn the_hallucination_network_inverts_exactly() {
    let (fpr, _) = Fpr::seeded(&small(), &Device::Cpu, 1).unwrap();
    let x = rand_patches(4);
    let out = fpr.forward_train(&x, &rand_patches(4), 2, 2).unwrap();
    let (sf1, sf2) = fpr.nr_features(&x).unwrap();
    let (back1, back2) = fpr.unhallucinate(&out.fake_f1, &out.fake_f2).unwrap();
    // The round trip runs through three blocks of exp, division and 1x1 convolutions in
    // float32, at the scale of the hallucinated features: a few float32 steps of it
    // (1.1e-5 and 1.4e-5 were seen at a scale near 1 on random inputs).
    let scale = max_abs(&out.fake_f1).max(max_abs(&out.fake_f2)).max(1.0);
    for (a, b) in [(&sf1, &back1), (&sf2, &back2)] {
        let err = max_abs(&(a - b).unwrap());
        assert!(err <= 1e-4 * scale, "inverse error {err} (scale {scale})");
    }
    assert_eq!(out.fs.dims(), &[2]);
    assert_eq!(out.f1.dims(), &[4, 8, 8, 8]);
}

#[test]
fn seeded_networks_repeat_and_start_as_the_authors_do() {
    let config = FprConfig::tiny();
    let x = rand_patches(2);
    let (a, vars) = Fpr::seeded(&config, &Device::Cpu, 7).unwrap();
    let (b, _) = Fpr::seeded(&config, &Device::Cpu, 7).unwrap();
    let (c, _) = Fpr::seeded(&config, &Device::Cpu, 8).unwrap();
    let score = |f: &Fpr| f.predict(&x, 1, 2).unwrap().to_vec1::<f32>().unwrap();
    assert_eq!(score(&a), score(&b));
    assert_ne!(score(&a), score(&c));
    let data = vars.data().lock().unwrap();
    let std = |name: &str| {
        let t = data[name].as_tensor().to_dtype(DType::F64).unwrap();
        let n = t.elem_count() as f64;
        let mean = t.sum_all().unwrap().to_scalar::<f64>().unwrap() / n;
        let sq = t
            .sqr()
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
            / n;
        (sq - mean * mean).sqrt()
    };
    // Conv: sqrt(2 / (3 * 3 * out)); sfl3 has the tiny config's 2C = 128 outputs, so
    // sqrt(2 / 1152) = 0.0417.
    let conv = std("sfl3.conv2.conv.0.weight");
    assert!(
        (conv / (2.0f64 / 1152.0).sqrt() - 1.0).abs() < 0.05,
        "{conv}"
    );
    let lin = std("rl1.weight");
    assert!((lin / 0.01 - 1.0).abs() < 0.1, "{lin}");
    // GRU: uniform in +-1/sqrt(32), std 1/sqrt(3 * 32) = 0.102.
    let gru = std("swl1.weight_ih_l0");
    assert!((gru / (1.0f64 / 96.0).sqrt() - 1.0).abs() < 0.05, "{gru}");
    let bias = data["cl2.bias"]
        .as_tensor()
        .abs()
        .unwrap()
        .sum_all()
        .unwrap();
    assert_eq!(bias.to_scalar::<f32>().unwrap(), 0.0);
}

#[test]
fn wrong_inputs_are_named() {
    let (fpr, _) = Fpr::seeded(&small(), &Device::Cpu, 0).unwrap();
    let wrong = Tensor::zeros((2, 3, 32, 32), DType::F32, &Device::Cpu).unwrap();
    let err = fpr.predict(&wrong, 1, 2).unwrap_err().to_string();
    assert!(err.contains("64 x 64") && err.contains("32"), "{err}");
    let err = fpr.predict(&rand_patches(3), 2, 2).unwrap_err().to_string();
    assert!(err.contains("3 patch features for 2 images of 2"), "{err}");
    let err = fpr
        .forward_train(&rand_patches(2), &rand_patches(3), 1, 2)
        .unwrap_err()
        .to_string();
    assert!(err.contains("differ in shape"), "{err}");
    let bad = FprConfig {
        fr_widths: [4, 8, 6],
        ..small()
    };
    let Err(err) = Fpr::seeded(&bad, &Device::Cpu, 0) else {
        panic!("a last FR width of 6 was accepted");
    };
    let err = err.to_string();
    assert!(err.contains("multiple of 4"), "{err}");
}
