//! KADID-10k (Lin, Hosu & Saupe, 2019).
//!
//! Layout: `images/` holding the 81 references `I01.png ...` and the distorted
//! `IXX_YY_ZZ.png` (reference, type 1-25, level 1-5), and `dmos.csv` with columns
//! `dist_img,ref_img,dmos,var`. Despite the file name the scores are MOS-like: 1-5, higher
//! is better; `var` is the rating variance (its square root is kept as the deviation).

use std::path::Path;

use super::{RawItem, finish, parse_number, stem};
use crate::files::{Folder, Resolver};
use crate::manifest::{LabelInfo, LabelKind, Manifest};
use crate::{DataError, Result};

const NAME: &str = "kadid10k";

/// KADID-10k's 25 distortion types in order, as short names.
const TYPES: [&str; 25] = [
    "gblur",
    "lens_blur",
    "motion_blur",
    "color_diffusion",
    "color_shift",
    "color_quantization",
    "color_saturation_1",
    "color_saturation_2",
    "jpeg2000",
    "jpeg",
    "white_noise",
    "white_noise_color",
    "impulse_noise",
    "multiplicative_noise",
    "denoise",
    "brighten",
    "darken",
    "mean_shift",
    "jitter",
    "non_eccentricity_patch",
    "pixelate",
    "quantization",
    "color_block",
    "high_sharpen",
    "contrast_change",
];

pub(super) fn load(root: &Path) -> Result<Manifest> {
    let top = Folder::open(root)?;
    let images = top.subfolder("images", NAME)?;
    let labels_file = top.require("dmos.csv", NAME)?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(&labels_file)
        .map_err(|e| labels_error(&labels_file, format!("cannot read: {e}")))?;
    let headers = reader
        .headers()
        .map_err(|e| labels_error(&labels_file, format!("cannot read the header: {e}")))?
        .clone();
    if let Some(name) = iqa_io::repeated_name(headers.iter()) {
        return Err(labels_error(
            &labels_file,
            format!("two columns are named `{name}`"),
        ));
    }
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            labels_error(
                &labels_file,
                format!("no `{name}` column (expected dist_img,ref_img,dmos,var)"),
            )
        })
    };
    let (c_dist, c_ref, c_dmos, c_var) = (
        column("dist_img")?,
        column("ref_img")?,
        column("dmos")?,
        column("var")?,
    );
    let mut resolver = Resolver::default();
    let mut raw = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let location = format!("line {}", k + 2);
        let record = record.map_err(|e| labels_error(&labels_file, format!("{location}: {e}")))?;
        let cell = |c: usize| record.get(c).unwrap_or("");
        let (dist_name, ref_name) = (cell(c_dist), cell(c_ref));
        let (dist_type, level) = parse_name(dist_name).ok_or_else(|| {
            labels_error(
                &labels_file,
                format!(
                    "{location}: `{dist_name}` is not IXX_YY_ZZ.png with type 1..25, level 1..5"
                ),
            )
        })?;
        let variance = parse_number(cell(c_var), &labels_file, &location)?;
        raw.push((
            location.clone(),
            RawItem {
                dist: resolver.find(&images, dist_name),
                reference: Some(resolver.find(&images, ref_name)),
                ref_id: Some(stem(ref_name)),
                dist_type: Some(TYPES[dist_type - 1].to_string()),
                dist_level: Some(level),
                raw_score: parse_number(cell(c_dmos), &labels_file, &location)?,
                // A negative variance is reported as an invalid deviation by `finish`.
                score_std: Some(if variance >= 0.0 {
                    variance.sqrt()
                } else {
                    variance
                }),
            },
        ));
    }
    resolver.finish(NAME, &[&images])?;
    let label = LabelInfo {
        kind: LabelKind::Mos,
        higher_is_better: true,
        range: (1.0, 5.0),
        source: "dmos.csv: dmos, var".to_string(),
    };
    finish(NAME, root, label, (1.0, 5.0), &labels_file, raw)
}

fn labels_error(path: &Path, reason: String) -> DataError {
    DataError::Labels {
        path: path.to_path_buf(),
        reason,
    }
}

/// `IXX_YY_ZZ.png` -> (YY, ZZ), checked.
fn parse_name(name: &str) -> Option<(usize, u32)> {
    let lower = name.to_lowercase();
    let stem = lower.strip_prefix('i')?.strip_suffix(".png")?;
    let parts: Vec<&str> = stem.split('_').collect();
    let [_, dist_type, level] = parts.as_slice() else {
        return None;
    };
    let dist_type: usize = dist_type.parse().ok()?;
    let level: u32 = level.parse().ok()?;
    ((1..=25).contains(&dist_type) && (1..=5).contains(&level)).then_some((dist_type, level))
}
