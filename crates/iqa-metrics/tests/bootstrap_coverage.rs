//! The bootstrap interval of PLCC against the textbook Fisher-z interval on bivariate
//! normal data, where both are valid approximations of the same 95% interval.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use iqa_metrics::{BootstrapOptions, bootstrap_intervals, plcc};

/// Uniforms in (0, 1) from SplitMix64.
fn uniforms(seed: u64, n: usize) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            ((z >> 11) as f64 + 0.5) * 2f64.powi(-53)
        })
        .collect()
}

#[test]
fn bootstrap_plcc_interval_matches_fisher_z() {
    let n = 400;
    let (u1, u2) = (uniforms(11, n), uniforms(12, n));
    // Box-Muller pairs, then y = 0.6 x + 0.8 e: correlation 0.6.
    let (x, y): (Vec<f64>, Vec<f64>) = u1
        .iter()
        .zip(&u2)
        .map(|(a, b)| {
            let r = (-2.0 * a.ln()).sqrt();
            let (g1, g2) = (
                r * (std::f64::consts::TAU * b).cos(),
                r * (std::f64::consts::TAU * b).sin(),
            );
            (g1, 0.6 * g1 + 0.8 * g2)
        })
        .unzip();
    let r = plcc(&x, &y).unwrap();
    let half = 1.959_963_984_540_054 / ((n - 3) as f64).sqrt();
    let (lo, hi) = ((r.atanh() - half).tanh(), (r.atanh() + half).tanh());
    let ci = bootstrap_intervals(
        &x,
        &x,
        &y,
        &BootstrapOptions {
            resamples: 2000,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ci.plcc.estimate, r);
    assert!(
        (ci.plcc.lower - lo).abs() < 0.02,
        "lower {} vs Fisher {lo}",
        ci.plcc.lower
    );
    assert!(
        (ci.plcc.upper - hi).abs() < 0.02,
        "upper {} vs Fisher {hi}",
        ci.plcc.upper
    );
    assert_eq!(ci.degenerate, 0);
}
