//! MAD's appearance-based ("low quality") index, as the PyTorch MAD of IQA-PyTorch (pyiqa,
//! derived from IQA-optimization) computes it; the published MAD values use that code.
//!
//! Each channel is filtered by a bank of 5 scales x 4 orientations of log-Gabor filters
//! (from P. Kovesi's `gaborconvolve`: wavelengths 3, 9, 27, 81, 243 pixels, `sigmaOnf`
//! 0.55, angular spread pi/4/1.5). On 16x16 windows at stride 4 the standard deviation,
//! skewness and excess kurtosis of the response magnitudes of the two images are compared;
//! the differences are weighted by orientation (0.5, 0.75, 1, 5 over 13.25 - the PyTorch
//! code indexes its per-scale weights by orientation) and the index is their RMS. The
//! block statistics of multi-channel input are interleaved across channels as in that
//! code ([`interleave`]).

use super::block_moments::{WindowStats, WindowStatsWorkspace};
use super::fft2::{Complex64, Direction, fft2_in_place};
use super::log_gabor::angular_gain;
use super::mad_detection::interleave;

const SCALES: usize = 5;
const ORIENTATIONS: usize = 4;
const SIGMA_ON_F: f64 = 0.55;
/// Orientation weights, over 13.25.
const WEIGHTS: [f64; ORIENTATIONS] = [0.5 / 13.25, 0.75 / 13.25, 1.0 / 13.25, 5.0 / 13.25];
const EPS: f64 = 1e-12;

/// The log-Gabor bank for one image size, in unshifted FFT layout.
struct GaborBank {
    /// Radial gain per scale.
    radial: Vec<Vec<f64>>,
    /// sin and cos of each frequency sample's direction.
    sin_theta: Vec<f64>,
    cos_theta: Vec<f64>,
}

impl GaborBank {
    /// Built on the grid `x = (c - W/2) / (W/2)`, `y = (r - H/2) / (H/2)` (range -1..1); the
    /// sample at (round(H/2 + 1), round(W/2 + 1)) (halves to even) gets radius 1, the
    /// centre keeps radius 0 (with `ln(0 + 1e-12)`), each radial filter is 0 at
    /// (round(H/2), round(W/2)), and the product is `fftshift`ed.
    fn new(width: usize, height: usize) -> GaborBank {
        let (half_w, half_h) = (width as f64 / 2.0, height as f64 / 2.0);
        let unit_radius = (
            (half_h + 1.0).round_ties_even() as usize,
            (half_w + 1.0).round_ties_even() as usize,
        );
        let zeroed = (
            half_h.round_ties_even() as usize,
            half_w.round_ties_even() as usize,
        );
        // fftshift: the unshifted sample j holds the centred sample (j + n - n/2) mod n.
        let centred = |j: usize, n: usize| (j + n - n / 2) % n;
        let n = width * height;
        let mut log_radius = Vec::with_capacity(n);
        let mut sin_theta = Vec::with_capacity(n);
        let mut cos_theta = Vec::with_capacity(n);
        let mut is_zeroed = Vec::with_capacity(n);
        for row in 0..height {
            let r = centred(row, height);
            let y = (-half_h + r as f64) / half_h;
            for col in 0..width {
                let c = centred(col, width);
                let x = (-half_w + c as f64) / half_w;
                let radius = if (r, c) == unit_radius {
                    1.0
                } else {
                    (x * x + y * y).sqrt()
                };
                log_radius.push((radius + EPS).ln());
                let theta = (-y).atan2(x);
                sin_theta.push(theta.sin());
                cos_theta.push(theta.cos());
                is_zeroed.push((r, c) == zeroed);
            }
        }
        let denominator = -(2.0 * (SIGMA_ON_F.ln() * SIGMA_ON_F.ln()));
        let radial = (0..SCALES)
            .map(|s| {
                let rfo = (1.0 / (3.0 * 3.0_f64.powi(s as i32))) / 0.5;
                let log_rfo = rfo.ln();
                log_radius
                    .iter()
                    .zip(&is_zeroed)
                    .map(|(&lr, &zero)| {
                        let d = lr - log_rfo;
                        if zero {
                            0.0
                        } else {
                            (d * d / denominator).exp()
                        }
                    })
                    .collect()
            })
            .collect();
        GaborBank {
            radial,
            sin_theta,
            cos_theta,
        }
    }

    /// The angular spread of orientation `o`.
    fn spread(&self, o: usize) -> Vec<f64> {
        let angle = o as f64 * std::f64::consts::PI / 4.0;
        let dir = (angle.sin(), angle.cos());
        let theta_sigma = std::f64::consts::PI / 4.0 / 1.5;
        self.sin_theta
            .iter()
            .zip(&self.cos_theta)
            .map(|(&s, &c)| angular_gain(s, c, dir, theta_sigma))
            .collect()
    }
}

/// Standard deviation `sqrt(var + 1e-12)`, skewness and excess kurtosis of each window.
struct ShapeStats {
    std: Vec<f64>,
    skew: Vec<f64>,
    kurtosis: Vec<f64>,
}

impl ShapeStats {
    fn new() -> ShapeStats {
        ShapeStats {
            std: vec![],
            skew: vec![],
            kurtosis: vec![],
        }
    }

    /// Replaces the statistics by those of `stats`.
    fn set(&mut self, stats: &WindowStats) {
        let out = self;
        out.std.clear();
        out.skew.clear();
        out.kurtosis.clear();
        for ((&var, &third), &fourth) in stats.variance.iter().zip(&stats.third).zip(&stats.fourth)
        {
            let sd = (var + EPS).sqrt();
            let sd2 = sd * sd;
            out.std.push(sd);
            out.skew.push(third / (sd2 * sd));
            out.kurtosis.push(fourth / (sd2 * sd2) - 3.0);
        }
    }
}

/// The appearance-based index of each channel; `references[c]`, `distorted[c]` are
/// `height` rows of `width` samples on the 0..255 scale (both at least 16).
pub(super) fn appearance_index(
    references: &[&[f64]],
    distorted: &[&[f64]],
    width: usize,
    height: usize,
) -> Vec<f64> {
    let bank = GaborBank::new(width, height);
    let spectrum = |x: &[f64]| {
        let mut s: Vec<Complex64> = x.iter().map(|&v| Complex64::new(v, 0.0)).collect();
        fft2_in_place(&mut s, width, height, Direction::Forward);
        s
    };
    let ref_spectra: Vec<Vec<Complex64>> = references.iter().map(|x| spectrum(x)).collect();
    let dst_spectra: Vec<Vec<Complex64>> = distorted.iter().map(|x| spectrum(x)).collect();

    let mut workspace = WindowStatsWorkspace::default();
    let mut moments = WindowStats::default();
    let mut buffer = vec![Complex64::new(0.0, 0.0); width * height];
    let mut filter = vec![0.0; width * height];
    // The weighted differences per channel and window, before the channel interleave
    // (which permutes whole windows, so it can be applied once at the end).
    let mut differences: Vec<Vec<f64>> = vec![Vec::new(); references.len()];
    let (mut r, mut d) = (ShapeStats::new(), ShapeStats::new());
    let mut shape_of = |spectrum: &[Complex64], filter: &[f64], out: &mut ShapeStats| {
        for ((b, &s), &f) in buffer.iter_mut().zip(spectrum).zip(filter) {
            *b = s * f;
        }
        fft2_in_place(&mut buffer, width, height, Direction::Inverse);
        let magnitude = |b: &Complex64| (b.re * b.re + b.im * b.im + EPS).sqrt();
        workspace.compute_mapped(&buffer, magnitude, width, height, &mut moments);
        out.set(&moments);
    };
    for (o, weight) in WEIGHTS.iter().enumerate() {
        let spread = bank.spread(o);
        for radial in &bank.radial {
            for ((f, &g), &a) in filter.iter_mut().zip(radial).zip(&spread) {
                *f = g * a;
            }
            for ((ref_spectrum, dst_spectrum), diff) in
                ref_spectra.iter().zip(&dst_spectra).zip(&mut differences)
            {
                shape_of(ref_spectrum, &filter, &mut r);
                shape_of(dst_spectrum, &filter, &mut d);
                if diff.is_empty() {
                    diff.resize(r.std.len(), 0.0);
                }
                for (k, acc) in diff.iter_mut().enumerate() {
                    *acc += weight
                        * ((r.std[k] - d.std[k]).abs()
                            + 2.0 * (r.skew[k] - d.skew[k]).abs()
                            + (r.kurtosis[k] - d.kurtosis[k]).abs());
                }
            }
        }
    }
    interleave(&differences)
        .iter()
        .map(|map| (map.iter().map(|v| v * v).sum::<f64>()).sqrt() / (map.len() as f64).sqrt())
        .collect()
}
