//! Agreement with SciPy on the values in `fixtures/scipy_reference.json`, produced by
//! `fixtures/gen_scipy_reference.py` (spearmanr, kendalltau, pearsonr, curve_fit).
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use iqa_metrics::{
    CorrelationKind, FitKind, compare_correlations, fit_logistic, krocc, plcc, residual_f_test,
    rmse, srocc,
};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/scipy_reference.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn num(value: &Value, key: &str) -> f64 {
    value[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no number `{key}` in {value}"))
}

/// SplitMix64 uniforms in [0, 1), as the generator script draws them.
fn splitmix(seed: u64, n: usize) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 * 2f64.powi(-53)
        })
        .collect()
}

fn case_data(case: &Value) -> (Vec<f64>, Vec<f64>) {
    if case.get("x").is_some() {
        return (floats(&case["x"]), floats(&case["y"]));
    }
    assert_eq!(case["name"], "large_splitmix", "unknown generated case");
    let n = case["n"].as_u64().unwrap() as usize;
    let x = splitmix(1, n);
    let y = x
        .iter()
        .zip(splitmix(2, n))
        .map(|(a, b)| ((a + 0.5 * b) * 64.0).floor() / 64.0)
        .collect();
    (x, y)
}

fn close(what: &str, got: f64, want: f64, tol: f64) -> Result<(), String> {
    if (got - want).abs() <= tol {
        Ok(())
    } else {
        Err(format!(
            "{what}: got {got:.12}, SciPy {want:.12} (tolerance {tol:e})"
        ))
    }
}

#[test]
fn correlations_agree_with_scipy_to_1e9() {
    let doc = fixture();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 10, "fixture lost its cases");
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (x, y) = case_data(case);
        assert_eq!(
            x.len() as u64,
            case["n"].as_u64().unwrap(),
            "{name}: data length"
        );
        for (stat, got) in [
            ("srocc", srocc(&x, &y)),
            ("krocc", krocc(&x, &y)),
            ("plcc", plcc(&x, &y)),
        ] {
            if let Err(e) = close(
                &format!("{name} {stat}"),
                got.unwrap(),
                num(case, stat),
                1e-9,
            ) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn logistic_fits_agree_with_scipy_to_1e4() {
    let doc = fixture();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (x, y) = case_data(case);
        for (kind_name, want) in case["fits"].as_object().unwrap() {
            let kind: FitKind = kind_name.parse().unwrap();
            let fit = fit_logistic(kind, &x, &y).unwrap();
            let mapped = fit.map_all(&x);
            let label = format!("{name} {kind_name}");
            for result in [
                close(
                    &format!("{label} PLCC"),
                    plcc(&mapped, &y).unwrap(),
                    num(want, "plcc"),
                    1e-4,
                ),
                close(
                    &format!("{label} RMSE"),
                    rmse(&mapped, &y).unwrap(),
                    num(want, "rmse"),
                    1e-4,
                ),
            ] {
                if let Err(e) = result {
                    failures.push(format!("{e}\n  ours {fit:?}\n  SciPy {}", want["params"]));
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 18, "only {checked} fits checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn significance_tests_agree_with_scipy() {
    let doc = fixture();
    let example = &doc["example"];
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/data/example_scores.csv"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| {
        let i = header.iter().position(|h| *h == name).unwrap();
        text.lines()
            .skip(1)
            .map(|l| l.split(',').nth(i).unwrap().parse::<f64>().unwrap())
            .collect::<Vec<_>>()
    };
    let (a, b, mos) = (column("metric_a"), column("metric_b"), column("mos"));
    assert_eq!(a.len(), 300);

    for (kind, key) in [
        (CorrelationKind::Pearson, "williams_pearson_raw"),
        (CorrelationKind::Spearman, "williams_spearman"),
    ] {
        let want = &example[key];
        let got = compare_correlations(&a, &b, &mos, kind).unwrap();
        for (what, g, w) in [
            ("r_a", got.r_a, num(want, "r_a")),
            ("r_b", got.r_b, num(want, "r_b")),
            ("r_ab", got.r_ab, num(want, "r_ab")),
            ("t", got.t, num(want, "t")),
        ] {
            close(&format!("{key} {what}"), g, w, 1e-9).unwrap();
        }
        let p = num(want, "p_value");
        assert!(
            (got.p_value - p).abs() <= 1e-9 + 1e-6 * p,
            "{key} p: {} vs {p}",
            got.p_value
        );
    }

    let want = &example["f_test_scaled_raw"];
    let scale = num(want, "scale");
    let scaled = |v: &[f64]| v.iter().map(|x| x * scale).collect::<Vec<_>>();
    let got = residual_f_test(&scaled(&a), &scaled(&b), &mos, 5).unwrap();
    for (what, g, w) in [
        ("variance_a", got.variance_a, num(want, "variance_a")),
        ("variance_b", got.variance_b, num(want, "variance_b")),
        ("f", got.f, num(want, "f")),
    ] {
        assert!(
            (g - w).abs() <= 1e-9 * w.abs().max(1.0),
            "F-test {what}: {g} vs {w}"
        );
    }
    let p = num(want, "p_value");
    assert!(
        (got.p_value - p).abs() <= 1e-12 + 1e-6 * p,
        "F-test p: {} vs {p}",
        got.p_value
    );
}

/// The rows of `fixtures/gen_large_fit.py`: scores uniform on [0, 100), predictions a
/// logistic of the score plus Gaussian noise (Box-Muller), from one splitmix64 stream.
fn large_fit_rows(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let u = splitmix(seed, 3 * n);
    let mut pred = Vec::with_capacity(n);
    let mut mos = Vec::with_capacity(n);
    for c in u.chunks_exact(3) {
        let m = 100.0 * c[0];
        let (u1, u2) = (1.0 - c[1], c[2]);
        let noise = 0.05 * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        mos.push(m);
        pred.push(1.0 / (1.0 + (-(m - 50.0) / 10.0).exp()) + noise);
    }
    (pred, mos)
}

#[test]
fn large_logistic_fit_reaches_scipys_minimum() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/large_fit.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let n = doc["n"].as_u64().unwrap() as usize;
    let (x, y) = large_fit_rows(n, doc["seed"].as_u64().unwrap());
    for (row, want) in doc["first_rows"].as_array().unwrap().iter().enumerate() {
        let want = floats(want);
        assert!((x[row] - want[0]).abs() < 1e-12 && (y[row] - want[1]).abs() < 1e-9);
    }
    let fit = fit_logistic(FitKind::Logistic5, &x, &y).unwrap();
    let want_sse = num(&doc, "sse");
    assert!(fit.converged, "{fit:?}");
    assert!(
        fit.sse <= want_sse * (1.0 + 1e-8),
        "SSE {} vs SciPy {want_sse}",
        fit.sse
    );
    let got = plcc(&fit.map_all(&x), &y).unwrap();
    close("large fit PLCC", got, num(&doc, "plcc"), 1e-7).unwrap();
}

#[test]
fn logistic_fit_does_not_depend_on_the_units_of_the_predictions() {
    let doc = fixture();
    let case = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "iqa_like")
        .unwrap();
    let (x, y) = case_data(case);
    for kind in [FitKind::Logistic5, FitKind::Logistic4] {
        let want = num(&case["fits"][kind.name()], "plcc");
        for (label, transform) in [
            ("x1000", (|v: f64| v * 1000.0) as fn(f64) -> f64),
            ("+1000", |v| v + 1000.0),
            ("x1e8", |v| v * 1e8),
            ("x1e-8", |v| v * 1e-8),
            ("-x", |v| -v),
        ] {
            let moved: Vec<f64> = x.iter().map(|&v| transform(v)).collect();
            let fit = fit_logistic(kind, &moved, &y).unwrap();
            let got = plcc(&fit.map_all(&moved), &y).unwrap();
            close(&format!("{kind} {label} PLCC"), got, want, 1e-6).unwrap();
        }
    }
}
