//! Images to tensors: `1 x 3 x H x W`, `f32`, RGB in [0, 1].
//!
//! Grayscale images are expanded to three equal channels (their luma is then the gray
//! value itself). An alpha channel is dropped when every pixel is opaque; a transparent
//! pixel is an error, since the quality of what lies behind it is undefined.

use std::path::Path;

use candle_core::{Device, Tensor};
use image::DynamicImage;

use crate::{ModelError, Result};

/// Reads and decodes an image file.
pub fn load_image(path: &Path) -> Result<DynamicImage> {
    image::ImageReader::open(path)
        .map_err(|e| ModelError::Image {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?
        .with_guessed_format()
        .map_err(|e| ModelError::Image {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?
        .decode()
        .map_err(|e| ModelError::Image {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

/// Converts an image to a `1 x 3 x H x W` tensor in [0, 1]; `what` names it in errors.
pub fn image_to_tensor(image: &DynamicImage, what: &str, device: &Device) -> Result<Tensor> {
    if image.color().has_alpha() {
        let rgba = image.to_rgba8();
        if let Some((x, y, _)) = rgba.enumerate_pixels().find(|(_, _, p)| p.0[3] < 255) {
            return Err(ModelError::Transparent {
                what: what.to_string(),
                x,
                y,
            });
        }
    }
    let rgb = image.to_rgb8();
    let (width, height) = rgb.dimensions();
    let (h, w) = (height as usize, width as usize);
    // (H, W, 3) u8 -> (1, 3, H, W) f32 / 255
    let data = rgb.into_raw();
    let tensor = Tensor::from_vec(data, (h, w, 3), device)?
        .permute((2, 0, 1))?
        .to_dtype(candle_core::DType::F32)?
        .affine(1.0 / 255.0, 0.0)?
        .unsqueeze(0)?;
    Ok(tensor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma, Rgba, RgbaImage};

    #[test]
    fn gray_is_expanded_and_scaled() {
        let img = DynamicImage::ImageLuma8(GrayImage::from_pixel(3, 2, Luma([51])));
        let t = image_to_tensor(&img, "gray", &Device::Cpu).unwrap();
        assert_eq!(t.dims(), &[1, 3, 2, 3]);
        let v: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
        assert!(v.iter().all(|&x| (x - 0.2).abs() < 1e-7));
    }

    #[test]
    fn opaque_alpha_is_dropped_transparent_refused() {
        let mut img = RgbaImage::from_pixel(4, 4, Rgba([10, 20, 30, 255]));
        assert!(image_to_tensor(&DynamicImage::ImageRgba8(img.clone()), "a", &Device::Cpu).is_ok());
        img.put_pixel(2, 1, Rgba([10, 20, 30, 128]));
        let err =
            image_to_tensor(&DynamicImage::ImageRgba8(img), "dist.png", &Device::Cpu).unwrap_err();
        assert!(
            err.to_string().contains("dist.png has transparent pixels")
                && err.to_string().contains("x=2, y=1")
        );
    }
}
