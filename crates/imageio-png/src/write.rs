//! Writing: images are kept until `close` (an APNG's acTL chunk, before the
//! first frame, holds the frame count), then encoded by `png` into the
//! request's output: one image gives a PNG, several an APNG. Images handed
//! over (`write_owned`, each frame of a stack) are kept without a copy.

use std::borrow::Cow;

use imageio_core::plugin::{dpi_option, image_dims, Output, Writer, DPI_OPTION_HELP};
use imageio_core::{DType, Error, Hint, NdImage, Options, Result, Value};
use png::{BitDepth, ColorType, Compression, DeflateCompression, Filter};

/// The write side of the plugin.
pub(crate) struct PngWriter {
    output: Option<Output>,
    frames: Vec<NdImage>,
    options: Options,
}

impl PngWriter {
    pub(crate) fn new(output: Output) -> PngWriter {
        PngWriter {
            output: Some(output),
            frames: Vec::new(),
            options: Options::new(),
        }
    }
}

fn enc_err(e: png::EncodingError) -> Error {
    match e {
        png::EncodingError::IoError(io) => Error::io(io),
        png::EncodingError::Format(f) => Error::encode(format!("PNG: {f}")),
        png::EncodingError::Parameter(p) => Error::invalid_input(format!("PNG: {p}")),
        png::EncodingError::LimitsExceeded => Error::encode("PNG: the image is too large"),
    }
}

/// The (deflate, filter) settings of the `compression` option.
fn compression(options: &Options) -> Result<(DeflateCompression, Filter)> {
    let simple = |c: Compression| -> (DeflateCompression, Filter) {
        // As `png`'s `Encoder::set_compression` picks them.
        let d = match c {
            Compression::NoCompression => DeflateCompression::NoCompression,
            Compression::Fastest | Compression::Fast => DeflateCompression::FdeflateUltraFast,
            Compression::High => DeflateCompression::Level(9),
            _ => DeflateCompression::Level(6),
        };
        let f = match c {
            Compression::NoCompression => Filter::NoFilter,
            Compression::Fastest => Filter::Up,
            _ => Filter::Adaptive,
        };
        (d, f)
    };
    let bad = || {
        Error::invalid_option("compression takes fast, default, best, or a level 0..9 (0: stored)")
    };
    Ok(match options.get("compression") {
        None => simple(Compression::Fast),
        Some(Value::Str(s)) => match s.to_ascii_lowercase().as_str() {
            "fast" => simple(Compression::Fast),
            "default" => simple(Compression::Balanced),
            "best" => simple(Compression::High),
            "none" => simple(Compression::NoCompression),
            _ => return Err(bad()),
        },
        Some(v) => match v.as_int() {
            Some(0) => simple(Compression::NoCompression),
            Some(n @ 1..=9) => (DeflateCompression::Level(n as u8), Filter::Adaptive),
            _ => return Err(bad()),
        },
    })
}

fn filter(options: &Options) -> Result<Option<Filter>> {
    let Some(v) = options.get("filter") else {
        return Ok(None);
    };
    let s = v.as_str().unwrap_or("").to_ascii_lowercase();
    Ok(Some(match s.as_str() {
        "none" => Filter::NoFilter,
        "sub" => Filter::Sub,
        "up" => Filter::Up,
        "avg" => Filter::Avg,
        "paeth" => Filter::Paeth,
        "adaptive" => Filter::Adaptive,
        _ => {
            return Err(Error::invalid_option(
                "filter takes none, sub, up, avg, paeth or adaptive",
            ))
        }
    }))
}

/// The `text` option as (keyword, text) pairs.
fn text(options: &Options) -> Result<Vec<(String, String)>> {
    let bad = || {
        Error::invalid_option(
            "text takes a map keyword -> text, or a list of [keyword, text] pairs (strings)",
        )
    };
    let mut out = Vec::new();
    match options.get("text") {
        None => {}
        Some(Value::Map(m)) => {
            for (k, v) in m.iter() {
                out.push((k.to_owned(), v.as_str().ok_or_else(bad)?.to_owned()));
            }
        }
        Some(Value::List(l)) => {
            for pair in l {
                match pair.as_list() {
                    Some([k, v]) => out.push((
                        k.as_str().ok_or_else(bad)?.to_owned(),
                        v.as_str().ok_or_else(bad)?.to_owned(),
                    )),
                    _ => return Err(bad()),
                }
            }
        }
        Some(_) => return Err(bad()),
    }
    for (k, _) in &out {
        let ok = (1..=79).contains(&k.len())
            && k.bytes().all(|b| (32..=126).contains(&b) || b >= 161)
            && !k.starts_with(' ')
            && !k.ends_with(' ')
            && !k.contains("  ");
        if !ok {
            return Err(Error::invalid_option(format!(
                "text keyword {k:?}: PNG keywords are 1-79 Latin-1 printable characters without \
                 leading, trailing or double spaces"
            )));
        }
    }
    Ok(out)
}

fn dpi(options: &Options) -> Result<Option<png::PixelDimensions>> {
    let Some((x, y)) = dpi_option(options)? else {
        return Ok(None);
    };
    let ppm = |d: f64| (d / 0.0254).round();
    if !(ppm(x) < u32::MAX as f64 && ppm(y) < u32::MAX as f64) {
        return Err(Error::invalid_option(DPI_OPTION_HELP));
    }
    Ok(Some(png::PixelDimensions {
        xppu: ppm(x) as u32,
        yppu: ppm(y) as u32,
        unit: png::Unit::Meter,
    }))
}

/// A duration in ms as an APNG delay fraction, exact when it can be.
pub(crate) fn delay_fraction(ms: f64) -> Result<(u16, u16)> {
    if !(ms >= 0.0 && ms.is_finite()) {
        return Err(Error::invalid_option(format!(
            "duration {ms}: a frame duration is a number of ms >= 0"
        )));
    }
    // Exact when some denominator allows it (1000 first: whole ms), else
    // the closest fraction.
    let exact = |den: u32| {
        let num = ms * den as f64 / 1000.0;
        (num.fract() == 0.0 && num <= 65535.0).then_some((num as u16, den as u16))
    };
    if let Some(f) = exact(1000) {
        return Ok(f);
    }
    if let Some(f) = (1..=65535u32).find_map(exact) {
        return Ok(f);
    }
    let mut best: Option<(f64, (u16, u16))> = None;
    for den in 1..=65535u32 {
        let num = (ms * den as f64 / 1000.0).round();
        if num > 65535.0 {
            break;
        }
        let err = (num * 1000.0 / den as f64 - ms).abs();
        if best.is_none_or(|(e, _)| err < e) {
            best = Some((err, (num as u16, den as u16)));
        }
    }
    if let Some((_, f)) = best {
        return Ok(f);
    }
    Err(Error::invalid_option(format!(
        "duration {ms} ms is longer than an APNG frame can last (65535 s)"
    )))
}

fn durations(options: &Options, n: usize) -> Result<Vec<(u16, u16)>> {
    let ms: Vec<f64> = match options.get("duration") {
        None => vec![0.0; n],
        Some(v) => match (v.as_float(), v.as_list()) {
            (Some(d), _) => vec![d; n],
            (None, Some(l)) => {
                if l.len() != n {
                    return Err(Error::invalid_option(format!(
                        "duration has {} values for {n} frames; give one value or one per frame",
                        l.len()
                    )));
                }
                l.iter().map(|x| x.as_float().unwrap_or(f64::NAN)).collect()
            }
            _ => return Err(Error::invalid_option("duration takes a number or a list")),
        },
    };
    ms.into_iter().map(delay_fraction).collect()
}

/// The colour type, depth and big-endian samples of one image.
fn layout(img: &NdImage) -> Result<(u32, u32, ColorType, BitDepth)> {
    let (h, w, c) = image_dims(img.shape(), 4, "PNG")?;
    let color = match c {
        1 => ColorType::Grayscale,
        2 => ColorType::GrayscaleAlpha,
        3 => ColorType::Rgb,
        _ => ColorType::Rgba,
    };
    let depth = match img.dtype() {
        DType::U8 => BitDepth::Eight,
        DType::U16 => BitDepth::Sixteen,
        d => {
            return Err(
                Error::unsupported(format!("PNG stores u8 or u16 samples, not {d}"))
                    .with_hint(Hint::Cast(vec![DType::U16, DType::U8])),
            )
        }
    };
    let too_big =
        || Error::invalid_input("the image is larger than PNG allows (2^31-1 pixels a side)");
    let w = u32::try_from(w)
        .ok()
        .filter(|&w| w < 1 << 31)
        .ok_or_else(too_big)?;
    let h = u32::try_from(h)
        .ok()
        .filter(|&h| h < 1 << 31)
        .ok_or_else(too_big)?;
    Ok((w, h, color, depth))
}

/// The samples of `img` as PNG wants them (big-endian for 16-bit).
/// The PNG sample bytes of an image: borrowed for contiguous u8 arrays (no
/// copy of a 4K frame), big-endian bytes for u16.
fn samples(img: &NdImage) -> Cow<'_, [u8]> {
    match img {
        NdImage::U16(a) => {
            let mut out = Vec::with_capacity(a.len() * 2);
            for v in a.iter() {
                out.extend_from_slice(&v.to_be_bytes());
            }
            Cow::Owned(out)
        }
        NdImage::U8(a) => match a.as_slice() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(a.iter().copied().collect()),
        },
        _ => Cow::Borrowed(&[]),
    }
}

impl PngWriter {
    fn encode(&mut self) -> Result<()> {
        let Some(out) = self.output.take() else {
            return Ok(());
        };
        let first = self
            .frames
            .first()
            .ok_or_else(|| Error::invalid_input("nothing was written: write an image first"))?;
        let (w, h, color, depth) = layout(first)?;
        let n = self.frames.len();
        let o = &self.options;
        let (deflate, default_filter) = compression(o)?;
        let mut info = png::Info::with_size(w, h);
        info.color_type = color;
        info.bit_depth = depth;
        info.pixel_dims = dpi(o)?;
        if let Some(icc) = o.get("icc_profile").and_then(Value::as_bytes) {
            info.icc_profile = Some(icc.to_vec().into());
        }
        for (k, t) in text(o)? {
            if t.chars().all(|c| (c as u32) < 256) {
                info.uncompressed_latin1_text
                    .push(png::text_metadata::TEXtChunk::new(k, t));
            } else {
                info.utf8_text
                    .push(png::text_metadata::ITXtChunk::new(k, t));
            }
        }
        let mut enc = png::Encoder::with_info(out, info).map_err(enc_err)?;
        enc.set_deflate_compression(deflate);
        enc.set_filter(filter(o)?.unwrap_or(default_filter));
        let delays = if n > 1 {
            let plays = match o.get("loop").and_then(Value::as_int) {
                None => 0,
                Some(l) if (0..=u32::MAX as i64).contains(&l) => l as u32,
                Some(l) => {
                    return Err(Error::invalid_option(format!(
                        "loop {l}: a loop count is 0 (forever) or positive"
                    )))
                }
            };
            let n32 = u32::try_from(n).map_err(|_| Error::invalid_input("too many frames"))?;
            enc.set_animated(n32, plays).map_err(enc_err)?;
            Some(durations(o, n)?)
        } else {
            None
        };
        let mut wr = enc.write_header().map_err(enc_err)?;
        for (i, img) in self.frames.iter().enumerate() {
            let l = layout(img)?;
            if l != (w, h, color, depth) {
                return Err(Error::invalid_input(format!(
                    "APNG frame {i} is {} {:?} but frame 0 is {} {:?}: every frame of an APNG \
                     has the same shape and dtype",
                    img.dtype(),
                    img.shape(),
                    first.dtype(),
                    first.shape()
                )));
            }
            if let Some(d) = &delays {
                wr.set_frame_delay(d[i].0, d[i].1).map_err(enc_err)?;
            }
            wr.write_image_data(&samples(img)).map_err(enc_err)?;
        }
        wr.finish().map_err(enc_err)?;
        self.frames.clear();
        Ok(())
    }
}

impl Writer for PngWriter {
    /// Keeps a copy of the image until `close` (see
    /// [`write_owned`](Self::write_owned)).
    fn write(&mut self, image: &NdImage, options: &Options) -> Result<()> {
        self.write_owned(image.clone(), options)
    }

    /// Checks the image and the options now (not at close), then keeps the
    /// image itself until `close`: the APNG's frame count goes before its
    /// first frame.
    fn write_owned(&mut self, image: NdImage, options: &Options) -> Result<()> {
        if self.output.is_none() {
            return Err(Error::invalid_input("the PNG file is already finished"));
        }
        layout(&image)?;
        compression(options)?;
        filter(options)?;
        text(options)?;
        dpi(options)?;
        if let Some(first) = self.frames.first() {
            if first.shape() != image.shape() || first.dtype() != image.dtype() {
                return Err(Error::invalid_input(format!(
                    "APNG frame {} is {} {:?} but frame 0 is {} {:?}: every frame of an APNG \
                     has the same shape and dtype",
                    self.frames.len(),
                    image.dtype(),
                    image.shape(),
                    first.dtype(),
                    first.shape()
                )));
            }
        }
        self.options = options.clone();
        self.frames.push(image);
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        self.encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imageio_core::plugin::WriteRequest;
    use imageio_core::Uri;

    fn image(v: u8) -> NdImage {
        NdImage::from_shape_vec(&[4, 5, 3], vec![v; 60]).unwrap()
    }

    #[test]
    fn handed_over_frames_are_kept_without_a_copy() {
        let mut req = WriteRequest::new(Uri::memory(".apng"), None, true).unwrap();
        let mut w = PngWriter::new(req.output().unwrap());
        let owned = image(7);
        let at = owned.as_bytes().unwrap().as_ptr();
        w.write_owned(owned, &Options::new()).unwrap();
        assert_eq!(
            w.frames[0].as_bytes().unwrap().as_ptr(),
            at,
            "kept, not copied"
        );
        let borrowed = image(9);
        w.write(&borrowed, &Options::new()).unwrap();
        assert_ne!(
            w.frames[1].as_bytes().unwrap().as_ptr(),
            borrowed.as_bytes().unwrap().as_ptr()
        );
        assert_eq!(w.frames[1], borrowed);
        // A frame of another shape is refused at once, not at close.
        let e = w.write_owned(
            NdImage::from_shape_vec(&[4, 5], vec![0u8; 20]).unwrap(),
            &Options::new(),
        );
        assert_eq!(e.unwrap_err().kind(), imageio_core::ErrorKind::InvalidInput);
        assert_eq!(w.frames.len(), 2);
        w.close().unwrap();
        assert!(w.frames.is_empty());
        let e = w.write_owned(image(1), &Options::new()).unwrap_err();
        assert!(e.to_string().contains("already finished"), "{e}");
    }
}
