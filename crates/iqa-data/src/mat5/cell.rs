//! Cell arrays: one nested `miMATRIX` per cell, read through [`parse_matrix`] with the
//! nesting depth counted.

use super::matrix::{ArrayHeader, parse_matrix};
use super::reader::{Parse, Reader, element_fault};
use super::{MatValue, dims_text, mi};

/// A cell array: one nested `miMATRIX` per cell, in column-major order.
pub(super) fn read_cell(
    reader: &mut Reader<'_>,
    header: ArrayHeader,
    depth: usize,
) -> Parse<MatValue> {
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
