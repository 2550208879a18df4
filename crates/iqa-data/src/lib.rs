//! # iqa-data
//!
//! The public image quality databases as one [`Manifest`] type ([`load`] reads LIVE,
//! CSIQ, TID2008, TID2013, KADID-10k, KonIQ-10k, the screen-content databases SIQAD and
//! SCID, and the generic manifest CSV),
//! reference-disjoint splits ([`reference_disjoint_splits`]), patch sampling with
//! augmentation ([`patch`]) and a batcher that turns items into `N x 3 x S x S` tensors
//! ([`PatchBatcher`]). With the `synth` feature, synthetic databases ([`synth`]: scenes,
//! graded distortions with real codecs, pseudo-MOS from a [`Labeller`]).

mod batcher;
pub mod databases;
mod error;
mod files;
pub mod image_cache;
mod labeller;
pub mod manifest;
pub mod mat5;
pub mod patch;
mod seed;
pub mod split;
#[cfg(feature = "synth")]
pub mod synth;

pub use batcher::{EpochBatches, PatchBatch, PatchBatcher};
pub use databases::{DatabaseKind, LoadOptions, load};
pub use error::{DataError, Result};
pub use labeller::Labeller;
pub use manifest::{Item, LabelInfo, LabelKind, Manifest, Summary};
pub use split::{Split, SplitOptions, SplitSet, reference_disjoint_splits};
