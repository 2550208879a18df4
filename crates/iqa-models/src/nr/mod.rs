//! No-reference models: the trait every one implements, what a model says about itself,
//! and the one whole-image scoring path ([`score_image`]) that the command line, the test
//! protocol and the validation during training share.

mod tiles;
mod whole_image;

use candle_core::Tensor;

use crate::memory::MemoryCost;
use crate::registry::Direction;
use crate::{ModelError, Result};

pub use tiles::raster_tiles;
pub use whole_image::{DEFAULT_BATCH, grid_mean, grid_positions, pad_to_patch, score_image};

/// A model that scores distorted images alone.
pub trait NoReferenceModel: Send + Sync {
    /// What the model is and what input it expects.
    fn describe(&self) -> ModelDescription;
    /// Scores of a batch `N x 3 x H x W` in [0, 1]: `N` values. A patch model is given
    /// patches of its [`PatchGrid::size`]; whole images should go through [`score_image`].
    fn predict(&self, distorted: &Tensor) -> Result<Tensor>;

    /// The memory scoring an image needs on the CPU, per pixel plus a fixed part (see
    /// [`crate::memory`]); by default the registry name's measured constant, or the image
    /// tensor and its padded copy for a patch model.
    fn memory_cost(&self) -> MemoryCost {
        let description = self.describe();
        crate::memory::no_reference_cost(&description.name, description.input)
    }
}

/// What a no-reference model says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelDescription {
    /// A short name for logs and reports.
    pub name: String,
    /// Which way quality goes on its scale.
    pub direction: Direction,
    /// What it is fed.
    pub input: ExpectedInput,
}

/// What a no-reference model is fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpectedInput {
    /// Square patches on an overlapping grid; the image's score is their mean (the test
    /// protocol of patch-trained networks).
    Patches(PatchGrid),
    /// The whole image at once.
    WholeImage,
}

/// The test grid of a patch model: `size x size` windows every `stride` pixels, the last
/// window of each row and column aligned to the far edge so that every pixel is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatchGrid {
    /// Side of the patches, pixels.
    pub size: usize,
    /// Step between patches, pixels (below `size` the patches overlap).
    pub stride: usize,
}

impl PatchGrid {
    /// Patches of `size` with half-overlapping stride `size / 2` (at least 1).
    pub fn half_overlapping(size: usize) -> PatchGrid {
        PatchGrid {
            size,
            stride: (size / 2).max(1),
        }
    }

    /// Checks that both sizes are at least 1.
    pub fn check(&self) -> Result<()> {
        if self.size == 0 || self.stride == 0 {
            return Err(ModelError::InvalidConfig {
                field: "patch grid",
                reason: format!(
                    "patch size {} and stride {} must both be at least 1",
                    self.size, self.stride
                ),
            });
        }
        Ok(())
    }
}
