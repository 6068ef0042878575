//! The pixels: the composite image and the layers, decoded row by row
//! (raw or PackBits) straight into the output array's buffer, with a single
//! row of scratch. Sizes are checked against the limits by the caller
//! before [`Samples::zeros`] allocates.

use std::io::Read;

use flate2::read::ZlibDecoder;
use imageio_core::{Error, NdImage, Result};

use crate::parse::{truncated, ColorMode, Cursor, Header, Layer, Psd};

/// The output buffer, in the dtype the depth gives.
pub(crate) enum Samples {
    U8(Vec<u8>),
    U16(Vec<u16>),
    F32(Vec<f32>),
}

impl Samples {
    /// A zeroed buffer of `len` samples for `depth` bits (1 and 8 give u8).
    pub(crate) fn zeros(depth: u16, len: usize) -> Samples {
        match depth {
            16 => Samples::U16(vec![0; len]),
            32 => Samples::F32(vec![0.0; len]),
            _ => Samples::U8(vec![0; len]),
        }
    }

    /// The array of `shape`.
    pub(crate) fn into_image(self, shape: &[usize]) -> Result<NdImage> {
        match self {
            Samples::U8(v) => NdImage::from_shape_vec(shape, v),
            Samples::U16(v) => NdImage::from_shape_vec(shape, v),
            Samples::F32(v) => NdImage::from_shape_vec(shape, v),
        }
    }

    /// Writes one decoded row of one channel: `n` samples from `row`
    /// (big-endian, `depth` bits) to `self[at + i * stride]`, the samples
    /// inverted when `invert` (CMYK, whose 255 means no ink).
    fn put_row(
        &mut self,
        row: &[u8],
        n: usize,
        at: usize,
        stride: usize,
        depth: u16,
        invert: bool,
    ) {
        match self {
            Samples::U8(out) if depth == 1 => {
                // 1 = black: 0; 0 = white: 255.
                for i in 0..n {
                    let bit = (row[i / 8] >> (7 - i % 8)) & 1;
                    out[at + i * stride] = if bit == 1 { 0 } else { 255 };
                }
            }
            Samples::U8(out) => {
                let x = if invert { 0xff } else { 0 };
                for (i, &v) in row[..n].iter().enumerate() {
                    out[at + i * stride] = v ^ x;
                }
            }
            Samples::U16(out) => {
                let x = if invert { 0xffff } else { 0 };
                for (i, b) in row.chunks_exact(2).take(n).enumerate() {
                    out[at + i * stride] = u16::from_be_bytes([b[0], b[1]]) ^ x;
                }
            }
            Samples::F32(out) => {
                for (i, b) in row.chunks_exact(4).take(n).enumerate() {
                    out[at + i * stride] = f32::from_be_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
        }
    }
}

/// Bytes in one row of `width` samples of `depth` bits.
fn row_bytes(width: usize, depth: u16) -> usize {
    match depth {
        1 => width.div_ceil(8),
        d => width * usize::from(d / 8),
    }
}

/// PackBits: decodes `src` into `dst`, which must be filled. A row that
/// decodes to more bytes than `dst` holds is cut, as the format's readers
/// do; one that decodes to fewer is an error.
fn unpack_bits(src: &[u8], dst: &mut [u8]) -> Result<()> {
    let (mut i, mut o) = (0, 0);
    while o < dst.len() {
        let Some(&h) = src.get(i) else {
            return Err(Error::decode(
                "PSD: a PackBits row is shorter than the image",
            ));
        };
        i += 1;
        let h = h as i8;
        if h >= 0 {
            let n = usize::from(h as u8) + 1;
            let lit = src
                .get(i..i + n)
                .ok_or_else(|| Error::decode("PSD: a PackBits literal run is truncated"))?;
            let n = n.min(dst.len() - o);
            dst[o..o + n].copy_from_slice(&lit[..n]);
            o += n;
            i += lit.len();
        } else if h != -128 {
            let n = (1 - isize::from(h)) as usize;
            let &v = src
                .get(i)
                .ok_or_else(|| Error::decode("PSD: a PackBits repeat run is truncated"))?;
            i += 1;
            let n = n.min(dst.len() - o);
            dst[o..o + n].fill(v);
            o += n;
        }
    }
    Ok(())
}

/// Calls `f(channel, y, row)` for each row of the first `wanted` of
/// `stored` planar channels of `rows` rows, read from `c` (at the
/// compression field). Raw data is handed over in place; PackBits rows are
/// decoded into one scratch row; ZIP data (with or without prediction) is
/// inflated, up to the bytes the wanted rows need, from the rest of `c`.
#[allow(clippy::too_many_arguments)]
fn each_row(
    c: &mut Cursor<'_>,
    depth: u16,
    stored: usize,
    wanted: usize,
    rows: usize,
    row_len: usize,
    mut f: impl FnMut(usize, usize, &[u8]),
) -> Result<()> {
    let what = "image data";
    match c.u16(what)? {
        0 => {
            for ch in 0..wanted {
                for y in 0..rows {
                    f(ch, y, c.take(row_len, what)?);
                }
            }
            Ok(())
        }
        1 => {
            let table = c.take(
                stored
                    .checked_mul(rows)
                    .and_then(|n| n.checked_mul(2))
                    .ok_or_else(|| truncated(what))?,
                what,
            )?;
            let mut row = vec![0u8; row_len];
            for (k, n) in table.chunks_exact(2).take(wanted * rows).enumerate() {
                let n = usize::from(u16::from_be_bytes([n[0], n[1]]));
                unpack_bits(c.take(n, what)?, &mut row)?;
                f(k / rows, k % rows, &row);
            }
            Ok(())
        }
        z @ (2 | 3) => {
            let len = wanted
                .checked_mul(rows)
                .and_then(|n| n.checked_mul(row_len))
                .ok_or_else(|| truncated(what))?;
            let rest = c.rest();
            let mut data = Vec::new();
            // Bounded: at most the bytes the rows need.
            ZlibDecoder::new(rest)
                .take(len as u64)
                .read_to_end(&mut data)
                .map_err(|e| Error::decode("PSD: broken ZIP channel data").with_source(e))?;
            if data.len() < len {
                return Err(truncated(what));
            }
            for (k, row) in data
                .chunks_exact_mut(row_len.max(1))
                .enumerate()
                .take(wanted * rows)
            {
                if z == 3 {
                    undo_prediction(row, depth)?;
                }
                f(k / rows, k % rows, row);
            }
            Ok(())
        }
        m => Err(Error::decode(format!("PSD: compression {m} is not valid"))),
    }
}

/// Undoes ZIP-with-prediction's horizontal differencing in one row: each
/// 8- or 16-bit (big-endian) sample was stored as its difference from the
/// one before. 32-bit data (byte planes, then differences) is refused.
fn undo_prediction(row: &mut [u8], depth: u16) -> Result<()> {
    match depth {
        8 => {
            for i in 1..row.len() {
                row[i] = row[i].wrapping_add(row[i - 1]);
            }
        }
        16 => {
            let mut prev = 0u16;
            for s in row.chunks_exact_mut(2) {
                prev = prev.wrapping_add(u16::from_be_bytes([s[0], s[1]]));
                s.copy_from_slice(&prev.to_be_bytes());
            }
        }
        d => {
            return Err(Error::unsupported(format!(
                "PSD: ZIP with prediction is not supported for {d}-bit data"
            )))
        }
    }
    Ok(())
}

/// The shape and channel count of the composite, as Pillow reads it:
/// gray (bitmap, grayscale, multichannel, duotone) `(H, W)`; indexed
/// expanded to RGB; RGB `(H, W, 3)`, RGBA when the file has exactly four
/// channels; CMYK `(H, W, 4)`; Lab `(H, W, 3)`. Also returns how many
/// stored channels are read.
pub(crate) fn composite_shape(h: &Header) -> Result<(Vec<usize>, usize)> {
    let (out, read) = match h.mode {
        ColorMode::Bitmap | ColorMode::Gray => (1, 1),
        ColorMode::Indexed => (3, 1),
        ColorMode::Rgb if h.channels == 4 => (4, 4),
        ColorMode::Rgb | ColorMode::Lab => (3, 3),
        ColorMode::Cmyk => (4, 4),
    };
    if h.channels < read {
        return Err(Error::decode(format!(
            "PSD: a {} file with {} channels; it needs {read}",
            h.mode.name(h.mode_code),
            h.channels
        )));
    }
    let shape = match out {
        1 => vec![h.height, h.width],
        c => vec![h.height, h.width, c],
    };
    Ok((shape, read))
}

/// Decodes the composite image (the caller checked its size).
pub(crate) fn composite(bytes: &[u8], psd: &Psd) -> Result<NdImage> {
    let h = &psd.header;
    let (shape, read) = composite_shape(h)?;
    let out_c = shape.get(2).copied().unwrap_or(1);
    let mut c = Cursor::new(bytes, psd.image_data);
    let row_len = row_bytes(h.width, h.depth);
    let invert = h.mode == ColorMode::Cmyk;
    let mut out = Samples::zeros(h.depth, h.height * h.width * out_c);
    if let (Some((p, _)), Samples::U8(buf)) = (psd.palette, &mut out) {
        let pal = &bytes[p..p + 768];
        each_row(
            &mut c,
            h.depth,
            h.channels,
            1,
            h.height,
            row_len,
            |_, y, row| {
                let line = &mut buf[y * h.width * 3..(y + 1) * h.width * 3];
                for (px, &i) in line.chunks_exact_mut(3).zip(row) {
                    let i = usize::from(i);
                    px.copy_from_slice(&[pal[i], pal[256 + i], pal[512 + i]]);
                }
            },
        )?;
    } else {
        each_row(
            &mut c,
            h.depth,
            h.channels,
            read,
            h.height,
            row_len,
            |ch, y, row| {
                let at = y * h.width * out_c + ch;
                out.put_row(row, h.width, at, out_c, h.depth, invert);
            },
        )?;
    }
    out.into_image(&shape)
}

/// The shape of layer images: the canvas, with the document's color
/// channels, plus alpha when the layer has a transparency channel.
pub(crate) fn layer_shape(h: &Header, layer: &Layer) -> Vec<usize> {
    let c = h.mode.layer_colors() + usize::from(layer.channels.iter().any(|&(id, _)| id == -1));
    match c {
        1 => vec![h.height, h.width],
        c => vec![h.height, h.width, c],
    }
}

/// Decodes a layer onto a canvas-size array (zero where the layer does not
/// reach; a layer over the canvas' edges is clipped to it).
pub(crate) fn layer(bytes: &[u8], h: &Header, layer: &Layer) -> Result<NdImage> {
    if h.depth == 1 {
        return Err(Error::unsupported(
            "PSD: layers of bitmap files are not supported",
        ));
    }
    let shape = layer_shape(h, layer);
    let out_c = shape.get(2).copied().unwrap_or(1);
    let colors = h.mode.layer_colors();
    let invert = h.mode == ColorMode::Cmyk;
    let mut out = Samples::zeros(h.depth, h.height * h.width * out_c);
    let row_len = row_bytes(layer.width, h.depth);
    let bps = usize::from(h.depth / 8).max(1);
    // The part of the layer on the canvas: columns x0..x1 of the layer's
    // rows, landing at canvas column `cx`.
    let x0 = (-layer.left).clamp(0, layer.width as i64) as usize;
    let x1 = (h.width as i64 - layer.left).clamp(x0 as i64, layer.width as i64) as usize;
    let cx = (layer.left + x0 as i64).max(0) as usize;
    for &(id, (start, end)) in &layer.channels {
        let ch = match id {
            0.. if (id as usize) < colors => id as usize,
            -1 => colors,
            _ => continue, // masks and extra channels
        };
        if layer.height == 0 || layer.width == 0 || end - start < 2 {
            continue;
        }
        let mut c = Cursor::new(&bytes[..end], start);
        each_row(&mut c, h.depth, 1, 1, layer.height, row_len, |_, y, row| {
            let cy = layer.top + y as i64;
            if x1 > x0 && (0..h.height as i64).contains(&cy) {
                let at = (cy as usize * h.width + cx) * out_c + ch;
                out.put_row(&row[x0 * bps..], x1 - x0, at, out_c, h.depth, invert);
            }
        })?;
    }
    out.into_image(&shape)
}
