//! Numeric and logical arrays: the real part in any numeric element type, converted to
//! `f64`.

use super::matrix::ArrayHeader;
use super::reader::{Parse, Reader, element_fault, le_values};
use super::{FLAG_LOGICAL, MatValue, dims_text, mi};

/// A numeric or logical array: the real part may be stored in any numeric element
/// type, often a smaller one than the class (MATLAB and SciPy store a double array of
/// small integers as miUINT8, say).
pub(super) fn read_numeric(reader: &mut Reader<'_>, header: ArrayHeader) -> Parse<MatValue> {
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
