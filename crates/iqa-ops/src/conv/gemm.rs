//! A safe wrapper around the `gemm` crate's matrix product (the kernels candle itself uses
//! for CPU matmul): every slice length is checked against the shapes and strides before the
//! one unsafe call, so no caller can make it read or write out of bounds.

#![allow(unsafe_code)]

/// A row-major or transposed view of a matrix in a slice: element (i, j) is at
/// `i * row_stride + j * col_stride`.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The elements.
    pub data: &'a [f32],
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Distance between rows.
    pub row_stride: usize,
    /// Distance between columns.
    pub col_stride: usize,
}

impl<'a> View<'a> {
    /// A row-major `rows x cols` matrix.
    pub fn rows(data: &'a [f32], rows: usize, cols: usize) -> View<'a> {
        View {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// Columns `col0..col0 + cols` of a row-major matrix whose rows are `row_stride` apart.
    pub fn columns(
        data: &'a [f32],
        rows: usize,
        row_stride: usize,
        col0: usize,
        cols: usize,
    ) -> View<'a> {
        View {
            data: data.get(col0..).unwrap_or(&[]),
            rows,
            cols,
            row_stride,
            col_stride: 1,
        }
    }

    /// The transpose of this view (no copy).
    pub fn t(self) -> View<'a> {
        View {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// The highest index the view touches, plus one (0 when empty).
    fn extent(&self) -> usize {
        if self.rows == 0 || self.cols == 0 {
            0
        } else {
            (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride + 1
        }
    }
}

/// `out = lhs x rhs` (or `out += lhs x rhs` when `accumulate`), `out` row-major
/// `lhs.rows x rhs.cols`. `threads` > 1 lets gemm split the product over rayon's pool.
///
/// Returns an error message when the shapes disagree or a slice is too short.
pub fn matmul(
    out: &mut [f32],
    lhs: View,
    rhs: View,
    accumulate: bool,
    threads: usize,
) -> Result<(), String> {
    matmul_into(out, rhs.cols, lhs, rhs, accumulate, threads)
}

/// [`matmul`] into the first `rhs.cols` columns of `out`, whose rows are `out_stride`
/// elements apart (a column block of a wider row-major matrix).
pub fn matmul_into(
    out: &mut [f32],
    out_stride: usize,
    lhs: View,
    rhs: View,
    accumulate: bool,
    threads: usize,
) -> Result<(), String> {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    let out_extent = if m == 0 || n == 0 {
        0
    } else {
        (m - 1) * out_stride + n
    };
    if rhs.rows != k {
        return Err(format!(
            "matmul: lhs is {m}x{k} but rhs is {}x{n}",
            rhs.rows
        ));
    }
    if lhs.data.len() < lhs.extent()
        || rhs.data.len() < rhs.extent()
        || out.len() < out_extent
        || (m > 1 && out_stride < n)
    {
        return Err(format!(
            "matmul: buffers too short or overlapping for {m}x{k} x {k}x{n}, output rows {out_stride} apart (lhs {}, rhs {}, out {})",
            lhs.data.len(),
            rhs.data.len(),
            out.len()
        ));
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        if !accumulate {
            for row in out.chunks_mut(out_stride.max(1)).take(m) {
                row[..n].fill(0.0);
            }
        }
        return Ok(());
    }
    let parallelism = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the checks above guarantee that every (i, j) the product reads, i < m, j < k
    // of lhs and i < k, j < n of rhs, lies within its slice (extent), and that the m x n
    // destination, rows `out_stride` >= n apart (so no two elements coincide), lies within
    // `out`. Strides are below isize::MAX because they
    // index existing slices. `out` is borrowed mutably, so nothing else aliases it, and
    // gemm does not keep the pointers after returning.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            out_stride as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn naive(a: &View, b: &View) -> Vec<f32> {
        let mut out = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                for p in 0..a.cols {
                    out[i * b.cols + j] += a.data[i * a.row_stride + p * a.col_stride]
                        * b.data[p * b.row_stride + j * b.col_stride];
                }
            }
        }
        out
    }

    #[test]
    fn products_and_transposes_match_the_definition() {
        let a: Vec<f32> = (0..35).map(|v| (v as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..77).map(|v| (v as f32 * 0.11).cos()).collect();
        let (va, vb) = (View::rows(&a, 5, 7), View::rows(&b, 7, 11));
        for threads in [1, 2] {
            let mut out = vec![0.0; 55];
            matmul(&mut out, va, vb, false, threads).unwrap();
            let expect = naive(&va, &vb);
            assert!(out.iter().zip(&expect).all(|(x, y)| (x - y).abs() < 1e-5));
            // Accumulating adds the product again.
            matmul(&mut out, va, vb, true, threads).unwrap();
            assert!(
                out.iter()
                    .zip(&expect)
                    .all(|(x, y)| (x - 2.0 * y).abs() < 1e-5)
            );
        }
        // (B^T A^T) = (A B)^T.
        let mut t = vec![0.0; 55];
        matmul(&mut t, vb.t(), va.t(), false, 1).unwrap();
        let expect = naive(&va, &vb);
        for i in 0..5 {
            for j in 0..11 {
                assert!((t[j * 5 + i] - expect[i * 11 + j]).abs() < 1e-5);
            }
        }
        // Into a column block of a wider matrix: the other columns stay untouched.
        let mut wide = vec![7.0; 5 * 13];
        matmul_into(&mut wide[2..], 13, va, vb, false, 2).unwrap();
        for i in 0..5 {
            for j in 0..13 {
                let got = wide[i * 13 + j];
                if (2..13).contains(&j) {
                    assert!((got - expect[i * 11 + j - 2]).abs() < 1e-5);
                } else {
                    assert_eq!(got, 7.0);
                }
            }
        }
        // Rows closer than the block is wide would overlap.
        assert!(matmul_into(&mut wide, 10, va, vb, false, 1).is_err());
        // A column block of an operand.
        let block = View::columns(&b, 7, 11, 3, 4);
        let mut out = vec![0.0; 20];
        matmul(&mut out, va, block, false, 1).unwrap();
        for i in 0..5 {
            for j in 0..4 {
                assert!((out[i * 4 + j] - expect[i * 11 + j + 3]).abs() < 1e-5);
            }
        }
        // Shape and length errors.
        let mut out = vec![0.0; 55];
        assert!(matmul(&mut out, va, va, false, 1).is_err());
        assert!(matmul(&mut out[..10], va, vb, false, 1).is_err());
        assert!(matmul(&mut out, View::rows(&a[..20], 5, 7), vb, false, 1).is_err());
    }
}
