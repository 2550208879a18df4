//! Vectorised element-wise loops for the CPU kernels (batch norm, convolution epilogue):
//! [`vectorized`] compiles a loop for the best instruction set of the CPU it runs on, and
//! the sums below are written with explicit SIMD lanes, because the compiler may not
//! reorder float additions and so leaves a plain `iter().sum::<f32>()` scalar. Sums run in
//! f32 lanes over runs of 256 values; each run's total is added in f64.

use pulp::{Arch, Simd, WithSimd};

/// Values per run summed in f32 before the run's total is added in f64: short enough that
/// the f32 rounding stays near that of a pairwise sum, and a multiple of every lane count
/// (4, 8, 16), so that only a slice's last run has a scalar tail.
const RUN: usize = 256;

/// Runs `f` compiled for the best instruction set this CPU has (AVX2 and FMA on x86-64
/// where present; the binary itself targets baseline x86-64, whose SSE2 leaves selects
/// scalar). Pass the closure as `vectorized(#[inline(always)] || ...)`: only code inlined
/// into it is compiled for those instructions.
#[inline(always)]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    Arch::new().dispatch(f)
}

/// The sum of `xs`.
pub fn sum(xs: &[f32]) -> f64 {
    two_sums(Plain, xs, xs, xs).0
}

/// The sum of `(x - m)^2` over `xs`.
pub fn squared_deviations(xs: &[f32], m: f32) -> f64 {
    two_sums(SquaredDeviation(m), xs, xs, xs).0
}

/// The batch norm's two backward sums over one plane, from its input `x`, fused output
/// `out` and output gradient `grad` (equally long): the sums of `g` and of `g * (x - m)`,
/// where `g = grad * slope` is the gradient before the activation (`slope` 1 where `out`
/// is positive, `neg` elsewhere).
pub fn gradient_sums(x: &[f32], out: &[f32], grad: &[f32], m: f32, neg: f32) -> (f64, f64) {
    two_sums(GradientTerms { m, neg }, x, out, grad)
}

/// What a [`two_sums`] pass adds up: two terms per element from three inputs, on SIMD
/// lanes and on single values (the slices' tails).
trait Terms: Copy {
    /// The two terms of the elements in lanes `a`, `b`, `c`.
    fn lanes<S: Simd>(self, simd: S, a: S::f32s, b: S::f32s, c: S::f32s) -> (S::f32s, S::f32s);
    /// The two terms of one element.
    fn one(self, a: f32, b: f32, c: f32) -> (f32, f32);
}

/// `a` (and nothing).
#[derive(Clone, Copy)]
struct Plain;

impl Terms for Plain {
    #[inline(always)]
    fn lanes<S: Simd>(self, simd: S, a: S::f32s, _: S::f32s, _: S::f32s) -> (S::f32s, S::f32s) {
        (a, simd.splat_f32s(0.0))
    }
    #[inline(always)]
    fn one(self, a: f32, _: f32, _: f32) -> (f32, f32) {
        (a, 0.0)
    }
}

/// `(a - m)^2` (and nothing).
#[derive(Clone, Copy)]
struct SquaredDeviation(f32);

impl Terms for SquaredDeviation {
    #[inline(always)]
    fn lanes<S: Simd>(self, simd: S, a: S::f32s, _: S::f32s, _: S::f32s) -> (S::f32s, S::f32s) {
        let d = simd.sub_f32s(a, simd.splat_f32s(self.0));
        (simd.mul_f32s(d, d), simd.splat_f32s(0.0))
    }
    #[inline(always)]
    fn one(self, a: f32, _: f32, _: f32) -> (f32, f32) {
        ((a - self.0) * (a - self.0), 0.0)
    }
}

/// `g` and `g * (x - m)` with `g = grad * (out > 0 ? 1 : neg)`, from `(x, out, grad)`.
#[derive(Clone, Copy)]
struct GradientTerms {
    m: f32,
    neg: f32,
}

impl Terms for GradientTerms {
    #[inline(always)]
    fn lanes<S: Simd>(
        self,
        simd: S,
        x: S::f32s,
        out: S::f32s,
        grad: S::f32s,
    ) -> (S::f32s, S::f32s) {
        let positive = simd.greater_than_f32s(out, simd.splat_f32s(0.0));
        let slope = simd.select_f32s(positive, simd.splat_f32s(1.0), simd.splat_f32s(self.neg));
        let g = simd.mul_f32s(grad, slope);
        (
            g,
            simd.mul_f32s(g, simd.sub_f32s(x, simd.splat_f32s(self.m))),
        )
    }
    #[inline(always)]
    fn one(self, x: f32, out: f32, grad: f32) -> (f32, f32) {
        let g = grad * if out > 0.0 { 1.0 } else { self.neg };
        (g, g * (x - self.m))
    }
}

/// The two sums of `terms` over `a`, `b`, `c` (equally long; the shortest sets the length).
fn two_sums<T: Terms>(terms: T, a: &[f32], b: &[f32], c: &[f32]) -> (f64, f64) {
    let len = a.len().min(b.len()).min(c.len());
    Arch::new().dispatch(TwoSums {
        terms,
        a: &a[..len],
        b: &b[..len],
        c: &c[..len],
    })
}

/// [`two_sums`] as a SIMD kernel.
struct TwoSums<'a, T> {
    terms: T,
    a: &'a [f32],
    b: &'a [f32],
    c: &'a [f32],
}

impl<T: Terms> WithSimd for TwoSums<'_, T> {
    type Output = (f64, f64);

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> (f64, f64) {
        let (mut first, mut second) = (0f64, 0f64);
        let runs = self
            .a
            .chunks(RUN)
            .zip(self.b.chunks(RUN))
            .zip(self.c.chunks(RUN));
        for ((ra, rb), rc) in runs {
            let ((la, ta), (lb, tb), (lc, tc)) = (
                S::as_simd_f32s(ra),
                S::as_simd_f32s(rb),
                S::as_simd_f32s(rc),
            );
            let (mut acc0, mut acc1) = (simd.splat_f32s(0.0), simd.splat_f32s(0.0));
            for ((&va, &vb), &vc) in la.iter().zip(lb).zip(lc) {
                let (p, q) = self.terms.lanes(simd, va, vb, vc);
                acc0 = simd.add_f32s(acc0, p);
                acc1 = simd.add_f32s(acc1, q);
            }
            let (mut t0, mut t1) = (simd.reduce_sum_f32s(acc0), simd.reduce_sum_f32s(acc1));
            for ((&va, &vb), &vc) in ta.iter().zip(tb).zip(tc) {
                let (p, q) = self.terms.one(va, vb, vc);
                t0 += p;
                t1 += q;
            }
            first += f64::from(t0);
            second += f64::from(t1);
        }
        (first, second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_match_f64_sums() {
        for len in [0, 1, 7, 8, 9, 17, 255, 256, 257, 1000] {
            let xs: Vec<f32> = (0..len)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.01)
                .collect();
            let exact: f64 = xs.iter().map(|&v| f64::from(v)).sum();
            assert!((sum(&xs) - exact).abs() < 1e-5, "len {len}");
            let sq: f64 = xs.iter().map(|&v| f64::from(v - 0.25).powi(2)).sum();
            let got = squared_deviations(&xs, 0.25);
            assert!((got - sq).abs() < 1e-4 * (1.0 + sq), "len {len}");
            // The output's sign picks the slope: positive for even i, else 0.2.
            let out: Vec<f32> = (0..len)
                .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
                .collect();
            let grad: Vec<f32> = xs.iter().map(|v| v * 3.0 + 1.0).collect();
            let (g, gx) = gradient_sums(&xs, &out, &grad, 0.1, 0.2);
            let slope = |i: usize| if i % 2 == 0 { 1.0 } else { 0.2 };
            let eg: f64 = (0..len).map(|i| f64::from(grad[i]) * slope(i)).sum();
            let egx: f64 = (0..len)
                .map(|i| f64::from(grad[i]) * slope(i) * (f64::from(xs[i]) - 0.1))
                .sum();
            assert!((g - eg).abs() < 1e-4 * (1.0 + eg.abs()), "len {len}");
            assert!((gx - egx).abs() < 1e-4 * (1.0 + egx.abs()), "len {len}");
        }
    }
}
