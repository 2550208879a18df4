//! The CPU convolution kernels, NCHW f32: im2col into a per-image buffer and one matrix
//! product per image (the batch split over rayon's threads; a batch smaller than the pool
//! lets the matrix product itself use the threads), written straight into NCHW order.
//! Both backward passes reuse the same two pieces: the input gradient is W^T x dY followed
//! by col2im, the weight gradient the sum over images of dY x cols^T (for few output
//! channels with the column matrix built by pixel, which the product reads in place). 1x1
//! convolutions with stride 1 and no padding skip im2col: the image is its own column
//! matrix.

mod buffers;
mod copies;
mod geometry;
mod passes;
mod schedule;
#[cfg(test)]
mod tests;

pub use geometry::Geometry;
pub use passes::{forward, grad_input, grad_weight};
