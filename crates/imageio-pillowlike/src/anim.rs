//! Animations (GIF, APNG, animated WebP): frames composited onto the full
//! canvas by `image`, decoded lazily one after the other (reading frame `i`
//! decodes frames `0..=i` and nothing after them; reading on continues,
//! reading backwards restarts), with the channels chosen once per file from
//! the headers (the transparency rule of `imageio_core::canvas`), the frame count,
//! per-frame durations and the loop count read from the headers too.

use std::io::Cursor;
use std::sync::mpsc;

use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, Frame, ImageDecoder, ImageFormat, Rgba};
use imageio_core::canvas::{Coverage, Dispose};
use imageio_core::plugin::{convert_mode, MAX_IMAGES};
use imageio_core::{
    DType, Error, ImageProperties, Limits, Metadata, Mode, NdImage, Result, SharedBytes, Value,
};

use crate::decode_err;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Gif,
    /// `default_outside`: the default image is not part of the animation and
    /// is index 0 (as Pillow and imageio count it).
    Apng {
        default_outside: bool,
    },
    WebP,
}

/// A decoder of one of the animated formats, over the resource's bytes.
enum Animated {
    Gif(Box<GifDecoder<Cursor<SharedBytes>>>),
    Apng(Box<image::codecs::png::ApngDecoder<Cursor<SharedBytes>>>),
    WebP(Box<WebPDecoder<Cursor<SharedBytes>>>),
}

/// `image`'s frame iterator, which is not `Send` (a reader must be), driven
/// on a thread of its own: one frame is decoded per request, none ahead.
/// Dropping the source ends the thread.
struct FrameSource {
    ask: mpsc::Sender<()>,
    got: mpsc::Receiver<Option<image::ImageResult<Frame>>>,
    format: ImageFormat,
}

impl FrameSource {
    fn start(decoder: Animated, format: ImageFormat) -> Result<FrameSource> {
        let (ask, asked) = mpsc::channel::<()>();
        let (give, got) = mpsc::channel();
        std::thread::Builder::new()
            .name("imageio-anim".into())
            .spawn(move || {
                let mut frames = match decoder {
                    Animated::Gif(d) => (*d).into_frames(),
                    Animated::Apng(d) => (*d).into_frames(),
                    Animated::WebP(d) => (*d).into_frames(),
                };
                while asked.recv().is_ok() {
                    if give.send(frames.next()).is_err() {
                        break;
                    }
                }
            })
            .map_err(Error::io)?;
        Ok(FrameSource { ask, got, format })
    }

    /// The next frame; `None` after the last.
    fn next(&mut self) -> Option<Result<Frame>> {
        let stopped = || {
            Some(Err(Error::internal(format!(
                "{:?}: the frame decoder stopped",
                self.format
            ))))
        };
        if self.ask.send(()).is_err() {
            return stopped();
        }
        match self.got.recv() {
            Ok(Some(Ok(f))) => Some(Ok(f)),
            Ok(Some(Err(e))) => Some(Err(decode_err(self.format, e))),
            Ok(None) => None,
            Err(_) => stopped(),
        }
    }
}

/// What the headers say of an animation.
struct Heads {
    width: u32,
    height: u32,
    alpha: bool,
    gray: bool,
    count: usize,
    durations: Vec<f64>,
    loop_count: Option<i64>,
}

/// One animated resource; frames are decoded in order, on demand.
pub(crate) struct Animation {
    data: SharedBytes,
    format: ImageFormat,
    limits: Limits,
    kind: Kind,
    heads: Heads,
    /// The frames of `image`, positioned before image `next`.
    frames: Option<FrameSource>,
    next: usize,
}

impl Animation {
    /// An animation when `data` is a GIF, an APNG or an animated WebP; the
    /// headers only are read.
    pub(crate) fn probe(
        data: &SharedBytes,
        format: ImageFormat,
        limits: Limits,
    ) -> Result<Option<Animation>> {
        let (kind, heads) = match format {
            ImageFormat::Gif => (Kind::Gif, walk_gif(data, limits)?),
            ImageFormat::Png => {
                let Some(apng) = walk_png(data) else {
                    return Ok(None);
                };
                let d = PngDecoder::new(Cursor::new(data.clone()))
                    .map_err(|e| decode_err(format, e))?;
                let (w, h) = d.dimensions();
                // tRNS is expanded to an alpha channel by `image`.
                let alpha = d.color_type().has_alpha();
                let mut cov = Coverage::new(u64::from(w), u64::from(h));
                let frames = apng.regions.iter().take(apng.num_frames as usize);
                for (k, &(area, dispose)) in frames.enumerate() {
                    // The first frame restored to previous is cleared (the spec).
                    let dispose = if k == 0 && dispose == Dispose::Previous {
                        Dispose::Background
                    } else {
                        dispose
                    };
                    cov.frame(area, alpha, false, dispose);
                }
                let mut durations: Vec<f64> = Vec::new();
                if apng.default_outside {
                    durations.push(0.0);
                }
                durations.extend(apng.delays.iter().take(apng.num_frames as usize));
                let kind = Kind::Apng {
                    default_outside: apng.default_outside,
                };
                let heads = Heads {
                    width: w,
                    height: h,
                    alpha: alpha || cov.shows_transparency(),
                    gray: !d.color_type().has_color(),
                    count: apng.num_frames as usize + apng.default_outside as usize,
                    durations,
                    loop_count: Some(apng.num_plays as i64),
                };
                (kind, heads)
            }
            ImageFormat::WebP => {
                let d = WebPDecoder::new(Cursor::new(data.clone()))
                    .map_err(|e| decode_err(format, e))?;
                if !d.has_animation() {
                    return Ok(None);
                }
                let (w, h) = d.dimensions();
                (Kind::WebP, walk_webp(data, w, h)?)
            }
            _ => return Ok(None),
        };
        limits.check_dimensions(heads.width as u64, heads.height as u64)?;
        Ok(Some(Animation {
            data: data.clone(),
            format,
            limits,
            kind,
            heads,
            frames: None,
            next: 0,
        }))
    }

    fn mode(&self) -> Mode {
        match (self.heads.gray, self.heads.alpha) {
            (true, false) => Mode::Gray,
            (true, true) => Mode::GrayAlpha,
            (false, false) => Mode::Rgb,
            (false, true) => Mode::Rgba,
        }
    }

    /// The number of images, from the headers.
    pub(crate) fn count(&mut self) -> Result<usize> {
        Ok(self.heads.count)
    }

    /// The properties of every frame (they share the canvas).
    pub(crate) fn properties(&self) -> Result<ImageProperties> {
        let (w, h) = (self.heads.width as usize, self.heads.height as usize);
        let shape = match self.mode() {
            Mode::Gray => vec![h, w],
            m => vec![h, w, m.channels()],
        };
        Ok(ImageProperties::new(shape, DType::U8))
    }

    /// Frame `i`, composited.
    pub(crate) fn frame(&mut self, i: usize) -> Result<NdImage> {
        if self.frames.is_none() || self.next > i {
            self.restart()?;
        }
        if i < self.next {
            // The APNG default image outside the animation.
            let still = crate::decode::decode(&self.data, self.format, self.limits)?;
            return self.default_image(still);
        }
        let fmt = self.format;
        while self.next <= i {
            let next = match self.frames.as_mut() {
                Some(source) => source.next(),
                None => None,
            };
            let f = match next {
                Some(Ok(f)) => f,
                Some(Err(e)) => {
                    self.frames = None;
                    return Err(e);
                }
                None => {
                    self.frames = None;
                    return Err(Error::decode(format!(
                        "{fmt:?}: fewer frames than the headers announce"
                    )));
                }
            };
            if self.next == i {
                self.next += 1;
                return self.to_array(f);
            }
            self.next += 1;
        }
        Err(Error::index_out_of_range(i, Some(self.heads.count)))
    }

    /// `image`'s frames from the start; `next` is the index of the first
    /// one (1 after an APNG default image outside the animation).
    fn restart(&mut self) -> Result<()> {
        self.frames = None;
        let frame_bytes = self.heads.width as u64 * self.heads.height as u64 * 4;
        self.limits.check_alloc(frame_bytes.saturating_mul(2))?;
        let cursor = Cursor::new(self.data.clone());
        let fmt = self.format;
        let err = |e| decode_err(fmt, e);
        let (decoder, first) = match self.kind {
            Kind::Gif => (
                Animated::Gif(Box::new(GifDecoder::new(cursor).map_err(err)?)),
                0,
            ),
            Kind::Apng { default_outside } => (
                Animated::Apng(Box::new(
                    PngDecoder::new(cursor).map_err(err)?.apng().map_err(err)?,
                )),
                default_outside as usize,
            ),
            Kind::WebP => {
                let mut d = WebPDecoder::new(cursor).map_err(err)?;
                // Disposal clears to transparent black, as the canvas starts.
                d.set_background_color(Rgba([0, 0, 0, 0])).map_err(err)?;
                (Animated::WebP(Box::new(d)), 0)
            }
        };
        self.frames = Some(FrameSource::start(decoder, fmt)?);
        self.next = first;
        Ok(())
    }

    /// Animation metadata: `duration` (ms) of frame `index`, or the list of
    /// durations for the file; `loop` (0 = forever); `n_frames`.
    pub(crate) fn metadata(&mut self, index: Option<usize>, m: &mut Metadata) -> Result<()> {
        if let Some(l) = self.heads.loop_count {
            m.insert("loop", l);
        }
        m.insert("n_frames", self.heads.count);
        if let Kind::Apng { default_outside } = self.kind {
            m.insert("default_image_in_animation", !default_outside);
        }
        let durations = &self.heads.durations;
        match index {
            Some(i) => {
                if let Some(d) = durations.get(i) {
                    m.insert("duration", *d);
                }
            }
            None => m.insert(
                "duration",
                Value::List(durations.iter().map(|&d| d.into()).collect()),
            ),
        }
        Ok(())
    }

    fn to_array(&self, frame: Frame) -> Result<NdImage> {
        let (w, h) = (self.heads.width as usize, self.heads.height as usize);
        let raw = frame.into_buffer().into_raw();
        if raw.len() != w * h * 4 {
            return Err(Error::decode(format!(
                "{:?}: a frame is not the canvas size",
                self.format
            )));
        }
        let mode = self.mode();
        let keep: &[usize] = match mode {
            Mode::Gray => &[0],
            Mode::GrayAlpha => &[0, 3],
            Mode::Rgb => &[0, 1, 2],
            _ => return NdImage::from_shape_vec(&[h, w, 4], raw),
        };
        let v: Vec<u8> = raw
            .chunks_exact(4)
            .flat_map(|p| keep.iter().map(|&c| p[c]))
            .collect();
        let shape = if mode == Mode::Gray {
            vec![h, w]
        } else {
            vec![h, w, keep.len()]
        };
        NdImage::from_shape_vec(&shape, v)
    }

    /// The APNG default image, in the animation's mode, u8.
    fn default_image(&self, still: NdImage) -> Result<NdImage> {
        let img = convert_mode(still, self.mode(), false)?;
        Ok(match img.dtype() {
            DType::U16 => {
                let a = img.into_array::<u16>()?;
                NdImage::from(a.mapv(|v| (v >> 8) as u8))
            }
            _ => img,
        })
    }
}

/// Walks the GIF blocks without decoding pixels: the frame count, delays,
/// the transparency rule and the loop count.
fn walk_gif(data: &SharedBytes, limits: Limits) -> Result<Heads> {
    if let Some(s) = data.get(6..10) {
        let w = u16::from_le_bytes([s[0], s[1]]) as u64;
        let h = u16::from_le_bytes([s[2], s[3]]) as u64;
        limits.check_dimensions(w, h)?;
    }
    let mut opts = gif::DecodeOptions::new();
    opts.skip_frame_decoding(true);
    opts.set_color_output(gif::ColorOutput::Indexed);
    opts.set_memory_limit(gif::MemoryLimit::Bytes(
        std::num::NonZeroU64::new(limits.max_alloc.max(1)).expect("nonzero"),
    ));
    let gif_err = |e: gif::DecodingError| Error::decode(format!("GIF: {e}"));
    let mut d = opts.read_info(Cursor::new(&data[..])).map_err(gif_err)?;
    let (width, height) = (d.width() as u32, d.height() as u32);
    let mut cov = Coverage::new(u64::from(width), u64::from(height));
    let mut delays = Vec::new();
    while let Some(f) = d.read_next_frame().map_err(gif_err)? {
        let area = (
            u64::from(f.left),
            u64::from(f.top),
            u64::from(f.width),
            u64::from(f.height),
        );
        let dispose = match f.dispose {
            gif::DisposalMethod::Background => Dispose::Background,
            gif::DisposalMethod::Previous => Dispose::Previous,
            _ => Dispose::Keep,
        };
        cov.frame(area, f.transparent.is_some(), false, dispose);
        delays.push(f.delay as f64 * 10.0);
        if delays.len() > MAX_IMAGES {
            return Err(Error::limit(format!("GIF: more than {MAX_IMAGES} frames")));
        }
    }
    let loop_count = match d.repeat() {
        gif::Repeat::Infinite => Some(0),
        gif::Repeat::Finite(0) => None,
        gif::Repeat::Finite(n) => Some(n as i64),
    };
    if delays.is_empty() {
        return Err(Error::decode("GIF: the file has no image"));
    }
    Ok(Heads {
        width,
        height,
        alpha: cov.shows_transparency(),
        gray: false,
        count: delays.len(),
        durations: delays,
        loop_count,
    })
}

struct ApngWalk {
    num_frames: u32,
    num_plays: u32,
    default_outside: bool,
    /// Per fcTL: the region `(x, y, w, h)` and the dispose op.
    regions: Vec<((u64, u64, u64, u64), Dispose)>,
    /// Per fcTL: the delay in ms (a zero denominator is 1/100 s).
    delays: Vec<f64>,
}

/// Walks the PNG chunk headers (the data skipped by length): `Some` for an
/// APNG (an acTL chunk before the image data), with whether the default
/// image is outside the animation (no fcTL before the IDAT), and every
/// fcTL's region, dispose op and delay.
fn walk_png(data: &[u8]) -> Option<ApngWalk> {
    let mut pos = 8usize;
    let mut actl = None;
    let mut idat = false;
    let mut fctl_before_idat = false;
    let mut regions = Vec::new();
    let mut delays = Vec::new();
    while let Some(head) = data.get(pos..pos.checked_add(8)?) {
        let len = u32::from_be_bytes(head[0..4].try_into().ok()?) as usize;
        let body = data.get(pos + 8..(pos + 8).saturating_add(len));
        match (&head[4..8], body) {
            (b"acTL", Some(b)) if b.len() >= 8 && !idat && actl.is_none() => {
                let n = u32::from_be_bytes(b[0..4].try_into().ok()?);
                let plays = u32::from_be_bytes(b[4..8].try_into().ok()?);
                actl = Some((n, plays));
            }
            (b"fcTL", Some(b)) if b.len() >= 26 => {
                fctl_before_idat |= !idat;
                let be =
                    |i: usize| u64::from(u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
                let dispose = match b[24] {
                    1 => Dispose::Background,
                    2 => Dispose::Previous,
                    _ => Dispose::Keep,
                };
                regions.push(((be(12), be(16), be(4), be(8)), dispose));
                let num = u16::from_be_bytes([b[20], b[21]]) as f64;
                let den = match u16::from_be_bytes([b[22], b[23]]) {
                    0 => 100.0,
                    d => d as f64,
                };
                delays.push(num * 1000.0 / den);
            }
            (b"IDAT", _) => {
                idat = true;
                actl?;
            }
            (b"IEND", _) => break,
            _ => {}
        }
        pos = pos.checked_add(12)?.checked_add(len)?;
    }
    let (num_frames, num_plays) = actl?;
    Some(ApngWalk {
        num_frames,
        num_plays,
        default_outside: !fctl_before_idat,
        regions,
        delays,
    })
}

/// Walks the RIFF chunks of an animated WebP of `width` x `height`: the
/// ANIM loop count, and per ANMF frame its region, delay, blending and
/// disposal, and whether it may hold transparent pixels (an ALPH chunk, or
/// a lossless bitstream whose header says alpha is used).
fn walk_webp(data: &[u8], width: u32, height: u32) -> Result<Heads> {
    let u24 = |b: &[u8]| u64::from(b[0]) | u64::from(b[1]) << 8 | u64::from(b[2]) << 16;
    let mut cov = Coverage::new(u64::from(width), u64::from(height));
    let mut durations = Vec::new();
    let mut loop_count = None;
    let mut pos = 12usize;
    while let Some(head) = data.get(pos..pos + 8) {
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let Some(body) = data.get(pos + 8..(pos + 8).saturating_add(len)) else {
            break;
        };
        match &head[0..4] {
            b"ANIM" if body.len() >= 6 => {
                loop_count = Some(i64::from(u16::from_le_bytes([body[4], body[5]])));
            }
            b"ANMF" if body.len() >= 16 => {
                let area = (
                    u24(&body[0..3]) * 2,
                    u24(&body[3..6]) * 2,
                    u24(&body[6..9]) + 1,
                    u24(&body[9..12]) + 1,
                );
                durations.push(u24(&body[12..15]) as f64);
                let flags = body[15];
                let replace = flags & 2 != 0;
                let dispose = if flags & 1 != 0 {
                    Dispose::Background
                } else {
                    Dispose::Keep
                };
                cov.frame(area, webp_frame_alpha(&body[16..]), replace, dispose);
                if durations.len() > MAX_IMAGES {
                    return Err(Error::limit(format!("WebP: more than {MAX_IMAGES} frames")));
                }
            }
            _ => {}
        }
        pos = (pos + 8).saturating_add(len).saturating_add(len & 1);
    }
    if durations.is_empty() {
        return Err(Error::decode("WebP: the animation has no frames"));
    }
    Ok(Heads {
        width,
        height,
        alpha: cov.shows_transparency(),
        gray: false,
        count: durations.len(),
        durations,
        loop_count,
    })
}

/// Whether the frame data of an ANMF chunk may hold transparent pixels.
fn webp_frame_alpha(mut data: &[u8]) -> bool {
    while data.len() >= 8 {
        let len = u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as usize;
        match &data[0..4] {
            b"ALPH" => return true,
            b"VP8L" => {
                // Signature 0x2f, then 14 + 14 bits of size and the
                // alpha_is_used bit.
                return match data.get(8..13) {
                    Some(b) if b[0] == 0x2f => {
                        (u32::from_le_bytes([b[1], b[2], b[3], b[4]]) >> 28) & 1 == 1
                    }
                    _ => true,
                };
            }
            b"VP8 " => return false,
            _ => {}
        }
        let next = 8usize.saturating_add(len).saturating_add(len & 1);
        data = data.get(next..).unwrap_or(&[]);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webp_frame_alpha_from_the_bitstream_headers() {
        let vp8l = |alpha: u32| {
            let mut d = b"VP8L\x05\x00\x00\x00\x2f".to_vec();
            d.extend_from_slice(&(alpha << 28).to_le_bytes());
            d
        };
        assert!(webp_frame_alpha(&vp8l(1)));
        assert!(!webp_frame_alpha(&vp8l(0)));
        assert!(!webp_frame_alpha(b"VP8 \x00\x00\x00\x00"));
        assert!(webp_frame_alpha(
            b"ALPH\x00\x00\x00\x00VP8 \x00\x00\x00\x00"
        ));
    }
}
