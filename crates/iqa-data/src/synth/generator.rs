//! Writing a synthetic database: scenes (drawn or the user's), every distortion of the
//! chosen set at the chosen levels, a pseudo-MOS per image from a [`Labeller`](crate::Labeller), the generic
//! manifest and a description JSON. Parallel over scenes; resumable (finished images are
//! read back instead of made again) and atomic (every file is written to a temporary name
//! and renamed, so a kill leaves no half-written image).

use std::io::Write;
use std::path::{Path, PathBuf};

use image::RgbImage;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::distortion::{Distortion, LEVELS, distortion_by_name, distortion_set};
use super::recipe::Recipe;
use super::scene::{SceneOptions, dead_leaves};
use super::screen::screen_content;
use crate::databases::write_manifest_csv;
use crate::image_cache::decode_rgb;
use crate::labeller::Labeller;
use crate::manifest::{Item, LabelInfo, LabelKind, Manifest};
use crate::{DataError, Result};

/// The version written into every description, bumped when outputs would change.
pub const GENERATOR_VERSION: &str = "2";

/// Where the pristine images come from.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SceneSource {
    /// `count` dead-leaves scenes of `width x height`.
    Procedural {
        /// Number of scenes.
        count: usize,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// `count` screen-content scenes of `width x height` ([`super::screen`]): text, charts,
    /// controls and photographic insets, for SIQAD/SCID-like databases.
    Screen {
        /// Number of scenes.
        count: usize,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// Every image in a folder (sorted by name), used as it is.
    Folder(PathBuf),
}

impl SceneSource {
    /// (count, width, height) of generated scenes; `None` for a folder of images.
    fn generated(&self) -> Option<(usize, u32, u32)> {
        match self {
            SceneSource::Procedural {
                count,
                width,
                height,
            }
            | SceneSource::Screen {
                count,
                width,
                height,
            } => Some((*count, *width, *height)),
            SceneSource::Folder(_) => None,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthOptions {
    /// The output folder (created; reused when resuming).
    pub out: PathBuf,
    /// The pristine images.
    pub source: SceneSource,
    /// A set name (`live`, `tid2013`, `kadid10k`) or distortion names.
    pub distortions: Vec<String>,
    /// How many of the five levels (1..=5, spread evenly from mildest to most severe).
    pub levels: u8,
    /// The seed of scenes and distortions.
    pub seed: u64,
}

/// What `generate` did.
#[derive(Debug, Clone, Serialize)]
pub struct SynthReport {
    /// Pristine images.
    pub references: usize,
    /// Distorted images in the manifest.
    pub distorted: usize,
    /// Of those, images made in this run (the rest were found from an earlier run).
    pub made: usize,
    /// The manifest written.
    pub manifest: PathBuf,
}

/// The description written beside the manifest.
#[derive(Debug, Serialize)]
struct Description<'a> {
    generator: &'static str,
    generator_version: &'static str,
    seed: u64,
    source: String,
    levels: Vec<u8>,
    labeller: String,
    score: String,
    distortions: Vec<DistortionInfo>,
    references: usize,
    distorted: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct DistortionInfo {
    name: &'static str,
    description: &'static str,
    parameters: Vec<f64>,
}

/// The levels used when `n` of the five are asked for: spread evenly, always including
/// the mildest and (for n > 1) the most severe.
pub fn chosen_levels(n: u8) -> Result<Vec<u8>> {
    if !(1..=LEVELS).contains(&n) {
        return Err(DataError::Config {
            what: "levels",
            reason: format!("{n} is not in 1..={LEVELS}"),
        });
    }
    if n == 1 {
        return Ok(vec![1]);
    }
    let span = f64::from(LEVELS - 1);
    Ok((0..n)
        .map(|k| 1 + (f64::from(k) * span / f64::from(n - 1)).round() as u8)
        .collect())
}

fn resolve_distortions(names: &[String]) -> Result<Vec<Box<dyn Distortion>>> {
    if let [one] = names
        && let Ok(set) = distortion_set(one)
    {
        return Ok(set);
    }
    if names.is_empty() {
        return Err(DataError::Config {
            what: "distortions",
            reason: "no set or distortion names given".to_string(),
        });
    }
    // A set name among distortion names: say so, rather than calling it unknown.
    if let Some(set) = names.iter().find(|n| distortion_set(n).is_ok()) {
        return Err(DataError::Config {
            what: "distortions",
            reason: format!(
                "`{set}` is a set of distortions; give a set alone or a list of distortion names, not both"
            ),
        });
    }
    names.iter().map(|n| distortion_by_name(n)).collect()
}

/// Writes `image` as PNG to `path` through a temporary file in the same folder.
fn save_png_atomic(image: &RgbImage, path: &Path) -> Result<()> {
    use image::ImageEncoder;
    iqa_io::write_atomic(path, |out| {
        let (width, height) = image.dimensions();
        image::codecs::png::PngEncoder::new(out)
            .write_image(
                image.as_raw(),
                width,
                height,
                image::ExtendedColorType::Rgb8,
            )
            .map_err(|e| DataError::Image {
                path: path.to_path_buf(),
                reason: format!("cannot encode PNG: {e}"),
            })
    })
}

/// An image from an earlier run, or `make()` saved now; the bool says whether it was made.
fn reuse_or_make(path: &Path, make: impl FnOnce() -> Result<RgbImage>) -> Result<(RgbImage, bool)> {
    if path.is_file()
        && let Ok(image) = decode_rgb(path)
    {
        return Ok((image, false));
    }
    let image = make()?;
    save_png_atomic(&image, path)?;
    Ok((image, true))
}

/// Peak bytes per pixel of one scene in flight: the reference, a distorted copy, the
/// distortion's and the labeller's working planes. Measured: 336 (MS-SSIM labels) and 145
/// (SSIM) bytes per pixel per worker at 1024x1024 and 2048x2048; rounded up.
const BYTES_PER_SCENE_PIXEL: f64 = 400.0;
/// Bytes per manifest entry (two paths, labels) held until the manifest is written.
const BYTES_PER_ITEM: f64 = 400.0;

/// Refuses, before anything is allocated, a database whose scenes or count would need more
/// memory than the machine has (scenes are made in parallel, one per worker).
fn check_memory(source: &SceneSource, images_per_scene: usize) -> Result<()> {
    let workers = rayon::current_num_threads() as f64;
    let (count, pixels, what) = match source.generated() {
        Some((count, width, height)) => (
            count as f64,
            f64::from(width) * f64::from(height),
            format!("generating {count} scenes of {width}x{height}"),
        ),
        // The user's images are bounded by the decoder's limits; only the count matters.
        None => (0.0, 0.0, source_text(source)),
    };
    let needed = workers.min(count.max(1.0)) * pixels * BYTES_PER_SCENE_PIXEL
        + count * images_per_scene as f64 * BYTES_PER_ITEM;
    iqa_io::memory::check_fits(
        &what,
        needed,
        "Use smaller scenes (--size) or fewer (--scenes), or run fewer workers (RAYON_NUM_THREADS).",
    )
    .map_err(|e| DataError::Config {
        what: "scenes",
        reason: e.to_string(),
    })
}

/// What the `score` column of the manifest holds, in words.
fn score_meaning(lower_is_better: bool, (lo, hi): (f64, f64)) -> String {
    let value = if lower_is_better {
        "minus the labeller's value (it is lower-is-better), so that higher is better"
    } else {
        "the labeller's value; higher is better"
    };
    if (lo, hi) == (0.0, 1.0) {
        value.to_string()
    } else {
        format!(
            "{value}, mapped linearly from its observed range [{lo}, {hi}] onto [0, 1] (the labeller's values leave [0, 1])"
        )
    }
}

/// What a labeller's error says, without an outer "labelling failed" of its own.
fn labeller_reason(error: DataError) -> String {
    match error {
        DataError::Labeller { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// Refuses, before any image is written, procedural scenes too small for the labeller
/// (MS-SSIM needs 161x161): a pair of the scene size is labelled first. The probe is a
/// textured colour image, since some metrics are undefined on flat ones (VSI's saliency
/// and FSIM's phase congruency are zero there).
fn check_labeller_fits(source: &SceneSource, labeller: &dyn Labeller) -> Result<()> {
    if let Some((_, width, height)) = source.generated() {
        let probe = RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([
                ((u64::from(x) * 37 + u64::from(y) * 11) % 256) as u8,
                ((u64::from(x) * u64::from(x) + 3 * u64::from(y)) % 251) as u8,
                (((x ^ y) * 5) % 256) as u8,
            ])
        });
        labeller
            .score(&probe, &probe)
            .map_err(|e| DataError::Config {
                what: "scene size",
                reason: format!(
                    "{width}x{height} scenes cannot be labelled by {}: {}",
                    labeller.name(),
                    labeller_reason(e)
                ),
            })?;
    }
    Ok(())
}

/// The scenes in words, as the description and the recipe record them.
fn source_text(source: &SceneSource) -> String {
    match source {
        SceneSource::Procedural {
            count,
            width,
            height,
        } => format!("{count} dead-leaves scenes of {width}x{height}"),
        SceneSource::Screen {
            count,
            width,
            height,
        } => format!("{count} screen-content scenes of {width}x{height}"),
        SceneSource::Folder(dir) => format!("the images in {}", dir.display()),
    }
}

/// The pristine images: (name, loader).
fn scene_list(source: &SceneSource) -> Result<Vec<(String, Option<PathBuf>)>> {
    if let Some((count, width, height)) = source.generated() {
        if count == 0 {
            return Err(DataError::Config {
                what: "scenes",
                reason: "at least one scene is needed".to_string(),
            });
        }
        if width < 32 || height < 32 {
            return Err(DataError::Config {
                what: "scene size",
                reason: format!("{width}x{height}: scenes need at least 32x32 pixels"),
            });
        }
        return Ok((0..count).map(|k| (format!("scene{k:04}"), None)).collect());
    }
    let SceneSource::Folder(dir) = source else {
        return Err(DataError::Config {
            what: "scenes",
            reason: "no scenes to list".to_string(),
        });
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(crate::error::io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p.extension().map(|e| e.to_string_lossy().to_lowercase());
            matches!(
                ext.as_deref(),
                Some("png" | "bmp" | "jpg" | "jpeg" | "tif" | "tiff")
            )
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(DataError::Empty {
            what: format!(
                "reference folder `{}` (no .png/.bmp/.jpg/.tif images)",
                dir.display()
            ),
        });
    }
    Ok(files
        .into_iter()
        .map(|p| {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            (stem, Some(p))
        })
        .collect())
}

/// Generates the database described by `options`, scoring with `labeller`;
/// `progress(done, total)` is called after each image.
pub fn generate(
    options: &SynthOptions,
    labeller: &dyn Labeller,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<SynthReport> {
    let distortions = resolve_distortions(&options.distortions)?;
    let levels = chosen_levels(options.levels)?;
    check_memory(&options.source, distortions.len() * levels.len())?;
    check_labeller_fits(&options.source, labeller)?;
    let scenes = scene_list(&options.source)?;
    std::fs::create_dir_all(&options.out).map_err(crate::error::io(&options.out))?;
    Recipe {
        generator_version: GENERATOR_VERSION.to_string(),
        seed: options.seed,
        scenes: source_text(&options.source),
        distortions: distortions.iter().map(|d| d.name().to_string()).collect(),
        levels: levels.clone(),
    }
    .claim(&options.out)?;
    let (refs_dir, dist_dir) = (options.out.join("refs"), options.out.join("dist"));
    for d in [&refs_dir, &dist_dir] {
        std::fs::create_dir_all(d).map_err(crate::error::io(d))?;
    }
    let total = scenes.len() * distortions.len() * levels.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let per_scene: Vec<(Vec<Item>, usize)> = scenes
        .par_iter()
        .enumerate()
        .map(|(s, (name, file))| {
            let ref_path = refs_dir.join(format!("{name}.png"));
            let (reference, _) = reuse_or_make(&ref_path, || match (file, &options.source) {
                (Some(f), _) => decode_rgb(f),
                (None, SceneSource::Procedural { width, height, .. }) => dead_leaves(
                    *width,
                    *height,
                    crate::seed::mix(options.seed, s as u64, u64::MAX),
                    &SceneOptions::default(),
                ),
                (None, SceneSource::Screen { width, height, .. }) => screen_content(
                    *width,
                    *height,
                    crate::seed::mix(options.seed, s as u64, u64::MAX),
                ),
                (None, SceneSource::Folder(_)) => Err(DataError::Config {
                    what: "scenes",
                    reason: format!("no file for scene `{name}`"),
                }),
            })?;
            if reference.width() < 32 || reference.height() < 32 {
                return Err(DataError::Image {
                    path: file.clone().unwrap_or(ref_path.clone()),
                    reason: format!(
                        "is {}x{}; references need at least 32x32 pixels",
                        reference.width(),
                        reference.height()
                    ),
                });
            }
            let mut items = Vec::new();
            let mut made = 0;
            for (d, distortion) in distortions.iter().enumerate() {
                for &level in &levels {
                    let file_name = format!("{name}_{}_{level}.png", distortion.name());
                    let path = dist_dir.join(&file_name);
                    let what = (d as u64) << 8 | u64::from(level);
                    let (image, was_made) = reuse_or_make(&path, || {
                        let mut rng = ChaCha8Rng::seed_from_u64(crate::seed::mix(
                            options.seed,
                            s as u64,
                            what,
                        ));
                        distortion.apply(&reference, level, &mut rng)
                    })?;
                    made += usize::from(was_made);
                    let score =
                        labeller
                            .score(&reference, &image)
                            .map_err(|e| DataError::Labeller {
                                path: path.clone(),
                                reason: labeller_reason(e),
                            })?;
                    items.push(Item {
                        dist: path,
                        reference: Some(ref_path.clone()),
                        ref_id: Some(name.clone()),
                        dist_type: Some(distortion.name().to_string()),
                        dist_level: Some(u32::from(level)),
                        raw_score: if labeller.lower_is_better() {
                            -score
                        } else {
                            score
                        },
                        score: 0.0,
                        score_std: None,
                    });
                    progress(
                        done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                        total,
                    );
                }
            }
            Ok((items, made))
        })
        .collect::<Result<_>>()?;
    let made = per_scene.iter().map(|(_, m)| m).sum();
    let mut items: Vec<Item> = per_scene.into_iter().flat_map(|(i, _)| i).collect();
    // Pseudo-MOS: the metric's value, kept raw; normalised over its observed range when it
    // leaves [0, 1] (as the generic manifest reader does), so reading back agrees.
    let range = crate::manifest::nominal_range(items.iter().map(|i| i.raw_score));
    let label = LabelInfo {
        kind: LabelKind::Mos,
        higher_is_better: true,
        range,
        source: format!(
            "pseudo-MOS: {} of each image against its reference",
            labeller.name()
        ),
    };
    for item in &mut items {
        item.score = label.normalise(item.raw_score);
    }
    let manifest = Manifest {
        database: "synthetic".to_string(),
        root: options.out.clone(),
        label,
        items,
    };
    let manifest_path = options.out.join("manifest.csv");
    write_manifest_csv(&manifest, &manifest_path)?;
    let description = Description {
        generator: "iqa synth (dead-leaves scenes)",
        generator_version: GENERATOR_VERSION,
        seed: options.seed,
        source: source_text(&options.source),
        levels: levels.clone(),
        labeller: labeller.name(),
        score: score_meaning(labeller.lower_is_better(), manifest.label.range),
        distortions: distortions
            .iter()
            .map(|d| DistortionInfo {
                name: d.name(),
                description: d.description(),
                parameters: d.parameters().to_vec(),
            })
            .collect(),
        references: scenes.len(),
        distorted: manifest.items.len(),
        note: None,
    };
    let json_path = options.out.join("synth.json");
    let json = serde_json::to_vec_pretty(&description).map_err(|e| DataError::Json {
        path: json_path.clone(),
        reason: e.to_string(),
    })?;
    iqa_io::write_atomic(&json_path, |out| {
        out.write_all(&json).map_err(crate::error::io(&json_path))
    })?;
    Ok(SynthReport {
        references: scenes.len(),
        distorted: manifest.items.len(),
        made,
        manifest: manifest_path,
    })
}
