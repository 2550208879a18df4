//! D, the IQA-discriminator: a convolutional encoder that gives the logit of "this
//! reference is real" for a true or a hallucinated reference. Four strided 4x4
//! convolutions (widths d, 2d, 4d, 8d; batch norm after the first; LeakyReLU 0.2), global
//! average pooling, one linear layer. The paper shows only "an encoder"; this is the
//! DCGAN-style encoder GAN discriminators commonly use.

use candle_core::{D, Module, Tensor};
use candle_nn::{Conv2dConfig, Linear, VarBuilder, linear};

use iqa_ops::conv::{Conv2d, conv2d};
use iqa_ops::norm::{Activation, BatchNorm2d, batch_norm2d};

use super::config::HiqaConfig;
use crate::Result;

/// The negative slope of D's activations.
const LEAKY: Activation = Activation::LeakyRelu(0.2);

/// The discriminator D.
#[derive(Debug, Clone)]
pub struct Discriminator {
    convs: Vec<(Conv2d, Option<BatchNorm2d>)>,
    head: Linear,
}

impl Discriminator {
    /// D with the sizes of `config`, its tensors under `vb`.
    pub fn new(config: &HiqaConfig, vb: VarBuilder) -> Result<Self> {
        config.check()?;
        let cfg = Conv2dConfig {
            padding: 1,
            stride: 2,
            ..Conv2dConfig::default()
        };
        let mut convs = Vec::new();
        let mut cin = 3;
        for k in 0..4 {
            let cout = config.d_width << k;
            let bn = if k == 0 {
                None
            } else {
                Some(batch_norm2d(cout, 1e-5, vb.pp(format!("bn{k}")))?)
            };
            convs.push((conv2d(cin, cout, 4, cfg, vb.pp(format!("conv{k}")))?, bn));
            cin = cout;
        }
        Ok(Discriminator {
            convs,
            head: linear(cin, 1, vb.pp("head"))?,
        })
    }

    /// The logits (`N`) that each image of `reference` (`N x 3 x H x W`) is a real one
    /// (on rayon's pool for CPU tensors, [`iqa_ops::on_pool`]).
    pub fn forward(&self, reference: &Tensor, train: bool) -> Result<Tensor> {
        iqa_ops::on_pool(reference.device(), || self.forward_here(reference, train))
    }

    /// [`Discriminator::forward`] on the calling thread.
    fn forward_here(&self, reference: &Tensor, train: bool) -> Result<Tensor> {
        let mut x = reference.clone();
        // (N, 3, H, W) -> (N, d, H/2, W/2) -> ... -> (N, 8d, H/16, W/16); d = d_width
        for (conv, bn) in &self.convs {
            x = match bn {
                Some(bn) => bn.forward_act(&conv.forward(&x)?, train, LEAKY)?,
                None => conv.forward_act(&x, LEAKY)?,
            };
        }
        // -> (N, 8d) -> (N, 1) -> (N) logits
        let pooled = x.mean(D::Minus1)?.mean(D::Minus1)?;
        Ok(self.head.forward(&pooled)?.squeeze(1)?)
    }

    /// The probabilities (`N`) that each image is real.
    pub fn probability(&self, reference: &Tensor, train: bool) -> Result<Tensor> {
        Ok(candle_nn::ops::sigmoid(&self.forward(reference, train)?)?)
    }
}
