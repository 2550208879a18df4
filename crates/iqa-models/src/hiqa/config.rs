//! The sizes of the Hallucinated-IQA networks. The paper gives the topology (its Fig. 2)
//! but few sizes; every field says what it is and why its preset value was chosen.

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// A named set of network sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Preset {
    /// The paper's sizes (GPU work).
    Paper,
    /// The same topology, narrow and shallow: the CPU quick start and the tests.
    Tiny,
    /// Sizes set by hand.
    Custom,
}

impl Preset {
    /// The presets a user can start from (not `custom`).
    pub const NAMED: [Preset; 2] = [Preset::Tiny, Preset::Paper];

    /// The name in configuration files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Paper => "paper",
            Preset::Tiny => "tiny",
            Preset::Custom => "custom",
        }
    }

    /// The named preset called `name` (`tiny` or `paper`).
    pub fn from_name(name: &str) -> crate::Result<Preset> {
        Preset::NAMED
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| crate::registry::unknown("preset", name, &["tiny", "paper"]))
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The sizes of G, R and D.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HiqaConfig {
    /// Preset this config started from.
    pub preset: Preset,
    /// G: channels inside the hourglass stacks. `paper`: 256, the width of the stacked
    /// hourglass networks (Newell et al. 2016) that the figure's G follows.
    pub g_width: usize,
    /// G: number of hourglass stacks. `paper`: 2, the least the figure shows ("Stack 1 ...
    /// Stack n") and enough for intermediate refinement.
    pub g_stacks: usize,
    /// G: recursion depth of each hourglass (2x2 poolings). 4 as in the hourglass paper.
    pub g_depth: usize,
    /// R: channels of the stems and of the first ResNet-18 stage (then x2, x4, x8).
    /// `paper`: 64, ResNet-18's.
    pub r_width: usize,
    /// R: width of the projection f of G's high-level features before fusion. `paper`:
    /// 256 (half of R's 512 pooled features, so neither side dominates the concatenation).
    pub fusion_width: usize,
    /// R: width of the hidden fully connected layer. `paper`: 512.
    pub hidden_width: usize,
    /// D: channels of its first convolution (doubled at each of its four strided layers).
    /// `paper`: 64, the usual PatchGAN/DCGAN discriminator width.
    pub d_width: usize,
    /// Training patch side, pixels. `paper`: 256 (the paper's patches).
    pub patch: usize,
    /// VGG19 ReLU taps of L_v (torchvision indices). `paper`: relu2_2, relu3_4, relu4_4
    /// (see [`super::PERCEPTUAL_TAPS`]); `tiny`: relu1_1 only. Deeper layers cost more than
    /// the whole tiny G; even relu1_2 (index 3), a 64-to-64 convolution at full resolution,
    /// was 0.65 of the 0.74 GFLOP per patch of G's training step and made it 0.59 s for 32
    /// patches on 2 cores (0.34 s with relu1_1), while L_v weighs 1 % of G's loss.
    #[serde(default = "default_taps")]
    pub vgg_taps: Vec<usize>,
    /// R: multiply each of its two inputs from G, the discrepancy map's stem and the
    /// projection of G's features, by a learned scalar that starts at 0
    /// (`r.stem_map.gate`, `r.project.gate`), so that R begins as a baseline (its score a
    /// function of the distorted image alone) and takes in what G offers as far as it
    /// helps. R_pre, which reads the true reference, has none. Batch normalisation in the
    /// map's stem scales any map to unit variance, so the map of a barely trained G
    /// (corrections near 1e-3, changing at every step) otherwise enters R as strongly as
    /// the image does, and G's features describe content as much as damage. Not in the paper (whose G has
    /// tens of thousands of steps to become useful first); `paper`: off, `tiny`: on.
    #[serde(default)]
    pub gates: bool,
    /// G: its last convolution also sees the distorted image at full resolution (three
    /// more input channels). G's stacks work at a quarter of the input's size and the
    /// way back up has `g_width / 4` channels, so without this G can only add corrections
    /// that are smooth over 4x4 pixels: it cannot remove noise or sharpen an edge, and a
    /// narrow G cannot carry the detail through its bottleneck either. Not in the paper's
    /// figure; `paper`: off, `tiny`: on.
    #[serde(default)]
    pub g_skip: bool,
    /// R: its image stem also reads the MSCN coefficients of the distorted image's luma
    /// (one more input channel, [`super::mscn_luma`]), the content-normalised
    /// representation of BRISQUE and NIQE. With it the baseline BL ranked held-out scenes
    /// and photographs better and more evenly across distortion types in each of three
    /// seeds (docs/learning.md, step 9). Not in the paper; `paper`: off, `tiny`: on.
    #[serde(default)]
    pub r_mscn: bool,
}

fn default_taps() -> Vec<usize> {
    super::PERCEPTUAL_TAPS.to_vec()
}

impl HiqaConfig {
    /// As close to the paper's figure and the hourglass literature as the text allows.
    pub fn paper() -> HiqaConfig {
        HiqaConfig {
            preset: Preset::Paper,
            g_width: 256,
            g_stacks: 2,
            g_depth: 4,
            r_width: 64,
            fusion_width: 256,
            hidden_width: 512,
            d_width: 64,
            patch: 256,
            vgg_taps: default_taps(),
            gates: false,
            g_skip: false,
            r_mscn: false,
        }
    }

    /// The same topology, narrow and shallow: what tests and the CPU quick start use
    /// (a training step on 8 patches of 64x64 takes well under a second on 2 cores).
    pub fn tiny() -> HiqaConfig {
        HiqaConfig {
            preset: Preset::Tiny,
            g_width: 16,
            g_stacks: 2,
            g_depth: 2,
            r_width: 8,
            fusion_width: 16,
            hidden_width: 32,
            d_width: 8,
            patch: 64,
            vgg_taps: vec![1],
            gates: true,
            g_skip: true,
            r_mscn: true,
        }
    }

    /// The sizes of `preset` (`custom` starts from `tiny`'s).
    pub fn preset(preset: Preset) -> HiqaConfig {
        match preset {
            Preset::Paper => HiqaConfig::paper(),
            Preset::Tiny => HiqaConfig::tiny(),
            Preset::Custom => HiqaConfig {
                preset: Preset::Custom,
                ..HiqaConfig::tiny()
            },
        }
    }

    /// Checks that every size is usable.
    pub fn check(&self) -> crate::Result<()> {
        let fields = [
            ("g_width", self.g_width),
            ("g_stacks", self.g_stacks),
            ("g_depth", self.g_depth),
            ("r_width", self.r_width),
            ("fusion_width", self.fusion_width),
            ("hidden_width", self.hidden_width),
            ("d_width", self.d_width),
            ("patch", self.patch),
        ];
        if let Some((name, _)) = fields.iter().find(|(_, v)| *v == 0) {
            return Err(ModelError::InvalidConfig {
                field: name,
                reason: "must be at least 1".to_string(),
            });
        }
        if self.g_width % 4 != 0 || self.g_width < 4 {
            return Err(ModelError::InvalidConfig {
                field: "g_width",
                reason: format!(
                    "{} must be a multiple of 4 (the stem uses g_width / 4 and / 2)",
                    self.g_width
                ),
            });
        }
        Ok(())
    }
}
