//! Natural-scene-statistics fits shared by NIQE and BRISQUE, as the authors' MATLAB
//! code computes them (`estimateaggdparam.m` and `computefeature.m` of the NIQE release,
//! `estimateggdparam.m` and `brisque_feature.m` of the BRISQUE release), transcribed from
//! `tests/fixtures/classic/nr_reference.py`: moment matching over MATLAB's grid
//! `0.2:0.001:10` of shape parameters, taking the first grid value that minimises the
//! mismatch, as MATLAB's `min` does; and the same fit to the products of MSCN
//! coefficients with their circularly shifted neighbours.

use std::sync::OnceLock;

use super::pairwise_sum::{RUN, pairwise_tree, run_sum};

/// MATLAB's `a:step:b`, as MATLAB computes it: the first half as `a + k * step`, the
/// second half as `b - (n - k) * step`, the middle of an even count as `(a + b) / 2`.
fn matlab_colon(a: f64, step: f64, b: f64) -> Vec<f64> {
    let n = ((b - a) / step + 1e-10).floor() as usize;
    let half = n / 2;
    let mut v: Vec<f64> = (0..=n)
        .map(|k| {
            if k < n - half {
                a + k as f64 * step
            } else {
                b - (n - k) as f64 * step
            }
        })
        .collect();
    if n % 2 == 0 {
        v[half] = (a + b) / 2.0;
    }
    v
}

/// Which way a table of the grid runs, when it is strictly monotone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Increasing,
    Decreasing,
    Unordered,
}

fn order_of(table: &[f64]) -> Order {
    if table.windows(2).all(|p| p[0] < p[1]) {
        Order::Increasing
    } else if table.windows(2).all(|p| p[0] > p[1]) {
        Order::Decreasing
    } else {
        Order::Unordered
    }
}

/// A moment ratio tabulated over the shape grid.
struct RatioTable {
    values: Vec<f64>,
    order: Order,
}

impl RatioTable {
    fn new(values: Vec<f64>) -> RatioTable {
        let order = order_of(&values);
        RatioTable { values, order }
    }

    /// MATLAB `[~, i] = min(distance(table - x))`: the first index of the smallest
    /// distance, NaN distances skipped, index 0 when all are NaN. `distance` must be even
    /// and grow with the magnitude of its argument; the table being monotone, the smallest
    /// distance lies next to where `x` would be inserted, and equal distances (ties after
    /// rounding) can only extend to the left of it.
    fn first_argmin(&self, x: f64, distance: impl Fn(f64) -> f64) -> usize {
        let t = &self.values;
        let d = |k: usize| {
            let v = distance(t[k] - x);
            if v.is_nan() { f64::INFINITY } else { v }
        };
        if x.is_nan() || t.is_empty() {
            return 0;
        }
        let p = match self.order {
            Order::Increasing => t.partition_point(|&v| v < x),
            Order::Decreasing => t.partition_point(|&v| v > x),
            Order::Unordered => {
                let mut best = 0;
                for k in 1..t.len() {
                    if d(k) < d(best) {
                        best = k;
                    }
                }
                return best;
            }
        };
        if p < t.len() && (p == 0 || d(p) < d(p - 1)) {
            return p;
        }
        let smallest = d(p - 1);
        let mut k = p - 1;
        while k > 0 && d(k - 1) == smallest {
            k -= 1;
        }
        k
    }
}

/// The shape grid and the two moment ratios over it.
struct ShapeGrid {
    /// `0.2:0.001:10`.
    shapes: Vec<f64>,
    /// AGGD: `r(g) = Gamma(2/g)^2 / (Gamma(1/g) Gamma(3/g))`.
    aggd: RatioTable,
    /// GGD: `rho(g) = Gamma(1/g) Gamma(3/g) / Gamma(2/g)^2`.
    ggd: RatioTable,
}

fn shape_grid() -> &'static ShapeGrid {
    static GRID: OnceLock<ShapeGrid> = OnceLock::new();
    GRID.get_or_init(|| {
        let shapes = matlab_colon(0.2, 0.001, 10.0);
        let g = |s: f64| [gamma(1.0 / s), gamma(2.0 / s), gamma(3.0 / s)];
        let aggd = shapes.iter().map(|&s| {
            let [g1, g2, g3] = g(s);
            g2 * g2 / (g1 * g3)
        });
        let ggd = shapes.iter().map(|&s| {
            let [g1, g2, g3] = g(s);
            (g1 * g3) / (g2 * g2)
        });
        ShapeGrid {
            aggd: RatioTable::new(aggd.collect()),
            ggd: RatioTable::new(ggd.collect()),
            shapes,
        }
    })
}

/// The gamma function.
pub fn gamma(x: f64) -> f64 {
    libm::tgamma(x)
}

/// An asymmetric generalised Gaussian fit (`estimateaggdparam`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AggdFit {
    /// Shape.
    pub alpha: f64,
    /// Root mean square of the negative samples (NaN if there is none).
    pub left_std: f64,
    /// Root mean square of the positive samples (NaN if there is none).
    pub right_std: f64,
}

/// The AGGD moments of a run of samples, each summed NumPy's way: squares of the
/// negative samples, squares of the positive ones, magnitudes, squares, and the numbers
/// of negative and positive samples.
fn aggd_run_sums(run: &[f64]) -> [f64; 6] {
    let indicator = |b: bool| if b { 1.0 } else { 0.0 };
    [
        run_sum(run, |v| if v < 0.0 { v * v } else { 0.0 }),
        run_sum(run, |v| if v > 0.0 { v * v } else { 0.0 }),
        run_sum(run, f64::abs),
        run_sum(run, |v| v * v),
        run_sum(run, |v| indicator(v < 0.0)),
        run_sum(run, |v| indicator(v > 0.0)),
    ]
}

/// Fits an asymmetric generalised Gaussian to `values` by moment matching:
/// `gammahat = left_std / right_std`, `rhat = mean(|v|)^2 / mean(v^2)`,
/// `rhatnorm = rhat (gammahat^3 + 1)(gammahat + 1) / (gammahat^2 + 1)^2`, and `alpha` the
/// first grid shape minimising `(r(alpha) - rhatnorm)^2`. Zeros count on neither side.
/// A side without samples makes its deviation NaN, and `alpha` is then the first grid
/// value, 0.2.
pub fn fit_aggd(values: &[f64]) -> AggdFit {
    let sums = pairwise_tree(values.len(), |start, len| {
        aggd_run_sums(&values[start..start + len])
    });
    aggd_from_sums(values.len(), sums)
}

/// [`fit_aggd`] of the products of each sample of a `width x height` row-major grid with
/// its neighbour after MATLAB `circshift(grid, [down, right])`, i.e. the sample at
/// `((row - down) mod height, (col - right) mod width)`, in row-major order.
pub fn fit_aggd_of_products(
    grid: &[f64],
    width: usize,
    height: usize,
    (down, right): (isize, isize),
) -> AggdFit {
    if width == 0 || height == 0 {
        return aggd_from_sums(0, [0.0; 6]);
    }
    let shift_rows = down.rem_euclid(height as isize) as usize;
    let shift_cols = right.rem_euclid(width as isize) as usize;
    let mut buffer = [0.0; RUN];
    let fill = |start: usize, out: &mut [f64]| {
        let (mut row, mut col) = (start / width, start % width);
        let mut done = 0;
        while done < out.len() {
            let run = (width - col).min(out.len() - done);
            let here = &grid[row * width + col..row * width + col + run];
            let src_row = (row + height - shift_rows) % height;
            let there = &grid[src_row * width..(src_row + 1) * width];
            // Columns from shift_cols on take the neighbours from column 0 on; the
            // first shift_cols wrap around to the end of the row.
            let dst = &mut out[done..done + run];
            let wrapped = shift_cols.saturating_sub(col).min(run);
            for (j, (o, &a)) in dst[..wrapped].iter_mut().zip(&here[..wrapped]).enumerate() {
                *o = a * there[col + j + width - shift_cols];
            }
            let first = (col + wrapped).saturating_sub(shift_cols);
            for ((o, &a), &b) in dst[wrapped..]
                .iter_mut()
                .zip(&here[wrapped..])
                .zip(&there[first..])
            {
                *o = a * b;
            }
            done += run;
            row += 1;
            col = 0;
        }
    };
    let sums = pairwise_tree(grid.len(), |start, len| {
        fill(start, &mut buffer[..len]);
        aggd_run_sums(&buffer[..len])
    });
    aggd_from_sums(grid.len(), sums)
}

/// The AGGD fit from the sums of [`aggd_run_sums`] over `n` samples.
fn aggd_from_sums(n: usize, [neg_sq, pos_sq, abs, sq, negatives, positives]: [f64; 6]) -> AggdFit {
    let n = n as f64;
    let left_std = (neg_sq / negatives).sqrt();
    let right_std = (pos_sq / positives).sqrt();
    let gammahat = left_std / right_std;
    let mean_abs = abs / n;
    let rhat = mean_abs * mean_abs / (sq / n);
    let g2 = gammahat * gammahat + 1.0;
    let rhatnorm = rhat * (gammahat.powf(3.0) + 1.0) * (gammahat + 1.0) / (g2 * g2);
    let grid = shape_grid();
    let k = grid.aggd.first_argmin(rhatnorm, |e| e * e);
    AggdFit {
        alpha: grid.shapes[k],
        left_std,
        right_std,
    }
}

/// A generalised Gaussian fit (`estimateggdparam`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GgdFit {
    /// Shape.
    pub alpha: f64,
    /// Standard deviation, `sqrt(mean(v^2))`.
    pub sigma: f64,
}

/// Fits a zero-mean generalised Gaussian to `values` by moment matching:
/// `rho = mean(v^2) / mean(|v|)^2` and `alpha` the first grid shape minimising
/// `|rho - rho(alpha)|`.
pub fn fit_ggd(values: &[f64]) -> GgdFit {
    let n = values.len() as f64;
    let [sq, abs] = pairwise_tree(values.len(), |s, n| {
        [
            run_sum(&values[s..s + n], |v| v * v),
            run_sum(&values[s..s + n], f64::abs),
        ]
    });
    let sigma_sq = sq / n;
    let e = abs / n;
    let rho = sigma_sq / (e * e);
    let grid = shape_grid();
    let k = grid.ggd.first_argmin(rho, f64::abs);
    GgdFit {
        alpha: grid.shapes[k],
        sigma: sigma_sq.sqrt(),
    }
}
