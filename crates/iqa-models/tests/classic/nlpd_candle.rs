//! The candle NLPD (`iqa_models::fr::Nlpd`) against the plain-f64 `classic::nlpd` on the
//! calibration pairs and the four pairs of `classic/pairs` (two of odd size), batched,
//! and as a differentiable loss.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use candle_core::{Device, Tensor, Var};
use iqa_models::classic::{Plane, nlpd};
use iqa_models::fr::Nlpd;
use iqa_models::{FullReferenceModel, ModelError};

use crate::fixtures::{pair_path, planes, relative, tensor};

const PAIRS: [&str; 9] = [
    "I03",
    "I04",
    "I06",
    "I08",
    "I19",
    "astronaut_blur",
    "astronaut_noise",
    "coffee_jpeg",
    "coffee_noise",
];

/// The image `sub/name.png` of a pair as a tensor and as MATLAB `rgb2gray` luma.
fn load(name: &str, sub: &str) -> (Tensor, Plane) {
    let path = pair_path(name, sub);
    (tensor(&path), planes(&path).rgb2gray_u8())
}

fn scores(metric: &Nlpd, r: &Tensor, d: &Tensor) -> Vec<f64> {
    let v: Vec<f32> = metric.predict(r, d).unwrap().to_vec1().unwrap();
    v.into_iter().map(f64::from).collect()
}

#[test]
fn candle_nlpd_agrees_with_the_classic_port() {
    // Both compute in f64 on the same rounded luma and differ only in the order of the
    // sums (~1e-15); the candle value is returned in f32, whose rounding (at most 6e-8
    // relative) bounds the agreement.
    for name in PAIRS {
        let (r, r_luma) = load(name, "ref");
        let (d, d_luma) = load(name, "dist");
        let want = nlpd(&r_luma, &d_luma).unwrap();
        let got = scores(&Nlpd::new(), &r, &d)[0];
        assert!(
            relative(got, want) < 1e-7,
            "nlpd {name}: candle {got}, classic {want}"
        );
    }
}

#[test]
fn a_batch_of_two_scores_both_pairs() {
    let pairs: Vec<_> = ["I03", "I19"]
        .iter()
        .map(|name| (load(name, "ref").0, load(name, "dist").0))
        .collect();
    let r = Tensor::cat(&[&pairs[0].0, &pairs[1].0], 0).unwrap();
    let d = Tensor::cat(&[&pairs[0].1, &pairs[1].1], 0).unwrap();
    let batch = scores(&Nlpd::new(), &r, &d);
    assert_eq!(batch.len(), 2);
    for ((r, d), got) in pairs.iter().zip(batch) {
        let alone = scores(&Nlpd::new(), r, d)[0];
        assert!(relative(got, alone) < 1e-7, "batch {got}, alone {alone}");
    }
}

#[test]
fn candle_nlpd_needs_17_by_17() {
    let ok = Tensor::full(0.5f32, (1, 3, 17, 17), &Device::Cpu).unwrap();
    let noisy = Tensor::rand(0f32, 1.0, (1, 3, 17, 17), &Device::Cpu).unwrap();
    assert!(scores(&Nlpd::new(), &ok, &noisy)[0] > 0.0);
    assert_eq!(scores(&Nlpd::new(), &ok, &ok), vec![0.0]);
    let small = ok.narrow(3, 0, 16).unwrap();
    assert!(matches!(
        Nlpd::new().predict(&small, &small),
        Err(ModelError::TooSmall { min_width: 17, .. })
    ));
}

#[test]
fn candle_nlpd_is_a_differentiable_loss() {
    let (r, _) = load("I19", "ref");
    let (d, _) = load("I19", "dist");
    let same = scores(&Nlpd::loss(), &r, &r)[0];
    assert!(same.abs() < 2e-6, "NLPD of an image with itself: {same}");
    let var = Var::from_tensor(&d).unwrap();
    let loss = Nlpd::loss()
        .predict(&r, var.as_tensor())
        .unwrap()
        .sum_all()
        .unwrap();
    let grads = loss.backward().unwrap();
    let grad = grads.get(&var).unwrap().clone();
    let g: Vec<f32> = grad.flatten_all().unwrap().to_vec1().unwrap();
    assert!(g.iter().all(|v| v.is_finite()));
    assert!(g.iter().any(|v| *v != 0.0));
    // A small step along minus the gradient lowers the loss.
    let before = f64::from(loss.to_vec0::<f32>().unwrap());
    let norm = grad
        .sqr()
        .unwrap()
        .sum_all()
        .unwrap()
        .to_vec0::<f32>()
        .unwrap();
    let step = 1e-3 / f64::from(norm.sqrt());
    let moved = (d - grad.affine(step, 0.0).unwrap()).unwrap();
    let after = scores(&Nlpd::loss(), &r, &moved)[0];
    assert!(
        after < before,
        "loss {before} -> {after} after a gradient step"
    );
    // The unrounded loss stays within rounding distance of the metric.
    let metric = scores(&Nlpd::new(), &r, &load("I19", "dist").0)[0];
    assert!(relative(before, metric) < 1e-2, "{before} vs {metric}");
}
