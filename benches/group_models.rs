//! FPR and DFSS-IQA throughput on the CPU (criterion): the test-time path (FPR's NR branch
//! and head with its GRU over 32 patches of 64x64; DFSS-IQA's embedding and statistics over
//! 32 patches of 32x32) for the `tiny` and the authors' (`paper`) widths, and one FPR
//! training step (forward with the FR branch and the hallucination, the loss, backward,
//! Adam) for `tiny`. Throughput is in patches.
//!
//! `cargo bench --bench group_models`.
#![allow(missing_docs, clippy::unwrap_used)]

use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use iqa::models::dfss::{self, Dfss, DfssConfig};
use iqa::models::fpr::{self, Fpr, FprConfig, FprLossWeights, fpr_losses};
use iqa::models::ops::on_pool;

/// The allocator and setting of the `iqa` binary (see `iqa_cli::runtime`).
#[global_allocator]
static ALLOCATOR: iqa_cli::runtime::MiMalloc = iqa_cli::runtime::MiMalloc;

/// Patches per image, as the authors train both models (FPR 8 in training, up to 1024
/// at test; DFSS 32).
const PATCHES: usize = 32;

fn group_models(c: &mut Criterion) {
    let dev = Device::Cpu;
    let mut group = c.benchmark_group("group models, 32 patches of one image");
    group.sample_size(10);
    group.throughput(Throughput::Elements(PATCHES as u64));
    for (name, config) in [("tiny", FprConfig::tiny()), ("paper", FprConfig::paper())] {
        let (model, _) = Fpr::seeded(&config, &dev, 0).unwrap();
        let x = Tensor::rand(0f32, 1f32, (PATCHES, 3, fpr::PATCH, fpr::PATCH), &dev).unwrap();
        group.bench_function(BenchmarkId::new("FPR predict", name), |b| {
            b.iter(|| on_pool(&dev, || model.predict(&x, 1, PATCHES)).unwrap())
        });
    }
    for (name, config) in [
        ("tiny", DfssConfig::tiny(46)),
        ("paper", DfssConfig::paper(46)),
    ] {
        let (model, _) = Dfss::seeded(&config, &dev, 0).unwrap();
        let x = Tensor::rand(0f32, 1f32, (PATCHES, 3, dfss::PATCH, dfss::PATCH), &dev).unwrap();
        group.bench_function(BenchmarkId::new("DFSS-IQA predict", name), |b| {
            b.iter(|| on_pool(&dev, || model.predict(&x, 1, PATCHES)).unwrap())
        });
    }
    // One training step of FPR (tiny): 4 images of 8 patches, distorted and reference.
    let (model, vars) = Fpr::seeded(&FprConfig::tiny(), &dev, 0).unwrap();
    let mut adam = AdamW::new(
        vars.all_vars(),
        ParamsAdamW {
            lr: 1e-4,
            weight_decay: 1e-4,
            ..ParamsAdamW::default()
        },
    )
    .unwrap();
    let d = Tensor::rand(0f32, 1f32, (PATCHES, 3, fpr::PATCH, fpr::PATCH), &dev).unwrap();
    let r = Tensor::rand(0f32, 1f32, (PATCHES, 3, fpr::PATCH, fpr::PATCH), &dev).unwrap();
    let scores = Tensor::rand(0f32, 1f32, 4, &dev).unwrap();
    group.bench_function(BenchmarkId::new("FPR train step", "tiny"), |b| {
        b.iter(|| {
            on_pool(&dev, || {
                let out = model.forward_train(&d, &r, 4, PATCHES / 4)?;
                let loss = fpr_losses(&out, &scores, &FprLossWeights::default())?;
                adam.backward_step(&loss.total)?;
                Ok::<_, iqa::models::ModelError>(())
            })
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, group_models);

/// `criterion_main!` with the runtime settings applied first.
fn main() {
    iqa_cli::runtime::setup();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
