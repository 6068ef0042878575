//! The FITS plugin of imageio-rs. Registered as plugin `"fits"`: reads
//! `.fits`, `.fit` and `.fts` files (and any file that begins with the
//! `SIMPLE  =                    T` card), read only.
//!
//! What a read returns:
//! - index `i` is the `i`-th HDU that holds an image with data: the primary
//!   array, then the `IMAGE` extensions, in file order. An HDU without data
//!   (the empty primary HDU of a file whose images are all extensions) is
//!   skipped, and so are tables and random groups, as imageio's FITS
//!   plugin does on astropy (`n_images` counts the images);
//! - the array in C order, as astropy gives it: `(NAXIS2, NAXIS1)`,
//!   `(NAXIS3, NAXIS2, NAXIS1)`, ..., up to 999 axes;
//! - the stored type for every `BITPIX`: 8 → u8, 16 → i16, 32 → i32,
//!   64 → i64, -32 → f32, -64 → f64 (big-endian data converted);
//! - with the read option `scale` (bool, **default true**, astropy's
//!   default `do_not_scale_image_data=False` with `uint=True`): `BSCALE`
//!   and `BZERO` applied, and `BLANK` samples set to NaN, as astropy does:
//!   `BSCALE = 1` with `BZERO` = 32768, 2^31 or 2^63 gives u16, u32, u64
//!   (`BZERO = -128` on bytes gives i8); any other scaling, or a `BLANK`,
//!   gives f32 for 8- and 16-bit data and f64 for 32- and 64-bit data;
//!   float data is scaled in its own type. `scale=false` returns the stored
//!   values (astropy's `do_not_scale_image_data=True`).
//!
//! The metadata of image `i` holds its HDU's header: each keyword to its
//! value typed (int, float, bool or string; a long string joined across
//! `CONTINUE` cards), `COMMENT` and `HISTORY` as lists of lines, plus
//! `hdu` (the HDU's number in the file, 0 = primary); the file-level
//! metadata is the primary header. The cards are parsed by
//! [`fitsrs`](https://crates.io/crates/fitsrs); the HDU walk, the size of
//! each data unit and the samples are this crate's own, with checked
//! arithmetic: fitsrs 0.4.1 multiplies `NAXISn` unchecked (a hostile header
//! overflows), returns fewer samples than the header says on a truncated
//! file, does not size random-groups data, and panics on a card whose value
//! is a single quote (the plugin keeps such cards as text).
//!
//! Limits: each array's size (in the type a read returns) is checked
//! against the request's [`Limits`] before anything is
//! allocated, and data the file is too short to hold is an error; at most
//! [`MAX_IMAGES`] HDUs are walked, and
//! [`MAX_METADATA_KEYS`] header keys kept in the metadata.
//!
//! Not supported: tile-compressed images (`ZIMAGE` binary tables), tables,
//! gzip-compressed files, writing.
//!
//! Most users want the `imageio-rs` facade, which links this plugin with its
//! `fits` feature.
#![deny(missing_docs)]

mod data;
mod header;

use imageio_core::plugin::{
    Claim, Format, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader,
    Signature, MAX_IMAGES,
};
use imageio_core::{
    Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes,
};

use data::Output;
pub use header::MAX_METADATA_KEYS;
use header::{Hdu, ImageHdu, Walk};

/// The card every FITS file begins with: `SIMPLE` set to true.
pub const MAGIC: &[u8] = b"SIMPLE  =                    T";

/// FITS as routing sees it: its extensions and signature.
pub const FORMAT: Format =
    Format::new("FITS", &[".fits", ".fit", ".fts"]).signatures(&[Signature::new(MAGIC)]);

/// The options the reader accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[OptionSpec::new(
    "scale",
    OptionKind::Bool,
    "true",
    "apply BSCALE/BZERO and BLANK as astropy does (false: the stored values, astropy's do_not_scale_image_data=True)",
)];

imageio_core::inventory::submit! {
    PluginInfo {
        name: "fits",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "FITS: the primary array and IMAGE extensions, every BITPIX, BSCALE/BZERO as astropy (read only), cards parsed by fitsrs",
        read: Some(ReadEntry {
            formats: &[Claim::new(FORMAT, Rank::DEDICATED)],
            options: READ_OPTIONS,
            open: open_read,
        }),
        write: None,
    }
}

/// Opens a reader: every HDU's header is walked (no data is read) and the
/// `scale` option checked.
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    scale_option(request.options())?;
    let bytes = request.bytes()?;
    let limits = request.limits();
    let Walk { hdus, broken } = header::walk(&bytes, MAX_IMAGES)?;
    let images = hdus
        .iter()
        .enumerate()
        .filter(|(_, h)| h.image.is_some())
        .map(|(i, _)| i)
        .collect();
    Ok(Box::new(FitsReader {
        bytes,
        limits,
        hdus,
        images,
        broken,
    }))
}

/// The `scale` option (true when absent).
fn scale_option(options: &Options) -> Result<bool> {
    match options.get("scale") {
        None => Ok(true),
        Some(v) => v
            .as_bool()
            .ok_or_else(|| Error::invalid_option(format!("scale: give true or false (got {v:?})"))),
    }
}

/// A FITS file open for reading.
struct FitsReader {
    bytes: SharedBytes,
    limits: Limits,
    hdus: Vec<Hdu>,
    /// The positions in `hdus` of the HDUs that hold an image.
    images: Vec<usize>,
    /// Why the walk stopped early, if it did.
    broken: Option<Error>,
}

impl FitsReader {
    /// The HDU of image `index`.
    fn hdu(&self, index: usize) -> Result<(&Hdu, &ImageHdu)> {
        let Some(&at) = self.images.get(index) else {
            return Err(match &self.broken {
                Some(e) => Error::new(e.kind(), e.message()),
                None => Error::index_out_of_range(index, Some(self.images.len())),
            });
        };
        let hdu = &self.hdus[at];
        let image = hdu.image.as_ref().expect("an image HDU");
        Ok((hdu, image))
    }
}

impl Reader for FitsReader {
    fn read(&mut self, index: usize, options: &Options) -> Result<NdImage> {
        let output_of =
            |image: &ImageHdu| -> Result<Output> { Ok(Output::of(image, scale_option(options)?)) };
        let (_, image) = self.hdu(index)?;
        let output = output_of(image)?;
        self.limits
            .check_shape(&image.shape, output.dtype(image.bitpix))?;
        data::decode(&self.bytes, image, output)
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        match &self.broken {
            Some(e) => Err(Error::new(e.kind(), e.message())),
            None => Ok(Some(self.images.len())),
        }
    }

    fn properties(&mut self, index: usize, options: &Options) -> Result<ImageProperties> {
        let (_, image) = self.hdu(index)?;
        let output = Output::of(image, scale_option(options)?);
        Ok(ImageProperties::new(
            image.shape.clone(),
            output.dtype(image.bitpix),
        ))
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        let hdu = match index {
            Some(i) => self.hdu(i)?.0,
            None => &self.hdus[0],
        };
        let mut m = hdu.cards.to_metadata();
        m.insert("hdu", hdu.number as i64);
        Ok(m)
    }
}
