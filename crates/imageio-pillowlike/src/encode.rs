//! Writing through `image`'s encoders: one image per file, except GIF, where
//! each `write` appends a frame.

use std::io::Write;

use image::codecs::gif::{GifEncoder, Repeat};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{Delay, ExtendedColorType, Frame, ImageEncoder, ImageFormat, RgbaImage};
use imageio_core::plugin::{channels_of, Output, Writer};
use imageio_core::{DType, Error, Hint, NdImage, Options, Result, Value};

use crate::encode_err;

/// The write side of the plugin.
pub(crate) struct Encoder {
    writer: Option<Output>,
    format: ImageFormat,
    ext: String,
    written: usize,
    gif: Option<GifEncoder<Output>>,
}

impl Encoder {
    pub(crate) fn new(writer: Output, format: ImageFormat, ext: String) -> Self {
        Encoder {
            writer: Some(writer),
            format,
            ext,
            written: 0,
            gif: None,
        }
    }
}

fn color_type(c: usize, dtype: DType, ext: &str) -> Result<ExtendedColorType> {
    Ok(match (c, dtype) {
        (1, DType::U8) => ExtendedColorType::L8,
        (2, DType::U8) => ExtendedColorType::La8,
        (3, DType::U8) => ExtendedColorType::Rgb8,
        (4, DType::U8) => ExtendedColorType::Rgba8,
        (1, DType::U16) => ExtendedColorType::L16,
        (2, DType::U16) => ExtendedColorType::La16,
        (3, DType::U16) => ExtendedColorType::Rgb16,
        (4, DType::U16) => ExtendedColorType::Rgba16,
        (3, DType::F32) => ExtendedColorType::Rgb32F,
        (4, DType::F32) => ExtendedColorType::Rgba32F,
        _ => {
            return Err(Error::unsupported(format!(
                "the pillowlike plugin cannot write {dtype} images with {c} channel(s) as {ext}: \
                 cast to uint8 or uint16 (or float32 RGB/RGBA for .hdr/.exr/.tif) first"
            )))
        }
    })
}

fn png_compression(v: Option<&Value>) -> Result<CompressionType> {
    let Some(v) = v else {
        return Ok(CompressionType::Fast);
    };
    if let Some(level) = v.as_int() {
        return match level {
            0 => Ok(CompressionType::Uncompressed),
            1..=9 => Ok(CompressionType::Level(level as u8)),
            _ => Err(Error::invalid_option(format!(
                "compression level {level} is not in 0..9"
            ))),
        };
    }
    match v.as_str().map(str::to_ascii_lowercase).as_deref() {
        Some("fast") => Ok(CompressionType::Fast),
        Some("default") => Ok(CompressionType::Default),
        Some("best") => Ok(CompressionType::Best),
        Some("none") => Ok(CompressionType::Uncompressed),
        _ => Err(Error::invalid_option(format!(
            "compression {v} is not one of fast, default, best, none or a level 0..9"
        ))),
    }
}

fn png_filter(v: Option<&Value>) -> FilterType {
    match v
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("none") => FilterType::NoFilter,
        Some("sub") => FilterType::Sub,
        Some("up") => FilterType::Up,
        Some("avg") => FilterType::Avg,
        Some("paeth") => FilterType::Paeth,
        _ => FilterType::Adaptive,
    }
}

/// The `exif` option as the raw TIFF-structured bytes the encoders store
/// (a leading `Exif\0\0`, as JPEG's APP1 and Pillow's `Exif.tobytes()`
/// have it, is dropped: the encoders add what their format needs).
fn exif_option(options: &Options, fmt: ImageFormat) -> Result<Option<Vec<u8>>> {
    let Some(v) = options.get("exif") else {
        return Ok(None);
    };
    let Value::Bytes(b) = v else {
        return Err(Error::invalid_option(format!("exif takes bytes, not {v}")));
    };
    if !matches!(fmt, ImageFormat::Png | ImageFormat::Jpeg) {
        return Err(Error::invalid_option(format!(
            "exif is stored in PNG and JPEG files only, not {fmt:?}"
        )));
    }
    let raw = b.strip_prefix(b"Exif\0\0").unwrap_or(b);
    let tiff_header = raw.starts_with(b"II*\0") || raw.starts_with(b"MM\0*");
    if !tiff_header {
        return Err(Error::invalid_option(
            "exif: the bytes do not start with a TIFF header (II*\\0 or MM\\0*)",
        ));
    }
    Ok(Some(raw.to_vec()))
}

fn gif_frame(image: &NdImage, h: usize, w: usize, c: usize) -> Result<RgbaImage> {
    let a = image.as_array::<u8>().ok_or_else(|| {
        Error::unsupported(format!("GIF frames are uint8, not {}", image.dtype()))
            .with_hint(Hint::Cast(vec![DType::U8]))
    })?;
    let a = a.as_standard_layout();
    let src = a.as_slice().expect("standard layout");
    let mut rgba = Vec::with_capacity(h * w * 4);
    for p in src.chunks_exact(c) {
        match c {
            1 => rgba.extend_from_slice(&[p[0], p[0], p[0], 255]),
            2 => rgba.extend_from_slice(&[p[0], p[0], p[0], p[1]]),
            3 => rgba.extend_from_slice(&[p[0], p[1], p[2], 255]),
            _ => rgba.extend_from_slice(p),
        }
    }
    RgbaImage::from_raw(w as u32, h as u32, rgba).ok_or_else(|| Error::internal("GIF frame size"))
}

fn frame_duration(options: &Options, i: usize) -> Result<f64> {
    match options.get("duration") {
        None => Ok(100.0),
        Some(Value::List(l)) => l
            .get(i)
            .or(l.last())
            .and_then(Value::as_float)
            .ok_or_else(|| Error::invalid_option("duration: an empty list")),
        Some(v) => v
            .as_float()
            .ok_or_else(|| Error::invalid_option("duration takes a number or a list")),
    }
}

impl Writer for Encoder {
    fn write(&mut self, image: &NdImage, options: &Options) -> Result<()> {
        let c = channels_of(image.shape(), false)?;
        let (h, w) = (image.shape()[0], image.shape()[1]);
        if h > u32::MAX as usize || w > u32::MAX as usize {
            return Err(Error::invalid_input("the image is too large to encode"));
        }
        let fmt = self.format;
        if fmt == ImageFormat::Gif {
            let frame = gif_frame(image, h, w, c)?;
            if self.gif.is_none() {
                let writer = self
                    .writer
                    .take()
                    .ok_or_else(|| Error::internal("writer taken"))?;
                let speed = options
                    .get("speed")
                    .and_then(Value::as_int)
                    .unwrap_or(10)
                    .clamp(1, 30);
                let mut enc = GifEncoder::new_with_speed(writer, speed as i32);
                let repeat = match options.get("loop").and_then(Value::as_int).unwrap_or(0) {
                    0 => Repeat::Infinite,
                    n => Repeat::Finite(n.clamp(1, u16::MAX as i64) as u16),
                };
                enc.set_repeat(repeat).map_err(|e| encode_err(fmt, e))?;
                self.gif = Some(enc);
            }
            let ms = frame_duration(options, self.written)?;
            let delay = Delay::from_numer_denom_ms(ms.max(0.0).round() as u32, 1);
            let enc = self.gif.as_mut().expect("just made");
            enc.encode_frame(Frame::from_parts(frame, 0, 0, delay))
                .map_err(|e| encode_err(fmt, e))?;
            self.written += 1;
            return Ok(());
        }
        if self.written > 0 {
            return Err(Error::unsupported(format!(
                "the pillowlike plugin writes one image per {} file; write a batch to .gif or .tif \
                 with a dedicated plugin, or one file per image",
                self.ext
            )));
        }
        let ct = color_type(c, image.dtype(), &self.ext)?;
        let exif = exif_option(options, fmt)?;
        let standard = image.standard_bytes();
        let bytes: &[u8] = &standard;
        let writer = self
            .writer
            .as_mut()
            .ok_or_else(|| Error::internal("writer taken"))?;
        let (w32, h32) = (w as u32, h as u32);
        match fmt {
            ImageFormat::Jpeg => {
                let q = options.get("quality").and_then(Value::as_int).unwrap_or(75);
                if !(1..=100).contains(&q) {
                    return Err(Error::invalid_option(format!(
                        "JPEG quality {q} is not in 1..100"
                    )));
                }
                if matches!(ct, ExtendedColorType::La8 | ExtendedColorType::Rgba8) {
                    return Err(Error::unsupported(
                        "JPEG has no alpha channel: drop it first (read with mode RGB, or slice the array)",
                    ));
                }
                let mut enc = JpegEncoder::new_with_quality(&mut *writer, q as u8);
                if let Some(exif) = exif {
                    enc.set_exif_metadata(exif)
                        .map_err(|e| encode_err(fmt, image::ImageError::Unsupported(e)))?;
                }
                enc.write_image(bytes, w32, h32, ct)
                    .map_err(|e| encode_err(fmt, e))?;
            }
            #[cfg(feature = "avif")]
            ImageFormat::Avif => {
                let q = options.get("quality").and_then(Value::as_int).unwrap_or(80);
                let speed = options.get("speed").and_then(Value::as_int).unwrap_or(4);
                if !(1..=100).contains(&q) || !(1..=10).contains(&speed) {
                    return Err(Error::invalid_option(format!(
                        "AVIF quality {q} must be in 1..100 and speed {speed} in 1..10"
                    )));
                }
                image::codecs::avif::AvifEncoder::new_with_speed_quality(
                    &mut *writer,
                    speed as u8,
                    q as u8,
                )
                .write_image(bytes, w32, h32, ct)
                .map_err(|e| encode_err(fmt, e))?;
            }
            ImageFormat::Png => {
                let comp = png_compression(options.get("compression"))?;
                let filter = png_filter(options.get("filter"));
                let mut enc = PngEncoder::new_with_quality(&mut *writer, comp, filter);
                if let Some(exif) = exif {
                    enc.set_exif_metadata(exif)
                        .map_err(|e| encode_err(fmt, image::ImageError::Unsupported(e)))?;
                }
                enc.write_image(bytes, w32, h32, ct)
                    .map_err(|e| encode_err(fmt, e))?;
            }
            _ => {
                image::write_buffer_with_format(&mut *writer, bytes, w32, h32, ct, fmt)
                    .map_err(|e| encode_err(fmt, e))?;
            }
        }
        self.written += 1;
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        if self.written == 0 {
            return Err(Error::encode("no image was written"));
        }
        // Dropping the GIF encoder writes the trailer.
        self.gif.take();
        if let Some(w) = self.writer.as_mut() {
            w.flush()?;
        }
        self.writer.take();
        Ok(())
    }
}
