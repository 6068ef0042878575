//! The JPEG XL plugin of imageio-rs: reading on
//! [`jxl-oxide`](https://crates.io/crates/jxl-oxide) (pure Rust), lossless
//! writing on [`zune-jpegxl`](https://crates.io/crates/zune-jpegxl) (pure
//! Rust). Registered as plugin `"jxl"` for `.jxl` at [`Rank::DEDICATED`],
//! with the bare codestream (`FF 0A`) and the ISO BMFF container
//! (`\0\0\0\x0cJXL \r\n\x87\n`) as signatures.
//!
//! What a read returns (the pixel semantics of ARCHITECTURE.md):
//! - the shape from the header: `(H, W)` gray, `(H, W, 2)` gray + alpha,
//!   `(H, W, 3)` RGB, `(H, W, 4)` RGBA;
//! - the dtype from the codestream's bit depth: `u8` for integer samples of
//!   up to 8 bits (1 to 7 bits scaled to 0..255), `u16` for 9 to 16 bits
//!   (values as stored: a 12-bit file gives 0..4095, as imagecodecs'
//!   libjxl decode does), `f32` for float samples (float16 widened) and
//!   integer samples wider than 16 bits (nominal range 0..1). Lossy
//!   (VarDCT, XYB) files are rendered by jxl-oxide in f32, in the colour
//!   space of `icc_profile` (below), and rounded to the header's bit
//!   depth; decoding runs on rayon's global thread pool;
//! - animations: one image per displayed frame (keyframe), composited onto
//!   the full canvas by jxl-oxide (blending, reference frames, cropped
//!   frames), every frame with the same shape; `duration` (ms, from the
//!   ticks and the animation's ticks per second), `loop` (0 = forever) and
//!   `n_frames` in the metadata;
//! - orientation: the codestream header's orientation (1..8) is reported as
//!   `orientation` and not applied, as for the EXIF orientation of other
//!   formats; the read option `rotate = true` applies it (and drops
//!   `orientation` from the metadata), which is what libjxl, and so
//!   imagecodecs, return by default;
//! - metadata: `icc_profile`, the profile of the returned samples: the
//!   embedded one (an XYB-encoded, that is lossy, image is converted to it
//!   by the pure-Rust moxcms CMS through jxl-oxide, as the encoder's source
//!   was; imagecodecs' libjxl decode, without a CMS, renders such a file
//!   in sRGB instead), or the one jxl-oxide synthesises from the header's
//!   colour encoding (sRGB, Display P3, PQ, ...); `exif` and `xmp` from the
//!   container's boxes; `bits_per_sample` (and `exponent_bits` for float
//!   samples); `compression`, the frames' coding: `modular`,
//!   `modular (xyb)`, `vardct` or `mixed`; `pixel_format` (`L`, `LA`,
//!   `RGB`, `RGBA`).
//!
//! CMYK files (a black extra channel) are refused with `Unsupported`.
//!
//! Limits: the image header is parsed first (from the codestream's first
//! bytes, before jxl-oxide loads any frame), then its dimensions, the shape
//! of one image, and the f32 planes jxl-oxide renders one frame into (one
//! per channel, extra channels included) are checked against the request's
//! [`Limits`](imageio_core::Limits); jxl-oxide's own allocation tracker is
//! then set to the file's length (the frame data it copies) plus a budget
//! for rendering proportional to those planes, which bounds what a table of
//! contents promising more frame data than the file holds can reserve;
//! frames stop at [`MAX_IMAGES`](imageio_core::plugin::MAX_IMAGES).
//!
//! Writing: one image, losslessly (zune-jpegxl's encoder has no lossy mode
//! and no animation): `u8` samples `(H, W)`, `(H, W, 2)`, `(H, W, 3)` or
//! `(H, W, 4)`, `u16` samples `(H, W)` or `(H, W, 3)`, at least 2x2 pixels.
//! Its files read back exactly with jxl-oxide and with libjxl (imagecodecs).
//! Refused: other dtypes (`InvalidInput`), a second image, and `u16` with
//! alpha (`Unsupported`: zune-jpegxl 0.5 declares the alpha channel of a
//! 16-bit image 8-bit, so libjxl and jxl-oxide read the alpha saturated).
//! No write options.
//!
//! Most users want the `imageio-rs` facade, which links this plugin with its
//! `jxl` feature.
#![deny(missing_docs)]

mod orient;
mod read;
mod write;

use imageio_core::plugin::{
    Claim, Format, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, Signature, WriteEntry,
};

pub use read::open_read;
pub use write::open_write;

/// The first bytes of a bare JPEG XL codestream.
pub const CODESTREAM_MAGIC: &[u8] = b"\xff\x0a";

/// The first bytes of a JPEG XL file in the ISO BMFF container (the
/// `JXL ` signature box).
pub const CONTAINER_MAGIC: &[u8] = b"\0\0\0\x0cJXL \r\n\x87\n";

/// The JPEG XL format as routing sees it: its extension and both
/// signatures.
pub const FORMAT: Format = Format::new("JXL", &[".jxl"]).signatures(&[
    Signature::new(CODESTREAM_MAGIC),
    Signature::new(CONTAINER_MAGIC),
]);

/// The options the reader accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[OptionSpec::new(
    "rotate",
    OptionKind::Bool,
    "false",
    "apply the header's orientation (and drop `orientation` from the metadata)",
)];

/// The options the writer accepts (none: the encoder is lossless only).
pub const WRITE_OPTIONS: &[OptionSpec] = &[];

imageio_core::inventory::submit! {
    PluginInfo {
        name: "jxl",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "JPEG XL on jxl-oxide: still and animated, 8/16-bit and float, ICC; lossless writing on zune-jpegxl",
        read: Some(ReadEntry {
            formats: &[Claim::new(FORMAT, Rank::DEDICATED)],
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
