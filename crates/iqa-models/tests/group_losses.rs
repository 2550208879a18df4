//! FPR's and DFSS-IQA's losses against a NumPy transcription of the authors' training
//! scripts (`fixtures/losses/gen_loss_reference.py`), on closed-form inputs, to 1e-5.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use candle_core::{DType, Device, Tensor};
use iqa_models::dfss::{DfssLossWeights, DfssOutputs, ImageStatistics, dfss_losses};
use iqa_models::feature_losses::{mmd_loss, triplet_margin_loss};
use iqa_models::fpr::{FprLossWeights, FprOutputs, fpr_losses};
use serde_json::Value;

fn expected() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/losses/expected.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// sin(a * i + p) over the flat index, as the script's `t`.
fn t(shape: &[usize], a: f64, p: f64) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n).map(|i| (a * i as f64 + p).sin() as f32).collect();
    Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
}

fn scalar(x: &Tensor) -> f64 {
    x.to_dtype(DType::F64).unwrap().to_scalar::<f64>().unwrap()
}

fn close(got: &Tensor, want: &Value, what: &str) {
    let (g, w) = (scalar(got), want.as_f64().unwrap());
    assert!(
        (g - w).abs() <= 1e-5 * w.abs().max(1.0),
        "{what}: {g} vs {w}"
    );
}

#[test]
fn triplet_and_mmd() {
    let exp = expected();
    let (a, p, n) = (
        t(&[3, 2, 4, 4], 0.3, 0.1),
        t(&[3, 2, 4, 4], 0.31, 0.5),
        t(&[3, 2, 4, 4], 0.7, 1.3),
    );
    close(
        &triplet_margin_loss(&a, &p, &n, 0.5).unwrap(),
        &exp["triplet_margin_0_5"],
        "triplet 0.5",
    );
    close(
        &triplet_margin_loss(&a, &p, &n, 3.0).unwrap(),
        &exp["triplet_margin_3"],
        "triplet 3",
    );
    let src = t(&[4, 6], 0.9, 0.2);
    let tgt = (t(&[4, 6], 0.45, 2.0) * 1.5).unwrap();
    close(&mmd_loss(&src, &tgt, 2.0, 5).unwrap(), &exp["mmd"], "mmd");
    // MMD of a set with itself is 0; mismatched shapes are refused.
    assert!(scalar(&mmd_loss(&src, &src, 2.0, 5).unwrap()).abs() < 1e-6);
    assert!(mmd_loss(&src, &t(&[3, 6], 0.1, 0.0), 2.0, 5).is_err());
    assert!(triplet_margin_loss(&a, &p, &t(&[3, 2, 4, 3], 0.1, 0.0), 1.0).is_err());
}

#[test]
fn fpr_loss_terms_and_total() {
    let exp = expected();
    let out = FprOutputs {
        fs: t(&[2], 0.5, 0.2),
        nfake_fs: t(&[2], 0.6, 1.1),
        ns: t(&[2], 0.8, 0.4),
        f1: t(&[6, 2, 8, 8], 0.013, 0.0),
        f2: t(&[6, 2, 8, 8], 0.017, 0.4),
        fake_f1: t(&[6, 2, 8, 8], 0.011, 0.2),
        fake_f2: t(&[6, 2, 8, 8], 0.019, 0.7),
    };
    let l = fpr_losses(&out, &t(&[2], 1.1, 0.3), &FprLossWeights::default()).unwrap();
    let want = &exp["fpr"]["terms"];
    for (k, term) in [
        &l.fs,
        &l.nfake_fs,
        &l.ns,
        &l.triplet_distorted,
        &l.triplet_pristine,
    ]
    .into_iter()
    .enumerate()
    {
        close(term, &want[k], &format!("fpr term {k}"));
    }
    close(&l.total, &exp["fpr"]["total"], "fpr total");
}

#[test]
fn dfss_loss_terms_and_total() {
    let exp = expected();
    let group = |s: Tensor, st: Tensor| ImageStatistics {
        deviation: iqa_models::dfss::gaussian_deviation(&st).unwrap(),
        structure: s,
        statistics: st,
    };
    let out = DfssOutputs {
        score: t(&[2], 0.9, 0.1),
        class_logits: (t(&[2, 4], 0.8, 0.5) * 2.0).unwrap(),
        distorted: group(
            t(&[2, 3], 0.4, 0.0),
            (t(&[2, 5, 3], 0.23, 0.3) * 2.0).unwrap(),
        ),
        reference: group(t(&[2, 3], 0.5, 0.9), t(&[2, 5, 3], 0.37, 1.2)),
        other: group(
            t(&[2, 3], 0.7, 2.1),
            (t(&[2, 5, 3], 0.29, 0.8) * 0.5).unwrap(),
        ),
    };
    let classes = Tensor::new(&[3u32, 1], &Device::Cpu).unwrap();
    let normal = (t(&[2, 15], 1.7, 0.4) * 1.2).unwrap();
    let l = dfss_losses(
        &out,
        &t(&[2], 0.3, 0.6),
        &classes,
        &normal,
        &DfssLossWeights::default(),
    )
    .unwrap();
    let want = &exp["dfss"];
    for (key, term) in [
        ("score", &l.score),
        ("triplet", &l.triplet),
        ("mmd", &l.mmd),
        ("pristine", &l.pristine),
        ("class", &l.class),
        ("total", &l.total),
    ] {
        close(term, &want[key], key);
    }
}

/// Every gradient of `vars` after `loss.backward()` is finite.
fn gradients_finite(loss: &Tensor, vars: &candle_nn::VarMap) -> usize {
    let grads = loss.backward().unwrap();
    let data = vars.data().lock().unwrap();
    let mut with_grad = 0;
    for (name, var) in data.iter() {
        if let Some(g) = grads.get(var.as_tensor()) {
            with_grad += 1;
            let bad = g
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
                .iter()
                .filter(|v| !v.is_finite())
                .count();
            assert_eq!(bad, 0, "{bad} non-finite gradients in {name}");
        }
    }
    with_grad
}

#[test]
fn both_models_train_without_non_finite_gradients() {
    use iqa_models::dfss::{Dfss, DfssConfig};
    use iqa_models::fpr::{Fpr, FprConfig};
    let dev = Device::Cpu;
    let (fpr, vars) = Fpr::seeded(&FprConfig::tiny(), &dev, 1).unwrap();
    let x = |n, side| Tensor::rand(0f32, 1f32, (n, 3, side, side), &dev).unwrap();
    let out = fpr.forward_train(&x(4, 64), &x(4, 64), 2, 2).unwrap();
    let l = fpr_losses(&out, &t(&[2], 0.3, 0.2), &FprLossWeights::default()).unwrap();
    let n = gradients_finite(&l.total, &vars);
    assert_eq!(n, vars.all_vars().len(), "every FPR tensor gets a gradient");

    // DFSS: the 1x1 maps of the last block have a standard deviation of exactly 0 in
    // every cell, where a plain square root's gradient is infinite.
    let (dfss, vars) = Dfss::seeded(&DfssConfig::tiny(6), &dev, 2).unwrap();
    let out = dfss
        .forward(&x(6, 32), &x(6, 32), &x(6, 32), 2, 3, true)
        .unwrap();
    let classes = Tensor::new(&[1u32, 4], &dev).unwrap();
    let normal = Tensor::randn(0f32, 1f32, (2, 3 * 64), &dev).unwrap();
    let l = dfss_losses(
        &out,
        &t(&[2], 0.3, 0.2),
        &classes,
        &normal,
        &DfssLossWeights::default(),
    )
    .unwrap();
    assert!(scalar(&l.total).is_finite());
    gradients_finite(&l.total, &vars);
}
