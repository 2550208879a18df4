//! SDSP visual saliency (L. Zhang, Z. Gu and H. Li, "SDSP: A novel saliency detection
//! method by combining simple priors", ICIP 2013) as the PyTorch VSI of IQA-optimization
//! (K. Ding) computes it, which is what the published VSI values use.
//!
//! Differences from the authors' SDSP.m: the saliency is computed at full resolution (no
//! 256x256 resize), in IQA-optimization's CIELAB ([`lab_iqa_optimization`]), with 0-based
//! pixel coordinates for the centre prior and 1e-12 terms in the filter radius, the
//! frequency magnitude and the normalisations.
//!
//! [`lab_iqa_optimization`]: super::colour::lab_iqa_optimization

use super::RgbPlanes;
use super::colour::lab_iqa_optimization;
use super::fft2::{Complex64, Direction, fft2_in_place};
use super::log_gabor::radial_gain;

/// Log-Gabor bandwidth (in log-frequency) and centre frequency of the frequency prior.
const SIGMA_F: f64 = 1.34;
const OMEGA0: f64 = 0.021;
/// Width of the location (centre) prior, in pixels.
const SIGMA_D: f64 = 145.0;
/// Width of the colour prior on the normalised a*, b*.
const SIGMA_C: f64 = 0.001;
/// Added to squared radii, squared magnitudes and ranges by the PyTorch code.
const TINY: f64 = 1e-12;

/// The image-independent parts of SDSP for one image size.
pub(super) struct Sdsp {
    width: usize,
    height: usize,
    /// The band-pass log-Gabor, unshifted layout.
    log_gabor: Vec<f64>,
    /// The location prior `exp(-((r - H/2)^2 + (c - W/2)^2) / 145^2)`.
    centre_prior: Vec<f64>,
}

/// Grid coordinate `(k - n/2) / (n - n%2)` at centred index `k` (`n >= 2`).
fn grid_coordinate(k: usize, n: usize) -> f64 {
    (k as f64 - (n / 2) as f64) / (n - n % 2) as f64
}

impl Sdsp {
    /// The filter and the location prior for `width x height` images (both at least 2).
    pub(super) fn new(width: usize, height: usize) -> Sdsp {
        // Centred grids u1 (columns), u2 (rows); points outside the disc of radius 0.5 get
        // u1 = u2 = 0; the grid is then ifftshifted.
        let unshift = |j: usize, n: usize| (j + n / 2) % n;
        let mut log_gabor = Vec::with_capacity(width * height);
        for row in 0..height {
            let u2 = grid_coordinate(unshift(row, height), height);
            for col in 0..width {
                let u1 = grid_coordinate(unshift(col, width), width);
                let inside = u1 * u1 + u2 * u2 < 0.25;
                let (u1, u2) = if inside { (u1, u2) } else { (0.0, 0.0) };
                let radius = (u1 * u1 + u2 * u2 + TINY).sqrt();
                log_gabor.push(radial_gain(radius, OMEGA0, SIGMA_F));
            }
        }
        // radius[0, 0] = 1 gives a finite gain there, which is then set to 0.
        log_gabor[0] = 0.0;
        let (half_h, half_w) = (height as f64 / 2.0, width as f64 / 2.0);
        let mut centre_prior = Vec::with_capacity(width * height);
        for row in 0..height {
            let dr = row as f64 - half_h;
            for col in 0..width {
                let dc = col as f64 - half_w;
                centre_prior.push(exp_or_underflow(-(dr * dr + dc * dc) / (SIGMA_D * SIGMA_D)));
            }
        }
        Sdsp {
            width,
            height,
            log_gabor,
            centre_prior,
        }
    }

    /// The saliency map of `rgb` (of this size), normalised to 0..1; `buffer` is scratch
    /// space of the image's size.
    pub(super) fn saliency(&self, rgb: &RgbPlanes, buffer: &mut [Complex64]) -> Vec<f64> {
        let (width, height) = (self.width, self.height);
        let lab = lab_iqa_optimization(rgb);
        // Squared band-pass responses of L, a and b, summed; then the saliency, in place.
        let mut saliency = vec![0.0; width * height];
        for channel in &lab {
            for (b, &v) in buffer.iter_mut().zip(channel) {
                *b = Complex64::new(v, 0.0);
            }
            fft2_in_place(buffer, width, height, Direction::Forward);
            for (b, &g) in buffer.iter_mut().zip(&self.log_gabor) {
                *b *= g;
            }
            fft2_in_place(buffer, width, height, Direction::Inverse);
            for (sum, b) in saliency.iter_mut().zip(buffer.iter()) {
                *sum += b.re * b.re;
            }
        }
        let (a_min, a_range) = normalisation(&lab[1]);
        let (b_min, b_range) = normalisation(&lab[2]);
        for (((s, &sd), &a), &b) in saliency
            .iter_mut()
            .zip(&self.centre_prior)
            .zip(&lab[1])
            .zip(&lab[2])
        {
            let sf = (*s + TINY).sqrt();
            let (an, bn) = ((a - a_min) / a_range, (b - b_min) / b_range);
            let sc = 1.0 - exp_or_underflow(-(an * an + bn * bn) / (SIGMA_C * SIGMA_C));
            *s = sf * sd * sc;
        }
        let (min, range) = normalisation(&saliency);
        for s in &mut saliency {
            *s = (*s - min) / range;
        }
        saliency
    }
}

/// `(min, max - min + 1e-12)` of `x`: the spatial normalisation is `(x - min) / that`.
fn normalisation(x: &[f64]) -> (f64, f64) {
    let min = x.iter().copied().fold(f64::INFINITY, f64::min);
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, max - min + TINY)
}

/// `exp(x)`, skipping the (slow) underflow path of `exp` where the result is 0 anyway.
fn exp_or_underflow(x: f64) -> f64 {
    // exp(-746) is below half the smallest subnormal number, so it rounds to 0.
    if x < -746.0 { 0.0 } else { x.exp() }
}
