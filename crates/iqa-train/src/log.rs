//! The JSONL log of a run: one JSON object per logged step (appended and flushed, so a
//! crashed run keeps its log up to the crash).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Result, file_error};

/// An append-only JSON-lines file.
#[derive(Debug)]
pub struct JsonLog {
    path: PathBuf,
    file: File,
}

impl JsonLog {
    /// Opens `path` for appending (created if missing). A resumed run first drops the
    /// lines logged after its checkpoint's step, so the log matches the run.
    pub fn open(path: &Path, keep_up_to_step: Option<u64>) -> Result<JsonLog> {
        if let Some(step) = keep_up_to_step
            && let Ok(text) = std::fs::read_to_string(path)
        {
            let kept: String = text
                .lines()
                .filter(|line| {
                    serde_json::from_str::<serde_json::Value>(line)
                        .ok()
                        .and_then(|v| v.get("step").and_then(serde_json::Value::as_u64))
                        .is_some_and(|s| s <= step)
                })
                .map(|l| format!("{l}\n"))
                .collect();
            iqa_io::atomic::write_bytes_atomic(path, kept.as_bytes())?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| file_error(path, e))?;
        Ok(JsonLog {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends one record.
    pub fn write(&mut self, record: &serde_json::Value) -> Result<()> {
        writeln!(self.file, "{record}").map_err(|e| file_error(&self.path, e))?;
        self.file.flush().map_err(|e| file_error(&self.path, e))
    }
}
