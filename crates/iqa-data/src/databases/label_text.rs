//! Reading a database's plain-text label file whatever its encoding: some are distributed
//! as UTF-16 (SCID's `MOS_SCID.txt`, saved by a Windows editor), others as ASCII or UTF-8.

use std::path::Path;

use crate::{DataError, Result};

/// The text of `path`: UTF-16 when it starts with a byte-order mark (or, without one, when
/// every second byte of its start is zero, as in little- or big-endian UTF-16 of ASCII
/// text), else UTF-8 with an optional byte-order mark.
pub(crate) fn read_label_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(crate::error::io(path))?;
    let bad = |reason: String| DataError::Labels {
        path: path.to_path_buf(),
        reason,
    };
    if let Some(endian) = utf16_endianness(&bytes) {
        let body = match bytes.get(..2) {
            Some([0xFF, 0xFE]) | Some([0xFE, 0xFF]) => &bytes[2..],
            _ => &bytes[..],
        };
        if body.len() % 2 != 0 {
            return Err(bad(format!(
                "looks like UTF-16 but has an odd number of bytes ({})",
                bytes.len()
            )));
        }
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| match endian {
                Endian::Little => u16::from_le_bytes([c[0], c[1]]),
                Endian::Big => u16::from_be_bytes([c[0], c[1]]),
            })
            .collect();
        return String::from_utf16(&units)
            .map_err(|e| bad(format!("looks like UTF-16 but does not decode: {e}")));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&bytes);
    String::from_utf8(body.to_vec()).map_err(|e| bad(format!("neither UTF-8 nor UTF-16 text: {e}")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endian {
    Little,
    Big,
}

/// The UTF-16 byte order of `bytes`, if they are UTF-16.
fn utf16_endianness(bytes: &[u8]) -> Option<Endian> {
    match bytes.get(..2) {
        Some([0xFF, 0xFE]) => return Some(Endian::Little),
        Some([0xFE, 0xFF]) => return Some(Endian::Big),
        _ => {}
    }
    // No mark: ASCII text in UTF-16 has a zero in every other byte.
    let start = &bytes[..bytes.len().min(64) & !1];
    if start.len() < 4 {
        return None;
    }
    let zeros_at = |parity: usize| {
        start
            .iter()
            .enumerate()
            .all(|(k, &b)| (k % 2 == parity) == (b == 0))
    };
    if zeros_at(1) {
        Some(Endian::Little)
    } else if zeros_at(0) {
        Some(Endian::Big)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little: bool, mark: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = mark
            .then_some(0xFEFF_u16)
            .into_iter()
            .chain(text.encode_utf16());
        for u in units {
            out.extend(if little {
                u.to_le_bytes()
            } else {
                u.to_be_bytes()
            });
        }
        out
    }

    #[test]
    fn every_encoding_reads_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let text = "SCI01 SCI01_1_1 62.5\r\nSCI01 SCI01_1_2 55.1\r\n";
        let mut variants = vec![text.as_bytes().to_vec()];
        variants.push([&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat());
        for little in [true, false] {
            for mark in [true, false] {
                variants.push(utf16(text, little, mark));
            }
        }
        for (k, bytes) in variants.iter().enumerate() {
            let path = dir.path().join(format!("{k}.txt"));
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(read_label_text(&path).unwrap(), text, "variant {k}");
        }
    }

    #[test]
    fn broken_text_is_refused_with_the_file_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mos.txt");
        std::fs::write(&path, [0xFF, 0xFE, 0x41]).unwrap();
        let err = read_label_text(&path).unwrap_err().to_string();
        assert!(
            err.contains("mos.txt") && err.contains("odd number"),
            "{err}"
        );
        std::fs::write(&path, [0x41, 0x42, 0xC3, 0x28, 0x43]).unwrap();
        let err = read_label_text(&path).unwrap_err().to_string();
        assert!(err.contains("neither UTF-8"), "{err}");
    }
}
