//! Writing ImageJ hyperstacks (`imagej=true`): an N-D array whose axes are
//! a subsequence of ImageJ's `TZCYXS` becomes `T * Z * C` pages of `(Y, X)`
//! or `(Y, X, S)` in that order, the first page carrying the ImageJ
//! ImageDescription that Fiji and tifffile read:
//!
//! ```text
//! ImageJ=1.11a
//! images=24
//! channels=2
//! slices=3
//! frames=4
//! hyperstack=true
//! mode=grayscale
//! loop=false
//! spacing=2.5
//! unit=um
//! finterval=0.5
//! ```
//!
//! The lines and their order are those of tifffile's `imagej_description`
//! (the counts of size 1 left out, `mode` only for non-RGB data, `loop`
//! only with frames, then the optional keys); numbers are written as
//! Python writes them (`2.0`, `0.1`, `1e-07`), so tifffile writes the same
//! text for the same array and metadata. Without the `axes` option the axes
//! are tifffile's default: the last dimensions of `TZCYX`, or of `TZCYXS`
//! for u8 data whose last dimension is 3 or 4.

use imageio_core::{DType, Error, NdImage, Options, Result, Value};
use tiff::encoder::{Rational, TiffEncoder, TiffKindStandard};
use tiff::tags::{
    CompressionMethod, PhotometricInterpretation, PlanarConfiguration, ResolutionUnit,
    SampleFormat, Tag,
};

use crate::write::{enc_err, PageOptions};

/// The ImageJ version the description names (tifffile's).
const VERSION: &str = "1.11a";

/// A hyperstack ready to write: its pages and the first page's tags.
pub(crate) struct Hyperstack {
    /// `(images, Y, X)` or `(images, Y, X, S)`: the array seen as its pages.
    pub shape: Vec<usize>,
    pub description: String,
    /// `(dy, dx)` for X/YResolution (unit none), when given.
    pub pixel_size: Option<(f64, f64)>,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::invalid_option(format!("imagej: {}", msg.into()))
}

/// The options that only ImageJ hyperstacks take.
const IMAGEJ_ONLY: &[&str] = &[
    "axes",
    "spacing",
    "unit",
    "finterval",
    "imagej_mode",
    "loop",
];

/// Whether the options ask for an ImageJ hyperstack; the options of
/// hyperstacks without `imagej=true` are an error, not ignored.
pub(crate) fn wanted(options: &Options) -> Result<bool> {
    let on = match options.get("imagej") {
        None => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| invalid(format!("imagej is true or false (got {v:?})")))?,
    };
    if !on {
        if let Some(k) = IMAGEJ_ONLY.iter().find(|k| options.get(k).is_some()) {
            return Err(invalid(format!(
                "the `{k}` option applies to ImageJ hyperstacks: add imagej=true"
            )));
        }
    }
    Ok(on)
}

/// A number as Python's `str(float)` writes it: `2.0`, `0.5`, `1e-07`,
/// `1e+16`.
pub(crate) fn py_float(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "nan".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let a = v.abs();
    if a == 0.0 || (1e-4..1e16).contains(&a) {
        let s = format!("{v}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        // Shortest round-trip digits in scientific form, Python's exponent
        // (sign, at least two digits).
        let s = format!("{v:e}");
        let (mantissa, exp) = s.split_once('e').expect("{:e} has an exponent");
        let exp: i32 = exp.parse().expect("an integer exponent");
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
    }
}

/// The shape normalised to ImageJ's six dimensions `TZCYXS` from the
/// array's `shape` and `axes` (tifffile's `imagej_shape`).
pub(crate) fn ij_shape(shape: &[usize], axes: Option<&str>, dtype: DType) -> Result<[usize; 6]> {
    let ndim = shape.len();
    if !(2..=6).contains(&ndim) {
        return Err(invalid(format!(
            "an ImageJ hyperstack has 2 to 6 dimensions (got {ndim})"
        )));
    }
    let axes = match axes {
        Some(a) => a.to_ascii_uppercase(),
        None => {
            let rgb = dtype == DType::U8 && ndim > 2 && matches!(shape[ndim - 1], 3 | 4);
            let all = if rgb { "TZCYXS" } else { "TZCYX" };
            if ndim > all.len() {
                return Err(invalid(
                    "a 6-D array needs axes (TZCYXS with 3 or 4 samples)",
                ));
            }
            all[all.len() - ndim..].to_owned()
        }
    };
    if axes.chars().count() != ndim {
        return Err(invalid(format!(
            "axes {axes:?} do not match the array's {ndim} dimensions"
        )));
    }
    let mut out = [1usize; 6];
    let mut next = 0;
    for (c, &n) in axes.chars().zip(shape) {
        let Some(j) = "TZCYXS".find(c).filter(|&j| j >= next) else {
            return Err(invalid(format!(
                "axes {axes:?}: ImageJ takes the axes T, Z, C, Y, X, S in that order"
            )));
        };
        out[j] = n;
        next = j + 1;
    }
    if !axes.contains('Y') || !axes.contains('X') {
        return Err(invalid(format!("axes {axes:?} must contain Y and X")));
    }
    if !matches!(out[5], 1 | 3 | 4) {
        return Err(invalid(format!(
            "an ImageJ hyperstack has 1, 3 or 4 samples (S is {})",
            out[5]
        )));
    }
    Ok(out)
}

/// The optional keys of the description, in the order they are written.
struct Extras {
    mode: Option<String>,
    loop_: Option<bool>,
    spacing: Option<f64>,
    unit: Option<String>,
    finterval: Option<f64>,
}

/// The ImageJ description of a hyperstack of `shape` (TZCYXS).
fn description(s: &[usize; 6], e: &Extras) -> String {
    let rgb = matches!(s[5], 3 | 4);
    let mut lines = vec![
        format!("ImageJ={VERSION}"),
        format!("images={}", s[0] * s[1] * s[2]),
    ];
    let mut tail = vec!["hyperstack=true".to_owned()];
    if s[2] > 1 {
        lines.push(format!("channels={}", s[2]));
    }
    let mode = e
        .mode
        .clone()
        .or_else(|| (!rgb).then(|| "grayscale".to_owned()));
    if let Some(m) = mode {
        tail.push(format!("mode={m}"));
    }
    if s[1] > 1 {
        lines.push(format!("slices={}", s[1]));
    }
    if s[0] > 1 {
        lines.push(format!("frames={}", s[0]));
        if e.loop_.is_none() {
            tail.push("loop=false".into());
        }
    }
    if let Some(l) = e.loop_ {
        tail.push(format!("loop={l}"));
    }
    if let Some(dz) = e.spacing {
        tail.push(format!("spacing={}", py_float(dz)));
    }
    if let Some(u) = &e.unit {
        tail.push(format!("unit={u}"));
    }
    if let Some(f) = e.finterval {
        tail.push(format!("finterval={}", py_float(f)));
    }
    lines.extend(tail);
    lines.push(String::new());
    lines.join("\n")
}

fn float(options: &Options, key: &str) -> Result<Option<f64>> {
    match options.get(key) {
        None => Ok(None),
        Some(v) => match v.as_float() {
            Some(f) if f.is_finite() && f > 0.0 => Ok(Some(f)),
            _ => Err(invalid(format!("{key} is a positive number (got {v:?})"))),
        },
    }
}

/// `spacing`: `dz`, `[dy, dx]` or `[dz, dy, dx]`.
type Spacing = (Option<f64>, Option<(f64, f64)>);

fn spacing(options: &Options) -> Result<Spacing> {
    let Some(v) = options.get("spacing") else {
        return Ok((None, None));
    };
    let help = || {
        invalid(format!(
            "spacing is dz, [dy, dx] or [dz, dy, dx], positive (got {v:?})"
        ))
    };
    let nums: Vec<f64> = match v.as_list() {
        Some(l) => l
            .iter()
            .map(Value::as_float)
            .collect::<Option<_>>()
            .ok_or_else(help)?,
        None => vec![v.as_float().ok_or_else(help)?],
    };
    if nums.iter().any(|&f| !(f.is_finite() && f > 0.0)) {
        return Err(help());
    }
    Ok(match nums[..] {
        [dz] => (Some(dz), None),
        [dy, dx] => (None, Some((dy, dx))),
        [dz, dy, dx] => (Some(dz), Some((dy, dx))),
        _ => return Err(help()),
    })
}

/// The hyperstack `image` makes with `options` (`axes`, `spacing`,
/// `unit`, `finterval`, `imagej_mode`, `loop`), or why not.
pub(crate) fn prepare(image: &NdImage, options: &Options) -> Result<Hyperstack> {
    let dtype = image.dtype();
    if !matches!(dtype, DType::U8 | DType::U16 | DType::I16 | DType::F32) {
        return Err(Error::unsupported(format!(
            "TIFF: ImageJ hyperstacks hold u8, u16, i16 or f32 samples, not {dtype}"
        ))
        .with_hint(imageio_core::Hint::Cast(vec![
            DType::F32,
            DType::U16,
            DType::U8,
        ])));
    }
    for key in ["description", "tile"] {
        if options.get(key).is_some() {
            return Err(invalid(format!(
                "the `{key}` option does not go with imagej=true (ImageJ writes its own \
                 description and reads strips only)"
            )));
        }
    }
    let axes =
        match options.get("axes") {
            None => None,
            Some(v) => Some(v.as_str().ok_or_else(|| {
                invalid(format!("axes is a string such as \"TZCYX\" (got {v:?})"))
            })?),
        };
    let s = ij_shape(image.shape(), axes, dtype)?;
    if s[5] > 1 && dtype != DType::U8 {
        return Err(Error::unsupported(format!(
            "TIFF: ImageJ RGB hyperstacks are u8, not {dtype}"
        )));
    }
    let (dz, pixel_size) = spacing(options)?;
    let text = |key: &str| -> Result<Option<String>> {
        match options.get(key) {
            None => Ok(None),
            Some(v) => match v.as_str() {
                Some(t) if !t.contains(['\n', '\0', '=']) && !t.is_empty() => {
                    Ok(Some(t.to_owned()))
                }
                _ => Err(invalid(format!("{key} is one line of text (got {v:?})"))),
            },
        }
    };
    let loop_ = match options.get("loop") {
        None => None,
        Some(v) => Some(
            v.as_bool()
                .ok_or_else(|| invalid(format!("loop is true or false (got {v:?})")))?,
        ),
    };
    let extras = Extras {
        mode: text("imagej_mode")?,
        loop_,
        spacing: dz,
        unit: text("unit")?,
        finterval: float(options, "finterval")?,
    };
    let mut page = vec![s[0] * s[1] * s[2], s[3], s[4]];
    if s[5] > 1 {
        page.push(s[5]);
    }
    Ok(Hyperstack {
        shape: page,
        description: description(&s, &extras),
        pixel_size,
    })
}

/// Page `i` of `image` seen as `shape` (`(images, Y, X[, S])`): one page
/// copied, the array itself never.
pub(crate) fn page(image: &NdImage, shape: &[usize], i: usize) -> Result<NdImage> {
    use imageio_core::ndarray::{Axis, IxDyn};
    imageio_core::with_dtype!(image.dtype(), T => {
        let a = image
            .as_array::<T>()
            .ok_or_else(|| Error::internal("TIFF: the dtype was matched"))?;
        let p = match a.view().into_shape_with_order(IxDyn(shape)) {
            Ok(v) => v.index_axis(Axis(0), i).to_owned(),
            // Not in C order: the page's samples gathered.
            Err(_) => {
                let n: usize = shape[1..].iter().product();
                let v: Vec<T> = a.iter().skip(i * n).take(n).copied().collect();
                imageio_core::ndarray::ArrayD::from_shape_vec(IxDyn(&shape[1..]), v)
                    .map_err(|e| Error::internal(format!("TIFF: an ImageJ page: {e}")))?
            }
        };
        Ok(NdImage::from(p))
    })
}

/// An uncompressed hyperstack in ImageJ's layout: every image back to
/// back in one block, then one directory per image (one strip each), the
/// first with the description.
pub(crate) fn write_contiguous<W>(
    enc: &mut TiffEncoder<W, TiffKindStandard>,
    image: &NdImage,
    h: &Hyperstack,
    o: &PageOptions,
) -> Result<()>
where
    W: std::io::Write + std::io::Seek,
{
    let bytes = image.standard_bytes();
    let images = h.shape[0];
    let (rows, cols) = (h.shape[1], h.shape[2]);
    let c = h.shape.get(3).copied().unwrap_or(1);
    let page_bytes = bytes.len() / images.max(1);
    let too_big = || Error::unsupported("TIFF: an ImageJ hyperstack is classic TIFF: under 4 GiB");
    let u32_of = |v: usize| u32::try_from(v).map_err(|_| too_big());
    let dtype = image.dtype();
    let format = if dtype.is_float() {
        SampleFormat::IEEEFP
    } else if dtype.is_signed_int() {
        SampleFormat::Int
    } else {
        SampleFormat::Uint
    };
    let photometric = if c > 1 {
        PhotometricInterpretation::RGB
    } else {
        PhotometricInterpretation::BlackIsZero
    };
    let mut first = 0u32;
    for i in 0..images {
        let mut dir = enc.image_directory().map_err(enc_err)?;
        if i == 0 {
            first = u32_of(dir.write_data(&bytes[..]).map_err(enc_err)? as usize)?;
        }
        let offset = u64::from(first) + (i * page_bytes) as u64;
        let offset = u32::try_from(offset).map_err(|_| too_big())?;
        dir.write_tag(Tag::NewSubfileType, 0u32).map_err(enc_err)?;
        dir.write_tag(Tag::ImageWidth, u32_of(cols)?)
            .map_err(enc_err)?;
        dir.write_tag(Tag::ImageLength, u32_of(rows)?)
            .map_err(enc_err)?;
        let bits = vec![(dtype.size() * 8) as u16; c];
        dir.write_tag(Tag::BitsPerSample, &bits[..])
            .map_err(enc_err)?;
        let none = CompressionMethod::None.to_u16();
        dir.write_tag(Tag::Compression, none).map_err(enc_err)?;
        dir.write_tag(Tag::PhotometricInterpretation, photometric.to_u16())
            .map_err(enc_err)?;
        dir.write_tag(Tag::StripOffsets, offset).map_err(enc_err)?;
        dir.write_tag(Tag::SamplesPerPixel, c as u16)
            .map_err(enc_err)?;
        dir.write_tag(Tag::RowsPerStrip, u32_of(rows)?)
            .map_err(enc_err)?;
        dir.write_tag(Tag::StripByteCounts, u32_of(page_bytes)?)
            .map_err(enc_err)?;
        if c > 1 {
            let chunky = PlanarConfiguration::Chunky.to_u16();
            dir.write_tag(Tag::PlanarConfiguration, chunky)
                .map_err(enc_err)?;
        }
        let formats = vec![format.to_u16(); c];
        dir.write_tag(Tag::SampleFormat, &formats[..])
            .map_err(enc_err)?;
        if o.pixel_size.is_none() && o.dpi.is_none() {
            // What tifffile writes for ImageJ: 1/1, no unit.
            let one = Rational { n: 1, d: 1 };
            dir.write_tag(Tag::XResolution, &one).map_err(enc_err)?;
            dir.write_tag(Tag::YResolution, &one).map_err(enc_err)?;
            let none = ResolutionUnit::None.to_u16();
            dir.write_tag(Tag::ResolutionUnit, none).map_err(enc_err)?;
        }
        let page = PageOptions {
            description: (i == 0).then(|| h.description.clone()),
            software: o.software.clone(),
            dpi: o.dpi,
            pixel_size: o.pixel_size,
            compression: o.compression,
            predictor: o.predictor,
            tile: None,
        };
        crate::write::describe(&mut dir, &page)?;
        dir.finish().map_err(enc_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Extras {
        Extras {
            mode: None,
            loop_: None,
            spacing: None,
            unit: None,
            finterval: None,
        }
    }

    #[test]
    fn descriptions_are_tifffiles() {
        // tifffile.imagej_description((51, 5, 2, 196, 171))
        let s = ij_shape(&[51, 5, 2, 196, 171], None, DType::U16).unwrap();
        assert_eq!(
            description(&s, &none()),
            "ImageJ=1.11a\nimages=510\nchannels=2\nslices=5\nframes=51\nhyperstack=true\n\
             mode=grayscale\nloop=false\n"
        );
        // RGB: no mode; a 3-D gray array is CYX.
        let s = ij_shape(&[4, 5, 6, 3], None, DType::U8).unwrap();
        assert_eq!(s, [1, 1, 4, 5, 6, 3]);
        assert_eq!(
            description(&s, &none()),
            "ImageJ=1.11a\nimages=4\nchannels=4\nhyperstack=true\n"
        );
        assert_eq!(
            ij_shape(&[4, 5, 6], None, DType::U8).unwrap(),
            [1, 1, 4, 5, 6, 1]
        );
        assert_eq!(
            ij_shape(&[4, 5, 6, 3], None, DType::U16).unwrap(),
            [1, 4, 5, 6, 3, 1]
        );
        let e = Extras {
            spacing: Some(2.0),
            unit: Some("um".into()),
            finterval: Some(1e-7),
            ..none()
        };
        let s = ij_shape(&[3, 5, 6], Some("zyx"), DType::F32).unwrap();
        assert_eq!(
            description(&s, &e),
            "ImageJ=1.11a\nimages=3\nslices=3\nhyperstack=true\nmode=grayscale\nspacing=2.0\n\
             unit=um\nfinterval=1e-07\n"
        );
        assert!(ij_shape(&[3, 5, 6], Some("ZXY"), DType::U8).is_err());
        assert!(ij_shape(&[3, 5, 6], Some("ZY"), DType::U8).is_err());
        assert!(ij_shape(&[3, 5, 6], Some("TZC"), DType::U8).is_err());
        assert!(ij_shape(&[5, 6, 2], Some("YXS"), DType::U8).is_err());
    }

    #[test]
    fn floats_as_python_writes_them() {
        for (v, s) in [
            (2.0, "2.0"),
            (0.5, "0.5"),
            (0.1, "0.1"),
            (1e-7, "1e-07"),
            (0.0001, "0.0001"),
            (1.5e-5, "1.5e-05"),
            (1e16, "1e+16"),
            (123456.789, "123456.789"),
        ] {
            assert_eq!(py_float(v), s);
        }
    }
}
