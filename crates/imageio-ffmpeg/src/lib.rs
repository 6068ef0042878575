//! The ffmpeg plugin of imageio-rs: video in and out through the system FFmpeg
//! libraries (libavformat, libavcodec, libswscale) on the
//! [`ffmpeg-next`](https://crates.io/crates/ffmpeg-next) crate. Registered as
//! plugin `"ffmpeg"` ([`NAME`]), and, with the `device` feature, as a second
//! plugin `"camera"` ([`CAMERA_NAME`]) for capture devices.
//!
//! Most users want the `imageio-rs` facade (`use imageio::...`), which links
//! this plugin with its `ffmpeg` feature (off by default, so that machines
//! without the FFmpeg development packages build everything else).
//!
//! # Routing
//!
//! The plugin claims (see [`READ_FORMATS`] and [`WRITE_FORMATS`]):
//!
//! | format | extensions | signatures | read | write |
//! |---|---|---|---|---|
//! | MPEG-4 / QuickTime | `.mp4 .m4v .mov` | none | dedicated | dedicated |
//! | Matroska / WebM | `.mkv .webm` | none | dedicated | dedicated |
//! | AVI | `.avi` | none | dedicated | dedicated |
//! | MPEG-TS | `.ts .mts .m2ts` (writes `.ts`) | none | dedicated | dedicated |
//! | MPEG-PS | `.mpg .mpeg` | none | dedicated | - |
//! | FLV, ASF / WMV, Ogg, 3GPP | `.flv .wmv .ogv .3gp` | none | dedicated | - |
//! | video container (by content) | none | [`formats::SIGNATURES`] | dedicated | - |
//! | GIF (shared) | `.gif` | `GIF87a`, `GIF89a` | fallback | fallback |
//!
//! The containers named by an extension carry no signature, so such a file
//! reaches this plugin whatever its first bytes (FFmpeg probes it, and
//! content it cannot read is a decode error); content that carries one of
//! the container signatures reaches it whatever its name. GIF is claimed at
//! [`Rank::FALLBACK`]: the plugins made for GIF come first.
//!
//! # Reading
//!
//! Any container and codec the linked FFmpeg has: mp4, mov, mkv, webm, avi,
//! ts, mpg, flv, gif... Frames come out as RGB u8 `(H, W, 3)` by default,
//! converted by swscale as PyAV's `to_ndarray("rgb24")` does (the frame's
//! colour matrix and range, BT.601 when untagged, bilinear); option
//! `pixel_format` picks `rgb24`, `rgba`, `gray`, `gray16` or `rgb48`.
//!
//! * `Index::At(n)` is exact: the plugin seeks to the keyframe at or before
//!   frame n, flushes the decoder and decodes forward to frame n's timestamp.
//!   Reading n + 1 after n continues without seeking, so `imiter` streams.
//! * `Index::All` stacks every frame after checking
//!   `frames * height * width * channels` against the `Limits`; beyond them
//!   the error says to iterate with `imiter`.
//! * `n_images` is the container's frame count in mp4/mov (the sample
//!   tables), otherwise an exact count of the stream's packets by demuxing
//!   (no decoding). The metadata key `n_frames_source` says which.
//! * Bytes in memory are read through FFmpeg's custom I/O
//!   (`format::input_from_stream`), never through a temporary file.
//! * Metadata: `fps` (float), `fps_rational` (`[num, den]`), `duration_s`
//!   (seconds, float: the clip's total; named apart from the shared
//!   `duration` key, which is a frame's duration in milliseconds), `n_frames`, `n_frames_source`, `codec`, `codec_long`,
//!   `pixel_format` (stored), `bit_rate`, `width`, `height`, `rotation`
//!   (degrees counterclockwise from the display matrix, FFmpeg's convention
//!   as in ffprobe and PyAV; reported, not applied), `time_base`,
//!   `stream`, the container tags (`encoder`, `creation_time`, ...); per
//!   frame `pts`, `time` (s) and `key_frame`.
//! * Options: `pixel_format`, `thread_count` (0 = automatic), `thread_type`
//!   (`frame+slice` by default, `frame`, `slice`, `none`), `stream` (the
//!   FFmpeg stream index; default: the best video stream), `allow_playlists`
//!   (see below).
//!
//! # Only the input it was given
//!
//! FFmpeg reads the request's bytes through custom I/O and opens nothing
//! else: a file cannot make it read other files or URLs.
//!
//! * Playlists and other demuxers that open what their input names (HLS,
//!   DASH, ffconcat, IMF, SDP/RTP, image sequences, ...: see
//!   [`PLAYLIST_DEMUXERS`]) are refused by name after FFmpeg's own probe and
//!   before any header is read: an `Unsupported` error that names the file,
//!   whatever its extension (an HLS playlist named `.mp4` included). The
//!   probed demuxer is the only one the context then accepts
//!   (`format_whitelist`).
//! * Every nested open fails: an `io_open` callback that refuses, and a
//!   protocol whitelist that names no protocol. MOV/MP4 external data
//!   references stay off (`enable_drefs=0`).
//! * Read option `allow_playlists = true` (default `false`) lifts the
//!   refusal. A playlist read from a local path may then open local files
//!   (protocol whitelist `file`; relative entries resolve beside the
//!   playlist; FFmpeg's own rules still apply, e.g. ffconcat's `safe` mode
//!   and the HLS segment extensions). A playlist in memory or from a URL
//!   still opens nothing, and fails with an `Unsupported` error.
//!
//! # Writing
//!
//! Each `write` appends frames; `close` flushes the encoder and writes the
//! trailer (a batch `imwrite` is the same). Options: `codec` (default by
//! extension: libx264 for mp4/mkv/mov, libvpx-vp9 for webm, mpeg4 for avi,
//! gif for gif), `fps` (default 10), `quality` (0..10, default 5: crf for
//! x264/x265/vpx, qscale otherwise), `bit_rate`, `pixel_format` (yuv420p by
//! default; rgb8 for gif), `macro_block_size` (default 16), `preset`,
//! `codec_options` (a map passed to the encoder as-is).
//!
//! **`macro_block_size` warning:** a frame whose width or height is not a
//! multiple of it is *resized* (bilinear) up to the next multiple, as
//! imageio-ffmpeg does; pass `macro_block_size = 1` to keep the size (some
//! codecs and players then refuse odd sizes: libx264 with yuv420p needs even
//! ones).
//!
//! Packet durations are set so that the mp4 muxer keeps the last frame, and
//! the stream time base is read after `write_header`. Writing to memory
//! (`imencode(&frames, ".mp4")`) goes through FFmpeg's custom I/O.
//!
//! # Devices
//!
//! With the `device` feature the crate registers a second plugin, `camera`
//! ([`CAMERA_NAME`]), which claims the `device` URI scheme: `imread("<video0>")`
//! and `imiter("<video0>")` read the camera `/dev/video0` (v4l2 on Linux)
//! through libavdevice, and [`device::open`] does the same directly. Without
//! the feature no `camera` plugin is registered. Untested on hardware (no
//! camera on the machines that ran the tests).
//!
//! # Performance
//!
//! `cargo bench -p imageio-ffmpeg` decodes every frame of a 1080p H.264 clip
//! (1920x1080 yuv420p, 60 frames, written by this plugin with libx264
//! `veryfast`) into RGB u8 arrays with `imiter`, and times
//! `ffmpeg -i clip -f rawvideo -pix_fmt rgb24 -y /dev/null` (FFmpeg 5.1 CLI)
//! on the same file. Measured on a 2-core machine (best of 5): imageio-ffmpeg
//! 0.732 s, ffmpeg CLI 0.754 s, **ratio 0.97** (criterion: 797 ms median).
//! Decoding dominates; the conversion is one swscale pass plus one row copy
//! per frame.
// FFI: every `unsafe` block says why it is sound (workspace lint:
// `unsafe_op_in_unsafe_fn` denied as well).
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]

pub mod device;
mod read;
mod scale;
mod write;

use std::sync::Once;

use imageio_core::plugin::{
    Claim, Format, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader,
    WriteEntry, WriteRequest, Writer, GIF,
};
use imageio_core::{Error, Result};

pub use read::PLAYLIST_DEMUXERS;
pub use scale::{OutFormat, OUT_FORMAT_NAMES};

/// The plugin's name.
pub const NAME: &str = "ffmpeg";

/// The options `read` accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "pixel_format",
        OptionKind::Choice(OUT_FORMAT_NAMES),
        "rgb24",
        "returned pixels: rgb24 (H,W,3) u8, rgba, gray (H,W) u8, gray16 (H,W) u16, rgb48 u16",
    ),
    OptionSpec::new(
        "thread_count",
        OptionKind::Int,
        "0",
        "decoder threads; 0 lets FFmpeg choose",
    ),
    OptionSpec::new(
        "thread_type",
        OptionKind::Choice(&["frame+slice", "frame", "slice", "none"]),
        "frame+slice",
        "decoder threading",
    ),
    OptionSpec::new(
        "stream",
        OptionKind::Int,
        "",
        "FFmpeg stream index of the video stream to read (default: the best video stream)",
    ),
    OptionSpec::new(
        "allow_playlists",
        OptionKind::Bool,
        "false",
        "read playlists (HLS, ffconcat, ...) from a local path, with the local files they list",
    ),
];

/// The options `write` accepts.
pub const WRITE_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "codec",
        OptionKind::Str,
        "by extension",
        "encoder name: libx264 (mp4/mkv/mov), libvpx-vp9 (webm), mpeg4 (avi), gif (gif)",
    ),
    OptionSpec::new("fps", OptionKind::Float, "10", "frames per second"),
    OptionSpec::new(
        "quality",
        OptionKind::Float,
        "5",
        "0 (worst) .. 10 (best): crf for x264/x265/vpx, qscale for others",
    ),
    OptionSpec::new(
        "bit_rate",
        OptionKind::Int,
        "",
        "target bit rate in bit/s (overrides quality)",
    ),
    OptionSpec::new(
        "pixel_format",
        OptionKind::Str,
        "yuv420p",
        "encoder pixel format (rgb8 for gif)",
    ),
    OptionSpec::new(
        "macro_block_size",
        OptionKind::Int,
        "16",
        "sizes not divisible by it are resized up to the next multiple (1 = keep)",
    ),
    OptionSpec::new(
        "preset",
        OptionKind::Str,
        "",
        "encoder preset (x264: ultrafast..veryslow)",
    ),
    OptionSpec::new(
        "codec_options",
        OptionKind::Any,
        "",
        "a map of encoder options passed to FFmpeg as-is",
    ),
];

/// The extensions this plugin reads.
pub const READ_EXTENSIONS: &[&str] = &[
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts", ".m2ts", ".mpg", ".mpeg",
    ".flv", ".wmv", ".ogv", ".3gp", ".gif",
];

/// The extensions this plugin writes.
pub const WRITE_EXTENSIONS: &[&str] = &[
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".gif",
];

/// The formats this plugin reads and writes, as routing sees them.
///
/// A video container often cannot be recognised from the first bytes (an
/// mp4 whose first box is `skip` or `uuid`, an MPEG program stream after
/// junk): so the containers named by their extension carry no signature,
/// and a `.mp4` file is offered to this plugin whatever its content (FFmpeg
/// then probes it). The magic numbers the plugin has always recognised are
/// gathered in [`SNIFFED`](formats::SNIFFED), a format without extensions,
/// which routes content to this plugin whatever its name says.
pub mod formats {
    use imageio_core::plugin::{Format, Signature};

    /// MPEG-4 and QuickTime (`.mp4`, `.m4v`, `.mov`).
    pub const MP4: Format = Format::new("MPEG-4 / QuickTime", &[".mp4", ".m4v", ".mov"]);
    /// Matroska and WebM (`.mkv`, `.webm`).
    pub const MATROSKA: Format = Format::new("Matroska / WebM", &[".mkv", ".webm"]);
    /// AVI (`.avi`).
    pub const AVI: Format = Format::new("AVI", &[".avi"]);
    /// MPEG transport streams, read under every extension they go by.
    pub const MPEG_TS: Format = Format::new("MPEG-TS", &[".ts", ".mts", ".m2ts"]);
    /// MPEG transport streams, written as `.ts`.
    pub const MPEG_TS_WRITE: Format = Format::new("MPEG-TS", &[".ts"]);
    /// MPEG program streams (`.mpg`, `.mpeg`).
    pub const MPEG_PS: Format = Format::new("MPEG-PS", &[".mpg", ".mpeg"]);
    /// Flash video (`.flv`).
    pub const FLV: Format = Format::new("FLV", &[".flv"]);
    /// Windows Media video in ASF (`.wmv`).
    pub const ASF: Format = Format::new("ASF / WMV", &[".wmv"]);
    /// Ogg video (`.ogv`).
    pub const OGG: Format = Format::new("Ogg", &[".ogv"]);
    /// 3GPP (`.3gp`), an ISO-BMFF variant.
    pub const THREE_GP: Format = Format::new("3GPP", &[".3gp"]);

    /// Video containers recognised by their content alone, whatever the
    /// name: ISO-BMFF boxes at offset 4 (`ftyp`, `moov`, `mdat`, `free`,
    /// `wide`), the EBML header of Matroska/WebM, RIFF `AVI `, MPEG-PS pack
    /// and sequence headers, FLV, Ogg, ASF, and MPEG-TS (the sync byte 0x47
    /// at offsets 0, 188 and 376, one masked signature).
    pub const SNIFFED: Format =
        Format::new("video container (by content)", &[]).signatures(SIGNATURES);

    /// One TS packet and a half: the span the MPEG-TS signature covers.
    const TS_SPAN: usize = 2 * 188 + 1;

    /// `byte` at the three sync positions of three TS packets, 0 elsewhere.
    const fn ts_sync(byte: u8) -> [u8; TS_SPAN] {
        let mut a = [0u8; TS_SPAN];
        a[0] = byte;
        a[188] = byte;
        a[376] = byte;
        a
    }
    const TS_MAGIC: [u8; TS_SPAN] = ts_sync(0x47);
    const TS_MASK: [u8; TS_SPAN] = ts_sync(0xFF);

    /// Magic bytes of the containers FFmpeg reads.
    pub const SIGNATURES: &[Signature] = &[
        Signature::at(4, b"ftyp"),
        Signature::at(4, b"moov"),
        Signature::at(4, b"mdat"),
        Signature::at(4, b"free"),
        Signature::at(4, b"wide"),
        Signature::new(b"\x1A\x45\xDF\xA3"),
        Signature::masked(
            0,
            b"RIFF\0\0\0\0AVI ",
            b"\xFF\xFF\xFF\xFF\0\0\0\0\xFF\xFF\xFF\xFF",
        ),
        Signature::new(b"\x00\x00\x01\xBA"),
        Signature::new(b"\x00\x00\x01\xB3"),
        Signature::new(b"FLV\x01"),
        Signature::new(b"OggS"),
        Signature::new(b"\x30\x26\xB2\x75\x8E\x66\xCF\x11"),
        // MPEG-TS: 0x47 at 0, 188 and 376 (the other bytes masked out).
        Signature::masked(0, &TS_MAGIC, &TS_MASK),
    ];
}

/// What the plugin reads: the video containers as the plugin made for them
/// (by extension, and by content through [`formats::SNIFFED`]), and GIF as a
/// last resort behind the plugins made for it.
pub const READ_FORMATS: &[Claim] = &[
    Claim::new(formats::MP4, Rank::DEDICATED),
    Claim::new(formats::MATROSKA, Rank::DEDICATED),
    Claim::new(formats::AVI, Rank::DEDICATED),
    Claim::new(formats::MPEG_TS, Rank::DEDICATED),
    Claim::new(formats::MPEG_PS, Rank::DEDICATED),
    Claim::new(formats::FLV, Rank::DEDICATED),
    Claim::new(formats::ASF, Rank::DEDICATED),
    Claim::new(formats::OGG, Rank::DEDICATED),
    Claim::new(formats::THREE_GP, Rank::DEDICATED),
    Claim::new(GIF, Rank::FALLBACK),
    Claim::new(formats::SNIFFED, Rank::DEDICATED),
];

/// What the plugin writes: the containers it has a default encoder for, and
/// GIF as a last resort.
pub const WRITE_FORMATS: &[Claim] = &[
    Claim::new(formats::MP4, Rank::DEDICATED),
    Claim::new(formats::MATROSKA, Rank::DEDICATED),
    Claim::new(formats::AVI, Rank::DEDICATED),
    Claim::new(formats::MPEG_TS_WRITE, Rank::DEDICATED),
    Claim::new(GIF, Rank::FALLBACK),
];

imageio_core::inventory::submit! {
    PluginInfo {
        name: NAME,
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "video (mp4, mov, mkv, webm, avi, ts, mpg...) on the FFmpeg libraries (ffmpeg-next)",
        read: Some(ReadEntry { formats: READ_FORMATS, options: READ_OPTIONS, open: open_read }),
        write: Some(WriteEntry { formats: WRITE_FORMATS, options: WRITE_OPTIONS, open: open_write }),
    }
}

/// The camera plugin's name (with the `device` feature).
pub const CAMERA_NAME: &str = "camera";

/// Capture devices (`<video0>`): no extension, no bytes, the `device` URI
/// scheme.
pub const CAPTURE_DEVICE: Format = Format::new("capture device", &[]).schemes(&["device"]);

#[cfg(feature = "device")]
imageio_core::inventory::submit! {
    PluginInfo {
        name: CAMERA_NAME,
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "cameras (<video0>, v4l2) through libavdevice",
        read: Some(ReadEntry {
            formats: &[Claim::new(CAPTURE_DEVICE, Rank::DEDICATED)],
            options: &[],
            open: open_camera,
        }),
        write: None,
    }
}

/// Initialises FFmpeg once per process and sets its log level to `Error`, so
/// the libraries print nothing but errors.
pub(crate) fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let _ = ffmpeg_next::init();
        ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Error);
    });
}

/// Opens a video for reading. The core routes here the claimed extensions
/// and the content [`formats::SNIFFED`] recognises; FFmpeg probes the rest
/// (content it cannot read is a decode error).
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    init();
    Ok(Box::new(read::VideoReader::open(request)?))
}

/// Opens a video for writing (the core routes the claimed extensions here).
pub fn open_write(request: &mut WriteRequest) -> Result<Box<dyn Writer>> {
    init();
    Ok(Box::new(write::VideoWriter::open(request)?))
}

/// Opens the capture device the request names (`<video0>`): the core routes
/// `device` resources to the `camera` plugin, which this is the opener of.
#[cfg(feature = "device")]
pub fn open_camera(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    let target = request.target().ok_or_else(|| {
        Error::invalid_input("the camera plugin reads capture devices (<video0>), not files")
            .with_resource(request.name())
    })?;
    device::open(target)
}

/// Maps an error of the backend met while reading into ours.
pub(crate) fn decode_err(what: &str, e: ffmpeg_next::Error) -> Error {
    Error::decode(format!("ffmpeg: {what}: {e}")).with_source(e)
}

/// Maps an error of the backend met while writing into ours.
pub(crate) fn encode_err(what: &str, e: ffmpeg_next::Error) -> Error {
    Error::encode(format!("ffmpeg: {what}: {e}")).with_source(e)
}
