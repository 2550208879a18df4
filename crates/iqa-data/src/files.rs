//! Finding a database's files whatever the case of their names (copies of the databases
//! differ: `I01.BMP` or `i01.bmp`, `dst_imgs/AWGN` or `dst_imgs/awgn`), and checking that
//! the files the labels name are exactly the files on disk.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::error::io;
use crate::{DataError, Result};

/// Extensions counted as image files when looking for extra files.
const IMAGE_EXTENSIONS: [&str; 6] = ["bmp", "png", "jpg", "jpeg", "tif", "tiff"];

/// The entries of one folder, found by case-insensitive name.
#[derive(Debug, Clone)]
pub(crate) struct Folder {
    path: PathBuf,
    by_lower_name: HashMap<String, PathBuf>,
    /// Names that more than one entry has when case is ignored (`a.BMP` and `A.bmp`),
    /// with every entry of that name, sorted.
    clashes: HashMap<String, Vec<PathBuf>>,
}

impl Folder {
    /// Lists `path` (which must be a folder).
    pub(crate) fn open(path: &Path) -> Result<Folder> {
        let mut by_lower_name: HashMap<String, PathBuf> = HashMap::new();
        let mut clashes: HashMap<String, Vec<PathBuf>> = HashMap::new();
        for entry in std::fs::read_dir(path).map_err(io(path))? {
            let entry = entry.map_err(io(path))?;
            let lower = entry.file_name().to_string_lossy().to_lowercase();
            if let Some(first) = by_lower_name.get(&lower) {
                let all = clashes.entry(lower).or_insert_with(|| vec![first.clone()]);
                all.push(entry.path());
                all.sort();
            } else {
                by_lower_name.insert(lower, entry.path());
            }
        }
        Ok(Folder {
            path: path.to_path_buf(),
            by_lower_name,
            clashes,
        })
    }

    /// The entry named `name`, compared case-insensitively (the first one listed when
    /// several match: see [`Self::clash`]).
    pub(crate) fn get(&self, name: &str) -> Option<&PathBuf> {
        self.by_lower_name.get(&name.to_lowercase())
    }

    /// Every entry whose name is `name` when case is ignored, when there is more than one.
    pub(crate) fn clash(&self, name: &str) -> Option<&[PathBuf]> {
        self.clashes.get(&name.to_lowercase()).map(Vec::as_slice)
    }

    /// The entry named `name`, or the layout error naming what is absent or ambiguous.
    pub(crate) fn require(&self, name: &str, database: &str) -> Result<PathBuf> {
        if let Some(all) = self.clash(name) {
            return Err(DataError::AmbiguousFiles {
                database: database.to_string(),
                count: 1,
                first: first_few(&[names_of(all)]),
            });
        }
        self.get(name)
            .cloned()
            .ok_or_else(|| DataError::MissingLayout {
                database: database.to_string(),
                root: self.path.clone(),
                expected: name.to_string(),
            })
    }

    /// The sub-folder named `name` (case-insensitive), listed.
    pub(crate) fn subfolder(&self, name: &str, database: &str) -> Result<Folder> {
        let path = self.require(name, database)?;
        if !path.is_dir() {
            return Err(DataError::MissingLayout {
                database: database.to_string(),
                root: self.path.clone(),
                expected: format!("{name}/ (a folder)"),
            });
        }
        Folder::open(&path)
    }

    /// The folder's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The image files in this folder (by extension).
    pub(crate) fn images(&self) -> impl Iterator<Item = &PathBuf> {
        self.by_lower_name.iter().filter_map(|(name, path)| {
            let ext = name.rsplit('.').next().unwrap_or("");
            (name.contains('.') && IMAGE_EXTENSIONS.contains(&ext)).then_some(path)
        })
    }
}

/// Resolves names listed in a label file against folders, collecting the missing ones so
/// that one error can report them all.
#[derive(Debug, Default)]
pub(crate) struct Resolver {
    missing: Vec<String>,
    ambiguous: Vec<String>,
    used: BTreeSet<PathBuf>,
}

impl Resolver {
    /// `name` in `folder`; a missing file is recorded and a placeholder path returned.
    pub(crate) fn find(&mut self, folder: &Folder, name: &str) -> PathBuf {
        if let Some(all) = folder.clash(name) {
            self.ambiguous.push(names_of(all));
            self.used.extend(all.iter().cloned());
        }
        match folder.get(name) {
            Some(path) => {
                self.used.insert(path.clone());
                path.clone()
            }
            None => {
                let path = folder.path().join(name);
                self.missing.push(path.display().to_string());
                path
            }
        }
    }

    /// Errors if any listed file was missing or matched several files whose names differ
    /// only in case, or if `folders` hold image files that no label named.
    pub(crate) fn finish(mut self, database: &str, folders: &[&Folder]) -> Result<()> {
        if !self.ambiguous.is_empty() {
            self.ambiguous.sort();
            self.ambiguous.dedup();
            return Err(DataError::AmbiguousFiles {
                database: database.to_string(),
                count: self.ambiguous.len(),
                first: first_few(&self.ambiguous),
            });
        }
        if !self.missing.is_empty() {
            return Err(DataError::MissingFiles {
                database: database.to_string(),
                count: self.missing.len(),
                first: first_few(&self.missing),
            });
        }
        let mut extra: Vec<String> = folders
            .iter()
            .flat_map(|f| f.images())
            .filter(|p| !self.used.contains(*p))
            .map(|p| p.display().to_string())
            .collect();
        extra.sort();
        if !extra.is_empty() {
            return Err(DataError::ExtraFiles {
                database: database.to_string(),
                count: extra.len(),
                first: first_few(&extra),
            });
        }
        Ok(())
    }
}

/// The paths of one clash, joined with " and ".
fn names_of(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join("` and `")
}

/// The first five entries, comma-separated, with "..." when there are more.
pub(crate) fn first_few(names: &[String]) -> String {
    let mut s = names
        .iter()
        .take(5)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 5 {
        s.push_str(", ...");
    }
    s
}
