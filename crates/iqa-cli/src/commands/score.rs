//! `iqa score`: no-reference quality of images, with a saved model file or a registered
//! no-reference model, through the same whole-image path as `iqa test`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use iqa_models::dfss::DfssScorer;
use iqa_models::fpr::FprScorer;
use iqa_models::group_model_file::{self, GroupModel};
use iqa_models::hiqa::HiqaScorer;
use iqa_models::nr::{ExpectedInput, PatchGrid};
use iqa_models::registry::{self, ModelKind, ModelOptions};
use iqa_models::{NoReferenceModel, load_image_tensor, parse_device, score_image};

/// Arguments of `iqa score`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["model", "metric"]))]
pub struct ScoreArgs {
    /// A model file (safetensors with its configuration in the metadata), or the name of a
    /// registered no-reference model.
    #[arg(long)]
    pub model: Option<String>,
    /// A registered no-reference model by name: niqe, brisque, piqe (no weights needed) or
    /// hallucinated-iqa, fpr, dfss-iqa (with --weights; fpr and dfss-iqa also take a
    /// converted checkpoint of the authors' code).
    #[arg(long)]
    pub metric: Option<String>,
    /// The weights file of a registered model that needs one.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Images to score.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Patch side of a patch model (default: the model's training patch).
    #[arg(long)]
    pub patch: Option<usize>,
    /// Step between patches (default: half the patch).
    #[arg(long)]
    pub stride: Option<usize>,
    /// Patches per forward pass (memory grows with it, not with the image's size; another
    /// value can change a score in its last bits).
    #[arg(long, default_value_t = iqa_models::nr::DEFAULT_BATCH)]
    pub batch: usize,
    /// Device: cpu or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// One JSON object per image: {"image": PATH, "score": ..} (and "metric" when the model
    /// was given by name).
    #[arg(long)]
    pub json: bool,
}

/// The model `source` names: an existing file is a model file; otherwise a registered
/// no-reference model.
fn build(
    source: &str,
    args: &ScoreArgs,
    device: &candle_core::Device,
) -> Result<(Box<dyn NoReferenceModel>, Option<String>)> {
    let as_file = Path::new(source);
    let scorer = if as_file.is_file() {
        // FPR and DFSS-IQA files say so in their metadata; any other is Hallucinated-IQA's.
        match group_model_file::model_of_file(as_file) {
            Some(GroupModel::Fpr) => {
                no_grid_flags(args)?;
                return Ok((Box::new(FprScorer::from_file(as_file, device)?), None));
            }
            Some(GroupModel::Dfss) => {
                no_grid_flags(args)?;
                return Ok((Box::new(DfssScorer::from_file(as_file, device)?), None));
            }
            None => HiqaScorer::from_file(as_file, device)?,
        }
    } else {
        let info = registry::lookup(source).with_context(|| {
            format!("`{source}` is neither a model file nor a registered model")
        })?;
        if info.kind != ModelKind::NoReference {
            bail!(
                "`{}` is a full-reference metric: score pairs with `iqa fr --metric {}`",
                info.name,
                info.name
            );
        }
        let options = ModelOptions {
            weights: args.weights.as_deref(),
            ..ModelOptions::default()
        };
        let model = registry::no_reference(info.name, &options, device).with_context(|| {
            if info.needs_weights && args.weights.is_none() {
                "give its weights with --weights FILE".to_string()
            } else {
                format!("building `{}`", info.name)
            }
        })?;
        if args.patch.is_some() || args.stride.is_some() {
            bail!("--patch and --stride apply to model files only");
        }
        return Ok((model, Some(info.name.to_string())));
    };
    let grid = match scorer.describe().input {
        ExpectedInput::Patches(grid) => grid,
        _ => PatchGrid::half_overlapping(scorer.networks().config.patch),
    };
    let size = args.patch.unwrap_or(grid.size);
    let grid = PatchGrid {
        size,
        stride: args.stride.unwrap_or((size / 2).max(1)),
    };
    Ok((Box::new(scorer.with_grid(grid)?), None))
}

/// FPR and DFSS-IQA score an image from its tiles, not on a grid of averaged patches.
fn no_grid_flags(args: &ScoreArgs) -> Result<()> {
    if args.patch.is_some() || args.stride.is_some() {
        bail!(
            "--patch and --stride apply to Hallucinated-IQA model files; FPR and DFSS-IQA score whole images from their tiles"
        );
    }
    Ok(())
}

/// Runs `iqa score`.
pub fn run(args: &ScoreArgs) -> Result<()> {
    let device = parse_device(&args.device)?;
    let (source, by_name) = match (&args.model, &args.metric) {
        (Some(model), _) => (model.as_str(), false),
        (None, Some(metric)) => (metric.as_str(), true),
        (None, None) => bail!("give --model FILE or --metric NAME"),
    };
    if by_name && Path::new(source).is_file() {
        bail!("--metric takes a registered name; give a model file with --model");
    }
    let (model, name) = build(source, args, &device)?;
    for path in &args.images {
        let image = load_image_tensor(path, &device)?;
        let score = score_image(model.as_ref(), &image, args.batch)
            .with_context(|| format!("scoring `{}`", path.display()))?;
        if args.json {
            let mut line = serde_json::json!({"image": path, "score": score});
            if let Some(name) = &name {
                line["metric"] = name.clone().into();
            }
            println!("{line}");
        } else {
            println!("{}\t{score:.6}", path.display());
        }
    }
    Ok(())
}
