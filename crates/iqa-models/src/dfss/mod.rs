//! DFSS-IQA, "Deep Feature Statistics Mapping for Generalized Screen Content Image Quality
//! Assessment" (Chen, Zhu, Zhu, Wang & Kwong, IEEE TIP 2024): a no-reference model for
//! screen content that judges an image by how far the statistics of its deep features lie
//! from those of pristine content.
//!
//! Per 32x32 patch: two stems (3x3 and 5x5 convolutions with batch norm) side by side, a
//! plain convolution, LeakyReLU 0.01 and pooling, four pooled double-convolution blocks;
//! after the first pooling and after each block, the mean and standard deviation of the
//! map over a 3x3 grid (the authors' "SPSP"); all of them through a 3x3 and a 1x1 convolution to one
//! embedding, split into a structure half `ssf` and a statistics half `sif`. Per image:
//! each channel of `sif` over the image's patches is compared with a standard normal by
//! the Gaussian KL divergence (the deviation `d`); `ssf`'s patch mean gates `d` (an SE
//! gate), and a linear layer maps the gated deviation to the score. A classifier on the
//! patch mean of `sif` predicts the distortion type and level (training only).
//!
//! Tensor names are the authors' (`sf101.conv.0.weight`, `sfl21.conv1.conv.1.running_mean`,
//! `scl.0.weight`, `selayer.fc.2.weight`, `distype_cls.0.weight`, `scw.weight`); their
//! unused `sf0` block is not built.

mod blocks;
mod config;
mod losses;
mod scorer;
mod spsp;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Conv2dConfig, Linear, VarBuilder, VarMap, linear};

use iqa_ops::conv::{Conv2d, conv2d};
use iqa_ops::spatial::max_pool2d;

pub use config::{DfssConfig, PATCH};
pub use losses::{DfssLossWeights, DfssLosses, dfss_losses, standardised};
pub use scorer::{DfssScorer, MAX_TILES};

use self::blocks::{ConvBn, DoubleConv};
use self::spsp::spsp;
use crate::group_init::group_init;
use crate::{ModelError, Result};

/// The floor under each channel's variance before its logarithm (the authors' `eps`).
const VARIANCE_FLOOR: f64 = 1e-12;

/// DFSS-IQA's network.
#[derive(Debug, Clone)]
pub struct Dfss {
    config: DfssConfig,
    stem3: ConvBn,
    stem5: ConvBn,
    conv: Conv2d,
    blocks: [DoubleConv; 4],
    embed: (Conv2d, Conv2d),
    gate: (Linear, Linear),
    score: Linear,
    classifier: (Linear, Linear),
}

/// Per-image quantities of one group of images (distorted, references or other content).
#[derive(Debug, Clone)]
pub struct ImageStatistics {
    /// The patch mean of `ssf` (`images x half`).
    pub structure: Tensor,
    /// `sif` per patch (`images x patches x half`).
    pub statistics: Tensor,
    /// The Gaussian deviation `d` of each `sif` channel (`images x half`).
    pub deviation: Tensor,
}

/// What the training forward pass gives for distorted images, their references and
/// images of other content (the authors' three inputs).
#[derive(Debug, Clone)]
pub struct DfssOutputs {
    /// The distorted images' scores.
    pub score: Tensor,
    /// The distortion classifier's logits for the distorted images (`images x classes`).
    pub class_logits: Tensor,
    /// The distorted images' statistics.
    pub distorted: ImageStatistics,
    /// The references' statistics.
    pub reference: ImageStatistics,
    /// The other-content pristine images' statistics.
    pub other: ImageStatistics,
}

impl Dfss {
    /// The network with `config`'s sizes, its tensors from `vb`.
    pub fn new(config: &DfssConfig, vb: VarBuilder) -> Result<Dfss> {
        config.validate()?;
        let c = config;
        let same = Conv2dConfig {
            padding: 1,
            ..Conv2dConfig::default()
        };
        let plain = Conv2dConfig::default();
        let half = c.half();
        Ok(Dfss {
            config: c.clone(),
            stem3: ConvBn::new(3, c.stem_width, 3, vb.pp("sf101"))?,
            stem5: ConvBn::new(3, c.stem_width, 5, vb.pp("sf102"))?,
            conv: conv2d(2 * c.stem_width, c.conv_width, 3, same, vb.pp("sfl1"))?,
            blocks: [
                DoubleConv::new(c.conv_width, c.block_width, vb.pp("sfl21"))?,
                DoubleConv::new(c.block_width, c.block_width, vb.pp("sfl22"))?,
                DoubleConv::new(c.block_width, c.block_width, vb.pp("sfl23"))?,
                DoubleConv::new(c.block_width, c.last_width, vb.pp("sfl3"))?,
            ],
            embed: (
                conv2d(
                    c.statistics_channels(),
                    c.embed_width,
                    3,
                    plain,
                    vb.pp("scl.0"),
                )?,
                conv2d(c.embed_width, c.embed_width, 1, plain, vb.pp("scl.2"))?,
            ),
            gate: (
                linear(half, c.gate_width(), vb.pp("selayer.fc.0"))?,
                linear(c.gate_width(), half, vb.pp("selayer.fc.2"))?,
            ),
            score: linear(half, 1, vb.pp("scw"))?,
            classifier: (
                linear(half, c.classifier_width(), vb.pp("distype_cls.0"))?,
                linear(c.classifier_width(), c.classes, vb.pp("distype_cls.2"))?,
            ),
        })
    }

    /// A fresh network on `device` in a new variable map, initialised from `seed` as the
    /// authors' code initialises it ([`crate::group_init`]).
    pub fn seeded(config: &DfssConfig, device: &Device, seed: u64) -> Result<(Dfss, VarMap)> {
        let vars = VarMap::new();
        let dfss = Dfss::new(config, VarBuilder::from_varmap(&vars, DType::F32, device))?;
        group_init(&vars, seed)?;
        Ok((dfss, vars))
    }

    /// The sizes.
    pub fn config(&self) -> &DfssConfig {
        &self.config
    }

    /// The embedding of `N x 3 x 32 x 32` patches (`N x embed_width`; `train` selects
    /// batch statistics in the norms).
    pub fn embed(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        match x.dims() {
            [_, 3, h, w] if *h == PATCH && *w == PATCH => {}
            dims => {
                return Err(ModelError::InvalidConfig {
                    field: "dfss input",
                    reason: format!("patches must be N x 3 x {PATCH} x {PATCH}, got {dims:?}"),
                });
            }
        }
        let stems = Tensor::cat(
            &[
                &self.stem3.forward(x, train)?,
                &self.stem5.forward(x, train)?,
            ],
            1,
        )?;
        // The authors' F.leaky_relu here keeps PyTorch's default slope, 0.01.
        let y = self.conv.forward(&stems)?;
        let mut y = max_pool2d(&leaky(&y, 0.01)?, 2)?;
        let mut stats = vec![spsp(&y)?];
        for block in &self.blocks {
            y = block.forward(&y, train)?;
            stats.push(spsp(&y)?);
        }
        let e = self.embed.0.forward(&Tensor::cat(&stats, 1)?)?;
        let e = self.embed.1.forward(&leaky(&e, 0.2)?)?;
        Ok(e.flatten_from(1)?)
    }

    /// The per-image statistics of `images` images of `patches` patches each.
    fn statistics(
        &self,
        x: &Tensor,
        images: usize,
        patches: usize,
        train: bool,
    ) -> Result<ImageStatistics> {
        let n = x.dim(0)?;
        if n != images * patches || images == 0 {
            return Err(ModelError::InvalidConfig {
                field: "dfss patches",
                reason: format!("{n} patches for {images} images of {patches} patches each"),
            });
        }
        let half = self.config.half();
        let e = self.embed(x, train)?.reshape((images, patches, 2 * half))?;
        let ssf = e.narrow(2, 0, half)?;
        let sif = e.narrow(2, half, half)?;
        Ok(ImageStatistics {
            structure: ssf.mean(1)?,
            deviation: gaussian_deviation(&sif)?,
            statistics: sif,
        })
    }

    /// The score from an image group's statistics: the deviation gated by the structure.
    fn score_of(&self, s: &ImageStatistics) -> Result<Tensor> {
        let g = self.gate.0.forward(&s.structure)?;
        let g = candle_nn::ops::sigmoid(&self.gate.1.forward(&leaky(&g, 0.01)?)?)?;
        Ok(self.score.forward(&(&s.deviation * g)?)?.squeeze(1)?)
    }

    /// The training forward pass: `distorted` patches, their `reference`'s and those of
    /// `other` pristine content, each `images * patches x 3 x 32 x 32` (an image's patches
    /// consecutive).
    pub fn forward(
        &self,
        distorted: &Tensor,
        reference: &Tensor,
        other: &Tensor,
        images: usize,
        patches: usize,
        train: bool,
    ) -> Result<DfssOutputs> {
        // One pass over all three, as the authors' code does: in training the norms'
        // batch statistics are those of the three groups together.
        let all = Tensor::cat(&[distorted, reference, other], 0)?;
        let s = self.statistics(&all, 3 * images, patches, train)?;
        let group = |k: usize| -> Result<ImageStatistics> {
            Ok(ImageStatistics {
                structure: s.structure.narrow(0, k * images, images)?,
                statistics: s.statistics.narrow(0, k * images, images)?,
                deviation: s.deviation.narrow(0, k * images, images)?,
            })
        };
        let (d, r, o) = (group(0)?, group(1)?, group(2)?);
        let pooled = d.statistics.mean(1)?;
        let hidden = leaky(&self.classifier.0.forward(&pooled)?, 0.2)?;
        Ok(DfssOutputs {
            score: self.score_of(&d)?,
            class_logits: self.classifier.1.forward(&hidden)?,
            distorted: d,
            reference: r,
            other: o,
        })
    }

    /// The test-time score of `images` images from their distorted patches alone (norms in
    /// inference mode; patch order does not matter, the statistics are over the set).
    pub fn predict(&self, distorted: &Tensor, images: usize, patches: usize) -> Result<Tensor> {
        let s = self.statistics(distorted, images, patches, false)?;
        self.score_of(&s)
    }
}

/// `x` where positive, `slope * x` elsewhere.
fn leaky(x: &Tensor, slope: f64) -> Result<Tensor> {
    Ok(x.maximum(&x.affine(slope, 0.0)?)?)
}

/// Each channel's Gaussian KL divergence from N(0, 1) over an image's patches
/// (`images x patches x C` -> `images x C`): -1/2 (1 + log(var + eps) - mean^2 - (var +
/// eps)), with the biased variance, as the authors compute it.
pub fn gaussian_deviation(x: &Tensor) -> Result<Tensor> {
    let mean = x.mean_keepdim(1)?;
    let var = x.broadcast_sub(&mean)?.sqr()?.mean(1)?;
    let log_var = (var + VARIANCE_FLOOR)?.log()?;
    let mean = mean.squeeze(1)?;
    let inner = ((((log_var.clone() + 1.0)? - mean.sqr()?)?) - log_var.exp()?)?;
    Ok(inner.affine(-0.5, 0.0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deviation_is_zero_for_standard_normal_statistics_and_grows_away_from_them() {
        // Patches with values -1, 1 in a channel: mean 0, biased variance 1 -> d = 0 (up
        // to eps); values 0, 4: mean 2, variance 4 -> d = -(1 + ln 4 - 4 - 4) / 2.
        let x = Tensor::new(&[[[-1f32, 0.], [1., 4.]]], &Device::Cpu).unwrap();
        let d: Vec<f32> = gaussian_deviation(&x)
            .unwrap()
            .squeeze(0)
            .unwrap()
            .to_vec1()
            .unwrap();
        assert!(d[0].abs() < 1e-6, "{d:?}");
        let want = -0.5 * (1.0 + 4f32.ln() - 4.0 - 4.0);
        assert!((d[1] - want).abs() < 1e-5, "{d:?} vs {want}");
    }
}
