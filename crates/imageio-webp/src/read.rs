//! Reading: the header and chunk walk (libwebp's demuxer), still images
//! decoded straight into the array, animations composited by libwebp's
//! `WebPAnimDecoder`, and the transparency rule for animations.

use std::ptr::{null_mut, NonNull};

use imageio_core::canvas::{Coverage, Dispose};
use imageio_core::plugin::{ReadRequest, Reader, MAX_IMAGES};
use imageio_core::{
    keys, DType, Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes,
    Value,
};
use libwebp_sys as sys;

/// Opens a reader: the headers and chunks are walked and the canvas size
/// checked against the request's limits before anything is decoded.
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    let bytes = request.bytes()?;
    let limits = request.limits();
    let info = Info::parse(&bytes, &limits)?;
    Ok(Box::new(WebpReader {
        anim: None,
        info,
        bytes,
    }))
}

/// The message for a libwebp status code.
fn status_message(status: sys::VP8StatusCode) -> &'static str {
    use sys::VP8StatusCode as S;
    match status {
        S::VP8_STATUS_OK => "no error",
        S::VP8_STATUS_OUT_OF_MEMORY => "out of memory",
        S::VP8_STATUS_INVALID_PARAM => "invalid parameter",
        S::VP8_STATUS_BITSTREAM_ERROR => "the bitstream is corrupt",
        S::VP8_STATUS_UNSUPPORTED_FEATURE => "unsupported feature",
        S::VP8_STATUS_SUSPENDED => "suspended",
        S::VP8_STATUS_USER_ABORT => "aborted",
        S::VP8_STATUS_NOT_ENOUGH_DATA => "the file is truncated",
    }
}

/// One frame of an animation, as its ANMF header says.
#[derive(Clone, Copy, Debug)]
struct FrameHead {
    area: (u64, u64, u64, u64),
    duration: i64,
    alpha: bool,
    replace: bool,
    dispose: Dispose,
    /// 1 lossy, 2 lossless (libwebp's `format` of the frame's bitstream).
    format: i32,
}

/// What the headers and chunks say about the file.
#[derive(Debug)]
struct Info {
    width: usize,
    height: usize,
    /// 3 or 4: the channels every image is returned with.
    channels: usize,
    /// `None` for a still file.
    frames: Option<Vec<FrameHead>>,
    loop_count: i64,
    /// 1 lossy, 2 lossless, 0 mixed (libwebp's `format`).
    format: i32,
    chunks: Vec<(&'static str, Vec<u8>)>,
}

/// A demuxer over borrowed bytes, deleted on drop.
struct Demux(NonNull<sys::WebPDemuxer>);

impl Demux {
    /// Demuxes a whole file (no partial data); `None` when libwebp refuses
    /// the container.
    fn new(bytes: &[u8]) -> Option<Demux> {
        let data = sys::WebPData {
            bytes: bytes.as_ptr(),
            size: bytes.len(),
        };
        let mut state = sys::WebPDemuxState::WEBP_DEMUX_PARSING_HEADER;
        // SAFETY: `data` points at `bytes`, which outlive the demuxer (it
        // is dropped before this function's caller lets go of them).
        let p = unsafe {
            sys::WebPDemuxInternal(&data, 0, &mut state, sys::WEBP_DEMUX_ABI_VERSION as _)
        };
        NonNull::new(p).map(Demux)
    }

    fn get(&self, feature: sys::WebPFormatFeature) -> u32 {
        // SAFETY: a live demuxer.
        unsafe { sys::WebPDemuxGetI(self.0.as_ptr(), feature) }
    }

    /// The payload of the first chunk `fourcc`, if any.
    fn chunk(&self, fourcc: &[u8; 4]) -> Option<Vec<u8>> {
        let name = [fourcc[0], fourcc[1], fourcc[2], fourcc[3], 0];
        // SAFETY: a zeroed iterator is what libwebp fills; the chunk's bytes
        // live in the demuxed data and are copied before the release.
        unsafe {
            let mut it: sys::WebPChunkIterator = std::mem::zeroed();
            if sys::WebPDemuxGetChunk(self.0.as_ptr(), name.as_ptr().cast(), 1, &mut it) == 0 {
                return None;
            }
            let out = if it.chunk.bytes.is_null() {
                Vec::new()
            } else {
                std::slice::from_raw_parts(it.chunk.bytes, it.chunk.size).to_vec()
            };
            sys::WebPDemuxReleaseChunkIterator(&mut it);
            Some(out)
        }
    }

    /// The headers of every frame, in order (at most `MAX_IMAGES`).
    fn frames(&self) -> Result<Vec<FrameHead>> {
        let mut out = Vec::new();
        // SAFETY: as in `chunk`; the iterator is released on every path.
        unsafe {
            let mut it: sys::WebPIterator = std::mem::zeroed();
            if sys::WebPDemuxGetFrame(self.0.as_ptr(), 1, &mut it) == 0 {
                return Err(Error::decode("WebP: the animation has no frames"));
            }
            loop {
                if out.len() >= MAX_IMAGES {
                    sys::WebPDemuxReleaseIterator(&mut it);
                    return Err(Error::limit(format!("WebP: more than {MAX_IMAGES} frames")));
                }
                let u = |v: i32| u64::try_from(v).unwrap_or(0);
                let mut f: sys::WebPBitstreamFeatures = std::mem::zeroed();
                let frag = it.fragment;
                let format = if frag.bytes.is_null()
                    || sys::WebPGetFeatures(frag.bytes, frag.size, &mut f)
                        != sys::VP8StatusCode::VP8_STATUS_OK
                {
                    0
                } else {
                    f.format
                };
                out.push(FrameHead {
                    area: (u(it.x_offset), u(it.y_offset), u(it.width), u(it.height)),
                    duration: i64::from(it.duration),
                    alpha: it.has_alpha != 0,
                    replace: it.blend_method == sys::WebPMuxAnimBlend::WEBP_MUX_NO_BLEND,
                    dispose: if it.dispose_method
                        == sys::WebPMuxAnimDispose::WEBP_MUX_DISPOSE_BACKGROUND
                    {
                        Dispose::Background
                    } else {
                        Dispose::Keep
                    },
                    format,
                });
                if sys::WebPDemuxNextFrame(&mut it) == 0 {
                    break;
                }
            }
            sys::WebPDemuxReleaseIterator(&mut it);
        }
        Ok(out)
    }
}

impl Drop for Demux {
    fn drop(&mut self) {
        // SAFETY: created by `WebPDemuxInternal`, deleted once.
        unsafe { sys::WebPDemuxDelete(self.0.as_ptr()) }
    }
}

impl Info {
    /// Parses the headers; the canvas's dimensions are checked against
    /// `limits` as soon as they are known, the rest before returning.
    fn parse(bytes: &[u8], limits: &Limits) -> Result<Info> {
        // SAFETY: a zeroed struct is what libwebp fills; it reads `bytes`
        // within their length.
        let mut f: sys::WebPBitstreamFeatures = unsafe { std::mem::zeroed() };
        let status = unsafe { sys::WebPGetFeatures(bytes.as_ptr(), bytes.len(), &mut f) };
        if status != sys::VP8StatusCode::VP8_STATUS_OK {
            return Err(Error::decode(format!(
                "WebP: {} (in the headers)",
                status_message(status)
            )));
        }
        let (width, height) = (
            usize::try_from(f.width).unwrap_or(0),
            usize::try_from(f.height).unwrap_or(0),
        );
        if width == 0 || height == 0 {
            return Err(Error::decode("WebP: the header says the canvas is empty"));
        }
        limits.check_dimensions(width as u64, height as u64)?;
        let demux = Demux::new(bytes);
        let mut chunks = Vec::new();
        if let Some(d) = &demux {
            for (key, fourcc) in [
                (keys::ICC_PROFILE, b"ICCP"),
                (keys::EXIF, b"EXIF"),
                ("xmp", b"XMP "),
            ] {
                if let Some(c) = d.chunk(fourcc) {
                    chunks.push((key, c));
                }
            }
        }
        if f.has_animation == 0 {
            let info = Info {
                width,
                height,
                channels: if f.has_alpha != 0 { 4 } else { 3 },
                frames: None,
                loop_count: 0,
                format: f.format,
                chunks,
            };
            info.check(limits)?;
            return Ok(info);
        }
        let demux = demux.ok_or_else(|| {
            Error::decode("WebP: the animation's container is corrupt or truncated")
        })?;
        let (cw, ch) = (
            demux.get(sys::WebPFormatFeature::WEBP_FF_CANVAS_WIDTH) as usize,
            demux.get(sys::WebPFormatFeature::WEBP_FF_CANVAS_HEIGHT) as usize,
        );
        if (cw, ch) != (width, height) {
            return Err(Error::decode("WebP: the canvas size is inconsistent"));
        }
        let frames = demux.frames()?;
        let loop_count = i64::from(demux.get(sys::WebPFormatFeature::WEBP_FF_LOOP_COUNT));
        let alpha = canvas_shows_transparency(width as u64, height as u64, &frames);
        // The file's features say 0 (undefined) for an animation: the frames tell.
        let format = match frames.first().map(|f| f.format) {
            Some(first) if frames.iter().all(|f| f.format == first) => first,
            _ => 0,
        };
        let info = Info {
            width,
            height,
            channels: if alpha { 4 } else { 3 },
            frames: Some(frames),
            loop_count,
            format,
            chunks,
        };
        info.check(limits)?;
        Ok(info)
    }

    fn n_images(&self) -> usize {
        self.frames.as_ref().map_or(1, Vec::len)
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.height, self.width, self.channels]
    }

    /// The canvas against `limits`: its dimensions, the array, and the
    /// array with libwebp's working buffers (a lossless still decodes
    /// through a 4-byte-a-pixel ARGB buffer; the animation decoder keeps
    /// two RGBA canvases and decodes a frame besides).
    fn check(&self, limits: &Limits) -> Result<()> {
        limits.check_dimensions(self.width as u64, self.height as u64)?;
        limits.check_shape(&self.shape(), DType::U8)?;
        let px = (self.width as u64).saturating_mul(self.height as u64);
        let working = if self.frames.is_some() { 12 } else { 4 };
        limits.check_alloc(px.saturating_mul(self.channels as u64 + working))
    }
}

/// The transparency rule (`imageio_core::canvas`) over the frame headers.
fn canvas_shows_transparency(width: u64, height: u64, frames: &[FrameHead]) -> bool {
    let mut cov = Coverage::new(width, height);
    frames
        .iter()
        .any(|f| cov.frame(f.area, f.alpha, f.replace, f.dispose))
}

/// libwebp's animation decoder over the reader's bytes, with the index of
/// the frame it gives next.
struct Anim {
    dec: NonNull<sys::WebPAnimDecoder>,
    next: usize,
    /// Keeps the bytes the decoder points into alive (dropped after it).
    _bytes: SharedBytes,
}

// SAFETY: the decoder is owned by this value alone and used through `&mut`;
// libwebp keeps no thread-local state for it.
unsafe impl Send for Anim {}

impl Anim {
    fn new(bytes: &SharedBytes) -> Result<Anim> {
        // SAFETY: the options are initialised by libwebp; `data` points at
        // `bytes`, kept alive in the returned value.
        unsafe {
            let mut opts: sys::WebPAnimDecoderOptions = std::mem::zeroed();
            if sys::WebPAnimDecoderOptionsInit(&mut opts) == 0 {
                return Err(Error::internal("WebP: libwebp's ABI does not match"));
            }
            opts.color_mode = sys::WEBP_CSP_MODE::MODE_RGBA;
            opts.use_threads = 0;
            let data = sys::WebPData {
                bytes: bytes.as_ptr(),
                size: bytes.len(),
            };
            let dec = NonNull::new(sys::WebPAnimDecoderNew(&data, &opts)).ok_or_else(|| {
                Error::decode("WebP: libwebp's animation decoder refuses the file")
            })?;
            Ok(Anim {
                dec,
                next: 0,
                _bytes: bytes.clone(),
            })
        }
    }

    /// Composites the next frame; the canvas (RGBA, `len` bytes) is lent to
    /// `take`.
    fn next_frame<T>(&mut self, len: usize, take: impl FnOnce(&[u8]) -> T) -> Result<T> {
        let mut buf: *mut u8 = null_mut();
        let mut timestamp = 0;
        // SAFETY: a live decoder; on success `buf` is its canvas of
        // width * height * 4 bytes (`len`, checked by the caller), valid
        // until the next call on the decoder.
        let ok =
            unsafe { sys::WebPAnimDecoderGetNext(self.dec.as_ptr(), &mut buf, &mut timestamp) };
        if ok == 0 || buf.is_null() {
            return Err(Error::decode(format!(
                "WebP: frame {} is corrupt or truncated",
                self.next
            )));
        }
        self.next += 1;
        let canvas = unsafe { std::slice::from_raw_parts(buf, len) };
        Ok(take(canvas))
    }

    fn reset(&mut self) {
        // SAFETY: a live decoder.
        unsafe { sys::WebPAnimDecoderReset(self.dec.as_ptr()) };
        self.next = 0;
    }
}

impl Drop for Anim {
    fn drop(&mut self) {
        // SAFETY: created by `WebPAnimDecoderNew`, deleted once.
        unsafe { sys::WebPAnimDecoderDelete(self.dec.as_ptr()) }
    }
}

/// A WebP file open for reading.
struct WebpReader {
    /// Declared before `bytes`: dropped first.
    anim: Option<Anim>,
    info: Info,
    bytes: SharedBytes,
}

impl WebpReader {
    fn check_index(&self, index: usize) -> Result<()> {
        let n = self.info.n_images();
        if index >= n {
            return Err(Error::index_out_of_range(index, Some(n)));
        }
        Ok(())
    }

    fn read_still(&self) -> Result<NdImage> {
        let (w, h, c) = (self.info.width, self.info.height, self.info.channels);
        let mut out = vec![0u8; w * h * c];
        let stride = (w * c) as i32;
        // SAFETY: libwebp writes at most `out.len()` bytes at `stride` a row
        // into `out`, and reads `bytes` within their length.
        let p = unsafe {
            if c == 4 {
                sys::WebPDecodeRGBAInto(
                    self.bytes.as_ptr(),
                    self.bytes.len(),
                    out.as_mut_ptr(),
                    out.len(),
                    stride,
                )
            } else {
                sys::WebPDecodeRGBInto(
                    self.bytes.as_ptr(),
                    self.bytes.len(),
                    out.as_mut_ptr(),
                    out.len(),
                    stride,
                )
            }
        };
        if p.is_null() {
            return Err(Error::decode(
                "WebP: libwebp cannot decode the image data (corrupt or truncated)",
            ));
        }
        NdImage::from_shape_vec(&self.info.shape(), out)
    }

    fn read_frame(&mut self, index: usize) -> Result<NdImage> {
        let (w, h, c) = (self.info.width, self.info.height, self.info.channels);
        let len = w * h * 4;
        let mut anim = match self.anim.take() {
            Some(mut a) => {
                if a.next > index {
                    a.reset();
                }
                a
            }
            None => Anim::new(&self.bytes)?,
        };
        while anim.next < index {
            anim.next_frame(len, |_| ())?;
        }
        let out = anim.next_frame(len, |canvas| {
            if c == 4 {
                canvas.to_vec()
            } else {
                let mut rgb = Vec::with_capacity(w * h * 3);
                for px in canvas.chunks_exact(4) {
                    rgb.extend_from_slice(&px[..3]);
                }
                rgb
            }
        })?;
        self.anim = Some(anim);
        NdImage::from_shape_vec(&self.info.shape(), out)
    }
}

impl Reader for WebpReader {
    fn read(&mut self, index: usize, _options: &Options) -> Result<NdImage> {
        self.check_index(index)?;
        if self.info.frames.is_some() {
            self.read_frame(index)
        } else {
            self.read_still()
        }
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(self.info.n_images()))
    }

    fn properties(&mut self, index: usize, _options: &Options) -> Result<ImageProperties> {
        self.check_index(index)?;
        Ok(ImageProperties::new(self.info.shape(), DType::U8))
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        if let Some(i) = index {
            self.check_index(i)?;
        }
        let info = &self.info;
        let mut m = Metadata::new();
        m.insert(
            keys::COMPRESSION,
            match info.format {
                1 => "lossy",
                2 => "lossless",
                _ => "mixed",
            },
        );
        for (key, data) in &info.chunks {
            if *key == "xmp" {
                // Text, as the JPEG plugin gives it.
                m.insert("xmp", String::from_utf8_lossy(data).into_owned());
            } else {
                m.insert(*key, data.clone());
            }
            if *key == keys::EXIF {
                if let Some(o) = exif_orientation(data) {
                    m.insert(keys::ORIENTATION, i64::from(o));
                }
            }
        }
        if let Some(frames) = &info.frames {
            m.insert(keys::LOOP, info.loop_count);
            m.insert(keys::N_FRAMES, frames.len());
            match index {
                Some(i) => m.insert(keys::DURATION, frames[i].duration as f64),
                None => m.insert(
                    keys::DURATION,
                    Value::List(frames.iter().map(|f| (f.duration as f64).into()).collect()),
                ),
            }
        }
        Ok(m)
    }
}

/// The orientation tag (0x0112) of IFD0 in an EXIF block (a TIFF
/// structure, with or without the `Exif\0\0` prefix some writers keep),
/// when it holds a valid value (1 to 8).
fn exif_orientation(exif: &[u8]) -> Option<u16> {
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    let le = match tiff.get(..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |i: usize| -> Option<u16> {
        let b = tiff.get(i..i.checked_add(2)?)?;
        Some(if le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |i: usize| -> Option<u32> {
        let b = tiff.get(i..i.checked_add(4)?)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count).find_map(|k| {
        let entry = ifd.checked_add(2 + 12 * k)?;
        // Tag 0x0112, type SHORT, one value, held in the entry.
        if u16_at(entry)? != 0x0112 || u16_at(entry + 2)? != 3 || u32_at(entry + 4)? != 1 {
            return None;
        }
        u16_at(entry + 8).filter(|o| (1..=8).contains(o))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(area: (u64, u64, u64, u64), alpha: bool, replace: bool, bg: bool) -> FrameHead {
        FrameHead {
            area,
            duration: 100,
            alpha,
            replace,
            dispose: if bg {
                Dispose::Background
            } else {
                Dispose::Keep
            },
            format: 2,
        }
    }

    #[test]
    fn orientation_from_exif() {
        // What Pillow writes for orientation 6 (with the Exif prefix).
        let le = b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0";
        assert_eq!(exif_orientation(le), Some(6));
        assert_eq!(exif_orientation(&le[6..]), Some(6));
        let be = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x03\0\0";
        assert_eq!(exif_orientation(be), Some(3));
        assert_eq!(exif_orientation(&le[..20]), None);
        assert_eq!(exif_orientation(b"II*\0\xff\xff\xff\xff"), None);
        assert_eq!(exif_orientation(b""), None);
    }

    #[test]
    fn the_transparency_rule() {
        let full = (0, 0, 4, 3);
        // An opaque full first frame, then transparent blended deltas: RGB.
        let f = [
            frame(full, false, false, false),
            frame((1, 1, 2, 2), true, false, false),
        ];
        assert!(!canvas_shows_transparency(4, 3, &f));
        // A first frame that does not cover the canvas.
        assert!(canvas_shows_transparency(
            4,
            3,
            &[frame((1, 0, 3, 3), false, false, false)]
        ));
        // A first frame with alpha.
        assert!(canvas_shows_transparency(
            4,
            3,
            &[frame(full, true, false, false)]
        ));
        // Disposal to background: never shown when last, shown when not covered.
        let f = [frame(full, false, false, true)];
        assert!(!canvas_shows_transparency(4, 3, &f));
        let f = [
            frame(full, false, false, true),
            frame((0, 0, 2, 3), false, false, false),
        ];
        assert!(canvas_shows_transparency(4, 3, &f));
        let f = [
            frame(full, false, false, true),
            frame(full, false, false, false),
        ];
        assert!(!canvas_shows_transparency(4, 3, &f));
        // Transparent pixels copied without blending.
        let f = [
            frame(full, false, false, false),
            frame((0, 0, 1, 1), true, true, false),
        ];
        assert!(canvas_shows_transparency(4, 3, &f));
    }
}
