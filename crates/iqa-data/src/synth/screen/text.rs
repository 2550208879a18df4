//! Text for the screen-content scenes: two compiled-in fonts (DejaVu Sans and DejaVu Sans
//! Bold, cut down to printable ASCII; `assets/fonts` holds their licence and the script that
//! made them), word-like strings, and anti-aliased lines of text wrapped inside a box.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use image::RgbImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::draw::{Colour, Rect, blend};
use crate::{DataError, Result};

const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-ascii.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold-ascii.ttf");

/// The weight of a run of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// The two faces, parsed once per scene.
pub(crate) struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

impl Fonts {
    /// Parses the compiled-in fonts.
    pub(crate) fn load() -> Result<Fonts> {
        let parse = |bytes: &'static [u8], name: &str| {
            FontRef::try_from_slice(bytes).map_err(|e| DataError::Config {
                what: "screen-content font",
                reason: format!("the compiled-in {name} does not parse: {e}"),
            })
        };
        Ok(Fonts {
            regular: parse(REGULAR, "DejaVu Sans")?,
            bold: parse(BOLD, "DejaVu Sans Bold")?,
        })
    }

    fn face(&self, weight: Weight) -> &FontRef<'static> {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// The advance width of `text` at `size` pixels, kerning included.
    pub(crate) fn width(&self, text: &str, size: f64, weight: Weight) -> f64 {
        let font = self.face(weight).as_scaled(PxScale::from(size as f32));
        let mut width = 0.0f32;
        let mut previous = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = previous {
                width += font.kern(p, id);
            }
            width += font.h_advance(id);
            previous = Some(id);
        }
        f64::from(width)
    }

    /// The distance from one baseline to the next at `size` pixels.
    pub(crate) fn line_height(&self, size: f64) -> f64 {
        let font = self.regular.as_scaled(PxScale::from(size as f32));
        f64::from(font.height() + font.line_gap())
    }

    /// Draws `text` with its baseline's left end at `origin`; returns the advance.
    pub(crate) fn draw(
        &self,
        canvas: &mut RgbImage,
        text: &str,
        origin: (f64, f64),
        size: f64,
        weight: Weight,
        colour: Colour,
    ) -> f64 {
        let face = self.face(weight);
        let scale = PxScale::from(size as f32);
        let font = face.as_scaled(scale);
        let mut x = origin.0 as f32;
        let mut previous = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = previous {
                x += font.kern(p, id);
            }
            let glyph = id.with_scale_and_position(scale, point(x, origin.1 as f32));
            if let Some(outlined) = face.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                outlined.draw(|gx, gy, coverage| {
                    blend(
                        canvas,
                        bounds.min.x as i64 + i64::from(gx),
                        bounds.min.y as i64 + i64::from(gy),
                        colour,
                        f64::from(coverage),
                    );
                });
            }
            x += font.h_advance(id);
            previous = Some(id);
        }
        f64::from(x) - origin.0
    }
}

/// A word-like string: 1 to 10 lower-case letters with English-like letter frequencies,
/// sometimes capitalised, sometimes a number, sometimes followed by punctuation.
pub(crate) fn word(rng: &mut ChaCha8Rng) -> String {
    const LETTERS: &[u8] = b"eeeeeeeeeeeetttttttttaaaaaaaaoooooooiiiiiiinnnnnnnsssssshhhhhhrrrrrrddddllllcccuuummwwffggyyppbbvkjxqz";
    if rng.random_range(0..12) == 0 {
        return match rng.random_range(0..3) {
            0 => format!("{}", rng.random_range(0..10_000)),
            1 => format!(
                "{}.{:02}",
                rng.random_range(0..1000),
                rng.random_range(0..100)
            ),
            _ => format!("{}%", rng.random_range(0..100)),
        };
    }
    let length = match rng.random_range(0..10) {
        0..=2 => rng.random_range(1..=3),
        3..=7 => rng.random_range(4..=7),
        _ => rng.random_range(8..=10),
    };
    let mut w: String = (0..length)
        .map(|_| LETTERS[rng.random_range(0..LETTERS.len())] as char)
        .collect();
    if rng.random_range(0..6) == 0
        && let Some(first) = w.get(..1).map(str::to_uppercase)
    {
        w.replace_range(..1, &first);
    }
    match rng.random_range(0..14) {
        0 => w.push(','),
        1 => w.push('.'),
        2 => w.push(':'),
        _ => {}
    }
    w
}

/// Up to `words` words that together fit `width` pixels at `size` (always at least one
/// word, which the caller's canvas clips if even that is too wide).
pub(crate) fn phrase(
    fonts: &Fonts,
    rng: &mut ChaCha8Rng,
    words: usize,
    width: f64,
    size: f64,
    weight: Weight,
) -> String {
    let mut text = word(rng);
    for _ in 1..words {
        let longer = format!("{text} {}", word(rng));
        if fonts.width(&longer, size, weight) > width {
            break;
        }
        text = longer;
    }
    text
}

/// Fills `area` with wrapped lines of words at `size` pixels, starting at its top; returns
/// the height used.
pub(crate) fn paragraph(
    canvas: &mut RgbImage,
    fonts: &Fonts,
    rng: &mut ChaCha8Rng,
    area: Rect,
    size: f64,
    weight: Weight,
    colour: Colour,
) -> i64 {
    let line_height = fonts.line_height(size).ceil();
    let ascent = (size * 0.8).round();
    let space = fonts.width(" ", size, weight);
    let mut baseline = area.y as f64 + ascent;
    let right = (area.x + area.w) as f64;
    while baseline + size * 0.25 <= (area.y + area.h) as f64 {
        let mut x = area.x as f64;
        // A ragged right edge, and now and then a short last line of a paragraph.
        let end = if rng.random_range(0..5) == 0 {
            area.x as f64 + area.w as f64 * rng.random_range(0.2..0.8)
        } else {
            right
        };
        loop {
            let w = word(rng);
            let width = fonts.width(&w, size, weight);
            if x + width > end {
                break;
            }
            x += fonts.draw(canvas, &w, (x, baseline), size, weight, colour) + space;
        }
        baseline += line_height;
    }
    (baseline - line_height - area.y as f64 + size * 0.25).max(0.0) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;
    use rand::SeedableRng;

    #[test]
    fn text_is_drawn_with_anti_aliased_edges_and_bold_is_heavier() {
        let fonts = Fonts::load().unwrap();
        let ink = |weight| {
            let mut c = RgbImage::from_pixel(200, 30, Rgb([255, 255, 255]));
            let advance = fonts.draw(&mut c, "Quality 42", (4.0, 20.0), 16.0, weight, [0.0; 3]);
            assert!((advance - fonts.width("Quality 42", 16.0, weight)).abs() < 1e-3);
            let dark: f64 = c.pixels().map(|p| 255.0 - f64::from(p.0[0])).sum();
            let grey = c.pixels().filter(|p| p.0[0] > 20 && p.0[0] < 235).count();
            (dark, grey, advance)
        };
        let (regular, grey, advance) = ink(Weight::Regular);
        let (bold, _, bold_advance) = ink(Weight::Bold);
        assert!(
            regular > 0.0 && grey > 20,
            "ink {regular}, edge pixels {grey}"
        );
        assert!(bold > 1.2 * regular, "bold {bold} vs regular {regular}");
        assert!(bold_advance > advance);
        // Sizes scale the advance.
        let w8 = fonts.width("Quality 42", 8.0, Weight::Regular);
        assert!((advance / w8 - 2.0).abs() < 0.05, "{advance} vs {w8}");
    }

    #[test]
    fn paragraphs_stay_inside_their_box() {
        let fonts = Fonts::load().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut c = RgbImage::from_pixel(120, 80, Rgb([255, 255, 255]));
        let area = Rect {
            x: 10,
            y: 10,
            w: 60,
            h: 40,
        };
        let used = paragraph(
            &mut c,
            &fonts,
            &mut rng,
            area,
            10.0,
            Weight::Regular,
            [0.0; 3],
        );
        assert!(used > 20 && used <= 40, "{used}");
        for (x, y, p) in c.enumerate_pixels() {
            let inside = (9..=71).contains(&x) && (9..=51).contains(&y);
            assert!(
                inside || p.0 == [255, 255, 255],
                "ink outside the box at ({x}, {y})"
            );
        }
        let words: Vec<String> = (0..200).map(|_| word(&mut rng)).collect();
        assert!(words.iter().all(|w| !w.is_empty() && w.len() <= 11));
        assert!(words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit())));
    }
}
