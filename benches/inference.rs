//! Hallucinated-IQA throughput on the CPU (criterion): R forward and G+R forward on 256x256
//! patches at batch 1, 8 and 32, and one training step of G (Eq. 4 in full), R and D, for
//! the tiny preset; the paper preset at batch 1 only by default, since one batch of 32
//! takes minutes on two cores (set `IQA_BENCH_PAPER_BATCHES=1,8,32` to run them). `iqa
//! bench` measures the same on any device, CUDA included.
//!
//! `cargo bench --bench inference`.
#![allow(missing_docs, clippy::unwrap_used)]

use candle_core::{DType, Device, Tensor};
use candle_nn::{Optimizer, SGD};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use iqa::models::hiqa::losses::{
    LossWeights, adversarial_loss, discriminator_loss, generator_loss, perceptual_loss,
    perceptual_vgg, pixel_loss, quality_loss, regression_loss, vgg_loss,
};
use iqa::models::hiqa::{HiqaConfig, HiqaNetworks, Preset, Regressor, RegressorMode};
use iqa::models::ops::on_pool;
use iqa::models::vars::frozen;
use iqa::models::vgg::Vgg;

/// The allocator and setting of the `iqa` binary (see `iqa_cli::runtime`).
#[global_allocator]
static ALLOCATOR: iqa_cli::runtime::MiMalloc = iqa_cli::runtime::MiMalloc;

const PATCH: usize = 256;

fn batches(preset: &str) -> Vec<usize> {
    match (preset, std::env::var("IQA_BENCH_PAPER_BATCHES")) {
        ("paper", Ok(list)) => list
            .split(',')
            .filter_map(|b| b.trim().parse().ok())
            .collect(),
        ("paper", Err(_)) => vec![1],
        _ => vec![1, 8, 32],
    }
}

fn hiqa(c: &mut Criterion) {
    let dev = Device::Cpu;
    for preset in ["tiny", "paper"] {
        let config = HiqaConfig::preset(Preset::from_name(preset).unwrap());
        let nets = HiqaNetworks::new(&config, RegressorMode::FULL, &dev, 0).unwrap();
        let vgg = Vgg::random(0, &perceptual_vgg(&config.vgg_taps), &dev).unwrap();
        let pre = HiqaNetworks::new(&config, RegressorMode::NO_FUSION, &dev, 1).unwrap();
        let r_pre = Regressor::new(
            &config,
            RegressorMode::NO_FUSION,
            frozen(&pre.r_vars, &dev, "R_pre").unwrap().pp("r"),
        )
        .unwrap();
        let weights = LossWeights::default();
        let mut group = c.benchmark_group(format!("hiqa {preset} {PATCH}x{PATCH}"));
        group.sample_size(10);
        for n in batches(preset) {
            group.throughput(Throughput::Elements(n as u64));
            let x = Tensor::rand(0f32, 1f32, (n, 3, PATCH, PATCH), &dev).unwrap();
            let reference = Tensor::rand(0f32, 1f32, (n, 3, PATCH, PATCH), &dev).unwrap();
            let target = Tensor::rand(0f32, 1f32, n, &dev).unwrap();
            let g0 = nets.generator.forward(&x, false).unwrap();
            group.bench_function(BenchmarkId::new("R forward", n), |b| {
                b.iter(|| {
                    nets.regressor
                        .forward(&x, Some(&g0.image), Some(&g0.features), false)
                        .unwrap()
                })
            });
            group.bench_function(BenchmarkId::new("G+R forward", n), |b| {
                b.iter(|| {
                    let g = nets.generator.forward(&x, false).unwrap();
                    nets.regressor
                        .forward(&x, Some(&g.image), Some(&g.features), false)
                        .unwrap()
                })
            });
            let mut g_opt = SGD::new(nets.g_vars.all_vars(), 1e-4).unwrap();
            group.bench_function(BenchmarkId::new("G train step", n), |b| {
                b.iter(|| {
                    // The step on rayon's pool, as the trainer runs it.
                    on_pool(&dev, || {
                        let g = nets.generator.forward(&x, true).unwrap();
                        let fake = nets.discriminator.forward(&g.image, false).unwrap();
                        let l_s = perceptual_loss(
                            &vgg_loss(&vgg, &g.image, &reference).unwrap(),
                            &quality_loss(&r_pre, &x, &g.image, &reference).unwrap(),
                            weights.quality,
                        )
                        .unwrap();
                        let loss = generator_loss(
                            &pixel_loss(&g.image, &reference).unwrap(),
                            &l_s,
                            &adversarial_loss(&fake).unwrap(),
                            &weights,
                        )
                        .unwrap();
                        g_opt.backward_step(&loss).unwrap();
                    })
                })
            });
            let mut r_opt = SGD::new(nets.r_vars.all_vars(), 1e-4).unwrap();
            group.bench_function(BenchmarkId::new("R train step", n), |b| {
                b.iter(|| {
                    // The step on rayon's pool, as the trainer runs it.
                    on_pool(&dev, || {
                        let g = nets.generator.forward(&x, false).unwrap();
                        let s = nets
                            .regressor
                            .forward(
                                &x,
                                Some(&g.image.detach()),
                                Some(&g.features.detach()),
                                true,
                            )
                            .unwrap();
                        r_opt
                            .backward_step(&regression_loss(&s, &target).unwrap())
                            .unwrap();
                    })
                })
            });
            let mut d_opt = SGD::new(nets.d_vars.all_vars(), 1e-4).unwrap();
            let d_fake = Tensor::zeros(n, DType::F32, &dev).unwrap();
            group.bench_function(BenchmarkId::new("D train step", n), |b| {
                b.iter(|| {
                    // The step on rayon's pool, as the trainer runs it.
                    on_pool(&dev, || {
                        let real = nets.discriminator.forward(&reference, true).unwrap();
                        let fake = nets
                            .discriminator
                            .forward(&g0.image.detach(), true)
                            .unwrap();
                        d_opt
                            .backward_step(&discriminator_loss(&real, &fake, &d_fake).unwrap())
                            .unwrap();
                    })
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, hiqa);

/// `criterion_main!` with the runtime settings applied first.
fn main() {
    iqa_cli::runtime::setup();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
