//! Train / validation / test splits as the literature makes them: random, seeded,
//! repeated, and reference-disjoint (every distorted version of a reference lands on the
//! same side, so a model is never tested on content it was trained on). Saved as JSON with
//! the item names, so that a run can be repeated exactly on the same database.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::manifest::Manifest;
use crate::{DataError, Result};

/// One split: indices into the manifest's items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// Training items.
    pub train: Vec<usize>,
    /// Validation items (empty when no validation part was asked for).
    pub val: Vec<usize>,
    /// Test items.
    pub test: Vec<usize>,
}

/// How to draw random splits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SplitOptions {
    /// Fraction of the references (groups) for training.
    pub train: f64,
    /// Fraction of the references for validation (taken from what training leaves).
    pub val: f64,
    /// How many independent splits.
    pub repeats: usize,
    /// The seed; split `r` uses the ChaCha8 stream `r` of this seed.
    pub seed: u64,
}

impl Default for SplitOptions {
    /// 80 % train, 20 % test, no validation part, 10 repeats, seed 0: the usual protocol.
    fn default() -> Self {
        SplitOptions {
            train: 0.8,
            val: 0.0,
            repeats: 10,
            seed: 0,
        }
    }
}

/// A set of splits of one database, as saved to and loaded from JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitSet {
    /// The database the indices refer to.
    pub database: String,
    /// `reference-disjoint random` or `official`.
    pub method: String,
    /// The options that drew them (absent for official splits).
    pub options: Option<SplitOptions>,
    /// The items' paths relative to the database root, in manifest order: loading checks
    /// them, so indices can never silently point at other images.
    pub items: Vec<String>,
    /// The splits.
    pub splits: Vec<Split>,
}

/// Draws `options.repeats` random reference-disjoint splits of `manifest`. Items without a
/// reference id (authentic databases) are their own group.
pub fn reference_disjoint_splits(manifest: &Manifest, options: &SplitOptions) -> Result<SplitSet> {
    let config = |reason: String| DataError::Config {
        what: "split fractions",
        reason,
    };
    let (train, val) = (options.train, options.val);
    if !(train > 0.0 && val >= 0.0 && train + val < 1.0) {
        return Err(config(format!(
            "train {train} and validation {val} must be > 0 and >= 0 with a sum below 1, leaving a test part"
        )));
    }
    if options.repeats == 0 {
        return Err(DataError::Config {
            what: "split repeats",
            reason: "at least one split is needed".to_string(),
        });
    }
    // Groups in a fixed order (by id), each with its item indices.
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, item) in manifest.items.iter().enumerate() {
        let key = match &item.ref_id {
            Some(id) => format!("ref:{id}"),
            None => format!("item:{index:09}"),
        };
        groups.entry(key).or_default().push(index);
    }
    let groups: Vec<Vec<usize>> = groups.into_values().collect();
    let n = groups.len();
    let n_train = (train * n as f64).round() as usize;
    let n_val = (val * n as f64).round() as usize;
    if n_train == 0 || n_train + n_val >= n || (val > 0.0 && n_val == 0) {
        return Err(config(format!(
            "{n} reference group(s) cannot be split {train}/{val}/{:.2} with every part non-empty",
            1.0 - train - val
        )));
    }
    let mut splits = Vec::with_capacity(options.repeats);
    for repeat in 0..options.repeats {
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        rng.set_stream(repeat as u64);
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng);
        let collect = |part: &[usize]| {
            let mut v: Vec<usize> = part.iter().flat_map(|&g| groups[g].clone()).collect();
            v.sort_unstable();
            v
        };
        splits.push(Split {
            train: collect(&order[..n_train]),
            val: collect(&order[n_train..n_train + n_val]),
            test: collect(&order[n_train + n_val..]),
        });
    }
    Ok(SplitSet {
        database: manifest.database.clone(),
        method: "reference-disjoint random".to_string(),
        options: Some(*options),
        items: manifest.relative_names(),
        splits,
    })
}

impl SplitSet {
    /// An official split (e.g. KonIQ-10k's) wrapped as a set of one.
    pub fn official(manifest: &Manifest, split: Split) -> SplitSet {
        SplitSet {
            database: manifest.database.clone(),
            method: "official".to_string(),
            options: None,
            items: manifest.relative_names(),
            splits: vec![split],
        }
    }

    /// Writes the set as JSON, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| DataError::Json {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        iqa_io::write_atomic(path, |out| {
            out.write_all(&json).map_err(crate::error::io(path))
        })?;
        Ok(())
    }

    /// Reads a set saved by [`SplitSet::save`] and checks it against `manifest`: same
    /// database, same items in the same order, indices in range, no item on two sides.
    pub fn load(path: &Path, manifest: &Manifest) -> Result<SplitSet> {
        let text = std::fs::read_to_string(path).map_err(crate::error::io(path))?;
        let set: SplitSet = serde_json::from_str(&text).map_err(|e| DataError::Json {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let bad = |reason: String| DataError::Json {
            path: path.to_path_buf(),
            reason,
        };
        if set.database != manifest.database {
            return Err(bad(format!(
                "the splits are of `{}`, not `{}`",
                set.database, manifest.database
            )));
        }
        let names = manifest.relative_names();
        if set.items.len() != names.len() {
            return Err(bad(format!(
                "the splits cover {} items, the database has {}",
                set.items.len(),
                names.len()
            )));
        }
        if let Some(k) = (0..names.len()).find(|&k| set.items[k] != names[k]) {
            return Err(bad(format!(
                "item {k} is `{}` in the splits but `{}` in the database",
                set.items[k], names[k]
            )));
        }
        for (r, split) in set.splits.iter().enumerate() {
            let mut side = vec![0u8; names.len()];
            for part in [&split.train, &split.val, &split.test] {
                for &i in part {
                    match side.get_mut(i) {
                        None => return Err(bad(format!("split {r}: index {i} out of range"))),
                        Some(s) if *s != 0 => {
                            return Err(bad(format!("split {r}: item {i} appears twice")));
                        }
                        Some(s) => *s = 1,
                    }
                }
            }
        }
        Ok(set)
    }
}
