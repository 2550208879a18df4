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
//! | ssim, downsampling off | 181 | 627 | 4713 | 198 (206 at 24 MP) |
//! | ssim-rgb (auto) | 121 | 357 | | 105 |
//! | ssim-rgb, downsampling off | 410 | 1642 | | 548 |
//! | ms-ssim | 185 | 643 | 4855 | 204 (212 at 24 MP) |
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
//! SSIM with automatic downsampling filters the image at `1 / factor^2` of its pixels
//! (`factor = max(1, round(min(H, W) / 256))`): its estimate is the conversion to luma
//! (85 bytes a pixel for luma, measured at factor 16; 105 for RGB) plus the full-resolution cost divided by
//! `factor^2`; at factor 1 it is the full-resolution cost.
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

/// The measured peak of a full-reference metric, in bytes per pixel (see the module
/// documentation); unknown names get the largest (MAD's).
fn full_reference_peak(name: &str) -> f64 {
    match name {
        "psnr" | "psnr-y" => 109.0,
        "ssim" => SSIM_FULL_RESOLUTION,
        "ssim-rgb" => SSIM_RGB_FULL_RESOLUTION,
        "ms-ssim" => 212.0,
        "gmsd" => 97.0,
        "vif" => 170.0,
        "nlpd" => 148.0,
        "cw-ssim" => 100.0,
        "fsim" | "fsimc" => 112.0,
        "vsi" => 235.0,
        "mad" => 338.0,
        "deepwsd" => 2048.0,
        _ => 338.0,
    }
}

/// SSIM on luma at full resolution, bytes per pixel (206 measured at 24 MP).
const SSIM_FULL_RESOLUTION: f64 = 206.0;
/// SSIM on R, G and B at full resolution, bytes per pixel.
const SSIM_RGB_FULL_RESOLUTION: f64 = 548.0;
/// SSIM's conversion to luma in f64 and downsampling, bytes per pixel (measured at 24 MP,
/// factor 16).
const SSIM_CONVERSION: f64 = 85.0;
/// The same for the colour variant (measured at 3.15 MP, factor 6).
const SSIM_RGB_CONVERSION: f64 = 105.0;

/// The memory a full-reference metric called `name` needs (see the module documentation).
pub fn full_reference_cost(name: &str) -> MemoryCost {
    MemoryCost::measured(full_reference_peak(name))
}

/// The memory SSIM needs when it first downsamples by `factor` (1: full resolution);
/// `rgb` for the colour variant.
pub fn ssim_cost(rgb: bool, factor: usize) -> MemoryCost {
    let (full, conversion) = if rgb {
        (SSIM_RGB_FULL_RESOLUTION, SSIM_RGB_CONVERSION)
    } else {
        (SSIM_FULL_RESOLUTION, SSIM_CONVERSION)
    };
    if factor <= 1 {
        return MemoryCost::measured(full);
    }
    let squared = (factor as f64) * (factor as f64);
    MemoryCost::measured(conversion + full / squared)
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
        _ => 338.0,
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
    let cost = metric.memory_cost(height, width);
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

/// Refuses to score a `height x width` image with `model` when its estimate
/// ([`NoReferenceModel::memory_cost`]) exceeds `available` bytes (`None`: unknown).
pub fn check_image_fits(
    model: &dyn NoReferenceModel,
    height: usize,
    width: usize,
    available: Option<u64>,
) -> Result<()> {
    let cost = model.memory_cost(height, width);
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
        let pixels = 24e6;
        for (name, peak) in [("psnr", 2488.0), ("ms-ssim", 4855.0), ("gmsd", 2205.0)] {
            let estimate = full_reference_cost(name).bytes(1, 4000, 6000);
            assert!(estimate > peak * 1048576.0, "{name}: {estimate}");
            assert!(estimate < 1.3 * peak * 1048576.0, "{name}: {estimate}");
        }
        let off = ssim_cost(false, 1).bytes(1, 4000, 6000);
        let auto = ssim_cost(false, 16).bytes(1, 4000, 6000);
        assert!(off > 4713.0 * 1048576.0 && auto > 1948.0 * 1048576.0);
        assert!(auto < off / 2.0);
        // Downsampling by 2 filters a quarter of the pixels.
        let half = ssim_cost(false, 2).bytes_per_pixel;
        assert!(half > ssim_cost(false, 16).bytes_per_pixel && half < off / pixels);
    }

    #[test]
    fn unknown_memory_refuses_nothing_finite() {
        let ssim =
            registry::full_reference("ssim", &ModelOptions::default(), &Device::Cpu).unwrap();
        check_pairs_fit(ssim.as_ref(), 1, 4000, 6000, None).unwrap();
    }
}
