//! NIQE, the natural image quality evaluator of Mittal, Soundararajan & Bovik, "Making a
//! 'completely blind' image quality analyzer" (IEEE SPL 2013), as `computequality.m` of
//! the authors' release computes it, with their pristine model (`modelparameters.mat`,
//! compiled in from `data/niqe_pristine.json`). Transcribed from `niqe` of
//! `tests/fixtures/classic/nr_reference.py`.
//!
//! The image is cropped to whole 96x96 blocks; at two scales (the crop, then its
//! half-size `imresize`) each block (96x96, then 48x48) gives 18 features of its MSCN
//! coefficients; NIQE is the Mahalanobis-like distance between the pristine model and the
//! mean and covariance of the image's 36-feature rows. No block is left out (the authors'
//! sharpness selection only served to fit the model). Blocks whose features include a NaN
//! (no negative or no positive coefficient) are left out of the covariance and of that
//! feature's mean, as `nanmean` / `nancov` do. Differs from MATLAB where a 7x7 window is
//! constant (see [`super::mscn`]).

use std::sync::OnceLock;

use super::linalg::{SquareMatrix, covariance, pinv_symmetric, quadratic_form};
use super::mscn::{Padding, mscn_rows};
use super::nss::{fit_aggd, fit_aggd_of_products, gamma};
use super::resize::imresize_top_left;
use super::{ClassicError, Plane};

const METRIC: &str = "niqe";
/// Block side at the first scale.
const BLOCK: usize = 96;
/// Features per block per scale.
const PER_SCALE: usize = 18;
/// Features per block.
const FEATURES: usize = 2 * PER_SCALE;
/// Neighbour directions of the pairwise products (MATLAB `circshift` offsets):
/// horizontal, vertical, main diagonal, anti-diagonal.
const SHIFTS: [(isize, isize); 4] = [(0, 1), (1, 0), (1, 1), (1, -1)];

/// The pristine model: the mean and covariance of the 36 features over pristine images.
struct PristineModel {
    mu: Vec<f64>,
    cov: SquareMatrix,
}

#[derive(serde::Deserialize)]
struct PristineFile {
    mu: Vec<f64>,
    cov: Vec<Vec<f64>>,
}

fn parse_model(text: &str) -> Result<PristineModel, String> {
    let file: PristineFile = serde_json::from_str(text)
        .map_err(|e| format!("the embedded pristine model does not parse: {e}"))?;
    if file.mu.len() != FEATURES
        || file.cov.len() != FEATURES
        || file.cov.iter().any(|r| r.len() != FEATURES)
    {
        return Err(format!(
            "the embedded pristine model is not {FEATURES} means and a {FEATURES}x{FEATURES} covariance"
        ));
    }
    Ok(PristineModel {
        mu: file.mu,
        cov: SquareMatrix {
            n: FEATURES,
            data: file.cov.concat(),
        },
    })
}

fn pristine_model() -> Result<&'static PristineModel, ClassicError> {
    static MODEL: OnceLock<Result<PristineModel, String>> = OnceLock::new();
    MODEL
        .get_or_init(|| parse_model(include_str!("../../data/niqe_pristine.json")))
        .as_ref()
        .map_err(|reason| ClassicError::Undefined {
            metric: METRIC,
            reason: reason.clone(),
        })
}

/// The 18 features of one block of MSCN coefficients (`computefeature.m`): the AGGD
/// shape and mean deviation of the coefficients, then for each shift the shape, mean and
/// left / right deviations of the AGGD fit to the products of each coefficient with its
/// circularly shifted neighbour within the block.
fn block_features(block: &[f64], side: usize, out: &mut [f64]) {
    let fit = fit_aggd(block);
    let k = (gamma(1.0 / fit.alpha) / gamma(3.0 / fit.alpha)).sqrt();
    out[0] = fit.alpha;
    out[1] = (fit.left_std * k + fit.right_std * k) / 2.0;
    for (i, &shift) in SHIFTS.iter().enumerate() {
        let fit = fit_aggd_of_products(block, side, side, shift);
        let k = (gamma(1.0 / fit.alpha) / gamma(3.0 / fit.alpha)).sqrt();
        let beta_left = fit.left_std * k;
        let beta_right = fit.right_std * k;
        let eta = (beta_right - beta_left) * (gamma(2.0 / fit.alpha) / gamma(1.0 / fit.alpha));
        out[2 + 4 * i..6 + 4 * i].copy_from_slice(&[fit.alpha, eta, beta_left, beta_right]);
    }
}

/// Fills the features of one scale (`scale` 0 or 1) into `features` (one row per block,
/// blocks in MATLAB's column-major order), streaming the MSCN coefficients of the
/// `width x height` image that `source` gives (see [`mscn_rows`]) through a band of
/// `side` rows.
fn scale_features(
    width: usize,
    height: usize,
    side: usize,
    source: impl FnMut(usize, &mut [f64]),
    features: &mut [Vec<f64>],
    scale: usize,
) {
    let rows = height / side;
    let mut band = vec![0.0; side * width];
    let mut block = Vec::with_capacity(side * side);
    mscn_rows(width, height, Padding::Replicate, source, |y, row| {
        let in_band = y % side;
        band[in_band * width..(in_band + 1) * width].copy_from_slice(row);
        if in_band + 1 < side {
            return;
        }
        for (col, chunk_start) in (0..width / side).map(|c| (c, c * side)) {
            block.clear();
            for r in 0..side {
                block.extend_from_slice(
                    &band[r * width + chunk_start..r * width + chunk_start + side],
                );
            }
            let row_of_features = &mut features[col * rows + y / side];
            block_features(
                &block,
                side,
                &mut row_of_features[scale * PER_SCALE..(scale + 1) * PER_SCALE],
            );
        }
    });
}

/// NIQE of a luma image (MATLAB `rgb2gray` values, 0..255); lower is better.
///
/// Needs at least two 96x96 blocks: 96x192 or 192x96 pixels (height x width).
/// Undefined (an error) when a feature has no block with a defined value, when fewer
/// than two blocks have all their features defined (a flat image), or when the distance
/// is not a number.
pub fn niqe(gray: &Plane) -> Result<f64, ClassicError> {
    gray.check_min(METRIC, (BLOCK, BLOCK), "NIQE scores whole 96x96 blocks")?;
    let (rows, cols) = (gray.height() / BLOCK, gray.width() / BLOCK);
    if rows * cols < 2 {
        let min = if gray.width() >= gray.height() {
            (BLOCK, 2 * BLOCK)
        } else {
            (2 * BLOCK, BLOCK)
        };
        gray.check_min(
            METRIC,
            min,
            "NIQE needs two 96x96 blocks: the covariance of a single block's features is undefined",
        )?;
    }
    let model = pristine_model()?;
    let (width, height) = (cols * BLOCK, rows * BLOCK);
    let count = rows * cols;
    let mut features = vec![vec![0.0; FEATURES]; count];
    scale_features(
        width,
        height,
        BLOCK,
        |r, dst| dst.copy_from_slice(&gray.row(r)[..width]),
        &mut features,
        0,
    );
    let half = imresize_top_left(gray, width, height, 0.5);
    scale_features(
        half.width(),
        half.height(),
        BLOCK / 2,
        |r, dst| dst.copy_from_slice(half.row(r)),
        &mut features,
        1,
    );

    // nanmean down each column, nancov over the rows without NaN.
    let mut mu = vec![0.0; FEATURES];
    let mut defined = vec![0usize; FEATURES];
    for row in &features {
        for ((m, d), &v) in mu.iter_mut().zip(&mut defined).zip(row) {
            if !v.is_nan() {
                *m += v;
                *d += 1;
            }
        }
    }
    for (j, (m, &d)) in mu.iter_mut().zip(&defined).enumerate() {
        if d == 0 {
            return Err(ClassicError::Undefined {
                metric: METRIC,
                reason: format!(
                    "feature {} is undefined in every block (no negative or no positive coefficients)",
                    j + 1
                ),
            });
        }
        *m /= d as f64;
    }
    let complete: Vec<Vec<f64>> = features
        .into_iter()
        .filter(|r| r.iter().all(|v| !v.is_nan()))
        .collect();
    if complete.len() < 2 {
        return Err(ClassicError::Undefined {
            metric: METRIC,
            reason: format!(
                "the feature covariance needs two blocks with every feature defined, but {} of {count} have",
                complete.len()
            ),
        });
    }
    let cov = covariance(&complete, FEATURES);
    let pooled = SquareMatrix {
        n: FEATURES,
        data: model
            .cov
            .data
            .iter()
            .zip(&cov.data)
            .map(|(p, d)| (p + d) / 2.0)
            .collect(),
    };
    let inverse = pinv_symmetric(&pooled);
    let diff: Vec<f64> = model.mu.iter().zip(&mu).map(|(p, d)| p - d).collect();
    let squared = quadratic_form(&inverse, &diff);
    let score = squared.sqrt();
    if !score.is_finite() {
        return Err(ClassicError::Undefined {
            metric: METRIC,
            reason: format!("the squared distance to the pristine model is {squared}"),
        });
    }
    Ok(score)
}
