//! The PNG plugin of imageio-rs, `png`, on the [`png`](https://docs.rs/png)
//! crate: PNG and APNG as the workspace's pixel semantics say
//! (ARCHITECTURE.md).
//!
//! Reading:
//!
//! - every colour type and depth, decoded straight into the array's buffer:
//!   gray 8/16-bit as `(H, W)` u8/u16; gray 1/2/4-bit scaled to 0..255
//!   (1-bit: 0/255); gray+alpha `(H, W, 2)`; RGB and RGBA `(H, W, 3|4)`;
//!   palettes expanded to RGB, or RGBA when a tRNS chunk is present; tRNS on
//!   gray or RGB adds an alpha channel; 16-bit samples stay u16; Adam7
//!   interlacing; the size is checked against the request's
//!   [`Limits`](imageio_core::Limits) from the IHDR chunk before anything
//!   is allocated (and the limits are passed on to the `png` decoder);
//! - APNG: every frame composited onto the full canvas (dispose none /
//!   background / previous, blend source / over with the spec's Porter-Duff
//!   OVER in integer arithmetic, 16-bit files in u16), the canvas starting
//!   transparent black. The channels are chosen once per file, so frames
//!   always stack: gray for gray files, RGB for the others, plus an alpha
//!   channel only when the composited canvas can show transparency,
//!   decided from the chunk headers without decoding a pixel (so `improps`
//!   agrees with `imread`). It can when the frames have transparency (an
//!   alpha channel or tRNS: the first frame has it), when the first frame
//!   does not cover the canvas, when a frame is disposed to background (or
//!   the first frame to previous, which the spec clears) and the next frame
//!   does not cover that region, or more generally when a frame's
//!   transparent pixels can fall on an area no earlier frame has painted
//!   (an opaque frame covering every unpainted pixel leaves none, with
//!   either blend op; the last frame's disposal is never shown). Otherwise
//!   the file reads as RGB or gray, as Pillow returns it. A default
//!   image that is not part of the animation is image 0 and `n_images` is
//!   the acTL frame count + 1 (as Pillow and imageio count);
//!   `default_image_in_animation` in the metadata says which. Reading
//!   image `i + 1` after `i` continues from the kept canvas, and reading
//!   image `i` decodes images `0..=i` and nothing after them (image 0,
//!   when it fills the canvas and decodes to the output's channels, is
//!   decoded straight into the output array, no canvas; the next read of a
//!   later image starts the compositor from image 0); `n_images`
//!   comes from the acTL chunk without decoding, the durations and the
//!   regions from a walk over the chunk headers at open (the compressed
//!   data is skipped by chunk length).
//!
//! Metadata: text chunks (tEXt, zTXt, iTXt) under their keyword
//! (`Description`, `Software` and `Creation Time` also as `description`,
//! `software`, `datetime`), `icc_profile`, `gamma`, `srgb` (the rendering
//! intent), `chromaticities`, `dpi` (from pHYs in pixels per metre),
//! `exif` (eXIf), `cicp`, `bit_depth`, `color_type`, `interlaced`; for APNG
//! `loop` (0 = forever), `n_frames`, per-frame `duration` in ms (the delay
//! fraction, a zero denominator meaning 1/100 s; a list for the whole file)
//! and `default_image_in_animation`.
//!
//! Writing ([`WRITE_OPTIONS`]): gray, gray+alpha, RGB and RGBA, u8 arrays as
//! 8-bit and u16 arrays as 16-bit PNG, always (never a depth chosen from the
//! pixel values). One `write` gives a PNG; several writes (or a stack) give
//! an APNG whose frames all show the full canvas with blend SOURCE, its
//! per-frame `duration` (one value or a list, ms) and `loop`. Frames are
//! buffered until `close`, because the acTL chunk before the first frame
//! must hold the frame count (a stack is handed over frame by frame, kept
//! without a copy). Text chunks (`text`: a map or a list of
//! `[keyword, text]` pairs; Latin-1 text as tEXt, anything else as iTXt),
//! `dpi` and `icc_profile` come from the options.
//!
//! Default encoding: `compression = "fast"`, which is the `png` crate's
//! `Compression::Fast`: the `fdeflate` DEFLATE encoder tuned for PNG with
//! adaptive row filters, several times faster than zlib level 6 for a few
//! percent larger files. `"default"` is zlib level 6 (flate2), `"best"`
//! level 9; `0..9` choose a level (0 stores). Interlaced writing is not
//! available (the `png` encoder writes non-interlaced images only).
//!
//! Registration: the plugin registers as `png` and claims the shared
//! [`PNG`] (`.png`) and [`APNG`] (`.apng`) formats at [`Rank::DEDICATED`]
//! for reading and writing. The core routes to it content that starts with
//! the PNG signature (whatever the name says) and `.png` and `.apng`
//! targets; a `.png` file whose content is not a PNG is never offered to it.
//!
//! You probably want the facade, `imageio-rs` (`use imageio::...`), which
//! links this plugin with its `png` feature (on by default).
//!
//! ```
//! use imageio::{imencode, imdecode, NdImage};
//! # fn main() -> Result<(), imageio::Error> {
//! let img = NdImage::from(imageio::ndarray::Array3::<u16>::from_elem((4, 5, 4), 0xBEEF));
//! let bytes = imencode(&img, ".png")?;
//! assert_eq!(imdecode(&bytes)?, img); // 16-bit RGBA, bit for bit
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod anim;
mod read;
mod write;

use imageio_core::plugin::{
    Claim, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader, WriteEntry,
    WriteRequest, Writer, APNG, PNG,
};

/// The plugin's name.
pub const NAME: &str = "png";

/// The options `write` accepts.
pub const WRITE_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "compression",
        OptionKind::Any,
        "fast",
        "fast (fdeflate), default (zlib 6), best (zlib 9), or a level 0..9",
    ),
    OptionSpec::new(
        "filter",
        OptionKind::Choice(&["none", "sub", "up", "avg", "paeth", "adaptive"]),
        "adaptive",
        "row filter (adaptive: the best per row)",
    ),
    OptionSpec::new(
        "text",
        OptionKind::Any,
        "",
        "text chunks: a map keyword -> text, or a list of [keyword, text] pairs",
    ),
    OptionSpec::new(
        "dpi",
        OptionKind::FloatOrList,
        "",
        "resolution in dots per inch (pHYs): one number or [x, y]",
    ),
    OptionSpec::new("icc_profile", OptionKind::Bytes, "", "ICC profile (iCCP)"),
    OptionSpec::new(
        "duration",
        OptionKind::FloatOrList,
        "0",
        "APNG frame duration in ms: one value or one per frame",
    ),
    OptionSpec::new(
        "loop",
        OptionKind::Int,
        "0",
        "APNG loop count (0 = forever)",
    ),
];

/// What the plugin claims, in both directions: the shared PNG (`.png`) and
/// APNG (`.apng`) formats, as the plugin made for them.
const FORMATS: &[Claim] = &[
    Claim::new(PNG, Rank::DEDICATED),
    Claim::new(APNG, Rank::DEDICATED),
];

imageio_core::inventory::submit! {
    PluginInfo {
        name: NAME,
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "PNG and APNG on the `png` crate: every depth, frames composited, text, ICC, EXIF",
        read: Some(ReadEntry { formats: FORMATS, options: &[], open: open_read }),
        write: Some(WriteEntry { formats: FORMATS, options: WRITE_OPTIONS, open: open_write }),
    }
}

/// Opens a PNG or APNG for reading. The core routes here only content that
/// starts with the PNG signature, so the opener reads the header straight
/// away (a broken file is a decode error, not "not mine").
pub fn open_read(request: &mut ReadRequest) -> imageio_core::Result<Box<dyn Reader>> {
    let data = request.bytes()?;
    Ok(Box::new(read::PngReader::open(data, request.limits())?))
}

/// Opens a `.png` or `.apng` target for writing (the core routes those
/// here): one image gives a PNG, several an APNG.
pub fn open_write(request: &mut WriteRequest) -> imageio_core::Result<Box<dyn Writer>> {
    let output = request.output()?;
    Ok(Box::new(write::PngWriter::new(output)))
}
