//! FPR's two regression heads, the same layers under two sets of names: the FR head
//! (`cl1`, `cl2`, `rl1`, `rl2`, weights `wl1`, `wl2`) reads a pair of FR features, real or
//! hallucinated; the NR head (`scl1`, `scl2`, `srl1`, `srl2`, `swl1`, `swl2`) reads the NR
//! branch's features and gives the score at test time.
//!
//! Per patch: a `SingleConv` (2C -> C/2, 8x8 -> 4x4), a 3x3 convolution without padding
//! (C/2 -> C/4, 4x4 -> 2x2, no activation), flattened to C values, then two linear layers
//! (C -> 32 -> 1, nothing between them). Per image: a GRU (C -> 32) runs over the image's
//! patches in order, a linear layer maps each hidden state to one value, ReLU + 1e-8 makes
//! it a weight, and the image's score is the weighted mean of its patch scores.

use candle_core::{D, Module, Tensor};
use candle_nn::rnn::{GRU, GRUConfig, RNN};
use candle_nn::{Conv2dConfig, Init, Linear, VarBuilder, linear};

use iqa_ops::conv::{Conv2d, conv2d};

use super::blocks::SingleConv;
use crate::{ModelError, Result};

/// The GRU's hidden width and the first linear layer's output width.
pub(crate) const HIDDEN: usize = 32;

/// What the weights' ReLU is offset by, so that no image's weights sum to zero.
const WEIGHT_FLOOR: f64 = 1e-8;

/// One regression head with per-patch weights.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    conv1: SingleConv,
    conv2: Conv2d,
    fc1: Linear,
    fc2: Linear,
    gru: GRU,
    weight: Linear,
}

impl Head {
    /// A head on pairs of `c`-channel features; `prefix` is "" (FR head) or "s" (NR head).
    pub(crate) fn new(c: usize, prefix: &str, vb: VarBuilder) -> Result<Self> {
        if c < 4 || c % 4 != 0 {
            return Err(ModelError::InvalidConfig {
                field: "fpr feature channels",
                reason: format!("{c} must be a positive multiple of 4"),
            });
        }
        let name = |n: &str| format!("{prefix}{n}");
        // PyTorch's GRU starts every tensor uniform in +-1/sqrt(hidden); FPR keeps that.
        let k = 1.0 / (HIDDEN as f64).sqrt();
        let uniform = Init::Uniform { lo: -k, up: k };
        let gru_config = GRUConfig {
            w_ih_init: uniform,
            w_hh_init: uniform,
            b_ih_init: Some(uniform),
            b_hh_init: Some(uniform),
        };
        Ok(Head {
            conv1: SingleConv::new(2 * c, c / 2, vb.pp(name("cl1")))?,
            conv2: conv2d(c / 2, c / 4, 3, Conv2dConfig::default(), vb.pp(name("cl2")))?,
            fc1: linear(c, HIDDEN, vb.pp(name("rl1")))?,
            fc2: linear(HIDDEN, 1, vb.pp(name("rl2")))?,
            gru: GRU::new(c, HIDDEN, gru_config, vb.pp(name("wl1")))?,
            weight: linear(HIDDEN, 1, vb.pp(name("wl2")))?,
        })
    }

    /// Scores of `images` images of `patches` patches each from their features
    /// (`images * patches x 2C x 8 x 8`, an image's patches consecutive and in order):
    /// the images' scores and each patch's score (`images x patches`).
    pub(crate) fn forward(
        &self,
        features: &Tensor,
        images: usize,
        patches: usize,
    ) -> Result<(Tensor, Tensor)> {
        let n = features.dim(0)?;
        if n != images * patches || images == 0 {
            return Err(ModelError::InvalidConfig {
                field: "fpr patches",
                reason: format!("{n} patch features for {images} images of {patches} patches each"),
            });
        }
        let x = self.conv2.forward(&self.conv1.forward(features)?)?;
        let flat = x.flatten_from(1)?;
        let patch_scores = self
            .fc2
            .forward(&self.fc1.forward(&flat)?)?
            .reshape((images, patches))?;
        let sequence = flat.reshape((images, patches, flat.dim(1)?))?;
        let states = self.gru.seq(&sequence)?;
        let hidden: Vec<Tensor> = states.into_iter().map(|s| s.h).collect();
        // images x patches x HIDDEN.
        let hidden = Tensor::stack(&hidden, 1)?;
        let w =
            (self.weight.forward(&hidden)?.relu()? + WEIGHT_FLOOR)?.reshape((images, patches))?;
        let score = ((&patch_scores * &w)?.sum(D::Minus1)? / w.sum(D::Minus1)?)?;
        Ok((score, patch_scores))
    }
}
