//! KROCC: Kendall's tau-b in O(n log n) (Knight's algorithm).
//!
//! The pairs are sorted by (prediction, score); the number of discordant pairs is then the
//! number of inversions in the scores, counted by a merge sort. Ties in either variable
//! and joint ties are counted from runs in the sorted orders, giving tau-b exactly as
//! `scipy.stats.kendalltau(variant="b")`.

use rayon::slice::ParallelSliceMut;

use crate::rank::dense_ranks;
use crate::{MetricsError, Result, checks};

/// Kendall rank-order correlation, tau-b (corrected for ties).
pub fn krocc(pred: &[f64], mos: &[f64]) -> Result<f64> {
    checks::correlation_inputs("KROCC", 2, pred, mos)?;
    if u32::try_from(pred.len()).is_err() {
        return Err(MetricsError::InvalidParameter {
            name: "pred.len()",
            value: pred.len().to_string(),
            expected: "fewer than 2^32 samples",
        });
    }
    Ok(tau_b(pred, mos))
}

/// Number of pairs among `count` items.
fn pairs(count: u64) -> u64 {
    count * count.saturating_sub(1) / 2
}

/// Sums `pairs(run length)` over runs of equal keys in a sorted slice.
fn tied_pairs<T: PartialEq + Copy>(sorted: &[T]) -> u64 {
    let mut total = 0;
    let mut start = 0;
    while start < sorted.len() {
        let key = sorted[start];
        let len = sorted[start..].iter().take_while(|&&k| k == key).count();
        total += pairs(len as u64);
        start += len;
    }
    total
}

fn tau_b(x: &[f64], y: &[f64]) -> f64 {
    let (rank_x, rank_y) = rayon::join(|| dense_ranks(x), || dense_ranks(y));
    // One u64 key per pair: x rank in the high half, y rank in the low half, so that a
    // plain integer sort orders by x, then by y.
    let mut keys: Vec<u64> = rank_x
        .iter()
        .zip(&rank_y)
        .map(|(&rx, &ry)| (u64::from(rx) << 32) | u64::from(ry))
        .collect();
    keys.par_sort_unstable();

    let n0 = pairs(keys.len() as u64);
    let x_ties = tied_pairs(&keys.iter().map(|k| k >> 32).collect::<Vec<_>>());
    let joint_ties = tied_pairs(&keys);
    // The key's low half is the y rank; truncation is the intent.
    let mut ys: Vec<u32> = keys.iter().map(|&k| k as u32).collect();
    let discordant = sort_counting_inversions(&mut ys);
    let y_ties = tied_pairs(&ys);

    let numerator =
        n0 as f64 - x_ties as f64 - y_ties as f64 + joint_ties as f64 - 2.0 * discordant as f64;
    let denominator = ((n0 - x_ties) as f64).sqrt() * ((n0 - y_ties) as f64).sqrt();
    (numerator / denominator).clamp(-1.0, 1.0)
}

/// Sorts `values` ascending and returns the number of strict inversions (pairs i < j with
/// values[i] > values[j]). Bottom-up merge sort, after insertion-sorting short blocks.
fn sort_counting_inversions(values: &mut Vec<u32>) -> u64 {
    const BLOCK: usize = 16;
    let n = values.len();
    let mut inversions = 0u64;
    for block in values.chunks_mut(BLOCK) {
        inversions += insertion_sort_counting(block);
    }
    let mut src = std::mem::take(values);
    let mut dst = vec![0u32; n];
    let mut width = BLOCK;
    while width < n {
        for (start, out) in (0..n).step_by(2 * width).zip(dst.chunks_mut(2 * width)) {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            inversions += merge_counting(&src[start..mid], &src[mid..end], out);
        }
        std::mem::swap(&mut src, &mut dst);
        width *= 2;
    }
    *values = src;
    inversions
}

fn insertion_sort_counting(block: &mut [u32]) -> u64 {
    let mut inversions = 0;
    for i in 1..block.len() {
        let value = block[i];
        let mut j = i;
        while j > 0 && block[j - 1] > value {
            block[j] = block[j - 1];
            j -= 1;
        }
        inversions += (i - j) as u64;
        block[j] = value;
    }
    inversions
}

/// Merges two sorted runs into `out`; each element taken from the right run before
/// `k` remaining left elements is `k` inversions.
fn merge_counting(left: &[u32], right: &[u32], out: &mut [u32]) -> u64 {
    let (mut i, mut j, mut inversions) = (0, 0, 0u64);
    for slot in out.iter_mut() {
        if j >= right.len() || (i < left.len() && left[i] <= right[j]) {
            *slot = left[i];
            i += 1;
        } else {
            *slot = right[j];
            inversions += (left.len() - i) as u64;
            j += 1;
        }
    }
    inversions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The O(n^2) definition, for cross-checking.
    fn tau_b_naive(x: &[f64], y: &[f64]) -> f64 {
        let (mut s, mut tx, mut ty) = (0.0, 0.0, 0.0);
        for i in 0..x.len() {
            for j in i + 1..x.len() {
                let a = (x[i] - x[j]).signum() * f64::from(x[i] != x[j]);
                let b = (y[i] - y[j]).signum() * f64::from(y[i] != y[j]);
                s += a * b;
                tx += a * a;
                ty += b * b;
            }
        }
        s / (tx * ty).sqrt()
    }

    #[test]
    fn matches_the_definition_with_ties() {
        let x: Vec<f64> = (0..200).map(|i| f64::from((i * 37 % 23) / 3)).collect();
        let y: Vec<f64> = (0..200).map(|i| f64::from((i * 11 % 17) / 2)).collect();
        assert!((krocc(&x, &y).unwrap() - tau_b_naive(&x, &y)).abs() < 1e-12);
    }

    #[test]
    fn inversions_of_a_reversed_run() {
        let mut v: Vec<u32> = (0..100).rev().collect();
        assert_eq!(sort_counting_inversions(&mut v), 100 * 99 / 2);
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn equal_values_are_not_inversions() {
        let mut v = vec![2, 2, 1, 1, 2, 1];
        // (2,1) pairs with the 2 before the 1: 2*2 + 2*1 + 1*1 = 7
        assert_eq!(sort_counting_inversions(&mut v), 7);
    }
}
