//! The GIF plugin of imageio-rs, `gif`, on the [`gif`](https://docs.rs/gif)
//! crate.
//!
//! Reading (the workspace's pixel semantics for animations, ARCHITECTURE.md):
//!
//! - every frame is composited onto the logical screen by this crate's own
//!   compositor over the `gif` crate's indexed frames: disposal 0..3
//!   (unspecified, keep, restore to background = transparent, restore to
//!   previous), transparent indices, local and global palettes, interlaced
//!   frames; the canvas starts transparent black; parts of a frame outside
//!   the screen are clipped; indices past the palette are opaque black;
//! - RGB or RGBA is chosen once per file, so frames always stack: RGBA only
//!   when the composited canvas can show transparency, decided from the
//!   block headers without decoding a pixel (so `improps` agrees with
//!   `imread`). It can when a frame is drawn while part of the canvas is
//!   unpainted and that frame does not cover the unpainted part with opaque
//!   pixels, that is when
//!   1. the first frame does not cover the screen, or
//!   2. the first frame has a transparent index, or
//!   3. a frame is disposed to background (or restored to a state with
//!      unpainted pixels) and the next frame does not cover that area, or
//!      has a transparent index (the last frame's disposal is never shown),
//!      or
//!   4. a frame's transparent pixels can fall on an area no earlier frame
//!      has painted (the three cases above are where such areas come from).
//!
//!   Otherwise every canvas shown is opaque and the file reads as RGB: the
//!   delta frames that Pillow, ffmpeg and gifsicle write (a full opaque
//!   first frame, later frames with a transparent index for the unchanged
//!   pixels) read as `(H, W, 3)`, as Pillow and Python's imageio return
//!   them;
//! - the decoder stays open in the plugin: reading frame `i + 1` after `i`
//!   (`imiter`) continues from the kept canvas; reading backwards restarts;
//!   reading frame `i` decodes frames `0..=i` and nothing after them. The
//!   first read of an opened file hands its canvas to the output (a first
//!   frame that covers the screen is decoded straight into the output
//!   array: no canvas copy, no index buffer); a second read restarts once
//!   and keeps the canvas from then on, so `imiter` stays linear;
//! - opening reads the logical screen descriptor only. The block headers
//!   are scanned lazily, skipping the LZW data by sub-block lengths (no
//!   pixel is decoded): as far as the RGB/RGBA question needs (to the first
//!   frame that settles it as RGBA, else to the end), as far as a frame
//!   index needs, and to the end for `n_images`, the metadata and
//!   `Index::All`. The screen and every frame are checked against the
//!   request's [`Limits`](imageio_core::Limits) before anything is
//!   allocated, the scan stops at the data's end (a frame cut short is not
//!   counted), a file of more than
//!   [`MAX_IMAGES`](imageio_core::plugin::MAX_IMAGES) frames is refused, and
//!   the `gif` crate's own memory limit is set to `Limits::max_alloc`.
//!
//! Metadata: `duration` (ms as f64, as stored in 10 ms units, a zero delay is 0; a
//! list for the file, one value per frame), `loop` (the NETSCAPE count, 0 =
//! forever; absent when the file has no loop block, which means play once),
//! `loop_present`, `n_images`, `background` (the palette index), `version`
//! (the signature, `b"GIF87a"` or `b"GIF89a"`), `palette` (frame 0's colour
//! table, local else global, as `[r, g, b]` entries; file level and frame 0).
//!
//! Writing: one frame per `write` call (a stack is written frame by frame),
//! each quantized and streamed to the target, finished on `close`. The first
//! frame's size is the logical screen; a later frame of another size is an
//! error. Options ([`WRITE_OPTIONS`]): `duration` (ms, one value or a list
//! per frame; stored in 10 ms units; 100 when absent), `loop` (0 = forever,
//! the default when absent, or a count), `palette_size` (2..=256), `dither`
//! (Floyd-Steinberg) and `quantizer` (`neuquant` or `kmeans`). Pixels with
//! alpha < 128 become a transparent index (one palette entry is kept for it);
//! frames with transparency are disposed to background so that the frame
//! below does not show through. When a frame has at most `palette_size`
//! colours the palette is exact (lossless). Inputs: u8 `(H, W)`, `(H, W,
//! 1..=4)`.
//!
//! Registration: the plugin registers as `gif` and claims the shared
//! [`GIF`] format at [`Rank::DEDICATED`] for reading and writing. The core
//! routes to it content that starts with `GIF87a` or `GIF89a` (whatever the
//! name says) and `.gif` targets; a `.gif` file whose content is not a GIF is
//! never offered to it.
//!
//! ## Quantizers
//!
//! Measured in one run (`cargo run --release -p imageio-gif --example
//! quantizers`), 256 colours, PSNR of the decoded GIF against
//! the source, encode time (quantize + LZW) per megapixel:
//!
//! | image | quantizer | dither | PSNR (dB) | ms / megapixel |
//! |---|---|---|---|---|
//! | imageio:testpattern 384x256 | neuquant | false | 32.86 | 155 |
//! | imageio:testpattern 384x256 | neuquant | true | 30.37 | 221 |
//! | imageio:testpattern 384x256 | kmeans | false | 34.70 | 1943 |
//! | imageio:testpattern 384x256 | kmeans | true | 24.16 | 2258 |
//! | gradient 1024x768 | neuquant | false | 31.45 | 163 |
//! | gradient 1024x768 | neuquant | true | 27.65 | 362 |
//! | gradient 1024x768 | kmeans | false | 32.18 | 1047 |
//! | gradient 1024x768 | kmeans | true | 24.57 | 1658 |
//!
//! (Release build, one shared core of the build machine; the gradient is the
//! example's own smooth RGB ramp with a sine in blue.) Dithering lowers the
//! PSNR by design (it trades per-pixel error for smooth-looking areas).
//!
//! NeuQuant (the default) is 6 to 12 times faster; k-means (`exoquant`)
//! gains 0.7 to 1.8 dB without dithering, at 1 to 2 s per megapixel. With
//! dithering NeuQuant pairs with this crate's Floyd-Steinberg, k-means with
//! exoquant's, whose error diffusion scores lower here.
//!
//! ```
//! use imageio::{imencode_with, imread_with, ImageFile, Index, NdImage, ReadOptions, Value, WriteOptions};
//! # fn main() -> Result<(), imageio::Error> {
//! let frames = NdImage::from(imageio::ndarray::Array4::<u8>::from_elem((3, 4, 5, 3), 9));
//! let durations = Value::List(vec![100.into(), 200.into(), 300.into()]);
//! let opts = WriteOptions::new().option("duration", durations);
//! let bytes = imencode_with(&frames, ".gif", &opts)?;
//! let last = imread_with(bytes.clone(), &ReadOptions::new().index(Index::At(2)))?;
//! assert_eq!(last.shape(), &[4, 5, 3]);
//! let mut file = ImageFile::open_read(bytes, &ReadOptions::new())?;
//! let ms = Value::List(vec![100.0.into(), 200.0.into(), 300.0.into()]);
//! assert_eq!(file.metadata(Index::All)?.get("duration"), Some(&ms));
//! assert_eq!(file.metadata(Index::At(1))?.get("duration"), Some(&Value::Float(200.0)));
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod quant;
mod read;
mod write;

use imageio_core::plugin::{
    Claim, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader, WriteEntry,
    WriteRequest, Writer, GIF,
};

/// The plugin's name.
pub const NAME: &str = "gif";

/// The options `write` accepts.
pub const WRITE_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "duration",
        OptionKind::FloatOrList,
        "100",
        "frame delay in ms (stored in 10 ms units): one value, or a list with one per frame",
    )
    .per_write(),
    OptionSpec::new(
        "loop",
        OptionKind::Int,
        "0",
        "how many times the animation repeats: 0 = forever (the default)",
    ),
    OptionSpec::new(
        "palette_size",
        OptionKind::Int,
        "256",
        "colours per frame, 2..=256 (one is kept for transparency when alpha < 128)",
    )
    .per_write(),
    OptionSpec::new(
        "dither",
        OptionKind::Bool,
        "false",
        "Floyd-Steinberg dithering when the colours do not fit the palette",
    )
    .per_write(),
    OptionSpec::new(
        "quantizer",
        OptionKind::Choice(&["neuquant", "kmeans"]),
        "neuquant",
        "palette builder: neuquant (color_quant, fast) or kmeans (exoquant, higher quality)",
    )
    .per_write(),
];

/// What the plugin claims, in both directions: the shared GIF format (`.gif`,
/// the `GIF87a` and `GIF89a` signatures), as the plugin made for it.
const FORMATS: &[Claim] = &[Claim::new(GIF, Rank::DEDICATED)];

imageio_core::inventory::submit! {
    PluginInfo {
        name: NAME,
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "GIF on the `gif` crate: every frame composited, durations and loop, streaming animated writes",
        read: Some(ReadEntry { formats: FORMATS, options: &[], open: open_read }),
        write: Some(WriteEntry { formats: FORMATS, options: WRITE_OPTIONS, open: open_write }),
    }
}

/// Opens a GIF for reading. The core routes here only content that carries
/// a GIF signature, so the opener reads the logical screen descriptor
/// straight away (a broken header is a decode error, not "not mine"); the
/// frames are scanned when a read or a question needs them.
pub fn open_read(request: &mut ReadRequest) -> imageio_core::Result<Box<dyn Reader>> {
    let data = request.bytes()?;
    Ok(Box::new(read::GifReader::open(data, request.limits())?))
}

/// Opens a `.gif` target for writing (the core routes `.gif` targets here).
pub fn open_write(request: &mut WriteRequest) -> imageio_core::Result<Box<dyn Writer>> {
    let output = request.output()?;
    Ok(Box::new(write::GifWriter::new(output)))
}
