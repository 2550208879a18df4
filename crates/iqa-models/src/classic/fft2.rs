//! Two-dimensional discrete Fourier transforms of row-major complex grids, with NumPy's
//! conventions (unnormalised forward transform, `1 / (width * height)` on the inverse,
//! zero frequency at index 0) and NumPy's `fftshift` / `ifftshift`.

use std::sync::Arc;

use rayon::prelude::*;
pub use rustfft::num_complex::Complex64;
use rustfft::{Fft, FftPlanner};

use super::Plane;

/// Which way a transform goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Forward, unnormalised (`numpy.fft.fft2`).
    Forward,
    /// Inverse, scaled by `1 / (width * height)` (`numpy.fft.ifft2`).
    Inverse,
}

/// Transforms `data` (`height` rows of `width` values) in place: the rows, then the
/// columns (through a transposed copy, so that both passes run over contiguous lines),
/// each pass spread over rayon's threads. Every line is the same 1-D transform whichever
/// thread runs it, so the result does not depend on the number of threads.
pub fn fft2_in_place(data: &mut [Complex64], width: usize, height: usize, direction: Direction) {
    debug_assert_eq!(data.len(), width * height);
    if width == 0 || height == 0 {
        return;
    }
    let mut planner = FftPlanner::<f64>::new();
    let (row_fft, col_fft) = match direction {
        Direction::Forward => (
            planner.plan_fft_forward(width),
            planner.plan_fft_forward(height),
        ),
        Direction::Inverse => (
            planner.plan_fft_inverse(width),
            planner.plan_fft_inverse(height),
        ),
    };
    let zero = Complex64::new(0.0, 0.0);
    let lines = |data: &mut [Complex64], len: usize, fft: &Arc<dyn Fft<f64>>| {
        let scratch_len = fft.get_inplace_scratch_len();
        data.par_chunks_mut(len).for_each_init(
            || vec![zero; scratch_len],
            |scratch, line| fft.process_with_scratch(line, scratch),
        );
    };
    lines(data, width, &row_fft);
    let mut columns = vec![zero; width * height];
    transpose(data, &mut columns, width, height);
    lines(&mut columns, height, &col_fft);
    transpose(&columns, data, height, width);
    if direction == Direction::Inverse {
        let scale = 1.0 / (width * height) as f64;
        data.par_iter_mut().for_each(|v| *v *= scale);
    }
}

/// Writes the transpose of `from` (`height` rows of `width`) into `to` (`width` rows of
/// `height`), in tiles that stay in cache.
fn transpose(from: &[Complex64], to: &mut [Complex64], width: usize, height: usize) {
    const TILE: usize = 32;
    for row0 in (0..height).step_by(TILE) {
        for col0 in (0..width).step_by(TILE) {
            for row in row0..(row0 + TILE).min(height) {
                for col in col0..(col0 + TILE).min(width) {
                    to[col * height + row] = from[row * width + col];
                }
            }
        }
    }
}

/// The forward transform of a real plane.
pub fn fft2(plane: &Plane) -> Vec<Complex64> {
    let mut data: Vec<Complex64> = plane
        .data()
        .iter()
        .map(|&v| Complex64::new(v, 0.0))
        .collect();
    fft2_in_place(&mut data, plane.width(), plane.height(), Direction::Forward);
    data
}

/// The inverse transform of `spectrum` (`height` rows of `width`), complex.
pub fn ifft2(spectrum: &[Complex64], width: usize, height: usize) -> Vec<Complex64> {
    let mut data = spectrum.to_vec();
    fft2_in_place(&mut data, width, height, Direction::Inverse);
    data
}

/// The real part of the inverse transform of `spectrum`, as a plane.
pub fn ifft2_real(spectrum: &[Complex64], width: usize, height: usize) -> Plane {
    let data = ifft2(spectrum, width, height);
    Plane::from_fn(width, height, |row, col| data[row * width + col].re)
}

/// `numpy.fft.fftshift` of a row-major grid: rolls rows by `floor(height / 2)` and columns
/// by `floor(width / 2)`.
pub fn fftshift<T: Copy>(data: &[T], width: usize, height: usize) -> Vec<T> {
    roll(data, width, height, height / 2, width / 2)
}

/// `numpy.fft.ifftshift`: the inverse of [`fftshift`] (they differ for odd sizes).
pub fn ifftshift<T: Copy>(data: &[T], width: usize, height: usize) -> Vec<T> {
    roll(data, width, height, height - height / 2, width - width / 2)
}

/// `numpy.roll` by `down` rows and `right` columns (both below the size).
fn roll<T: Copy>(data: &[T], width: usize, height: usize, down: usize, right: usize) -> Vec<T> {
    let mut out = data.to_vec();
    for row in 0..height {
        let to_row = (row + down) % height.max(1);
        for col in 0..width {
            let to_col = (col + right) % width.max(1);
            out[to_row * width + to_col] = data[row * width + col];
        }
    }
    out
}
