//! The convolution and its two gradients as candle custom ops (CPU, f32).

use candle_core::{CpuStorage, CustomOp2, Layout, Shape, Tensor};

use super::cpu::{Geometry, forward, grad_input, grad_weight};
use crate::custom_op::operand as data;

/// `conv2d(input, weight)` with a stride and zero padding; no groups, no dilation.
#[derive(Debug, Clone, Copy)]
pub struct Conv2dOp {
    /// Stride.
    pub stride: usize,
    /// Padding.
    pub padding: usize,
}

impl CustomOp2 for Conv2dOp {
    fn name(&self) -> &'static str {
        "iqa-conv2d"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let g = Geometry::new(l1.dims(), l2.dims(), self.stride, self.padding)
            .map_err(candle_core::Error::msg)?;
        let out = forward(&g, data(self.name(), s1, l1)?, data(self.name(), s2, l2)?)
            .map_err(candle_core::Error::msg)?;
        Ok((CpuStorage::F32(out), Shape::from((g.n, g.o, g.ho, g.wo))))
    }

    fn bwd(
        &self,
        input: &Tensor,
        weight: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        // Only the gradients something upstream needs: a plain input (an image) or a
        // frozen weight (VGG19's, R_pre's) is not tracked, and skipping it saves a third
        // of the backward pass through it.
        let grad = grad.contiguous()?;
        let (_, _, h, w) = input.dims4()?;
        let dx = if input.track_op() {
            Some(grad.apply_op2_no_bwd(
                weight,
                &InputGradOp {
                    stride: self.stride,
                    padding: self.padding,
                    height: h,
                    width: w,
                },
            )?)
        } else {
            None
        };
        let dw = if weight.track_op() {
            Some(input.apply_op2_no_bwd(
                &grad,
                &WeightGradOp {
                    stride: self.stride,
                    padding: self.padding,
                    kernel: (weight.dim(2)?, weight.dim(3)?),
                },
            )?)
        } else {
            None
        };
        Ok((dx, dw))
    }
}

/// The input gradient of [`Conv2dOp`]: operands (output gradient, weight).
#[derive(Debug, Clone, Copy)]
struct InputGradOp {
    stride: usize,
    padding: usize,
    height: usize,
    width: usize,
}

impl CustomOp2 for InputGradOp {
    fn name(&self) -> &'static str {
        "iqa-conv2d-input-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (dy, wd) = (l1.dims(), l2.dims());
        let (n, c) = (
            dy.first().copied().unwrap_or(0),
            wd.get(1).copied().unwrap_or(0),
        );
        let g = Geometry::new(
            &[n, c, self.height, self.width],
            wd,
            self.stride,
            self.padding,
        )
        .map_err(candle_core::Error::msg)?;
        if dy != [g.n, g.o, g.ho, g.wo] {
            candle_core::bail!("{}: output gradient {dy:?} does not fit {g:?}", self.name());
        }
        let dx = grad_input(&g, data(self.name(), s1, l1)?, data(self.name(), s2, l2)?)
            .map_err(candle_core::Error::msg)?;
        Ok((CpuStorage::F32(dx), Shape::from((g.n, g.c, g.h, g.w))))
    }
}

/// The weight gradient of [`Conv2dOp`]: operands (input, output gradient).
#[derive(Debug, Clone, Copy)]
struct WeightGradOp {
    stride: usize,
    padding: usize,
    kernel: (usize, usize),
}

impl CustomOp2 for WeightGradOp {
    fn name(&self) -> &'static str {
        "iqa-conv2d-weight-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (xd, dy) = (l1.dims(), l2.dims());
        let (c, o) = (
            xd.get(1).copied().unwrap_or(0),
            dy.get(1).copied().unwrap_or(0),
        );
        let g = Geometry::new(
            xd,
            &[o, c, self.kernel.0, self.kernel.1],
            self.stride,
            self.padding,
        )
        .map_err(candle_core::Error::msg)?;
        if dy != [g.n, g.o, g.ho, g.wo] {
            candle_core::bail!("{}: output gradient {dy:?} does not fit {g:?}", self.name());
        }
        let dw = grad_weight(&g, data(self.name(), s1, l1)?, data(self.name(), s2, l2)?)
            .map_err(candle_core::Error::msg)?;
        Ok((CpuStorage::F32(dw), Shape::from((g.o, g.c, g.kh, g.kw))))
    }
}
