//! FPR's invertible hallucination network (`InvRescaleNet`): a chain of affine coupling
//! blocks that maps the NR branch's two feature halves (sf1, sf2) to hallucinated FR
//! features of the distorted and the pristine image. Each block (`InvBlockExp`) computes
//!
//! ```text
//! y1 = x1 + F(x2);   s = clamp * (2 sigmoid(H(y1)) - 1);   y2 = x2 * exp(s) + G(y1)
//! ```
//!
//! and its exact inverse. F, G and H are `DenseBlock1X1`: 1x1 convolutions c -> 2c -> 2c
//! -> 2c -> c with LeakyReLU 0.2 between them (none after the last). Tensor names follow
//! the authors' code: `operations.{k}.{F,G,H}.conv{1..4}.{weight,bias}`.

use candle_core::Tensor;
use candle_nn::{Conv2dConfig, VarBuilder};

use iqa_ops::activation::Activation;
use iqa_ops::conv::{Conv2d, conv2d};

use super::blocks::LEAKY;
use crate::Result;

/// The clamp of the log-scale `s` (the authors' default).
const CLAMP: f64 = 1.0;

/// 1x1 convolutions c -> 2c -> 2c -> 2c -> c, LeakyReLU 0.2 after the first three.
#[derive(Debug, Clone)]
struct DenseBlock1x1 {
    convs: [Conv2d; 4],
}

impl DenseBlock1x1 {
    fn new(c: usize, vb: VarBuilder) -> Result<Self> {
        let one =
            |cin, cout, name: &str| conv2d(cin, cout, 1, Conv2dConfig::default(), vb.pp(name));
        Ok(DenseBlock1x1 {
            convs: [
                one(c, 2 * c, "conv1")?,
                one(2 * c, 2 * c, "conv2")?,
                one(2 * c, 2 * c, "conv3")?,
                one(2 * c, c, "conv4")?,
            ],
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let [c1, c2, c3, c4] = &self.convs;
        let y = c1.forward_act(x, LEAKY)?;
        let y = c2.forward_act(&y, LEAKY)?;
        let y = c3.forward_act(&y, LEAKY)?;
        Ok(c4.forward_act(&y, Activation::Identity)?)
    }
}

/// One affine coupling block.
#[derive(Debug, Clone)]
struct InvBlock {
    f: DenseBlock1x1,
    g: DenseBlock1x1,
    h: DenseBlock1x1,
}

impl InvBlock {
    fn new(c: usize, vb: VarBuilder) -> Result<Self> {
        Ok(InvBlock {
            f: DenseBlock1x1::new(c, vb.pp("F"))?,
            g: DenseBlock1x1::new(c, vb.pp("G"))?,
            h: DenseBlock1x1::new(c, vb.pp("H"))?,
        })
    }

    fn log_scale(&self, y1: &Tensor) -> Result<Tensor> {
        let s = candle_nn::ops::sigmoid(&self.h.forward(y1)?)?;
        Ok(((s * 2.0)? - 1.0)?.affine(CLAMP, 0.0)?)
    }

    fn forward(&self, x1: &Tensor, x2: &Tensor) -> Result<(Tensor, Tensor)> {
        let y1 = (x1 + self.f.forward(x2)?)?;
        let s = self.log_scale(&y1)?;
        let y2 = ((x2 * s.exp()?)? + self.g.forward(&y1)?)?;
        Ok((y1, y2))
    }

    fn inverse(&self, y1: &Tensor, y2: &Tensor) -> Result<(Tensor, Tensor)> {
        let s = self.log_scale(y1)?;
        let x2 = ((y2 - self.g.forward(y1)?)? / s.exp()?)?;
        let x1 = (y1 - self.f.forward(&x2)?)?;
        Ok((x1, x2))
    }
}

/// The chain of coupling blocks.
#[derive(Debug, Clone)]
pub(crate) struct InvRescaleNet {
    blocks: Vec<InvBlock>,
}

impl InvRescaleNet {
    /// `count` blocks on two halves of `c` channels each.
    pub(crate) fn new(c: usize, count: usize, vb: VarBuilder) -> Result<Self> {
        let ops = vb.pp("operations");
        let blocks = (0..count)
            .map(|k| InvBlock::new(c, ops.pp(k.to_string())))
            .collect::<Result<Vec<_>>>()?;
        Ok(InvRescaleNet { blocks })
    }

    /// (x1, x2) through every block in order.
    pub(crate) fn forward(&self, x1: &Tensor, x2: &Tensor) -> Result<(Tensor, Tensor)> {
        let (mut a, mut b) = (x1.clone(), x2.clone());
        for block in &self.blocks {
            (a, b) = block.forward(&a, &b)?;
        }
        Ok((a, b))
    }

    /// The exact inverse of [`InvRescaleNet::forward`] (the blocks in reverse order).
    pub(crate) fn inverse(&self, y1: &Tensor, y2: &Tensor) -> Result<(Tensor, Tensor)> {
        let (mut a, mut b) = (y1.clone(), y2.clone());
        for block in self.blocks.iter().rev() {
            (a, b) = block.inverse(&a, &b)?;
        }
        Ok((a, b))
    }
}
