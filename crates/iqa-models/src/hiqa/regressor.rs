//! R, the hallucination-guided quality regression network (Fig. 2): a stem for the
//! distorted image and one for the discrepancy map |I_d - I_sh|, summed entrywise; conv,
//! down-sampling; the eight residual units of ResNet-18 in four stages; global pooling;
//! fusion with a linear projection f of G's high-level features; FC, FC -> score.

use candle_core::{D, Module, Tensor};
use candle_nn::{Linear, VarBuilder, linear};

use super::blocks::{BasicBlock, ConvBnRelu};
use super::config::HiqaConfig;
use crate::Result;
use iqa_ops::spatial::max_pool2d;

/// Which parts of R are on: the full model and the paper's ablations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegressorMode {
    /// Use the discrepancy map (off: the paper's baseline BL, the distorted image alone).
    pub discrepancy: bool,
    /// Fuse G's high-level features (off: no fusion, as R_pre and the ablation).
    pub fusion: bool,
}

impl RegressorMode {
    /// The full model: discrepancy map and fusion.
    pub const FULL: RegressorMode = RegressorMode {
        discrepancy: true,
        fusion: true,
    };
    /// Discrepancy map without fusion (R_pre of the supplement).
    pub const NO_FUSION: RegressorMode = RegressorMode {
        discrepancy: true,
        fusion: false,
    };
    /// The baseline BL: the distorted image only.
    pub const BASELINE: RegressorMode = RegressorMode {
        discrepancy: false,
        fusion: false,
    };
}

/// The regressor R.
#[derive(Debug, Clone)]
pub struct Regressor {
    mode: RegressorMode,
    /// Whether the image stem also reads the luma's MSCN coefficients.
    mscn: bool,
    stem_image: (ConvBnRelu, BasicBlock),
    stem_map: Option<(ConvBnRelu, BasicBlock)>,
    /// The scalar the map's stem is multiplied by ([`HiqaConfig::gates`]).
    map_gate: Option<Tensor>,
    /// The scalar the projection of G's features is multiplied by.
    fusion_gate: Option<Tensor>,
    conv: ConvBnRelu,
    stages: Vec<BasicBlock>,
    project: Option<Linear>,
    fc1: Linear,
    fc2: Linear,
}

impl Regressor {
    /// R with the sizes of `config` in `mode`, its tensors under `vb`.
    pub fn new(config: &HiqaConfig, mode: RegressorMode, vb: VarBuilder) -> Result<Self> {
        config.check()?;
        let c = config.r_width;
        let stem = |vb: VarBuilder, channels: usize| -> Result<(ConvBnRelu, BasicBlock)> {
            Ok((
                ConvBnRelu::new(channels, c, 3, 1, vb.pp("conv"))?,
                BasicBlock::new(c, c, 1, vb.pp("res"))?,
            ))
        };
        let mut stages = Vec::new();
        let mut cin = c;
        for (s, mult) in [1, 2, 4, 8].into_iter().enumerate() {
            let cout = c * mult;
            let stride = if s == 0 { 1 } else { 2 };
            stages.push(BasicBlock::new(
                cin,
                cout,
                stride,
                vb.pp(format!("layer{}.0", s + 1)),
            )?);
            stages.push(BasicBlock::new(
                cout,
                cout,
                1,
                vb.pp(format!("layer{}.1", s + 1)),
            )?);
            cin = cout;
        }
        let fused = 8 * c + if mode.fusion { config.fusion_width } else { 0 };
        // A learned scalar starting at 0 in front of an input from G, when gated.
        let gate = |used: bool, part: &str| -> Result<Option<Tensor>> {
            if !(used && config.gates) {
                return Ok(None);
            }
            let init = candle_nn::Init::Const(0.0);
            Ok(Some(vb.pp(part).get_with_hints(1, "gate", init)?))
        };
        Ok(Regressor {
            mode,
            mscn: config.r_mscn,
            stem_image: stem(vb.pp("stem_image"), if config.r_mscn { 4 } else { 3 })?,
            stem_map: if mode.discrepancy {
                Some(stem(vb.pp("stem_map"), 3)?)
            } else {
                None
            },
            map_gate: gate(mode.discrepancy, "stem_map")?,
            fusion_gate: gate(mode.fusion, "project")?,
            conv: ConvBnRelu::new(c, c, 3, 1, vb.pp("conv"))?,
            stages,
            project: if mode.fusion {
                Some(linear(
                    config.g_width,
                    config.fusion_width,
                    vb.pp("project"),
                )?)
            } else {
                None
            },
            fc1: linear(fused, config.hidden_width, vb.pp("fc1"))?,
            fc2: linear(config.hidden_width, 1, vb.pp("fc2"))?,
        })
    }

    /// The mode R was built in.
    pub fn mode(&self) -> RegressorMode {
        self.mode
    }

    /// The outputs of R's four stages (finest first) for `distorted` with the reference
    /// estimate `reference` (ignored by the baseline mode): the `phi_k` of the
    /// quality-aware perceptual loss.
    pub fn feature_maps(
        &self,
        distorted: &Tensor,
        reference: Option<&Tensor>,
        train: bool,
    ) -> Result<Vec<Tensor>> {
        // With MSCN: (N, 3, H, W) -> (N, 4, H, W), the luma's MSCN coefficients appended
        let image = if self.mscn {
            Tensor::cat(&[distorted, &super::mscn_luma(distorted)?], 1)?
        } else {
            distorted.clone()
        };
        // c = r_width. (N, 3 or 4, H, W) -> (N, c, H, W): the image stem, full resolution
        let (conv, res) = &self.stem_image;
        let mut x = res.forward(&conv.forward(&image, train)?, train)?;
        if let Some((conv, res)) = &self.stem_map {
            let reference = reference.ok_or_else(|| crate::ModelError::InvalidConfig {
                field: "regressor input",
                reason: "R uses the discrepancy map: give it a reference estimate".to_string(),
            })?;
            // |I_d - I_r| (N, 3, H, W) -> (N, c, H, W), summed with the image stem
            let map = (distorted - reference)?.abs()?;
            let mut m = res.forward(&conv.forward(&map, train)?, train)?;
            if let Some(gate) = &self.map_gate {
                m = m.broadcast_mul(gate)?;
            }
            x = (x + m)?;
        }
        // -> (N, c, H, W) -> (N, c, H/2, W/2)
        let x = self.conv.forward(&x, train)?;
        let (_, _, h, w) = x.dims4()?;
        let mut x = if h >= 2 && w >= 2 {
            max_pool2d(&x, 2)?
        } else {
            x
        };
        let mut maps = Vec::with_capacity(4);
        // Four stages of two basic blocks; each after the first halves the size and doubles
        // the width.
        for pair in self.stages.chunks(2) {
            for block in pair {
                x = block.forward(&x, train)?;
            }
            maps.push(x.clone());
        }
        Ok(maps)
    }

    /// Scores `distorted` (`N x 3 x H x W`), given the reference estimate (G's hallucination,
    /// or in oracle mode the true reference) and G's high-level features; those not used by
    /// the mode may be `None`. Returns `N` scores. Runs on rayon's pool for CPU tensors
    /// ([`iqa_ops::on_pool`]).
    pub fn forward(
        &self,
        distorted: &Tensor,
        reference: Option<&Tensor>,
        g_features: Option<&Tensor>,
        train: bool,
    ) -> Result<Tensor> {
        iqa_ops::on_pool(distorted.device(), || {
            self.forward_here(distorted, reference, g_features, train)
        })
    }

    /// [`Regressor::forward`] on the calling thread.
    fn forward_here(
        &self,
        distorted: &Tensor,
        reference: Option<&Tensor>,
        g_features: Option<&Tensor>,
        train: bool,
    ) -> Result<Tensor> {
        // (N, 3, H, W) -> stage maps (N, c, H/2, W/2), (N, 2c, H/4, W/4), (N, 4c, H/8, W/8),
        // (N, 8c, H/16, W/16); c = r_width
        let maps = self.feature_maps(distorted, reference, train)?;
        let last = maps
            .last()
            .ok_or_else(|| crate::ModelError::InvalidConfig {
                field: "regressor",
                reason: "R has no stages".to_string(),
            })?;
        // (N, 8c, H/16, W/16) -> (N, 8c): global average pooling
        let mut pooled = last.mean(D::Minus1)?.mean(D::Minus1)?;
        if let Some(project) = &self.project {
            // G's bottleneck (N, g_width, h, w) -> (N, g_width) -> (N, fusion_width), then
            // concatenated: (N, 8c + fusion_width)
            let g = g_features.ok_or_else(|| crate::ModelError::InvalidConfig {
                field: "regressor input",
                reason: "R fuses G's features: give them".to_string(),
            })?;
            let mut g = project.forward(&g.mean(D::Minus1)?.mean(D::Minus1)?)?;
            if let Some(gate) = &self.fusion_gate {
                g = g.broadcast_mul(gate)?;
            }
            pooled = Tensor::cat(&[&pooled, &g], 1)?;
        }
        // -> (N, hidden_width) -> (N, 1) -> (N)
        let hidden = self.fc1.forward(&pooled)?.relu()?;
        Ok(self.fc2.forward(&hidden)?.squeeze(1)?)
    }
}
