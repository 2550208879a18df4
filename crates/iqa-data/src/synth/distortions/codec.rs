//! Real codecs: JPEG (the `image` crate's encoder), JPEG 2000 (OpenJPEG) and LIVE's fast
//! fading (a JPEG 2000 codestream with channel bit errors).

use std::path::PathBuf;

use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::openjpeg::{J2kOptions, encode_j2k};
use super::{Table, Tabled, check_parameter};
use crate::synth::distortion::Distortion;
use crate::{DataError, Result};

/// `jpeg`: the JPEG quality factor (1..=100) of each level.
pub const JPEG_QUALITY: Table = [16.0, 7.0, 4.0, 3.0, 1.0];
/// `jpeg2000`: the compression ratio (raw 24-bit size over codestream size) of each level.
pub const JPEG2000_RATIO: Table = [29.0, 58.8, 101.0, 160.0, 241.0];
/// `fast_fading`: the compression ratio of the transmitted codestream (all levels).
pub const FAST_FADING_RATIO: f64 = 12.0;
/// `fast_fading`: the channel's bit-error rate of each level.
pub const FAST_FADING_BIT_ERROR_RATE: Table = [1e-5, 3e-5, 7e-5, 1.5e-4, 3e-4];

/// Draws of bit errors tried at one error rate before halving it.
const FAST_FADING_ATTEMPTS: usize = 8;

/// The codec distortions.
pub(super) fn distortions() -> Vec<Box<dyn Distortion>> {
    vec![
        Tabled::boxed(
            "jpeg",
            "JPEG compression at a quality factor (the `image` crate's baseline encoder: Annex \
             K tables with IJG scaling, no chroma subsampling, unlike the databases' 4:2:0)",
            JPEG_QUALITY,
            jpeg,
        ),
        Tabled::boxed(
            "jpeg2000",
            "JPEG 2000 compression (OpenJPEG, 9/7 wavelet, one layer) at a compression ratio",
            JPEG2000_RATIO,
            jpeg2000,
        ),
        Tabled::boxed(
            "fast_fading",
            "LIVE fast fading, approximated: a JPEG 2000 codestream (OpenJPEG, ratio 12, \
             SOP/EPH markers, RESTART/ERTERM/SEGMARK code-block modes) with random bit flips \
             at a bit-error rate (at least one flip) in the packet bodies only (packet \
             headers kept intact: OpenJPEG cannot resynchronise after a damaged header as \
             LIVE's Kakadu decoder did), decoded by OpenJPEG; if 8 draws fail to decode, the \
             number of flips is halved (down to none) with a warning in the log",
            FAST_FADING_BIT_ERROR_RATE,
            fast_fading,
        ),
    ]
}

/// An `Image` error for a failed codec step (no file involved).
fn codec_error(codec: &str, error: impl std::fmt::Display) -> DataError {
    DataError::Image {
        path: PathBuf::new(),
        reason: format!("{codec} failed: {error}"),
    }
}

/// Encodes `image` as a baseline JPEG at `quality` (1..=100).
pub(crate) fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality.clamp(1, 100))
        .encode_image(image)
        .map_err(|e| codec_error("JPEG encoder (image crate)", e))?;
    Ok(bytes)
}

/// Decodes JPEG bytes.
fn decode_jpeg(bytes: &[u8]) -> Result<RgbImage> {
    image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .map(|decoded| decoded.to_rgb8())
        .map_err(|e| codec_error("JPEG decoder (image crate)", e))
}

/// `jpeg`: encode at the level's quality and decode.
fn jpeg(image: &RgbImage, quality: f64, _rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let quality = check_parameter("JPEG quality", quality, 1.0..=100.0)?;
    decode_jpeg(&encode_jpeg(image, quality.round() as u8)?)
}

/// Decodes a JPEG 2000 codestream (OpenJPEG through `jpeg2k`, non-strict: truncated or
/// damaged streams decode as far as they can) to an image of `width` x `height`.
fn decode_j2k(bytes: &[u8], width: u32, height: u32) -> Result<RgbImage> {
    let decoder = "JPEG 2000 decoder (OpenJPEG)";
    let decoded = jpeg2k::Image::from_bytes(bytes).map_err(|e| codec_error(decoder, e))?;
    let pixels = decoded
        .get_pixels(None)
        .map_err(|e| codec_error(decoder, e))?;
    let size_ok = (pixels.width, pixels.height) == (width, height);
    match pixels.data {
        jpeg2k::ImagePixelData::Rgb8(raw) if size_ok => RgbImage::from_raw(width, height, raw)
            .ok_or_else(|| codec_error(decoder, "short pixel buffer")),
        _ => Err(codec_error(
            decoder,
            "not a 3-component 8-bit image of the input's size",
        )),
    }
}

/// `jpeg2000`: encode at the level's compression ratio and decode.
fn jpeg2000(image: &RgbImage, ratio: f64, _rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let ratio = check_parameter("JPEG 2000 compression ratio", ratio, 1.0..=10_000.0)?;
    let options = J2kOptions {
        ratio,
        resilient: false,
    };
    decode_j2k(&encode_j2k(image, options)?, image.width(), image.height())
}

/// `fast_fading`: bit errors in the packet bodies of a resilient codestream; see the
/// description.
fn fast_fading(image: &RgbImage, rate: f64, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    let rate = check_parameter("fast fading bit-error rate", rate, 0.0..=0.5)?;
    let options = J2kOptions {
        ratio: FAST_FADING_RATIO,
        resilient: true,
    };
    let stream = encode_j2k(image, options)?;
    let bodies = packet_bodies(&stream, body_start(&stream)?);
    let bits: usize = bodies.iter().map(|b| b.len() * 8).sum();
    let mut flips = ((rate * bits as f64).round() as usize).max(1);
    loop {
        for _ in 0..FAST_FADING_ATTEMPTS {
            let mut damaged = stream.clone();
            flip_bits(&mut damaged, &bodies, flips, rng);
            if let Ok(decoded) = decode_j2k(&damaged, image.width(), image.height()) {
                return Ok(decoded);
            }
        }
        if flips == 0 {
            return Err(codec_error(
                "JPEG 2000 decoder (OpenJPEG)",
                "error-free stream",
            ));
        }
        tracing::warn!(
            flips,
            "fast_fading: 8 damaged streams failed to decode; halving"
        );
        flips /= 2;
    }
}

/// The offset just past the first SOD marker (`0xFF93`): the start of the tile data.
fn body_start(stream: &[u8]) -> Result<usize> {
    stream
        .windows(2)
        .position(|w| w == [0xFF, 0x93])
        .map(|i| i + 2)
        .ok_or_else(|| codec_error("JPEG 2000 encoder (OpenJPEG)", "no SOD marker"))
}

/// The packet bodies (code-block data) of a codestream written with SOP and EPH markers:
/// from each EPH (`0xFF92`) to the next SOP (`0xFF91`) or the final EOC. Marker codes
/// cannot occur inside packet headers or bodies (bit stuffing), so a scan finds them.
fn packet_bodies(stream: &[u8], from: usize) -> Vec<std::ops::Range<usize>> {
    let end = stream.len().saturating_sub(2); // EOC
    let marker =
        |i: usize, code: u8| stream.get(i) == Some(&0xFF) && stream.get(i + 1) == Some(&code);
    let mut bodies = Vec::new();
    let mut open: Option<usize> = None;
    for i in from..end {
        if marker(i, 0x92) {
            open = Some(i + 2);
        } else if marker(i, 0x91) {
            if let Some(start) = open.take() {
                bodies.push(start..i);
            }
        }
    }
    if let Some(start) = open {
        bodies.push(start..end);
    }
    bodies.retain(|b| !b.is_empty());
    bodies
}

/// Flips `count` random bits spread uniformly over the bytes of `ranges`, skipping any
/// flip that would create a marker code (`0xFF` followed by a byte above `0x8F`).
fn flip_bits(
    bytes: &mut [u8],
    ranges: &[std::ops::Range<usize>],
    count: usize,
    rng: &mut ChaCha8Rng,
) {
    let total: usize = ranges.iter().map(|r| r.len()).sum();
    if total == 0 {
        return;
    }
    let mut done = 0;
    for _ in 0..count.saturating_mul(4) {
        if done == count {
            break;
        }
        let at = byte_at(ranges, rng.random_range(0..total));
        let bit = 1u8 << rng.random_range(0..8);
        bytes[at] ^= bit;
        if creates_marker(bytes, at) {
            bytes[at] ^= bit;
        } else {
            done += 1;
        }
    }
}

/// The offset of the `index`-th byte of the concatenated `ranges`.
fn byte_at(ranges: &[std::ops::Range<usize>], mut index: usize) -> usize {
    for range in ranges {
        if index < range.len() {
            return range.start + index;
        }
        index -= range.len();
    }
    ranges.last().map_or(0, |r| r.end - 1)
}

/// Whether the byte at `at` now forms a marker code with a neighbour.
fn creates_marker(bytes: &[u8], at: usize) -> bool {
    let before = at > 0 && bytes[at - 1] == 0xFF && bytes[at] > 0x8F;
    let after = bytes[at] == 0xFF && bytes.get(at + 1).is_some_and(|&b| b > 0x8F);
    before || after
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::single_range_in_vec_init)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    /// The luminance quantisation table's DC step as libjpeg's `jpeg_quality_scaling`
    /// makes it from the standard table (whose DC entry is 16).
    fn ijg_dc_step(quality: u32) -> u32 {
        let scale = if quality < 50 {
            5000 / quality
        } else {
            200 - 2 * quality
        };
        ((16 * scale + 50) / 100).clamp(1, 255)
    }

    #[test]
    fn jpeg_is_encoded_at_the_table_quality() {
        let image = RgbImage::from_fn(32, 24, |x, y| {
            image::Rgb([(x * 8) as u8, (y * 10) as u8, 60])
        });
        for quality in JPEG_QUALITY {
            let bytes = encode_jpeg(&image, quality as u8).unwrap();
            // The first DQT segment (FF DB, length, Pq/Tq = 0) holds the luminance table;
            // its first entry is the DC step.
            let at = bytes.windows(2).position(|w| w == [0xFF, 0xDB]).unwrap();
            assert_eq!(bytes[at + 4], 0, "8-bit table 0");
            assert_eq!(
                u32::from(bytes[at + 5]),
                ijg_dc_step(quality as u32),
                "quality {quality}"
            );
            let decoded =
                image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (32, 24));
        }
    }

    /// A 128x96 image with edges and texture.
    fn image() -> RgbImage {
        RgbImage::from_fn(128, 96, |x, y| {
            image::Rgb([(x * 2) as u8, (y * 3 % 256) as u8, ((x * y) % 251) as u8])
        })
    }

    /// A resilient codestream of [`image`] and its packet bodies.
    fn resilient_stream() -> (Vec<u8>, Vec<std::ops::Range<usize>>) {
        let options = J2kOptions {
            ratio: FAST_FADING_RATIO,
            resilient: true,
        };
        let stream = encode_j2k(&image(), options).unwrap();
        let bodies = packet_bodies(&stream, body_start(&stream).unwrap());
        (stream, bodies)
    }

    /// Whether `bytes` holds a marker code (`0xFF` then a byte above `0x8F`).
    fn has_marker(bytes: &[u8]) -> bool {
        bytes.windows(2).any(|w| w[0] == 0xFF && w[1] > 0x8F)
    }

    #[test]
    fn packet_bodies_are_marker_free_data_after_the_main_header() {
        let (stream, bodies) = resilient_stream();
        let start = body_start(&stream).unwrap();
        assert!(!bodies.is_empty());
        for body in &bodies {
            assert!(body.start >= start && body.end <= stream.len() - 2);
            assert!(!has_marker(&stream[body.clone()]), "{body:?}");
        }
    }

    #[test]
    fn flips_never_create_marker_codes() {
        let mut bytes = [0xFF, 0x00, 0xFF, 0x7F, 0x8F, 0xFE].repeat(50);
        let ranges = vec![0..bytes.len()];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        flip_bits(&mut bytes, &ranges, 200, &mut rng);
        assert!(!has_marker(&bytes));
    }

    #[test]
    fn damaged_streams_decode_to_a_different_image_at_every_rate() {
        let (stream, bodies) = resilient_stream();
        let clean = decode_j2k(&stream, 128, 96).unwrap();
        let bits: usize = bodies.iter().map(|b| b.len() * 8).sum();
        for (seed, rate) in FAST_FADING_BIT_ERROR_RATE.into_iter().enumerate() {
            let flips = ((rate * bits as f64).round() as usize).max(1);
            let mut rng = ChaCha8Rng::seed_from_u64(seed as u64);
            let mut damaged = stream.clone();
            flip_bits(&mut damaged, &bodies, flips, &mut rng);
            assert_ne!(damaged, stream);
            let decoded = decode_j2k(&damaged, 128, 96).unwrap();
            assert!(decoded != clean, "rate {rate}: the flips changed nothing");
        }
    }
}
