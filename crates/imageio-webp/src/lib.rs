//! The WebP plugin of imageio-rs, on libwebp (the library Pillow and OpenCV
//! use) through [`libwebp-sys`](https://crates.io/crates/libwebp-sys), which
//! builds libwebp from its vendored sources with `cc`: no system package is
//! needed. Registered as plugin `"webp"` for `.webp` at
//! [`Rank::DEDICATED`], ahead of the general-purpose `pillowlike` plugin.
//!
//! What a read returns:
//! - a still file (lossy, lossless, with or without alpha): `(H, W, 3)` u8,
//!   or `(H, W, 4)` when libwebp's header features say the file has alpha
//!   (a VP8X alpha flag, an `ALPH` chunk, or a lossless bitstream whose
//!   header says alpha is used);
//! - an animated file: every frame composited onto the full canvas by
//!   libwebp's own `WebPAnimDecoder` (blend, disposal to transparent black),
//!   one image per frame; `(H, W, 4)` only when the composited canvas can
//!   show transparency, decided from the frame headers by the rule of
//!   ARCHITECTURE.md ("Animations: when there is an alpha channel"), the
//!   same decision the `pillowlike` plugin makes, else `(H, W, 3)`;
//!   `duration` (ms) per frame, `loop` (0 = forever) and `n_frames` in the
//!   metadata; reading frame `i + 1` after `i` continues, reading backwards
//!   restarts;
//! - `icc_profile`, `exif` (bytes) and `xmp` (text) chunks in the metadata
//!   when present, and the EXIF `orientation` (reported, not applied; there
//!   is no `rotate` option yet); `compression` is `lossy`, `lossless` or
//!   `mixed` (an animation with both kinds of frames).
//!
//! The canvas size comes from the header and is checked against the
//! request's [`Limits`](imageio_core::Limits), with libwebp's working
//! buffers, before anything is decoded.
//!
//! Writing (u8; `(H, W)` gray and `(H, W, 2)` gray + alpha are expanded to
//! RGB and RGBA): one image is a still file, several (several `write`
//! calls, or a stack) an animation through libwebp's `WebPAnimEncoder`.
//! Options: `quality` (0-100, default 80 as Pillow; the effort for lossless),
//! `lossless` (default false), `exact` (keep the colour of fully
//! transparent pixels; default true when lossless, so that a lossless write
//! reads back exactly, false otherwise as in Pillow), `method` (0 fast ... 6 slow and small,
//! default 4), and for animations `duration` (ms, one value or one per
//! frame, default 100) and `loop` (0 = forever, the default).
//!
//! Most users want the `imageio-rs` facade, which links this plugin with its
//! `webp` feature.
#![deny(missing_docs)]

mod read;
mod write;

use imageio_core::plugin::{
    Claim, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, WriteEntry, WEBP,
};

pub use read::open_read;
pub use write::open_write;

/// The options the reader accepts (none).
pub const READ_OPTIONS: &[OptionSpec] = &[];

/// The options the writer accepts.
pub const WRITE_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "quality",
        OptionKind::Float,
        "80",
        "0..100: lossy quality, or the compression effort when lossless",
    ),
    OptionSpec::new("lossless", OptionKind::Bool, "false", "encode losslessly"),
    OptionSpec::new(
        "exact",
        OptionKind::Bool,
        "same as lossless",
        "keep the RGB values under fully transparent pixels (default: when lossless)",
    ),
    OptionSpec::new(
        "method",
        OptionKind::Int,
        "4",
        "0 (fast) .. 6 (slower, smaller)",
    ),
    OptionSpec::new(
        "duration",
        OptionKind::FloatOrList,
        "100",
        "animation frame duration in ms: one value, or one per frame",
    ),
    OptionSpec::new(
        "loop",
        OptionKind::Int,
        "0",
        "animation loop count, 0 = forever",
    ),
];

imageio_core::inventory::submit! {
    PluginInfo {
        name: "webp",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "WebP on libwebp: still (lossy, lossless, alpha) and animated (composited as WebPAnimDecoder); lossy/lossless writing, animations",
        read: Some(ReadEntry {
            formats: &[Claim::new(WEBP, Rank::DEDICATED)],
            options: READ_OPTIONS,
            open: open_read,
        }),
        write: Some(WriteEntry {
            formats: &[Claim::new(WEBP, Rank::DEDICATED)],
            options: WRITE_OPTIONS,
            open: open_write,
        }),
    }
}

/// The version of the linked libwebp decoder, as `"major.minor.revision"`.
pub fn libwebp_version() -> String {
    // SAFETY: a constant getter with no arguments.
    let v = unsafe { libwebp_sys::WebPGetDecoderVersion() };
    format!("{}.{}.{}", (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
}
