//! Complex wavelet structural similarity (Sampat, Wang, Gupta, Bovik and Markey, "Complex
//! wavelet structural similarity: a new image similarity index", IEEE TIP 2009), as
//! `cwssim_index.m` computes it with `level = 4`, `or = 8`, `guardb = 0` and `K = 0`: on
//! the 8 oriented bands of the coarsest of 4 levels of the complex steerable pyramid
//! ([`super::complex_steerable`]), the local index `2 |sum c1 conj(c2)| / sum (|c1|^2 +
//! |c2|^2)` over 7x7 windows, weighted by a Gaussian of standard deviation a quarter of the
//! band height, summed, and averaged over the orientations.
//!
//! The input is the 8-bit luma on 0..255 ([`super::RgbPlanes::rgb2gray_u8`]).

use super::complex_steerable::{coarsest_bands, coarsest_side};
use super::fft2::Complex64;
use super::pairwise_sum::{mean, pairwise_sum};
use super::{ClassicError, Plane};

const METRIC: &str = "cw-ssim";
const LEVELS: usize = 4;
const ORIENTATIONS: usize = 8;
const WINDOW: usize = 7;
/// The smallest side whose coarsest band (side `ceil(n / 8)`) holds one 7x7 window.
const MIN_SIDE: usize = 49;

/// CW-SSIM of `distorted` against `reference` (8-bit luma on 0..255, same size, at least
/// 49x49): 1 for identical images, lower for less similar ones.
pub fn cw_ssim(reference: &Plane, distorted: &Plane) -> Result<f64, ClassicError> {
    reference.check_same_size(METRIC, distorted)?;
    reference.check_min(
        METRIC,
        (MIN_SIDE, MIN_SIDE),
        "the bands of the 4th pyramid level (an eighth of the side) must hold a 7x7 window",
    )?;
    debug_assert!(coarsest_side(MIN_SIDE, LEVELS) >= WINDOW);
    let b1 = coarsest_bands(reference, LEVELS, ORIENTATIONS);
    let b2 = coarsest_bands(distorted, LEVELS, ORIENTATIONS);
    let (w, h) = (b1.width, b1.height);
    let (vw, vh) = (w - WINDOW + 1, h - WINDOW + 1);
    let weight = gaussian(vw, vh, h as f64 / 4.0);
    let mut per_band = Vec::with_capacity(ORIENTATIONS);
    let mut weighted = vec![0.0; vw * vh];
    for (c1, c2) in b1.bands.iter().zip(&b2.bands) {
        let products: Vec<Complex64> = c1.iter().zip(c2).map(|(a, b)| a * b.conj()).collect();
        let energies: Vec<f64> = c1
            .iter()
            .zip(c2)
            .map(|(a, b)| {
                let (x, y) = (a.norm(), b.norm());
                x * x + y * y
            })
            .collect();
        // numpy divides a complex array by 49 as a complex division: times 1/49.
        let corr = box_sum_valid(&products, w, h, Complex64::new(0.0, 0.0));
        let varr = box_sum_valid(&energies, w, h, 0.0);
        let scale = 1.0 / (WINDOW * WINDOW) as f64;
        for (((out, c), v), g) in weighted.iter_mut().zip(&corr).zip(&varr).zip(&weight) {
            let cssim = (2.0 * (c * scale).norm()) / (v / (WINDOW * WINDOW) as f64);
            *out = cssim * g;
        }
        per_band.push(pairwise_sum(&weighted));
    }
    let value = mean(&per_band);
    if !value.is_finite() {
        return Err(ClassicError::Undefined {
            metric: METRIC,
            reason: format!(
                "the band energy of some 7x7 window is zero in both images (index {value})"
            ),
        });
    }
    Ok(value)
}

/// Sums over the `WINDOW x WINDOW` windows inside a `w x h` grid (`filter2(ones, x,
/// 'valid')` before the division): down the columns first, then along the rows.
fn box_sum_valid<T>(values: &[T], w: usize, h: usize, zero: T) -> Vec<T>
where
    T: Copy + std::ops::AddAssign,
{
    let (vw, vh) = (w - WINDOW + 1, h - WINDOW + 1);
    let mut column = vec![zero; w];
    let mut out = Vec::with_capacity(vw * vh);
    for y in 0..vh {
        column.fill(zero);
        for a in 0..WINDOW {
            for (c, &v) in column.iter_mut().zip(&values[(y + a) * w..(y + a + 1) * w]) {
                *c += v;
            }
        }
        for x in 0..vw {
            let mut acc = zero;
            for &v in &column[x..x + WINDOW] {
                acc += v;
            }
            out.push(acc);
        }
    }
    out
}

/// MATLAB `fspecial('gaussian', [rows cols], sigma)`, row-major.
fn gaussian(cols: usize, rows: usize, sigma: f64) -> Vec<f64> {
    let m = (rows as f64 - 1.0) / 2.0;
    let n = (cols as f64 - 1.0) / 2.0;
    let mut h: Vec<f64> = (0..rows)
        .flat_map(|r| (0..cols).map(move |c| (r as f64 - m, c as f64 - n)))
        .map(|(y, x)| (-(x * x + y * y) / (2.0 * sigma * sigma)).exp())
        .collect();
    let max = h.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for v in &mut h {
        if *v < f64::EPSILON * max {
            *v = 0.0;
        }
    }
    let sum = pairwise_sum(&h);
    h.iter().map(|v| v / sum).collect()
}
