//! TID2008 and TID2013 (Ponomarenko et al.).
//!
//! Layout: `reference_images/I01.BMP ... I25.BMP`, `distorted_images/iXX_YY_Z.bmp`
//! (reference XX, distortion type YY, level Z), `mos_with_names.txt` (`MOS name` per line),
//! `mos.txt` (the same scores, checked when present) and, in TID2013, `mos_std.txt` (one
//! deviation per line, same order). MOS 0-9, higher is better. Names on disk have mixed case.

use std::path::Path;

use super::{RawItem, finish, parse_number};
use crate::files::{Folder, Resolver};
use crate::manifest::{LabelInfo, LabelKind, Manifest};
use crate::{DataError, Result};

/// Which release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Release {
    Tid2008,
    Tid2013,
}

/// TID2013's 24 distortion types in order (TID2008 has the first 17), as short names.
const TYPES: [&str; 24] = [
    "awgn",
    "awgn_color",
    "correlated_noise",
    "masked_noise",
    "high_frequency_noise",
    "impulse_noise",
    "quantization_noise",
    "gblur",
    "denoising",
    "jpeg",
    "jpeg2000",
    "jpeg_transmission_errors",
    "jpeg2000_transmission_errors",
    "pattern_noise",
    "block_distortions",
    "mean_shift",
    "contrast_change",
    "saturation_change",
    "multiplicative_noise",
    "comfort_noise",
    "noisy_compression",
    "color_quantization",
    "chromatic_aberrations",
    "sparse_sampling",
];

impl Release {
    fn name(self) -> &'static str {
        match self {
            Release::Tid2008 => "tid2008",
            Release::Tid2013 => "tid2013",
        }
    }
    fn types(self) -> usize {
        match self {
            Release::Tid2008 => 17,
            Release::Tid2013 => 24,
        }
    }
    fn levels(self) -> u32 {
        match self {
            Release::Tid2008 => 4,
            Release::Tid2013 => 5,
        }
    }
}

pub(super) fn load(root: &Path, release: Release) -> Result<Manifest> {
    let name = release.name();
    let top = Folder::open(root)?;
    let refs = top.subfolder("reference_images", name)?;
    let dist = top.subfolder("distorted_images", name)?;
    let labels_file = top.require("mos_with_names.txt", name)?;
    let labels = read_lines(&labels_file)?;
    let stds = match top.get("mos_std.txt") {
        Some(path) => Some(numbers_per_line(path, labels.len())?),
        None => None,
    };
    if let Some(path) = top.get("mos.txt") {
        let mos = numbers_per_line(path, labels.len())?;
        if let Some(k) = (0..mos.len()).find(|&k| (mos[k] - labels[k].1).abs() > 1e-6) {
            return Err(DataError::Labels {
                path: path.clone(),
                reason: format!(
                    "line {}: {} differs from `mos_with_names.txt` ({}); are both from the same release?",
                    k + 1,
                    mos[k],
                    labels[k].1
                ),
            });
        }
    }
    let mut resolver = Resolver::default();
    let mut raw = Vec::with_capacity(labels.len());
    for (k, (file, mos)) in labels.into_iter().enumerate() {
        let location = format!("line {} (`{file}`)", k + 1);
        let (reference, dist_type, level) =
            parse_name(&file, release).ok_or_else(|| DataError::Labels {
                path: labels_file.clone(),
                reason: format!(
                    "{location}: expected iXX_YY_Z.bmp with type YY in 1..{} and level Z in 1..{}",
                    release.types(),
                    release.levels()
                ),
            })?;
        let ref_name = format!("I{reference:02}.bmp");
        raw.push((
            location,
            RawItem {
                dist: resolver.find(&dist, &file),
                reference: Some(resolver.find(&refs, &ref_name)),
                ref_id: Some(format!("I{reference:02}")),
                dist_type: Some(TYPES[dist_type - 1].to_string()),
                dist_level: Some(level),
                raw_score: mos,
                score_std: stds.as_ref().map(|s| s[k]),
            },
        ));
    }
    resolver.finish(name, &[&dist, &refs])?;
    let label = LabelInfo {
        kind: LabelKind::Mos,
        higher_is_better: true,
        range: (0.0, 9.0),
        source: "mos_with_names.txt".to_string(),
    };
    finish(name, root, label, (0.0, 9.0), &labels_file, raw)
}

/// `iXX_YY_Z.bmp` -> (XX, YY, Z), with YY and Z checked against the release.
fn parse_name(file: &str, release: Release) -> Option<(u32, usize, u32)> {
    let lower = file.to_lowercase();
    let stem = lower.strip_prefix('i')?.strip_suffix(".bmp")?;
    let mut parts = stem.split('_');
    let reference: u32 = parts.next()?.parse().ok()?;
    let dist_type: usize = parts.next()?.parse().ok()?;
    let level: u32 = parts.next()?.parse().ok()?;
    let valid = parts.next().is_none()
        && (1..=release.types()).contains(&dist_type)
        && (1..=release.levels()).contains(&level);
    valid.then_some((reference, dist_type, level))
}

/// `MOS name` per line.
fn read_lines(path: &Path) -> Result<Vec<(String, f64)>> {
    let text = std::fs::read_to_string(path).map_err(crate::error::io(path))?;
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [] => continue,
            [mos, name] => {
                let location = format!("line {}", k + 1);
                out.push((name.to_string(), parse_number(mos, path, &location)?));
            }
            _ => {
                return Err(DataError::Labels {
                    path: path.to_path_buf(),
                    reason: format!("line {}: expected `MOS name`, got `{line}`", k + 1),
                });
            }
        }
    }
    Ok(out)
}

/// One number per non-empty line; exactly `expected` of them.
fn numbers_per_line(path: &Path, expected: usize) -> Result<Vec<f64>> {
    let text = std::fs::read_to_string(path).map_err(crate::error::io(path))?;
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if !line.trim().is_empty() {
            out.push(parse_number(line, path, &format!("line {}", k + 1))?);
        }
    }
    if out.len() != expected {
        return Err(DataError::Labels {
            path: path.to_path_buf(),
            reason: format!(
                "{} values, but `mos_with_names.txt` lists {expected} images",
                out.len()
            ),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_parsed_and_checked() {
        assert_eq!(
            parse_name("I25_24_5.BMP", Release::Tid2013),
            Some((25, 24, 5))
        );
        assert_eq!(parse_name("i01_18_1.bmp", Release::Tid2008), None);
        assert_eq!(parse_name("i01_17_5.bmp", Release::Tid2008), None);
        assert_eq!(parse_name("i01_17.bmp", Release::Tid2013), None);
    }
}
