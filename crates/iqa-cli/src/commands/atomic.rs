//! Files that appear whole or not at all: written to a temporary name in the same
//! folder, renamed into place when finished.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A file being written; it replaces its target only on [`AtomicFile::flush`] at the end
/// of a successful run (dropping it unfinished removes the temporary file).
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing what will become `target`.
    pub fn create(target: &Path) -> Result<Self> {
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("output");
        let temp = target.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let file =
            File::create(&temp).with_context(|| format!("cannot create `{}`", temp.display()))?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temp,
            file: Some(BufWriter::new(file)),
        })
    }

    /// Finishes the file and renames it into place.
    pub fn commit(mut self) -> Result<()> {
        if let Some(mut file) = self.file.take() {
            file.flush()
                .with_context(|| format!("cannot write `{}`", self.temp.display()))?;
        }
        std::fs::rename(&self.temp, &self.target).with_context(|| {
            format!(
                "cannot rename `{}` to `{}`",
                self.temp.display(),
                self.target.display()
            )
        })
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            // Unfinished: leave the target untouched. Best effort.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}
