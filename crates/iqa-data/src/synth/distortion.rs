//! The `Distortion` trait, the registry of distortions by name, and the sets named after
//! the databases whose distortion types they reproduce.

use image::RgbImage;
use rand_chacha::ChaCha8Rng;

use crate::{DataError, Result};

/// The number of graded levels every distortion offers (1 = mildest, 5 = most severe).
pub const LEVELS: u8 = 5;

/// One distortion type with five graded levels.
pub trait Distortion: Send + Sync {
    /// Short name (`jpeg`, `gblur`, ...), as written in manifests.
    fn name(&self) -> &'static str;
    /// What it does, in one line; says plainly when it only approximates a database's
    /// distortion.
    fn description(&self) -> &'static str;
    /// The parameter of each level (quality, sigma, ...), for the description JSON.
    fn parameters(&self) -> [f64; LEVELS as usize];
    /// Applies level `level` (1..=5) to `image`, drawing any randomness from `rng`.
    fn apply(&self, image: &RgbImage, level: u8, rng: &mut ChaCha8Rng) -> Result<RgbImage>;
}

/// The distortions of LIVE (its `wn` is `awgn`).
const LIVE: &[&str] = &["jpeg2000", "jpeg", "awgn", "gblur", "fast_fading"];

/// The TID2013 types that are reproduced, in TID's order (`fast_fading` stands for
/// `jpeg2000_transmission_errors`, `non_eccentricity_patch` for `pattern_noise`); see
/// [`super::distortions`] for those left out.
const TID2013: &[&str] = &[
    "awgn",
    "awgn_color",
    "correlated_noise",
    "masked_noise",
    "high_frequency_noise",
    "impulse_noise",
    "quantization_noise",
    "gblur",
    "denoising",
    "jpeg",
    "jpeg2000",
    "fast_fading",
    "non_eccentricity_patch",
    "block_distortions",
    "mean_shift",
    "contrast_change",
    "saturation_change",
    "multiplicative_noise",
    "color_quantization",
];

/// The KADID-10k types, in KADID's order (`awgn` is its white noise, `awgn_color` its
/// white noise in colour components, `saturation_change` both colour saturation types,
/// `denoising` its denoise, `quantization_noise` its quantization).
const KADID10K: &[&str] = &[
    "gblur",
    "lens_blur",
    "motion_blur",
    "color_diffusion",
    "color_shift",
    "color_quantization",
    "saturation_change",
    "jpeg2000",
    "jpeg",
    "awgn",
    "awgn_color",
    "impulse_noise",
    "multiplicative_noise",
    "denoising",
    "brighten",
    "darken",
    "mean_shift",
    "jitter",
    "non_eccentricity_patch",
    "pixelate",
    "quantization_noise",
    "color_block",
    "high_sharpen",
    "contrast_change",
];

/// The SIQAD types that are reproduced, in SIQAD's order (Gaussian noise is `awgn`); its
/// layer-segmentation-based coding is not (see [`super::distortions`]).
const SIQAD: &[&str] = &[
    "awgn",
    "gblur",
    "motion_blur",
    "contrast_change",
    "jpeg",
    "jpeg2000",
];

/// The SCID types that are reproduced, in SCID's order (Gaussian noise is `awgn`, colour
/// saturation change `saturation_change`, colour quantisation with dithering
/// `color_quantization`); its HEVC screen-content coding is not (see
/// [`super::distortions`]).
const SCID: &[&str] = &[
    "awgn",
    "gblur",
    "motion_blur",
    "contrast_change",
    "jpeg",
    "jpeg2000",
    "saturation_change",
    "color_quantization",
];

/// The named sets and their distortion names.
const SETS: &[(&str, &[&str])] = &[
    ("live", LIVE),
    ("tid2013", TID2013),
    ("kadid10k", KADID10K),
    ("siqad", SIQAD),
    ("scid", SCID),
];

/// Every distortion by name (the registry).
pub fn distortion_by_name(name: &str) -> Result<Box<dyn Distortion>> {
    super::distortions::all()
        .into_iter()
        .find(|d| d.name() == name)
        .ok_or_else(|| DataError::Config {
            what: "distortion",
            reason: format!(
                "unknown distortion `{name}`; known: {}",
                distortion_names().join(", ")
            ),
        })
}

/// The distortions of a named set: `live`, `tid2013`, `kadid10k`, `siqad` or `scid`.
pub fn distortion_set(set: &str) -> Result<Vec<Box<dyn Distortion>>> {
    let names = SETS
        .iter()
        .find(|(name, _)| *name == set)
        .map(|(_, names)| *names)
        .ok_or_else(|| DataError::Config {
            what: "distortion set",
            reason: format!(
                "unknown set `{set}`; known: {}",
                SETS.iter().map(|s| s.0).collect::<Vec<_>>().join(", ")
            ),
        })?;
    names.iter().map(|name| distortion_by_name(name)).collect()
}

/// All registered names.
pub fn distortion_names() -> Vec<&'static str> {
    super::distortions::all().iter().map(|d| d.name()).collect()
}

/// The names of the named sets.
pub fn distortion_set_names() -> Vec<&'static str> {
    SETS.iter().map(|s| s.0).collect()
}
