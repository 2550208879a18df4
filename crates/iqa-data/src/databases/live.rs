//! LIVE Image Quality Assessment Database, Release 2 (Sheikh, Wang, Cormack & Bovik).
//!
//! Layout: `refimgs/` (29 references), `jp2k/ jpeg/ wn/ gblur/ fastfading/` holding
//! `img1.bmp ... imgN.bmp`, and three MATLAB files whose 982 entries run through the
//! folders in that order (227, 233, 174, 174, 174 images): `dmos.mat` (`dmos`, `orgs`),
//! `dmos_realigned.mat` (`dmos_new`, `dmos_std`) and `refnames_all.mat` (`refnames_all`,
//! the reference file of each entry). Entries with `orgs == 1` are undistorted copies of
//! their reference and are left out: 779 items remain. DMOS: lower is better.

use std::path::Path;

use super::{RawItem, finish, stem};
use crate::files::{Folder, Resolver};
use crate::manifest::{LabelInfo, LabelKind, Manifest};
use crate::mat5::MatFile;
use crate::{DataError, Result};

/// The distortion folders in the order of the label vectors, with their image counts.
const FOLDERS: [(&str, usize); 5] = [
    ("jp2k", 227),
    ("jpeg", 233),
    ("wn", 174),
    ("gblur", 174),
    ("fastfading", 174),
];
const ENTRIES: usize = 982;
const NAME: &str = "live";

/// Which of LIVE's two DMOS releases to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LiveLabels {
    /// `dmos.mat: dmos`, the scores of the original release (no standard deviations).
    Dmos,
    /// `dmos_realigned.mat: dmos_new` with `dmos_std`, realigned across sessions (the
    /// default: the authors recommend it, and it carries standard deviations).
    #[default]
    Realigned,
}

pub(super) fn load(root: &Path, labels: LiveLabels) -> Result<Manifest> {
    let top = Folder::open(root)?;
    let refs = top.subfolder("refimgs", NAME)?;
    let dmos_file = top.require("dmos.mat", NAME)?;
    let names_file = top.require("refnames_all.mat", NAME)?;
    let dmos_mat = MatFile::read(&dmos_file)?;
    let orgs = vector(&dmos_mat, "orgs", &dmos_file)?;
    let names = MatFile::read(&names_file)?.strings("refnames_all", &names_file)?;
    check_len(&names, "refnames_all", &names_file)?;
    let (scores, stds, labels_file, source) = match labels {
        LiveLabels::Dmos => (
            vector(&dmos_mat, "dmos", &dmos_file)?,
            None,
            dmos_file.clone(),
            "dmos.mat: dmos",
        ),
        LiveLabels::Realigned => {
            let file = top.require("dmos_realigned.mat", NAME)?;
            let mat = MatFile::read(&file)?;
            let scores = vector(&mat, "dmos_new", &file)?;
            let stds = vector(&mat, "dmos_std", &file)?;
            (
                scores,
                Some(stds),
                file,
                "dmos_realigned.mat: dmos_new, dmos_std",
            )
        }
    };
    let mut resolver = Resolver::default();
    let mut folders = vec![];
    let mut raw = Vec::new();
    let mut entry = 0;
    for (folder_name, count) in FOLDERS {
        let folder = top.subfolder(folder_name, NAME)?;
        for k in 1..=count {
            let dist = resolver.find(&folder, &format!("img{k}.bmp"));
            if orgs[entry] != 1.0 {
                let reference = resolver.find(&refs, &names[entry]);
                raw.push((
                    format!("entry {} ({folder_name}/img{k}.bmp)", entry + 1),
                    RawItem {
                        dist,
                        reference: Some(reference),
                        ref_id: Some(stem(&names[entry])),
                        dist_type: Some(folder_name.to_string()),
                        dist_level: None,
                        raw_score: scores[entry],
                        score_std: stds.as_ref().map(|s| s[entry]),
                    },
                ));
            }
            entry += 1;
        }
        folders.push(folder);
    }
    let mut checked: Vec<&Folder> = folders.iter().collect();
    checked.push(&refs);
    resolver.finish(NAME, &checked)?;
    let label = LabelInfo {
        kind: LabelKind::Dmos,
        higher_is_better: false,
        range: (0.0, 100.0),
        source: source.to_string(),
    };
    // DMOS is nominally 0-100; realigned values slightly beyond occur, so only gross
    // errors (outside -50..150) are refused.
    finish(NAME, root, label, (-50.0, 150.0), &labels_file, raw)
}

/// A 982-entry numeric variable.
fn vector(mat: &MatFile, name: &str, path: &Path) -> Result<Vec<f64>> {
    let v = mat.numbers(name, path)?;
    check_len(&v, name, path)?;
    Ok(v)
}

fn check_len<T>(v: &[T], name: &str, path: &Path) -> Result<()> {
    if v.len() != ENTRIES {
        return Err(DataError::Labels {
            path: path.to_path_buf(),
            reason: format!(
                "`{name}` has {} entries; LIVE Release 2 has {ENTRIES} (227 jp2k, 233 jpeg, 174 wn, 174 gblur, 174 fastfading)",
                v.len()
            ),
        });
    }
    Ok(())
}
