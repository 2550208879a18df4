//! Decoding images for training, and a cache of decoded images bounded by a memory budget
//! (least recently used first out), shared by the batcher's worker threads.
//!
//! Decoding follows the toolkit's one policy ([`iqa_io::image`]): grayscale is replicated
//! to three channels, 16-bit samples are scaled to 8 bits, an opaque alpha channel is
//! dropped and a transparent pixel is an error.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use image::RgbImage;

use crate::Result;
use crate::patch::pad_to_patch;

/// Decodes an image file to 8-bit RGB, by the toolkit's one policy
/// ([`iqa_io::decode_rgb8`]).
pub fn decode_rgb(path: &Path) -> Result<RgbImage> {
    Ok(iqa_io::decode_rgb8(path)?)
}

/// Decoded (and padded to the patch size) images, kept while they fit the budget.
#[derive(Debug)]
pub struct ImageCache {
    budget_bytes: usize,
    pad_to: u32,
    state: Mutex<CacheState>,
}

#[derive(Debug, Default)]
struct CacheState {
    images: HashMap<PathBuf, Arc<RgbImage>>,
    recency: VecDeque<PathBuf>,
    bytes: usize,
    hits: u64,
    misses: u64,
}

impl ImageCache {
    /// A cache holding at most `budget_bytes` of decoded pixels; images are padded to at
    /// least `pad_to x pad_to` when decoded. A budget of 0 disables caching.
    pub fn new(budget_bytes: usize, pad_to: u32) -> ImageCache {
        ImageCache {
            budget_bytes,
            pad_to,
            state: Mutex::new(CacheState::default()),
        }
    }

    /// The image at `path`, from the cache or decoded (outside the lock, so threads decode
    /// in parallel).
    pub fn get(&self, path: &Path) -> Result<Arc<RgbImage>> {
        if let Ok(mut state) = self.state.lock()
            && let Some(image) = state.images.get(path).cloned()
        {
            state.hits += 1;
            if let Some(pos) = state.recency.iter().position(|p| p == path) {
                state.recency.remove(pos);
            }
            state.recency.push_back(path.to_path_buf());
            return Ok(image);
        }
        let image = Arc::new(pad_to_patch(decode_rgb(path)?, self.pad_to));
        let size = image.as_raw().len();
        if let Ok(mut state) = self.state.lock() {
            state.misses += 1;
            if size <= self.budget_bytes && !state.images.contains_key(path) {
                while state.bytes + size > self.budget_bytes {
                    let Some(old) = state.recency.pop_front() else {
                        break;
                    };
                    if let Some(evicted) = state.images.remove(&old) {
                        state.bytes -= evicted.as_raw().len();
                    }
                }
                state.bytes += size;
                state.images.insert(path.to_path_buf(), image.clone());
                state.recency.push_back(path.to_path_buf());
            }
        }
        Ok(image)
    }

    /// (hits, misses, bytes held) so far.
    pub fn stats(&self) -> (u64, u64, usize) {
        self.state
            .lock()
            .map(|s| (s.hits, s.misses, s.bytes))
            .unwrap_or((0, 0, 0))
    }
}
