//! The JPEG plugin against the shared corpus (Pillow/libjpeg-turbo refs),
//! files written by `jpeg-encoder` directly, and hostile input: EXIF
//! orientation 1..8, DCT-scaled decoding, lossless frames, metadata,
//! decompression bombs, truncated files, and every write option.

use imageio::{
    imdecode_with, imencode_with, immeta_with, improps_with, DType, ErrorKind, Limits, Metadata,
    NdImage, ReadOptions, Value, WriteOptions,
};

/// The shared corpus (`IMAGEIO_CORPUS`, default `../shared/corpus` beside
/// the workspace).
fn corpus_root() -> std::path::PathBuf {
    imageio_core::test_corpus::root()
}

/// True when the corpus is there; otherwise says that `test` skips.
fn corpus_present(test: &str) -> bool {
    imageio_core::test_corpus::for_test(test, "jpeg").is_some()
}

fn corpus(rel: &str) -> std::path::PathBuf {
    let p = corpus_root().join(rel);
    assert!(
        p.exists(),
        "corpus file {} is missing: set IMAGEIO_CORPUS",
        p.display()
    );
    p
}

fn bytes(rel: &str) -> Vec<u8> {
    std::fs::read(corpus(rel)).unwrap()
}

/// Reads `.npy` refs of u8 or u16 samples: (shape, samples widened to u16).
fn npy(rel: &str) -> (Vec<usize>, Vec<u16>) {
    let b = std::fs::read(corpus(rel)).unwrap();
    let hl = u16::from_le_bytes([b[8], b[9]]) as usize;
    let head = std::str::from_utf8(&b[10..10 + hl]).unwrap();
    let shape = head
        .split("'shape': (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let shape: Vec<usize> = shape
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    let body = &b[10 + hl..];
    let data = if head.contains("'|u1'") {
        body.iter().map(|&v| v as u16).collect()
    } else {
        assert!(head.contains("'<u2'"), "{rel}: {head}");
        body.chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    };
    (shape, data)
}

fn jpeg() -> ReadOptions {
    ReadOptions::new().plugin("jpeg")
}

/// The read backends built in: `auto` and each decoder by name.
fn read_backends() -> Vec<&'static str> {
    let mut v = vec!["auto", "zune-jpeg", "jpeg-decoder"];
    if cfg!(feature = "turbo") {
        v.push("libjpeg-turbo");
    }
    v
}

/// The write backends built in: `auto` and each encoder by name.
fn write_backends() -> Vec<&'static str> {
    let mut v = vec!["auto", "jpeg-encoder"];
    if cfg!(feature = "turbo") {
        v.push("libjpeg-turbo");
    }
    v
}

/// Reads with one backend.
fn with(backend: &str) -> ReadOptions {
    jpeg().option("backend", backend)
}

fn read(data: &[u8], o: ReadOptions) -> NdImage {
    imdecode_with(data, &o).unwrap()
}

fn u8s(img: &NdImage) -> Vec<u8> {
    img.as_bytes().unwrap().to_vec()
}

fn max_diff(a: &[u8], b: &[u8]) -> i32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (*x as i32 - *y as i32).abs())
        .max()
        .unwrap_or(0)
}

fn mean_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (*x as i32 - *y as i32).abs() as f64)
        .sum::<f64>()
        / a.len() as f64
}

/// Every `ok` JPEG of expected.tsv, through this plugin with each backend,
/// within its tolerance. libjpeg-turbo is what made the refs (Pillow):
/// its pixels are within 1 of them.
#[test]
fn corpus_files_match_their_refs() {
    if !corpus_present("corpus_files_match_their_refs") {
        return;
    }
    let tsv = std::fs::read_to_string(corpus("expected.tsv")).unwrap();
    for backend in read_backends() {
        let mut n = 0;
        let mut worst = 0;
        for line in tsv.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if !f[0].starts_with("jpeg/") || f[1] != "ok" {
                continue;
            }
            let tol: i32 = f[5].parse().unwrap();
            let ref_file = format!("refs/{}.npy", f[0]);
            if !corpus(".").join(&ref_file).exists() {
                continue; // the .npz ref (junk_jpeg_header), checked by the conformance suite
            }
            let img = read(&bytes(f[0]), with(backend));
            let (shape, want) = npy(&ref_file);
            assert_eq!(img.shape(), shape.as_slice(), "{backend}: {}", f[0]);
            assert_eq!(img.dtype(), DType::U8, "{backend}: {}", f[0]);
            let want: Vec<u8> = want.iter().map(|&v| v as u8).collect();
            let d = max_diff(&u8s(&img), &want);
            assert!(d <= tol, "{backend}: {}: max |diff| {d} > tol {tol}", f[0]);
            if backend == "libjpeg-turbo" {
                assert!(d <= 1, "libjpeg-turbo: {}: max |diff| {d} > 1", f[0]);
            }
            worst = worst.max(d);
            n += 1;
        }
        eprintln!("{backend}: {n} files, worst max |diff| {worst}");
        assert!(n >= 25, "{backend}: only {n} files compared");
    }
}

/// The `backend` option: a bad name, zune-jpeg asked for what it cannot do,
/// libjpeg-turbo asked for without the `turbo` feature.
#[test]
fn backend_option_errors() {
    let img = photo(16, 24);
    let b = write(&img, wopts());
    let e = imdecode_with(&b, &with("libjpeg")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    let e = imdecode_with(&b, &with("zune-jpeg").option("scale", 0.5)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    let e = imencode_with(&img, ".jpg", &wopts().option("backend", "mozjpeg")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    if !cfg!(feature = "turbo") {
        let e = imdecode_with(&b, &with("libjpeg-turbo")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert!(e.to_string().contains("`turbo` feature"), "{e}");
        let o = wopts().option("backend", "libjpeg-turbo");
        let e = imencode_with(&img, ".jpg", &o).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    }
}

/// zune-jpeg 0.4 was 11..31 off in column W-2 of subsampled images (fixed
/// upstream in 0.5, zune-image PR #314): keep that column checked.
#[test]
fn zune_matches_libjpeg_turbo_at_the_right_edge() {
    if !corpus_present("zune_matches_libjpeg_turbo_at_the_right_edge") {
        return;
    }
    for name in [
        "hopper.jpg",
        "hopper_orientation_5.jpg",
        "wood.jpg",
        "mozilla_jpg-progressive.jpg",
    ] {
        let img = read(&bytes(&format!("jpeg/{name}")), jpeg());
        let (shape, want) = npy(&format!("refs/jpeg/{name}.npy"));
        let (h, w) = (shape[0], shape[1]);
        let got = u8s(&img);
        let mut worst = 0;
        for y in 0..h {
            for c in 0..3 {
                let i = ((y * w) + w - 2) * 3 + c;
                worst = worst.max((got[i] as i32 - want[i] as i32).abs());
            }
        }
        assert!(worst <= 4, "{name}: column W-2 is {worst} off");
    }
}

#[test]
fn lossless_frames_are_u16_as_stored() {
    if !corpus_present("lossless_frames_are_u16_as_stored") {
        return;
    }
    let img = read(&bytes("jpeg/jpeg_lossless_sel1.jpg"), jpeg());
    let (shape, want) = npy("refs/jpeg/jpeg_lossless_sel1.jpg.npy");
    assert_eq!(img.shape(), shape.as_slice());
    assert_eq!(img.dtype(), DType::U16);
    let got = img.into_array::<u16>().unwrap();
    assert_eq!(got.iter().copied().collect::<Vec<u16>>(), want);
    assert_eq!(*got.iter().max().unwrap(), 1284);
    let o = jpeg().option("scale", 0.5);
    let e = imdecode_with(&bytes("jpeg/jpeg_lossless_sel1.jpg"), &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
}

#[test]
fn unsupported_features_are_named() {
    if !corpus_present("unsupported_features_are_named") {
        return;
    }
    for (name, what) in [
        ("jpeg/monkey12.jpg", "12-bit"),
        ("jpeg/testimgari.jpg", "arithmetic"),
    ] {
        let e = imdecode_with(&bytes(name), &jpeg()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{name}: {e}");
        assert!(e.to_string().contains(what), "{name}: {e}");
    }
}

#[test]
fn cmyk_is_rgb() {
    if !corpus_present("cmyk_is_rgb") {
        return;
    }
    for backend in read_backends() {
        let img = read(&bytes("jpeg/pil_sample_cmyk.jpg"), with(backend));
        assert_eq!(img.shape(), &[100, 100, 3], "{backend}");
    }
}

// ---------------------------------------------------------------- EXIF orientation

/// A minimal little-endian EXIF TIFF structure with one Orientation tag.
fn exif_orientation(o: u16) -> Vec<u8> {
    let mut t = b"II*\0\x08\0\0\0".to_vec();
    t.extend(1u16.to_le_bytes()); // one entry
    t.extend(0x0112u16.to_le_bytes()); // Orientation
    t.extend(3u16.to_le_bytes()); // SHORT
    t.extend(1u32.to_le_bytes()); // count
    t.extend(o.to_le_bytes());
    t.extend([0, 0]);
    t.extend(0u32.to_le_bytes()); // no next IFD
    t
}

/// An asymmetric 24x40 RGB image, written by jpeg-encoder directly (4:4:4,
/// q100) with EXIF orientation `o`.
fn oriented_file(o: u16) -> Vec<u8> {
    let (w, h) = (40usize, 24usize);
    let px: Vec<u8> = (0..h)
        .flat_map(|y| {
            (0..w).flat_map(move |x| {
                [
                    (x * 6) as u8,
                    (y * 10) as u8,
                    if x < 8 && y < 8 { 255 } else { 0 },
                ]
            })
        })
        .collect();
    let mut out = Vec::new();
    let mut e = jpeg_encoder::Encoder::new(&mut out, 100);
    e.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_4_4);
    e.add_exif_metadata(&exif_orientation(o)).unwrap();
    e.encode(&px, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// Where the displayed pixel (r, c) comes from in the stored h x w image,
/// as the EXIF specification defines each orientation.
fn source(o: u16, r: usize, c: usize, h: usize, w: usize) -> (usize, usize) {
    match o {
        1 => (r, c),
        2 => (r, w - 1 - c),
        3 => (h - 1 - r, w - 1 - c),
        4 => (h - 1 - r, c),
        5 => (c, r),
        6 => (h - 1 - c, r),
        7 => (h - 1 - c, w - 1 - r),
        8 => (c, w - 1 - r),
        _ => unreachable!(),
    }
}

#[test]
fn orientation_1_to_8_reported_and_applied() {
    for o in 1..=8u16 {
        let file = oriented_file(o);
        let meta = immeta_with(&file[..], &jpeg()).unwrap();
        assert_eq!(
            meta.get("orientation"),
            Some(&Value::Int(o as i64)),
            "orientation {o}"
        );
        let stored = read(&file, jpeg());
        assert_eq!(stored.shape(), &[24, 40, 3]);
        let rot = jpeg().option("rotate", true);
        let shown = read(&file, rot.clone());
        let (dh, dw) = if o >= 5 { (40, 24) } else { (24, 40) };
        assert_eq!(shown.shape(), &[dh, dw, 3], "orientation {o}");
        let props = improps_with(&file[..], &rot).unwrap();
        assert_eq!(props.shape, vec![dh, dw, 3]);
        let (s, d) = (u8s(&stored), u8s(&shown));
        for r in 0..dh {
            for c in 0..dw {
                let (sr, sc) = source(o, r, c, 24, 40);
                for k in 0..3 {
                    assert_eq!(
                        d[(r * dw + c) * 3 + k],
                        s[(sr * 40 + sc) * 3 + k],
                        "orientation {o} at {r},{c}"
                    );
                }
            }
        }
        // The blue 8x8 corner marks where the stored top-left went.
        let meta = immeta_with(&file[..], &rot).unwrap();
        assert!(
            meta.get("orientation").is_none(),
            "applied orientation is dropped"
        );
    }
}

/// Pillow's hopper_orientation_N files are hopper.jpg stored turned so that
/// applying N shows it upright: with `rotate` they match hopper's ref.
#[test]
fn corpus_orientation_files() {
    if !corpus_present("corpus_orientation_files") {
        return;
    }
    let (_, upright) = npy("refs/jpeg/hopper.jpg.npy");
    let upright: Vec<u8> = upright.iter().map(|&v| v as u8).collect();
    for o in [3, 5, 6, 8] {
        let name = format!("jpeg/hopper_orientation_{o}.jpg");
        let file = bytes(&name);
        let meta = immeta_with(&file[..], &jpeg()).unwrap();
        assert_eq!(meta.get("orientation"), Some(&Value::Int(o)), "{name}");
        let stored = u8s(&read(&file, jpeg()));
        let shown = u8s(&read(&file, jpeg().option("rotate", true)));
        assert!(
            mean_diff(&stored, &upright) > 20.0,
            "{name} is stored turned"
        );
        let m = mean_diff(&shown, &upright);
        eprintln!(
            "{name}: stored {} rotated {m}",
            mean_diff(&stored, &upright)
        );
        assert!(
            m < 8.0,
            "{name} with rotate: mean |diff| {m} from upright hopper"
        );
    }
}

// ---------------------------------------------------------------- scale

/// 1/k of the image averaged over k x k blocks (the DCT-scaled decode is
/// the block mean, up to rounding and chroma upsampling).
fn box_down(img: &[u8], h: usize, w: usize, c: usize, k: usize) -> Vec<u8> {
    let (oh, ow) = (h.div_ceil(k), w.div_ceil(k));
    let mut out = Vec::with_capacity(oh * ow * c);
    for y in 0..oh {
        for x in 0..ow {
            for ch in 0..c {
                let (mut s, mut n) = (0u32, 0u32);
                for yy in y * k..((y + 1) * k).min(h) {
                    for xx in x * k..((x + 1) * k).min(w) {
                        s += img[(yy * w + xx) * c + ch] as u32;
                        n += 1;
                    }
                }
                out.push(((s + n / 2) / n) as u8);
            }
        }
    }
    out
}

#[test]
fn scale_decodes_reduced_sizes() {
    if !corpus_present("scale_decodes_reduced_sizes") {
        return;
    }
    for (name, c) in [
        ("jpeg/testorig.jpg", 3),
        ("jpeg/hopper_gray.jpg", 1),
        ("jpeg/pil_sample_cmyk.jpg", 3),
        ("jpeg/progressive_cat.jpg", 3),
    ] {
        let file = bytes(name);
        let full = read(&file, jpeg());
        let (h, w) = (full.shape()[0], full.shape()[1]);
        let scalers = read_backends().into_iter().filter(|b| *b != "zune-jpeg");
        for ((k, v), backend) in [
            (2usize, Value::from(0.5)),
            (4, Value::from("1/4")),
            (8, Value::from(0.125)),
        ]
        .into_iter()
        .flat_map(|kv| scalers.clone().map(move |b| (kv.clone(), b)))
        {
            let o = with(backend).option("scale", v);
            let small = read(&file, o.clone());
            let want_shape: Vec<usize> = if c == 1 {
                vec![h.div_ceil(k), w.div_ceil(k)]
            } else {
                vec![h.div_ceil(k), w.div_ceil(k), c]
            };
            assert_eq!(small.shape(), want_shape.as_slice(), "{name} 1/{k}");
            assert_eq!(improps_with(&file[..], &o).unwrap().shape, want_shape);
            let m = mean_diff(&u8s(&small), &box_down(&u8s(&full), h, w, c, k));
            eprintln!("{backend}: {name} 1/{k}: {m}");
            assert!(
                m < 8.0,
                "{backend}: {name} 1/{k}: mean |diff| {m} from the box-averaged full decode"
            );
        }
    }
    // Progressive files at 1/8 skip their AC scans: the same pixels as
    // jpeg-decoder's own 1/8 decode of the whole file.
    for name in [
        "jpeg/progressive_cat.jpg",
        "jpeg/icc_profile_big.jpg",
        "jpeg/mozilla_jpg-progressive.jpg",
    ] {
        let file = bytes(name);
        let mut dec = jpeg_decoder::Decoder::new(&file[..]);
        dec.read_info().unwrap();
        let info = dec.info().unwrap();
        dec.scale(info.width.div_ceil(8), info.height.div_ceil(8))
            .unwrap();
        let want = dec.decode().unwrap();
        for backend in ["auto", "jpeg-decoder"] {
            let got = read(&file, with(backend).option("scale", 0.125));
            assert_eq!(u8s(&got), want, "{backend}: {name}");
        }
    }
    let e = imdecode_with(&bytes("jpeg/hopper.jpg"), &jpeg().option("scale", 0.3)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption);
}

// ---------------------------------------------------------------- metadata

#[test]
fn metadata_of_corpus_files() {
    if !corpus_present("metadata_of_corpus_files") {
        return;
    }
    let m = immeta_with(corpus("jpeg/icc_profile_big.jpg"), &jpeg()).unwrap();
    let icc = m.get("icc_profile").and_then(Value::as_bytes).unwrap();
    // Seven APP2 chunks; the profile's own header gives its size.
    assert_eq!(icc.len(), 0x0006_19ac);
    assert_eq!(
        u32::from_be_bytes([icc[0], icc[1], icc[2], icc[3]]) as usize,
        icc.len()
    );
    assert_eq!(&icc[36..40], b"acsp");
    assert_eq!(
        m.get("dpi"),
        Some(&Value::List(vec![300.0.into(), 300.0.into()]))
    );
    assert_eq!(m.get("progressive"), Some(&Value::Bool(true)));
    assert_eq!(m.get("subsampling"), Some(&Value::from("4:4:4")));

    let m = immeta_with(corpus("jpeg/hopper.jpg"), &jpeg()).unwrap();
    assert_eq!(m.get("progressive"), Some(&Value::Bool(false)));
    assert_eq!(m.get("subsampling"), Some(&Value::from("4:2:0")));
    assert_eq!(
        m.get("dpi"),
        Some(&Value::List(vec![96.0.into(), 96.0.into()]))
    );
    assert!(m
        .get("comment")
        .and_then(Value::as_str)
        .unwrap()
        .starts_with("File written by Adobe Photoshop"));

    let m = immeta_with(corpus("jpeg/wood.jpg"), &jpeg()).unwrap();
    assert_eq!(m.get("subsampling"), Some(&Value::from("4:2:2")));

    let m = immeta_with(corpus("jpeg/exif-xmp-metadata.jpg"), &jpeg()).unwrap();
    assert!(m
        .get("xmp")
        .and_then(Value::as_str)
        .unwrap()
        .contains("x:xmpmeta"));
    assert!(m.get("exif").is_none(), "this one has XMP only");

    let m = immeta_with(corpus("jpeg/portrait_2.jpg"), &jpeg()).unwrap();
    let exif = m.get("exif").and_then(Value::as_bytes).unwrap();
    assert!(exif.starts_with(b"II*\0") || exif.starts_with(b"MM\0*"));
    let tags = m.get("exif_tags").and_then(Value::as_map).unwrap();
    eprintln!("portrait_2 exif_tags: {tags:?}");
    assert!(!tags.is_empty());
}

// ---------------------------------------------------------------- hostile input

/// SOI + SOF0 claiming `w` x `h`, 3 components, and nothing else.
fn header_only(w: u16, h: u16) -> Vec<u8> {
    let mut d = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8];
    d.extend(h.to_be_bytes());
    d.extend(w.to_be_bytes());
    d.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    d.extend([0xFF, 0xD9]);
    d
}

#[test]
fn decompression_bomb_is_refused_before_allocating() {
    if !corpus_present("decompression_bomb_is_refused_before_allocating") {
        return;
    }
    let bomb = header_only(65535, 65535);
    let e = imdecode_with(&bomb, &jpeg()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // Scaled too: the full frame is what the decoder walks.
    let e = imdecode_with(&bomb, &jpeg().option("scale", 0.125)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // Tighter limits refuse a real file the same way.
    let tight = Limits {
        max_pixels: 1000,
        ..Limits::default()
    };
    let e = imdecode_with(&bytes("jpeg/hopper.jpg"), &jpeg().limits(tight)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // The properties come from the header alone.
    assert_eq!(
        improps_with(&bomb[..], &jpeg()).unwrap().shape,
        vec![65535, 65535, 3]
    );
}

#[test]
fn zero_size_and_frameless_files_fail_cleanly() {
    let e = imdecode_with(&header_only(0, 10), &jpeg()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    let e = imdecode_with(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0], &jpeg()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
}

/// The backends that decode what is there of a truncated file (jpeg-decoder
/// fails cleanly instead).
fn lenient_backends() -> Vec<&'static str> {
    read_backends()
        .into_iter()
        .filter(|b| *b != "jpeg-decoder")
        .collect()
}

/// A baseline file cut in the middle of its scan decodes what is there:
/// the rows before the cut match the full decode.
#[test]
fn truncated_baseline_decodes_what_is_there() {
    if !corpus_present("truncated_baseline_decodes_what_is_there") {
        return;
    }
    let file = bytes("jpeg/testorig.jpg");
    let e = imdecode_with(&file[..file.len() * 6 / 10], &with("jpeg-decoder")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    for backend in lenient_backends() {
        let full = u8s(&read(&file, with(backend)));
        let cut = &file[..file.len() * 6 / 10];
        let part = read(cut, with(backend));
        assert_eq!(part.shape(), &[149, 227, 3], "{backend}");
        let part = u8s(&part);
        let top = 32 * 227 * 3;
        assert_eq!(
            max_diff(&part[..top], &full[..top]),
            0,
            "{backend}: the first rows are intact"
        );
    }
}

/// The corpus's progressive file cut after a few scans: a blurrier but
/// whole image.
#[test]
fn truncated_progressive_decodes_what_is_there() {
    if !corpus_present("truncated_progressive_decodes_what_is_there") {
        return;
    }
    let (_, want) = npy("refs/jpeg/progressive_cat.jpg.npy");
    let want: Vec<u8> = want.iter().map(|&v| v as u8).collect();
    for backend in lenient_backends() {
        let img = read(&bytes("malformed/trunc_progressive_cat.jpg"), with(backend));
        assert_eq!(img.shape(), &[240, 320, 3], "{backend}");
        let m = mean_diff(&u8s(&img), &want);
        assert!(m < 20.0, "{backend}: mean |diff| {m} from the whole file");
    }
}

/// Every cut of several files reads or fails cleanly (no panic, no hang).
#[test]
fn every_truncation_ends_cleanly() {
    if !corpus_present("every_truncation_ends_cleanly") {
        return;
    }
    // The damaged corpus files, at every scale.
    for name in [
        "malformed/jpeg_dc-predictor-overflow.jpg",
        "malformed/jpeg_derive-huffman-codes-overflow.jpg",
        "malformed/jpeg_oss-fuzz-36829.jpeg",
        "malformed/jpeg_ultrahdr_truncated.jpg",
        "malformed/pillow_truncated_jpeg.jpg",
        "malformed/trunc_progressive_cat.jpg",
    ] {
        for k in [1.0, 0.5, 0.25, 0.125] {
            if let Err(e) = imdecode_with(&bytes(name), &jpeg().option("scale", k)) {
                assert!(
                    matches!(e.kind(), ErrorKind::Decode | ErrorKind::Unsupported),
                    "{name} at {k}: {e}"
                );
            }
        }
    }
    for name in [
        "jpeg/testorig.jpg",
        "jpeg/progressive_cat.jpg",
        "jpeg/restarts.jpg",
        "jpeg/mozilla_jpg-cmyk-1.jpg",
        "jpeg/jpeg_lossless_sel1.jpg",
    ] {
        let file = bytes(name);
        let full_h = read(&file, jpeg()).shape()[0];
        let step = (file.len() / 97).max(1);
        for n in (0..file.len()).step_by(step) {
            for (k, o) in [
                (1, jpeg()),
                (4, jpeg().option("scale", 0.25)),
                (8, jpeg().option("scale", 0.125)),
            ] {
                match imdecode_with(&file[..n], &o) {
                    Ok(img) => assert_eq!(img.shape()[0], full_h.div_ceil(k), "{name} cut at {n}"),
                    Err(e) => assert!(
                        matches!(
                            e.kind(),
                            ErrorKind::Decode
                                | ErrorKind::Declined
                                | ErrorKind::NoPlugin
                                | ErrorKind::Unsupported
                        ),
                        "{name} cut at {n}: {e}"
                    ),
                }
            }
        }
    }
}

/// Each explicit backend on damaged bytes: corpus files with a few bytes
/// overwritten (a fixed pseudo-random sequence) read or fail with a clean
/// error, never a panic; what reads has the header's shape.
#[test]
fn every_backend_survives_mutated_files() {
    if !corpus_present("every_backend_survives_mutated_files") {
        return;
    }
    let mut s: u32 = 7;
    let mut next = move || {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        s >> 8
    };
    for name in [
        "jpeg/hopper.jpg",
        "jpeg/progressive_cat.jpg",
        "jpeg/pil_sample_cmyk.jpg",
        "jpeg/restarts.jpg",
    ] {
        let file = bytes(name);
        for _ in 0..150 {
            let mut m = file.clone();
            for _ in 0..1 + next() % 4 {
                let at = next() as usize % m.len();
                m[at] = next() as u8;
            }
            for backend in read_backends() {
                match imdecode_with(&m, &with(backend)) {
                    // A damaged header may change the size or the number of
                    // components; the result is still gray or RGB.
                    Ok(img) => assert!(
                        matches!(img.shape(), [_, _] | [_, _, 3]) && !img.is_empty(),
                        "{backend}: {name}: {:?}",
                        img.shape()
                    ),
                    Err(e) => assert!(
                        matches!(
                            e.kind(),
                            ErrorKind::Decode
                                | ErrorKind::Declined
                                | ErrorKind::NoPlugin
                                | ErrorKind::Unsupported
                                | ErrorKind::LimitExceeded
                        ),
                        "{backend}: {name}: {e}"
                    ),
                }
            }
        }
    }
}

// ---------------------------------------------------------------- writing

fn photo(h: usize, w: usize) -> NdImage {
    let v: Vec<u8> = (0..h)
        .flat_map(|y| {
            (0..w).flat_map(move |x| {
                let f = (x as f32 / 9.0).sin() * 60.0 + (y as f32 / 7.0).cos() * 50.0;
                [(128.0 + f) as u8, (x * 255 / w) as u8, (y * 255 / h) as u8]
            })
        })
        .collect();
    NdImage::from_shape_vec(&[h, w, 3], v).unwrap()
}

fn write(img: &NdImage, o: WriteOptions) -> Vec<u8> {
    imencode_with(img, ".jpg", &o).unwrap()
}

fn wopts() -> WriteOptions {
    WriteOptions::new().plugin("jpeg")
}

/// What the independent jpeg-decoder makes of a file.
fn jd_decode(b: &[u8]) -> Vec<u8> {
    jpeg_decoder::Decoder::new(b).decode().unwrap()
}

#[test]
fn writes_rgb_and_gray_others_read() {
    for backend in write_backends() {
        let wo = || wopts().option("backend", backend);
        let img = photo(48, 64);
        let b = write(&img, wo().option("quality", 95));
        assert!(mean_diff(&jd_decode(&b), &u8s(&img)) < 2.0, "{backend}");
        let back = read(&b, jpeg());
        assert_eq!(back.shape(), &[48, 64, 3]);
        assert!(max_diff(&u8s(&back), &jd_decode(&b)) <= 4, "{backend}");
        // zune-jpeg is also what `image` decodes with.
        let via_image = image::load_from_memory(&b).unwrap().to_rgb8().into_raw();
        let zune = read(&b, with("zune-jpeg"));
        assert!(max_diff(&u8s(&zune), &via_image) <= 1, "{backend}");

        let gray = NdImage::from_shape_vec(&[20, 30], (0..600).map(|i| (i % 256) as u8).collect())
            .unwrap();
        let b = write(&gray, wo().option("quality", 100));
        for r in read_backends() {
            let back = read(&b, with(r));
            assert_eq!(back.shape(), &[20, 30], "{backend} -> {r}");
            assert!(max_diff(&u8s(&back), &u8s(&gray)) <= 3, "{backend} -> {r}");
        }
    }
}

/// libjpeg-turbo writes what Pillow writes at the same settings (quality,
/// 4:2:0, baseline, no optimize): the same scan, so the same pixels when
/// decoded, and a size within a few bytes (the JFIF header).
#[cfg(feature = "turbo")]
#[test]
fn turbo_writes_as_pillow_would() {
    let img = photo(96, 128);
    let ours = write(&img, wopts().option("quality", 90));
    let them = write(
        &img,
        wopts()
            .option("quality", 90)
            .option("backend", "jpeg-encoder"),
    );
    // Two encoders, the same IJG quality tables: close in size and error.
    let (a, b) = (ours.len() as f64, them.len() as f64);
    assert!((a / b - 1.0).abs() < 0.15, "{a} vs {b}");
    let err = |f: &[u8]| mean_diff(&jd_decode(f), &u8s(&img));
    // libjpeg-turbo's chroma downsampling and rounding are the better ones.
    assert!(
        err(&ours) < err(&them) + 0.2,
        "{} vs {}",
        err(&ours),
        err(&them)
    );
    let m = immeta_with(&ours[..], &jpeg()).unwrap();
    assert_eq!(m.get("subsampling"), Some(&Value::from("4:2:0")));
    assert_eq!(m.get("coding"), Some(&Value::from("baseline")));
}

#[test]
fn quality_progressive_subsampling_optimize() {
    for backend in write_backends() {
        eprintln!("{backend}:");
        quality_progressive_subsampling_optimize_with(backend);
    }
}

fn quality_progressive_subsampling_optimize_with(backend: &str) {
    let wopts = || wopts().option("backend", backend);
    let img = photo(96, 128);
    let lo = write(&img, wopts().option("quality", 30));
    let def = write(&img, wopts());
    let hi = write(&img, wopts().option("quality", 95));
    assert!(
        lo.len() < def.len() && def.len() < hi.len(),
        "{} {} {}",
        lo.len(),
        def.len(),
        hi.len()
    );
    let q75 = write(&img, wopts().option("quality", 75));
    assert_eq!(def, q75, "the default quality is 75");

    let p = write(&img, wopts().option("progressive", true));
    let m = immeta_with(&p[..], &jpeg()).unwrap();
    assert_eq!(m.get("progressive"), Some(&Value::Bool(true)));
    assert!(mean_diff(&jd_decode(&p), &u8s(&img)) < 3.0);

    for s in ["4:4:4", "4:2:2", "4:2:0", "4:1:1", "4:4:0"] {
        let b = write(&img, wopts().option("subsampling", s));
        let m = immeta_with(&b[..], &jpeg()).unwrap();
        assert_eq!(m.get("subsampling"), Some(&Value::from(s)), "{s}");
        // zune-jpeg (ours) and jpeg-decoder agree on every subsampling.
        let d = max_diff(&u8s(&read(&b, jpeg())), &jd_decode(&b));
        eprintln!("{s}: zune vs jpeg-decoder max |diff| {d}");
        assert!(d <= 8, "{s}: zune vs jpeg-decoder max |diff| {d}");
        assert!(mean_diff(&u8s(&read(&b, jpeg())), &u8s(&img)) < 4.0, "{s}");
    }

    let plain = write(&img, wopts().option("subsampling", "4:4:4"));
    let opt = write(
        &img,
        wopts()
            .option("subsampling", "4:4:4")
            .option("optimize", true),
    );
    assert!(opt.len() < plain.len(), "{} vs {}", opt.len(), plain.len());
    assert_eq!(
        jd_decode(&opt),
        jd_decode(&plain),
        "Huffman tables change no pixel"
    );
    let gray = NdImage::from_shape_vec(&[96, 128], u8s(&img).iter().step_by(3).copied().collect())
        .unwrap();
    let plain = write(&gray, wopts());
    let opt = write(&gray, wopts().option("optimize", true));
    assert!(
        opt.len() < plain.len(),
        "gray: {} vs {}",
        opt.len(),
        plain.len()
    );
    assert_eq!(
        jd_decode(&opt),
        jd_decode(&plain),
        "gray: Huffman tables change no pixel"
    );
    let jpeg_encoder = backend == "jpeg-encoder" || (backend == "auto" && !cfg!(feature = "turbo"));
    let r = imencode_with(&img, ".jpg", &wopts().option("optimize", true));
    if jpeg_encoder {
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Unsupported);
    } else {
        // libjpeg-turbo optimizes the tables of subsampled files too.
        let opt = r.unwrap();
        let plain = write(&img, wopts());
        assert!(opt.len() < plain.len(), "{} vs {}", opt.len(), plain.len());
        assert_eq!(
            jd_decode(&opt),
            jd_decode(&plain),
            "Huffman tables change no pixel"
        );
    }
}

/// jpeg-encoder 0.7.1 writes corrupt data with optimized Huffman tables and
/// subsampled chroma, so the plugin refuses that combination. When this
/// test fails, upstream fixed it: allow `optimize` with every subsampling.
#[test]
fn optimize_with_subsampling_is_broken_upstream() {
    let (w, h) = (1024usize, 1024usize);
    let mut s: u32 = 1;
    let px: Vec<u8> = (0..w * h * 3)
        .map(|i| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (((i / 3) % w) as u32 / 4 + (s >> 28)) as u8
        })
        .collect();
    let mut out = Vec::new();
    let mut e = jpeg_encoder::Encoder::new(&mut out, 90);
    e.set_optimized_huffman_tables(true);
    e.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    e.encode(&px, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let back = jd_decode(&out);
    assert!(
        max_diff(&back, &px) > 100,
        "jpeg-encoder's optimize + 4:2:0 works now"
    );
}

#[test]
fn metadata_options_round_trip() {
    for backend in write_backends() {
        eprintln!("{backend}");
        metadata_options_round_trip_with(backend);
    }
}

fn metadata_options_round_trip_with(backend: &str) {
    let img = photo(16, 16);
    let icc: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
    let o = wopts()
        .option("backend", backend)
        .option("exif", exif_orientation(6))
        .option("icc_profile", icc.clone())
        .option("dpi", 300.0)
        .option("comment", "made by imageio-rs");
    let b = write(&img, o);
    let m = immeta_with(&b[..], &jpeg()).unwrap();
    assert_eq!(m.get("orientation"), Some(&Value::Int(6)));
    assert_eq!(
        m.get("exif").and_then(Value::as_bytes),
        Some(&exif_orientation(6)[..])
    );
    assert_eq!(
        m.get("icc_profile").and_then(Value::as_bytes),
        Some(&icc[..]),
        "three APP2 chunks"
    );
    assert_eq!(
        m.get("dpi"),
        Some(&Value::List(vec![300.0.into(), 300.0.into()]))
    );
    assert_eq!(m.get("comment"), Some(&Value::from("made by imageio-rs")));
    // The comment does not disturb other decoders.
    assert_eq!(jd_decode(&b).len(), 16 * 16 * 3);
    let tags: &Metadata = m.get("exif_tags").and_then(Value::as_map).unwrap();
    assert!(tags.get("Orientation").is_some());
}

#[test]
fn alpha_needs_drop_alpha_and_depth_must_be_8() {
    let rgb = photo(8, 8);
    let v = u8s(&rgb);
    let rgba: Vec<u8> = v.chunks(3).flat_map(|p| [p[0], p[1], p[2], 7]).collect();
    let rgba = NdImage::from_shape_vec(&[8, 8, 4], rgba).unwrap();
    let e = imencode_with(&rgba, ".jpg", &wopts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.to_string().contains("drop_alpha"), "{e}");
    let dropped = write(&rgba, wopts().option("drop_alpha", true));
    assert_eq!(dropped, write(&rgb, wopts()));

    let wide = NdImage::zeros(&[8, 8, 3], DType::U16);
    let e = imencode_with(&wide, ".jpg", &wopts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    for (k, v) in [
        ("quality", Value::Int(0)),
        ("quality", Value::Int(101)),
        ("dpi", Value::Float(-1.0)),
    ] {
        let e = imencode_with(&rgb, ".jpg", &wopts().option(k, v)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidOption, "{k}");
    }
}

#[test]
fn progressive_scan_headers_of_length_0_or_1_fail_cleanly_at_every_scale() {
    // A progressive file whose first SOS declares length 0 or 1: the DC-only
    // walk of `scale=0.125` indexed past the segment and panicked.
    let px: Vec<u8> = (0..32 * 24 * 3).map(|i| (i * 7 % 251) as u8).collect();
    let mut file = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut file, 90);
    enc.set_progressive(true);
    enc.encode(&px, 32, 24, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let sos = file.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    for len in [0u8, 1] {
        let mut bad = file.clone();
        bad[sos + 2] = 0;
        bad[sos + 3] = len;
        for scale in [1.0, 0.5, 0.25, 0.125] {
            match imdecode_with(&bad, &jpeg().option("scale", scale)) {
                Ok(img) => assert_eq!(img.shape()[2], 3),
                Err(e) => assert_eq!(e.kind(), ErrorKind::Decode, "len {len} scale {scale}: {e}"),
            }
        }
    }
    // The intact file reads at 1/8 as 4x3.
    let img = imdecode_with(&file, &jpeg().option("scale", 0.125)).unwrap();
    assert_eq!(img.shape(), &[3, 4, 3]);
}
