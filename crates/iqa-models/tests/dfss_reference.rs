//! DFSS-IQA's forward pass against an independent NumPy transcription
//! (`fixtures/dfss/gen_dfss_reference.py`): the same closed-form weights, running
//! statistics and patches; the scores, class logits and per-group statistics within 1e-5
//! relative, with the batch norms in inference and in training mode; the authors' tensor
//! names and shapes; and the score's indifference to patch order.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use iqa_models::dfss::{Dfss, DfssConfig, PATCH};
use serde_json::Value;

fn expected() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dfss/expected.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The script's formula for tensor `name` of `dims`.
fn formula(name: &str, dims: &[usize]) -> Vec<f32> {
    let n: usize = dims.iter().product();
    let leaf = name.rsplit('.').next().unwrap();
    let p = 0.013 * name.bytes().map(f64::from).sum::<f64>();
    (0..n)
        .map(|i| {
            let i = i as f64;
            let v = match (leaf, dims.len()) {
                ("weight", 1) => 1.0 + 0.1 * (0.731 * i + p).sin(),
                ("weight", _) => {
                    let fan_in: usize = dims[1..].iter().product();
                    2.0 * (0.731 * i + p).sin() / (fan_in as f64).sqrt()
                }
                ("bias", _) => 0.05 * (0.5 * i + p).sin(),
                ("running_mean", _) => 0.05 * (0.3 * i + p).sin(),
                ("running_var", _) => 1.0 + 0.5 * (0.3 * i + p).sin().abs(),
                other => panic!("no formula for {name} {other:?}"),
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

fn values(t: &Tensor) -> Vec<f64> {
    t.to_dtype(DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap()
}

fn sum(t: &Tensor) -> f64 {
    values(t).iter().sum()
}

#[test]
fn forward_matches_the_numpy_transcription() {
    let exp = expected();
    let get = |k: &str| exp["config"][k].as_u64().unwrap() as usize;
    let config = DfssConfig {
        stem_width: get("stem_width"),
        conv_width: get("conv_width"),
        block_width: get("block_width"),
        last_width: get("last_width"),
        embed_width: get("embed_width"),
        classes: get("classes"),
    };
    let vars = VarMap::new();
    let dfss = Dfss::new(
        &config,
        VarBuilder::from_varmap(&vars, DType::F32, &Device::Cpu),
    )
    .unwrap();
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
    let (images, per_image) = (get("images"), get("patches"));
    let n = images * per_image;
    let dist = patches(0.37, 0.23, 1.7, n);
    let refs = patches(0.41, 0.19, 0.9, n);
    let other = patches(0.29, 0.31, 2.3, n);
    // The test-time path alone (norms in inference mode) gives the inference score, and
    // the patches' order does not change it (statistics over the set). Before the
    // training-mode pass below, which moves the norms' running statistics.
    let score = dfss.predict(&dist, images, per_image).unwrap();
    let want: Vec<f64> = serde_json::from_value(exp["inference"]["score"].clone()).unwrap();
    for (g, w) in values(&score).iter().zip(&want) {
        close(*g, *w, "predict");
    }
    let order: Vec<u32> = (0..images)
        .flat_map(|k| {
            (0..per_image)
                .rev()
                .map(move |p| (k * per_image + p) as u32)
        })
        .collect();
    let index = Tensor::new(order.as_slice(), &Device::Cpu).unwrap();
    let shuffled = dfss
        .predict(&dist.index_select(&index, 0).unwrap(), images, per_image)
        .unwrap();
    for (g, w) in values(&shuffled).iter().zip(&want) {
        close(*g, *w, "predict, patches reversed");
    }
    for (mode, train) in [("inference", false), ("training", true)] {
        let want = &exp[mode];
        let out = dfss
            .forward(&dist, &refs, &other, images, per_image, train)
            .unwrap();
        let score: Vec<f64> = serde_json::from_value(want["score"].clone()).unwrap();
        for (g, w) in values(&out.score).iter().zip(&score) {
            close(*g, *w, &format!("{mode} score"));
        }
        let logits: Vec<Vec<f64>> = serde_json::from_value(want["class_logits"].clone()).unwrap();
        for (g, w) in values(&out.class_logits).iter().zip(logits.concat()) {
            close(*g, w, &format!("{mode} class logits"));
        }
        for (k, group) in [&out.distorted, &out.reference, &out.other]
            .iter()
            .enumerate()
        {
            close(
                sum(&group.deviation),
                want["deviation_sums"][k].as_f64().unwrap(),
                &format!("{mode} deviation of group {k}"),
            );
            close(
                sum(&group.structure),
                want["structure_sums"][k].as_f64().unwrap(),
                &format!("{mode} structure of group {k}"),
            );
        }
    }
}

#[test]
fn seeded_networks_and_bad_inputs() {
    let config = DfssConfig::tiny(46);
    let (a, _) = Dfss::seeded(&config, &Device::Cpu, 3).unwrap();
    let (b, _) = Dfss::seeded(&config, &Device::Cpu, 3).unwrap();
    let x = Tensor::rand(0f32, 1f32, (4, 3, PATCH, PATCH), &Device::Cpu).unwrap();
    let score = |d: &Dfss| values(&d.predict(&x, 2, 2).unwrap());
    assert_eq!(score(&a), score(&b));
    assert_eq!(config.statistics_channels(), 2 * (64 + 3 * 32 + 64));
    assert_eq!(DfssConfig::paper(50).statistics_channels(), 1792);
    let wrong = Tensor::zeros((2, 3, 64, 64), DType::F32, &Device::Cpu).unwrap();
    let err = a.predict(&wrong, 1, 2).unwrap_err().to_string();
    assert!(err.contains("32 x 32") && err.contains("64"), "{err}");
    let err = a.predict(&x, 3, 2).unwrap_err().to_string();
    assert!(err.contains("4 patches for 3 images of 2"), "{err}");
    let Err(err) = Dfss::seeded(&DfssConfig::tiny(0), &Device::Cpu, 0) else {
        panic!("zero classes accepted");
    };
    assert!(err.to_string().contains("class count"), "{err}");
}
