//! FPR's convolution blocks, with the authors' module names so that a converted checkpoint
//! loads: `Conv3x3` (a 3x3 convolution with bias, padding 1, then LeakyReLU 0.2; tensors
//! `conv.0.weight`, `conv.0.bias`), `DoubleConv` (two of them, `conv1` and `conv2`, then
//! an optional 2x2 max pooling) and `SingleConv` (one, `conv`, then the pooling).

use candle_core::Tensor;
use candle_nn::{Conv2dConfig, VarBuilder};

use iqa_ops::activation::Activation;
use iqa_ops::conv::{Conv2d, conv2d};
use iqa_ops::spatial::max_pool2d;

use crate::Result;

/// The slope of every LeakyReLU in FPR.
pub(crate) const LEAKY: Activation = Activation::LeakyRelu(0.2);

/// A 3x3 convolution (padding 1, bias) and LeakyReLU 0.2.
#[derive(Debug, Clone)]
pub(crate) struct Conv3x3 {
    conv: Conv2d,
}

impl Conv3x3 {
    pub(crate) fn new(cin: usize, cout: usize, vb: VarBuilder) -> Result<Self> {
        let cfg = Conv2dConfig {
            padding: 1,
            ..Conv2dConfig::default()
        };
        Ok(Conv3x3 {
            conv: conv2d(cin, cout, 3, cfg, vb.pp("conv").pp("0"))?,
        })
    }

    pub(crate) fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.conv.forward_act(x, LEAKY)?)
    }
}

/// Two [`Conv3x3`] and, when `pool`, a 2x2 max pooling.
#[derive(Debug, Clone)]
pub(crate) struct DoubleConv {
    conv1: Conv3x3,
    conv2: Conv3x3,
    pool: bool,
}

impl DoubleConv {
    pub(crate) fn new(cin: usize, cout: usize, pool: bool, vb: VarBuilder) -> Result<Self> {
        Ok(DoubleConv {
            conv1: Conv3x3::new(cin, cout, vb.pp("conv1"))?,
            conv2: Conv3x3::new(cout, cout, vb.pp("conv2"))?,
            pool,
        })
    }

    pub(crate) fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.conv2.forward(&self.conv1.forward(x)?)?;
        Ok(if self.pool { max_pool2d(&y, 2)? } else { y })
    }
}

/// One [`Conv3x3`] and a 2x2 max pooling.
#[derive(Debug, Clone)]
pub(crate) struct SingleConv {
    conv: Conv3x3,
}

impl SingleConv {
    pub(crate) fn new(cin: usize, cout: usize, vb: VarBuilder) -> Result<Self> {
        Ok(SingleConv {
            conv: Conv3x3::new(cin, cout, vb.pp("conv"))?,
        })
    }

    pub(crate) fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(max_pool2d(&self.conv.forward(x)?, 2)?)
    }
}
