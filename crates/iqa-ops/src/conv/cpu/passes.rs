//! The three passes: forward, input gradient and weight gradient.

use std::ops::Range;

use rayon::prelude::*;

use super::buffers::with_scratch;
use super::copies::{col2im, im2col, im2col_by_pixel};
use super::geometry::Geometry;
use super::schedule::{
    copies_in_parallel, parallel_row_blocks, per_image, row_blocks, split, spread_blocks,
    sum_in_parallel, weight_columns_by_pixel,
};
use crate::conv::gemm::{View, matmul, matmul_into};

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

/// [`forward`] for one image with its row blocks spread over the threads: each block's
/// columns and product stay on one core, and the image costs two parallel sections
/// instead of two per block. The blocks' products land in buffers of their own and are
/// then copied into `out` (`o x ho*wo`) by output channel.
pub(super) fn forward_blocks_in_parallel(
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
pub(super) fn grad_input_as_convolution(
    g: &Geometry,
    dy: &[f32],
    wgt: &[f32],
) -> Result<Vec<f32>, String> {
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
pub(super) fn grad_weight_by(
    g: &Geometry,
    x: &[f32],
    dy: &[f32],
    by_pixel: bool,
) -> Result<Vec<f32>, String> {
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
