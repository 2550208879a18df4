//! Separable 'valid' correlation (the SSIM family's Gaussian window) and MATLAB's
//! 'symmetric' padding, as tensor operations.
//!
//! On the CPU the correlation is a custom op.
//! candle's CPU `conv2d` lowers a 1 x 11 single-channel kernel to a generic im2col/matmul
//! path that spends most of its time copying; SSIM filters five full-resolution maps per
//! image, so that path made SSIM several times slower than scikit-image. This kernel runs the
//! column pass over whole contiguous rows (which the compiler vectorises), then the row pass,
//! one output row per rayon task. On other devices [`separable_valid`] uses candle's
//! `conv2d`, so results agree across devices to rounding.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, Device, Layout, Shape, Tensor, WithDType};
use rayon::prelude::*;

/// Correlates every map of `x` (B, 1, H, W) with the outer product of `taps` x `taps` over
/// the 'valid' region: (B, 1, H - k + 1, W - k + 1), k = `taps.len()`. On the CPU a
/// dedicated kernel (differentiable: its backward pass is the 'full' correlation with the
/// reversed kernel); elsewhere candle's `conv2d`, a row pass then a column pass.
pub fn separable_valid(x: &Tensor, taps: Vec<f64>) -> candle_core::Result<Tensor> {
    if x.device().is_cpu() {
        return x.contiguous()?.apply_op1(SeparableValid::new(taps));
    }
    let size = taps.len();
    let row = Tensor::from_vec(taps.clone(), (1, 1, 1, size), x.device())?.to_dtype(x.dtype())?;
    let col = Tensor::from_vec(taps, (1, 1, size, 1), x.device())?.to_dtype(x.dtype())?;
    x.conv2d(&row, 0, 1, 1, 1)?.conv2d(&col, 0, 1, 1, 1)
}

/// Indices that extend `len` positions by `before` and `after` with MATLAB's 'symmetric'
/// padding (mirror including the edge sample; pads wider than `len` mirror again), for
/// `index_select`.
pub fn symmetric_indices(
    len: usize,
    before: usize,
    after: usize,
    device: &Device,
) -> candle_core::Result<Tensor> {
    let len_i = len as i64;
    let indices: Vec<u32> = (-(before as i64)..len_i + after as i64)
        .map(|i| {
            let mut k = i;
            while k < 0 || k >= len_i {
                k = if k < 0 { -k - 1 } else { 2 * len_i - k - 1 };
            }
            k as u32
        })
        .collect();
    Tensor::from_vec(indices, before + len + after, device)
}

/// `x` extended along `dim` by `before` and `after` samples with 'symmetric' padding
/// (`[a b c]` padded by 2 after: `[a b c c b]`). An empty dimension is an error.
pub fn symmetric_pad(
    x: &Tensor,
    dim: usize,
    before: usize,
    after: usize,
) -> candle_core::Result<Tensor> {
    let len = x.dim(dim)?;
    if len == 0 {
        candle_core::bail!(
            "symmetric padding of an empty dimension {dim} of {:?}",
            x.dims()
        );
    }
    if before == 0 && after == 0 {
        return Ok(x.clone());
    }
    x.index_select(&symmetric_indices(len, before, after, x.device())?, dim)
}

/// Correlates every (H, W) plane of a (..., H, W) tensor with the outer product of
/// `taps` x `taps` over the 'valid' region: output (..., H - k + 1, W - k + 1).
#[derive(Debug, Clone)]
struct SeparableValid {
    taps: Vec<f64>,
}

impl SeparableValid {
    /// The op for a square separable kernel whose 1-D factor is `taps`.
    fn new(taps: Vec<f64>) -> Self {
        SeparableValid { taps }
    }

    fn filter<T: WithDType>(&self, input: &[T], planes: usize, h: usize, w: usize) -> Vec<T> {
        let k = self.taps.len();
        let (ho, wo) = (h + 1 - k, w + 1 - k);
        let taps: Vec<T> = self.taps.iter().map(|&t| T::from_f64(t)).collect();
        let mut out = vec![T::zero(); planes * ho * wo];
        out.par_chunks_mut(wo).enumerate().for_each_init(
            || vec![T::zero(); w],
            |column_sums, (index, out_row)| {
                let (plane, i) = (index / ho, index % ho);
                let plane = &input[plane * h * w..(plane + 1) * h * w];
                // Column pass: weighted sum of k consecutive input rows, whole rows at a time.
                column_sums.fill(T::zero());
                for (t, &tap) in taps.iter().enumerate() {
                    let row = &plane[(i + t) * w..(i + t + 1) * w];
                    for (sum, &x) in column_sums.iter_mut().zip(row) {
                        *sum += tap * x;
                    }
                }
                // Row pass over the column sums.
                for (j, out) in out_row.iter_mut().enumerate() {
                    let window = &column_sums[j..j + k];
                    let mut acc = T::zero();
                    for (&x, &tap) in window.iter().zip(&taps) {
                        acc += tap * x;
                    }
                    *out = acc;
                }
            },
        );
        out
    }
}

impl CustomOp1 for SeparableValid {
    fn name(&self) -> &'static str {
        "separable-valid-correlation"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let dims = layout.shape().dims();
        let k = self.taps.len();
        let (h, w) = match dims {
            [.., h, w] if *h >= k && *w >= k => (*h, *w),
            _ => candle_core::bail!(
                "{}: expected (..., H, W) with H, W >= {k}, got {:?}",
                self.name(),
                dims
            ),
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("{}: the input must be contiguous", self.name())
        };
        let planes = layout.shape().elem_count() / (h * w);
        let mut out_dims = dims.to_vec();
        let rank = out_dims.len();
        out_dims[rank - 2] = h + 1 - k;
        out_dims[rank - 1] = w + 1 - k;
        let out = match storage {
            CpuStorage::F32(v) => CpuStorage::F32(self.filter(&v[start..end], planes, h, w)),
            CpuStorage::F64(v) => CpuStorage::F64(self.filter(&v[start..end], planes, h, w)),
            other => candle_core::bail!(
                "{}: expected an f32 or f64 tensor, got {:?}",
                self.name(),
                other.dtype()
            ),
        };
        Ok((out, Shape::from(out_dims)))
    }

    /// The adjoint of a 'valid' correlation is the 'full' correlation of the gradient with
    /// the reversed kernel: pad by k - 1 zeros on each side, then correlate 'valid'.
    fn bwd(
        &self,
        _arg: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        let pad = self.taps.len() - 1;
        let rank = grad_res.rank();
        let padded = grad_res
            .pad_with_zeros(rank - 2, pad, pad)?
            .pad_with_zeros(rank - 1, pad, pad)?
            .contiguous()?;
        let reversed = SeparableValid::new(self.taps.iter().rev().copied().collect());
        Ok(Some(padded.apply_op1(reversed)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    /// Direct 2-D 'valid' correlation with the outer-product kernel, for comparison.
    fn direct(x: &[f64], h: usize, w: usize, taps: &[f64]) -> Vec<f64> {
        let k = taps.len();
        let mut out = Vec::new();
        for i in 0..=h - k {
            for j in 0..=w - k {
                let mut acc = 0.0;
                for a in 0..k {
                    for b in 0..k {
                        acc += taps[a] * taps[b] * x[(i + a) * w + j + b];
                    }
                }
                out.push(acc);
            }
        }
        out
    }

    #[test]
    fn cpu_kernel_agrees_with_conv2d() {
        let x = Tensor::rand(0f64, 255.0, (3, 1, 40, 57), &Device::Cpu).unwrap();
        let taps = vec![0.1, 0.2, 0.4, 0.2, 0.1];
        let fast = separable_valid(&x, taps.clone()).unwrap();
        let row = Tensor::from_vec(taps.clone(), (1, 1, 1, 5), &Device::Cpu).unwrap();
        let col = Tensor::from_vec(taps, (1, 1, 5, 1), &Device::Cpu).unwrap();
        let conv = x
            .conv2d(&row, 0, 1, 1, 1)
            .unwrap()
            .conv2d(&col, 0, 1, 1, 1)
            .unwrap();
        assert_eq!(fast.dims(), &[3, 1, 36, 53]);
        let diff: f64 = (fast - conv)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar()
            .unwrap();
        assert!(diff < 1e-10, "{diff}");
    }

    #[test]
    fn symmetric_padding_mirrors_the_edge() {
        let idx: Vec<u32> = symmetric_indices(4, 2, 3, &Device::Cpu)
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(idx, vec![1, 0, 0, 1, 2, 3, 3, 2, 1]);
        // Wider than the signal: mirrors again ([a b] -> b a | a b | b a a b).
        let wide: Vec<u32> = symmetric_indices(2, 2, 4, &Device::Cpu)
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(wide, vec![1, 0, 0, 1, 1, 0, 0, 1]);
        let x = Tensor::from_vec(vec![1f32, 2., 3.], (1, 3), &Device::Cpu).unwrap();
        let padded: Vec<Vec<f32>> = symmetric_pad(&x, 1, 0, 2).unwrap().to_vec2().unwrap();
        assert_eq!(padded, vec![vec![1., 2., 3., 3., 2.]]);
    }

    #[test]
    fn matches_direct_correlation_with_an_asymmetric_kernel() {
        let (h, w) = (7, 9);
        let x: Vec<f64> = (0..2 * h * w)
            .map(|i| ((i * 37) % 11) as f64 - 3.5)
            .collect();
        let taps = vec![0.5, -1.0, 2.0];
        let t = Tensor::from_vec(x.clone(), (2, 1, h, w), &Device::Cpu).unwrap();
        let y = t.apply_op1(SeparableValid::new(taps.clone())).unwrap();
        assert_eq!(y.dims(), &[2, 1, 5, 7]);
        let y: Vec<f64> = y.flatten_all().unwrap().to_vec1().unwrap();
        let mut expected = direct(&x[..h * w], h, w, &taps);
        expected.extend(direct(&x[h * w..], h, w, &taps));
        for (a, b) in y.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    #[test]
    fn gradient_is_the_adjoint() {
        // d sum(f(x) * g) / dx[p][q] = sum_ij g[i][j] K[p - i][q - j], K = taps taps^T.
        let (h, w, k) = (6, 8, 3);
        let taps = vec![0.25, 1.0, -0.5];
        let (ho, wo) = (h - k + 1, w - k + 1);
        let x: Vec<f64> = (0..h * w)
            .map(|i| ((i * 13) % 7) as f64 * 0.3 - 1.0)
            .collect();
        let g: Vec<f64> = (0..ho * wo)
            .map(|i| ((i * 5) % 9) as f64 * 0.2 - 0.7)
            .collect();
        let x = Var::from_vec(x, (1, 1, h, w), &Device::Cpu).unwrap();
        let g_t = Tensor::from_vec(g.clone(), (1, 1, ho, wo), &Device::Cpu).unwrap();
        let y = x
            .as_tensor()
            .apply_op1(SeparableValid::new(taps.clone()))
            .unwrap();
        let grads = (&y * &g_t).unwrap().sum_all().unwrap().backward().unwrap();
        let dx: Vec<f64> = grads
            .get(x.as_tensor())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        for p in 0..h {
            for q in 0..w {
                let mut expected = 0.0;
                for i in 0..ho {
                    for j in 0..wo {
                        if (i..i + k).contains(&p) && (j..j + k).contains(&q) {
                            expected += g[i * wo + j] * taps[p - i] * taps[q - j];
                        }
                    }
                }
                let got = dx[p * w + q];
                assert!(
                    (got - expected).abs() < 1e-12,
                    "({p}, {q}): {got} vs {expected}"
                );
            }
        }
    }
}
