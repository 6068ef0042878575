//! Reading: a lazy scan of the block headers (no LZW data decoded) that
//! answers the RGB/RGBA question, the frame count, the delays and the loop
//! count, each only as far as it is asked; the `gif` crate's decoder
//! (indexed output) kept open in the plugin, frames composited onto the
//! logical screen by our own compositor.

use std::io::Cursor;
use std::num::NonZeroU64;

use gif::{ColorOutput, DecodeOptions, Decoder, DisposalMethod};
use imageio_core::canvas::{Coverage, Dispose};
use imageio_core::plugin::{Reader, MAX_IMAGES};
use imageio_core::{
    DType, Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes, Value,
};

pub(crate) fn gif_err(e: gif::DecodingError) -> Error {
    match e {
        gif::DecodingError::OutOfMemory => {
            Error::limit("GIF: the decoder's memory limit was reached")
        }
        other => Error::decode(format!("GIF: {other}")),
    }
}

fn options(limits: Limits) -> DecodeOptions {
    let mut o = DecodeOptions::new();
    o.set_color_output(ColorOutput::Indexed);
    o.check_frame_consistency(false);
    o.set_memory_limit(gif::MemoryLimit::Bytes(
        NonZeroU64::new(limits.max_alloc.max(1)).expect("nonzero"),
    ));
    o
}

/// A rectangle of the screen (clipped to it); never empty when held in an
/// `Option<Rect>` of the scan (an empty area is `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rect {
    left: usize,
    top: usize,
    width: usize,
    height: usize,
}

impl Rect {
    /// The frame rectangle `(left, top, width, height)` clipped to a screen
    /// of `sw` x `sh`, as the compositor draws it.
    fn clipped(fl: usize, ft: usize, fw: usize, fh: usize, sw: usize, sh: usize) -> Rect {
        Rect {
            left: fl.min(sw),
            top: ft.min(sh),
            width: (fl + fw).min(sw).saturating_sub(fl),
            height: (ft + fh).min(sh).saturating_sub(ft),
        }
    }
}

/// The frame headers seen so far, and the transparency rule's state.
///
/// The rule (the crate docs, `imageio_core::canvas`): the composited canvas
/// can show transparency, and the file reads as RGBA, when a frame is drawn
/// while part of the canvas is unpainted (the whole screen before frame 0,
/// the area a frame disposed to background left, or the hole before a frame
/// restored to previous) and that frame does not cover it or has a
/// transparent index. Otherwise every canvas shown is opaque: RGB.
struct Scan {
    width: usize,
    height: usize,
    /// Where the next block starts.
    pos: usize,
    /// The trailer, the end of the data, an incomplete frame or an unknown
    /// block was reached: no frame after `delays.len()`.
    done: bool,
    /// Per-frame delays, in 10 ms units as stored.
    delays: Vec<u16>,
    /// `Some(0)` forever, `Some(n)` NETSCAPE count `n`, `None` no loop block
    /// (seen so far).
    loop_count: Option<u64>,
    /// The background colour index (with a global colour table).
    background: Option<usize>,
    /// The graphic control extension waiting for the next image: disposal
    /// method, transparency flag, delay.
    gce: Option<(u8, bool, u16)>,
    /// The transparency rule over the frames seen so far: once it says
    /// a frame can show transparency, the file is RGBA.
    cov: Coverage,
}

/// Reads `n` bytes at `pos`, `None` past the end.
fn get(data: &[u8], pos: usize, n: usize) -> Option<&[u8]> {
    data.get(pos..pos.checked_add(n)?)
}

/// Skips a chain of data sub-blocks at `pos`; the offset after its
/// terminator, `None` when the data ends first.
///
/// LZW data is mostly full 255-byte sub-blocks, so the length bytes of the
/// next [`RUN`] blocks are checked together: these loads do not depend on
/// one another, where following the chain one length at a time waits for
/// each load before the next can start.
fn skip_sub_blocks(data: &[u8], mut pos: usize) -> Option<usize> {
    /// Full sub-blocks (a 255 length byte and 255 bytes) checked at once.
    const RUN: usize = 8;
    loop {
        while let Some(run) = get(data, pos, 256 * RUN) {
            if !(0..RUN).all(|k| run[256 * k] == 255) {
                break;
            }
            pos += 256 * RUN;
        }
        let n = *data.get(pos)? as usize;
        pos += 1;
        if n == 0 {
            return Some(pos);
        }
        pos = pos.checked_add(n)?;
        if pos > data.len() {
            return None;
        }
    }
}

impl Scan {
    /// The logical screen descriptor; the scan positioned at the first block.
    fn new(data: &[u8], limits: Limits) -> Result<Scan> {
        let head = get(data, 0, 13).ok_or_else(|| Error::decode("GIF: the header is cut"))?;
        if &head[..3] != b"GIF" {
            return Err(Error::decode("GIF: no GIF signature"));
        }
        let width = u16::from_le_bytes([head[6], head[7]]) as usize;
        let height = u16::from_le_bytes([head[8], head[9]]) as usize;
        // Checked before anything is decoded (a bomb is often a header alone).
        limits.check_shape(&[height, width, 4], DType::U8)?;
        let flags = head[10];
        let mut pos = 13;
        let mut background = None;
        if flags & 0x80 != 0 {
            pos += 3 << ((flags & 7) + 1);
            background = Some(head[11] as usize);
        }
        Ok(Scan {
            width,
            height,
            pos,
            done: false,
            delays: Vec::new(),
            loop_count: None,
            background,
            gce: None,
            cov: Coverage::new(width as u64, height as u64),
        })
    }

    /// Reads blocks up to the end of the next image (its data skipped by
    /// sub-block lengths, nothing decompressed), or marks the scan `done`.
    /// Bounded by the data's length and [`MAX_IMAGES`].
    fn step(&mut self, data: &[u8]) -> Result<()> {
        while !self.done {
            let Some(&kind) = data.get(self.pos) else {
                self.done = true;
                break;
            };
            match kind {
                0x21 => {
                    let Some(&label) = data.get(self.pos + 1) else {
                        self.done = true;
                        break;
                    };
                    let body = self.pos + 2;
                    match (label, get(data, body, 6)) {
                        (0xF9, Some(b)) if b[0] >= 4 => {
                            let disposal = (b[1] >> 2) & 7;
                            let delay = u16::from_le_bytes([b[2], b[3]]);
                            self.gce = Some((disposal, b[1] & 1 != 0, delay));
                        }
                        (0xFF, _) => self.application(data, body),
                        _ => {}
                    }
                    match skip_sub_blocks(data, body) {
                        Some(p) => self.pos = p,
                        None => self.done = true,
                    }
                }
                0x2C => return self.image(data),
                // The trailer, or a block no decoder can read on from.
                _ => self.done = true,
            }
        }
        Ok(())
    }

    /// An application extension at `body`: the NETSCAPE2.0 (or ANIMEXTS1.0)
    /// loop count.
    fn application(&mut self, data: &[u8], body: usize) {
        let Some(b) = get(data, body, 16) else {
            return;
        };
        let app = &b[1..12];
        if b[0] == 11
            && (app == b"NETSCAPE2.0" || app == b"ANIMEXTS1.0")
            && b[12] >= 3
            && b[13] == 1
        {
            self.loop_count = Some(u64::from(u16::from_le_bytes([b[14], b[15]])));
        }
    }

    /// An image descriptor at `pos`: the frame is counted once its data is
    /// complete, and the transparency rule is applied to it.
    fn image(&mut self, data: &[u8]) -> Result<()> {
        let Some(d) = get(data, self.pos + 1, 9) else {
            self.done = true;
            return Ok(());
        };
        let field = |i: usize| u16::from_le_bytes([d[i], d[i + 1]]) as usize;
        let (fl, ft, fw, fh) = (field(0), field(2), field(4), field(6));
        let flags = d[8];
        let mut pos = self.pos + 10;
        if flags & 0x80 != 0 {
            pos += 3 << ((flags & 7) + 1);
        }
        // The LZW minimum code size, then the data sub-blocks.
        let end = match skip_sub_blocks(data, pos + 1) {
            Some(p) if pos < data.len() => p,
            _ => {
                self.done = true;
                return Ok(());
            }
        };
        self.pos = end;
        let (disposal, transparent, delay) = self.gce.take().unwrap_or((0, false, 0));
        if self.delays.len() >= MAX_IMAGES {
            return Err(Error::limit(format!("GIF: more than {MAX_IMAGES} frames")));
        }
        self.delays.push(delay);
        let dispose = match disposal {
            2 => Dispose::Background,
            3 => Dispose::Previous,
            _ => Dispose::Keep,
        };
        // A transparent index leaves the canvas under it: blended.
        let area = (fl as u64, ft as u64, fw as u64, fh as u64);
        self.cov.frame(area, transparent, false, dispose);
        Ok(())
    }

    /// Scans until the RGB/RGBA question is settled.
    fn settle_alpha(&mut self, data: &[u8]) -> Result<bool> {
        while !self.cov.shows_transparency() && !self.done {
            self.step(data)?;
        }
        Ok(self.cov.shows_transparency())
    }

    /// Scans until frame `index` is known to exist or not.
    fn has_frame(&mut self, data: &[u8], index: usize) -> Result<bool> {
        while self.delays.len() <= index && !self.done {
            self.step(data)?;
        }
        Ok(index < self.delays.len())
    }

    /// Scans to the end; the number of frames (an error when there is none).
    fn finish(&mut self, data: &[u8]) -> Result<usize> {
        while !self.done {
            self.step(data)?;
        }
        if self.delays.is_empty() {
            return Err(Error::decode("GIF: the file has no image"));
        }
        Ok(self.delays.len())
    }
}

/// A frame's descriptor, graphic control and palette (its indices not yet
/// decoded).
struct FrameHead {
    /// Left, top, width, height as stored.
    rect: (usize, usize, usize, usize),
    transparent: Option<u8>,
    dispose: DisposalMethod,
    palette: [u8; 768],
    palette_len: usize,
}

impl FrameHead {
    /// The next frame's header, checked against `limits`.
    fn next(d: &mut Decoder<Cursor<SharedBytes>>, limits: Limits) -> Result<FrameHead> {
        let f = d
            .next_frame_info()
            .map_err(gif_err)?
            .ok_or_else(|| Error::decode("GIF: fewer frames than counted"))?;
        let rect = (
            f.left as usize,
            f.top as usize,
            f.width as usize,
            f.height as usize,
        );
        let (transparent, dispose) = (f.transparent, f.dispose);
        limits.check_dimensions(rect.2 as u64, rect.3 as u64)?;
        limits.check_alloc((rect.2 * rect.3) as u64)?;
        let mut palette = [0u8; 768];
        let src = d.palette().map_err(gif_err)?;
        let palette_len = src.len().min(768);
        palette[..palette_len].copy_from_slice(&src[..palette_len]);
        Ok(FrameHead {
            rect,
            transparent,
            dispose,
            palette,
            palette_len,
        })
    }

    /// The colour of each index as `C` samples: opaque, black past the
    /// palette; the transparent index is `[0; C]`, the colour of an
    /// unpainted canvas (skipped when compositing over a painted one).
    fn lut<const C: usize>(&self) -> [[u8; C]; 256] {
        let mut lut = [[0u8; C]; 256];
        for (e, c) in lut
            .iter_mut()
            .zip(self.palette[..self.palette_len].chunks_exact(3))
        {
            e[..3].copy_from_slice(c);
        }
        if C == 4 {
            for e in lut.iter_mut() {
                e[C - 1] = 255;
            }
        }
        if let Some(t) = self.transparent {
            lut[t as usize] = [0; C];
        }
        lut
    }
}

/// Turns the `n` indices stored at the end of `buf` (`buf[(C - 1) * n..]`)
/// into `n` pixels of `C` samples filling `buf`, in place. Pixel `i` is
/// written to `buf[C * i..C * (i + 1)]`, which ends at or before index
/// `i`'s own byte, so no index is overwritten before it is read; the
/// indices are taken a block at a time so the inner loop has no bounds
/// checks.
fn expand_in_place<const C: usize>(buf: &mut [u8], n: usize, lut: &[[u8; C]; 256]) {
    const BLOCK: usize = 4096;
    let off = (C - 1) * n;
    let mut ix = [0u8; BLOCK];
    let mut i = 0;
    while i < n {
        let b = (n - i).min(BLOCK);
        ix[..b].copy_from_slice(&buf[off + i..off + i + b]);
        for (px, &k) in buf[C * i..C * (i + b)].chunks_exact_mut(C).zip(&ix[..b]) {
            px.copy_from_slice(&lut[k as usize]);
        }
        i += b;
    }
}

/// The read side: the scan, the decoder and the canvas of the last frame read.
pub(crate) struct GifReader {
    data: SharedBytes,
    limits: Limits,
    scan: Scan,
    decoder: Option<Decoder<Cursor<SharedBytes>>>,
    /// The canvas after compositing frame `next - 1`: RGB or RGBA as the
    /// output (an RGB file's canvas is opaque wherever it is shown).
    canvas: Vec<u8>,
    /// Samples per pixel of the canvas and the output, 3 or 4.
    channels: usize,
    /// The index of the next frame the decoder yields.
    next: usize,
    /// How to dispose of the last frame drawn: method, rectangle, and the
    /// canvas before it was drawn (restore-to-previous).
    pending: Option<(DisposalMethod, Rect, Option<Vec<u8>>)>,
    /// Frame indices buffer, reused.
    indices: Vec<u8>,
    /// Whether a read keeps the canvas (and returns a copy) for the next
    /// frame. The first read of the reader gives its canvas away instead,
    /// so that reading one frame allocates its pixels once and copies
    /// nothing; a second read then restarts once and keeps the canvas from
    /// then on, so that `imiter` stays linear.
    keep: bool,
}

impl GifReader {
    /// Reads the logical screen descriptor; nothing else.
    pub(crate) fn open(data: SharedBytes, limits: Limits) -> Result<GifReader> {
        let scan = Scan::new(&data, limits)?;
        Ok(GifReader {
            data,
            limits,
            scan,
            decoder: None,
            canvas: Vec::new(),
            channels: 0,
            next: 0,
            pending: None,
            indices: Vec::new(),
            keep: false,
        })
    }

    /// 3 or 4, from the headers (scanned as far as the answer needs).
    fn channels(&mut self) -> Result<usize> {
        Ok(if self.scan.settle_alpha(&self.data)? {
            4
        } else {
            3
        })
    }

    /// Fails unless frame `index` exists.
    fn check_index(&mut self, index: usize) -> Result<()> {
        if self.scan.has_frame(&self.data, index)? {
            return Ok(());
        }
        let n = self.scan.finish(&self.data)?;
        Err(Error::index_out_of_range(index, Some(n)))
    }

    /// A new decoder before frame 0; the canvas is made with the first
    /// frame, once the channels are known (see [`GifReader::advance`]).
    fn restart(&mut self) -> Result<()> {
        self.decoder = None;
        let d = options(self.limits)
            .read_info(Cursor::new(self.data.clone()))
            .map_err(gif_err)?;
        self.decoder = Some(d);
        self.channels = 0;
        self.canvas = Vec::new();
        self.next = 0;
        self.pending = None;
        Ok(())
    }

    /// Decodes and composites the next frame onto the canvas. The first
    /// frame after a restart settles the channels (the header scan) and
    /// makes the canvas.
    fn advance(&mut self) -> Result<()> {
        if self.channels == 0 {
            self.channels = self.channels()?;
            let (w, h) = (self.scan.width, self.scan.height);
            self.limits.check_alloc((w * h * self.channels) as u64)?;
            let decoder = self.decoder.as_mut().expect("decoder open");
            let f = FrameHead::next(decoder, self.limits)?;
            return if self.channels == 4 {
                self.first::<4>(f)
            } else {
                self.first::<3>(f)
            };
        }
        let decoder = self.decoder.as_mut().expect("decoder open");
        let f = FrameHead::next(decoder, self.limits)?;
        self.decode_indices(&f)?;
        if self.channels == 4 {
            self.composite::<4>(f);
        } else {
            self.composite::<3>(f);
        }
        Ok(())
    }

    /// Decodes the frame's indices into `indices` (resized to it).
    fn decode_indices(&mut self, f: &FrameHead) -> Result<()> {
        let decoder = self.decoder.as_mut().expect("decoder open");
        self.indices.clear();
        self.indices.resize(f.rect.2 * f.rect.3, 0);
        decoder.read_into_buffer(&mut self.indices).map_err(gif_err)
    }

    /// The first frame: the canvas made once, at its final size. A frame
    /// that covers the screen exactly (the usual case) is decoded straight
    /// into the canvas and expanded there: no zeroed canvas painted over,
    /// no separate index buffer.
    fn first<const C: usize>(&mut self, f: FrameHead) -> Result<()> {
        let (sw, sh) = (self.scan.width, self.scan.height);
        let n = sw * sh;
        self.canvas = vec![0; n * C];
        if f.rect != (0, 0, sw, sh) {
            self.decode_indices(&f)?;
            self.composite::<C>(f);
            return Ok(());
        }
        let decoder = self.decoder.as_mut().expect("decoder open");
        decoder
            .read_into_buffer(&mut self.canvas[(C - 1) * n..])
            .map_err(gif_err)?;
        expand_in_place::<C>(&mut self.canvas, n, &f.lut::<C>());
        let saved = (f.dispose == DisposalMethod::Previous).then(|| vec![0; n * C]);
        let r = Rect::clipped(0, 0, sw, sh, sw, sh);
        self.pending = Some((f.dispose, r, saved));
        self.next += 1;
        Ok(())
    }

    /// Draws the frame whose indices are in `indices` onto the canvas, after
    /// disposing of the previous one.
    fn composite<const C: usize>(&mut self, f: FrameHead) {
        let (sw, sh) = (self.scan.width, self.scan.height);
        // Dispose of the previous frame first.
        if let Some((method, r, saved)) = self.pending.take() {
            match method {
                DisposalMethod::Background => {
                    for y in r.top..r.top + r.height {
                        let row = (y * sw + r.left) * C;
                        self.canvas[row..row + r.width * C].fill(0);
                    }
                }
                DisposalMethod::Previous => {
                    if let Some(s) = saved {
                        self.canvas = s;
                    }
                }
                _ => {}
            }
        }
        let lut = f.lut::<C>();
        let FrameHead {
            rect: (fl, ft, fw, fh),
            transparent,
            dispose,
            ..
        } = f;
        let r = Rect::clipped(fl, ft, fw, fh, sw, sh);
        let saved = (dispose == DisposalMethod::Previous).then(|| self.canvas.clone());
        for y in 0..r.height {
            let src = &self.indices[y * fw..y * fw + r.width];
            let row = ((r.top + y) * sw + r.left) * C;
            let dst = &mut self.canvas[row..row + r.width * C];
            match transparent {
                None => {
                    for (px, &i) in dst.chunks_exact_mut(C).zip(src) {
                        px.copy_from_slice(&lut[i as usize]);
                    }
                }
                Some(t) => {
                    for (px, &i) in dst.chunks_exact_mut(C).zip(src) {
                        if i != t {
                            px.copy_from_slice(&lut[i as usize]);
                        }
                    }
                }
            }
        }
        self.pending = Some((dispose, r, saved));
        self.next += 1;
    }

    /// The canvas as the frame read: a copy when the canvas is kept, else
    /// the canvas itself (the decoder is dropped with it, so that the next
    /// read restarts, and keeps the canvas from then on).
    fn output(&mut self) -> Result<NdImage> {
        let (w, h) = (self.scan.width, self.scan.height);
        let pixels = if self.keep {
            self.canvas.clone()
        } else {
            self.keep = true;
            self.decoder = None;
            self.pending = None;
            std::mem::take(&mut self.canvas)
        };
        NdImage::from_shape_vec(&[h, w, self.channels], pixels)
    }
}

impl Reader for GifReader {
    fn read(&mut self, index: usize, _options: &Options) -> Result<NdImage> {
        self.check_index(index)?;
        if self.decoder.is_none() || index + 1 < self.next {
            self.restart()?;
        }
        if index + 1 == self.next {
            return self.output();
        }
        while self.next <= index {
            if let Err(e) = self.advance() {
                // Leave no half-composited state behind.
                self.decoder = None;
                return Err(e);
            }
        }
        self.output()
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(self.scan.finish(&self.data)?))
    }

    fn read_all(&mut self, _options: &Options, limits: Limits) -> Result<NdImage> {
        let n = self.scan.finish(&self.data)?;
        let shape = [n, self.scan.height, self.scan.width, self.channels()?];
        limits.check_shape(&shape, DType::U8)?;
        // Every frame composited in order, appended to one buffer: no array
        // per frame, no stacking copy.
        let mut bytes = Vec::with_capacity(shape.iter().product());
        if self.decoder.is_none() || self.next > 0 {
            self.restart()?;
        }
        for _ in 0..n {
            if let Err(e) = self.advance() {
                self.decoder = None;
                return Err(e);
            }
            bytes.extend_from_slice(&self.canvas);
        }
        NdImage::from_shape_vec(&shape, bytes)
    }

    fn properties(&mut self, index: usize, _options: &Options) -> Result<ImageProperties> {
        self.check_index(index)?;
        Ok(ImageProperties::new(
            vec![self.scan.height, self.scan.width, self.channels()?],
            DType::U8,
        ))
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        let n = self.scan.finish(&self.data)?;
        let ms = |d: u16| f64::from(d) * 10.0;
        let mut m = Metadata::new();
        m.insert("format", "GIF");
        // The signature's version, b"GIF87a" or b"GIF89a" (checked on open).
        if let Some(v) = self.data.get(..6) {
            m.insert("version", v.to_vec());
        }
        if let (None | Some(0), Some(table)) = (index, first_palette(&self.data)) {
            let rgb = table
                .chunks_exact(3)
                .map(|c| Value::List(c.iter().map(|&v| Value::Int(i64::from(v))).collect()));
            m.insert("palette", Value::List(rgb.collect()));
        }
        m.insert("n_images", n);
        m.insert("loop_present", self.scan.loop_count.is_some());
        if let Some(l) = self.scan.loop_count {
            m.insert("loop", l);
        }
        if let Some(b) = self.scan.background {
            m.insert("background", b);
        }
        match index {
            Some(i) => {
                let d = self
                    .scan
                    .delays
                    .get(i)
                    .ok_or_else(|| Error::index_out_of_range(i, Some(n)))?;
                m.insert("duration", ms(*d));
            }
            None => m.insert(
                "duration",
                Value::List(self.scan.delays.iter().map(|&d| ms(d).into()).collect()),
            ),
        }
        Ok(m)
    }
}

/// The colour table of frame 0 (3 bytes per entry): its local table, else
/// the global one; `None` when it has neither or the data ends first. The
/// extensions before the first image descriptor are skipped by length.
fn first_palette(data: &[u8]) -> Option<&[u8]> {
    let table = |flags: u8, pos: usize| {
        let n = 3 << ((flags & 7) + 1);
        (flags & 0x80 != 0).then(|| get(data, pos, n)).flatten()
    };
    let flags = *data.get(10)?;
    let global = table(flags, 13);
    let announced = if flags & 0x80 != 0 {
        3 << ((flags & 7) + 1)
    } else {
        0
    };
    let mut pos = 13 + announced;
    loop {
        match *data.get(pos)? {
            // An extension: label, then sub-blocks.
            0x21 => pos = skip_sub_blocks(data, pos + 2)?,
            0x2C => {
                let local = table(*data.get(pos + 9)?, pos + 10);
                return local.or(global);
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rect_clipping() {
        let r = Rect::clipped(2, 1, 3, 3, 4, 3);
        assert_eq!((r.left, r.top, r.width, r.height), (2, 1, 2, 2));
        let off = Rect::clipped(10, 10, 2, 2, 4, 3);
        assert_eq!((off.width, off.height), (0, 0));
    }

    #[test]
    fn first_palette_is_the_local_table_else_the_global_one() {
        // Header with a 2-entry global table, a comment extension, then an
        // image descriptor without (flags 0) or with (0x80) a local table.
        let mut d = b"GIF89a\x01\0\x01\0\x80\0\0".to_vec();
        assert_eq!(first_palette(&d), None, "cut");
        d.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        d.extend_from_slice(&[0x21, 0xFE, 2, b'h', b'i', 0]);
        let descriptor = [0x2C, 0, 0, 0, 0, 1, 0, 1, 0];
        let mut global = d.clone();
        global.extend_from_slice(&descriptor);
        global.push(0);
        assert_eq!(first_palette(&global), Some([1, 2, 3, 4, 5, 6].as_slice()));
        let mut local = d.clone();
        local.extend_from_slice(&descriptor);
        local.extend_from_slice(&[0x80, 9, 8, 7, 6, 5, 4]);
        assert_eq!(first_palette(&local), Some([9, 8, 7, 6, 5, 4].as_slice()));
        local.truncate(local.len() - 1);
        let global = Some([1, 2, 3, 4, 5, 6].as_slice());
        assert_eq!(first_palette(&local), global, "local cut");
        d[10] = 0;
        assert_eq!(first_palette(&d), None, "no table at all");
    }

    #[test]
    fn sub_blocks_are_skipped_by_length_and_cut_data_is_none() {
        let d = [2, 9, 9, 1, 9, 0, 0x3B];
        assert_eq!(skip_sub_blocks(&d, 0), Some(6));
        assert_eq!(skip_sub_blocks(&d[..5], 0), None);
        assert_eq!(skip_sub_blocks(&[200, 1, 2], 0), None);
    }

    #[test]
    fn runs_of_full_sub_blocks_are_skipped_as_one_at_a_time() {
        // The plain walk, one length byte after the other.
        fn one_at_a_time(data: &[u8], mut pos: usize) -> Option<usize> {
            loop {
                let n = *data.get(pos)? as usize;
                pos += 1;
                if n == 0 {
                    return Some(pos);
                }
                pos += n;
                if pos > data.len() {
                    return None;
                }
            }
        }
        // Chains of full blocks with a short one at `k` (or none), a
        // terminator and a trailer; then every cut of each.
        for short in [None, Some(0), Some(5), Some(8), Some(17)] {
            let mut d = vec![7u8];
            for k in 0..20 {
                let n = if short == Some(k) { 100 } else { 255 };
                d.push(n);
                d.extend(std::iter::repeat_n(255u8, n as usize));
            }
            d.extend([0, 0x3B]);
            let end = d.len() - 1;
            assert_eq!(skip_sub_blocks(&d, 1), Some(end), "{short:?}");
            for cut in (0..d.len()).step_by(37).chain([end - 1, end]) {
                assert_eq!(
                    skip_sub_blocks(&d[..cut], 1),
                    one_at_a_time(&d[..cut], 1),
                    "{short:?} cut at {cut}"
                );
            }
        }
    }
}
