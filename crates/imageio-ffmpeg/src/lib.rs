//! The ffmpeg plugin of imageio-rs: video in and out through the system FFmpeg
//! libraries (libavformat, libavcodec, libswscale) on the
//! [`ffmpeg-next`](https://crates.io/crates/ffmpeg-next) crate. Registered as
//! plugin `"ffmpeg"`.
//!
//! Most users want the `imageio` facade, which links this plugin with its
//! `ffmpeg` feature (off by default, so that machines without the FFmpeg
//! development packages build everything else).
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
//!   FFmpeg stream index; default: the best video stream).
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
//! With the `device` feature, [`device::open`] reads a camera named
//! `<video0>` (v4l2 `/dev/video0` on Linux) through libavdevice. The core's
//! URI parsing does not know devices yet, so `imread("<video0>")` fails in
//! the core with "no such file"; call [`device::open`] instead. Untested on
//! hardware (no camera on the machines that ran the tests).
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
#![deny(missing_docs)]

pub mod device;
mod read;
mod scale;
mod write;

use std::sync::Once;

use imageio_core::{Error, OptionKind, OptionSpec, Plugin, PluginInfo, Request, Result, Signature};

pub use scale::{OutFormat, OUT_FORMAT_NAMES};

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

imageio_core::inventory::submit! {
    PluginInfo {
        name: "ffmpeg",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "video (mp4, mov, mkv, webm, avi, ts, mpg...) on the FFmpeg libraries (ffmpeg-next)",
        read_extensions: READ_EXTENSIONS,
        write_extensions: WRITE_EXTENSIONS,
        signatures: SIGNATURES,
        read_options: READ_OPTIONS,
        write_options: WRITE_OPTIONS,
        open,
    }
}

/// Magic bytes of the containers FFmpeg reads.
const SIGNATURES: &[Signature] = &[
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
];

/// Initialises FFmpeg once per process and sets its log level to `Error`, so
/// the libraries print nothing but errors.
pub(crate) fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let _ = ffmpeg_next::init();
        ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Error);
    });
}

/// True for an MPEG transport stream: sync byte 0x47 every 188 bytes.
fn is_mpegts(first: &[u8]) -> bool {
    first.len() >= 377 && first[0] == 0x47 && first[188] == 0x47 && first[376] == 0x47
}

/// Opens `request` when it is this plugin's; declines it otherwise.
pub fn open(request: &mut Request) -> Result<Box<dyn Plugin>> {
    init();
    if let Some(d) = request.device() {
        // A capture device (`<video0>`): no bytes, libavdevice opens it.
        return if cfg!(feature = "device") {
            device::open(d)
        } else {
            Err(Error::unsupported(format!(
                "{d} is a capture device: reading cameras needs the `device` feature of \
                 imageio-ffmpeg (libavdevice); rebuild with it"
            ))
            .with_resource(d))
        };
    }
    match request.mode() {
        imageio_core::IoMode::Read => {
            let first = request.first_bytes();
            let by_ext = request
                .extension()
                .is_some_and(|e| READ_EXTENSIONS.contains(&e));
            let by_magic = SIGNATURES.iter().any(|s| s.matches(first)) || is_mpegts(first);
            if !by_ext && !by_magic {
                return Err(Error::declined(
                    "not a video container FFmpeg is asked to read",
                ));
            }
            Ok(Box::new(read::Reader::open(request)?))
        }
        imageio_core::IoMode::Write => {
            let ext = request.extension().unwrap_or("");
            if !WRITE_EXTENSIONS.contains(&ext) {
                return Err(Error::declined(format!(
                    "the ffmpeg plugin writes {}, not {ext:?}",
                    WRITE_EXTENSIONS.join(" ")
                )));
            }
            Ok(Box::new(write::Writer::open(request)?))
        }
    }
}

/// Maps an error of the backend met while reading into ours.
pub(crate) fn decode_err(what: &str, e: ffmpeg_next::Error) -> Error {
    Error::decode(format!("ffmpeg: {what}: {e}")).with_source(e)
}

/// Maps an error of the backend met while writing into ours.
pub(crate) fn encode_err(what: &str, e: ffmpeg_next::Error) -> Error {
    Error::encode(format!("ffmpeg: {what}: {e}")).with_source(e)
}
