//! The two downsampling rules of the colour full-reference metrics.
//!
//! FeatureSIM.m and VSI.m average with `conv2(x, ones(F) / F^2, 'same')` and keep every
//! F-th sample, with `F = max(1, round(min(H, W) / 256))` (MATLAB `round`); the PyTorch VSI
//! takes non-overlapping F x F block means with `F` rounded half to even (`numpy.round`).

/// A downsampled plane: `width x height` row-major samples.
pub(super) struct Downsampled {
    /// Samples per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// The samples.
    pub data: Vec<f64>,
}

/// FeatureSIM.m's factor `max(1, round(min(H, W) / 256))`, halves rounded away from zero.
pub(super) fn factor_matlab(width: usize, height: usize) -> usize {
    let v = width.min(height) as f64 / 256.0;
    ((v + 0.5).floor() as usize).max(1)
}

/// The PyTorch VSI's factor `max(1, round(min(H, W) / 256))`, halves rounded to even.
pub(super) fn factor_numpy(width: usize, height: usize) -> usize {
    let v = width.min(height) as f64 / 256.0;
    (v.round_ties_even() as usize).max(1)
}

/// `conv2(x, ones(f) / f^2, 'same')` sampled at every `f`-th row and column from the first:
/// output `ceil(H / f) x ceil(W / f)`, sample (p, q) the mean of the `f x f` window with
/// top-left corner (`p f - t`, `q f - t`), `t = f - 1 - f / 2`, zero outside the image.
pub(super) fn conv_average_subsample(
    x: Vec<f64>,
    width: usize,
    height: usize,
    f: usize,
) -> Downsampled {
    if f <= 1 {
        return Downsampled {
            width,
            height,
            data: x,
        };
    }
    let t = f - 1 - f / 2;
    let (out_w, out_h) = (width.div_ceil(f), height.div_ceil(f));
    let count = (f * f) as f64;
    let mut data = Vec::with_capacity(out_w * out_h);
    // Window rows/columns are p f - t .. p f - t + f - 1, clipped to the image.
    let span = |p: usize, n: usize| (p * f).saturating_sub(t)..(p * f + f - t).min(n);
    for p in 0..out_h {
        for q in 0..out_w {
            let mut sum = 0.0;
            for row in span(p, height) {
                for v in &x[row * width + span(q, width).start..row * width + span(q, width).end] {
                    sum += v;
                }
            }
            data.push(sum / count);
        }
    }
    Downsampled {
        width: out_w,
        height: out_h,
        data,
    }
}

/// Non-overlapping `f x f` block means from the top-left corner; the last `H % f` rows and
/// `W % f` columns are dropped: output `floor(H / f) x floor(W / f)`.
pub(super) fn block_mean(x: Vec<f64>, width: usize, height: usize, f: usize) -> Downsampled {
    if f <= 1 {
        return Downsampled {
            width,
            height,
            data: x,
        };
    }
    let (out_w, out_h) = (width / f, height / f);
    let count = (f * f) as f64;
    let mut data = Vec::with_capacity(out_w * out_h);
    for p in 0..out_h {
        for q in 0..out_w {
            let mut sum = 0.0;
            for row in p * f..p * f + f {
                for v in &x[row * width + q * f..row * width + q * f + f] {
                    sum += v;
                }
            }
            data.push(sum / count);
        }
    }
    Downsampled {
        width: out_w,
        height: out_h,
        data,
    }
}
