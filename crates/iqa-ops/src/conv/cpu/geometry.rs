//! The sizes of one convolution and the geometry questions the kernels ask of them.

/// The sizes of one convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Batch.
    pub n: usize,
    /// Input channels.
    pub c: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Output channels.
    pub o: usize,
    /// Kernel height.
    pub kh: usize,
    /// Kernel width.
    pub kw: usize,
    /// Stride (both directions).
    pub stride: usize,
    /// Zero padding (both directions, both sides).
    pub pad: usize,
    /// Output height.
    pub ho: usize,
    /// Output width.
    pub wo: usize,
    /// The most bytes the column matrix of one block of output rows may take (at least one
    /// row per block): the block is written by im2col and read back by the matrix product
    /// while it is still in cache. A whole image's column matrix is up to tens of MiB at
    /// 256x256; the reference machine's L2 is 1 MiB per core.
    pub block_bytes: usize,
}

/// The default [`Geometry::block_bytes`] (`docs/performance.md` has the measurements
/// behind it).
pub const BLOCK_BYTES: usize = 2 * 1024 * 1024;

impl Geometry {
    /// The geometry of input `[n, c, h, w]` with weight `[o, c, kh, kw]`.
    pub fn new(
        input: &[usize],
        weight: &[usize],
        stride: usize,
        pad: usize,
    ) -> Result<Self, String> {
        let (&[n, c, h, w], &[o, cw, kh, kw]) = (input, weight) else {
            return Err(format!(
                "conv2d: expected input N x C x H x W and weight O x C x KH x KW, got {input:?} and {weight:?}"
            ));
        };
        if c != cw || stride == 0 || kh == 0 || kw == 0 {
            return Err(format!(
                "conv2d: input {input:?}, weight {weight:?}, stride {stride}: channels must agree and sizes be positive"
            ));
        }
        if h + 2 * pad < kh || w + 2 * pad < kw {
            return Err(format!(
                "conv2d: the padded input {}x{} is smaller than the kernel {kh}x{kw}",
                h + 2 * pad,
                w + 2 * pad
            ));
        }
        Ok(Geometry {
            n,
            c,
            h,
            w,
            o,
            kh,
            kw,
            stride,
            pad,
            ho: (h + 2 * pad - kh) / stride + 1,
            wo: (w + 2 * pad - kw) / stride + 1,
            block_bytes: BLOCK_BYTES,
        })
    }

    /// Rows of the column matrix: C x KH x KW.
    pub(super) fn ckk(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Output pixels per channel.
    pub fn hw_out(&self) -> usize {
        self.ho * self.wo
    }

    /// Whether the image is its own column matrix.
    pub(super) fn pointwise(&self) -> bool {
        self.kh == 1 && self.kw == 1 && self.stride == 1 && self.pad == 0
    }

    /// The output columns `ox` whose input column `ox * stride + kx - pad` is inside the
    /// image, as a half-open range.
    pub(super) fn valid_columns(&self, kx: usize) -> (usize, usize) {
        let (s, p) = (self.stride, self.pad);
        let first = if kx >= p { 0 } else { (p - kx).div_ceil(s) };
        // ox * s + kx - p <= w - 1  <=>  ox <= (w - 1 + p - kx) / s
        let last = if self.w + p > kx {
            ((self.w - 1 + p - kx) / s + 1).min(self.wo)
        } else {
            0
        };
        (first.min(last), last)
    }
}
