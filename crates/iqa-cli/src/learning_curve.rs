//! The learning curve of a training run, drawn from its `log.jsonl`: every loss against
//! the step (log scale) above, validation SROCC against the step below. SVG or PNG, with
//! the compiled-in font, written atomically like the scatter plot.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::plot::{Figure, PALETTE, register_font, write_figure};
use crate::{Error, Result};

/// What a run's log holds, by step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LearningCurve {
    /// Each loss's (step, value) points, by loss name.
    pub losses: BTreeMap<String, Vec<(f64, f64)>>,
    /// (step, validation SROCC) points.
    pub val_srocc: Vec<(f64, f64)>,
    /// The caption.
    pub title: String,
}

impl LearningCurve {
    /// Reads a run's `log.jsonl` (one JSON object per logged step with `step`, `losses`
    /// and, at validation steps, `val_srocc`); a line that is not such an object is an
    /// error naming its line number.
    pub fn read(path: &Path, title: &str) -> Result<LearningCurve> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Plot {
            path: path.to_path_buf(),
            reason: format!("cannot read the training log: {e}"),
        })?;
        let mut curve = LearningCurve {
            title: title.to_string(),
            ..LearningCurve::default()
        };
        for (k, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let bad = |what: &str| Error::Plot {
                path: path.to_path_buf(),
                reason: format!("line {}: {what}", k + 1),
            };
            let record: serde_json::Value =
                serde_json::from_str(line).map_err(|e| bad(&format!("not JSON: {e}")))?;
            let step = record["step"]
                .as_f64()
                .ok_or_else(|| bad("no numeric `step`"))?;
            if let Some(losses) = record["losses"].as_object() {
                for (name, value) in losses {
                    if let Some(v) = value.as_f64().filter(|v| v.is_finite() && *v > 0.0) {
                        curve
                            .losses
                            .entry(name.clone())
                            .or_default()
                            .push((step, v));
                    }
                }
            }
            if let Some(srocc) = record["val_srocc"].as_f64() {
                curve.val_srocc.push((step, srocc));
            }
        }
        if curve.losses.is_empty() && curve.val_srocc.is_empty() {
            return Err(Error::Plot {
                path: path.to_path_buf(),
                reason: "the log holds no loss and no validation value to draw".to_string(),
            });
        }
        Ok(curve)
    }

    /// Draws the curve into `path` (`.svg` or `.png`).
    pub fn write(&self, path: &Path) -> Result<()> {
        write_figure(path, self)
    }
}

fn bounds(points: impl Iterator<Item = (f64, f64)>) -> Option<((f64, f64), (f64, f64))> {
    points.fold(None, |acc, (x, y)| match acc {
        None => Some(((x, x), (y, y))),
        Some(((x0, x1), (y0, y1))) => Some(((x0.min(x), x1.max(x)), (y0.min(y), y1.max(y)))),
    })
}

impl Figure for LearningCurve {
    fn draw_on<DB: DrawingBackend>(
        &self,
        area: DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        register_font()?;
        let err = |e: &dyn std::fmt::Display| e.to_string();
        area.fill(&WHITE).map_err(|e| err(&e))?;
        let area = area
            .titled(&self.title, ("sans-serif", 22))
            .map_err(|e| err(&e))?;
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 * 3 / 5);
        let all_losses = self.losses.values().flatten().copied();
        if let Some(((x0, x1), (y0, y1))) = bounds(all_losses) {
            let mut chart = ChartBuilder::on(&top)
                .margin(12)
                .x_label_area_size(36)
                .y_label_area_size(64)
                .build_cartesian_2d(x0..x1.max(x0 + 1.0), (y0 * 0.9..y1 * 1.1).log_scale())
                .map_err(|e| err(&e))?;
            chart
                .configure_mesh()
                .x_desc("step")
                .y_desc("loss")
                .label_style(("sans-serif", 14))
                .draw()
                .map_err(|e| err(&e))?;
            for (k, (name, points)) in self.losses.iter().enumerate() {
                let color = PALETTE[k % PALETTE.len()];
                chart
                    .draw_series(LineSeries::new(
                        points.iter().copied(),
                        color.stroke_width(2),
                    ))
                    .map_err(|e| err(&e))?
                    .label(name.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font(("sans-serif", 14))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .draw()
                .map_err(|e| err(&e))?;
        }
        if let Some(((x0, x1), (y0, y1))) = bounds(self.val_srocc.iter().copied()) {
            let mut chart = ChartBuilder::on(&bottom)
                .margin(12)
                .x_label_area_size(36)
                .y_label_area_size(64)
                .build_cartesian_2d(
                    x0..x1.max(x0 + 1.0),
                    (y0 - 0.05).max(-1.0)..(y1 + 0.05).min(1.0),
                )
                .map_err(|e| err(&e))?;
            chart
                .configure_mesh()
                .x_desc("step")
                .y_desc("validation SROCC")
                .label_style(("sans-serif", 14))
                .draw()
                .map_err(|e| err(&e))?;
            chart
                .draw_series(LineSeries::new(
                    self.val_srocc.iter().copied(),
                    BLACK.stroke_width(2),
                ))
                .map_err(|e| err(&e))?;
            chart
                .draw_series(
                    self.val_srocc
                        .iter()
                        .map(|&p| Circle::new(p, 3, BLACK.filled())),
                )
                .map_err(|e| err(&e))?;
        }
        area.present().map_err(|e| err(&e))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_losses_and_validation_and_draws_both_formats() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log.jsonl");
        std::fs::write(
            &log,
            "{\"step\":1,\"stage\":\"Joint\",\"losses\":{\"l_r\":0.5,\"l_g\":2.0}}\n{\"step\":2,\"losses\":{\"l_r\":0.25,\"l_g\":1.0},\"val_srocc\":0.4}\n{\"step\":3,\"val_srocc\":0.6}\n",
        )
        .unwrap();
        let curve = LearningCurve::read(&log, "run").unwrap();
        assert_eq!(curve.losses["l_r"], vec![(1.0, 0.5), (2.0, 0.25)]);
        assert_eq!(curve.val_srocc, vec![(2.0, 0.4), (3.0, 0.6)]);
        for name in ["curve.svg", "curve.png"] {
            let path = dir.path().join(name);
            curve.write(&path).unwrap();
            assert!(std::fs::metadata(&path).unwrap().len() > 1000);
        }
        std::fs::write(&log, "{\"step\":1}\nnot json\n").unwrap();
        let err = LearningCurve::read(&log, "run").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
