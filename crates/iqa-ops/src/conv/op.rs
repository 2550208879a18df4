//! The convolution (with bias and activation fused in) and its gradients as candle custom
//! ops (CPU, f32).

use candle_core::{CpuStorage, CustomOp2, CustomOp3, Layout, Shape, Tensor};

use super::cpu::{Geometry, forward, grad_input, grad_weight};
use super::epilogue::{act_grad, bias_act, bias_grad};
use crate::activation::Activation;
use crate::custom_op::{operand as data, with_cpu_data};

/// The fused convolution's parameters: `act(conv2d(input, weight) + bias)` with a stride
/// and zero padding; no groups, no dilation.
#[derive(Debug, Clone, Copy)]
pub struct Fused {
    /// Stride.
    pub stride: usize,
    /// Padding.
    pub padding: usize,
    /// The activation after the bias.
    pub act: Activation,
}

impl Fused {
    /// The forward pass on the operands' data.
    fn forward(
        &self,
        name: &str,
        (s1, l1): (&CpuStorage, &Layout),
        (s2, l2): (&CpuStorage, &Layout),
        bias: Option<&[f32]>,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let g = Geometry::new(l1.dims(), l2.dims(), self.stride, self.padding)
            .map_err(candle_core::Error::msg)?;
        if bias.is_some_and(|b| b.len() != g.o) {
            candle_core::bail!(
                "{name}: {} output channels but a bias of {:?}",
                g.o,
                bias.map(<[f32]>::len)
            );
        }
        let mut out = forward(&g, data(name, s1, l1)?, data(name, s2, l2)?)
            .map_err(candle_core::Error::msg)?;
        bias_act(&mut out, g.hw_out(), g.o, bias, self.act);
        Ok((CpuStorage::F32(out), Shape::from((g.n, g.o, g.ho, g.wo))))
    }

    /// The gradients of the input, weight and bias that something upstream needs: a plain
    /// input (an image) or a frozen weight (VGG19's, R_pre's) is not tracked, and skipping
    /// it saves a third of the backward pass through it.
    fn backward(
        &self,
        input: &Tensor,
        weight: &Tensor,
        bias: Option<&Tensor>,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<[Option<Tensor>; 3]> {
        let mut grad = grad.contiguous()?;
        if self.act != Activation::Identity {
            let g = with_cpu_data("iqa-conv2d backward", res, |out| {
                with_cpu_data("iqa-conv2d backward", &grad, |gr| {
                    Ok(act_grad(out, gr, self.act))
                })
            })?;
            grad = Tensor::from_vec(g, grad.shape(), grad.device())?;
        }
        let (_, o, ho, wo) = grad.dims4()?;
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
        let db = match bias {
            Some(b) if b.track_op() => {
                let sums = with_cpu_data("iqa-conv2d backward", &grad, |gr| {
                    Ok(bias_grad(gr, ho * wo, o))
                })?;
                Some(Tensor::from_vec(sums, o, b.device())?)
            }
            _ => None,
        };
        Ok([dx, dw, db])
    }
}

/// The fused convolution without bias: operands (input, weight).
#[derive(Debug, Clone, Copy)]
pub struct Conv2dOp(pub Fused);

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
        self.0.forward(self.name(), (s1, l1), (s2, l2), None)
    }

    fn bwd(
        &self,
        input: &Tensor,
        weight: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let [dx, dw, _] = self.0.backward(input, weight, None, res, grad)?;
        Ok((dx, dw))
    }
}

/// The fused convolution with bias: operands (input, weight, bias).
#[derive(Debug, Clone, Copy)]
pub struct Conv2dBiasOp(pub Fused);

impl CustomOp3 for Conv2dBiasOp {
    fn name(&self) -> &'static str {
        "iqa-conv2d-bias"
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
        let bias = data(self.name(), s3, l3)?;
        self.0.forward(self.name(), (s1, l1), (s2, l2), Some(bias))
    }

    fn bwd(
        &self,
        input: &Tensor,
        weight: &Tensor,
        bias: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let [dx, dw, db] = self.0.backward(input, weight, Some(bias), res, grad)?;
        Ok((dx, dw, db))
    }
}

/// The input gradient of the convolution: operands (output gradient, weight).
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

/// The weight gradient of the convolution: operands (input, output gradient).
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
