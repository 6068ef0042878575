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
//!   the first wins a tie) at its native resolution, samples as stored
//!   (DESIGN.md): DeviceGray/RGB/CMYK, ICCBased (by `/N`, the profile not
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
//! You probably want the `imageio` facade, which links this plugin with its
//! `pdf` feature.
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
#![deny(missing_docs)]

mod decode;
mod read;
mod render;
mod write;

use imageio_core::{
    Error, IoMode, OptionKind, OptionSpec, Plugin, PluginInfo, Request, Result, Signature,
};

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

const SIGNATURES: &[Signature] = &[Signature::new(b"%PDF-")];

imageio_core::inventory::submit! {
    PluginInfo {
        name: NAME,
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "PDF on lopdf + hayro: page images (every filter), pages rendered, images as pages",
        read_extensions: &[".pdf"],
        write_extensions: &[".pdf"],
        signatures: SIGNATURES,
        read_options: READ_OPTIONS,
        write_options: WRITE_OPTIONS,
        open,
    }
}

/// Opens a request: reading needs `%PDF-` within the first 1024 bytes
/// ("not mine" otherwise), writing a `.pdf` target.
pub fn open(request: &mut Request) -> Result<Box<dyn Plugin>> {
    match request.mode() {
        IoMode::Read => {
            if !sniff(request.first_bytes()) {
                return Err(Error::declined("no %PDF- header"));
            }
            let limits = request.limits();
            let bytes = request.bytes()?;
            Ok(Box::new(read::PdfReader::open(bytes, limits)?))
        }
        IoMode::Write => {
            let ext = request.extension().unwrap_or("");
            if ext != ".pdf" {
                return Err(Error::declined(format!("cannot write {ext} files")));
            }
            Ok(Box::new(write::PdfWriter::new(request.writer()?)))
        }
    }
}

/// True when `first` (the first bytes of the resource) holds a PDF header.
/// Readers accept junk before `%PDF-`; so do we, within what we are shown.
fn sniff(first: &[u8]) -> bool {
    first.windows(5).any(|w| w == b"%PDF-")
}

/// Maps an error of lopdf met while reading into ours.
fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::decode(format!("pdf: {e}")).with_source(e)
}

/// Maps an error of a backend met while writing into ours.
fn encode_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::encode(format!("pdf: {e}")).with_source(e)
}
