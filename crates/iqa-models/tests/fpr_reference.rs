//! FPR's forward pass against an independent NumPy transcription
//! (`fixtures/fpr/gen_fpr_reference.py`): the same closed-form weights and patches, every
//! output within 1e-5 relative (float32 here, float64 there), the authors' tensor names and
//! shapes, and the test-time score's dependence on patch order.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use candle_core::{DType, Device, IndexOp, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use iqa_models::fpr::{Fpr, FprConfig, PATCH};
use serde_json::Value;

fn expected() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fpr/expected.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn phase(name: &str) -> f64 {
    0.013 * name.bytes().map(f64::from).sum::<f64>()
}

/// The script's formula for tensor `name` of `dims`.
fn formula(name: &str, dims: &[usize]) -> Vec<f32> {
    let n: usize = dims.iter().product();
    let leaf = name.rsplit('.').next().unwrap();
    let p = phase(name);
    (0..n)
        .map(|i| {
            let i = i as f64;
            let v = if leaf.ends_with("_l0") {
                0.25 * (0.731 * i + p).sin()
            } else if leaf == "bias" {
                0.05 * (0.5 * i + p).sin()
            } else {
                let fan_in: usize = dims[1..].iter().product();
                let gain = if name.starts_with("InvRescaleNet.") {
                    0.5
                } else {
                    2.0
                };
                gain * (0.731 * i + p).sin() / (fan_in as f64).sqrt()
            };
            v as f32
        })
        .collect()
}

fn patches(a: f64, b: f64, phase_n: f64, count: usize) -> Tensor {
    let mut v = Vec::with_capacity(count * 3 * PATCH * PATCH);
    for n in 0..count {
        for c in 0..3 {
            for y in 0..PATCH {
                for x in 0..PATCH {
                    let t = a * y as f64 + b * (c + 1) as f64 * x as f64 + phase_n * n as f64;
                    v.push((0.5 + 0.45 * t.sin()) as f32);
                }
            }
        }
    }
    Tensor::from_vec(v, (count, 3, PATCH, PATCH), &Device::Cpu).unwrap()
}

fn close(got: f64, want: f64, what: &str) {
    let tol = 1e-5 * want.abs().max(1.0);
    assert!((got - want).abs() <= tol, "{what}: {got} vs {want}");
}

fn scalars(t: &Tensor) -> Vec<f64> {
    t.to_dtype(DType::F64).unwrap().to_vec1().unwrap()
}

#[test]
fn forward_matches_the_numpy_transcription() {
    let exp = expected();
    let widths = |k: &str| -> Vec<usize> {
        exp["config"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect()
    };
    let (fr, nr) = (widths("fr_widths"), widths("nr_widths"));
    let config = FprConfig {
        fr_widths: [fr[0], fr[1], fr[2]],
        nr_widths: [nr[0], nr[1]],
        coupling_blocks: exp["config"]["coupling_blocks"].as_u64().unwrap() as usize,
    };
    let vars = VarMap::new();
    let fpr = Fpr::new(
        &config,
        VarBuilder::from_varmap(&vars, DType::F32, &Device::Cpu),
    )
    .unwrap();
    // The authors' tensor names and shapes, no more and no fewer.
    {
        let data = vars.data().lock().unwrap();
        let mut ours: Vec<(String, Vec<usize>)> = data
            .iter()
            .map(|(k, v)| (k.clone(), v.dims().to_vec()))
            .collect();
        ours.sort();
        let theirs: Vec<(String, Vec<usize>)> = exp["tensors"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let dims = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_u64().unwrap() as usize);
                (k.clone(), dims.collect())
            })
            .collect();
        assert_eq!(ours, theirs);
        for (name, var) in data.iter() {
            let t = Tensor::from_vec(formula(name, var.dims()), var.dims(), &Device::Cpu).unwrap();
            Var::set(var, &t).unwrap();
        }
    }
    let (images, per_image) = (
        exp["config"]["images"].as_u64().unwrap() as usize,
        exp["config"]["patches"].as_u64().unwrap() as usize,
    );
    let n = images * per_image;
    let dist = patches(0.37, 0.23, 1.7, n);
    let refs = patches(0.41, 0.19, 0.9, n);
    let out = fpr.forward_train(&dist, &refs, images, per_image).unwrap();
    for (key, t) in [
        ("fs", &out.fs),
        ("nfake_fs", &out.nfake_fs),
        ("ns", &out.ns),
    ] {
        let want: Vec<f64> = serde_json::from_value(exp[key].clone()).unwrap();
        for (g, w) in scalars(t).iter().zip(&want) {
            close(*g, *w, key);
        }
    }
    let (sf1, _) = fpr.nr_features(&dist).unwrap();
    for (key, t) in [
        ("f1", &out.f1),
        ("f2", &out.f2),
        ("fake_f1", &out.fake_f1),
        ("fake_f2", &out.fake_f2),
        ("sf1", &sf1),
    ] {
        let t = t.to_dtype(DType::F64).unwrap();
        let sum = t.sum_all().unwrap().to_scalar::<f64>().unwrap();
        let abs = t
            .abs()
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap();
        close(sum, exp["sums"][key].as_f64().unwrap(), key);
        close(abs, exp["abs_sums"][key].as_f64().unwrap(), key);
    }
    let first: Vec<f64> = serde_json::from_value(exp["fake_f2_first"].clone()).unwrap();
    let got = out.fake_f2.i((0, .., 0, 0)).unwrap();
    for (g, w) in scalars(&got).iter().zip(&first) {
        close(*g, *w, "fake_f2[0, :, 0, 0]");
    }
    // The test-time path gives NS; reversing each image's patches changes it (the GRU reads
    // them in order), as in the NumPy transcription.
    let ns = fpr.predict(&dist, images, per_image).unwrap();
    assert_eq!(scalars(&ns), scalars(&out.ns));
    let order: Vec<u32> = (0..images)
        .flat_map(|k| {
            (0..per_image)
                .rev()
                .map(move |p| (k * per_image + p) as u32)
        })
        .collect();
    let index = Tensor::new(order.as_slice(), &Device::Cpu).unwrap();
    let reversed = fpr
        .predict(&dist.index_select(&index, 0).unwrap(), images, per_image)
        .unwrap();
    let want: Vec<f64> = serde_json::from_value(exp["ns_reversed_patches"].clone()).unwrap();
    for (g, w) in scalars(&reversed).iter().zip(&want) {
        close(*g, *w, "ns, patches reversed");
    }
}
