//! One `miMATRIX` element: the array header (flags, dimensions, name), the classes
//! that are kept undecoded by name, and the dispatch to the numeric, char and cell readers.

use super::cell::read_cell;
use super::chars::read_char;
use super::numeric::read_numeric;
use super::reader::{Element, Origin, Parse, Reader, element_fault, le_values};
use super::{FLAG_COMPLEX, MatValue, dims_text, mi, mx};

/// Cells inside cells deeper than this are refused (a guard against stack exhaustion).
const MAX_DEPTH: usize = 32;

/// The decoded parts of an array's header, after its flags.
pub(super) struct ArrayHeader {
    pub(super) flags: u32,
    pub(super) dims: Vec<usize>,
    /// The product of `dims`.
    pub(super) count: usize,
}

/// Parses an `miMATRIX` element into its name (empty inside cells) and value.
pub(super) fn parse_matrix(
    element: Element<'_>,
    origin: Origin,
    depth: usize,
) -> Parse<(String, MatValue)> {
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
