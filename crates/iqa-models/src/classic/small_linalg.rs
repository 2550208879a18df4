//! Dense linear algebra on small fixed-size matrices (the 9x9 covariance of VIF's
//! Gaussian scale mixture): the inverse by LU factorisation with partial pivoting (as
//! LAPACK's `dgesv`, which `numpy.linalg.inv` calls) and the eigenvalues of a symmetric
//! matrix by cyclic Jacobi rotations (accurate to rounding, like `numpy.linalg.eigvalsh`).

/// The inverse of `a`, or `None` when a pivot is exactly zero (a singular matrix, where
/// `numpy.linalg.inv` raises) or the result is not finite.
#[allow(clippy::needless_range_loop)] // matrix code reads best with indices
pub fn inverse<const N: usize>(a: &[[f64; N]; N]) -> Option<[[f64; N]; N]> {
    let mut lu = *a;
    let mut perm: [usize; N] = std::array::from_fn(|i| i);
    for col in 0..N {
        let pivot = (col..N).max_by(|&i, &j| lu[i][col].abs().total_cmp(&lu[j][col].abs()))?;
        if lu[pivot][col] == 0.0 {
            return None;
        }
        lu.swap(col, pivot);
        perm.swap(col, pivot);
        for row in col + 1..N {
            let factor = lu[row][col] / lu[col][col];
            lu[row][col] = factor;
            for k in col + 1..N {
                lu[row][k] -= factor * lu[col][k];
            }
        }
    }
    let mut inv = [[0.0; N]; N];
    for unit in 0..N {
        // Solve L U x = P e_unit.
        let mut x: [f64; N] = std::array::from_fn(|i| if perm[i] == unit { 1.0 } else { 0.0 });
        for i in 0..N {
            for k in 0..i {
                x[i] -= lu[i][k] * x[k];
            }
        }
        for i in (0..N).rev() {
            for k in i + 1..N {
                x[i] -= lu[i][k] * x[k];
            }
            x[i] /= lu[i][i];
        }
        for (row, v) in inv.iter_mut().zip(x) {
            row[unit] = v;
        }
    }
    inv.iter().flatten().all(|v| v.is_finite()).then_some(inv)
}

/// The eigenvalues of the symmetric matrix `a` (only its upper triangle is read), in
/// ascending order.
#[allow(clippy::needless_range_loop)] // matrix code reads best with indices
pub fn symmetric_eigenvalues<const N: usize>(a: &[[f64; N]; N]) -> [f64; N] {
    let mut m = *a;
    for i in 0..N {
        for j in 0..i {
            m[i][j] = m[j][i];
        }
    }
    let scale: f64 = m.iter().flatten().map(|v| v * v).sum::<f64>().sqrt();
    for _sweep in 0..64 {
        let off: f64 = (0..N)
            .flat_map(|i| (i + 1..N).map(move |j| (i, j)))
            .map(|(i, j)| m[i][j] * m[i][j])
            .sum::<f64>()
            .sqrt();
        if off <= f64::EPSILON * 1e-3 * scale || off == 0.0 {
            break;
        }
        for p in 0..N {
            for q in p + 1..N {
                if m[p][q] == 0.0 {
                    continue;
                }
                // The rotation that zeroes m[p][q] (Golub and Van Loan, algorithm 8.4.1).
                let theta = (m[q][q] - m[p][p]) / (2.0 * m[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..N {
                    let (mkp, mkq) = (m[k][p], m[k][q]);
                    m[k][p] = c * mkp - s * mkq;
                    m[k][q] = s * mkp + c * mkq;
                }
                for k in 0..N {
                    let (mpk, mqk) = (m[p][k], m[q][k]);
                    m[p][k] = c * mpk - s * mqk;
                    m[q][k] = s * mpk + c * mqk;
                }
            }
        }
    }
    let mut values: [f64; N] = std::array::from_fn(|i| m[i][i]);
    values.sort_by(f64::total_cmp);
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn inverse_and_eigenvalues_of_a_known_matrix() {
        let a = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 2.0]];
        let inv = inverse(&a).unwrap_or([[f64::NAN; 3]; 3]);
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| a[i][k] * inv[k][j]).sum();
                assert!((v - f64::from(u8::from(i == j))).abs() < 1e-14);
            }
        }
        let ev = symmetric_eigenvalues(&a);
        let trace: f64 = ev.iter().sum();
        assert!((trace - 9.0).abs() < 1e-13);
        for l in ev {
            // det(a - l I) = 0
            let b = [
                [a[0][0] - l, a[0][1], a[0][2]],
                [a[1][0], a[1][1] - l, a[1][2]],
                [a[2][0], a[2][1], a[2][2] - l],
            ];
            let det = b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1])
                - b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0])
                + b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0]);
            assert!(det.abs() < 1e-12, "{det}");
        }
        assert!(inverse(&[[1.0, 2.0], [2.0, 4.0]]).is_none());
    }
}
