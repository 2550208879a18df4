//! Images as the classic metrics see them: one channel of `f64` samples, row-major, on
//! the 0..255 scale of the authors' MATLAB code ([`Plane`]), and colour images as three
//! of them ([`RgbPlanes`]).

use super::ClassicError;

/// MATLAB `rgb2gray` weights (the inverse of its YIQ matrix, as MATLAB computes them).
pub const RGB2GRAY: [f64; 3] = [
    0.298_936_021_293_775,
    0.587_043_074_451_121,
    0.114_020_904_255_103,
];

/// One channel of an image: `height` rows of `width` samples, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    width: usize,
    height: usize,
    data: Vec<f64>,
}

impl Plane {
    /// A plane of `width x height` samples given row by row.
    pub fn new(width: usize, height: usize, data: Vec<f64>) -> Result<Plane, ClassicError> {
        let expected = width.saturating_mul(height);
        if data.len() != expected {
            return Err(ClassicError::PlaneLength {
                width,
                height,
                expected,
                actual: data.len(),
            });
        }
        Ok(Plane {
            width,
            height,
            data,
        })
    }

    /// A plane of zeros.
    pub fn zeros(width: usize, height: usize) -> Plane {
        Plane {
            width,
            height,
            data: vec![0.0; width * height],
        }
    }

    /// A plane whose sample at (`row`, `col`) is `f(row, col)`.
    pub fn from_fn(width: usize, height: usize, mut f: impl FnMut(usize, usize) -> f64) -> Plane {
        let mut data = Vec::with_capacity(width * height);
        for row in 0..height {
            for col in 0..width {
                data.push(f(row, col));
            }
        }
        Plane {
            width,
            height,
            data,
        }
    }

    /// Samples per row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The samples, row-major.
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// The samples, row-major, for writing.
    pub fn data_mut(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// The samples, row-major, taken out.
    pub fn into_data(self) -> Vec<f64> {
        self.data
    }

    /// The sample at (`row`, `col`); both must be in range.
    pub fn at(&self, row: usize, col: usize) -> f64 {
        self.data[row * self.width + col]
    }

    /// Row `row` (must be in range).
    pub fn row(&self, row: usize) -> &[f64] {
        &self.data[row * self.width..(row + 1) * self.width]
    }

    /// A plane of `f` applied to every sample.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Plane {
        Plane {
            width: self.width,
            height: self.height,
            data: self.data.iter().map(|&v| f(v)).collect(),
        }
    }

    /// Checks that the plane is at least `min_height x min_width`.
    pub fn check_min(
        &self,
        metric: &'static str,
        (min_height, min_width): (usize, usize),
        why: &'static str,
    ) -> Result<(), ClassicError> {
        if self.height < min_height || self.width < min_width {
            return Err(ClassicError::TooSmall {
                metric,
                height: self.height,
                width: self.width,
                min_height,
                min_width,
                why,
            });
        }
        Ok(())
    }

    /// Checks that `other` has this plane's size (this one is the reference).
    pub fn check_same_size(&self, metric: &'static str, other: &Plane) -> Result<(), ClassicError> {
        if self.width != other.width || self.height != other.height {
            return Err(ClassicError::SizeMismatch {
                metric,
                ref_width: self.width,
                ref_height: self.height,
                dist_width: other.width,
                dist_height: other.height,
            });
        }
        Ok(())
    }
}

/// A colour image as three planes on the 0..255 scale.
#[derive(Debug, Clone, PartialEq)]
pub struct RgbPlanes {
    /// Red.
    pub r: Plane,
    /// Green.
    pub g: Plane,
    /// Blue.
    pub b: Plane,
}

impl RgbPlanes {
    /// The planes of an interleaved 8-bit RGB buffer of `width x height` pixels.
    pub fn from_rgb8(width: usize, height: usize, rgb: &[u8]) -> Result<RgbPlanes, ClassicError> {
        let expected = width.saturating_mul(height).saturating_mul(3);
        if rgb.len() != expected {
            return Err(ClassicError::PlaneLength {
                width,
                height,
                expected,
                actual: rgb.len(),
            });
        }
        let channel =
            |c: usize| -> Vec<f64> { rgb.chunks_exact(3).map(|p| f64::from(p[c])).collect() };
        Ok(RgbPlanes {
            r: Plane::new(width, height, channel(0))?,
            g: Plane::new(width, height, channel(1))?,
            b: Plane::new(width, height, channel(2))?,
        })
    }

    /// Samples per row.
    pub fn width(&self) -> usize {
        self.r.width
    }

    /// Rows.
    pub fn height(&self) -> usize {
        self.r.height
    }

    /// MATLAB `double(rgb2gray(I))` for 8-bit `I`: the weighted sum rounded half up to an
    /// integer, as MATLAB's conversion back to `uint8` does (the sum is never negative).
    pub fn rgb2gray_u8(&self) -> Plane {
        let data = self
            .r
            .data
            .iter()
            .zip(&self.g.data)
            .zip(&self.b.data)
            .map(|((&r, &g), &b)| {
                (RGB2GRAY[0] * r + RGB2GRAY[1] * g + RGB2GRAY[2] * b + 0.5).floor()
            })
            .collect();
        Plane {
            width: self.r.width,
            height: self.r.height,
            data,
        }
    }
}
