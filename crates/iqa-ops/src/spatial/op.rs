//! Max pooling and nearest-neighbour upsampling as candle custom ops (CPU, f32).

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};

use super::cpu::{Planes, max_pool, max_pool_grad, upsample, upsample_grad};
use crate::custom_op::{operand, with_cpu_data};

/// The planes of an `N x C x H x W` layout.
fn planes(op: &str, layout: &Layout) -> candle_core::Result<(Planes, usize, usize)> {
    match layout.dims() {
        &[n, c, h, w] => Ok((
            Planes {
                planes: n * c,
                h,
                w,
            },
            n,
            c,
        )),
        other => candle_core::bail!("{op}: expected N x C x H x W, got {other:?}"),
    }
}

/// Max pooling, `k x k` windows at stride `k`.
#[derive(Debug, Clone, Copy)]
pub struct MaxPoolOp {
    /// Window side and stride.
    pub k: usize,
}

impl CustomOp1 for MaxPoolOp {
    fn name(&self) -> &'static str {
        "iqa-max-pool"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (p, n, c) = planes(self.name(), l)?;
        if self.k == 0 || p.h < self.k || p.w < self.k {
            candle_core::bail!("{}: {}x{} input, window {}", self.name(), p.h, p.w, self.k);
        }
        let out = max_pool(p, self.k, operand(self.name(), s, l)?);
        Ok((
            CpuStorage::F32(out),
            Shape::from((n, c, p.h / self.k, p.w / self.k)),
        ))
    }

    fn bwd(&self, x: &Tensor, res: &Tensor, grad: &Tensor) -> candle_core::Result<Option<Tensor>> {
        let grad = grad.contiguous()?;
        let (p, _, _) = planes(self.name(), x.layout())?;
        let name = self.name();
        let dx = with_cpu_data(name, x, |xs| {
            with_cpu_data(name, res, |out| {
                with_cpu_data(name, &grad, |g| Ok(max_pool_grad(p, self.k, xs, out, g)))
            })
        })?;
        Ok(Some(Tensor::from_vec(dx, x.shape(), x.device())?))
    }
}

/// Nearest-neighbour resizing to `height x width`.
#[derive(Debug, Clone, Copy)]
pub struct UpsampleOp {
    /// Target height.
    pub height: usize,
    /// Target width.
    pub width: usize,
}

impl CustomOp1 for UpsampleOp {
    fn name(&self) -> &'static str {
        "iqa-upsample-nearest"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (p, n, c) = planes(self.name(), l)?;
        if p.h == 0 || p.w == 0 {
            candle_core::bail!("{}: empty {}x{} input", self.name(), p.h, p.w);
        }
        let out = upsample(p, self.height, self.width, operand(self.name(), s, l)?);
        Ok((
            CpuStorage::F32(out),
            Shape::from((n, c, self.height, self.width)),
        ))
    }

    fn bwd(&self, x: &Tensor, _res: &Tensor, grad: &Tensor) -> candle_core::Result<Option<Tensor>> {
        let grad = grad.contiguous()?;
        let (p, _, _) = planes(self.name(), x.layout())?;
        let dx = with_cpu_data(self.name(), &grad, |g| {
            Ok(upsample_grad(p, self.height, self.width, g))
        })?;
        Ok(Some(Tensor::from_vec(dx, x.shape(), x.device())?))
    }
}
