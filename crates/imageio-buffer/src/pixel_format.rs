//! [`PixelFormat`]: how the pixels of an [`ImageData`](crate::ImageData) buffer
//! are laid out in memory, byte for byte.

use std::fmt;

use imageio_core::DType;

/// The memory layout of the pixels of an [`ImageData`](crate::ImageData).
///
/// Every format is described here in **memory order**: the byte at the lowest
/// address first. Rows follow one another `stride` bytes apart (the stride
/// may exceed the bytes a row needs; the padding is ignored on reading and
/// written as zeros). Multi-byte samples are **little-endian**.
///
/// | format | bytes per pixel | layout of one pixel, lowest address first | natural array | array taken |
/// |---|---|---|---|---|
/// | [`Binary`](Self::Binary) | 1/8 | 1 bit, packed MSB-first: pixel `x` is bit `7 - x % 8` of byte `x / 8`; 0 = black, 1 = white | `(H, W)` u8, 0/255 | `(H, W)` u8 gray |
/// | [`BinaryInverted`](Self::BinaryInverted) | 1/8 | as `Binary`, but 1 = black, 0 = white | `(H, W)` u8, 0/255 | `(H, W)` u8 gray |
/// | [`Grayscaled`](Self::Grayscaled) | 1 | `Y` | `(H, W)` u8 | `(H, W)` u8 |
/// | [`NV21`](Self::NV21) | 1.5 | a `Y` plane, then one interleaved `V, U` plane at half resolution | `(H, W, 3)` u8 RGB | `(H, W, 3)` u8 RGB |
/// | [`NV12`](Self::NV12) | 1.5 | a `Y` plane, then one interleaved `U, V` plane at half resolution | `(H, W, 3)` u8 RGB | `(H, W, 3)` u8 RGB |
/// | [`Rgb565`](Self::Rgb565) | 2 | one little-endian `u16`: R in bits 15..11, G in bits 10..5, B in bits 4..0 | `(H, W, 3)` u8 RGB | `(H, W, 3)` u8 RGB |
/// | [`Rgb555`](Self::Rgb555) | 2 | one little-endian `u16`: bit 15 unused (written 0), R in bits 14..10, G in 9..5, B in 4..0 | `(H, W, 3)` u8 RGB | `(H, W, 3)` u8 RGB |
/// | [`Rgb888`](Self::Rgb888) | 3 | `R, G, B` | `(H, W, 3)` u8 RGB | `(H, W, 3)` u8 RGB |
/// | [`Bgr888`](Self::Bgr888) | 3 | `B, G, R` | `(H, W, 3)` u8 RGB | `(H, W, 3)` u8 **BGR** |
/// | [`Argb8888`](Self::Argb8888) | 4 | `A, R, G, B` | `(H, W, 4)` u8 RGBA | `(H, W, 4)` u8 **ARGB** |
/// | [`Abgr8888`](Self::Abgr8888) | 4 | `A, B, G, R` | `(H, W, 4)` u8 RGBA | `(H, W, 4)` u8 **ABGR** |
/// | [`Rgb161616`](Self::Rgb161616) | 6 | `R, G, B`, each a little-endian `u16` | `(H, W, 3)` u16 RGB | `(H, W, 3)` u16 RGB |
/// | [`Argb16161616`](Self::Argb16161616) | 8 | `A, R, G, B`, each a little-endian `u16` | `(H, W, 4)` u16 RGBA | `(H, W, 4)` u16 **ARGB** |
/// | [`Abgr16161616`](Self::Abgr16161616) | 8 | `A, B, G, R`, each a little-endian `u16` | `(H, W, 4)` u16 RGBA | `(H, W, 4)` u16 **ABGR** |
/// | [`Binary8`](Self::Binary8) | 1 | 0 = black, 255 = white (reading: any non-zero byte is white) | `(H, W)` u8, 0/255 | `(H, W)` u8 gray |
/// | [`Binary8Inverted`](Self::Binary8Inverted) | 1 | 0 = white, 255 = black (reading: any non-zero byte is black) | `(H, W)` u8, 0/255 | `(H, W)` u8 gray |
///
/// The names of the packed 8- and 16-bit formats list the channels in memory
/// order, byte by byte (`Argb8888` is the bytes A, R, G, B, whatever the
/// machine's endianness); the names of `Rgb565` and `Rgb555` list the bit
/// fields of their little-endian `u16` from the most significant bit down.
///
/// The "natural array" is what
/// [`ImageIO::save_to_ndarray`](crate::ImageIO::save_to_ndarray) returns, and
/// what files are encoded from: colour is always in R, G, B(, A) order there,
/// whatever the memory order.
///
/// The "array taken" is what
/// [`ImageIO::read_from_ndarray`](crate::ImageIO::read_from_ndarray) accepts
/// (gray formats also accept `(H, W, 1)`). The formats that store whole
/// samples (24 to 64 bits per pixel) take it in their own memory order and
/// store its samples unchanged, as the vendor API's `read_from_numpy` does: an
/// OpenCV-style B, G, R array passed as `Bgr888` is stored byte for byte. The
/// others have no channel order of their own and take their natural array,
/// converted as below.
///
/// # Conversions to and from the natural array
///
/// - 5- and 6-bit fields widen by bit replication (`v << 3 | v >> 2`,
///   `v << 2 | v >> 4`: 31 becomes 255) and narrow with rounding
///   (`(v * 31 + 127) / 255`, `(v * 63 + 127) / 255`), so a widened value
///   narrows back to itself.
/// - The binary formats threshold a gray array at 128: values >= 128 are
///   white, the others black.
/// - `NV12`/`NV21` use ITU-R BT.601 in limited ("video") range, as libyuv and
///   OpenCV's `COLOR_YUV2RGB_NV12` do:
///   `R = 1.164 (Y - 16) + 1.596 (V - 128)`,
///   `G = 1.164 (Y - 16) - 0.391 (U - 128) - 0.813 (V - 128)`,
///   `B = 1.164 (Y - 16) + 2.018 (U - 128)`, in 8.8 fixed point
///   (`(298 (Y-16) + 409 (V-128) + 128) >> 8`, ...), clamped to 0..255; results
///   may differ from libyuv or OpenCV by 1 from rounding. The other way,
///   `Y = ((66 R + 129 G + 25 B + 128) >> 8) + 16`,
///   `U = ((-38 R - 74 G + 112 B + 128) >> 8) + 128`,
///   `V = ((112 R - 94 G - 18 B + 128) >> 8) + 128`, the chroma taken from the
///   rounded mean R, G, B of each 2x2 block.
///
/// # NV12 and NV21 buffers
///
/// The `Y` plane is `height` rows of `stride` bytes (the first `width` used).
/// The chroma plane follows at offset `stride * height`: `ceil(height / 2)`
/// rows of `stride` bytes, each holding `ceil(width / 2)` pairs (`U, V` for
/// NV12, `V, U` for NV21), one pair for each 2x2 block of pixels. Odd widths
/// and heights are allowed: the last column or row of blocks covers one pixel
/// instead of two. So the stride is at least `width` rounded up to even, and
/// the buffer at least `stride * (height + ceil(height / 2))` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// 1 bit per pixel, packed MSB-first, 0 = black, 1 = white; rows padded to the stride.
    Binary,
    /// 1 bit per pixel, packed MSB-first, 1 = black, 0 = white; rows padded to the stride.
    BinaryInverted,
    /// 8-bit gray, one byte per pixel.
    Grayscaled,
    /// YUV 4:2:0: a Y plane, then an interleaved V, U plane (Android's camera default).
    NV21,
    /// YUV 4:2:0: a Y plane, then an interleaved U, V plane.
    NV12,
    /// 16 bits per pixel, a little-endian `u16` `RRRRRGGGGGGBBBBB`.
    Rgb565,
    /// 16 bits per pixel, a little-endian `u16` `xRRRRRGGGGGBBBBB` (x unused).
    Rgb555,
    /// 24 bits per pixel, the bytes R, G, B.
    Rgb888,
    /// 24 bits per pixel, the bytes B, G, R.
    Bgr888,
    /// 32 bits per pixel, the bytes A, R, G, B. What reading an RGBA image gives.
    Argb8888,
    /// 32 bits per pixel, the bytes A, B, G, R.
    Abgr8888,
    /// 48 bits per pixel, R, G, B, each a little-endian `u16`.
    Rgb161616,
    /// 64 bits per pixel, A, R, G, B, each a little-endian `u16`.
    Argb16161616,
    /// 64 bits per pixel, A, B, G, R, each a little-endian `u16`.
    Abgr16161616,
    /// One byte per pixel, 0 = black, 255 = white.
    Binary8,
    /// One byte per pixel, 0 = white, 255 = black.
    Binary8Inverted,
}

impl PixelFormat {
    /// Every pixel format, in the order of the vendor enum this mirrors.
    pub const ALL: [PixelFormat; 16] = [
        PixelFormat::Binary,
        PixelFormat::BinaryInverted,
        PixelFormat::Grayscaled,
        PixelFormat::NV21,
        PixelFormat::NV12,
        PixelFormat::Rgb565,
        PixelFormat::Rgb555,
        PixelFormat::Rgb888,
        PixelFormat::Bgr888,
        PixelFormat::Argb8888,
        PixelFormat::Abgr8888,
        PixelFormat::Rgb161616,
        PixelFormat::Argb16161616,
        PixelFormat::Abgr16161616,
        PixelFormat::Binary8,
        PixelFormat::Binary8Inverted,
    ];

    /// The name, as in `PixelFormat::Rgb888`.
    pub fn name(self) -> &'static str {
        match self {
            PixelFormat::Binary => "Binary",
            PixelFormat::BinaryInverted => "BinaryInverted",
            PixelFormat::Grayscaled => "Grayscaled",
            PixelFormat::NV21 => "NV21",
            PixelFormat::NV12 => "NV12",
            PixelFormat::Rgb565 => "Rgb565",
            PixelFormat::Rgb555 => "Rgb555",
            PixelFormat::Rgb888 => "Rgb888",
            PixelFormat::Bgr888 => "Bgr888",
            PixelFormat::Argb8888 => "Argb8888",
            PixelFormat::Abgr8888 => "Abgr8888",
            PixelFormat::Rgb161616 => "Rgb161616",
            PixelFormat::Argb16161616 => "Argb16161616",
            PixelFormat::Abgr16161616 => "Abgr16161616",
            PixelFormat::Binary8 => "Binary8",
            PixelFormat::Binary8Inverted => "Binary8Inverted",
        }
    }

    /// Bits per pixel: 1, 8, 12 (NV12/NV21, on average), 16, 24, 32, 48 or 64.
    pub fn bits_per_pixel(self) -> usize {
        match self {
            PixelFormat::Binary | PixelFormat::BinaryInverted => 1,
            PixelFormat::Grayscaled | PixelFormat::Binary8 | PixelFormat::Binary8Inverted => 8,
            PixelFormat::NV12 | PixelFormat::NV21 => 12,
            PixelFormat::Rgb565 | PixelFormat::Rgb555 => 16,
            PixelFormat::Rgb888 | PixelFormat::Bgr888 => 24,
            PixelFormat::Argb8888 | PixelFormat::Abgr8888 => 32,
            PixelFormat::Rgb161616 => 48,
            PixelFormat::Argb16161616 | PixelFormat::Abgr16161616 => 64,
        }
    }

    /// The channels of the natural array: 1 (gray, `(H, W)`), 3 (RGB) or 4 (RGBA).
    pub fn channels(self) -> usize {
        match self {
            PixelFormat::Binary
            | PixelFormat::BinaryInverted
            | PixelFormat::Grayscaled
            | PixelFormat::Binary8
            | PixelFormat::Binary8Inverted => 1,
            PixelFormat::NV12
            | PixelFormat::NV21
            | PixelFormat::Rgb565
            | PixelFormat::Rgb555
            | PixelFormat::Rgb888
            | PixelFormat::Bgr888
            | PixelFormat::Rgb161616 => 3,
            PixelFormat::Argb8888
            | PixelFormat::Abgr8888
            | PixelFormat::Argb16161616
            | PixelFormat::Abgr16161616 => 4,
        }
    }

    /// The dtype of the natural array: `U16` for the three 16-bit-per-sample
    /// formats, `U8` for the others.
    pub fn dtype(self) -> DType {
        match self {
            PixelFormat::Rgb161616 | PixelFormat::Argb16161616 | PixelFormat::Abgr16161616 => {
                DType::U16
            }
            _ => DType::U8,
        }
    }

    /// True for the one-bit formats, packed or one byte per pixel.
    pub fn is_binary(self) -> bool {
        matches!(
            self,
            PixelFormat::Binary
                | PixelFormat::BinaryInverted
                | PixelFormat::Binary8
                | PixelFormat::Binary8Inverted
        )
    }

    /// True for the YUV 4:2:0 formats `NV12` and `NV21`.
    pub fn is_yuv(self) -> bool {
        matches!(self, PixelFormat::NV12 | PixelFormat::NV21)
    }

    /// The bytes one row of `width` pixels needs: the smallest valid stride.
    /// `ceil(width / 8)` for the packed binary formats, `width` rounded up to
    /// even for NV12/NV21 (the chroma rows hold `ceil(width / 2)` pairs),
    /// `width * bytes per pixel` for the others. `None` on overflow.
    pub fn min_stride(self, width: usize) -> Option<usize> {
        match self {
            PixelFormat::Binary | PixelFormat::BinaryInverted => Some(width.div_ceil(8)),
            PixelFormat::NV12 | PixelFormat::NV21 => width.div_ceil(2).checked_mul(2),
            _ => width.checked_mul(self.bits_per_pixel() / 8),
        }
    }

    /// The bytes a buffer of `height` rows `stride` bytes apart needs:
    /// `stride * height`, and for NV12/NV21 `stride * (height + ceil(height / 2))`
    /// (the chroma plane follows the Y plane). `None` on overflow.
    pub fn buffer_len(self, height: usize, stride: usize) -> Option<usize> {
        let rows = if self.is_yuv() {
            height.checked_add(height.div_ceil(2))?
        } else {
            height
        };
        stride.checked_mul(rows)
    }
}

impl fmt::Display for PixelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strides_and_buffer_lengths() {
        use PixelFormat::*;
        let table: &[(PixelFormat, usize, usize)] = &[
            (Binary, 1, 1),
            (Binary, 8, 1),
            (Binary, 9, 2),
            (BinaryInverted, 17, 3),
            (Grayscaled, 7, 7),
            (Binary8, 7, 7),
            (Binary8Inverted, 7, 7),
            (NV12, 5, 6),
            (NV21, 6, 6),
            (Rgb565, 3, 6),
            (Rgb555, 3, 6),
            (Rgb888, 3, 9),
            (Bgr888, 3, 9),
            (Argb8888, 3, 12),
            (Abgr8888, 3, 12),
            (Rgb161616, 3, 18),
            (Argb16161616, 3, 24),
            (Abgr16161616, 3, 24),
        ];
        for &(f, w, s) in table {
            assert_eq!(f.min_stride(w), Some(s), "{f} width {w}");
        }
        assert_eq!(Rgb888.buffer_len(5, 16), Some(80));
        assert_eq!(NV12.buffer_len(5, 6), Some(6 * 8));
        assert_eq!(NV21.buffer_len(4, 4), Some(24));
        assert_eq!(Argb8888.min_stride(usize::MAX), None);
        assert_eq!(Rgb888.buffer_len(usize::MAX, 2), None);
    }

    #[test]
    fn every_format_is_listed_once_with_consistent_properties() {
        for (i, f) in PixelFormat::ALL.iter().enumerate() {
            assert!(!PixelFormat::ALL[..i].contains(f));
            assert_eq!(f.to_string(), f.name());
            assert!([1, 3, 4].contains(&f.channels()));
            if f.dtype() == DType::U16 {
                assert_eq!(f.bits_per_pixel(), 16 * f.channels());
            }
            if f.is_binary() {
                assert_eq!(f.channels(), 1);
            }
        }
    }
}
