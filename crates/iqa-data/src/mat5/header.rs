//! The fixed 128-byte file header: its length, and the check of the endian indicator
//! and version that refuses big-endian, v4 and MATLAB 7.3 (HDF5) files with a clear reason.

/// Length of the fixed file header: 116 bytes of text, 8 of subsystem data offset,
/// a 2-byte version and a 2-byte endian indicator.
pub(super) const HEADER_LEN: usize = 128;

/// Checks the 128-byte header and returns the bytes after it.
pub(super) fn check_header(bytes: &[u8]) -> std::result::Result<&[u8], String> {
    let (header, body) = bytes.split_at_checked(HEADER_LEN).ok_or_else(|| {
        format!(
            "the file is {} bytes, shorter than the {HEADER_LEN}-byte MAT-file header",
            bytes.len()
        )
    })?;
    // The writer stores the characters 'M','I' as one 16-bit integer in its own byte
    // order, so a little-endian file reads "IM" and a big-endian one "MI".
    match header.get(126..128) {
        Some(b"IM") => {}
        Some(b"MI") => {
            return Err(
                "a big-endian MAT-file (endian indicator `MI` at byte 126); \
                 only little-endian files are supported"
                    .to_string(),
            );
        }
        _ => {
            return Err(
                "not a MATLAB v5 MAT-file: no endian indicator `IM` at byte 126 \
                 (a MATLAB v4 file, or not a .mat file at all)"
                    .to_string(),
            );
        }
    }
    let version = match header.get(124..126) {
        Some(&[low, high]) => u16::from_le_bytes([low, high]),
        _ => 0,
    };
    match version {
        0x0100 => Ok(body),
        0x0200 => Err(
            "a MATLAB 7.3 (HDF5) file, which this reader does not support; \
             save it again in MATLAB with `save(..., '-v7')`"
                .to_string(),
        ),
        other => Err(format!(
            "unknown MAT-file version {other:#06x} at byte 124 (expected 0x0100)"
        )),
    }
}
