//! Procedural screen-content scenes, the pristine images of a synthetic SIQAD/SCID-like
//! database: a window with a title bar, and a body cut into panels (a guillotine layout, as
//! documents, dashboards and web pages are) holding text in several sizes and weights,
//! charts and line graphics, user-interface widgets and photographic insets. Unlike the
//! dead-leaves scenes they are pixel-sharp (no optical blur), with large flat regions, few
//! distinct colours outside the photographs, and thin high-contrast strokes: the statistics
//! that set screen content apart from photographs and make the same distortion look
//! different on it.

mod draw;
mod text;
mod widgets;

use image::{Rgb, RgbImage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use self::draw::{Colour, Rect, disc, fill};
use self::text::{Fonts, Weight};
use super::scene::{SceneOptions, dead_leaves};
use crate::{DataError, Result};

/// The smallest side a screen-content scene can have.
pub const MIN_SIDE: u32 = 32;

/// The colours of one scene: a light theme (dark text on a pale background) two times in
/// three, else a dark one, and one accent colour for bars, buttons and headings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Theme {
    pub background: Colour,
    pub panel: Colour,
    pub text: Colour,
    pub muted: Colour,
    pub accent: Colour,
}

impl Theme {
    fn random(rng: &mut ChaCha8Rng) -> Theme {
        let tint: Colour = [
            rng.random_range(-8.0..8.0),
            rng.random_range(-8.0..8.0),
            rng.random_range(-8.0..8.0),
        ];
        let accent = hsv(
            rng.random(),
            rng.random_range(0.45..0.9),
            rng.random_range(0.5..0.9),
        );
        if rng.random_range(0..3) < 2 {
            let bg = rng.random_range(236.0..252.0);
            Theme {
                background: tint.map(|t| bg + t),
                panel: tint.map(|t| (bg + t + rng.random_range(-14.0..6.0)).min(255.0)),
                text: [rng.random_range(10.0..60.0); 3],
                muted: [rng.random_range(110.0..150.0); 3],
                accent,
            }
        } else {
            let bg = rng.random_range(18.0..48.0);
            Theme {
                background: tint.map(|t| (bg + t).max(0.0)),
                panel: tint.map(|t| (bg + t + rng.random_range(6.0..22.0)).max(0.0)),
                text: [rng.random_range(200.0..240.0); 3],
                muted: [rng.random_range(120.0..160.0); 3],
                accent,
            }
        }
    }
}

/// HSV (all in [0, 1]) to RGB in [0, 255].
pub(crate) fn hsv(h: f64, s: f64, v: f64) -> Colour {
    let h6 = (h.fract() * 6.0).max(0.0);
    let c = v * s;
    let x = c * (1.0 - ((h6 % 2.0) - 1.0).abs());
    let (r, g, b) = match h6 as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [r + m, g + m, b + m].map(|v| v * 255.0)
}

/// What a panel holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Text,
    Chart,
    Photo,
    Widgets,
}

/// A `width x height` screen-content scene, fully determined by `seed`.
pub fn screen_content(width: u32, height: u32, seed: u64) -> Result<RgbImage> {
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(DataError::Config {
            what: "scene size",
            reason: format!(
                "{width}x{height} is too small; screen-content scenes need at least {MIN_SIDE}x{MIN_SIDE} pixels"
            ),
        });
    }
    let fonts = Fonts::load()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let theme = Theme::random(&mut rng);
    let mut canvas = RgbImage::from_pixel(width, height, Rgb([0, 0, 0]));
    let (w, h) = (i64::from(width), i64::from(height));
    fill(&mut canvas, Rect { x: 0, y: 0, w, h }, theme.background);
    // The title bar: 7 % of the height, 12 to 28 pixels, with a bold title and the three
    // window buttons.
    let bar = ((h as f64 * 0.07).round() as i64).clamp(12, 28);
    let title_bar = Rect {
        x: 0,
        y: 0,
        w,
        h: bar,
    };
    let bar_colour = if rng.random_bool(0.5) {
        theme.accent
    } else {
        theme.panel
    };
    fill(&mut canvas, title_bar, bar_colour);
    let on_bar = readable_on(bar_colour);
    let size = bar as f64 * 0.58;
    let words = rng.random_range(1..4);
    let room = w as f64 - bar as f64 * 3.0;
    let title = text::phrase(&fonts, &mut rng, words, room, size, Weight::Bold);
    fonts.draw(
        &mut canvas,
        &title,
        (bar as f64 * 0.4, bar as f64 * 0.72),
        size,
        Weight::Bold,
        on_bar,
    );
    for k in 0..3 {
        let r = bar as f64 * 0.22;
        let cx = w as f64 - bar as f64 * (0.6 + 0.75 * k as f64);
        disc(&mut canvas, (cx, bar as f64 / 2.0), r, on_bar);
    }
    let body = Rect {
        x: 0,
        y: bar,
        w,
        h: h - bar,
    }
    .inset(((w.min(h) as f64) * 0.02).round().max(2.0) as i64);
    let mut panels = Vec::new();
    split(body, 0, &mut rng, &mut panels);
    // Text in half the panels; at most two photographs, so that text and graphics cover
    // most of a scene, as in SIQAD's and SCID's screenshots.
    let mut photos = 0;
    for (k, panel) in panels.into_iter().enumerate() {
        let mut content = match rng.random_range(0..100) {
            0..=49 => Content::Text,
            50..=67 => Content::Chart,
            68..=81 => Content::Photo,
            _ => Content::Widgets,
        };
        if content == Content::Photo {
            photos += 1;
            if photos > 2 {
                content = Content::Text;
            }
        }
        match content {
            Content::Text => widgets::text_panel(&mut canvas, &fonts, &mut rng, panel, &theme),
            Content::Chart => widgets::chart(&mut canvas, &fonts, &mut rng, panel, &theme),
            Content::Widgets => widgets::controls(&mut canvas, &fonts, &mut rng, panel, &theme),
            Content::Photo => {
                if panel.w >= 8 && panel.h >= 8 {
                    let photo = dead_leaves(
                        panel.w as u32,
                        panel.h as u32,
                        crate::seed::mix(seed, k as u64, 0x5C2E),
                        &SceneOptions::default(),
                    )?;
                    image::imageops::replace(&mut canvas, &photo, panel.x, panel.y);
                }
            }
        }
    }
    Ok(canvas)
}

/// Black or white, whichever reads better on `background`.
pub(crate) fn readable_on(background: Colour) -> Colour {
    let luma = 0.299 * background[0] + 0.587 * background[1] + 0.114 * background[2];
    if luma > 140.0 { [20.0; 3] } else { [245.0; 3] }
}

/// Cuts `area` into panels: along its longer side at 30 to 70 %, with a gutter, down to
/// three levels or until a piece is too small to cut.
fn split(area: Rect, depth: u32, rng: &mut ChaCha8Rng, out: &mut Vec<Rect>) {
    let gutter = rng.random_range(3..9);
    let can_split = area.w >= 2 * 36 + gutter || area.h >= 2 * 28 + gutter;
    if depth >= 3 || !can_split || (depth > 0 && rng.random_range(0..4) == 0) {
        if area.w > 4 && area.h > 4 {
            out.push(area);
        }
        return;
    }
    let vertical_cut = area.w as f64 / 1.3 > area.h as f64 || area.h < 2 * 28 + gutter;
    let t = rng.random_range(0.3..0.7);
    let (a, b) = if vertical_cut {
        let left = ((area.w - gutter) as f64 * t).round() as i64;
        (
            Rect { w: left, ..area },
            Rect {
                x: area.x + left + gutter,
                w: area.w - left - gutter,
                ..area
            },
        )
    } else {
        let top = ((area.h - gutter) as f64 * t).round() as i64;
        (
            Rect { h: top, ..area },
            Rect {
                y: area.y + top + gutter,
                h: area.h - top - gutter,
                ..area
            },
        )
    };
    split(a, depth + 1, rng, out);
    split(b, depth + 1, rng, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::scene::dead_leaves;

    /// The fraction of horizontal neighbours whose luma differs by more than 96.
    fn sharp_steps(img: &RgbImage) -> f64 {
        let luma = |x, y| {
            let p: &Rgb<u8> = img.get_pixel(x, y);
            0.299 * f64::from(p.0[0]) + 0.587 * f64::from(p.0[1]) + 0.114 * f64::from(p.0[2])
        };
        let mut steps = 0;
        for y in 0..img.height() {
            for x in 1..img.width() {
                steps += usize::from((luma(x, y) - luma(x - 1, y)).abs() > 96.0);
            }
        }
        steps as f64 / (img.height() * (img.width() - 1)) as f64
    }

    #[test]
    fn deterministic_varied_and_sharp_like_screens() {
        let a = screen_content(192, 192, 4).unwrap();
        assert_eq!(a, screen_content(192, 192, 4).unwrap());
        assert_ne!(a, screen_content(192, 192, 5).unwrap());
        let mut screen = Vec::new();
        let mut natural = Vec::new();
        let mut flat = Vec::new();
        for seed in 0..8 {
            let s = screen_content(192, 160, seed).unwrap();
            screen.push(sharp_steps(&s));
            natural.push(sharp_steps(
                &dead_leaves(192, 160, seed, &SceneOptions::default()).unwrap(),
            ));
            // Large flat regions: the most common colour covers much of the image.
            let mut counts = std::collections::HashMap::new();
            for p in s.pixels() {
                *counts.entry(p.0).or_insert(0usize) += 1;
            }
            flat.push(*counts.values().max().unwrap() as f64 / (192.0 * 160.0));
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!(
            mean(&screen) > 3.0 * mean(&natural),
            "sharp steps: screen {screen:?}, natural {natural:?}"
        );
        assert!(mean(&flat) > 0.2, "largest flat colour share {flat:?}");
        assert!(screen_content(31, 64, 0).is_err());
        assert!(screen_content(32, 32, 0).is_ok());
    }

    #[test]
    fn panels_tile_the_body_without_overlap() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let body = Rect {
            x: 4,
            y: 20,
            w: 300,
            h: 200,
        };
        let mut panels = Vec::new();
        split(body, 0, &mut rng, &mut panels);
        assert!(panels.len() >= 2, "{panels:?}");
        for (i, a) in panels.iter().enumerate() {
            assert!(a.x >= body.x && a.y >= body.y);
            assert!(a.x + a.w <= body.x + body.w && a.y + a.h <= body.y + body.h);
            for b in &panels[i + 1..] {
                let apart =
                    a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
                assert!(apart, "{a:?} overlaps {b:?}");
            }
        }
    }
}
