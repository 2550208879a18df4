//! The CPU kernels of max pooling and nearest-neighbour upsampling, NCHW f32, one plane
//! (an image's channel) per parallel task.

use rayon::prelude::*;

/// The sizes of a stack of `planes` planes of `h x w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planes {
    /// Planes (batch x channels).
    pub planes: usize,
    /// Height.
    pub h: usize,
    /// Width.
    pub w: usize,
}

impl Planes {
    fn len(&self) -> usize {
        self.planes * self.h * self.w
    }

    fn plane(&self) -> usize {
        (self.h * self.w).max(1)
    }
}

/// Max pooling with a `k x k` window at stride `k` (the last rows and columns that do not
/// fill a window are dropped, as in PyTorch and candle).
pub fn max_pool(p: Planes, k: usize, x: &[f32]) -> Vec<f32> {
    let (ho, wo) = (p.h / k, p.w / k);
    let mut out = vec![0.0f32; p.planes * ho * wo];
    out.par_chunks_mut((ho * wo).max(1))
        .zip(x.par_chunks(p.plane()))
        .for_each(|(o, plane)| {
            for oy in 0..ho {
                for ox in 0..wo {
                    let mut best = f32::NEG_INFINITY;
                    for row in plane[oy * k * p.w..].chunks(p.w).take(k) {
                        for &v in &row[ox * k..ox * k + k] {
                            best = best.max(v);
                        }
                    }
                    o[oy * wo + ox] = best;
                }
            }
        });
    out
}

/// The gradient of [`max_pool`]: each window's output gradient goes to the first element
/// (in row-major order) equal to the window's maximum `out`, as in PyTorch.
pub fn max_pool_grad(p: Planes, k: usize, x: &[f32], out: &[f32], grad: &[f32]) -> Vec<f32> {
    let (ho, wo) = (p.h / k, p.w / k);
    let mut dx = vec![0.0f32; p.len()];
    dx.par_chunks_mut(p.plane())
        .zip(x.par_chunks(p.plane()))
        .zip(
            out.par_chunks((ho * wo).max(1))
                .zip(grad.par_chunks((ho * wo).max(1))),
        )
        .for_each(|((d, plane), (o, g))| {
            for oy in 0..ho {
                for ox in 0..wo {
                    let best = o[oy * wo + ox];
                    'window: for y in oy * k..oy * k + k {
                        for xx in ox * k..ox * k + k {
                            if plane[y * p.w + xx] == best {
                                d[y * p.w + xx] += g[oy * wo + ox];
                                break 'window;
                            }
                        }
                    }
                }
            }
        });
    dx
}

/// The source index of each destination index of nearest-neighbour resizing from `src` to
/// `dst` elements (candle's and PyTorch's `nearest`: `floor(i * src / dst)`).
fn nearest(src: usize, dst: usize) -> Vec<usize> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|i| ((i as f64 * scale) as usize).min(src.saturating_sub(1)))
        .collect()
}

/// Nearest-neighbour resizing of every plane to `th x tw`.
pub fn upsample(p: Planes, th: usize, tw: usize, x: &[f32]) -> Vec<f32> {
    let (rows, cols) = (nearest(p.h, th), nearest(p.w, tw));
    let mut out = vec![0.0f32; p.planes * th * tw];
    out.par_chunks_mut((th * tw).max(1))
        .zip(x.par_chunks(p.plane()))
        .for_each(|(o, plane)| {
            for (line, &sy) in o.chunks_mut(tw.max(1)).zip(&rows) {
                let src = &plane[sy * p.w..(sy + 1) * p.w];
                for (v, &sx) in line.iter_mut().zip(&cols) {
                    *v = src[sx];
                }
            }
        });
    out
}

/// The gradient of [`upsample`]: each source element gets the sum of the gradients of
/// the destination elements copied from it.
pub fn upsample_grad(p: Planes, th: usize, tw: usize, grad: &[f32]) -> Vec<f32> {
    let (rows, cols) = (nearest(p.h, th), nearest(p.w, tw));
    let mut dx = vec![0.0f32; p.len()];
    dx.par_chunks_mut(p.plane())
        .zip(grad.par_chunks((th * tw).max(1)))
        .for_each(|(d, g)| {
            for (line, &sy) in g.chunks(tw.max(1)).zip(&rows) {
                let dst = &mut d[sy * p.w..(sy + 1) * p.w];
                for (&v, &sx) in line.iter().zip(&cols) {
                    dst[sx] += v;
                }
            }
        });
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_and_its_gradient_on_a_known_plane() {
        // One 3x4 plane; 2x2 windows: the last row is dropped.
        let p = Planes {
            planes: 1,
            h: 3,
            w: 4,
        };
        let x = [1.0, 5.0, 2.0, 2.0, 3.0, 5.0, 0.0, -1.0, 9.0, 9.0, 9.0, 9.0];
        let out = max_pool(p, 2, &x);
        assert_eq!(out, vec![5.0, 2.0]);
        let dx = max_pool_grad(p, 2, &x, &out, &[10.0, 20.0]);
        // The first 5 (row 0) takes the gradient, not the tie below it; the 2s tie too.
        assert_eq!(
            dx,
            vec![0.0, 10.0, 20.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        );
    }

    #[test]
    fn upsampling_and_its_gradient_on_a_known_plane() {
        let p = Planes {
            planes: 1,
            h: 2,
            w: 2,
        };
        let out = upsample(p, 4, 3, &[1.0, 2.0, 3.0, 4.0]);
        // Columns 0, 0, 1 (floor(j * 2 / 3)); rows 0, 0, 1, 1.
        assert_eq!(
            out,
            vec![1.0, 1.0, 2.0, 1.0, 1.0, 2.0, 3.0, 3.0, 4.0, 3.0, 3.0, 4.0]
        );
        let dx = upsample_grad(p, 4, 3, &[1.0; 12]);
        assert_eq!(dx, vec![4.0, 2.0, 4.0, 2.0]);
    }
}
