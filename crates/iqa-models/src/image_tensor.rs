//! Images to tensors: `1 x 3 x H x W`, `f32`, RGB in [0, 1].
//!
//! Files are decoded by the toolkit's one policy ([`iqa_io::image`]: grayscale replicated
//! to three channels, an opaque alpha channel dropped, a transparent pixel an error). An
//! 8-bit value `v` becomes `v / 255` in f32, correctly rounded, as PyTorch's `ToTensor`
//! and the training batches compute it, so that a model sees the same numbers whichever
//! path an image takes.

use std::path::Path;

use candle_core::{Device, Tensor};
use image::{DynamicImage, RgbImage};

use crate::Result;

/// Reads and decodes an image file.
pub fn load_image(path: impl AsRef<Path>) -> Result<DynamicImage> {
    Ok(iqa_io::image::decode(path.as_ref())?)
}

/// Reads an image file into a `1 x 3 x H x W` tensor in [0, 1].
pub fn load_image_tensor(path: impl AsRef<Path>, device: &Device) -> Result<Tensor> {
    rgb_to_tensor(&iqa_io::decode_rgb8(path)?, device)
}

/// Converts an image to a `1 x 3 x H x W` tensor in [0, 1]; `what` names it in errors.
pub fn image_to_tensor(image: &DynamicImage, what: &str, device: &Device) -> Result<Tensor> {
    let rgb = iqa_io::image::to_rgb8(image.clone(), Path::new(what))?;
    rgb_to_tensor(&rgb, device)
}

/// An 8-bit RGB image as a `1 x 3 x H x W` tensor in [0, 1].
pub fn rgb_to_tensor(rgb: &RgbImage, device: &Device) -> Result<Tensor> {
    let (width, height) = rgb.dimensions();
    let plane = (width * height) as usize;
    // (H, W, 3) u8 -> (3, H, W) f32 / 255
    let mut data = vec![0f32; 3 * plane];
    for (k, pixel) in rgb.pixels().enumerate() {
        for c in 0..3 {
            data[c * plane + k] = f32::from(pixel.0[c]) / 255.0;
        }
    }
    Ok(Tensor::from_vec(
        data,
        (1, 3, height as usize, width as usize),
        device,
    )?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma, Rgb, Rgba, RgbaImage};

    #[test]
    fn gray_is_expanded_and_scaled() {
        let img = DynamicImage::ImageLuma8(GrayImage::from_pixel(3, 2, Luma([51])));
        let t = image_to_tensor(&img, "gray", &Device::Cpu).unwrap();
        assert_eq!(t.dims(), &[1, 3, 2, 3]);
        let v: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
        assert!(v.iter().all(|&x| x == 51.0 / 255.0));
    }

    #[test]
    fn channels_are_planes_and_values_are_correctly_rounded() {
        let img = RgbImage::from_fn(256, 1, |x, _| Rgb([x as u8, 255 - x as u8, 7]));
        let t = rgb_to_tensor(&img, &Device::Cpu).unwrap();
        let v: Vec<Vec<f32>> = t.squeeze(0).unwrap().squeeze(1).unwrap().to_vec2().unwrap();
        for (x, ((r, g), b)) in v[0].iter().zip(&v[1]).zip(&v[2]).enumerate() {
            assert_eq!(*r, x as f32 / 255.0);
            assert_eq!(*r, (x as f64 / 255.0) as f32);
            assert_eq!(*g, (255 - x) as f32 / 255.0);
            assert_eq!(*b, 7.0 / 255.0);
        }
    }

    #[test]
    fn opaque_alpha_is_dropped_transparent_refused() {
        let mut img = RgbaImage::from_pixel(4, 4, Rgba([10, 20, 30, 255]));
        assert!(image_to_tensor(&DynamicImage::ImageRgba8(img.clone()), "a", &Device::Cpu).is_ok());
        img.put_pixel(2, 1, Rgba([10, 20, 30, 128]));
        let err =
            image_to_tensor(&DynamicImage::ImageRgba8(img), "dist.png", &Device::Cpu).unwrap_err();
        assert!(
            err.to_string().contains("dist.png") && err.to_string().contains("x=2, y=1"),
            "{err}"
        );
    }
}
