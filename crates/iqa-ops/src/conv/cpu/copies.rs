//! The copies between images and column matrices: im2col (row-major, by phase for
//! strides of 2 and more, or by pixel for the weight gradient), col2im, and the strided
//! line copies they are made of.

use std::ops::Range;

use rayon::prelude::*;

use super::buffers::with_buffer;
use super::geometry::Geometry;

/// Copies the part of one image (`c x h x w`) that output rows `rows` read into its
/// column matrix (`ckk x (rows.len() * wo)`); channels in parallel when `parallel`.
pub(super) fn im2col(
    g: &Geometry,
    x: &[f32],
    rows: Range<usize>,
    cols: &mut [f32],
    parallel: bool,
) {
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
pub(super) fn im2col_channel(g: &Geometry, plane: &[f32], rows: Range<usize>, cols: &mut [f32]) {
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
pub(super) fn im2col_channel_phased(
    g: &Geometry,
    plane: &[f32],
    rows: Range<usize>,
    cols: &mut [f32],
) {
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
pub(super) fn phase_width(g: &Geometry) -> usize {
    (g.w + 2 * g.pad).div_ceil(g.stride)
}

/// Writes the padded rows `first_row..` (in padded coordinates: input row
/// `first_row - pad` first) of `plane` into `phases`, each row as `stride` phases of
/// [`phase_width`] values: phase `p` holds padded columns `p, p + stride, ...`, so that
/// padded column `j` is at `(row * stride + j % stride) * width + j / stride`. Rows and
/// columns outside the image are zeros. `phases` holds whole rows.
pub(super) fn split_phases(g: &Geometry, plane: &[f32], first_row: usize, phases: &mut [f32]) {
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
pub(super) fn im2col_by_pixel(g: &Geometry, x: &[f32], rows: Range<usize>, cols: &mut [f32]) {
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
pub(super) fn copy_kernel_rows<'a, const KW: usize>(
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
pub(super) fn pad_rows(g: &Geometry, plane: &[f32], first_row: usize, out: &mut [f32]) {
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
pub(super) fn col2im(
    g: &Geometry,
    cols: &[f32],
    rows: Range<usize>,
    dx: &mut [f32],
    parallel: bool,
) {
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
pub(super) fn col2im_channel(g: &Geometry, cols: &[f32], rows: Range<usize>, plane: &mut [f32]) {
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
pub(super) fn gather_strided(dst: &mut [f32], src: &[f32], stride: usize) {
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
pub(super) fn scatter_add_strided(dst: &mut [f32], src: &[f32], stride: usize) {
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
