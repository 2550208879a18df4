//! Log-Gabor transfer functions in the frequency domain (Field 1987; as in P. Kovesi's
//! `phasecong2` / `gaborconvolve`), shared by phase congruency (FSIM), SDSP saliency (VSI)
//! and MAD's appearance stage.

/// Radial gain `exp(-ln(radius / centre)^2 / (2 sigma^2))` of a log-Gabor filter centred on
/// frequency `centre`; `sigma` is the bandwidth in log-frequency (`ln(sigmaOnf)` in
/// Kovesi's code).
pub(super) fn radial_gain(radius: f64, centre: f64, sigma: f64) -> f64 {
    let l = (radius / centre).ln();
    (-(l * l) / (2.0 * (sigma * sigma))).exp()
}

/// Angular gain `exp(-dtheta^2 / (2 theta_sigma^2))` at a frequency of direction theta
/// (given as its sine and cosine) for a filter oriented at the angle whose sine and cosine
/// are `(sin_angle, cos_angle)`; `dtheta` is the absolute angular distance in `0..=pi`.
pub(super) fn angular_gain(
    sin_theta: f64,
    cos_theta: f64,
    (sin_angle, cos_angle): (f64, f64),
    theta_sigma: f64,
) -> f64 {
    let ds = sin_theta * cos_angle - cos_theta * sin_angle;
    let dc = cos_theta * cos_angle + sin_theta * sin_angle;
    let dtheta = ds.atan2(dc).abs();
    (-(dtheta * dtheta) / (2.0 * (theta_sigma * theta_sigma))).exp()
}
