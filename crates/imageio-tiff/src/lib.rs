//! The TIFF plugin of imageio-rs, `tiff`, on the [`tiff`](https://docs.rs/tiff)
//! crate: TIFF as microscopes, scanners and scientists use it.
//!
//! It registers as the dedicated plugin (`Rank::DEDICATED`) of the shared
//! [`TIFF`] format, reading and writing. Routing is the core's, from that
//! claim: content with a classic or BigTIFF header in either byte order goes
//! to [`open_read`] (whatever its name; a `.tif` name on other content does
//! not), `.tif`/`.tiff` targets to [`open_write`].
//!
//! Reading (what it returns follows the workspace's pixel semantics,
//! ARCHITECTURE.md):
//!
//! - every page: `Index::At(n)` decodes page `n` only (the IFD chain is
//!   walked without reading pixels; only that page's strips or tiles are
//!   read), `Index::All` stacks the pages, `imiter` streams them, and
//!   `n_images` counts the directories without decoding anything;
//! - samples of 1 to 64 bits: unsigned, signed and floating point (u8..u64,
//!   i8..i64, f32, f64; float16 widened to f32; 1/2/4-bit scaled to 0..255
//!   in u8; 10/12-bit and other odd depths as stored in u16);
//! - gray, gray+alpha, RGB, RGBA, CMYK and any extra samples, as stored
//!   (associated alpha stays premultiplied); min-is-white inverted; palettes
//!   expanded to RGB u8 (colormap >> 8); YCbCr converted to RGB;
//! - strips and tiles, planar-separate returned interleaved, BigTIFF, both
//!   byte orders, horizontal and floating-point predictors;
//! - compression: none, LZW, Deflate, PackBits, JPEG (YCbCr subsampled
//!   too), CCITT Group 4, WebP and ZSTD (read; ZSTD builds the C zstd
//!   library bundled in the `zstd` crate, nothing is downloaded) through the
//!   `tiff` crate; CCITT Group 3 (1-D and 2-D, T4Options honoured), modified
//!   Huffman (Compression 2) and Group 4 stored LSB first (FillOrder 2)
//!   through [`hayro_ccitt`], one bit per pixel returned as 0/255 in u8 like
//!   every 1-bit page (a black-coded run is a 1 bit, as libtiff has it, so
//!   min-is-white pages show it black); Group 3 uncompressed mode, LZMA,
//!   old-style JPEG and SGILog are an
//!   [`Unsupported`](imageio_core::ErrorKind::Unsupported) error naming them.
//!
//! Speed: compressed strips decode in parallel, each into its own rows
//! (LZW by a decoder of this crate, Deflate by libdeflate); the
//! pages of `Index::All` decode in parallel into one stack; an uncompressed
//! page whose strips lie back to back in the machine's byte order (what most
//! writers make) is read with one positioned read straight into the array
//! ([`ReadRequest::random_access`]), no decoder involved.
//!
//! Series (the `series=N` read option), as tifffile's series model defines
//! them: series N whole, shaped by its axes with
//! the axes of length 1 left out (`Y` and `X` kept), exactly as
//! `tifffile.imread(path, series=N)` returns it:
//!
//! - **OME-TIFF**: the OME-XML of the first page's ImageDescription (parsed
//!   with [`roxmltree`], no DTD); one series per `Image` with planes in this
//!   file; axes from `DimensionOrder` reversed (`XYCZT` → `TZCYX`) plus `S`
//!   for samples; the planes from the `TiffData` elements (`IFD`,
//!   `PlaneCount`/`NumPlanes`, `FirstZ/C/T`; planes named but not stored are
//!   zeros, as in tifffile); `spacing` in the properties from
//!   `PhysicalSizeZ/Y/X` for the spatial axes present (`spacing_axes`,
//!   `spacing_units` in the metadata; `µm` unless the XML says otherwise);
//!   `ome_type`, `time_increment`, `series_name`. Multi-file OME-TIFF and
//!   modulo annotations are not supported (a clear error, resp. the plain
//!   axes).
//! - **ImageJ hyperstacks**: `ImageJ=` descriptions, axes `TZCYXS`
//!   (`I` when the counts do not divide the images), `z_spacing`, and files
//!   beyond 4 GiB with one directory read contiguously.
//!
//! - **tifffile's shaped files** (its JSON `{"shape": [...]}` description):
//!   each series exactly that shape (no axis left out), axes `Q...YX`.
//! - **Any other file**: tifffile's generic series, the pages grouped by
//!   layout (`I`, `Y`, `X`[, `S`], length-1 axes left out); pages are
//!   shaped as this plugin returns them (palettes expanded, planar samples
//!   interleaved), so a file of like pages gives `Index::All`'s stack.
//!
//! The metadata names the series' `axes`, `series_shape`, `n_series` and
//! `series_kind` (of `series=N`; without the option, of series 0 of files
//! whose first description is OME-XML, ImageJ's or tifffile's JSON).
//!
//! Metadata per page: `description`, `software`, `datetime`, `resolution` +
//! `resolution_unit` and `dpi`, `compression`, `predictor`, `photometric`,
//! `planar_config`, `extra_samples`, `icc_profile`, `orientation` and a few
//! more; `spacing` in the properties is the pixel size, 1/resolution.
//!
//! Writing: one page per `write` call (a stack is written page by page),
//! streamed to the target and finished on `close`: gray and gray+alpha in
//! every dtype, RGB and RGBA in u8, u16, u32, u64, f32 and f64 (the `tiff`
//! crate has no signed colour types), with the options of [`WRITE_OPTIONS`]:
//! `compression` (none, lzw, deflate, packbits), `predictor` (horizontal,
//! integer samples), `description`, `software`, `dpi`, `bigtiff` and `tile`.
//! Pages are written in strips by the `tiff` crate's image encoder, or, with
//! `tile` (`256`, `[rows, columns]` or `"256x128"`, multiples of 16), in
//! tiles cut and compressed here (the encoder has no tiles) and written
//! through its directory encoder; edge tiles are padded with zeros.
//!
//! ImageJ hyperstacks (`imagej=true`): the whole N-D array in one write,
//! axes from `axes` (a subsequence of `TZCYXS`) or tifffile's default (the
//! last dimensions of `TZCYX`, `TZCYXS` for u8 ending in 3 or 4 samples),
//! u8/u16/i16/f32 (RGB u8), one page per `T * Z * C` image in ImageJ's
//! layout (uncompressed: the images back to back, then the directories),
//! the first page with the ImageJ description written as tifffile writes it
//! (`images=`, `channels=`, `slices=`, `frames=`, `hyperstack=true`,
//! `mode=`, `loop=`, then `spacing=`, `unit=`, `finterval=` when given);
//! `spacing` `[dz, dy, dx]` also sets X/YResolution.
//!
//! ## What the `tiff` crate does, and the directory code kept here
//!
//! Tag values are read with the `tiff` crate (`Decoder::read_directory`,
//! `read_directory_tags`, `find_tag_unsigned_vec`, ...), strips and tiles
//! are decoded by it (`read_chunk_bytes`), every code is named with its
//! `tiff::tags` enums (`Tag`, `CompressionMethod`,
//! `PhotometricInterpretation`, `PlanarConfiguration`, `SampleFormat`,
//! `Predictor`; `Tag::Unknown` behind a named constant only for what the
//! crate does not name), and pages are written with its encoder
//! (`TiffEncoder::new`/`new_big`, `new_image`, `write_tag`, `write_data`).
//! Two things stay in this crate's `ifd.rs`, because tiff 0.11 cannot do them
//! within the bounds this plugin keeps:
//!
//! - **Walking the page chain** (`n_images`, `Index::At(n)`). The decoder's
//!   own walk (`Decoder::new`, `next_image`, `seek_to_image`) builds its
//!   image description for every directory it passes: it reads that page's
//!   whole strip or tile offset and byte-count arrays (time and memory in the
//!   number of chunks of every page before the one asked for) and fails on
//!   pages it cannot describe (no PhotometricInterpretation, different bit
//!   depths or sample formats per sample, ...); `Decoder::new` does so for
//!   the first page, so it cannot even open such files. `read_directory` alone
//!   reads every entry into a map and, in BigTIFF, iterates the stored 64-bit
//!   entry count until a read fails, where a bounds check suffices. The walk
//!   here reads two numbers per page (entry count and next link), checks the
//!   directory lies in the file before reading it, detects loops with a hash
//!   set and stops at the core's one cap on the images a reader walks,
//!   [`MAX_IMAGES`](imageio_core::plugin::MAX_IMAGES) (2^20), lowered to what the
//!   file's length can hold: one directory of at least one entry per page,
//!   18 bytes (36 in BigTIFF). The crate reads tag values only for the
//!   page asked for, through a decoder opened once on a synthetic 1x1
//!   directory (so any file opens).
//! - **The synthetic directory** that shows a page's chunks to the chunk
//!   decoder as min-is-black samples (the crate decodes palette, 10/12-bit,
//!   CMYK with extra samples, subsampled YCbCr, ... only that way). The
//!   decoder takes a directory only from its stream, so the directory is
//!   serialised behind the file's bytes. Its entries for the chunks are the
//!   page's own, copied verbatim: tiff 0.11's `ifd::Entry` exposes type and
//!   count but not its value/offset field (`offset()` is crate-private), so
//!   a `Directory` it read cannot be written back; and its encoder writes
//!   only the host's byte order (the header is `II` on little-endian
//!   machines) while this directory must keep the file's, in which the copied
//!   entries and the chunk data are.
//!
//! You probably want the facade: depend on `imageio-rs` (imported as
//! `imageio`), which links this plugin with its `tiff` feature (on by
//! default).
//!
//! ```
//! use imageio::{imread_with, imwrite_with, NdImage, ReadOptions, WriteOptions, Index};
//! # fn main() -> Result<(), imageio::Error> {
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("stack.tif");
//! let stack = NdImage::from(imageio::ndarray::Array3::<u16>::from_elem((3, 4, 5), 7));
//! imwrite_with(&path, &stack, &WriteOptions::new().option("compression", "lzw"))?;
//! let page = imread_with(&path, &ReadOptions::new().index(Index::At(2)))?;
//! assert_eq!(page.shape(), &[4, 5]);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod ccitt;
mod ifd;
mod imagej;
mod imagej_write;
mod metadata;
mod ome;
mod page;
mod parallel;
mod read;
mod samples;
mod series;
mod tile;
mod write;

use imageio_core::plugin::{
    Claim, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader, WriteEntry,
    WriteRequest, Writer, TIFF,
};

/// The plugin's name.
pub const NAME: &str = "tiff";

/// The options `read` accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[OptionSpec::new(
    "series",
    OptionKind::Int,
    "",
    "read series N whole, shaped by its axes as tifffile.imread(series=N) does (OME-TIFF: one \
     series per Image, axes from DimensionOrder; ImageJ hyperstacks: (T, Z, C, Y, X[, S])); \
     the axes of size 1 left out; `axes` in the metadata",
)];

/// The options `write` accepts.
pub const WRITE_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "compression",
        OptionKind::Choice(&["none", "lzw", "deflate", "packbits"]),
        "none",
        "compression of the strips",
    )
    .per_write(),
    OptionSpec::new(
        "predictor",
        OptionKind::Choice(&["none", "horizontal"]),
        "none",
        "horizontal differencing before compression (integer samples only)",
    )
    .per_write(),
    OptionSpec::new(
        "description",
        OptionKind::Str,
        "",
        "ImageDescription tag of the page",
    )
    .per_write(),
    OptionSpec::new("software", OptionKind::Str, "", "Software tag of the page").per_write(),
    OptionSpec::new(
        "dpi",
        OptionKind::FloatOrList,
        "",
        "resolution in dots per inch: one number or [x, y]",
    )
    .per_write(),
    OptionSpec::new(
        "bigtiff",
        OptionKind::Bool,
        "auto",
        "write BigTIFF (64-bit offsets); unset: automatic when the first page or batch nears 4 GiB",
    ),
    OptionSpec::new(
        "tile",
        OptionKind::Any,
        "",
        "write tiles of this size: N (square) or [rows, columns], multiples of 16 up to 65536; \
         unset: strips",
    )
    .per_write(),
    OptionSpec::new(
        "imagej",
        OptionKind::Bool,
        "false",
        "write the array as one ImageJ hyperstack (pages in TZC order, ImageJ's description; \
         u8, u16, i16, f32, RGB u8), as tifffile.imwrite(imagej=True) does",
    ),
    OptionSpec::new(
        "axes",
        OptionKind::Str,
        "",
        "imagej: the array's axes, a subsequence of TZCYXS; unset: the last dimensions of TZCYX \
         (TZCYXS for u8 whose last dimension is 3 or 4), as tifffile",
    ),
    OptionSpec::new(
        "spacing",
        OptionKind::FloatOrList,
        "",
        "imagej: dz, [dy, dx] or [dz, dy, dx] (`spacing=` and X/YResolution)",
    ),
    OptionSpec::new(
        "unit",
        OptionKind::Str,
        "",
        "imagej: the unit of the spacing (`um`)",
    ),
    OptionSpec::new(
        "finterval",
        OptionKind::Float,
        "",
        "imagej: the frame interval in seconds",
    ),
    OptionSpec::new(
        "imagej_mode",
        OptionKind::Choice(&["grayscale", "composite", "color"]),
        "grayscale",
        "imagej: the display mode (`mode=`; not written for RGB unless given)",
    ),
    OptionSpec::new(
        "loop",
        OptionKind::Bool,
        "",
        "imagej: `loop=` of the description (false is written with frames)",
    ),
];

/// What the plugin claims, in both directions: the shared TIFF format
/// (`.tif`, `.tiff`; the classic and BigTIFF headers in both byte orders), as
/// the plugin made for it.
const FORMATS: &[Claim] = &[Claim::new(TIFF, Rank::DEDICATED)];

imageio_core::inventory::submit! {
    PluginInfo {
        name: NAME,
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "TIFF on the `tiff` crate: every page, every sample type, strips and tiles, BigTIFF, streaming writes",
        read: Some(ReadEntry { formats: FORMATS, options: READ_OPTIONS, open: open_read }),
        write: Some(WriteEntry { formats: FORMATS, options: WRITE_OPTIONS, open: open_write }),
    }
}

/// Opens a TIFF for reading (routing has matched it against [`TIFF`]): its
/// bytes, and positioned reads of the file for uncompressed pages.
pub fn open_read(request: &mut ReadRequest) -> imageio_core::Result<Box<dyn Reader>> {
    let data = request.bytes()?;
    let mut reader = read::open(data, request.limits())?;
    reader.raw = Some(request.random_access()?);
    Ok(Box::new(reader))
}

/// Opens a TIFF for writing on the request's output: one page per `write`,
/// streamed, finished on `close`.
pub fn open_write(request: &mut WriteRequest) -> imageio_core::Result<Box<dyn Writer>> {
    let output = request.output()?;
    Ok(Box::new(write::TiffWriter::new(output)))
}
