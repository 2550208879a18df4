//! The figure every IQA paper shows: predictions against subjective scores, coloured by
//! group (distortion type), with the fitted mapping drawn over them.
//!
//! SVG or PNG, chosen by the file name; text uses a font compiled into the binary, so no
//! system fonts are needed. The figure is drawn in memory and written atomically
//! (`iqa-io`), so a failed run never leaves half a figure.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Once;

use iqa_metrics::LogisticFit;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{Error, Result};

/// Image size in pixels (SVG user units).
const SIZE: (u32, u32) = (900, 640);

/// Ten distinguishable colours (Tableau 10), cycled when there are more groups.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// What a scatter plot shows.
#[derive(Debug, Clone, Copy)]
pub struct ScatterPlot<'a> {
    /// Predictions (x axis).
    pub pred: &'a [f64],
    /// Subjective scores (y axis).
    pub mos: &'a [f64],
    /// A group label per point, for colours and the legend.
    pub groups: Option<&'a [String]>,
    /// The fitted mapping, drawn as a curve (nothing is drawn for the identity).
    pub fit: &'a LogisticFit,
    /// Axis label of the predictions.
    pub x_label: &'a str,
    /// Axis label of the scores.
    pub y_label: &'a str,
    /// Caption above the plot.
    pub title: &'a str,
}

/// A figure that can be drawn on any plotters backend.
pub(crate) trait Figure {
    /// Draws the figure on `area`.
    fn draw_on<DB: DrawingBackend>(
        &self,
        area: DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String>;
}

impl Figure for ScatterPlot<'_> {
    fn draw_on<DB: DrawingBackend>(
        &self,
        area: DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        draw(area, self)
    }
}

/// Draws `plot` into `path` (`.svg` or `.png`), atomically.
pub fn write_scatter(path: &Path, plot: &ScatterPlot<'_>) -> Result<()> {
    write_figure(path, plot)
}

/// Draws `figure` into `path` (`.svg` or `.png`, by the extension), atomically.
pub(crate) fn write_figure(path: &Path, figure: &impl Figure) -> Result<()> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let failed = |reason: String| Error::Plot {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = match extension.as_deref() {
        Some("svg") => {
            let mut svg = String::new();
            figure
                .draw_on(SVGBackend::with_string(&mut svg, SIZE).into_drawing_area())
                .map_err(failed)?;
            svg.into_bytes()
        }
        Some("png") => {
            let (w, h) = SIZE;
            let mut rgb = vec![0u8; (3 * w * h) as usize];
            figure
                .draw_on(BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area())
                .map_err(failed)?;
            let image = image::RgbImage::from_raw(w, h, rgb)
                .ok_or_else(|| failed("the drawing has the wrong size".to_string()))?;
            let mut png = Vec::new();
            image
                .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
                .map_err(|e| failed(format!("cannot encode PNG: {e}")))?;
            png
        }
        _ => {
            return Err(Error::PlotFormat {
                path: path.to_path_buf(),
            });
        }
    };
    Ok(iqa_io::atomic::write_bytes_atomic(path, &bytes)?)
}

/// Makes the compiled-in font the one plotters uses for "sans-serif".
pub(crate) fn register_font() -> std::result::Result<(), String> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        result = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        )
        .map_err(|_| "the compiled-in font could not be loaded".to_string());
    });
    result
}

fn range(values: &[f64]) -> (f64, f64) {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = ((max - min) * 0.05).max(1e-9);
    (min - pad, max + pad)
}

fn draw<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    plot: &ScatterPlot<'_>,
) -> std::result::Result<(), String> {
    register_font()?;
    let err = |e: &dyn std::fmt::Display| e.to_string();
    area.fill(&WHITE).map_err(|e| err(&e))?;
    let (x_range, y_range) = (range(plot.pred), range(plot.mos));
    let mut chart = ChartBuilder::on(&area)
        .caption(plot.title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc(plot.x_label)
        .y_desc(plot.y_label)
        .label_style(("sans-serif", 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(|e| err(&e))?;

    let mut by_group: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for (i, (&x, &y)) in plot.pred.iter().zip(plot.mos).enumerate() {
        let label = plot
            .groups
            .and_then(|g| g.get(i))
            .map_or("", String::as_str);
        by_group.entry(label).or_default().push((x, y));
    }
    for (k, (label, points)) in by_group.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let series = chart
            .draw_series(
                points
                    .iter()
                    .map(|&p| Circle::new(p, 3, color.mix(0.75).filled())),
            )
            .map_err(|e| err(&e))?;
        if !label.is_empty() {
            series
                .label(*label)
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
        }
    }
    if !plot.fit.params.is_empty() {
        let steps = 400;
        let curve = (0..=steps).map(|i| {
            let x = x_range.0 + (x_range.1 - x_range.0) * f64::from(i) / f64::from(steps);
            (x, plot.fit.map(x))
        });
        chart
            .draw_series(LineSeries::new(
                curve.filter(|&(_, y)| y >= y_range.0 && y <= y_range.1),
                BLACK.stroke_width(2),
            ))
            .map_err(|e| err(&e))?
            .label(format!("{} fit", plot.fit.kind))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(|e| err(&e))?;
    area.present().map_err(|e| err(&e))
}
