//! Decoding an image file to 8-bit RGB, with one policy everywhere (scoring, testing,
//! training): the format is guessed from the content, grayscale is replicated to three
//! channels, 16-bit and float samples are converted by the `image` crate's rules (16-bit:
//! `value / 257`, rounded), and an alpha channel is dropped when every pixel is opaque.
//! A transparent pixel is an error: the quality of what lies behind it is undefined; so is
//! a truncated JPEG file, which decoders would otherwise complete with grey blocks.

use std::path::Path;

use image::{DynamicImage, RgbImage};

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
/// truncated one silently. Decoding is bounded by [`limits`].
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
    let fail = |reason: String| IoError::Decode {
        path: path.to_path_buf(),
        reason,
    };
    if crate::jpeg::looks_like_jpeg(&bytes) {
        crate::jpeg::check_complete(&bytes).map_err(|defect| fail(defect.to_string()))?;
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| fail(e.to_string()))?;
    reader.limits(limits());
    reader.decode().map_err(|e| fail(e.to_string()))
}

/// The largest image side the decoder accepts, in pixels.
pub const MAX_SIDE: u32 = 32_768;
/// The most memory one decode may allocate, in bytes (a 16-bit RGBA image of about 100
/// megapixels, or an 8-bit RGB one of about 400).
pub const MAX_DECODE_BYTES: u64 = 1 << 30;

/// The bounds every decode runs under: sides up to [`MAX_SIDE`] and at most
/// [`MAX_DECODE_BYTES`] allocated, so a crafted header cannot make the decoder reserve
/// more memory than a real photograph needs.
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
}
