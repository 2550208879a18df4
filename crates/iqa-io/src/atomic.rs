//! Atomic file output.
//!
//! A file is written under a temporary name in its destination's folder,
//! `.NAME.partial-PID-N` (unique per process and write), and renamed to `NAME` only when
//! complete, so readers see the old file or the new one, never half of one. An
//! [`AtomicFile`] dropped before [`AtomicFile::commit`] (an error, a panic) removes its
//! temporary file. A process killed outright cannot clean up, so every new write to
//! the first write of a process into a folder removes the temporaries there whose process
//! no longer runs (on Linux, by `/proc/PID`; elsewhere those older than a day). The folder
//! is listed once per process, so writing many files into one folder stays linear. Temporary files are created with the
//! default permissions of a new file (`0666` less the umask on Unix), the same as the
//! renamed file would get from `std::fs::write`. Errors name the target, never the
//! temporary name.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::{IoError, Result};

/// Writes made by this process so far: the `N` of the temporary names.
static WRITES: AtomicU64 = AtomicU64::new(0);

/// Where a killed process's temporaries are old enough to remove, where liveness cannot
/// be checked.
const STALE_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// A file being written; it replaces its target only on [`AtomicFile::commit`].
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
}

fn file_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> IoError {
    let path = path.to_path_buf();
    move |source| IoError::File {
        action,
        path,
        source,
    }
}

/// The folder a target lives in (`.` for a bare file name).
fn folder_of(target: &Path) -> &Path {
    match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The marker every temporary name carries: `.NAME.partial-PID-N`.
const PARTIAL: &str = ".partial-";

/// The prefix of every temporary name of `target`: `.NAME.partial-`.
fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    format!(".{name}{PARTIAL}")
}

/// Folders this process has already cleaned of stale temporaries.
static CLEANED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

impl AtomicFile {
    /// Starts writing what will become `target` (whose folder must exist).
    pub fn create(target: impl AsRef<Path>) -> Result<AtomicFile> {
        let target = target.as_ref().to_path_buf();
        let folder = folder_of(&target);
        let prefix = temp_prefix(&target);
        let first_visit = CLEANED
            .lock()
            .map(|mut cleaned| {
                cleaned
                    .get_or_insert_with(HashSet::new)
                    .insert(folder.to_path_buf())
            })
            .unwrap_or(true);
        if first_visit {
            remove_stale(folder);
        }
        let n = WRITES.fetch_add(1, Ordering::Relaxed);
        let temp = folder.join(format!("{prefix}{}-{n}", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(file_error("create", &target))?;
        Ok(AtomicFile {
            target,
            temp,
            writer: Some(BufWriter::new(file)),
        })
    }

    /// The file this will become.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Finishes the file and renames it into place.
    pub fn commit(mut self) -> Result<()> {
        if let Some(mut writer) = self.writer.take() {
            writer.flush().map_err(file_error("write", &self.target))?;
        }
        let renamed = std::fs::rename(&self.temp, &self.target);
        if renamed.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        renamed.map_err(file_error("write", &self.target))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.writer {
            Some(w) => w.write(buf),
            None => Err(std::io::Error::other("the file was already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.writer {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            // Not committed: leave the target as it was. Best effort.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes `target` atomically through `write`, which receives the open file: the target
/// is replaced only when `write` and the final flush succeed.
pub fn write_atomic<E: From<IoError>>(
    target: impl AsRef<Path>,
    write: impl FnOnce(&mut AtomicFile) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut file = AtomicFile::create(target)?;
    write(&mut file)?;
    Ok(file.commit()?)
}

/// Writes `bytes` to `target` atomically.
pub fn write_bytes_atomic(target: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let target = target.as_ref();
    write_atomic(target, |file| {
        file.write_all(bytes).map_err(file_error("write", target))
    })
}

/// Removes the temporaries in `folder` (`.NAME.partial-PID-N`) whose process is gone.
/// Best effort: a folder that cannot be listed is left alone (creating the new temporary
/// then reports the real problem).
fn remove_stale(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name
            .to_str()
            .filter(|n| n.starts_with('.'))
            .and_then(|n| n.rsplit_once(PARTIAL))
            .map(|(_, rest)| rest)
        else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if is_stale(pid, &entry) {
            tracing::debug!(
                "removing `{}`, left by a killed write",
                entry.path().display()
            );
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether a temporary written by `pid` is left over from a process that no longer runs.
fn is_stale(pid: Option<u32>, entry: &std::fs::DirEntry) -> bool {
    if pid == Some(std::process::id()) {
        return false;
    }
    #[cfg(target_os = "linux")]
    if let Some(pid) = pid {
        return !Path::new(&format!("/proc/{pid}")).exists();
    }
    entry
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > STALE_AGE)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_replaces_the_target_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(names(dir.path()), vec!["out.csv"]);
    }

    #[test]
    fn an_error_or_a_drop_leaves_the_target_untouched_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();
        let failed: std::result::Result<(), IoError> = write_atomic(&target, |f| {
            f.write_all(b"half").unwrap();
            Err(IoError::Decode {
                path: target.clone(),
                reason: "stop".into(),
            })
        });
        assert!(failed.is_err());
        drop(AtomicFile::create(&target).unwrap());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(names(dir.path()), vec!["out.csv"]);
    }

    #[test]
    fn temporaries_of_dead_processes_are_removed_by_the_first_write_into_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("model.safetensors");
        // A pid that cannot run (above Linux's pid_max), for this target and another; a
        // file that only looks similar.
        let dead = dir.path().join(".model.safetensors.partial-4294967295-0");
        let other = dir.path().join(".other.csv.partial-4294967295-3");
        let unrelated = dir.path().join("notes.partial-4294967295-0");
        for f in [&dead, &other, &unrelated] {
            std::fs::write(f, "x").unwrap();
        }
        let mine = dir.path().join(format!(
            ".model.safetensors.partial-{}-999999",
            std::process::id()
        ));
        std::fs::write(&mine, "x").unwrap();
        write_bytes_atomic(&target, b"ok").unwrap();
        let left = names(dir.path());
        if cfg!(target_os = "linux") {
            assert!(!dead.exists() && !other.exists(), "{left:?}");
        }
        assert!(unrelated.exists(), "{left:?}");
        assert!(mine.exists(), "a temporary of this live process stays");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "ok");
        // The folder is listed once per process: a later stale file stays until next run.
        std::fs::write(&dead, "x").unwrap();
        write_bytes_atomic(&target, b"again").unwrap();
        assert!(dead.exists());
    }

    #[test]
    fn errors_name_the_target_not_the_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("missing").join("out.csv");
        let err = AtomicFile::create(&target).unwrap_err().to_string();
        assert!(
            err.contains("missing/out.csv") && !err.contains("partial"),
            "{err}"
        );
        assert_eq!(err.matches("out.csv").count(), 1, "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_those_of_an_ordinary_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "x").unwrap();
        let atomic = dir.path().join("atomic");
        write_bytes_atomic(&atomic, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&atomic), mode(&plain));
    }
}
