//! # iqa-ops
//!
//! The tensor operations the project's networks run on, with no knowledge of image quality:
//! candle custom ops whose CPU kernels (f32) are several times faster than candle 0.11's
//! generic paths, and fall back to candle's own operations elsewhere (CUDA, other dtypes,
//! or when [`tuning::Backend::Candle`] is chosen).
//!
//! - [`conv`]: 2-D convolution with bias and activation fused in, both backward passes.
//! - [`norm`]: batch normalisation with the following activation fused in.
//! - [`spatial`]: max pooling (with PyTorch's gradient) and nearest upsampling.
//! - [`residual`]: the residual join `act(a + b)`.
//! - [`separable`]: separable 'valid' correlation (the SSIM family's Gaussian window) and
//!   MATLAB's symmetric padding.
//! - [`activation`]: the activations the fused ops apply, with their derivatives.
//! - [`pool`]: running a whole forward pass or training step on rayon's pool.
//! - [`tuning`]: the kernels' knobs, read from the environment once.
//!
//! ```
//! use candle_core::{Device, Tensor};
//! use iqa_ops::{activation::Activation, conv::conv2d_fused};
//!
//! let x = Tensor::ones((1, 2, 5, 5), candle_core::DType::F32, &Device::Cpu)?;
//! let w = Tensor::ones((3, 2, 3, 3), candle_core::DType::F32, &Device::Cpu)?;
//! // (1, 2, 5, 5) -> (1, 3, 5, 5): 3x3 windows with zero padding 1.
//! let y = conv2d_fused(&x, &w, None, 1, 1, Activation::Relu)?;
//! assert_eq!(y.dims(), &[1, 3, 5, 5]);
//! // The centre sees all 2 x 9 ones.
//! assert_eq!(y.get(0)?.get(0)?.get(2)?.get(2)?.to_scalar::<f32>()?, 18.0);
//! # Ok::<(), candle_core::Error>(())
//! ```

pub mod activation;
pub mod conv;
mod custom_op;
mod lanes;
pub mod norm;
pub mod pool;
pub mod residual;
pub mod separable;
pub mod spatial;
pub mod tuning;

pub use pool::on_pool;
