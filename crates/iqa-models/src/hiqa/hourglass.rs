//! The recursive hourglass module (Newell, Yang & Deng 2016): at each level a residual
//! branch at the current scale, and a branch that pools 2x2, recurses, and comes back by
//! nearest-neighbour upsampling; the two are summed.

use candle_core::Tensor;
use candle_nn::VarBuilder;

use super::blocks::Bottleneck;
use crate::Result;
use iqa_ops::spatial::{max_pool2d, upsample_nearest2d};

/// One hourglass of a given depth.
#[derive(Debug, Clone)]
pub struct Hourglass {
    up: Bottleneck,
    low_in: Bottleneck,
    inner: Inner,
    low_out: Bottleneck,
}

#[derive(Debug, Clone)]
enum Inner {
    Deeper(Box<Hourglass>),
    Bottom(Box<Bottleneck>),
}

impl Hourglass {
    /// An hourglass of `depth` poolings on `width` channels.
    pub fn new(depth: usize, width: usize, vb: VarBuilder) -> Result<Self> {
        let inner = if depth > 1 {
            Inner::Deeper(Box::new(Hourglass::new(depth - 1, width, vb.pp("inner"))?))
        } else {
            Inner::Bottom(Box::new(Bottleneck::new(width, width, vb.pp("bottom"))?))
        };
        Ok(Hourglass {
            up: Bottleneck::new(width, width, vb.pp("up"))?,
            low_in: Bottleneck::new(width, width, vb.pp("low_in"))?,
            inner,
            low_out: Bottleneck::new(width, width, vb.pp("low_out"))?,
        })
    }

    /// Returns the output (same shape as `x`) and the features at the innermost level
    /// (the "high-level feature" the fusion uses).
    pub fn forward(&self, x: &Tensor, train: bool) -> Result<(Tensor, Tensor)> {
        // x: (N, C, H, W); the upper branch keeps the resolution.
        let (_, _, h, w) = x.dims4()?;
        let up = self.up.forward(x, train)?;
        // Odd sizes: pooling floors, so sides below 2 stop shrinking (pool only what fits).
        let pooled = if h >= 2 && w >= 2 {
            max_pool2d(x, 2)?
        } else {
            x.clone()
        };
        // (N, C, H/2, W/2): the lower branch, recursing `depth` times
        let low = self.low_in.forward(&pooled, train)?;
        let (low, innermost) = match &self.inner {
            Inner::Deeper(hg) => hg.forward(&low, train)?,
            Inner::Bottom(b) => {
                let bottom = b.forward(&low, train)?;
                (bottom.clone(), bottom)
            }
        };
        let low = self.low_out.forward(&low, train)?;
        // (N, C, H/2, W/2) -> (N, C, H, W), added to the upper branch
        let back = upsample_nearest2d(&low, h, w)?;
        Ok(((up + back)?, innermost))
    }
}
