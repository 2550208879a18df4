//! SIQAD, the Screen Image Quality Assessment Database (Yang, Fang & Lin, 2015).
//!
//! Layout, as the database's users keep it (and as the group's FPR and DFSS-IQA code reads
//! it): `references/cim1.bmp ... cim20.bmp`, `DistortedImages/cimN_T_L.bmp` (reference N,
//! distortion type T in 1..7, level L in 1..7) and `sccdmos.txt` with `DMOS name` per line.
//! DMOS on a 0-100 scale, lower is better.

use std::path::Path;

use super::label_text::read_label_text;
use super::{RawItem, finish, parse_number};
use crate::files::{Folder, Resolver};
use crate::manifest::{LabelInfo, LabelKind, Manifest};
use crate::{DataError, Result};

const NAME: &str = "siqad";

/// SIQAD's seven distortion types, in the order of the type digit of its file names (the
/// order of the SIQAD paper's list): Gaussian noise, Gaussian blur, motion blur, contrast
/// change, JPEG, JPEG 2000 and layer-segmentation-based coding.
pub(crate) const TYPES: [&str; 7] = [
    "gaussian_noise",
    "gblur",
    "motion_blur",
    "contrast_change",
    "jpeg",
    "jpeg2000",
    "layer_segmentation_coding",
];

/// Levels per type.
const LEVELS: u32 = 7;

pub(super) fn load(root: &Path) -> Result<Manifest> {
    let top = Folder::open(root)?;
    let refs = top.subfolder("references", NAME)?;
    let dist = top.subfolder("DistortedImages", NAME)?;
    let labels_file = top.require("sccdmos.txt", NAME)?;
    let text = read_label_text(&labels_file)?;
    let mut resolver = Resolver::default();
    let mut raw = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let location = format!("line {}", k + 1);
        let (dmos, file) = match fields.as_slice() {
            [] => continue,
            [dmos, file] => (parse_number(dmos, &labels_file, &location)?, *file),
            _ => {
                return Err(labels_error(
                    &labels_file,
                    format!("{location}: expected `DMOS name`, got `{line}`"),
                ));
            }
        };
        let (reference, dist_type, level) = parse_name(file).ok_or_else(|| {
            labels_error(
                &labels_file,
                format!(
                    "{location}: `{file}` is not cimN_T_L.bmp with type T in 1..7 and level L in 1..{LEVELS}"
                ),
            )
        })?;
        let ref_id = format!("cim{reference}");
        raw.push((
            format!("{location} (`{file}`)"),
            RawItem {
                dist: resolver.find(&dist, file),
                reference: Some(resolver.find(&refs, &format!("{ref_id}.bmp"))),
                ref_id: Some(ref_id),
                dist_type: Some(TYPES[dist_type - 1].to_string()),
                dist_level: Some(level),
                raw_score: dmos,
                score_std: None,
            },
        ));
    }
    resolver.finish(NAME, &[&dist, &refs])?;
    let label = LabelInfo {
        kind: LabelKind::Dmos,
        higher_is_better: false,
        range: (0.0, 100.0),
        source: "sccdmos.txt".to_string(),
    };
    // The distributed file's DMOS range could not be checked here; DMOS may stray a
    // little past the nominal ends, as LIVE's do, so only absurd values are refused.
    finish(NAME, root, label, (-50.0, 150.0), &labels_file, raw)
}

fn labels_error(path: &Path, reason: String) -> DataError {
    DataError::Labels {
        path: path.to_path_buf(),
        reason,
    }
}

/// `cimN_T_L.bmp` -> (N, T, L), with T and L checked.
fn parse_name(file: &str) -> Option<(u32, usize, u32)> {
    let lower = file.to_lowercase();
    let stem = lower.strip_prefix("cim")?.strip_suffix(".bmp")?;
    let mut parts = stem.split('_');
    let reference: u32 = parts.next()?.parse().ok()?;
    let dist_type: usize = parts.next()?.parse().ok()?;
    let level: u32 = parts.next()?.parse().ok()?;
    let valid = parts.next().is_none()
        && reference >= 1
        && (1..=TYPES.len()).contains(&dist_type)
        && (1..=LEVELS).contains(&level);
    valid.then_some((reference, dist_type, level))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_parsed_and_checked() {
        assert_eq!(parse_name("cim20_7_7.bmp"), Some((20, 7, 7)));
        assert_eq!(parse_name("CIM3_1_2.BMP"), Some((3, 1, 2)));
        assert_eq!(parse_name("cim3_8_1.bmp"), None);
        assert_eq!(parse_name("cim3_1_8.bmp"), None);
        assert_eq!(parse_name("cim3_1.bmp"), None);
        assert_eq!(parse_name("cim0_1_1.bmp"), None);
    }
}
