//! The small dense linear algebra NIQE needs: the unbiased covariance of feature rows and
//! the pseudo-inverse of a symmetric matrix (MATLAB / NumPy `pinv` with their cutoff,
//! through a cyclic Jacobi eigen-decomposition; for a symmetric matrix the singular
//! values are the eigenvalues' magnitudes).

/// A square matrix, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct SquareMatrix {
    /// Rows and columns.
    pub n: usize,
    /// `n * n` entries, row-major.
    pub data: Vec<f64>,
}

impl SquareMatrix {
    /// The zero matrix of size `n`.
    pub fn zeros(n: usize) -> SquareMatrix {
        SquareMatrix {
            n,
            data: vec![0.0; n * n],
        }
    }

    fn at(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.n + c]
    }
}

/// `numpy.cov(rows.T, ddof=1)`: the unbiased covariance of the columns of `rows` (each of
/// length `n`); the means and sums run down the rows in order. Needs at least two rows
/// (with fewer the entries are NaN or infinite).
pub fn covariance(rows: &[Vec<f64>], n: usize) -> SquareMatrix {
    let count = rows.len();
    let mut mean = vec![0.0; n];
    for row in rows {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    for m in &mut mean {
        *m /= count as f64;
    }
    let centred: Vec<Vec<f64>> = rows
        .iter()
        .map(|row| row.iter().zip(&mean).map(|(v, m)| v - m).collect())
        .collect();
    let factor = 1.0 / (count as f64 - 1.0);
    let mut cov = SquareMatrix::zeros(n);
    for r in 0..n {
        for c in r..n {
            let mut acc = 0.0;
            for row in &centred {
                acc += row[r] * row[c];
            }
            cov.data[r * n + c] = acc * factor;
            cov.data[c * n + r] = acc * factor;
        }
    }
    cov
}

/// Eigenvalues and eigenvectors (the columns of `vectors`, row-major) of a symmetric
/// matrix, by cyclic Jacobi rotations until every off-diagonal entry is too small to change the
/// diagonal.
fn symmetric_eigen(matrix: &SquareMatrix) -> (Vec<f64>, SquareMatrix) {
    let n = matrix.n;
    let mut a = matrix.clone();
    let mut v = SquareMatrix::zeros(n);
    for i in 0..n {
        v.data[i * n + i] = 1.0;
    }
    for _sweep in 0..64 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let apq = a.at(p, q);
                if apq == 0.0 {
                    continue;
                }
                // An entry too small to change either diagonal entry is dropped.
                let g = 100.0 * apq.abs();
                if a.at(p, p).abs() + g == a.at(p, p).abs()
                    && a.at(q, q).abs() + g == a.at(q, q).abs()
                {
                    a.data[p * n + q] = 0.0;
                    a.data[q * n + p] = 0.0;
                    continue;
                }
                rotated = true;
                let theta = (a.at(q, q) - a.at(p, p)) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a.at(k, p), a.at(k, q));
                    a.data[k * n + p] = c * akp - s * akq;
                    a.data[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a.at(p, k), a.at(q, k));
                    a.data[p * n + k] = c * apk - s * aqk;
                    a.data[q * n + k] = s * apk + c * aqk;
                }
                a.data[p * n + q] = 0.0;
                a.data[q * n + p] = 0.0;
                for k in 0..n {
                    let (vkp, vkq) = (v.at(k, p), v.at(k, q));
                    v.data[k * n + p] = c * vkp - s * vkq;
                    v.data[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
        if !rotated {
            break;
        }
    }
    ((0..n).map(|i| a.at(i, i)).collect(), v)
}

/// The distance from `x` to the next larger double (`numpy.spacing` for `x >= 0`).
fn spacing(x: f64) -> f64 {
    f64::from_bits(x.to_bits() + 1) - x
}

/// `numpy.linalg.pinv` of a symmetric matrix with MATLAB's cutoff: singular values at or
/// below `n * spacing(largest singular value)` are treated as zero.
pub fn pinv_symmetric(matrix: &SquareMatrix) -> SquareMatrix {
    let n = matrix.n;
    let (values, vectors) = symmetric_eigen(matrix);
    let largest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let tol = n as f64 * spacing(largest);
    let inverse: Vec<f64> = values
        .iter()
        .map(|&l| if l.abs() > tol { 1.0 / l } else { 0.0 })
        .collect();
    let mut out = SquareMatrix::zeros(n);
    for r in 0..n {
        for c in 0..n {
            let mut acc = 0.0;
            for (k, &inv) in inverse.iter().enumerate() {
                acc += vectors.at(r, k) * inv * vectors.at(c, k);
            }
            out.data[r * n + c] = acc;
        }
    }
    out
}

/// The quadratic form `x' M x`, computed as `(x' M) x`.
pub fn quadratic_form(matrix: &SquareMatrix, x: &[f64]) -> f64 {
    let n = matrix.n;
    (0..n)
        .map(|c| (0..n).map(|r| x[r] * matrix.at(r, c)).sum::<f64>() * x[c])
        .sum()
}
