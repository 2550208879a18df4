//! The one type every database loader produces: a list of rated images with their
//! references, distortion labels and scores, plus what the raw labels mean.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// Whether a database's raw labels are mean opinion scores or differential ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum LabelKind {
    /// Mean opinion score.
    Mos,
    /// Differential mean opinion score (reference minus distorted rating).
    Dmos,
}

impl LabelKind {
    /// The usual abbreviation: `MOS` or `DMOS`.
    pub fn abbreviation(self) -> &'static str {
        match self {
            LabelKind::Mos => "MOS",
            LabelKind::Dmos => "DMOS",
        }
    }
}

/// What the raw scores of a database are: kind, direction, range and provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelInfo {
    /// MOS or DMOS.
    pub kind: LabelKind,
    /// Whether a higher raw score means better quality.
    pub higher_is_better: bool,
    /// The nominal range of the raw scores, used to normalise them.
    pub range: (f64, f64),
    /// Which file and variable the scores come from (e.g. `dmos_realigned.mat: dmos_new`).
    pub source: String,
}

impl LabelInfo {
    /// The raw score mapped to [0, 1] over the nominal range, higher is better.
    /// Raw scores outside the nominal range (LIVE's DMOS can exceed 100) map slightly
    /// outside [0, 1]; nothing is clipped.
    pub fn normalise(&self, raw: f64) -> f64 {
        let (lo, hi) = self.range;
        let t = (raw - lo) / (hi - lo);
        if self.higher_is_better { t } else { 1.0 - t }
    }

    /// A raw standard deviation in the units of [`LabelInfo::normalise`].
    pub fn normalise_std(&self, raw_std: f64) -> f64 {
        raw_std / (self.range.1 - self.range.0).abs()
    }
}

/// One rated image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// The distorted (rated) image.
    pub dist: PathBuf,
    /// Its pristine reference, where the database has one.
    pub reference: Option<PathBuf>,
    /// The reference's identifier (its file stem); items with the same id share a
    /// reference and must land on the same side of a split.
    pub ref_id: Option<String>,
    /// The distortion type, as a short name (e.g. `jpeg`, `gblur`).
    pub dist_type: Option<String>,
    /// The distortion level, 1 = mildest, where the database numbers them.
    pub dist_level: Option<u32>,
    /// The score as the database gives it.
    pub raw_score: f64,
    /// The score normalised to [0, 1], higher is better ([`LabelInfo::normalise`]).
    pub score: f64,
    /// The standard deviation of the raw score, where given.
    pub score_std: Option<f64>,
}

/// A whole database: its items and what their labels mean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// The database (`live`, `csiq`, `tid2013`, ... or the manifest file's stem).
    pub database: String,
    /// The folder the database was read from.
    pub root: PathBuf,
    /// The meaning of the raw scores.
    pub label: LabelInfo,
    /// The rated images, in the order of the database's label file.
    pub items: Vec<Item>,
}

/// Counts that summarise a manifest (what `iqa datasets check` prints).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The database kind.
    pub kind: String,
    /// Distinct references.
    pub references: usize,
    /// Rated (distorted) images.
    pub distorted: usize,
    /// Distinct distortion types.
    pub distortion_types: usize,
    /// The lowest raw score.
    pub score_min: f64,
    /// The highest raw score.
    pub score_max: f64,
    /// Whether a higher raw score is better.
    pub higher_is_better: bool,
}

impl Manifest {
    /// Counts of references, images and distortion types, and the raw score range.
    pub fn summary(&self) -> Summary {
        let distinct = |f: &dyn Fn(&Item) -> Option<&str>| {
            let mut v: Vec<&str> = self.items.iter().filter_map(f).collect();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for item in &self.items {
            lo = lo.min(item.raw_score);
            hi = hi.max(item.raw_score);
        }
        Summary {
            kind: self.database.clone(),
            references: distinct(&|i| i.ref_id.as_deref()),
            distorted: self.items.len(),
            distortion_types: distinct(&|i| i.dist_type.as_deref()),
            score_min: lo,
            score_max: hi,
            higher_is_better: self.label.higher_is_better,
        }
    }

    /// The item paths relative to the database root (for split files and messages).
    pub fn relative_names(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|i| relative_to(&i.dist, &self.root))
            .collect()
    }
}

/// The nominal range for scores without a documented one: [0, 1] when every finite score
/// lies in it, else the observed range (one unit wide when all scores are equal).
pub(crate) fn nominal_range(scores: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = scores
        .filter(|s| s.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| {
            (lo.min(s), hi.max(s))
        });
    if lo >= 0.0 && hi <= 1.0 {
        (0.0, 1.0)
    } else if hi > lo {
        (lo, hi)
    } else {
        (lo, lo + 1.0)
    }
}

/// `path` relative to `base` with `/` separators when it lies below it; otherwise as given.
pub(crate) fn relative_to(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
