//! The classic full-reference metrics (GMSD, ...) against the official values of
//! `fixtures/calibration/official.csv` and against the NumPy transcriptions of the
//! authors' MATLAB code in `fixtures/classic/` (`fr_reference_a.py` wrote
//! `fr_reference_a.csv`, on the calibration pairs and on four more pairs of odd sizes).
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use candle_core::{Tensor, Var};
use iqa_models::FullReferenceModel;
use iqa_models::fr::Gmsd;

use crate::fixtures::{official, pair_tensors as pair, reference, relative};

fn score(metric: &dyn FullReferenceModel, r: &Tensor, d: &Tensor) -> f64 {
    f64::from(metric.predict(r, d).unwrap().to_vec1::<f32>().unwrap()[0])
}

#[test]
fn gmsd_reproduces_the_official_values_and_the_transcription() {
    // The result is returned in f32: agreement is limited to its 6e-8 relative precision.
    for (name, want) in official("gmsd") {
        let (r, d) = pair(&name);
        let got = score(&Gmsd::new(), &r, &d);
        assert!(
            relative(got, want) < 1e-6,
            "gmsd {name}: ours {got}, official {want}"
        );
    }
    for (name, want) in reference("fr_reference_a.csv", "gmsd") {
        let (r, d) = pair(&name);
        let got = score(&Gmsd::new(), &r, &d);
        assert!(
            relative(got, want) < 1e-6,
            "gmsd {name}: ours {got}, NumPy {want}"
        );
    }
}

#[test]
fn gmsd_is_a_differentiable_loss() {
    let (r, d) = pair("I19");
    let same = score(&Gmsd::loss(), &r, &r);
    assert!(same.abs() < 1e-6, "GMSD of an image with itself: {same}");
    let var = Var::from_tensor(&d).unwrap();
    let loss = Gmsd::loss()
        .predict(&r, var.as_tensor())
        .unwrap()
        .sum_all()
        .unwrap();
    let grads = loss.backward().unwrap();
    let g: Vec<f32> = grads
        .get(&var)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    assert!(g.iter().all(|v| v.is_finite()));
    assert!(g.iter().any(|v| *v != 0.0));
    // The unrounded loss stays within rounding distance of the metric.
    let metric = score(&Gmsd::new(), &r, &d);
    let as_loss = f64::from(loss.to_vec0::<f32>().unwrap());
    assert!(relative(as_loss, metric) < 1e-2, "{as_loss} vs {metric}");
}
