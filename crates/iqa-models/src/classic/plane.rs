//! A single-channel image of f64 samples, row-major, the working type of the classic
//! metrics (which follow their MATLAB originals in double precision).

/// A height x width plane of f64 samples, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `height * width` samples, row after row.
    pub data: Vec<f64>,
}

impl Plane {
    /// A plane of zeros.
    pub fn zeros(height: usize, width: usize) -> Plane {
        Plane { width, height, data: vec![0.0; width * height] }
    }

    /// The sample at row `r`, column `c`.
    pub fn at(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.width + c]
    }

    /// The luma of MATLAB's `rgb2gray` rounded to 8 bits, from interleaved 8-bit RGB:
    /// `floor(0.298936021293775 R + 0.587043074451121 G + 0.114020904255103 B + 0.5)`,
    /// as the official values of the classic metrics were computed.
    pub fn luma_u8(rgb: &[u8], height: usize, width: usize) -> Plane {
        let data = rgb
            .chunks_exact(3)
            .map(|p| {
                (0.298_936_021_293_775 * f64::from(p[0])
                    + 0.587_043_074_451_121 * f64::from(p[1])
                    + 0.114_020_904_255_103 * f64::from(p[2])
                    + 0.5)
                    .floor()
            })
            .collect();
        Plane { width, height, data }
    }
}
