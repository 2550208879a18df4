//! Batch normalisation for the project's networks, with the activation that follows it
//! fused in. On the CPU in f32 (and with the project's kernels chosen, see
//! [`crate::tuning::Backend`]) it is one custom op: the statistics in one parallel pass,
//! normalisation + affine + activation in another, and a two-pass backward. candle-nn's
//! batch norm takes about ten element-wise passes forward and twice that backward, each
//! with a fresh buffer kept alive for the backward pass; elsewhere (CUDA, other dtypes,
//! `IQA_CONV=candle`) that is what runs, followed by candle's activation.
//!
//! Semantics are PyTorch's and candle-nn's: normalisation by the batch's biased variance in
//! training, running statistics updated with momentum 0.1 and the unbiased variance,
//! evaluation with the running statistics; tensor names `weight`, `bias`, `running_mean`,
//! `running_var`.

mod cpu;
mod op;

use std::sync::Arc;

use candle_core::{ModuleT, Tensor, Var};
use candle_nn::{BatchNorm, VarBuilder};

pub use crate::activation::Activation;

use crate::custom_op::{fused_cpu, with_cpu_data};

/// Running-statistics momentum (PyTorch's and candle-nn's default).
const MOMENTUM: f64 = 0.1;

/// A 2-D batch norm (`N x C x H x W`, statistics per channel) with an affine map.
#[derive(Debug, Clone)]
pub struct BatchNorm2d {
    stock: BatchNorm,
    running_mean: Var,
    running_var: Var,
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

/// A batch norm over `features` channels with epsilon `eps`, its tensors under `vb`
/// (initialised as PyTorch does: weight 1, bias 0, running mean 0, running variance 1).
pub fn batch_norm2d(features: usize, eps: f64, vb: VarBuilder) -> candle_core::Result<BatchNorm2d> {
    BatchNorm2d::from_stock(candle_nn::batch_norm(features, eps, vb)?)
}

impl BatchNorm2d {
    /// A batch norm from its tensors (each of length C). The running statistics are
    /// updated in place in training; pass variables to see the updates from outside.
    pub fn new(
        running_mean: Tensor,
        running_var: Tensor,
        weight: Tensor,
        bias: Tensor,
        eps: f64,
    ) -> candle_core::Result<Self> {
        let features = weight.dim(0)?;
        let stock = BatchNorm::new(features, running_mean, running_var, weight, bias, eps)?;
        Self::from_stock(stock)
    }

    /// Shares the tensors of candle-nn's batch norm.
    fn from_stock(stock: BatchNorm) -> candle_core::Result<Self> {
        let Some((weight, bias)) = stock.weight_and_bias() else {
            candle_core::bail!("batch norm: expected an affine batch norm");
        };
        let (weight, bias) = (weight.clone(), bias.clone());
        Ok(BatchNorm2d {
            // The same variables as the stock norm's (from_tensor of a variable shares it).
            running_mean: Var::from_tensor(stock.running_mean())?,
            running_var: Var::from_tensor(stock.running_var())?,
            weight,
            bias,
            eps: stock.eps(),
            stock,
        })
    }

    /// Normalises `x` (`train`: with the batch's statistics, updating the running ones),
    /// then applies `act`.
    pub fn forward_act(
        &self,
        x: &Tensor,
        train: bool,
        act: Activation,
    ) -> candle_core::Result<Tensor> {
        if !(fused_cpu(&[x]) && x.rank() == 4) {
            let y = self.stock.forward_t(x, train)?;
            return act.forward(&y);
        }
        let x = x.contiguous()?;
        let (mean, inv_std) = if train {
            self.batch_statistics(&x)?
        } else {
            let mean: Vec<f32> = self.running_mean.as_tensor().to_vec1()?;
            let var: Vec<f32> = self.running_var.as_tensor().to_vec1()?;
            let eps = self.eps as f32;
            let inv_std = var.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();
            (mean, inv_std)
        };
        let op = op::BatchNormOp {
            mean: Arc::from(mean),
            inv_std: Arc::<[f32]>::from(inv_std),
            act,
            batch_stats: train,
        };
        x.apply_op3(&self.weight, &self.bias, op)
    }

    /// The batch's mean and inverse standard deviation per channel; updates the running
    /// statistics on the way.
    fn batch_statistics(&self, x: &Tensor) -> candle_core::Result<(Vec<f32>, Vec<f32>)> {
        let (n, c, h, w) = x.dims4()?;
        let dims = cpu::Dims { n, c, hw: h * w };
        let (mean, var) =
            with_cpu_data("batch norm", x, |data| Ok(cpu::channel_stats(dims, data)))?;
        let count = dims.per_channel() as f64;
        let unbiased = count / (count - 1.0).max(1.0);
        let rm: Vec<f32> = self.running_mean.as_tensor().to_vec1()?;
        let rv: Vec<f32> = self.running_var.as_tensor().to_vec1()?;
        let new_mean: Vec<f32> = rm
            .iter()
            .zip(&mean)
            .map(|(&r, &m)| ((1.0 - MOMENTUM) * f64::from(r) + MOMENTUM * m) as f32)
            .collect();
        let new_var: Vec<f32> = rv
            .iter()
            .zip(&var)
            .map(|(&r, &v)| ((1.0 - MOMENTUM) * f64::from(r) + MOMENTUM * unbiased * v) as f32)
            .collect();
        self.running_mean
            .set(&Tensor::from_vec(new_mean, c, x.device())?)?;
        self.running_var
            .set(&Tensor::from_vec(new_var, c, x.device())?)?;
        let inv_std = var
            .iter()
            .map(|&v| (1.0 / (v + self.eps).sqrt()) as f32)
            .collect();
        Ok((mean.into_iter().map(|m| m as f32).collect(), inv_std))
    }
}

impl ModuleT for BatchNorm2d {
    fn forward_t(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        self.forward_act(x, train, Activation::Identity)
    }
}
