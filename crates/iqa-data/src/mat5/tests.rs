//! Tests of the MATLAB v5 reader against SciPy-written fixtures and damaged inputs.

use std::io::Write;
use std::path::PathBuf;

use serde_json::Value;

use super::body::inflate;
use super::*;

const FIXTURES: [&str; 3] = [
    "live_dmos_small.mat",
    "live_refnames_small.mat",
    "mixed.mat",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// mat_expected.json, as written by tests/fixtures/gen_mat.py from scipy's reading
/// of the same files.
fn expected() -> Value {
    let text = std::fs::read_to_string(fixture("mat_expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn dims_from(value: &Value) -> Vec<usize> {
    value["dims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect()
}

fn value_from(value: &Value) -> MatValue {
    match value["kind"].as_str().unwrap() {
        "numeric" => MatValue::Numeric {
            dims: dims_from(value),
            data: value["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect(),
        },
        "char" => MatValue::Char {
            dims: dims_from(value),
            rows: value["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect(),
        },
        "cell" => MatValue::Cell {
            dims: dims_from(value),
            items: value["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(value_from)
                .collect(),
        },
        "unsupported" => MatValue::Unsupported {
            class: value["class"].as_str().unwrap().to_string(),
        },
        other => panic!("unknown kind {other} in mat_expected.json"),
    }
}

fn expected_variables(file: &str) -> Vec<(String, MatValue)> {
    expected()[file]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap().to_string(), value_from(v)))
        .collect()
}

fn reason<T: std::fmt::Debug>(result: Result<T>) -> String {
    match result {
        Err(DataError::Mat { reason, .. }) => reason,
        other => panic!("expected a Mat error, got {other:?}"),
    }
}

// ---- Builders for hand-made files. ----

/// A 128-byte little-endian v5 header.
fn header() -> Vec<u8> {
    let mut h = vec![b' '; 116];
    h[..19].copy_from_slice(b"MATLAB 5.0 MAT-file");
    h.extend_from_slice(&[0; 8]);
    h.extend_from_slice(&0x0100u16.to_le_bytes());
    h.extend_from_slice(b"IM");
    h
}

/// A data element with an 8-byte tag, padded to 8 bytes.
fn element(ty: u32, data: &[u8]) -> Vec<u8> {
    let mut e = ty.to_le_bytes().to_vec();
    e.extend_from_slice(&(data.len() as u32).to_le_bytes());
    e.extend_from_slice(data);
    e.resize(e.len().next_multiple_of(8), 0);
    e
}

/// A small data element: size and type in the first word, data in the second.
fn small(ty: u32, data: &[u8]) -> Vec<u8> {
    assert!(data.len() <= 4);
    let mut e = ((data.len() as u32) << 16 | ty).to_le_bytes().to_vec();
    e.extend_from_slice(data);
    e.resize(8, 0);
    e
}

fn flags(class: u8, bits: u32) -> Vec<u8> {
    let mut data = (u32::from(class) | bits).to_le_bytes().to_vec();
    data.extend_from_slice(&[0; 4]);
    element(mi::UINT32, &data)
}

fn dims(dims: &[i32]) -> Vec<u8> {
    let data: Vec<u8> = dims.iter().flat_map(|d| d.to_le_bytes()).collect();
    element(mi::INT32, &data)
}

/// An miMATRIX element from its sub-elements.
fn matrix(parts: &[Vec<u8>]) -> Vec<u8> {
    element(mi::MATRIX, &parts.concat())
}

fn mat_bytes(elements: &[Vec<u8>]) -> Vec<u8> {
    [vec![header()], elements.to_vec()].concat().concat()
}

fn parse(bytes: &[u8]) -> Result<MatFile> {
    MatFile::parse(bytes, Path::new("test.mat"))
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// An miCOMPRESSED element (not padded, as MATLAB writes them).
fn compressed(stream: &[u8]) -> Vec<u8> {
    let mut e = mi::COMPRESSED.to_le_bytes().to_vec();
    e.extend_from_slice(&(stream.len() as u32).to_le_bytes());
    e.extend_from_slice(stream);
    e
}

/// The file offsets where top-level elements end: cutting a file there leaves a
/// valid file with fewer variables.
fn element_boundaries(bytes: &[u8]) -> Vec<usize> {
    let mut ends = vec![HEADER_LEN];
    let mut pos = HEADER_LEN;
    while pos + 8 <= bytes.len() {
        let ty = u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap());
        let size = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize;
        let size = if ty == mi::COMPRESSED {
            size
        } else {
            size.next_multiple_of(8)
        };
        pos += 8 + size;
        ends.push(pos);
    }
    ends
}

// ---- The fixtures written by scipy. ----

#[test]
fn fixtures_match_what_scipy_wrote() {
    for name in FIXTURES {
        let file = MatFile::read(&fixture(name)).unwrap();
        assert_eq!(file.variables, expected_variables(name), "{name}");
    }
}

#[test]
fn live_style_numbers_and_strings() {
    let path = fixture("live_dmos_small.mat");
    let dmos_file = MatFile::read(&path).unwrap();
    let expected = expected_variables("live_dmos_small.mat");
    for (name, value) in &expected {
        let MatValue::Numeric { data, .. } = value else {
            panic!("{name} is not numeric")
        };
        assert_eq!(&dmos_file.numbers(name, &path).unwrap(), data, "{name}");
    }
    assert!(reason(dmos_file.strings("dmos", &path)).contains("numeric"));

    let path = fixture("live_refnames_small.mat");
    let names_file = MatFile::read(&path).unwrap();
    let names = names_file.strings("refnames_all", &path).unwrap();
    let MatValue::Cell { items, .. } = &expected_variables("live_refnames_small.mat")[0].1 else {
        panic!("refnames_all is not a cell")
    };
    let wanted: Vec<String> = items
        .iter()
        .map(|item| match item {
            MatValue::Char { rows, .. } => rows.first().cloned().unwrap_or_default(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, wanted);
    assert!(names.contains(&String::new()) && names.contains(&"womanhat.bmp".to_string()));
    let err = reason(names_file.numbers("refnames_all", &path));
    assert!(
        err.contains("`refnames_all`") && err.contains("cell"),
        "{err}"
    );
}

#[test]
fn char_matrix_rows_and_mixed_errors() {
    let path = fixture("mixed.mat");
    let file = MatFile::read(&path).unwrap();
    assert_eq!(file.strings("chars", &path).unwrap(), vec!["abc", "xyz"]);
    assert_eq!(
        file.numbers("matrix", &path).unwrap(),
        vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
    );
    let err = reason(file.numbers("st", &path));
    assert!(err.contains("`st`") && err.contains("struct"), "{err}");
    // A cell holding a number is not a cell of strings.
    let err = reason(file.strings("mixcell", &path));
    assert!(err.contains("cell 1 of 2"), "{err}");
}

#[test]
fn missing_variables_are_listed() {
    let path = fixture("live_dmos_small.mat");
    let file = MatFile::read(&path).unwrap();
    for err in [
        reason(file.numbers("dmos_new", &path)),
        reason(file.strings("x", &path)),
    ] {
        assert!(err.contains("`dmos`, `orgs`"), "{err}");
    }
    let empty = parse(&header()).unwrap();
    assert!(reason(empty.numbers("dmos", Path::new("e.mat"))).contains("no variables"));
}

#[test]
fn missing_file_is_an_io_error() {
    let err = MatFile::read(&fixture("no_such_file.mat")).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }), "{err:?}");
}

// ---- Hand-built files. ----

#[test]
fn small_data_elements() {
    // name "x", one int32 -7 and a 1x2 uint16 char "hi", all in small elements.
    let number = matrix(&[
        flags(12, 0),
        dims(&[1, 1]),
        small(mi::INT8, b"x"),
        small(mi::INT32, &(-7i32).to_le_bytes()),
    ]);
    let text = matrix(&[
        flags(mx::CHAR, 0),
        dims(&[1, 2]),
        small(mi::INT8, b"word"),
        small(mi::UINT16, &[b'h', 0, b'i', 0]),
    ]);
    let file = parse(&mat_bytes(&[number, text])).unwrap();
    assert_eq!(
        file.variables,
        vec![
            (
                "x".to_string(),
                MatValue::Numeric {
                    dims: vec![1, 1],
                    data: vec![-7.0]
                }
            ),
            (
                "word".to_string(),
                MatValue::Char {
                    dims: vec![1, 2],
                    rows: vec!["hi".into()]
                }
            ),
        ]
    );
    // A small element claiming more than 4 bytes is malformed.
    let bad = matrix(&[flags(6, 0), dims(&[1, 1]), small(mi::INT8, b"y"), {
        let mut e = small(mi::UINT8, &[1]);
        e[2] = 5;
        e
    }]);
    assert!(reason(parse(&mat_bytes(&[bad]))).contains("small data element"));
}

#[test]
fn char_encodings_and_column_major_rows() {
    // A 2x3 char array stored column by column in UTF-16: rows "abc" and "xyz".
    let utf16: Vec<u8> = "axbycz".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let chars = matrix(&[
        flags(mx::CHAR, 0),
        dims(&[2, 3]),
        element(mi::INT8, b"c"),
        element(mi::UTF16, &utf16),
    ]);
    let latin = matrix(&[
        flags(mx::CHAR, 0),
        dims(&[1, 3]),
        element(mi::INT8, b"l"),
        element(mi::UINT8, &[b'c', 0xe9, b'!']),
    ]);
    let file = parse(&mat_bytes(&[chars, latin])).unwrap();
    let path = Path::new("t.mat");
    assert_eq!(file.strings("c", path).unwrap(), vec!["abc", "xyz"]);
    assert_eq!(file.strings("l", path).unwrap(), vec!["c\u{e9}!"]);
}

#[test]
fn unsupported_classes_are_kept_by_name() {
    let complex = matrix(&[
        flags(6, FLAG_COMPLEX),
        dims(&[1, 1]),
        element(mi::INT8, b"z"),
        element(mi::DOUBLE, &1.0f64.to_le_bytes()),
        element(mi::DOUBLE, &2.0f64.to_le_bytes()),
    ]);
    // The rest of an unsupported element is not looked at.
    let sparse = matrix(&[
        flags(mx::SPARSE, 0),
        dims(&[3, 3]),
        element(mi::INT8, b"sp"),
        vec![7; 16],
    ]);
    let opaque = matrix(&[
        flags(mx::OPAQUE, 0),
        element(mi::INT8, b"s"),
        element(mi::INT8, b"MCOS"),
    ]);
    let after = matrix(&[
        flags(6, 0),
        dims(&[1, 1]),
        element(mi::INT8, b"ok"),
        element(mi::DOUBLE, &3.5f64.to_le_bytes()),
    ]);
    let file = parse(&mat_bytes(&[complex, sparse, opaque, after])).unwrap();
    let classes: Vec<(&str, &MatValue)> = file
        .variables
        .iter()
        .map(|(n, v)| (n.as_str(), v))
        .collect();
    assert_eq!(classes.len(), 4);
    assert_eq!(
        classes[0],
        (
            "z",
            &MatValue::Unsupported {
                class: "complex double".into()
            }
        )
    );
    assert_eq!(
        classes[1],
        (
            "sp",
            &MatValue::Unsupported {
                class: "sparse".into()
            }
        )
    );
    assert_eq!(classes[2].0, "s");
    assert_eq!(file.numbers("ok", Path::new("t.mat")).unwrap(), vec![3.5]);
}

#[test]
fn empty_matrix_in_a_cell() {
    // MATLAB writes [] inside a cell as an miMATRIX with no contents.
    let cell = matrix(&[
        flags(mx::CELL, 0),
        dims(&[1, 2]),
        element(mi::INT8, b"names"),
        element(mi::MATRIX, &[]),
        matrix(&[
            flags(mx::CHAR, 0),
            dims(&[1, 1]),
            element(mi::INT8, b""),
            small(mi::UTF8, b"a"),
        ]),
    ]);
    let file = parse(&mat_bytes(&[cell])).unwrap();
    assert_eq!(
        file.strings("names", Path::new("t.mat")).unwrap(),
        vec!["", "a"]
    );
}

#[test]
fn big_endian_and_other_versions_are_refused_clearly() {
    let mut big = header();
    big[124..128].copy_from_slice(&[0x01, 0x00, b'M', b'I']);
    assert!(reason(parse(&big)).contains("big-endian"));

    let mut hdf5 = header();
    hdf5[124..126].copy_from_slice(&0x0200u16.to_le_bytes());
    assert!(reason(parse(&hdf5)).contains("7.3"));

    let mut v4 = header();
    v4[126..128].copy_from_slice(b"\0\0");
    assert!(reason(parse(&v4)).contains("not a MATLAB v5"));

    assert!(reason(parse(b"MATLAB")).contains("shorter than"));
}

#[test]
fn truncated_fixtures_fail_without_panicking() {
    for name in FIXTURES {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let full = parse(&bytes).unwrap();
        let boundaries = element_boundaries(&bytes);
        let cuts = (0..bytes.len()).step_by(7).chain([bytes.len() - 1]);
        for cut in cuts {
            let result = parse(&bytes[..cut]);
            if boundaries.contains(&cut) {
                // A cut between top-level elements is a valid, shorter file.
                let file = result.unwrap();
                assert!(
                    full.variables.starts_with(&file.variables),
                    "{name} cut at {cut}"
                );
                assert!(file.variables.len() < full.variables.len());
            } else {
                let err = reason(result);
                assert!(err.contains("byte"), "{name} cut at {cut}: {err}");
            }
        }
    }
}

#[test]
fn truncation_errors_name_the_variable_and_offset() {
    let bytes = std::fs::read(fixture("live_refnames_small.mat")).unwrap();
    // The third cell's characters, and the tag of their element 8 bytes before.
    let text = bytes
        .windows(12)
        .position(|w| w == b"sailing1.bmp")
        .unwrap();
    let tag = text - 8;
    assert_eq!(bytes[tag + 4], 12, "the element's size field");
    // Cut inside them: the top-level array at byte 128 runs past the end.
    let err = reason(parse(&bytes[..text + 3]));
    assert!(
        err.contains("byte 128") && err.contains("runs past"),
        "{err}"
    );
    // Shrink the element's size so that its data no longer fits the dims.
    let mut bad = bytes.clone();
    bad[tag + 4] = 5;
    let err = reason(parse(&bad));
    let wanted = format!("variable `refnames_all`, byte {tag}: 5 characters for dimensions 1x12");
    assert!(err.contains(&wanted), "{err}");
}

#[test]
fn corrupt_zlib_streams_fail() {
    let bytes = std::fs::read(fixture("live_dmos_small.mat")).unwrap();
    // Flip each byte of the first compressed element's stream in turn.
    assert_eq!(
        u32::from_le_bytes(bytes[128..132].try_into().unwrap()),
        mi::COMPRESSED
    );
    let size = u32::from_le_bytes(bytes[132..136].try_into().unwrap()) as usize;
    let stream = 136..136 + size;
    for at in stream {
        let mut bad = bytes.clone();
        bad[at] ^= 0x5a;
        let err = reason(parse(&bad));
        assert!(err.contains("byte"), "flipping byte {at}: {err}");
    }
    // Not zlib at all.
    assert!(reason(parse(&mat_bytes(&[compressed(b"not zlib at all")]))).contains("zlib"));
    // A stream cut short but with a consistent element size.
    let inner = matrix(&[
        flags(6, 0),
        dims(&[1, 1]),
        element(mi::INT8, b"v"),
        element(mi::DOUBLE, &1.5f64.to_le_bytes()),
    ]);
    let stream = zlib(&inner);
    assert_eq!(
        parse(&mat_bytes(&[compressed(&stream)]))
            .unwrap()
            .variables
            .len(),
        1
    );
    for cut in 0..stream.len() {
        let err = reason(parse(&mat_bytes(&[compressed(&stream[..cut])])));
        assert!(err.contains("byte 128"), "stream cut at {cut}: {err}");
    }
}

#[test]
fn absurd_sizes_are_refused() {
    let path_name = |bytes: Vec<u8>| reason(parse(&mat_bytes(&[bytes])));
    // A cell of 2^31 x 2^31 elements with no bytes for them.
    let cell = matrix(&[
        flags(mx::CELL, 0),
        dims(&[i32::MAX, i32::MAX]),
        element(mi::INT8, b"c"),
    ]);
    assert!(path_name(cell).contains("cannot fit"));
    // Dimensions whose product overflows.
    let huge = matrix(&[flags(6, 0), dims(&[i32::MAX; 3]), element(mi::INT8, b"h")]);
    assert!(path_name(huge).contains("overflow"));
    let negative = matrix(&[flags(6, 0), dims(&[-1, 2]), element(mi::INT8, b"n")]);
    assert!(path_name(negative).contains("negative"));
    // Data that does not match the dimensions.
    let short = matrix(&[
        flags(6, 0),
        dims(&[1, 3]),
        element(mi::INT8, b"s"),
        element(mi::DOUBLE, &1.0f64.to_le_bytes()),
    ]);
    let err = path_name(short);
    assert!(
        err.contains("variable `s`") && err.contains("1 numbers for dimensions 1x3"),
        "{err}"
    );
    // An M x 0 char array is M empty rows, but not billions of them.
    let rows = matrix(&[
        flags(mx::CHAR, 0),
        dims(&[3, 0]),
        element(mi::INT8, b"r"),
        element(mi::UTF8, b""),
    ]);
    let file = parse(&mat_bytes(&[rows])).unwrap();
    assert_eq!(
        file.strings("r", Path::new("t.mat")).unwrap(),
        vec!["", "", ""]
    );
    let rows = matrix(&[
        flags(mx::CHAR, 0),
        dims(&[i32::MAX, 0]),
        element(mi::INT8, b"r"),
        element(mi::UTF8, b""),
    ]);
    assert!(path_name(rows).contains("empty rows"));
    // An element size running far past the end.
    let mut past = element(mi::MATRIX, &[0; 8]);
    past[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(path_name(past).contains("runs past the end"));
}

/// The fixture with every compressed element replaced by its inflated contents.
fn inflated_copy(bytes: &[u8]) -> Vec<u8> {
    let boundaries = element_boundaries(bytes);
    let mut out = bytes[..HEADER_LEN].to_vec();
    for pair in boundaries.windows(2) {
        let element = &bytes[pair[0]..pair[1]];
        if u32::from_le_bytes(element[..4].try_into().unwrap()) == mi::COMPRESSED {
            out.extend(inflate(&element[8..]).unwrap());
        } else {
            out.extend_from_slice(element);
        }
    }
    out
}

#[test]
fn damaged_bytes_never_panic() {
    for name in FIXTURES {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let plain = inflated_copy(&bytes);
        // The uncompressed equivalent holds the same variables.
        assert_eq!(
            parse(&plain).unwrap().variables,
            parse(&bytes).unwrap().variables
        );
        for original in [&bytes, &plain] {
            for at in 0..original.len() {
                for mask in [0x01, 0x80, 0xff] {
                    let mut damaged = original.clone();
                    damaged[at] ^= mask;
                    // Any result will do, as long as there is one.
                    let _ = parse(&damaged);
                }
            }
        }
    }
}

#[test]
fn deeply_nested_cells_are_refused() {
    let mut value = matrix(&[
        flags(6, 0),
        dims(&[0, 0]),
        element(mi::INT8, b""),
        element(mi::DOUBLE, &[]),
    ]);
    for _ in 0..40 {
        value = matrix(&[
            flags(mx::CELL, 0),
            dims(&[1, 1]),
            element(mi::INT8, b""),
            value,
        ]);
    }
    let top = matrix(&[
        flags(mx::CELL, 0),
        dims(&[1, 1]),
        element(mi::INT8, b"deep"),
        value,
    ]);
    assert!(reason(parse(&mat_bytes(&[top]))).contains("nested"));
}

#[test]
fn a_zlib_bomb_is_refused_within_bounded_memory() {
    // 65 MiB of zeros compress to about 65 KB: more than a label file ever inflates to.
    let stream = zlib(&vec![0u8; 65 << 20]);
    assert!(stream.len() < 1 << 20);
    let err = reason(parse(&mat_bytes(&[compressed(&stream)])));
    assert!(err.contains("inflates to more than"), "{err}");
}
