//! Reference-disjoint splits and the patch batcher on fixture databases.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod common;

use std::collections::HashSet;
use std::path::Path;

use candle_core::Device;
use image::{ImageFormat, RgbImage};
use iqa_data::image_cache::decode_rgb;
use iqa_data::patch::{PatchOptions, Rotation};
use iqa_data::{
    DataError, DatabaseKind, LoadOptions, Manifest, PatchBatcher, SplitOptions, SplitSet, load,
    reference_disjoint_splits,
};

fn tid(root: &Path) -> Manifest {
    common::build_tid(root, 24, 5, true);
    load(DatabaseKind::Tid2013, root, &LoadOptions::default()).unwrap()
}

#[test]
fn splits_are_reference_disjoint_deterministic_and_saved() {
    let dir = tempfile::tempdir().unwrap();
    let m = tid(dir.path());
    let opts = SplitOptions {
        train: 0.6,
        val: 0.2,
        repeats: 5,
        seed: 7,
    };
    let set = reference_disjoint_splits(&m, &opts).unwrap();
    assert_eq!(set.splits.len(), 5);
    let refs = |idx: &[usize]| -> HashSet<String> {
        idx.iter()
            .map(|&i| m.items[i].ref_id.clone().unwrap())
            .collect()
    };
    for s in &set.splits {
        let (tr, va, te) = (refs(&s.train), refs(&s.val), refs(&s.test));
        assert_eq!((tr.len(), va.len(), te.len()), (15, 5, 5));
        assert!(tr.is_disjoint(&te) && tr.is_disjoint(&va) && va.is_disjoint(&te));
        assert_eq!(s.train.len() + s.val.len() + s.test.len(), 3000);
        // Every item of a reference on one side.
        assert_eq!(s.test.len(), 5 * 120);
    }
    assert_ne!(set.splits[0], set.splits[1], "repeats differ");
    assert_eq!(
        set,
        reference_disjoint_splits(&m, &opts).unwrap(),
        "same seed, same splits"
    );
    let other = reference_disjoint_splits(&m, &SplitOptions { seed: 8, ..opts }).unwrap();
    assert_ne!(set.splits, other.splits);

    let path = dir.path().join("splits.json");
    set.save(&path).unwrap();
    assert_eq!(SplitSet::load(&path, &m).unwrap(), set);

    // A split file of another database, or edited, is refused.
    let mut edited = set.clone();
    edited.items[3] = "distorted_images/other.bmp".to_string();
    edited.save(&path).unwrap();
    let err = SplitSet::load(&path, &m).unwrap_err().to_string();
    assert!(err.contains("item 3"), "{err}");
    let mut twice = set.clone();
    let first = twice.splits[0].train[0];
    twice.splits[0].test.push(first);
    twice.save(&path).unwrap();
    let err = SplitSet::load(&path, &m).unwrap_err().to_string();
    assert!(err.contains("appears twice"), "{err}");
    std::fs::write(&path, "{not json").unwrap();
    assert!(matches!(
        SplitSet::load(&path, &m),
        Err(DataError::Json { .. })
    ));

    // Impossible fractions.
    for (train, val) in [(0.0, 0.2), (0.9, 0.1), (1.2, 0.0), (0.99, 0.0)] {
        let bad = SplitOptions { train, val, ..opts };
        assert!(
            reference_disjoint_splits(&m, &bad).is_err(),
            "{train} {val}"
        );
    }
}

#[test]
fn default_split_is_80_20_over_references() {
    let dir = tempfile::tempdir().unwrap();
    let m = tid(dir.path());
    let set = reference_disjoint_splits(&m, &SplitOptions::default()).unwrap();
    assert_eq!(set.splits.len(), 10);
    for s in &set.splits {
        assert_eq!(
            (s.train.len(), s.val.len(), s.test.len()),
            (20 * 120, 0, 5 * 120)
        );
    }
}

/// A database of `n` 40x30 images whose pixels encode their position, and identical references.
fn gradient_db(root: &Path, n: usize, w: u32, h: u32) -> Manifest {
    let mut csv = String::from("dist,ref,score\n");
    for k in 0..n {
        let img = RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, k as u8]));
        img.save_with_format(root.join(format!("d{k}.png")), ImageFormat::Png)
            .unwrap();
        img.save_with_format(root.join(format!("r{k}.png")), ImageFormat::Png)
            .unwrap();
        csv.push_str(&format!("d{k}.png,r{k}.png,{}\n", k as f64 / n as f64));
    }
    std::fs::write(root.join("db.csv"), csv).unwrap();
    load(
        DatabaseKind::Manifest,
        &root.join("db.csv"),
        &LoadOptions::default(),
    )
    .unwrap()
}

#[test]
fn batches_are_deterministic_shaped_and_paired() {
    let dir = tempfile::tempdir().unwrap();
    let m = gradient_db(dir.path(), 10, 40, 30);
    let opts = PatchOptions {
        size: 16,
        stride: 8,
        ..PatchOptions::default()
    };
    let all: Vec<usize> = (0..10).collect();
    let make = |cache| {
        PatchBatcher::new(&m, &all, opts.clone(), cache, Device::Cpu, 3)
            .unwrap()
            .with_references()
            .unwrap()
    };
    let (a, b) = (make(1 << 20), make(0));
    let batches_a: Vec<_> = a.epoch(0, 4).unwrap().map(|r| r.unwrap()).collect();
    let batches_b: Vec<_> = b.epoch(0, 4).unwrap().map(|r| r.unwrap()).collect();
    assert_eq!(batches_a.len(), 3);
    assert_eq!(batches_a[0].distorted.dims(), &[4, 3, 16, 16]);
    assert_eq!(batches_a[2].distorted.dims(), &[2, 3, 16, 16]);
    let mut seen = vec![];
    for (x, y) in batches_a.iter().zip(&batches_b) {
        assert_eq!(x.items, y.items);
        let dx: Vec<f32> = x.distorted.flatten_all().unwrap().to_vec1().unwrap();
        let dy: Vec<f32> = y.distorted.flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(dx, dy, "same seed, same patches, cached or not");
        let r: Vec<f32> = x
            .reference
            .as_ref()
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(dx, r, "the reference is cut at the same place");
        let scores: Vec<f32> = x.scores.to_vec1().unwrap();
        for (s, &i) in scores.iter().zip(&x.items) {
            assert_eq!(*s, m.items[i].score as f32);
        }
        // The blue channel carries the item number.
        let blue = x
            .distorted
            .narrow(1, 2, 1)
            .unwrap()
            .flatten_from(1)
            .unwrap();
        let blue: Vec<Vec<f32>> = blue.to_vec2().unwrap();
        for (row, &i) in blue.iter().zip(&x.items) {
            assert!(row.iter().all(|&v| (v * 255.0 - i as f32).abs() < 1e-3));
        }
        seen.extend(x.items.clone());
    }
    seen.sort_unstable();
    assert_eq!(seen, all, "an epoch visits every item once");
    let (hits, misses, bytes) = a.cache().stats();
    assert!(misses >= 20 && bytes > 0, "{hits} {misses} {bytes}");
    let other: Vec<usize> = a
        .epoch(1, 4)
        .unwrap()
        .flat_map(|r| r.unwrap().items)
        .collect();
    assert_ne!(
        other,
        batches_a
            .iter()
            .flat_map(|b| b.items.clone())
            .collect::<Vec<_>>()
    );
}

#[test]
fn augmentation_draws_from_the_configured_set() {
    let dir = tempfile::tempdir().unwrap();
    let m = gradient_db(dir.path(), 4, 20, 20);
    // A 20x20 patch of a 20x20 image: the only freedom is flip and rotation.
    let opts = PatchOptions {
        size: 20,
        stride: 20,
        hflip: false,
        rotations: vec![Rotation::R180],
    };
    let b = PatchBatcher::new(&m, &[0, 1, 2, 3], opts, 0, Device::Cpu, 0).unwrap();
    for batch in b.epoch(0, 4).unwrap() {
        let t = batch.unwrap().distorted;
        // Rotated 180 degrees: the red channel (x) runs 19..0 along each row.
        let row: Vec<f32> = t
            .get(0)
            .unwrap()
            .get(0)
            .unwrap()
            .get(0)
            .unwrap()
            .to_vec1()
            .unwrap();
        let expect: Vec<f32> = (0..20).rev().map(|x| x as f32 / 255.0).collect();
        assert_eq!(row, expect);
    }
}

#[test]
fn small_images_are_mirrored_up_to_the_patch() {
    let dir = tempfile::tempdir().unwrap();
    let m = gradient_db(dir.path(), 2, 40, 30);
    // A 40 x 30 image and 64-pixel patches without augmentation: the padded image is
    // exactly one patch, so the training patch is the whole mirrored image.
    let big = PatchOptions {
        size: 64,
        stride: 32,
        hflip: false,
        rotations: vec![iqa_data::patch::Rotation::R0],
    };
    let b = PatchBatcher::new(&m, &[0, 1], big, 0, Device::Cpu, 0).unwrap();
    let batch = b.epoch(0, 2).unwrap().next().unwrap().unwrap();
    assert_eq!(batch.distorted.dims(), &[2, 3, 64, 64]);
    let red: Vec<f32> = batch
        .distorted
        .get(0)
        .unwrap()
        .get(0)
        .unwrap()
        .get(0)
        .unwrap()
        .to_vec1()
        .unwrap();
    // x = 0..39, then mirrored 39..16.
    assert_eq!(red[39], 39.0 / 255.0);
    assert_eq!(red[40], 39.0 / 255.0);
    assert_eq!(red[41], 38.0 / 255.0);
}

#[test]
fn bad_images_and_conversions() {
    let dir = tempfile::tempdir().unwrap();
    let m = gradient_db(dir.path(), 3, 20, 20);
    // A truncated file is named in the error, not a panic.
    let bytes = std::fs::read(dir.path().join("d1.png")).unwrap();
    std::fs::write(dir.path().join("d1.png"), &bytes[..bytes.len() / 2]).unwrap();
    let b = PatchBatcher::new(
        &m,
        &[0, 1, 2],
        PatchOptions {
            size: 8,
            ..PatchOptions::default()
        },
        0,
        Device::Cpu,
        0,
    )
    .unwrap();
    let err = b.epoch(0, 3).unwrap().next().unwrap().unwrap_err();
    assert!(matches!(err, DataError::File(_)), "{err}");
    assert!(err.to_string().contains("d1.png"), "{err}");

    // Grayscale, 16-bit and alpha images become 8-bit RGB.
    let gray = image::GrayImage::from_fn(3, 2, |x, _| image::Luma([x as u8 * 100]));
    gray.save(dir.path().join("g.png")).unwrap();
    let g = decode_rgb(&dir.path().join("g.png")).unwrap();
    assert_eq!(g.get_pixel(2, 1).0, [200, 200, 200]);
    let deep = image::ImageBuffer::<image::Rgb<u16>, _>::from_fn(2, 1, |x, _| {
        image::Rgb([x as u16 * 65535, 257 * 10, 0])
    });
    deep.save(dir.path().join("d16.png")).unwrap();
    assert_eq!(
        decode_rgb(&dir.path().join("d16.png"))
            .unwrap()
            .get_pixel(1, 0)
            .0,
        [255, 10, 0]
    );
    // Alpha: dropped when every pixel is opaque; a transparent pixel is an error, the same
    // policy as scoring (the quality of what lies behind it is undefined).
    let rgba = image::RgbaImage::from_fn(1, 1, |_, _| image::Rgba([9, 8, 7, 255]));
    rgba.save(dir.path().join("a.png")).unwrap();
    assert_eq!(
        decode_rgb(&dir.path().join("a.png"))
            .unwrap()
            .get_pixel(0, 0)
            .0,
        [9, 8, 7]
    );
    let clear = image::RgbaImage::from_fn(1, 1, |_, _| image::Rgba([9, 8, 7, 0]));
    clear.save(dir.path().join("clear.png")).unwrap();
    let err = decode_rgb(&dir.path().join("clear.png")).unwrap_err();
    assert!(
        err.to_string().contains("clear.png") && err.to_string().contains("transparent"),
        "{err}"
    );
    assert!(matches!(
        decode_rgb(&dir.path().join("none.png")),
        Err(DataError::File(_))
    ));

    // Bad batcher arguments.
    assert!(PatchBatcher::new(&m, &[], PatchOptions::default(), 0, Device::Cpu, 0).is_err());
    assert!(PatchBatcher::new(&m, &[7], PatchOptions::default(), 0, Device::Cpu, 0).is_err());
    let no_rot = PatchOptions {
        rotations: vec![],
        ..PatchOptions::default()
    };
    assert!(PatchBatcher::new(&m, &[0], no_rot, 0, Device::Cpu, 0).is_err());
    let b = PatchBatcher::new(&m, &[0], PatchOptions::default(), 0, Device::Cpu, 0).unwrap();
    assert!(b.epoch(0, 0).is_err());
}

#[test]
fn training_batches_can_be_fetched_directly() {
    let dir = tempfile::tempdir().unwrap();
    let m = gradient_db(dir.path(), 7, 24, 24);
    let opts = PatchOptions {
        size: 8,
        stride: 8,
        ..PatchOptions::default()
    };
    let all: Vec<usize> = (0..7).collect();
    let b = PatchBatcher::new(&m, &all, opts, 0, Device::Cpu, 3).unwrap();
    // 7 items in batches of 3: two full batches, the single leftover dropped.
    assert_eq!(b.batches_per_epoch(3), 2);
    for epoch in 0..2 {
        let streamed: Vec<_> = b.epoch(epoch, 3).unwrap().map(|x| x.unwrap()).collect();
        for (index, batch) in streamed.iter().enumerate() {
            let direct = b.training_batch(epoch, index, 3).unwrap();
            assert_eq!(direct.items, batch.items);
            let (x, y) = (&direct.distorted, &batch.distorted);
            let diff: f32 = (x - y)
                .unwrap()
                .abs()
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar()
                .unwrap();
            assert_eq!(diff, 0.0);
        }
    }
    assert!(b.training_batch(0, 3, 3).is_err());
}

/// Mean absolute difference of two patches in 8-bit units: lower is better.
struct MeanAbsDiff;

impl iqa_data::Labeller for MeanAbsDiff {
    fn name(&self) -> String {
        "mean-abs-diff".to_string()
    }
    fn lower_is_better(&self) -> bool {
        true
    }
    fn score(&self, reference: &RgbImage, distorted: &RgbImage) -> iqa_data::Result<f64> {
        let (r, d) = (reference.as_raw(), distorted.as_raw());
        let sum: f64 = r
            .iter()
            .zip(d)
            .map(|(&a, &b)| (a as f64 - b as f64).abs())
            .sum();
        Ok(sum / r.len() as f64)
    }
}

#[test]
fn patch_labels_score_each_patch_against_its_reference_patch() {
    let dir = tempfile::tempdir().unwrap();
    // References: a gradient. Distorted: the same with the left half raised by 40 levels,
    // so a patch's mean absolute difference is 40 times the share of its pixels in the
    // left half, whatever its place; every image has the same score.
    let (w, h) = (48u32, 16u32);
    let mut csv = String::from("dist,ref,score\n");
    for k in 0..6 {
        let reference = RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, k as u8]));
        let mut dist = reference.clone();
        for (x, _, p) in dist.enumerate_pixels_mut() {
            if x < w / 2 {
                p.0 = p.0.map(|v| v + 40);
            }
        }
        dist.save(dir.path().join(format!("d{k}.png"))).unwrap();
        reference
            .save(dir.path().join(format!("r{k}.png")))
            .unwrap();
        csv.push_str(&format!("d{k}.png,r{k}.png,{}\n", 0.2 + 0.1 * k as f64));
    }
    std::fs::write(dir.path().join("db.csv"), &csv).unwrap();
    let m = load(
        DatabaseKind::Manifest,
        &dir.path().join("db.csv"),
        &LoadOptions::default(),
    )
    .unwrap();
    let opts = PatchOptions {
        size: 16,
        stride: 8,
        ..PatchOptions::default()
    };
    let all: Vec<usize> = (0..6).collect();
    let b = PatchBatcher::new(&m, &all, opts, 0, Device::Cpu, 5)
        .unwrap()
        .with_patch_labels(std::sync::Arc::new(MeanAbsDiff), m.label.clone())
        .unwrap();
    let mut labels = Vec::new();
    for epoch in 0..4 {
        let batch = b.training_batch(epoch, 0, 6).unwrap();
        let d: Vec<Vec<f32>> = batch.distorted.flatten_from(1).unwrap().to_vec2().unwrap();
        let r: Vec<Vec<f32>> = batch
            .reference
            .as_ref()
            .expect("patch labels cut the reference too")
            .flatten_from(1)
            .unwrap()
            .to_vec2()
            .unwrap();
        let scores: Vec<f32> = batch.scores.to_vec1().unwrap();
        for ((d, r), s) in d.iter().zip(&r).zip(&scores) {
            // Independently: the mean absolute difference of the two patches as tensors.
            let mad: f64 = d
                .iter()
                .zip(r)
                .map(|(a, b)| ((a - b) as f64 * 255.0).abs())
                .sum::<f64>()
                / d.len() as f64;
            let expected = m.label.normalise(-mad) as f32;
            assert!((s - expected).abs() < 1e-4, "{s} vs {expected}");
            labels.push(mad);
        }
    }
    // Patches fall wholly in the damaged half, wholly outside it and across it: their
    // labels differ though their images' scores do not tell them apart.
    assert!(labels.iter().any(|&v| v < 1e-9), "{labels:?}");
    assert!(
        labels.iter().any(|&v| (v - 40.0).abs() < 1e-6),
        "{labels:?}"
    );
    // A batcher whose items lack references refuses patch labels.
    let m2 = {
        let dir2 = dir.path().join("noref");
        std::fs::create_dir(&dir2).unwrap();
        gradient_db(&dir2, 2, 20, 20)
    };
    let mut m2 = m2;
    m2.items[1].reference = None;
    let refused = PatchBatcher::new(&m2, &[0, 1], PatchOptions::default(), 0, Device::Cpu, 0)
        .unwrap()
        .with_patch_labels(std::sync::Arc::new(MeanAbsDiff), m2.label.clone());
    assert!(refused.is_err());
}
