//! Every conversion of the buffer API, in one place: each [`PixelFormat`]
//! to its natural array (gray `(H, W)`, RGB `(H, W, 3)`, RGBA `(H, W, 4)`,
//! u8 or u16) and back, and the choice of a pixel format for a decoded image.
//! The byte layouts and formulas are documented on [`PixelFormat`].

use imageio_core::ndarray::{ArrayD, IxDyn};
use imageio_core::plugin::{convert_mode, image_dims};
use imageio_core::{DType, Element, Error, Mode, NdImage, Result};

use crate::{ImageData, PixelFormat};

// ---------------------------------------------------------------------------
// Field widening and narrowing, YUV.

/// 5 bits to 8, by bit replication (31 -> 255).
#[inline]
fn widen5(v: u16) -> u8 {
    ((v << 3) | (v >> 2)) as u8
}

/// 6 bits to 8, by bit replication (63 -> 255).
#[inline]
fn widen6(v: u16) -> u8 {
    ((v << 2) | (v >> 4)) as u8
}

/// 8 bits to 5, rounded.
#[inline]
fn narrow5(v: u8) -> u16 {
    (v as u16 * 31 + 127) / 255
}

/// 8 bits to 6, rounded.
#[inline]
fn narrow6(v: u8) -> u16 {
    (v as u16 * 63 + 127) / 255
}

#[inline]
fn clamp8(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// BT.601 limited range, 8.8 fixed point.
#[inline]
fn yuv_to_rgb(y: u8, u: u8, v: u8) -> [u8; 3] {
    let c = 298 * (y as i32 - 16);
    let d = u as i32 - 128;
    let e = v as i32 - 128;
    [
        clamp8((c + 409 * e + 128) >> 8),
        clamp8((c - 100 * d - 208 * e + 128) >> 8),
        clamp8((c + 516 * d + 128) >> 8),
    ]
}

#[inline]
fn rgb_to_y(r: i32, g: i32, b: i32) -> u8 {
    (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16) as u8
}

#[inline]
fn rgb_to_uv(r: i32, g: i32, b: i32) -> (u8, u8) {
    let u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
    let v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
    (u as u8, v as u8)
}

#[inline]
fn le16(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[2 * i], b[2 * i + 1]])
}

// ---------------------------------------------------------------------------
// Buffer to natural array.

/// Unpacks every pixel of `I` bytes into `O` samples, honouring the stride.
fn unpack<T: Copy, const I: usize, const O: usize>(
    d: &ImageData,
    f: impl Fn(&[u8]) -> [T; O],
) -> Vec<T> {
    let (w, h, s) = (d.width(), d.height(), d.stride());
    let mut out = Vec::with_capacity(w * h * O);
    for y in 0..h {
        let row = &d.bytes()[y * s..y * s + w * I];
        for px in row.chunks_exact(I) {
            out.extend_from_slice(&f(px));
        }
    }
    out
}

/// The rows of `d` without their padding, for the formats whose natural
/// array has the bytes of the buffer.
fn unpad(d: &ImageData) -> Vec<u8> {
    let (h, s) = (d.height(), d.stride());
    let n = d
        .format()
        .min_stride(d.width())
        .expect("checked in ImageData::new");
    if s == n {
        return d.bytes()[..n * h].to_vec();
    }
    let mut out = Vec::with_capacity(n * h);
    for y in 0..h {
        out.extend_from_slice(&d.bytes()[y * s..y * s + n]);
    }
    out
}

fn unpack_bits(d: &ImageData, inverted: bool) -> Vec<u8> {
    let (w, h, s) = (d.width(), d.height(), d.stride());
    let (one, zero) = if inverted { (0, 255) } else { (255, 0) };
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = &d.bytes()[y * s..];
        out.extend((0..w).map(|x| {
            if row[x / 8] & (0x80 >> (x % 8)) != 0 {
                one
            } else {
                zero
            }
        }));
    }
    out
}

fn unpack_nv(d: &ImageData, uv_first: bool) -> Vec<u8> {
    let (w, h, s) = (d.width(), d.height(), d.stride());
    let b = d.bytes();
    let chroma = s * h;
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        let yrow = &b[y * s..y * s + w];
        let crow = &b[chroma + (y / 2) * s..];
        for (x, &luma) in yrow.iter().enumerate() {
            let (c0, c1) = (crow[x / 2 * 2], crow[x / 2 * 2 + 1]);
            let (u, v) = if uv_first { (c0, c1) } else { (c1, c0) };
            out.extend_from_slice(&yuv_to_rgb(luma, u, v));
        }
    }
    out
}

fn array<T: Element>(h: usize, w: usize, c: usize, data: Vec<T>) -> NdImage {
    let shape: &[usize] = if c == 1 { &[h, w] } else { &[h, w, c] };
    NdImage::from(ArrayD::from_shape_vec(IxDyn(shape), data).expect("sizes match"))
}

/// The natural array of `d`: `(H, W)` u8 for the gray and binary formats
/// (binary as 0/255), `(H, W, 3)` u8 RGB for NV12/NV21, 565/555 and the
/// 24-bit formats, `(H, W, 4)` u8 RGBA for the 32-bit ones, and `(H, W, 3|4)`
/// u16 for the 16-bit-per-sample formats. Channels are always in R, G, B, A
/// order.
pub(crate) fn to_ndarray(d: &ImageData) -> NdImage {
    use PixelFormat as F;
    let (w, h) = (d.width(), d.height());
    let c = d.format().channels();
    match d.format() {
        F::Binary => array(h, w, 1, unpack_bits(d, false)),
        F::BinaryInverted => array(h, w, 1, unpack_bits(d, true)),
        F::Grayscaled => array(h, w, 1, unpad(d)),
        F::Binary8 => array(
            h,
            w,
            1,
            unpack::<u8, 1, 1>(d, |p| [u8::from(p[0] != 0) * 255]),
        ),
        F::Binary8Inverted => array(
            h,
            w,
            1,
            unpack::<u8, 1, 1>(d, |p| [u8::from(p[0] == 0) * 255]),
        ),
        F::NV12 => array(h, w, 3, unpack_nv(d, true)),
        F::NV21 => array(h, w, 3, unpack_nv(d, false)),
        F::Rgb565 => array(
            h,
            w,
            c,
            unpack::<u8, 2, 3>(d, |p| {
                let v = le16(p, 0);
                [widen5(v >> 11), widen6((v >> 5) & 63), widen5(v & 31)]
            }),
        ),
        F::Rgb555 => array(
            h,
            w,
            c,
            unpack::<u8, 2, 3>(d, |p| {
                let v = le16(p, 0);
                [
                    widen5((v >> 10) & 31),
                    widen5((v >> 5) & 31),
                    widen5(v & 31),
                ]
            }),
        ),
        F::Rgb888 => array(h, w, c, unpad(d)),
        F::Bgr888 => array(h, w, c, unpack::<u8, 3, 3>(d, |p| [p[2], p[1], p[0]])),
        F::Argb8888 => array(h, w, c, unpack::<u8, 4, 4>(d, |p| [p[1], p[2], p[3], p[0]])),
        F::Abgr8888 => array(h, w, c, unpack::<u8, 4, 4>(d, |p| [p[3], p[2], p[1], p[0]])),
        F::Rgb161616 => array(
            h,
            w,
            c,
            unpack::<u16, 6, 3>(d, |p| [le16(p, 0), le16(p, 1), le16(p, 2)]),
        ),
        F::Argb16161616 => array(
            h,
            w,
            c,
            unpack::<u16, 8, 4>(d, |p| [le16(p, 1), le16(p, 2), le16(p, 3), le16(p, 0)]),
        ),
        F::Abgr16161616 => array(
            h,
            w,
            c,
            unpack::<u16, 8, 4>(d, |p| [le16(p, 3), le16(p, 2), le16(p, 1), le16(p, 0)]),
        ),
    }
}

// ---------------------------------------------------------------------------
// Natural array to buffer.

/// Packs `h` rows of `w` pixels of `I` samples into `O` bytes each, rows
/// `w * O` bytes apart.
fn pack<T: Copy, const I: usize, const O: usize>(
    src: &[T],
    f: impl Fn(&[T]) -> [u8; O],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len() / I * O);
    for px in src.chunks_exact(I) {
        out.extend_from_slice(&f(px));
    }
    out
}

fn pack_bits(src: &[u8], w: usize, h: usize, inverted: bool) -> Vec<u8> {
    let stride = w.div_ceil(8);
    let mut out = vec![0u8; stride * h];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        let dst = &mut out[y * stride..(y + 1) * stride];
        for (x, &v) in row.iter().enumerate() {
            if (v >= 128) != inverted {
                dst[x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    out
}

fn pack_nv(src: &[u8], w: usize, h: usize, uv_first: bool) -> Vec<u8> {
    let stride = w.div_ceil(2) * 2;
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut out = vec![0u8; stride * (h + ch)];
    let px = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        [src[i] as i32, src[i + 1] as i32, src[i + 2] as i32]
    };
    for y in 0..h {
        for x in 0..w {
            let [r, g, b] = px(x, y);
            out[y * stride + x] = rgb_to_y(r, g, b);
        }
    }
    for by in 0..ch {
        for bx in 0..cw {
            let mut sum = [0i32; 3];
            let mut n = 0;
            for y in (2 * by)..(2 * by + 2).min(h) {
                for x in (2 * bx)..(2 * bx + 2).min(w) {
                    let p = px(x, y);
                    sum = [sum[0] + p[0], sum[1] + p[1], sum[2] + p[2]];
                    n += 1;
                }
            }
            let mean = |s: i32| (s + n / 2) / n;
            let (u, v) = rgb_to_uv(mean(sum[0]), mean(sum[1]), mean(sum[2]));
            let i = (h + by) * stride + 2 * bx;
            let (c0, c1) = if uv_first { (u, v) } else { (v, u) };
            out[i] = c0;
            out[i + 1] = c1;
        }
    }
    out
}

/// True for the formats whose every channel is a whole sample in memory
/// (one byte, or one little-endian `u16`): the 24-, 32-, 48- and 64-bit
/// formats. [`from_ndarray`] takes their arrays in the format's own channel
/// order and stores the samples as they are.
fn stores_samples_in_order(format: PixelFormat) -> bool {
    use PixelFormat as F;
    matches!(
        format,
        F::Rgb888
            | F::Bgr888
            | F::Argb8888
            | F::Abgr8888
            | F::Rgb161616
            | F::Argb16161616
            | F::Abgr16161616
    )
}

/// The array [`from_ndarray`] takes for `format`, for error messages.
fn describe(format: PixelFormat) -> &'static str {
    use PixelFormat as F;
    match format {
        F::Bgr888 => "a BGR (H, W, 3)",
        F::Argb8888 | F::Argb16161616 => "an ARGB (H, W, 4)",
        F::Abgr8888 | F::Abgr16161616 => "an ABGR (H, W, 4)",
        _ => match format.channels() {
            1 => "a gray (H, W) or (H, W, 1)",
            3 => "an RGB (H, W, 3)",
            _ => "an RGBA (H, W, 4)",
        },
    }
}

/// Checks that `a` has the shape and dtype `format` takes; its height and
/// width. Anything else is an
/// [`InvalidInput`](imageio_core::ErrorKind::InvalidInput) error saying what
/// the format takes.
fn check_array(a: &NdImage, format: PixelFormat) -> Result<(usize, usize)> {
    let shape = a.shape();
    let want_c = format.channels();
    let (h, w, c) = image_dims(shape, usize::MAX, "ImageIO").map_err(|_| {
        Error::invalid_input(format!(
            "PixelFormat::{format} takes {} array, not one of shape {shape:?}{}",
            describe(format),
            if shape.len() == 4 {
                ": pass one image of a stack (NdImage::frame)"
            } else {
                ""
            }
        ))
    })?;
    if c != want_c {
        return Err(Error::invalid_input(format!(
            "PixelFormat::{format} takes {} array, but the array has shape {shape:?}: convert \
             it first (imageio::convert_mode) or pick a pixel format with {c} channel(s)",
            describe(format)
        )));
    }
    if a.dtype() != format.dtype() {
        let other = match a.dtype() {
            DType::U8 => " or pick a pixel format with 8-bit samples",
            DType::U16 => " or pick a pixel format with 16-bit samples",
            _ => "",
        };
        return Err(Error::invalid_input(format!(
            "PixelFormat::{format} takes {} samples, but the array is {}: cast it first \
             (NdImage::cast; values are not rescaled){other}",
            format.dtype(),
            a.dtype(),
        )));
    }
    if h == 0 || w == 0 {
        return Err(Error::invalid_input(format!(
            "an array of shape {shape:?} has no pixels"
        )));
    }
    Ok((h, w))
}

/// Packs `a`, in `format`'s own channel order, into `format` (rows tightly
/// packed: `format.min_stride(width)` bytes apart): what
/// [`ImageIO::read_from_ndarray`](crate::ImageIO::read_from_ndarray) does.
///
/// The formats that store whole samples (24 to 64 bits per pixel) take the
/// array in their memory order and store its samples unchanged (`u16` as
/// little-endian): `Bgr888` a B, G, R array, `Argb8888` an A, R, G, B one.
/// The others (gray, binary, NV12/NV21, 565, 555) have no such order and take
/// their natural array, converted as [`from_natural`] does.
pub(crate) fn from_ndarray(a: &NdImage, format: PixelFormat) -> Result<ImageData> {
    if !stores_samples_in_order(format) {
        return from_natural(a, format);
    }
    let (h, w) = check_array(a, format)?;
    let bytes = match format.dtype() {
        DType::U16 => {
            let a = a.as_array::<u16>().expect("dtype checked");
            let a = a.as_standard_layout();
            let s = a.as_slice().expect("standard layout");
            pack::<u16, 1, 2>(s, |p| p[0].to_le_bytes())
        }
        _ => {
            let a = a.as_array::<u8>().expect("dtype checked");
            let a = a.as_standard_layout();
            a.as_slice().expect("standard layout").to_vec()
        }
    };
    let stride = format.min_stride(w).expect("the array exists");
    ImageData::new(bytes, w, h, stride, format)
}

/// Packs a natural array (gray, or channels in R, G, B(, A) order, as
/// [`to_ndarray`] returns) into `format`, rows tightly packed. Used for the
/// images decoded from files, and by [`from_ndarray`] for the formats without
/// a channel order of their own. The array must have the shape and dtype of
/// the format's array (checked).
pub(crate) fn from_natural(a: &NdImage, format: PixelFormat) -> Result<ImageData> {
    use PixelFormat as F;
    let (h, w) = check_array(a, format)?;
    let bytes = match format.dtype() {
        DType::U16 => {
            let a = a.as_array::<u16>().expect("dtype checked");
            let a = a.as_standard_layout();
            let s = a.as_slice().expect("standard layout");
            match format {
                F::Rgb161616 => pack::<u16, 3, 6>(s, |p| {
                    let [r, g, b] = [p[0], p[1], p[2]].map(u16::to_le_bytes);
                    [r[0], r[1], g[0], g[1], b[0], b[1]]
                }),
                F::Argb16161616 => pack::<u16, 4, 8>(s, |p| {
                    let [r, g, b, al] = [p[0], p[1], p[2], p[3]].map(u16::to_le_bytes);
                    [al[0], al[1], r[0], r[1], g[0], g[1], b[0], b[1]]
                }),
                _ => pack::<u16, 4, 8>(s, |p| {
                    let [r, g, b, al] = [p[0], p[1], p[2], p[3]].map(u16::to_le_bytes);
                    [al[0], al[1], b[0], b[1], g[0], g[1], r[0], r[1]]
                }),
            }
        }
        _ => {
            let a = a.as_array::<u8>().expect("dtype checked");
            let a = a.as_standard_layout();
            let s = a.as_slice().expect("standard layout");
            match format {
                F::Binary => pack_bits(s, w, h, false),
                F::BinaryInverted => pack_bits(s, w, h, true),
                F::Grayscaled => s.to_vec(),
                F::Binary8 => s.iter().map(|&v| u8::from(v >= 128) * 255).collect(),
                F::Binary8Inverted => s.iter().map(|&v| u8::from(v < 128) * 255).collect(),
                F::NV12 => pack_nv(s, w, h, true),
                F::NV21 => pack_nv(s, w, h, false),
                F::Rgb565 => pack::<u8, 3, 2>(s, |p| {
                    let v = narrow5(p[0]) << 11 | narrow6(p[1]) << 5 | narrow5(p[2]);
                    v.to_le_bytes()
                }),
                F::Rgb555 => pack::<u8, 3, 2>(s, |p| {
                    let v = narrow5(p[0]) << 10 | narrow5(p[1]) << 5 | narrow5(p[2]);
                    v.to_le_bytes()
                }),
                F::Rgb888 => s.to_vec(),
                F::Bgr888 => pack::<u8, 3, 3>(s, |p| [p[2], p[1], p[0]]),
                F::Argb8888 => pack::<u8, 4, 4>(s, |p| [p[3], p[0], p[1], p[2]]),
                _ => pack::<u8, 4, 4>(s, |p| [p[3], p[2], p[1], p[0]]),
            }
        }
    };
    let stride = format.min_stride(w).expect("the array exists");
    ImageData::new(bytes, w, h, stride, format)
}

// ---------------------------------------------------------------------------
// Decoded image to buffer.

/// The pixel format a decoded image is returned in, and the array converted
/// to that format's natural array:
///
/// | decoded | pixel format |
/// |---|---|
/// | gray u8 `(H, W)` | `Grayscaled` |
/// | gray+alpha u8 `(H, W, 2)` | `Argb8888` (gray replicated to R, G, B) |
/// | RGB u8 | `Rgb888` |
/// | RGBA u8 | `Argb8888` |
/// | gray u16 | `Rgb161616` (gray replicated) |
/// | gray+alpha u16 | `Argb16161616` (gray replicated) |
/// | RGB u16 | `Rgb161616` |
/// | RGBA u16 | `Argb16161616` |
///
/// Other dtypes (float, signed, 32-bit) have no pixel format:
/// [`Unsupported`](imageio_core::ErrorKind::Unsupported).
pub(crate) fn natural_format(img: NdImage) -> Result<(NdImage, PixelFormat)> {
    let shape = img.shape().to_vec();
    let c = match *shape {
        [_, _] => 1,
        [_, _, c @ 1..=4] => c,
        _ => {
            return Err(Error::unsupported(format!(
                "an image of shape {shape:?} has no pixel format: the buffer API takes \
                 (H, W) or (H, W, C) images with C <= 4"
            )))
        }
    };
    let (mode, format) = match (img.dtype(), c) {
        (DType::U8, 1) => (Mode::Gray, PixelFormat::Grayscaled),
        (DType::U8, 3) => (Mode::Rgb, PixelFormat::Rgb888),
        (DType::U8, _) => (Mode::Rgba, PixelFormat::Argb8888),
        (DType::U16, 1 | 3) => (Mode::Rgb, PixelFormat::Rgb161616),
        (DType::U16, _) => (Mode::Rgba, PixelFormat::Argb16161616),
        (d, _) => {
            return Err(Error::unsupported(format!(
                "the image is {d}: the buffer API holds 8- and 16-bit unsigned samples only; \
                 read it with imageio::imread_with and ReadOptions::dtype, scaled as you need, \
                 then ImageIO::read_from_ndarray"
            )))
        }
    };
    let img = convert_mode(img, mode, false)?;
    Ok((img, format))
}

#[cfg(test)]
mod tests {
    use super::*;
    use PixelFormat::*;

    /// One row of known pixels: the natural array's samples (u8 values for
    /// the 8-bit formats, u16 for the 16-bit ones), the exact bytes the
    /// format stores, and the samples read back.
    struct Case {
        format: PixelFormat,
        width: usize,
        natural: Vec<u16>,
        bytes: Vec<u8>,
        back: Vec<u16>,
    }

    fn case(
        format: PixelFormat,
        width: usize,
        natural: &[u16],
        bytes: &[u8],
        back: &[u16],
    ) -> Case {
        Case {
            format,
            width,
            natural: natural.to_vec(),
            bytes: bytes.to_vec(),
            back: back.to_vec(),
        }
    }

    fn natural_array(format: PixelFormat, h: usize, w: usize, samples: &[u16]) -> NdImage {
        let c = format.channels();
        if format.dtype() == DType::U16 {
            array(h, w, c, samples.to_vec())
        } else {
            array(h, w, c, samples.iter().map(|&v| v as u8).collect())
        }
    }

    fn samples(a: &NdImage) -> Vec<u16> {
        a.cast(DType::U16)
            .into_array::<u16>()
            .unwrap()
            .into_raw_vec_and_offset()
            .0
    }

    const RGB3: [u16; 9] = [255, 0, 0, 0, 128, 255, 18, 52, 86];
    const RGBA3: [u16; 12] = [255, 0, 0, 255, 0, 128, 255, 64, 18, 52, 86, 120];

    fn table() -> Vec<Case> {
        let gray10 = [255, 0, 0, 0, 0, 0, 0, 255, 128, 127];
        let bin10 = [255, 0, 0, 0, 0, 0, 0, 255, 255, 0];
        vec![
            case(
                Grayscaled,
                3,
                &[0, 127, 255],
                &[0, 127, 255],
                &[0, 127, 255],
            ),
            case(Binary, 10, &gray10, &[0x81, 0x80], &bin10),
            case(BinaryInverted, 10, &gray10, &[0x7E, 0x40], &bin10),
            case(Binary, 3, &[200, 10, 128], &[0xA0], &[255, 0, 255]),
            case(Binary8, 3, &[200, 10, 128], &[255, 0, 255], &[255, 0, 255]),
            case(
                Binary8Inverted,
                3,
                &[200, 10, 128],
                &[0, 255, 0],
                &[255, 0, 255],
            ),
            case(
                Rgb888,
                3,
                &RGB3,
                &[255, 0, 0, 0, 128, 255, 18, 52, 86],
                &RGB3,
            ),
            case(
                Bgr888,
                3,
                &RGB3,
                &[0, 0, 255, 255, 128, 0, 86, 52, 18],
                &RGB3,
            ),
            // 565: (255,0,0) -> 0xF800; (0,128,255) -> g6 32, b5 31 -> 0x041F;
            // (18,52,86) -> 2, 13, 10 -> 0x11AA -> back (16, 52, 82).
            case(
                Rgb565,
                3,
                &RGB3,
                &[0x00, 0xF8, 0x1F, 0x04, 0xAA, 0x11],
                &[255, 0, 0, 0, 130, 255, 16, 52, 82],
            ),
            // 555: (255,0,0) -> 0x7C00; (0,128,255) -> 0, 16, 31 -> 0x021F;
            // (18,52,86) -> 2, 6, 10 -> 0x08CA -> back (16, 49, 82).
            case(
                Rgb555,
                3,
                &RGB3,
                &[0x00, 0x7C, 0x1F, 0x02, 0xCA, 0x08],
                &[255, 0, 0, 0, 132, 255, 16, 49, 82],
            ),
            case(
                Argb8888,
                3,
                &RGBA3,
                &[255, 255, 0, 0, 64, 0, 128, 255, 120, 18, 52, 86],
                &RGBA3,
            ),
            case(
                Abgr8888,
                3,
                &RGBA3,
                &[255, 0, 0, 255, 64, 255, 128, 0, 120, 86, 52, 18],
                &RGBA3,
            ),
            case(
                Rgb161616,
                1,
                &[0x1234, 0xABCD, 0xFFFF],
                &[0x34, 0x12, 0xCD, 0xAB, 0xFF, 0xFF],
                &[0x1234, 0xABCD, 0xFFFF],
            ),
            case(
                Argb16161616,
                1,
                &[0x1234, 0xABCD, 0x0001, 0x8000],
                &[0x00, 0x80, 0x34, 0x12, 0xCD, 0xAB, 0x01, 0x00],
                &[0x1234, 0xABCD, 0x0001, 0x8000],
            ),
            case(
                Abgr16161616,
                1,
                &[0x1234, 0xABCD, 0x0001, 0x8000],
                &[0x00, 0x80, 0x01, 0x00, 0xCD, 0xAB, 0x34, 0x12],
                &[0x1234, 0xABCD, 0x0001, 0x8000],
            ),
            // One 2x1 block (a 2x2 image, both rows alike: see below). Black
            // and white share the chroma of gray: Y 16 and 235, U = V = 128.
            case(
                NV12,
                2,
                &[0, 0, 0, 255, 255, 255],
                &[16, 235, 128, 128],
                &[0, 0, 0, 255, 255, 255],
            ),
            case(
                NV21,
                2,
                &[0, 0, 0, 255, 255, 255],
                &[16, 235, 128, 128],
                &[0, 0, 0, 255, 255, 255],
            ),
        ]
    }

    /// Lays `rows` copies of `row` out `stride` bytes apart, padding 0xEE;
    /// for NV12/NV21 the last row is the (single, shared) chroma row.
    fn layout(
        format: PixelFormat,
        row: &[u8],
        width: usize,
        rows: usize,
        stride: usize,
    ) -> Vec<u8> {
        let min = format.min_stride(width).unwrap();
        let mut out = Vec::new();
        let (luma, chroma) = if format.is_yuv() {
            row.split_at(min)
        } else {
            (row, &[][..])
        };
        for _ in 0..rows {
            out.extend_from_slice(luma);
            out.resize(out.len() + stride - min, 0xEE);
        }
        if format.is_yuv() {
            out.extend_from_slice(chroma);
            out.resize(out.len() + stride - min, 0xEE);
        }
        out
    }

    /// The packing of decoded (R, G, B(, A)) images; the arrays
    /// `read_from_ndarray` takes in each format's own order are checked in
    /// `own_order_arrays_are_stored_as_they_are`.
    #[test]
    fn known_pixels_through_every_format_and_back() {
        let table = table();
        for f in PixelFormat::ALL {
            assert!(table.iter().any(|c| c.format == f), "{f} has no case");
        }
        for c in &table {
            let f = c.format;
            // Two identical rows (NV formats: one 2x2 block).
            let rows = 2;
            let mut nat = c.natural.clone();
            nat.extend_from_slice(&c.natural);
            let mut back = c.back.clone();
            back.extend_from_slice(&c.back);
            let d = from_natural(&natural_array(f, rows, c.width, &nat), f).unwrap();
            let want = layout(f, &c.bytes, c.width, rows, f.min_stride(c.width).unwrap());
            assert_eq!(d.bytes(), &want[..], "{f}: packed bytes");
            assert_eq!(d.stride(), f.min_stride(c.width).unwrap(), "{f}");
            let a = to_ndarray(&d);
            let shape: Vec<usize> = if f.channels() == 1 {
                vec![rows, c.width]
            } else {
                vec![rows, c.width, f.channels()]
            };
            assert_eq!(a.shape(), &shape[..], "{f}");
            assert_eq!(a.dtype(), f.dtype(), "{f}");
            assert_eq!(samples(&a), back, "{f}: read back");
            // The same bytes with padded rows read the same.
            for pad in [1, 3, 8] {
                let stride = f.min_stride(c.width).unwrap() + pad;
                let bytes = layout(f, &c.bytes, c.width, rows, stride);
                let d = ImageData::new(bytes, c.width, rows, stride, f).unwrap();
                assert_eq!(samples(&to_ndarray(&d)), back, "{f}: stride {stride}");
            }
        }
    }

    #[test]
    fn field_widening_and_narrowing_round_trip() {
        for v in 0..32u16 {
            assert_eq!(narrow5(widen5(v)), v);
        }
        for v in 0..64u16 {
            assert_eq!(narrow6(widen6(v)), v);
        }
        assert_eq!((widen5(31), widen6(63), widen5(0)), (255, 255, 0));
        for v in 0..=255u8 {
            assert!((widen5(narrow5(v)) as i32 - v as i32).abs() <= 4, "{v}");
            assert!((widen6(narrow6(v)) as i32 - v as i32).abs() <= 2, "{v}");
        }
    }

    #[test]
    fn yuv_known_values() {
        // (Y, U, V) -> RGB, BT.601 limited range.
        let table: &[([u8; 3], [u8; 3])] = &[
            ([16, 128, 128], [0, 0, 0]),
            ([235, 128, 128], [255, 255, 255]),
            ([126, 128, 128], [128, 128, 128]),
            ([82, 90, 240], [255, 1, 0]),
            ([144, 54, 34], [0, 254, 0]),
            ([41, 240, 110], [0, 0, 255]),
            ([0, 0, 0], [0, 135, 0]),
            ([255, 255, 255], [255, 125, 255]),
        ];
        for &([y, u, v], rgb) in table {
            assert_eq!(yuv_to_rgb(y, u, v), rgb, "{y} {u} {v}");
        }
        // The forward transform of the primaries.
        assert_eq!(rgb_to_y(255, 0, 0), 82);
        assert_eq!(rgb_to_uv(255, 0, 0), (90, 240));
        assert_eq!(rgb_to_y(0, 255, 0), 144);
        assert_eq!(rgb_to_uv(0, 255, 0), (54, 34));
        assert_eq!(rgb_to_y(0, 0, 255), 41);
        assert_eq!(rgb_to_uv(0, 0, 255), (240, 110));
        // Against the floating-point matrix, within 1.
        for y in (16..=235).step_by(7) {
            for u in (16..=240).step_by(9) {
                for v in (16..=240).step_by(11) {
                    let (yf, uf, vf) = (y as f64 - 16.0, u as f64 - 128.0, v as f64 - 128.0);
                    let want = [
                        1.164 * yf + 1.596 * vf,
                        1.164 * yf - 0.391 * uf - 0.813 * vf,
                        1.164 * yf + 2.018 * uf,
                    ]
                    .map(|x| x.round().clamp(0.0, 255.0) as i32);
                    let got = yuv_to_rgb(y as u8, u as u8, v as u8);
                    for k in 0..3 {
                        assert!((got[k] as i32 - want[k]).abs() <= 1, "{y} {u} {v}: {got:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn nv_planes_odd_sizes_and_chroma_order() {
        // 3x3: 2x2 chroma blocks, the last column and row cover one pixel.
        // Left 2 columns red, right column blue.
        let mut rgb = vec![0u8; 3 * 3 * 3];
        for y in 0..3 {
            for x in 0..3 {
                let i = (y * 3 + x) * 3;
                if x < 2 {
                    rgb[i] = 255;
                } else {
                    rgb[i + 2] = 255;
                }
            }
        }
        let a = array(3, 3, 3, rgb);
        let d12 = from_ndarray(&a, NV12).unwrap();
        let d21 = from_ndarray(&a, NV21).unwrap();
        assert_eq!((d12.stride(), d12.bytes().len()), (4, 4 * 5));
        // Y plane, padding 0.
        assert_eq!(
            &d12.bytes()[..12],
            &[82, 82, 41, 0, 82, 82, 41, 0, 82, 82, 41, 0]
        );
        // Chroma: red blocks (90, 240), blue blocks (240, 110); NV21 swaps.
        assert_eq!(&d12.bytes()[12..], &[90, 240, 240, 110, 90, 240, 240, 110]);
        assert_eq!(&d21.bytes()[12..], &[240, 90, 110, 240, 240, 90, 110, 240]);
        assert_eq!(&d21.bytes()[..12], &d12.bytes()[..12]);
        for d in [&d12, &d21] {
            let back = to_ndarray(d).into_array::<u8>().unwrap();
            assert_eq!(back.shape(), &[3, 3, 3]);
            for y in 0..3 {
                assert_eq!(
                    back.slice(imageio_core::ndarray::s![y, 0, ..]).to_vec(),
                    [255, 1, 0]
                );
                assert_eq!(
                    back.slice(imageio_core::ndarray::s![y, 2, ..]).to_vec(),
                    [0, 0, 255]
                );
            }
        }
        // A block mixing colours takes the mean: black and white -> gray chroma.
        let a = array(1, 2, 3, vec![0u8, 0, 0, 255, 255, 255]);
        let d = from_ndarray(&a, NV12).unwrap();
        assert_eq!(d.bytes(), &[16, 235, 128, 128]);
    }

    #[test]
    fn smooth_images_survive_nv_within_a_few_levels() {
        let (h, w) = (7, 9);
        let rgb: Vec<u8> = (0..h * w * 3)
            .map(|i| {
                let (p, c) = (i / 3, i % 3);
                (40 + (p % w) * 8 + (p / w) * 5 + c * 30) as u8
            })
            .collect();
        let a = array(h, w, 3, rgb.clone());
        for f in [NV12, NV21] {
            let back = to_ndarray(&from_ndarray(&a, f).unwrap());
            let back = back.into_array::<u8>().unwrap().into_raw_vec_and_offset().0;
            let worst = rgb
                .iter()
                .zip(&back)
                .map(|(&x, &y)| (x as i32 - y as i32).abs())
                .max()
                .unwrap();
            assert!(worst <= 12, "{f}: worst error {worst}");
        }
    }

    #[test]
    fn lossless_formats_round_trip_exactly() {
        let (h, w) = (5, 7);
        for f in PixelFormat::ALL {
            let c = f.channels();
            let n = h * w * c;
            let nat: Vec<u16> = match f {
                Grayscaled | Rgb888 | Bgr888 | Argb8888 | Abgr8888 => {
                    (0..n).map(|i| (i * 37 % 256) as u16).collect()
                }
                Rgb161616 | Argb16161616 | Abgr16161616 => {
                    (0..n).map(|i| (i * 4099 % 65536) as u16).collect()
                }
                Binary | BinaryInverted | Binary8 | Binary8Inverted => {
                    (0..n).map(|i| if i % 3 == 0 { 255 } else { 0 }).collect()
                }
                Rgb565 => (0..n)
                    .map(|i| {
                        let v = (i * 13 % 64) as u16;
                        if i % 3 == 1 {
                            widen6(v) as u16
                        } else {
                            widen5(v % 32) as u16
                        }
                    })
                    .collect(),
                Rgb555 => (0..n)
                    .map(|i| widen5((i * 13 % 32) as u16) as u16)
                    .collect(),
                NV12 | NV21 => continue,
            };
            let a = natural_array(f, h, w, &nat);
            let d = from_natural(&a, f).unwrap();
            assert_eq!(to_ndarray(&d), a, "{f}");
        }
    }

    /// `from_ndarray` (`read_from_ndarray`) takes the array of a format that
    /// stores whole samples in that format's own channel order and stores the
    /// samples unchanged: an OpenCV B, G, R array passed as `Bgr888` is the
    /// bytes of the array. `to_ndarray` still gives R, G, B(, A).
    #[test]
    fn own_order_arrays_are_stored_as_they_are() {
        // 1x2 B, G, R: stored as is, stride 6 (no padding), read back as RGB.
        let bgr = array(1, 2, 3, vec![1u8, 2, 3, 4, 5, 6]);
        let d = from_ndarray(&bgr, Bgr888).unwrap();
        assert_eq!(
            (d.bytes(), d.width(), d.height(), d.stride()),
            (&[1u8, 2, 3, 4, 5, 6][..], 2, 1, 6)
        );
        assert_eq!(samples(&to_ndarray(&d)), [3, 2, 1, 6, 5, 4]);
        // The same array as Rgb888 is the same bytes, read back unchanged.
        let d = from_ndarray(&bgr, Rgb888).unwrap();
        assert_eq!(d.bytes(), &[1, 2, 3, 4, 5, 6]);
        assert_eq!(samples(&to_ndarray(&d)), [1, 2, 3, 4, 5, 6]);

        // 8-bit A, R, G, B and A, B, G, R.
        let px = vec![10u8, 20, 30, 40, 50, 60, 70, 80];
        for (f, rgba) in [
            (Argb8888, [20, 30, 40, 10, 60, 70, 80, 50]),
            (Abgr8888, [40, 30, 20, 10, 80, 70, 60, 50]),
        ] {
            let d = from_ndarray(&array(1, 2, 4, px.clone()), f).unwrap();
            assert_eq!((d.bytes(), d.stride()), (&px[..], 8), "{f}");
            assert_eq!(samples(&to_ndarray(&d)), rgba, "{f}");
        }

        // 16-bit: each sample a little-endian u16, in the array's order.
        let px16 = vec![0x0102u16, 0x0304, 0x0506, 0x0708];
        for (f, rgba) in [
            (Argb16161616, [0x0304, 0x0506, 0x0708, 0x0102]),
            (Abgr16161616, [0x0708, 0x0506, 0x0304, 0x0102]),
        ] {
            let d = from_ndarray(&array(1, 1, 4, px16.clone()), f).unwrap();
            assert_eq!(d.bytes(), &[2, 1, 4, 3, 6, 5, 8, 7], "{f}");
            assert_eq!(samples(&to_ndarray(&d)), rgba, "{f}");
        }
        let d = from_ndarray(&array(1, 1, 3, vec![0x0102u16, 0x0304, 0x0506]), Rgb161616).unwrap();
        assert_eq!(d.bytes(), &[2, 1, 4, 3, 6, 5]);

        // A view in reversed channel order (negative strides) is packed in
        // row order: an RGB array with its channel axis inverted is BGR.
        let rgb = imageio_core::ndarray::Array3::from_shape_fn((2, 3, 3), |(y, x, c)| {
            (y * 100 + x * 10 + c) as u8
        });
        let mut view = rgb.clone();
        view.invert_axis(imageio_core::ndarray::Axis(2));
        let d = from_ndarray(&NdImage::from(view.into_dyn()), Bgr888).unwrap();
        assert_eq!(&d.bytes()[..6], &[2, 1, 0, 12, 11, 10]);
        assert_eq!(to_ndarray(&d), NdImage::from(rgb.into_dyn()));
    }

    /// For every format, the buffer that `from_natural` makes from an R, G,
    /// B(, A) array is what `from_ndarray` makes from the array of its stored
    /// samples (for the whole-sample formats) or from the same array (for
    /// the others).
    #[test]
    fn own_order_and_natural_arrays_agree() {
        let (h, w) = (3, 5);
        for f in PixelFormat::ALL {
            let c = f.channels();
            let nat: Vec<u16> = (0..h * w * c)
                .map(|i| match f.dtype() {
                    DType::U16 => (i * 4099 % 65536) as u16,
                    _ => (i * 37 % 256) as u16,
                })
                .collect();
            let natural = from_natural(&natural_array(f, h, w, &nat), f).unwrap();
            let own = if !stores_samples_in_order(f) {
                natural_array(f, h, w, &nat)
            } else if f.dtype() == DType::U16 {
                let stored = natural
                    .bytes()
                    .chunks_exact(2)
                    .map(|b| u16::from_le_bytes([b[0], b[1]]));
                array(h, w, c, stored.collect())
            } else {
                array(h, w, c, natural.bytes().to_vec())
            };
            assert_eq!(from_ndarray(&own, f).unwrap(), natural, "{f}");
        }
    }

    #[test]
    fn wrong_shapes_and_dtypes_are_refused() {
        let rgb = NdImage::zeros(&[2, 3, 3], DType::U8);
        let gray = NdImage::zeros(&[2, 3], DType::U8);
        let gray16 = NdImage::zeros(&[2, 3], DType::U16);
        let rgba16 = NdImage::zeros(&[2, 3, 4], DType::U16);
        let cases: &[(&NdImage, PixelFormat, &str)] = &[
            (&rgb, Grayscaled, "gray (H, W)"),
            (&rgb, Binary, "gray (H, W)"),
            (&rgb, Argb8888, "ARGB (H, W, 4)"),
            (&rgb, Abgr16161616, "ABGR (H, W, 4)"),
            (&gray, Bgr888, "BGR (H, W, 3)"),
            (&gray, Rgb888, "RGB (H, W, 3)"),
            (&gray, NV12, "RGB (H, W, 3)"),
            (&gray16, Grayscaled, "uint16"),
            (&rgba16, Argb8888, "uint16"),
            (&rgb, Rgb161616, "takes uint16"),
        ];
        for &(a, f, msg) in cases {
            let e = from_ndarray(a, f).unwrap_err();
            assert_eq!(e.kind(), imageio_core::ErrorKind::InvalidInput, "{f}");
            assert!(e.message().contains(msg), "{f}: {e}");
        }
        let stack = NdImage::zeros(&[2, 2, 3, 3], DType::U8);
        let e = from_ndarray(&stack, Rgb888).unwrap_err();
        assert!(e.message().contains("NdImage::frame"), "{e}");
        let empty = NdImage::zeros(&[0, 3, 3], DType::U8);
        assert!(from_ndarray(&empty, Rgb888).is_err());
        let f32img = NdImage::zeros(&[2, 2, 3], DType::F32);
        assert!(from_ndarray(&f32img, Rgb888).is_err());
        // (H, W, 1) is gray.
        let g1 = array(1, 2, 1, vec![7u8, 9]).into_array::<u8>().unwrap();
        let g1 = NdImage::from(g1.into_shape_with_order(IxDyn(&[1, 2, 1])).unwrap());
        assert_eq!(from_ndarray(&g1, Grayscaled).unwrap().bytes(), &[7, 9]);
    }

    #[test]
    fn non_standard_layouts_are_packed_in_row_order() {
        // A transposed view: element [y, x] of the result is a[x, y].
        let a = imageio_core::ndarray::Array2::from_shape_fn((3, 2), |(y, x)| (y * 10 + x) as u8);
        let t = NdImage::from(a.reversed_axes().into_dyn());
        let d = from_ndarray(&t, Grayscaled).unwrap();
        assert_eq!((d.width(), d.height()), (3, 2));
        assert_eq!(d.bytes(), &[0, 10, 20, 1, 11, 21]);
    }

    #[test]
    fn natural_formats_of_decoded_images() {
        let table: &[(&[usize], DType, PixelFormat, &[usize])] = &[
            (&[2, 3], DType::U8, Grayscaled, &[2, 3]),
            (&[2, 3, 1], DType::U8, Grayscaled, &[2, 3]),
            (&[2, 3, 2], DType::U8, Argb8888, &[2, 3, 4]),
            (&[2, 3, 3], DType::U8, Rgb888, &[2, 3, 3]),
            (&[2, 3, 4], DType::U8, Argb8888, &[2, 3, 4]),
            (&[2, 3], DType::U16, Rgb161616, &[2, 3, 3]),
            (&[2, 3, 2], DType::U16, Argb16161616, &[2, 3, 4]),
            (&[2, 3, 3], DType::U16, Rgb161616, &[2, 3, 3]),
            (&[2, 3, 4], DType::U16, Argb16161616, &[2, 3, 4]),
        ];
        for &(shape, dtype, want, out) in table {
            let (img, f) = natural_format(NdImage::zeros(shape, dtype)).unwrap();
            assert_eq!((f, img.shape()), (want, out), "{shape:?} {dtype}");
            assert_eq!(img.dtype(), dtype);
        }
        // Gray+alpha keeps its values: gray to R, G, B; alpha to A.
        let ga = array(1, 1, 2, vec![100u8, 7]);
        let (img, _) = natural_format(ga).unwrap();
        assert_eq!(samples(&img), vec![100, 100, 100, 7]);
        let e = natural_format(NdImage::zeros(&[2, 2, 3], DType::F32)).unwrap_err();
        assert_eq!(e.kind(), imageio_core::ErrorKind::Unsupported);
        assert!(e.message().contains("float32"), "{e}");
        let e = natural_format(NdImage::zeros(&[2, 2, 2, 3], DType::U8)).unwrap_err();
        assert_eq!(e.kind(), imageio_core::ErrorKind::Unsupported);
    }
}
