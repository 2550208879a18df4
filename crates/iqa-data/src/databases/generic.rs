//! The generic manifest CSV: `dist,ref,score,score_std,dist_type,dist_level,ref_id`, paths
//! relative to the CSV's folder, empty cells where unknown, `score` higher-is-better. Any
//! database can be described this way; `iqa datasets export` writes one from a loader.

use std::path::{Path, PathBuf};

use super::{RawItem, finish, parse_number, stem};
use crate::manifest::{LabelInfo, LabelKind, Manifest, relative_to};
use crate::{DataError, Result};

const COLUMNS: [&str; 7] = [
    "dist",
    "ref",
    "score",
    "score_std",
    "dist_type",
    "dist_level",
    "ref_id",
];

/// Reads a generic manifest CSV. Columns `dist` and `score` are required, the others
/// optional. Scores are taken as higher-is-better; their nominal range is [0, 1] when they
/// all lie in it (as `iqa datasets export` writes them), else their observed range. Every
/// listed image must exist. Items without `ref_id` but with `ref` get the reference's file
/// stem as id.
pub fn read_manifest_csv(path: &Path) -> Result<Manifest> {
    let err = |reason: String| DataError::Labels {
        path: path.to_path_buf(),
        reason,
    };
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| match e.kind() {
            csv::ErrorKind::Io(_) => DataError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            },
            _ => err(format!("cannot read: {e}")),
        })?;
    let headers = reader
        .headers()
        .map_err(|e| err(format!("cannot read the header: {e}")))?
        .clone();
    if let Some(name) = iqa_io::repeated_name(headers.iter()) {
        return Err(err(format!(
            "two columns are named `{name}`; rename one so that it is clear which to use"
        )));
    }
    let find = |n: &str| headers.iter().position(|h| h == n);
    let (Some(c_dist), Some(c_score)) = (find("dist"), find("score")) else {
        return Err(err(format!(
            "the header needs `dist` and `score` (generic manifest: {}); it has: {}",
            COLUMNS.join(","),
            headers.iter().collect::<Vec<_>>().join(",")
        )));
    };
    let (c_ref, c_std, c_type, c_level, c_id) = (
        find("ref"),
        find("score_std"),
        find("dist_type"),
        find("dist_level"),
        find("ref_id"),
    );
    let mut raw = Vec::new();
    let mut missing = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let location = format!("line {}", k + 2);
        let record = record.map_err(|e| err(format!("{location}: {e}")))?;
        let cell = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let Some(dist_name) = cell(Some(c_dist)) else {
            return Err(err(format!("{location}: empty `dist`")));
        };
        let dist = base.join(&dist_name);
        if !dist.is_file() {
            missing.push(dist.display().to_string());
        }
        let reference = cell(c_ref).map(|r| base.join(r));
        if let Some(r) = &reference
            && !r.is_file()
        {
            missing.push(r.display().to_string());
        }
        let level = match cell(c_level) {
            Some(l) => Some(l.parse::<u32>().map_err(|_| {
                err(format!(
                    "{location}: dist_level `{l}` is not a whole number"
                ))
            })?),
            None => None,
        };
        let score_std = match cell(c_std) {
            Some(s) => Some(parse_number(&s, path, &location)?),
            None => None,
        };
        let ref_id = cell(c_id).or_else(|| cell(c_ref).map(|r| stem(&r)));
        raw.push((
            location.clone(),
            RawItem {
                raw_score: parse_number(&cell(Some(c_score)).unwrap_or_default(), path, &location)?,
                dist,
                reference,
                ref_id,
                dist_type: cell(c_type),
                dist_level: level,
                score_std,
            },
        ));
    }
    if !missing.is_empty() {
        missing.dedup();
        return Err(DataError::MissingFiles {
            database: format!("manifest `{}`", path.display()),
            count: missing.len(),
            first: crate::files::first_few(&missing),
        });
    }
    let range = crate::manifest::nominal_range(raw.iter().map(|(_, r)| r.raw_score));
    let label = LabelInfo {
        kind: LabelKind::Mos,
        higher_is_better: true,
        range,
        source: format!("{}: score", path.display()),
    };
    let name = stem(&path.file_name().unwrap_or_default().to_string_lossy());
    finish(&name, &base, label, (f64::MIN, f64::MAX), path, raw)
}

/// Writes `manifest` as a generic manifest CSV at `path` (atomically: a temporary file in
/// the same folder, renamed into place). `score` and `score_std` are the normalised,
/// higher-is-better values; paths are relative to the CSV's folder (with `..` steps when
/// the images lie elsewhere; absolute only when the two share no root, as on two Windows
/// drives), so the CSV and the images can move together.
pub fn write_manifest_csv(manifest: &Manifest, path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = dir.canonicalize().map_err(crate::error::io(&dir))?;
    let place = |p: &Path| -> String {
        let absolute = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        relative_with_parents(&absolute, &base)
    };
    iqa_io::write_atomic(path, |out| {
        let mut w = csv::Writer::from_writer(out);
        let csv_err = |e: csv::Error| DataError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        };
        w.write_record(COLUMNS).map_err(csv_err)?;
        for item in &manifest.items {
            let opt = |s: Option<String>| s.unwrap_or_default();
            w.write_record([
                place(&item.dist),
                opt(item.reference.as_deref().map(place)),
                item.score.to_string(),
                opt(item
                    .score_std
                    .map(|s| manifest.label.normalise_std(s).to_string())),
                opt(item.dist_type.clone()),
                opt(item.dist_level.map(|l| l.to_string())),
                opt(item.ref_id.clone()),
            ])
            .map_err(csv_err)?;
        }
        w.flush().map_err(crate::error::io(path))?;
        Ok::<(), DataError>(())
    })?;
    Ok(())
}

/// `path` relative to the folder `base` (both absolute), stepping up with `..` where
/// needed; `path` itself, with `/` separators, when they share no root.
fn relative_with_parents(path: &Path, base: &Path) -> String {
    let (p, b): (Vec<_>, Vec<_>) = (path.components().collect(), base.components().collect());
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return relative_to(path, base);
    }
    let ups = std::iter::repeat_n("..".to_string(), b.len() - common);
    let downs = p[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().to_string());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod relative_tests {
    use super::*;

    #[test]
    fn paths_step_up_to_the_common_folder() {
        let rel = |p: &str, b: &str| relative_with_parents(Path::new(p), Path::new(b));
        assert_eq!(rel("/data/live/img1.bmp", "/data/live"), "img1.bmp");
        assert_eq!(
            rel("/data/live/jp2k/img1.bmp", "/home/me/runs"),
            "../../../data/live/jp2k/img1.bmp"
        );
        assert_eq!(rel("/data/live/img1.bmp", "/data/csv"), "../live/img1.bmp");
    }
}
