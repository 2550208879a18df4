//! Images per second of each full-reference metric on CPU, at 512x384 (TID2013's size)
//! and 1920x1080.
//!
//! `cargo bench --bench fr_metrics`; `benches/fr_skimage.py` times scikit-image on the
//! same sizes for the README's ratio. DeepWSD runs with random VGG16 weights: the same
//! computation as with real ones.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use candle_core::{Device, Tensor};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use iqa::models::FullReferenceModel;
use iqa::models::fr::{DeepWsd, Downsample, MsSsim, Psnr, PsnrChannels, Ssim, SsimChannels};

/// As in the `iqa` binary: candle allocates a buffer per op, which glibc's malloc page-faults.
#[global_allocator]
static ALLOCATOR: iqa_cli::runtime::MiMalloc = iqa_cli::runtime::MiMalloc;

/// A deterministic textured image pair: (1, 3, h, w) each, in [0, 1].
fn pair(h: usize, w: usize) -> (Tensor, Tensor) {
    let make = |phase: f32| {
        let data: Vec<f32> = (0..3 * h * w)
            .map(|k| {
                let (c, i, j) = (k / (h * w), (k / w) % h, k % w);
                0.5 + 0.4 * ((i as f32 / 7.0 + phase).sin() * (j as f32 / 11.0 + c as f32).cos())
            })
            .collect();
        Tensor::from_vec(data, (1, 3, h, w), &Device::Cpu).unwrap()
    };
    (make(0.0), make(0.3))
}

fn metrics(c: &mut Criterion) {
    let models: Vec<(&str, Box<dyn FullReferenceModel>)> = vec![
        ("psnr", Box::new(Psnr::new(PsnrChannels::Rgb))),
        (
            "ssim (downsample off)",
            Box::new(Ssim::new(SsimChannels::Luma, Downsample::Off)),
        ),
        (
            "ssim (downsample auto)",
            Box::new(Ssim::new(SsimChannels::Luma, Downsample::Auto)),
        ),
        ("ms-ssim", Box::new(MsSsim::default())),
        (
            "deepwsd",
            Box::new(DeepWsd::with_random_weights(0, &Device::Cpu).unwrap()),
        ),
    ];
    for (h, w) in [(384, 512), (1080, 1920)] {
        let (r, d) = pair(h, w);
        let mut group = c.benchmark_group(format!("{w}x{h}"));
        group.throughput(Throughput::Elements(1));
        group.sample_size(10);
        for (name, model) in &models {
            group.bench_function(BenchmarkId::new(*name, format!("{w}x{h}")), |b| {
                b.iter(|| model.predict(black_box(&r), black_box(&d)).unwrap())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, metrics);
criterion_main!(benches);
