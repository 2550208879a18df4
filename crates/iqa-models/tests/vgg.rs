//! The VGG module as L_v uses it (VGG19, max pooling): tap shapes, loading
//! torchvision-named files, frozen weights, the loss and its gradient.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor, Var};
use iqa_models::hiqa::PERCEPTUAL_TAPS;
use iqa_models::hiqa::losses::{perceptual_vgg, vgg_loss};
use iqa_models::vgg::Vgg;

#[test]
fn taps_loading_and_gradients() {
    let dev = Device::Cpu;
    let vgg = Vgg::random(1, &perceptual_vgg(&PERCEPTUAL_TAPS), &dev).unwrap();
    let x = Tensor::rand(0f32, 1f32, (2, 3, 64, 64), &dev).unwrap();
    let maps = vgg.forward(&x).unwrap();
    let dims: Vec<Vec<usize>> = maps.iter().map(|m| m.dims().to_vec()).collect();
    assert_eq!(
        dims,
        vec![
            vec![2, 128, 32, 32],
            vec![2, 256, 16, 16],
            vec![2, 512, 8, 8]
        ]
    );

    // A file with torchvision's names loads.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vgg19.safetensors");
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    // The first four convolutions, enough for the relu2_2 tap.
    for (i, (cin, cout)) in [
        (0usize, (3usize, 64usize)),
        (2, (64, 64)),
        (5, (64, 128)),
        (7, (128, 128)),
    ] {
        tensors.insert(
            format!("features.{i}.weight"),
            Tensor::rand(-0.1f32, 0.1, (cout, cin, 3, 3), &dev).unwrap(),
        );
        tensors.insert(
            format!("features.{i}.bias"),
            Tensor::zeros(cout, DType::F32, &dev).unwrap(),
        );
    }
    candle_core::safetensors::save(&tensors, &path).unwrap();
    let loaded = Vgg::load(&path, &perceptual_vgg(&[8]), "L_v", &dev).unwrap();
    assert_eq!(loaded.forward(&x).unwrap()[0].dims(), &[2, 128, 32, 32]);
    // Deeper taps need layers the file lacks: the error names the file and says how to convert.
    let err = Vgg::load(&path, &perceptual_vgg(&PERCEPTUAL_TAPS), "L_v", &dev)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("vgg19.safetensors") && err.contains("torchvision"),
        "{err}"
    );
    assert!(
        Vgg::random(0, &perceptual_vgg(&[7]), &dev).is_err(),
        "7 is a conv, not a ReLU"
    );

    // L_v: zero for identical images, a gradient for the hallucination only.
    let r = Tensor::rand(0f32, 1f32, (1, 3, 32, 32), &dev).unwrap();
    let v = vgg_loss(&vgg, &r, &r).unwrap().to_scalar::<f32>().unwrap();
    assert!(v.abs() < 1e-10, "{v}");
    let h = Var::from_tensor(&Tensor::rand(0f32, 1f32, (1, 3, 32, 32), &dev).unwrap()).unwrap();
    let loss = vgg_loss(&vgg, h.as_tensor(), &r).unwrap();
    assert!(loss.to_scalar::<f32>().unwrap() > 0.0);
    let grads = loss.backward().unwrap();
    assert!(grads.get(h.as_tensor()).is_some());
}
