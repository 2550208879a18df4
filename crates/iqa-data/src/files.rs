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
}

impl Folder {
    /// Lists `path` (which must be a folder).
    pub(crate) fn open(path: &Path) -> Result<Folder> {
        let mut by_lower_name = HashMap::new();
        for entry in std::fs::read_dir(path).map_err(io(path))? {
            let entry = entry.map_err(io(path))?;
            let name = entry.file_name().to_string_lossy().to_string();
            by_lower_name.insert(name.to_lowercase(), entry.path());
        }
        Ok(Folder {
            path: path.to_path_buf(),
            by_lower_name,
        })
    }

    /// The entry named `name`, compared case-insensitively.
    pub(crate) fn get(&self, name: &str) -> Option<&PathBuf> {
        self.by_lower_name.get(&name.to_lowercase())
    }

    /// The entry named `name`, or the layout error naming what is absent.
    pub(crate) fn require(&self, name: &str, database: &str) -> Result<PathBuf> {
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
    used: BTreeSet<PathBuf>,
}

impl Resolver {
    /// `name` in `folder`; a missing file is recorded and a placeholder path returned.
    pub(crate) fn find(&mut self, folder: &Folder, name: &str) -> PathBuf {
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

    /// Errors if any listed file was missing, or if `folders` hold image files that no
    /// label named.
    pub(crate) fn finish(self, database: &str, folders: &[&Folder]) -> Result<()> {
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
