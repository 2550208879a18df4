//! The CPU kernels of the fused batch norm, NCHW f32: per-channel statistics, the
//! normalisation with its affine map and activation in one pass, and the backward pass in
//! two (per-channel sums, then the input gradient). Channels run in parallel for the sums,
//! planes (one image's channel) for the element-wise passes.

use rayon::prelude::*;

use crate::activation::{Activation, slope_at};
use crate::lanes::{self, vectorized};

/// The sizes of an `n x c x hw` tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    /// Batch.
    pub n: usize,
    /// Channels.
    pub c: usize,
    /// Pixels per plane.
    pub hw: usize,
}

impl Dims {
    /// Elements in all.
    pub fn len(&self) -> usize {
        self.n * self.c * self.hw
    }

    /// Elements per channel (the statistics' sample size).
    pub fn per_channel(&self) -> usize {
        self.n * self.hw
    }

    /// The planes of channel `ch`.
    fn planes<'a>(&self, data: &'a [f32], ch: usize) -> impl Iterator<Item = &'a [f32]> {
        (0..self.n).map(move |i| &data[(i * self.c + ch) * self.hw..][..self.hw])
    }
}

/// Per-channel mean and biased variance (two passes; f32 sums in lanes, runs added in
/// f64).
pub fn channel_stats(d: Dims, x: &[f32]) -> (Vec<f64>, Vec<f64>) {
    let count = d.per_channel().max(1) as f64;
    (0..d.c)
        .into_par_iter()
        .map(|ch| {
            let sum: f64 = d.planes(x, ch).map(lanes::sum).sum();
            let mean = sum / count;
            let m = mean as f32;
            let sq: f64 = d
                .planes(x, ch)
                .map(|p| lanes::squared_deviations(p, m))
                .sum();
            (mean, sq / count)
        })
        .unzip()
}

/// `act(x * scale[ch] + shift[ch])` for every element.
pub fn normalize(d: Dims, x: &[f32], scale: &[f32], shift: &[f32], act: Activation) -> Vec<f32> {
    let mut out = vec![0.0f32; d.len()];
    out.par_chunks_mut(d.hw.max(1))
        .zip(x.par_chunks(d.hw.max(1)))
        .enumerate()
        .for_each(|(k, (o, xs))| {
            let (a, b) = (scale[k % d.c], shift[k % d.c]);
            vectorized(
                #[inline(always)]
                || act.map_into(o, xs, |v| v * a + b),
            );
        });
    out
}

/// What the backward pass needs besides the tensors.
#[derive(Debug, Clone, Copy)]
pub struct Backward<'a> {
    /// The sizes.
    pub dims: Dims,
    /// The mean the forward pass subtracted, per channel.
    pub mean: &'a [f32],
    /// The inverse standard deviation it multiplied by, per channel.
    pub inv_std: &'a [f32],
    /// The affine weight.
    pub gamma: &'a [f32],
    /// The activation.
    pub act: Activation,
    /// Whether the statistics were the batch's own (training) or fixed (evaluation).
    pub batch_stats: bool,
}

/// The gradients of the input, the weight and the bias, from the input `x`, the forward
/// output `out` and the output gradient `grad`.
pub fn backward(b: Backward, x: &[f32], out: &[f32], grad: &[f32]) -> [Vec<f32>; 3] {
    let d = b.dims;
    // Per channel: sum of g' and of g' * xhat, where g' is the gradient before the
    // activation and xhat the normalised input.
    let neg = b.act.negative_slope();
    let (dbeta, dgamma): (Vec<f64>, Vec<f64>) = (0..d.c)
        .into_par_iter()
        .map(|ch| {
            let (mut sg, mut sgx) = (0f64, 0f64);
            for i in 0..d.n {
                let at = (i * d.c + ch) * d.hw;
                let span = at..at + d.hw;
                let (g, gx) = lanes::gradient_sums(
                    &x[span.clone()],
                    &out[span.clone()],
                    &grad[span],
                    b.mean[ch],
                    neg,
                );
                sg += g;
                sgx += gx;
            }
            (sg, sgx * f64::from(b.inv_std[ch]))
        })
        .unzip();
    let count = d.per_channel().max(1) as f32;
    let mut dx = vec![0.0f32; d.len()];
    dx.par_chunks_mut(d.hw.max(1))
        .enumerate()
        .for_each(|(k, dxs)| {
            vectorized(
                #[inline(always)]
                || {
                    let ch = k % d.c;
                    let at = k * d.hw;
                    let (xs, os, gs) =
                        (&x[at..at + d.hw], &out[at..at + d.hw], &grad[at..at + d.hw]);
                    let (m, s) = (b.mean[ch], b.inv_std[ch]);
                    let gain = b.gamma[ch] * s;
                    if b.batch_stats {
                        // dx = gamma * s * (g' - mean(g') - xhat * mean(g' * xhat))
                        let mg = dbeta[ch] as f32 / count;
                        let smgx = s * (dgamma[ch] as f32 / count);
                        for (((o, &xv), &ov), &gv) in dxs.iter_mut().zip(xs).zip(os).zip(gs) {
                            let g = gv * slope_at(ov, neg);
                            *o = gain * (g - mg - (xv - m) * smgx);
                        }
                    } else {
                        for ((o, &ov), &gv) in dxs.iter_mut().zip(os).zip(gs) {
                            *o = gain * gv * slope_at(ov, neg);
                        }
                    }
                },
            )
        });
    let to_f32 = |v: Vec<f64>| v.into_iter().map(|s| s as f32).collect();
    [dx, to_f32(dgamma), to_f32(dbeta)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_a_known_tensor() {
        // Two images, two channels of four pixels.
        let d = Dims { n: 2, c: 2, hw: 4 };
        let x = [
            1.0, 2.0, 3.0, 4.0, // image 0, channel 0
            0.0, 0.0, 0.0, 0.0, // image 0, channel 1
            5.0, 6.0, 7.0, 8.0, // image 1, channel 0
            2.0, 2.0, 2.0, 2.0, // image 1, channel 1
        ];
        let (mean, var) = channel_stats(d, &x);
        assert_eq!(mean, vec![4.5, 1.0]);
        // Channel 0: values 1..8, biased variance (64 - 1) / 12 = 5.25.
        assert!((var[0] - 5.25).abs() < 1e-12 && (var[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn activations_and_their_derivatives() {
        let d = Dims { n: 1, c: 1, hw: 3 };
        let x = [-2.0, 0.5, 3.0];
        let relu = normalize(d, &x, &[2.0], &[1.0], Activation::Relu);
        assert_eq!(relu, vec![0.0, 2.0, 7.0]);
        let leaky = normalize(d, &x, &[2.0], &[1.0], Activation::LeakyRelu(0.2));
        assert!((leaky[0] + 0.6).abs() < 1e-6 && leaky[2] == 7.0);
    }
}
