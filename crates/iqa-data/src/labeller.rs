//! How a synthetic database gets its labels: the [`Labeller`] trait, which scores a
//! distorted image against its reference (a full-reference metric). It is implemented
//! outside this crate (`iqa-train` wraps `iqa-models`' metrics) so that `iqa-data` does not
//! depend on the models.

use image::RgbImage;

use crate::Result;

/// Scores a distorted image against its reference.
pub trait Labeller: Sync {
    /// The metric's name, recorded in the manifest and description.
    fn name(&self) -> String;
    /// Whether lower scores mean better quality (such scores are negated in the manifest).
    fn lower_is_better(&self) -> bool;
    /// The score of `distorted` against `reference` (same size).
    fn score(&self, reference: &RgbImage, distorted: &RgbImage) -> Result<f64>;
}
