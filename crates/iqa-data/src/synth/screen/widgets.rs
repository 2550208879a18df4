//! What fills a panel of a screen-content scene: a text column, a chart, or a group of
//! user-interface controls (buttons, check boxes, a table).

use image::RgbImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::draw::{Colour, Rect, disc, fill, line, outline};
use super::text::{Fonts, Weight, paragraph, phrase, word};
use super::{Theme, hsv, readable_on};

/// The smallest text drawn, in pixels (smaller is unreadable even on screens).
const MIN_TEXT: f64 = 7.0;

/// A card behind a panel's content half the time; returns the area left inside it.
fn card(canvas: &mut RgbImage, rng: &mut ChaCha8Rng, panel: Rect, theme: &Theme) -> Rect {
    if rng.random_bool(0.5) {
        fill(canvas, panel, theme.panel);
        if rng.random_bool(0.5) {
            outline(canvas, panel, theme.muted);
        }
        panel.inset((panel.w.min(panel.h) / 12).clamp(2, 8))
    } else {
        panel
    }
}

/// A text size for `area`: 7 to 18 pixels, at most a third of its height.
fn text_size(rng: &mut ChaCha8Rng, area: Rect) -> f64 {
    let top = (area.h as f64 / 3.0).clamp(MIN_TEXT, 18.0);
    if top <= MIN_TEXT {
        MIN_TEXT
    } else {
        rng.random_range(MIN_TEXT..top).round()
    }
}

/// A heading (bold, sometimes in the accent colour) over one or more paragraphs.
pub(crate) fn text_panel(
    canvas: &mut RgbImage,
    fonts: &Fonts,
    rng: &mut ChaCha8Rng,
    panel: Rect,
    theme: &Theme,
) {
    let mut area = card(canvas, rng, panel, theme);
    let size = text_size(rng, area);
    if rng.random_bool(0.6) && area.h as f64 > 3.0 * size {
        let heading = (size + rng.random_range(2.0..8.0)).round();
        let colour = if rng.random_bool(0.4) {
            theme.accent
        } else {
            theme.text
        };
        let words = rng.random_range(1..5);
        let title = phrase(fonts, rng, words, area.w as f64, heading, Weight::Bold);
        let baseline = area.y as f64 + heading * 0.85;
        fonts.draw(
            canvas,
            &title,
            (area.x as f64, baseline),
            heading,
            Weight::Bold,
            colour,
        );
        let used = (heading * 1.3).ceil() as i64;
        area = Rect {
            y: area.y + used,
            h: area.h - used,
            ..area
        };
    }
    while area.h as f64 > size * 1.2 {
        let weight = if rng.random_range(0..6) == 0 {
            Weight::Bold
        } else {
            Weight::Regular
        };
        let colour = match rng.random_range(0..8) {
            0 => theme.accent,
            1 => theme.muted,
            _ => theme.text,
        };
        let block = Rect {
            h: area
                .h
                .min((size * rng.random_range(2.0..8.0)).ceil() as i64),
            ..area
        };
        let used = paragraph(canvas, fonts, rng, block, size, weight, colour);
        let skip = used + (size * 0.8).ceil() as i64;
        area = Rect {
            y: area.y + skip,
            h: area.h - skip,
            ..area
        };
    }
}

/// A bar chart or a line graph with axes, grid lines and tick labels.
pub(crate) fn chart(
    canvas: &mut RgbImage,
    fonts: &Fonts,
    rng: &mut ChaCha8Rng,
    panel: Rect,
    theme: &Theme,
) {
    let area = card(canvas, rng, panel, theme);
    if area.w < 24 || area.h < 24 {
        return;
    }
    let label = (area.h as f64 / 12.0).clamp(MIN_TEXT, 11.0).round();
    let left = area.x as f64 + label * 2.2;
    let bottom = (area.y + area.h) as f64 - label * 1.4;
    let (right, top) = ((area.x + area.w) as f64 - 3.0, area.y as f64 + 4.0);
    if right - left < 12.0 || bottom - top < 12.0 {
        return;
    }
    let grid = blend_colours(theme.muted, theme.panel, 0.6);
    let lines = rng.random_range(3..6);
    let step = [1, 2, 5, 10, 20, 25, 50, 100][rng.random_range(0..8)];
    for k in 0..=lines {
        let y = (bottom - (bottom - top) * k as f64 / lines as f64).round() + 0.5;
        line(canvas, (left, y), (right, y), 1.0, grid);
        let value = format!("{}", k * step);
        fonts.draw(
            canvas,
            &value,
            (area.x as f64, y + label * 0.35),
            label,
            Weight::Regular,
            theme.muted,
        );
    }
    line(canvas, (left, top), (left, bottom), 1.0, theme.text);
    line(canvas, (left, bottom), (right, bottom), 1.0, theme.text);
    let span = bottom - top;
    if rng.random_bool(0.5) {
        let bars = rng.random_range(3..11);
        let slot = (right - left) / bars as f64;
        let hue: f64 = rng.random();
        let single = rng.random_bool(0.5);
        for k in 0..bars {
            let colour = if single {
                theme.accent
            } else {
                hsv(hue + k as f64 * 0.13, 0.6, 0.8)
            };
            let x0 = (left + slot * (k as f64 + 0.2)).round() as i64;
            let x1 = (left + slot * (k as f64 + 0.8)).round() as i64;
            let height = (span * rng.random_range(0.1..0.95)).round() as i64;
            fill(
                canvas,
                Rect {
                    x: x0,
                    y: bottom as i64 - height,
                    w: (x1 - x0).max(1),
                    h: height,
                },
                colour,
            );
        }
    } else {
        for series in 0..rng.random_range(1..4) {
            let colour = hsv(rng.random(), 0.75, 0.8);
            let points = rng.random_range(4..13);
            let mut level: f64 = rng.random_range(0.2..0.8);
            let mut previous: Option<(f64, f64)> = None;
            for k in 0..points {
                level = (level + rng.random_range(-0.25..0.25)).clamp(0.05, 0.95);
                let p = (
                    left + (right - left) * k as f64 / (points - 1) as f64,
                    bottom - span * level,
                );
                if let Some(q) = previous {
                    line(canvas, q, p, 1.0 + series as f64 * 0.5, colour);
                }
                if series == 0 {
                    disc(canvas, p, 2.0, colour);
                }
                previous = Some(p);
            }
        }
    }
}

/// A row of buttons, a list of check boxes, or a table with a header row.
pub(crate) fn controls(
    canvas: &mut RgbImage,
    fonts: &Fonts,
    rng: &mut ChaCha8Rng,
    panel: Rect,
    theme: &Theme,
) {
    let area = card(canvas, rng, panel, theme);
    let size = text_size(rng, area).min(13.0);
    let row = (size * 2.0).round() as i64;
    if area.w < 20 || area.h < row {
        return;
    }
    match rng.random_range(0..3) {
        0 => {
            // Buttons, in rows.
            let mut y = area.y;
            while y + row <= area.y + area.h {
                let mut x = area.x;
                loop {
                    let label = word(rng);
                    let width = fonts.width(&label, size, Weight::Bold).ceil() as i64 + row;
                    if x + width > area.x + area.w {
                        break;
                    }
                    let primary = rng.random_bool(0.4);
                    let face = if primary { theme.accent } else { theme.panel };
                    let button = Rect {
                        x,
                        y,
                        w: width,
                        h: row - 4,
                    };
                    fill(canvas, button, face);
                    outline(canvas, button, theme.muted);
                    fonts.draw(
                        canvas,
                        &label,
                        (
                            (x + row / 2) as f64,
                            y as f64 + (row - 4) as f64 * 0.5 + size * 0.35,
                        ),
                        size,
                        Weight::Bold,
                        readable_on(face),
                    );
                    x += width + row / 3;
                }
                y += row + row / 2;
            }
        }
        1 => {
            // Check boxes with labels.
            let mut y = area.y;
            let boxed = (size * 1.1).round() as i64;
            while y + row <= area.y + area.h {
                let b = Rect {
                    x: area.x,
                    y: y + (row - boxed) / 2,
                    w: boxed,
                    h: boxed,
                };
                fill(canvas, b, theme.background);
                outline(canvas, b, theme.text);
                if rng.random_bool(0.5) {
                    let (x0, y0) = (b.x as f64, b.y as f64);
                    let s = boxed as f64;
                    line(
                        canvas,
                        (x0 + s * 0.2, y0 + s * 0.55),
                        (x0 + s * 0.42, y0 + s * 0.78),
                        1.5,
                        theme.accent,
                    );
                    line(
                        canvas,
                        (x0 + s * 0.42, y0 + s * 0.78),
                        (x0 + s * 0.82, y0 + s * 0.25),
                        1.5,
                        theme.accent,
                    );
                }
                let words = rng.random_range(1..5);
                let room = (area.w - boxed - row / 3) as f64;
                let label = phrase(fonts, rng, words, room, size, Weight::Regular);
                fonts.draw(
                    canvas,
                    &label,
                    (
                        (b.x + boxed + row / 3) as f64,
                        y as f64 + row as f64 * 0.5 + size * 0.35,
                    ),
                    size,
                    Weight::Regular,
                    theme.text,
                );
                y += row;
            }
        }
        _ => {
            // A table: a filled header row, grid lines, a word or number per cell.
            let columns = ((area.w as f64 / (size * 6.0)).floor() as i64).clamp(1, 6);
            let cell = area.w / columns;
            let rows = area.h / row;
            fill(
                canvas,
                Rect {
                    h: row,
                    w: cell * columns,
                    ..area
                },
                theme.accent,
            );
            for r in 0..rows {
                for c in 0..columns {
                    let x = area.x + c * cell;
                    let y = area.y + r * row;
                    outline(
                        canvas,
                        Rect {
                            x,
                            y,
                            w: cell + 1,
                            h: row + 1,
                        },
                        theme.muted,
                    );
                    let entry = word(rng);
                    let width = fonts.width(&entry, size, Weight::Regular);
                    if width < (cell - 6) as f64 {
                        let (colour, weight) = if r == 0 {
                            (readable_on(theme.accent), Weight::Bold)
                        } else {
                            (theme.text, Weight::Regular)
                        };
                        fonts.draw(
                            canvas,
                            &entry,
                            ((x + 3) as f64, y as f64 + row as f64 * 0.5 + size * 0.35),
                            size,
                            weight,
                            colour,
                        );
                    }
                }
            }
        }
    }
}

/// `a` mixed with `b`: weight `t` on `a`.
fn blend_colours(a: Colour, b: Colour, t: f64) -> Colour {
    [0, 1, 2].map(|k| a[k] * t + b[k] * (1.0 - t))
}
