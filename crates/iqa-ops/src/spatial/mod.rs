//! Max pooling and nearest-neighbour upsampling for the project's networks. On the CPU in
//! f32 (with the project's kernels chosen, see [`crate::tuning::Backend`]) they are
//! custom ops with one-pass backward kernels; candle's own backward of max pooling takes
//! seven element-wise passes, and that of upsampling a grouped convolution (one small
//! convolution per channel). Elsewhere max pooling is composed of candle ops with a
//! correct gradient ([`max_pool2d_portable`]): candle 0.11's own `max_pool2d` backward
//! scales the gradient by 1/k^2 (tested in `tests/spatial_cpu.rs`), and upsampling is
//! candle's.

mod cpu;
mod op;

use candle_core::Tensor;

use crate::custom_op::fused_cpu;

/// Whether `x` takes the custom ops.
fn fast(x: &Tensor) -> bool {
    fused_cpu(&[x]) && x.rank() == 4
}

/// Max pooling of `x` (`N x C x H x W`) with `k x k` windows at stride `k`. Where a window
/// has several maxima, the gradient goes to the first (PyTorch's choice; candle's own
/// backward splits it among them).
pub fn max_pool2d(x: &Tensor, k: usize) -> candle_core::Result<Tensor> {
    if fast(x) {
        x.contiguous()?.apply_op1(op::MaxPoolOp { k })
    } else {
        max_pool2d_portable(x, k)
    }
}

/// [`max_pool2d`] on any device, from candle's reshape and max reductions (whose
/// gradient goes to every maximum of a window: the same as the custom op's without ties).
pub fn max_pool2d_portable(x: &Tensor, k: usize) -> candle_core::Result<Tensor> {
    let (n, c, h, w) = x.dims4()?;
    if k == 0 || h < k || w < k {
        candle_core::bail!("max pool: {h}x{w} input, window {k}");
    }
    let (ho, wo) = (h / k, w / k);
    x.narrow(2, 0, ho * k)?
        .narrow(3, 0, wo * k)?
        .contiguous()?
        .reshape((n, c, ho, k, wo, k))?
        .max(5)?
        .max(3)
}

/// Nearest-neighbour resizing of `x` (`N x C x H x W`) to `height x width` (any factor;
/// source index `floor(i * H / height)`, as candle and PyTorch).
pub fn upsample_nearest2d(x: &Tensor, height: usize, width: usize) -> candle_core::Result<Tensor> {
    if fast(x) {
        x.contiguous()?.apply_op1(op::UpsampleOp { height, width })
    } else {
        x.upsample_nearest2d(height, width)
    }
}
