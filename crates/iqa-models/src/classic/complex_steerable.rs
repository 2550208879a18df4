//! The oriented bands of the coarsest level of the complex steerable pyramid of
//! matlabPyrTools' `buildSCFpyr` (Portilla and Simoncelli, IJCV 2000; `order = nbands - 1`,
//! `twidth = 1`), the only ones CW-SSIM (`cwssim_index.m`) uses.
//!
//! The pyramid works on the centred DFT: each level keeps its central half and multiplies
//! it by a raised-cosine low-pass mask, and the last level multiplies by a raised-cosine
//! high-pass mask and by each angular mask before an inverse DFT. Since the masks act
//! sample by sample, only the DFT samples inside the final central region are computed
//! (row transforms of the whole image, then column transforms of only the columns that
//! region keeps), and the masks only there. NumPy / MATLAB conventions throughout
//! (`fftshift` rolls by `floor(n / 2)`).

use rustfft::FftPlanner;

use super::Plane;
use super::fft2::{Complex64, ifft2, ifftshift};

/// The last level's bands, each `width x height` complex samples, row-major.
pub struct CoarsestBands {
    /// Samples per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// One band per orientation.
    pub bands: Vec<Vec<Complex64>>,
}

/// The side of the last level's bands for an image side `n`: the central part kept by
/// `levels - 1` halvings (`ceil((n - 0.5) / 2)` each).
pub fn coarsest_side(n: usize, levels: usize) -> usize {
    (1..levels).fold(n, |d, _| d.div_ceil(2))
}

/// The `nbands` oriented bands of the coarsest of `levels >= 1` levels of `image`.
pub fn coarsest_bands(image: &Plane, levels: usize, nbands: usize) -> CoarsestBands {
    let (w, h) = (image.width(), image.height());
    // The region of the centred DFT that the halvings keep: start (0-based) and size.
    let (mut row0, mut col0, mut hh, mut ww) = (0, 0, h, w);
    for _ in 1..levels {
        let crop = |d: usize| -> (usize, usize) {
            let centre = d / 2 + 1; // ceil((d + 0.5) / 2)
            let lodims = d.div_ceil(2); // ceil((d - 0.5) / 2)
            let loctr = lodims / 2 + 1;
            (centre - loctr, lodims)
        };
        let (dr, nh) = crop(hh);
        let (dc, nw) = crop(ww);
        row0 += dr;
        col0 += dc;
        hh = nh;
        ww = nw;
    }
    let spectrum = central_dft(image, (row0, hh), (col0, ww));

    // Polar coordinates of the centred grid at the kept samples.
    let (ctr_row, ctr_col) = (h / 2 + 1, w / 2 + 1); // 1-based, ceil((n + 0.5) / 2)
    let xramp = |j: usize| ((j + 1) as f64 - ctr_col as f64) / (w as f64 / 2.0);
    let yramp = |i: usize| ((i + 1) as f64 - ctr_row as f64) / (h as f64 / 2.0);
    let mut log_rad = Vec::with_capacity(hh * ww);
    let mut angle = Vec::with_capacity(hh * ww);
    for i in row0..row0 + hh {
        for j in col0..col0 + ww {
            let (x, y) = (xramp(j), yramp(i));
            angle.push(y.atan2(x));
            // The zero frequency takes the radius of its left neighbour.
            let x = if (i + 1, j + 1) == (ctr_row, ctr_col) {
                xramp(j - 1)
            } else {
                x
            };
            log_rad.push((x * x + y * y).sqrt().log2());
        }
    }

    let (mut xrcos, yrcos) = raised_cosine(1.0, -0.5);
    let yrcos: Vec<f64> = yrcos.iter().map(|v| v.sqrt()).collect();
    let yircos: Vec<f64> = yrcos.iter().map(|v| (1.0 - v * v).sqrt()).collect();
    let mut lodft = spectrum;
    let apply_lowpass = |lodft: &mut [Complex64], xrcos: &[f64]| {
        for (v, &r) in lodft.iter_mut().zip(&log_rad) {
            *v *= interp(r, xrcos, &yircos);
        }
    };
    apply_lowpass(&mut lodft, &xrcos);
    for _ in 1..levels {
        xrcos.iter_mut().for_each(|x| *x -= 1.0);
        apply_lowpass(&mut lodft, &xrcos);
    }
    xrcos.iter_mut().for_each(|x| *x -= 1.0);
    let himask: Vec<f64> = log_rad.iter().map(|&r| interp(r, &xrcos, &yrcos)).collect();

    let (xcosn, ycosn) = angular_table(nbands);
    // (-i)^(nbands - 1) is exactly one of 1, -i, -1, i.
    let phase = match (nbands - 1) % 4 {
        0 => Complex64::new(1.0, 0.0),
        1 => Complex64::new(0.0, -1.0),
        2 => Complex64::new(-1.0, 0.0),
        _ => Complex64::new(0.0, 1.0),
    };
    let bands = (0..nbands)
        .map(|b| {
            let shift = std::f64::consts::PI * b as f64 / nbands as f64;
            let table_x: Vec<f64> = xcosn.iter().map(|x| x + shift).collect();
            let banddft: Vec<Complex64> = lodft
                .iter()
                .zip(&angle)
                .zip(&himask)
                .map(|((&v, &a), &hi)| phase * v * interp(a, &table_x, &ycosn) * hi)
                .collect();
            ifft2(&ifftshift(&banddft, ww, hh), ww, hh)
        })
        .collect();
    CoarsestBands {
        width: ww,
        height: hh,
        bands,
    }
}

/// The centred DFT (`fftshift(fft2(image))`) at rows `row0..row0 + rows` and columns
/// `col0..col0 + cols`, row-major.
fn central_dft(
    image: &Plane,
    (row0, rows): (usize, usize),
    (col0, cols): (usize, usize),
) -> Vec<Complex64> {
    let (w, h) = (image.width(), image.height());
    // Centred index i holds frequency (i - floor(n / 2)) mod n.
    let freq_cols: Vec<usize> = (col0..col0 + cols).map(|j| (j + w - w / 2) % w).collect();
    let freq_rows: Vec<usize> = (row0..row0 + rows).map(|i| (i + h - h / 2) % h).collect();
    let mut planner = FftPlanner::<f64>::new();
    let row_fft = planner.plan_fft_forward(w);
    let col_fft = planner.plan_fft_forward(h);
    // Row transforms, two real rows at a time as the real and imaginary parts of one
    // complex row; kept[c][y] = DFT of row y at frequency freq_cols[c].
    let mut kept = vec![Complex64::new(0.0, 0.0); cols * h];
    let mut line = vec![Complex64::new(0.0, 0.0); w];
    let mut scratch = vec![Complex64::new(0.0, 0.0); row_fft.get_inplace_scratch_len()];
    for y in (0..h).step_by(2) {
        let second = (y + 1 < h).then(|| image.row(y + 1));
        for (k, v) in line.iter_mut().enumerate() {
            *v = Complex64::new(image.at(y, k), second.map_or(0.0, |r| r[k]));
        }
        row_fft.process_with_scratch(&mut line, &mut scratch);
        for (c, &f) in freq_cols.iter().enumerate() {
            let z = line[f];
            let zc = line[(w - f) % w].conj();
            kept[c * h + y] = (z + zc) * 0.5;
            if y + 1 < h {
                kept[c * h + y + 1] = (z - zc) * Complex64::new(0.0, -0.5);
            }
        }
    }
    let mut scratch = vec![Complex64::new(0.0, 0.0); col_fft.get_inplace_scratch_len()];
    let mut out = vec![Complex64::new(0.0, 0.0); rows * cols];
    for (c, column) in kept.chunks_exact_mut(h).enumerate() {
        col_fft.process_with_scratch(column, &mut scratch);
        for (r, &f) in freq_rows.iter().enumerate() {
            out[r * cols + c] = column[f];
        }
    }
    out
}

/// `rcosFn(width, position, [0 1])`: 259 samples of a squared-cosine step from 0 to 1, the
/// end values repeated. Returns (x, y).
fn raised_cosine(width: f64, position: f64) -> (Vec<f64>, Vec<f64>) {
    use std::f64::consts::PI;
    const N: i32 = 256;
    let x: Vec<f64> = (-N - 1..2)
        .map(|k| PI * f64::from(k) / f64::from(2 * N))
        .collect();
    let mut y: Vec<f64> = x.iter().map(|v| v.cos() * v.cos()).collect();
    let n = N as usize;
    y[0] = y[1];
    y[n + 2] = y[n + 1];
    let x = x
        .iter()
        .map(|v| position + (2.0 * width / PI) * (v + PI / 4.0))
        .collect();
    (x, y)
}

/// The angular mask table of `buildSCFpyr`: `2 sqrt(const) cos(x)^order` where the
/// angle lies within a quarter turn, 0 elsewhere. Returns (x, y).
fn angular_table(nbands: usize) -> (Vec<f64>, Vec<f64>) {
    use std::f64::consts::PI;
    const LUTSIZE: i32 = 1024;
    let order = nbands.saturating_sub(1) as u32;
    // (2^(2 order) (order!)^2) / (nbands (2 order)!), the ratio rounded once.
    let factorial = |n: u32| -> f64 { (1..=n).map(f64::from).product() };
    let constant = (2f64.powi(2 * order as i32) * factorial(order) * factorial(order))
        / (nbands as f64 * factorial(2 * order));
    let scale = 2.0 * constant.sqrt();
    let x: Vec<f64> = (-(2 * LUTSIZE + 1)..LUTSIZE + 2)
        .map(|k| PI * f64::from(k) / f64::from(LUTSIZE))
        .collect();
    let y = x
        .iter()
        .map(|&v| {
            let alpha = numpy_mod(PI + v, 2.0 * PI) - PI;
            let inside = if alpha.abs() < PI / 2.0 { 1.0 } else { 0.0 };
            scale * v.cos().powf(f64::from(order)) * inside
        })
        .collect();
    (x, y)
}

/// `numpy.mod` for floats: the remainder with the sign of the divisor.
fn numpy_mod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        m + b
    } else if m == 0.0 {
        0.0f64.copysign(b)
    } else {
        m
    }
}

/// `numpy.interp(x, xp, fp)` for increasing `xp`: linear interpolation, the end values
/// outside (`pointOp` extrapolates instead, but every table here is flat at its ends or
/// covers all inputs).
fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len();
    if n == 0 {
        return f64::NAN;
    }
    if x < xp[0] {
        return fp[0];
    }
    if x >= xp[n - 1] {
        return fp[n - 1];
    }
    // The j with xp[j] <= x < xp[j + 1].
    let j = xp.partition_point(|&v| v <= x) - 1;
    if xp[j] == x {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    slope * (x - xp[j]) + fp[j]
}
