//! Mean-subtracted contrast-normalised (MSCN) coefficients, the first step of NIQE,
//! BRISQUE and PIQE, as their MATLAB code computes them (transcribed from `mscn` of
//! `tests/fixtures/classic/nr_reference.py`): with `G` the 7x7 Gaussian window of
//! standard deviation 7/6 (`fspecial('gaussian', 7, 7/6)`), `mu = G * I`,
//! `sigma = sqrt(|G * I^2 - mu^2|)` and `MSCN = (I - mu) / (sigma + 1)` on the 0..255
//! scale.
//!
//! The window is separable, so it runs as two 7-tap passes, streaming over the rows;
//! the sums differ from the reference's 2-D filter only in rounding, except where that
//! rounding could decide the sign of `I - mu` (the fits count negative and positive
//! coefficients): there the 2-D sum is formed as the reference forms it.
//!
//! Where a pixel's 7x7 window (padding included) holds a single value `c`, `mu = c` and
//! `G * I^2 = c^2` are used exactly, so the coefficient is exactly 0: filtering leaves a
//! residue of a few ulps there whose sign depends on the order of the additions, and the
//! fits would follow that residue. This departs from MATLAB on images with flat areas, as
//! the NumPy reference does.

use super::Plane;
use super::pairwise_sum::pairwise_sum;

/// Window radius: the window is 7x7.
const RADIUS: usize = 3;
/// Window side.
const SIDE: usize = 2 * RADIUS + 1;
/// `|I - mu|` at or below this fraction of the largest magnitude in the window's rows is
/// re-summed the reference's way (the separable filter's rounding is below 1e-13 of it).
const AMBIGUOUS: f64 = 1e-9;

/// How the filters see beyond the image border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// The border pixel repeated (`imfilter(..., 'replicate')`, `imgaussfilt`).
    Replicate,
    /// Zeros (`filter2(window, image, 'same')`).
    Zero,
}

/// Gaussian weights `exp(-r^2 / (2 sigma^2))`, `sigma = 7/6`, at squared distance `r2`.
fn gaussian(r2: f64) -> f64 {
    let sigma = 7.0 / 6.0;
    (-r2 / (2.0 * sigma * sigma)).exp()
}

/// The normalised 1-D Gaussian whose outer product with itself is the 7x7 window (up to
/// rounding).
fn gaussian_taps() -> [f64; SIDE] {
    let mut taps: [f64; SIDE] = std::array::from_fn(|i| {
        let x = i as f64 - RADIUS as f64;
        gaussian(x * x)
    });
    let sum = pairwise_sum(&taps);
    for t in &mut taps {
        *t /= sum;
    }
    taps
}

/// The 7x7 window as the authors compute it: divided by its sum, then once more by the
/// new sum; row-major.
fn gaussian_window() -> [f64; SIDE * SIDE] {
    let mut window: [f64; SIDE * SIDE] = std::array::from_fn(|i| {
        let (y, x) = (
            (i / SIDE) as f64 - RADIUS as f64,
            (i % SIDE) as f64 - RADIUS as f64,
        );
        gaussian(x * x + y * y)
    });
    for _ in 0..2 {
        let sum = pairwise_sum(&window);
        for v in &mut window {
            *v /= sum;
        }
    }
    window
}

/// `out[x] = sum_k taps[k] * src[x + k]`, for `x` in `0..out.len()`, `k` ascending.
fn filter_row(taps: &[f64; SIDE], src: &[f64], out: &mut [f64]) {
    let n = out.len();
    let s: [&[f64]; SIDE] = std::array::from_fn(|k| &src[k..k + n]);
    weighted_sum(taps, &s, out);
}

/// `out[x] = sum_k taps[k] * rows[k][x]`, `k` ascending; every row as long as `out`.
#[inline]
fn weighted_sum(taps: &[f64; SIDE], rows: &[&[f64]; SIDE], out: &mut [f64]) {
    let n = out.len();
    let [r0, r1, r2, r3, r4, r5, r6] = rows.map(|r| &r[..n]);
    let [t0, t1, t2, t3, t4, t5, t6] = *taps;
    for x in 0..n {
        out[x] = t0 * r0[x]
            + t1 * r1[x]
            + t2 * r2[x]
            + t3 * r3[x]
            + t4 * r4[x]
            + t5 * r5[x]
            + t6 * r6[x];
    }
}

/// Tracks, row by row of the padded image, which 7x7 windows hold a single value.
///
/// Along a padded row, `row_flat` tells whether the 7 samples from a position on are
/// equal. Down each column, `links`
/// counts the consecutive rows whose 7-sample window is constant and whose centre equals
/// the row above's; the 7x7 window is constant when the last six rows are linked.
struct ConstantWindows {
    row_flat: Vec<bool>,
    prev_row_flat: Vec<bool>,
    links: Vec<u8>,
}

impl ConstantWindows {
    fn new(width: usize) -> ConstantWindows {
        ConstantWindows {
            row_flat: vec![false; width],
            prev_row_flat: vec![false; width],
            links: vec![0; width],
        }
    }

    /// Adds the next padded row (`prev` the one above, if any).
    fn push(&mut self, row: &[f64], prev: Option<&[f64]>) {
        std::mem::swap(&mut self.row_flat, &mut self.prev_row_flat);
        let w = self.row_flat.len();
        for (x, flat) in self.row_flat.iter_mut().enumerate() {
            let win = &row[x..x + SIDE];
            *flat = win[1..].iter().all(|&v| v == win[0]);
        }
        match prev {
            Some(prev) => {
                let (centres, above) = (&row[RADIUS..RADIUS + w], &prev[RADIUS..RADIUS + w]);
                for x in 0..w {
                    let linked =
                        self.row_flat[x] & self.prev_row_flat[x] & (centres[x] == above[x]);
                    self.links[x] = if linked {
                        (self.links[x] + 1).min(SIDE as u8)
                    } else {
                        0
                    };
                }
            }
            None => self.links.fill(0),
        }
    }

    /// Whether the window centred `RADIUS` rows above the last row pushed, at column `x`,
    /// is constant.
    fn is_flat(&self, x: usize) -> bool {
        usize::from(self.links[x]) + 1 >= SIDE
    }
}

/// The MSCN coefficients of `image` (0..255 scale) with the given border handling.
pub fn mscn(image: &Plane, padding: Padding) -> Plane {
    let (w, h) = (image.width(), image.height());
    let mut out = Plane::zeros(w, h);
    mscn_rows(
        w,
        h,
        padding,
        |r, dst| dst.copy_from_slice(image.row(r)),
        |y, row| out.data_mut()[y * w..(y + 1) * w].copy_from_slice(row),
    );
    out
}

/// The MSCN coefficients of a `width x height` image given row by row, `source(r, dst)`
/// writing row `r` into `dst` (rows are asked for in non-decreasing order, some more than
/// once), handed to `sink(y, row)` row by row, top to bottom, without storing the image.
pub fn mscn_rows(
    width: usize,
    height: usize,
    padding: Padding,
    mut source: impl FnMut(usize, &mut [f64]),
    mut sink: impl FnMut(usize, &[f64]),
) {
    let (w, h) = (width, height);
    if w == 0 || h == 0 {
        return;
    }
    let taps = gaussian_taps();
    let mut window = None;
    let pw = w + 2 * RADIUS;

    // The last SIDE padded rows, the largest magnitude in each, and I and I^2 filtered
    // along them; padded row `pr` sits in slot `pr % SIDE`.
    let mut rows = vec![0.0; SIDE * pw];
    let mut largest = [0.0f64; SIDE];
    let mut squares = vec![0.0; pw];
    let mut row_mu = vec![0.0; SIDE * w];
    let mut row_mu2 = vec![0.0; SIDE * w];
    let mut constant = ConstantWindows::new(w);
    let (mut mu, mut mu2) = (vec![0.0; w], vec![0.0; w]);
    let mut centre = vec![0.0; w];
    let mut out = vec![0.0; w];
    for pr in 0..h + 2 * RADIUS {
        let slot = pr % SIDE;
        {
            let dst = &mut rows[slot * pw..(slot + 1) * pw];
            let src_row = match padding {
                Padding::Replicate => Some(pr.saturating_sub(RADIUS).min(h - 1)),
                Padding::Zero => (RADIUS..RADIUS + h).contains(&pr).then(|| pr - RADIUS),
            };
            dst.fill(0.0);
            if let Some(r) = src_row {
                source(r, &mut dst[RADIUS..RADIUS + w]);
                if padding == Padding::Replicate {
                    let (first, last) = (dst[RADIUS], dst[RADIUS + w - 1]);
                    dst[..RADIUS].fill(first);
                    dst[RADIUS + w..].fill(last);
                }
            }
            largest[slot] = dst.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        }
        let row = &rows[slot * pw..(slot + 1) * pw];
        for (s, &v) in squares.iter_mut().zip(row) {
            *s = v * v;
        }
        filter_row(&taps, row, &mut row_mu[slot * w..(slot + 1) * w]);
        filter_row(&taps, &squares, &mut row_mu2[slot * w..(slot + 1) * w]);
        let prev = (pr > 0).then(|| {
            let p = (pr - 1) % SIDE;
            &rows[p * pw..(p + 1) * pw]
        });
        constant.push(row, prev);
        if pr + 1 < SIDE {
            continue;
        }

        // Output row y: the padded rows y .. y + 6 are in the ring, y + 3 is its centre.
        let y = pr + 1 - SIDE;
        let slots: [usize; SIDE] = std::array::from_fn(|k| (y + k) % SIDE);
        filter_row_down(&taps, &row_mu, w, &slots, &mut mu);
        filter_row_down(&taps, &row_mu2, w, &slots, &mut mu2);
        let c = slots[RADIUS];
        centre.copy_from_slice(&rows[c * pw + RADIUS..c * pw + RADIUS + w]);
        let ambiguous = AMBIGUOUS * largest.iter().fold(0.0f64, |m, &v| m.max(v));
        for x in 0..w {
            let v = centre[x];
            if constant.is_flat(x) {
                (mu[x], mu2[x]) = (v, v * v);
            } else if (v - mu[x]).abs() <= ambiguous {
                let window = window.get_or_insert_with(gaussian_window);
                (mu[x], mu2[x]) = exact_means(&rows, pw, &slots, x, window);
            }
        }
        for (((d, &v), &m), &m2) in out.iter_mut().zip(&centre).zip(&mu).zip(&mu2) {
            let sigma = (m2 - m * m).abs().sqrt();
            *d = (v - m) / (sigma + 1.0);
        }
        sink(y, &out);
    }
}

/// The vertical pass: `out[x] = sum_k taps[k] * filtered[slots[k]][x]`.
fn filter_row_down(
    taps: &[f64; SIDE],
    filtered: &[f64],
    w: usize,
    slots: &[usize; SIDE],
    out: &mut [f64],
) {
    let rows: [&[f64]; SIDE] = std::array::from_fn(|k| &filtered[slots[k] * w..(slots[k] + 1) * w]);
    weighted_sum(taps, &rows, out);
}

/// `G * I` and `G * I^2` at column `col` of the output row whose window rows are in
/// `slots`, as the reference's 2-D filter forms them: the 49 products added one by one,
/// row by row of the window.
fn exact_means(
    rows: &[f64],
    pw: usize,
    slots: &[usize; SIDE],
    col: usize,
    window: &[f64; SIDE * SIDE],
) -> (f64, f64) {
    let (mut mu, mut mu2) = (0.0, 0.0);
    for (dy, &slot) in slots.iter().enumerate() {
        let src = &rows[slot * pw + col..slot * pw + col + SIDE];
        for (&wt, &v) in window[dy * SIDE..(dy + 1) * SIDE].iter().zip(src) {
            mu += wt * v;
            mu2 += wt * (v * v);
        }
    }
    (mu, mu2)
}
