//! Training end to end on a small synthetic database: learning, exact resume, a clean stop
//! on divergence, and clear errors for broken checkpoints and configurations.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use candle_core::Device;
use image::RgbImage;
use iqa_data::Labeller;
use iqa_data::synth::{SceneSource, SynthOptions, generate};
use iqa_data::{DatabaseKind, LoadOptions, Manifest, SplitOptions, reference_disjoint_splits};
use iqa_models::hiqa::Preset;
use iqa_train::config::StageSteps;
use iqa_train::{
    ProgressHandle, Start, TrainConfig, TrainData, TrainError, TrainOptions, Trainer, Variant,
    files,
};

/// PSNR as the pseudo-MOS (the facade's metric labellers live in another crate).
struct Psnr;

impl Labeller for Psnr {
    fn name(&self) -> String {
        "psnr".to_string()
    }
    fn lower_is_better(&self) -> bool {
        false
    }
    fn score(&self, r: &RgbImage, d: &RgbImage) -> iqa_data::Result<f64> {
        let mse = r
            .as_raw()
            .iter()
            .zip(d.as_raw())
            .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
            .sum::<f64>()
            / r.as_raw().len() as f64;
        Ok(10.0 * (255.0f64.powi(2) / mse.max(1e-10)).log10())
    }
}

/// `scenes` dead-leaves scenes of 64x64 with the LIVE distortions at three levels.
fn database(dir: &Path, scenes: usize) -> Manifest {
    let options = SynthOptions {
        out: dir.to_path_buf(),
        source: SceneSource::Procedural {
            count: scenes,
            width: 64,
            height: 64,
        },
        distortions: vec!["live".to_string()],
        levels: 3,
        seed: 5,
    };
    let report = generate(&options, &Psnr, &|_, _| {}).unwrap();
    iqa_data::load(
        DatabaseKind::Manifest,
        &report.manifest,
        &LoadOptions::default(),
    )
    .unwrap()
}

/// The tiny preset shrunk to 32x32 patches, with short stages.
fn config(variant: Variant, steps: StageSteps) -> TrainConfig {
    let mut c = TrainConfig::preset(Preset::Tiny);
    c.variant = variant;
    c.network.patch = 32;
    c.test_stride = Some(32);
    c.batch_size = 4;
    c.steps = steps;
    c.vgg19.allow_random = true;
    c.log_every = 1;
    c.checkpoint_every = 2;
    c.validate_every = 1000;
    c
}

fn options(out: &Path, resume: bool, stop_at: Option<u64>) -> TrainOptions {
    TrainOptions {
        out: out.to_path_buf(),
        start: if resume { Start::Resume } else { Start::Fresh },
        progress: ProgressHandle::silent(),
        stop_at,
    }
}

fn tensors(path: &Path) -> Vec<(String, Vec<f32>)> {
    let mut v: Vec<(String, Vec<f32>)> = candle_core::safetensors::load(path, &Device::Cpu)
        .unwrap()
        .into_iter()
        .map(|(k, t)| {
            (
                k,
                t.to_dtype(candle_core::DType::F32)
                    .unwrap()
                    .flatten_all()
                    .unwrap()
                    .to_vec1()
                    .unwrap(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn resumed_run_equals_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let m = database(&dir.path().join("db"), 4);
    let train: Vec<usize> = (0..m.items.len()).collect();
    let data = TrainData {
        manifest: &m,
        train: &train,
        val: &[],
    };
    let steps = StageSteps {
        pretrain: 2,
        joint: 2,
        regressor: 2,
    };
    let c = config(Variant::Full, steps);
    let straight: PathBuf = dir.path().join("straight");
    let report = Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(&data, &options(&straight, false, None))
        .unwrap();
    assert_eq!(report.steps, 6);
    assert!(report.random_vgg);
    for key in ["L_R", "L_p", "L_v", "L_q", "L_G", "L_D_real", "L_D_fake"] {
        // The last step is R alone; the joint losses were logged before.
        let log = std::fs::read_to_string(straight.join(files::LOG)).unwrap();
        assert!(log.contains(key), "{key} never logged");
    }

    // Interrupted after step 3 (in the joint stage), then resumed by a fresh trainer.
    let split = dir.path().join("split");
    let first = Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(&data, &options(&split, false, Some(3)))
        .unwrap();
    assert_eq!(first.steps, 3);
    let mut again = Trainer::new(&c, &Device::Cpu).unwrap();
    let second = again.train(&data, &options(&split, true, None)).unwrap();
    assert_eq!(second.steps, 6);
    assert_eq!(
        tensors(&straight.join(files::STATE)),
        tensors(&split.join(files::STATE))
    );
    assert_eq!(
        tensors(&straight.join(files::MODEL)),
        tensors(&split.join(files::MODEL))
    );
    // The log of the resumed run holds each step once.
    let log = std::fs::read_to_string(split.join(files::LOG)).unwrap();
    let steps: Vec<u64> = log
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["step"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(steps, vec![1, 2, 3, 4, 5, 6]);
}

#[test]
fn each_stage_trains_only_its_networks() {
    let dir = tempfile::tempdir().unwrap();
    let m = database(&dir.path().join("db"), 3);
    let train: Vec<usize> = (0..m.items.len()).collect();
    let data = TrainData {
        manifest: &m,
        train: &train,
        val: &[],
    };
    let snapshot = |t: &Trainer, prefix: &str| -> Vec<(String, Vec<f32>)> {
        let out = dir.path().join("snap");
        std::fs::create_dir_all(&out).unwrap();
        iqa_models::hiqa::model_file::save(
            t.networks(),
            Variant::Full,
            &out.join("m.safetensors"),
            true,
            &[],
        )
        .unwrap();
        tensors(&out.join("m.safetensors"))
            .into_iter()
            .filter(|(k, _)| k.starts_with(prefix) && !k.contains("running_"))
            .collect()
    };
    let mut c = config(
        Variant::Full,
        StageSteps {
            pretrain: 1,
            joint: 1,
            regressor: 1,
        },
    );
    // R's output bias is set when a run starts (tested on its own below); off here, so the
    // snapshot taken before the run is the networks' starting point. G's warm-up during
    // pre-training is tested on its own too.
    c.start_at_mean_label = false;
    c.warm_up_generator = false;
    let mut t = Trainer::new(&c, &Device::Cpu).unwrap();
    let out = dir.path().join("run");
    let before = ["g.", "r.", "d."].map(|p| snapshot(&t, p));
    // Pre-training changes none of G, R, D.
    t.train(&data, &options(&out, false, Some(1))).unwrap();
    assert_eq!(["g.", "r.", "d."].map(|p| snapshot(&t, p)), before);
    // The joint step changes all three.
    t.train(&data, &options(&out, true, Some(2))).unwrap();
    let joint = ["g.", "r.", "d."].map(|p| snapshot(&t, p));
    for k in 0..3 {
        assert_ne!(
            joint[k], before[k],
            "network {k} unchanged by the joint step"
        );
    }
    // The regressor stage changes R only.
    t.train(&data, &options(&out, true, None)).unwrap();
    let last = ["g.", "r.", "d."].map(|p| snapshot(&t, p));
    assert_eq!(last[0], joint[0]);
    assert_ne!(last[1], joint[1]);
    assert_eq!(last[2], joint[2]);
}

#[test]
fn divergence_stops_with_the_checkpoint_intact() {
    let dir = tempfile::tempdir().unwrap();
    let m = database(&dir.path().join("db"), 3);
    let train: Vec<usize> = (0..m.items.len()).collect();
    let c = config(
        Variant::Baseline,
        StageSteps {
            pretrain: 0,
            joint: 4,
            regressor: 0,
        },
    );
    let out = dir.path().join("run");
    let data = TrainData {
        manifest: &m,
        train: &train,
        val: &[],
    };
    Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(&data, &options(&out, false, Some(2)))
        .unwrap();
    let state = std::fs::read(out.join(files::STATE)).unwrap();
    let model = std::fs::read(out.join(files::MODEL)).unwrap();
    // The same database with NaN scores: L_R is NaN at the first step. (Resuming the run
    // above on it is refused as other data, so the poisoned run starts afresh elsewhere.)
    let mut poisoned = m.clone();
    for item in &mut poisoned.items {
        item.score = f64::NAN;
    }
    let data = TrainData {
        manifest: &poisoned,
        ..data
    };
    let poisoned_out = dir.path().join("poisoned");
    let err = Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(&data, &options(&poisoned_out, false, None))
        .unwrap_err();
    match &err {
        TrainError::Diverged { step, loss, .. } => {
            assert_eq!(*step, 0);
            assert_eq!(*loss, "L_R");
        }
        other => panic!("expected a divergence, got {other}"),
    }
    // No update was applied and nothing was saved from the diverged step.
    assert!(!poisoned_out.join(files::MODEL).exists());
    let e = Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(&data, &options(&out, true, None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("other data"), "{e}");
    assert_eq!(std::fs::read(out.join(files::STATE)).unwrap(), state);
    assert_eq!(std::fs::read(out.join(files::MODEL)).unwrap(), model);
}

#[test]
fn broken_checkpoints_and_mismatched_configs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let m = database(&dir.path().join("db"), 3);
    let train: Vec<usize> = (0..m.items.len()).collect();
    let data = TrainData {
        manifest: &m,
        train: &train,
        val: &[],
    };
    let c = config(
        Variant::Baseline,
        StageSteps {
            pretrain: 0,
            joint: 2,
            regressor: 0,
        },
    );
    let out = dir.path().join("run");
    let err = |c: &TrainConfig| {
        Trainer::new(c, &Device::Cpu)
            .unwrap()
            .train(&data, &options(&out, true, None))
            .unwrap_err()
            .to_string()
    };
    // Nothing to resume from.
    let e = err(&c);
    assert!(
        e.contains("state.safetensors") && e.contains("no training state"),
        "{e}"
    );
    Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(&data, &options(&out, false, Some(1)))
        .unwrap();
    // Another configuration.
    let mut other = c.clone();
    other.batch_size = 3;
    let e = err(&other);
    assert!(e.contains("batch_size"), "{e}");
    // Other data (one item fewer: another database or split).
    let fewer = &train[1..];
    let e = Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(
            &TrainData {
                manifest: &m,
                train: fewer,
                val: &[],
            },
            &options(&out, true, None),
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("other data"), "{e}");
    // A fresh start into the folder of a run is refused and changes nothing.
    let listing = || {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
            .collect();
        files.sort();
        files
    };
    let before = listing();
    let e = Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(&data, &options(&out, false, None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("--overwrite") && e.contains("--resume"), "{e}");
    assert_eq!(listing(), before);
    // Finishing the run, then resuming it again, says so and changes nothing.
    Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(&data, &options(&out, true, None))
        .unwrap();
    let finished = listing();
    let report = Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(&data, &options(&out, true, None))
        .unwrap();
    assert_eq!(report.steps, 2);
    assert_eq!(listing(), finished);
    // --overwrite replaces the run: one run in the log again.
    Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(
            &data,
            &TrainOptions {
                start: Start::Overwrite,
                ..options(&out, false, Some(1))
            },
        )
        .unwrap();
    let log = std::fs::read_to_string(out.join(files::LOG)).unwrap();
    assert!(!log.contains("\"step\":2"), "{log}");
    // A truncated state file.
    let state = out.join(files::STATE);
    let bytes = std::fs::read(&state).unwrap();
    std::fs::write(&state, &bytes[..bytes.len() / 2]).unwrap();
    let e = err(&c);
    assert!(e.contains("state.safetensors"), "{e}");
    // Not a state file at all.
    std::fs::write(&state, b"hello").unwrap();
    let e = err(&c);
    assert!(e.contains("not a training-state file"), "{e}");
    // The perceptual variants refuse to run without VGG19 weights unless told.
    let mut no_vgg = config(Variant::Full, c.steps);
    no_vgg.vgg19.allow_random = false;
    let e = Trainer::new(&no_vgg, &Device::Cpu).unwrap_err().to_string();
    assert!(e.contains("vgg19.path"), "{e}");
    // More items per batch than the training set has.
    let mut big = c.clone();
    big.batch_size = 1000;
    let e = Trainer::new(&big, &Device::Cpu)
        .unwrap()
        .train(&data, &options(&dir.path().join("big"), false, None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("batch_size"), "{e}");
}

/// Held-out SROCC of the baseline after 250 joint steps with training seed `seed`.
fn short_run_srocc(seed: u64) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let m = database(&dir.path().join("db"), 15);
    let splits = reference_disjoint_splits(
        &m,
        &SplitOptions {
            repeats: 1,
            seed: 1,
            ..SplitOptions::default()
        },
    )
    .unwrap();
    let mut c = config(
        Variant::Baseline,
        StageSteps {
            pretrain: 0,
            joint: 250,
            regressor: 0,
        },
    );
    c.batch_size = 8;
    c.checkpoint_every = 1000;
    c.log_every = 50;
    c.seed = seed;
    let (_, result) = iqa_train::protocol::train_and_test(
        &c,
        &m,
        &splits.splits[0],
        &Device::Cpu,
        &options(&dir.path().join("run"), false, None),
    )
    .unwrap();
    eprintln!(
        "seed {seed}: held-out SROCC {:.4}, PLCC {:.4}",
        result.srocc, result.plcc
    );
    assert_eq!(result.n, 3 * 15);
    result.srocc
}

#[test]
fn a_short_run_learns_quality() {
    // One run's held-out SROCC depends on the seed far more than on anything else. Training
    // seeds 0-2 give 0.59, 0.55 and 0.55 with the project's CPU kernels. A variant of the
    // batch-norm sums that differed from them only in float rounding (tried, not kept) gave
    // 0.38-0.62 over seeds 0-7 (mean 0.52) and moved seed 0 alone to 0.39. So three seeds
    // are run and their mean is tested. Chance on 45 images: 0 +- 0.15 for one run, +- 0.09
    // for the mean.
    let sroccs: Vec<f64> = (0..3).map(short_run_srocc).collect();
    let mean = sroccs.iter().sum::<f64>() / sroccs.len() as f64;
    assert!(mean > 0.4, "mean test SROCC {mean} over {sroccs:?}");
    assert!(
        sroccs.iter().all(|&s| s > 0.2),
        "a run near chance: {sroccs:?}"
    );
}

#[test]
fn every_variant_trains_and_tests() {
    let dir = tempfile::tempdir().unwrap();
    let m = database(&dir.path().join("db"), 4);
    let split = iqa_data::Split {
        train: (0..m.items.len()).filter(|&i| i % 4 != 0).collect(),
        val: Vec::new(),
        test: (0..m.items.len()).filter(|&i| i % 4 == 0).collect(),
    };
    for variant in Variant::ALL {
        let c = config(
            variant,
            StageSteps {
                pretrain: 1,
                joint: 1,
                regressor: 1,
            },
        );
        let out = dir.path().join(variant.name());
        let (report, result) = iqa_train::protocol::train_and_test(
            &c,
            &m,
            &split,
            &Device::Cpu,
            &options(&out, false, None),
        )
        .unwrap();
        let expected_steps = if variant.uses_perceptual() { 3 } else { 2 };
        assert_eq!(report.steps, expected_steps, "{variant}");
        assert_eq!(result.n, split.test.len());
        assert!(
            result.predictions.iter().all(|p| p.is_finite()),
            "{variant}"
        );
        // The model file says which variant it is, so `iqa test` tests it the same way.
        assert_eq!(
            iqa_models::hiqa::model_file::load(&out.join(files::MODEL), &Device::Cpu)
                .unwrap()
                .variant,
            variant
        );
    }
}

#[test]
fn the_best_model_by_validation_srocc_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let m = database(&dir.path().join("db"), 6);
    let splits = reference_disjoint_splits(
        &m,
        &SplitOptions {
            train: 0.5,
            val: 0.3,
            repeats: 1,
            seed: 2,
        },
    )
    .unwrap();
    let split = &splits.splits[0];
    assert!(!split.val.is_empty());
    let mut c = config(
        Variant::Baseline,
        StageSteps {
            pretrain: 0,
            joint: 6,
            regressor: 0,
        },
    );
    c.validate_every = 2;
    let out = dir.path().join("run");
    let data = TrainData {
        manifest: &m,
        train: &split.train,
        val: &split.val,
    };
    let mut trainer = Trainer::new(&c, &Device::Cpu).unwrap();
    let report = trainer.train(&data, &options(&out, false, None)).unwrap();
    let log = std::fs::read_to_string(out.join(files::LOG)).unwrap();
    let validated: Vec<(u64, f64)> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|v| Some((v["step"].as_u64()?, v.get("val_srocc")?.as_f64()?)))
        .collect();
    assert_eq!(
        validated.iter().map(|v| v.0).collect::<Vec<_>>(),
        vec![2, 4, 6]
    );
    // The first of the highest validation SROCCs is the best model.
    let top = validated
        .iter()
        .fold(validated[0], |b, &v| if v.1 > b.1 { v } else { b });
    let best = report.best.unwrap();
    assert_eq!((best.step, best.srocc), top);
    // best.safetensors is that model: it scores the validation items to the same SROCC.
    let nets = trainer.best_networks(&out).unwrap();
    let again = iqa_train::evaluate::test(
        &nets,
        Variant::Baseline,
        &m,
        &split.val,
        c.test_grid(),
        iqa_metrics::FitKind::None,
        &Device::Cpu,
    )
    .unwrap();
    assert!((again.srocc - best.srocc).abs() < 1e-12);
}

#[test]
fn r_starts_at_the_mean_training_label() {
    let dir = tempfile::tempdir().unwrap();
    let m = database(&dir.path().join("db"), 2);
    let train: Vec<usize> = (0..m.items.len()).step_by(2).collect();
    let mean = train.iter().map(|&i| m.items[i].score).sum::<f64>() / train.len() as f64;
    let data = TrainData {
        manifest: &m,
        train: &train,
        val: &[],
    };
    let steps = StageSteps {
        pretrain: 0,
        joint: 4,
        regressor: 0,
    };
    for (on, expected) in [(true, mean as f32), (false, 0.0)] {
        let mut c = config(Variant::Baseline, steps);
        c.start_at_mean_label = on;
        let out = dir.path().join(format!("run-{on}"));
        // Stopped before the first update: the model file holds the starting tensors.
        Trainer::new(&c, &Device::Cpu)
            .unwrap()
            .train(&data, &options(&out, false, Some(0)))
            .unwrap();
        let bias = tensors(&out.join(files::MODEL))
            .into_iter()
            .find(|(name, _)| name == "r.fc2.bias")
            .expect("R's output bias in the model file")
            .1;
        assert_eq!(bias, vec![expected], "start_at_mean_label = {on}");
    }
}

#[test]
fn divergence_in_the_middle_of_a_run_keeps_its_last_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let m = database(&dir.path().join("db"), 3);
    let train: Vec<usize> = (0..m.items.len()).collect();
    let mut c = config(
        Variant::Baseline,
        StageSteps {
            pretrain: 0,
            joint: 12,
            regressor: 0,
        },
    );
    // The starting bias is the mean label, which one NaN label would poison at step 0.
    c.start_at_mean_label = false;
    // One item's label turned NaN: the first batch that holds it (step 3) has a NaN L_R.
    let step3 = iqa_data::PatchBatcher::new(&m, &train, c.patch_options(), 0, Device::Cpu, c.seed)
        .unwrap()
        .training_batch(0, 3, c.batch_size)
        .unwrap()
        .items;
    let earlier: Vec<usize> = (0..3)
        .flat_map(|k| {
            iqa_data::PatchBatcher::new(&m, &train, c.patch_options(), 0, Device::Cpu, c.seed)
                .unwrap()
                .training_batch(0, k, c.batch_size)
                .unwrap()
                .items
        })
        .collect();
    let victim = *step3.iter().find(|i| !earlier.contains(i)).unwrap();
    let mut poisoned = m.clone();
    poisoned.items[victim].score = f64::NAN;
    let out = dir.path().join("poisoned");
    let err = Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(
            &TrainData {
                manifest: &poisoned,
                train: &train,
                val: &[],
            },
            &options(&out, false, None),
        )
        .unwrap_err();
    match &err {
        TrainError::Diverged { step, loss, .. } => assert_eq!((*step, *loss), (3, "L_R")),
        other => panic!("expected a divergence at step 3, got {other}"),
    }
    // The checkpoint of step 2 (checkpoint_every = 2) is what a clean run stopped at step 2
    // writes: the diverged step left no trace in it.
    let clean = dir.path().join("clean");
    Trainer::new(&c, &Device::Cpu)
        .unwrap()
        .train(
            &TrainData {
                manifest: &m,
                train: &train,
                val: &[],
            },
            &options(&clean, false, Some(2)),
        )
        .unwrap();
    assert_eq!(
        tensors(&out.join(files::MODEL)),
        tensors(&clean.join(files::MODEL))
    );
    assert_eq!(
        tensors(&out.join(files::STATE)),
        tensors(&clean.join(files::STATE))
    );
}

#[test]
fn the_generator_warm_up_lowers_its_pixel_loss_during_pre_training() {
    let dir = tempfile::tempdir().unwrap();
    let m = database(&dir.path().join("db"), 3);
    let train: Vec<usize> = (0..m.items.len()).collect();
    let data = TrainData {
        manifest: &m,
        train: &train,
        val: &[],
    };
    let steps = StageSteps {
        pretrain: 30,
        joint: 1,
        regressor: 1,
    };
    // L_p of a trainer's G (inference mode) on five fixed batches of 8 (of the 45 items).
    let held_pixel_loss = |t: &Trainer, c: &TrainConfig| -> f32 {
        let batcher =
            iqa_data::PatchBatcher::new(&m, &train, c.patch_options(), 0, Device::Cpu, 77)
                .unwrap()
                .with_references()
                .unwrap();
        (0..5)
            .map(|k| {
                let b = batcher.training_batch(0, k, 8).unwrap();
                let g = t.networks().generator.forward(&b.distorted, false).unwrap();
                iqa_models::hiqa::losses::pixel_loss(&g.image, b.reference.as_ref().unwrap())
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap()
            })
            .sum::<f32>()
            / 5.0
    };
    let mut c = config(Variant::Full, steps);
    c.start_at_mean_label = false;
    c.batch_size = 8;
    let start = Trainer::new(&c, &Device::Cpu).unwrap();
    let before = held_pixel_loss(&start, &c);
    for on in [false, true] {
        c.warm_up_generator = on;
        let mut t = Trainer::new(&c, &Device::Cpu).unwrap();
        let out = dir.path().join(format!("warm-{on}"));
        t.train(&data, &options(&out, false, Some(steps.pretrain)))
            .unwrap();
        let after = held_pixel_loss(&t, &c);
        let logged = std::fs::read_to_string(out.join(files::LOG))
            .unwrap()
            .lines()
            .filter(|l| l.contains("\"L_p\""))
            .count();
        if on {
            assert!(
                after < 0.9 * before,
                "L_p {before} -> {after} with the warm-up"
            );
            assert_eq!(logged, steps.pretrain as usize, "L_p logged at every step");
        } else {
            assert_eq!(
                after, before,
                "G changed during pre-training without the warm-up"
            );
            assert_eq!(logged, 0);
        }
    }
}
