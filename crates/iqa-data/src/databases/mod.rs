//! Loaders of the public IQA databases, each reading the files its authors distribute,
//! as they are, into a [`Manifest`].

mod csiq;
mod generic;
mod kadid;
mod koniq;
mod label_text;
mod live;
mod scid;
mod siqad;
mod tid;

use std::path::{Path, PathBuf};

pub use generic::{read_manifest_csv, write_manifest_csv};
pub use koniq::{KoniqSize, koniq_official_split};
pub use live::LiveLabels;

use crate::manifest::{Item, LabelInfo, Manifest};
use crate::{DataError, Result};

/// The databases this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DatabaseKind {
    /// LIVE Release 2 (Sheikh et al.): 779 distorted images of 29 references, DMOS.
    Live,
    /// CSIQ (Larson & Chandler): 866 distorted images of 30 references, DMOS in [0, 1].
    Csiq,
    /// TID2008 (Ponomarenko et al.): 1700 images, 25 references, 17 distortions, MOS 0-9.
    Tid2008,
    /// TID2013: 3000 images, 25 references, 24 distortions, MOS 0-9.
    Tid2013,
    /// KADID-10k (Lin et al.): 10125 images, 81 references, 25 distortions, MOS 1-5.
    Kadid10k,
    /// KonIQ-10k (Hosu et al.): 10073 authentically distorted images, no references, MOS 1-5.
    Koniq10k,
    /// SIQAD (Yang, Fang & Lin): screen content, 980 images of 20 references, 7 types x 7
    /// levels, DMOS.
    Siqad,
    /// SCID (Ni et al.): screen content, 1800 images of 40 references, 9 types x 5 levels,
    /// MOS 0-100.
    Scid,
    /// The generic manifest CSV (`dist,ref,score,score_std,dist_type,dist_level,ref_id`).
    Manifest,
}

impl DatabaseKind {
    /// Every kind, in the order of the command line's help.
    pub const ALL: [DatabaseKind; 9] = [
        DatabaseKind::Live,
        DatabaseKind::Csiq,
        DatabaseKind::Tid2008,
        DatabaseKind::Tid2013,
        DatabaseKind::Kadid10k,
        DatabaseKind::Koniq10k,
        DatabaseKind::Siqad,
        DatabaseKind::Scid,
        DatabaseKind::Manifest,
    ];

    /// The name used on the command line and in manifests.
    pub fn name(self) -> &'static str {
        match self {
            DatabaseKind::Live => "live",
            DatabaseKind::Csiq => "csiq",
            DatabaseKind::Tid2008 => "tid2008",
            DatabaseKind::Tid2013 => "tid2013",
            DatabaseKind::Kadid10k => "kadid10k",
            DatabaseKind::Koniq10k => "koniq10k",
            DatabaseKind::Siqad => "siqad",
            DatabaseKind::Scid => "scid",
            DatabaseKind::Manifest => "manifest",
        }
    }

    /// The kind called `name` (as [`DatabaseKind::name`] gives it).
    pub fn from_name(name: &str) -> Result<DatabaseKind> {
        DatabaseKind::ALL
            .into_iter()
            .find(|k| k.name() == name.to_lowercase())
            .ok_or_else(|| DataError::Config {
                what: "database kind",
                reason: format!(
                    "`{name}` is not one of {}",
                    DatabaseKind::ALL.map(|k| k.name()).join(", ")
                ),
            })
    }
}

/// Choices that some loaders offer.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// LIVE: which DMOS file (both are used in the literature).
    pub live_labels: LiveLabels,
    /// KonIQ-10k: which image folder (default: `1024x768/` when present, else `512x384/`).
    pub koniq_size: Option<KoniqSize>,
}

/// Reads the database of `kind` at `root` (for [`DatabaseKind::Manifest`], `root` is the
/// CSV file). Every file the labels name must exist, and no unnamed image may be present.
pub fn load(kind: DatabaseKind, root: &Path, options: &LoadOptions) -> Result<Manifest> {
    let manifest = match kind {
        DatabaseKind::Live => live::load(root, options.live_labels)?,
        DatabaseKind::Csiq => csiq::load(root)?,
        DatabaseKind::Tid2008 => tid::load(root, tid::Release::Tid2008)?,
        DatabaseKind::Tid2013 => tid::load(root, tid::Release::Tid2013)?,
        DatabaseKind::Kadid10k => kadid::load(root)?,
        DatabaseKind::Koniq10k => koniq::load(root, options.koniq_size)?,
        DatabaseKind::Siqad => siqad::load(root)?,
        DatabaseKind::Scid => scid::load(root)?,
        DatabaseKind::Manifest => read_manifest_csv(root)?,
    };
    if manifest.items.is_empty() {
        return Err(DataError::Empty {
            what: format!("{} at `{}`", kind.name(), root.display()),
        });
    }
    tracing::info!(
        database = kind.name(),
        items = manifest.items.len(),
        "database read"
    );
    Ok(manifest)
}

/// One row of a label file, before normalisation.
#[derive(Debug, Clone)]
pub(crate) struct RawItem {
    pub dist: PathBuf,
    pub reference: Option<PathBuf>,
    pub ref_id: Option<String>,
    pub dist_type: Option<String>,
    pub dist_level: Option<u32>,
    pub raw_score: f64,
    pub score_std: Option<f64>,
}

/// Checks every raw score against `valid` (finite, inside the interval) and normalises it.
pub(crate) fn finish(
    database: &str,
    root: &Path,
    label: LabelInfo,
    valid: (f64, f64),
    labels_file: &Path,
    raw: Vec<(String, RawItem)>,
) -> Result<Manifest> {
    let mut items = Vec::with_capacity(raw.len());
    for (location, r) in raw {
        let bad = |value: f64| DataError::BadScore {
            path: labels_file.to_path_buf(),
            location: location.clone(),
            value,
            min: valid.0,
            max: valid.1,
        };
        if !(r.raw_score.is_finite() && r.raw_score >= valid.0 && r.raw_score <= valid.1) {
            return Err(bad(r.raw_score));
        }
        if let Some(std) = r.score_std
            && !(std.is_finite() && std >= 0.0)
        {
            return Err(DataError::Labels {
                path: labels_file.to_path_buf(),
                reason: format!("{location}: score deviation {std} is not a finite number >= 0"),
            });
        }
        items.push(Item {
            score: label.normalise(r.raw_score),
            dist: r.dist,
            reference: r.reference,
            ref_id: r.ref_id,
            dist_type: r.dist_type,
            dist_level: r.dist_level,
            raw_score: r.raw_score,
            score_std: r.score_std,
        });
    }
    // The same image rated twice would leak between split sides.
    let mut seen = std::collections::HashSet::new();
    for item in &items {
        if !seen.insert(item.dist.clone()) {
            return Err(DataError::Duplicate {
                path: labels_file.to_path_buf(),
                name: item.dist.display().to_string(),
            });
        }
    }
    Ok(Manifest {
        database: database.to_string(),
        root: root.to_path_buf(),
        label,
        items,
    })
}

/// Parses a number from a label file, naming the file and place when it is not one.
pub(crate) fn parse_number(text: &str, path: &Path, location: &str) -> Result<f64> {
    text.trim().parse::<f64>().map_err(|_| DataError::Labels {
        path: path.to_path_buf(),
        reason: format!("{location}: `{text}` is not a number"),
    })
}

/// The file stem of a reference file name (`I01.BMP` -> `I01`).
pub(crate) fn stem(name: &str) -> String {
    Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| name.to_string())
}
