//! DFSS-IQA's convolution blocks with the authors' module names: `Conv3x3` / `Conv5x5`
//! (convolution with bias, 'same' padding, batch norm, LeakyReLU 0.2; tensors `conv.0.*`
//! and the norm's `conv.1.*`) and `DoubleConv` (two `Conv3x3`, `conv1` and `conv2`, then a
//! 2x2 max pooling).

use candle_core::{Module, Tensor};
use candle_nn::{Conv2dConfig, VarBuilder};

use iqa_ops::activation::Activation;
use iqa_ops::conv::{Conv2d, conv2d};
use iqa_ops::norm::{BatchNorm2d, batch_norm2d};
use iqa_ops::spatial::max_pool2d;

use crate::Result;

/// The slope of the blocks' LeakyReLU.
const LEAKY: Activation = Activation::LeakyRelu(0.2);

/// A `k x k` convolution ('same' padding), batch norm and LeakyReLU 0.2.
#[derive(Debug, Clone)]
pub(crate) struct ConvBn {
    conv: Conv2d,
    bn: BatchNorm2d,
}

impl ConvBn {
    pub(crate) fn new(cin: usize, cout: usize, k: usize, vb: VarBuilder) -> Result<Self> {
        let cfg = Conv2dConfig {
            padding: k / 2,
            ..Conv2dConfig::default()
        };
        let seq = vb.pp("conv");
        Ok(ConvBn {
            conv: conv2d(cin, cout, k, cfg, seq.pp("0"))?,
            bn: batch_norm2d(cout, 1e-5, seq.pp("1"))?,
        })
    }

    /// Applies it (`train`: batch statistics in the norm).
    pub(crate) fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        Ok(self.bn.forward_act(&self.conv.forward(x)?, train, LEAKY)?)
    }
}

/// Two 3x3 [`ConvBn`] and a 2x2 max pooling.
#[derive(Debug, Clone)]
pub(crate) struct DoubleConv {
    conv1: ConvBn,
    conv2: ConvBn,
}

impl DoubleConv {
    pub(crate) fn new(cin: usize, cout: usize, vb: VarBuilder) -> Result<Self> {
        Ok(DoubleConv {
            conv1: ConvBn::new(cin, cout, 3, vb.pp("conv1"))?,
            conv2: ConvBn::new(cout, cout, 3, vb.pp("conv2"))?,
        })
    }

    pub(crate) fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let y = self.conv2.forward(&self.conv1.forward(x, train)?, train)?;
        Ok(max_pool2d(&y, 2)?)
    }
}
