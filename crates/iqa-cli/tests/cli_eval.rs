//! The `iqa eval` and `iqa compare` commands, run as a user runs them, checked against
//! the SciPy values in `crates/iqa-metrics/tests/fixtures/scipy_reference.json`.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod run;
use run::iqa;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/example_scores.csv"
);

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "iqa failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn expected() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../iqa-metrics/tests/fixtures/scipy_reference.json"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["example"].clone()
}

fn assert_close(what: &str, got: &Value, want: &Value, tol: f64) {
    let (g, w) = (got.as_f64().unwrap(), want.as_f64().unwrap());
    assert!(
        (g - w).abs() <= tol,
        "{what}: iqa {g}, SciPy {w}, tolerance {tol:e}"
    );
}

#[test]
fn eval_json_agrees_with_scipy() {
    let want = expected();
    let got = json_of(&iqa(&[
        "eval",
        EXAMPLE,
        "--pred",
        "metric_a",
        "--mos",
        "mos",
        "--group",
        "dist_type",
        "--std",
        "mos_std",
        "--json",
    ]));
    assert_eq!(got["n"], want["n"]);
    assert_eq!(got["fit"]["kind"], "logistic5");
    assert_eq!(got["fit"]["params"].as_array().unwrap().len(), 5);
    assert_close("srocc", &got["srocc"], &want["srocc"], 1e-9);
    assert_close("krocc", &got["krocc"], &want["krocc"], 1e-9);
    assert_close("fitted plcc", &got["plcc"], &want["fit"]["plcc"], 1e-4);
    assert_close("fitted rmse", &got["rmse"], &want["fit"]["rmse"], 1e-4);
    assert_close(
        "outlier ratio",
        &got["outlier_ratio"],
        &want["outlier_ratio"],
        1e-12,
    );
    let groups = want["groups"].as_object().unwrap();
    assert_eq!(got["groups"].as_object().unwrap().len(), groups.len());
    for (name, w) in groups {
        let g = &got["groups"][name];
        assert_eq!(g["n"], w["n"], "group {name}");
        assert_close(&format!("{name} srocc"), &g["srocc"], &w["srocc"], 1e-9);
        assert_close(&format!("{name} krocc"), &g["krocc"], &w["krocc"], 1e-9);
        assert_close(&format!("{name} plcc"), &g["plcc"], &w["plcc"], 1e-4);
        assert_close(&format!("{name} rmse"), &g["rmse"], &w["rmse"], 1e-4);
    }
}

#[test]
fn eval_without_fit_reports_raw_plcc() {
    let want = expected();
    let got = json_of(&iqa(&[
        "eval", EXAMPLE, "--pred", "metric_a", "--mos", "mos", "--fit", "none", "--json",
    ]));
    assert_eq!(got["fit"]["kind"], "none");
    assert_close("raw plcc", &got["plcc"], &want["plcc"], 1e-9);
}

#[test]
fn eval_table_names_every_group() {
    let out = iqa(&[
        "eval",
        EXAMPLE,
        "--pred",
        "metric_a",
        "--mos",
        "mos",
        "--group",
        "dist_type",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "SROCC",
        "all",
        "jpeg",
        "jp2k",
        "wn",
        "gblur",
        "fastfading",
        "logistic5 (converged)",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
}

#[test]
fn bootstrap_intervals_bracket_the_estimates() {
    let got = json_of(&iqa(&[
        "eval",
        EXAMPLE,
        "--pred",
        "metric_a",
        "--mos",
        "mos",
        "--bootstrap",
        "200",
        "--seed",
        "3",
        "--json",
    ]));
    for stat in ["srocc", "krocc", "plcc", "rmse"] {
        let ci = &got["ci"][stat];
        let (lo, est, hi) = (
            ci["lower"].as_f64().unwrap(),
            ci["estimate"].as_f64().unwrap(),
            ci["upper"].as_f64().unwrap(),
        );
        assert!(lo < est && est < hi, "{stat}: [{lo}, {hi}] around {est}");
        assert_eq!(est, got[stat].as_f64().unwrap());
    }
}

#[test]
fn plots_are_written_as_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("scatter.svg");
    let png = dir.path().join("scatter.png");
    for path in [&svg, &png] {
        let out = iqa(&[
            "eval",
            EXAMPLE,
            "--pred",
            "metric_a",
            "--mos",
            "mos",
            "--group",
            "dist_type",
            "--plot",
            path.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("<svg") && text.contains("gblur") && text.contains("logistic5 fit"));
    assert!(
        std::fs::read(&png)
            .unwrap()
            .starts_with(b"\x89PNG\r\n\x1a\n")
    );
    // Only the two figures: no temporary file left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

fn write_csv(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn failure(args: &[&str]) -> String {
    let out = iqa(args);
    assert!(!out.status.success(), "expected failure for {args:?}");
    assert!(out.stdout.is_empty(), "printed a result despite failing");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn bad_inputs_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let msg = failure(&["eval", EXAMPLE, "--pred", "metric_c", "--mos", "mos"]);
    assert!(
        msg.contains("column `metric_c` not found") && msg.contains("metric_a, metric_b"),
        "{msg}"
    );

    let nan = write_csv(dir.path(), "nan.csv", "p,m\n0.1,1\n0.2,2\nnan,3\n0.4,4\n");
    let msg = failure(&[
        "eval",
        nan.to_str().unwrap(),
        "--pred",
        "p",
        "--mos",
        "m",
        "--fit",
        "none",
    ]);
    assert!(
        msg.contains("line 4, column `p`") && msg.contains("not a finite number"),
        "{msg}"
    );

    let text = write_csv(dir.path(), "text.csv", "p,m\n0.1,1\n0.2,good\n");
    let msg = failure(&["eval", text.to_str().unwrap(), "--pred", "p", "--mos", "m"]);
    assert!(
        msg.contains("line 3, column `m`: `good` is not a number"),
        "{msg}"
    );

    let flat = write_csv(dir.path(), "flat.csv", "p,m\n0.1,3\n0.2,3\n0.3,3\n0.4,3\n");
    let msg = failure(&[
        "eval",
        flat.to_str().unwrap(),
        "--pred",
        "p",
        "--mos",
        "m",
        "--fit",
        "none",
    ]);
    assert!(
        msg.contains("`mos` is constant") && msg.contains("column `p` against `m`"),
        "{msg}"
    );

    let short = write_csv(dir.path(), "short.csv", "p,m\n0.1,1\n0.2,2\n0.3,4\n");
    let msg = failure(&["eval", short.to_str().unwrap(), "--pred", "p", "--mos", "m"]);
    assert!(msg.contains("needs at least 6 samples, got 3"), "{msg}");

    let msg = failure(&[
        "eval", EXAMPLE, "--pred", "metric_a", "--mos", "mos", "--fit", "cubic",
    ]);
    assert!(msg.contains("logistic5, logistic4, none"), "{msg}");

    let msg = failure(&[
        "eval", EXAMPLE, "--pred", "metric_a", "--mos", "mos", "--plot", "x.pdf",
    ]);
    assert!(msg.contains(".svg or .png"), "{msg}");

    let msg = failure(&["eval", "/no/such/file.csv", "--pred", "p", "--mos", "m"]);
    assert!(msg.contains("/no/such/file.csv"), "{msg}");
}

#[test]
fn compare_reports_williams_test_as_scipy() {
    let want = expected();
    let got = json_of(&iqa(&[
        "compare", EXAMPLE, "--pred", "metric_a", "--pred", "metric_b", "--mos", "mos", "--json",
    ]));
    let w = &want["williams_spearman"];
    for key in ["r_a", "r_b", "r_ab", "t"] {
        assert_close(
            &format!("williams srocc {key}"),
            &got["williams_srocc"][key],
            &w[key],
            1e-9,
        );
    }
    assert!(got["f_test"]["p_value"].as_f64().unwrap() < 0.05);
    assert!(
        got["predictors"]["metric_a"]["srocc"].as_f64().unwrap()
            > got["predictors"]["metric_b"]["srocc"].as_f64().unwrap()
    );
}

#[test]
fn splits_are_summarised_by_median_and_mean() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let mut lines = text.lines();
    let mut csv = format!("{},split\n", lines.next().unwrap());
    for (i, line) in lines.enumerate() {
        csv.push_str(&format!("{line},{}\n", i % 3));
    }
    let path = write_csv(dir.path(), "splits.csv", &csv);
    let got = json_of(&iqa(&[
        "eval",
        path.to_str().unwrap(),
        "--pred",
        "metric_a",
        "--mos",
        "mos",
        "--split",
        "split",
        "--json",
    ]));
    let per_split = got["splits"]["per_split"].as_object().unwrap();
    assert_eq!(per_split.len(), 3);
    // Each split's SROCC is that of its rows alone.
    let column = |name: &str, split: usize| -> Vec<f64> {
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let k = header.iter().position(|h| *h == name).unwrap();
        text.lines()
            .skip(1)
            .enumerate()
            .filter(|(i, _)| i % 3 == split)
            .map(|(_, l)| l.split(',').nth(k).unwrap().parse().unwrap())
            .collect()
    };
    let mut values = Vec::new();
    for split in 0..3 {
        let want = iqa_metrics::srocc(&column("metric_a", split), &column("mos", split)).unwrap();
        let g = per_split[&split.to_string()]["srocc"].as_f64().unwrap();
        assert!((g - want).abs() < 1e-12, "split {split}: {g} vs {want}");
        values.push(want);
    }
    values.sort_by(f64::total_cmp);
    let summary = &got["splits"]["summary"]["srocc"];
    assert!((summary["median"].as_f64().unwrap() - values[1]).abs() < 1e-12);
    let mean = values.iter().sum::<f64>() / 3.0;
    assert!((summary["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    assert_eq!(summary["runs"], 3);
}

/// The example table with `metric_a` replaced by `f(metric_a)`, written to `dir`.
fn transformed_example(dir: &Path, name: &str, f: impl Fn(f64) -> f64) -> PathBuf {
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "metric_a").unwrap();
    let mut out = header.join(",") + "\n";
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        cells[col] = format!("{:.17e}", f(cells[col].parse::<f64>().unwrap()));
        out += &(cells.join(",") + "\n");
    }
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn eval_does_not_depend_on_the_units_of_the_predictions() {
    let want = expected();
    let dir = tempfile::tempdir().unwrap();
    type Transform = (&'static str, fn(f64) -> f64);
    let transforms: [Transform; 4] = [
        ("x1000.csv", |v| v * 1000.0),
        ("plus1000.csv", |v| v + 1000.0),
        ("x1e8.csv", |v| v * 1e8),
        ("x1e-8.csv", |v| v * 1e-8),
    ];
    for (name, f) in transforms {
        let path = transformed_example(dir.path(), name, f);
        let got = json_of(&iqa(&[
            "eval",
            path.to_str().unwrap(),
            "--pred",
            "metric_a",
            "--mos",
            "mos",
            "--json",
        ]));
        assert_close(
            &format!("{name} PLCC"),
            &got["plcc"],
            &want["fit"]["plcc"],
            1e-6,
        );
    }
}

#[test]
fn a_repeated_column_name_and_an_empty_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let repeated = dir.path().join("repeated.csv");
    std::fs::write(&repeated, "pred,mos,pred\n1,2,3\n2,3,4\n3,5,5\n").unwrap();
    let err = run::failed(&iqa(&[
        "eval",
        repeated.to_str().unwrap(),
        "--pred",
        "pred",
        "--mos",
        "mos",
    ]));
    assert!(err.contains("two columns named `pred`"), "{err}");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let err = run::failed(&iqa(&[
        "eval",
        empty.to_str().unwrap(),
        "--pred",
        "pred",
        "--mos",
        "mos",
    ]));
    assert!(err.contains("is empty"), "{err}");
}

#[test]
fn logs_into_a_file_or_pipe_carry_no_colour_codes() {
    let out = iqa(&["-vv", "eval", EXAMPLE, "--pred", "metric_a", "--mos", "mos"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.contains("INFO"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
}

#[test]
fn a_constant_group_is_reported_undefined_and_the_rest_stands() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("groups.csv");
    let mut text = String::from("pred,mos,type\n");
    for i in 0..8 {
        text += &format!("{},{},ok\n", i, i * i);
        text += &format!("{},5,flat\n", i);
    }
    std::fs::write(&path, text).unwrap();
    let args = [
        "eval",
        path.to_str().unwrap(),
        "--pred",
        "pred",
        "--mos",
        "mos",
        "--group",
        "type",
    ];
    let table = run::ok(&iqa(&args));
    assert!(
        table.contains("flat") && table.contains("undefined"),
        "{table}"
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let v = json_of(&iqa(&json_args));
    assert!(v["groups"]["ok"]["srocc"].as_f64().unwrap() > 0.99);
    assert!(
        v["undefined_groups"]["flat"]
            .as_str()
            .unwrap()
            .contains("constant")
    );
}
