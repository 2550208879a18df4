//! # iqa-models
//!
//! Image quality models in candle: the full-reference metrics of the [`fr`] module (PSNR,
//! SSIM, MS-SSIM, DeepWSD) behind the [`FullReferenceModel`] trait, batched on
//! `N x 3 x H x W` tensors in [0, 1] on any candle device; the Hallucinated-IQA networks
//! and losses ([`hiqa`]), scored as a [`NoReferenceModel`] through the one whole-image
//! path of [`nr`]; FPR's networks ([`fpr`], Hallucinated-IQA's successor that hallucinates
//! pristine features) and DFSS-IQA's ([`dfss`], deep feature statistics for screen
//! content), both initialised as the group's code does ([`group_init`]); one [`registry`] of both kinds by name; the VGG feature extractors
//! ([`vgg`]) and variable-map copies ([`vars`]) they share. The tensor kernels they run on
//! live in the `iqa-ops` crate (re-exported as [`ops`]).
//!
//! ```
//! use candle_core::{Device, Tensor};
//! use iqa_models::{FullReferenceModel, fr::{Downsample, Ssim, SsimChannels}};
//!
//! let reference = Tensor::rand(0f32, 1f32, (2, 3, 64, 64), &Device::Cpu)?;
//! let ssim = Ssim::new(SsimChannels::Luma, Downsample::Off);
//! let scores: Vec<f32> = ssim.predict(&reference, &reference)?.to_vec1()?;
//! assert!(scores.iter().all(|&s| (s - 1.0).abs() < 1e-6));
//! # Ok::<(), iqa_models::ModelError>(())
//! ```

pub mod classic;
mod device;
pub mod dfss;
mod error;
pub mod feature_losses;
pub mod fpr;
pub mod fr;
pub mod group_init;
pub mod group_model_file;
pub mod hiqa;
mod image_tensor;
pub mod memory;
pub mod nr;
pub mod registry;
pub mod vars;
pub mod vgg;

pub use device::parse_device;
pub use error::{ModelError, Result};
pub use fr::{FullReferenceModel, score_images};
pub use image_tensor::{image_to_tensor, load_image, load_image_tensor, rgb_to_tensor};
pub use iqa_ops as ops;
pub use nr::{NoReferenceModel, score_image};
pub use registry::{Direction, ModelInfo, ModelKind, ModelOptions};
