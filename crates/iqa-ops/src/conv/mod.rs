//! Convolutions for the project's networks: on the CPU in f32 a custom op (im2col and the
//! `gemm` crate's matrix product per image, both backward passes included), elsewhere
//! (CUDA, other dtypes) candle's own `conv2d`. The stock candle path can be forced on the
//! CPU too, for comparison or as a fallback: `IQA_CONV=candle` in the environment, or
//! [`crate::tuning::set_backend`].

mod cpu;
mod epilogue;
mod gemm;
mod op;

use candle_core::{Module, Tensor};
use candle_nn::{Conv2dConfig, Init, VarBuilder};

use crate::activation::Activation;
use crate::custom_op::fused_cpu;

pub(crate) use epilogue::act_grad;

/// `conv2d(x, weight)` with `stride` and zero `padding` (no groups, no dilation), through
/// the backend in use.
pub fn conv2d_forward(
    x: &Tensor,
    weight: &Tensor,
    stride: usize,
    padding: usize,
) -> candle_core::Result<Tensor> {
    conv2d_fused(x, weight, None, stride, padding, Activation::Identity)
}

/// `act(conv2d(x, weight) + bias)`: on the CPU in f32 one custom op (the bias and the
/// activation in one pass after the matrix products, their gradients in one pass before
/// the backward products), elsewhere candle's `conv2d`, `broadcast_add` and activation.
pub fn conv2d_fused(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: usize,
    padding: usize,
    act: Activation,
) -> candle_core::Result<Tensor> {
    let operands: Vec<&Tensor> = [Some(x), Some(weight), bias]
        .into_iter()
        .flatten()
        .collect();
    if fused_cpu(&operands) {
        let fused = op::Fused {
            stride,
            padding,
            act,
        };
        let (x, weight) = (x.contiguous()?, weight.contiguous()?);
        return match bias {
            Some(b) => x.apply_op3(&weight, &b.contiguous()?, op::Conv2dBiasOp(fused)),
            None => x.apply_op2(&weight, op::Conv2dOp(fused)),
        };
    }
    let y = x.conv2d(weight, padding, stride, 1, 1)?;
    let y = match bias {
        Some(b) => y.broadcast_add(&b.reshape((1, (), 1, 1))?)?,
        None => y,
    };
    act.forward(&y)
}

/// A 2-D convolution layer with optional bias (the tensor names of candle-nn's and
/// PyTorch's: `weight`, `bias`).
#[derive(Debug, Clone)]
pub struct Conv2d {
    weight: Tensor,
    bias: Option<Tensor>,
    stride: usize,
    padding: usize,
}

impl Conv2d {
    /// The weight, `out x in x k x k`.
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    /// The convolution followed by `act` (fused on the CPU, see [`conv2d_fused`]).
    pub fn forward_act(&self, x: &Tensor, act: Activation) -> candle_core::Result<Tensor> {
        conv2d_fused(
            x,
            &self.weight,
            self.bias.as_ref(),
            self.stride,
            self.padding,
            act,
        )
    }
}

impl Module for Conv2d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.forward_act(x, Activation::Identity)
    }
}

fn build(
    cin: usize,
    cout: usize,
    k: usize,
    config: Conv2dConfig,
    bias: bool,
    vb: VarBuilder,
) -> candle_core::Result<Conv2d> {
    if config.groups != 1 || config.dilation != 1 {
        candle_core::bail!("conv2d: groups and dilation other than 1 are not supported");
    }
    let weight = vb.get_with_hints(
        (cout, cin, k, k),
        "weight",
        candle_nn::init::DEFAULT_KAIMING_NORMAL,
    )?;
    let bias = if bias {
        let bound = 1.0 / ((cin * k * k) as f64).sqrt();
        Some(vb.get_with_hints(
            cout,
            "bias",
            Init::Uniform {
                lo: -bound,
                up: bound,
            },
        )?)
    } else {
        None
    };
    Ok(Conv2d {
        weight,
        bias,
        stride: config.stride,
        padding: config.padding,
    })
}

/// A convolution with bias, initialised as candle-nn's `conv2d`.
pub fn conv2d(
    cin: usize,
    cout: usize,
    k: usize,
    config: Conv2dConfig,
    vb: VarBuilder,
) -> candle_core::Result<Conv2d> {
    build(cin, cout, k, config, true, vb)
}

/// A convolution without bias.
pub fn conv2d_no_bias(
    cin: usize,
    cout: usize,
    k: usize,
    config: Conv2dConfig,
    vb: VarBuilder,
) -> candle_core::Result<Conv2d> {
    build(cin, cout, k, config, false, vb)
}
