//! Two-dimensional discrete Fourier transforms of row-major complex grids, with NumPy's
//! conventions (unnormalised forward transform, `1 / (width * height)` on the inverse,
//! zero frequency at index 0) and NumPy's `fftshift` / `ifftshift`.

use rustfft::FftPlanner;
pub use rustfft::num_complex::Complex64;

use super::Plane;

/// Which way a transform goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Forward, unnormalised (`numpy.fft.fft2`).
    Forward,
    /// Inverse, scaled by `1 / (width * height)` (`numpy.fft.ifft2`).
    Inverse,
}

/// Transforms `data` (`height` rows of `width` values) in place.
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
    row_fft.process(data);
    let mut column = vec![Complex64::new(0.0, 0.0); height];
    for col in 0..width {
        for (row, v) in column.iter_mut().enumerate() {
            *v = data[row * width + col];
        }
        col_fft.process(&mut column);
        for (row, v) in column.iter().enumerate() {
            data[row * width + col] = *v;
        }
    }
    if direction == Direction::Inverse {
        let scale = 1.0 / (width * height) as f64;
        for v in data.iter_mut() {
            *v *= scale;
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
