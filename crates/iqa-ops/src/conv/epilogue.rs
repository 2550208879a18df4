//! What the fused convolution does around the matrix products: the bias and activation
//! after the forward pass, and before the backward passes the activation's derivative on
//! the output gradient and the bias gradient. NCHW f32, one plane per parallel task.

use rayon::prelude::*;

use crate::activation::{Activation, slope_at};
use crate::lanes::{self, vectorized};

/// `out = act(out + bias[channel])` over `channels` channels of `plane` pixels each.
pub fn bias_act(
    out: &mut [f32],
    plane: usize,
    channels: usize,
    bias: Option<&[f32]>,
    act: Activation,
) {
    if bias.is_none() && act == Activation::Identity {
        return;
    }
    out.par_chunks_mut(plane.max(1))
        .enumerate()
        .for_each(|(k, o)| {
            let b = bias.map_or(0.0, |b| b[k % channels]);
            vectorized(
                #[inline(always)]
                || act.map_in_place(o, |v| v + b),
            );
        });
}

/// The gradient before the activation, from the output gradient and the fused output.
pub fn act_grad(out: &[f32], grad: &[f32], act: Activation) -> Vec<f32> {
    let mut g = vec![0.0f32; grad.len()];
    let neg = act.negative_slope();
    g.par_chunks_mut(4096)
        .zip(out.par_chunks(4096).zip(grad.par_chunks(4096)))
        .for_each(|(d, (o, gr))| {
            vectorized(
                #[inline(always)]
                || {
                    for ((d, &o), &gr) in d.iter_mut().zip(o).zip(gr) {
                        *d = gr * slope_at(o, neg);
                    }
                },
            );
        });
    g
}

/// The bias gradient: the sum of `grad` (`n x channels x plane`) per channel.
pub fn bias_grad(grad: &[f32], plane: usize, channels: usize) -> Vec<f32> {
    let plane = plane.max(1);
    let images = grad.len() / (plane * channels).max(1);
    (0..channels)
        .into_par_iter()
        .map(|ch| {
            (0..images)
                .map(|i| lanes::sum(&grad[(i * channels + ch) * plane..][..plane]))
                .sum::<f64>() as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bias_activation_and_their_gradients() {
        // Two images, two channels of two pixels.
        let mut out = vec![-1.0, 2.0, 0.5, -3.0, 1.0, -2.0, -0.5, 4.0];
        bias_act(&mut out, 2, 2, Some(&[0.5, 1.0]), Activation::Relu);
        assert_eq!(out, vec![0.0, 2.5, 1.5, 0.0, 1.5, 0.0, 0.5, 5.0]);
        let g = act_grad(&out, &[1.0; 8], Activation::Relu);
        assert_eq!(g, vec![0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0]);
        assert_eq!(bias_grad(&g, 2, 2), vec![2.0, 3.0]);
    }
}
