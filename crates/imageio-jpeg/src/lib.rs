//! The JPEG plugin of imageio-rs, `jpeg`: reads with
//! [`zune-jpeg`](https://docs.rs/zune-jpeg) (full size) and
//! [`jpeg-decoder`](https://docs.rs/jpeg-decoder) (DCT-scaled thumbnails,
//! lossless frames, and files zune-jpeg refuses), writes with
//! [`jpeg-encoder`](https://docs.rs/jpeg-encoder), parses EXIF with
//! [`kamadak-exif`](https://docs.rs/kamadak-exif). With the cargo feature
//! `turbo`, libjpeg-turbo (through [`turbojpeg`](https://docs.rs/turbojpeg))
//! reads and writes by default instead, where it is faster (see
//! [Backends](#backends)).
//!
//! It registers one [`PluginInfo`] that claims the shared [`JPEG`] format at
//! [`Rank::DEDICATED`] both ways ([`FORMATS`]), so that the core routes to it
//! before the general-purpose `pillowlike` plugin: reading, a `.jpg`,
//! `.jpeg`, `.jpe` or `.jfif` file whose content starts with `FF D8 FF`,
//! and, whatever its name, any content that does; writing, those four
//! extensions. Its openers are [`open_read`] and [`open_write`].
//!
//! # Reading
//!
//! - Baseline, extended sequential and progressive Huffman frames, restart
//!   markers, gray `(H, W)` u8 and YCbCr with any subsampling (4:4:4, 4:2:2,
//!   4:2:0, 4:1:1, 4:4:0) as `(H, W, 3)` u8 RGB; CMYK and YCCK (Adobe
//!   inverted too) as RGB with R = (255-C)(255-K)/255 (no ICC applied).
//!   Decoded straight into the array's buffer.
//! - Lossless frames (SOF3) through jpeg-decoder: more than 8 bits as
//!   `(H, W)` u16, values as stored.
//! - Refused with an `Unsupported` error naming the feature: 12-bit DCT
//!   frames (neither backend decodes them), arithmetic coding (SOF9..15),
//!   hierarchical frames.
//! - The frame size is checked against the request's
//!   [`Limits`](imageio_core::Limits) from the SOF header before anything is
//!   allocated: a header claiming 65535x65535 fails with `LimitExceeded`.
//! - A truncated file decodes what is there (the rest is filled by the
//!   decoder, gray for zune-jpeg) or fails with a `Decode` error; never a
//!   hang or a panic.
//!
//! Read options ([`READ_OPTIONS`]):
//!
//! - `scale`: `1` (default), `0.5`, `0.25`, `0.125` (or `"1/2"`, `"1/4"`,
//!   `"1/8"`): decode at a reduced size in the DCT domain (jpeg-decoder's
//!   scaled IDCT), like OpenCV's `IMREAD_REDUCED_*`; the size is
//!   `ceil(W / k) x ceil(H / k)`. Progressive files at 1/8 are decoded
//!   from their DC scans only. Not for lossless frames.
//! - `rotate`: `false` (default: as everywhere in imageio-rs, the
//!   orientation is reported, not applied); `true` applies the EXIF
//!   orientation (1..8) and drops `orientation` from the metadata.
//! - `backend`: `auto` (default), `libjpeg-turbo`, `zune-jpeg` or
//!   `jpeg-decoder`: see [Backends](#backends).
//! - Colour `mode` (gray, RGB, RGBA...) is the core's `ReadOptions::mode`,
//!   applied after the read as for every plugin.
//!
//! Metadata: `exif` (the raw TIFF structure, the shared key), `exif_tags`
//! (a map tag name -> value text, from kamadak-exif, primary image only),
//! `orientation` (1..8), `description`, `software`, `datetime` (from EXIF),
//! `icc_profile` (reassembled from its APP2 chunks in sequence order),
//! `dpi` (`[x, y]` from the JFIF density, dots per cm converted), `xmp`,
//! `comment` (COM segments, joined by newlines), `progressive`,
//! `subsampling` (`"4:2:0"`...), `coding` (`baseline`, `progressive`...),
//! `bit_depth`, `components`, `adobe_transform`.
//!
//! # Writing
//!
//! Gray `(H, W)` and RGB `(H, W, 3)` u8 arrays; RGBA and gray+alpha are an
//! error unless `drop_alpha = true`. One image per file. Options
//! ([`WRITE_OPTIONS`]): `quality` 1..100 (default 75, as Pillow and Python
//! imageio), `progressive`, `subsampling` (default `4:2:0`), `optimize`
//! (optimized Huffman tables; with jpeg-encoder refused with subsampled
//! chroma, where jpeg-encoder 0.7.1 writes corrupt files), `exif` (bytes,
//! with or without the `Exif\0\0` prefix), `icc_profile`, `dpi` (JFIF
//! density), `comment` (a COM segment), `backend` (`auto`, `libjpeg-turbo`,
//! `jpeg-encoder`).
//!
//! # Backends
//!
//! The `backend` option picks the codec; `auto` (the default) takes the
//! fastest one that handles the file:
//!
//! | | with the `turbo` feature | without |
//! |---|---|---|
//! | read, 8-bit Huffman DCT frames (full size, scale 1/2, 1/4; 1/8 of baseline) | libjpeg-turbo, then zune-jpeg / jpeg-decoder if it fails | zune-jpeg (full size), jpeg-decoder (scaled) |
//! | read, progressive at 1/8 | jpeg-decoder on the DC scans alone | the same |
//! | read, lossless frames, what the others refuse | jpeg-decoder | jpeg-decoder |
//! | write | libjpeg-turbo | jpeg-encoder |
//!
//! The `turbo` feature builds libjpeg-turbo 3.1 from source (the
//! `turbojpeg-sys` crate's copy, with cmake, and nasm for its SIMD code,
//! which is required): about 100 s more on a 2-core machine, so it is off
//! by default. Debian 12's `libturbojpeg0-dev` (2.1.5) cannot be linked
//! instead: `turbojpeg` 1.x calls the TurboJPEG 3 API (`tj3*`) and asks
//! pkg-config for libturbojpeg 3.0 or later. libjpeg-turbo decodes with its
//! defaults (accurate integer IDCT, smooth "fancy" chroma upsampling), as
//! Pillow and OpenCV do: on the corpus its pixels equal Pillow's refs
//! exactly (zune-jpeg is within 4, jpeg-decoder within 3). It writes with
//! its defaults too (accurate DCT, baseline, standard Huffman tables, IJG
//! quality scaling), as Pillow does: at quality 90, 4:2:0, the same scan
//! bytes as Pillow's. A read decodes into an array that is not zero-filled
//! first (libjpeg-turbo writes every byte; a zero fill cost 13% of a 4K
//! baseline decode in the profile); libjpeg-turbo's own buffers are held to
//! `Limits::max_alloc` (`TJPARAM_MAXMEMORY`, and a progressive frame's
//! coefficients are checked before decoding), progressive files to 1000
//! scans. A large baseline write (1 MP or more, not progressive, standard
//! Huffman tables) is encoded in horizontal strips on the machine's cores
//! and the strips joined with restart markers (DRI): the same pixels as one
//! call (checked by decoding both), within 0.01% of its size on a 4K file.
//! Four strips a thread, taken from a queue, so that a core busy with
//! another process slows the write down no more than one call would be.
//!
//! Measured side by side with Pillow 13 and OpenCV 5.1 (both on their own
//! libjpeg-turbo 3.x; `cv2.setNumThreads(1)`) on the benchmark set's 4K
//! photo (3840x2160, Pillow q90 4:2:0), one run, rounds alternating ours
//! (`examples/jpeg_timing.rs`, in-process `imread_with` / `imencode_with`)
//! and the peers, medians of 42 calls each, shared 2-core machine (load
//! 4.5; the ratios, not the times, carry over):
//!
//! | | libjpeg-turbo | zune-jpeg 0.5.15 | jpeg-decoder 0.3.2 | OpenCV | Pillow |
//! |---|---|---|---|---|---|
//! | read, baseline | 24.1 ms (0.44) | 30.4 ms (0.55) | 44.6 ms (0.81) | 54.9 ms | 97.5 ms |
//! | read, progressive | 80.5 ms (0.80) | 107.4 ms (1.07) | 109.8 ms (1.10) | 100.1 ms | 126.4 ms |
//! | write, q90 4:2:0 | 26.5 ms (0.95 of Pillow) | | jpeg-encoder 71.8 ms (2.58) | 24.0 ms | 27.8 ms |
//!
//! (ratio: ours / OpenCV for reads, ours / Pillow for writes; the write in
//! strips on 2 threads while the other core was busy. Written by Pillow,
//! the same file is 596,636 bytes at 42.189 dB PSNR; ours 596,593 bytes,
//! 42.189 dB, the same decoded pixels; jpeg-encoder's 617,590, 41.932 dB.) The peers
//! pay a fresh page fault per 4 KiB of every new array on this machine
//! (`perf stat`: about 6,700 faults and 17 ms of kernel time per OpenCV
//! read), which our reads mostly avoid by reusing freed heap memory; the
//! decode itself is the same library at the same speed. zune-jpeg's SIMD
//! paths are taken (AVX2 IDCT, colour conversion and upsampling, found at
//! run time); its Huffman decoding is 23% of a baseline decode, the zero
//! fill of the output 10%. zune-jpeg 0.5.16-rc3 decoded these files no
//! faster than 0.5.15.
//!
//! # Why these backends (measured)
//!
//! Decoders compared on the corpus (`refs/` are Pillow/libjpeg-turbo
//! arrays; max |diff| over all samples, tol is expected.tsv's) and on speed
//! (ms per megapixel, release build, same machine, 2 cores, one thread):
//!
//! | file | size | zune-jpeg 0.4.21 | zune-jpeg 0.5.15 | jpeg-decoder 0.3.2 |
//! |---|---|---|---|---|
//! | hopper.jpg (4:2:0) | 128x128 | 16 at x=126 | 4 | 3 |
//! | hopper_orientation_3/5/6/8.jpg | 128x128 | 11/31/31/16 at x=126 | 4/3/3/3 | 3 |
//! | hopper_16bit_qtables.jpg | 128x128 | 6 at x=126 | 3 | 3 |
//! | mozilla_jpg-progressive.jpg | 32x32 | 11 at x=30 | 2 | 2 |
//! | wood.jpg (4:2:2) | 512x512 | 23 at x=510 | 3 | 3 |
//! | non-interleaved-mcu.jpg | 64x16 | fails | 0 | 0 |
//! | CMYK files (3) | | <= 3 | <= 3 | <= 2 (CMYK out, converted here) |
//! | every other `ok` file | | <= 4 | <= 4 | <= 3 |
//! | 4K photo-like (noise +-8), baseline 4:2:0 q90 | 3840x2160 | | 4.7 ms/MP | 5.4 ms/MP |
//! | the same, progressive q90 | 3840x2160 | | 9.7 ms/MP | 8.8 ms/MP |
//! | `image` 0.25 (`load_from_memory`, zune-jpeg 0.5 inside), same files | | | 4.9 / 9.5 ms/MP | |
//!
//! Why zune-jpeg 0.4 was 11..31 off: per column, 0.4.21's error is <= 4
//! everywhere except column W-2 (the second-to-last) of horizontally
//! subsampled images (hopper 4:2:0: 16 there, 4 elsewhere; hopper
//! orientation 5: 31 vs 3; wood 4:2:2: 23 vs 3; progressive 32x32: 11 vs 2).
//! Its upsampler weighted the wrong neighbour for that column; upstream
//! fixed it in zune-image PR #314 ("Fix a bug when upsampling the
//! second-to-last column", Dec 2025), released in 0.5, which also decodes
//! non-interleaved scans (PR #332). 0.5.15 (the current release, which
//! `image` 0.25.10 uses too) is within 4 of libjpeg-turbo on every file:
//! nothing left to report upstream. The test `zune_matches_libjpeg_turbo_at_the_right_edge`
//! keeps the edge columns checked.
//!
//! So full-size 8-bit decoding uses zune-jpeg 0.5 (fastest on baseline, the
//! most common kind, and decoding into our buffer without the copy `image`
//! makes); jpeg-decoder serves the DCT-scaled decode (zune has none),
//! lossless frames (zune refuses them) and is the fallback when zune-jpeg
//! fails on a file. Neither decodes 12-bit or arithmetic-coded files.
//!
//! The criterion bench (`cargo bench -p imageio-jpeg -- --quick`,
//! benches/decode.rs: a generated photo-like 3840x2160 image, jpeg-encoder
//! q90 4:2:0, 2 cores shared with other builds; two runs) gives:
//!
//! | 4K file | imageio-jpeg full | `image::load_from_memory` | scale 1/2 | 1/4 | 1/8 |
//! |---|---|---|---|---|---|
//! | baseline, run 1 | 39.1 ms | 42.3 ms | 40.5 ms | 24.1 ms | 18.5 ms (x2.1) |
//! | baseline, run 2 | 37.0 ms | 36.8 ms | 32.7 ms | 20.8 ms | 20.0 ms (x1.9) |
//! | progressive, run 2 | 95.3 ms | 102.3 ms | 57.5 ms | 50.1 ms | 20.6 ms (x4.6) |
//!
//! Full size is as fast as `image` (the same zune-jpeg 0.5 inside; we skip
//! its copy into an `ImageBuffer`), within the noise on baseline and 7%
//! faster on progressive. A scaled decode still has to Huffman-decode every
//! coefficient of a baseline file (the format leaves no way around it);
//! what it saves is the IDCT, upsampling and colour conversion, so 1/8 is
//! about twice as fast there. A progressive file at 1/8 is decoded from its
//! DC scans alone (the 1x1 IDCT reads nothing else; the AC scans are left
//! out before decoding, same pixels, see the test
//! `scale_decodes_reduced_sizes`): 4.6 times as fast.
//!
//! Encoders compared on the same 4K photo-like image, 4:2:0 (size, encode
//! time, PSNR decoded with zune-jpeg):
//!
//! | | jpeg-encoder 0.7.1 | image 0.25 `JpegEncoder` |
//! |---|---|---|
//! | q75 | 806 KB, 14.4 ms/MP, 35.69 dB | 888 KB, 29.2 ms/MP, 35.71 dB |
//! | q90 | 1940 KB, 13.4 ms/MP, 37.83 dB | 2089 KB, 31.6 ms/MP, 37.85 dB |
//!
//! jpeg-encoder is twice as fast and 8-10% smaller at the same quality
//! (0.02 dB apart), and it writes progressive files, optimized Huffman
//! tables, ICC and EXIF segments: it writes.
//!
//! You probably want the facade crate, `imageio-rs` (used as `imageio`),
//! which links this plugin with its `jpeg` feature (on by default).
//!
//! ```
//! use imageio::{imdecode, imencode, NdImage};
//! # fn main() -> Result<(), imageio::Error> {
//! let img = NdImage::from(imageio::ndarray::Array3::<u8>::from_elem((16, 24, 3), 200));
//! let bytes = imencode(&img, ".jpg")?;
//! let back = imdecode(&bytes)?;
//! assert_eq!(back.shape(), &[16, 24, 3]);
//! # Ok(()) }
//! ```
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod exif;
mod markers;
mod read;
#[cfg(feature = "turbo")]
#[allow(unsafe_code)] // FFI to libjpeg-turbo: the SAFETY notes are in the module.
mod turbo;
mod write;

use imageio_core::plugin::{
    Claim, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader, WriteEntry,
    WriteRequest, Writer, JPEG,
};

/// The plugin's name.
pub const NAME: &str = "jpeg";

/// The extensions this plugin reads and writes: those of the shared
/// [`JPEG`] format.
pub const EXTENSIONS: &[&str] = JPEG.extensions;

/// The formats this plugin claims, reading and writing: JPEG, as the
/// dedicated plugin (before the general-purpose `pillowlike`).
pub const FORMATS: &[Claim] = &[Claim::new(JPEG, Rank::DEDICATED)];

/// The options `read` accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "scale",
        OptionKind::Any,
        "1",
        "decode at 1, 1/2, 1/4 or 1/8 of the size in the DCT domain (0.5, 0.25, 0.125 or \"1/8\")",
    ),
    OptionSpec::new(
        "rotate",
        OptionKind::Bool,
        "false",
        "apply the EXIF orientation (and drop `orientation` from the metadata)",
    ),
    OptionSpec::new(
        "backend",
        OptionKind::Choice(&["auto", "libjpeg-turbo", "zune-jpeg", "jpeg-decoder"]),
        "auto",
        "the decoder: auto (libjpeg-turbo with the `turbo` feature, else zune-jpeg; \
         jpeg-decoder for lossless frames), or one of them",
    ),
];

/// The options `write` accepts.
pub const WRITE_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new("quality", OptionKind::Int, "75", "quality 1..100"),
    OptionSpec::new(
        "progressive",
        OptionKind::Bool,
        "false",
        "write a progressive JPEG",
    ),
    OptionSpec::new(
        "subsampling",
        OptionKind::Choice(&["4:4:4", "4:2:2", "4:2:0", "4:1:1", "4:4:0"]),
        "4:2:0",
        "chroma subsampling of RGB images",
    ),
    OptionSpec::new(
        "optimize",
        OptionKind::Bool,
        "false",
        "optimized Huffman tables (smaller, slower; 4:4:4 or gray only)",
    ),
    OptionSpec::new(
        "exif",
        OptionKind::Bytes,
        "",
        "EXIF segment: the TIFF structure (an `Exif\\0\\0` prefix is accepted)",
    ),
    OptionSpec::new(
        "icc_profile",
        OptionKind::Bytes,
        "",
        "ICC profile (split into APP2 chunks)",
    ),
    OptionSpec::new(
        "dpi",
        OptionKind::FloatOrList,
        "",
        "resolution in dots per inch (JFIF density): one number or [x, y]",
    ),
    OptionSpec::new("comment", OptionKind::Str, "", "a comment (COM segment)"),
    OptionSpec::new(
        "backend",
        OptionKind::Choice(&["auto", "libjpeg-turbo", "jpeg-encoder"]),
        "auto",
        "the encoder: auto (libjpeg-turbo with the `turbo` feature, else jpeg-encoder), or one \
         of them",
    ),
    OptionSpec::new(
        "drop_alpha",
        OptionKind::Bool,
        "false",
        "write RGBA / gray+alpha arrays without their alpha channel (an error otherwise)",
    ),
];

imageio_core::inventory::submit! {
    PluginInfo {
        name: NAME,
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "JPEG on zune-jpeg + jpeg-decoder (DCT-scaled, lossless) and jpeg-encoder; EXIF, ICC, CMYK",
        read: Some(ReadEntry { formats: FORMATS, options: READ_OPTIONS, open: open_read }),
        write: Some(WriteEntry { formats: FORMATS, options: WRITE_OPTIONS, open: open_write }),
    }
}

/// Opens a reader on `request`. The core routes only JPEG content here (the
/// `FF D8 FF` signature of [`JPEG`]); the header is walked now, no pixels
/// are decoded.
pub fn open_read(request: &mut ReadRequest) -> imageio_core::Result<Box<dyn Reader>> {
    let data = request.bytes()?;
    Ok(Box::new(read::JpegReader::open(data, request.limits())?))
}

/// Opens a writer on `request`'s output (the core routes `.jpg`, `.jpeg`,
/// `.jpe` and `.jfif` targets here): one image per file.
pub fn open_write(request: &mut WriteRequest) -> imageio_core::Result<Box<dyn Writer>> {
    Ok(Box::new(write::JpegWriter::new(request.output()?)))
}

/// Encodes `image` as a JPEG file in memory with the write `options` (the
/// same as [`WRITE_OPTIONS`]); what a write through the facade produces.
pub fn encode(
    image: &imageio_core::NdImage,
    options: &imageio_core::Options,
) -> imageio_core::Result<Vec<u8>> {
    write::encode(image, options)
}
