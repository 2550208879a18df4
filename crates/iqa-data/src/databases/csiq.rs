//! CSIQ (Larson & Chandler, 2010).
//!
//! Layout: `src_imgs/NAME.png` (30 references), `dst_imgs/TYPE/NAME.TYPE.LEVEL.png` with
//! TYPE one of `awgn jpeg jpeg2000 fnoise blur contrast`, and the labels in
//! `csiq.DMOS.xlsx` (sheet `all_by_image`: image, dst_idx, dst_type, dst_lev, dmos_std,
//! dmos). Without the spreadsheet, the one-line-per-image text file that circulates with
//! re-implementations (`csiq_label.txt` or `csiq.txt`: `NAME.TYPE.LEVEL.png DMOS` per line)
//! is read instead. 866 distorted images; DMOS in [0, 1], lower is better. Names are
//! matched case-insensitively (copies differ: `AWGN` or `awgn`).

use std::path::Path;

use calamine::{Data, Reader};

use super::{RawItem, finish, parse_number};
use crate::files::{Folder, Resolver};
use crate::manifest::{LabelInfo, LabelKind, Manifest};
use crate::{DataError, Result};

const NAME: &str = "csiq";
const SHEET: &str = "all_by_image";
const TEXT_LABELS: [&str; 2] = ["csiq_label.txt", "csiq.txt"];

/// One labelled image: reference name, distortion folder, level, DMOS and its deviation.
struct Row {
    location: String,
    image: String,
    folder: &'static str,
    level: u32,
    dmos: f64,
    std: Option<f64>,
}

pub(super) fn load(root: &Path) -> Result<Manifest> {
    let top = Folder::open(root)?;
    let refs = top.subfolder("src_imgs", NAME)?;
    let dst = top.subfolder("dst_imgs", NAME)?;
    let (labels_file, rows, source) = match top.get("csiq.DMOS.xlsx") {
        Some(path) => (
            path.clone(),
            read_xlsx(path)?,
            "csiq.DMOS.xlsx: all_by_image",
        ),
        None => match TEXT_LABELS.iter().find_map(|n| top.get(n)) {
            Some(path) => (path.clone(), read_text(path)?, "text label file"),
            None => {
                return Err(DataError::MissingLayout {
                    database: NAME.to_string(),
                    root: root.to_path_buf(),
                    expected: "csiq.DMOS.xlsx (or csiq_label.txt)".to_string(),
                });
            }
        },
    };
    let mut resolver = Resolver::default();
    let mut folders: Vec<Folder> = Vec::new();
    let mut raw = Vec::with_capacity(rows.len());
    for row in rows {
        if !folders.iter().any(|f| folder_name(f) == row.folder) {
            folders.push(dst.subfolder(row.folder, NAME)?);
        }
        let folder = folders
            .iter()
            .find(|f| folder_name(f) == row.folder)
            .ok_or_else(|| DataError::MissingLayout {
                database: NAME.to_string(),
                root: dst.path().to_path_buf(),
                expected: row.folder.to_string(),
            })?;
        let file = format!("{}.{}.{}.png", row.image, row.folder, row.level);
        let dist = resolver.find(folder, &file);
        let reference = resolver.find(&refs, &format!("{}.png", row.image));
        raw.push((
            row.location,
            RawItem {
                dist,
                reference: Some(reference),
                ref_id: Some(row.image.to_lowercase()),
                dist_type: Some(row.folder.to_string()),
                dist_level: Some(row.level),
                raw_score: row.dmos,
                score_std: row.std,
            },
        ));
    }
    let mut checked: Vec<&Folder> = folders.iter().collect();
    checked.push(&refs);
    resolver.finish(NAME, &checked)?;
    let label = LabelInfo {
        kind: LabelKind::Dmos,
        higher_is_better: false,
        range: (0.0, 1.0),
        source: source.to_string(),
    };
    finish(NAME, root, label, (0.0, 1.0), &labels_file, raw)
}

fn folder_name(folder: &Folder) -> String {
    folder
        .path()
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// The distortion folder for a type as the spreadsheet or a file name spells it.
fn folder_for(dst_type: &str) -> Option<&'static str> {
    let key: String = dst_type
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    Some(match key.as_str() {
        "noise" | "awgn" | "whitenoise" => "awgn",
        "jpeg" => "jpeg",
        "jpeg2000" | "jp2k" => "jpeg2000",
        "fnoise" | "pinknoise" => "fnoise",
        "blur" | "gblur" => "blur",
        "contrast" => "contrast",
        _ => return None,
    })
}

fn bad(path: &Path, reason: String) -> DataError {
    DataError::Labels {
        path: path.to_path_buf(),
        reason,
    }
}

/// The sheet `all_by_image`: the header row is found by its `image` and `dmos` cells.
fn read_xlsx(path: &Path) -> Result<Vec<Row>> {
    let mut book = calamine::open_workbook_auto(path)
        .map_err(|e| bad(path, format!("cannot open the spreadsheet: {e}")))?;
    let range = book.worksheet_range(SHEET).map_err(|e| {
        bad(
            path,
            format!("sheet `{SHEET}` is missing or unreadable: {e}"),
        )
    })?;
    let text = |cell: &Data| -> String {
        match cell {
            // Image names such as 1600 are stored as numbers.
            Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
            other => other.to_string().trim().to_string(),
        }
    };
    let mut rows = range.rows().enumerate();
    let columns = loop {
        let Some((_, row)) = rows.next() else {
            return Err(bad(
                path,
                format!("sheet `{SHEET}` has no header row with `image` and `dmos` columns"),
            ));
        };
        let names: Vec<String> = row.iter().map(|c| text(c).to_lowercase()).collect();
        let find = |n: &str| names.iter().position(|h| h == n);
        if let (Some(image), Some(dmos)) = (find("image"), find("dmos")) {
            let (Some(dst_type), Some(level)) = (find("dst_type"), find("dst_lev")) else {
                return Err(bad(
                    path,
                    format!("sheet `{SHEET}`: the header lacks `dst_type` or `dst_lev`"),
                ));
            };
            break (image, dst_type, level, dmos, find("dmos_std"));
        }
    };
    let (c_image, c_type, c_level, c_dmos, c_std) = columns;
    let mut out = Vec::new();
    for (index, row) in rows {
        let cell = |c: usize| row.get(c).map(text).unwrap_or_default();
        let image = cell(c_image);
        if image.is_empty() {
            continue;
        }
        let location = format!("sheet `{SHEET}` row {}", index + 1);
        let folder = folder_for(&cell(c_type)).ok_or_else(|| {
            bad(
                path,
                format!("{location}: unknown distortion type `{}`", cell(c_type)),
            )
        })?;
        let level = parse_number(&cell(c_level), path, &location)?;
        if level.fract() != 0.0 || !(1.0..=5.0).contains(&level) {
            return Err(bad(
                path,
                format!("{location}: level `{level}` is not an integer in 1..5"),
            ));
        }
        let std = match c_std.map(cell) {
            Some(s) if !s.is_empty() => Some(parse_number(&s, path, &location)?),
            _ => None,
        };
        out.push(Row {
            dmos: parse_number(&cell(c_dmos), path, &location)?,
            location,
            image,
            folder,
            level: level as u32,
            std,
        });
    }
    Ok(out)
}

/// `NAME.TYPE.LEVEL.png DMOS` per line (whitespace or comma between; a leading folder
/// path and a header line are tolerated).
fn read_text(path: &Path) -> Result<Vec<Row>> {
    let text = std::fs::read_to_string(path).map_err(crate::error::io(path))?;
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let location = format!("line {}", index + 1);
        let fields: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|f| !f.is_empty())
            .collect();
        let [name, score, ..] = fields.as_slice() else {
            continue;
        };
        let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let parts: Vec<&str> = file.split('.').collect();
        let [image, dst_type, level, ext] = parts.as_slice() else {
            if index == 0 {
                continue; // a header line
            }
            return Err(bad(
                path,
                format!("{location}: `{file}` is not NAME.TYPE.LEVEL.png"),
            ));
        };
        if !ext.eq_ignore_ascii_case("png") {
            return Err(bad(path, format!("{location}: `{file}` is not a .png")));
        }
        let folder = folder_for(dst_type).ok_or_else(|| {
            bad(
                path,
                format!("{location}: unknown distortion type `{dst_type}`"),
            )
        })?;
        let level: u32 = level
            .parse()
            .ok()
            .filter(|l| (1..=5).contains(l))
            .ok_or_else(|| bad(path, format!("{location}: level `{level}` is not 1..5")))?;
        out.push(Row {
            dmos: parse_number(score, path, &location)?,
            location,
            image: image.to_string(),
            folder,
            level,
            std: None,
        });
    }
    Ok(out)
}
