//! Tests every registered distortion on a procedural image: determinism, size, change at
//! every level, severity growing with the level, level bounds, the registry and the sets,
//! and the two encoders.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use image::{Rgb, RgbImage};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{J2kOptions, encode_j2k, encode_jpeg};
use crate::DataError;
use crate::synth::distortion::{
    Distortion, LEVELS, distortion_by_name, distortion_names, distortion_set,
};

/// A 96x64 test image: smooth colour gradients, sharp-edged rectangles and a texture.
fn test_image() -> RgbImage {
    test_image_sized(96, 64)
}

/// A pseudo-random texture value in -20..=20 for pixel (`x`, `y`).
fn texture(x: u32, y: u32) -> f32 {
    let mut h = x.wrapping_mul(374_761_393) ^ y.wrapping_mul(668_265_263);
    h = (h ^ (h >> 13)).wrapping_mul(1_274_126_177);
    ((h ^ (h >> 16)) % 41) as f32 - 20.0
}

/// The test image drawn at `width` x `height` (the layout scales with the size).
fn test_image_sized(width: u32, height: u32) -> RgbImage {
    let inside = |v: u32, size: u32, from: f32, to: f32| {
        let f = v as f32 / size as f32;
        (from..to).contains(&f)
    };
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
        let t = if fy > 0.62 { texture(x, y) } else { 0.0 };
        let mut rgb = [
            40.0 + 170.0 * fx + t,
            30.0 + 180.0 * fy + t,
            200.0 - 120.0 * fx * fy + t,
        ];
        let rect = |x0, x1, y0, y1| inside(x, width, x0, x1) && inside(y, height, y0, y1);
        if rect(0.1, 0.35, 0.12, 0.44) {
            rgb = [230.0, 40.0, 30.0];
        }
        if rect(0.57, 0.83, 0.22, 0.56) {
            rgb = [20.0, 60.0, 200.0];
        }
        if rect(0.69, 0.94, 0.69, 0.9) {
            rgb = [250.0, 250.0, 240.0];
        }
        Rgb(rgb.map(|v| v.clamp(0.0, 255.0) as u8))
    })
}

/// Mean squared error between two images of the same size.
fn mse(a: &RgbImage, b: &RgbImage) -> f64 {
    let sum: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    sum / a.as_raw().len() as f64
}

/// Applies `distortion` at `level` to the test image with a fresh rng from `seed`.
fn apply(distortion: &dyn Distortion, level: u8, seed: u64) -> RgbImage {
    apply_to(&test_image(), distortion, level, seed)
}

/// Applies `distortion` at `level` to `image` with a fresh rng from `seed`.
fn apply_to(image: &RgbImage, distortion: &dyn Distortion, level: u8, seed: u64) -> RgbImage {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    distortion
        .apply(image, level, &mut rng)
        .unwrap_or_else(|e| panic!("{} level {level}: {e}", distortion.name()))
}

/// The image the severity test uses for `name`: the rate-driven codecs get a 256x192
/// image, since at 96x64 their severe levels leave less than a header's worth of bytes
/// (or less than one bit error).
fn severity_image(name: &str) -> RgbImage {
    match name {
        "jpeg2000" | "fast_fading" => test_image_sized(256, 192),
        _ => test_image(),
    }
}

/// Every registered distortion.
fn every() -> Vec<Box<dyn Distortion>> {
    distortion_names()
        .into_iter()
        .map(|name| distortion_by_name(name).unwrap())
        .collect()
}

#[test]
fn same_seed_same_output_and_size() {
    let original = test_image();
    for distortion in every() {
        for level in 1..=LEVELS {
            let first = apply(distortion.as_ref(), level, 11);
            let second = apply(distortion.as_ref(), level, 11);
            assert_eq!(
                first.dimensions(),
                original.dimensions(),
                "{}",
                distortion.name()
            );
            assert!(
                first == second,
                "{} level {level} not deterministic",
                distortion.name()
            );
        }
    }
}

#[test]
fn every_level_changes_the_image() {
    let original = test_image();
    for distortion in every() {
        for level in 1..=LEVELS {
            let error = mse(&original, &apply(distortion.as_ref(), level, 5));
            assert!(
                error > 0.0,
                "{} level {level} left the image as is",
                distortion.name()
            );
        }
    }
}

#[test]
fn severity_grows_with_the_level() {
    let mut failures = Vec::new();
    for distortion in every() {
        let original = severity_image(distortion.name());
        let errors: Vec<f64> = (1..=LEVELS)
            .map(|level| {
                let seeds = [1, 2, 3];
                let sum: f64 = seeds
                    .iter()
                    .map(|&s| {
                        mse(
                            &original,
                            &apply_to(&original, distortion.as_ref(), level, s),
                        )
                    })
                    .sum();
                sum / seeds.len() as f64
            })
            .collect();
        let rounded: Vec<f64> = errors.iter().map(|e| (e * 10.0).round() / 10.0).collect();
        println!("{:24} {rounded:?}", distortion.name());
        if errors.windows(2).any(|pair| pair[1] <= pair[0]) {
            failures.push(distortion.name());
        }
    }
    assert!(
        failures.is_empty(),
        "MSE not increasing with the level: {failures:?}"
    );
}

#[test]
fn levels_outside_one_to_five_are_config_errors() {
    let image = test_image();
    for distortion in every() {
        for level in [0, LEVELS + 1] {
            let mut rng = ChaCha8Rng::seed_from_u64(0);
            let result = distortion.apply(&image, level, &mut rng);
            assert!(
                matches!(result, Err(DataError::Config { .. })),
                "{} level {level}",
                distortion.name()
            );
        }
    }
}

#[test]
fn every_distortion_has_a_description_and_finite_parameters() {
    for distortion in every() {
        assert!(
            !distortion.description().is_empty(),
            "{}",
            distortion.name()
        );
        assert!(distortion.parameters().iter().all(|p| p.is_finite()));
    }
}

#[test]
fn unknown_names_and_sets_list_the_valid_ones() {
    let error = distortion_by_name("nope").err().unwrap().to_string();
    assert!(error.contains("nope") && error.contains("gblur") && error.contains("jpeg2000"));
    let error = distortion_set("tid2008").err().unwrap().to_string();
    for set in ["live", "tid2013", "kadid10k"] {
        assert!(error.contains(set), "{error}");
    }
}

#[test]
fn names_are_unique_and_sets_hold_registered_names() {
    let names = distortion_names();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len());
    for set in ["live", "tid2013", "kadid10k"] {
        let members = distortion_set(set).unwrap();
        assert!(!members.is_empty());
        let mut set_names: Vec<_> = members.iter().map(|d| d.name()).collect();
        assert!(set_names.iter().all(|n| names.contains(n)), "{set}");
        set_names.sort_unstable();
        set_names.dedup();
        assert_eq!(set_names.len(), members.len(), "{set} repeats a name");
    }
    let live: Vec<_> = distortion_set("live")
        .unwrap()
        .iter()
        .map(|d| d.name())
        .collect();
    assert_eq!(live, ["jpeg2000", "jpeg", "awgn", "gblur", "fast_fading"]);
}

#[test]
fn jpeg_bytes_are_jpeg_and_shrink_with_quality() {
    let image = test_image();
    let good = encode_jpeg(&image, 90).unwrap();
    let bad = encode_jpeg(&image, 10).unwrap();
    assert!(good.starts_with(&[0xFF, 0xD8, 0xFF]));
    assert!(bad.len() < good.len(), "{} vs {}", bad.len(), good.len());
    let decoded = image::load_from_memory_with_format(&bad, image::ImageFormat::Jpeg).unwrap();
    assert_eq!(decoded.to_rgb8().dimensions(), image.dimensions());
}

#[test]
fn jpeg2000_bytes_are_a_codestream_and_shrink_with_the_ratio() {
    let image = test_image();
    let encode = |ratio| {
        let options = J2kOptions {
            ratio,
            resilient: false,
        };
        encode_j2k(&image, options).unwrap()
    };
    let (mild, severe) = (encode(8.0), encode(48.0));
    assert!(mild.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]), "no SOC/SIZ");
    assert!(mild.ends_with(&[0xFF, 0xD9]), "no EOC");
    assert!(
        severe.len() < mild.len(),
        "{} vs {}",
        severe.len(),
        mild.len()
    );
    let raw = 96 * 64 * 3;
    assert!(
        mild.len() <= raw / 8 + 16,
        "ratio 8 gave {} bytes",
        mild.len()
    );
    let decoded = jpeg2k::Image::from_bytes(&severe).unwrap();
    assert_eq!((decoded.width(), decoded.height()), image.dimensions());
}

#[test]
fn jpeg2000_rejects_a_ratio_below_one() {
    let options = J2kOptions {
        ratio: 0.5,
        resilient: false,
    };
    assert!(matches!(
        encode_j2k(&test_image(), options),
        Err(DataError::Config { .. })
    ));
}
