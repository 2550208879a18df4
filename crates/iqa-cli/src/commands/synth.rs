//! `iqa synth`: write a synthetic IQA database.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use iqa_cli::progress::StepProgress;
use iqa_data::synth::distortion::{distortion_by_name, distortion_set};
use iqa_data::synth::{SceneSource, SynthOptions, generate};
use iqa_train::Progress;
use iqa_train::labeller::MetricLabeller;

/// Arguments of `iqa synth`.
#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// Output folder (created; an existing one is resumed: finished images are kept).
    #[arg(long)]
    pub out: PathBuf,
    /// Number of procedural scenes.
    #[arg(long, default_value_t = 29, conflicts_with = "refs")]
    pub scenes: usize,
    /// What the procedural scenes show: `natural` (dead-leaves scenes with the statistics of
    /// photographs) or `screen` (screen content: text, charts, controls, photo insets).
    #[arg(long, default_value = "natural", conflicts_with = "refs")]
    pub content: String,
    /// Use the pristine images in this folder instead of procedural scenes.
    #[arg(long)]
    pub refs: Option<PathBuf>,
    /// Size of procedural scenes, WIDTHxHEIGHT.
    #[arg(long, default_value = "512x384")]
    pub size: String,
    /// A set (live, tid2013, kadid10k, siqad, scid) or comma-separated distortion names
    /// (default: live; with `--content screen`, scid).
    #[arg(long)]
    pub set: Option<String>,
    /// How many of the five levels (spread from mildest to most severe).
    #[arg(long, default_value_t = 5)]
    pub levels: u8,
    /// The full-reference metric that makes the pseudo-MOS.
    #[arg(long, default_value = "ms-ssim")]
    pub labeller: String,
    /// Seed of scenes and distortions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
}

fn parse_size(text: &str) -> Result<(u32, u32)> {
    let parse = || -> Option<(u32, u32)> {
        let (w, h) = text
            .to_lowercase()
            .split_once('x')
            .map(|(a, b)| (a.to_string(), b.to_string()))?;
        Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
    };
    parse().with_context(|| format!("--size `{text}`: expected WIDTHxHEIGHT, e.g. 512x384"))
}

/// Distortions that change only colour, which luma-only labellers cannot see.
const COLOUR_ONLY: [&str; 3] = ["saturation_change", "color_shift", "color_diffusion"];

/// Warns when a luma-only labeller would give colour-only distortions perfect scores.
fn warn_colour_blind(names: &[String], labeller: &str) {
    if !matches!(labeller, "ms-ssim" | "ssim" | "psnr-y") {
        return;
    }
    let resolved: Vec<&'static str> = match names {
        [one] => distortion_set(one)
            .map(|set| set.iter().map(|d| d.name()).collect())
            .unwrap_or_else(|_| {
                distortion_by_name(one)
                    .map(|d| vec![d.name()])
                    .unwrap_or_default()
            }),
        _ => names
            .iter()
            .filter_map(|n| distortion_by_name(n).ok().map(|d| d.name()))
            .collect(),
    };
    let blind: Vec<&str> = resolved
        .into_iter()
        .filter(|n| COLOUR_ONLY.contains(n))
        .collect();
    if !blind.is_empty() {
        tracing::warn!(
            "{labeller} compares luma only: {} change colour alone and will score as undistorted; use --labeller ssim-rgb or psnr for them",
            blind.join(", ")
        );
    }
}

/// Runs `iqa synth`.
pub fn run(args: &SynthArgs) -> Result<()> {
    let source = match &args.refs {
        Some(dir) => SceneSource::Folder(dir.clone()),
        None => {
            let (width, height) = parse_size(&args.size)?;
            match args.content.as_str() {
                "natural" => SceneSource::Procedural {
                    count: args.scenes,
                    width,
                    height,
                },
                "screen" => SceneSource::Screen {
                    count: args.scenes,
                    width,
                    height,
                },
                other => bail!("--content `{other}`: expected `natural` or `screen`"),
            }
        }
    };
    let set = match (&args.set, matches!(source, SceneSource::Screen { .. })) {
        (Some(set), _) => set.clone(),
        (None, true) => "scid".to_string(),
        (None, false) => "live".to_string(),
    };
    let distortions: Vec<String> = set.split(',').map(|s| s.trim().to_string()).collect();
    if distortions.iter().any(String::is_empty) {
        bail!("--set `{set}`: empty name");
    }
    warn_colour_blind(&distortions, &args.labeller);
    let labeller = MetricLabeller::new(&args.labeller)
        .with_context(|| format!("--labeller `{}`", args.labeller))?;
    let options = SynthOptions {
        out: args.out.clone(),
        source,
        distortions,
        levels: args.levels,
        seed: args.seed,
    };
    let progress = StepProgress::counting("images");
    let started = std::sync::Once::new();
    let start = std::time::Instant::now();
    let report = generate(&options, &labeller, &|done, total| {
        started.call_once(|| progress.start(total as u64, 0));
        progress.advance(done as u64, "");
    })?;
    progress.finish();
    let seconds = start.elapsed().as_secs_f64();
    if args.json {
        let mut v = serde_json::to_value(&report)?;
        v["seconds"] = seconds.into();
        println!("{v}");
    } else {
        println!(
            "{} distorted images of {} references in {} ({} made now, {:.1} s); manifest {}",
            report.distorted,
            report.references,
            args.out.display(),
            report.made,
            seconds,
            report.manifest.display()
        );
    }
    Ok(())
}
