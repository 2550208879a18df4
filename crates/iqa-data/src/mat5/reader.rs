//! The data element reader: [`Reader`] walks the tagged elements of one buffer (normal
//! and "small" elements, with their padding), and [`Fault`] records where a malformed
//! stretch of bytes is, in file offsets or offsets into inflated data.

use std::path::Path;

use super::{mat_error, mi};
use crate::DataError;

/// Where a buffer being parsed comes from, for error messages.
#[derive(Debug, Clone, Copy)]
pub(super) enum Origin {
    /// The file itself; offsets are file offsets.
    File,
    /// The inflated contents of the `miCOMPRESSED` element whose tag is at this file offset.
    Inflated(usize),
}

/// A malformed stretch of bytes: where, what, and in which variable if known.
#[derive(Debug)]
pub(super) struct Fault {
    origin: Origin,
    offset: usize,
    variable: Option<String>,
    reason: String,
}

impl Fault {
    pub(super) fn into_error(self, path: &Path) -> DataError {
        let place = match self.origin {
            Origin::File => format!("byte {}", self.offset),
            Origin::Inflated(element) => format!(
                "byte {} of the data inflated from the compressed element at byte {element}",
                self.offset
            ),
        };
        let reason = match self.variable {
            Some(name) => format!("variable `{name}`, {place}: {}", self.reason),
            None => format!("{place}: {}", self.reason),
        };
        mat_error(path, reason)
    }

    /// Names the variable, unless an inner level already did.
    pub(super) fn in_variable(mut self, name: &str) -> Fault {
        if self.variable.is_none() && !name.is_empty() {
            self.variable = Some(name.to_string());
        }
        self
    }
}

pub(super) type Parse<T> = std::result::Result<T, Fault>;

/// One data element: its type, its data (without padding) and where its tag starts.
#[derive(Debug, Clone, Copy)]
pub(super) struct Element<'a> {
    pub(super) ty: u32,
    pub(super) data: &'a [u8],
    /// Offset of the tag in its origin (the file, or an inflated buffer).
    pub(super) offset: usize,
    /// Offset of the first data byte, likewise.
    pub(super) data_offset: usize,
}

/// Walks the data elements of one buffer (the file body, an inflated element, or the
/// contents of an `miMATRIX`).
pub(super) struct Reader<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
    pub(super) origin: Origin,
    /// Offset of `buf[0]` in the origin's coordinates, so messages give file offsets.
    base: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(buf: &'a [u8], origin: Origin, base: usize) -> Reader<'a> {
        Reader {
            buf,
            pos: 0,
            origin,
            base,
        }
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    pub(super) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// A fault at `pos` (an index into `buf`).
    pub(super) fn fault_at(&self, pos: usize, reason: impl Into<String>) -> Fault {
        Fault {
            origin: self.origin,
            offset: self.base.saturating_add(pos),
            variable: None,
            reason: reason.into(),
        }
    }

    fn u32_at(&self, pos: usize) -> Option<u32> {
        match self.buf.get(pos..pos.checked_add(4)?)? {
            &[a, b, c, d] => Some(u32::from_le_bytes([a, b, c, d])),
            _ => None,
        }
    }

    /// The next element, or `None` at the end of the buffer.
    pub(super) fn next(&mut self) -> Parse<Option<Element<'a>>> {
        if self.at_end() {
            return Ok(None);
        }
        let start = self.pos;
        let first = self
            .u32_at(start)
            .ok_or_else(|| self.fault_at(start, "truncated element tag"))?;
        if first >> 16 != 0 {
            return self.small_element(start, first).map(Some);
        }
        let size = self
            .u32_at(start + 4)
            .ok_or_else(|| self.fault_at(start, "truncated element tag"))?;
        let size = usize::try_from(size)
            .map_err(|_| self.fault_at(start, format!("element size {size} is too large")))?;
        let data_start = start + 8;
        let data_end = data_start
            .checked_add(size)
            .filter(|&end| end <= self.buf.len());
        let Some(data_end) = data_end else {
            return Err(self.fault_at(
                start,
                format!(
                    "element of {size} bytes runs past the end ({} bytes remain after its tag)",
                    self.buf.len().saturating_sub(data_start)
                ),
            ));
        };
        // Every element's data is padded to a multiple of 8 bytes, except that
        // compressed elements are not padded at all.
        let next = if first == mi::COMPRESSED {
            data_end
        } else {
            let padded = size
                .checked_next_multiple_of(8)
                .and_then(|p| data_start.checked_add(p));
            padded.filter(|&end| end <= self.buf.len()).ok_or_else(|| {
                self.fault_at(
                    start,
                    format!("the padding after a {size}-byte element is cut off"),
                )
            })?
        };
        self.pos = next;
        Ok(Some(Element {
            ty: first,
            data: self.buf.get(data_start..data_end).unwrap_or_default(),
            offset: self.base + start,
            data_offset: self.base + data_start,
        }))
    }

    /// A "small data element": the tag's first 4 bytes hold the size in the upper two
    /// bytes and the type in the lower two, and up to 4 bytes of data follow in the
    /// same 8-byte slot.
    fn small_element(&mut self, start: usize, first: u32) -> Parse<Element<'a>> {
        let size = (first >> 16) as usize;
        let ty = first & 0xffff;
        if size > 4 {
            return Err(self.fault_at(
                start,
                format!("small data element claims {size} bytes (at most 4 fit)"),
            ));
        }
        // The whole 8-byte slot must be there, even when the data is shorter.
        if self.remaining() < 8 {
            return Err(self.fault_at(start, "truncated small data element"));
        }
        let data = self
            .buf
            .get(start + 4..start + 4 + size)
            .unwrap_or_default();
        self.pos = start + 8;
        Ok(Element {
            ty,
            data,
            offset: self.base + start,
            data_offset: self.base + start + 4,
        })
    }

    /// The next element, which must exist; `what` names it for the message.
    pub(super) fn expect(&mut self, what: &str) -> Parse<Element<'a>> {
        let pos = self.pos;
        self.next()?
            .ok_or_else(|| self.fault_at(pos, format!("the array ends before its {what}")))
    }
}

/// A fault at an element's tag.
pub(super) fn element_fault(
    reader: &Reader<'_>,
    element: &Element<'_>,
    reason: impl Into<String>,
) -> Fault {
    reader.fault_at(element.offset.saturating_sub(reader.base), reason)
}

/// Splits `bytes` into N-byte groups (a trailing partial group is dropped) and converts each.
pub(super) fn le_values<const N: usize, T>(bytes: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
    bytes
        .chunks_exact(N)
        .map(|chunk| {
            let mut group = [0u8; N];
            group.copy_from_slice(chunk);
            f(group)
        })
        .collect()
}
