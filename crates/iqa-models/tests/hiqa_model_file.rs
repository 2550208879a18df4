//! Model files: bit-exact round trip with the variant recorded, scoring through the one
//! whole-image path, the oracle refused, and errors that name the tensor at fault.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use iqa_models::hiqa::model_file::{load, save};
use iqa_models::hiqa::{HiqaConfig, HiqaNetworks, HiqaScorer, RegressorMode, Variant};
use iqa_models::nr::PatchGrid;
use iqa_models::{ModelError, score_image};

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
    save(
        &nets,
        Variant::Full,
        &path,
        true,
        &[("trained_steps", "7".into())],
    )
    .unwrap();
    let saved = load(&path, &Device::Cpu).unwrap();
    let back = saved.networks;
    assert_eq!(back.config, nets.config);
    assert_eq!(back.regressor.mode(), RegressorMode::FULL);
    assert_eq!(saved.variant, Variant::Full);
    assert_eq!(saved.metadata["trained_steps"], "7");
    let a = tensors(&path);
    let second = dir.path().join("again.safetensors");
    save(&back, Variant::Full, &second, true, &[]).unwrap();
    let b = tensors(&second);
    assert_eq!(a.len(), b.len());
    for (name, t) in &a {
        let u = &b[name];
        let x: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
        let y: Vec<f32> = u.flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(x, y, "{name}");
    }
    let img = Tensor::rand(0f32, 1f32, (1, 3, 80, 72), &Device::Cpu).unwrap();
    let grid = PatchGrid {
        size: 64,
        stride: 32,
    };
    let s1 = score_image(
        &HiqaScorer::new(nets, Variant::Full, grid).unwrap(),
        &img,
        4,
    )
    .unwrap();
    let s2 = score_image(
        &HiqaScorer::from_file(&path, &Device::Cpu).unwrap(),
        &img,
        3,
    )
    .unwrap();
    assert_eq!(s1, s2);
    assert!(s1.is_finite());
}

#[test]
fn an_oracle_model_is_refused_for_no_reference_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oracle.safetensors");
    let nets = HiqaNetworks::new(
        &HiqaConfig::tiny(),
        RegressorMode::NO_FUSION,
        &Device::Cpu,
        3,
    )
    .unwrap();
    save(&nets, Variant::Oracle, &path, false, &[]).unwrap();
    let err = HiqaScorer::from_file(&path, &Device::Cpu).unwrap_err();
    assert!(matches!(err, ModelError::NeedsReference { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("oracle.safetensors") && text.contains("true reference"),
        "{text}"
    );
    assert_eq!(text.matches("oracle.safetensors").count(), 1, "{text}");
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
    save(&nets, Variant::Perceptual, &path, false, &[]).unwrap();
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
