//! Writing with `jpeg-encoder`: gray and RGB u8 arrays (RGBA and gray+alpha
//! only with `drop_alpha`), quality, progressive, chroma subsampling,
//! optimized Huffman tables, EXIF, ICC, density and a comment.

use std::borrow::Cow;
use std::io::Write;

use imageio_core::plugin::{dpi_option, image_dims, Output, Writer};
use imageio_core::{DType, Error, Hint, NdImage, Options, Result, Value};
use jpeg_encoder::{ColorType, Encoder, PixelDensity, PixelDensityUnit, SamplingFactor};

/// The default quality (as Pillow and Python imageio).
pub(crate) const DEFAULT_QUALITY: u8 = 75;

/// The write side of the plugin: one image per file.
pub(crate) struct JpegWriter {
    writer: Option<Output>,
    written: bool,
}

impl JpegWriter {
    pub(crate) fn new(writer: Output) -> JpegWriter {
        JpegWriter {
            writer: Some(writer),
            written: false,
        }
    }
}

/// A `jpeg-encoder` error as ours.
fn encode_err(e: jpeg_encoder::EncodingError) -> Error {
    Error::encode(format!("JPEG: {e}"))
}

/// The chroma subsampling option, as its name and jpeg-encoder's factor.
fn subsampling(options: &Options) -> Result<(&'static str, SamplingFactor)> {
    let s = options
        .get("subsampling")
        .and_then(Value::as_str)
        .unwrap_or("4:2:0");
    Ok(match s {
        "4:4:4" => ("4:4:4", SamplingFactor::R_4_4_4),
        "4:2:2" => ("4:2:2", SamplingFactor::R_4_2_2),
        "4:2:0" => ("4:2:0", SamplingFactor::R_4_2_0),
        "4:1:1" => ("4:1:1", SamplingFactor::R_4_1_1),
        "4:4:0" => ("4:4:0", SamplingFactor::R_4_4_0),
        other => {
            return Err(Error::invalid_option(format!(
                "subsampling takes 4:4:4, 4:2:2, 4:2:0, 4:1:1 or 4:4:0, not {other:?}"
            )))
        }
    })
}

/// The encoder a write uses (the `backend` write option).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    /// libjpeg-turbo when the `turbo` feature is on, else jpeg-encoder.
    Auto,
    /// libjpeg-turbo (needs the `turbo` feature).
    Turbo,
    /// jpeg-encoder.
    JpegEncoder,
}

/// The `backend` write option.
fn backend(options: &Options) -> Result<Backend> {
    match options.get("backend") {
        None => Ok(Backend::Auto),
        Some(v) => match v.as_str() {
            Some("auto") => Ok(Backend::Auto),
            Some("libjpeg-turbo") => Ok(Backend::Turbo),
            Some("jpeg-encoder") => Ok(Backend::JpegEncoder),
            _ => Err(Error::invalid_option(format!(
                "backend takes \"auto\", \"libjpeg-turbo\" or \"jpeg-encoder\", not {v}"
            ))),
        },
    }
}

fn flag(options: &Options, key: &str) -> Result<bool> {
    match options.get(key) {
        None => Ok(false),
        Some(v) => v
            .as_bool()
            .ok_or_else(|| Error::invalid_option(format!("{key} takes true or false, not {v}"))),
    }
}

/// The quality option, 1..=100.
fn quality(options: &Options) -> Result<u8> {
    match options.get("quality") {
        None => Ok(DEFAULT_QUALITY),
        Some(v) => match v.as_int() {
            Some(q @ 1..=100) => Ok(q as u8),
            _ => Err(Error::invalid_option(format!(
                "quality takes an integer from 1 (smallest) to 100 (best), not {v}"
            ))),
        },
    }
}

/// The samples to encode: gray or RGB u8 (borrowed from a contiguous
/// array), alpha dropped when asked.
fn pixels(image: &NdImage, drop_alpha: bool) -> Result<(Cow<'_, [u8]>, u16, u16, ColorType)> {
    if image.dtype() != DType::U8 {
        return Err(Error::unsupported(format!(
            "JPEG stores 8-bit samples, not {} (12-bit JPEG writing is not available)",
            image.dtype()
        ))
        .with_hint(Hint::Cast(vec![DType::U8])));
    }
    let (h, w, c) = image_dims(image.shape(), 4, "JPEG")?;
    let (Ok(w16), Ok(h16)) = (u16::try_from(w), u16::try_from(h)) else {
        return Err(Error::invalid_input(format!(
            "JPEG images are at most 65535 pixels a side, not {w}x{h}"
        )));
    };
    if w == 0 || h == 0 {
        return Err(Error::invalid_input("cannot write an empty image as JPEG"));
    }
    if (c == 2 || c == 4) && !drop_alpha {
        return Err(Error::unsupported(format!(
            "JPEG has no alpha channel (the image is {}+alpha)",
            if c == 2 { "gray" } else { "RGB" }
        ))
        .with_hint(Hint::DropAlpha {
            option: Some("drop_alpha"),
        }));
    }
    let a = image
        .view::<u8>()
        .ok_or_else(|| Error::internal("u8 image without a u8 view"))?;
    let data: Cow<'_, [u8]> = match a.to_slice() {
        Some(s) if c != 2 && c != 4 => Cow::Borrowed(s),
        _ => {
            let keep = if c >= 3 { 3 } else { 1 };
            Cow::Owned(
                a.iter()
                    .enumerate()
                    .filter(|(i, _)| i % c < keep)
                    .map(|(_, v)| *v)
                    .collect(),
            )
        }
    };
    let color = if c >= 3 {
        ColorType::Rgb
    } else {
        ColorType::Luma
    };
    Ok((data, w16, h16, color))
}

/// The encoded file of `image` with `options`.
pub(crate) fn encode(image: &NdImage, options: &Options) -> Result<Vec<u8>> {
    let q = quality(options)?;
    let (sampling_name, sampling) = subsampling(options)?;
    let progressive = flag(options, "progressive")?;
    let optimize = flag(options, "optimize")?;
    let backend = backend(options)?;
    let (data, w, h, color) = pixels(image, flag(options, "drop_alpha")?)?;
    let dpi = dpi_option(options)?;
    let comment = match options.get("comment") {
        None => None,
        Some(Value::Str(s)) if s.len() <= 65533 => Some(s.clone()),
        Some(v) => {
            return Err(Error::invalid_option(format!(
                "comment takes a string of at most 65533 bytes, not {}",
                v.type_name()
            )))
        }
    };
    let exif = match options.get("exif") {
        None => None,
        Some(v) => {
            let raw = v.as_bytes().ok_or_else(|| {
                Error::invalid_option("exif takes bytes (the EXIF TIFF structure)")
            })?;
            Some(raw.strip_prefix(b"Exif\0\0").unwrap_or(raw))
        }
    };
    let icc = match options.get("icc_profile") {
        None => None,
        Some(v) => Some(
            v.as_bytes()
                .ok_or_else(|| Error::invalid_option("icc_profile takes bytes"))?,
        ),
    };
    let use_turbo =
        match backend {
            Backend::JpegEncoder => false,
            Backend::Auto => cfg!(feature = "turbo"),
            Backend::Turbo if cfg!(feature = "turbo") => true,
            Backend::Turbo => return Err(Error::unsupported(
                "JPEG: the libjpeg-turbo backend is not built in: enable the `turbo` feature of \
                 imageio-jpeg",
            )),
        };
    #[cfg(feature = "turbo")]
    if use_turbo {
        let job = crate::turbo::EncodeJob {
            data: &data,
            width: w as usize,
            height: h as usize,
            channels: if color == ColorType::Rgb { 3 } else { 1 },
            quality: q,
            subsampling: sampling_name,
            progressive,
            optimize,
        };
        let mut out = crate::turbo::encode(&job)?;
        finish_segments(&mut out, dpi, exif, icc, comment.as_deref())?;
        return Ok(out);
    }
    let _ = (use_turbo, sampling_name);
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, q);
    enc.set_progressive(progressive);
    if optimize && color == ColorType::Rgb && sampling != SamplingFactor::R_4_4_4 {
        // jpeg-encoder 0.7.1 writes corrupt scans when optimized Huffman
        // tables meet subsampled chroma (see the test
        // `optimize_with_subsampling_is_refused`).
        return Err(Error::unsupported(
            "optimize=true with subsampled chroma is refused: jpeg-encoder 0.7 writes corrupt \
             files for that combination; use subsampling=\"4:4:4\" or optimize=false",
        ));
    }
    enc.set_optimized_huffman_tables(optimize);
    enc.set_sampling_factor(sampling);
    if let Some((x, y)) = dpi {
        let d = |v: f64| v.round().clamp(1.0, 65535.0) as u16;
        enc.set_density(PixelDensity {
            density: (d(x), d(y)),
            unit: PixelDensityUnit::Inches,
        });
    }
    if let Some(raw) = exif {
        enc.add_exif_metadata(raw).map_err(encode_err)?;
    }
    if let Some(icc) = icc {
        enc.add_icc_profile(icc).map_err(encode_err)?;
    }
    enc.encode(&data, w, h, color).map_err(encode_err)?;
    if let Some(c) = comment {
        insert_comment(&mut out, c.as_bytes());
    }
    Ok(out)
}

/// Where the segments after the leading APPn segments of `jpeg` start.
fn after_app_segments(jpeg: &[u8]) -> usize {
    let mut pos = 2;
    while let Some(&[0xFF, m, a, b]) = jpeg.get(pos..pos + 4) {
        if !(0xE0..=0xEF).contains(&m) {
            break;
        }
        pos += 2 + u16::from_be_bytes([a, b]) as usize;
    }
    pos.min(jpeg.len())
}

/// Appends a marker segment `FF marker len body` to `out`.
fn segment(out: &mut Vec<u8>, marker: u8, parts: &[&[u8]]) {
    let len: usize = parts.iter().map(|p| p.len()).sum::<usize>() + 2;
    out.extend([0xFF, marker]);
    out.extend((len as u16).to_be_bytes());
    for p in parts {
        out.extend_from_slice(p);
    }
}

/// Inserts a COM segment after the leading APPn segments of `jpeg` (which
/// `jpeg-encoder` cannot write itself).
fn insert_comment(jpeg: &mut Vec<u8>, text: &[u8]) {
    let pos = after_app_segments(jpeg);
    let mut seg = Vec::with_capacity(text.len() + 4);
    segment(&mut seg, 0xFE, &[text]);
    jpeg.splice(pos..pos, seg);
}

/// The metadata segments of a libjpeg-turbo file, which writes the JFIF
/// APP0 segment only: the density set in that segment, then EXIF (APP1),
/// the ICC profile (APP2 chunks) and the comment inserted after it, as
/// jpeg-encoder places them.
#[cfg_attr(not(feature = "turbo"), allow(dead_code))]
fn finish_segments(
    jpeg: &mut Vec<u8>,
    dpi: Option<(f64, f64)>,
    exif: Option<&[u8]>,
    icc: Option<&[u8]>,
    comment: Option<&str>,
) -> Result<()> {
    if let Some((x, y)) = dpi {
        // SOI, FF E0, length, "JFIF\0", version (2), unit, x density, y density.
        if jpeg.get(2..4) != Some(&[0xFF, 0xE0]) || jpeg.get(6..11) != Some(b"JFIF\0") {
            return Err(Error::internal(
                "JPEG: libjpeg-turbo wrote no JFIF segment to hold the density",
            ));
        }
        let d = |v: f64| (v.round().clamp(1.0, 65535.0) as u16).to_be_bytes();
        jpeg[13] = 1;
        jpeg[14..16].copy_from_slice(&d(x));
        jpeg[16..18].copy_from_slice(&d(y));
    }
    let mut segs = Vec::new();
    if let Some(raw) = exif {
        if raw.len() > 65533 - 6 {
            return Err(Error::invalid_option(
                "exif is longer than one APP1 segment holds (65527 bytes)",
            ));
        }
        segment(&mut segs, 0xE1, &[b"Exif\0\0", raw]);
    }
    if let Some(icc) = icc {
        const CHUNK: usize = 65533 - 14;
        let n = icc.len().div_ceil(CHUNK);
        if n > 255 {
            return Err(Error::invalid_option(
                "icc_profile is longer than 255 APP2 chunks hold",
            ));
        }
        for (i, part) in icc.chunks(CHUNK).enumerate() {
            segment(
                &mut segs,
                0xE2,
                &[b"ICC_PROFILE\0", &[(i + 1) as u8, n as u8], part],
            );
        }
    }
    if let Some(text) = comment {
        segment(&mut segs, 0xFE, &[text.as_bytes()]);
    }
    if !segs.is_empty() {
        let pos = after_app_segments(jpeg);
        jpeg.splice(pos..pos, segs);
    }
    Ok(())
}

impl Writer for JpegWriter {
    fn write(&mut self, image: &NdImage, options: &Options) -> Result<()> {
        if self.written {
            return Err(Error::unsupported(
                "a JPEG file holds one image: write each image to its own file",
            ));
        }
        let bytes = encode(image, options)?;
        let mut w = self
            .writer
            .take()
            .ok_or_else(|| Error::invalid_input("the JPEG file is already finished"))?;
        w.write_all(&bytes).map_err(Error::io)?;
        w.flush().map_err(Error::io)?;
        self.written = true;
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        self.writer.take();
        if !self.written {
            return Err(Error::invalid_input(
                "nothing was written: write an image first",
            ));
        }
        Ok(())
    }
}
