//! The heif plugin of imageio-rs: reads HEIC, HEIF and AVIF on libheif,
//! through the [`libheif-rs`](https://crates.io/crates/libheif-rs) crate.
//! Registered as plugin `"heif"` at [`Rank::DEDICATED`] for reading
//! `.heic .heif .heics .heifs .hif` ([`FORMAT`], brands `heic heix hevc hevx
//! heim heis hevm hevs mif1 msf1`) and `.avif` ([`AVIF`], brands `avif avis`).
//! It writes nothing: AVIF writing stays in the `pillowlike` plugin (on
//! `ravif`, facade feature `avif`).
//!
//! libheif 1.23 is built from the sources `libheif-sys` vendors (its
//! `embedded-libheif` feature: cmake and a C++ compiler), and decodes HEVC
//! with the system's libde265 and AV1 with the system's dav1d (or libaom):
//! on Debian, `apt-get install cmake g++ libde265-dev libdav1d-dev`.
//!
//! # What a read returns
//! - 8-bit images as u8; 10- and 12-bit as u16 with the values as stored
//!   (0..1023, 0..4095), not scaled to 16 bits (pillow-heif shifts them
//!   left to 16 bits; shift its arrays right to compare).
//! - Shapes `(H, W)` for monochrome images, `(H, W, 2)` monochrome with
//!   alpha, `(H, W, 3)` colour, `(H, W, 4)` colour with alpha, after
//!   libheif's conversion from YCbCr to RGB.
//! - The images of a file are its top-level images in file order (the
//!   primary one is not moved first), or, when the file holds an image
//!   sequence track (`avis`, `msf1`), the frames of its first visual track.
//!   `Index::All` stacks them when their shapes agree.
//! - Orientation: as everywhere in imageio-rs it is reported, not applied.
//!   A HEIF image's `irot`/`imir` properties are reported as the EXIF
//!   orientation they amount to (`orientation`, 1..8), and the pixels come
//!   in the coded orientation; the read option `rotate=true` applies them
//!   (the image pillow-heif returns) and drops `orientation`. A cropping
//!   (`clap`) is always applied. EXIF orientation tags inside a HEIF file
//!   are not used: the HEIF properties are what the format defines.
//!
//! # Options
//! - `rotate` (bool, default `false`): apply the orientation.
//!
//! # Metadata
//! `orientation` (when not 1), `exif` (the TIFF-structured EXIF block),
//! `icc_profile` (a raw colour profile), `bit_depth`, `codec` (`"hevc"` or `"av1"`, from the brands), and for a
//! sequence frame `duration` (ms) and `n_frames`.
//!
//! # Limits
//! Each image's size is checked against the request's [`Limits`] before it
//! is decoded, and libheif's own security limits are lowered to them (most
//! pixels per image, largest memory block and total memory, most sequence
//! frames), so that a header promising a huge image fails before libheif
//! allocates it.
//!
//! Most users want the `imageio-rs` facade, which links this plugin with its
//! `heif` feature.
//!
//! [`Limits`]: imageio_core::Limits
#![deny(missing_docs)]

mod boxes;
mod orient;
mod read;

use imageio_core::plugin::{
    Claim, Format, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader,
    Signature,
};
use imageio_core::Result;

pub use imageio_core::plugin::AVIF;

/// HEIC and HEIF (HEVC-coded, or any image the `mif1`/`msf1` brands
/// announce): their extensions and `ftyp` brands.
pub const FORMAT: Format = Format::new("HEIF", &[".heic", ".heif", ".heics", ".heifs", ".hif"])
    .signatures(&[
        Signature::at(4, b"ftypheic"),
        Signature::at(4, b"ftypheix"),
        Signature::at(4, b"ftyphevc"),
        Signature::at(4, b"ftyphevx"),
        Signature::at(4, b"ftypheim"),
        Signature::at(4, b"ftypheis"),
        Signature::at(4, b"ftyphevm"),
        Signature::at(4, b"ftyphevs"),
        Signature::at(4, b"ftypmif1"),
        Signature::at(4, b"ftypmsf1"),
    ]);

/// The options the reader accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[OptionSpec::new(
    "rotate",
    OptionKind::Bool,
    "false",
    "apply the orientation (irot/imir) and drop `orientation` from the metadata",
)];

imageio_core::inventory::submit! {
    PluginInfo {
        name: "heif",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "HEIC, HEIF and AVIF (read) on libheif, through `libheif-rs`",
        read: Some(ReadEntry {
            formats: &[Claim::new(FORMAT, Rank::DEDICATED), Claim::new(AVIF, Rank::DEDICATED)],
            options: READ_OPTIONS,
            open: open_read,
        }),
        write: None,
    }
}

/// Opens a reader. Routing has matched [`FORMAT`] or [`AVIF`]; the boxes are
/// walked and libheif parses the file (within the request's limits); no
/// pixel is decoded until `read`.
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    let bytes = request.bytes()?;
    let limits = request.limits();
    Ok(Box::new(read::HeifReader::open(bytes, limits)?))
}
