//! Decompression bombs (issue #11): for every format a file whose header
//! promises a huge image (or a huge stack, or a huge inflated member) is
//! refused under the default `Limits`, fast and small. Each bomb is written
//! to a file by the test, then read in a child process (the program
//! `src/bin/reliability-child.rs`, killed when it overruns) that reports its
//! error kind, time and peak resident memory (`VmHWM`), which must stay
//! within 32 MiB of what the same program takes to read a 1x1 PNG (about
//! 50 MiB with every plugin linked), plus the size of the bomb (a file
//! above 256 KiB is memory-mapped).
//!
//! Work bombs (issue #18): a PDF whose Form XObjects draw themselves (the
//! image they place is read, and the page rendered, each in under 5 s),
//! TIFF directory chains of 20 000 tiny pages (counted and read whole, each
//! under 5 s) and of 200 000 (counted under 5 s: a quadratic walk would not
//! be), and chains that loop (the pages before the loop are counted and
//! read, with their pixels).
//!
//! Covered: PNG/APNG (IHDR, acTL frame count), GIF (screen, frames), TIFF
//! (dimensions, strip count, directory chains and loops), WebP (VP8X
//! canvas, VP8L header), NPY (shape), NPZ (member shape, member inflation),
//! JPEG (SOF), JPEG 2000 (SIZ), PDF (image dimensions, Flate bomb,
//! self-drawing forms), video (MP4 frame count; the container's
//! sample-entry size, which FFmpeg rightly ignores for the codec's own),
//! and each format's own in `tests/tests/formats/` (DICOM, JPEG XL,
//! HEIF/AVIF, camera RAW, PSD, FITS, NIfTI, OME-TIFF and ImageJ series).
//! Not yet: a video whose codec bitstream (H.264 SPS, MPEG-4 VOL) declares
//! huge dimensions.

use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use imageio::{imencode, ErrorKind, NdImage};
use imageio_tests::hostile::{
    j2k_codestream, pdf_of, pdf_self_drawing_forms, pdf_self_drawing_forms_without_resources,
    tiff_chain, PDF_IMAGE,
};
use imageio_tests::reliability::{child_command, crc32};

#[path = "formats/mod.rs"]
mod formats;

/// The child program that reads each bomb.
const CHILD: &str = env!("CARGO_BIN_EXE_reliability-child");

/// Peak resident memory allowed to the child reading a bomb above what it
/// takes to read a 1x1 PNG (its baseline: the program with every plugin
/// linked, about 50 MiB in a test build), besides the bomb's own bytes (a
/// file above 256 KiB is memory-mapped).
const PEAK_LIMIT_KIB: u64 = 32 * 1024;
/// Time allowed to refuse a bomb (unoptimised test builds included).
const TIME_LIMIT_MS: u128 = 5_000;

/// Replaces the data of the first PNG chunk `kind` with `f(data)` and fixes
/// its CRC.
fn patch_png_chunk(png: &mut [u8], kind: &[u8; 4], f: impl FnOnce(&mut [u8])) {
    let mut at = 8;
    while at + 12 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        if &png[at + 4..at + 8] == kind {
            f(&mut png[at + 8..at + 8 + len]);
            let crc = crc32(&png[at + 4..at + 8 + len]);
            png[at + 8 + len..at + 12 + len].copy_from_slice(&crc.to_be_bytes());
            return;
        }
        at += 12 + len;
    }
    panic!("no {} chunk", String::from_utf8_lossy(kind));
}

/// A little-endian baseline TIFF: one 8-bit grey strip of `data`, with the
/// given dimensions and strip-offsets count (the offsets pointing at `data`
/// when the count is 1, past the end otherwise).
fn tiff(width: u32, height: u32, strips: u32, data: &[u8]) -> Vec<u8> {
    let entries: [(u16, u16, u32, u32); 9] = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, strips, if strips == 1 { 8 } else { 0x7fff_0000 }),
        (277, 3, 1, 1),
        (278, 4, 1, if strips == 1 { height } else { 1 }),
        (
            279,
            4,
            strips,
            if strips == 1 {
                data.len() as u32
            } else {
                0x7fff_8000
            },
        ),
    ];
    let ifd = 8 + data.len() as u32;
    let mut v = b"II*\0".to_vec();
    v.extend_from_slice(&ifd.to_le_bytes());
    v.extend_from_slice(data);
    v.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, ty, count, value) in entries {
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&ty.to_le_bytes());
        v.extend_from_slice(&count.to_le_bytes());
        if ty == 3 && count == 1 {
            v.extend_from_slice(&(value as u16).to_le_bytes());
            v.extend_from_slice(&[0, 0]);
        } else {
            v.extend_from_slice(&value.to_le_bytes());
        }
    }
    v.extend_from_slice(&0u32.to_le_bytes());
    v
}

/// An NPY file with a `header` dict and `data` after it.
fn npy(header: &str, data: &[u8]) -> Vec<u8> {
    imageio_tests::npy::npy_file(header, data)
}

/// A zip (NPZ) of `members`, deflated.
fn npz(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, data) in members {
        z.start_file(*name, opts).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// What a bomb must do: be refused as over the limits (`LimitExceeded`), be
/// refused otherwise before any large allocation (an error such as "the file
/// is truncated: shape ... needs N bytes" or the backend's "image too
/// large"), or (for bombs whose size no header states) end without a panic.
/// Every bomb must also be fast and small. `Outcome` is a work bomb that
/// must read: the child's outcome line must be exactly this (`ok SHAPE
/// px=HEX`, `ok n=N`).
#[derive(Clone, Debug, PartialEq)]
enum Expect {
    Limit,
    Refused,
    ErrorOrSmall,
    Outcome(String),
}

/// How the child reads a bomb.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Read {
    /// The first image.
    One,
    /// Every image (`Index::All`).
    All,
    /// Only the number of images (`ImageFile::n_images`).
    Count,
}

struct Bomb {
    name: &'static str,
    ext: &'static str,
    read: Read,
    expect: Expect,
    /// The time the read may take, in ms (unoptimised builds).
    limit_ms: u128,
    /// Plugin options, `KEY=VALUE`.
    options: &'static [&'static str],
    bytes: Vec<u8>,
}

/// The `px=` field of the child's outcome for `bytes`.
fn px(bytes: impl IntoIterator<Item = u8>) -> String {
    bytes
        .into_iter()
        .take(32)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where page `i` of an `n`-page TIFF chain links to (see `tiff_chain`).
type Link = fn(usize, usize) -> Option<usize>;

/// The work bombs of issue #18: self-drawing PDF forms, long and looping
/// TIFF directory chains.
fn work_bombs() -> Vec<Bomb> {
    let mut v = Vec::new();
    let image = format!("ok [2, 2, 3] px={}", px(PDF_IMAGE));
    for (name, forms) in [
        ("pdf-form-draws-itself", 1),
        ("pdf-forms-draw-each-other", 3),
    ] {
        v.push(Bomb {
            name,
            ext: ".pdf",
            read: Read::One,
            expect: Expect::Outcome(image.clone()),
            limit_ms: TIME_LIMIT_MS,
            options: &[],
            bytes: pdf_self_drawing_forms(forms),
        });
    }
    // The same forms without resources of their own (they draw themselves
    // through the page's): their image; rendering them (hayro would draw
    // the forms 4^50 times) is refused as over the limits, in time.
    for (name, forms) in [
        ("pdf-inheriting-form-draws-itself", 1),
        ("pdf-inheriting-forms-draw-each-other", 2),
    ] {
        let bytes = pdf_self_drawing_forms_without_resources(forms);
        v.push(Bomb {
            name,
            ext: ".pdf",
            read: Read::One,
            expect: Expect::Outcome(image.clone()),
            limit_ms: TIME_LIMIT_MS,
            options: &[],
            bytes: bytes.clone(),
        });
        v.push(Bomb {
            name,
            ext: ".pdf",
            read: Read::One,
            expect: Expect::Limit,
            limit_ms: TIME_LIMIT_MS,
            options: &["render=true", "dpi=36"],
            bytes,
        });
    }
    // 20 000 tiny pages: counting walks the chain once; reading them all
    // reads each directory once.
    let n = 20_000;
    let chain = tiff_chain(n, |i| (i + 1 < n).then_some(i + 1));
    v.push(Bomb {
        name: "tiff-20000-ifds-count",
        ext: ".tif",
        read: Read::Count,
        expect: Expect::Outcome(format!("ok n=Some({n})")),
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: chain.clone(),
    });
    v.push(Bomb {
        name: "tiff-20000-ifds-all",
        ext: ".tif",
        read: Read::All,
        expect: Expect::Outcome(format!("ok [{n}, 1, 1] px={}", px(0..32))),
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: chain,
    });
    // 200 000 pages (23 MB): a walk that compares each page with every page
    // before it (2 * 10^10 steps) overruns the limit; a linear one takes
    // milliseconds.
    let n = 200_000;
    v.push(Bomb {
        name: "tiff-200000-ifds-count",
        ext: ".tif",
        read: Read::Count,
        expect: Expect::Outcome(format!("ok n=Some({n})")),
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: tiff_chain(n, |i| (i + 1 < n).then_some(i + 1)),
    });
    // Loops: a page linking to itself, the last of 3 pages back to the
    // first, the last of 5000 back to page 2500. The chain ends at the loop
    // and the pages before it read.
    let loops: [(&str, usize, Link); 3] = [
        ("tiff-ifd-links-to-itself", 1, |i, _| Some(i)),
        ("tiff-ifd-loop-to-first", 3, |i, n| {
            Some(if i + 1 < n { i + 1 } else { 0 })
        }),
        ("tiff-ifd-loop-in-5000", 5000, |i, n| {
            Some(if i + 1 < n { i + 1 } else { n / 2 })
        }),
    ];
    for (name, n, next) in loops {
        let bytes = tiff_chain(n, |i| next(i, n));
        v.push(Bomb {
            name,
            ext: ".tif",
            read: Read::Count,
            expect: Expect::Outcome(format!("ok n=Some({n})")),
            limit_ms: TIME_LIMIT_MS,
            options: &[],
            bytes: bytes.clone(),
        });
        v.push(Bomb {
            name,
            ext: ".tif",
            read: Read::All,
            expect: Expect::Outcome(format!("ok [{n}, 1, 1] px={}", px(0..n.min(32) as u8))),
            limit_ms: TIME_LIMIT_MS,
            options: &[],
            bytes,
        });
    }
    v
}

fn bombs() -> Vec<Bomb> {
    let mut v = Vec::new();
    let small = |shape: &[usize]| NdImage::zeros(shape, imageio::DType::U8);

    // PNG: IHDR of 1 000 000 x 1 000 000 (a tiny IDAT follows).
    let mut png = imencode(&small(&[1, 1, 3]), ".png").unwrap();
    patch_png_chunk(&mut png, b"IHDR", |d| {
        d[0..4].copy_from_slice(&1_000_000u32.to_be_bytes());
        d[4..8].copy_from_slice(&1_000_000u32.to_be_bytes());
    });
    v.push(Bomb {
        name: "png-ihdr",
        ext: ".png",
        read: Read::One,
        expect: Expect::Limit,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: png,
    });

    // APNG: 1024x1024 RGBA frames, acTL promising 100 000 of them (400 GiB).
    let mut apng = imencode(&small(&[2, 1024, 1024, 4]), ".apng").unwrap();
    patch_png_chunk(&mut apng, b"acTL", |d| {
        d[0..4].copy_from_slice(&100_000u32.to_be_bytes())
    });
    v.push(Bomb {
        name: "apng-frames",
        ext: ".apng",
        read: Read::All,
        expect: Expect::Limit,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: apng,
    });
    // APNG: IHDR inflated on an animated file.
    let mut apng = imencode(&small(&[2, 8, 8, 3]), ".apng").unwrap();
    patch_png_chunk(&mut apng, b"IHDR", |d| {
        d[0..4].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
        d[4..8].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
    });
    v.push(Bomb {
        name: "apng-ihdr",
        ext: ".apng",
        read: Read::All,
        expect: Expect::Limit,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: apng,
    });

    // GIF: a 65535 x 65535 logical screen.
    let mut gif = imencode(&small(&[1, 1, 3]), ".gif").unwrap();
    gif[6..8].copy_from_slice(&65535u16.to_le_bytes());
    gif[8..10].copy_from_slice(&65535u16.to_le_bytes());
    v.push(Bomb {
        name: "gif-screen",
        ext: ".gif",
        read: Read::One,
        expect: Expect::Limit,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: gif,
    });
    // GIF: a 2048 x 2048 screen and 300 tiny frames: 3.6 GiB as a stack.
    let mut gif = imencode(&small(&[300, 1, 1, 3]), ".gif").unwrap();
    gif[6..8].copy_from_slice(&2048u16.to_le_bytes());
    gif[8..10].copy_from_slice(&2048u16.to_le_bytes());
    v.push(Bomb {
        name: "gif-frames",
        ext: ".gif",
        read: Read::All,
        expect: Expect::Limit,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: gif,
    });

    // TIFF: 1 000 000 x 1 000 000, and a strip table of 2^30 entries.
    v.push(Bomb {
        name: "tiff-dimensions",
        ext: ".tif",
        read: Read::One,
        expect: Expect::Limit,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: tiff(1_000_000, 1_000_000, 1, &[0; 16]),
    });
    v.push(Bomb {
        name: "tiff-strip-count",
        ext: ".tif",
        read: Read::One,
        expect: Expect::ErrorOrSmall,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: tiff(64, 64, 1 << 30, &[0; 16]),
    });

    // WebP: a VP8X canvas of 1 000 000 x 1 000 000 around a 1x1 image.
    let inner = imencode(&small(&[1, 1, 4]), ".webp").unwrap();
    let mut vp8x = b"VP8X".to_vec();
    vp8x.extend_from_slice(&10u32.to_le_bytes());
    vp8x.extend_from_slice(&[0x10, 0, 0, 0]); // alpha flag
    let side = 1_000_000u32 - 1;
    vp8x.extend_from_slice(&side.to_le_bytes()[..3]);
    vp8x.extend_from_slice(&side.to_le_bytes()[..3]);
    vp8x.extend_from_slice(&inner[12..]);
    let mut webp = b"RIFF".to_vec();
    webp.extend_from_slice(&(4 + vp8x.len() as u32).to_le_bytes());
    webp.extend_from_slice(b"WEBP");
    webp.extend_from_slice(&vp8x);
    v.push(Bomb {
        name: "webp-canvas",
        ext: ".webp",
        read: Read::One,
        expect: Expect::Refused,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: webp,
    });
    // WebP: a lossless header of 16383 x 16383 with no image data after it.
    let mut webp = imencode(&small(&[1, 1, 4]), ".webp").unwrap();
    if &webp[12..16] == b"VP8L" {
        let bits: u32 = 16382 | (16382 << 14) | (1 << 28);
        webp[21..25].copy_from_slice(&bits.to_le_bytes());
        webp.truncate(25);
        let riff = webp.len() as u32 - 8;
        webp[4..8].copy_from_slice(&riff.to_le_bytes());
        let chunk = webp.len() as u32 - 20;
        webp[16..20].copy_from_slice(&chunk.to_le_bytes());
        v.push(Bomb {
            name: "webp-vp8l-truncated",
            ext: ".webp",
            read: Read::One,
            expect: Expect::ErrorOrSmall,
            limit_ms: TIME_LIMIT_MS,
            options: &[],
            bytes: webp,
        });
    }

    // NPY: shapes beyond the limits, by pixels and by bytes.
    let shape = "{'descr': '|u1', 'fortran_order': False, 'shape': (1000000, 1000000, 3), }";
    v.push(Bomb {
        name: "npy-shape",
        ext: ".npy",
        read: Read::One,
        expect: Expect::Refused,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: npy(shape, &[0; 64]),
    });
    let shape = "{'descr': '<f8', 'fortran_order': False, 'shape': (3000000000,), }";
    v.push(Bomb {
        name: "npy-bytes",
        ext: ".npy",
        read: Read::One,
        expect: Expect::Refused,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: npy(shape, &[0; 64]),
    });
    // NPZ: a member with a huge shape; a member that inflates to 256 MiB
    // behind a header that asks for 16 bytes.
    let big = "{'descr': '<u2', 'fortran_order': False, 'shape': (100000, 100000, 4), }";
    v.push(Bomb {
        name: "npz-shape",
        ext: ".npz",
        read: Read::One,
        expect: Expect::Limit,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: npz(&[("a.npy", npy(big, &[0; 64]))]),
    });
    let small_shape = "{'descr': '|u1', 'fortran_order': False, 'shape': (16,), }";
    let mut inflating = npy(small_shape, &[0; 16]);
    inflating.resize(inflating.len() + (256 << 20), 0);
    v.push(Bomb {
        name: "npz-member-inflation",
        ext: ".npz",
        read: Read::All,
        expect: Expect::ErrorOrSmall,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: npz(&[("a.npy", inflating)]),
    });
    // JPEG: a SOF of 65535 x 65535 (only when a JPEG plugin is linked).
    if let Ok(mut jpg) = imencode(&small(&[8, 8, 3]), ".jpg") {
        let sof = (0..jpg.len() - 9)
            .find(|&i| jpg[i] == 0xFF && matches!(jpg[i + 1], 0xC0..=0xC2))
            .expect("a SOF marker");
        jpg[sof + 5..sof + 7].copy_from_slice(&65535u16.to_be_bytes());
        jpg[sof + 7..sof + 9].copy_from_slice(&65535u16.to_be_bytes());
        v.push(Bomb {
            name: "jpeg-sof",
            ext: ".jpg",
            read: Read::One,
            expect: Expect::Limit,
            limit_ms: TIME_LIMIT_MS,
            options: &[],
            bytes: jpg,
        });
    }

    // JPEG 2000: a codestream whose SIZ claims 1 000 000 x 1 000 000 (an
    // empty 82-byte tile).
    v.push(Bomb {
        name: "jpeg2000-siz",
        ext: ".j2k",
        read: Read::One,
        expect: Expect::Limit,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: j2k_codestream(1_000_000, 1_000_000),
    });

    // PDF: an image XObject of 100 000 x 100 000, and a 10 x 10 image whose
    // Flate stream inflates to 256 MiB.
    let tiny = zlib_zeros(1 << 12);
    v.push(Bomb {
        name: "pdf-image-dimensions",
        ext: ".pdf",
        read: Read::One,
        expect: Expect::Limit,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: pdf(100_000, 100_000, &tiny),
    });
    v.push(Bomb {
        name: "pdf-flate-bomb",
        ext: ".pdf",
        read: Read::One,
        expect: Expect::Limit,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: pdf(10, 10, &zlib_zeros(256 << 20)),
    });
    // Video (only when a video plugin writes MP4): the sample table's frame
    // count and the sample entry's dimensions inflated.
    if let Ok(mp4) = imencode(&small(&[4, 16, 16, 3]), ".mp4") {
        let find = |b: &[u8], tag: &[u8; 4]| (4..b.len() - 4).find(|&i| &b[i..i + 4] == tag);
        if let Some(at) = find(&mp4, b"stts") {
            let mut m = mp4.clone();
            m[at + 12..at + 16].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
            v.push(Bomb {
                name: "video-frame-count",
                ext: ".mp4",
                read: Read::All,
                expect: Expect::Limit,
                limit_ms: TIME_LIMIT_MS,
                options: &[],
                bytes: m,
            });
        }
        if let Some(at) = find(&mp4, b"avc1").or_else(|| find(&mp4, b"mp4v")) {
            let mut m = mp4.clone();
            m[at + 28..at + 30].copy_from_slice(&65535u16.to_be_bytes());
            m[at + 30..at + 32].copy_from_slice(&65535u16.to_be_bytes());
            v.push(Bomb {
                name: "video-dimensions",
                ext: ".mp4",
                read: Read::One,
                expect: Expect::ErrorOrSmall,
                limit_ms: TIME_LIMIT_MS,
                options: &[],
                bytes: m,
            });
        }
    }
    // Each format's own bombs (tests/tests/formats/).
    for (name, ext, bytes) in formats::bombs() {
        v.push(Bomb {
            name,
            ext,
            read: Read::One,
            expect: Expect::ErrorOrSmall,
            limit_ms: TIME_LIMIT_MS,
            options: &[],
            bytes,
        });
    }
    v
}

/// A zlib stream of `n` zero bytes (deflated by the zip crate, rewrapped).
fn zlib_zeros(n: usize) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(n > u32::MAX as usize / 2);
    z.start_file("z", opts).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        z.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
    let zipped = z.finish().unwrap().into_inner();
    // Local file header: 30 bytes + name + extra, then the raw deflate data
    // of `compressed size` bytes (read from the central directory).
    let name_len = u16::from_le_bytes([zipped[26], zipped[27]]) as usize;
    let extra_len = u16::from_le_bytes([zipped[28], zipped[29]]) as usize;
    let start = 30 + name_len + extra_len;
    let cd = (0..zipped.len() - 4)
        .rev()
        .find(|&i| zipped[i..i + 4] == [0x50, 0x4b, 0x01, 0x02])
        .unwrap();
    let mut csize = u32::from_le_bytes(zipped[cd + 20..cd + 24].try_into().unwrap()) as usize;
    if csize == u32::MAX as usize {
        csize = cd - start; // zip64: the data runs up to the directory (no descriptor)
    }
    let mut out = vec![0x78, 0x9C];
    out.extend_from_slice(&zipped[start..start + csize]);
    let adler = (((n % 65521) as u32) << 16) | 1; // a = 1, b = n for zeros
    out.extend_from_slice(&adler.to_be_bytes());
    out
}

/// A one-page PDF drawing one RGB image XObject of `w` x `h` whose Flate
/// stream is `data`.
fn pdf(w: u32, h: u32, data: &[u8]) -> Vec<u8> {
    let content = b"q 100 0 0 100 0 0 cm /Im0 Do Q";
    let mut objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
    ];
    let mut im = format!(
        "<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB \
         /BitsPerComponent 8 /Filter /FlateDecode /Length {} >>\nstream\n",
        data.len()
    )
    .into_bytes();
    im.extend_from_slice(data);
    im.extend_from_slice(b"\nendstream");
    objs.push(im);
    let mut c = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    c.extend_from_slice(content);
    c.extend_from_slice(b"\nendstream");
    objs.push(c);
    pdf_of(&objs)
}

/// How long the child may run: twice its limit and 5 s more. A child that
/// overruns is killed (a runaway read also eats memory).
fn deadline_ms(limit_ms: u128) -> u128 {
    2 * limit_ms + 5_000
}

/// Runs the child on bomb `b` written at `path`, killed after
/// [`deadline_ms`]: its stdout and a description of its exit and stderr, or
/// `None` when it was killed.
fn run_bomb(path: &Path, b: &Bomb) -> Option<(String, String)> {
    let how = match b.read {
        Read::One => "one",
        Read::All => "all",
        Read::Count => "count",
    };
    let mut args = vec!["bomb", path.to_str().unwrap(), how];
    args.extend_from_slice(b.options);
    let mut child = child_command(CHILD, &args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the reliability child");
    let deadline = Instant::now() + Duration::from_millis(deadline_ms(b.limit_ms) as u64);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        format!("{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr)),
    ))
}

/// The child's peak memory reading a 1x1 PNG: what every bomb is measured
/// against.
fn baseline_kib(dir: &Path) -> u64 {
    let png = imencode(&NdImage::zeros(&[1, 1, 3], imageio::DType::U8), ".png").unwrap();
    let path = dir.join("baseline.png");
    std::fs::write(&path, &png).unwrap();
    let b = Bomb {
        name: "baseline",
        ext: ".png",
        read: Read::One,
        expect: Expect::ErrorOrSmall,
        limit_ms: TIME_LIMIT_MS,
        options: &[],
        bytes: png,
    };
    let (text, status) = run_bomb(&path, &b).expect("the baseline read ends");
    let peak = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("peak_kib="))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no peak in the baseline read: {status}\n{text}"));
    assert!(
        text.contains("outcome=ok [1, 1, 3]"),
        "the baseline read: {text}"
    );
    // A build whose bare program takes more than this has another problem.
    assert!(peak < 128 * 1024, "baseline {peak} KiB");
    peak
}

#[test]
fn every_bomb_is_refused_fast_and_small() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let baseline = baseline_kib(dir.path());
    eprintln!("baseline: {baseline} KiB to read a 1x1 PNG");
    for b in bombs().into_iter().chain(work_bombs()) {
        let path = dir.path().join(format!("{}{}", b.name, b.ext));
        std::fs::write(&path, &b.bytes).unwrap();
        let Some((text, status)) = run_bomb(&path, &b) else {
            failures.push(format!(
                "{} ({:?} {:?}): killed after {} ms",
                b.name,
                b.read,
                b.options,
                deadline_ms(b.limit_ms)
            ));
            continue;
        };
        let Some(line) = text
            .lines()
            .find_map(|l| l.find("BOMB ").map(|at| &l[at..]))
        else {
            failures.push(format!("{}: the child crashed: {status}\n{text}", b.name));
            continue;
        };
        eprintln!("{:<22} {} bytes: {line}", b.name, b.bytes.len());
        let field = |k: &str| -> u128 {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(k))
                .and_then(|v| v.parse().ok())
                .unwrap()
        };
        let (ms, peak) = (field("ms="), field("peak_kib=") as u64);
        let outcome = line.split_once("outcome=").unwrap().1;
        let refused = outcome.starts_with(&format!("{:?}", ErrorKind::LimitExceeded));
        let ok = match &b.expect {
            Expect::Limit => refused,
            Expect::Refused => !outcome.starts_with("ok") && !outcome.starts_with("Internal"),
            Expect::ErrorOrSmall => !outcome.starts_with("Internal"),
            Expect::Outcome(want) => outcome == want,
        };
        if !ok {
            failures.push(format!(
                "{} ({:?}): expected {:?}, got {outcome}",
                b.name, b.read, b.expect
            ));
        }
        if ms > b.limit_ms {
            failures.push(format!(
                "{} ({:?}): took {ms} ms, over {} ms",
                b.name, b.read, b.limit_ms
            ));
        }
        // The file itself may be mapped and every page of it touched.
        let allowed = baseline + PEAK_LIMIT_KIB + b.bytes.len() as u64 / 1024;
        if peak == 0 || peak > allowed {
            failures.push(format!(
                "{}: peak memory {peak} KiB, over {allowed} KiB",
                b.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "bombs not refused well:\n{}",
        failures.join("\n")
    );
}
