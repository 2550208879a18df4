//! A reader for the subset of the MATLAB v5 MAT-file format that the databases' label
//! files use (LIVE Release 2's `dmos.mat`, `dmos_realigned.mat` and `refnames_all.mat`).
//!
//! What it reads: little-endian v5 files, which is also what MATLAB 7 and later write by
//! default (`-v7`, where each variable sits in a zlib-compressed `miCOMPRESSED`
//! element); numeric arrays of every class and stored element type, converted to `f64`
//! (`int64`/`uint64` values above 2^53 lose precision); logical arrays as 0/1; char
//! arrays stored as `miUINT16`, `miUTF8`, `miUTF16`, `miUTF32`, `miUINT8` or `miINT8`;
//! cell arrays of any of these, nested; empty arrays; "small data elements".
//!
//! What it does not read: big-endian files and MATLAB 7.3 (`-v7.3`, HDF5) files are
//! refused with an error saying so; v4 files are refused as "not a v5 file". Complex,
//! sparse, struct, object, function-handle and opaque (`string`, `table`, ...) variables
//! are kept as [`MatValue::Unsupported`] naming their class, so one of them does not
//! spoil the rest of the file. Only bytes that are actually malformed (an element
//! running past its container, a bad zlib stream, data that does not match the
//! dimensions) fail the whole file, with an error naming the file, the variable where it
//! is known, and the byte offset.

use std::io::Read;
use std::path::Path;

use flate2::read::ZlibDecoder;

use crate::{DataError, Result};

/// Length of the fixed file header: 116 bytes of text, 8 of subsystem data offset,
/// a 2-byte version and a 2-byte endian indicator.
const HEADER_LEN: usize = 128;
/// Cells inside cells deeper than this are refused (a guard against stack exhaustion).
const MAX_DEPTH: usize = 32;
/// The most rows an empty (M x 0) char array may have.
const MAX_EMPTY_ROWS: usize = 1 << 16;
/// The most bytes one `miCOMPRESSED` element may inflate to (a guard against zip bombs).
const MAX_INFLATED: usize = 1 << 30;

/// Data element types (the `mi*` constants of the format).
mod mi {
    pub const INT8: u32 = 1;
    pub const UINT8: u32 = 2;
    pub const INT16: u32 = 3;
    pub const UINT16: u32 = 4;
    pub const INT32: u32 = 5;
    pub const UINT32: u32 = 6;
    pub const SINGLE: u32 = 7;
    pub const DOUBLE: u32 = 9;
    pub const INT64: u32 = 12;
    pub const UINT64: u32 = 13;
    pub const MATRIX: u32 = 14;
    pub const COMPRESSED: u32 = 15;
    pub const UTF8: u32 = 16;
    pub const UTF16: u32 = 17;
    pub const UTF32: u32 = 18;
}

/// Array classes (the `mx*_CLASS` constants), from the low byte of the array flags.
mod mx {
    pub const CELL: u8 = 1;
    pub const STRUCT: u8 = 2;
    pub const OBJECT: u8 = 3;
    pub const CHAR: u8 = 4;
    pub const SPARSE: u8 = 5;
    pub const DOUBLE: u8 = 6;
    pub const UINT64: u8 = 15;
    pub const FUNCTION: u8 = 16;
    pub const OPAQUE: u8 = 17;
}

/// Array flag bits above the class byte.
const FLAG_LOGICAL: u32 = 0x0200;
const FLAG_COMPLEX: u32 = 0x0800;

/// One MATLAB variable's value.
#[derive(Debug, Clone, PartialEq)]
pub enum MatValue {
    /// A numeric or logical array, column-major, converted to f64.
    Numeric {
        /// The dimensions, as the file gives them (MATLAB writes at least two).
        dims: Vec<usize>,
        /// The elements in column-major order.
        data: Vec<f64>,
    },
    /// A char array, one String per row.
    Char {
        /// The dimensions: rows, then columns (and any further dimensions).
        dims: Vec<usize>,
        /// One string per row; an M x N array gives M strings of N characters.
        rows: Vec<String>,
    },
    /// A cell array, column-major.
    Cell {
        /// The dimensions.
        dims: Vec<usize>,
        /// The cells in column-major order.
        items: Vec<MatValue>,
    },
    /// A class this reader does not decode (struct, sparse, complex, ...), by name.
    Unsupported {
        /// The class, e.g. `struct` or `complex double`.
        class: String,
    },
}

impl MatValue {
    /// A few words saying what the value is, for error messages.
    fn describe(&self) -> String {
        match self {
            MatValue::Numeric { dims, .. } => format!("a {} numeric array", dims_text(dims)),
            MatValue::Char { dims, .. } => format!("a {} char array", dims_text(dims)),
            MatValue::Cell { dims, .. } => format!("a {} cell array", dims_text(dims)),
            MatValue::Unsupported { class } => format!("a {class} value (not decoded)"),
        }
    }

    /// Whether the array has no elements.
    fn is_empty(&self) -> bool {
        match self {
            MatValue::Numeric { data, .. } => data.is_empty(),
            MatValue::Char { dims, .. } | MatValue::Cell { dims, .. } => dims.contains(&0),
            MatValue::Unsupported { .. } => false,
        }
    }
}

/// The variables of a .mat file, in file order.
#[derive(Debug, Clone, Default)]
pub struct MatFile {
    /// Each variable's name and value, in the order the file stores them.
    pub variables: Vec<(String, MatValue)>,
}

impl MatFile {
    /// Reads and parses the .mat file at `path`.
    pub fn read(path: &Path) -> Result<MatFile> {
        let bytes = std::fs::read(path).map_err(crate::error::io(path))?;
        MatFile::parse(&bytes, path)
    }

    /// Parses the bytes of a .mat file; `path` is only used in error messages.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<MatFile> {
        let body = check_header(bytes).map_err(|reason| mat_error(path, reason))?;
        let mut reader = Reader::new(body, Origin::File, HEADER_LEN);
        let mut file = MatFile::default();
        read_top_level(&mut reader, path, &mut file).map_err(|fault| fault.into_error(path))?;
        Ok(file)
    }

    /// The value of the variable `name`, if the file has one.
    pub fn get(&self, name: &str) -> Option<&MatValue> {
        self.variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value)
    }

    /// The variable as a flat f64 vector (numeric/logical only, column-major); an error
    /// naming the variable and what it is otherwise, or listing the variables present
    /// when it is absent.
    pub fn numbers(&self, name: &str, path: &Path) -> Result<Vec<f64>> {
        match self.require(name, path)? {
            MatValue::Numeric { data, .. } => Ok(data.clone()),
            other => Err(mat_error(
                path,
                format!("variable `{name}` is {}, not numbers", other.describe()),
            )),
        }
    }

    /// The variable as strings: a cell array of char arrays (one string per cell, each a
    /// single-row char array or empty, which gives "") or a char matrix (one string per
    /// row). An error when the variable is absent or anything else.
    pub fn strings(&self, name: &str, path: &Path) -> Result<Vec<String>> {
        match self.require(name, path)? {
            MatValue::Char { rows, .. } => Ok(rows.clone()),
            MatValue::Cell { items, .. } => items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    cell_string(item).ok_or_else(|| {
                        mat_error(
                            path,
                            format!(
                                "variable `{name}`: cell {} of {} is {}, not a one-row char array",
                                index + 1,
                                items.len(),
                                item.describe()
                            ),
                        )
                    })
                })
                .collect(),
            other => Err(mat_error(
                path,
                format!(
                    "variable `{name}` is {}, not a cell array of strings or a char array",
                    other.describe()
                ),
            )),
        }
    }

    /// The variable `name`, or an error listing the variables the file has.
    fn require(&self, name: &str, path: &Path) -> Result<&MatValue> {
        self.get(name).ok_or_else(|| {
            let present = if self.variables.is_empty() {
                "the file has no variables".to_string()
            } else {
                let names: Vec<String> = self
                    .variables
                    .iter()
                    .map(|(n, _)| format!("`{n}`"))
                    .collect();
                format!("the file has {}", names.join(", "))
            };
            mat_error(path, format!("no variable `{name}`; {present}"))
        })
    }
}

/// The string in one cell of a cell array of strings, if it is one.
fn cell_string(item: &MatValue) -> Option<String> {
    match item {
        MatValue::Char { rows, .. } if rows.len() <= 1 => {
            Some(rows.first().cloned().unwrap_or_default())
        }
        other if other.is_empty() => Some(String::new()),
        _ => None,
    }
}

fn mat_error(path: &Path, reason: String) -> DataError {
    DataError::Mat {
        path: path.to_path_buf(),
        reason,
    }
}

fn dims_text(dims: &[usize]) -> String {
    let parts: Vec<String> = dims.iter().map(usize::to_string).collect();
    parts.join("x")
}

/// Checks the 128-byte header and returns the bytes after it.
fn check_header(bytes: &[u8]) -> std::result::Result<&[u8], String> {
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

/// Where a buffer being parsed comes from, for error messages.
#[derive(Debug, Clone, Copy)]
enum Origin {
    /// The file itself; offsets are file offsets.
    File,
    /// The inflated contents of the `miCOMPRESSED` element whose tag is at this file offset.
    Inflated(usize),
}

/// A malformed stretch of bytes: where, what, and in which variable if known.
#[derive(Debug)]
struct Fault {
    origin: Origin,
    offset: usize,
    variable: Option<String>,
    reason: String,
}

impl Fault {
    fn into_error(self, path: &Path) -> DataError {
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
    fn in_variable(mut self, name: &str) -> Fault {
        if self.variable.is_none() && !name.is_empty() {
            self.variable = Some(name.to_string());
        }
        self
    }
}

type Parse<T> = std::result::Result<T, Fault>;

/// One data element: its type, its data (without padding) and where its tag starts.
#[derive(Debug, Clone, Copy)]
struct Element<'a> {
    ty: u32,
    data: &'a [u8],
    /// Offset of the tag in its origin (the file, or an inflated buffer).
    offset: usize,
    /// Offset of the first data byte, likewise.
    data_offset: usize,
}

/// Walks the data elements of one buffer (the file body, an inflated element, or the
/// contents of an `miMATRIX`).
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    origin: Origin,
    /// Offset of `buf[0]` in the origin's coordinates, so messages give file offsets.
    base: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], origin: Origin, base: usize) -> Reader<'a> {
        Reader {
            buf,
            pos: 0,
            origin,
            base,
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// A fault at `pos` (an index into `buf`).
    fn fault_at(&self, pos: usize, reason: impl Into<String>) -> Fault {
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
    fn next(&mut self) -> Parse<Option<Element<'a>>> {
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
    fn expect(&mut self, what: &str) -> Parse<Element<'a>> {
        let pos = self.pos;
        self.next()?
            .ok_or_else(|| self.fault_at(pos, format!("the array ends before its {what}")))
    }
}

/// Reads every top-level element of the file body into `file`.
fn read_top_level(reader: &mut Reader<'_>, path: &Path, file: &mut MatFile) -> Parse<()> {
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
/// stream that is cut short or fails its checksum as an error (tested below).
fn inflate(input: &[u8]) -> std::result::Result<Vec<u8>, String> {
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

/// The decoded parts of an array's header, after its flags.
struct ArrayHeader {
    flags: u32,
    dims: Vec<usize>,
    /// The product of `dims`.
    count: usize,
}

/// Parses an `miMATRIX` element into its name (empty inside cells) and value.
fn parse_matrix(element: Element<'_>, origin: Origin, depth: usize) -> Parse<(String, MatValue)> {
    // MATLAB writes an empty array inside a cell as an miMATRIX with no contents at all.
    if element.data.is_empty() {
        return Ok((
            String::new(),
            MatValue::Numeric {
                dims: vec![0, 0],
                data: Vec::new(),
            },
        ));
    }
    let mut reader = Reader::new(element.data, origin, element.data_offset);
    if depth > MAX_DEPTH {
        return Err(reader.fault_at(0, format!("cells nested more than {MAX_DEPTH} deep")));
    }
    let flags = read_flags(&mut reader)?;
    let class = (flags & 0xff) as u8;
    if let Some(unsupported) = unsupported_class(flags) {
        // The element's size delimits it, so the rest of it can be skipped unread.
        let name = unsupported_name(&mut reader, class);
        return Ok((name, MatValue::Unsupported { class: unsupported }));
    }
    let (dims, count) = read_dims(&mut reader)?;
    let name = read_name(&mut reader)?;
    let header = ArrayHeader { flags, dims, count };
    let value = match class {
        mx::CHAR => read_char(&mut reader, header),
        mx::CELL => read_cell(&mut reader, header, depth),
        _ => read_numeric(&mut reader, header),
    };
    let value = value.map_err(|fault| fault.in_variable(&name))?;
    Ok((name, value))
}

/// The array flags: an miUINT32 element of 8 bytes (flags, then the sparse nzmax),
/// whose first word holds the class in its low byte and the flag bits above it.
fn read_flags(reader: &mut Reader<'_>) -> Parse<u32> {
    let element = reader.expect("array flags")?;
    match (element.ty, element.data.get(..4)) {
        (mi::UINT32, Some(&[a, b, c, d])) => Ok(u32::from_le_bytes([a, b, c, d])),
        _ => Err(element_fault(
            reader,
            &element,
            "the array flags are not an miUINT32 element",
        )),
    }
}

/// The name of the class, for the classes (and complex arrays) that are not decoded.
fn unsupported_class(flags: u32) -> Option<String> {
    let class = (flags & 0xff) as u8;
    let decoded = matches!(class, mx::CELL | mx::CHAR | mx::DOUBLE..=mx::UINT64);
    if !decoded {
        Some(class_name(class).to_string())
    } else if flags & FLAG_COMPLEX != 0 {
        Some(format!("complex {}", class_name(class)))
    } else {
        None
    }
}

/// The name of an array that is not decoded, on a best-effort basis: opaque arrays
/// (MATLAB objects) have no dimensions before the name, and the layout of the rarer
/// classes is not checked, so an unreadable name gives "" (and the variable is skipped).
fn unsupported_name(reader: &mut Reader<'_>, class: u8) -> String {
    let name = if class == mx::OPAQUE {
        read_name(reader)
    } else {
        read_dims(reader).and_then(|_| read_name(reader))
    };
    name.unwrap_or_default()
}

/// A fault at an element's tag.
fn element_fault(reader: &Reader<'_>, element: &Element<'_>, reason: impl Into<String>) -> Fault {
    reader.fault_at(element.offset.saturating_sub(reader.base), reason)
}

/// The dimensions (an miINT32 element, at least one entry) and their product.
fn read_dims(reader: &mut Reader<'_>) -> Parse<(Vec<usize>, usize)> {
    let element = reader.expect("dimensions")?;
    if element.ty != mi::INT32 || element.data.len() % 4 != 0 || element.data.is_empty() {
        return Err(element_fault(
            reader,
            &element,
            "the dimensions are not a non-empty miINT32 element",
        ));
    }
    let dims: Option<Vec<usize>> = le_values::<4, _>(element.data, i32::from_le_bytes)
        .into_iter()
        .map(|d| usize::try_from(d).ok())
        .collect();
    let Some(dims) = dims else {
        return Err(element_fault(reader, &element, "a dimension is negative"));
    };
    match dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)) {
        Some(count) => Ok((dims, count)),
        None => Err(element_fault(
            reader,
            &element,
            format!("dimensions {} overflow", dims_text(&dims)),
        )),
    }
}

/// The array name: ASCII in an miINT8 element (empty inside cells).
fn read_name(reader: &mut Reader<'_>) -> Parse<String> {
    let element = reader.expect("name")?;
    match element.ty {
        mi::INT8 | mi::UINT8 | mi::UTF8 => Ok(String::from_utf8_lossy(element.data).into_owned()),
        other => Err(element_fault(
            reader,
            &element,
            format!("the array name has element type {other}, not miINT8"),
        )),
    }
}

/// The MATLAB name of an array class.
fn class_name(class: u8) -> &'static str {
    match class {
        mx::CELL => "cell",
        mx::STRUCT => "struct",
        mx::OBJECT => "object",
        mx::CHAR => "char",
        mx::SPARSE => "sparse",
        // The numeric classes, mx::DOUBLE to mx::UINT64.
        6 => "double",
        7 => "single",
        8 => "int8",
        9 => "uint8",
        10 => "int16",
        11 => "uint16",
        12 => "int32",
        13 => "uint32",
        14 => "int64",
        15 => "uint64",
        mx::FUNCTION => "function handle",
        mx::OPAQUE => "opaque (MATLAB object)",
        _ => "unknown class",
    }
}

/// A numeric or logical array: the real part may be stored in any numeric element
/// type, often a smaller one than the class (MATLAB and SciPy store a double array of
/// small integers as miUINT8, say).
fn read_numeric(reader: &mut Reader<'_>, header: ArrayHeader) -> Parse<MatValue> {
    let ArrayHeader {
        flags, dims, count, ..
    } = header;
    if reader.at_end() && count == 0 {
        return Ok(MatValue::Numeric {
            dims,
            data: Vec::new(),
        });
    }
    let element = reader.expect("real part")?;
    let Some(mut data) = numeric_values(element.ty, element.data) else {
        return Err(element_fault(
            reader,
            &element,
            format!(
                "real part has element type {} and {} bytes, not a whole number of numbers",
                element.ty,
                element.data.len()
            ),
        ));
    };
    if data.len() != count {
        return Err(element_fault(
            reader,
            &element,
            format!("{} numbers for dimensions {}", data.len(), dims_text(&dims)),
        ));
    }
    if flags & FLAG_LOGICAL != 0 {
        for value in &mut data {
            *value = if *value != 0.0 { 1.0 } else { 0.0 };
        }
    }
    Ok(MatValue::Numeric { dims, data })
}

/// The values of a numeric element as f64, or `None` for a non-numeric type or a byte
/// count that is not a multiple of the type's width.
fn numeric_values(ty: u32, bytes: &[u8]) -> Option<Vec<f64>> {
    fn convert<const N: usize>(bytes: &[u8], f: impl Fn([u8; N]) -> f64) -> Option<Vec<f64>> {
        (bytes.len() % N == 0).then(|| le_values::<N, _>(bytes, f))
    }
    match ty {
        mi::INT8 => convert::<1>(bytes, |b| f64::from(i8::from_le_bytes(b))),
        mi::UINT8 => convert::<1>(bytes, |b| f64::from(u8::from_le_bytes(b))),
        mi::INT16 => convert::<2>(bytes, |b| f64::from(i16::from_le_bytes(b))),
        mi::UINT16 => convert::<2>(bytes, |b| f64::from(u16::from_le_bytes(b))),
        mi::INT32 => convert::<4>(bytes, |b| f64::from(i32::from_le_bytes(b))),
        mi::UINT32 => convert::<4>(bytes, |b| f64::from(u32::from_le_bytes(b))),
        mi::SINGLE => convert::<4>(bytes, |b| f64::from(f32::from_le_bytes(b))),
        mi::DOUBLE => convert::<8>(bytes, f64::from_le_bytes),
        // 64-bit integers beyond 2^53 are rounded to the nearest f64.
        mi::INT64 => convert::<8>(bytes, |b| i64::from_le_bytes(b) as f64),
        mi::UINT64 => convert::<8>(bytes, |b| u64::from_le_bytes(b) as f64),
        _ => None,
    }
}

/// Splits `bytes` into N-byte groups (a trailing partial group is dropped) and converts each.
fn le_values<const N: usize, T>(bytes: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
    bytes
        .chunks_exact(N)
        .map(|chunk| {
            let mut group = [0u8; N];
            group.copy_from_slice(chunk);
            f(group)
        })
        .collect()
}

/// A char array. MATLAB stores it column-major, so the characters of an M x N array
/// come column by column: row `i` is characters `i, i + M, i + 2M, ...`.
fn read_char(reader: &mut Reader<'_>, header: ArrayHeader) -> Parse<MatValue> {
    let ArrayHeader { dims, count, .. } = header;
    let units = if reader.at_end() && count == 0 {
        Vec::new()
    } else {
        let element = reader.expect("characters")?;
        let Some(units) = utf16_units(element.ty, element.data) else {
            return Ok(MatValue::Unsupported {
                class: format!("char stored as element type {}", element.ty),
            });
        };
        if units.len() != count {
            return Err(element_fault(
                reader,
                &element,
                format!(
                    "{} characters for dimensions {}",
                    units.len(),
                    dims_text(&dims)
                ),
            ));
        }
        units
    };
    let row_count = dims.first().copied().unwrap_or(0);
    // An M x 0 array is M empty strings, with M limited since no bytes back it.
    if count == 0 && row_count > MAX_EMPTY_ROWS {
        return Err(reader.fault_at(
            0,
            format!(
                "a {} char array has more than {MAX_EMPTY_ROWS} empty rows",
                dims_text(&dims)
            ),
        ));
    }
    // `checked_div` is `None` exactly when there are no rows.
    let rows = match count.checked_div(row_count) {
        None => Vec::new(),
        Some(columns) => (0..row_count)
            .map(|row| {
                let chars: Vec<u16> = units
                    .iter()
                    .skip(row)
                    .step_by(row_count)
                    .take(columns)
                    .copied()
                    .collect();
                String::from_utf16_lossy(&chars)
            })
            .collect(),
    };
    Ok(MatValue::Char { dims, rows })
}

/// Characters as UTF-16 code units (MATLAB's own char type), or `None` for an element
/// type that does not hold characters.
fn utf16_units(ty: u32, bytes: &[u8]) -> Option<Vec<u16>> {
    match ty {
        mi::UINT16 | mi::UTF16 if bytes.len() % 2 == 0 => {
            Some(le_values::<2, _>(bytes, u16::from_le_bytes))
        }
        mi::UTF8 => Some(String::from_utf8_lossy(bytes).encode_utf16().collect()),
        mi::UTF32 if bytes.len() % 4 == 0 => {
            let text: String = le_values::<4, _>(bytes, u32::from_le_bytes)
                .into_iter()
                .map(|c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            Some(text.encode_utf16().collect())
        }
        // One byte per character (Latin-1).
        mi::UINT8 | mi::INT8 => Some(bytes.iter().map(|&b| u16::from(b)).collect()),
        _ => None,
    }
}

/// A cell array: one nested `miMATRIX` per cell, in column-major order.
fn read_cell(reader: &mut Reader<'_>, header: ArrayHeader, depth: usize) -> Parse<MatValue> {
    let ArrayHeader { dims, count, .. } = header;
    // Each cell takes at least an 8-byte tag; refuse counts the bytes cannot hold
    // before reserving memory for them.
    if count > reader.remaining() / 8 {
        return Err(reader.fault_at(
            reader.pos,
            format!(
                "a {} cell array cannot fit in the {} bytes that remain",
                dims_text(&dims),
                reader.remaining()
            ),
        ));
    }
    let mut items = Vec::with_capacity(count);
    for index in 0..count {
        let element = reader.expect(&format!("cell {} of {count}", index + 1))?;
        if element.ty != mi::MATRIX {
            return Err(element_fault(
                reader,
                &element,
                format!(
                    "cell {} has element type {}, not miMATRIX",
                    index + 1,
                    element.ty
                ),
            ));
        }
        let (_, value) = parse_matrix(element, reader.origin, depth + 1)?;
        items.push(value);
    }
    Ok(MatValue::Cell { dims, items })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
