//! The DICOM plugin of imageio-rs: medical images, single- and multi-frame
//! files, and series of slices read as volumes. Registered as plugin
//! `"dicom"`; reads `.dcm` and `.dicom` files, and any file with the `DICM`
//! marker at byte 128 (or at byte 0, for files written without the
//! preamble), whatever its name. Datasets are parsed by
//! [`dicom-object`](https://crates.io/crates/dicom-object) (dicom-rs);
//! pixel data is decoded here (native, RLE) or by the pure-Rust
//! `jpeg-decoder` (JPEG) and `hayro-jpeg2000` (JPEG 2000). Writes
//! Secondary Capture images.
//!
//! # What a read returns
//! - **Frames are images.** `n_images` is NumberOfFrames; `Index::At(i)`
//!   is frame `i`, `(H, W)` for one sample per pixel, `(H, W, 3)` for
//!   colour; `Index::All` stacks the frames, `(N, H, W[, 3])`, as
//!   pydicom's `ds.pixel_array`.
//! - **Values as stored**, as pydicom 3 returns them: u8/i8, u16/i16,
//!   u32/i32 from BitsAllocated and PixelRepresentation, f32/f64 for Float
//!   and Double Float Pixel Data; the bits above BitsStored are cleared
//!   (unsigned) or sign-extended (signed). 1-bit data (BitsAllocated 1) is
//!   u8 0/1, as stored (not scaled to 255 as 1-bit PNG or TIFF is).
//!   MONOCHROME1 is not inverted; PALETTE COLOR returns the indices.
//! - **Colour as RGB.** YBR_FULL and YBR_FULL_422 samples (native or RLE)
//!   are converted with pydicom's arithmetic; JPEG and JPEG 2000 frames
//!   are converted by their decoders; planar configuration 1 is
//!   interleaved.
//! - **Rescale.** The read option `rescale` (bool, **default true**, as
//!   Python imageio's DICOM plugin always applies them) applies
//!   RescaleSlope and RescaleIntercept to gray images when the file has
//!   them and they are not the identity (1, 0). The dtype then follows
//!   imageio: **f32** (computed in f32, as imageio does) when the slope or
//!   the intercept is not an integer; otherwise an integer dtype: the
//!   stored dtype when it holds every rescaled value the header allows
//!   (the BitsStored range through slope and intercept), else the first of
//!   i16, i32, i64 that does (f64 if none). Python imageio picks its
//!   integer type from the data's actual minimum and maximum, so a file
//!   can come back in a narrower type there (values are equal); ours is
//!   decided from the header, so `improps` knows it without decoding.
//!   Float pixel data keeps its dtype. `rescale=false` returns the stored
//!   values. Colour images are never rescaled.
//! - **Spacing.** [`ImageProperties::spacing`](imageio_core::ImageProperties)
//!   is `(dy, dx)` from PixelSpacing (row spacing, column spacing, in mm)
//!   when the file has it. The metadata's `sampling` has one value per
//!   array axis of a multi-frame read, `(dz, dy, dx)`, with `dz` from
//!   SpacingBetweenSlices, else SliceThickness (1.0 when neither is
//!   there), as imageio's `sampling`.
//! - **Metadata.** Every attribute of the standard dictionary in the file
//!   meta group and the dataset up to the pixel data, keyed by its keyword
//!   as pydicom names it (`PatientName`, `Modality`, `PixelSpacing`,
//!   `RescaleSlope`, `ImagePositionPatient`, `TransferSyntaxUID`, ...):
//!   IS and integer VRs as ints, DS and float VRs as floats, several
//!   values as lists, sequences as lists of maps (4 levels), binary values
//!   up to 256 bytes as bytes; private attributes are left out. Besides:
//!   `sampling`, `shape`, and `compression` (the transfer syntax's name).
//!
//! # Transfer syntaxes
//! Implicit and explicit VR little endian, explicit VR big endian,
//! deflated explicit VR little endian, encapsulated uncompressed, RLE
//! Lossless (8, 16 and 32 bits), JPEG baseline and 8-bit extended, JPEG
//! lossless (processes 14 and SV1, up to 16 bits gray, 8-bit colour), JPEG
//! 2000 and High-Throughput JPEG 2000 (lossless and lossy). **Not read:**
//! JPEG-LS (the CharLS decoder needs C++ and CMake, which the build
//! avoids), 12-bit JPEG extended (`jpeg-decoder` refuses it), MPEG/HEVC
//! video and JPEG XL: such files open (their metadata reads) but reading
//! pixels is an `Unsupported` error naming the reason.
//!
//! # Series
//! A directory of slices is read as one series, through the verbs (the
//! core hands a directory's path to the plugins claiming the `directory`
//! scheme: `imread_with("ct/", &ReadOptions::new().index(Index::All))` is
//! the `(Z, H, W)` volume, `Index::At(k)` slice k, `improps` and the
//! metadata's `sampling` `(dz, dy, dx)`; the `rescale` option applies), or
//! with [`read_series`], which can also pick a series by UID. Every DICOM
//! file under the directory (recursively, as imageio does) is grouped by
//! SeriesInstanceUID; one series (the first UID in sort order, or the one
//! asked for) is sorted by position and stacked into a `(Z, H, W)` volume,
//! with its spacing `(dz, dy, dx)`.
//!
//! # Writing
//! Secondary Capture files (explicit VR little endian, native pixel data,
//! built with `dicom-object`): gray `(H, W)` (MONOCHROME2) or RGB
//! `(H, W, 3)`, u8, i8, u16, i16, u32 or i32 (BitsStored = BitsAllocated,
//! PixelRepresentation from the dtype). Each write adds a frame (a stack
//! written at once gives its frames); several frames make a multi-frame
//! file (SOP class Multi-frame Grayscale Byte/Word or True Color Secondary
//! Capture where one applies). Study, Series and SOP Instance UIDs under
//! `2.25` are derived from a hash of the pixels and dimensions, so the same
//! array written twice gives the same bytes (as every writer here); Modality
//! `OT`, ConversionType `WSD`, empty PatientName and
//! PatientID. Floats and 2 or 4 channels are refused (`InvalidInput`). No
//! write options.
//!
//! # Limits and hostile input
//! Before any parser sees the bytes, a walk over every element (into
//! sequences and items) checks that each defined length fits in the file,
//! so no length from the file makes anything allocate. The frames' size
//! (rows x columns x samples x bytes, times the frames read) goes through
//! [`Limits`] before the array exists, and each
//! compressed frame's own header must agree with the DICOM header before
//! its decoder runs; a deflated dataset is inflated at most up to
//! `max_alloc`.
//!
//! Most users want the `imageio-rs` facade, which links this plugin with its
//! `dicom` feature.
#![deny(missing_docs)]

mod header;
mod pixels;
mod scan;
mod series;
mod write;

use dicom_dictionary_std::tags;
use imageio_core::plugin::{
    Claim, Format, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader,
    Signature, WriteEntry, DIRECTORY_SCHEME,
};
use imageio_core::{
    keys, DType, Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, Value,
};

use header::{Codec, Geometry, Parsed};
use scan::PixelData;

pub use scan::DICM;
pub use series::{read_series, Series, SeriesOptions};
pub use write::open_write;

/// DICOM Part 10 files: `.dcm`, `.dicom`, found by `DICM` at byte 128 (or
/// at byte 0, without the preamble).
pub const FORMAT: Format = Format::new("DICOM", &[".dcm", ".dicom"])
    .signatures(&[Signature::at(128, DICM), Signature::new(DICM)]);

/// A directory of slices, read as one series (the core hands a directory's
/// path to the plugins claiming the `directory` scheme).
pub const SERIES_FORMAT: Format = Format::new("DICOM series", &[]).schemes(&[DIRECTORY_SCHEME]);

/// The options the reader accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[OptionSpec::new(
    "rescale",
    OptionKind::Bool,
    "true",
    "apply RescaleSlope/RescaleIntercept to gray images (f32 when not integral, else a wide enough integer), as imageio; false: stored values",
)];

imageio_core::inventory::submit! {
    PluginInfo {
        name: "dicom",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "DICOM (.dcm): single/multi-frame, native, deflated, RLE, JPEG, JPEG 2000; rescale, spacing; Secondary Capture writing, on dicom-object",
        read: Some(ReadEntry {
            formats: &[
                Claim::new(FORMAT, Rank::DEDICATED),
                Claim::new(SERIES_FORMAT, Rank::DEDICATED),
            ],
            options: READ_OPTIONS,
            open: open_read,
        }),
        write: Some(WriteEntry {
            formats: &[Claim::new(FORMAT, Rank::DEDICATED)],
            options: WRITE_OPTIONS,
            open: open_write,
        }),
    }
}

/// The options the writer accepts (none).
pub const WRITE_OPTIONS: &[OptionSpec] = &[];

/// Opens a reader: the file's structure is walked and its attributes
/// parsed, and one frame's size checked against the limits; no pixel is
/// decoded.
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    let limits = request.limits();
    if request.scheme() == Some(DIRECTORY_SCHEME) {
        let dir = request.target().unwrap_or_default().to_string();
        let options = SeriesOptions {
            rescale: rescale_option(request.options()),
            limits,
            series_uid: None,
        };
        let series = series::series_of(std::path::Path::new(&dir), &options, true)?;
        return Ok(Box::new(series::SeriesReader::new(series)));
    }
    let bytes = request.bytes()?;
    let parsed = header::parse(bytes, &limits)?;
    let geo = image_geometry(&parsed, &limits)?;
    Ok(Box::new(DicomReader {
        parsed,
        geo,
        limits,
    }))
}

/// The geometry of a file's image, checked against `limits` (one frame) and
/// the pixel data's length; `None` for a file without pixel data.
fn image_geometry(parsed: &Parsed, limits: &Limits) -> Result<Option<Geometry>> {
    let Some((kind, pixels)) = &parsed.layout.pixels else {
        return Ok(None);
    };
    let geo = Geometry::from(&parsed.obj, *kind)?;
    limits.check_shape(&geo.frame_shape(), geo.dtype())?;
    match pixels {
        PixelData::Native { len, .. } => pixels::check_native_len(&geo, *len)?,
        PixelData::Encapsulated { fragments, .. } => {
            if fragments.is_empty() {
                return Err(Error::decode(
                    "DICOM: encapsulated pixel data without fragments",
                ));
            }
        }
    }
    Ok(Some(geo))
}

/// The `rescale` option (true when absent).
fn rescale_option(options: &Options) -> bool {
    options
        .get("rescale")
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

/// A rescale to apply: slope, intercept and the dtype of the result.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Rescale {
    slope: f64,
    intercept: f64,
    dtype: DType,
}

/// The rescale a read applies to `geo`'s frames with the file's
/// attributes in `obj`, or `None`.
fn rescale_for(
    obj: &dicom_object::InMemDicomObject,
    geo: &Geometry,
    apply: bool,
) -> Option<Rescale> {
    if !apply || geo.spp != 1 {
        return None;
    }
    let slope = header::float(obj, tags::RESCALE_SLOPE);
    let intercept = header::float(obj, tags::RESCALE_INTERCEPT);
    if slope.is_none() && intercept.is_none() {
        return None;
    }
    let (slope, intercept) = (slope.unwrap_or(1.0), intercept.unwrap_or(0.0));
    if (slope, intercept) == (1.0, 0.0) {
        return None;
    }
    let stored = geo.dtype();
    let dtype = if matches!(stored, DType::F32 | DType::F64) {
        stored
    } else if slope.fract() != 0.0 || intercept.fract() != 0.0 {
        DType::F32
    } else {
        let (lo, hi) = geo.stored_range();
        let (a, b) = (lo * slope + intercept, hi * slope + intercept);
        let (lo, hi) = (a.min(b), a.max(b));
        [stored, DType::I16, DType::I32, DType::I64]
            .into_iter()
            .find(|&d| holds(d, lo, hi))
            .unwrap_or(DType::F64)
    };
    Some(Rescale {
        slope,
        intercept,
        dtype,
    })
}

/// True when integer dtype `d` holds `lo..=hi`.
fn holds(d: DType, lo: f64, hi: f64) -> bool {
    let (min, max) = match d {
        DType::U8 => (0.0, u8::MAX as f64),
        DType::I8 => (i8::MIN as f64, i8::MAX as f64),
        DType::U16 => (0.0, u16::MAX as f64),
        DType::I16 => (i16::MIN as f64, i16::MAX as f64),
        DType::U32 => (0.0, u32::MAX as f64),
        DType::I32 => (i32::MIN as f64, i32::MAX as f64),
        // 2^63 - 1 is not an f64: stay below 2^63.
        DType::I64 => (-(2f64.powi(63)), 2f64.powi(63) - 1024.0),
        _ => return false,
    };
    lo >= min && hi <= max
}

/// Applies `r` to the stored values in `img`, checking the new array's size
/// (and the i64 working copy's) against `limits`.
fn apply_rescale(img: NdImage, r: Rescale, limits: &Limits) -> Result<NdImage> {
    let n = img.len() as u64;
    limits.check_alloc(n.saturating_mul(8 + r.dtype.size() as u64))?;
    match r.dtype {
        DType::F32 => {
            // In f32, as imageio computes it (astype(float32), *=, +=).
            let (s, i) = (r.slope as f32, r.intercept as f32);
            let mut a = img.cast(DType::F32).into_array::<f32>()?;
            a.mapv_inplace(|v| v * s + i);
            Ok(a.into())
        }
        DType::F64 => {
            let mut a = img.cast(DType::F64).into_array::<f64>()?;
            a.mapv_inplace(|v| v * r.slope + r.intercept);
            Ok(a.into())
        }
        d => {
            let (s, i) = (r.slope as i64, r.intercept as i64);
            let mut a = img.cast(DType::I64).into_array::<i64>()?;
            a.mapv_inplace(|v| v.wrapping_mul(s).wrapping_add(i));
            Ok(NdImage::from(a).cast(d))
        }
    }
}

/// A DICOM file open for reading: its frames.
struct DicomReader {
    parsed: Parsed,
    geo: Option<Geometry>,
    limits: Limits,
}

impl DicomReader {
    /// The image geometry, or the error for a file without pixels (or in a
    /// transfer syntax not decoded here).
    fn geometry(&self) -> Result<&Geometry> {
        let geo = self.geo.as_ref().ok_or_else(pixels::no_pixels)?;
        let encapsulated = matches!(
            self.parsed.layout.pixels,
            Some((_, PixelData::Encapsulated { .. }))
        );
        if encapsulated && self.parsed.syntax.codec == Codec::Unsupported {
            return Err(pixels::unsupported_syntax(&self.parsed));
        }
        Ok(geo)
    }

    fn check_index(&self, index: usize) -> Result<&Geometry> {
        let geo = self.geometry()?;
        if index >= geo.frames {
            return Err(Error::index_out_of_range(index, Some(geo.frames)));
        }
        Ok(geo)
    }

    fn rescale(&self, options: &Options) -> Option<Rescale> {
        let geo = self.geo.as_ref()?;
        rescale_for(&self.parsed.obj, geo, rescale_option(options))
    }

    /// `(dy, dx)` from PixelSpacing.
    fn pixel_spacing(&self) -> Option<Vec<f64>> {
        let v = header::floats(&self.parsed.obj, tags::PIXEL_SPACING)?;
        (v.len() >= 2 && v[..2].iter().all(|x| x.is_finite())).then(|| v[..2].to_vec())
    }

    /// The spacing between frames: SpacingBetweenSlices, else SliceThickness.
    fn slice_spacing(&self) -> Option<f64> {
        header::float(&self.parsed.obj, tags::SPACING_BETWEEN_SLICES)
            .or_else(|| header::float(&self.parsed.obj, tags::SLICE_THICKNESS))
            .map(f64::abs)
    }
}

impl Reader for DicomReader {
    fn read(&mut self, index: usize, options: &Options) -> Result<NdImage> {
        let geo = self.check_index(index)?;
        let img = pixels::read_frames(&self.parsed, geo, index, 1, false, &self.limits)?;
        match self.rescale(options) {
            Some(r) => apply_rescale(img, r, &self.limits),
            None => Ok(img),
        }
    }

    fn read_all(&mut self, options: &Options, limits: Limits) -> Result<NdImage> {
        let geo = self.geometry()?;
        let img = pixels::read_frames(&self.parsed, geo, 0, geo.frames, true, &limits)?;
        match self.rescale(options) {
            Some(r) => apply_rescale(img, r, &limits),
            None => Ok(img),
        }
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(self.geometry()?.frames))
    }

    fn properties(&mut self, index: usize, options: &Options) -> Result<ImageProperties> {
        let geo = self.check_index(index)?;
        let dtype = self.rescale(options).map_or(geo.dtype(), |r| r.dtype);
        let mut props = ImageProperties::new(geo.frame_shape(), dtype);
        props.n_images = Some(geo.frames);
        props.spacing = self.pixel_spacing();
        Ok(props)
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        if let (Some(i), Some(geo)) = (index, &self.geo) {
            if i >= geo.frames {
                return Err(Error::index_out_of_range(i, Some(geo.frames)));
            }
        }
        let mut m = header::metadata(&self.parsed);
        if let Some(geo) = &self.geo {
            let mut shape = geo.frame_shape();
            let mut sampling = self.pixel_spacing().unwrap_or_else(|| vec![1.0, 1.0]);
            if index.is_none() && geo.frames > 1 {
                shape.insert(0, geo.frames);
                sampling.insert(0, self.slice_spacing().unwrap_or(1.0));
            }
            m.insert(
                "shape",
                Value::List(shape.iter().map(|&d| Value::Int(d as i64)).collect()),
            );
            m.insert(
                "sampling",
                Value::List(sampling.into_iter().map(Value::Float).collect()),
            );
        }
        if self.parsed.syntax.codec != Codec::Native {
            m.insert(keys::COMPRESSION, self.parsed.syntax.name);
        }
        Ok(m)
    }
}
