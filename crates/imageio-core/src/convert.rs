//! Conversions the core applies for every plugin when asked: the colour
//! [`Mode`] of a read (gray, gray+alpha, RGB, RGBA) and, in
//! [`NdImage::cast`](crate::NdImage::cast), the dtype.

use std::fmt;
use std::str::FromStr;

use ndarray::{ArrayD, Axis, IxDyn};

use crate::dtype::Element;
use crate::{with_ndimage, Error, NdImage, Result};

/// A colour mode to convert a read into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// One channel, `(H, W)`.
    Gray,
    /// Gray and alpha, `(H, W, 2)`.
    GrayAlpha,
    /// `(H, W, 3)`.
    Rgb,
    /// `(H, W, 4)`.
    Rgba,
}

impl Mode {
    /// The number of channels (1 for gray).
    pub fn channels(self) -> usize {
        match self {
            Mode::Gray => 1,
            Mode::GrayAlpha => 2,
            Mode::Rgb => 3,
            Mode::Rgba => 4,
        }
    }
    /// The Pillow-style name: `L`, `LA`, `RGB`, `RGBA`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Gray => "L",
            Mode::GrayAlpha => "LA",
            Mode::Rgb => "RGB",
            Mode::Rgba => "RGBA",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Mode {
    type Err = Error;
    /// `L`/`gray`, `LA`/`gray+alpha`, `RGB`, `RGBA` (any case).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "l" | "gray" | "grey" => Ok(Mode::Gray),
            "la" | "gray+alpha" | "grayalpha" | "gray_alpha" => Ok(Mode::GrayAlpha),
            "rgb" => Ok(Mode::Rgb),
            "rgba" => Ok(Mode::Rgba),
            _ => Err(Error::invalid_option(format!(
                "unknown mode {s:?}: use L (gray), LA (gray+alpha), RGB or RGBA"
            ))),
        }
    }
}

/// The number of channels of an image (or of each image of a stack):
/// 1 for `(H, W)`, C for `(H, W, C)`.
pub fn channels_of(shape: &[usize], is_batch: bool) -> Result<usize> {
    let img = if is_batch {
        shape.get(1..).unwrap_or(&[])
    } else {
        shape
    };
    match img.len() {
        2 => Ok(1),
        3 if (1..=4).contains(&img[2]) => Ok(img[2]),
        _ => Err(Error::invalid_input(format!(
            "an image of shape {shape:?} is not (H, W) or (H, W, C) with C <= 4{}",
            if is_batch { " per frame" } else { "" }
        ))),
    }
}

/// The shape a read of `shape` has after converting to `mode`.
pub fn shape_after_mode(shape: &[usize], is_batch: bool, mode: Mode) -> Result<Vec<usize>> {
    let c = channels_of(shape, is_batch)?;
    let mut out = shape.to_vec();
    if c > 1 || shape.len() == 3 + is_batch as usize {
        out.pop();
    }
    if mode.channels() > 1 {
        out.push(mode.channels());
    }
    Ok(out)
}

/// Converts an image (or each image of a stack) to `mode`. Gray from colour
/// uses the ITU-R 601-2 luma transform (L = R·299/1000 + G·587/1000 +
/// B·114/1000, rounded for integer types), as Pillow does; an added alpha is
/// opaque (the dtype's maximum, 1.0 for floats); a dropped alpha is dropped.
pub fn convert_mode(img: NdImage, mode: Mode, is_batch: bool) -> Result<NdImage> {
    let c = channels_of(img.shape(), is_batch)?;
    let has_channel_axis = img.ndim() == 3 + is_batch as usize;
    if c == mode.channels() && (has_channel_axis == (mode.channels() > 1)) {
        return Ok(img);
    }
    let dtype = img.dtype();
    let opaque = dtype.max_value();
    let round = !dtype.is_float();
    Ok(with_ndimage!(img, a => map convert_typed(&a, c, has_channel_axis, mode, opaque, round)))
}

fn convert_typed<T: Element>(
    a: &ArrayD<T>,
    c: usize,
    has_channel_axis: bool,
    mode: Mode,
    opaque: f64,
    round: bool,
) -> ArrayD<T> {
    let a = if has_channel_axis {
        a.view()
    } else {
        a.view().insert_axis(Axis(a.ndim()))
    };
    let a = a.as_standard_layout();
    let src = a.as_slice().expect("standard layout");
    let oc = mode.channels();
    let npix = src.len() / c;
    let mut out: Vec<T> = Vec::with_capacity(npix * oc);
    let luma = |px: &[T]| -> T {
        let v = px[0].to_f64() * 0.299 + px[1].to_f64() * 0.587 + px[2].to_f64() * 0.114;
        T::from_f64(if round { v.round() } else { v })
    };
    // Loop invariants out of the per-pixel loop: the luma only when a gray
    // mode is asked for (it was a third of an RGB -> RGBA conversion).
    let opaque = T::from_f64(opaque);
    let gray_out = matches!(mode, Mode::Gray | Mode::GrayAlpha);
    for px in src.chunks_exact(c) {
        let gray = if gray_out && c >= 3 { luma(px) } else { px[0] };
        let rgb = if c >= 3 {
            [px[0], px[1], px[2]]
        } else {
            [px[0]; 3]
        };
        let alpha = match c {
            2 => px[1],
            4 => px[3],
            _ => opaque,
        };
        match mode {
            Mode::Gray => out.push(gray),
            Mode::GrayAlpha => out.extend_from_slice(&[gray, alpha]),
            Mode::Rgb => out.extend_from_slice(&rgb),
            Mode::Rgba => out.extend_from_slice(&[rgb[0], rgb[1], rgb[2], alpha]),
        }
    }
    let mut shape = a.shape().to_vec();
    shape.pop();
    if oc > 1 {
        shape.push(oc);
    }
    ArrayD::from_shape_vec(IxDyn(&shape), out).expect("sizes match")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn rgb_to_gray_and_back() {
        let rgb = NdImage::from(array![[[255u8, 0, 0], [10, 20, 30]]]);
        let g = convert_mode(rgb.clone(), Mode::Gray, false).unwrap();
        assert_eq!(g.shape(), &[1, 2]);
        let g = g.into_array::<u8>().unwrap();
        assert_eq!(g[[0, 0]], 76); // 255 * 0.299 = 76.2
        assert_eq!(g[[0, 1]], 18); // 2.99 + 11.74 + 3.42 = 18.15
        let rgba = convert_mode(rgb, Mode::Rgba, false).unwrap();
        assert_eq!(rgba.shape(), &[1, 2, 4]);
        assert_eq!(rgba.as_array::<u8>().unwrap()[[0, 1, 3]], 255);
    }

    #[test]
    fn gray_to_rgba_u16_and_float_alpha() {
        let g = NdImage::from(array![[1u16, 2]]);
        let r = convert_mode(g, Mode::Rgba, false).unwrap();
        assert_eq!(
            r.as_array::<u16>().unwrap().as_slice().unwrap(),
            &[1, 1, 1, 65535, 2, 2, 2, 65535]
        );
        let f = NdImage::from(array![[0.5f32]]);
        let r = convert_mode(f, Mode::GrayAlpha, false).unwrap();
        assert_eq!(
            r.as_array::<f32>().unwrap().as_slice().unwrap(),
            &[0.5, 1.0]
        );
    }

    #[test]
    fn batches_convert_per_frame() {
        let s = NdImage::zeros(&[3, 4, 5, 4], crate::DType::U8);
        let r = convert_mode(s, Mode::Rgb, true).unwrap();
        assert_eq!(r.shape(), &[3, 4, 5, 3]);
        assert_eq!(
            shape_after_mode(&[3, 4, 5, 4], true, Mode::Gray).unwrap(),
            vec![3, 4, 5]
        );
        assert_eq!(
            shape_after_mode(&[4, 5], false, Mode::Rgb).unwrap(),
            vec![4, 5, 3]
        );
        assert_eq!(
            shape_after_mode(&[4, 5, 1], false, Mode::Gray).unwrap(),
            vec![4, 5]
        );
    }

    #[test]
    fn mode_names() {
        assert_eq!("la".parse::<Mode>().unwrap(), Mode::GrayAlpha);
        assert!("cmyk".parse::<Mode>().is_err());
    }
}
