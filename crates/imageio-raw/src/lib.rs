//! The camera RAW plugin of imageio-rs, on [`rawler`](https://crates.io/crates/rawler)
//! (LGPL-2.1: this plugin is opt-in, the facade's `raw` feature is not a
//! default). Registered as plugin `"raw"`: reads DNG (`.dng`), Canon
//! (`.cr2 .cr3`), Nikon (`.nef .nrw`), Sony (`.arw .srf .sr2`), Fujifilm
//! (`.raf`), Olympus (`.orf`) and Panasonic (`.rw2`) files, as far as
//! rawler knows the camera; read only.
//!
//! Routing: the TIFF-based formats (DNG, CR2, NEF, ARW) are claimed by
//! extension only, so a plain `.tif` (same magic bytes) stays with the TIFF
//! plugins, and so does a DNG named `.tif`. CR3 (`ftypcrx`), RAF
//! (`FUJIFILMCCD-RAW`), ORF (`IIRO`/`IIRS`/`MMOR`) and RW2 (`IIU\0`) have
//! their own signatures and are also found by content.
//!
//! What a read returns (one image per file), by the read option `develop`:
//! - `develop=false` (**the default**): the sensor data as stored, u16: the
//!   CFA mosaic `(H, W)` of the active area (what rawpy's
//!   `raw_image_visible` gives), or `(H, W, C)` for a linear (demosaiced)
//!   DNG; f32 for floating-point DNGs. Every read returns the stored pixels
//!   (ARCHITECTURE.md); developing is a choice of look, so it is asked for;
//! - `develop=true` (what imageio's rawpy plugin returns, through rawpy's
//!   `postprocess()`): an sRGB image `(H, W, 3)` u8, developed by
//!   rawler's own pipeline: black and white levels, PPG demosaic, crop to
//!   the active and default-crop areas, the camera's as-shot white balance,
//!   the camera matrix (D65) to sRGB, sRGB gamma. No auto-brightening
//!   (rawpy's default brightens; see the tests for how close the two are).
//!
//! Metadata (both modes): `make`, `model` (as stored), `cfa_pattern` (for
//! mosaics: the colors of the repeating pattern at the array's origin, row
//! by row, `"RGGB"`), `cfa_size` (`[rows, cols]`), `black_level` (one per
//! pattern position, in the order of `cfa_pattern`, or one per channel),
//! `white_level` (the largest), `white_levels`, `wb_coeffs` (as-shot white
//! balance multipliers R, G, B, G2 (NaN where unknown), rawpy's
//! `camera_whitebalance`), `orientation` (EXIF 1..8, reported, not applied),
//! `active_area` and `crop_area` (`[top, left, height, width]` on the stored
//! image), `bits_per_sample`, `developed`.
//!
//! Limits: for the TIFF-based formats, the largest image any TIFF
//! directory declares is checked against the request's [`Limits`] before
//! rawler is called (rawler allocates from those values); for CR3 and RAF
//! (own containers) only after rawler decoded, before this plugin's arrays
//! and the develop pipeline allocate. rawler catches its own panics; the
//! develop pipeline's are caught here too (both become decode errors).
//!
//! Most users want the `imageio-rs` facade, which links this plugin with its
//! `raw` feature.
#![deny(missing_docs)]

mod tiffwalk;

use std::panic::{catch_unwind, AssertUnwindSafe};

use imageio_core::plugin::{
    Claim, Format, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader,
    Signature,
};
use imageio_core::{
    keys, DType, Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, Value,
};
use rawler::decoders::RawDecodeParams;
use rawler::imgop::develop::{Intermediate, RawDevelop};
use rawler::rawimage::RawPhotometricInterpretation;
use rawler::rawsource::RawSource;
use rawler::{RawImage, RawImageData};

/// The TIFF-based raw formats, claimed by extension only (their magic bytes
/// are TIFF's).
pub const TIFF_RAW: Format = Format::new(
    "camera RAW (TIFF-based)",
    &[".dng", ".cr2", ".nef", ".nrw", ".arw", ".srf", ".sr2"],
);

/// Canon CR3 (ISO base media file, brand `crx `).
pub const CR3: Format =
    Format::new("Canon CR3", &[".cr3"]).signatures(&[Signature::at(4, b"ftypcrx ")]);

/// Fujifilm RAF.
pub const RAF: Format =
    Format::new("Fujifilm RAF", &[".raf"]).signatures(&[Signature::new(b"FUJIFILMCCD-RAW")]);

/// Olympus ORF (TIFF structure, own magic numbers).
pub const ORF: Format = Format::new("Olympus ORF", &[".orf"]).signatures(&[
    Signature::new(b"IIRO"),
    Signature::new(b"IIRS"),
    Signature::new(b"MMOR"),
]);

/// Panasonic RW2 (TIFF structure, magic number 0x55).
pub const RW2: Format =
    Format::new("Panasonic RW2", &[".rw2"]).signatures(&[Signature::new(b"IIU\0")]);

/// The options the reader accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[OptionSpec::new(
    "develop",
    OptionKind::Bool,
    "false",
    "true: develop to sRGB (H, W, 3) u8 with rawler's pipeline (what imageio's rawpy plugin returns); false: the raw sensor data as stored (the CFA mosaic (H, W) u16)",
)];

imageio_core::inventory::submit! {
    PluginInfo {
        name: "raw",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "camera RAW (DNG, CR2, CR3, NEF, ARW, RAF, ORF, RW2) on rawler: developed sRGB or the raw mosaic (read only)",
        read: Some(ReadEntry {
            formats: &[
                Claim::new(TIFF_RAW, Rank::DEDICATED),
                Claim::new(CR3, Rank::DEDICATED),
                Claim::new(RAF, Rank::DEDICATED),
                Claim::new(ORF, Rank::DEDICATED),
                Claim::new(RW2, Rank::DEDICATED),
            ],
            options: READ_OPTIONS,
            open: open_read,
        }),
        write: None,
    }
}

/// Opens a reader: the sizes the TIFF directories declare are checked
/// against the limits, then rawler decodes the raw image (its pixels are
/// needed for `properties` too: the crop areas come from the decoder).
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    develop_option(request.options())?;
    let bytes = request.bytes()?;
    let limits = request.limits();
    tiffwalk::check(&bytes, &limits)?;
    let source = RawSource::new_from_slice(&bytes);
    let raw = rawler::global_loader()
        .decode(&source, &RawDecodeParams::default(), false)
        .map_err(|e| {
            let message = e.to_string();
            let message = message.lines().next().unwrap_or_default();
            Error::decode(format!("RAW: rawler cannot decode this file: {message}")).with_source(e)
        })?;
    limits.check_shape(&[raw.height, raw.width, raw.cpp.max(1)], DType::U16)?;
    Ok(Box::new(RawReader { raw, limits }))
}

/// The `develop` option (false when absent).
fn develop_option(options: &Options) -> Result<bool> {
    match options.get("develop") {
        None => Ok(false),
        Some(v) => v.as_bool().ok_or_else(|| {
            Error::invalid_option(format!("develop: give true or false (got {v:?})"))
        }),
    }
}

/// A raw file open for reading: rawler's decoded image.
struct RawReader {
    raw: RawImage,
    limits: Limits,
}

impl RawReader {
    /// The area of the stored image a mosaic read returns: the active area
    /// (rawpy's `raw_image_visible`), or everything.
    fn visible(&self) -> (usize, usize, usize, usize) {
        let r = &self.raw;
        let (pw, ph) = (r.width, r.height);
        match r.active_area {
            Some(a) if a.p.x + a.d.w <= pw && a.p.y + a.d.h <= ph && a.d.w > 0 && a.d.h > 0 => {
                (a.p.y, a.p.x, a.d.h, a.d.w)
            }
            _ => (0, 0, ph, pw),
        }
    }

    /// The shape and dtype of the mosaic read.
    fn mosaic_shape(&self) -> (Vec<usize>, DType) {
        let (_, _, h, w) = self.visible();
        let shape = match self.raw.cpp {
            1 => vec![h, w],
            c => vec![h, w, c],
        };
        let dtype = match self.raw.data {
            RawImageData::Integer(_) => DType::U16,
            RawImageData::Float(_) => DType::F32,
        };
        (shape, dtype)
    }

    /// The stored samples of the visible area.
    fn mosaic(&self) -> Result<NdImage> {
        let (shape, dtype) = self.mosaic_shape();
        self.limits.check_shape(&shape, dtype)?;
        let (top, left, h, w) = self.visible();
        let cpp = self.raw.cpp.max(1);
        let stride = self.raw.width * cpp;
        let rows =
            |y: usize| (top + y) * stride + left * cpp..(top + y) * stride + (left + w) * cpp;
        match &self.raw.data {
            RawImageData::Integer(v) => {
                let mut out = Vec::with_capacity(h * w * cpp);
                for y in 0..h {
                    out.extend_from_slice(v.get(rows(y)).ok_or_else(short)?);
                }
                NdImage::from_shape_vec(&shape, out)
            }
            RawImageData::Float(v) => {
                let mut out = Vec::with_capacity(h * w * cpp);
                for y in 0..h {
                    out.extend_from_slice(v.get(rows(y)).ok_or_else(short)?);
                }
                NdImage::from_shape_vec(&shape, out)
            }
        }
    }

    /// The developed sRGB image.
    fn developed(&self) -> Result<NdImage> {
        let r = &self.raw;
        let pixels = r.width as u64 * r.height as u64;
        // rawler's pipeline holds a few f32 copies of the image: the
        // scaled copy, three channels after demosaic, the converted one.
        self.limits.check_alloc(pixels.saturating_mul(4 * 8))?;
        let developed = catch_unwind(AssertUnwindSafe(|| {
            RawDevelop::default().develop_intermediate(r)
        }))
        .map_err(|_| Error::decode("RAW: rawler's develop pipeline failed on this file"))?
        .map_err(|e| Error::decode(format!("RAW: rawler cannot develop this file: {e}")))?;
        let to_u8 = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        match developed {
            Intermediate::ThreeColor(px) => {
                let (w, h) = (px.width, px.height);
                let data: Vec<u8> = px.data.iter().flatten().map(|&v| to_u8(v)).collect();
                NdImage::from_shape_vec(&[h, w, 3], data)
            }
            Intermediate::Monochrome(px) => {
                let (w, h) = (px.width, px.height);
                let data: Vec<u8> = px.data.iter().map(|&v| to_u8(v)).collect();
                NdImage::from_shape_vec(&[h, w], data)
            }
            Intermediate::FourColor(px) => {
                let (w, h) = (px.width, px.height);
                let data: Vec<u8> = px.data.iter().flatten().map(|&v| to_u8(v)).collect();
                NdImage::from_shape_vec(&[h, w, 4], data)
            }
        }
    }

    /// The CFA pattern at the visible area's origin, and its size.
    fn cfa(&self) -> Option<(String, usize, usize)> {
        let RawPhotometricInterpretation::Cfa(config) = &self.raw.photometric else {
            return None;
        };
        let cfa = &config.cfa;
        if self.raw.cpp != 1 || cfa.width == 0 || cfa.height == 0 || cfa.width > 8 || cfa.height > 8
        {
            return None;
        }
        let (top, left, _, _) = self.visible();
        let mut s = String::new();
        for y in 0..cfa.height {
            for x in 0..cfa.width {
                s.push(match cfa.color_at(top + y, left + x) {
                    0 => 'R',
                    1 => 'G',
                    2 => 'B',
                    3 => 'C',
                    4 => 'M',
                    5 => 'Y',
                    6 => 'W',
                    7 => 'E',
                    _ => '?',
                });
            }
        }
        Some((s, cfa.height, cfa.width))
    }
}

/// The error for rawler data shorter than its dimensions say.
fn short() -> Error {
    Error::decode("RAW: rawler returned fewer samples than the image's size")
}

impl Reader for RawReader {
    fn read(&mut self, index: usize, options: &Options) -> Result<NdImage> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        if develop_option(options)? {
            self.developed()
        } else {
            self.mosaic()
        }
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(1))
    }

    fn properties(&mut self, index: usize, options: &Options) -> Result<ImageProperties> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        if develop_option(options)? {
            // The develop pipeline's output size (after its crops) is only
            // known by running it.
            let img = self.developed()?;
            return Ok(ImageProperties::new(img.shape().to_vec(), DType::U8));
        }
        let (shape, dtype) = self.mosaic_shape();
        Ok(ImageProperties::new(shape, dtype))
    }

    fn metadata(&mut self, index: Option<usize>, options: &Options) -> Result<Metadata> {
        if let Some(i @ 1..) = index {
            return Err(Error::index_out_of_range(i, Some(1)));
        }
        let r = &self.raw;
        let mut m = Metadata::new();
        m.insert("make", r.make.as_str());
        m.insert("model", r.model.as_str());
        if let Some((pattern, rows, cols)) = self.cfa() {
            m.insert("cfa_pattern", pattern);
            m.insert("cfa_size", vec![Value::from(rows), Value::from(cols)]);
        }
        let blacks: Vec<Value> = r
            .blacklevel
            .as_vec()
            .iter()
            .map(|&b| Value::Float(f64::from(b)))
            .collect();
        m.insert("black_level", blacks);
        let whites: Vec<Value> = r
            .whitelevel
            .0
            .iter()
            .map(|&w| Value::from(i64::from(w)))
            .collect();
        m.insert(
            "white_level",
            i64::from(r.whitelevel.0.iter().copied().max().unwrap_or(0)),
        );
        m.insert("white_levels", whites);
        let wb: Vec<Value> = r
            .wb_coeffs
            .iter()
            .map(|&c| Value::Float(f64::from(c)))
            .collect();
        m.insert("wb_coeffs", wb);
        m.insert(keys::ORIENTATION, i64::from(r.orientation.to_u16()));
        let rect = |a: rawler::imgop::Rect| {
            vec![
                Value::from(a.p.y),
                Value::from(a.p.x),
                Value::from(a.d.h),
                Value::from(a.d.w),
            ]
        };
        if let Some(a) = r.active_area {
            m.insert("active_area", rect(a));
        }
        if let Some(a) = r.crop_area {
            m.insert("crop_area", rect(a));
        }
        m.insert("bits_per_sample", r.bps);
        m.insert("developed", develop_option(options)?);
        Ok(m)
    }
}
