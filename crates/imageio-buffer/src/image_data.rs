//! [`ImageData`], a validated pixel buffer with its geometry and format, and
//! [`Orientation`], the EXIF orientation that travels with it.

use std::fmt;

use imageio_core::{Error, Result};

use crate::PixelFormat;

/// How the stored pixels must be transformed for display: the EXIF
/// `Orientation` tag (0x0112), values 1 to 8.
///
/// The variant names say where the stored first row and first column go
/// when the image is displayed upright (`RightTop`: the first row is the
/// right side, the first column the top). Readers report it; nothing in this
/// API applies it to the pixels or writes it to files.
///
/// | EXIF | variant | to display upright |
/// |---|---|---|
/// | 1 | `TopLeft` | nothing (the default) |
/// | 2 | `TopRight` | mirror horizontally |
/// | 3 | `BottomRight` | rotate 180° |
/// | 4 | `BottomLeft` | mirror vertically |
/// | 5 | `LeftTop` | mirror horizontally, then rotate 270° clockwise |
/// | 6 | `RightTop` | rotate 90° clockwise |
/// | 7 | `RightBottom` | mirror horizontally, then rotate 90° clockwise |
/// | 8 | `LeftBottom` | rotate 270° clockwise |
///
/// ```
/// use imageio::Orientation;
/// let o = Orientation::from_exif(6).unwrap();
/// assert_eq!((o, o.exif(), o.rotation_degrees(), o.is_mirrored()), (Orientation::RightTop, 6, 90, false));
/// assert_eq!(Orientation::from_exif(9), None);
/// assert_eq!(Orientation::default(), Orientation::TopLeft);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Orientation {
    /// 1: stored upright.
    #[default]
    TopLeft = 1,
    /// 2: mirrored left to right.
    TopRight = 2,
    /// 3: upside down (rotated 180°).
    BottomRight = 3,
    /// 4: mirrored top to bottom.
    BottomLeft = 4,
    /// 5: transposed (mirrored along the main diagonal).
    LeftTop = 5,
    /// 6: rotated 90° counter-clockwise; display rotates 90° clockwise.
    RightTop = 6,
    /// 7: transversed (mirrored along the anti-diagonal).
    RightBottom = 7,
    /// 8: rotated 90° clockwise; display rotates 270° clockwise.
    LeftBottom = 8,
}

impl Orientation {
    /// The orientation of an EXIF value; `None` outside 1..=8.
    pub fn from_exif(value: i64) -> Option<Orientation> {
        Some(match value {
            1 => Orientation::TopLeft,
            2 => Orientation::TopRight,
            3 => Orientation::BottomRight,
            4 => Orientation::BottomLeft,
            5 => Orientation::LeftTop,
            6 => Orientation::RightTop,
            7 => Orientation::RightBottom,
            8 => Orientation::LeftBottom,
            _ => return None,
        })
    }

    /// The EXIF value, 1..=8.
    pub fn exif(self) -> u8 {
        self as u8
    }

    /// The clockwise rotation (0, 90, 180 or 270) that displays the image
    /// upright, applied after the mirroring of [`is_mirrored`](Self::is_mirrored).
    pub fn rotation_degrees(self) -> u16 {
        match self {
            Orientation::TopLeft | Orientation::TopRight => 0,
            Orientation::BottomRight | Orientation::BottomLeft => 180,
            Orientation::RightTop | Orientation::RightBottom => 90,
            Orientation::LeftTop | Orientation::LeftBottom => 270,
        }
    }

    /// True when display needs a horizontal mirror (before the rotation):
    /// values 2, 4, 5 and 7.
    pub fn is_mirrored(self) -> bool {
        matches!(
            self,
            Orientation::TopRight
                | Orientation::BottomLeft
                | Orientation::LeftTop
                | Orientation::RightBottom
        )
    }
}

/// A raw pixel buffer: bytes, width, height, stride (bytes from one row to
/// the next), [`PixelFormat`] and [`Orientation`].
///
/// Made by [`ImageData::new`] (which validates the geometry) or by the
/// `ImageIO::read_from_*` calls. The buffer may be longer than needed; the
/// bytes past the last row and the row padding beyond the pixels are ignored.
///
/// ```
/// use imageio::{ImageData, PixelFormat, ErrorKind};
/// // Two rows of three RGB pixels, rows padded to 12 bytes.
/// let bytes = vec![255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0,
///                  9, 9, 9, 8, 8, 8, 7, 7, 7, 0, 0, 0];
/// let d = ImageData::new(bytes, 3, 2, 12, PixelFormat::Rgb888).unwrap();
/// assert_eq!((d.width(), d.height(), d.stride(), d.format()), (3, 2, 12, PixelFormat::Rgb888));
/// assert_eq!(d.row(1), &[9, 9, 9, 8, 8, 8, 7, 7, 7]);
/// // A stride of 8 cannot hold 3 RGB pixels (9 bytes).
/// let e = ImageData::new(vec![0; 24], 3, 2, 8, PixelFormat::Rgb888).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::InvalidInput);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ImageData {
    bytes: Vec<u8>,
    width: usize,
    height: usize,
    stride: usize,
    format: PixelFormat,
    orientation: Orientation,
}

impl ImageData {
    /// A buffer of `height` rows of `width` pixels in `format`, rows `stride`
    /// bytes apart, orientation [`Orientation::TopLeft`].
    ///
    /// Fails with [`InvalidInput`](imageio_core::ErrorKind::InvalidInput) when
    /// the width or height is 0, when `stride` is smaller than
    /// [`format.min_stride(width)`](PixelFormat::min_stride), or when `bytes`
    /// is shorter than [`format.buffer_len(height, stride)`](PixelFormat::buffer_len)
    /// (`stride * height`, plus the chroma plane for NV12/NV21).
    pub fn new(
        bytes: Vec<u8>,
        width: usize,
        height: usize,
        stride: usize,
        format: PixelFormat,
    ) -> Result<ImageData> {
        if width == 0 || height == 0 {
            return Err(Error::invalid_input(format!(
                "an image of {width}x{height} pixels is empty: width and height must be at \
                 least 1"
            )));
        }
        let min = format.min_stride(width).ok_or_else(|| {
            Error::invalid_input(format!("a row of {width} {format} pixels is too large"))
        })?;
        if stride < min {
            return Err(Error::invalid_input(format!(
                "stride {stride} is too small for {width} pixels of PixelFormat::{format}: a row \
                 needs at least {min} bytes"
            )));
        }
        let need = format.buffer_len(height, stride).ok_or_else(|| {
            Error::invalid_input(format!(
                "{height} rows of stride {stride} do not fit in memory"
            ))
        })?;
        if bytes.len() < need {
            let what = if format.is_yuv() {
                format!(
                    "stride * (height + ceil(height / 2)) = {stride} * ({height} + {}) = {need}",
                    height.div_ceil(2)
                )
            } else {
                format!("stride * height = {stride} * {height} = {need}")
            };
            return Err(Error::invalid_input(format!(
                "the buffer holds {} bytes but {width}x{height} pixels of PixelFormat::{format} \
                 need {what}",
                bytes.len()
            )));
        }
        Ok(ImageData {
            bytes,
            width,
            height,
            stride,
            format,
            orientation: Orientation::TopLeft,
        })
    }

    /// The same image with `orientation`.
    pub fn with_orientation(mut self, orientation: Orientation) -> ImageData {
        self.orientation = orientation;
        self
    }

    /// Sets the orientation.
    pub fn set_orientation(&mut self, orientation: Orientation) {
        self.orientation = orientation;
    }

    /// The whole buffer, padding included.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The buffer, given back.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The bytes from the start of one row to the start of the next.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The pixel format.
    pub fn format(&self) -> PixelFormat {
        self.format
    }

    /// The EXIF orientation (1..8); [`Orientation::TopLeft`] unless a reader
    /// found one or the caller set it.
    pub fn orientation(&self) -> Orientation {
        self.orientation
    }

    /// The pixel bytes of row `y` (of the Y plane for NV12/NV21), without the
    /// padding: [`format().min_stride(width)`](PixelFormat::min_stride) bytes.
    ///
    /// # Panics
    ///
    /// When `y >= height`.
    pub fn row(&self, y: usize) -> &[u8] {
        assert!(
            y < self.height,
            "row {y} of an image {} rows high",
            self.height
        );
        let start = y * self.stride;
        let len = self.format.min_stride(self.width).expect("checked in new");
        &self.bytes[start..start + len]
    }
}

impl fmt::Debug for ImageData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageData")
            .field("bytes", &format_args!("[{} bytes]", self.bytes.len()))
            .field("width", &self.width)
            .field("height", &self.height)
            .field("stride", &self.stride)
            .field("format", &self.format)
            .field("orientation", &self.orientation)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imageio_core::ErrorKind;

    #[test]
    fn validation() {
        use PixelFormat::*;
        // (bytes, width, height, stride, format, ok)
        let table: &[(usize, usize, usize, usize, PixelFormat, bool)] = &[
            (6, 3, 2, 3, Grayscaled, true),
            (5, 3, 2, 3, Grayscaled, false),
            (6, 3, 2, 2, Grayscaled, false),
            (2, 9, 1, 2, Binary, true),
            (2, 9, 1, 1, Binary, false),
            (2, 9, 1, 1, BinaryInverted, false),
            (18, 3, 2, 9, Rgb888, true),
            (18, 3, 2, 8, Bgr888, false),
            (17, 3, 2, 9, Rgb888, false),
            (12, 3, 2, 6, Rgb565, true),
            (12, 3, 2, 5, Rgb555, false),
            (24, 3, 2, 12, Argb8888, true),
            (24, 3, 2, 11, Abgr8888, false),
            (36, 3, 2, 18, Rgb161616, true),
            (48, 3, 2, 24, Argb16161616, true),
            (48, 3, 2, 23, Abgr16161616, false),
            (6, 3, 2, 3, Binary8, true),
            (6, 3, 2, 3, Binary8Inverted, true),
            // 3x3 NV12: stride >= 4, Y 3 rows + UV 2 rows.
            (20, 3, 3, 4, NV12, true),
            (19, 3, 3, 4, NV12, false),
            (20, 3, 3, 3, NV21, false),
            (24, 4, 4, 4, NV21, true),
            (0, 0, 2, 3, Grayscaled, false),
            (0, 3, 0, 3, Grayscaled, false),
        ];
        for &(n, w, h, s, f, ok) in table {
            let r = ImageData::new(vec![0; n], w, h, s, f);
            assert_eq!(r.is_ok(), ok, "{n} bytes, {w}x{h}, stride {s}, {f}: {r:?}");
            if let Err(e) = r {
                assert_eq!(e.kind(), ErrorKind::InvalidInput);
                assert_eq!(e.code(), 13);
            }
        }
        let e = ImageData::new(vec![0; 17], 3, 2, 9, Rgb888).unwrap_err();
        assert!(e.message().contains("17 bytes"), "{e}");
        assert!(e.message().contains("= 18"), "{e}");
        let e = ImageData::new(vec![0; 24], 3, 2, 8, Rgb888).unwrap_err();
        assert!(e.message().contains("at least 9 bytes"), "{e}");
        let e = ImageData::new(vec![0; 8], usize::MAX, 1, 8, Rgb888).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = ImageData::new(vec![0; 8], 1, usize::MAX, 8, Rgb888).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn accessors_and_orientation() {
        let d = ImageData::new((0..30).collect(), 4, 3, 10, PixelFormat::Rgb565).unwrap();
        assert_eq!(d.row(2), &[20, 21, 22, 23, 24, 25, 26, 27]);
        assert_eq!(d.orientation(), Orientation::TopLeft);
        let mut d = d.with_orientation(Orientation::LeftBottom);
        assert_eq!(d.orientation().exif(), 8);
        d.set_orientation(Orientation::TopRight);
        assert_eq!(d.orientation(), Orientation::TopRight);
        assert!(format!("{d:?}").contains("[30 bytes]"));
        assert_eq!(d.clone().into_bytes().len(), 30);
        for v in 1..=8 {
            let o = Orientation::from_exif(v).unwrap();
            assert_eq!(o.exif() as i64, v);
        }
        assert_eq!(Orientation::from_exif(0), None);
        let rot: Vec<(u16, bool)> = (1..=8)
            .map(|v| {
                let o = Orientation::from_exif(v).unwrap();
                (o.rotation_degrees(), o.is_mirrored())
            })
            .collect();
        assert_eq!(
            rot,
            vec![
                (0, false),
                (0, true),
                (180, false),
                (180, true),
                (270, true),
                (90, false),
                (90, true),
                (270, false)
            ]
        );
    }
}
