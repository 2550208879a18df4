//! Decoding an image file to 8-bit RGB, with one policy everywhere (scoring, testing,
//! training): the format is guessed from the content, grayscale is replicated to three
//! channels, 16-bit and float samples are converted by the `image` crate's rules (16-bit:
//! `value / 257`, rounded), and an alpha channel is dropped when every pixel is opaque.
//! A transparent pixel is an error: the quality of what lies behind it is undefined; so is
//! a truncated JPEG file, which decoders would otherwise complete with grey blocks.

use std::path::Path;

use image::{DynamicImage, ImageDecoder, RgbImage};

use crate::{IoError, Result};

/// Reads and decodes the image at `path` to 8-bit RGB (see the module documentation).
pub fn decode_rgb8(path: impl AsRef<Path>) -> Result<RgbImage> {
    let path = path.as_ref();
    let image = decode(path)?;
    to_rgb8(image, path)
}

/// Reads and decodes the image at `path` as the decoder gives it.
///
/// A JPEG file must be complete (see [`crate::jpeg`]): decoders fill the missing part of a
/// truncated one silently. Decoding is bounded as [`decode_bytes_within`] says.
pub fn decode(path: &Path) -> Result<DynamicImage> {
    let bytes = std::fs::read(path).map_err(|source| IoError::File {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    decode_bytes(bytes, path)
}

/// Decodes the bytes of an image file under the same policy as [`decode`]; `path` names
/// the file in errors.
pub fn decode_bytes(bytes: Vec<u8>, path: &Path) -> Result<DynamicImage> {
    decode_bytes_within(bytes, path, crate::memory::available_bytes())
}

/// [`decode_bytes`] on a machine that can give `available` bytes (`None`: unknown).
///
/// Before the decoder allocates the image, its header's claimed size is checked twice:
/// - against the file's size ([`max_pixels`]): a PNG or JPEG file cannot hold more
///   pixels than its bytes can code, so a file that claims more is truncated or crafted
///   and is refused ([`IoError::Implausible`]) instead of being decoded into a huge canvas
///   of filler (JPEG decoders fill missing blocks quietly);
/// - against the memory a decode may allocate ([`max_alloc`]: [`MAX_DECODE_BYTES`], and
///   at most half of `available`), refused as [`IoError::TooLarge`].
pub fn decode_bytes_within(
    bytes: Vec<u8>,
    path: &Path,
    available: Option<u64>,
) -> Result<DynamicImage> {
    let fail = |reason: String| IoError::Decode {
        path: path.to_path_buf(),
        reason,
    };
    if crate::jpeg::looks_like_jpeg(&bytes) {
        crate::jpeg::check_complete(&bytes).map_err(|defect| fail(defect.to_string()))?;
    }
    let file_bytes = bytes.len() as u64;
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| fail(e.to_string()))?;
    let format = reader.format();
    let allowed = max_alloc(available);
    let mut bounds = limits();
    bounds.max_alloc = Some(allowed);
    reader.limits(bounds);
    let decoder = reader.into_decoder().map_err(|e| fail(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if let Some(format) = format
        && let Some((name, most)) = max_pixels(format, file_bytes)
        && u64::from(width) * u64::from(height) > most
    {
        return Err(IoError::Implausible {
            path: path.to_path_buf(),
            format: name,
            file_bytes,
            width,
            height,
            max_pixels: most,
        });
    }
    let needed = decoder.total_bytes();
    if needed > allowed {
        return Err(IoError::TooLarge {
            path: path.to_path_buf(),
            width,
            height,
            needed: crate::memory::human(needed as f64),
            allowed: crate::memory::human(allowed as f64),
        });
    }
    DynamicImage::from_decoder(decoder).map_err(|e| fail(e.to_string()))
}

/// The largest image side the decoder accepts, in pixels.
pub const MAX_SIDE: u32 = 32_768;
/// The most memory one decode may allocate, in bytes (a 16-bit RGBA image of about 100
/// megapixels, or an 8-bit RGB one of about 400), whatever the machine has.
pub const MAX_DECODE_BYTES: u64 = 1 << 30;

/// Pixels a PNG file can hold per byte: deflate expands one byte to at most 1032, and
/// the smallest PNG pixel is one bit.
pub const PNG_PIXELS_PER_BYTE: u64 = 8 * 1032;
/// Pixels a JPEG file can hold per byte: the decoder reads Huffman-coded JPEG only, whose
/// scans spend at least one bit (a Huffman code) on each 8x8 block of the full-resolution
/// component. Real photographs use far fewer: a blank 4:2:0 image with the standard
/// tables takes 4 bytes per 16x16 block, 64 pixels a byte.
pub const JPEG_PIXELS_PER_BYTE: u64 = 64 * 8;

/// The format's name and the most pixels a complete file of `file_bytes` bytes can hold,
/// for the formats with such a bound (PNG, JPEG); `None` for the others (BMP and TIFF
/// can skip pixels with run-length codes or missing strips), which are bounded by
/// [`max_alloc`] alone.
pub fn max_pixels(format: image::ImageFormat, file_bytes: u64) -> Option<(&'static str, u64)> {
    match format {
        image::ImageFormat::Png => Some(("PNG", file_bytes.saturating_mul(PNG_PIXELS_PER_BYTE))),
        image::ImageFormat::Jpeg => Some(("JPEG", file_bytes.saturating_mul(JPEG_PIXELS_PER_BYTE))),
        _ => None,
    }
}

/// The most bytes one decode may allocate on a machine that can give `available` bytes:
/// [`MAX_DECODE_BYTES`], and at most half of `available`, so that the decoded image can
/// still be converted and scored (the scoring paths check their own need next).
pub fn max_alloc(available: Option<u64>) -> u64 {
    available.map_or(MAX_DECODE_BYTES, |bytes| MAX_DECODE_BYTES.min(bytes / 2))
}

/// The bounds every decode runs under: sides up to [`MAX_SIDE`] and at most
/// [`MAX_DECODE_BYTES`] allocated, so a crafted header cannot make the decoder reserve
/// more memory than a real photograph needs ([`decode_bytes_within`] lowers the
/// allocation bound to the machine's memory).
pub fn limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// `image` as 8-bit RGB, refusing transparent pixels; `path` names it in errors.
pub fn to_rgb8(image: DynamicImage, path: &Path) -> Result<RgbImage> {
    if image.color().has_alpha() {
        let rgba = image.to_rgba8();
        if let Some((x, y, _)) = rgba.enumerate_pixels().find(|(_, _, p)| p.0[3] < 255) {
            return Err(IoError::Transparent {
                path: path.to_path_buf(),
                x,
                y,
            });
        }
    }
    Ok(match image {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.to_rgb8(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma, Rgba, RgbaImage};

    #[test]
    fn gray_is_replicated_and_opaque_alpha_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let gray = dir.path().join("g.png");
        GrayImage::from_pixel(3, 2, Luma([51])).save(&gray).unwrap();
        let rgb = decode_rgb8(&gray).unwrap();
        assert_eq!(rgb.dimensions(), (3, 2));
        assert!(rgb.pixels().all(|p| p.0 == [51, 51, 51]));
        let rgba = dir.path().join("a.png");
        RgbaImage::from_pixel(2, 2, Rgba([10, 20, 30, 255]))
            .save(&rgba)
            .unwrap();
        assert!(
            decode_rgb8(&rgba)
                .unwrap()
                .pixels()
                .all(|p| p.0 == [10, 20, 30])
        );
    }

    #[test]
    fn transparent_pixels_and_garbage_are_refused_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dist.png");
        let mut img = RgbaImage::from_pixel(4, 4, Rgba([10, 20, 30, 255]));
        img.put_pixel(2, 1, Rgba([10, 20, 30, 128]));
        img.save(&path).unwrap();
        let err = decode_rgb8(&path).unwrap_err().to_string();
        assert!(
            err.contains("dist.png") && err.contains("x=2, y=1"),
            "{err}"
        );
        let junk = dir.path().join("junk.png");
        std::fs::write(&junk, b"not an image").unwrap();
        let err = decode_rgb8(&junk).unwrap_err().to_string();
        assert!(err.contains("junk.png"), "{err}");
        let err = decode_rgb8(dir.path().join("none.png"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("none.png") && err.contains("read"), "{err}");
    }

    #[test]
    fn a_truncated_jpeg_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("photo.jpg");
        let img = image::RgbImage::from_fn(96, 64, |x, y| image::Rgb([x as u8, y as u8, 7]));
        img.save(&path).unwrap();
        assert_eq!(decode_rgb8(&path).unwrap().dimensions(), (96, 64));
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = decode_rgb8(&path).unwrap_err().to_string();
        assert!(
            err.contains("photo.jpg") && err.contains("truncated"),
            "{err}"
        );
    }

    /// CRC-32 of PNG chunks (bitwise, for building test files).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let body = [kind.as_slice(), data].concat();
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
        out
    }

    #[test]
    fn a_small_png_claiming_a_huge_canvas_is_refused_before_allocating() {
        // 30000 x 30000 8-bit grey (900 MB decoded, under the 1 GiB bound) in 67 bytes.
        let mut header = 30_000u32.to_be_bytes().to_vec();
        header.extend_from_slice(&30_000u32.to_be_bytes());
        header.extend_from_slice(&[8, 0, 0, 0, 0]);
        let png = [
            b"\x89PNG\r\n\x1a\n".as_slice(),
            &chunk(b"IHDR", &header),
            // A zlib stream of a few zero bytes.
            &chunk(
                b"IDAT",
                &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
            ),
            &chunk(b"IEND", &[]),
        ]
        .concat();
        let start = std::time::Instant::now();
        let err =
            decode_bytes_within(png.clone(), Path::new("huge.png"), Some(64 << 30)).unwrap_err();
        assert!(
            matches!(
                err,
                IoError::Implausible {
                    width: 30_000,
                    height: 30_000,
                    ..
                }
            ),
            "{err}"
        );
        let message = err.to_string();
        assert!(
            message.contains("huge.png")
                && message.contains(&format!("PNG file of {} bytes", png.len()))
                && message.contains("30000x30000"),
            "{message}"
        );
        assert!(start.elapsed().as_secs_f64() < 1.0);
    }

    #[test]
    fn a_small_jpeg_claiming_a_huge_canvas_is_refused() {
        let mut jpeg = Vec::new();
        image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([x as u8 * 9, y as u8 * 9, 50]))
            .write_to(
                &mut std::io::Cursor::new(&mut jpeg),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        assert!(decode_bytes_within(jpeg.clone(), Path::new("small.jpg"), None).is_ok());
        // The start-of-frame segment: FF C0, length (2), precision (1), height, width.
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 5..sof + 7].copy_from_slice(&11_265u16.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&11_288u16.to_be_bytes());
        let err = decode_bytes_within(jpeg, Path::new("claims.jpg"), None).unwrap_err();
        assert!(
            matches!(
                err,
                IoError::Implausible {
                    format: "JPEG",
                    width: 11_288,
                    height: 11_265,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("claims.jpg"), "{err}");
    }

    #[test]
    fn blank_images_compress_well_within_the_bounds() {
        for format in [image::ImageFormat::Jpeg, image::ImageFormat::Png] {
            let mut bytes = Vec::new();
            image::RgbImage::from_pixel(2048, 2048, image::Rgb([255, 255, 255]))
                .write_to(&mut std::io::Cursor::new(&mut bytes), format)
                .unwrap();
            let image = decode_bytes_within(bytes, Path::new("blank"), None).unwrap();
            assert_eq!((image.width(), image.height()), (2048, 2048), "{format:?}");
        }
    }

    #[test]
    fn a_decode_may_use_half_the_available_memory() {
        assert_eq!(max_alloc(None), MAX_DECODE_BYTES);
        assert_eq!(max_alloc(Some(100 << 30)), MAX_DECODE_BYTES);
        assert_eq!(max_alloc(Some(1 << 20)), 1 << 19);
        let mut png = Vec::new();
        image::RgbImage::from_pixel(64, 64, image::Rgb([1, 2, 3]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert!(decode_bytes_within(png.clone(), Path::new("ok.png"), Some(1 << 20)).is_ok());
        // 64 x 64 x 3 bytes = 12 KiB decoded; a machine with 16 KiB gives 8 KiB.
        let err = decode_bytes_within(png, Path::new("big.png"), Some(16 << 10)).unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, IoError::TooLarge { .. })
                && message.contains("big.png")
                && message.contains("64x64")
                && message.contains("12.000 KiB")
                && message.contains("8.000 KiB"),
            "{message}"
        );
    }
}
