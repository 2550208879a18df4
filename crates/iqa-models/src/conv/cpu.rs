//! The CPU convolution kernels, NCHW f32: im2col into a per-image buffer and one matrix
//! product per image (the batch split over rayon's threads; a batch smaller than the pool
//! lets the matrix product itself use the threads), written straight into NCHW order.
//! Both backward passes reuse the same two pieces: the input gradient is W^T x dY followed
//! by col2im, the weight gradient the sum over images of dY x cols^T (for few output
//! channels with the column matrix built by pixel, which the product reads in place). 1x1
//! convolutions with stride 1 and no padding skip im2col: the image is its own column
//! matrix.

use rayon::prelude::*;

use std::ops::Range;

use super::gemm::{View, matmul, matmul_into};

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

/// The default [`Geometry::block_bytes`] (the README's speed section has the measurements
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
    fn ckk(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Output pixels per channel.
    pub fn hw_out(&self) -> usize {
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
    with_buffer(&SCRATCH, len, f)
}

/// Runs `f` with the first `len` elements of this thread's buffer `key`, grown as needed.
fn with_buffer<R>(
    key: &'static std::thread::LocalKey<std::cell::RefCell<Vec<f32>>>,
    len: usize,
    f: impl FnOnce(&mut [f32]) -> R,
) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
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

/// Copies the part of one image (`c x h x w`) that output rows `rows` read into its
/// column matrix (`ckk x (rows.len() * wo)`); channels in parallel when `parallel`.
fn im2col(g: &Geometry, x: &[f32], rows: Range<usize>, cols: &mut [f32], parallel: bool) {
    let per_channel = g.kh * g.kw * rows.len() * g.wo;
    let planes = x.chunks_exact(g.h * g.w);
    let blocks = cols.chunks_exact_mut(per_channel);
    if parallel {
        let planes: Vec<&[f32]> = planes.collect();
        blocks
            .collect::<Vec<_>>()
            .into_par_iter()
            .zip(planes)
            .for_each(|(dst, plane)| im2col_channel(g, plane, rows.clone(), dst));
    } else {
        for (dst, plane) in blocks.zip(planes) {
            im2col_channel(g, plane, rows.clone(), dst);
        }
    }
}

/// [`im2col`] for one channel: `plane` is `h x w`, `cols` its `kh * kw` rows.
fn im2col_channel(g: &Geometry, plane: &[f32], rows: Range<usize>, cols: &mut [f32]) {
    if g.stride > 1 {
        return im2col_channel_phased(g, plane, rows, cols);
    }
    let how = rows.len() * g.wo;
    for ky in 0..g.kh {
        for kx in 0..g.kw {
            let row = ky * g.kw + kx;
            let dst = &mut cols[row * how..(row + 1) * how];
            let (first, last) = g.valid_columns(kx);
            for (line, oy) in dst.chunks_exact_mut(g.wo).zip(rows.clone()) {
                let iy = (oy * g.stride + ky) as isize - g.pad as isize;
                if iy < 0 || iy >= g.h as isize {
                    line.fill(0.0);
                    continue;
                }
                let src = &plane[iy as usize * g.w..(iy as usize + 1) * g.w];
                line[..first].fill(0.0);
                line[last..].fill(0.0);
                let x0 = first * g.stride + kx - g.pad;
                gather_strided(&mut line[first..last], &src[x0..], g.stride);
            }
        }
    }
}

thread_local! {
    /// Each thread's buffer of zero-padded input rows, phase-split ([`split_phases`]) or
    /// plain ([`pad_rows`]), kept between calls.
    static PADDED_ROWS: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`im2col_channel`] for strides of 2 and more: the input rows the block reads are first
/// zero-padded and split into `stride` phases (every `stride`-th column), so that each
/// line of the column matrix is one contiguous copy out of a phase. D's 4x4 stride-2
/// convolutions have output lines of 4 to 32 values; gathering each line with its own
/// bounds and padding took most of their im2col time.
fn im2col_channel_phased(g: &Geometry, plane: &[f32], rows: Range<usize>, cols: &mut [f32]) {
    let (s, how) = (g.stride, rows.len() * g.wo);
    let first_row = rows.start * s;
    let padded_rows = (rows.len() - 1) * s + g.kh;
    let pw = phase_width(g);
    let len = padded_rows * s * pw;
    let fill = |phases: &mut [f32]| {
        split_phases(g, plane, first_row, phases);
        for ky in 0..g.kh {
            for kx in 0..g.kw {
                let row = ky * g.kw + kx;
                let dst = &mut cols[row * how..(row + 1) * how];
                for (line, oy) in dst.chunks_exact_mut(g.wo).zip(rows.clone()) {
                    let r = oy * s + ky - first_row;
                    let at = (r * s + kx % s) * pw + kx / s;
                    line.copy_from_slice(&phases[at..at + g.wo]);
                }
            }
        }
    };
    with_buffer(&PADDED_ROWS, len, fill);
}

/// Values per phase of a padded row: `ceil((w + 2 pad) / stride)`.
fn phase_width(g: &Geometry) -> usize {
    (g.w + 2 * g.pad).div_ceil(g.stride)
}

/// Writes the padded rows `first_row..` (in padded coordinates: input row
/// `first_row - pad` first) of `plane` into `phases`, each row as `stride` phases of
/// [`phase_width`] values: phase `p` holds padded columns `p, p + stride, ...`, so that
/// padded column `j` is at `(row * stride + j % stride) * width + j / stride`. Rows and
/// columns outside the image are zeros. `phases` holds whole rows.
fn split_phases(g: &Geometry, plane: &[f32], first_row: usize, phases: &mut [f32]) {
    let (s, pw) = (g.stride, phase_width(g));
    for (r, out) in phases.chunks_exact_mut(s * pw).enumerate() {
        out.fill(0.0);
        let iy = (first_row + r) as isize - g.pad as isize;
        if iy < 0 || iy >= g.h as isize {
            continue;
        }
        let src = &plane[iy as usize * g.w..(iy as usize + 1) * g.w];
        for (p, phase) in out.chunks_exact_mut(pw).enumerate() {
            // The first input column ix >= 0 whose padded column ix + pad is in phase p.
            let ix0 = (p + s - g.pad % s) % s;
            if ix0 >= g.w {
                continue;
            }
            let count = (g.w - ix0).div_ceil(s);
            let t0 = (ix0 + g.pad) / s;
            gather_strided(&mut phase[t0..t0 + count], &src[ix0..], s);
        }
    }
}

/// The column matrix of output rows `rows` of one image, transposed: one line of
/// `c * kh * kw` values per output pixel (`rows.len() * wo` lines), in the order of the
/// weight's `c x kh x kw` elements. It is the layout the weight gradient's matrix product
/// reads without repacking it (`gemm` packs a left operand whose inner rows are not
/// contiguous, which the row-major column matrix is there); each kernel row of a pixel is
/// one short contiguous copy out of zero-padded input rows.
fn im2col_by_pixel(g: &Geometry, x: &[f32], rows: Range<usize>, cols: &mut [f32]) {
    let (s, pw, ckk) = (g.stride, g.w + 2 * g.pad, g.ckk());
    let first_row = rows.start * s;
    let padded_rows = (rows.len() - 1) * s + g.kh;
    // Where kernel row (c, ky) of the block's first pixel starts in the padded rows.
    let starts: Vec<usize> = (0..g.c)
        .flat_map(|c| (0..g.kh).map(move |ky| (c * padded_rows + ky) * pw))
        .collect();
    let fill = |padded: &mut [f32]| {
        for (plane, out) in x
            .chunks_exact(g.h * g.w)
            .zip(padded.chunks_exact_mut(padded_rows * pw))
        {
            pad_rows(g, plane, first_row, out);
        }
        let lines = cols.chunks_exact_mut(ckk);
        let pixels = rows
            .clone()
            .flat_map(|oy| (0..g.wo).map(move |ox| (oy * s - first_row) * pw + ox * s));
        match g.kw {
            3 => copy_kernel_rows::<3>(lines, pixels, &starts, padded),
            4 => copy_kernel_rows::<4>(lines, pixels, &starts, padded),
            _ => {
                for (line, at) in lines.zip(pixels) {
                    for (dst, start) in line.chunks_exact_mut(g.kw).zip(&starts) {
                        dst.copy_from_slice(&padded[at + start..][..g.kw]);
                    }
                }
            }
        }
    };
    with_buffer(&PADDED_ROWS, g.c * padded_rows * pw, fill);
}

/// [`im2col_by_pixel`]'s copies for kernels `KW` wide: the fixed length makes each copy a
/// register move instead of a `memcpy` call.
fn copy_kernel_rows<'a, const KW: usize>(
    lines: impl Iterator<Item = &'a mut [f32]>,
    pixels: impl Iterator<Item = usize>,
    starts: &[usize],
    padded: &[f32],
) {
    for (line, at) in lines.zip(pixels) {
        for (dst, start) in line.chunks_exact_mut(KW).zip(starts) {
            dst.copy_from_slice(&padded[at + start..][..KW]);
        }
    }
}

/// Writes the padded rows `first_row..` of `plane` (in padded coordinates: input row
/// `first_row - pad` first) into `out`, each `w + 2 pad` values with zeros outside the
/// image; `out` holds whole rows.
fn pad_rows(g: &Geometry, plane: &[f32], first_row: usize, out: &mut [f32]) {
    let pw = g.w + 2 * g.pad;
    for (r, row) in out.chunks_exact_mut(pw).enumerate() {
        let iy = (first_row + r) as isize - g.pad as isize;
        if iy < 0 || iy >= g.h as isize {
            row.fill(0.0);
            continue;
        }
        row[..g.pad].fill(0.0);
        row[g.pad + g.w..].fill(0.0);
        row[g.pad..g.pad + g.w].copy_from_slice(&plane[iy as usize * g.w..][..g.w]);
    }
}

/// Adds the column matrix of output rows `rows` back into one image's gradient (the
/// adjoint of [`im2col`]); channels in parallel when `parallel`.
fn col2im(g: &Geometry, cols: &[f32], rows: Range<usize>, dx: &mut [f32], parallel: bool) {
    let per_channel = g.kh * g.kw * rows.len() * g.wo;
    let blocks = cols.chunks_exact(per_channel);
    let planes = dx.chunks_exact_mut(g.h * g.w);
    if parallel {
        let blocks: Vec<&[f32]> = blocks.collect();
        planes
            .collect::<Vec<_>>()
            .into_par_iter()
            .zip(blocks)
            .for_each(|(plane, src)| col2im_channel(g, src, rows.clone(), plane));
    } else {
        for (plane, src) in planes.zip(blocks) {
            col2im_channel(g, src, rows.clone(), plane);
        }
    }
}

/// [`col2im`] for one channel: `cols` its `kh * kw` rows, `plane` its `h x w` gradient.
fn col2im_channel(g: &Geometry, cols: &[f32], rows: Range<usize>, plane: &mut [f32]) {
    let how = rows.len() * g.wo;
    for ky in 0..g.kh {
        for kx in 0..g.kw {
            let row = ky * g.kw + kx;
            let src = &cols[row * how..(row + 1) * how];
            let (first, last) = g.valid_columns(kx);
            if first >= last {
                continue;
            }
            for (line, oy) in src.chunks_exact(g.wo).zip(rows.clone()) {
                let iy = (oy * g.stride + ky) as isize - g.pad as isize;
                if iy < 0 || iy >= g.h as isize {
                    continue;
                }
                let dst = &mut plane[iy as usize * g.w..(iy as usize + 1) * g.w];
                let x0 = first * g.stride + kx - g.pad;
                scatter_add_strided(&mut dst[x0..], &line[first..last], g.stride);
            }
        }
    }
}

/// `dst[k] = src[k * stride]` for every `k` of `dst` (`src` holds at least
/// `(dst.len() - 1) * stride + 1` values). Strides 1 and 2 (all of D's convolutions, R's
/// stem) are written so that the compiler vectorises them; the indexed loop they replace
/// was most of im2col's time in D's profile.
fn gather_strided(dst: &mut [f32], src: &[f32], stride: usize) {
    let Some(last) = dst.len().checked_sub(1) else {
        return;
    };
    match stride {
        1 => dst.copy_from_slice(&src[..dst.len()]),
        2 => {
            for (d, pair) in dst[..last].iter_mut().zip(src.chunks_exact(2)) {
                *d = pair[0];
            }
            dst[last] = src[2 * last];
        }
        _ => {
            for (d, v) in dst.iter_mut().zip(src.iter().step_by(stride)) {
                *d = *v;
            }
        }
    }
}

/// `dst[k * stride] += src[k]` for every `k` of `src`: the adjoint of [`gather_strided`].
fn scatter_add_strided(dst: &mut [f32], src: &[f32], stride: usize) {
    let Some(last) = src.len().checked_sub(1) else {
        return;
    };
    match stride {
        1 => {
            for (d, v) in dst[..src.len()].iter_mut().zip(src) {
                *d += v;
            }
        }
        2 => {
            for (pair, v) in dst.chunks_exact_mut(2).zip(&src[..last]) {
                pair[0] += v;
            }
            dst[2 * last] += src[last];
        }
        _ => {
            for (d, v) in dst.iter_mut().step_by(stride).zip(src) {
                *d += v;
            }
        }
    }
}

/// The fewest column-matrix values (1 MiB) whose copies run over channels in parallel when
/// the batch leaves threads free: below it, waking the threads cost more than the copies.
/// Copying the tiny preset's blocks (most of them far smaller) on one thread made its
/// batch-1 D step 23 % and G+R forward 15 % faster; the paper preset's unspread blocks
/// (256 to 512 channels) are larger and keep the parallel copies.
const MIN_PARALLEL_COPY: usize = 1 << 18;

/// Whether the im2col / col2im copies of a block `width` output pixels wide run over
/// channels in parallel on `threads` threads.
fn copies_in_parallel(g: &Geometry, width: usize, threads: usize) -> bool {
    threads > 1 && g.ckk() * width >= MIN_PARALLEL_COPY
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

/// The output rows of each block of an image.
fn row_blocks(g: &Geometry) -> impl Iterator<Item = Range<usize>> {
    blocks_of(g, rows_per_block(g))
}

/// The most output rows whose column matrix fits [`Geometry::block_bytes`] (at least 1).
fn rows_per_block(g: &Geometry) -> usize {
    let per_row = g.ckk() * g.wo * std::mem::size_of::<f32>();
    (g.block_bytes / per_row.max(1)).clamp(1, g.ho.max(1))
}

/// The output rows in blocks of `rows` (the last may be shorter).
fn blocks_of(g: &Geometry, rows: usize) -> impl Iterator<Item = Range<usize>> {
    let (ho, rows) = (g.ho, rows.max(1));
    (0..ho).step_by(rows).map(move |r| r..(r + rows).min(ho))
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
            return matmul(out, weight, View::rows(image, g.c, how), false, threads);
        }
        if spread_blocks(g, threads) {
            return forward_blocks_in_parallel(g, image, weight, out, threads);
        }
        for rows in row_blocks(g) {
            let (col0, width) = (rows.start * g.wo, rows.len() * g.wo);
            with_scratch(ckk * width, |cols| {
                im2col(g, image, rows, cols, copies_in_parallel(g, width, threads));
                let cols = View::rows(cols, ckk, width);
                matmul_into(&mut out[col0..], how, weight, cols, false, threads)
            })?;
        }
        Ok(())
    })?;
    Ok(out)
}

/// The fewest output pixels per block for which one image's row blocks are spread over
/// the threads: each block's product packs the whole weight matrix again (and the weight
/// gradient keeps one partial sum per thread), which narrow blocks do not repay. The
/// paper preset's D step (512 channels at 16x16, blocks of 64 pixels) ran 5 % slower
/// spread; R's (64 to 512 channels at 256x256 to 32x32) 6 % faster.
const MIN_SPREAD_COLUMNS: usize = 512;

/// Whether one image's row blocks run in parallel, each block's im2col and product on one
/// thread, when the batch cannot keep the `threads` busy: for outputs of at least
/// [`MIN_SPREAD_COLUMNS`] pixels per block, unless `IQA_CONV_SPLIT=products` (which
/// threads each block's product instead, as smaller outputs always do).
fn spread_blocks(g: &Geometry, threads: usize) -> bool {
    static CHOICE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let allowed =
        *CHOICE.get_or_init(|| std::env::var("IQA_CONV_SPLIT").as_deref() != Ok("products"));
    allowed && threads > 1 && !g.pointwise() && g.hw_out() >= 2 * threads * MIN_SPREAD_COLUMNS
}

/// Blocks of output rows for `threads` threads working on one image: at most
/// [`Geometry::block_bytes`] of column matrix each, and at least two per thread where the
/// image has the rows, so that the threads finish together.
fn parallel_row_blocks(g: &Geometry, threads: usize) -> Vec<Range<usize>> {
    let by_balance = g.ho.div_ceil(2 * threads);
    blocks_of(g, rows_per_block(g).min(by_balance)).collect()
}

/// [`forward`] for one image with its row blocks spread over the threads: each block's
/// columns and product stay on one core, and the image costs two parallel sections
/// instead of two per block. The blocks' products land in buffers of their own and are
/// then copied into `out` (`o x ho*wo`) by output channel.
fn forward_blocks_in_parallel(
    g: &Geometry,
    image: &[f32],
    weight: View,
    out: &mut [f32],
    threads: usize,
) -> Result<(), String> {
    let (how, ckk) = (g.hw_out(), g.ckk());
    let blocks = parallel_row_blocks(g, threads);
    let products: Vec<Vec<f32>> = blocks
        .par_iter()
        .map(|rows| {
            let width = rows.len() * g.wo;
            let mut product = vec![0.0f32; g.o * width];
            with_scratch(ckk * width, |cols| {
                im2col(g, image, rows.clone(), cols, false);
                matmul(&mut product, weight, View::rows(cols, ckk, width), false, 1)
            })?;
            Ok(product)
        })
        .collect::<Result<_, String>>()?;
    out.par_chunks_mut(how.max(1))
        .enumerate()
        .for_each(|(oc, channel)| {
            for (rows, product) in blocks.iter().zip(&products) {
                let width = rows.len() * g.wo;
                channel[rows.start * g.wo..][..width]
                    .copy_from_slice(&product[oc * width..][..width]);
            }
        });
    Ok(())
}

/// The gradient with respect to the input, from the output gradient `dy`
/// (`n x o x ho x wo`); returns `n x c x h x w`.
pub fn grad_input(g: &Geometry, dy: &[f32], wgt: &[f32]) -> Result<Vec<f32>, String> {
    if g.stride == 1 && g.kh == g.kw && g.pad < g.kh && !g.pointwise() {
        return grad_input_as_convolution(g, dy, wgt);
    }
    let (chw, how, ckk) = (g.c * g.h * g.w, g.hw_out(), g.ckk());
    let mut dx = vec![0.0f32; g.n * chw];

    let weight_t = View::rows(wgt, g.o, ckk).t();
    per_image(g.n, &mut dx, chw, |i, dx, threads| {
        let grad = &dy[i * g.o * how..(i + 1) * g.o * how];
        if g.pointwise() {
            return matmul(dx, weight_t, View::rows(grad, g.o, how), false, threads);
        }
        for rows in row_blocks(g) {
            let (col0, width) = (rows.start * g.wo, rows.len() * g.wo);
            with_scratch(ckk * width, |cols| {
                let block = View::columns(grad, g.o, how, col0, width);
                matmul(cols, weight_t, block, false, threads)?;
                col2im(g, cols, rows, dx, copies_in_parallel(g, width, threads));
                Ok::<(), String>(())
            })?;
        }
        Ok(())
    })?;
    Ok(dx)
}

/// The input gradient of a stride-1 convolution as a forward convolution of the output
/// gradient with the flipped, transposed kernel and the complementary padding (`k - 1 - p`).
/// Its matrix products have an inner dimension of `o x k x k` instead of `o`, which the
/// `gemm` kernels run at nearly the forward pass's rate, and it needs no col2im.
fn grad_input_as_convolution(g: &Geometry, dy: &[f32], wgt: &[f32]) -> Result<Vec<f32>, String> {
    let k = g.kh;
    let mut flipped = vec![0.0f32; wgt.len()];
    for oc in 0..g.o {
        for ci in 0..g.c {
            for ky in 0..k {
                for kx in 0..k {
                    flipped[((ci * g.o + oc) * k + ky) * k + kx] =
                        wgt[((oc * g.c + ci) * k + (k - 1 - ky)) * k + (k - 1 - kx)];
                }
            }
        }
    }
    let transposed = Geometry {
        block_bytes: g.block_bytes,
        ..Geometry::new(&[g.n, g.o, g.ho, g.wo], &[g.c, g.o, k, k], 1, k - 1 - g.pad)?
    };
    if (transposed.ho, transposed.wo) != (g.h, g.w) {
        return Err(format!(
            "conv2d input gradient: {transposed:?} does not give back {g:?}"
        ));
    }
    forward(&transposed, dy, &flipped)
}

/// The gradient with respect to the weight: the sum over the batch of `dy x cols^T`;
/// returns `o x c x kh x kw`.
pub fn grad_weight(g: &Geometry, x: &[f32], dy: &[f32]) -> Result<Vec<f32>, String> {
    grad_weight_by(g, x, dy, weight_columns_by_pixel(g))
}

/// [`grad_weight`] with the column matrices built by pixel ([`im2col_by_pixel`]) or by row
/// ([`im2col`]).
fn grad_weight_by(g: &Geometry, x: &[f32], dy: &[f32], by_pixel: bool) -> Result<Vec<f32>, String> {
    let (chw, how, ckk) = (g.c * g.h * g.w, g.hw_out(), g.ckk());
    let size = g.o * ckk;
    let (parallel, threads) = split(g.n);
    // Adds the contribution of image i's output rows `rows` to `acc`.
    let add_block = |i: usize, rows: Range<usize>, acc: &mut [f32], threads: usize| {
        let image = &x[i * chw..(i + 1) * chw];
        let grad = &dy[i * g.o * how..(i + 1) * g.o * how];
        let (col0, width) = (rows.start * g.wo, rows.len() * g.wo);
        with_scratch(ckk * width, |cols| {
            let block = View::columns(grad, g.o, how, col0, width);
            if by_pixel {
                im2col_by_pixel(g, image, rows, cols);
                return matmul(acc, block, View::rows(cols, width, ckk), true, threads);
            }
            im2col(g, image, rows, cols, copies_in_parallel(g, width, threads));
            matmul(acc, block, View::rows(cols, ckk, width).t(), true, threads)
        })
    };
    // Adds image i's contribution to `acc`.
    let add = |i: usize, acc: &mut [f32], threads: usize| {
        if g.pointwise() {
            let image = &x[i * chw..(i + 1) * chw];
            let grad = &dy[i * g.o * how..(i + 1) * g.o * how];
            let image_t = View::rows(image, g.c, how).t();
            return matmul(acc, View::rows(grad, g.o, how), image_t, true, threads);
        }
        for rows in row_blocks(g) {
            add_block(i, rows, acc, threads)?;
        }
        Ok(())
    };
    if !parallel && spread_blocks(g, threads) {
        // Fewer images than threads: every image's row blocks spread over the threads.
        let blocks = parallel_row_blocks(g, threads);
        let jobs: Vec<(usize, Range<usize>)> = (0..g.n)
            .flat_map(|i| blocks.iter().map(move |rows| (i, rows.clone())))
            .collect();
        return sum_in_parallel(&jobs, size, |(i, rows), acc| {
            add_block(*i, rows.clone(), acc, 1)
        });
    }
    if !parallel {
        let mut acc = vec![0.0f32; size];
        for i in 0..g.n {
            add(i, &mut acc, threads)?;
        }
        return Ok(acc);
    }
    let images: Vec<usize> = (0..g.n).collect();
    sum_in_parallel(&images, size, |&i, acc| add(i, acc, 1))
}

/// The most output channels for which `gemm` (0.19) multiplies a left operand whose
/// inner rows are contiguous in place, without packing it first (its threshold is 8 of its
/// 6-column register blocks on one thread). Above it the operand is packed whatever its
/// layout, and the row-major column matrix with its long copies is the cheaper one.
const IN_PLACE_MAX_CHANNELS: usize = 48;

/// Whether the weight gradient builds its column matrices by pixel
/// ([`im2col_by_pixel`]): for at most [`IN_PLACE_MAX_CHANNELS`] output channels, unless
/// `IQA_CONV_WEIGHT_COLUMNS` says `rows` (always row-major, as the forward pass) or
/// `pixels` (always by pixel). By pixel, the tiny preset's D step ran 25 % faster at
/// batch 32 and 13 % at batch 1; the paper preset's G, R and D steps, whose convolutions
/// all have more channels except G's last, did not change beyond noise.
fn weight_columns_by_pixel(g: &Geometry) -> bool {
    static CHOICE: std::sync::OnceLock<Option<bool>> = std::sync::OnceLock::new();
    let forced = CHOICE.get_or_init(
        || match std::env::var("IQA_CONV_WEIGHT_COLUMNS").as_deref() {
            Ok("rows") => Some(false),
            Ok("pixels") => Some(true),
            _ => None,
        },
    );
    forced.unwrap_or(!g.pointwise() && g.o <= IN_PLACE_MAX_CHANNELS)
}

/// The sum of what `add` adds for every job to a zeroed buffer of `size` values: the jobs
/// in one contiguous share per thread, each share into a partial sum of its own, then the
/// partial sums in order (the same rounding on every run).
fn sum_in_parallel<J: Sync>(
    jobs: &[J],
    size: usize,
    add: impl Fn(&J, &mut [f32]) -> Result<(), String> + Sync,
) -> Result<Vec<f32>, String> {
    let parts = rayon::current_num_threads().min(jobs.len()).max(1);
    let partials: Vec<Vec<f32>> = jobs
        .par_chunks(jobs.len().div_ceil(parts).max(1))
        .map(|share| {
            let mut acc = vec![0.0f32; size];
            for job in share {
                add(job, &mut acc)?;
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
    fn blocks_of_rows_give_the_whole_image_result() {
        for (shape, weight, stride, pad) in [
            ([2, 3, 9, 7], [4, 3, 3, 3], 1, 1),
            ([1, 2, 11, 8], [3, 2, 7, 7], 2, 3),
            ([3, 5, 6, 6], [2, 5, 4, 4], 2, 1),
        ] {
            let whole = Geometry {
                block_bytes: usize::MAX,
                ..Geometry::new(&shape, &weight, stride, pad).unwrap()
            };

            // One output row per block.
            let rows = Geometry {
                block_bytes: 1,
                ..whole
            };
            assert_eq!(row_blocks(&rows).count(), rows.ho);
            assert_eq!(row_blocks(&whole).count(), 1);
            let x: Vec<f32> = (0..shape.iter().product::<usize>())
                .map(|v| (v as f32 * 0.37).sin())
                .collect();
            let w: Vec<f32> = (0..weight.iter().product::<usize>())
                .map(|v| (v as f32 * 0.21).cos())
                .collect();
            let dy: Vec<f32> = (0..whole.n * whole.o * whole.hw_out())
                .map(|v| (v as f32 * 0.13).sin())
                .collect();
            let close = |a: Vec<f32>, b: Vec<f32>| {
                assert_eq!(a.len(), b.len());
                for (p, q) in a.iter().zip(&b) {
                    assert!((p - q).abs() <= 1e-5 * (1.0 + q.abs()), "{p} {q}");
                }
            };
            close(
                forward(&rows, &x, &w).unwrap(),
                forward(&whole, &x, &w).unwrap(),
            );
            close(
                grad_input(&rows, &dy, &w).unwrap(),
                grad_input(&whole, &dy, &w).unwrap(),
            );
            close(
                grad_weight(&rows, &x, &dy).unwrap(),
                grad_weight(&whole, &x, &dy).unwrap(),
            );
        }
    }

    /// Input and weight shapes, stride and padding for the im2col / col2im tests: strides
    /// 1-3, padding 0-3, kernels 1-7 and 2x3, outputs down to 1x1.
    const COPY_CASES: [([usize; 4], [usize; 4], usize, usize); 8] = [
        ([1, 2, 9, 7], [1, 2, 3, 3], 1, 1),
        ([1, 2, 8, 8], [1, 2, 4, 4], 2, 1),
        ([1, 1, 11, 8], [1, 1, 7, 7], 2, 3),
        ([1, 3, 9, 10], [1, 3, 3, 3], 3, 2),
        ([1, 1, 5, 5], [1, 1, 1, 1], 2, 0),
        ([1, 1, 4, 4], [1, 1, 4, 4], 2, 1),
        ([1, 1, 2, 2], [1, 1, 4, 4], 2, 1),
        ([1, 2, 7, 9], [1, 2, 2, 3], 2, 0),
    ];

    /// Calls `check(geometry, image, rows)` for every block of rows of every case in
    /// [`COPY_CASES`], whole images and one row per block, the image's values 1, 2, 3, ...
    fn for_each_copy_block(mut check: impl FnMut(&Geometry, &[f32], Range<usize>)) {
        for (shape, weight, stride, pad) in COPY_CASES {
            let whole = Geometry::new(&shape, &weight, stride, pad).unwrap();
            let x: Vec<f32> = (0..shape.iter().product::<usize>())
                .map(|v| v as f32 + 1.0)
                .collect();
            for block in [usize::MAX, 1] {
                let g = Geometry {
                    block_bytes: block,
                    ..whole
                };
                for rows in row_blocks(&g) {
                    check(&g, &x, rows);
                }
            }
        }
    }

    /// The block's width in output pixels and its row-major column matrix ([`im2col`]).
    fn columns_of(g: &Geometry, x: &[f32], rows: Range<usize>) -> (usize, Vec<f32>) {
        let width = rows.len() * g.wo;
        let mut cols = vec![-1.0; g.ckk() * width];
        im2col(g, x, rows, &mut cols, false);
        (width, cols)
    }

    #[test]
    fn im2col_matches_its_definition() {
        for_each_copy_block(|g, x, rows| {
            let (width, cols) = columns_of(g, x, rows.clone());
            for (c, ky, kx) in (0..g.c)
                .flat_map(|c| (0..g.kh).flat_map(move |ky| (0..g.kw).map(move |kx| (c, ky, kx))))
            {
                let row = (c * g.kh + ky) * g.kw + kx;
                for (k, oy) in rows.clone().enumerate() {
                    for ox in 0..g.wo {
                        let iy = (oy * g.stride + ky) as isize - g.pad as isize;
                        let ix = (ox * g.stride + kx) as isize - g.pad as isize;
                        let inside =
                            (0..g.h as isize).contains(&iy) && (0..g.w as isize).contains(&ix);
                        let want = if inside {
                            x[(c * g.h + iy as usize) * g.w + ix as usize]
                        } else {
                            0.0
                        };
                        let got = cols[row * width + k * g.wo + ox];
                        assert_eq!(
                            got, want,
                            "{g:?} rows {rows:?} c{c} ky{ky} kx{kx} oy{oy} ox{ox}"
                        );
                    }
                }
            }
        });
    }

    #[test]
    fn im2col_by_pixel_is_the_transposed_column_matrix() {
        for_each_copy_block(|g, x, rows| {
            let (width, cols) = columns_of(g, x, rows.clone());
            let mut by_pixel = vec![-1.0; g.ckk() * width];
            im2col_by_pixel(g, x, rows.clone(), &mut by_pixel);
            for r in 0..g.ckk() {
                for p in 0..width {
                    assert_eq!(
                        by_pixel[p * g.ckk() + r],
                        cols[r * width + p],
                        "{g:?} rows {rows:?} row {r} pixel {p}"
                    );
                }
            }
        });
    }

    #[test]
    fn both_weight_gradient_layouts_match_the_definition() {
        for (shape, weight, stride, pad) in COPY_CASES {
            let mut g = Geometry::new(&shape, &weight, stride, pad).unwrap();
            g.n = 2;
            g.o = 3;
            let x: Vec<f32> = (0..g.n * g.c * g.h * g.w)
                .map(|v| (v as f32 * 0.37).sin())
                .collect();
            let dy: Vec<f32> = (0..g.n * g.o * g.hw_out())
                .map(|v| (v as f32 * 0.13).cos())
                .collect();
            let mut want = vec![0.0f64; g.o * g.ckk()];
            for (i, o, r) in (0..g.n)
                .flat_map(|i| (0..g.o).flat_map(move |o| (0..g.ckk()).map(move |r| (i, o, r))))
            {
                let (c, ky, kx) = (r / (g.kh * g.kw), r / g.kw % g.kh, r % g.kw);
                for oy in 0..g.ho {
                    for ox in 0..g.wo {
                        let iy = (oy * stride + ky) as isize - pad as isize;
                        let ix = (ox * stride + kx) as isize - pad as isize;
                        if (0..g.h as isize).contains(&iy) && (0..g.w as isize).contains(&ix) {
                            let xv = x[((i * g.c + c) * g.h + iy as usize) * g.w + ix as usize];
                            let dv = dy[((i * g.o + o) * g.ho + oy) * g.wo + ox];
                            want[o * g.ckk() + r] += f64::from(xv) * f64::from(dv);
                        }
                    }
                }
            }
            for by_pixel in [false, true] {
                let got = grad_weight_by(&g, &x, &dy, by_pixel).unwrap();
                for (a, b) in got.iter().zip(&want) {
                    assert!(
                        (f64::from(*a) - b).abs() <= 1e-5 * (1.0 + b.abs()),
                        "{g:?} by pixel {by_pixel}: {a} {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn spreading_one_image_over_threads_gives_the_same_result() {
        // 64x48 outputs: large enough to be spread over two or three threads.
        let g = Geometry::new(&[1, 3, 64, 48], &[5, 3, 3, 3], 1, 1).unwrap();
        assert!(spread_blocks(&g, 2) && !spread_blocks(&g, 1));
        let x: Vec<f32> = (0..3 * 64 * 48).map(|v| (v as f32 * 0.37).sin()).collect();
        let w: Vec<f32> = (0..5 * 27).map(|v| (v as f32 * 0.21).cos()).collect();
        let dy: Vec<f32> = (0..5 * 64 * 48).map(|v| (v as f32 * 0.13).sin()).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                (
                    forward(&g, &x, &w).unwrap(),
                    grad_weight(&g, &x, &dy).unwrap(),
                )
            })
        };
        let (out1, dw1) = run(1);
        for threads in [2, 3] {
            let (out, dw) = run(threads);
            for (a, b) in out.iter().zip(&out1).chain(dw.iter().zip(&dw1)) {
                assert!(
                    (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                    "{threads} threads: {a} {b}"
                );
            }
        }
    }

    #[test]
    fn col2im_matches_its_definition() {
        for (shape, weight, stride, pad) in COPY_CASES {
            let whole = Geometry::new(&shape, &weight, stride, pad).unwrap();
            for block in [usize::MAX, 1] {
                let g = Geometry {
                    block_bytes: block,
                    ..whole
                };
                let mut dx = vec![0.5f32; g.c * g.h * g.w];
                let mut want = dx.clone();
                for rows in row_blocks(&g) {
                    let width = rows.len() * g.wo;
                    let cols: Vec<f32> = (0..g.ckk() * width)
                        .map(|v| ((v + rows.start * 7) as f32 * 0.61).sin())
                        .collect();
                    col2im(&g, &cols, rows.clone(), &mut dx, false);
                    for r in 0..g.ckk() {
                        let (c, ky, kx) = (r / (g.kh * g.kw), r / g.kw % g.kh, r % g.kw);
                        for (k, oy) in rows.clone().enumerate() {
                            for ox in 0..g.wo {
                                let iy = (oy * stride + ky) as isize - pad as isize;
                                let ix = (ox * stride + kx) as isize - pad as isize;
                                if (0..g.h as isize).contains(&iy)
                                    && (0..g.w as isize).contains(&ix)
                                {
                                    want[(c * g.h + iy as usize) * g.w + ix as usize] +=
                                        cols[r * width + k * g.wo + ox];
                                }
                            }
                        }
                    }
                }
                for (a, b) in dx.iter().zip(&want) {
                    assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{g:?}: {a} {b}");
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
        im2col(&g, &x, 0..g.ho, &mut cols, false);
        let mut dx = vec![0.0; x.len()];
        col2im(&g, &c, 0..g.ho, &mut dx, true);
        let a: f32 = cols.iter().zip(&c).map(|(p, q)| p * q).sum();
        let b: f32 = x.iter().zip(&dx).map(|(p, q)| p * q).sum();
        assert!((a - b).abs() < 1e-4, "{a} {b}");
    }

    #[test]
    fn strided_copies_match_their_definitions() {
        for stride in 1..=3 {
            for n in 0..12 {
                let src: Vec<f32> = (0..(n.max(1) - 1) * stride + 1 + stride % 2)
                    .map(|v| v as f32 + 0.5)
                    .collect();
                let mut dst = vec![-1.0; n];
                gather_strided(&mut dst, &src, stride);
                let expected: Vec<f32> = (0..n).map(|k| src[k * stride]).collect();
                assert_eq!(dst, expected, "gather stride {stride} n {n}");

                let mut acc = vec![1.0; src.len()];
                scatter_add_strided(&mut acc, &expected, stride);
                let mut want = vec![1.0; src.len()];
                for (k, v) in expected.iter().enumerate() {
                    want[k * stride] += v;
                }
                assert_eq!(acc, want, "scatter stride {stride} n {n}");
            }
        }
    }
}
