//! Patches per second that the data pipeline delivers: decode + crop + augment + batch
//! into a `32 x 3 x 256 x 256` tensor, from 512x384 BMP and PNG sources, with the decoded
//! image cache off (every image decoded each time, as in a first epoch over a database
//! larger than the cache) and on (a database that fits the budget).
//!
//! `cargo bench --bench patches`.
#![allow(missing_docs, clippy::unwrap_used)]

use candle_core::Device;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use image::{ImageFormat, RgbImage};
use iqa::data::patch::PatchOptions;
use iqa::data::{DatabaseKind, LoadOptions, PatchBatcher, load};

#[global_allocator]
static ALLOCATOR: iqa_cli::runtime::MiMalloc = iqa_cli::runtime::MiMalloc;

const IMAGES: usize = 64;
const BATCH: usize = 32;

/// A folder of `IMAGES` textured 512x384 images in `format`, with a generic manifest.
fn database(dir: &std::path::Path, format: ImageFormat, ext: &str) -> iqa::data::Manifest {
    let mut csv = String::from("dist,score\n");
    for k in 0..IMAGES {
        let img = RgbImage::from_fn(512, 384, |x, y| {
            let v = (x * 7 + y * 13 + (x * y) % 31 + k as u32 * 17) % 256;
            image::Rgb([v as u8, (v * 3 % 256) as u8, ((x ^ y) % 256) as u8])
        });
        let name = format!("img{k}.{ext}");
        img.save_with_format(dir.join(&name), format).unwrap();
        csv.push_str(&format!("{name},{}\n", k as f64 / IMAGES as f64));
    }
    std::fs::write(dir.join("db.csv"), csv).unwrap();
    load(
        DatabaseKind::Manifest,
        &dir.join("db.csv"),
        &LoadOptions::default(),
    )
    .unwrap()
}

fn patches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("patches 256x256 from 512x384");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(10);
    for (format, ext) in [(ImageFormat::Bmp, "bmp"), (ImageFormat::Png, "png")] {
        let sub = dir.path().join(ext);
        std::fs::create_dir_all(&sub).unwrap();
        let manifest = database(&sub, format, ext);
        let all: Vec<usize> = (0..IMAGES).collect();
        for (cache, label) in [(0usize, "no cache"), (1 << 30, "cached")] {
            let batcher = PatchBatcher::new(
                &manifest,
                &all,
                PatchOptions::default(),
                cache,
                Device::Cpu,
                0,
            )
            .unwrap();
            let mut epoch = 0u64;
            group.bench_function(format!("{ext}, {label}, batch {BATCH}"), |b| {
                b.iter(|| {
                    epoch += 1;
                    batcher
                        .epoch(epoch, BATCH)
                        .unwrap()
                        .next()
                        .unwrap()
                        .unwrap()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, patches);
criterion_main!(benches);
