//! Decoding an image file to 8-bit RGB, with one policy everywhere (scoring, testing,
//! training): the format is guessed from the content, grayscale is replicated to three
//! channels, 16-bit and float samples are converted by the `image` crate's rules (16-bit:
//! `value / 257`, rounded), and an alpha channel is dropped when every pixel is opaque.
//! A transparent pixel is an error: the quality of what lies behind it is undefined.

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
pub fn decode(path: &Path) -> Result<DynamicImage> {
    let fail = |reason: String| IoError::Decode {
        path: path.to_path_buf(),
        reason,
    };
    image::ImageReader::open(path)
        .map_err(|source| IoError::File {
            action: "open",
            path: path.to_path_buf(),
            source,
        })?
        .with_guessed_format()
        .map_err(|e| fail(e.to_string()))?
        .decode()
        .map_err(|e| fail(e.to_string()))
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
        assert!(err.contains("none.png") && err.contains("open"), "{err}");
    }
}
