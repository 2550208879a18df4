//! Property tests of every parser a user's file reaches, run in CI: from a valid file of
//! each kind (MATLAB labels, manifest CSV, split JSON, image files, training
//! configuration, model file, training state), thousands of seeded mutations (truncation,
//! byte flips, random bytes, inserted and deleted runs) must each give `Ok` or a typed
//! error, never a panic, a hang or an unbounded allocation. The cargo-fuzz targets in
//! `fuzz/` run the same parsers under libFuzzer.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};

use candle_core::Device;
use iqa_models::hiqa::{HiqaConfig, HiqaNetworks, RegressorMode, Variant, model_file};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `count` mutations of `valid`, reproducibly from `seed`.
fn mutations(valid: &[u8], count: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..count)
        .map(|k| {
            let mut v = valid.to_vec();
            match k % 5 {
                0 => v.truncate(rng.random_range(0..=v.len())),
                1 => {
                    for _ in 0..rng.random_range(1..8) {
                        if !v.is_empty() {
                            let i = rng.random_range(0..v.len());
                            v[i] ^= 1 << rng.random_range(0..8);
                        }
                    }
                }
                2 => {
                    for _ in 0..rng.random_range(1..4) {
                        if !v.is_empty() {
                            let i = rng.random_range(0..v.len());
                            v[i] = rng.random();
                        }
                    }
                }
                3 => {
                    let at = rng.random_range(0..=v.len());
                    let run: Vec<u8> = (0..rng.random_range(1..64)).map(|_| rng.random()).collect();
                    v.splice(at..at, run);
                }
                _ => {
                    if !v.is_empty() {
                        let at = rng.random_range(0..v.len());
                        let end = (at + rng.random_range(1..64)).min(v.len());
                        v.drain(at..end);
                    }
                }
            }
            v
        })
        .collect()
}

/// Writes each mutation to `name` in a temporary folder and calls `parse` on the path.
fn each_mutation(valid: &[u8], name: &str, count: usize, seed: u64, parse: impl Fn(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join(name);
    for bytes in mutations(valid, count, seed) {
        std::fs::write(&path, &bytes).unwrap();
        parse(&path);
    }
}

fn data_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../iqa-data/tests/fixtures")
        .join(name);
    std::fs::read(path).unwrap()
}

#[test]
fn matlab_label_files() {
    for (k, name) in [
        "live_dmos_small.mat",
        "live_refnames_small.mat",
        "mixed.mat",
    ]
    .iter()
    .enumerate()
    {
        let valid = data_fixture(name);
        for bytes in mutations(&valid, 600, k as u64) {
            let _ = iqa_data::mat5::MatFile::parse(&bytes, Path::new(name));
        }
    }
}

#[test]
fn manifests_and_split_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.png", "b.png", "c.png", "r1.png", "r2.png"] {
        image::RgbImage::new(4, 4)
            .save(dir.path().join(name))
            .unwrap();
    }
    let manifest = "dist,ref,score,score_std,dist_type,dist_level,ref_id\na.png,r1.png,0.5,0.1,jpeg,1,r1\nb.png,r2.png,0.7,,gblur,2,r2\nc.png,r1.png,0.2,0.3,jpeg,3,r1\n";
    let path = dir.path().join("manifest.csv");
    for bytes in mutations(manifest.as_bytes(), 1500, 7) {
        std::fs::write(&path, &bytes).unwrap();
        let _ = iqa_data::databases::read_manifest_csv(&path);
    }
    std::fs::write(&path, manifest).unwrap();
    let m = iqa_data::databases::read_manifest_csv(&path).unwrap();
    let split = br#"{"splits":[{"train":["a.png","b.png"],"val":[],"test":["c.png"]}]}"#;
    let split_path = dir.path().join("split.json");
    for bytes in mutations(split, 1500, 8) {
        std::fs::write(&split_path, &bytes).unwrap();
        let _ = iqa_data::SplitSet::load(&split_path, &m);
    }
}

#[test]
fn image_files() {
    let img = image::RgbImage::from_fn(24, 16, |x, y| image::Rgb([x as u8 * 9, y as u8 * 13, 77]));
    let dir = tempfile::tempdir().unwrap();
    for (k, ext) in ["png", "jpg", "bmp", "tif"].iter().enumerate() {
        let path = dir.path().join(format!("valid.{ext}"));
        img.save(&path).unwrap();
        let valid = std::fs::read(&path).unwrap();
        each_mutation(&valid, &format!("m.{ext}"), 500, 20 + k as u64, |p| {
            let _ = iqa_io::decode_rgb8(p);
        });
    }
}

#[test]
fn training_configurations() {
    let valid = iqa_train::TrainConfig::preset(iqa_models::hiqa::Preset::Tiny)
        .to_toml()
        .unwrap();
    for bytes in mutations(valid.as_bytes(), 1500, 30) {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = iqa_train::TrainConfig::from_toml(text, Path::new("run.toml"));
        }
    }
}

#[test]
fn model_and_state_files() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.safetensors");
    let nets = HiqaNetworks::new(
        &HiqaConfig::tiny(),
        RegressorMode::NO_FUSION,
        &Device::Cpu,
        1,
    )
    .unwrap();
    model_file::save(&nets, Variant::Baseline, &model, false, &[]).unwrap();
    let valid = std::fs::read(&model).unwrap();
    // Mutations concentrate on the header (its first kilobytes), where the structure is.
    let header_len =
        (u64::from_le_bytes(valid[..8].try_into().unwrap()) as usize + 8).min(valid.len());
    let head = valid[..header_len].to_vec();
    let tail = valid[header_len..].to_vec();
    let dir2 = tempfile::tempdir().unwrap();
    let path = dir2.path().join("m.safetensors");
    for mut bytes in mutations(&head, 300, 40) {
        bytes.extend_from_slice(&tail);
        std::fs::write(&path, &bytes).unwrap();
        let _ = model_file::load(&path, &Device::Cpu);
        let _ = iqa_train::checkpoint::load(&path, &Device::Cpu);
    }
}
