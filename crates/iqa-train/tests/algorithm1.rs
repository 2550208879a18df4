//! Algorithm 1 step for step against PyTorch: from the same initial networks (a training
//! state our trainer wrote), the same VGG19 weights and the same batches, every stage of
//! Algorithm 1 (R_pre's pre-training; per joint step d_fake of Eq. 2, D on references, D
//! on hallucinations, G by mu3 L_adv, R by L_R, G by L_G; R alone) gives the losses and,
//! after every step, the per-tensor sums that `benches/hiqa_torch_peer.py --train-check`
//! computed with `torch.optim.SGD` (momentum, weight decay, step decay of the learning
//! rate) on a PyTorch transcription of the networks. That settles gradients, loss forms,
//! detach points, batch-norm modes and the optimiser independently of any data.
//!
//! The fixture (`tests/fixtures/algorithm1/`) is written by the ignored test
//! `write_fixture` below (`cargo test -p iqa-train --test algorithm1 -- --ignored`), then
//! `python3 benches/hiqa_torch_peer.py --train-check crates/iqa-train/tests/fixtures/algorithm1`
//! writes `expected.json` beside it (both from the repository root, in that order).
//! `ALGORITHM1_DUMP=1` prints every quantity out of tolerance at each step (not only the
//! first), `ALGORITHM1_SAVE=DIR` keeps our training state after each step, and
//! `ALGORITHM1_SEED` chooses the fixture's batches when writing it.
//!
//! One more caution, found with this test: a trajectory that passes within rounding of a
//! kink (a ReLU or max-pool choice) takes the other branch in one implementation and not
//! in the other. With batch seed 15, candle's stock operations and ours both end 6 % away
//! from PyTorch on some of R's batch-norm biases after the first regressor step, while
//! candle's convolution with our other kernels passes: no implementation is wrong, the data
//! sit on a kink. The fixture uses seed 14, whose steps stay clear of kinks (seeds 14 and 16
//! pass; 11 and 15 cross one).
//!
//! Tolerance. Both sides compute in f32 but sum in different orders (im2col + gemm here,
//! oneDNN there), and a few quantities are sums that nearly cancel (the gradient of a
//! batch-norm bias followed by another batch norm), where rounding alone moves the result
//! by a percent of its small value within a few steps (PyTorch's own f32 run is 0.26 % off
//! its f64 run on such a bias after one update, ours up to 1.6 %, depending on the order in
//! which each sums). So the script also runs the same steps in f64, and each of our values
//! must be within the loosest of: 8 times the largest relative error PyTorch's f32 run has
//! shown on that quantity so far; for tensors, 1e-7 per summed value (f32 rounding of
//! values of order one) and 5 % of how far the tensor has moved from its initial value; for
//! losses, 2e-3 relative (once the parameters differ by that rounding, the losses follow:
//! up to 7e-4 measured over four batch seeds). A wrong loss, gradient, detach point,
//! learning rate or optimiser gets a tensor's movement wrong by tens of percent or more.
//! A wrong loss, gradient, detach point or optimiser moves a tensor by about lr |g|, orders
//! of magnitude beyond either bound.

#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use iqa_data::PatchBatch;
use iqa_models::hiqa::Preset;
use iqa_train::config::StageSteps;
use iqa_train::optim::OptimiserConfig;
use iqa_train::{TrainConfig, Trainer, Variant, files};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

/// The fixture folder, relative to this crate (tests run from the crate's folder).
const FIXTURE: &str = "tests/fixtures/algorithm1";
/// Patches per batch and their side.
const BATCH: usize = 4;
const PATCH: usize = 32;

/// The configuration both sides run: the tiny topology at half its widths and 32x32
/// patches (a small fixture), three steps per stage, the full model (every loss), VGG19
/// from the fixture.
fn config() -> TrainConfig {
    let mut c = TrainConfig::preset(Preset::Tiny);
    // The paper's optimiser: SGD with momentum 0.9 and weight decay 5e-4.
    c.optimiser = OptimiserConfig::default();
    c.variant = Variant::Full;
    c.network.patch = PATCH;
    c.network.g_width = 8;
    c.network.r_width = 4;
    c.network.fusion_width = 8;
    c.network.hidden_width = 16;
    c.network.d_width = 4;
    // The fixture was written with the paper's G and R (no skip into G's last convolution,
    // no gates and no MSCN input in R), L_v at relu1_2 and no warm-up of G (an L_p step on
    // G's optimiser, both of which the joint steps check already).
    c.network.gates = false;
    c.network.g_skip = false;
    c.network.r_mscn = false;
    c.network.vgg_taps = vec![3];
    c.warm_up_generator = false;
    c.batch_size = BATCH;
    c.steps = StageSteps {
        pretrain: 3,
        joint: 3,
        regressor: 3,
    };
    // A wide Eq. 2 margin: the untrained R is 3 to 7 away from the scores, so that with 5.0
    // d_fake takes both values (the script refuses batches where f32 and f64 disagree).
    c.losses.epsilon = 5.0;
    // Learning rates 1e-4: at the preset's 0.01 these untrained networks swing far in one
    // update (R's errors from -2 to +5), and PyTorch's own f32 and f64 runs of the same
    // steps end 10-45 % apart in L_R (batch norm over 4 patches amplifies rounding); at
    // 1e-4 they stay within 2e-4, so the comparison below is tight at every step. A wrong
    // gradient or optimiser still moves a tensor by about lr |g|, well above that.
    for schedule in [
        &mut c.lr.generator,
        &mut c.lr.regressor,
        &mut c.lr.discriminator,
        &mut c.lr.pretrain,
    ] {
        schedule.base = 1e-4;
    }
    c.vgg19.path = Some(PathBuf::from(FIXTURE).join("vgg19.safetensors"));
    c.checkpoint_every = 1000;
    c
}

fn batch_path() -> PathBuf {
    Path::new(FIXTURE).join("batches.safetensors")
}

/// The batches, `k` = 0..9: distorted and reference patches and scores.
fn batches(total: usize) -> Vec<PatchBatch> {
    let t = candle_core::safetensors::load(batch_path(), &Device::Cpu).unwrap();
    (0..total)
        .map(|k| PatchBatch {
            distorted: t[&format!("distorted.{k}")].clone(),
            reference: Some(t[&format!("reference.{k}")].clone()),
            scores: t[&format!("scores.{k}")].clone(),
            items: vec![0; BATCH],
        })
        .collect()
}

#[test]
#[ignore = "writes the fixture; run by hand, then the PyTorch script"]
fn write_fixture() {
    let dir = Path::new(FIXTURE);
    std::fs::create_dir_all(dir).unwrap();
    let dev = Device::Cpu;
    // VGG19's first two convolutions (the fixture taps relu1_2), He-uniform.
    // Seed 14: d_fake is 0, 1 and 0.75 in the three joint steps (both labels, and a mix).
    let seed = std::env::var("ALGORITHM1_SEED").map_or(14, |s| s.parse().unwrap());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut vgg = HashMap::new();
    for (i, cin, cout) in [(0usize, 3usize, 64usize), (2, 64, 64)] {
        let bound = (6.0 / (cin * 9) as f32).sqrt();
        let w: Vec<f32> = (0..cout * cin * 9)
            .map(|_| rng.random_range(-bound..bound))
            .collect();
        vgg.insert(
            format!("features.{i}.weight"),
            Tensor::from_vec(w, (cout, cin, 3, 3), &dev).unwrap(),
        );
        let b: Vec<f32> = (0..cout).map(|_| rng.random_range(-0.1..0.1)).collect();
        vgg.insert(
            format!("features.{i}.bias"),
            Tensor::from_vec(b, cout, &dev).unwrap(),
        );
    }
    candle_core::safetensors::save(&vgg, dir.join("vgg19.safetensors")).unwrap();
    // Batches: smooth random references, distorted by noise and a blur-like mix; scores
    // spread over [0, 1].
    let c = config();
    let total = c.steps.total() as usize;
    let mut tensors = HashMap::new();
    for k in 0..total {
        let n = BATCH * 3 * PATCH * PATCH;
        let base: Vec<f32> = (0..n)
            .map(|i| {
                let x = (i % PATCH) as f32 / PATCH as f32;
                let y = ((i / PATCH) % PATCH) as f32 / PATCH as f32;
                0.5 + 0.3 * ((6.0 * x + 3.0 * y + k as f32).sin()) + rng.random_range(-0.1..0.1)
            })
            .map(|v: f32| v.clamp(0.0, 1.0))
            .collect();
        let noisy: Vec<f32> = base
            .iter()
            .map(|v| (v + rng.random_range(-0.2..0.2f32)).clamp(0.0, 1.0))
            .collect();
        let shape = (BATCH, 3, PATCH, PATCH);
        tensors.insert(
            format!("reference.{k}"),
            Tensor::from_vec(base, shape, &dev).unwrap(),
        );
        tensors.insert(
            format!("distorted.{k}"),
            Tensor::from_vec(noisy, shape, &dev).unwrap(),
        );
        let scores: Vec<f32> = (0..BATCH).map(|_| rng.random_range(0.0..1.0)).collect();
        tensors.insert(
            format!("scores.{k}"),
            Tensor::from_vec(scores, BATCH, &dev).unwrap(),
        );
    }
    candle_core::safetensors::save(&tensors, batch_path()).unwrap();
    // The initial networks, R_pre included, as the trainer writes its state. G's last
    // convolution is scaled up from its near-zero start (std 1e-3, so that an untrained G
    // returns its input): with corrections of 1e-3 the discrepancy map |I_d - G(I_d)| is
    // made of f32 rounding of I_d + correction, which R's batch norm then amplifies, and
    // PyTorch's f32 and f64 runs of the regressor stage drift 10 % apart.
    let trainer = {
        let mut t = Trainer::new(&c, &dev).unwrap();
        {
            let vars = t.networks().g_vars.data().lock().unwrap();
            let out = &vars["g.out.weight"];
            out.set(&(out.as_tensor() * 100.0).unwrap()).unwrap();
        }
        let tmp = tempfile::tempdir().unwrap();
        t.checkpoint(tmp.path()).unwrap();
        std::fs::copy(tmp.path().join(files::STATE), dir.join("state.safetensors")).unwrap();
        t
    };
    let text = serde_json::json!({
        "network": trainer.config().network,
        "losses": trainer.config().losses,
        "optimiser": trainer.config().optimiser,
        "lr": {
            "generator": c.lr.generator, "regressor": c.lr.regressor,
            "discriminator": c.lr.discriminator, "pretrain": c.lr.pretrain,
        },
        "steps": c.steps,
        "batch": BATCH,
    });
    std::fs::write(
        dir.join("setup.json"),
        serde_json::to_string_pretty(&text).unwrap(),
    )
    .unwrap();
}

/// The sum of absolute values and the element count of every network tensor of a
/// training-state file, by name.
fn abs_sums(path: &Path) -> HashMap<String, (f64, usize)> {
    candle_core::safetensors::load(path, &Device::Cpu)
        .unwrap()
        .into_iter()
        .filter(|(name, _)| name.starts_with("net.") || name.starts_with("pre."))
        .map(|(name, t)| {
            let s = t
                .to_dtype(DType::F64)
                .unwrap()
                .abs()
                .unwrap()
                .sum_all()
                .unwrap();
            (name, (s.to_scalar::<f64>().unwrap(), t.elem_count()))
        })
        .collect()
}

/// What a compared value is.
enum Quantity {
    /// A loss.
    Loss,
    /// A tensor's sum of absolute values over `n` values, which has `moved` from its
    /// initial value (the f64 run's sum of absolute differences).
    Tensor { n: usize, moved: f64 },
}

/// How far PyTorch's f32 run has been from its f64 run so far, per quantity (relative).
#[derive(Default)]
struct Noise(HashMap<String, f64>);

impl Noise {
    /// Whether `ours` is close enough to the f64 value `exact` (see the module
    /// documentation); `torch` is PyTorch's f32 value.
    fn close(&mut self, name: &str, ours: f64, torch: f64, exact: f64, what: Quantity) -> bool {
        let relative = (torch - exact).abs() / exact.abs().max(1e-30);
        let noise = self.0.entry(name.to_string()).or_insert(0.0);
        *noise = noise.max(relative);
        let by_noise = 8.0 * *noise * exact.abs();
        let bound = match what {
            Quantity::Loss => by_noise.max(2e-3 * exact.abs()),
            Quantity::Tensor { n, moved } => by_noise.max(1e-7 * n as f64).max(0.05 * moved),
        };
        (ours - exact).abs() <= bound
    }
}

#[test]
fn algorithm1_matches_pytorch_step_for_step() {
    let dir = Path::new(FIXTURE);
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let steps = expected["steps"].as_array().unwrap();
    let c = config();
    assert_eq!(
        steps.len() as u64,
        c.steps.total(),
        "the fixture's step count"
    );
    let dev = Device::Cpu;
    let mut trainer = Trainer::new(&c, &dev).unwrap();
    trainer.restore(&dir.join("state.safetensors")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut worst: f64 = 0.0;
    let mut d_fake_values = Vec::new();
    let mut noise = Noise::default();
    for (k, (batch, want)) in batches(steps.len()).iter().zip(steps).enumerate() {
        let losses = trainer.train_step(batch).unwrap();
        let want_losses = want["losses"].as_object().unwrap();
        let exact_losses = want["losses_f64"].as_object().unwrap();
        assert_eq!(
            losses.len(),
            want_losses.len(),
            "step {k}: losses {losses:?} vs {want_losses:?}"
        );
        for (name, ours) in &losses {
            let theirs = want_losses[*name].as_f64().unwrap();
            if *name == "d_fake" {
                assert_eq!(*ours, theirs, "step {k}: d_fake");
                d_fake_values.push(*ours);
                continue;
            }
            let exact = exact_losses[*name].as_f64().unwrap();
            assert!(
                noise.close(name, *ours, theirs, exact, Quantity::Loss),
                "step {k}: {name} {ours} vs PyTorch {theirs} (f64: {exact})"
            );
            worst = worst.max((ours - theirs).abs() / theirs.abs().max(1e-12));
        }
        trainer.checkpoint(tmp.path()).unwrap();
        let sums = abs_sums(&tmp.path().join(files::STATE));
        let want_sums = want["abs_sums"].as_object().unwrap();
        let exact_sums = want["abs_sums_f64"].as_object().unwrap();
        let moved = want["moved_f64"].as_object().unwrap();
        assert_eq!(sums.len(), want_sums.len(), "step {k}: tensor count");
        if let Some(save) = std::env::var_os("ALGORITHM1_SAVE") {
            let to = Path::new(&save).join(format!("state-{k}.safetensors"));
            std::fs::copy(tmp.path().join(files::STATE), to).unwrap();
        }
        if std::env::var_os("ALGORITHM1_DUMP").is_some() {
            let mut all: Vec<_> = sums.iter().collect();
            all.sort_by(|a, b| a.0.cmp(b.0));
            for (name, (ours, n)) in all {
                let theirs = want_sums[name.as_str()].as_f64().unwrap();
                let exact = exact_sums[name.as_str()].as_f64().unwrap();
                let m = moved[name.as_str()].as_f64().unwrap();
                if !noise.close(
                    name,
                    *ours,
                    theirs,
                    exact,
                    Quantity::Tensor { n: *n, moved: m },
                ) {
                    eprintln!("step {k}: {name} {ours} vs {theirs} (f64 {exact})");
                }
            }
        }
        for (name, (ours, n)) in &sums {
            let theirs = want_sums
                .get(name)
                .unwrap_or_else(|| panic!("step {k}: PyTorch has no `{name}`"))
                .as_f64()
                .unwrap();
            let exact = exact_sums[name.as_str()].as_f64().unwrap();
            let m = moved[name.as_str()].as_f64().unwrap();
            assert!(
                noise.close(
                    name,
                    *ours,
                    theirs,
                    exact,
                    Quantity::Tensor { n: *n, moved: m }
                ),
                "step {k}: sum |{name}| {ours} vs PyTorch {theirs} (f64: {exact})"
            );
        }
    }
    assert!(
        d_fake_values.iter().any(|&v| v > 0.0 && v < 1.0),
        "the fixture should give d_fake both values: {d_fake_values:?}"
    );
    eprintln!("largest relative loss difference: {worst:.2e}");
}
