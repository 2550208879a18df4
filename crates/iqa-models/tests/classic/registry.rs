//! The classic metrics as the registry builds them (the path `iqa score --metric` and
//! `iqa fr --metric` take): tensors in [0, 1] give back exactly the scores of the plane
//! functions on the 8-bit images, a batch scores each item on its own, and errors keep
//! their meaning.

use candle_core::{Device, Tensor};
use iqa_models::classic::{ClassicFrMetric, ClassicNrMetric, RgbPlanes};
use iqa_models::registry::{self, ModelOptions};
use iqa_models::{ModelError, score_image};

use crate::fixtures::{pair_path, planes, tensor};

/// A calibration image (`ref` or `dist`) as planes and as a `1 x 3 x H x W` tensor.
fn image(kind: &str, name: &str) -> (RgbPlanes, Tensor) {
    let path = pair_path(name, kind);
    (planes(&path), tensor(&path))
}

#[test]
fn no_reference_metrics_by_name_equal_the_plane_functions() {
    let (p04, t04) = image("dist", "I04");
    let (p08, t08) = image("dist", "I08");
    for metric in [
        ClassicNrMetric::Niqe,
        ClassicNrMetric::Brisque,
        ClassicNrMetric::Piqe,
    ] {
        let model =
            registry::no_reference(metric.name(), &ModelOptions::default(), &Device::Cpu).unwrap();
        let want = [metric.score(&p04).unwrap(), metric.score(&p08).unwrap()];
        let one = score_image(model.as_ref(), &t04, 4).unwrap();
        assert!(
            (one - want[0]).abs() <= 1e-6 * want[0].abs().max(1.0),
            "{metric:?}: {one} vs {want:?}"
        );
        let batch: Vec<f32> = model
            .predict(&Tensor::cat(&[&t04, &t08], 0).unwrap())
            .unwrap()
            .to_vec1()
            .unwrap();
        for (got, want) in batch.iter().zip(want) {
            assert!(
                (f64::from(*got) - want).abs() <= 1e-6 * want.abs().max(1.0),
                "{metric:?}"
            );
        }
    }
    // The authors' NIQE and BRISQUE on I04 (see fixtures/classic/nr_reference.py).
    let niqe = ClassicNrMetric::Niqe.score(&p04).unwrap();
    assert!((niqe - 3.6549).abs() < 1e-4, "{niqe}");
}

#[test]
fn full_reference_metrics_by_name_equal_the_plane_functions() {
    let (rp, rt) = image("ref", "I08");
    let (dp, dt) = image("dist", "I08");
    for name in ["vif", "nlpd", "cw-ssim", "fsim", "fsimc", "vsi", "mad"] {
        let model = registry::full_reference(name, &ModelOptions::default(), &Device::Cpu).unwrap();
        let metric = [
            ClassicFrMetric::Vif,
            ClassicFrMetric::Nlpd,
            ClassicFrMetric::CwSsim,
            ClassicFrMetric::Fsim,
            ClassicFrMetric::Fsimc,
            ClassicFrMetric::Vsi,
            ClassicFrMetric::Mad,
        ]
        .into_iter()
        .find(|m| m.name() == name)
        .unwrap();
        let want = metric.score(&rp, &dp).unwrap();
        let got: Vec<f32> = model.predict(&rt, &dt).unwrap().to_vec1().unwrap();
        assert!(
            (f64::from(got[0]) - want).abs() <= 1e-6 * want.abs().max(1.0),
            "{name}: {got:?} vs {want}"
        );
        // Identical images: the metric's perfect score.
        let same: Vec<f32> = model.predict(&rt, &rt).unwrap().to_vec1().unwrap();
        let perfect = if model.direction().lower_is_better() {
            0.0
        } else {
            1.0
        };
        assert!((same[0] - perfect).abs() < 1e-5, "{name}: {same:?}");
    }
}

#[test]
fn bad_inputs_are_errors_naming_the_metric() {
    let dev = Device::Cpu;
    let vif = registry::full_reference("vif", &ModelOptions::default(), &dev).unwrap();
    let small = Tensor::zeros((1, 3, 32, 32), candle_core::DType::F32, &dev).unwrap();
    let err = vif.predict(&small, &small).unwrap_err();
    assert!(matches!(err, ModelError::Classic(_)), "{err}");
    assert!(err.to_string().contains("vif"), "{err}");
    let other = Tensor::zeros((1, 3, 80, 96), candle_core::DType::F32, &dev).unwrap();
    let big = Tensor::zeros((1, 3, 80, 80), candle_core::DType::F32, &dev).unwrap();
    assert!(matches!(
        vif.predict(&big, &other).unwrap_err(),
        ModelError::SizeMismatch { .. }
    ));
    let gray = Tensor::zeros((1, 1, 80, 80), candle_core::DType::F32, &dev).unwrap();
    assert!(matches!(
        vif.predict(&gray, &gray).unwrap_err(),
        ModelError::BadShape { .. }
    ));
    let niqe = registry::no_reference("niqe", &ModelOptions::default(), &dev).unwrap();
    let err = niqe.predict(&small).unwrap_err().to_string();
    assert!(err.contains("niqe") && err.contains("96"), "{err}");
}
