//! The jxl plugin against libjxl: files written by imagecodecs
//! (libjxl 0.11) and cjxl (libjxl 0.7), compared with imagecodecs' decodes
//! (`tests/data`, made by `tests/data/make.py`; see its README), its
//! registration, its lossless writes, and hostile input.

use std::path::PathBuf;

use imageio::plugin::{plugin_by_name, Rank};
use imageio::{
    imdecode, imdecode_with, imencode, imencode_with, immeta, immeta_with, improps, improps_with,
    imread, imread_with, DType, ErrorKind, Index, Limits, NdImage, ReadOptions, Value,
    WriteOptions,
};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).unwrap()
}

/// imagecodecs' decode of `stem.jxl` (float16 widened to f32 by the npy plugin).
fn reference(stem: &str) -> NdImage {
    imread(data(&format!("{stem}.npy"))).unwrap()
}

/// The samples as f64, whatever the dtype.
fn samples(img: &NdImage) -> Vec<f64> {
    img.cast(DType::F64)
        .view::<f64>()
        .unwrap()
        .iter()
        .copied()
        .collect()
}

fn all() -> ReadOptions {
    ReadOptions::new().index(Index::All)
}

fn durations(m: &imageio::Metadata) -> Vec<f64> {
    match m.get("duration") {
        Some(Value::List(v)) => v.iter().map(|d| d.as_float().unwrap()).collect(),
        other => panic!("duration: {other:?}"),
    }
}

#[test]
fn registers_with_its_claims() {
    let info = plugin_by_name("jxl").expect("the plugin registers");
    assert_eq!(info.crate_name, "imageio-jxl");
    assert_eq!(info.read_extensions(), [".jxl"]);
    assert_eq!(info.write_extensions(), [".jxl"]);
    let read = info.read.as_ref().unwrap();
    assert_eq!(read.formats[0].format.name, "JXL");
    assert_eq!(read.formats[0].rank, Rank::DEDICATED);
    assert_eq!(
        info.write.as_ref().unwrap().formats[0].rank,
        Rank::DEDICATED
    );
    // Both signatures route without a name: the bare codestream and the container.
    for file in ["rgb8.jxl", "rgba8_container.jxl"] {
        let b = bytes(file);
        assert_eq!(
            imdecode(&b).unwrap(),
            reference(file.trim_end_matches(".jxl"))
        );
    }
    assert!(bytes("rgb8.jxl").starts_with(imageio_jxl::CODESTREAM_MAGIC));
    assert!(bytes("rgba8_container.jxl").starts_with(imageio_jxl::CONTAINER_MAGIC));
}

#[test]
fn lossless_stills_read_exactly_as_libjxl_decodes_them() {
    // (file, shape, dtype, bits_per_sample)
    let cases: &[(&str, &[usize], DType, i64)] = &[
        ("gray8", &[24, 32], DType::U8, 8),
        ("graya8", &[24, 32, 2], DType::U8, 8),
        ("rgb8", &[24, 32, 3], DType::U8, 8),
        ("rgba8_container", &[24, 32, 4], DType::U8, 8),
        ("rgb16", &[24, 32, 3], DType::U16, 16),
        ("graya16", &[24, 32, 2], DType::U16, 16),
        ("gray12", &[24, 32], DType::U16, 12),
        ("rgbaf32", &[24, 32, 4], DType::F32, 32),
        ("grayf16", &[24, 32], DType::F32, 16),
        ("rgb8_icc", &[24, 32, 3], DType::U8, 8),
    ];
    for &(stem, shape, dtype, bits) in cases {
        let file = data(&format!("{stem}.jxl"));
        let img = imread(&file).unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert_eq!((img.shape(), img.dtype()), (shape, dtype), "{stem}");
        let want = reference(stem);
        assert_eq!(want.shape(), shape, "{stem}: the reference");
        assert_eq!(samples(&img), samples(&want), "{stem}: samples");
        let props = improps(&file).unwrap();
        assert_eq!((&props.shape[..], props.dtype), (shape, dtype), "{stem}");
        let m = immeta(&file).unwrap();
        assert_eq!(
            m.get("bits_per_sample").and_then(Value::as_int),
            Some(bits),
            "{stem}"
        );
        assert_eq!(
            m.get("orientation").and_then(Value::as_int),
            Some(1),
            "{stem}"
        );
        assert_eq!(
            m.get("compression").and_then(Value::as_str),
            Some("modular"),
            "{stem}"
        );
        assert!(
            m.get("duration").is_none(),
            "{stem}: a still has no duration"
        );
        // Every file has a profile: embedded, or synthesised from the header.
        let icc = m.get("icc_profile").and_then(Value::as_bytes).unwrap();
        assert_eq!(&icc[36..40], b"acsp", "{stem}: an ICC profile");
    }
    // 12-bit samples as stored, not rescaled (the source's maximum is 3968).
    let g12 = imread(data("gray12.jxl")).unwrap();
    assert_eq!(samples(&g12).iter().cloned().fold(0.0, f64::max), 3968.0);
    // The float16 file says so.
    let m = immeta(data("grayf16.jxl")).unwrap();
    assert_eq!(m.get("exponent_bits").and_then(Value::as_int), Some(5));
}

#[test]
fn an_embedded_icc_profile_is_returned_as_is() {
    let m = immeta(data("rgb8_icc.jxl")).unwrap();
    let icc = m.get("icc_profile").and_then(Value::as_bytes).unwrap();
    assert_eq!(icc, &bytes("icc.icc")[..]);
}

/// A lossy (XYB) file whose embedded profile is no enum colour encoding
/// (sRGB primaries, gamma 1.8): the samples are converted to that profile
/// (by moxcms), as the encoder's source was, and the profile is reported.
/// imagecodecs' decode (libjxl without a CMS) renders sRGB instead, 35 off
/// on average, so the reference here is the source array; the tolerance
/// is that of lossy coding, far below that difference.
#[test]
fn a_lossy_file_with_an_icc_profile_reads_in_that_profile() {
    let img = imread(data("rgb8_icc_lossy.jxl")).unwrap();
    let (got, want) = (samples(&img), samples(&reference("rgb8_icc_lossy_source")));
    assert_eq!(got.len(), want.len());
    let diffs: Vec<f64> = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).collect();
    let max = diffs.iter().cloned().fold(0.0, f64::max);
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    eprintln!("rgb8_icc_lossy: max {max}, mean {mean:.4}");
    // Measured: mean 1.8, max 32 (the lossy coding of a 32x24 gradient).
    assert!(mean <= 3.0 && max <= 48.0, "max {max}, mean {mean}");
    let m = immeta(data("rgb8_icc_lossy.jxl")).unwrap();
    let icc = m.get("icc_profile").and_then(Value::as_bytes).unwrap();
    assert_eq!(icc, &bytes("icc18.icc")[..]);
}

/// Lossy (VarDCT, XYB) files: jxl-oxide's rendering against libjxl's.
/// Both render in f32 and round; measured here: at most 1 apart (mean 0.23
/// for u8, 0.03 for u16). Tolerated: 2 for u8 and 8 (of 65535) for u16,
/// mean 0.3 and 0.1, for float differences between SIMD paths.
#[test]
fn lossy_stills_read_within_tolerance_of_libjxl() {
    // (file, shape, dtype, max abs difference, max mean abs difference)
    let cases: &[(&str, &[usize], DType, f64, f64)] = &[
        ("rgb8_lossy", &[24, 32, 3], DType::U8, 2.0, 0.3),
        ("gray8_lossy", &[24, 32], DType::U8, 2.0, 0.3),
        ("rgba16_lossy", &[24, 32, 4], DType::U16, 8.0, 0.1),
    ];
    for &(stem, shape, dtype, max_tol, mean_tol) in cases {
        let file = data(&format!("{stem}.jxl"));
        let img = imread(&file).unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert_eq!((img.shape(), img.dtype()), (shape, dtype), "{stem}");
        let (got, want) = (samples(&img), samples(&reference(stem)));
        let diffs: Vec<f64> = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).collect();
        let max = diffs.iter().cloned().fold(0.0, f64::max);
        let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
        eprintln!("{stem}: max {max}, mean {mean:.4}");
        assert!(max <= max_tol, "{stem}: max difference {max} > {max_tol}");
        assert!(
            mean <= mean_tol,
            "{stem}: mean difference {mean} > {mean_tol}"
        );
        let m = immeta(&file).unwrap();
        assert_eq!(m.get("compression").and_then(Value::as_str), Some("vardct"));
    }
}

#[test]
fn animations_read_as_composited_frames_with_durations() {
    // (file, frames, shape of one frame, durations in ms, loop)
    type Case<'a> = (&'a str, usize, &'a [usize], &'a [f64], i64);
    let cases: &[Case<'_>] = &[
        // cjxl 0.7 does not carry the APNG's loop count (3): the file says 0.
        ("anim", 3, &[16, 24, 3], &[100.0, 200.0, 300.0], 0),
        ("anim_alpha", 4, &[16, 24, 4], &[50.0; 4], 0),
        ("anim_crop", 4, &[16, 24, 4], &[40.0, 80.0, 120.0, 160.0], 0),
    ];
    for &(stem, n, shape, ms, loops) in cases {
        let file = data(&format!("{stem}.jxl"));
        let stack = imread_with(&file, &all()).unwrap_or_else(|e| panic!("{stem}: {e}"));
        let mut want_shape = vec![n];
        want_shape.extend_from_slice(shape);
        assert_eq!(
            (stack.shape(), stack.dtype()),
            (&want_shape[..], DType::U8),
            "{stem}"
        );
        assert_eq!(
            stack,
            reference(stem),
            "{stem}: every frame as libjxl composites it"
        );
        let m = immeta_with(&file, &all()).unwrap();
        assert_eq!(durations(&m), ms, "{stem}");
        assert_eq!(m.get("loop").and_then(Value::as_int), Some(loops), "{stem}");
        assert_eq!(
            m.get("n_frames").and_then(Value::as_int),
            Some(n as i64),
            "{stem}"
        );
        let last = ReadOptions::new().index(Index::At(n - 1));
        let m = immeta_with(&file, &last).unwrap();
        assert_eq!(m.get("duration").and_then(Value::as_float), Some(ms[n - 1]));
        // Any frame alone, in any order, is the same frame.
        for i in (0..n).rev() {
            let one = imread_with(&file, &ReadOptions::new().index(Index::At(i))).unwrap();
            assert_eq!(one, stack.frame(i).unwrap(), "{stem}: frame {i}");
        }
        let past = imread_with(&file, &ReadOptions::new().index(Index::At(n)));
        assert_eq!(past.unwrap_err().kind(), ErrorKind::IndexOutOfRange);
    }
}

#[test]
fn the_orientation_is_reported_and_applied_on_request() {
    let file = data("orient6.jxl");
    // Stored pixels by default, as for EXIF orientation elsewhere...
    let img = imread(&file).unwrap();
    assert_eq!(img, reference("orient6_stored"));
    assert_eq!(img.shape(), [16, 24, 3]);
    assert_eq!(improps(&file).unwrap().shape, [16, 24, 3]);
    let m = immeta(&file).unwrap();
    assert_eq!(m.get("orientation").and_then(Value::as_int), Some(6));
    // ... turned as libjxl (imagecodecs' default) shows them with `rotate`.
    let rotate = ReadOptions::new().option("rotate", true);
    let turned = imread_with(&file, &rotate).unwrap();
    assert_eq!(turned, reference("orient6"));
    assert_eq!(improps_with(&file, &rotate).unwrap().shape, [24, 16, 3]);
    assert!(immeta_with(&file, &rotate)
        .unwrap()
        .get("orientation")
        .is_none());
    let bad = ReadOptions::new().option("rotate", "sideways");
    assert_eq!(
        imread_with(&file, &bad).unwrap_err().kind(),
        ErrorKind::InvalidOption
    );
}

#[test]
fn lossless_writes_read_back_exactly() {
    let gradient = |shape: &[usize], top: u32| -> Vec<u32> {
        let n: usize = shape.iter().product();
        (0..n as u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 7) % (top + 1))
            .collect()
    };
    // Small, odd, and several 256x256 groups.
    let shapes: &[&[usize]] = &[
        &[20, 30],
        &[20, 30, 2],
        &[20, 30, 3],
        &[20, 30, 4],
        &[2, 2],
        &[257, 300, 3],
    ];
    for &shape in shapes {
        let v8: Vec<u8> = gradient(shape, 255).into_iter().map(|v| v as u8).collect();
        let img = NdImage::from_shape_vec(shape, v8).unwrap();
        let enc = imencode(&img, ".jxl").unwrap();
        assert!(enc.starts_with(imageio_jxl::CODESTREAM_MAGIC));
        assert_eq!(imdecode(&enc).unwrap(), img, "u8 {shape:?}");
        let v16: Vec<u16> = gradient(shape, 65535)
            .into_iter()
            .map(|v| v as u16)
            .collect();
        let img = NdImage::from_shape_vec(shape, v16).unwrap();
        let channels = if shape.len() == 3 { shape[2] } else { 1 };
        if channels % 2 == 0 {
            // zune-jpegxl 0.5 declares the alpha of a 16-bit image 8-bit.
            let e = imencode(&img, ".jxl").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unsupported, "u16 {shape:?}: {e}");
            continue;
        }
        let enc = imencode(&img, ".jxl").unwrap();
        assert_eq!(imdecode(&enc).unwrap(), img, "u16 {shape:?}");
        let m = imageio::immeta(imageio::Uri::from(enc)).unwrap();
        assert_eq!(m.get("bits_per_sample").and_then(Value::as_int), Some(16));
    }
    // Files imagecodecs wrote, rewritten by the plugin, read the same.
    for stem in ["rgb16", "graya8", "rgba8_container", "gray12"] {
        let img = reference(stem);
        assert_eq!(
            imdecode(&imencode(&img, ".jxl").unwrap()).unwrap(),
            img,
            "{stem}"
        );
    }
}

#[test]
fn what_the_encoder_cannot_write_is_refused() {
    let f = NdImage::from_shape_vec(&[2, 2], vec![0.5f32; 4]).unwrap();
    assert_eq!(
        imencode(&f, ".jxl").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let five = NdImage::from_shape_vec(&[2, 2, 5], vec![0u8; 20]).unwrap();
    assert_eq!(
        imencode(&five, ".jxl").unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    let line = NdImage::from_shape_vec(&[1, 5], vec![7u8; 5]).unwrap();
    assert_eq!(
        imencode(&line, ".jxl").unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    let stack = NdImage::from_shape_vec(&[2, 4, 4, 3], vec![0u8; 96]).unwrap();
    let e = imencode_with(&stack, ".jxl", &WriteOptions::new().is_batch(true)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
}

#[test]
fn truncated_files_end_in_clean_errors() {
    for stem in ["rgb8", "rgba8_container", "rgb8_lossy", "anim", "orient6"] {
        let b = bytes(&format!("{stem}.jxl"));
        let hinted = ReadOptions::new().extension(".jxl");
        for cut in (0..b.len()).step_by(7) {
            let r = imdecode_with(&b[..cut], &hinted);
            let e = r
                .err()
                .unwrap_or_else(|| panic!("{stem} cut at {cut} reads"));
            assert!(
                matches!(e.kind(), ErrorKind::Decode | ErrorKind::NoPlugin),
                "{stem} cut at {cut}: {e}"
            );
            // Only a cut inside the signature is not routed here.
            let signature = if stem == "rgba8_container" || stem == "orient6" {
                12
            } else {
                2
            };
            assert_eq!(
                e.kind() == ErrorKind::NoPlugin,
                cut < signature,
                "{stem} cut at {cut}: {e}"
            );
        }
    }
}

#[test]
fn limits_are_checked_before_decoding() {
    let small = Limits {
        max_pixels: 500,
        ..Limits::default()
    };
    let e = imread_with(data("rgb8.jxl"), &ReadOptions::new().limits(small)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let tight = Limits {
        max_alloc: 1000,
        ..Limits::default()
    };
    let e = imread_with(data("rgb16.jxl"), &ReadOptions::new().limits(tight)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
}

/// The hostile inputs of the workspace's mutation and bomb runs, checked
/// here too.
#[path = "../../../tests/tests/formats/jxl.rs"]
mod hostile;

#[test]
fn bombs_are_refused_fast() {
    for (name, ext, b) in hostile::bombs() {
        let t = std::time::Instant::now();
        let e = imdecode_with(&b, &ReadOptions::new().extension(ext)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{name}: {e}");
        let e = improps(imageio::Uri::from(b)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{name}: {e}");
        assert!(t.elapsed().as_secs_f64() < 2.0, "{name}: {:?}", t.elapsed());
    }
    // Within the limits, a header with no frame is a clean decode error.
    let mut b = hostile::bombs().remove(0).2;
    b[2] = 0;
    let e = imdecode_with(&b, &ReadOptions::new().extension(".jxl")).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Decode | ErrorKind::LimitExceeded),
        "{e}"
    );
}

/// Every seed reads; its mutations (bytes flipped, cut, repeated) read or
/// fail cleanly, never with a panic (`Internal`).
#[test]
fn mutated_seeds_end_in_images_or_clean_errors() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (ext, seed) in hostile::seeds() {
        let hinted = ReadOptions::new().extension(&ext).index(Index::All);
        imdecode_with(&seed, &hinted).unwrap();
        for _ in 0..150 {
            let mut b = seed.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % b.len() as u64) as usize;
                match next() % 3 {
                    0 => b[at] ^= 1 << (next() % 8),
                    1 => b[at] = next() as u8,
                    _ => b.truncate(at.max(1)),
                }
            }
            if let Err(e) = imdecode_with(&b, &hinted) {
                assert!(
                    !matches!(e.kind(), ErrorKind::Internal),
                    "a mutation of a {} byte seed: {e}",
                    seed.len()
                );
            }
        }
    }
}
