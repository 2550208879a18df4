//! Tests of the kernels against their definitions (loops in f64) and against each other.

#![allow(clippy::unwrap_used)]

use std::ops::Range;

use super::copies::*;
use super::geometry::*;
use super::passes::*;
use super::schedule::*;

#[test]
fn valid_columns_cover_exactly_the_inside() {
    for (w, k, s, p) in [
        (7, 3, 1, 1),
        (7, 3, 2, 1),
        (8, 7, 2, 3),
        (5, 1, 1, 0),
        (4, 4, 2, 1),
    ] {
        let g = Geometry::new(&[1, 1, 5, w], &[1, 1, k, k], s, p).unwrap();
        for kx in 0..k {
            let (first, last) = g.valid_columns(kx);
            for ox in 0..g.wo {
                let ix = (ox * s + kx) as isize - p as isize;
                let inside = ix >= 0 && ix < w as isize;
                assert_eq!(
                    inside,
                    (first..last).contains(&ox),
                    "w{w} k{k} s{s} p{p} kx{kx} ox{ox}"
                );
            }
        }
    }
}

#[test]
fn blocks_of_rows_give_the_whole_image_result() {
    for (shape, weight, stride, pad) in [
        ([2, 3, 9, 7], [4, 3, 3, 3], 1, 1),
        ([1, 2, 11, 8], [3, 2, 7, 7], 2, 3),
        ([3, 5, 6, 6], [2, 5, 4, 4], 2, 1),
    ] {
        let whole = Geometry {
            block_bytes: usize::MAX,
            ..Geometry::new(&shape, &weight, stride, pad).unwrap()
        };

        // One output row per block.
        let rows = Geometry {
            block_bytes: 1,
            ..whole
        };
        assert_eq!(row_blocks(&rows).count(), rows.ho);
        assert_eq!(row_blocks(&whole).count(), 1);
        let x: Vec<f32> = (0..shape.iter().product::<usize>())
            .map(|v| (v as f32 * 0.37).sin())
            .collect();
        let w: Vec<f32> = (0..weight.iter().product::<usize>())
            .map(|v| (v as f32 * 0.21).cos())
            .collect();
        let dy: Vec<f32> = (0..whole.n * whole.o * whole.hw_out())
            .map(|v| (v as f32 * 0.13).sin())
            .collect();
        let close = |a: Vec<f32>, b: Vec<f32>| {
            assert_eq!(a.len(), b.len());
            for (p, q) in a.iter().zip(&b) {
                assert!((p - q).abs() <= 1e-5 * (1.0 + q.abs()), "{p} {q}");
            }
        };
        close(
            forward(&rows, &x, &w).unwrap(),
            forward(&whole, &x, &w).unwrap(),
        );
        close(
            grad_input(&rows, &dy, &w).unwrap(),
            grad_input(&whole, &dy, &w).unwrap(),
        );
        close(
            grad_weight(&rows, &x, &dy).unwrap(),
            grad_weight(&whole, &x, &dy).unwrap(),
        );
    }
}

/// Input and weight shapes, stride and padding for the im2col / col2im tests: strides
/// 1-3, padding 0-3, kernels 1-7 and 2x3, outputs down to 1x1.
const COPY_CASES: [([usize; 4], [usize; 4], usize, usize); 8] = [
    ([1, 2, 9, 7], [1, 2, 3, 3], 1, 1),
    ([1, 2, 8, 8], [1, 2, 4, 4], 2, 1),
    ([1, 1, 11, 8], [1, 1, 7, 7], 2, 3),
    ([1, 3, 9, 10], [1, 3, 3, 3], 3, 2),
    ([1, 1, 5, 5], [1, 1, 1, 1], 2, 0),
    ([1, 1, 4, 4], [1, 1, 4, 4], 2, 1),
    ([1, 1, 2, 2], [1, 1, 4, 4], 2, 1),
    ([1, 2, 7, 9], [1, 2, 2, 3], 2, 0),
];

/// Calls `check(geometry, image, rows)` for every block of rows of every case in
/// [`COPY_CASES`], whole images and one row per block, the image's values 1, 2, 3, ...
fn for_each_copy_block(mut check: impl FnMut(&Geometry, &[f32], Range<usize>)) {
    for (shape, weight, stride, pad) in COPY_CASES {
        let whole = Geometry::new(&shape, &weight, stride, pad).unwrap();
        let x: Vec<f32> = (0..shape.iter().product::<usize>())
            .map(|v| v as f32 + 1.0)
            .collect();
        for block in [usize::MAX, 1] {
            let g = Geometry {
                block_bytes: block,
                ..whole
            };
            for rows in row_blocks(&g) {
                check(&g, &x, rows);
            }
        }
    }
}

/// The block's width in output pixels and its row-major column matrix ([`im2col`]).
fn columns_of(g: &Geometry, x: &[f32], rows: Range<usize>) -> (usize, Vec<f32>) {
    let width = rows.len() * g.wo;
    let mut cols = vec![-1.0; g.ckk() * width];
    im2col(g, x, rows, &mut cols, false);
    (width, cols)
}

#[test]
fn im2col_matches_its_definition() {
    for_each_copy_block(|g, x, rows| {
        let (width, cols) = columns_of(g, x, rows.clone());
        for (c, ky, kx) in (0..g.c)
            .flat_map(|c| (0..g.kh).flat_map(move |ky| (0..g.kw).map(move |kx| (c, ky, kx))))
        {
            let row = (c * g.kh + ky) * g.kw + kx;
            for (k, oy) in rows.clone().enumerate() {
                for ox in 0..g.wo {
                    let iy = (oy * g.stride + ky) as isize - g.pad as isize;
                    let ix = (ox * g.stride + kx) as isize - g.pad as isize;
                    let inside = (0..g.h as isize).contains(&iy) && (0..g.w as isize).contains(&ix);
                    let want = if inside {
                        x[(c * g.h + iy as usize) * g.w + ix as usize]
                    } else {
                        0.0
                    };
                    let got = cols[row * width + k * g.wo + ox];
                    assert_eq!(
                        got, want,
                        "{g:?} rows {rows:?} c{c} ky{ky} kx{kx} oy{oy} ox{ox}"
                    );
                }
            }
        }
    });
}

#[test]
fn im2col_by_pixel_is_the_transposed_column_matrix() {
    for_each_copy_block(|g, x, rows| {
        let (width, cols) = columns_of(g, x, rows.clone());
        let mut by_pixel = vec![-1.0; g.ckk() * width];
        im2col_by_pixel(g, x, rows.clone(), &mut by_pixel);
        for r in 0..g.ckk() {
            for p in 0..width {
                assert_eq!(
                    by_pixel[p * g.ckk() + r],
                    cols[r * width + p],
                    "{g:?} rows {rows:?} row {r} pixel {p}"
                );
            }
        }
    });
}

#[test]
fn both_weight_gradient_layouts_match_the_definition() {
    for (shape, weight, stride, pad) in COPY_CASES {
        let mut g = Geometry::new(&shape, &weight, stride, pad).unwrap();
        g.n = 2;
        g.o = 3;
        let x: Vec<f32> = (0..g.n * g.c * g.h * g.w)
            .map(|v| (v as f32 * 0.37).sin())
            .collect();
        let dy: Vec<f32> = (0..g.n * g.o * g.hw_out())
            .map(|v| (v as f32 * 0.13).cos())
            .collect();
        let mut want = vec![0.0f64; g.o * g.ckk()];
        for (i, o, r) in
            (0..g.n).flat_map(|i| (0..g.o).flat_map(move |o| (0..g.ckk()).map(move |r| (i, o, r))))
        {
            let (c, ky, kx) = (r / (g.kh * g.kw), r / g.kw % g.kh, r % g.kw);
            for oy in 0..g.ho {
                for ox in 0..g.wo {
                    let iy = (oy * stride + ky) as isize - pad as isize;
                    let ix = (ox * stride + kx) as isize - pad as isize;
                    if (0..g.h as isize).contains(&iy) && (0..g.w as isize).contains(&ix) {
                        let xv = x[((i * g.c + c) * g.h + iy as usize) * g.w + ix as usize];
                        let dv = dy[((i * g.o + o) * g.ho + oy) * g.wo + ox];
                        want[o * g.ckk() + r] += f64::from(xv) * f64::from(dv);
                    }
                }
            }
        }
        for by_pixel in [false, true] {
            let got = grad_weight_by(&g, &x, &dy, by_pixel).unwrap();
            for (a, b) in got.iter().zip(&want) {
                assert!(
                    (f64::from(*a) - b).abs() <= 1e-5 * (1.0 + b.abs()),
                    "{g:?} by pixel {by_pixel}: {a} {b}"
                );
            }
        }
    }
}

#[test]
fn spreading_one_image_over_threads_gives_the_same_result() {
    // 64x48 outputs: large enough to be spread over two or three threads.
    let g = Geometry::new(&[1, 3, 64, 48], &[5, 3, 3, 3], 1, 1).unwrap();
    assert!(spread_blocks(&g, 2) && !spread_blocks(&g, 1));
    let x: Vec<f32> = (0..3 * 64 * 48).map(|v| (v as f32 * 0.37).sin()).collect();
    let w: Vec<f32> = (0..5 * 27).map(|v| (v as f32 * 0.21).cos()).collect();
    let dy: Vec<f32> = (0..5 * 64 * 48).map(|v| (v as f32 * 0.13).sin()).collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            (
                forward(&g, &x, &w).unwrap(),
                grad_weight(&g, &x, &dy).unwrap(),
            )
        })
    };
    let (out1, dw1) = run(1);
    for threads in [2, 3] {
        let (out, dw) = run(threads);
        for (a, b) in out.iter().zip(&out1).chain(dw.iter().zip(&dw1)) {
            assert!(
                (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                "{threads} threads: {a} {b}"
            );
        }
    }
}

#[test]
fn col2im_matches_its_definition() {
    for (shape, weight, stride, pad) in COPY_CASES {
        let whole = Geometry::new(&shape, &weight, stride, pad).unwrap();
        for block in [usize::MAX, 1] {
            let g = Geometry {
                block_bytes: block,
                ..whole
            };
            let mut dx = vec![0.5f32; g.c * g.h * g.w];
            let mut want = dx.clone();
            for rows in row_blocks(&g) {
                let width = rows.len() * g.wo;
                let cols: Vec<f32> = (0..g.ckk() * width)
                    .map(|v| ((v + rows.start * 7) as f32 * 0.61).sin())
                    .collect();
                col2im(&g, &cols, rows.clone(), &mut dx, false);
                for r in 0..g.ckk() {
                    let (c, ky, kx) = (r / (g.kh * g.kw), r / g.kw % g.kh, r % g.kw);
                    for (k, oy) in rows.clone().enumerate() {
                        for ox in 0..g.wo {
                            let iy = (oy * stride + ky) as isize - pad as isize;
                            let ix = (ox * stride + kx) as isize - pad as isize;
                            if (0..g.h as isize).contains(&iy) && (0..g.w as isize).contains(&ix) {
                                want[(c * g.h + iy as usize) * g.w + ix as usize] +=
                                    cols[r * width + k * g.wo + ox];
                            }
                        }
                    }
                }
            }
            for (a, b) in dx.iter().zip(&want) {
                assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{g:?}: {a} {b}");
            }
        }
    }
}

#[test]
fn col2im_is_the_adjoint_of_im2col() {
    // <im2col(x), c> = <x, col2im(c)> for random x and c.
    let g = Geometry::new(&[1, 2, 5, 6], &[1, 2, 3, 3], 2, 1).unwrap();
    let x: Vec<f32> = (0..60).map(|v| (v as f32 * 0.7).sin()).collect();
    let c: Vec<f32> = (0..g.ckk() * g.hw_out())
        .map(|v| (v as f32 * 0.3).cos())
        .collect();
    let mut cols = vec![0.0; c.len()];
    im2col(&g, &x, 0..g.ho, &mut cols, false);
    let mut dx = vec![0.0; x.len()];
    col2im(&g, &c, 0..g.ho, &mut dx, true);
    let a: f32 = cols.iter().zip(&c).map(|(p, q)| p * q).sum();
    let b: f32 = x.iter().zip(&dx).map(|(p, q)| p * q).sum();
    assert!((a - b).abs() < 1e-4, "{a} {b}");
}

#[test]
fn strided_copies_match_their_definitions() {
    for stride in 1..=3 {
        for n in 0..12 {
            let src: Vec<f32> = (0..(n.max(1) - 1) * stride + 1 + stride % 2)
                .map(|v| v as f32 + 0.5)
                .collect();
            let mut dst = vec![-1.0; n];
            gather_strided(&mut dst, &src, stride);
            let expected: Vec<f32> = (0..n).map(|k| src[k * stride]).collect();
            assert_eq!(dst, expected, "gather stride {stride} n {n}");

            let mut acc = vec![1.0; src.len()];
            scatter_add_strided(&mut acc, &expected, stride);
            let mut want = vec![1.0; src.len()];
            for (k, v) in expected.iter().enumerate() {
                want[k * stride] += v;
            }
            assert_eq!(acc, want, "scatter stride {stride} n {n}");
        }
    }
}
