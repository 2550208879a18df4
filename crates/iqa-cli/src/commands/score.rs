//! `iqa score`: no-reference quality of images with a saved model.

use std::path::PathBuf;

use anyhow::{Context, Result};
use iqa_models::hiqa::model_file;
use iqa_models::{image_to_tensor, load_image, parse_device, score_whole_image};

/// Arguments of `iqa score`.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// The model file (safetensors with its configuration in the metadata).
    #[arg(long)]
    pub model: PathBuf,
    /// Images to score.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Patch side (default: the model's training patch).
    #[arg(long)]
    pub patch: Option<usize>,
    /// Step between patches (default: half the patch).
    #[arg(long)]
    pub stride: Option<usize>,
    /// Patches per forward pass.
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// Device: cpu or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// One JSON object per image: {"image": PATH, "score": ..}.
    #[arg(long)]
    pub json: bool,
}

/// Runs `iqa score`.
pub fn run(args: &ScoreArgs) -> Result<()> {
    let device = parse_device(&args.device)?;
    let model = model_file::load(&args.model, &device)
        .with_context(|| format!("loading the model `{}`", args.model.display()))?;
    let patch = args.patch.unwrap_or(model.config.patch);
    let stride = args.stride.unwrap_or((patch / 2).max(1));
    for path in &args.images {
        let image = image_to_tensor(&load_image(path)?, "the image", &device)?;
        let score = score_whole_image(&model, &image, patch, stride, args.batch)
            .with_context(|| format!("scoring `{}`", path.display()))?;
        if args.json {
            println!("{}", serde_json::json!({"image": path, "score": score}));
        } else {
            println!("{}\t{score:.6}", path.display());
        }
    }
    Ok(())
}
