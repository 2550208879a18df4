//! Model files: bit-exact round trip, and errors that name the tensor at fault.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use iqa_models::hiqa::model_file::{load, save};
use iqa_models::hiqa::{HiqaConfig, HiqaNetworks, RegressorMode};
use iqa_models::{NoReferenceModel, score_whole_image};

fn tensors(path: &std::path::Path) -> HashMap<String, Tensor> {
    candle_core::safetensors::load(path, &Device::Cpu).unwrap()
}

fn rewrite(
    path: &std::path::Path,
    out: &std::path::Path,
    edit: impl Fn(&mut HashMap<String, Tensor>),
) {
    let bytes = std::fs::read(path).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut t = tensors(path);
    edit(&mut t);
    let mut items: Vec<(String, Tensor)> = t.into_iter().collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let data = safetensors::serialize(
        items.iter().map(|(n, t)| (n.as_str(), t)),
        header.metadata().clone(),
    )
    .unwrap();
    std::fs::write(out, data).unwrap();
}

#[test]
fn round_trip_is_bit_exact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let nets =
        HiqaNetworks::new(&HiqaConfig::tiny(), RegressorMode::FULL, &Device::Cpu, 3).unwrap();
    save(&nets, &path, true).unwrap();
    let back = load(&path, &Device::Cpu).unwrap();
    assert_eq!(back.config, nets.config);
    assert_eq!(back.regressor.mode(), RegressorMode::FULL);
    let a = tensors(&path);
    let second = dir.path().join("again.safetensors");
    save(&back, &second, true).unwrap();
    let b = tensors(&second);
    assert_eq!(a.len(), b.len());
    for (name, t) in &a {
        let u = &b[name];
        let x: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
        let y: Vec<f32> = u.flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(x, y, "{name}");
    }
    let img = Tensor::rand(0f32, 1f32, (1, 3, 80, 72), &Device::Cpu).unwrap();
    let s1 = score_whole_image(&nets, &img, 64, 32, 4).unwrap();
    let s2 = score_whole_image(&back, &img, 64, 32, 4).unwrap();
    assert_eq!(s1, s2);
    assert_eq!(nets.predict(&img).unwrap().dims(), &[1]);
}

#[test]
fn bad_files_name_the_fault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let nets = HiqaNetworks::new(
        &HiqaConfig::tiny(),
        RegressorMode::NO_FUSION,
        &Device::Cpu,
        1,
    )
    .unwrap();
    save(&nets, &path, false).unwrap();
    assert!(load(&path, &Device::Cpu).is_ok());
    let bad = dir.path().join("bad.safetensors");

    rewrite(&path, &bad, |t| {
        t.insert(
            "r.fc2.weight".into(),
            Tensor::zeros((2, 32), candle_core::DType::F32, &Device::Cpu).unwrap(),
        );
    });
    let err = load(&bad, &Device::Cpu).unwrap_err().to_string();
    assert!(
        err.contains("r.fc2.weight") && err.contains("[2, 32]"),
        "{err}"
    );

    rewrite(&path, &bad, |t| {
        t.remove("g.out.bias");
    });
    let err = load(&bad, &Device::Cpu).unwrap_err().to_string();
    assert!(
        err.contains("g.out.bias") && err.contains("missing"),
        "{err}"
    );

    rewrite(&path, &bad, |t| {
        t.insert(
            "r.extra".into(),
            Tensor::zeros(3, candle_core::DType::F32, &Device::Cpu).unwrap(),
        );
    });
    let err = load(&bad, &Device::Cpu).unwrap_err().to_string();
    assert!(err.contains("r.extra"), "{err}");

    // A plain safetensors file without our metadata (e.g. torchvision weights).
    candle_core::safetensors::save(&tensors(&path), &bad).unwrap();
    let err = load(&bad, &Device::Cpu).unwrap_err().to_string();
    assert!(err.contains("format"), "{err}");
    std::fs::write(&bad, b"garbage").unwrap();
    assert!(load(&bad, &Device::Cpu).is_err());
}
