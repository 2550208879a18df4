//! Training patches and whole-image scores see the same pixels: an image smaller than the
//! patch is mirror-padded by `iqa_data::patch::pad_to_patch` (8-bit, for training batches)
//! and by `iqa_models::nr::pad_to_patch` (tensors, for scoring) to the same values.
#![allow(clippy::unwrap_used, missing_docs)]

use candle_core::Device;
use image::RgbImage;
use iqa_data::patch::push_chw;
use iqa_models::rgb_to_tensor;

#[test]
fn both_paddings_give_the_same_values() {
    for (w, h, size) in [(37, 23, 64), (5, 70, 64), (64, 64, 64), (3, 2, 20)] {
        let image = RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 7 + y) as u8, (y * 11) as u8, (x * y) as u8])
        });
        let mut training = Vec::new();
        push_chw(
            &iqa_data::patch::pad_to_patch(image.clone(), size),
            &mut training,
        );
        let scoring: Vec<f32> = iqa_models::nr::pad_to_patch(
            &rgb_to_tensor(&image, &Device::Cpu).unwrap(),
            size as usize,
        )
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
        assert_eq!(training, scoring, "{w}x{h} padded to {size}");
    }
}
