//! The normalised Laplacian pyramid distance (Laparra, Balle, Berardino and Simoncelli,
//! "Perceptual image quality assessment using a normalized Laplacian pyramid", HVEI 2016),
//! as their `NLP_dist.m` computes it: a 6-level Laplacian pyramid with the 5-tap Burt and
//! Adelson filter (`symmetric` borders going down, replicated borders and zeros going
//! up), each level divided by `sigma + conv2(|level|, F)` with the 5x5 filters `F` of the
//! original code, and the mean over the levels of the root mean square difference.
//!
//! The input is the 8-bit luma on 0..255 ([`super::RgbPlanes::rgb2gray_u8`]); the code
//! expects 0..1, so it is divided by 255 here. The filtering sums its taps in the order
//! of the NumPy transcription, so the results agree with it to rounding.

use super::correlate::{Border, Kernel, correlate_same};
use super::pairwise_sum::mean;
use super::{ClassicError, Plane};

const METRIC: &str = "nlpd";
const LEVELS: usize = 6;
/// The smallest side for which each of the five halvings starts from at least 2 samples
/// (side `ceil(n / 16)` before the last one), so that the 6 levels are 6 distinct scales
/// and the 2-sample `symmetric` border of the low-pass filter stays inside the image.
const MIN_SIDE: usize = 17;
const BURT: [f64; 5] = [0.05, 0.25, 0.4, 0.25, 0.05];
/// `sigma` of the divisive normalisation, finest level first.
const SIGMAS: [f64; LEVELS] = [0.0248, 0.0185, 0.0179, 0.0191, 0.0220, 0.2782];
/// The central 3x3 of the normalisation filters `DN_filts(N_b).F2` (5x5, zero outside),
/// finest level first; the first has one more tap, [`FIRST_EXTRA_TAP`].
const DN_CENTRES: [[[f64; 3]; 3]; LEVELS] = [
    [
        [0.0, 0.1011, 0.0],
        [0.1493, 0.0, 0.1460],
        [0.0, 0.1015, 0.0],
    ],
    [
        [0.0, 0.0757, 0.0],
        [0.1986, 0.0, 0.1846],
        [0.0, 0.0837, 0.0],
    ],
    [
        [0.0, 0.0477, 0.0],
        [0.2138, 0.0, 0.2243],
        [0.0, 0.0467, 0.0],
    ],
    [[0.0, 0.0, 0.0], [0.2503, 0.0, 0.2616], [0.0, 0.0, 0.0]],
    [[0.0, 0.0, 0.0], [0.2598, 0.0, 0.2552], [0.0, 0.0, 0.0]],
    [[0.0, 0.0, 0.0], [0.2215, 0.0, 0.0717], [0.0, 0.0, 0.0]],
];
/// The tap at row 3, column 5 (1-based) of the first level's filter.
const FIRST_EXTRA_TAP: f64 = 0.0072;

/// NLPD of `distorted` against `reference` (8-bit luma on 0..255, same size, at least
/// 17x17): 0 for identical images, larger for larger differences.
pub fn nlpd(reference: &Plane, distorted: &Plane) -> Result<f64, ClassicError> {
    reference.check_same_size(METRIC, distorted)?;
    reference.check_min(
        METRIC,
        (MIN_SIDE, MIN_SIDE),
        "each of the 5 halvings of the 6-level Laplacian pyramid needs at least 2 samples",
    )?;
    let a = normalised_pyramid(&reference.map(|v| v / 255.0));
    let b = normalised_pyramid(&distorted.map(|v| v / 255.0));
    let mut per_level = [0.0; LEVELS];
    let mut squares = Vec::new();
    for ((rms, x), y) in per_level.iter_mut().zip(&a).zip(&b) {
        squares.clear();
        squares.extend(
            x.data()
                .iter()
                .zip(y.data())
                .map(|(p, q)| (p - q) * (p - q)),
        );
        *rms = mean(&squares).sqrt();
    }
    let value = mean(&per_level);
    if !value.is_finite() {
        return Err(ClassicError::Undefined {
            metric: METRIC,
            reason: format!("the mean of the per-level distances is {value}"),
        });
    }
    Ok(value)
}

/// `NLP_transform`: every pyramid level divided by its local amplitude.
fn normalised_pyramid(image01: &Plane) -> Vec<Plane> {
    laplacian_pyramid(image01)
        .into_iter()
        .enumerate()
        .map(|(level, band)| {
            // conv2(|band|, F, 'same') is a correlation with F rotated by 180 degrees.
            let mut filter = [0.0; 25];
            for (r, row) in DN_CENTRES[level].iter().enumerate() {
                for (c, &v) in row.iter().enumerate() {
                    filter[(r + 1) * 5 + c + 1] = v;
                }
            }
            if level == 0 {
                filter[2 * 5 + 4] = FIRST_EXTRA_TAP;
            }
            filter.reverse();
            let kernel = Kernel {
                taps: &filter,
                height: 5,
                width: 5,
            };
            let amplitude = correlate_same(&band.map(f64::abs), kernel, Border::Zero, 1);
            let sigma = SIGMAS[level];
            let data = band
                .data()
                .iter()
                .zip(amplitude.data())
                .map(|(&v, &a)| v / (sigma + a))
                .collect();
            Plane::new(band.width(), band.height(), data).unwrap_or(band)
        })
        .collect()
}

/// `laplacian_pyramid_s`: `LEVELS - 1` band-pass levels and the low-pass residual.
fn laplacian_pyramid(image: &Plane) -> Vec<Plane> {
    let lowpass: Vec<f64> = (0..25).map(|t| BURT[t / 5] * BURT[t % 5]).collect();
    let kernel = Kernel {
        taps: &lowpass,
        height: 5,
        width: 5,
    };
    let mut out = Vec::with_capacity(LEVELS);
    let mut current = image.clone();
    for _ in 0..LEVELS - 1 {
        let low = correlate_same(&current, kernel, Border::Symmetric, 2);
        let up = upsample(&low, &lowpass, current.width(), current.height());
        let band = current
            .data()
            .iter()
            .zip(up.data())
            .map(|(j, u)| j - u)
            .collect();
        out.push(Plane::new(current.width(), current.height(), band).unwrap_or(up));
        current = low;
    }
    out.push(current);
    out
}

/// The upsampling of `NLP_dist.m` to `width x height`: the low-pass image with its
/// border replicated by one sample, put at every other sample (times 4, zeros between),
/// correlated with the 5x5 low-pass filter (zero borders) and cropped. Only the taps that
/// meet a non-zero sample are summed (the others add zeros), in kernel order.
fn upsample(low: &Plane, lowpass: &[f64], width: usize, height: usize) -> Plane {
    let (lw, lh) = (low.width(), low.height());
    // p = 4 * low with its border replicated by one sample; r[2i][2j] = p[i][j], zeros
    // elsewhere; out[y][x] = sum_{a, b} K[a][b] r[y + a][x + b].
    let p = Plane::from_fn(lw + 2, lh + 2, |i, j| {
        4.0 * low.at(i.clamp(1, lh) - 1, j.clamp(1, lw) - 1)
    });
    let mut out = Plane::zeros(width, height);
    for (y, row) in out.data_mut().chunks_exact_mut(width).enumerate() {
        for (x, o) in row.iter_mut().enumerate() {
            let mut acc = 0.0;
            for a in (y % 2..5).step_by(2) {
                let p_row = p.row((y + a) / 2);
                let k_row = &lowpass[a * 5..a * 5 + 5];
                for b in (x % 2..5).step_by(2) {
                    acc += k_row[b] * p_row[(x + b) / 2];
                }
            }
            *o = acc;
        }
    }
    out
}
