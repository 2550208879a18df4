//! BRISQUE, the blind/referenceless image spatial quality evaluator of Mittal, Moorthy &
//! Bovik, "No-reference image quality assessment in the spatial domain" (IEEE TIP 2012),
//! as `brisquescore.m` / `brisque_feature.m` of the authors' release compute it, with
//! their LIVE-trained SVR (`allmodel`) and feature ranges (`allrange`), compiled in from
//! `data/brisque_live.json`. Transcribed from `brisque` of
//! `tests/fixtures/classic/nr_reference.py`.
//!
//! 36 features, 18 at each of two scales (the image, then its half-size `imresize`): the
//! GGD fit of the MSCN coefficients (zero-padded filters) and the AGGD fits of their
//! products with the four circularly shifted neighbours, over the whole image. The
//! authors' pipeline passes the features through text files and libsvm's command-line
//! tools; the two roundings that applies are reproduced: each feature is rounded to six
//! decimals (`fprintf('%f')`) and each scaled feature to six significant digits
//! (`svm-scale` writes `%g`). Differs from MATLAB where a 7x7 window is constant (see
//! [`super::mscn`]). MATLAB's toolbox `brisque` is another model and scores differently.

use std::sync::OnceLock;

use super::mscn::{Padding, mscn};
use super::nss::{fit_aggd_of_products, fit_ggd, gamma};
use super::pairwise_sum::pairwise_sum;
use super::resize::imresize;
use super::{ClassicError, Plane};

const METRIC: &str = "brisque";
/// Features.
const FEATURES: usize = 36;
/// Neighbour directions of the pairwise products (MATLAB `circshift` offsets).
const SHIFTS: [(isize, isize); 4] = [(0, 1), (1, 0), (1, 1), (-1, 1)];
/// Smallest image side: the half-size second scale needs two rows and two columns, since
/// a single row (column) shifted circularly pairs each coefficient with itself, and the
/// asymmetric fit then has no negative product.
const MIN_SIDE: usize = 3;

/// The LIVE-trained epsilon-SVR with an RBF kernel, and the feature scaling it expects.
#[derive(serde::Deserialize)]
struct SvrModel {
    gamma: f64,
    rho: f64,
    scale_lower: f64,
    scale_upper: f64,
    feature_min: Vec<f64>,
    feature_max: Vec<f64>,
    sv_coef: Vec<f64>,
    support_vectors: Vec<Vec<f64>>,
}

fn parse_model(text: &str) -> Result<SvrModel, String> {
    let model: SvrModel = serde_json::from_str(text)
        .map_err(|e| format!("the embedded SVR model does not parse: {e}"))?;
    let ok = model.feature_min.len() == FEATURES
        && model.feature_max.len() == FEATURES
        && model.sv_coef.len() == model.support_vectors.len()
        && model.support_vectors.iter().all(|v| v.len() == FEATURES);
    if !ok {
        return Err(format!(
            "the embedded SVR model does not have {FEATURES} feature ranges and support vectors of {FEATURES} values"
        ));
    }
    Ok(model)
}

fn svr_model() -> Result<&'static SvrModel, ClassicError> {
    static MODEL: OnceLock<Result<SvrModel, String>> = OnceLock::new();
    MODEL
        .get_or_init(|| parse_model(include_str!("../../data/brisque_live.json")))
        .as_ref()
        .map_err(|reason| ClassicError::Undefined {
            metric: METRIC,
            reason: reason.clone(),
        })
}

/// The 36 features of `brisque_feature.m`.
fn features(gray: &Plane) -> [f64; FEATURES] {
    let mut out = [0.0; FEATURES];
    let half = imresize(gray, 0.5);
    for (scale, im) in [gray, &half].into_iter().enumerate() {
        let coefficients = mscn(im, Padding::Zero);
        let values = coefficients.data();
        let feats = &mut out[scale * 18..(scale + 1) * 18];
        let ggd = fit_ggd(values);
        feats[0] = ggd.alpha;
        feats[1] = ggd.sigma * ggd.sigma;
        for (i, &shift) in SHIFTS.iter().enumerate() {
            let fit = fit_aggd_of_products(values, im.width(), im.height(), shift);
            let a = fit.alpha;
            let scale_const = gamma(1.0 / a).sqrt() / gamma(3.0 / a).sqrt();
            let mean =
                (fit.right_std - fit.left_std) * (gamma(2.0 / a) / gamma(1.0 / a)) * scale_const;
            feats[2 + 4 * i..6 + 4 * i].copy_from_slice(&[
                a,
                mean,
                fit.left_std * fit.left_std,
                fit.right_std * fit.right_std,
            ]);
        }
    }
    out
}

/// `x` through C's `printf` with `digits` decimals and back (correctly rounded both ways).
fn round_decimals(x: f64, digits: usize) -> f64 {
    format!("{x:.digits$}").parse().unwrap_or(x)
}

/// `x` through C's `printf("%.{digits}g")` and back: rounded to `digits` significant
/// digits.
fn round_significant(x: f64, digits: usize) -> f64 {
    let decimals = digits.saturating_sub(1);
    format!("{x:.decimals$e}").parse().unwrap_or(x)
}

/// The SVR prediction of `brisquescore.m`: each feature rounded to six decimals, scaled
/// to `[lower, upper]` by its training range (`svm-scale`, a feature at its minimum or
/// maximum giving exactly `lower` or `upper`) and rounded to six significant digits, then
/// `sum_i coef_i exp(-gamma |x - sv_i|^2) - rho`.
fn predict(model: &SvrModel, features: &[f64; FEATURES]) -> f64 {
    let (lower, upper) = (model.scale_lower, model.scale_upper);
    let scaled: Vec<f64> = features
        .iter()
        .zip(model.feature_min.iter().zip(&model.feature_max))
        .map(|(&x, (&min, &max))| {
            let x = round_decimals(x, 6);
            let s = if x == min {
                lower
            } else if x == max {
                upper
            } else {
                lower + (upper - lower) * (x - min) / (max - min)
            };
            round_significant(s, 6)
        })
        .collect();
    let mut squares = Vec::with_capacity(FEATURES);
    let terms: Vec<f64> = model
        .support_vectors
        .iter()
        .zip(&model.sv_coef)
        .map(|(sv, &coef)| {
            squares.clear();
            squares.extend(sv.iter().zip(&scaled).map(|(v, x)| (v - x) * (v - x)));
            coef * (-model.gamma * pairwise_sum(&squares)).exp()
        })
        .collect();
    pairwise_sum(&terms) - model.rho
}

/// BRISQUE of a luma image (MATLAB `rgb2gray` values, 0..255); lower is better (about 0
/// for pristine photographs, 100 for heavily distorted ones).
///
/// Needs at least 3x3 pixels. Undefined (an error) when a fit has nothing to fit: an
/// image so flat or so small that the coefficients, or their products in some direction,
/// have no negative or no positive value.
pub fn brisque(gray: &Plane) -> Result<f64, ClassicError> {
    gray.check_min(
        METRIC,
        (MIN_SIDE, MIN_SIDE),
        "the half-size second scale needs two rows and two columns for the neighbour products",
    )?;
    let model = svr_model()?;
    let features = features(gray);
    if let Some(k) = features.iter().position(|v| !v.is_finite()) {
        return Err(ClassicError::Undefined {
            metric: METRIC,
            reason: format!(
                "feature {} is {} (the coefficients or their neighbour products have no negative or no positive value)",
                k + 1,
                features[k]
            ),
        });
    }
    let score = predict(model, &features);
    if !score.is_finite() {
        return Err(ClassicError::Undefined {
            metric: METRIC,
            reason: format!("the SVR prediction is {score}"),
        });
    }
    Ok(score)
}
