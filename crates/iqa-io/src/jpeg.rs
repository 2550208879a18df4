//! A structural check that a JPEG file is complete.
//!
//! JPEG decoders recover from a file that stops in the middle of its entropy-coded data
//! (grey or repeated blocks where the data is missing) without an error; a truncated
//! download would then be scored as a badly distorted image. This walk over the marker
//! segments requires the end-of-image marker after the last scan, as Pillow does.

/// Where a JPEG file's structure breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JpegDefect {
    /// The file does not start with the start-of-image marker.
    NoStart,
    /// The file ends before its end-of-image marker (it was cut short).
    Truncated {
        /// The file's length in bytes.
        length: usize,
    },
    /// A byte where a marker was expected is not one.
    NotAMarker {
        /// The offset of that byte.
        offset: usize,
    },
    /// A segment's declared length is below the minimum of 2.
    BadSegmentLength {
        /// The offset of the segment's length field.
        offset: usize,
    },
}

impl std::fmt::Display for JpegDefect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JpegDefect::NoStart => f.write_str("no JPEG start-of-image marker"),
            JpegDefect::Truncated { length } => write!(
                f,
                "the JPEG data stops after {length} bytes, before its end-of-image marker (the file is truncated)"
            ),
            JpegDefect::NotAMarker { offset } => {
                write!(f, "expected a JPEG marker at byte {offset}")
            }
            JpegDefect::BadSegmentLength { offset } => {
                write!(f, "invalid JPEG segment length at byte {offset}")
            }
        }
    }
}

const MARKER: u8 = 0xFF;
const START_OF_IMAGE: u8 = 0xD8;
const END_OF_IMAGE: u8 = 0xD9;
const START_OF_SCAN: u8 = 0xDA;

/// Whether `bytes` start like a JPEG file.
pub fn looks_like_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[MARKER, START_OF_IMAGE])
}

/// Checks that `bytes` hold a JPEG file whose marker segments and scans run up to an
/// end-of-image marker (bytes after it are allowed, as decoders ignore them).
pub fn check_complete(bytes: &[u8]) -> Result<(), JpegDefect> {
    if !looks_like_jpeg(bytes) {
        return Err(JpegDefect::NoStart);
    }
    let truncated = JpegDefect::Truncated {
        length: bytes.len(),
    };
    let mut i = 2;
    loop {
        if i >= bytes.len() {
            return Err(truncated);
        }
        if bytes[i] != MARKER {
            return Err(JpegDefect::NotAMarker { offset: i });
        }
        // Any number of fill bytes (0xFF) may precede a marker.
        while i < bytes.len() && bytes[i] == MARKER {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return Err(truncated);
        };
        i += 1;
        match marker {
            END_OF_IMAGE => return Ok(()),
            // Markers without a segment: restart markers and TEM.
            0xD0..=0xD7 | 0x01 => continue,
            _ => {}
        }
        let (Some(&high), Some(&low)) = (bytes.get(i), bytes.get(i + 1)) else {
            return Err(truncated);
        };
        let length = usize::from(u16::from_be_bytes([high, low]));
        if length < 2 {
            return Err(JpegDefect::BadSegmentLength { offset: i });
        }
        i += length;
        if marker == START_OF_SCAN {
            // Entropy-coded data: a 0xFF byte is followed by a stuffed zero or a restart
            // marker; anything else is the next marker.
            loop {
                let (Some(&a), Some(&b)) = (bytes.get(i), bytes.get(i + 1)) else {
                    return Err(truncated);
                };
                if a == MARKER && b != 0 && !(0xD0..=0xD7).contains(&b) {
                    break;
                }
                i += 1;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn encoded(progressive_like_trailer: bool) -> Vec<u8> {
        let img = image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x * y) % 251) as u8])
        });
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
            .encode_image(&img)
            .unwrap();
        if progressive_like_trailer {
            bytes.extend_from_slice(b"trailing bytes after the end-of-image marker");
        }
        bytes
    }

    #[test]
    fn a_whole_file_passes_and_trailing_bytes_are_allowed() {
        assert_eq!(check_complete(&encoded(false)), Ok(()));
        assert_eq!(check_complete(&encoded(true)), Ok(()));
    }

    #[test]
    fn every_cut_is_found() {
        let bytes = encoded(false);
        // Cutting anywhere before the final marker breaks the file.
        for cut in [
            1,
            2,
            3,
            20,
            bytes.len() / 2,
            bytes.len() - 2,
            bytes.len() - 1,
        ] {
            let err = check_complete(&bytes[..cut]).unwrap_err();
            assert!(
                matches!(err, JpegDefect::Truncated { .. } | JpegDefect::NoStart),
                "cut at {cut}: {err:?}"
            );
        }
    }

    #[test]
    fn garbage_where_a_marker_belongs_is_named() {
        let mut bytes = encoded(false);
        bytes[2] = 0x12;
        assert_eq!(
            check_complete(&bytes),
            Err(JpegDefect::NotAMarker { offset: 2 })
        );
    }
}
