//! The JPEG 2000 plugin of imageio-rs, on the pure-Rust
//! [`hayro-jpeg2000`](https://crates.io/crates/hayro-jpeg2000) decoder (the
//! one the PDF plugin uses for `JPXDecode`). Registered as plugin
//! `"jpeg2000"`: reads JP2 files (`.jp2`, `.jpx`) and raw codestreams
//! (`.j2k`, `.j2c`), found by their signatures whatever the name says.
//!
//! What a read returns (one image per file):
//! - gray `(H, W)`, gray + alpha `(H, W, 2)`, RGB `(H, W, 3)`, RGBA
//!   `(H, W, 4)`; other colour spaces (CMYK, n-channel) as their components,
//!   palette images resolved to their colours; sYCC converted to RGB by the
//!   backend;
//! - u8 for components of up to 8 bits (1 to 7 bits scaled to 0..255, as
//!   every plugin does for low-depth gray), u16 for 9 to 16 bits, holding the
//!   stored values unscaled (a 12-bit file gives 0..4095, as OpenJPEG);
//!   deeper components are refused;
//! - the read option `reduce` (an int, default 0) discards that many
//!   resolution levels, halving the width and height each time (as Pillow's
//!   and OpenJPEG's `reduce`), by decoding fewer wavelet levels rather than
//!   by resampling; it is clamped to the levels the file has, and ignored by
//!   the backend for palette images.
//!
//! The image's size comes from the header and is checked against the
//! request's [`Limits`], with the backend's working buffers (about 12 bytes
//! a sample), before anything is decoded; so is the number of tiles (at
//! most 65 535, as tile indices are 16-bit: the backend sets up every tile
//! first).
//!
//! Not supported (backend limits): signed samples are read as unsigned;
//! components of different depths are read at the first one's dtype.
//! No writing: no maintained pure-Rust JPEG 2000 encoder was found to build
//! here, so the plugin claims no extension for writing.
//!
//! Most users want the `imageio-rs` facade, which links this plugin with its
//! `jpeg2000` feature.
#![deny(missing_docs)]

use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};
use imageio_core::plugin::{
    Claim, Format, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader,
    Signature,
};
use imageio_core::{
    DType, Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes,
};

/// The JP2 signature box a JP2 (or JPX) file begins with.
pub const JP2_MAGIC: &[u8] = b"\x00\x00\x00\x0CjP  \r\n\x87\n";

/// The SOC and SIZ markers a raw codestream begins with.
pub const CODESTREAM_MAGIC: &[u8] = b"\xFF\x4F\xFF\x51";

/// JPEG 2000 as routing sees it: its extensions and signatures.
pub const FORMAT: Format = Format::new("JPEG 2000", &[".jp2", ".j2k", ".j2c", ".jpx"])
    .signatures(&[Signature::new(JP2_MAGIC), Signature::new(CODESTREAM_MAGIC)]);

/// The options the reader accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[OptionSpec::new(
    "reduce",
    OptionKind::Int,
    "0",
    "discard this many resolution levels: each halves the width and height (clamped to the file's levels)",
)];

/// The deepest resolution reduction asked for that is taken seriously (a
/// JPEG 2000 file has at most 33 levels).
const MAX_REDUCE: i64 = 32;

imageio_core::inventory::submit! {
    PluginInfo {
        name: "jpeg2000",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "JPEG 2000 (JP2, JPX, J2K codestreams): 1-16 bit, gray/RGB/alpha, reduced resolutions (read only), on hayro-jpeg2000",
        read: Some(ReadEntry {
            formats: &[Claim::new(FORMAT, Rank::DEDICATED)],
            options: READ_OPTIONS,
            open: open_read,
        }),
        write: None,
    }
}

/// Opens a reader: the header is parsed and the image's size checked
/// against the request's limits before anything is decoded.
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    let bytes = request.bytes()?;
    let limits = request.limits();
    let reduce = reduce_option(request.options())?;
    let header = Header::parse(&bytes, reduce)?;
    header.check(&limits)?;
    Ok(Box::new(Jpeg2000Reader {
        bytes,
        limits,
        header,
    }))
}

/// The `reduce` option (0 when absent).
fn reduce_option(options: &Options) -> Result<u32> {
    match options.get("reduce") {
        None => Ok(0),
        Some(v) => match v.as_int() {
            Some(r) if (0..=MAX_REDUCE).contains(&r) => Ok(r as u32),
            _ => Err(Error::invalid_option(format!(
                "reduce: give a number of resolution levels to discard, 0 to {MAX_REDUCE} \
                 (got {v:?})"
            ))),
        },
    }
}

/// The backend's settings for a read that discards `reduce` levels.
fn settings(full: (u32, u32), reduce: u32) -> DecodeSettings {
    let mut s = DecodeSettings::default();
    if reduce > 0 {
        // The backend skips floor(log2(size / target)) levels: `size >> r`
        // gives exactly `r` (and asks for no more than the image has).
        let target = |n: u32| n.checked_shr(reduce).unwrap_or(0).max(1);
        s.target_resolution = Some((target(full.0), target(full.1)));
    }
    s
}

fn backend_error(e: hayro_jpeg2000::DecodeError) -> Error {
    Error::decode(format!("JPEG 2000: {e}"))
}

/// What the header says about the image (at the requested resolution).
#[derive(Clone, Debug)]
struct Header {
    width: usize,
    height: usize,
    channels: usize,
    bits: u8,
    has_alpha: bool,
    color: &'static str,
    icc: Option<Vec<u8>>,
    reduce: u32,
}

impl Header {
    /// Parses the header at `reduce` levels below full resolution.
    fn parse(bytes: &[u8], reduce: u32) -> Result<Header> {
        check_tiles(bytes)?;
        let full = Image::new(bytes, &DecodeSettings::default()).map_err(backend_error)?;
        let size = (full.width(), full.height());
        let image = if reduce > 0 {
            Image::new(bytes, &settings(size, reduce)).map_err(backend_error)?
        } else {
            full
        };
        let (color, icc) = match image.color_space() {
            ColorSpace::Gray => ("gray", None),
            ColorSpace::RGB => ("RGB", None),
            ColorSpace::CMYK => ("CMYK", None),
            ColorSpace::Unknown { .. } => ("unknown", None),
            ColorSpace::Icc { profile, .. } => ("ICC", Some(profile.clone())),
        };
        let channels =
            usize::from(image.color_space().num_channels()) + usize::from(image.has_alpha());
        let bits = image.original_bit_depth();
        if bits == 0 || bits > 16 {
            return Err(Error::unsupported(format!(
                "JPEG 2000: {bits}-bit components; 1 to 16 bits are supported"
            )));
        }
        if channels == 0 {
            return Err(Error::decode("JPEG 2000: no components"));
        }
        Ok(Header {
            width: image.width() as usize,
            height: image.height() as usize,
            channels,
            bits,
            has_alpha: image.has_alpha(),
            color,
            icc,
            reduce,
        })
    }

    fn dtype(&self) -> DType {
        if self.bits <= 8 {
            DType::U8
        } else {
            DType::U16
        }
    }

    /// The shape of the image: `(H, W)` for one channel, `(H, W, C)` otherwise.
    fn shape(&self) -> Vec<usize> {
        match self.channels {
            1 => vec![self.height, self.width],
            c => vec![self.height, self.width, c],
        }
    }

    /// The size against `limits`: the array, and the array plus the
    /// backend's working buffers (what a decode holds at once).
    fn check(&self, limits: &Limits) -> Result<()> {
        limits.check_dimensions(self.width as u64, self.height as u64)?;
        limits.check_shape(&self.shape(), self.dtype())?;
        let samples = (self.width as u64)
            .saturating_mul(self.height as u64)
            .saturating_mul(self.channels as u64);
        // The backend's f32 coefficients, transform scratch and component
        // output (about 12 bytes a sample, measured on an 8000 x 8000 gray
        // codestream), then the array.
        let per_sample = 12 + self.dtype().size() as u64;
        limits.check_alloc(samples.saturating_mul(per_sample))
    }
}

/// The most tiles a codestream can have: tile indices (`Isot`) are 16-bit.
const MAX_TILES: u64 = 65_535;

/// Refuses a codestream whose SIZ marker makes more tiles than the format
/// can index: the backend sets up every tile before decoding (about 250
/// bytes each; 4000 x 4000 one-pixel tiles took 4 GB and 17 s), whatever
/// the pixel count. Bytes it cannot find a SIZ in are left to the backend.
fn check_tiles(bytes: &[u8]) -> Result<()> {
    let Some(siz) = codestream(bytes).and_then(|c| c.get(4..)) else {
        return Ok(());
    };
    let u32_at = |i: usize| -> Option<u64> {
        let b = siz.get(i..i + 4)?;
        Some(u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
    };
    // Lsiz, Rsiz, then Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz, XTOsiz, YTOsiz.
    let (Some(x), Some(y), Some(tw), Some(th), Some(tx), Some(ty)) = (
        u32_at(4),
        u32_at(8),
        u32_at(20),
        u32_at(24),
        u32_at(28),
        u32_at(32),
    ) else {
        return Ok(());
    };
    if tw == 0 || th == 0 || tx > x || ty > y {
        return Ok(());
    }
    let tiles = (x - tx).div_ceil(tw).saturating_mul((y - ty).div_ceil(th));
    if tiles > MAX_TILES {
        return Err(Error::decode(format!(
            "JPEG 2000: the header makes {tiles} tiles ({tw}x{th} each); a codestream holds \
             at most {MAX_TILES}"
        )));
    }
    Ok(())
}

/// The codestream of a JP2 file (its `jp2c` box) or of a raw codestream,
/// starting at its SOC marker.
fn codestream(bytes: &[u8]) -> Option<&[u8]> {
    if bytes.starts_with(CODESTREAM_MAGIC) {
        return Some(bytes);
    }
    let mut at = 0usize;
    // A JP2 file holds a handful of top-level boxes.
    for _ in 0..64 {
        let head = bytes.get(at..at + 8)?;
        let len = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let (body, len) = match len {
            1 => {
                let l = bytes.get(at + 8..at + 16)?;
                (at + 16, u64::from_be_bytes(l.try_into().ok()?))
            }
            0 => (at + 8, (bytes.len() - at) as u64),
            n => (at + 8, n),
        };
        if &head[4..8] == b"jp2c" {
            return bytes.get(body..);
        }
        if len < 8 {
            return None;
        }
        at = at.checked_add(usize::try_from(len).ok()?)?;
    }
    None
}

/// A JPEG 2000 file open for reading: one image.
struct Jpeg2000Reader {
    bytes: SharedBytes,
    limits: Limits,
    header: Header,
}

impl Jpeg2000Reader {
    /// The header for `options` (another `reduce` than the request's parses
    /// again and is checked against the limits again).
    fn header_for(&self, options: &Options) -> Result<Header> {
        let reduce = reduce_option(options)?;
        if reduce == self.header.reduce {
            return Ok(self.header.clone());
        }
        let h = Header::parse(&self.bytes, reduce)?;
        h.check(&self.limits)?;
        Ok(h)
    }
}

impl Reader for Jpeg2000Reader {
    fn read(&mut self, index: usize, options: &Options) -> Result<NdImage> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        let header = self.header_for(options)?;
        decode(&self.bytes, &header)
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(1))
    }

    fn properties(&mut self, index: usize, options: &Options) -> Result<ImageProperties> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        let h = self.header_for(options)?;
        Ok(ImageProperties::new(h.shape(), h.dtype()))
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        if let Some(i) = index.filter(|&i| i > 0) {
            return Err(Error::index_out_of_range(i, Some(1)));
        }
        let h = &self.header;
        let mut m = Metadata::new();
        m.insert("bits_per_sample", u64::from(h.bits));
        m.insert("color_space", h.color);
        m.insert("has_alpha", h.has_alpha);
        m.insert(
            "codestream",
            if self.bytes.starts_with(JP2_MAGIC) {
                "jp2"
            } else {
                "j2k"
            },
        );
        if let Some(icc) = &h.icc {
            m.insert(imageio_core::keys::ICC_PROFILE, icc.clone());
        }
        Ok(m)
    }
}

/// Decodes the image `header` describes (its limits already checked).
fn decode(bytes: &[u8], header: &Header) -> Result<NdImage> {
    let full = Image::new(bytes, &DecodeSettings::default()).map_err(backend_error)?;
    let image = Image::new(
        bytes,
        &settings((full.width(), full.height()), header.reduce),
    )
    .map_err(backend_error)?;
    let (w, h, n) = (header.width, header.height, header.channels);
    if (image.width() as usize, image.height() as usize) != (w, h) {
        return Err(Error::decode("JPEG 2000: the header changed between reads"));
    }
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).map_err(backend_error)?;
    let comps = decoded.components();
    let npx = w * h;
    if comps.len() != n || comps.iter().any(|c| c.samples().len() < npx) {
        return Err(Error::decode(format!(
            "JPEG 2000: the decoded components ({}) do not match the header ({n} of {w}x{h})",
            comps.len()
        )));
    }
    let shape = header.shape();
    if header.bits <= 8 {
        let mut out = vec![0u8; npx * n];
        // 1 to 7 bits are scaled to 0..255, as every plugin does.
        let scale = 255.0 / ((1u32 << header.bits) - 1) as f32;
        for (c, comp) in comps.iter().enumerate() {
            for (o, &s) in out[c..].iter_mut().step_by(n).zip(&comp.samples()[..npx]) {
                *o = (s.round() * scale).round().clamp(0.0, 255.0) as u8;
            }
        }
        NdImage::from_shape_vec(&shape, out)
    } else {
        let mut out = vec![0u16; npx * n];
        for (c, comp) in comps.iter().enumerate() {
            let max = ((1u32 << comp.bit_depth().clamp(1, 16)) - 1) as f32;
            for (o, &s) in out[c..].iter_mut().step_by(n).zip(&comp.samples()[..npx]) {
                *o = s.round().clamp(0.0, max) as u16;
            }
        }
        NdImage::from_shape_vec(&shape, out)
    }
}
