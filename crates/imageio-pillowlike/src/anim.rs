//! Animations (GIF, APNG, animated WebP): frames composited onto the full
//! canvas by `image`, RGB or RGBA chosen once per file so that frames stack,
//! with per-frame durations and the loop count.

use std::io::Cursor;

use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, Frame, ImageDecoder, ImageFormat};
use imageio_core::plugin::convert_mode;
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

/// One animated resource; frames are decoded together on first use.
pub(crate) struct Animation {
    data: SharedBytes,
    format: ImageFormat,
    limits: Limits,
    kind: Kind,
    alpha: bool,
    width: u32,
    height: u32,
    count: Option<usize>,
    durations: Vec<f64>,
    loop_count: Option<i64>,
    frames: Option<Vec<NdImage>>,
}

impl Animation {
    /// An animation when `data` is a GIF, an APNG or an animated WebP.
    pub(crate) fn probe(
        data: &SharedBytes,
        format: ImageFormat,
        limits: Limits,
    ) -> Result<Option<Animation>> {
        let base = |kind, alpha, width, height, count, durations, loop_count| Animation {
            data: data.clone(),
            format,
            limits,
            kind,
            alpha,
            width,
            height,
            count,
            durations,
            loop_count,
            frames: None,
        };
        match format {
            ImageFormat::Gif => {
                let w = walk_gif(data, limits)?;
                limits.check_dimensions(w.width as u64, w.height as u64)?;
                Ok(Some(base(
                    Kind::Gif,
                    w.transparent,
                    w.width,
                    w.height,
                    Some(w.delays.len()),
                    w.delays,
                    w.loop_count,
                )))
            }
            ImageFormat::Png => {
                let Some(apng) = walk_png(data) else {
                    return Ok(None);
                };
                let d = PngDecoder::new(Cursor::new(data.clone()))
                    .map_err(|e| decode_err(format, e))?;
                let (w, h) = d.dimensions();
                limits.check_dimensions(w as u64, h as u64)?;
                let alpha = d.color_type().has_alpha();
                let count = apng.num_frames as usize + apng.default_outside as usize;
                let loop_count = Some(apng.num_plays as i64);
                Ok(Some(base(
                    Kind::Apng {
                        default_outside: apng.default_outside,
                    },
                    alpha,
                    w,
                    h,
                    Some(count),
                    Vec::new(),
                    loop_count,
                )))
            }
            ImageFormat::WebP => {
                let d = WebPDecoder::new(Cursor::new(data.clone()))
                    .map_err(|e| decode_err(format, e))?;
                if !d.has_animation() {
                    return Ok(None);
                }
                let (w, h) = d.dimensions();
                limits.check_dimensions(w as u64, h as u64)?;
                let alpha = d.color_type().has_alpha();
                Ok(Some(base(Kind::WebP, alpha, w, h, None, Vec::new(), None)))
            }
            _ => Ok(None),
        }
    }

    fn channels(&self) -> usize {
        if self.alpha {
            4
        } else {
            3
        }
    }

    /// The number of images.
    pub(crate) fn count(&mut self) -> Result<usize> {
        if let Some(n) = self.count {
            return Ok(n);
        }
        Ok(self.decode_all()?.len())
    }

    /// The properties of every frame (they share the canvas).
    pub(crate) fn properties(&self) -> Result<ImageProperties> {
        Ok(ImageProperties::new(
            vec![self.height as usize, self.width as usize, self.channels()],
            DType::U8,
        ))
    }

    /// Frame `i`, composited.
    pub(crate) fn frame(&mut self, i: usize) -> Result<NdImage> {
        let frames = self.decode_all()?;
        frames
            .get(i)
            .cloned()
            .ok_or_else(|| Error::index_out_of_range(i, Some(frames.len())))
    }

    /// Animation metadata: `duration` (ms) of frame `index`, or the list of
    /// durations for the file; `loop` (0 = forever); `n_frames`.
    pub(crate) fn metadata(&mut self, index: Option<usize>, m: &mut Metadata) -> Result<()> {
        if self.durations.is_empty() && self.kind != Kind::Gif {
            self.decode_all()?;
        }
        if let Some(l) = self.loop_count {
            m.insert("loop", l);
        }
        m.insert("n_frames", self.count()?);
        if let Kind::Apng { default_outside } = self.kind {
            m.insert("default_image_in_animation", !default_outside);
        }
        match index {
            Some(i) => {
                if let Some(d) = self.durations.get(i) {
                    m.insert("duration", *d);
                }
            }
            None => m.insert(
                "duration",
                Value::List(self.durations.iter().map(|&d| d.into()).collect()),
            ),
        }
        Ok(())
    }

    fn to_array(&self, frame: Frame) -> NdImage {
        let (w, h) = (self.width as usize, self.height as usize);
        let raw = frame.into_buffer().into_raw();
        if self.alpha {
            NdImage::from_shape_vec(&[h, w, 4], raw).expect("canvas size")
        } else {
            let rgb: Vec<u8> = raw
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
            NdImage::from_shape_vec(&[h, w, 3], rgb).expect("canvas size")
        }
    }

    fn decode_all(&mut self) -> Result<&Vec<NdImage>> {
        if self.frames.is_none() {
            let frame_bytes = self.width as u64 * self.height as u64 * 4;
            if let Some(n) = self.count {
                self.limits
                    .check_alloc(frame_bytes.saturating_mul(n as u64))?;
            }
            let cursor = Cursor::new(self.data.clone());
            let fmt = self.format;
            let err = |e| decode_err(fmt, e);
            let mut out = Vec::new();
            let mut durations = Vec::new();
            let frames: image::Frames<'_> = match self.kind {
                Kind::Gif => GifDecoder::new(cursor).map_err(err)?.into_frames(),
                Kind::Apng { default_outside } => {
                    if default_outside {
                        let still = crate::decode::decode(&self.data, fmt, self.limits)?;
                        out.push(self.default_image(still)?);
                        durations.push(0.0);
                    }
                    PngDecoder::new(cursor)
                        .map_err(err)?
                        .apng()
                        .map_err(err)?
                        .into_frames()
                }
                Kind::WebP => WebPDecoder::new(cursor).map_err(err)?.into_frames(),
            };
            let mut total: u64 = 0;
            for f in frames {
                let f = f.map_err(err)?;
                total = total.saturating_add(frame_bytes);
                self.limits.check_alloc(total)?;
                let (num, den) = f.delay().numer_denom_ms();
                durations.push(if den == 0 {
                    0.0
                } else {
                    num as f64 / den as f64
                });
                out.push(self.to_array(f));
            }
            if out.is_empty() {
                return Err(Error::decode(format!(
                    "{:?}: the animation has no frames",
                    self.format
                )));
            }
            if self.kind != Kind::Gif {
                self.durations = durations;
            }
            self.count = Some(out.len());
            self.frames = Some(out);
        }
        Ok(self.frames.as_ref().expect("just decoded"))
    }

    /// The APNG default image, as RGB or RGBA u8 like the animation frames.
    fn default_image(&self, still: NdImage) -> Result<NdImage> {
        let mode = if self.alpha { Mode::Rgba } else { Mode::Rgb };
        let img = convert_mode(still, mode, false)?;
        Ok(match img.dtype() {
            DType::U16 => {
                let a = img.into_array::<u16>()?;
                NdImage::from(a.mapv(|v| (v >> 8) as u8))
            }
            _ => img,
        })
    }
}

struct GifWalk {
    width: u32,
    height: u32,
    transparent: bool,
    delays: Vec<f64>,
    loop_count: Option<i64>,
}

/// Walks the GIF blocks without decoding pixels: frame count, delays,
/// transparency flags and the loop count.
fn walk_gif(data: &SharedBytes, limits: Limits) -> Result<GifWalk> {
    let mut opts = gif::DecodeOptions::new();
    opts.skip_frame_decoding(true);
    opts.set_color_output(gif::ColorOutput::Indexed);
    opts.set_memory_limit(gif::MemoryLimit::Bytes(
        std::num::NonZeroU64::new(limits.max_alloc.max(1)).expect("nonzero"),
    ));
    let gif_err = |e: gif::DecodingError| Error::decode(format!("GIF: {e}"));
    let mut d = opts.read_info(Cursor::new(&data[..])).map_err(gif_err)?;
    let (width, height) = (d.width() as u32, d.height() as u32);
    let mut transparent = false;
    let mut delays = Vec::new();
    while let Some(f) = d.read_next_frame().map_err(gif_err)? {
        transparent |= f.transparent.is_some();
        delays.push(f.delay as f64 * 10.0);
        if delays.len() > 1_000_000 {
            return Err(Error::limit("GIF: more than a million frames"));
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
    Ok(GifWalk {
        width,
        height,
        transparent,
        delays,
        loop_count,
    })
}

struct ApngWalk {
    num_frames: u32,
    num_plays: u32,
    default_outside: bool,
}

/// Walks the PNG chunks up to the first IDAT: `Some` for an APNG (an acTL
/// chunk), with whether the default image is outside the animation (no fcTL
/// before the IDAT).
fn walk_png(data: &[u8]) -> Option<ApngWalk> {
    let mut pos = 8;
    let mut actl = None;
    let mut fctl_before_idat = false;
    while pos + 8 <= data.len() {
        let len = u32::from_be_bytes(data[pos..pos + 4].try_into().ok()?) as usize;
        let kind = &data[pos + 4..pos + 8];
        match kind {
            b"acTL" => {
                let body = data.get(pos + 8..pos + 16)?;
                let n = u32::from_be_bytes(body[0..4].try_into().ok()?);
                let plays = u32::from_be_bytes(body[4..8].try_into().ok()?);
                actl = Some((n, plays));
            }
            b"fcTL" => fctl_before_idat = true,
            b"IDAT" => break,
            _ => {}
        }
        pos = pos.checked_add(12)?.checked_add(len)?;
    }
    let (num_frames, num_plays) = actl?;
    Some(ApngWalk {
        num_frames,
        num_plays,
        default_outside: !fctl_before_idat,
    })
}
