//! The APNG compositor: frames decoded by `png` (expanded to 8 or 16 bits)
//! composited onto an RGBA canvas with the dispose and blend operations of
//! the APNG specification, in integer arithmetic (16-bit files in u16).

use std::io::Cursor;

use imageio_core::{DType, Error, Limits, NdImage, Result, SharedBytes};
use png::{BlendOp, ColorType, DisposeOp, FrameControl, Transformations};

use crate::read::{decode_err, reader, shape_of};

/// What to do to the canvas before the next frame.
struct Pending {
    fctl: FrameControl,
    /// The region before the frame was drawn (dispose PREVIOUS).
    saved: Option<Vec<u16>>,
}

/// A sequential APNG decoder that keeps its canvas between reads.
pub(crate) struct Animator {
    reader: png::Reader<Cursor<SharedBytes>>,
    width: u32,
    height: u32,
    /// Channels of the output: 1 or 2 (gray, the canvas's red and alpha),
    /// 3 or 4.
    channels: usize,
    is16: bool,
    /// The canvas, RGBA, one u16 per sample (8-bit files use 0..255).
    canvas: Vec<u16>,
    /// The decoded (sub)frame, as `png` writes it.
    frame: Vec<u8>,
    /// The fcTL of the IDAT image when it is part of the animation.
    first_fctl: Option<FrameControl>,
    /// The number of images produced so far.
    produced: usize,
    /// The last image produced.
    last: Option<NdImage>,
    pending: Option<Pending>,
    /// Animation frames drawn so far.
    drawn: usize,
}

impl Animator {
    /// A decoder positioned before image 0.
    pub(crate) fn new(
        data: &SharedBytes,
        limits: Limits,
        channels: usize,
        is16: bool,
    ) -> Result<Animator> {
        let r = reader(data, limits, Transformations::EXPAND, true)?;
        let (width, height) = r.info().size();
        let dtype = if is16 { DType::U16 } else { DType::U8 };
        limits.check_shape(&shape_of(height, width, channels), dtype)?;
        let npix = width as usize * height as usize;
        let frame_len = r
            .output_buffer_size()
            .ok_or_else(|| Error::limit("PNG: the frame does not fit in memory"))?;
        // The canvas (4 u16 per pixel), the frame buffer and the output.
        limits.check_alloc((npix as u64 * 8).saturating_add(frame_len as u64 * 2))?;
        let first_fctl = r.info().frame_control;
        Ok(Animator {
            first_fctl,
            reader: r,
            width,
            height,
            channels,
            is16,
            canvas: vec![0; npix * 4],
            frame: vec![0; frame_len],
            produced: 0,
            last: None,
            pending: None,
            drawn: 0,
        })
    }

    /// True when image `index` can be read without starting over.
    pub(crate) fn can_reach(&self, index: usize) -> bool {
        index >= self.produced || (index + 1 == self.produced && self.last.is_some())
    }

    /// Image `index` (at or after the last one produced).
    pub(crate) fn read(&mut self, index: usize) -> Result<NdImage> {
        if index + 1 == self.produced {
            if let Some(img) = &self.last {
                return Ok(img.clone());
            }
        }
        while self.produced < index {
            self.step(false)?;
        }
        self.step(true)?;
        Ok(self.last.clone().expect("produced"))
    }

    /// Decodes the next image; keeps it as `last` when `output`.
    fn step(&mut self, output: bool) -> Result<()> {
        let fctl = if self.produced == 0 {
            self.first_fctl
        } else {
            Some(*self.reader.next_frame_info().map_err(decode_err)?)
        };
        let info = self
            .reader
            .next_frame(&mut self.frame)
            .map_err(decode_err)?;
        let interlaced = self.reader.info().interlaced;
        let stride = if interlaced {
            self.reader
                .output_line_size(self.width)
                .ok_or_else(|| Error::limit("PNG: the row does not fit in memory"))?
        } else {
            info.line_size
        };
        let frame = std::mem::take(&mut self.frame);
        let src = Src {
            data: &frame,
            stride,
            width: info.width,
            height: info.height,
            samples: info.color_type.samples(),
            is16: info.bit_depth == png::BitDepth::Sixteen,
            gray: matches!(
                info.color_type,
                ColorType::Grayscale | ColorType::GrayscaleAlpha
            ),
        };
        let max: u32 = if self.is16 { 65535 } else { 255 };
        match fctl {
            None => {
                // The default image outside the animation: shown as is, the
                // animation's canvas untouched.
                if output {
                    let mut tmp = vec![0u16; self.canvas.len()];
                    draw(&mut tmp, self.width, &src, 0, 0, BlendOp::Source, max);
                    self.last = Some(self.to_image(&tmp));
                }
            }
            Some(fc) => {
                if let Some(p) = self.pending.take() {
                    self.dispose(p);
                }
                let mut dispose = fc.dispose_op;
                if self.drawn == 0 && dispose == DisposeOp::Previous {
                    dispose = DisposeOp::Background;
                }
                let saved = (dispose == DisposeOp::Previous).then(|| self.region(&fc));
                draw(
                    &mut self.canvas,
                    self.width,
                    &src,
                    fc.x_offset,
                    fc.y_offset,
                    fc.blend_op,
                    max,
                );
                self.drawn += 1;
                self.pending = Some(Pending {
                    fctl: FrameControl {
                        dispose_op: dispose,
                        ..fc
                    },
                    saved,
                });
                if output {
                    self.last = Some(self.to_image(&self.canvas));
                }
            }
        }
        self.frame = frame;
        self.produced += 1;
        if !output {
            self.last = None;
        }
        Ok(())
    }

    /// The rows and columns of the canvas a frame covers.
    fn span(&self, fc: &FrameControl) -> (usize, usize, usize, usize) {
        let x0 = (fc.x_offset as usize).min(self.width as usize);
        let y0 = (fc.y_offset as usize).min(self.height as usize);
        let x1 = (fc.x_offset as usize + fc.width as usize).min(self.width as usize);
        let y1 = (fc.y_offset as usize + fc.height as usize).min(self.height as usize);
        (x0, y0, x1, y1)
    }

    fn region(&self, fc: &FrameControl) -> Vec<u16> {
        let (x0, y0, x1, y1) = self.span(fc);
        let w = self.width as usize;
        let mut v = Vec::with_capacity((x1 - x0) * (y1 - y0) * 4);
        for y in y0..y1 {
            v.extend_from_slice(&self.canvas[(y * w + x0) * 4..(y * w + x1) * 4]);
        }
        v
    }

    fn dispose(&mut self, p: Pending) {
        let (x0, y0, x1, y1) = self.span(&p.fctl);
        let w = self.width as usize;
        let rw = (x1 - x0) * 4;
        match (p.fctl.dispose_op, p.saved) {
            (DisposeOp::None, _) => {}
            (DisposeOp::Previous, Some(saved)) => {
                for (k, y) in (y0..y1).enumerate() {
                    self.canvas[(y * w + x0) * 4..(y * w + x1) * 4]
                        .copy_from_slice(&saved[k * rw..(k + 1) * rw]);
                }
            }
            _ => {
                for y in y0..y1 {
                    self.canvas[(y * w + x0) * 4..(y * w + x1) * 4].fill(0);
                }
            }
        }
    }

    /// The canvas as an output image: gray, gray+alpha, RGB or RGBA, u8 or
    /// u16.
    fn to_image(&self, canvas: &[u16]) -> NdImage {
        let shape = shape_of(self.height, self.width, self.channels);
        if self.is16 {
            let v = pick(canvas, self.channels, |x| x);
            NdImage::from_shape_vec(&shape, v).expect("canvas size")
        } else {
            let v = pick(canvas, self.channels, |x| x as u8);
            NdImage::from_shape_vec(&shape, v).expect("canvas size")
        }
    }
}

/// The output's samples of the RGBA `canvas`: gray (the red sample), gray
/// and alpha, RGB or RGBA as `channels` says, each through `cast`.
fn pick<T: Copy + Default>(canvas: &[u16], channels: usize, cast: impl Fn(u16) -> T) -> Vec<T> {
    let mut v = vec![T::default(); canvas.len() / 4 * channels];
    let px = canvas.chunks_exact(4);
    match channels {
        1 => v.iter_mut().zip(px).for_each(|(d, p)| *d = cast(p[0])),
        2 => v.chunks_exact_mut(2).zip(px).for_each(|(d, p)| {
            d[0] = cast(p[0]);
            d[1] = cast(p[3]);
        }),
        3 => v.chunks_exact_mut(3).zip(px).for_each(|(d, p)| {
            d[0] = cast(p[0]);
            d[1] = cast(p[1]);
            d[2] = cast(p[2]);
        }),
        _ => v.iter_mut().zip(canvas).for_each(|(d, &x)| *d = cast(x)),
    }
    v
}

/// A decoded (sub)frame as `png` wrote it.
struct Src<'a> {
    data: &'a [u8],
    stride: usize,
    width: u32,
    height: u32,
    samples: usize,
    is16: bool,
    gray: bool,
}

impl Src<'_> {
    /// Pixel `x` of row `y` as RGBA (alpha = `max` when the frame has none).
    #[inline]
    fn rgba(&self, x: usize, y: usize, max: u32) -> [u32; 4] {
        let s = self.samples;
        let get = |i: usize| -> u32 {
            if self.is16 {
                let o = y * self.stride + (x * s + i) * 2;
                u16::from_be_bytes([self.data[o], self.data[o + 1]]) as u32
            } else {
                self.data[y * self.stride + x * s + i] as u32
            }
        };
        if self.gray {
            let g = get(0);
            let a = if s == 2 { get(1) } else { max };
            [g, g, g, a]
        } else {
            let a = if s == 4 { get(3) } else { max };
            [get(0), get(1), get(2), a]
        }
    }
}

/// Draws `src` at `(x0, y0)` onto the RGBA `canvas` of `width` with `blend`.
fn draw(canvas: &mut [u16], width: u32, src: &Src<'_>, x0: u32, y0: u32, blend: BlendOp, max: u32) {
    let w = width as usize;
    let h = canvas.len() / 4 / w.max(1);
    let opaque = matches!(src.samples, 1 | 3);
    if !src.is16 && (opaque || blend == BlendOp::Source) {
        // 8-bit pixels replacing the canvas's: a straight copy per row.
        let x_end = (x0 as usize + src.width as usize).min(w);
        let n = x_end.saturating_sub(x0 as usize);
        for y in 0..src.height as usize {
            let cy = y0 as usize + y;
            if cy >= h || n == 0 {
                break;
            }
            let row = &src.data[y * src.stride..];
            let dst = &mut canvas[(cy * w + x0 as usize) * 4..(cy * w + x_end) * 4];
            let s = src.samples;
            for (x, d) in dst.chunks_exact_mut(4).enumerate() {
                let p = &row[x * s..x * s + s];
                let (g, a) = match s {
                    1 => (p[0], 255),
                    2 => (p[0], p[1]),
                    3 => (p[0], 255),
                    _ => (p[0], p[3]),
                };
                if src.gray {
                    d.copy_from_slice(&[g as u16, g as u16, g as u16, a as u16]);
                } else {
                    d.copy_from_slice(&[p[0] as u16, p[1] as u16, p[2] as u16, a as u16]);
                }
            }
        }
        return;
    }
    for y in 0..src.height as usize {
        let cy = y0 as usize + y;
        if cy >= h {
            break;
        }
        for x in 0..src.width as usize {
            let cx = x0 as usize + x;
            if cx >= w {
                break;
            }
            let s = src.rgba(x, y, max);
            let d = &mut canvas[(cy * w + cx) * 4..(cy * w + cx) * 4 + 4];
            match blend {
                BlendOp::Source => {
                    for k in 0..4 {
                        d[k] = s[k] as u16;
                    }
                }
                BlendOp::Over => over(d, s, max),
            }
        }
    }
}

/// Porter-Duff `src` OVER `dst` (straight alpha), rounded to nearest.
#[inline]
fn over(d: &mut [u16], s: [u32; 4], max: u32) {
    let sa = s[3] as u64;
    let m = max as u64;
    if sa == m {
        for k in 0..4 {
            d[k] = s[k] as u16;
        }
        return;
    }
    if sa == 0 {
        return;
    }
    let da = d[3] as u64;
    // Everything scaled by `m`: out_a * m = sa * m + da * (m - sa).
    let dw = da * (m - sa);
    let oa = sa * m + dw;
    for k in 0..3 {
        let num = s[k] as u64 * sa * m + d[k] as u64 * dw;
        d[k] = ((num + oa / 2) / oa) as u16;
    }
    d[3] = ((oa + m / 2) / m) as u16;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_is_porter_duff() {
        let mut d = [0u16, 0, 255, 255];
        over(&mut d, [255, 0, 0, 128], 255);
        assert_eq!(d, [128, 0, 127, 255]);
        let mut d = [10u16, 20, 30, 0];
        over(&mut d, [200, 100, 50, 100], 255);
        assert_eq!(d, [200, 100, 50, 100]);
        let mut d = [1u16, 2, 3, 4];
        over(&mut d, [9, 9, 9, 0], 255);
        assert_eq!(d, [1, 2, 3, 4]);
    }
}
