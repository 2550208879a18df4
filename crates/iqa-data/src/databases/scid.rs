//! SCID, the Screen Content Image Database (Ni, Ma, Zeng, Fu, Xing & Ma, 2017).
//!
//! Layout as distributed: `ReferenceSCIs/SCI01.bmp ... SCI40.bmp`,
//! `DistortedSCIs/SCInn_T_L.bmp` (reference nn, distortion type T in 1..9, level L in 1..5)
//! and `MOS_SCID.txt` with `reference name MOS` per line, names without extension. The
//! distributed `MOS_SCID.txt` is UTF-16 text; UTF-8 copies are read as well. MOS on a 0-100
//! scale, higher is better.

use std::path::Path;

use super::label_text::read_label_text;
use super::{RawItem, finish, parse_number};
use crate::files::{Folder, Resolver};
use crate::manifest::{LabelInfo, LabelKind, Manifest};
use crate::{DataError, Result};

const NAME: &str = "scid";

/// SCID's nine distortion types, in the order of the type digit of its file names as the
/// SCID paper lists them: Gaussian noise, Gaussian blur, motion blur, contrast change, JPEG,
/// JPEG 2000, colour saturation change, HEVC screen-content coding and colour quantisation
/// with dithering.
pub(crate) const TYPES: [&str; 9] = [
    "gaussian_noise",
    "gblur",
    "motion_blur",
    "contrast_change",
    "jpeg",
    "jpeg2000",
    "color_saturation_change",
    "hevc_scc",
    "color_quantization_dither",
];

/// Levels per type.
const LEVELS: u32 = 5;

pub(super) fn load(root: &Path) -> Result<Manifest> {
    let top = Folder::open(root)?;
    let refs = top.subfolder("ReferenceSCIs", NAME)?;
    let dist = top.subfolder("DistortedSCIs", NAME)?;
    let labels_file = top.require("MOS_SCID.txt", NAME)?;
    let text = read_label_text(&labels_file)?;
    let mut resolver = Resolver::default();
    let mut raw = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let location = format!("line {}", k + 1);
        let (ref_name, name, mos) = match fields.as_slice() {
            [] => continue,
            [r, n, m] => (*r, *n, parse_number(m, &labels_file, &location)?),
            _ => {
                return Err(labels_error(
                    &labels_file,
                    format!("{location}: expected `reference name MOS`, got `{line}`"),
                ));
            }
        };
        let (reference, dist_type, level) = parse_name(name).ok_or_else(|| {
            labels_error(
                &labels_file,
                format!(
                    "{location}: `{name}` is not SCInn_T_L with type T in 1..9 and level L in 1..{LEVELS}"
                ),
            )
        })?;
        let ref_id = format!("SCI{reference:02}");
        if !ref_name.eq_ignore_ascii_case(&ref_id) {
            return Err(labels_error(
                &labels_file,
                format!(
                    "{location}: `{name}` is listed with reference `{ref_name}`, not `{ref_id}`"
                ),
            ));
        }
        raw.push((
            format!("{location} (`{name}`)"),
            RawItem {
                dist: resolver.find(&dist, &with_extension(name)),
                reference: Some(resolver.find(&refs, &format!("{ref_id}.bmp"))),
                ref_id: Some(ref_id),
                dist_type: Some(TYPES[dist_type - 1].to_string()),
                dist_level: Some(level),
                raw_score: mos,
                score_std: None,
            },
        ));
    }
    resolver.finish(NAME, &[&dist, &refs])?;
    let label = LabelInfo {
        kind: LabelKind::Mos,
        higher_is_better: true,
        range: (0.0, 100.0),
        source: "MOS_SCID.txt".to_string(),
    };
    finish(NAME, root, label, (0.0, 100.0), &labels_file, raw)
}

fn labels_error(path: &Path, reason: String) -> DataError {
    DataError::Labels {
        path: path.to_path_buf(),
        reason,
    }
}

/// The file name of a listed image (`SCI01_1_1` -> `SCI01_1_1.bmp`; a name that already
/// ends in `.bmp` is kept).
fn with_extension(name: &str) -> String {
    if name.to_lowercase().ends_with(".bmp") {
        name.to_string()
    } else {
        format!("{name}.bmp")
    }
}

/// `SCInn_T_L` (with or without `.bmp`) -> (nn, T, L), with T and L checked.
fn parse_name(name: &str) -> Option<(u32, usize, u32)> {
    let lower = name.to_lowercase();
    let stem = lower.strip_suffix(".bmp").unwrap_or(&lower);
    let stem = stem.strip_prefix("sci")?;
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
        assert_eq!(parse_name("SCI40_9_5"), Some((40, 9, 5)));
        assert_eq!(parse_name("sci01_1_1.BMP"), Some((1, 1, 1)));
        assert_eq!(parse_name("SCI01_10_1"), None);
        assert_eq!(parse_name("SCI01_1_6"), None);
        assert_eq!(parse_name("SCI01_1"), None);
        assert_eq!(with_extension("SCI01_1_1"), "SCI01_1_1.bmp");
        assert_eq!(with_extension("SCI01_1_1.BMP"), "SCI01_1_1.BMP");
    }
}
