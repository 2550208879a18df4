//! The CPU convolution kernels, NCHW f32: im2col into a per-image buffer and one matrix
//! product per image (the batch split over rayon's threads; a batch smaller than the pool
//! lets the matrix product itself use the threads), written straight into NCHW order.
//! Both backward passes reuse the same two pieces: the input gradient is W^T x dY followed
//! by col2im, the weight gradient the sum over images of dY x cols^T. 1x1 convolutions
//! with stride 1 and no padding skip im2col: the image is its own column matrix.

use rayon::prelude::*;

use super::gemm::{View, matmul};

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
}

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
        })
    }

    /// Rows of the column matrix: C x KH x KW.
    fn ckk(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Output pixels per channel.
    fn hw_out(&self) -> usize {
        self.ho * self.wo
    }

    /// Whether the image is its own column matrix.
    fn pointwise(&self) -> bool {
        self.kh == 1 && self.kw == 1 && self.stride == 1 && self.pad == 0
    }

    /// The output columns `ox` whose input column `ox * stride + kx - pad` is inside the
    /// image, as a half-open range.
    fn valid_columns(&self, kx: usize) -> (usize, usize) {
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

thread_local! {
    /// Each thread's column-matrix buffer, kept between calls: allocating (and zeroing)
    /// a fresh one per image showed up as page faults in profiles.
    static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's scratch buffer of at least `len` elements (contents
/// unspecified: the callers overwrite what they use).
fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < len {
                buf.resize(len, 0.0);
            }
            f(&mut buf[..len])
        }
        // Re-entered on this thread (a nested rayon job): use a buffer of its own.
        Err(_) => f(&mut vec![0.0; len]),
    })
}

/// Copies one image (`c x h x w`) into its column matrix (`ckk x hw_out`).
fn im2col(g: &Geometry, x: &[f32], cols: &mut [f32]) {
    let (hw, how) = (g.h * g.w, g.hw_out());
    for ci in 0..g.c {
        let plane = &x[ci * hw..(ci + 1) * hw];
        for ky in 0..g.kh {
            for kx in 0..g.kw {
                let row = (ci * g.kh + ky) * g.kw + kx;
                let dst = &mut cols[row * how..(row + 1) * how];
                let (first, last) = g.valid_columns(kx);
                for oy in 0..g.ho {
                    let line = &mut dst[oy * g.wo..(oy + 1) * g.wo];
                    let iy = (oy * g.stride + ky) as isize - g.pad as isize;
                    if iy < 0 || iy >= g.h as isize {
                        line.fill(0.0);
                        continue;
                    }
                    let src = &plane[iy as usize * g.w..(iy as usize + 1) * g.w];
                    line[..first].fill(0.0);
                    line[last..].fill(0.0);
                    let x0 = first * g.stride + kx - g.pad;
                    if g.stride == 1 {
                        line[first..last].copy_from_slice(&src[x0..x0 + (last - first)]);
                    } else {
                        for (k, v) in line[first..last].iter_mut().enumerate() {
                            *v = src[x0 + k * g.stride];
                        }
                    }
                }
            }
        }
    }
}

/// Adds a column matrix back into one image's gradient (the adjoint of [`im2col`]).
fn col2im(g: &Geometry, cols: &[f32], dx: &mut [f32]) {
    let (hw, how) = (g.h * g.w, g.hw_out());
    for ci in 0..g.c {
        let plane = &mut dx[ci * hw..(ci + 1) * hw];
        for ky in 0..g.kh {
            for kx in 0..g.kw {
                let row = (ci * g.kh + ky) * g.kw + kx;
                let src = &cols[row * how..(row + 1) * how];
                let (first, last) = g.valid_columns(kx);
                for oy in 0..g.ho {
                    let iy = (oy * g.stride + ky) as isize - g.pad as isize;
                    if iy < 0 || iy >= g.h as isize || first >= last {
                        continue;
                    }
                    let line = &src[oy * g.wo..(oy + 1) * g.wo];
                    let dst = &mut plane[iy as usize * g.w..(iy as usize + 1) * g.w];
                    let x0 = first * g.stride + kx - g.pad;
                    for (k, v) in line[first..last].iter().enumerate() {
                        dst[x0 + k * g.stride] += v;
                    }
                }
            }
        }
    }
}

/// Threads for the matrix product of one image: all of them when the batch cannot keep
/// the pool busy by itself, else one (the images run in parallel instead).
fn split(n: usize) -> (bool, usize) {
    let threads = rayon::current_num_threads();
    if n >= threads {
        (true, 1)
    } else {
        (false, threads)
    }
}

/// Runs `job(image, out_chunk)` for each image, in parallel over the batch or one after
/// another with threaded products.
fn per_image(
    n: usize,
    out: &mut [f32],
    chunk: usize,
    job: impl Fn(usize, &mut [f32], usize) -> Result<(), String> + Sync,
) -> Result<(), String> {
    let (parallel, threads) = split(n);
    if parallel {
        out.par_chunks_mut(chunk)
            .enumerate()
            .try_for_each(|(i, o)| job(i, o, threads))
    } else {
        out.chunks_mut(chunk)
            .enumerate()
            .try_for_each(|(i, o)| job(i, o, threads))
    }
}

/// The convolution: `x` is `n x c x h x w`, `wgt` is `o x c x kh x kw`; returns
/// `n x o x ho x wo`.
pub fn forward(g: &Geometry, x: &[f32], wgt: &[f32]) -> Result<Vec<f32>, String> {
    let (chw, how, ckk) = (g.c * g.h * g.w, g.hw_out(), g.ckk());
    let mut out = vec![0.0f32; g.n * g.o * how];
    let weight = View::rows(wgt, g.o, ckk);
    per_image(g.n, &mut out, g.o * how, |i, out, threads| {
        let image = &x[i * chw..(i + 1) * chw];
        if g.pointwise() {
            matmul(out, weight, View::rows(image, g.c, how), false, threads)
        } else {
            with_scratch(ckk * how, |cols| {
                im2col(g, image, cols);
                matmul(out, weight, View::rows(cols, ckk, how), false, threads)
            })
        }
    })?;
    Ok(out)
}

/// The gradient with respect to the input, from the output gradient `dy`
/// (`n x o x ho x wo`); returns `n x c x h x w`.
pub fn grad_input(g: &Geometry, dy: &[f32], wgt: &[f32]) -> Result<Vec<f32>, String> {
    let (chw, how, ckk) = (g.c * g.h * g.w, g.hw_out(), g.ckk());
    let mut dx = vec![0.0f32; g.n * chw];
    let weight_t = View::rows(wgt, g.o, ckk).t();
    per_image(g.n, &mut dx, chw, |i, dx, threads| {
        let grad = View::rows(&dy[i * g.o * how..(i + 1) * g.o * how], g.o, how);
        if g.pointwise() {
            matmul(dx, weight_t, grad, false, threads)
        } else {
            with_scratch(ckk * how, |cols| {
                matmul(cols, weight_t, grad, false, threads)?;
                col2im(g, cols, dx);
                Ok(())
            })
        }
    })?;
    Ok(dx)
}

/// The gradient with respect to the weight: the sum over the batch of `dy x cols^T`;
/// returns `o x c x kh x kw`.
pub fn grad_weight(g: &Geometry, x: &[f32], dy: &[f32]) -> Result<Vec<f32>, String> {
    let (chw, how, ckk) = (g.c * g.h * g.w, g.hw_out(), g.ckk());
    let size = g.o * ckk;
    let (parallel, threads) = split(g.n);
    // Adds image i's contribution to `acc`.
    let add = |i: usize, acc: &mut [f32], threads: usize| {
        let image = &x[i * chw..(i + 1) * chw];
        let grad = View::rows(&dy[i * g.o * how..(i + 1) * g.o * how], g.o, how);
        if g.pointwise() {
            matmul(acc, grad, View::rows(image, g.c, how).t(), true, threads)
        } else {
            with_scratch(ckk * how, |cols| {
                im2col(g, image, cols);
                matmul(acc, grad, View::rows(cols, ckk, how).t(), true, threads)
            })
        }
    };
    if !parallel {
        let mut acc = vec![0.0f32; size];
        for i in 0..g.n {
            add(i, &mut acc, threads)?;
        }
        return Ok(acc);
    }
    // One partial sum per thread's share of the batch, then their sum.
    let parts = rayon::current_num_threads().min(g.n).max(1);
    let per = g.n.div_ceil(parts);
    let partials: Vec<Vec<f32>> = (0..parts)
        .into_par_iter()
        .map(|p| {
            let mut acc = vec![0.0f32; size];
            for i in p * per..((p + 1) * per).min(g.n) {
                add(i, &mut acc, 1)?;
            }
            Ok(acc)
        })
        .collect::<Result<_, String>>()?;
    let mut total = vec![0.0f32; size];
    for part in partials {
        for (t, v) in total.iter_mut().zip(part) {
            *t += v;
        }
    }
    Ok(total)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn valid_columns_cover_exactly_the_inside() {
        for (w, k, s, p) in [
            (7, 3, 1, 1),
            (7, 3, 2, 1),
            (8, 7, 2, 3),
            (5, 1, 1, 0),
            (4, 4, 2, 1),
        ] {
            let g = Geometry::new(&[1, 1, 5, w], &[1, 1, k, k], s, p).unwrap();
            for kx in 0..k {
                let (first, last) = g.valid_columns(kx);
                for ox in 0..g.wo {
                    let ix = (ox * s + kx) as isize - p as isize;
                    let inside = ix >= 0 && ix < w as isize;
                    assert_eq!(
                        inside,
                        (first..last).contains(&ox),
                        "w{w} k{k} s{s} p{p} kx{kx} ox{ox}"
                    );
                }
            }
        }
    }

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        // <im2col(x), c> = <x, col2im(c)> for random x and c.
        let g = Geometry::new(&[1, 2, 5, 6], &[1, 2, 3, 3], 2, 1).unwrap();
        let x: Vec<f32> = (0..60).map(|v| (v as f32 * 0.7).sin()).collect();
        let c: Vec<f32> = (0..g.ckk() * g.hw_out())
            .map(|v| (v as f32 * 0.3).cos())
            .collect();
        let mut cols = vec![0.0; c.len()];
        im2col(&g, &x, &mut cols);
        let mut dx = vec![0.0; x.len()];
        col2im(&g, &c, &mut dx);
        let a: f32 = cols.iter().zip(&c).map(|(p, q)| p * q).sum();
        let b: f32 = x.iter().zip(&dx).map(|(p, q)| p * q).sum();
        assert!((a - b).abs() < 1e-4, "{a} {b}");
    }
}
