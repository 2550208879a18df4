//! G, the quality-aware generative network: from the distorted image to a hallucinated
//! pristine reference, through stacked hourglasses (Fig. 2 of the paper: conv, res, conv,
//! res, down, res, n hourglass stacks, up, res, up, res, conv).
//!
//! The stem's first convolution has stride 2 and the down-sampling is a 2x2 max-pool, so
//! the stacks run at 1/4 of the input size and the two up-samplings restore it exactly
//! (to the recorded sizes, so odd inputs come back at their own size). The last
//! convolution predicts a correction added to the distorted image, clamped to [0, 1]: at
//! initialisation G returns (nearly) its input, the best guess before any training, and
//! gradients flow for every pixel inside the range. With [`HiqaConfig::g_skip`] the last
//! convolution also sees the input at full resolution, so the correction can be as fine
//! as a pixel.

use candle_core::{Module, Tensor};
use candle_nn::{Conv2dConfig, VarBuilder};

use iqa_ops::conv::{Conv2d, conv2d};
use iqa_ops::spatial::{max_pool2d, upsample_nearest2d};

use super::blocks::{Bottleneck, ConvBnRelu};
use super::config::HiqaConfig;
use super::hourglass::Hourglass;
use crate::Result;

/// One stack: an hourglass, a residual unit, a 1x1 conv-BN-ReLU, and the 1x1 projection
/// added back to the stack's input (the hourglass literature's intermediate merge).
#[derive(Debug, Clone)]
struct Stack {
    hourglass: Hourglass,
    res: Bottleneck,
    features: ConvBnRelu,
    merge: Conv2d,
}

/// The generator G.
#[derive(Debug, Clone)]
pub struct Generator {
    conv1: ConvBnRelu,
    res1: Bottleneck,
    conv2: ConvBnRelu,
    res2: Bottleneck,
    res3: Bottleneck,
    stacks: Vec<Stack>,
    res_up1: Bottleneck,
    res_up2: Bottleneck,
    out: Conv2d,
    /// Whether `out` also sees the distorted image ([`HiqaConfig::g_skip`]).
    skip: bool,
}

/// What G produces.
#[derive(Debug, Clone)]
pub struct Hallucination {
    /// The hallucinated reference, `N x 3 x H x W` in [0, 1].
    pub image: Tensor,
    /// The high-level features at the innermost level of the last stack, `N x C x h x w`.
    pub features: Tensor,
}

impl Generator {
    /// G with the sizes of `config`, its tensors under `vb`.
    pub fn new(config: &HiqaConfig, vb: VarBuilder) -> Result<Self> {
        config.check()?;
        let w = config.g_width;
        let stacks = (0..config.g_stacks)
            .map(|k| {
                let vb = vb.pp(format!("stack{k}"));
                Ok(Stack {
                    hourglass: Hourglass::new(config.g_depth, w, vb.pp("hourglass"))?,
                    res: Bottleneck::new(w, w, vb.pp("res"))?,
                    features: ConvBnRelu::new(w, w, 1, 1, vb.pp("features"))?,
                    merge: conv2d(w, w, 1, Conv2dConfig::default(), vb.pp("merge"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Generator {
            conv1: ConvBnRelu::new(3, w / 4, 7, 2, vb.pp("conv1"))?,
            res1: Bottleneck::new(w / 4, w / 4, vb.pp("res1"))?,
            conv2: ConvBnRelu::new(w / 4, w / 2, 3, 1, vb.pp("conv2"))?,
            res2: Bottleneck::new(w / 2, w, vb.pp("res2"))?,
            res3: Bottleneck::new(w, w, vb.pp("res3"))?,
            stacks,
            res_up1: Bottleneck::new(w, w / 2, vb.pp("res_up1"))?,
            res_up2: Bottleneck::new(w / 2, w / 4, vb.pp("res_up2"))?,
            out: conv2d(
                w / 4 + if config.g_skip { 3 } else { 0 },
                3,
                3,
                Conv2dConfig {
                    padding: 1,
                    ..Conv2dConfig::default()
                },
                vb.pp("out"),
            )?,
            skip: config.g_skip,
        })
    }

    /// Hallucinates the reference of `distorted` (`N x 3 x H x W` in [0, 1]), on rayon's
    /// pool for CPU tensors ([`iqa_ops::on_pool`]).
    pub fn forward(&self, distorted: &Tensor, train: bool) -> Result<Hallucination> {
        iqa_ops::on_pool(distorted.device(), || self.forward_here(distorted, train))
    }

    /// [`Generator::forward`] on the calling thread.
    fn forward_here(&self, distorted: &Tensor, train: bool) -> Result<Hallucination> {
        // Widths: w = g_width; sizes for an (N, 3, H, W) input with even H, W.
        let (_, _, h, w) = distorted.dims4()?;
        // (N, 3, H, W) -> (N, w/4, H/2, W/2): 7x7 stride-2 stem
        let x = self.conv1.forward(distorted, train)?;
        let (_, _, h2, w2) = x.dims4()?;
        let x = self.res1.forward(&x, train)?;
        // -> (N, w/2, H/2, W/2)
        let x = self.conv2.forward(&x, train)?;
        let x = self.res2.forward(&x, train)?;
        // -> (N, w/2, H/4, W/4)
        let x = if h2 >= 2 && w2 >= 2 {
            max_pool2d(&x, 2)?
        } else {
            x
        };
        // -> (N, w, H/4, W/4): the stacks' resolution
        let mut x = self.res3.forward(&x, train)?;
        let mut features = None;
        for stack in &self.stacks {
            // (N, w, H/4, W/4) -> same; `inner`: (N, w, H/4 / 2^depth, W/4 / 2^depth)
            let (y, inner) = stack.hourglass.forward(&x, train)?;
            let y = stack
                .features
                .forward(&stack.res.forward(&y, train)?, train)?;
            x = (x + stack.merge.forward(&y)?)?;
            features = Some(inner);
        }
        let features = features.unwrap_or_else(|| x.clone());
        // (N, w, H/4, W/4) -> (N, w/2, H/2, W/2) -> (N, w/4, H, W)
        let x = self
            .res_up1
            .forward(&upsample_nearest2d(&x, h2, w2)?, train)?;
        let x = self
            .res_up2
            .forward(&upsample_nearest2d(&x, h, w)?, train)?;
        // -> (N, 3, H, W) (with the skip, from (N, w/4 + 3, H, W): the input beside the
        // features), added to the input and clamped to [0, 1]
        let x = if self.skip {
            Tensor::cat(&[&x, distorted], 1)?
        } else {
            x
        };
        let correction = self.out.forward(&x)?;
        let image = (distorted + correction)?.clamp(0f32, 1f32)?;
        Ok(Hallucination { image, features })
    }
}
