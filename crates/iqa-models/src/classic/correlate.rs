//! Two-dimensional correlation of a [`Plane`] with a small kernel, with the border rules
//! of NumPy's `pad` (which are those of MATLAB's `padarray` / `imfilter` and of
//! matlabPyrTools' `corrDn`), shared by VIF, NLPD and CW-SSIM.
//!
//! A correlation computes `out[i][j] = sum_{a, b} kernel[a][b] * image[i + a - kh / 2][j + b - kw / 2]`
//! (a MATLAB `conv2` is this with the kernel rotated by 180 degrees). The taps are added
//! in row-major kernel order, zero taps skipped, so the sums are rounded exactly as in the
//! NumPy transcriptions the metrics are checked against.

use super::Plane;

/// How samples outside the image are made up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Border {
    /// Zeros (MATLAB `conv2` / `filter2` / `imfilter` default, NumPy `constant`).
    Zero,
    /// Mirror without repeating the edge sample (NumPy `reflect`, matlabPyrTools `reflect1`).
    Reflect,
    /// Mirror repeating the edge sample (NumPy and MATLAB `symmetric`).
    Symmetric,
}

impl Border {
    /// The index of the sample that stands at position `i` of a line of `n > 0` samples
    /// extended by this rule (`None`: a zero). Mirrors repeat periodically, as NumPy pads
    /// borders wider than the line.
    pub fn source(self, i: isize, n: usize) -> Option<usize> {
        let len = n as isize;
        if (0..len).contains(&i) {
            return Some(i as usize);
        }
        match self {
            Border::Zero => None,
            Border::Reflect => {
                if n == 1 {
                    return Some(0);
                }
                let period = 2 * (len - 1);
                let k = i.rem_euclid(period);
                Some((if k < len { k } else { period - k }) as usize)
            }
            Border::Symmetric => {
                let period = 2 * len;
                let k = i.rem_euclid(period);
                Some((if k < len { k } else { period - 1 - k }) as usize)
            }
        }
    }
}

/// A kernel of `height x width` taps, row-major, applied as a correlation centred at
/// (`height / 2`, `width / 2`).
#[derive(Debug, Clone, Copy)]
pub struct Kernel<'a> {
    /// The taps, row-major.
    pub taps: &'a [f64],
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
}

/// Row `i` (any integer) of `plane` extended by `left_right` columns on either side,
/// written into `out` (`width + 2 * left_right` long); zeros where `border` gives none.
pub fn padded_row(plane: &Plane, i: isize, left_right: usize, border: Border, out: &mut [f64]) {
    match border.source(i, plane.height()) {
        Some(src) => pad_columns(plane.row(src), left_right, border, out),
        None => out.fill(0.0),
    }
}

/// `row` extended by `left_right` samples on either side into `out`.
fn pad_columns(row: &[f64], left_right: usize, border: Border, out: &mut [f64]) {
    let w = row.len();
    out[left_right..left_right + w].copy_from_slice(row);
    for c in (0..left_right).chain(left_right + w..out.len()) {
        out[c] = border
            .source(c as isize - left_right as isize, w)
            .map_or(0.0, |s| row[s]);
    }
}

/// `numpy` 'same'-size correlation with `kernel` (odd sizes) and `border`, keeping every
/// `step`-th row and column from the first (`corrDn` with step `[step step]` and start
/// `[1 1]`): a plane of `ceil(height / step) x ceil(width / step)`.
pub fn correlate_same(plane: &Plane, kernel: Kernel<'_>, border: Border, step: usize) -> Plane {
    let step = step.max(1);
    let (ph, pw) = (kernel.height / 2, kernel.width / 2);
    let padded_w = plane.width() + 2 * pw;
    let out_w = plane.width().div_ceil(step);
    let out_h = plane.height().div_ceil(step);
    let mut out = Plane::zeros(out_w, out_h);
    let mut rows = vec![0.0; kernel.height * padded_w];
    for (i, out_row) in out.data_mut().chunks_exact_mut(out_w).enumerate() {
        let y = (i * step) as isize - ph as isize;
        for (a, buf) in rows.chunks_exact_mut(padded_w).enumerate() {
            let taps = &kernel.taps[a * kernel.width..(a + 1) * kernel.width];
            if taps.iter().any(|&k| k != 0.0) {
                padded_row(plane, y + a as isize, pw, border, buf);
            }
        }
        // Tap by tap over the whole row: every output sums its taps in kernel order.
        for (a, src) in rows.chunks_exact(padded_w).enumerate() {
            for b in 0..kernel.width {
                let k = kernel.taps[a * kernel.width + b];
                if k == 0.0 {
                    continue;
                }
                if step == 1 {
                    for (o, &s) in out_row.iter_mut().zip(&src[b..b + out_w]) {
                        *o += k * s;
                    }
                } else {
                    for (j, o) in out_row.iter_mut().enumerate() {
                        *o += k * src[j * step + b];
                    }
                }
            }
        }
    }
    out
}

/// [`correlate_same`] for an `n x n` kernel (odd `n`) that is mirror-symmetric
/// (`row_sign = 1`) or antisymmetric (`-1`) from top to bottom, and likewise from left to
/// right (`col_sign`): mirrored samples are added (or subtracted) before they are
/// multiplied, which needs about a quarter of the multiplications. The sums are rounded
/// in another order than [`correlate_same`]'s, so results differ in the last bits.
pub fn correlate_folded(
    plane: &Plane,
    kernel: Kernel<'_>,
    (row_sign, col_sign): (f64, f64),
    border: Border,
    step: usize,
) -> Plane {
    let step = step.max(1);
    let n = kernel.height;
    let half = n / 2;
    let (w, h) = (plane.width(), plane.height());
    let pw = w + 2 * half;
    let out_w = w.div_ceil(step);
    let out_h = h.div_ceil(step);
    let mut out = Plane::zeros(out_w, out_h);
    // (folded row, column offset, tap, whether the mirrored column is added in)
    let taps: Vec<(usize, usize, f64, bool)> = (0..=half)
        .flat_map(|a| (0..=half).map(move |b| (a, b)))
        .map(|(a, b)| (a, b, kernel.taps[a * n + b], b < half))
        .filter(|t| t.2 != 0.0)
        .collect();
    let mut folded = vec![0.0; (half + 1) * pw];
    let mut interior = vec![0.0; w];
    let zeros = vec![0.0; w];
    let source_row = |i: isize| border.source(i, h).map_or(&zeros[..], |r| plane.row(r));
    for (i, out_row) in out.data_mut().chunks_exact_mut(out_w).enumerate() {
        let y = (i * step) as isize - half as isize;
        for (a, f) in folded.chunks_exact_mut(pw).enumerate() {
            // Folding rows commutes with extending the columns, so fold, then extend.
            let top = source_row(y + a as isize);
            if a == half {
                pad_columns(top, half, border, f);
            } else {
                let bottom = source_row(y + (n - 1 - a) as isize);
                for ((v, &t), &b) in interior.iter_mut().zip(top).zip(bottom) {
                    *v = t + row_sign * b;
                }
                pad_columns(&interior, half, border, f);
            }
        }
        out_row.fill(0.0);
        for &(a, b, k, paired) in &taps {
            let f = &folded[a * pw..(a + 1) * pw];
            let far_b = if paired { n - 1 - b } else { b };
            let sign = if paired { col_sign } else { 0.0 };
            if step == 1 {
                let near = &f[b..b + out_w];
                let far = &f[far_b..far_b + out_w];
                for ((o, &u), &v) in out_row.iter_mut().zip(near).zip(far) {
                    *o += k * (u + sign * v);
                }
            } else {
                for (j, o) in out_row.iter_mut().enumerate() {
                    let x = j * step;
                    *o += k * (f[x + b] + sign * f[x + far_b]);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_repeat_as_numpy_pads_them() {
        // numpy.pad(arange(3), 7, mode) for 'reflect' and 'symmetric'.
        let reflect: Vec<usize> = (-7..10)
            .filter_map(|i| Border::Reflect.source(i, 3))
            .collect();
        assert_eq!(reflect, [1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1]);
        let symmetric: Vec<usize> = (-7..10)
            .filter_map(|i| Border::Symmetric.source(i, 3))
            .collect();
        assert_eq!(
            symmetric,
            [0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2]
        );
    }

    #[test]
    fn folding_a_symmetric_kernel_changes_only_the_rounding() {
        let image = Plane::from_fn(37, 23, |r, c| {
            ((r * 31 + c * 17) % 29) as f64 - 0.37 * c as f64
        });
        let base = [0.1, -0.3, 0.7, 0.2, 0.05];
        for (rs, cs) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
            let taps: Vec<f64> = (0..25)
                .map(|t| {
                    let (a, b) = (t / 5, t % 5);
                    let v = |i: usize, s: f64| {
                        if i > 2 {
                            s * base[4 - i]
                        } else if i == 2 && s < 0.0 {
                            0.0
                        } else {
                            base[i]
                        }
                    };
                    v(a, rs) * v(b, cs) + if a == b { 0.01 * rs.min(cs) } else { 0.0 }
                })
                .collect();
            // keep the symmetry exact: mirror the top-left quarter
            let taps: Vec<f64> = (0..25)
                .map(|t| {
                    let (a, b) = (t / 5, t % 5);
                    let (ma, sa) = if a > 2 { (4 - a, rs) } else { (a, 1.0) };
                    let (mb, sb) = if b > 2 { (4 - b, cs) } else { (b, 1.0) };
                    let zero = (a == 2 && rs < 0.0) || (b == 2 && cs < 0.0);
                    if zero {
                        0.0
                    } else {
                        sa * sb * taps[ma * 5 + mb]
                    }
                })
                .collect();
            let k = Kernel {
                taps: &taps,
                height: 5,
                width: 5,
            };
            for step in [1, 2] {
                let want = correlate_same(&image, k, Border::Reflect, step);
                let got = correlate_folded(&image, k, (rs, cs), Border::Reflect, step);
                assert_eq!((got.width(), got.height()), (want.width(), want.height()));
                for (g, w) in got.data().iter().zip(want.data()) {
                    assert!((g - w).abs() < 1e-12, "{g} vs {w}");
                }
            }
        }
    }
}
