//! DFSS-IQA's "SPSP" statistics of a feature map: its adaptive average over a 3x3 grid and
//! the standard deviation over the same cells, side by side (2C channels at 3x3).

use candle_core::{D, Tensor};

use crate::Result;

/// The grid of the statistics.
const GRID: usize = 3;

/// PyTorch's adaptive average pooling of one axis: the cells of output `i` run from
/// floor(i * n / out) to ceil((i + 1) * n / out). It also works when `out` > `n` (cells
/// overlap and repeat values), which DFSS-IQA needs for its 2x2 and 1x1 maps.
fn cells(n: usize, out: usize) -> Vec<(usize, usize)> {
    (0..out)
        .map(|i| {
            let start = i * n / out;
            let end = ((i + 1) * n).div_ceil(out);
            (start, end - start)
        })
        .collect()
}

/// Adaptive average pooling of `N x C x H x W` to `N x C x out x out`.
pub(crate) fn adaptive_avg_pool2d(x: &Tensor, out: usize) -> Result<Tensor> {
    let (_, _, h, w) = x.dims4()?;
    let (rows, cols) = (cells(h, out), cells(w, out));
    let mut grid = Vec::with_capacity(out);
    for &(y0, hy) in &rows {
        let band = x.narrow(2, y0, hy)?;
        let mut row = Vec::with_capacity(out);
        for &(x0, wx) in &cols {
            row.push(
                band.narrow(3, x0, wx)?
                    .mean_keepdim(D::Minus1)?
                    .mean_keepdim(2)?,
            );
        }
        grid.push(Tensor::cat(&row, 3)?);
    }
    Ok(Tensor::cat(&grid, 2)?)
}

/// The variance under which a cell's deviation is taken as sqrt(VARIANCE_FLOOR) = 1e-6:
/// the square root's gradient at 0 is infinite, and every cell of a 1x1 map has variance
/// exactly 0, so candle's chain rule would give 0 * inf = NaN there. PyTorch's ReLU
/// backward selects 0 instead of multiplying, so its gradient is 0 there, as the floor's.
const VARIANCE_FLOOR: f64 = 1e-12;

/// The mean and the standard deviation (sqrt of max(E[x^2] - E[x]^2, 1e-12)) of `x` over
/// each cell of a 3x3 grid, concatenated along channels.
pub(crate) fn spsp(x: &Tensor) -> Result<Tensor> {
    let mean = adaptive_avg_pool2d(x, GRID)?;
    let square = adaptive_avg_pool2d(&x.sqr()?, GRID)?;
    let std = (square - mean.sqr()?)?.maximum(VARIANCE_FLOOR)?.sqrt()?;
    Ok(Tensor::cat(&[&mean, &std], 1)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn cells_match_pytorch_also_when_growing() {
        assert_eq!(cells(16, 3), vec![(0, 6), (5, 6), (10, 6)]);
        assert_eq!(cells(8, 3), vec![(0, 3), (2, 4), (5, 3)]);
        assert_eq!(cells(2, 3), vec![(0, 1), (0, 2), (1, 1)]);
        assert_eq!(cells(1, 3), vec![(0, 1), (0, 1), (0, 1)]);
    }

    #[test]
    fn statistics_of_a_known_map() {
        // A 2x2 map [[1, 2], [3, 5]]: the middle cell covers all four (mean 2.75, std
        // sqrt(39/4 - 2.75^2) = 1.479), the corner cells one value each (std 0).
        let x = Tensor::new(&[[[[1f32, 2.], [3., 5.]]]], &Device::Cpu).unwrap();
        let s = spsp(&x).unwrap();
        assert_eq!(s.dims(), &[1, 2, 3, 3]);
        let v: Vec<Vec<Vec<f32>>> = s.squeeze(0).unwrap().to_vec3().unwrap();
        assert_eq!(v[0][0], vec![1.0, 1.5, 2.0]);
        assert!((v[0][1][1] - 2.75).abs() < 1e-6);
        assert!((v[1][1][1] - 1.4790199).abs() < 1e-5, "{}", v[1][1][1]);
        assert!(v[1][0][0] <= 1e-6);
    }
}
