//! How the work is split: blocks of output rows sized to the cache, images or blocks over
//! the threads, when copies run in parallel, and ordered partial sums.

use std::ops::Range;

use rayon::prelude::*;

use super::geometry::Geometry;
use crate::tuning::{SmallBatchSplit, WeightColumns, tuning};

/// The fewest column-matrix values (1 MiB) whose copies run over channels in parallel when
/// the batch leaves threads free: below it, waking the threads cost more than the copies.
/// Copying the tiny preset's blocks (most of them far smaller) on one thread made its
/// batch-1 D step 23 % and G+R forward 15 % faster; the paper preset's unspread blocks
/// (256 to 512 channels) are larger and keep the parallel copies.
pub(super) const MIN_PARALLEL_COPY: usize = 1 << 18;

/// Whether the im2col / col2im copies of a block `width` output pixels wide run over
/// channels in parallel on `threads` threads.
pub(super) fn copies_in_parallel(g: &Geometry, width: usize, threads: usize) -> bool {
    threads > 1 && g.ckk() * width >= MIN_PARALLEL_COPY
}

/// Threads for the matrix product of one image: all of them when the batch cannot keep
/// the pool busy by itself, else one (the images run in parallel instead).
pub(super) fn split(n: usize) -> (bool, usize) {
    let threads = rayon::current_num_threads();
    if n >= threads {
        (true, 1)
    } else {
        (false, threads)
    }
}

/// Runs `job(image, out_chunk)` for each image, in parallel over the batch or one after
/// another with threaded products.
pub(super) fn per_image(
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
pub(super) fn row_blocks(g: &Geometry) -> impl Iterator<Item = Range<usize>> {
    blocks_of(g, rows_per_block(g))
}

/// The most output rows whose column matrix fits [`Geometry::block_bytes`] (at least 1).
pub(super) fn rows_per_block(g: &Geometry) -> usize {
    let per_row = g.ckk() * g.wo * std::mem::size_of::<f32>();
    (g.block_bytes / per_row.max(1)).clamp(1, g.ho.max(1))
}

/// The output rows in blocks of `rows` (the last may be shorter).
pub(super) fn blocks_of(g: &Geometry, rows: usize) -> impl Iterator<Item = Range<usize>> {
    let (ho, rows) = (g.ho, rows.max(1));
    (0..ho).step_by(rows).map(move |r| r..(r + rows).min(ho))
}

/// The fewest output pixels per block for which one image's row blocks are spread over
/// the threads: each block's product packs the whole weight matrix again (and the weight
/// gradient keeps one partial sum per thread), which narrow blocks do not repay. The
/// paper preset's D step (512 channels at 16x16, blocks of 64 pixels) ran 5 % slower
/// spread; R's (64 to 512 channels at 256x256 to 32x32) 6 % faster.
pub(super) const MIN_SPREAD_COLUMNS: usize = 512;

/// Whether one image's row blocks run in parallel, each block's im2col and product on one
/// thread, when the batch cannot keep the `threads` busy: for outputs of at least
/// [`MIN_SPREAD_COLUMNS`] pixels per block, unless `IQA_CONV_SPLIT=products` (which
/// threads each block's product instead, as smaller outputs always do).
pub(super) fn spread_blocks(g: &Geometry, threads: usize) -> bool {
    let allowed = tuning().small_batch_split == SmallBatchSplit::SpreadBlocks;
    allowed && threads > 1 && !g.pointwise() && g.hw_out() >= 2 * threads * MIN_SPREAD_COLUMNS
}

/// Blocks of output rows for `threads` threads working on one image: at most
/// [`Geometry::block_bytes`] of column matrix each, and at least two per thread where the
/// image has the rows, so that the threads finish together.
pub(super) fn parallel_row_blocks(g: &Geometry, threads: usize) -> Vec<Range<usize>> {
    let by_balance = g.ho.div_ceil(2 * threads);
    blocks_of(g, rows_per_block(g).min(by_balance)).collect()
}

/// The most output channels for which `gemm` (0.19) multiplies a left operand whose
/// inner rows are contiguous in place, without packing it first (its threshold is 8 of its
/// 6-column register blocks on one thread). Above it the operand is packed whatever its
/// layout, and the row-major column matrix with its long copies is the cheaper one.
pub(super) const IN_PLACE_MAX_CHANNELS: usize = 48;

/// Whether the weight gradient builds its column matrices by pixel
/// ([`im2col_by_pixel`]): for at most [`IN_PLACE_MAX_CHANNELS`] output channels, unless
/// `IQA_CONV_WEIGHT_COLUMNS` says `rows` (always row-major, as the forward pass) or
/// `pixels` (always by pixel). By pixel, the tiny preset's D step ran 25 % faster at
/// batch 32 and 13 % at batch 1; the paper preset's G, R and D steps, whose convolutions
/// all have more channels except G's last, did not change beyond noise.
pub(super) fn weight_columns_by_pixel(g: &Geometry) -> bool {
    match tuning().weight_columns {
        WeightColumns::Rows => false,
        WeightColumns::Pixels => true,
        WeightColumns::Auto => !g.pointwise() && g.o <= IN_PLACE_MAX_CHANNELS,
    }
}

/// The sum of what `add` adds for every job to a zeroed buffer of `size` values: the jobs
/// in one contiguous share per thread, each share into a partial sum of its own, then the
/// partial sums in order (the same rounding on every run).
pub(super) fn sum_in_parallel<J: Sync>(
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
