//! KonIQ-10k (Hosu, Lin, Sziranyi & Saupe, 2020): authentic distortions, no references.
//!
//! Layout: `koniq10k_scores_and_distributions.csv` (`image_name,c1,...,c5,c_total,MOS,SD,
//! MOS_zscore`) and the images in `1024x768/` or `512x384/`. MOS 1-5, higher is better.
//! The official split comes from `koniq10k_distributions_sets.csv` (column `set`:
//! `training`, `validation`, `test`) when that file is present.

use std::collections::HashMap;
use std::path::Path;

use super::{RawItem, finish, parse_number};
use crate::files::{Folder, Resolver};
use crate::manifest::{LabelInfo, LabelKind, Manifest};
use crate::split::Split;
use crate::{DataError, Result};

const NAME: &str = "koniq10k";
const SCORES: &str = "koniq10k_scores_and_distributions.csv";
const SETS: &str = "koniq10k_distributions_sets.csv";

/// Which of KonIQ-10k's two image folders to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KoniqSize {
    /// `1024x768/`, the original resolution.
    Full,
    /// `512x384/`, the downscaled copy most papers train on.
    Half,
}

impl KoniqSize {
    fn folder(self) -> &'static str {
        match self {
            KoniqSize::Full => "1024x768",
            KoniqSize::Half => "512x384",
        }
    }
}

pub(super) fn load(root: &Path, size: Option<KoniqSize>) -> Result<Manifest> {
    let top = Folder::open(root)?;
    let size = size.unwrap_or(if top.get("1024x768").is_some() {
        KoniqSize::Full
    } else {
        KoniqSize::Half
    });
    let images = top.subfolder(size.folder(), NAME)?;
    let labels_file = top.require(SCORES, NAME)?;
    let rows = read_columns(&labels_file, &["image_name", "MOS", "SD"])?;
    let mut resolver = Resolver::default();
    let mut raw = Vec::with_capacity(rows.len());
    for (line, cells) in rows {
        let location = format!("line {line}");
        raw.push((
            location.clone(),
            RawItem {
                dist: resolver.find(&images, &cells[0]),
                reference: None,
                ref_id: None,
                dist_type: Some("authentic".to_string()),
                dist_level: None,
                raw_score: parse_number(&cells[1], &labels_file, &location)?,
                score_std: Some(parse_number(&cells[2], &labels_file, &location)?),
            },
        ));
    }
    resolver.finish(NAME, &[&images])?;
    let label = LabelInfo {
        kind: LabelKind::Mos,
        higher_is_better: true,
        range: (1.0, 5.0),
        source: format!("{SCORES}: MOS, SD"),
    };
    finish(NAME, root, label, (1.0, 5.0), &labels_file, raw)
}

/// KonIQ-10k's official training / validation / test split of `manifest` (as loaded from
/// `root`), or `None` when the sets file is absent.
pub fn koniq_official_split(manifest: &Manifest, root: &Path) -> Result<Option<Split>> {
    let top = Folder::open(root)?;
    let Some(path) = top.get(SETS) else {
        return Ok(None);
    };
    let rows = read_columns(path, &["image_name", "set"])?;
    let sets: HashMap<String, (usize, String)> = rows
        .into_iter()
        .map(|(line, cells)| (cells[0].to_lowercase(), (line, cells[1].to_lowercase())))
        .collect();
    let mut split = Split::default();
    for (index, item) in manifest.items.iter().enumerate() {
        let name = item
            .dist
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let Some((line, set)) = sets.get(&name) else {
            return Err(DataError::Labels {
                path: path.clone(),
                reason: format!("`{name}` has no set"),
            });
        };
        match set.as_str() {
            "training" | "train" => split.train.push(index),
            "validation" | "val" => split.val.push(index),
            "test" => split.test.push(index),
            other => {
                return Err(DataError::Labels {
                    path: path.clone(),
                    reason: format!(
                        "line {line}: set `{other}` is not training, validation or test"
                    ),
                });
            }
        }
    }
    Ok(Some(split))
}

/// The named columns of every row of a CSV, with the row's line number.
fn read_columns(path: &Path, names: &[&str]) -> Result<Vec<(usize, Vec<String>)>> {
    let err = |reason: String| DataError::Labels {
        path: path.to_path_buf(),
        reason,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    let headers = reader
        .headers()
        .map_err(|e| err(format!("cannot read the header: {e}")))?
        .clone();
    if let Some(name) = iqa_io::repeated_name(headers.iter()) {
        return Err(err(format!("two columns are named `{name}`")));
    }
    let columns = names
        .iter()
        .map(|n| {
            headers
                .iter()
                .position(|h| h == *n)
                .ok_or_else(|| err(format!("no `{n}` column")))
        })
        .collect::<Result<Vec<usize>>>()?;
    let mut out = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let record = record.map_err(|e| err(format!("line {}: {e}", k + 2)))?;
        let cells = columns
            .iter()
            .map(|&c| record.get(c).unwrap_or("").to_string())
            .collect();
        out.push((k + 2, cells));
    }
    Ok(out)
}
