//! Batches of patches as tensors: `N x 3 x S x S` f32 in [0, 1] on a candle device, with
//! their scores (and, for models that need them, the reference patches cut at the same
//! place). Images are decoded in parallel (rayon) through a bounded [`ImageCache`]; every
//! random choice comes from a ChaCha8 stream fixed by (seed, epoch, item), so a seed gives
//! the same batches whatever the thread count. A batch's labels are its images' scores, or,
//! with [`PatchBatcher::with_patch_labels`], each patch's own full-reference score against
//! the reference patch cut at the same place.

use std::path::PathBuf;
use std::sync::Arc;

use candle_core::{Device, Tensor};
use image::RgbImage;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::image_cache::ImageCache;
use crate::labeller::Labeller;
use crate::manifest::{LabelInfo, Manifest};
use crate::patch::{PatchOptions, PatchSpec, cut, push_chw, random_spec};
use crate::{DataError, Result};

/// One batch.
#[derive(Debug, Clone)]
pub struct PatchBatch {
    /// Distorted patches, `N x 3 x S x S`.
    pub distorted: Tensor,
    /// Reference patches at the same places, when the batcher was asked for them.
    pub reference: Option<Tensor>,
    /// The normalised (higher-is-better) label of each patch, `N`: its image's score, or
    /// with patch labels the patch's own score in the same units.
    pub scores: Tensor,
    /// Each patch's item, as an index into the manifest.
    pub items: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Entry {
    index: usize,
    dist: PathBuf,
    reference: Option<PathBuf>,
    score: f32,
}

/// Turns a subset of a manifest (e.g. a split's training part) into batches of patches.
#[derive(Debug)]
pub struct PatchBatcher {
    entries: Vec<Entry>,
    options: PatchOptions,
    cache: ImageCache,
    device: Device,
    seed: u64,
    with_reference: bool,
    patch_labels: Option<PatchLabels>,
}

/// Labels each patch with a full-reference metric against its reference patch.
#[derive(Clone)]
struct PatchLabels {
    labeller: Arc<dyn Labeller + Send>,
    /// The manifest's label scale, so a patch's label is in its image score's units.
    label: LabelInfo,
}

impl std::fmt::Debug for PatchLabels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatchLabels")
            .field("labeller", &self.labeller.name())
            .field("label", &self.label)
            .finish()
    }
}

impl PatchLabels {
    /// The label of one patch pair, normalised as the manifest normalises its scores.
    fn score(
        &self,
        path: &std::path::Path,
        reference: &RgbImage,
        distorted: &RgbImage,
    ) -> Result<f32> {
        let raw = self
            .labeller
            .score(reference, distorted)
            .map_err(|e| match e {
                DataError::Labeller { reason, .. } => DataError::Labeller {
                    path: path.to_path_buf(),
                    reason: format!("labelling a training patch: {reason}"),
                },
                other => other,
            })?;
        let raw = if self.labeller.lower_is_better() {
            -raw
        } else {
            raw
        };
        Ok(self.label.normalise(raw) as f32)
    }
}

impl PatchBatcher {
    /// A batcher over `indices` of `manifest`. `cache_bytes` bounds the decoded images kept
    /// in memory (0: decode every time).
    pub fn new(
        manifest: &Manifest,
        indices: &[usize],
        options: PatchOptions,
        cache_bytes: usize,
        device: Device,
        seed: u64,
    ) -> Result<PatchBatcher> {
        options.check()?;
        let entries = indices
            .iter()
            .map(|&index| {
                let item = manifest.items.get(index).ok_or_else(|| DataError::Config {
                    what: "batcher items",
                    reason: format!(
                        "index {index} is outside the manifest's {} items",
                        manifest.items.len()
                    ),
                })?;
                Ok(Entry {
                    index,
                    dist: item.dist.clone(),
                    reference: item.reference.clone(),
                    score: item.score as f32,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if entries.is_empty() {
            return Err(DataError::Empty {
                what: "the batcher's item list".to_string(),
            });
        }
        Ok(PatchBatcher {
            cache: ImageCache::new(cache_bytes, options.size),
            entries,
            options,
            device,
            seed,
            with_reference: false,
            patch_labels: None,
        })
    }

    /// Labels each patch with `labeller`'s score of it against the reference patch at the
    /// same place, mapped to the manifest's scale by `label` (negated first when lower is
    /// better, as the synthetic generator does), instead of its image's score. Meant for
    /// databases that the same metric labelled: an image's label then is (close to) the
    /// mean of its patches' labels for metrics that average a local map (SSIM), and a
    /// patch without damage is no longer taught its image's damage. Implies
    /// [`PatchBatcher::with_references`].
    pub fn with_patch_labels(
        self,
        labeller: Arc<dyn Labeller + Send>,
        label: LabelInfo,
    ) -> Result<PatchBatcher> {
        let mut batcher = self.with_references()?;
        batcher.patch_labels = Some(PatchLabels { labeller, label });
        Ok(batcher)
    }

    /// Also cut the reference at each patch's place (for models trained against the
    /// pristine image). Errors if an item has no reference.
    pub fn with_references(mut self) -> Result<PatchBatcher> {
        if let Some(e) = self.entries.iter().find(|e| e.reference.is_none()) {
            return Err(DataError::Config {
                what: "reference patches",
                reason: format!("`{}` has no reference image", e.dist.display()),
            });
        }
        self.with_reference = true;
        Ok(self)
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no items (never true: construction refuses it).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The image cache (for its statistics).
    pub fn cache(&self) -> &ImageCache {
        &self.cache
    }

    /// The training batches of `epoch`: items in a seeded random order, one random
    /// augmented patch each, `batch_size` per batch (the last one may be smaller).
    pub fn epoch(&self, epoch: u64, batch_size: usize) -> Result<EpochBatches<'_>> {
        if batch_size == 0 {
            return Err(DataError::Config {
                what: "batch size",
                reason: "must be at least 1".to_string(),
            });
        }
        let mut order: Vec<usize> = (0..self.entries.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(crate::seed::mix(
            self.seed,
            epoch,
            u64::MAX,
        )));
        Ok(EpochBatches {
            batcher: self,
            epoch,
            order,
            next: 0,
            batch_size,
        })
    }

    /// Full batches per epoch at `batch_size` (the incomplete last one is dropped, so
    /// that batch normalisation never sees a batch of one).
    pub fn batches_per_epoch(&self, batch_size: usize) -> usize {
        self.entries.len() / batch_size.max(1)
    }

    /// Batch `index` of `epoch` at `batch_size`, the same as the `index`-th item of
    /// [`PatchBatcher::epoch`]: a training step can fetch its batch directly, which is
    /// what makes resuming a run exact.
    pub fn training_batch(
        &self,
        epoch: u64,
        index: usize,
        batch_size: usize,
    ) -> Result<PatchBatch> {
        let mut batches = self.epoch(epoch, batch_size)?;
        let start = index.saturating_mul(batch_size);
        if start >= batches.order.len() {
            return Err(DataError::Config {
                what: "training batch",
                reason: format!(
                    "batch {index} of size {batch_size} is past the {} items",
                    batches.order.len()
                ),
            });
        }
        batches.next = start;
        batches.next().unwrap_or_else(|| {
            Err(DataError::Empty {
                what: "training batch".to_string(),
            })
        })
    }

    /// Decodes, places and cuts the patches of the entries `positions` in `epoch` in
    /// parallel, and stacks them: each patch's place and augmentation are drawn from the
    /// (seed, epoch, item) stream once the image's size is known.
    fn assemble(&self, positions: &[usize], epoch: u64) -> Result<PatchBatch> {
        let size = self.options.size;
        let cut_one = |path: &PathBuf, image: &RgbImage, spec: PatchSpec| -> Result<RgbImage> {
            check_fits(path, image, spec, size)?;
            Ok(cut(image, spec, size))
        };
        let chw = |patch: &RgbImage| {
            let mut out = Vec::with_capacity((3 * size * size) as usize);
            push_chw(patch, &mut out);
            out
        };
        type Cut = (Vec<f32>, Option<Vec<f32>>, f32);
        let patches: Vec<Cut> = positions
            .par_iter()
            .map(|&position| {
                let entry = &self.entries[position];
                let image: Arc<RgbImage> = self.cache.get(&entry.dist)?;
                let mut rng = ChaCha8Rng::seed_from_u64(crate::seed::mix(
                    self.seed,
                    epoch,
                    entry.index as u64,
                ));
                let spec = random_spec(image.height(), image.width(), &self.options, &mut rng);
                let dist = cut_one(&entry.dist, &image, spec)?;
                let reference = match (&entry.reference, self.with_reference) {
                    (Some(r), true) => {
                        let reference: Arc<RgbImage> = self.cache.get(r)?;
                        Some(cut_one(r, &reference, spec)?)
                    }
                    _ => None,
                };
                let label = match (&self.patch_labels, &reference) {
                    (Some(labels), Some(r)) => labels.score(&entry.dist, r, &dist)?,
                    _ => entry.score,
                };
                Ok((chw(&dist), reference.as_ref().map(chw), label))
            })
            .collect::<Result<_>>()?;
        let n = positions.len();
        let s = size as usize;
        let stack = |parts: Vec<Vec<f32>>| -> Result<Tensor> {
            let data: Vec<f32> = parts.into_iter().flatten().collect();
            Ok(Tensor::from_vec(data, (n, 3, s, s), &self.device)?)
        };
        let mut dist = Vec::with_capacity(n);
        let mut refs = Vec::with_capacity(n);
        let mut scores = Vec::with_capacity(n);
        for (d, r, label) in patches {
            dist.push(d);
            refs.extend(r);
            scores.push(label);
        }
        let reference = if self.with_reference {
            Some(stack(refs)?)
        } else {
            None
        };
        Ok(PatchBatch {
            distorted: stack(dist)?,
            reference,
            scores: Tensor::from_vec(scores, n, &self.device)?,
            items: positions.iter().map(|&p| self.entries[p].index).collect(),
        })
    }
}

/// A reference of another size than its distorted image cannot share patch places.
fn check_fits(
    path: &std::path::Path,
    image: &image::RgbImage,
    spec: PatchSpec,
    size: u32,
) -> Result<()> {
    if spec.x + size > image.width() || spec.y + size > image.height() {
        return Err(DataError::Image {
            path: path.to_path_buf(),
            reason: format!(
                "is {}x{} but the patch at ({}, {}) of size {size} needs more; do the reference and the distorted image differ in size?",
                image.width(),
                image.height(),
                spec.x,
                spec.y
            ),
        });
    }
    Ok(())
}

/// The batches of one epoch, in order.
#[derive(Debug)]
pub struct EpochBatches<'a> {
    batcher: &'a PatchBatcher,
    epoch: u64,
    order: Vec<usize>,
    next: usize,
    batch_size: usize,
}

impl Iterator for EpochBatches<'_> {
    type Item = Result<PatchBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.order.len() {
            return None;
        }
        let end = (self.next + self.batch_size).min(self.order.len());
        let positions = &self.order[self.next..end];
        self.next = end;
        Some(self.batcher.assemble(positions, self.epoch))
    }
}
