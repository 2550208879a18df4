//! The fused batch norm as a candle custom op (CPU, f32): operands (input, weight, bias),
//! the per-channel statistics carried by the op itself.

use std::sync::Arc;

use candle_core::{CpuStorage, CustomOp3, Layout, Shape, Tensor};

use super::cpu::{Backward, Dims, backward, normalize};
use crate::activation::Activation;
use crate::custom_op::{operand as data, with_cpu_data};

/// The sizes of an `N x C x H x W` layout.
fn dims(layout: &Layout) -> candle_core::Result<Dims> {
    match layout.dims() {
        &[n, c, h, w] => Ok(Dims { n, c, hw: h * w }),
        other => candle_core::bail!("iqa-batch-norm: expected N x C x H x W, got {other:?}"),
    }
}

/// `act((x - mean) * inv_std * weight + bias)` per channel.
#[derive(Debug, Clone)]
pub struct BatchNormOp {
    /// The mean to subtract, per channel.
    pub mean: Arc<[f32]>,
    /// The inverse standard deviation, per channel.
    pub inv_std: Arc<[f32]>,
    /// The activation after the affine map.
    pub act: Activation,
    /// Whether mean and inv_std are the batch's own (their gradient then flows too).
    pub batch_stats: bool,
}

impl CustomOp3 for BatchNormOp {
    fn name(&self) -> &'static str {
        "iqa-batch-norm"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let d = dims(l1)?;
        let (x, gamma, beta) = (
            data(self.name(), s1, l1)?,
            data(self.name(), s2, l2)?,
            data(self.name(), s3, l3)?,
        );
        if gamma.len() != d.c || beta.len() != d.c || self.mean.len() != d.c {
            candle_core::bail!(
                "{}: {} channels, but weight {}, bias {} and statistics {}",
                self.name(),
                d.c,
                gamma.len(),
                beta.len(),
                self.mean.len()
            );
        }
        let scale: Vec<f32> = gamma
            .iter()
            .zip(&*self.inv_std)
            .map(|(g, s)| g * s)
            .collect();
        let shift: Vec<f32> = (0..d.c)
            .map(|c| beta[c] - self.mean[c] * scale[c])
            .collect();
        let out = normalize(d, x, &scale, &shift, self.act);
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        gamma: &Tensor,
        _beta: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let grad = grad.contiguous()?;
        let gamma_values: Vec<f32> = gamma.to_vec1()?;
        let d = dims(x.layout())?;
        let setup = Backward {
            dims: d,
            mean: &self.mean,
            inv_std: &self.inv_std,
            gamma: &gamma_values,
            act: self.act,
            batch_stats: self.batch_stats,
        };
        let name = self.name();
        let [dx, dgamma, dbeta] = with_cpu_data(name, x, |xs| {
            with_cpu_data(name, res, |out| {
                with_cpu_data(name, &grad, |g| Ok(backward(setup, xs, out, g)))
            })
        })?;
        let device = x.device();
        Ok((
            Some(Tensor::from_vec(dx, x.shape(), device)?),
            Some(Tensor::from_vec(dgamma, d.c, device)?),
            Some(Tensor::from_vec(dbeta, d.c, device)?),
        ))
    }
}
