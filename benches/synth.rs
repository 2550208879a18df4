//! Synthetic database generation speed: one 512x384 dead-leaves scene with every LIVE
//! distortion at five levels (25 images), each labelled by MS-SSIM, as `iqa synth` does
//! per scene (without the PNG writing). A LIVE-sized database is 29 such scenes.
//!
//! `cargo bench --bench synth`.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iqa::data::Labeller;
use iqa::data::synth::distortion::{LEVELS, distortion_set};
use iqa::data::synth::scene::{SceneOptions, dead_leaves};
use iqa::train::labeller::MetricLabeller;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[global_allocator]
static ALLOCATOR: iqa_cli::runtime::MiMalloc = iqa_cli::runtime::MiMalloc;

fn synth(c: &mut Criterion) {
    let labeller = MetricLabeller::new("ms-ssim").unwrap();
    let set = distortion_set("live").unwrap();
    let mut group = c.benchmark_group("synth 512x384");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1));
    group.bench_function("dead-leaves scene", |b| {
        b.iter(|| dead_leaves(512, 384, 7, &SceneOptions::default()).unwrap())
    });
    let scene = dead_leaves(512, 384, 7, &SceneOptions::default()).unwrap();
    group.throughput(Throughput::Elements(u64::from(LEVELS)));
    for d in &set {
        group.bench_function(format!("{}, levels 1-5", d.name()), |b| {
            b.iter(|| {
                for level in 1..=LEVELS {
                    let mut rng = ChaCha8Rng::seed_from_u64(u64::from(level));
                    std::hint::black_box(d.apply(&scene, level, &mut rng).unwrap());
                }
            })
        });
    }
    group.throughput(Throughput::Elements(1));
    let distorted = set[0]
        .apply(&scene, 3, &mut ChaCha8Rng::seed_from_u64(0))
        .unwrap();
    group.bench_function("ms-ssim label", |b| {
        b.iter(|| labeller.score(&scene, &distorted).unwrap())
    });
    group.throughput(Throughput::Elements(25));
    group.bench_function("one scene x live set x 5 levels, labelled", |b| {
        b.iter(|| {
            for d in &set {
                for level in 1..=LEVELS {
                    let mut rng = ChaCha8Rng::seed_from_u64(u64::from(level));
                    let image = d.apply(&scene, level, &mut rng).unwrap();
                    std::hint::black_box(labeller.score(&scene, &image).unwrap());
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, synth);
criterion_main!(benches);
