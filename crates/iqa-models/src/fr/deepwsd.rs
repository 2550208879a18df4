//! DeepWSD (Liao et al., ACM Multimedia 2022): the Wasserstein distance between deep
//! features of the reference and the distorted image. Lower is better (0 for identical
//! images). Training-free, but it needs ImageNet VGG16 weights.
//!
//! Behaviour follows the authors' public implementation as specified for this project:
//! VGG16 `features` with every max-pool replaced by an L2-pool, six stages compared (the
//! input and relu1_2 ... relu5_3), each cut into columns by a plain reshape, a 1-D optimal
//! transport cost per column with unnormalised masses, plus a weighted L2 term.
//!
//! Our choices: the resize of 512 < max(H, W) < 1000 images to 256 x 256 uses candle's
//! bilinear interpolation without antialiasing (the reference resizes with its image
//! library); the transport step runs on the host in f64 and is not differentiable.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use rayon::prelude::*;

use super::{FullReferenceModel, check_pair};
use crate::vgg::{Vgg, VggConfig, VggDepth, VggPooling};
use crate::{ModelError, Result};

/// DeepWSD's backbone: VGG16 with L2 pooling, on the image as given (no ImageNet
/// normalisation), tapped at relu1_2, relu2_2, relu3_3, relu4_3 and relu5_3.
fn backbone() -> VggConfig {
    VggConfig {
        depth: VggDepth::Vgg16,
        pooling: VggPooling::L2,
        taps: vec![3, 8, 15, 22, 29],
        imagenet_normalise: false,
    }
}

/// The DeepWSD metric with its VGG16 backbone.
pub struct DeepWsd {
    vgg: Vgg,
}

impl DeepWsd {
    /// Loads VGG16 weights from a safetensors file with torchvision key names.
    pub fn load(path: &Path, device: &Device) -> Result<Self> {
        Ok(DeepWsd {
            vgg: Vgg::load(path, &backbone(), "deepwsd", device)?,
        })
    }

    /// Random (He-uniform, seeded) weights: for tests and benchmarks only, the scores mean
    /// nothing.
    pub fn with_random_weights(seed: u64, device: &Device) -> Result<Self> {
        Ok(DeepWsd {
            vgg: Vgg::random(seed, &backbone(), device)?,
        })
    }

    /// The raw DeepWSD distance and the downsampling factor of one (1, 3, H, W) pair.
    fn distance(&self, reference: &Tensor, distorted: &Tensor) -> Result<(f64, usize)> {
        let (_, _, h, w) = reference.dims4()?;
        let (mut r, mut d) = (
            reference.to_dtype(DType::F32)?,
            distorted.to_dtype(DType::F32)?,
        );
        let (mut h, mut w) = (h, w);
        if (513..1000).contains(&h.max(w)) {
            r = r.upsample_bilinear2d(256, 256, false)?;
            d = d.upsample_bilinear2d(256, 256, false)?;
            (h, w) = (256, 256);
        }
        let factor = ((h.max(w) as f64 / 256.0).round_ties_even() as usize).max(1);
        if factor > 1 {
            r = r.avg_pool2d_with_stride((factor, factor), (factor, factor))?;
            d = d.avg_pool2d_with_stride((factor, factor), (factor, factor))?;
        }
        let win = if factor >= 5 { 16 } else { 4 };
        let mut stages_r = vec![r.clone()];
        stages_r.extend(self.vgg.forward(&r)?);
        let mut stages_d = vec![d.clone()];
        stages_d.extend(self.vgg.forward(&d)?);
        let mut total = 0.0;
        for (x, y) in stages_r.iter().zip(&stages_d) {
            let (_, c, sh, sw) = x.dims4()?;
            let host = |t: &Tensor| -> Result<Vec<f64>> {
                Ok(t.to_dtype(DType::F64)?.flatten_all()?.to_vec1()?)
            };
            total += stage_distance(&host(x)?, &host(y)?, (c, sh, sw), win)?.0;
        }
        Ok((total / (stages_r.len() as f64), factor))
    }
}

impl FullReferenceModel for DeepWsd {
    fn name(&self) -> &'static str {
        "deepwsd"
    }

    fn direction(&self) -> crate::registry::Direction {
        crate::registry::Direction::LowerIsBetter
    }

    fn predict(&self, reference: &Tensor, distorted: &Tensor) -> Result<Tensor> {
        // Four L2-pools halve the image; the deepest stage needs at least one window row.
        let (n, _, _) = check_pair(
            "deepwsd",
            reference,
            distorted,
            (32, 32),
            "VGG16's deepest stage",
        )?;
        let mut scores = Vec::with_capacity(n);
        for i in 0..n {
            let (score, factor) =
                self.distance(&reference.narrow(0, i, 1)?, &distorted.narrow(0, i, 1)?)?;
            let quality = (score + 1.0).ln();
            scores.push(if factor == 1 {
                quality
            } else {
                quality * quality
            } as f32);
        }
        Ok(Tensor::from_vec(scores, n, reference.device())?)
    }
}

/// Zero-pads (positive) or crops (negative) a `(C, H, W)` map: `colpad` columns on the
/// left, `rowpad` rows at the bottom.
fn pad_stage(
    x: &[f64],
    (c, h, w): (usize, usize, usize),
    rowpad: i64,
    colpad: i64,
) -> (Vec<f64>, usize, usize) {
    let new_h = (h as i64 + rowpad).max(0) as usize;
    let new_w = (w as i64 + colpad).max(0) as usize;
    let mut out = vec![0.0; c * new_h * new_w];
    for ch in 0..c {
        for i in 0..new_h.min(h) {
            for j in 0..new_w {
                let source = j as i64 - colpad;
                if (0..w as i64).contains(&source) {
                    out[(ch * new_h + i) * new_w + j] = x[(ch * h + i) * w + source as usize];
                }
            }
        }
    }
    (out, new_h, new_w)
}

/// One stage's distance T and its per-column transport costs, for feature maps `x`, `y`
/// of shape (C, H, W) (row-major) and window `win`, as the DeepWSD specification defines.
pub fn stage_distance(
    x: &[f64],
    y: &[f64],
    shape: (usize, usize, usize),
    win: usize,
) -> Result<(f64, Vec<f64>)> {
    let (c, h, w) = shape;
    if x.len() != c * h * w || y.len() != x.len() || win == 0 {
        return Err(ModelError::InvalidConfig {
            field: "stage_distance",
            reason: format!(
                "{} and {} values for a {c}x{h}x{w} map with window {win}",
                x.len(),
                y.len()
            ),
        });
    }
    let pad =
        |len: usize| ((len as f64 / win as f64).round_ties_even() as i64) * win as i64 - len as i64;
    let (rowpad, colpad) = (pad(h), pad(w));
    let (x, new_h, new_w) = pad_stage(x, shape, rowpad, colpad);
    let (y, _, _) = pad_stage(y, shape, rowpad, colpad);
    let n = win * win;
    let columns = c * new_h * new_w / n;
    let (sum_x, sum_y) = (x.iter().sum::<f64>() + 1e-6, y.iter().sum::<f64>() + 1e-6);
    // A is the n x M row-major reshape of the flattened map: A[r, j] = x[r * M + j].
    let per_column: Vec<(f64, f64)> = (0..columns)
        .into_par_iter()
        .map(|j| {
            let a: Vec<f64> = (0..n).map(|r| x[r * columns + j]).collect();
            let b: Vec<f64> = (0..n).map(|r| y[r * columns + j]).collect();
            let wsd = transport_cost(
                &a.iter().map(|v| v * v / sum_x).collect::<Vec<_>>(),
                &b.iter().map(|v| v * v / sum_y).collect::<Vec<_>>(),
            );
            let l2: f64 = a.iter().zip(&b).map(|(p, q)| (p - q).powi(2)).sum();
            (wsd, l2)
        })
        .collect();
    let total = per_column
        .iter()
        .map(|&(wsd, l2)| wsd + l2 * (0.5 / (wsd + 10.0)).exp() / (wsd + 10.0).powi(2))
        .sum();
    Ok((total, per_column.into_iter().map(|(wsd, _)| wsd).collect()))
}

/// The 1-D optimal transport cost with squared distance between masses `a` and `b` at
/// positions 0..n-1, with POT's semantics for unnormalised masses (quantile functions
/// from the cumulative sums).
fn transport_cost(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len();
    let cumulative = |m: &[f64]| {
        m.iter()
            .scan(0.0, |s, v| {
                *s += v;
                Some(*s)
            })
            .collect::<Vec<f64>>()
    };
    let (u, v) = (cumulative(a), cumulative(b));
    let mut q: Vec<f64> = u.iter().chain(&v).copied().collect();
    q.sort_unstable_by(f64::total_cmp);
    // First k with cdf[k] >= level, capped at n - 1 (searchsorted, side "left").
    let quantile = |cdf: &[f64], level: f64| cdf.partition_point(|&c| c < level).min(n - 1);
    let mut previous = 0.0;
    let mut cost = 0.0;
    for &level in &q {
        let step = level - previous;
        previous = level;
        let gap = quantile(&u, level) as f64 - quantile(&v, level) as f64;
        cost += step * gap * gap;
    }
    cost
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specification_test_vector() {
        // X = (arange(32) mod 7) / 6, Y = (arange(32) mod 5) / 4, shape (2, 4, 4), win 4.
        let x: Vec<f64> = (0..32).map(|i| f64::from(i % 7) / 6.0).collect();
        let y: Vec<f64> = (0..32).map(|i| f64::from(i % 5) / 4.0).collect();
        let (total, wsd) = stage_distance(&x, &y, (2, 4, 4), 4).unwrap();
        assert_eq!(wsd.len(), 2);
        assert!((wsd[0] - 0.427_018_79).abs() < 1e-8, "{wsd:?}");
        assert!((wsd[1] - 0.458_500_28).abs() < 1e-8, "{wsd:?}");
        assert!((total - 0.964_722_320_777_737_1).abs() < 1e-12, "{total}");
    }

    #[test]
    fn padding_and_cropping() {
        // 1 x 2 x 3 map, two zero columns on the left, one row cropped at the bottom.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let (out, h, w) = pad_stage(&x, (1, 2, 3), -1, 2);
        assert_eq!((h, w), (1, 5));
        assert_eq!(out, vec![0.0, 0.0, 1.0, 2.0, 3.0]);
        let (out, h, w) = pad_stage(&x, (1, 2, 3), 1, -1);
        assert_eq!((h, w), (3, 2));
        assert_eq!(out, vec![2.0, 3.0, 5.0, 6.0, 0.0, 0.0]);
    }

    #[test]
    fn identical_inputs_cost_nothing() {
        let x: Vec<f64> = (0..48).map(|i| f64::from(i % 9)).collect();
        let (total, _) = stage_distance(&x, &x, (3, 4, 4), 4).unwrap();
        assert_eq!(total, 0.0);
    }
}
