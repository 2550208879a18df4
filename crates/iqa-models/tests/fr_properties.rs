//! Properties every full-reference metric must have, and its handling of bad input.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use candle_core::{DType, Device, Tensor, Var};
use iqa_models::fr::{DeepWsd, Downsample, MsSsim, Psnr, PsnrChannels, Ssim, SsimChannels};
use iqa_models::{FullReferenceModel, ModelError};

/// A smooth test image with edges: (1, 3, h, w) in [0, 1].
fn scene(h: usize, w: usize) -> Tensor {
    let data: Vec<f32> = (0..3 * h * w)
        .map(|k| {
            let (c, i, j) = (k / (h * w), (k / w) % h, k % w);
            let base = 0.5 + 0.3 * ((i as f32) / 9.0).sin() * ((j as f32) / 13.0 + c as f32).cos();
            if (i / 24 + j / 24) % 2 == 0 {
                base
            } else {
                base * 0.6
            }
        })
        .collect();
    Tensor::from_vec(data, (1, 3, h, w), &Device::Cpu).unwrap()
}

/// Deterministic noise in [-amplitude, amplitude].
fn noisy(x: &Tensor, amplitude: f32) -> Tensor {
    let n = x.elem_count();
    let noise: Vec<f32> = (0..n)
        .map(|k| ((k as f32 * 12.9898).sin() * 43758.547).fract() * 2.0 * amplitude)
        .collect();
    (x + Tensor::from_vec(noise, x.shape(), &Device::Cpu).unwrap())
        .unwrap()
        .clamp(0f32, 1f32)
        .unwrap()
}

fn metrics() -> Vec<Box<dyn FullReferenceModel>> {
    vec![
        Box::new(Psnr::new(PsnrChannels::Rgb)),
        Box::new(Psnr::new(PsnrChannels::Luma)),
        Box::new(Ssim::new(SsimChannels::Luma, Downsample::Auto)),
        Box::new(Ssim::new(SsimChannels::Rgb, Downsample::Off)),
        Box::new(MsSsim::default()),
        Box::new(DeepWsd::with_random_weights(7, &Device::Cpu).unwrap()),
    ]
}

fn scores(metric: &dyn FullReferenceModel, r: &Tensor, d: &Tensor) -> Vec<f32> {
    metric.predict(r, d).unwrap().to_vec1().unwrap()
}

#[test]
fn identity_gives_the_ideal_score() {
    let x = scene(192, 200);
    for metric in metrics() {
        let s = scores(metric.as_ref(), &x, &x)[0];
        let ideal = match metric.name() {
            "psnr" | "psnr-y" => 100.0,
            "deepwsd" => 0.0,
            _ => 1.0,
        };
        assert!(
            (s - ideal).abs() < 1e-5,
            "{}: {s} for identical images",
            metric.name()
        );
    }
}

#[test]
fn scores_worsen_as_noise_grows() {
    let x = scene(192, 200);
    for metric in metrics() {
        let s: Vec<f32> = [0.02f32, 0.08, 0.2]
            .iter()
            .map(|&a| scores(metric.as_ref(), &x, &noisy(&x, a))[0])
            .collect();
        let worsening = if metric.direction().lower_is_better() {
            s[0] < s[1] && s[1] < s[2]
        } else {
            s[0] > s[1] && s[1] > s[2]
        };
        assert!(worsening, "{}: {s:?}", metric.name());
    }
}

#[test]
fn batches_score_each_pair() {
    let x = scene(192, 200);
    let d = noisy(&x, 0.1);
    let batch_r = Tensor::cat(&[&x, &x], 0).unwrap();
    let batch_d = Tensor::cat(&[&x, &d], 0).unwrap();
    for metric in metrics() {
        let s = scores(metric.as_ref(), &batch_r, &batch_d);
        let single = scores(metric.as_ref(), &x, &d)[0];
        assert_eq!(s.len(), 2);
        assert!(
            (s[1] - single).abs() <= 1e-5 * single.abs().max(1.0),
            "{}: {s:?} vs {single}",
            metric.name()
        );
    }
}

#[test]
fn constant_images_have_defined_scores() {
    let grey = Tensor::full(0.5f32, (1, 3, 192, 192), &Device::Cpu).unwrap();
    let dark = Tensor::full(0.1f32, (1, 3, 192, 192), &Device::Cpu).unwrap();
    for metric in metrics() {
        for (r, d) in [(&grey, &grey), (&grey, &dark)] {
            let s = scores(metric.as_ref(), r, d)[0];
            assert!(s.is_finite(), "{}: {s}", metric.name());
        }
    }
}

#[test]
fn mismatched_and_small_inputs_are_refused() {
    let a = scene(192, 200);
    let b = scene(200, 192);
    for metric in metrics() {
        let err = metric.predict(&a, &b).unwrap_err();
        assert!(
            matches!(err, ModelError::SizeMismatch { .. }),
            "{}: {err}",
            metric.name()
        );
    }
    let small = scene(100, 100);
    let err = MsSsim::default().predict(&small, &small).unwrap_err();
    assert!(err.to_string().contains("at least 161x161"), "{err}");
    let tiny = scene(8, 8);
    let err = Ssim::new(SsimChannels::Luma, Downsample::Off)
        .predict(&tiny, &tiny)
        .unwrap_err();
    assert!(err.to_string().contains("at least 11x11"), "{err}");
    let gray = Tensor::zeros((1, 1, 32, 32), DType::F32, &Device::Cpu).unwrap();
    let err = Psnr::default().predict(&gray, &gray).unwrap_err();
    assert!(err.to_string().contains("N x 3 x H x W"), "{err}");
}

#[test]
fn gradient_steps_under_an_ssim_loss_raise_ssim() {
    let reference = scene(64, 64);
    let start = noisy(&reference, 0.25);
    let ssim = Ssim::new(SsimChannels::LumaUnrounded, Downsample::Off);
    let before = scores(&ssim, &reference, &start)[0];
    let image = Var::from_tensor(&start).unwrap();
    for _ in 0..20 {
        let loss = ssim
            .predict(&reference, image.as_tensor())
            .unwrap()
            .neg()
            .unwrap()
            .sum_all()
            .unwrap();
        let grads = loss.backward().unwrap();
        let grad = grads.get(image.as_tensor()).unwrap();
        image
            .set(&(image.as_tensor() - grad.affine(20.0, 0.0).unwrap()).unwrap())
            .unwrap();
    }
    let after = scores(&ssim, &reference, image.as_tensor())[0];
    assert!(after > before + 0.05, "SSIM {before} -> {after}");
}
