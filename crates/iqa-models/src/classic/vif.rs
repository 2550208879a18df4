//! Visual information fidelity in the wavelet domain (Sheikh and Bovik, "Image information
//! and visual quality", IEEE TIP 2006), as their `vifvec.m` computes it: a 4-level sp5
//! steerable pyramid ([`super::steerable_sp5`], `reflect1` borders), of which the
//! orientations 4 and 1 of every level are used (`subbands = [4 7 10 13 16 19 22 25]`),
//! a Gaussian scale mixture on 3x3 neighbourhoods of the reference subbands and a gain +
//! additive-noise distortion channel estimated over `(2^lev + 1)`-wide windows.
//!
//! The input is the 8-bit luma on 0..255 ([`super::RgbPlanes::rgb2gray_u8`]).

use super::correlate::Border;
use super::steerable_sp5::oriented_bands;
use super::vif_gsm::{Gsm, reference_gsm};
use super::{ClassicError, Plane};

const METRIC: &str = "vif";
const LEVELS: usize = 4;
/// Neighbourhood (block) side of the scale mixture.
const M: usize = 3;
const SIGMA_NSQ: f64 = 0.4;
const TOL: f64 = 1e-15;
/// Of the six orientations, the 4th and the 1st.
const ORIENTATIONS_USED: [usize; 2] = [3, 0];
/// The smallest side for which every subband keeps at least one block after vifvec drops
/// the border blocks: the coarsest band (side `ceil(n / 8)`) needs 3 blocks of 3.
const MIN_SIDE: usize = 65;

/// VIF of `distorted` against `reference` (8-bit luma on 0..255, same size, at least
/// 65x65): 1 for identical images, lower for information lost, above 1 for contrast
/// enhancement.
pub fn vif(reference: &Plane, distorted: &Plane) -> Result<f64, ClassicError> {
    reference.check_same_size(METRIC, distorted)?;
    reference.check_min(
        METRIC,
        (MIN_SIDE, MIN_SIDE),
        "the coarsest of the 4 pyramid levels must keep a 3x3 block inside its 1-block border",
    )?;
    let ref_bands = oriented_bands(reference, LEVELS, &ORIENTATIONS_USED);
    let dist_bands = oriented_bands(distorted, LEVELS, &ORIENTATIONS_USED);
    let mut num = 0.0;
    let mut den = 0.0;
    // Coarsest level first, as vifvec orders its subbands.
    for level in (0..LEVELS).rev() {
        let lev = LEVELS - level;
        let winsize = (1usize << lev) + 1;
        let offset = (winsize - 1).div_ceil(2 * M);
        for k in 0..ORIENTATIONS_USED.len() {
            let c = crop_to_blocks(&ref_bands[level][k]);
            let d = crop_to_blocks(&dist_bands[level][k]);
            let channel = channel_params(&c, &d, winsize);
            let Gsm { s, lambdas } = reference_gsm(&c).ok_or_else(|| ClassicError::Undefined {
                metric: METRIC,
                reason: format!(
                    "the covariance of the 3x3 neighbourhoods of reference subband (level {}, orientation {}) is singular (a flat subband)",
                    level + 1,
                    ORIENTATIONS_USED[k] + 1
                ),
            })?;
            let (bw, bh) = (c.width() / M, c.height() / M);
            for row in offset..bh.saturating_sub(offset) {
                for col in offset..bw.saturating_sub(offset) {
                    let i = row * bw + col;
                    let (g, vv, s) = (channel.g[i], channel.vv[i], s[i]);
                    // The sum over the eigenvalues of log2(1 + ...) as the log2 of one
                    // product (the factors are at least 1 and few, so it cannot overflow).
                    let mut num_product = 1.0;
                    let mut den_product = 1.0;
                    for &lam in &lambdas {
                        num_product *= 1.0 + g * g * s * lam / (vv + SIGMA_NSQ);
                        den_product *= 1.0 + s * lam / SIGMA_NSQ;
                    }
                    num += num_product.log2();
                    den += den_product.log2();
                }
            }
        }
    }
    let ratio = num / den;
    if !ratio.is_finite() {
        return Err(ClassicError::Undefined {
            metric: METRIC,
            reason: format!(
                "the reference carries no information (information sums {num} / {den})"
            ),
        });
    }
    Ok(ratio)
}

/// The band cut to whole blocks (top-left kept).
fn crop_to_blocks(band: &Plane) -> Plane {
    let (w, h) = (band.width() / M * M, band.height() / M * M);
    Plane::from_fn(w, h, |r, c| band.at(r, c))
}

/// Gain and noise variance of the distortion channel, one per block.
struct Channel {
    g: Vec<f64>,
    vv: Vec<f64>,
}

/// `vifsub_est_M`: local statistics over `winsize x winsize` windows (`reflect1`
/// borders) at the centres of the 3x3 blocks.
fn channel_params(c: &Plane, d: &Plane, winsize: usize) -> Channel {
    let n = (winsize * winsize) as f64;
    let sums = block_centre_window_sums(c, d, winsize);
    let mut g = Vec::with_capacity(sums.len());
    let mut vv = Vec::with_capacity(sums.len());
    for [sx, sy, sxy, sxx, syy] in sums {
        let mean_x = sx / n;
        let mean_y = sy / n;
        let cov_xy = sxy - n * mean_x * mean_y;
        let ss_x = (sxx - n * mean_x * mean_x).max(0.0);
        let ss_y = (syy - n * mean_y * mean_y).max(0.0);
        let mut gain = cov_xy / (ss_x + TOL);
        let mut noise = (ss_y - gain * cov_xy) / n;
        if ss_x < TOL {
            gain = 0.0;
            noise = ss_y;
        }
        if ss_y < TOL {
            gain = 0.0;
            noise = 0.0;
        }
        if gain < 0.0 {
            noise = ss_y;
            gain = 0.0;
        }
        if noise <= TOL {
            noise = TOL;
        }
        g.push(gain);
        vv.push(noise);
    }
    Channel { g, vv }
}

/// For every block centre (rows and columns 1, 4, 7, ...), the window sums of
/// `c`, `d`, `c d`, `c^2` and `d^2` (reflected borders). Centres are 3 apart, so a window
/// is summed from whole groups of 3 rows (then columns) shared with its neighbours, plus
/// the rows (columns) left over.
fn block_centre_window_sums(c: &Plane, d: &Plane, winsize: usize) -> Vec<[f64; 5]> {
    let (w, h) = (c.width(), c.height());
    let first = (M / 2) as isize - (winsize / 2) as isize;
    let (groups, rest) = (winsize / M, winsize % M);
    let (block_rows, block_cols) = (h / M, w / M);
    let row_of = |i: isize| Border::Reflect.source(i, h).unwrap_or(0);
    let col_of = |i: isize| Border::Reflect.source(i, w).unwrap_or(0);
    // Five sums side by side, each `w` long.
    let add_row = |acc: &mut [f64], src: usize| {
        let (x, y) = (c.row(src), d.row(src));
        let (s0, tail) = acc.split_at_mut(w);
        let (s1, tail) = tail.split_at_mut(w);
        let (s2, tail) = tail.split_at_mut(w);
        let (s3, s4) = tail.split_at_mut(w);
        for (a, &x) in s0.iter_mut().zip(x) {
            *a += x;
        }
        for (a, &y) in s1.iter_mut().zip(y) {
            *a += y;
        }
        for ((a, &x), &y) in s2.iter_mut().zip(x).zip(y) {
            *a += x * y;
        }
        for (a, &x) in s3.iter_mut().zip(x) {
            *a += x * x;
        }
        for (a, &y) in s4.iter_mut().zip(y) {
            *a += y * y;
        }
    };
    let group_rows = |g: &mut [f64], m: usize| {
        g.fill(0.0);
        for t in 0..M {
            add_row(g, row_of(first + (M * m + t) as isize));
        }
    };
    // The groups of rows of the current window, in a ring.
    let mut ring = vec![0.0; groups * 5 * w];
    for (m, g) in ring.chunks_exact_mut(5 * w).enumerate() {
        group_rows(g, m);
    }
    let mut column_sums = vec![0.0; 5 * w];
    let col_groups = block_cols + groups;
    let mut col_group_sums = vec![[0.0; 5]; col_groups];
    let mut out = Vec::with_capacity(block_rows * block_cols);
    for i in 0..block_rows {
        if i > 0 {
            let m = i + groups - 1;
            group_rows(&mut ring[(m % groups) * 5 * w..(m % groups + 1) * 5 * w], m);
        }
        column_sums.fill(0.0);
        for g in ring.chunks_exact(5 * w) {
            for (a, v) in column_sums.iter_mut().zip(g) {
                *a += v;
            }
        }
        for t in 0..rest {
            add_row(
                &mut column_sums,
                row_of(first + (M * (i + groups) + t) as isize),
            );
        }
        let at = |col: usize| -> [f64; 5] { std::array::from_fn(|k| column_sums[k * w + col]) };
        for (m, g) in col_group_sums.iter_mut().enumerate() {
            *g = [0.0; 5];
            for t in 0..M {
                let v = at(col_of(first + (M * m + t) as isize));
                for (a, v) in g.iter_mut().zip(v) {
                    *a += v;
                }
            }
        }
        for j in 0..block_cols {
            let mut acc = [0.0; 5];
            for g in &col_group_sums[j..j + groups] {
                for (a, v) in acc.iter_mut().zip(g) {
                    *a += v;
                }
            }
            for t in 0..rest {
                let v = at(col_of(first + (M * (j + groups) + t) as isize));
                for (a, v) in acc.iter_mut().zip(v) {
                    *a += v;
                }
            }
            out.push(acc);
        }
    }
    out
}
