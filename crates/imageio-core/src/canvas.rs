//! The transparency rule of animations (ARCHITECTURE.md, "Animations"),
//! written once for every plugin that composites frames (GIF, APNG, WebP,
//! and the `image`-based fallback): an animation reads as RGBA only when its
//! composited canvas can show transparency, decided from the frame headers
//! alone, before any pixel is decoded.
//!
//! The canvas can show transparency when
//! - a frame that may hold transparent pixels is drawn without blending
//!   (its transparent pixels replace the canvas), or
//! - a frame is drawn while part of the canvas is unpainted (the whole
//!   canvas before the first frame, the area of a frame disposed to
//!   background, the unpainted part before a frame restored to previous)
//!   and that frame does not cover the unpainted part or may hold
//!   transparent pixels.
//!
//! The last frame's disposal is never shown.

/// What happens to a frame's area once the next frame is about to be drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dispose {
    /// The frame stays on the canvas.
    Keep,
    /// The frame's area is cleared to transparent.
    Background,
    /// The canvas goes back to what it was before the frame was drawn.
    Previous,
}

/// A frame area clipped to the canvas, `(x0, y0, x1, y1)`, never empty.
type Area = (u64, u64, u64, u64);

/// The transparency rule, fed the frame headers in order.
///
/// ```
/// use imageio_core::canvas::{Coverage, Dispose};
/// // An opaque frame covering the whole canvas, then one disposed to
/// // background, then a smaller frame: the cleared area shows through.
/// let mut c = Coverage::new(4, 3);
/// assert!(!c.frame((0, 0, 4, 3), false, false, Dispose::Background));
/// assert!(c.frame((0, 0, 2, 2), false, false, Dispose::Keep));
/// assert!(c.shows_transparency());
/// ```
#[derive(Clone, Debug)]
pub struct Coverage {
    width: u64,
    height: u64,
    /// The unpainted part of the canvas before the next frame is drawn.
    hole: Option<Area>,
    /// The last frame's disposal, its area and the hole before it was
    /// drawn, applied when a next frame shows up.
    pending: Option<(Dispose, Option<Area>, Option<Area>)>,
    alpha: bool,
}

impl Coverage {
    /// The rule for a canvas of `width` x `height`, before the first frame
    /// (the whole canvas is unpainted).
    pub fn new(width: u64, height: u64) -> Coverage {
        Coverage {
            width,
            height,
            hole: (width > 0 && height > 0).then_some((0, 0, width, height)),
            pending: None,
            alpha: false,
        }
    }

    /// Feeds the next frame, at `(x, y)` of `w` x `h` (clipped to the
    /// canvas here): `transparent` when it may hold transparent pixels,
    /// `replace` when it is drawn without blending, `dispose` what happens
    /// to it before the frame after it. Returns
    /// [`shows_transparency`](Self::shows_transparency).
    pub fn frame(
        &mut self,
        (x, y, w, h): (u64, u64, u64, u64),
        transparent: bool,
        replace: bool,
        dispose: Dispose,
    ) -> bool {
        if self.alpha {
            return true;
        }
        match self.pending.take() {
            Some((Dispose::Background, area, _)) => self.hole = area,
            Some((Dispose::Previous, _, before)) => self.hole = before,
            _ => {}
        }
        let (x0, y0) = (x.min(self.width), y.min(self.height));
        let (x1, y1) = (
            x.saturating_add(w).min(self.width),
            y.saturating_add(h).min(self.height),
        );
        let area = (x1 > x0 && y1 > y0).then_some((x0, y0, x1, y1));
        if transparent && replace && area.is_some() {
            self.alpha = true;
            return true;
        }
        if let Some(hl) = self.hole {
            let covered =
                area.is_some_and(|a| a.0 <= hl.0 && a.1 <= hl.1 && a.2 >= hl.2 && a.3 >= hl.3);
            if transparent || !covered {
                self.alpha = true;
                return true;
            }
        }
        self.pending = Some((dispose, area, self.hole));
        self.hole = None;
        false
    }

    /// Whether a frame fed so far can show transparency on the composited
    /// canvas: the animation reads as RGBA.
    pub fn shows_transparency(&self) -> bool {
        self.alpha
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opaque_frame_covering_the_canvas_is_rgb() {
        let mut c = Coverage::new(4, 3);
        assert!(!c.frame((0, 0, 4, 3), false, false, Dispose::Keep));
        assert!(!c.frame((1, 1, 1, 1), true, false, Dispose::Keep));
        assert!(!c.frame((1, 1, 1, 1), false, true, Dispose::Background));
        // The last frame's disposal is never shown.
        assert!(!c.shows_transparency());
    }

    #[test]
    fn a_first_frame_smaller_than_the_canvas_shows_it() {
        let mut c = Coverage::new(4, 3);
        assert!(c.frame((0, 0, 4, 2), false, false, Dispose::Keep));
        // Clipped to the canvas, a frame reaching past it still covers it.
        let mut c = Coverage::new(4, 3);
        assert!(!c.frame((0, 0, 9, 9), false, false, Dispose::Keep));
        // An empty or off-canvas frame covers nothing.
        let mut c = Coverage::new(4, 3);
        assert!(c.frame((5, 5, 2, 2), false, false, Dispose::Keep));
        let mut c = Coverage::new(4, 3);
        assert!(c.frame((u64::MAX, 0, u64::MAX, 3), false, false, Dispose::Keep));
    }

    #[test]
    fn transparent_pixels_show_over_a_hole_or_when_replacing() {
        let mut c = Coverage::new(4, 3);
        assert!(c.frame((0, 0, 4, 3), true, false, Dispose::Keep));
        let mut c = Coverage::new(4, 3);
        assert!(!c.frame((0, 0, 4, 3), false, false, Dispose::Keep));
        assert!(c.frame((0, 0, 1, 1), true, true, Dispose::Keep));
    }

    #[test]
    fn disposal_opens_a_hole_the_next_frame_must_cover() {
        let mut c = Coverage::new(4, 3);
        c.frame((0, 0, 4, 3), false, false, Dispose::Background);
        assert!(!c.frame((0, 0, 4, 3), false, false, Dispose::Keep));
        let mut c = Coverage::new(4, 3);
        c.frame((0, 0, 4, 3), false, false, Dispose::Background);
        assert!(c.frame((0, 0, 4, 2), false, false, Dispose::Keep));
        // Restoring to previous after the first frame goes back to the
        // unpainted canvas.
        let mut c = Coverage::new(4, 3);
        c.frame((0, 0, 4, 3), false, false, Dispose::Previous);
        assert!(c.frame((0, 0, 2, 2), false, false, Dispose::Keep));
        // ... and after a later frame, to the painted one.
        let mut c = Coverage::new(4, 3);
        c.frame((0, 0, 4, 3), false, false, Dispose::Keep);
        c.frame((0, 0, 1, 1), false, false, Dispose::Previous);
        assert!(!c.frame((0, 0, 2, 2), false, false, Dispose::Keep));
        // An empty frame with transparent pixels replaces nothing.
        assert!(!c.frame((0, 0, 0, 0), true, true, Dispose::Keep));
        // Once transparent, always.
        let mut c = Coverage::new(4, 3);
        c.frame((0, 0, 4, 3), false, false, Dispose::Background);
        assert!(c.frame((0, 0, 4, 2), false, false, Dispose::Keep));
        assert!(c.frame((0, 0, 4, 3), false, false, Dispose::Keep));
        assert!(c.shows_transparency());
    }
}
