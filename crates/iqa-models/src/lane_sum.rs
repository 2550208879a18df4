//! Sums of f32 data that the compiler vectorises: eight f32 accumulators over runs of 256
//! values, each run's total added in f64. A plain `iter().sum::<f32>()` stays scalar (the
//! compiler may not reorder float additions); so did the batch norm's statistics and
//! gradient sums and the bias gradient before they used these.

/// Values per run summed in f32 before the run's total is added in f64.
const RUN: usize = 256;

/// Accumulators per run (one AVX register of f32).
const LANES: usize = 8;

/// The sum of `f(x)` over `xs`.
pub fn sum_of(xs: &[f32], f: impl Fn(f32) -> f32) -> f64 {
    xs.chunks(RUN)
        .map(|run| {
            let mut acc = [0f32; LANES];
            let mut full = run.chunks_exact(LANES);
            for chunk in &mut full {
                for (a, &v) in acc.iter_mut().zip(chunk) {
                    *a += f(v);
                }
            }
            let tail: f32 = full.remainder().iter().map(|&v| f(v)).sum();
            f64::from(acc.iter().sum::<f32>() + tail)
        })
        .sum()
}

/// The sum of `xs`.
pub fn sum(xs: &[f32]) -> f64 {
    sum_of(xs, |v| v)
}

/// Two sums at once over three equally long slices: the totals of `f(a, b, c).0` and of
/// `f(a, b, c).1`.
pub fn sum_pairs(
    a: &[f32],
    b: &[f32],
    c: &[f32],
    f: impl Fn(f32, f32, f32) -> (f32, f32),
) -> (f64, f64) {
    let (mut first, mut second) = (0f64, 0f64);
    for ((ra, rb), rc) in a.chunks(RUN).zip(b.chunks(RUN)).zip(c.chunks(RUN)) {
        let (mut acc0, mut acc1) = ([0f32; LANES], [0f32; LANES]);
        let (mut fa, mut fb, mut fc) = (
            ra.chunks_exact(LANES),
            rb.chunks_exact(LANES),
            rc.chunks_exact(LANES),
        );
        for ((ca, cb), cc) in (&mut fa).zip(&mut fb).zip(&mut fc) {
            // Exactly LANES long (chunks_exact); as arrays the compiler knows it.
            let (Ok(ca), Ok(cb), Ok(cc)) = (
                <&[f32; LANES]>::try_from(ca),
                <&[f32; LANES]>::try_from(cb),
                <&[f32; LANES]>::try_from(cc),
            ) else {
                continue;
            };
            for k in 0..LANES {
                let (p, q) = f(ca[k], cb[k], cc[k]);
                acc0[k] += p;
                acc1[k] += q;
            }
        }
        let (mut t0, mut t1) = (acc0.iter().sum::<f32>(), acc1.iter().sum::<f32>());
        for ((&va, &vb), &vc) in fa
            .remainder()
            .iter()
            .zip(fb.remainder())
            .zip(fc.remainder())
        {
            let (p, q) = f(va, vb, vc);
            t0 += p;
            t1 += q;
        }
        first += f64::from(t0);
        second += f64::from(t1);
    }
    (first, second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_match_f64_sums() {
        for len in [0, 1, 7, 8, 9, 255, 256, 257, 1000] {
            let xs: Vec<f32> = (0..len)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.01)
                .collect();
            let exact: f64 = xs.iter().map(|&v| f64::from(v)).sum();
            assert!((sum(&xs) - exact).abs() < 1e-5, "len {len}");
            let sq: f64 = xs.iter().map(|&v| f64::from(v - 0.25).powi(2)).sum();
            let got = sum_of(&xs, |v| (v - 0.25) * (v - 0.25));
            assert!((got - sq).abs() < 1e-4 * (1.0 + sq), "len {len}");
            let ys: Vec<f32> = xs.iter().map(|v| v * 3.0 + 1.0).collect();
            let (p, q) = sum_pairs(&xs, &ys, &xs, |a, b, c| (a * b, b - c));
            let ep: f64 = xs.iter().zip(&ys).map(|(a, b)| f64::from(a * b)).sum();
            let eq: f64 = ys.iter().zip(&xs).map(|(b, c)| f64::from(b - c)).sum();
            assert!((p - ep).abs() < 1e-4 * (1.0 + ep.abs()), "len {len}");
            assert!((q - eq).abs() < 1e-4 * (1.0 + eq.abs()), "len {len}");
        }
    }
}
