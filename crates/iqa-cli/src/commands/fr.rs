//! `iqa fr`: full-reference quality of one image pair, or of every pair in a CSV.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use candle_core::Device;
use iqa_cli::progress::StepProgress;
use iqa_models::fr::Downsample;
use iqa_models::registry::{self, ModelKind, ModelOptions};
use iqa_models::{
    FullReferenceModel, ModelError, image_to_tensor, load_image, parse_device, score_images,
};
use iqa_train::Progress;

use iqa_io::AtomicFile;

/// Arguments of `iqa fr`.
#[derive(Debug, clap::Args)]
pub struct FrArgs {
    /// A registered full-reference metric: psnr, psnr-y, ssim, ssim-rgb, ms-ssim, gmsd,
    /// vif, nlpd, cw-ssim, fsim, fsimc, vsi, mad, deepwsd.
    #[arg(long)]
    pub metric: String,
    /// Reference (pristine) image.
    #[arg(required_unless_present = "pairs")]
    pub reference: Option<PathBuf>,
    /// Distorted image, same size as the reference.
    #[arg(required_unless_present = "pairs")]
    pub distorted: Option<PathBuf>,
    /// Batch mode: a CSV with columns `ref` and `dist` (paths relative to the CSV's
    /// folder); the same rows are written back with a score column appended.
    #[arg(long, conflicts_with_all = ["reference", "distorted"])]
    pub pairs: Option<PathBuf>,
    /// Where batch mode writes its CSV (default: standard output); written atomically.
    #[arg(long, requires = "pairs")]
    pub out: Option<PathBuf>,
    /// Name of the appended score column (default: the metric's name).
    #[arg(long, requires = "pairs")]
    pub column: Option<String>,
    /// SSIM's automatic downsampling by round(min(H, W) / 256), as the reference code.
    #[arg(long, value_enum, default_value = "auto")]
    pub downsample: DownsampleArg,
    /// VGG16 weights for deepwsd (safetensors, torchvision key names; see datasets.md).
    #[arg(long)]
    pub vgg16: Option<PathBuf>,
    /// Device: cpu or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// JSON output: one object (one per line in batch mode).
    #[arg(long)]
    pub json: bool,
    /// Throughput check: after one warm-up, score the pair this many more times on the
    /// device (images decoded once) and report pairs per second.
    #[arg(long, conflicts_with = "pairs")]
    pub repeat: Option<usize>,
    /// With `--repeat`: stack the pair this many times into one batch per call.
    #[arg(long, default_value_t = 1, requires = "repeat")]
    pub batch: usize,
}

/// SSIM's downsampling switch.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DownsampleArg {
    /// As the reference code.
    Auto,
    /// Full resolution.
    Off,
}

/// Runs `iqa fr`.
pub fn run(args: &FrArgs) -> Result<()> {
    let device = parse_device(&args.device)?;
    let options = ModelOptions {
        downsample: match args.downsample {
            DownsampleArg::Auto => Downsample::Auto,
            DownsampleArg::Off => Downsample::Off,
        },
        weights: args.vgg16.as_deref(),
    };
    let metric = match registry::full_reference(&args.metric, &options, &device) {
        Ok(metric) => metric,
        Err(e @ ModelError::MissingWeights { .. }) => {
            return Err(anyhow::Error::new(e).context("give the VGG16 weights with --vgg16 FILE"));
        }
        Err(ModelError::WrongKind {
            name,
            kind: ModelKind::NoReference,
            ..
        }) => {
            bail!("`{name}` is a no-reference model: score images with `iqa score --metric {name}`")
        }
        Err(e) => return Err(e.into()),
    };
    match (&args.pairs, &args.reference, &args.distorted) {
        (Some(pairs), _, _) => run_pairs(metric.as_ref(), pairs, args, &device),
        (None, Some(reference), Some(distorted)) if args.repeat.is_some() => {
            let timing = time_pair(metric.as_ref(), reference, distorted, args, &device)?;
            if args.json {
                println!("{}", serde_json::to_string(&timing)?);
            } else {
                println!(
                    "{}: {:.6}; {:.2} pairs/s on {} (batch {}, {} calls)",
                    timing.metric,
                    timing.score,
                    timing.pairs_per_s,
                    timing.device,
                    timing.batch,
                    timing.repeat
                );
            }
            Ok(())
        }
        (None, Some(reference), Some(distorted)) => {
            let score = score_pair(metric.as_ref(), reference, distorted, &device)?;
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({ "metric": metric.name(), "score": score })
                );
            } else {
                let direction = if metric.direction().lower_is_better() {
                    "lower"
                } else {
                    "higher"
                };
                println!("{}: {score:.6} ({direction} is better)", metric.name());
            }
            Ok(())
        }
        _ => bail!("give REF and DIST images, or --pairs FILE.csv"),
    }
}

/// What `--repeat` measured.
#[derive(Debug, serde::Serialize)]
struct Timing {
    metric: &'static str,
    score: f32,
    device: String,
    batch: usize,
    repeat: usize,
    pairs_per_s: f64,
}

/// Scores the pair `--batch` times per call, once to warm up, then `--repeat` times timed.
fn time_pair(
    metric: &dyn FullReferenceModel,
    reference: &Path,
    distorted: &Path,
    args: &FrArgs,
    device: &Device,
) -> Result<Timing> {
    let repeat = args.repeat.unwrap_or(1);
    if repeat == 0 || args.batch == 0 {
        bail!(
            "--repeat and --batch must be at least 1 (got {repeat} and {})",
            args.batch
        );
    }
    let (reference_image, distorted_image) = (load_image(reference)?, load_image(distorted)?);
    if device.is_cpu() {
        iqa_models::memory::check_decoded_pairs_fit(
            metric,
            args.batch,
            &reference_image,
            &distorted_image,
        )
        .with_context(|| format!("timing the metric on `{}`", distorted.display()))?;
    }
    let stack = |image: &image::DynamicImage, what: &str| -> Result<candle_core::Tensor> {
        let one = image_to_tensor(image, what, device)?;
        Ok(candle_core::Tensor::cat(&vec![&one; args.batch], 0)?)
    };
    let r = stack(&reference_image, "the reference image")?;
    let d = stack(&distorted_image, "the distorted image")?;
    let score = |what: &str| -> Result<f32> {
        let scores: Vec<f32> = metric
            .predict(&r, &d)
            .with_context(|| format!("{what} of `{}`", distorted.display()))?
            .to_vec1()?;
        Ok(scores.first().copied().unwrap_or(f32::NAN))
    };
    let first = score("warm-up scoring")?;
    device.synchronize()?;
    let start = std::time::Instant::now();
    for _ in 0..repeat {
        score("timed scoring")?;
    }
    device.synchronize()?;
    let seconds = start.elapsed().as_secs_f64();
    Ok(Timing {
        metric: metric.name(),
        score: first,
        device: args.device.clone(),
        batch: args.batch,
        repeat,
        pairs_per_s: (repeat * args.batch) as f64 / seconds,
    })
}

fn score_pair(
    metric: &dyn FullReferenceModel,
    reference: &Path,
    distorted: &Path,
    device: &Device,
) -> Result<f32> {
    let r = load_image(reference)?;
    let d = load_image(distorted)?;
    score_images(metric, &r, &d, device).with_context(|| {
        format!(
            "scoring `{}` against the reference `{}`",
            distorted.display(),
            reference.display()
        )
    })
}

fn run_pairs(
    metric: &dyn FullReferenceModel,
    pairs: &Path,
    args: &FrArgs,
    device: &Device,
) -> Result<()> {
    let open = || {
        csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(pairs)
            .with_context(|| format!("cannot open `{}`", pairs.display()))
    };
    let rows = open()?.records().count();
    let mut reader = open()?;
    let headers = reader
        .headers()
        .with_context(|| format!("cannot read the header of `{}`", pairs.display()))?
        .clone();
    if let Some(name) = iqa_io::repeated_name(headers.iter()) {
        bail!(
            "`{}` has two columns named `{name}`; rename one so that it is clear which to use",
            pairs.display()
        );
    }
    let column = |name: &str| {
        headers.iter().position(|h| h == name).with_context(|| {
            format!(
                "column `{name}` not found in `{}`; its columns are: {}",
                pairs.display(),
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        })
    };
    let (ref_col, dist_col) = (column("ref")?, column("dist")?);
    let score_name = args
        .column
        .clone()
        .unwrap_or_else(|| metric.name().to_string());
    if headers.iter().any(|h| h == score_name) {
        bail!(
            "`{}` already has a column `{score_name}`; choose another name with --column",
            pairs.display()
        );
    }
    let base = pairs.parent().unwrap_or(Path::new("."));

    if let Some(out) = &args.out
        && (out.is_dir() || out.as_os_str().to_string_lossy().ends_with('/'))
    {
        bail!(
            "--out `{}` is a folder; give the path of the CSV file to write",
            out.display()
        );
    }
    let mut file = args.out.as_deref().map(AtomicFile::create).transpose()?;
    let mut stdout = std::io::stdout().lock();
    // The block ends the borrow of `file` before it is committed.
    {
        let sink: &mut dyn Write = match &mut file {
            Some(f) => f,
            None => &mut stdout,
        };
        let mut output = if args.json {
            Output::Json(sink)
        } else {
            let mut w = csv::Writer::from_writer(sink);
            let mut header = headers.clone();
            header.push_field(&score_name);
            w.write_record(&header)?;
            Output::Csv(Box::new(w))
        };
        let progress = StepProgress::counting("pairs");
        progress.start(rows as u64, 0);
        for (row, record) in reader.records().enumerate() {
            let line = row + 2;
            let record = record
                .with_context(|| format!("`{}` line {line}: malformed CSV", pairs.display()))?;
            let path = |col: usize| base.join(record.get(col).unwrap_or(""));
            let (reference, distorted) = (path(ref_col), path(dist_col));
            let score = score_pair(metric, &reference, &distorted, device)
                .with_context(|| format!("`{}` line {line}", pairs.display()))?;
            match &mut output {
                Output::Csv(w) => {
                    let mut out = record.clone();
                    out.push_field(&score.to_string());
                    w.write_record(&out)?;
                    w.flush()?;
                }
                Output::Json(sink) => writeln!(
                    sink,
                    "{}",
                    serde_json::json!({"ref": reference, "dist": distorted, "metric": metric.name(), "score": score})
                )?,
            }
            progress.advance(row as u64 + 1, "");
        }
        progress.finish();
        let sink = match output {
            Output::Csv(w) => w
                .into_inner()
                .map_err(|e| anyhow::anyhow!("cannot finish the CSV: {}", e.error()))?,
            Output::Json(sink) => sink,
        };
        sink.flush()?;
    }
    if let (Some(file), Some(path)) = (file, &args.out) {
        file.commit()?;
        tracing::info!(rows, path = %path.display(), "wrote the scored pairs");
    }
    Ok(())
}

/// Where batch results go, in which form.
enum Output<'a> {
    Csv(Box<csv::Writer<&'a mut dyn Write>>),
    Json(&'a mut dyn Write),
}
