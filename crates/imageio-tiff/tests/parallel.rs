//! LZW and Deflate pages decoded chunk by chunk in parallel (src/parallel.rs):
//! the same samples as the `tiff` crate's own decoder on strips, multi-page
//! stacks, u8/u16/f32 and predictors 1 and 2; files by tifffile (tiles,
//! planar-separate, big-endian, the floating-point predictor) against the
//! values they were written from; our own tiled writes read back; the
//! limits checked before decoding; damaged data refused without a panic.

use std::io::Cursor;
use std::path::PathBuf;

use imageio::{imdecode_with, imread_with, ErrorKind, Index, Limits, NdImage, ReadOptions};
use imageio::{imwrite_with, WriteOptions};
use tiff::decoder::{Decoder, DecodingResult};
use tiff::encoder::{colortype, Compression, DeflateLevel, Predictor, TiffEncoder};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn all() -> ReadOptions {
    ReadOptions::new().index(Index::All)
}

fn page(i: usize) -> ReadOptions {
    ReadOptions::new().index(Index::At(i))
}

/// The integers the tifffile fixtures were written from (tests/data/README.md).
fn ints(p: usize, y: usize, x: usize, c: usize, m: usize) -> usize {
    ((x * 7 + y * 13 + c * 29 + p * 31) ^ (x * y)) % m
}

/// A photo-like test pattern: smooth, with some noise, so LZW strings
/// vary in length and the table fills and clears.
fn sample(i: usize, p: usize) -> u32 {
    let (x, y) = (i % 301, i / 301);
    let noise = (i.wrapping_mul(2_654_435_761) >> 7) % 9;
    (x * 3 + y * 2 + p * 17 + noise) as u32
}

/// Every page of `bytes` decoded by the `tiff` crate, flattened.
fn by_backend(bytes: &[u8]) -> Vec<DecodingResult> {
    let mut d = Decoder::new(Cursor::new(bytes)).unwrap();
    let mut out = vec![d.read_image().unwrap()];
    while d.more_images() {
        d.next_image().unwrap();
        out.push(d.read_image().unwrap());
    }
    out
}

fn bytes_of(img: &NdImage) -> Vec<u8> {
    img.as_bytes().unwrap().to_vec()
}

fn backend_bytes(r: &DecodingResult) -> Vec<u8> {
    match r {
        DecodingResult::U8(v) => v.clone(),
        DecodingResult::U16(v) => v.iter().flat_map(|s| s.to_ne_bytes()).collect(),
        DecodingResult::F32(v) => v.iter().flat_map(|s| s.to_ne_bytes()).collect(),
        _ => panic!("unexpected sample type"),
    }
}

/// Writes `pages` pages of 301x203 with `rows` rows per strip.
fn encode<C: colortype::ColorType>(
    compression: Compression,
    predictor: Predictor,
    rows: u32,
    pages: usize,
    value: impl Fn(usize, usize) -> C::Inner,
) -> Vec<u8>
where
    [C::Inner]: tiff::encoder::TiffValue,
    C::Inner: Copy,
{
    let (w, h) = (301u32, 203u32);
    let spp = C::BITS_PER_SAMPLE.len();
    let mut c = Cursor::new(Vec::new());
    let mut e = TiffEncoder::new(&mut c)
        .unwrap()
        .with_compression(compression)
        .with_predictor(predictor);
    for p in 0..pages {
        let px: Vec<C::Inner> = (0..(w * h) as usize * spp).map(|i| value(i, p)).collect();
        let mut img = e.new_image::<C>(w, h).unwrap();
        img.rows_per_strip(rows).unwrap();
        img.write_data(&px).unwrap();
    }
    let _ = e;
    c.into_inner()
}

/// Each page alone and the stack: byte for byte what the backend decodes.
fn same_as_backend(bytes: &[u8], what: &str) {
    let want = by_backend(bytes);
    let stack = imdecode_with(bytes, &all()).unwrap();
    let mut flat = Vec::new();
    for (i, w) in want.iter().enumerate() {
        let got = imdecode_with(bytes, &page(i)).unwrap();
        assert_eq!(bytes_of(&got), backend_bytes(w), "{what}: page {i}");
        flat.extend(backend_bytes(w));
    }
    assert_eq!(stack.shape()[0], want.len(), "{what}");
    assert_eq!(bytes_of(&stack), flat, "{what}: the stack");
}

#[test]
fn strips_equal_the_backend_lzw_and_deflate_u8_u16_f32_predictors() {
    let lzw = Compression::Lzw;
    let deflate = || Compression::Deflate(DeflateLevel::Fast);
    let (none, horizontal) = (Predictor::None, Predictor::Horizontal);
    for (name, compression) in [("lzw", lzw), ("deflate", deflate())] {
        for predictor in [none, horizontal] {
            let rgb = encode::<colortype::RGB8>(compression, predictor, 13, 3, |i, p| {
                sample(i / 3, p) as u8 ^ (i % 3) as u8
            });
            same_as_backend(&rgb, &format!("{name} {predictor:?} RGB u8"));
            let gray = encode::<colortype::Gray16>(compression, predictor, 16, 2, |i, p| {
                (sample(i, p) * 97) as u16
            });
            same_as_backend(&gray, &format!("{name} {predictor:?} gray u16"));
            let rgb16 = encode::<colortype::RGB16>(compression, predictor, 7, 1, |i, p| {
                (sample(i / 3, p) * 131 + i as u32 % 3) as u16
            });
            same_as_backend(&rgb16, &format!("{name} {predictor:?} RGB u16"));
        }
        // The encoder has no floating-point predictor: none here, 3 below.
        let f = encode::<colortype::Gray32Float>(compression, none, 9, 2, |i, p| {
            sample(i, p) as f32 * 0.37 - 50.0
        });
        same_as_backend(&f, &format!("{name} f32"));
        // One strip, and one row per strip.
        for rows in [203, 1] {
            let one = encode::<colortype::Gray8>(compression, horizontal, rows, 2, |i, p| {
                sample(i, p) as u8
            });
            same_as_backend(&one, &format!("{name} {rows} rows per strip"));
        }
    }
}

#[test]
fn tifffile_tiles_planes_big_endian_and_the_floating_point_predictor() {
    let (h, w) = (29, 37);
    // LZW, predictor 3, planar tiles 16x16 (partial at the right and bottom), MM.
    let a = imread_with(data("par_lzw_tiles_f32_fp_planar_be.tif"), &page(0)).unwrap();
    // Planes come back interleaved.
    assert_eq!(a.shape(), &[h, w, 3]);
    let a = a.as_array::<f32>().unwrap();
    for ((y, x, c), &v) in a.indexed_iter().map(|(i, v)| ((i[0], i[1], i[2]), v)) {
        assert_eq!(
            v,
            ints(0, y, x, c, 4001) as f32 * 0.25 - 100.0,
            "({c}, {y}, {x})"
        );
    }
    // Deflate, predictor 2, chunky u16 tiles 16x32, MM, 2 pages.
    let b = imread_with(data("par_deflate_tiles_u16_pred2_be.tif"), &all()).unwrap();
    assert_eq!(b.shape(), &[2, h, w, 3]);
    let b = b.as_array::<u16>().unwrap();
    for (i, &v) in b.indexed_iter() {
        let want = (ints(i[0], i[1], i[2], i[3], 65536) as u16).wrapping_mul(3);
        assert_eq!(v, want, "{i:?}");
    }
    // LZW, predictor 2, planar u8 strips of 7 rows, 3 pages, each alone.
    for p in 0..3 {
        let c = imread_with(data("par_lzw_strips_u8_pred2_planar.tif"), &page(p)).unwrap();
        assert_eq!(c.shape(), &[h, w, 3]);
        for (i, &v) in c.as_array::<u8>().unwrap().indexed_iter() {
            assert_eq!(v as usize, ints(p, i[0], i[1], i[2], 256), "page {p} {i:?}");
        }
    }
    // Deflate, predictor 3, gray f32 strips of 5 rows, II, 2 pages.
    let d = imread_with(data("par_deflate_strips_f32_fp.tif"), &all()).unwrap();
    assert_eq!(d.shape(), &[2, h, w]);
    for (i, &v) in d.as_array::<f32>().unwrap().indexed_iter() {
        assert_eq!(
            v,
            ints(i[0], i[1], i[2], 0, 4001) as f32 * 0.25 - 100.0,
            "{i:?}"
        );
    }
    // LZW, no predictor, gray u16 strips of 4 rows, MM, 2 pages.
    let e = imread_with(data("par_lzw_strips_u16_be.tif"), &all()).unwrap();
    assert_eq!(e.shape(), &[2, h, w]);
    for (i, &v) in e.as_array::<u16>().unwrap().indexed_iter() {
        let want = (ints(i[0], i[1], i[2], 0, 65536) as u16).wrapping_mul(5);
        assert_eq!(v, want, "{i:?}");
    }
}

#[test]
fn our_tiled_lzw_and_deflate_writes_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let (h, w) = (70usize, 100usize);
    let rgb: Vec<u16> = (0..h * w * 3)
        .map(|i| (sample(i / 3, 0) * 211 + i as u32 % 3) as u16)
        .collect();
    let img = NdImage::from_shape_vec(&[h, w, 3], rgb).unwrap();
    let gray: Vec<u8> = (0..2 * h * w)
        .map(|i| sample(i % (h * w), i / (h * w)) as u8)
        .collect();
    let stack = NdImage::from_shape_vec(&[2, h, w], gray).unwrap();
    for compression in ["lzw", "deflate"] {
        for predictor in ["none", "horizontal"] {
            let o = WriteOptions::new()
                .option("compression", compression)
                .option("predictor", predictor)
                .option("tile", 32);
            let p = dir.path().join(format!("{compression}-{predictor}.tif"));
            imwrite_with(&p, &img, &o).unwrap();
            assert_eq!(
                imread_with(&p, &page(0)).unwrap(),
                img,
                "{compression} {predictor}"
            );
            let q = dir
                .path()
                .join(format!("{compression}-{predictor}-stack.tif"));
            imwrite_with(&q, &stack, &o).unwrap();
            assert_eq!(
                imread_with(&q, &all()).unwrap(),
                stack,
                "{compression} {predictor}"
            );
        }
    }
}

#[test]
fn limits_are_checked_before_decoding() {
    let bytes =
        encode::<colortype::RGB8>(Compression::Lzw, Predictor::Horizontal, 13, 2, |i, p| {
            sample(i / 3, p) as u8
        });
    let small = Limits {
        max_alloc: 301 * 203 * 3 - 1,
        ..Limits::default()
    };
    let e = imdecode_with(&bytes, &page(0).limits(small)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let e = imdecode_with(&bytes, &all().limits(small)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
}

/// Damaged LZW and Deflate data: an error or some pixels, never a panic
/// (Internal), and the same outcome as the backend's chunk decoder where it
/// decodes the damaged page whole.
#[test]
fn damaged_chunks_fail_cleanly() {
    for compression in [Compression::Lzw, Compression::Deflate(DeflateLevel::Fast)] {
        let good =
            encode::<colortype::Gray16>(compression, Predictor::Horizontal, 16, 1, |i, p| {
                (sample(i, p) * 97) as u16
            });
        for seed in 0..40usize {
            let mut bad = good.clone();
            // Damage a few bytes inside the strips (which start at offset 8).
            for k in 0..1 + seed % 4 {
                let at = 8 + (seed * 7919 + k * 104_729) % (good.len() / 2);
                bad[at] ^= 1 << (seed % 8);
            }
            if seed % 5 == 0 {
                // Truncate inside the data as well.
                bad.truncate(good.len() * 2 / 3);
            }
            match imdecode_with(&bad, &page(0)) {
                Ok(img) => {
                    let mut d = Decoder::new(Cursor::new(&bad[..])).unwrap();
                    if let Ok(want) = d.read_image() {
                        assert_eq!(bytes_of(&img), backend_bytes(&want), "seed {seed}");
                    }
                }
                Err(e) => assert_ne!(e.kind(), ErrorKind::Internal, "seed {seed}: {e}"),
            }
        }
    }
}

/// A little-endian RGB u8 TIFF of `w`x`h`, Deflate with predictor 2,
/// `rows` rows per strip, each strip's stored bytes made by `strip` from
/// the strip's index and its rows' differenced samples (the file's pixels
/// are `rgb`).
fn deflate_strips(
    w: usize,
    h: usize,
    rows: usize,
    rgb: impl Fn(usize, usize, usize) -> u8,
    strip: impl Fn(usize, Vec<u8>) -> Vec<u8>,
) -> Vec<u8> {
    let n = h.div_ceil(rows);
    // Every strip as `rows` full rows (the last one too), differenced.
    let diffed = |y: usize| -> Vec<u8> {
        let mut r = Vec::with_capacity(w * 3);
        for x in 0..w {
            for c in 0..3 {
                let prev = if x == 0 { 0 } else { rgb(y, x - 1, c) };
                r.push(rgb(y, x, c).wrapping_sub(prev));
            }
        }
        r
    };
    let strips: Vec<Vec<u8>> = (0..n)
        .map(|s| strip(s, (s * rows..(s + 1) * rows).flat_map(diffed).collect()))
        .collect();
    let entries = 12u16;
    let ifd = 8usize;
    let extra = ifd + 2 + entries as usize * 12 + 4;
    // BitsPerSample, then the offsets and byte counts, then the strips.
    let (bps, offs, counts) = (extra, extra + 6, extra + 6 + 4 * n);
    let mut at = counts + 4 * n;
    let mut offsets = Vec::new();
    for s in &strips {
        offsets.push(at as u32);
        at += s.len();
    }
    let mut f = b"II*\0".to_vec();
    f.extend((ifd as u32).to_le_bytes());
    f.extend(entries.to_le_bytes());
    let mut tag = |t: u16, ty: u16, count: u32, v: u32| {
        f.extend(t.to_le_bytes());
        f.extend(ty.to_le_bytes());
        f.extend(count.to_le_bytes());
        f.extend(v.to_le_bytes());
    };
    let (short, long) = (3u16, 4u16);
    tag(256, long, 1, w as u32);
    tag(257, long, 1, h as u32);
    tag(258, short, 3, bps as u32);
    tag(259, short, 1, 8);
    tag(262, short, 1, 2);
    tag(273, long, n as u32, offs as u32);
    tag(277, short, 1, 3);
    tag(278, long, 1, rows as u32);
    tag(279, long, n as u32, counts as u32);
    tag(284, short, 1, 1);
    tag(317, short, 1, 2);
    tag(339, short, 1, 1);
    f.extend(0u32.to_le_bytes());
    assert_eq!(f.len(), bps);
    f.extend([8u8, 0, 8, 0, 8, 0]);
    f.extend(offsets.iter().flat_map(|o| o.to_le_bytes()));
    f.extend(strips.iter().flat_map(|s| (s.len() as u32).to_le_bytes()));
    for s in &strips {
        f.extend(s);
    }
    f
}

/// A strip's stored bytes from its index and its differenced rows.
type Strip = dyn Fn(usize, Vec<u8>) -> Vec<u8>;

fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Deflate strips whose streams hold more than the strip (the last strip
/// padded to full rows; every strip with extra rows; bytes after the
/// stream; a wrong checksum): the strip's rows, as the `tiff` crate reads
/// them (but for the checksum, which it checks) and as the pixels were made.
/// Streams that end before the strip is full: the backend's outcome (an
/// error here), never a panic.
#[test]
fn deflate_streams_longer_or_shorter_than_the_strip() {
    let (w, h, rows) = (97usize, 50usize, 8usize);
    let rgb = |y: usize, x: usize, c: usize| ((x * 5 + y * 11 + c * 70) ^ (x * y)) as u8;
    let want: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).flat_map(move |x| (0..3).map(move |c| rgb(y, x, c))))
        .collect();
    let row = w * 3;
    let cases: [(&str, Box<Strip>); 4] = [
        // Only the last strip is longer: 8 rows where the page has 2 left.
        ("last strip padded", Box::new(|_, d| zlib(&d))),
        (
            "extra rows",
            Box::new(move |_, mut d| {
                d.extend(vec![7u8; 3 * row]);
                zlib(&d)
            }),
        ),
        (
            "bytes after the stream",
            Box::new(move |s, d| {
                let mut z = zlib(&d[..rows.min(h - s * rows) * row]);
                z.extend([0x5a; 23]);
                z
            }),
        ),
        (
            "bad checksum",
            Box::new(move |s, d| {
                let mut z = zlib(&d[..rows.min(h - s * rows) * row]);
                let n = z.len();
                z[n - 2] ^= 0x40;
                z
            }),
        ),
    ];
    for (what, strip) in cases {
        let bytes = deflate_strips(w, h, rows, rgb, strip);
        let got = imdecode_with(&bytes, &page(0)).unwrap();
        assert_eq!(got.shape(), &[h, w, 3], "{what}");
        assert_eq!(bytes_of(&got), want, "{what}");
        // The `tiff` crate reads each stream to its end and refuses a wrong
        // checksum; this path (as libtiff) stops once the strip is full.
        if what != "bad checksum" {
            assert_eq!(backend_bytes(&by_backend(&bytes)[0]), want, "{what}");
        }
    }
    // Short: strip 2 holds 5 of its 8 rows, or its stream is cut.
    for cut in [false, true] {
        let bytes = deflate_strips(w, h, rows, rgb, |s, d| {
            let keep = if s == 2 && !cut {
                5
            } else {
                rows.min(h - s * rows)
            };
            let z = zlib(&d[..keep * row]);
            if s == 2 && cut {
                z[..z.len() / 2].to_vec()
            } else {
                z
            }
        });
        let backend = Decoder::new(Cursor::new(&bytes[..])).unwrap().read_image();
        match imdecode_with(&bytes, &page(0)) {
            Ok(img) => assert_eq!(
                bytes_of(&img),
                backend_bytes(&backend.unwrap()),
                "cut {cut}"
            ),
            Err(e) => {
                assert_ne!(e.kind(), ErrorKind::Internal, "cut {cut}: {e}");
                assert!(
                    backend.is_err(),
                    "cut {cut}: backend decoded, we did not: {e}"
                );
            }
        }
    }
}
