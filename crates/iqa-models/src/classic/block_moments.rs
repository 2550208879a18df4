//! Local statistics of MAD on the grid of 16x16 windows whose top-left corners lie every 4
//! pixels (no padding): mean and central moments up to the fourth, per window.
//!
//! Each window is the union of 4x4 cells of 4x4 pixels. The central moments of every cell
//! are computed with two passes over its 16 samples and then merged, pairwise, into those
//! of the windows with the exact update formulas for central moment sums (P. Pébay, 2008),
//! which are as stable as two passes over each window but share the work of overlapping
//! windows.

/// Window side in pixels.
pub(super) const BLOCK: usize = 16;
/// Distance between neighbouring windows in pixels.
pub(super) const STEP: usize = 4;
/// Cell side in pixels (a window is `CELLS x CELLS` cells).
const CELL: usize = STEP;
const CELLS: usize = BLOCK / CELL;

/// Mean and central moment sums `sum (x - mean)^k` for k = 2, 3, 4 of a set of samples.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    mean: f64,
    m2: f64,
    m3: f64,
    m4: f64,
}

impl Moments {
    /// The moments of the union of two disjoint sets of `count` samples each.
    fn merge_equal(a: Moments, b: Moments, count: f64) -> Moments {
        let delta = b.mean - a.mean;
        let delta2 = delta * delta;
        Moments {
            mean: 0.5 * (a.mean + b.mean),
            m2: a.m2 + b.m2 + delta2 * (0.5 * count),
            m3: a.m3 + b.m3 + 1.5 * delta * (b.m2 - a.m2),
            m4: a.m4
                + b.m4
                + delta2 * delta2 * (count / 8.0)
                + 1.5 * delta2 * (a.m2 + b.m2)
                + 2.0 * delta * (b.m3 - a.m3),
        }
    }
}

/// Per-window statistics: population moments of the 256 samples of each window, row-major
/// over the window grid.
#[derive(Debug, Clone, Default)]
pub(super) struct WindowStats {
    /// Windows per grid row.
    pub cols: usize,
    /// Grid rows.
    pub rows: usize,
    /// Mean.
    pub mean: Vec<f64>,
    /// Population variance `mean((x - mean)^2)`.
    pub variance: Vec<f64>,
    /// `mean((x - mean)^3)`.
    pub third: Vec<f64>,
    /// `mean((x - mean)^4)`.
    pub fourth: Vec<f64>,
}

/// The window grid of a `width x height` image (both at least [`BLOCK`]): (rows, cols).
pub(super) fn window_grid(width: usize, height: usize) -> (usize, usize) {
    ((height - BLOCK) / STEP + 1, (width - BLOCK) / STEP + 1)
}

/// Computes window statistics, reusing its buffers between images of one size.
#[derive(Debug, Default)]
pub(super) struct WindowStatsWorkspace {
    cells: Vec<Moments>,
    pairs: Vec<Moments>,
    quads: Vec<Moments>,
    columns: Vec<Moments>,
}

impl WindowStatsWorkspace {
    /// The statistics of every window of `data` (`height` rows of `width` samples, both at
    /// least [`BLOCK`]) into `out`.
    pub(super) fn compute(
        &mut self,
        data: &[f64],
        width: usize,
        height: usize,
        out: &mut WindowStats,
    ) {
        self.compute_mapped(data, |&v| v, width, height, out);
    }

    /// As [`compute`](Self::compute) on the samples `sample(&data[k])`, evaluated only where
    /// a window needs them.
    pub(super) fn compute_mapped<T>(
        &mut self,
        data: &[T],
        sample: impl Fn(&T) -> f64,
        width: usize,
        height: usize,
        out: &mut WindowStats,
    ) {
        let (rows, cols) = window_grid(width, height);
        let (cell_rows, cell_cols) = (rows + CELLS - 1, cols + CELLS - 1);

        self.cells.clear();
        for p in 0..cell_rows {
            for q in 0..cell_cols {
                let mut samples = [0.0; CELL * CELL];
                for (r, chunk) in samples.chunks_exact_mut(CELL).enumerate() {
                    let start = (p * CELL + r) * width + q * CELL;
                    for (v, x) in chunk.iter_mut().zip(&data[start..start + CELL]) {
                        *v = sample(x);
                    }
                }
                self.cells.push(cell_moments(&samples));
            }
        }
        // Along rows: pairs of neighbouring cells, then pairs of pairs (4 cells wide).
        let cell_count = (CELL * CELL) as f64;
        self.pairs.clear();
        for p in 0..cell_rows {
            let row = &self.cells[p * cell_cols..(p + 1) * cell_cols];
            self.pairs.extend(
                row.windows(2)
                    .map(|w| Moments::merge_equal(w[0], w[1], cell_count)),
            );
        }
        let pair_cols = cell_cols - 1;
        self.quads.clear();
        for p in 0..cell_rows {
            let row = &self.pairs[p * pair_cols..(p + 1) * pair_cols];
            self.quads.extend(
                (0..cols).map(|j| Moments::merge_equal(row[j], row[j + 2], 2.0 * cell_count)),
            );
        }
        // Down columns: pairs of neighbouring strips, then pairs of pairs (4 cells high).
        self.columns.clear();
        for i in 0..cell_rows - 1 {
            let (upper, lower) = (
                &self.quads[i * cols..(i + 1) * cols],
                &self.quads[(i + 1) * cols..(i + 2) * cols],
            );
            self.columns.extend(
                upper
                    .iter()
                    .zip(lower)
                    .map(|(&a, &b)| Moments::merge_equal(a, b, 4.0 * cell_count)),
            );
        }
        let n = (BLOCK * BLOCK) as f64;
        out.rows = rows;
        out.cols = cols;
        for v in [
            &mut out.mean,
            &mut out.variance,
            &mut out.third,
            &mut out.fourth,
        ] {
            v.clear();
        }
        for i in 0..rows {
            let (upper, lower) = (
                &self.columns[i * cols..(i + 1) * cols],
                &self.columns[(i + 2) * cols..(i + 3) * cols],
            );
            for (&a, &b) in upper.iter().zip(lower) {
                let m = Moments::merge_equal(a, b, 8.0 * cell_count);
                out.mean.push(m.mean);
                out.variance.push(m.m2 / n);
                out.third.push(m.m3 / n);
                out.fourth.push(m.m4 / n);
            }
        }
    }
}

/// Two-pass moments of one cell.
fn cell_moments(samples: &[f64; CELL * CELL]) -> Moments {
    let mean = samples.iter().sum::<f64>() / (CELL * CELL) as f64;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &v in samples {
        let d = v - mean;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    Moments { mean, m2, m3, m4 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_moments_equal_two_pass_moments() {
        let (width, height) = (27, 22);
        let data: Vec<f64> = (0..width * height)
            .map(|k| ((k * 7919) % 101) as f64 * 0.37 + (k % 5) as f64)
            .collect();
        let mut stats = WindowStats::default();
        WindowStatsWorkspace::default().compute(&data, width, height, &mut stats);
        assert_eq!((stats.rows, stats.cols), (2, 3));
        for i in 0..stats.rows {
            for j in 0..stats.cols {
                let window: Vec<f64> = (0..BLOCK)
                    .flat_map(|r| data[(i * STEP + r) * width + j * STEP..][..BLOCK].to_vec())
                    .collect();
                let mean = window.iter().sum::<f64>() / 256.0;
                let moment =
                    |k: i32| window.iter().map(|v| (v - mean).powi(k)).sum::<f64>() / 256.0;
                let w = i * stats.cols + j;
                for (got, want) in [
                    (stats.mean[w], mean),
                    (stats.variance[w], moment(2)),
                    (stats.third[w], moment(3)),
                    (stats.fourth[w], moment(4)),
                ] {
                    assert!(
                        (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                        "{got} vs {want}"
                    );
                }
            }
        }
    }
}
