//! The Gaussian scale mixture VIF fits to a reference subband (`refparams_vecgsm` of
//! `vifvec.m`): the covariance `C_U` of the 9-vectors of all overlapping 3x3
//! neighbourhoods (mean removed, divided by their count), its eigenvalues, and for every
//! non-overlapping 3x3 block `u` the multiplier estimate `s = u^T C_U^-1 u / 9`.
//!
//! The 45 distinct entries of `C_U` are sums of products of the subband with itself
//! shifted by at most 2 rows and columns; they are computed from the 13 distinct shifts,
//! each product formed once and its sum split into the interior and the few border rows
//! and columns that the 3x3 offsets include or leave out.

use super::Plane;
use super::small_linalg::{inverse, symmetric_eigenvalues};

/// Block side.
const M: usize = 3;
/// Entries of a block vector; entry `j * 3 + k` is the sample at row offset `k`, column
/// offset `j` (MATLAB's column-major order).
const E: usize = M * M;

/// The scale mixture of one subband.
pub struct Gsm {
    /// `s` of every non-overlapping block, row-major over the blocks.
    pub s: Vec<f64>,
    /// The eigenvalues of `C_U`.
    pub lambdas: [f64; E],
}

/// The scale mixture of `band` (cut to whole 3x3 blocks, at least 5x5), or `None` when
/// `C_U` is singular.
#[allow(clippy::needless_range_loop)] // (k, j) offsets index both the totals and the vectors
pub fn reference_gsm(band: &Plane) -> Option<Gsm> {
    let (w, h) = (band.width(), band.height());
    if w < 5 || h < 5 {
        return None;
    }
    let count = ((h - 2) * (w - 2)) as f64;
    let sums = window_totals(band, None);
    let mean: [f64; E] = std::array::from_fn(|e| sums[e % M][e / M] / count);
    let mut cu = [[0.0; E]; E];
    for dk in 0..M {
        for dj in -(M as isize - 1)..M as isize {
            if dk == 0 && dj < 0 {
                continue;
            }
            let totals = window_totals(band, Some((dk, dj)));
            for k1 in 0..M - dk {
                for j1 in 0..M {
                    let j2 = j1 as isize + dj;
                    if !(0..M as isize).contains(&j2) {
                        continue;
                    }
                    let e1 = j1 * M + k1;
                    let e2 = j2 as usize * M + k1 + dk;
                    let v = totals[k1][j1] / count - mean[e1] * mean[e2];
                    cu[e1][e2] = v;
                    cu[e2][e1] = v;
                }
            }
        }
    }
    let inv = inverse(&cu)?;
    let lambdas = symmetric_eigenvalues(&cu);
    // u^T A u for the symmetric A = C_U^-1 from its upper triangle.
    let inv_sym: [[f64; E]; E] =
        std::array::from_fn(|p| std::array::from_fn(|q| 0.5 * (inv[p][q] + inv[q][p])));
    let mut s = Vec::with_capacity((h / M) * (w / M));
    for bi in 0..h / M {
        for bj in 0..w / M {
            let u: [f64; E] = std::array::from_fn(|e| band.at(bi * M + e % M, bj * M + e / M));
            let mut quad = 0.0;
            for p in 0..E {
                let mut t = 0.5 * inv_sym[p][p] * u[p];
                for q in p + 1..E {
                    t += inv_sym[p][q] * u[q];
                }
                quad += t * u[p];
            }
            s.push(2.0 * quad / E as f64);
        }
    }
    Some(Gsm { s, lambdas })
}

/// `totals[k][j]`: the sum over the `(h - 2) x (w - 2)` window positions `(y, x)` of
/// `c[y + k][x + j] * c[y + k + dk][x + j + dj]` for `shift = Some((dk, dj))`, of just
/// `c[y + k][x + j]` for `None`. Entries whose second sample would leave the band are
/// meaningless.
fn window_totals(c: &Plane, shift: Option<(usize, isize)>) -> [[f64; M]; M] {
    let (w, h) = (c.width(), c.height());
    let single = shift.is_none();
    let (dk, dj) = shift.unwrap_or((0, 0));
    let value = |u: usize, v: usize| -> f64 {
        let v2 = v as isize + dj;
        if single {
            c.at(u, v)
        } else if u + dk < h && (0..w as isize).contains(&v2) {
            c.at(u, v) * c.at(u + dk, v2 as usize)
        } else {
            0.0
        }
    };
    // Per row: the sums over the column ranges [j, j + w - 3] for j = 0, 1, 2.
    let row_sums = |u: usize| -> [f64; M] {
        if u + dk >= h {
            return [0.0; M];
        }
        let a = &c.row(u)[2..w - 2];
        let core = if single {
            a.iter().sum::<f64>()
        } else {
            let start = (2 + dj) as usize;
            dot(a, &c.row(u + dk)[start..start + a.len()])
        };
        let (e0, e1, e2, e3) = (value(u, 0), value(u, 1), value(u, w - 2), value(u, w - 1));
        [e0 + e1 + core, e1 + core + e2, core + e2 + e3]
    };
    let mut core = [0.0; M];
    for u in 2..h - 2 {
        for (acc, v) in core.iter_mut().zip(row_sums(u)) {
            *acc += v;
        }
    }
    let (r0, r1, r2, r3) = (row_sums(0), row_sums(1), row_sums(h - 2), row_sums(h - 1));
    std::array::from_fn(|k| {
        std::array::from_fn(|j| match k {
            0 => r0[j] + r1[j] + core[j],
            1 => r1[j] + core[j] + r2[j],
            _ => core[j] + r2[j] + r3[j],
        })
    })
}

/// The dot product of two equally long slices, in four interleaved partial sums.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..4 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}
