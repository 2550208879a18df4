//! Ranking with ties: the basis of SROCC and KROCC.

use rayon::slice::ParallelSliceMut;

/// Below this length sorting runs on one thread; above it rayon's parallel sort pays off.
const PARALLEL_SORT_MIN: usize = 1 << 15;

/// Pairs each value with its index and sorts by value (total order).
fn sorted_with_index(values: &[f64]) -> Vec<(f64, usize)> {
    let mut pairs: Vec<(f64, usize)> = values.iter().copied().zip(0..).collect();
    let by_value = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0);
    if pairs.len() >= PARALLEL_SORT_MIN {
        pairs.par_sort_unstable_by(by_value);
    } else {
        pairs.sort_unstable_by(by_value);
    }
    pairs
}

/// Calls `each(start, end)` for every run of equal values in `sorted`.
fn for_each_tie_run(sorted: &[(f64, usize)], mut each: impl FnMut(usize, usize)) {
    let mut start = 0;
    while start < sorted.len() {
        let value = sorted[start].0;
        let end = start + sorted[start..].iter().take_while(|p| p.0 == value).count();
        each(start, end);
        start = end;
    }
}

/// Ranks from 1 to n, tied values sharing the mean of their ranks ("average" ranks, as
/// `scipy.stats.rankdata` computes by default). Values must be finite.
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let sorted = sorted_with_index(values);
    let mut ranks = vec![0.0; values.len()];
    for_each_tie_run(&sorted, |start, end| {
        // Positions start..end hold ranks start+1..=end; their mean is (start + 1 + end) / 2.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &(_, index) in &sorted[start..end] {
            ranks[index] = rank;
        }
    });
    ranks
}

/// Dense ranks from 0: equal values share a rank, and ranks have no gaps. Values must be
/// finite and fewer than 2^32.
pub(crate) fn dense_ranks(values: &[f64]) -> Vec<u32> {
    let sorted = sorted_with_index(values);
    let mut ranks = vec![0u32; values.len()];
    let mut next = 0u32;
    for_each_tie_run(&sorted, |start, end| {
        for &(_, index) in &sorted[start..end] {
            ranks[index] = next;
        }
        next = next.wrapping_add(1);
    });
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_ranks_share_ties() {
        // scipy.stats.rankdata([3, 1, 4, 1, 5, 9, 2, 6, 5]) -> [4, 1.5, 5, 1.5, 6.5, 9, 3, 8, 6.5]
        let ranks = average_ranks(&[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0]);
        assert_eq!(ranks, vec![4.0, 1.5, 5.0, 1.5, 6.5, 9.0, 3.0, 8.0, 6.5]);
    }

    #[test]
    fn dense_ranks_have_no_gaps() {
        assert_eq!(dense_ranks(&[0.5, -1.0, 0.5, 7.0]), vec![1, 0, 1, 2]);
    }

    #[test]
    fn signed_zeros_tie() {
        assert_eq!(average_ranks(&[0.0, -0.0, 1.0]), vec![1.5, 1.5, 3.0]);
    }
}
