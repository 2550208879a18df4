//! DFSS-IQA's sizes: the authors' (`paper`) and a narrower set for CPU runs (`tiny`).

use serde::{Deserialize, Serialize};

use crate::{ModelError, Result};

/// The side of DFSS-IQA's patches (five 2x2 poolings take them to 1x1).
pub const PATCH: usize = 32;

/// The widths of DFSS-IQA's network and its number of distortion classes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DfssConfig {
    /// Output channels of each of the two stems, 3x3 `sf101` and 5x5 `sf102` (authors: 64).
    pub stem_width: usize,
    /// Output channels of the plain convolution `sfl1` (authors: 256).
    pub conv_width: usize,
    /// Output channels of `sfl21`, `sfl22`, `sfl23` (authors: 64 x scale 2 = 128).
    pub block_width: usize,
    /// Output channels of `sfl3` (authors: 128 x scale 2 = 256).
    pub last_width: usize,
    /// Width of the patch embedding `scl` (authors: 512), split into halves `ssf`
    /// (structure) and `sif` (statistics).
    pub embed_width: usize,
    /// Distortion classes of the auxiliary classifier (authors: 50 for SIQAD, 7 types x 7
    /// levels + pristine; 46 for SCID, 9 x 5 + 1).
    pub classes: usize,
}

impl DfssConfig {
    /// The authors' widths with `classes` distortion classes.
    pub fn paper(classes: usize) -> DfssConfig {
        DfssConfig {
            stem_width: 64,
            conv_width: 256,
            block_width: 128,
            last_width: 256,
            embed_width: 512,
            classes,
        }
    }

    /// A quarter of the authors' widths, for CPU runs (each convolution about a sixteenth
    /// of the cost; the authors' `sfl1` alone is 0.3 GMAC per 32x32 patch).
    pub fn tiny(classes: usize) -> DfssConfig {
        DfssConfig {
            stem_width: 16,
            conv_width: 64,
            block_width: 32,
            last_width: 64,
            embed_width: 128,
            classes,
        }
    }

    /// The channels of the five SPSP statistics together (authors: 1792).
    pub fn statistics_channels(&self) -> usize {
        2 * (self.conv_width + 3 * self.block_width + self.last_width)
    }

    /// The width of one half of the embedding (`ssf` or `sif`; authors: 256).
    pub fn half(&self) -> usize {
        self.embed_width / 2
    }

    /// The SE gate's bottleneck (the half width / 16, as the authors' reduction of 16).
    pub fn gate_width(&self) -> usize {
        (self.half() / 16).max(1)
    }

    /// The classifier's hidden width (authors: 128, half of `sif`'s width).
    pub fn classifier_width(&self) -> usize {
        (self.half() / 2).max(1)
    }

    /// Checks that the sizes can build the network.
    pub fn validate(&self) -> Result<()> {
        let widths = [
            self.stem_width,
            self.conv_width,
            self.block_width,
            self.last_width,
            self.embed_width,
            self.classes,
        ];
        if widths.contains(&0) || self.embed_width % 2 != 0 {
            return Err(ModelError::InvalidConfig {
                field: "dfss widths",
                reason: format!(
                    "every width and the class count must be positive and the embedding even: {self:?}"
                ),
            });
        }
        Ok(())
    }
}
