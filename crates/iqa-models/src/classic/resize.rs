//! MATLAB `imresize(image, scale)` on a double image, as the NIQE and BRISQUE code calls
//! it: bicubic interpolation (Keys' cubic, `a = -0.5`), antialiasing on (for a scale
//! below 1 the kernel is stretched by `1 / scale`), symmetric borders, no rounding of the
//! result. Transcribed from `imresize` of `tests/fixtures/classic/nr_reference.py`.

use super::Plane;
use super::pairwise_sum::pairwise_sum;

/// MATLAB imresize's bicubic kernel (Keys, `a = -0.5`).
fn cubic(x: f64) -> f64 {
    let ax = x.abs();
    let ax2 = ax * ax;
    let ax3 = ax2 * ax;
    if ax <= 1.0 {
        1.5 * ax3 - 2.5 * ax2 + 1.0
    } else if ax <= 2.0 {
        -0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0
    } else {
        0.0
    }
}

/// Which input samples each output sample takes, and with what weights: `taps` of each,
/// row after row (one row per output sample).
struct Contributions {
    taps: usize,
    weights: Vec<f64>,
    indices: Vec<usize>,
}

impl Contributions {
    /// The weights and (0-based) source indices of one dimension: output sample `i`
    /// (1-based) sits at `u = i / scale + (1 - 1 / scale) / 2` in input coordinates and
    /// takes `ceil(width) + 2` inputs from `floor(u - width / 2)`, `width` being the
    /// kernel's support (4, or `4 / scale` when shrinking); each row of weights is divided
    /// by its sum; indices outside the input are mirrored with the edge sample repeated;
    /// taps whose weight is 0 in every row are dropped.
    fn new(in_len: usize, out_len: usize, scale: f64) -> Contributions {
        let (support, kernel_scale) = if scale < 1.0 {
            (4.0 / scale, scale)
        } else {
            (4.0, 1.0)
        };
        let kernel = |x: f64| {
            if scale < 1.0 {
                kernel_scale * cubic(kernel_scale * x)
            } else {
                cubic(x)
            }
        };
        let all_taps = support.ceil() as usize + 2;
        let mut weights = Vec::with_capacity(out_len * all_taps);
        let mut indices = Vec::with_capacity(out_len * all_taps);
        let period = 2 * in_len as i64;
        for i in 1..=out_len {
            let u = i as f64 / scale + 0.5 * (1.0 - 1.0 / scale);
            let left = (u - support / 2.0).floor();
            let row: Vec<f64> = (0..all_taps)
                .map(|k| kernel(u - (left + k as f64)))
                .collect();
            let sum = pairwise_sum(&row);
            weights.extend(row.iter().map(|w| w / sum));
            indices.extend((0..all_taps).map(|k| {
                // 0-based position in the sequence 1..n, n..1 repeated.
                let p = (left as i64 + k as i64 - 1).rem_euclid(period);
                let p = p as usize;
                if p < in_len {
                    p
                } else {
                    period as usize - 1 - p
                }
            }));
        }
        let keep: Vec<usize> = (0..all_taps)
            .filter(|&k| (0..out_len).any(|i| weights[i * all_taps + k] != 0.0))
            .collect();
        let pick = |v: &[f64]| -> Vec<f64> {
            v.chunks_exact(all_taps)
                .flat_map(|row| keep.iter().map(move |&k| row[k]))
                .collect()
        };
        let picked_weights = pick(&weights);
        let picked_indices = indices
            .chunks_exact(all_taps)
            .flat_map(|row| keep.iter().map(move |&k| row[k]))
            .collect();
        Contributions {
            taps: keep.len(),
            weights: picked_weights,
            indices: picked_indices,
        }
    }

    /// Output sample `i`'s (weight, source index) pairs.
    fn of(&self, i: usize) -> impl Iterator<Item = (f64, usize)> + '_ {
        let r = i * self.taps..(i + 1) * self.taps;
        self.weights[r.clone()]
            .iter()
            .copied()
            .zip(self.indices[r].iter().copied())
    }
}

/// `imresize(image, scale)`: output size `ceil(scale * size)` on each side; the rows
/// (dimension 1) are resized first, then the columns. An empty image stays empty.
pub fn imresize(image: &Plane, scale: f64) -> Plane {
    imresize_top_left(image, image.width(), image.height(), scale)
}

/// [`imresize`] of the top-left `width x height` pixels of `image` (at most its size).
pub fn imresize_top_left(image: &Plane, width: usize, height: usize, scale: f64) -> Plane {
    let (w, h) = (width.min(image.width()), height.min(image.height()));
    let out_h = (scale * h as f64).ceil() as usize;
    let out_w = (scale * w as f64).ceil() as usize;
    let mut out = Plane::zeros(out_w, out_h);
    if w == 0 || h == 0 || out_w == 0 || out_h == 0 {
        return out;
    }
    let rows = Contributions::new(h, out_h, scale);
    let cols = Contributions::new(w, out_w, scale);
    // One row of the first pass at a time: output row i of the row pass, then its
    // column pass.
    let mut tmp = vec![0.0; w];
    for (i, dst) in out.data_mut().chunks_exact_mut(out_w).enumerate() {
        tmp.fill(0.0);
        for (wt, src) in rows.of(i) {
            for (t, &v) in tmp.iter_mut().zip(&image.row(src)[..w]) {
                *t += wt * v;
            }
        }
        for (j, d) in dst.iter_mut().enumerate() {
            let mut acc = 0.0;
            for (wt, k) in cols.of(j) {
                acc += wt * tmp[k];
            }
            *d = acc;
        }
    }
    out
}
