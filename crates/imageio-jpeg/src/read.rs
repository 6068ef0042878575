//! Reading: the header walk at open (no pixels decoded), full-size decoding
//! with `zune-jpeg` straight into the array's buffer, DCT-scaled and
//! lossless decoding with `jpeg-decoder`, EXIF orientation, and the
//! metadata.

use imageio_core::plugin::{keys, Reader};
use imageio_core::{
    DType, Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes, Value,
};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;

use crate::exif::{exif_tags, orientation};
use crate::markers::{self, Header};
use imageio_core::plugin::apply_orientation;

/// The read side of the plugin.
pub(crate) struct JpegReader {
    data: SharedBytes,
    limits: Limits,
}

/// What a read asks for beyond the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ReadParams {
    /// Reduction factor: 1, 2, 4 or 8.
    scale: u32,
    /// Apply the EXIF orientation.
    rotate: bool,
    /// The decoder asked for.
    backend: Backend,
}

/// The decoder a read uses (the `backend` read option).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    /// The fastest that decodes the file: libjpeg-turbo when the `turbo`
    /// feature is on, else zune-jpeg; jpeg-decoder for DCT-scaled reads
    /// without `turbo`, lossless frames and what the others refuse.
    Auto,
    /// zune-jpeg (full size only).
    Zune,
    /// libjpeg-turbo (needs the `turbo` feature).
    Turbo,
    /// jpeg-decoder.
    JpegDecoder,
}

/// The `backend` read option.
fn backend_option(options: &Options) -> Result<Backend> {
    let Some(v) = options.get("backend") else {
        return Ok(Backend::Auto);
    };
    match v.as_str() {
        Some("auto") => Ok(Backend::Auto),
        Some("zune-jpeg") => Ok(Backend::Zune),
        Some("libjpeg-turbo") => Ok(Backend::Turbo),
        Some("jpeg-decoder") => Ok(Backend::JpegDecoder),
        _ => Err(Error::invalid_option(format!(
            "backend takes \"auto\", \"libjpeg-turbo\", \"zune-jpeg\" or \"jpeg-decoder\", not {v}"
        ))),
    }
}

/// The `scale` read option as a reduction factor 1, 2, 4 or 8.
fn scale_option(options: &Options) -> Result<u32> {
    let Some(v) = options.get("scale") else {
        return Ok(1);
    };
    let help = "scale takes 1, 0.5, 0.25 or 0.125 (or \"1/2\", \"1/4\", \"1/8\"): the size of \
                the decoded image relative to the stored one";
    let f = match v {
        Value::Str(s) => match s.trim() {
            "1" | "1/1" => 1.0,
            "1/2" => 0.5,
            "1/4" => 0.25,
            "1/8" => 0.125,
            _ => s.trim().parse::<f64>().unwrap_or(f64::NAN),
        },
        other => other.as_float().unwrap_or(f64::NAN),
    };
    match f {
        1.0 => Ok(1),
        0.5 => Ok(2),
        0.25 => Ok(4),
        0.125 => Ok(8),
        _ => Err(Error::invalid_option(format!("{help}, not {v}"))),
    }
}

fn params(options: &Options) -> Result<ReadParams> {
    let rotate = match options.get("rotate") {
        None => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| Error::invalid_option(format!("rotate takes true or false, not {v}")))?,
    };
    Ok(ReadParams {
        scale: scale_option(options)?,
        rotate,
        backend: backend_option(options)?,
    })
}

/// A `zune-jpeg` error as ours.
fn zune_err(e: zune_jpeg::errors::DecodeErrors) -> Error {
    Error::decode(format!(
        "JPEG: {e:?}; the file is damaged or uses a feature zune-jpeg does not decode"
    ))
}

/// A `jpeg-decoder` error as ours.
fn jd_err(e: jpeg_decoder::Error) -> Error {
    match e {
        jpeg_decoder::Error::Unsupported(f) => {
            Error::unsupported(format!("JPEG: jpeg-decoder does not decode {f:?} images"))
        }
        jpeg_decoder::Error::Io(io) => Error::io(io),
        other => Error::decode(format!("JPEG: {other}")),
    }
}

/// What the backends cannot decode at all, named, before anything is tried.
fn check_supported(h: &Header<'_>) -> Result<()> {
    let what = match h.sof {
        0xC9..=0xCB | 0xCD..=0xCF => Some("arithmetic-coded JPEG (SOF9..SOF15)"),
        0xC5..=0xC7 => Some("hierarchical (differential) JPEG (SOF5..SOF7)"),
        _ => None,
    };
    if let Some(what) = what {
        return Err(Error::unsupported(format!(
            "JPEG: {what} is not supported by the backends (zune-jpeg, jpeg-decoder); convert \
             the file with another tool (e.g. `jpegtran`) to Huffman coding"
        )));
    }
    if !h.lossless() && h.precision != 8 {
        return Err(Error::unsupported(format!(
            "JPEG: {}-bit samples ({} frame) are not supported by the backends (zune-jpeg, \
             jpeg-decoder read 8-bit DCT frames only)",
            h.precision,
            h.coding()
        )));
    }
    match h.components.len() {
        1 | 3 | 4 => Ok(()),
        n => Err(Error::unsupported(format!(
            "JPEG: {n}-component frames are not supported (1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK are)"
        ))),
    }
}

/// Refuses `scale` on lossless frames (jpeg-decoder scales the IDCT only).
fn check_scale(h: &Header<'_>, scale: u32) -> Result<()> {
    if h.lossless() && scale > 1 {
        return Err(Error::unsupported(
            "JPEG: scale applies to DCT frames; this lossless frame decodes at full size only",
        ));
    }
    Ok(())
}

/// The shape and dtype a full-size read of `h` returns, before rotation.
fn stored_shape(h: &Header<'_>, scale: u32) -> (Vec<usize>, DType) {
    let w = h.width.div_ceil(scale) as usize;
    let hh = h.height.div_ceil(scale) as usize;
    let dtype = if h.lossless() && h.precision > 8 {
        DType::U16
    } else {
        DType::U8
    };
    if h.components.len() == 1 {
        (vec![hh, w], dtype)
    } else {
        (vec![hh, w, 3], dtype)
    }
}

/// Swaps the first two axes of a shape (orientations 5..8 transpose).
fn transposed(mut shape: Vec<usize>, orientation: u32) -> Vec<usize> {
    if (5..=8).contains(&orientation) {
        shape.swap(0, 1);
    }
    shape
}

impl JpegReader {
    /// Walks the header once to refuse what is not a JPEG frame; decodes no
    /// pixels.
    pub(crate) fn open(data: SharedBytes, limits: Limits) -> Result<JpegReader> {
        markers::parse(&data)?;
        Ok(JpegReader { data, limits })
    }

    fn header(&self) -> Result<Header<'_>> {
        markers::parse(&self.data)
    }

    /// The EXIF orientation (1 when absent or unreadable).
    fn orientation(&self, h: &Header<'_>) -> u32 {
        h.exif.and_then(orientation).unwrap_or(1)
    }

    /// The default decode: libjpeg-turbo where it decodes the file (feature
    /// `turbo`), then zune-jpeg at full size, jpeg-decoder for the rest; a
    /// backend's error is kept only when the next one fails too.
    fn decode_auto(&self, h: &Header<'_>, shape: &[usize], scale: u32) -> Result<NdImage> {
        // A progressive file at 1/8 is decoded from its DC scans alone by
        // jpeg-decoder (faster than libjpeg-turbo on the whole file, whose
        // block smoothing would change the pixels of a DC-only file).
        #[cfg(feature = "turbo")]
        if crate::turbo::decodes(h) && !(scale == 8 && h.progressive()) {
            let first = match self.decode_turbo(h, shape, scale) {
                Ok(img) => return Ok(img),
                Err(e) if e.kind() == imageio_core::ErrorKind::LimitExceeded => return Err(e),
                Err(e) => e,
            };
            let next = match scale {
                1 => self.decode_zune(h, shape),
                _ => self.decode_jd(h, shape, scale),
            };
            return next.map_err(|_| first);
        }
        if h.lossless() || scale > 1 {
            return self.decode_jd(h, shape, scale);
        }
        match self.decode_zune(h, shape) {
            Ok(img) => Ok(img),
            // jpeg-decoder reads some files zune-jpeg refuses; its error
            // is kept only when it fails too.
            Err(first) => self.decode_jd(h, shape, 1).map_err(|_| first),
        }
    }

    /// Decode with libjpeg-turbo (feature `turbo`), full size or DCT-scaled.
    #[cfg(feature = "turbo")]
    fn decode_turbo(&self, h: &Header<'_>, shape: &[usize], scale: u32) -> Result<NdImage> {
        if !crate::turbo::decodes(h) {
            return Err(Error::unsupported(format!(
                "JPEG: libjpeg-turbo is used here for 8-bit Huffman-coded DCT frames, not this \
                 {} frame: use backend \"auto\"",
                h.coding()
            )));
        }
        crate::turbo::decode(&self.data, h, shape, scale, &self.limits)
    }

    /// Without the `turbo` feature, `backend = "libjpeg-turbo"` says how to
    /// get it.
    #[cfg(not(feature = "turbo"))]
    fn decode_turbo(&self, _h: &Header<'_>, _shape: &[usize], _scale: u32) -> Result<NdImage> {
        Err(Error::unsupported(
            "JPEG: the libjpeg-turbo backend is not built in: enable the `turbo` feature of \
             imageio-jpeg",
        ))
    }

    /// Full-size 8-bit decode with zune-jpeg into a fresh array.
    fn decode_zune(&self, h: &Header<'_>, shape: &[usize]) -> Result<NdImage> {
        let out = if h.components.len() == 1 {
            ColorSpace::Luma
        } else {
            ColorSpace::RGB
        };
        let opts = DecoderOptions::default()
            .set_max_width(h.width as usize)
            .set_max_height(h.height as usize)
            .set_strict_mode(false)
            .jpeg_set_out_colorspace(out);
        let mut dec = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(&self.data[..]), opts);
        dec.decode_headers().map_err(zune_err)?;
        let need: usize = shape.iter().product();
        if dec.output_buffer_size() != Some(need) {
            return Err(Error::decode(format!(
                "JPEG: zune-jpeg reads a frame of {:?} bytes where the header gives {shape:?}",
                dec.output_buffer_size()
            )));
        }
        let mut img = NdImage::zeros(shape, DType::U8);
        let buf = img
            .as_bytes_mut()
            .ok_or_else(|| Error::internal("a fresh u8 array is contiguous"))?;
        dec.decode_into(buf).map_err(zune_err)?;
        Ok(img)
    }

    /// Decode with jpeg-decoder (DCT-scaled by `scale`, lossless frames, or
    /// what zune-jpeg refused), converting CMYK to RGB.
    fn decode_jd(&self, h: &Header<'_>, shape: &[usize], scale: u32) -> Result<NdImage> {
        let dc_only = match scale == 8 && h.progressive() {
            true => markers::dc_scans_only(&self.data),
            false => None,
        };
        let input: &[u8] = dc_only.as_deref().unwrap_or(&self.data[..]);
        let mut dec = jpeg_decoder::Decoder::new(input);
        dec.set_max_decoding_buffer_size(
            usize::try_from(self.limits.max_alloc).unwrap_or(usize::MAX),
        );
        if scale > 1 {
            let (w, hh) = (h.width.div_ceil(scale), h.height.div_ceil(scale));
            let (w, hh) = (
                u16::try_from(w).unwrap_or(u16::MAX),
                u16::try_from(hh).unwrap_or(u16::MAX),
            );
            dec.scale(w, hh).map_err(jd_err)?;
        }
        let px = dec.decode().map_err(jd_err)?;
        let info = dec
            .info()
            .ok_or_else(|| Error::decode("JPEG: jpeg-decoder returned no frame information"))?;
        let (w, hh) = (info.width as usize, info.height as usize);
        if (hh, w) != (shape[0], shape[1]) {
            return Err(Error::decode(format!(
                "JPEG: jpeg-decoder gave {w}x{hh} pixels where {}x{} were expected",
                shape[1], shape[0]
            )));
        }
        use jpeg_decoder::PixelFormat as P;
        match (info.pixel_format, shape.len()) {
            (P::L8, 2) | (P::RGB24, 3) => NdImage::from_shape_vec(shape, px),
            (P::L16, 2) => {
                let v = px
                    .chunks_exact(2)
                    .map(|b| u16::from_ne_bytes([b[0], b[1]]))
                    .collect::<Vec<u16>>();
                NdImage::from_shape_vec(shape, v)
            }
            (P::CMYK32, 3) => {
                let v = px
                    .chunks_exact(4)
                    .flat_map(|q| {
                        let k = 255 - q[3] as u32;
                        [q[0], q[1], q[2]].map(|c| (((255 - c as u32) * k + 127) / 255) as u8)
                    })
                    .collect::<Vec<u8>>();
                NdImage::from_shape_vec(shape, v)
            }
            (f, _) => Err(Error::unsupported(format!(
                "JPEG: jpeg-decoder decodes this {} frame as {f:?}, which this plugin does not \
                 return; precision {} with {} components",
                h.coding(),
                h.precision,
                h.components.len()
            ))),
        }
    }
}

impl Reader for JpegReader {
    fn read(&mut self, index: usize, options: &Options) -> Result<NdImage> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        let p = params(options)?;
        let h = self.header()?;
        check_supported(&h)?;
        check_scale(&h, p.scale)?;
        self.limits
            .check_dimensions(h.width as u64, h.height as u64)?;
        let (shape, dtype) = stored_shape(&h, p.scale);
        self.limits.check_shape(&shape, dtype)?;
        let img = match p.backend {
            Backend::Auto => self.decode_auto(&h, &shape, p.scale)?,
            Backend::JpegDecoder => self.decode_jd(&h, &shape, p.scale)?,
            Backend::Zune => {
                if h.lossless() || p.scale > 1 {
                    return Err(Error::unsupported(
                        "JPEG: zune-jpeg decodes DCT frames at full size only (no scale, no \
                         lossless frames): use backend \"auto\" or \"jpeg-decoder\"",
                    ));
                }
                self.decode_zune(&h, &shape)?
            }
            Backend::Turbo => self.decode_turbo(&h, &shape, p.scale)?,
        };
        if p.rotate {
            apply_orientation(img, self.orientation(&h))
        } else {
            Ok(img)
        }
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(1))
    }

    fn properties(&mut self, index: usize, options: &Options) -> Result<ImageProperties> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        let p = params(options)?;
        let h = self.header()?;
        check_supported(&h)?;
        check_scale(&h, p.scale)?;
        let (shape, dtype) = stored_shape(&h, p.scale);
        let shape = if p.rotate {
            transposed(shape, self.orientation(&h))
        } else {
            shape
        };
        let mut props = ImageProperties::new(shape, dtype);
        props.n_images = Some(1);
        Ok(props)
    }

    fn metadata(&mut self, index: Option<usize>, options: &Options) -> Result<Metadata> {
        if let Some(i @ 1..) = index {
            return Err(Error::index_out_of_range(i, Some(1)));
        }
        let p = params(options)?;
        let h = self.header()?;
        let mut m = Metadata::new();
        m.insert("coding", h.coding());
        m.insert("progressive", h.progressive());
        m.insert("bit_depth", h.precision as i64);
        m.insert("components", h.components.len() as i64);
        if let Some(s) = h.subsampling() {
            m.insert("subsampling", s);
        }
        if let Some(t) = h.adobe_transform {
            m.insert("adobe_transform", t as i64);
        }
        if let Some((unit, x, y)) = h.density {
            let k = match unit {
                1 => Some(1.0),
                2 => Some(2.54),
                _ => None,
            };
            if let (Some(k), true) = (k, x > 0 && y > 0) {
                m.insert(
                    keys::DPI,
                    Value::List(vec![(x as f64 * k).into(), (y as f64 * k).into()]),
                );
            }
        }
        if let Some(icc) = h.icc_profile() {
            m.insert(keys::ICC_PROFILE, icc);
        }
        if let Some(exif) = h.exif {
            if !p.rotate {
                if let Some(o) = orientation(exif) {
                    m.insert(keys::ORIENTATION, o as i64);
                }
            }
            m.insert(keys::EXIF, exif.to_vec());
            if let Some(tags) = exif_tags(exif) {
                if let Some(d) = tags.get("ImageDescription").cloned() {
                    m.insert(keys::DESCRIPTION, d);
                }
                if let Some(d) = tags.get("Software").cloned() {
                    m.insert(keys::SOFTWARE, d);
                }
                if let Some(d) = tags.get("DateTime").cloned() {
                    m.insert(keys::DATETIME, d);
                }
                m.insert("exif_tags", Value::Map(tags));
            }
        }
        if let Some(xmp) = h.xmp {
            m.insert("xmp", String::from_utf8_lossy(xmp).into_owned());
        }
        if !h.comments.is_empty() {
            let text: Vec<String> = h
                .comments
                .iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            m.insert("comment", text.join("\n"));
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_values() {
        let o = |v: Value| -> Options { [("scale", v)].into_iter().collect() };
        assert_eq!(scale_option(&Options::new()).unwrap(), 1);
        assert_eq!(scale_option(&o(0.125.into())).unwrap(), 8);
        assert_eq!(scale_option(&o("1/4".into())).unwrap(), 4);
        assert_eq!(scale_option(&o(Value::Int(1))).unwrap(), 1);
        assert_eq!(scale_option(&o(0.5.into())).unwrap(), 2);
        for bad in [Value::from(0.3), Value::from(2), Value::from("half")] {
            let e = scale_option(&o(bad)).unwrap_err();
            assert_eq!(e.kind(), imageio_core::ErrorKind::InvalidOption);
        }
    }
}
