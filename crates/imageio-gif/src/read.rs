//! Reading: the `gif` crate's decoder (indexed output) kept open in the
//! plugin, frames composited onto the logical screen by our own compositor.

use std::io::Cursor;
use std::num::NonZeroU64;

use gif::{ColorOutput, DecodeOptions, Decoder, DisposalMethod, Repeat};
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

/// What the block walk found, without decoding pixels.
struct Walk {
    width: usize,
    height: usize,
    /// True when a frame has a transparent index (GCE flag): the output is RGBA.
    alpha: bool,
    /// Per-frame delays in ms (10 ms units as stored).
    durations: Vec<u64>,
    /// `Some(0)` forever, `Some(n)` NETSCAPE count `n`, `None` no loop block.
    loop_count: Option<u64>,
    background: Option<usize>,
}

fn options(limits: Limits, skip: bool) -> DecodeOptions {
    let mut o = DecodeOptions::new();
    o.set_color_output(ColorOutput::Indexed);
    o.skip_frame_decoding(skip);
    o.check_frame_consistency(false);
    o.set_memory_limit(gif::MemoryLimit::Bytes(
        NonZeroU64::new(limits.max_alloc.max(1)).expect("nonzero"),
    ));
    o
}

fn walk(data: &SharedBytes, limits: Limits) -> Result<Walk> {
    // The logical screen descriptor, checked before the decoder reads on
    // (a bomb is often a header alone, which would end in a read error).
    if let Some(s) = data.get(6..10) {
        let w = u16::from_le_bytes([s[0], s[1]]) as usize;
        let h = u16::from_le_bytes([s[2], s[3]]) as usize;
        limits.check_shape(&[h, w, 4], DType::U8)?;
    }
    let mut d = options(limits, true)
        .read_info(Cursor::new(data.clone()))
        .map_err(gif_err)?;
    let (width, height) = (d.width() as usize, d.height() as usize);
    limits.check_shape(&[height, width, 4], DType::U8)?;
    let mut alpha = false;
    let mut durations = Vec::new();
    while let Some(f) = d.next_frame_info().map_err(gif_err)? {
        // Frames are checked from their descriptor, before their data.
        limits.check_dimensions(u64::from(f.width), u64::from(f.height))?;
        alpha |= f.transparent.is_some();
        durations.push(u64::from(f.delay) * 10);
        // More frames than the core's cap is taken as a hostile file.
        if durations.len() > MAX_IMAGES {
            return Err(Error::limit(format!("GIF: more than {MAX_IMAGES} frames")));
        }
    }
    if durations.is_empty() {
        return Err(Error::decode("GIF: the file has no image"));
    }
    let loop_count = match d.repeat() {
        Repeat::Infinite => Some(0),
        // The gif crate reports a missing NETSCAPE block as Finite(0); a
        // stored count of 0 means forever and is reported as Infinite.
        Repeat::Finite(0) => None,
        Repeat::Finite(n) => Some(u64::from(n)),
    };
    Ok(Walk {
        width,
        height,
        alpha,
        durations,
        loop_count,
        background: d.bg_color(),
    })
}

/// The read side: the walk, the decoder and the canvas of the last frame read.
pub(crate) struct GifReader {
    data: SharedBytes,
    limits: Limits,
    walk: Walk,
    decoder: Option<Decoder<Cursor<SharedBytes>>>,
    /// RGBA canvas after compositing frame `next - 1`.
    canvas: Vec<u8>,
    /// The index of the next frame the decoder yields.
    next: usize,
    /// How to dispose of the last frame drawn: method, rectangle, and the
    /// canvas before it was drawn (restore-to-previous).
    pending: Option<(DisposalMethod, Rect, Option<Vec<u8>>)>,
    /// Frame indices buffer, reused.
    indices: Vec<u8>,
}

/// A frame rectangle, clipped to the screen.
#[derive(Clone, Copy, Debug)]
struct Rect {
    left: usize,
    top: usize,
    width: usize,
    height: usize,
}

impl GifReader {
    pub(crate) fn open(data: SharedBytes, limits: Limits) -> Result<GifReader> {
        let walk = walk(&data, limits)?;
        Ok(GifReader {
            data,
            limits,
            walk,
            decoder: None,
            canvas: Vec::new(),
            next: 0,
            pending: None,
            indices: Vec::new(),
        })
    }

    fn channels(&self) -> usize {
        if self.walk.alpha {
            4
        } else {
            3
        }
    }

    fn restart(&mut self) -> Result<()> {
        let d = options(self.limits, false)
            .read_info(Cursor::new(self.data.clone()))
            .map_err(gif_err)?;
        self.decoder = Some(d);
        self.canvas.clear();
        self.canvas
            .resize(self.walk.width * self.walk.height * 4, 0);
        self.next = 0;
        self.pending = None;
        Ok(())
    }

    /// Decodes and composites the next frame onto the canvas.
    fn advance(&mut self) -> Result<()> {
        let (sw, sh) = (self.walk.width, self.walk.height);
        // Dispose of the previous frame first.
        if let Some((method, r, saved)) = self.pending.take() {
            match method {
                DisposalMethod::Background => {
                    for y in r.top..r.top + r.height {
                        let row = (y * sw + r.left) * 4;
                        self.canvas[row..row + r.width * 4].fill(0);
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
        let d = self.decoder.as_mut().expect("decoder open");
        let f = d
            .next_frame_info()
            .map_err(gif_err)?
            .ok_or_else(|| Error::decode("GIF: fewer frames than counted"))?;
        let (fl, ft, fw, fh) = (
            f.left as usize,
            f.top as usize,
            f.width as usize,
            f.height as usize,
        );
        let transparent = f.transparent.map(usize::from);
        let dispose = f.dispose;
        self.limits.check_dimensions(fw as u64, fh as u64)?;
        self.limits.check_alloc((fw * fh) as u64)?;
        // 256 RGBA entries; indices past the palette are opaque black.
        let mut lut = [[0u8, 0, 0, 255]; 256];
        for (e, c) in lut
            .iter_mut()
            .zip(d.palette().map_err(gif_err)?.chunks_exact(3))
        {
            *e = [c[0], c[1], c[2], 255];
        }
        if let Some(t) = transparent {
            lut[t][3] = 0;
        }
        self.indices.clear();
        self.indices.resize(fw * fh, 0);
        d.read_into_buffer(&mut self.indices).map_err(gif_err)?;
        // Clip the frame to the screen.
        let r = Rect {
            left: fl.min(sw),
            top: ft.min(sh),
            width: (fl + fw).min(sw).saturating_sub(fl),
            height: (ft + fh).min(sh).saturating_sub(ft),
        };
        let saved = (dispose == DisposalMethod::Previous).then(|| self.canvas.clone());
        for y in 0..r.height {
            let src = &self.indices[y * fw..y * fw + r.width];
            let row = ((r.top + y) * sw + r.left) * 4;
            let dst = &mut self.canvas[row..row + r.width * 4];
            for (px, &i) in dst.chunks_exact_mut(4).zip(src) {
                let c = lut[i as usize];
                if c[3] != 0 {
                    px.copy_from_slice(&c);
                }
            }
        }
        self.pending = Some((dispose, r, saved));
        self.next += 1;
        Ok(())
    }

    fn output(&self) -> Result<NdImage> {
        let (w, h) = (self.walk.width, self.walk.height);
        let mut v = Vec::new();
        self.append_output(&mut v);
        NdImage::from_shape_vec(&[h, w, self.channels()], v)
    }

    /// Appends the canvas as returned (RGBA, or RGB when no frame is
    /// transparent) to `out`.
    fn append_output(&self, out: &mut Vec<u8>) {
        if self.walk.alpha {
            out.extend_from_slice(&self.canvas);
        } else {
            let start = out.len();
            out.resize(start + self.canvas.len() / 4 * 3, 0);
            for (d, s) in out[start..]
                .chunks_exact_mut(3)
                .zip(self.canvas.chunks_exact(4))
            {
                d.copy_from_slice(&s[..3]);
            }
        }
    }
}

impl Reader for GifReader {
    fn read(&mut self, index: usize, _options: &Options) -> Result<NdImage> {
        let n = self.walk.durations.len();
        if index >= n {
            return Err(Error::index_out_of_range(index, Some(n)));
        }
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
        Ok(Some(self.walk.durations.len()))
    }

    fn read_all(&mut self, _options: &Options, limits: Limits) -> Result<NdImage> {
        let n = self.walk.durations.len();
        let shape = [n, self.walk.height, self.walk.width, self.channels()];
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
            self.append_output(&mut bytes);
        }
        NdImage::from_shape_vec(&shape, bytes)
    }

    fn properties(&mut self, index: usize, _options: &Options) -> Result<ImageProperties> {
        let n = self.walk.durations.len();
        if index >= n {
            return Err(Error::index_out_of_range(index, Some(n)));
        }
        Ok(ImageProperties::new(
            vec![self.walk.height, self.walk.width, self.channels()],
            DType::U8,
        ))
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        let mut m = Metadata::new();
        m.insert("format", "GIF");
        let n = self.walk.durations.len();
        m.insert("n_images", n);
        m.insert("loop_present", self.walk.loop_count.is_some());
        if let Some(l) = self.walk.loop_count {
            m.insert("loop", l);
        }
        if let Some(b) = self.walk.background {
            m.insert("background", b);
        }
        match index {
            Some(i) => {
                let d = self
                    .walk
                    .durations
                    .get(i)
                    .ok_or_else(|| Error::index_out_of_range(i, Some(n)))?;
                m.insert("duration", *d as f64);
            }
            None => m.insert(
                "duration",
                Value::List(
                    self.walk
                        .durations
                        .iter()
                        .map(|&d| (d as f64).into())
                        .collect(),
                ),
            ),
        }
        Ok(m)
    }
}
