//! How much memory scoring an image (or a pair) needs, estimated from its size before any
//! metric runs, and checked against what the machine can give ([`iqa_io::memory`]): a
//! picture too large for the machine is refused with what it needs, what is available and
//! what to do, instead of being killed by the kernel half-way.
//!
//! The estimate is `fixed + bytes_per_pixel x pixels` ([`MemoryCost`]), `pixels` the
//! height times the width of one input image (times the batch size). The constants are
//! peaks of the whole `iqa` process (decoding included), measured with `/usr/bin/time -v`
//! on the release binary (2 CPU threads, mimalloc), on pairs of 1024x768 (0.79 MP) and
//! 2048x1536 (3.15 MP) PNG images, fitted by a line; the fast ones also on 6000x4000
//! (24 MP) to check the line. Peak resident memory, MiB:
//!
//! | metric | 0.79 MP | 3.15 MP | 24 MP | slope, bytes/pixel |
//! |---|---|---|---|---|
//! | psnr | 104 | 346 | 2488 | 108 |
//! | psnr-y | 100 | 338 | | 106 |
//! | ssim (auto downsampling) | 96 | 275 | 1948 | 79 (85 at 24 MP) |
//! | ssim, downsampling off | 181 | 332 | 2187 | 93 (96 at 24 MP) |
//! | ssim-rgb (auto) | 121 | 357 | | 105 |
//! | ssim-rgb, downsampling off | 271 | 424 | | 68, 219 MiB fixed |
//! | ms-ssim | 185 | 373 | 2229 | 93 (97 at 24 MP) |
//! | gmsd | 110 | 326 | 2205 | 96 |
//! | vif | 163 | 545 | | 170 |
//! | nlpd | 157 | 489 | | 148 |
//! | cw-ssim | 120 | 344 | | 100 |
//! | fsim, fsimc | 126 | 378 | | 112 |
//! | vsi | 193 | 721 | | 235 |
//! | mad | 316 | 1076 | | 338 |
//! | niqe | 63 | 187 | 1255 | 55 |
//! | brisque | 66 | 202 | 1450 | 61 (63 at 24 MP) |
//! | piqe | 61 | 179 | | 53 |
//!
//! The fixed part of every fit was 17 to 62 MiB; [`FIXED_BYTES`] (64 MiB) covers it. The
//! per-pixel constants below are the largest measured value plus [`MARGIN`] (10 %), for
//! what the measurement does not see: other thread counts (per-thread scratch buffers),
//! the allocator's fragmentation on other sizes. The estimate counts the decoded images
//! too, which already exist when the check runs, so it errs on the safe side.
//!
//! The SSIM family (SSIM, MS-SSIM) filters large images in strips of about a megapixel
//! (`fr::ssim`), so that what grows with the image is its conversion (the tensors, luma or
//! RGB in f64, both images), about 96 bytes a pixel; the strip's maps add a fixed
//! [`SSIM_STRIP_BYTES`]. Before the strips, SSIM without downsampling took 198 bytes a
//! pixel (4713 MiB at 24 MP), RGB 548, MS-SSIM 204 (4855 MiB at 24 MP).
//!
//! Not measured (no weights at hand): DeepWSD, estimated from VGG16's first block (64
//! channels of f32 for each image, a layer's input and output alive at once: about 1 KiB
//! a pixel, doubled for the later blocks' taps); patch models (Hallucinated-IQA), whose
//! image-size part is the image tensor and its mirror-padded copy (24 bytes a pixel), the
//! rest growing with the batch of patches, not with the image.
//!
//! The check runs where every scoring path goes through: [`crate::score_images`] for
//! full-reference metrics and [`crate::score_image`] for no-reference models, when they
//! compute on the CPU (on a GPU the maps live in the device's memory, which candle checks
//! itself).

use crate::Result;
use crate::fr::FullReferenceModel;
use crate::nr::{ExpectedInput, NoReferenceModel};

/// The overhead of every scoring run that does not grow with the image (the binary, the
/// thread pool, the metrics' tables), in bytes: 64 MiB.
pub const FIXED_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// The factor applied to every measured per-pixel peak.
pub const MARGIN: f64 = 1.1;

/// An estimate of the memory a computation needs: `fixed_bytes` plus `bytes_per_pixel`
/// for each pixel of one input image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryCost {
    /// Bytes per pixel of one input image (the pair's or batch's other images included).
    pub bytes_per_pixel: f64,
    /// Bytes that do not depend on the image's size.
    pub fixed_bytes: f64,
}

impl MemoryCost {
    /// A cost of `bytes_per_pixel` (a measured peak, before [`MARGIN`]) plus
    /// [`FIXED_BYTES`].
    pub fn measured(bytes_per_pixel: f64) -> MemoryCost {
        MemoryCost {
            bytes_per_pixel: bytes_per_pixel * MARGIN,
            fixed_bytes: FIXED_BYTES,
        }
    }

    /// The bytes needed for `images` inputs (pairs, for a full-reference metric) of
    /// `height x width` pixels.
    pub fn bytes(&self, images: usize, height: usize, width: usize) -> f64 {
        self.fixed_bytes + self.bytes_per_pixel * images as f64 * height as f64 * width as f64
    }
}

/// The largest measured per-pixel peak (MAD's), assumed for models not measured.
const LARGEST_MEASURED_PER_PIXEL: f64 = 338.0;

/// The measured peak of a full-reference metric, in bytes per pixel (see the module
/// documentation); unknown names get the largest (MAD's).
fn full_reference_peak(name: &str) -> f64 {
    match name {
        "psnr" | "psnr-y" => 109.0,
        "ssim" | "ms-ssim" => SSIM_PER_PIXEL,
        "ssim-rgb" => SSIM_RGB_PER_PIXEL,
        "gmsd" => 97.0,
        "vif" => 170.0,
        "nlpd" => 148.0,
        "cw-ssim" => 100.0,
        "fsim" | "fsimc" => 112.0,
        "vsi" => 235.0,
        "mad" => 338.0,
        "deepwsd" => 2048.0,
        _ => LARGEST_MEASURED_PER_PIXEL,
    }
}

/// What the maps of one strip of the SSIM family hold on top of the per-pixel part:
/// about 200 bytes for each of the strip's megapixel of input (219 MiB measured for
/// `ssim-rgb` without downsampling), in bytes.
pub const SSIM_STRIP_BYTES: f64 = 256.0 * 1024.0 * 1024.0;
/// SSIM and MS-SSIM on luma, bytes per pixel (96 and 97 measured at 24 MP).
const SSIM_PER_PIXEL: f64 = 98.0;
/// SSIM on R, G and B, bytes per pixel (68 measured; three f64 planes per image instead
/// of one, so more is allowed for sizes not measured).
const SSIM_RGB_PER_PIXEL: f64 = 120.0;

/// The memory a full-reference metric called `name` needs (see the module documentation).
pub fn full_reference_cost(name: &str) -> MemoryCost {
    let cost = MemoryCost::measured(full_reference_peak(name));
    match name {
        "ssim" | "ssim-rgb" | "ms-ssim" => MemoryCost {
            fixed_bytes: cost.fixed_bytes + SSIM_STRIP_BYTES,
            ..cost
        },
        _ => cost,
    }
}

/// The memory a no-reference model called `name`, fed `input`, needs (see the module
/// documentation).
pub fn no_reference_cost(name: &str, input: ExpectedInput) -> MemoryCost {
    let peak = match (name, input) {
        ("niqe", _) => 56.0,
        ("brisque", _) => 64.0,
        ("piqe", _) => 53.0,
        (_, ExpectedInput::Patches(_)) => 24.0,
        // An unknown whole-image model: as the largest measured classic metric.
        _ => LARGEST_MEASURED_PER_PIXEL,
    };
    MemoryCost::measured(peak)
}

/// Refuses to score `pairs` pairs of `height x width` images with `metric` when its
/// estimate ([`FullReferenceModel::memory_cost`]) exceeds `available` bytes (`None`:
/// unknown, nothing refused but an infinite estimate).
pub fn check_pairs_fit(
    metric: &dyn FullReferenceModel,
    pairs: usize,
    height: usize,
    width: usize,
    available: Option<u64>,
) -> Result<()> {
    let cost = metric.memory_cost();
    let what = format!(
        "{} on {} of {width}x{height} ({})",
        metric.name(),
        if pairs == 1 {
            "a pair".to_string()
        } else {
            format!("{pairs} pairs")
        },
        megapixels(height, width)
    );
    check(&what, cost, pairs, height, width, available, "both images")
}

/// [`check_pairs_fit`] for `pairs` copies of two decoded images, sized by the larger of
/// each side, against what this machine can give now.
pub fn check_decoded_pairs_fit(
    metric: &dyn FullReferenceModel,
    pairs: usize,
    reference: &image::DynamicImage,
    distorted: &image::DynamicImage,
) -> Result<()> {
    check_pairs_fit(
        metric,
        pairs,
        reference.height().max(distorted.height()) as usize,
        reference.width().max(distorted.width()) as usize,
        iqa_io::memory::available_bytes(),
    )
}

/// Refuses to score a `height x width` image with `model` when its estimate
/// ([`NoReferenceModel::memory_cost`]) exceeds `available` bytes (`None`: unknown).
pub fn check_image_fits(
    model: &dyn NoReferenceModel,
    height: usize,
    width: usize,
    available: Option<u64>,
) -> Result<()> {
    let cost = model.memory_cost();
    let what = format!(
        "{} on an image of {width}x{height} ({})",
        model.describe().name,
        megapixels(height, width)
    );
    check(&what, cost, 1, height, width, available, "the image")
}

fn check(
    what: &str,
    cost: MemoryCost,
    images: usize,
    height: usize,
    width: usize,
    available: Option<u64>,
    which: &str,
) -> Result<()> {
    let needed = cost.bytes(images, height, width);
    let advice = format!(
        "Score a smaller image: downsample or crop {which} (the estimate is about {:.0} bytes a pixel), or free memory or use a machine with more.",
        cost.bytes_per_pixel * images as f64
    );
    Ok(iqa_io::memory::check_against(
        what, needed, available, &advice,
    )?)
}

fn megapixels(height: usize, width: usize) -> String {
    format!("{:.1} megapixels", height as f64 * width as f64 / 1e6)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::registry::{self, ModelOptions};
    use candle_core::Device;

    #[test]
    fn a_large_pair_is_refused_with_what_it_needs_and_a_normal_one_passes() {
        let ssim =
            registry::full_reference("ssim", &ModelOptions::default(), &Device::Cpu).unwrap();
        let small_machine = Some(512 << 20);
        check_pairs_fit(ssim.as_ref(), 1, 512, 768, small_machine).unwrap();
        let err = check_pairs_fit(ssim.as_ref(), 1, 4000, 6000, small_machine)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ssim on a pair of 6000x4000 (24.0 megapixels)")
                && err.contains("GiB of memory")
                && err.contains("this machine can give 512.000 MiB")
                && err.contains("downsample or crop both images"),
            "{err}"
        );
        let niqe = registry::no_reference("niqe", &ModelOptions::default(), &Device::Cpu).unwrap();
        check_image_fits(niqe.as_ref(), 512, 768, small_machine).unwrap();
        let err = check_image_fits(niqe.as_ref(), 4000, 6000, small_machine)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("niqe on an image of 6000x4000") && err.contains("the image"),
            "{err}"
        );
    }

    #[test]
    fn estimates_cover_the_measured_peaks() {
        // The 24 MP peaks of the module documentation, MiB.
        for (name, peak) in [
            ("psnr", 2488.0),
            ("ssim", 2187.0),
            ("ms-ssim", 2229.0),
            ("gmsd", 2205.0),
            ("niqe", 1255.0),
        ] {
            let cost = if name == "niqe" {
                no_reference_cost(name, ExpectedInput::WholeImage)
            } else {
                full_reference_cost(name)
            };
            let estimate = cost.bytes(1, 4000, 6000);
            assert!(estimate > peak * 1048576.0, "{name}: {estimate}");
            assert!(estimate < 1.4 * peak * 1048576.0, "{name}: {estimate}");
        }
        // 1024x768 and 2048x1536 with the strips' fixed part.
        for (name, small, large) in [("ssim-rgb", 271.0, 424.0), ("ms-ssim", 185.0, 373.0)] {
            let cost = full_reference_cost(name);
            assert!(cost.bytes(1, 768, 1024) > small * 1048576.0, "{name}");
            assert!(cost.bytes(1, 1536, 2048) > large * 1048576.0, "{name}");
        }
    }

    #[test]
    fn unknown_memory_refuses_nothing_finite() {
        let ssim =
            registry::full_reference("ssim", &ModelOptions::default(), &Device::Cpu).unwrap();
        check_pairs_fit(ssim.as_ref(), 1, 4000, 6000, None).unwrap();
    }
}
