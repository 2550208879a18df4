//! The per-pixel pieces FSIM and VSI share: the similarity ratio of two feature maps and
//! the Scharr gradient magnitude of FeatureSIM.m / VSI.m.

/// `(2 a b + c) / (a^2 + b^2 + c)`: 1 where `a == b`, towards 0 as they differ.
pub(super) fn similarity(a: f64, b: f64, c: f64) -> f64 {
    (2.0 * a * b + c) / (a * a + b * b + c)
}

/// `sqrt(Gx^2 + Gy^2 + eps)` with `Gx = conv2(x, dx, 'same')`, `Gy = conv2(x, dx', 'same')`,
/// `dx = [3 0 -3; 10 0 -10; 3 0 -3] / 16` and zero padding (MATLAB `conv2`, a true
/// convolution). A correlation with the same kernels (as the PyTorch VSI computes it) only
/// flips the signs of `Gx` and `Gy`, so it gives the same magnitude.
///
/// `x` is `height` rows of `width` samples; the terms are added in MATLAB's kernel order.
pub(super) fn scharr_gradient_magnitude(
    x: &[f64],
    width: usize,
    height: usize,
    eps: f64,
) -> Vec<f64> {
    // Zero-padded copy: x[i][j] at padded[i + 1][j + 1].
    let pw = width + 2;
    let mut padded = vec![0.0; pw * (height + 2)];
    for (row, src) in x.chunks_exact(width).enumerate() {
        padded[(row + 1) * pw + 1..(row + 1) * pw + 1 + width].copy_from_slice(src);
    }
    let (k3, k10) = (3.0 / 16.0, 10.0 / 16.0);
    let mut out = Vec::with_capacity(width * height);
    for i in 0..height {
        // Padded rows i (x row i - 1), i + 1 (x row i) and i + 2 (x row i + 1).
        let above = &padded[i * pw..(i + 1) * pw];
        let centre = &padded[(i + 1) * pw..(i + 2) * pw];
        let below = &padded[(i + 2) * pw..(i + 3) * pw];
        for j in 0..width {
            // Padded column j is x column j - 1, j + 2 is x column j + 1.
            let (l, c, r) = (j, j + 1, j + 2);
            let gx = k3 * below[r]
                + -k3 * below[l]
                + k10 * centre[r]
                + -k10 * centre[l]
                + k3 * above[r]
                + -k3 * above[l];
            let gy = k3 * below[r]
                + k10 * below[c]
                + k3 * below[l]
                + -k3 * above[r]
                + -k10 * above[c]
                + -k3 * above[l];
            out.push((gx * gx + gy * gy + eps).sqrt());
        }
    }
    out
}
