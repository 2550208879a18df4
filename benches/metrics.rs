//! Speed of the evaluation statistics at n = 1e3, 1e5 and 1e6.
//!
//! `cargo bench --bench metrics`; `benches/metrics_scipy.py` times SciPy on data of the
//! same shape for the ratio reported in the README.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use iqa::metrics::{FitKind, fit_logistic, krocc, plcc, rmse, srocc};

/// A typical IQA scatter: predictions in [0, 1) and a noisy sigmoidal MOS on 0-100,
/// from SplitMix64 so that the data are the same on every run.
fn scatter(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut state = 42u64;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 * 2f64.powi(-53)
    };
    (0..n)
        .map(|_| {
            let x = uniform();
            let noise = (uniform() + uniform() + uniform() - 1.5) * 10.0;
            (x, 100.0 / (1.0 + (-8.0 * (x - 0.5)).exp()) + noise)
        })
        .unzip()
}

fn statistics(c: &mut Criterion) {
    for n in [1_000, 100_000, 1_000_000] {
        let (x, y) = scatter(n);
        let mut group = c.benchmark_group(format!("n={n}"));
        if n >= 100_000 {
            group.sample_size(10);
        }
        group.bench_function(BenchmarkId::new("srocc", n), |b| {
            b.iter(|| srocc(black_box(&x), black_box(&y)).unwrap())
        });
        group.bench_function(BenchmarkId::new("krocc", n), |b| {
            b.iter(|| krocc(black_box(&x), black_box(&y)).unwrap())
        });
        group.bench_function(BenchmarkId::new("plcc", n), |b| {
            b.iter(|| plcc(black_box(&x), black_box(&y)).unwrap())
        });
        group.bench_function(BenchmarkId::new("rmse", n), |b| {
            b.iter(|| rmse(black_box(&x), black_box(&y)).unwrap())
        });
        group.bench_function(BenchmarkId::new("logistic5 fit", n), |b| {
            b.iter(|| fit_logistic(FitKind::Logistic5, black_box(&x), black_box(&y)).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, statistics);
criterion_main!(benches);
