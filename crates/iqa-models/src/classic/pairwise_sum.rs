//! NumPy's pairwise summation (`numpy.add.reduce` over a contiguous axis: runs of at
//! most 128 values summed with eight interleaved accumulators, longer runs split in two
//! at a multiple of eight, the whole added to the identity 0). The NumPy references sum
//! this way, so the classic metrics that are checked against them to the last few ulps
//! add their long runs in the same order.

/// Runs longer than this are split in two.
pub const RUN: usize = 128;

/// `numpy.sum` of `values`.
pub fn pairwise_sum(values: &[f64]) -> f64 {
    pairwise_sum_map(values, |v| v)
}

/// `numpy.sum` of `f(v)` over `values` (`f` plays the part of the array NumPy would
/// build first).
pub fn pairwise_sum_map(values: &[f64], f: impl Fn(f64) -> f64 + Copy) -> f64 {
    let [sum] = pairwise_tree(values.len(), |start, len| {
        [run_sum(&values[start..start + len], f)]
    });
    sum
}

/// `K` pairwise sums over `n` values at once: `run(start, len)` gives the `K` sums of the
/// run `start..start + len` (at most [`RUN`] long), as [`run_sum`] forms them; the runs
/// are combined as NumPy combines them.
pub fn pairwise_tree<const K: usize>(
    n: usize,
    mut run: impl FnMut(usize, usize) -> [f64; K],
) -> [f64; K] {
    tree(0, n, &mut run).map(|s| 0.0 + s)
}

fn tree<const K: usize>(
    start: usize,
    n: usize,
    run: &mut impl FnMut(usize, usize) -> [f64; K],
) -> [f64; K] {
    if n <= RUN {
        return run(start, n);
    }
    let half = n / 2;
    let split = half - half % 8;
    let a = tree(start, split, run);
    let b = tree(start + split, n - split, run);
    std::array::from_fn(|k| a[k] + b[k])
}

/// The sum of `f(v)` over a run of at most [`RUN`] values, NumPy's way: one by one below
/// 8, else eight interleaved accumulators combined pairwise, then the remainder one by
/// one.
#[inline]
pub fn run_sum(values: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let n = values.len();
    if n < 8 {
        return values.iter().fold(0.0, |acc, &v| acc + f(v));
    }
    let end = n - n % 8;
    let mut lanes: [f64; 8] = std::array::from_fn(|j| f(values[j]));
    for chunk in values[8..end].chunks_exact(8) {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += f(v);
        }
    }
    let l = &lanes;
    let mut sum = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
    for &v in &values[end..] {
        sum += f(v);
    }
    sum
}

/// `numpy.mean`: the pairwise sum divided by the count (NaN for no values).
pub fn mean(values: &[f64]) -> f64 {
    pairwise_sum(values) / values.len() as f64
}

/// `numpy.var(values, ddof=1)`: the mean by [`pairwise_sum`], then the pairwise sum of
/// squared deviations divided by `n - 1`.
pub fn sample_variance(values: &[f64]) -> f64 {
    let n = values.len();
    let mean = pairwise_sum(values) / n as f64;
    let squares = pairwise_sum_map(values, |v| {
        let d = v - mean;
        d * d
    });
    squares / n.saturating_sub(1) as f64
}
