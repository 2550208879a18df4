//! Phase congruency as FeatureSIM.m computes it: P. Kovesi's `phasecong2` (PC_2 measure)
//! with 4 scales (wavelengths 6, 12, 24, 48), 4 orientations, `sigmaOnf` 0.55,
//! `dThetaOnSigma` 1.2, noise threshold `k` 2 divided by 1.7, and epsilon 1e-4.
//!
//! The log-Gabor filters are built directly in the unshifted FFT layout. Everything that
//! depends only on the image size (the filters and the noise model's filter energies) is
//! computed once in [`PhaseCongruency::new`] and shared by both images of a pair; the
//! values are the ones the reference code recomputes per image. Amplitudes are
//! `sqrt(re^2 + im^2)` rather than `hypot(re, im)` (the same up to the last bit, and much
//! faster).

use super::fft2::{Complex64, Direction, fft2_in_place};
use super::log_gabor::{angular_gain, radial_gain};

const SCALES: usize = 4;
const ORIENTATIONS: usize = 4;
const MIN_WAVELENGTH: f64 = 6.0;
const MULT: f64 = 2.0;
const SIGMA_ON_F: f64 = 0.55;
const D_THETA_ON_SIGMA: f64 = 1.2;
/// Standard deviations of the noise energy above its mean that are taken as noise.
const NOISE_K: f64 = 2.0;
/// FeatureSIM.m divides Kovesi's noise threshold by this.
const NOISE_DIVISOR: f64 = 1.7;
const EPSILON: f64 = 1e-4;
/// Cut-off and order of the Butterworth low-pass applied to every log-Gabor filter.
const LOWPASS_CUTOFF: f64 = 0.45;
const LOWPASS_ORDER: f64 = 15.0;

/// The filter energies of one orientation that turn the noise power into a threshold.
#[derive(Debug, Clone, Copy)]
struct NoiseModel {
    /// Sum of the squared smallest-scale filter in the frequency domain.
    smallest_scale_energy: f64,
    /// Sum over scales of the squared spatial filters (real parts, scaled by sqrt(N)).
    sum_an2: f64,
    /// Sum over pairs of scales of the products of the spatial filters.
    sum_ai_aj: f64,
}

/// Phase congruency for images of one size.
pub(super) struct PhaseCongruency {
    width: usize,
    height: usize,
    /// Log-Gabor radial gain times the low-pass, per scale, unshifted layout.
    radial: Vec<Vec<f64>>,
    /// Angular spread per orientation, unshifted layout.
    angular: Vec<Vec<f64>>,
    noise: Vec<NoiseModel>,
}

/// Frequency coordinate of `phasecong2` at centred index `k` of `n` (`n >= 2`): even `n`
/// `(k - n/2) / n`, odd `n` `(k - (n-1)/2) / (n-1)`.
fn centred_frequency(k: usize, n: usize) -> f64 {
    let k = k as f64;
    if n % 2 == 1 {
        (k - (n - 1) as f64 / 2.0) / (n - 1) as f64
    } else {
        (k - n as f64 / 2.0) / n as f64
    }
}

/// The frequency coordinates in unshifted layout (`ifftshift` of the centred ones).
fn unshifted_frequencies(n: usize) -> Vec<f64> {
    (0..n)
        .map(|j| centred_frequency((j + n / 2) % n, n))
        .collect()
}

impl PhaseCongruency {
    /// The filters and noise model for `width x height` images (both at least 2).
    pub(super) fn new(width: usize, height: usize) -> PhaseCongruency {
        let n = width * height;
        let xs = unshifted_frequencies(width);
        let ys = unshifted_frequencies(height);
        let mut lowpass = Vec::with_capacity(n);
        let mut radius = Vec::with_capacity(n);
        let mut sin_theta = Vec::with_capacity(n);
        let mut cos_theta = Vec::with_capacity(n);
        for &y in &ys {
            for &x in &xs {
                let r = (x * x + y * y).sqrt();
                lowpass.push(1.0 / (1.0 + (r / LOWPASS_CUTOFF).powf(2.0 * LOWPASS_ORDER)));
                radius.push(r);
                let theta = (-y).atan2(x);
                sin_theta.push(theta.sin());
                cos_theta.push(theta.cos());
            }
        }
        radius[0] = 1.0;
        let sigma = SIGMA_ON_F.ln();
        let radial: Vec<Vec<f64>> = (0..SCALES)
            .map(|s| {
                let centre = 1.0 / (MIN_WAVELENGTH * MULT.powi(s as i32));
                let mut g: Vec<f64> = radius
                    .iter()
                    .zip(&lowpass)
                    .map(|(&r, &lp)| radial_gain(r, centre, sigma) * lp)
                    .collect();
                g[0] = 0.0;
                g
            })
            .collect();
        let theta_sigma = std::f64::consts::PI / ORIENTATIONS as f64 / D_THETA_ON_SIGMA;
        let angular: Vec<Vec<f64>> = (0..ORIENTATIONS)
            .map(|o| {
                let angle = o as f64 * std::f64::consts::PI / ORIENTATIONS as f64;
                let dir = (angle.sin(), angle.cos());
                sin_theta
                    .iter()
                    .zip(&cos_theta)
                    .map(|(&s, &c)| angular_gain(s, c, dir, theta_sigma))
                    .collect()
            })
            .collect();
        let noise = angular
            .iter()
            .map(|spread| noise_model(&radial, spread, width, height))
            .collect();
        PhaseCongruency {
            width,
            height,
            radial,
            angular,
            noise,
        }
    }

    /// The phase congruency map of `image` (`height` rows of `width` samples).
    pub(super) fn map(&self, image: &[f64]) -> Vec<f64> {
        let (width, height) = (self.width, self.height);
        let n = width * height;
        let mut spectrum: Vec<Complex64> = image.iter().map(|&v| Complex64::new(v, 0.0)).collect();
        fft2_in_place(&mut spectrum, width, height, Direction::Forward);

        let mut energy_all = vec![0.0; n];
        let mut an_all = vec![0.0; n];
        let mut responses = vec![vec![Complex64::new(0.0, 0.0); n]; SCALES];
        let mut sum_e = vec![0.0; n];
        let mut sum_o = vec![0.0; n];
        let mut sum_an = vec![0.0; n];
        let mut power = vec![0.0; n];
        for (spread, noise) in self.angular.iter().zip(&self.noise) {
            sum_e.fill(0.0);
            sum_o.fill(0.0);
            sum_an.fill(0.0);
            for (radial, response) in self.radial.iter().zip(responses.iter_mut()) {
                for (((out, &f), &g), &a) in
                    response.iter_mut().zip(&spectrum).zip(radial).zip(spread)
                {
                    *out = f * (g * a);
                }
                fft2_in_place(response, width, height, Direction::Inverse);
                for (((e, se), so), an) in response
                    .iter()
                    .zip(&mut sum_e)
                    .zip(&mut sum_o)
                    .zip(&mut sum_an)
                {
                    *an += e.norm_sqr().sqrt();
                    *se += e.re;
                    *so += e.im;
                }
            }
            for (p, e) in power.iter_mut().zip(&responses[0]) {
                let a = e.norm_sqr().sqrt();
                *p = a * a;
            }
            let threshold = noise_threshold(median(&mut power), noise);
            for i in 0..n {
                let x_energy = (sum_e[i] * sum_e[i] + sum_o[i] * sum_o[i]).sqrt() + EPSILON;
                let mean_e = sum_e[i] / x_energy;
                let mean_o = sum_o[i] / x_energy;
                let mut energy = 0.0;
                for response in &responses {
                    let (e, o) = (response[i].re, response[i].im);
                    energy += e * mean_e + o * mean_o - (e * mean_o - o * mean_e).abs();
                }
                energy_all[i] += (energy - threshold).max(0.0);
                an_all[i] += sum_an[i];
            }
        }
        energy_all.iter().zip(&an_all).map(|(e, a)| e / a).collect()
    }
}

/// The noise model of one orientation (filters `radial[s] * spread`).
fn noise_model(radial: &[Vec<f64>], spread: &[f64], width: usize, height: usize) -> NoiseModel {
    let scale = ((width * height) as f64).sqrt();
    let mut spatial = Vec::with_capacity(radial.len());
    let mut smallest_scale_energy = 0.0;
    for (s, g) in radial.iter().enumerate() {
        let mut filter: Vec<Complex64> = g
            .iter()
            .zip(spread)
            .map(|(&g, &a)| Complex64::new(g * a, 0.0))
            .collect();
        if s == 0 {
            smallest_scale_energy = filter.iter().map(|f| f.re * f.re).sum();
        }
        fft2_in_place(&mut filter, width, height, Direction::Inverse);
        spatial.push(filter.iter().map(|f| f.re * scale).collect::<Vec<f64>>());
    }
    let sum_an2 = spatial
        .iter()
        .map(|f| f.iter().map(|v| v * v).sum::<f64>())
        .sum();
    let mut sum_ai_aj = 0.0;
    for i in 0..spatial.len() {
        for j in i + 1..spatial.len() {
            sum_ai_aj += spatial[i]
                .iter()
                .zip(&spatial[j])
                .map(|(a, b)| a * b)
                .sum::<f64>();
        }
    }
    NoiseModel {
        smallest_scale_energy,
        sum_an2,
        sum_ai_aj,
    }
}

/// Kovesi's noise threshold from the median squared amplitude of the smallest scale
/// (Rayleigh noise model), divided by FeatureSIM.m's 1.7.
fn noise_threshold(median_power: f64, noise: &NoiseModel) -> f64 {
    let mean_e2n = -median_power / 0.5_f64.ln();
    let noise_power = mean_e2n / noise.smallest_scale_energy;
    let est_noise_energy2 = 2.0 * noise_power * noise.sum_an2 + 4.0 * noise_power * noise.sum_ai_aj;
    let tau = (est_noise_energy2 / 2.0).sqrt();
    let est_noise_energy = tau * (std::f64::consts::PI / 2.0).sqrt();
    let est_noise_energy_sigma = ((2.0 - std::f64::consts::PI / 2.0) * (tau * tau)).sqrt();
    (est_noise_energy + NOISE_K * est_noise_energy_sigma) / NOISE_DIVISOR
}

/// MATLAB `median` (mean of the two middle values for an even count); reorders `values`,
/// which must not be empty.
fn median(values: &mut [f64]) -> f64 {
    let (mid, odd) = (values.len() / 2, values.len() % 2 == 1);
    let (lower, &mut upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    if odd {
        return upper;
    }
    let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (below + upper) / 2.0
}
