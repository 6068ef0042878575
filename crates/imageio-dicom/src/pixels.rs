//! Decoding frames, straight into the array's buffer: native samples (any
//! byte order, planar or interleaved, 1-bit packed, YBR_FULL_422
//! subsampled), RLE Lossless (this crate's own decoder), JPEG baseline,
//! extended and lossless (`jpeg-decoder`), JPEG 2000 (`hayro-jpeg2000`).
//! Each frame's size is checked against the header before the decoder
//! allocates; then, as pydicom does, the unused high bits are cleared or
//! sign-extended and YBR_FULL colour is converted to RGB.

use std::borrow::Cow;
use std::io::Cursor;

use imageio_core::{DType, Error, Limits, NdImage, Result};

use crate::header::{Codec, Geometry, Parsed, Photometric};
use crate::scan::{PixelData, PixelKind};

/// Reads frames `first..first + n` into one array (`(n, H, W[, C])`, or
/// `(H, W[, C])` when `stack` is false), in the stored dtype.
pub fn read_frames(
    parsed: &Parsed,
    geo: &Geometry,
    first: usize,
    n: usize,
    stack: bool,
    limits: &Limits,
) -> Result<NdImage> {
    let mut shape = geo.frame_shape();
    if stack {
        shape.insert(0, n);
    }
    let dtype = geo.dtype();
    limits.check_shape(&shape, dtype)?;
    let frame_bytes = geo.frame_samples() * dtype.size();
    macro_rules! typed {
        ($t:ty) => {{
            let mut v: Vec<$t> = vec![<$t>::default(); geo.frame_samples() * n];
            {
                let out: &mut [u8] = cast_mut(&mut v);
                for (k, chunk) in out.chunks_exact_mut(frame_bytes).enumerate() {
                    decode_frame(parsed, geo, first + k, chunk, limits)?;
                }
            }
            NdImage::from_shape_vec(&shape, v)
        }};
    }
    match dtype {
        DType::U8 => typed!(u8),
        DType::I8 => typed!(i8),
        DType::U16 => typed!(u16),
        DType::I16 => typed!(i16),
        DType::U32 => typed!(u32),
        DType::I32 => typed!(i32),
        DType::F32 => typed!(f32),
        DType::F64 => typed!(f64),
        other => Err(Error::internal(format!("DICOM: no frames of {other}"))),
    }
}

/// The bytes of a slice of plain numbers.
fn cast_mut<T: bytemuck::Pod>(v: &mut [T]) -> &mut [u8] {
    bytemuck::cast_slice_mut(v)
}

/// Decodes frame `index` into `out` (the frame's samples in the output
/// dtype, native byte order, interleaved).
fn decode_frame(
    parsed: &Parsed,
    geo: &Geometry,
    index: usize,
    out: &mut [u8],
    limits: &Limits,
) -> Result<()> {
    let Some((kind, pixels)) = &parsed.layout.pixels else {
        return Err(no_pixels());
    };
    let data = parsed.data.bytes();
    match pixels {
        PixelData::Native { start, len, ow } => {
            let src = &data[*start..*start + *len];
            if *ow && !parsed.syntax.little && geo.bits_allocated <= 8 {
                // Bytes in 16-bit words, swapped by the big-endian encoding.
                let mut swapped = src.to_vec();
                swapped.chunks_exact_mut(2).for_each(|w| w.swap(0, 1));
                native(&swapped, geo, true, index, out)?;
            } else {
                native(src, geo, parsed.syntax.little, index, out)?;
            }
        }
        PixelData::Encapsulated { table, fragments } => {
            if *kind != PixelKind::Int {
                return Err(Error::decode(
                    "DICOM: float pixel data cannot be encapsulated",
                ));
            }
            let frame = frame_bytes(
                data,
                *table,
                fragments,
                geo.frames,
                index,
                parsed.syntax.codec,
            )?;
            match parsed.syntax.codec {
                Codec::Native => native(&frame, geo, true, 0, out)?,
                Codec::Rle => rle(&frame, geo, out)?,
                Codec::Jpeg => jpeg(&frame, geo, out, limits)?,
                Codec::Jpeg2000 => jpeg2000(&frame, geo, out, limits)?,
                Codec::Unsupported => return Err(unsupported_syntax(parsed)),
            }
        }
    }
    if *kind == PixelKind::Int {
        correct_unused_bits(geo, out);
    }
    Ok(())
}

/// The error for a file without pixel data.
pub fn no_pixels() -> Error {
    Error::unsupported("DICOM: the file holds no pixel data (not an image)")
}

/// The error for a transfer syntax whose pixels are not decoded here.
pub fn unsupported_syntax(parsed: &Parsed) -> Error {
    let s = &parsed.syntax;
    let why = if s.name.starts_with("JPEG-LS") {
        " (JPEG-LS needs the CharLS C++ library, which this plugin does not link)"
    } else {
        ""
    };
    Error::unsupported(format!(
        "DICOM: pixel data in transfer syntax {} ({}) is not decoded{why}; native, deflated, \
         RLE, JPEG baseline/extended/lossless and JPEG 2000 are",
        s.uid, s.name
    ))
}

/// The stored size of one native frame in bytes (bits for 1-bit data are
/// counted separately: frames are packed without padding).
pub fn native_frame_len(geo: &Geometry) -> usize {
    let bytes = usize::from(geo.bits_allocated / 8).max(1);
    let samples = if geo.photometric == Photometric::YbrFull422 && geo.spp == 3 {
        geo.rows * geo.cols * 2
    } else {
        geo.frame_samples()
    };
    samples * bytes
}

/// Checks that native pixel data holds every frame.
pub fn check_native_len(geo: &Geometry, len: usize) -> Result<()> {
    let need = if geo.bits_allocated == 1 {
        (geo.frame_samples() as u64 * geo.frames as u64).div_ceil(8)
    } else {
        native_frame_len(geo) as u64 * geo.frames as u64
    };
    if (len as u64) < need {
        return Err(Error::decode(format!(
            "DICOM: the pixel data is {len} bytes; {} frame(s) of {}x{} need {need}",
            geo.frames, geo.cols, geo.rows
        )));
    }
    Ok(())
}

/// Native samples of frame `index` into `out`.
fn native(src: &[u8], geo: &Geometry, little: bool, index: usize, out: &mut [u8]) -> Result<()> {
    let npx = geo.rows * geo.cols;
    if geo.bits_allocated == 1 {
        // Packed bits, least significant first, frames back to back.
        let first = index * npx;
        for (p, o) in out.iter_mut().enumerate() {
            let bit = first + p;
            let byte = *src.get(bit / 8).ok_or_else(short_pixels)?;
            *o = (byte >> (bit % 8)) & 1;
        }
        return Ok(());
    }
    let size = usize::from(geo.bits_allocated / 8);
    let stored = native_frame_len(geo);
    let src = src
        .get(index * stored..(index + 1) * stored)
        .ok_or_else(short_pixels)?;
    if geo.photometric == Photometric::YbrFull422 && geo.spp == 3 && size == 1 {
        // Y1 Y2 Cb Cr for each pair of pixels.
        for (p, o) in out.chunks_exact_mut(3).enumerate() {
            let q = (p / 2) * 4;
            o[0] = src[q + (p % 2)];
            o[1] = src[q + 2];
            o[2] = src[q + 3];
        }
        ybr_to_rgb(out);
        return Ok(());
    }
    if geo.planar && geo.spp > 1 {
        for s in 0..geo.spp {
            for p in 0..npx {
                let from = (s * npx + p) * size;
                let to = (p * geo.spp + s) * size;
                out[to..to + size].copy_from_slice(&src[from..from + size]);
            }
        }
    } else {
        out.copy_from_slice(src);
    }
    if size > 1 && little != cfg!(target_endian = "little") {
        for c in out.chunks_exact_mut(size) {
            c.reverse();
        }
    }
    if geo.photometric == Photometric::YbrFull && geo.spp == 3 && size == 1 {
        ybr_to_rgb(out);
    }
    Ok(())
}

fn short_pixels() -> Error {
    Error::decode("DICOM: the pixel data is shorter than its frames")
}

/// The encapsulated bytes of frame `index`: its fragments, joined.
fn frame_bytes<'a>(
    data: &'a [u8],
    table: (usize, usize),
    fragments: &[(usize, usize)],
    frames: usize,
    index: usize,
    codec: Codec,
) -> Result<Cow<'a, [u8]>> {
    let frag = |&(s, l): &(usize, usize)| &data[s..s + l];
    let join = |range: &[(usize, usize)]| -> Cow<'a, [u8]> {
        if range.len() == 1 {
            Cow::Borrowed(frag(&range[0]))
        } else {
            Cow::Owned(range.iter().flat_map(|r| frag(r).iter().copied()).collect())
        }
    };
    if fragments.is_empty() {
        return Err(Error::decode(
            "DICOM: encapsulated pixel data without fragments",
        ));
    }
    if frames == 1 {
        return Ok(join(fragments));
    }
    if fragments.len() == frames {
        return Ok(Cow::Borrowed(frag(&fragments[index])));
    }
    // The basic offset table: each frame's first fragment, as the byte
    // offset of its item from the first fragment's item.
    let offsets: Vec<usize> = data[table.0..table.0 + table.1]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let starts: Vec<usize> = if offsets.len() == frames {
        let mut at = 0usize;
        let mut item_offsets = Vec::with_capacity(fragments.len());
        for &(_, l) in fragments {
            item_offsets.push(at);
            at = at.saturating_add(8 + l);
        }
        offsets
            .iter()
            .map(|o| {
                item_offsets.binary_search(o).map_err(|_| {
                    Error::decode("DICOM: the basic offset table points between fragments")
                })
            })
            .collect::<Result<_>>()?
    } else {
        // No table: a frame starts with a fragment that starts with the
        // codec's start marker (JPEG SOI, JPEG 2000 SOC).
        let marker: &[u8] = match codec {
            Codec::Jpeg => b"\xFF\xD8",
            Codec::Jpeg2000 => b"\xFF\x4F",
            _ => {
                return Err(Error::decode(format!(
                    "DICOM: {} fragments for {frames} frames and no offset table",
                    fragments.len()
                )))
            }
        };
        (0..fragments.len())
            .filter(|&i| frag(&fragments[i]).starts_with(marker))
            .collect()
    };
    if starts.len() != frames
        || starts.first() != Some(&0)
        || starts.windows(2).any(|w| w[0] >= w[1])
    {
        return Err(Error::decode(format!(
            "DICOM: cannot tell which of the {} fragments make each of the {frames} frames",
            fragments.len()
        )));
    }
    let end = starts.get(index + 1).copied().unwrap_or(fragments.len());
    Ok(join(&fragments[starts[index]..end]))
}

/// RLE Lossless: a 64-byte header (segment count, 15 offsets), then one
/// PackBits segment per byte of each sample, most significant first.
fn rle(src: &[u8], geo: &Geometry, out: &mut [u8]) -> Result<()> {
    let bad = |m: &str| Error::decode(format!("DICOM (RLE): {m}"));
    let size = usize::from(geo.bits_allocated / 8);
    if size == 0 {
        return Err(Error::unsupported("DICOM (RLE): 1-bit samples"));
    }
    let header = src
        .get(..64)
        .ok_or_else(|| bad("the header is truncated"))?;
    let u32_at =
        |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let n = u32_at(0) as usize;
    let need = geo.spp * size;
    if n != need {
        return Err(bad(&format!("{n} segments; {need} expected")));
    }
    let npx = geo.rows * geo.cols;
    let mut plane = Vec::new();
    for seg in 0..n {
        let start = u32_at(4 + 4 * seg) as usize;
        let end = if seg + 1 < n {
            u32_at(8 + 4 * seg) as usize
        } else {
            src.len()
        };
        let data = src
            .get(start..end)
            .ok_or_else(|| bad("a segment offset is outside the fragment"))?;
        plane.clear();
        packbits(data, npx, &mut plane);
        if plane.len() < npx {
            return Err(bad(
                "a segment decodes to fewer bytes than the frame has pixels",
            ));
        }
        let (s, b) = (seg / size, seg % size);
        // Byte b of the sample, counted from the most significant.
        let within = if cfg!(target_endian = "little") {
            size - 1 - b
        } else {
            b
        };
        for (p, &v) in plane[..npx].iter().enumerate() {
            out[(p * geo.spp + s) * size + within] = v;
        }
    }
    if geo.photometric == Photometric::YbrFull && geo.spp == 3 && size == 1 {
        ybr_to_rgb(out);
    }
    Ok(())
}

/// PackBits into `out`, up to `max` bytes.
fn packbits(src: &[u8], max: usize, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < src.len() && out.len() < max {
        let h = src[i] as i8;
        i += 1;
        if h >= 0 {
            let n = h as usize + 1;
            let lit = &src[i..(i + n).min(src.len())];
            out.extend_from_slice(&lit[..lit.len().min(max - out.len())]);
            i += n;
        } else if h != -128 {
            let n = (1 - h as isize) as usize;
            if let Some(&v) = src.get(i) {
                out.resize((out.len() + n).min(max), v);
            }
            i += 1;
        }
    }
}

/// JPEG baseline, extended and lossless, through `jpeg-decoder`: the
/// frame's size is read from its header and checked against the DICOM
/// header before the decoder allocates.
fn jpeg(src: &[u8], geo: &Geometry, out: &mut [u8], limits: &Limits) -> Result<()> {
    let backend = |e: jpeg_decoder::Error| match e {
        // 12-bit DCT (extended) frames, arithmetic coding, hierarchical.
        jpeg_decoder::Error::Unsupported(_) => Error::unsupported(format!(
            "DICOM (JPEG): {e} (the jpeg-decoder crate does not read it)"
        ))
        .with_source(e),
        e => Error::decode(format!("DICOM (JPEG): {e}")).with_source(e),
    };
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(src));
    // Colour is converted from YCbCr as pydicom decides (libjpeg returns
    // the coded components, pydicom converts them): not when the
    // component identifiers are R, G, B; when the photometric
    // interpretation is YBR_FULL(_422) or the stream has a JFIF marker.
    // (jpeg-decoder 0.3.2's `ColorTransform::None` cannot be used: it
    // writes rows component by component, and panics on subsampled
    // chroma.)
    let (jfif, ids) = jpeg_markers(src);
    if ids.len() == 3 {
        let rgb_ids = ids == b"RGB" || ids == b"rgb";
        let ycbcr = !rgb_ids
            && (jfif
                || matches!(
                    geo.photometric,
                    Photometric::YbrFull | Photometric::YbrFull422
                ));
        d.set_color_transform(if ycbcr {
            jpeg_decoder::ColorTransform::YCbCr
        } else {
            jpeg_decoder::ColorTransform::RGB
        });
    }
    let budget = usize::try_from(limits.max_alloc).unwrap_or(usize::MAX);
    d.set_max_decoding_buffer_size(budget.min(out.len().saturating_mul(4).max(1 << 16)));
    d.read_info().map_err(backend)?;
    let info = d
        .info()
        .ok_or_else(|| Error::decode("DICOM (JPEG): no frame header"))?;
    let channels = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::L16 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    };
    if (usize::from(info.width), usize::from(info.height), channels)
        != (geo.cols, geo.rows, geo.spp)
    {
        return Err(Error::decode(format!(
            "DICOM (JPEG): the frame is {}x{} with {channels} components; the header says \
             {}x{} with {}",
            info.width, info.height, geo.cols, geo.rows, geo.spp
        )));
    }
    let wide = info.pixel_format == jpeg_decoder::PixelFormat::L16;
    let size = usize::from(geo.bits_allocated / 8);
    if channels > 1 && size != 1 {
        return Err(Error::unsupported(
            "DICOM (JPEG): colour samples deeper than 8 bits",
        ));
    }
    let pixels = d.decode().map_err(backend)?;
    let npx = geo.frame_samples();

    match (wide, size) {
        (false, 1) | (true, 2) if pixels.len() == out.len() => out.copy_from_slice(&pixels),
        (false, 2) if pixels.len() == npx => {
            for (o, &v) in out.chunks_exact_mut(2).zip(&pixels) {
                o.copy_from_slice(&u16::from(v).to_ne_bytes());
            }
        }
        _ => {
            return Err(Error::decode(format!(
                "DICOM (JPEG): {} decoded bytes for {npx} samples of {} bits",
                pixels.len(),
                geo.bits_allocated
            )))
        }
    }
    Ok(())
}

/// What the markers before the first scan say: a JFIF APP0 segment, and
/// the frame's component identifiers.
fn jpeg_markers(src: &[u8]) -> (bool, Vec<u8>) {
    let mut jfif = false;
    let mut ids = Vec::new();
    let mut at = 2;
    while at + 4 <= src.len() {
        if src[at] != 0xFF {
            break;
        }
        let marker = src[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([src[at + 2], src[at + 3]]));
        let body = src.get(at + 4..at + 2 + len).unwrap_or(&[]);
        match marker {
            0xE0 if body.starts_with(b"JFIF\0") => jfif = true,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let n = usize::from(body.get(5).copied().unwrap_or(0));
                ids = (0..n)
                    .filter_map(|c| body.get(6 + 3 * c).copied())
                    .collect();
            }
            0xDA => break,
            _ => {}
        }
        at += 2 + len;
    }
    (jfif, ids)
}

/// JPEG 2000 codestreams through `hayro-jpeg2000`.
fn jpeg2000(src: &[u8], geo: &Geometry, out: &mut [u8], limits: &Limits) -> Result<()> {
    use hayro_jpeg2000::{DecodeSettings, DecoderContext, Image};
    let backend = |e: hayro_jpeg2000::DecodeError| Error::decode(format!("DICOM (JPEG 2000): {e}"));
    let siz = siz(src).ok_or_else(|| Error::decode("DICOM (JPEG 2000): no SIZ marker"))?;
    if (siz.width, siz.height, siz.components) != (geo.cols as u64, geo.rows as u64, geo.spp) {
        return Err(Error::decode(format!(
            "DICOM (JPEG 2000): the codestream is {}x{} with {} components; the header says \
             {}x{} with {}",
            siz.width, siz.height, siz.components, geo.cols, geo.rows, geo.spp
        )));
    }
    if siz.tiles > 65_535 {
        return Err(Error::decode("DICOM (JPEG 2000): too many tiles"));
    }
    // The backend's f32 planes and working buffers (about 12 bytes a sample).
    limits.check_alloc((geo.frame_samples() as u64).saturating_mul(16))?;
    let image = Image::new(src, &DecodeSettings::default()).map_err(backend)?;
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).map_err(backend)?;
    let comps = decoded.components();
    let npx = geo.rows * geo.cols;
    if comps.len() != geo.spp || comps.iter().any(|c| c.samples().len() < npx) {
        return Err(Error::decode(format!(
            "DICOM (JPEG 2000): {} components decoded; {} expected",
            comps.len(),
            geo.spp
        )));
    }
    let size = usize::from(geo.bits_allocated / 8);
    for (c, comp) in comps.iter().enumerate() {
        // The backend shifts signed samples up by half their range.
        let shift = if siz.signed.get(c).copied().unwrap_or(false) {
            -(2f64.powi(i32::from(siz.depth.get(c).copied().unwrap_or(1)) - 1))
        } else {
            0.0
        };
        for (p, &s) in comp.samples()[..npx].iter().enumerate() {
            let v = (f64::from(s) + shift).round() as i64;
            let at = (p * geo.spp + c) * size;
            let o = &mut out[at..at + size];
            match size {
                1 => o[0] = v as u8,
                2 => o.copy_from_slice(&(v as u16).to_ne_bytes()),
                4 => o.copy_from_slice(&(v as u32).to_ne_bytes()),
                _ => return Err(Error::unsupported("DICOM (JPEG 2000): 1-bit samples")),
            }
        }
    }
    Ok(())
}

/// What a JPEG 2000 SIZ marker says.
struct Siz {
    width: u64,
    height: u64,
    components: usize,
    tiles: u64,
    signed: Vec<bool>,
    depth: Vec<u8>,
}

/// Parses the SIZ marker of a codestream (or of a JP2 file's codestream).
fn siz(src: &[u8]) -> Option<Siz> {
    let at = src
        .windows(4)
        .take(4096)
        .position(|w| w == b"\xFF\x4F\xFF\x51")?;
    let s = src.get(at + 4..)?;
    let u32_at = |i: usize| -> Option<u64> {
        let b = s.get(i..i + 4)?;
        Some(u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
    };
    let (x, y, xo, yo) = (u32_at(4)?, u32_at(8)?, u32_at(12)?, u32_at(16)?);
    let (tw, th, txo, tyo) = (u32_at(20)?, u32_at(24)?, u32_at(28)?, u32_at(32)?);
    let n = usize::from(u16::from_be_bytes([*s.get(36)?, *s.get(37)?]));
    if x < xo || y < yo || tw == 0 || th == 0 || txo > x || tyo > y {
        return None;
    }
    let mut signed = Vec::with_capacity(n.min(16));
    let mut depth = Vec::with_capacity(n.min(16));
    for c in 0..n {
        let ssiz = *s.get(38 + 3 * c)?;
        signed.push(ssiz & 0x80 != 0);
        depth.push((ssiz & 0x7F) + 1);
    }
    Some(Siz {
        width: x - xo,
        height: y - yo,
        components: n,
        tiles: (x - txo)
            .div_ceil(tw)
            .saturating_mul((y - tyo).div_ceil(th)),
        signed,
        depth,
    })
}

/// Clears (unsigned) or sign-extends (signed) the bits above BitsStored,
/// as pydicom does.
fn correct_unused_bits(geo: &Geometry, out: &mut [u8]) {
    let alloc = u32::from(geo.bits_allocated);
    let stored = u32::from(geo.bits_stored);
    if alloc < 8 || stored >= alloc {
        return;
    }
    let shift = alloc - stored;
    match (alloc, geo.signed) {
        (8, false) => out.iter_mut().for_each(|v| *v = (*v << shift) >> shift),
        (8, true) => out
            .iter_mut()
            .for_each(|v| *v = (((*v as i8) << shift) >> shift) as u8),
        (16, signed) => {
            for c in out.chunks_exact_mut(2) {
                let v = u16::from_ne_bytes([c[0], c[1]]);
                let v = if signed {
                    (((v as i16) << shift) >> shift) as u16
                } else {
                    (v << shift) >> shift
                };
                c.copy_from_slice(&v.to_ne_bytes());
            }
        }
        (32, signed) => {
            for c in out.chunks_exact_mut(4) {
                let v = u32::from_ne_bytes([c[0], c[1], c[2], c[3]]);
                let v = if signed {
                    (((v as i32) << shift) >> shift) as u32
                } else {
                    (v << shift) >> shift
                };
                c.copy_from_slice(&v.to_ne_bytes());
            }
        }
        _ => {}
    }
}

/// YBR_FULL to RGB, 8-bit, in place: pydicom's conversion (float32 matrix,
/// rounded half up, clipped to 0..255).
fn ybr_to_rgb(px: &mut [u8]) {
    let m: [[f32; 3]; 3] = [
        [1.0, 1.0, 1.0],
        [0.0, (-0.114f64 * 1.772 / 0.587) as f32, 1.772],
        [1.402, (-0.299f64 * 1.402 / 0.587) as f32, 0.0],
    ];
    for p in px.chunks_exact_mut(3) {
        let v = [
            f32::from(p[0]),
            f32::from(p[1]) - 128.0,
            f32::from(p[2]) - 128.0,
        ];
        for (j, o) in p.iter_mut().enumerate() {
            let x = v[0] * m[0][j] + v[1] * m[1][j] + v[2] * m[2][j];
            *o = (x + 0.5).floor().clamp(0.0, 255.0) as u8;
        }
    }
}
