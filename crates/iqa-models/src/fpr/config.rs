//! FPR's sizes: the authors' (`paper`) and a narrower set for CPU runs (`tiny`).

use serde::{Deserialize, Serialize};

use crate::{ModelError, Result};

/// The side of FPR's patches: three 2x2 poolings take them to the 8x8 features its heads
/// are built for (one more pooling and an unpadded 3x3 convolution leave 2x2).
pub const PATCH: usize = 64;

/// The widths of FPR's networks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FprConfig {
    /// Output widths of the FR extractor's three blocks `fl1`, `fl2`, `fl3` (the authors':
    /// 64, 128, 256). The last is C, the channels of one feature half.
    pub fr_widths: [usize; 3],
    /// Output widths of the NR extractor's `sfl1` and of `sfl21`-`sfl23` (the authors':
    /// 32 and 64 times their `scale` of 4, so 128 and 256); `sfl3` gives 2C.
    pub nr_widths: [usize; 2],
    /// Affine coupling blocks of the hallucination network (the authors': 3).
    pub coupling_blocks: usize,
}

impl FprConfig {
    /// The authors' sizes (about 4 GMAC per 64x64 patch in the NR branch alone).
    pub fn paper() -> FprConfig {
        FprConfig {
            fr_widths: [64, 128, 256],
            nr_widths: [128, 256],
            coupling_blocks: 3,
        }
    }

    /// A quarter of the authors' widths, for CPU runs: each convolution costs about a
    /// sixteenth, which brings a training step within the budget of the quick start's
    /// models. The depth, the coupling blocks and the heads' form are the authors'.
    pub fn tiny() -> FprConfig {
        FprConfig {
            fr_widths: [16, 32, 64],
            nr_widths: [32, 64],
            coupling_blocks: 3,
        }
    }

    /// C, the channels of one feature half (FR features, each NR half).
    pub fn feature_channels(&self) -> usize {
        self.fr_widths[2]
    }

    /// Checks that the widths can build the networks.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| ModelError::InvalidConfig {
            field: "fpr widths",
            reason,
        };
        if self
            .fr_widths
            .iter()
            .chain(&self.nr_widths)
            .any(|&w| w == 0)
        {
            return Err(bad(format!(
                "every width must be positive (fr {:?}, nr {:?})",
                self.fr_widths, self.nr_widths
            )));
        }
        let c = self.feature_channels();
        if c % 4 != 0 {
            return Err(bad(format!(
                "the last FR width ({c}) must be a multiple of 4 (the heads take it to C/2 and C/4)"
            )));
        }
        if self.coupling_blocks == 0 {
            return Err(bad("at least one coupling block is needed".to_string()));
        }
        Ok(())
    }
}
