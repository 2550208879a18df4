//! The drawing primitives of the screen-content scenes: filled rectangles, outlines,
//! anti-aliased lines and discs, all blended onto an RGB canvas with a coverage in [0, 1].

use image::{Rgb, RgbImage};

/// An RGB colour with components in [0, 255].
pub(crate) type Colour = [f64; 3];

/// Blends `colour` over the pixel at (x, y) with weight `coverage`; pixels outside the
/// canvas are ignored.
pub(crate) fn blend(canvas: &mut RgbImage, x: i64, y: i64, colour: Colour, coverage: f64) {
    if x < 0 || y < 0 || x >= i64::from(canvas.width()) || y >= i64::from(canvas.height()) {
        return;
    }
    let a = coverage.clamp(0.0, 1.0);
    if a <= 0.0 {
        return;
    }
    let p = canvas.get_pixel_mut(x as u32, y as u32);
    for (c, &target) in p.0.iter_mut().zip(&colour) {
        *c = (f64::from(*c) * (1.0 - a) + target * a)
            .round()
            .clamp(0.0, 255.0) as u8;
    }
}

/// A pixel-aligned rectangle: left, top, width, height.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

impl Rect {
    /// `self` shrunk by `by` pixels on every side (never below 0 x 0).
    pub(crate) fn inset(self, by: i64) -> Rect {
        Rect {
            x: self.x + by,
            y: self.y + by,
            w: (self.w - 2 * by).max(0),
            h: (self.h - 2 * by).max(0),
        }
    }
}

/// Fills `r` with `colour` (screen content's flat regions: no shading, no noise).
pub(crate) fn fill(canvas: &mut RgbImage, r: Rect, colour: Colour) {
    let px = Rgb(colour.map(|v| v.round().clamp(0.0, 255.0) as u8));
    let (x0, y0) = (r.x.max(0), r.y.max(0));
    let x1 = (r.x + r.w).min(i64::from(canvas.width()));
    let y1 = (r.y + r.h).min(i64::from(canvas.height()));
    for y in y0..y1 {
        for x in x0..x1 {
            canvas.put_pixel(x as u32, y as u32, px);
        }
    }
}

/// A one-pixel outline of `r`.
pub(crate) fn outline(canvas: &mut RgbImage, r: Rect, colour: Colour) {
    for (x, y, w, h) in [
        (r.x, r.y, r.w, 1),
        (r.x, r.y + r.h - 1, r.w, 1),
        (r.x, r.y, 1, r.h),
        (r.x + r.w - 1, r.y, 1, r.h),
    ] {
        fill(canvas, Rect { x, y, w, h }, colour);
    }
}

/// An anti-aliased line of `width` pixels from `a` to `b` (pixel centres at +0.5): each
/// pixel is covered by how far its centre lies inside the stroke.
pub(crate) fn line(
    canvas: &mut RgbImage,
    a: (f64, f64),
    b: (f64, f64),
    width: f64,
    colour: Colour,
) {
    let half = width / 2.0;
    let pad = half + 1.0;
    let x0 = (a.0.min(b.0) - pad).floor() as i64;
    let x1 = (a.0.max(b.0) + pad).ceil() as i64;
    let y0 = (a.1.min(b.1) - pad).floor() as i64;
    let y1 = (a.1.max(b.1) + pad).ceil() as i64;
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length2 = (dx * dx + dy * dy).max(1e-12);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
            let t = (((px - a.0) * dx + (py - a.1) * dy) / length2).clamp(0.0, 1.0);
            let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
            let distance = ((px - cx).powi(2) + (py - cy).powi(2)).sqrt();
            blend(canvas, x, y, colour, half + 0.5 - distance);
        }
    }
}

/// An anti-aliased filled disc.
pub(crate) fn disc(canvas: &mut RgbImage, centre: (f64, f64), radius: f64, colour: Colour) {
    let x0 = (centre.0 - radius - 1.0).floor() as i64;
    let x1 = (centre.0 + radius + 1.0).ceil() as i64;
    let y0 = (centre.1 - radius - 1.0).floor() as i64;
    let y1 = (centre.1 + radius + 1.0).ceil() as i64;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let d =
                ((x as f64 + 0.5 - centre.0).powi(2) + (y as f64 + 0.5 - centre.1).powi(2)).sqrt();
            blend(canvas, x, y, colour, radius + 0.5 - d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_outline_and_line_cover_what_they_should() {
        let mut c = RgbImage::from_pixel(20, 10, Rgb([255, 255, 255]));
        fill(
            &mut c,
            Rect {
                x: -3,
                y: 2,
                w: 5,
                h: 3,
            },
            [0.0, 0.0, 0.0],
        );
        assert_eq!(c.get_pixel(1, 3).0, [0, 0, 0]);
        assert_eq!(c.get_pixel(2, 3).0, [255, 255, 255]);
        outline(
            &mut c,
            Rect {
                x: 10,
                y: 0,
                w: 5,
                h: 5,
            },
            [255.0, 0.0, 0.0],
        );
        assert_eq!(c.get_pixel(14, 4).0, [255, 0, 0]);
        assert_eq!(c.get_pixel(12, 2).0, [255, 255, 255]);
        // A horizontal 1-pixel line along row 7's centre covers row 7 fully, rows 6 and 8
        // not at all; its ends fade.
        line(&mut c, (2.0, 7.5), (8.0, 7.5), 1.0, [0.0, 0.0, 0.0]);
        assert_eq!(c.get_pixel(5, 7).0, [0, 0, 0]);
        assert_eq!(c.get_pixel(5, 6).0, [255, 255, 255]);
        assert_eq!(c.get_pixel(5, 8).0, [255, 255, 255]);
        // A disc of radius 2 at (16.5, 7.5): centre covered, a pixel 3 away untouched.
        disc(&mut c, (16.5, 7.5), 2.0, [0.0, 0.0, 255.0]);
        assert_eq!(c.get_pixel(16, 7).0, [0, 0, 255]);
        assert_eq!(c.get_pixel(19, 7).0, [255, 255, 255]);
        assert_eq!(
            Rect {
                x: 0,
                y: 0,
                w: 3,
                h: 9
            }
            .inset(2)
            .w,
            0
        );
    }
}
