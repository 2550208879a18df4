//! `iqa bench`: patches per second of the Hallucinated-IQA networks on a device (forward
//! passes and one training step of each network), so that a CUDA build can be measured on
//! a GPU machine where criterion cannot run.

use anyhow::{Context, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::{Optimizer, SGD};
use iqa_models::hiqa::flops::{discriminator_macs, generator_macs, regressor_macs};
use iqa_models::hiqa::losses::{
    LossWeights, adversarial_loss, discriminator_loss, generator_loss, pixel_loss, regression_loss,
};
use iqa_models::hiqa::losses::{perceptual_loss, perceptual_vgg, quality_loss, vgg_loss};
use iqa_models::hiqa::{HiqaConfig, HiqaNetworks, Preset, Regressor, RegressorMode};
use iqa_models::parse_device;
use iqa_models::vars::frozen;
use iqa_models::vgg::Vgg;

/// Arguments of `iqa bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Device: cpu or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Network sizes: tiny or paper.
    #[arg(long, default_value = "tiny")]
    pub preset: String,
    /// Batch sizes, comma-separated.
    #[arg(long, default_value = "1,8,32")]
    pub batch: String,
    /// Patch side (default: the preset's).
    #[arg(long)]
    pub patch: Option<usize>,
    /// Seconds to spend on each measurement (after one warm-up call).
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
    /// Only the measurements whose names contain one of these (comma-separated, any case),
    /// e.g. `--only "r train"` to profile one training step.
    #[arg(long)]
    pub only: Option<String>,
    /// One JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, serde::Serialize)]
struct Measurement {
    what: &'static str,
    batch: usize,
    patch: usize,
    patches_per_s: f64,
    gflop_per_patch: f64,
}

/// Calls `step` once to warm up, then until `seconds` have passed; returns calls per second.
fn time(device: &Device, seconds: f64, mut step: impl FnMut() -> Result<()> + Send) -> Result<f64> {
    // The whole loop on rayon's pool, as the trainer runs its steps.
    iqa_models::ops::on_pool(device, || {
        step()?;
        device.synchronize()?;
        let start = std::time::Instant::now();
        let mut calls = 0u32;
        while calls == 0 || start.elapsed().as_secs_f64() < seconds {
            step()?;
            calls += 1;
        }
        device.synchronize()?;
        Ok(f64::from(calls) / start.elapsed().as_secs_f64())
    })
}

/// Runs `iqa bench`.
pub fn run(args: &BenchArgs) -> Result<()> {
    let device = parse_device(&args.device)?;
    let config = HiqaConfig::preset(Preset::from_name(&args.preset).context("--preset")?);
    let patch = args.patch.unwrap_or(config.patch);
    let batches: Vec<usize> = args
        .batch
        .split(',')
        .map(|b| b.trim().parse::<usize>().ok().filter(|&b| b > 0))
        .collect::<Option<_>>()
        .with_context(|| {
            format!(
                "--batch `{}`: expected positive integers, comma-separated",
                args.batch
            )
        })?;
    let nets = HiqaNetworks::new(&config, RegressorMode::FULL, &device, 0)?;
    // The G step's perceptual terms: VGG19 (random weights: the cost is the same) and a
    // frozen R_pre (a copy of a fresh no-fusion R).
    let vgg = Vgg::random(0, &perceptual_vgg(&config.vgg_taps), &device)?;
    let pre = HiqaNetworks::new(&config, RegressorMode::NO_FUSION, &device, 1)?;
    let r_pre = Regressor::new(
        &config,
        RegressorMode::NO_FUSION,
        frozen(&pre.r_vars, &device, "R_pre")?.pp("r"),
    )?;
    let weights = LossWeights::default();
    let gflop = |macs: u64| 2.0 * macs as f64 / 1e9;
    let (g_f, r_f, d_f) = (
        gflop(generator_macs(&config, patch, patch)),
        gflop(regressor_macs(&config, true, true, patch, patch)),
        gflop(discriminator_macs(&config, patch, patch)),
    );
    let vgg_f = gflop(vgg.macs(patch, patch));
    let pre_f = gflop(regressor_macs(&config, true, false, patch, patch));
    let mut g_opt = SGD::new(nets.g_vars.all_vars(), 1e-4)?;
    let mut r_opt = SGD::new(nets.r_vars.all_vars(), 1e-4)?;
    let mut d_opt = SGD::new(nets.d_vars.all_vars(), 1e-4)?;
    let filters: Vec<String> = args
        .only
        .as_deref()
        .map(|o| o.split(',').map(|f| f.trim().to_lowercase()).collect())
        .unwrap_or_default();
    let wanted = |what: &str| {
        filters.is_empty()
            || filters
                .iter()
                .any(|f| what.to_lowercase().contains(f.as_str()))
    };
    let mut results = Vec::new();
    // Bytes per patch the largest measurement so far held at its peak, from the smallest
    // batch (host memory: on a GPU the card's memory is the bound and is not probed).
    let mut per_patch: Option<f64> = None;
    let mut ascending = batches.clone();
    ascending.sort_unstable();
    let mut refused = None;
    // Memory held before the first measurement: what each batch's peak grows from (the
    // allocator keeps freed memory, so growth over this baseline errs on the safe side).
    let before = iqa_io::memory::resident_bytes();
    for &n in &ascending {
        if let (Some(bytes), true) = (per_patch, device.is_cpu())
            && let Err(e) = iqa_io::memory::check_fits(
                &format!("benchmarking the {} preset at batch {n}", args.preset),
                bytes * n as f64,
                "Give smaller batches with --batch (the smaller ones were measured) or a smaller --patch.",
            )
        {
            refused = Some(e);
            break;
        }
        iqa_io::memory::reset_peak();
        let x = Tensor::rand(0f32, 1f32, (n, 3, patch, patch), &device)?;
        let reference = Tensor::rand(0f32, 1f32, (n, 3, patch, patch), &device)?;
        let target = Tensor::rand(0f32, 1f32, n, &device)?;
        let g0 = nets.generator.forward(&x, false)?;
        let mut record = |what: &'static str, per_s: f64, gf: f64| {
            tracing::info!(
                what,
                batch = n,
                patches_per_s = per_s * n as f64,
                "measured"
            );
            results.push(Measurement {
                what,
                batch: n,
                patch,
                patches_per_s: per_s * n as f64,
                gflop_per_patch: gf,
            });
        };
        if wanted("R forward") {
            let per_s = time(&device, args.seconds, || {
                nets.regressor
                    .forward(&x, Some(&g0.image), Some(&g0.features), false)?
                    .to_dtype(DType::F32)?;
                Ok(())
            })?;
            record("R forward", per_s, r_f);
        }
        if wanted("G+R forward") {
            let per_s = time(&device, args.seconds, || {
                let g = nets.generator.forward(&x, false)?;
                nets.regressor
                    .forward(&x, Some(&g.image), Some(&g.features), false)?;
                Ok(())
            })?;
            record("G+R forward", per_s, g_f + r_f);
        }
        if wanted("G train step") {
            let per_s = time(&device, args.seconds, || {
                // L_G of Eq. 4: L_p, L_s = L_v + lambda L_q, L_adv through D.
                let g = nets.generator.forward(&x, true)?;
                let fake = nets.discriminator.forward(&g.image, false)?;
                let l_s = perceptual_loss(
                    &vgg_loss(&vgg, &g.image, &reference)?,
                    &quality_loss(&r_pre, &x, &g.image, &reference)?,
                    weights.quality,
                )?;
                let loss = generator_loss(
                    &pixel_loss(&g.image, &reference)?,
                    &l_s,
                    &adversarial_loss(&fake)?,
                    &weights,
                )?;
                g_opt.backward_step(&loss)?;
                Ok(())
            })?;
            record("G train step", per_s, g_f + d_f + 2.0 * (vgg_f + pre_f));
        }
        if wanted("R train step") {
            let per_s = time(&device, args.seconds, || {
                let g = nets.generator.forward(&x, false)?;
                let (image, features) = (g.image.detach(), g.features.detach());
                let s = nets
                    .regressor
                    .forward(&x, Some(&image), Some(&features), true)?;
                r_opt.backward_step(&regression_loss(&s, &target)?)?;
                Ok(())
            })?;
            record("R train step", per_s, g_f + r_f);
        }
        if wanted("D train step") {
            let per_s = time(&device, args.seconds, || {
                let fake_image = g0.image.detach();
                let real = nets.discriminator.forward(&reference, true)?;
                let fake = nets.discriminator.forward(&fake_image, true)?;
                let d_fake = Tensor::zeros(n, DType::F32, &device)?;
                d_opt.backward_step(&discriminator_loss(&real, &fake, &d_fake)?)?;
                Ok(())
            })?;
            record("D train step", per_s, 2.0 * d_f);
        }
        if let (Some(before), Some(peak)) = (before, iqa_io::memory::peak_resident_bytes()) {
            // A quarter more than measured: a margin for what the estimate misses.
            let bytes = 1.25 * peak.saturating_sub(before) as f64 / n as f64;
            per_patch = Some(per_patch.map_or(bytes, |b: f64| b.max(bytes)));
            tracing::info!(batch = n, bytes_per_patch = bytes, "peak memory");
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::json!({"device": args.device, "preset": args.preset, "results": results})
        );
    } else {
        println!(
            "{} preset on {}, {patch}x{patch} patches",
            args.preset, args.device
        );
        println!(
            "{:<14} {:>6} {:>14} {:>16}",
            "what", "batch", "patches/s", "GFLOP/patch"
        );
        for m in &results {
            println!(
                "{:<14} {:>6} {:>14.2} {:>16.3}",
                m.what, m.batch, m.patches_per_s, m.gflop_per_patch
            );
        }
    }
    match refused {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
