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

mod body;
mod cell;
mod chars;
mod header;
mod matrix;
mod numeric;
mod reader;

use std::path::Path;

use crate::{DataError, Result};

use body::read_top_level;
use header::{HEADER_LEN, check_header};
use reader::{Origin, Reader};

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
#[non_exhaustive]
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
