//! The building blocks: convolution + batch norm + ReLU, the pre-activation bottleneck
//! residual unit of the hourglass networks, and ResNet's basic block.

use candle_core::{Module, Tensor};
use candle_nn::{Conv2dConfig, VarBuilder};

use iqa_ops::conv::{Conv2d, conv2d, conv2d_no_bias};
use iqa_ops::norm::{Activation, BatchNorm2d, batch_norm2d};
use iqa_ops::residual::add_act;

use crate::Result;

fn conv(cin: usize, cout: usize, k: usize, stride: usize, vb: VarBuilder) -> Result<Conv2d> {
    let cfg = Conv2dConfig {
        padding: k / 2,
        stride,
        ..Conv2dConfig::default()
    };
    Ok(conv2d_no_bias(cin, cout, k, cfg, vb)?)
}

/// Convolution (no bias), batch norm, ReLU.
#[derive(Debug, Clone)]
pub struct ConvBnRelu {
    conv: Conv2d,
    bn: BatchNorm2d,
}

impl ConvBnRelu {
    /// A `k x k` convolution from `cin` to `cout` channels at `stride` ('same' padding).
    pub fn new(cin: usize, cout: usize, k: usize, stride: usize, vb: VarBuilder) -> Result<Self> {
        Ok(ConvBnRelu {
            conv: conv(cin, cout, k, stride, vb.pp("conv"))?,
            bn: batch_norm2d(cout, 1e-5, vb.pp("bn"))?,
        })
    }

    /// Applies it (`train` selects batch statistics in the norm).
    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        Ok(self
            .bn
            .forward_act(&self.conv.forward(x)?, train, Activation::Relu)?)
    }
}

/// The pre-activation bottleneck residual unit of the hourglass networks:
/// BN-ReLU-conv1x1 (c/2), BN-ReLU-conv3x3 (c/2), BN-ReLU-conv1x1 (cout), plus the input
/// (through a 1x1 convolution when the widths differ).
#[derive(Debug, Clone)]
pub struct Bottleneck {
    bn1: BatchNorm2d,
    conv1: Conv2d,
    bn2: BatchNorm2d,
    conv2: Conv2d,
    bn3: BatchNorm2d,
    conv3: Conv2d,
    skip: Option<Conv2d>,
}

impl Bottleneck {
    /// A unit from `cin` to `cout` channels.
    pub fn new(cin: usize, cout: usize, vb: VarBuilder) -> Result<Self> {
        let mid = (cout / 2).max(1);
        Ok(Bottleneck {
            bn1: batch_norm2d(cin, 1e-5, vb.pp("bn1"))?,
            conv1: conv2d(cin, mid, 1, Conv2dConfig::default(), vb.pp("conv1"))?,
            bn2: batch_norm2d(mid, 1e-5, vb.pp("bn2"))?,
            conv2: conv2d(
                mid,
                mid,
                3,
                Conv2dConfig {
                    padding: 1,
                    ..Conv2dConfig::default()
                },
                vb.pp("conv2"),
            )?,
            bn3: batch_norm2d(mid, 1e-5, vb.pp("bn3"))?,
            conv3: conv2d(mid, cout, 1, Conv2dConfig::default(), vb.pp("conv3"))?,
            skip: if cin == cout {
                None
            } else {
                Some(conv2d(
                    cin,
                    cout,
                    1,
                    Conv2dConfig::default(),
                    vb.pp("skip"),
                )?)
            },
        })
    }

    /// Applies the unit.
    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let relu = Activation::Relu;
        let h = self.conv1.forward(&self.bn1.forward_act(x, train, relu)?)?;
        let h = self
            .conv2
            .forward(&self.bn2.forward_act(&h, train, relu)?)?;
        let h = self
            .conv3
            .forward(&self.bn3.forward_act(&h, train, relu)?)?;
        let skip = match &self.skip {
            Some(s) => s.forward(x)?,
            None => x.clone(),
        };
        Ok(add_act(&h, &skip, Activation::Identity)?)
    }
}

/// ResNet's basic block: conv3x3-BN-ReLU, conv3x3-BN, plus the input (projected by a
/// strided 1x1 convolution + BN when the shape changes), ReLU.
#[derive(Debug, Clone)]
pub struct BasicBlock {
    conv1: Conv2d,
    bn1: BatchNorm2d,
    conv2: Conv2d,
    bn2: BatchNorm2d,
    down: Option<(Conv2d, BatchNorm2d)>,
}

impl BasicBlock {
    /// A block from `cin` to `cout` channels, the first convolution at `stride`.
    pub fn new(cin: usize, cout: usize, stride: usize, vb: VarBuilder) -> Result<Self> {
        Ok(BasicBlock {
            conv1: conv(cin, cout, 3, stride, vb.pp("conv1"))?,
            bn1: batch_norm2d(cout, 1e-5, vb.pp("bn1"))?,
            conv2: conv(cout, cout, 3, 1, vb.pp("conv2"))?,
            bn2: batch_norm2d(cout, 1e-5, vb.pp("bn2"))?,
            down: if stride != 1 || cin != cout {
                Some((
                    conv(cin, cout, 1, stride, vb.pp("down.conv"))?,
                    batch_norm2d(cout, 1e-5, vb.pp("down.bn"))?,
                ))
            } else {
                None
            },
        })
    }

    /// Applies the block.
    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let h = self
            .bn1
            .forward_act(&self.conv1.forward(x)?, train, Activation::Relu)?;
        let identity = Activation::Identity;
        let h = self
            .bn2
            .forward_act(&self.conv2.forward(&h)?, train, identity)?;
        let skip = match &self.down {
            Some((c, bn)) => bn.forward_act(&c.forward(x)?, train, identity)?,
            None => x.clone(),
        };
        Ok(add_act(&h, &skip, Activation::Relu)?)
    }
}
