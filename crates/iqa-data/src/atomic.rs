//! Atomic file output: everything is written to a temporary file in the destination's
//! folder (named `.partial-*`) and renamed into place, so a crash or a kill never leaves a
//! half-written file under the real name.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::io;
use crate::{DataError, Result};

/// Writes `path` through `write`, atomically: the closure writes into a temporary file
/// beside `path`, which is renamed into place only when everything succeeded.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut File>) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".partial-")
        .tempfile_in(dir)
        .map_err(io(dir))?;
    {
        let mut writer = BufWriter::new(tmp.as_file_mut());
        write(&mut writer)?;
        writer.flush().map_err(io(path))?;
    }
    tmp.persist(path).map_err(|e| DataError::Io {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}
