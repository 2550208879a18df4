//! The file body: its top-level elements, the `miCOMPRESSED` ones inflated, and each
//! named `miMATRIX` recorded as a variable of the [`MatFile`].

use std::io::Read;
use std::path::Path;

use flate2::read::ZlibDecoder;

use super::matrix::parse_matrix;
use super::reader::{Element, Origin, Parse, Reader, element_fault};
use super::{MatFile, MatValue, mi};

/// The most bytes one `miCOMPRESSED` element may inflate to (a guard against zip bombs).
/// The label files of the IQA databases hold kilobytes; 64 MiB leaves room for any of them
/// while bounding the reader's peak memory (the buffer grows by doubling) near 128 MiB.
const MAX_INFLATED: usize = 64 << 20;

/// Reads every top-level element of the file body into `file`.
pub(super) fn read_top_level(
    reader: &mut Reader<'_>,
    path: &Path,
    file: &mut MatFile,
) -> Parse<()> {
    loop {
        // A writer that pads compressed elements may leave a few zero bytes at the end.
        if reader.remaining() < 8 && reader.buf.get(reader.pos..).is_some_and(is_zeros) {
            return Ok(());
        }
        let Some(element) = reader.next()? else {
            return Ok(());
        };
        match element.ty {
            mi::MATRIX => add_variable(element, reader.origin, path, file)?,
            mi::COMPRESSED => {
                let inflated = inflate(element.data)
                    .map_err(|reason| element_fault(reader, &element, reason))?;
                let mut inner = Reader::new(&inflated, Origin::Inflated(element.offset), 0);
                while let Some(inner_element) = inner.next()? {
                    if inner_element.ty == mi::MATRIX {
                        add_variable(inner_element, inner.origin, path, file)?;
                    } else {
                        skip_element(path, inner_element.ty, "inside a compressed element");
                    }
                }
            }
            other => skip_element(path, other, "at the top level"),
        }
    }
}

fn is_zeros(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == 0)
}

fn skip_element(path: &Path, ty: u32, place: &str) {
    tracing::debug!(file = %path.display(), element_type = ty, "skipping a non-array element {place}");
}

/// Parses one top-level `miMATRIX` and records it as a variable.
fn add_variable(
    element: Element<'_>,
    origin: Origin,
    path: &Path,
    file: &mut MatFile,
) -> Parse<()> {
    let (name, value) = parse_matrix(element, origin, 0)?;
    if name.is_empty() {
        // MATLAB's subsystem data (for objects) is an unnamed top-level array.
        tracing::debug!(file = %path.display(), "skipping an unnamed top-level array");
        return Ok(());
    }
    if let MatValue::Unsupported { class } = &value {
        tracing::debug!(file = %path.display(), variable = %name, %class, "variable not decoded");
    }
    file.variables.push((name, value));
    Ok(())
}

/// Inflates the zlib stream of an `miCOMPRESSED` element. flate2's reader reports a
/// stream that is cut short or fails its checksum as an error (tested in `tests.rs`).
pub(super) fn inflate(input: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    // One byte over the limit is enough to tell that the limit is exceeded.
    let limit = u64::try_from(MAX_INFLATED)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    ZlibDecoder::new(input)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| format!("bad zlib stream in a compressed element: {e}"))?;
    if out.len() > MAX_INFLATED {
        return Err(format!(
            "compressed data inflates to more than {MAX_INFLATED} bytes"
        ));
    }
    Ok(out)
}
