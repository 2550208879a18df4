//! Char arrays: the characters in any of the element types MATLAB and SciPy use,
//! decoded to UTF-16 units and split into rows from column-major order.

use super::matrix::ArrayHeader;
use super::reader::{Parse, Reader, element_fault, le_values};
use super::{MatValue, dims_text, mi};

/// The most rows an empty (M x 0) char array may have.
const MAX_EMPTY_ROWS: usize = 1 << 16;

/// A char array. MATLAB stores it column-major, so the characters of an M x N array
/// come column by column: row `i` is characters `i, i + M, i + 2M, ...`.
pub(super) fn read_char(reader: &mut Reader<'_>, header: ArrayHeader) -> Parse<MatValue> {
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
