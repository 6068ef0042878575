//! The PDF plugin of imageio-rs, `pdf`: the raster images inside PDF pages,
//! whole pages rendered, and images written out as PDF pages.
//!
//! Structure, stream filters and writing are on [`lopdf`](https://docs.rs/lopdf);
//! the image codecs PDF embeds are decoded by their own crates, used directly:
//! `DCTDecode` by [`jpeg-decoder`](https://docs.rs/jpeg-decoder), `JPXDecode`
//! by [`hayro-jpeg2000`](https://docs.rs/hayro-jpeg2000), `JBIG2Decode` by
//! [`hayro-jbig2`](https://docs.rs/hayro-jbig2) and `CCITTFaxDecode` by
//! [`hayro-ccitt`](https://docs.rs/hayro-ccitt). Pages are rendered by
//! [`hayro`](https://docs.rs/hayro), a pure-Rust rasterizer.
//!
//! Reading (index = page, `n_images` = page count from the page tree):
//!
//! - by default page `i` gives the largest raster image placed on it (W*H,
//!   the first wins a tie) at its native resolution, samples as stored (the
//!   workspace's pixel semantics, ARCHITECTURE.md): DeviceGray/RGB/CMYK, ICCBased (by `/N`, the profile not
//!   applied), CalGray/CalRGB/Lab, Indexed expanded through its lookup table
//!   into the base space (a gray base gives `(H, W)`), Separation and DeviceN
//!   as their stored channels; 1/2/4-bit samples scaled to 0..255, 8-bit as
//!   u8, 16-bit as u16; `/Decode` arrays and `/ImageMask` honoured; soft
//!   masks ignored. Images are found through the page's (inherited)
//!   resources, inside Form XObjects, and inline (`BI ... ID ... EI`);
//! - option `images = "all"`: every raster image of every page, page after
//!   page in drawing order, one per index (for `imiter`);
//! - option `render = true`: the whole page rasterized at `dpi` (default
//!   150) as RGB u8 on white, or RGBA with `background = "none"`;
//! - a page with no raster image is an `Unsupported` error that says to pass
//!   `render = true` (rendering is never chosen silently: its shape and
//!   resolution differ from an embedded image's);
//! - encrypted files are opened with the empty user password; otherwise a
//!   clear error. Every stream is decoded with a size limit derived from the
//!   image's dimensions and the request's [`Limits`](imageio_core::Limits),
//!   and dimensions are checked before anything is allocated.
//!
//! Metadata: `title`, `author`, `producer`, `creation_date` (document info),
//! `n_pages`, the page's `media_box` and `rotation`; for the chosen image
//! `width`, `height`, `filter`, `color_space`, `bits_per_component` and
//! `dpi` (from its placement on the page).
//!
//! Writing ([`WRITE_OPTIONS`]): one page per image (`write` repeatedly, or a
//! stack): gray, gray+alpha, RGB, RGBA (alpha as a soft mask), u8 and u16.
//! The page measures the image at `dpi` (default 72: one pixel per point)
//! unless `page_size = [w, h]` (points) is given, in which case the image is
//! fitted and centred. `compression = "flate"` (default, lossless) or
//! `"jpeg"` (u8 only, `quality` 1..100, the alpha mask stays lossless).
//!
//! Routing: the plugin registers as `pdf` and claims [`PDF`] (`.pdf`, the
//! signature `%PDF-` anywhere in the first
//! [`FIRST_BYTES`](imageio_core::plugin::FIRST_BYTES), as PDF readers accept
//! junk before the header) at [`Rank::DEDICATED`] for reading and writing.
//! The core offers it PDF content whatever the name, and `.pdf` targets; a
//! `.pdf` file without the header is never offered to it.
//!
//! You probably want the `imageio-rs` facade (`use imageio::...`), which
//! links this plugin with its `pdf` feature.
//!
//! ```
//! use imageio::{imdecode_with, imencode_with, NdImage, ReadOptions, WriteOptions};
//! # fn main() -> Result<(), imageio::Error> {
//! let img = NdImage::from(imageio::ndarray::Array3::<u8>::from_elem((20, 30, 3), 200));
//! let pdf = imencode_with(&img, ".pdf", &WriteOptions::new())?; // one page, flate
//! assert_eq!(imdecode_with(&pdf, &ReadOptions::new())?, img); // its image, lossless
//! let page = imdecode_with(&pdf, &ReadOptions::new().option("render", true).option("dpi", 144.0))?;
//! assert_eq!(page.shape(), &[40, 60, 3]); // 30x20 points at 144 dpi
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod decode;
mod forms;
mod read;
mod render;
mod write;

use imageio_core::plugin::{
    Claim, Format, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader,
    Signature, WriteEntry, WriteRequest, Writer,
};
use imageio_core::{Error, Result};

/// The plugin's name.
pub const NAME: &str = "pdf";

/// The options `read` accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "render",
        OptionKind::Bool,
        "false",
        "rasterize the whole page (hayro) instead of returning its largest image",
    ),
    OptionSpec::new(
        "dpi",
        OptionKind::Float,
        "150",
        "resolution of a rendered page, in dots per inch (with render)",
    ),
    OptionSpec::new(
        "background",
        OptionKind::Choice(&["white", "none"]),
        "white",
        "rendered page background: white (RGB) or none (RGBA)",
    ),
    OptionSpec::new(
        "images",
        OptionKind::Choice(&["largest", "all"]),
        "largest",
        "largest: index = page, its largest image; all: index = every image of every page",
    ),
];

/// The options `write` accepts.
pub const WRITE_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "compression",
        OptionKind::Choice(&["flate", "jpeg"]),
        "flate",
        "flate (lossless) or jpeg (u8 images only)",
    ),
    OptionSpec::new(
        "quality",
        OptionKind::Int,
        "90",
        "JPEG quality 1..100 (with compression = jpeg)",
    ),
    OptionSpec::new(
        "dpi",
        OptionKind::Float,
        "72",
        "image resolution: the page measures width*72/dpi x height*72/dpi points",
    ),
    OptionSpec::new(
        "page_size",
        OptionKind::List,
        "",
        "[width, height] of the page in points; the image is fitted and centred",
    ),
];

/// PDF: `.pdf`, and `%PDF-` anywhere in the first bytes (readers accept
/// junk before the header).
pub const PDF: Format = Format::new("PDF", &[".pdf"]).signatures(&[Signature::anywhere(b"%PDF-")]);

/// What the plugin claims, in both directions: PDF, as the plugin made for it.
const FORMATS: &[Claim] = &[Claim::new(PDF, Rank::DEDICATED)];

imageio_core::inventory::submit! {
    PluginInfo {
        name: NAME,
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "PDF on lopdf + hayro: page images (every filter), pages rendered, images as pages",
        read: Some(ReadEntry { formats: FORMATS, options: READ_OPTIONS, open: open_read }),
        write: Some(WriteEntry { formats: FORMATS, options: WRITE_OPTIONS, open: open_write }),
    }
}

/// Opens a PDF for reading. The core routes here only content with a
/// `%PDF-` header in its first bytes, so the document is parsed straight
/// away (a broken file is a decode error, not "not mine").
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    let limits = request.limits();
    let bytes = request.bytes()?;
    Ok(Box::new(read::PdfReader::open(bytes, limits)?))
}

/// Opens a `.pdf` target for writing (the core routes `.pdf` targets here).
pub fn open_write(request: &mut WriteRequest) -> Result<Box<dyn Writer>> {
    Ok(Box::new(write::PdfWriter::new(request.output()?)))
}

/// Maps an error of lopdf met while reading into ours.
fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::decode(format!("pdf: {e}")).with_source(e)
}

/// Maps an error of a backend met while writing into ours.
fn encode_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::encode(format!("pdf: {e}")).with_source(e)
}
