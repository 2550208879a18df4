//! The colour spaces of FSIMc and VSI, and the checks every colour full-reference metric
//! makes on its pair of images.
//!
//! YIQ follows FeatureSIM.m (Zhang et al. 2011), LMN follows VSI.m (Zhang et al. 2014),
//! and CIELAB follows `rgb_to_lab_NCHW` of IQA-optimization (K. Ding), the SDSP colour
//! conversion of the PyTorch VSI, including its white-point quirk (X and Z are multiplied
//! by the D65 white instead of divided by it).

use super::byte_table::all_bytes;
use super::{ClassicError, Plane, RgbPlanes};

/// FeatureSIM.m's YIQ: rows give Y, I and Q from R, G, B.
pub(super) const YIQ: [[f64; 3]; 3] = [
    [0.299, 0.587, 0.114],
    [0.596, -0.274, -0.322],
    [0.211, -0.523, 0.312],
];

/// VSI's LMN opponent space: rows give L, M and N from R, G, B.
pub(super) const LMN: [[f64; 3]; 3] =
    [[0.06, 0.63, 0.27], [0.30, 0.04, -0.35], [0.34, -0.60, 0.17]];

/// Checks that both images have three planes of one size, that the two images have the
/// same size, and that they are at least `min` (height, width).
pub(super) fn check_pair(
    metric: &'static str,
    reference: &RgbPlanes,
    distorted: &RgbPlanes,
    min: (usize, usize),
    why: &'static str,
) -> Result<(), ClassicError> {
    for (image, planes) in [("reference", reference), ("distorted image", distorted)] {
        let same = |p: &Plane| p.width() == planes.r.width() && p.height() == planes.r.height();
        if !same(&planes.g) || !same(&planes.b) {
            return Err(ClassicError::Undefined {
                metric,
                reason: format!("the colour planes of the {image} differ in size"),
            });
        }
    }
    reference.r.check_same_size(metric, &distorted.r)?;
    reference.r.check_min(metric, min, why)
}

/// The three planes (row-major samples) `matrix[k][0] R + matrix[k][1] G + matrix[k][2] B`,
/// summed left to right as the reference code does.
pub(super) fn linear_transform(rgb: &RgbPlanes, matrix: &[[f64; 3]; 3]) -> [Vec<f64>; 3] {
    let (r, g, b) = (rgb.r.data(), rgb.g.data(), rgb.b.data());
    matrix.map(|[kr, kg, kb]| {
        r.iter()
            .zip(g)
            .zip(b)
            .map(|((&r, &g), &b)| kr * r + kg * g + kb * b)
            .collect()
    })
}

/// CIELAB (L, a, b) of 0..255 RGB as IQA-optimization computes it: sRGB linearisation of
/// `clip(c / 255, 0, 1)`, the sRGB/D65 XYZ matrix, X and Z multiplied by 0.950456 and
/// 1.088754, and the CIE `f` with the linear segment below `(6/29)^3`. Row-major planes.
pub(super) fn lab_iqa_optimization(rgb: &RgbPlanes) -> [Vec<f64>; 3] {
    let (r, g, b) = (rgb.r.data(), rgb.g.data(), rgb.b.data());
    let n = r.len();
    let mut out = [
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    ];
    let mut push = |[l, a, b]: [f64; 3]| {
        out[0].push(l);
        out[1].push(a);
        out[2].push(b);
    };
    if all_bytes(r) && all_bytes(g) && all_bytes(b) {
        // 8-bit colours: the linearisation from a table, and each colour's Lab kept in a
        // direct-mapped cache (natural images repeat colours a lot); the same numbers as
        // converting every pixel.
        let table: [f64; 256] = std::array::from_fn(|i| srgb_linearise(i as f64));
        let mut cache = vec![(u32::MAX, [0.0; 3]); LAB_CACHE_SIZE];
        for ((&r, &g), &b) in r.iter().zip(g).zip(b) {
            let (r, g, b) = (r as usize, g as usize, b as usize);
            let key = ((r << 16) | (g << 8) | b) as u32;
            let slot = &mut cache[(key.wrapping_mul(0x9E37_79B1) >> 16) as usize % LAB_CACHE_SIZE];
            if slot.0 != key {
                *slot = (key, linear_rgb_to_lab(table[r], table[g], table[b]));
            }
            push(slot.1);
        }
    } else {
        for ((&r, &g), &b) in r.iter().zip(g).zip(b) {
            push(linear_rgb_to_lab(
                srgb_linearise(r),
                srgb_linearise(g),
                srgb_linearise(b),
            ));
        }
    }
    out
}

/// Slots of the colour cache of [`lab_iqa_optimization`].
const LAB_CACHE_SIZE: usize = 1 << 16;

/// The sRGB curve of `clip(c / 255, 0, 1)`.
fn srgb_linearise(c: f64) -> f64 {
    let v = (c / 255.0).clamp(0.0, 1.0);
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// Lab of linear RGB, with IQA-optimization's white-point multiplication.
fn linear_rgb_to_lab(r: f64, g: f64, b: f64) -> [f64; 3] {
    let d = 6.0_f64 / 29.0;
    let f = |t: f64| {
        if t <= d.powf(3.0) {
            t / (3.0 * d * d) + 4.0 / 29.0
        } else {
            t.max(1e-12).powf(1.0 / 3.0)
        }
    };
    let x = (0.412453 * r + 0.357580 * g + 0.180423 * b) * 0.950456;
    let y = 0.212671 * r + 0.715160 * g + 0.072169 * b;
    let z = (0.019334 * r + 0.119193 * g + 0.950227 * b) * 1.088754;
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}
