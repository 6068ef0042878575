//! The WebP plugin against files Pillow wrote (`tests/data/make.py`),
//! compared with Pillow's own decode of them: exactly, lossy files included
//! (Pillow 13 links libwebp 1.6.0, the version libwebp-sys 0.14.4 builds);
//! animations composited as libwebp's `WebPAnimDecoder` does, with the
//! canvas rule for RGB vs RGBA; writing (lossless exact, lossy options,
//! animations); registration; limits and hostile input.

use std::path::PathBuf;

use imageio::plugin::{plugin_by_name, Rank};
use imageio::{
    imdecode, imdecode_with, imencode, imencode_with, immeta, improps, improps_with, imread,
    imread_with, DType, ErrorKind, Index, IoMode, Limits, NdImage, ReadOptions, Value,
    WriteOptions,
};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Pillow's decode of a test file (the `.npy` beside it).
fn reference(stem: &str) -> NdImage {
    imread(data(&format!("{stem}.npy"))).unwrap()
}

fn u8s(img: &NdImage) -> Vec<u8> {
    img.as_bytes().expect("u8 samples").to_vec()
}

/// Drops the alpha channel of an RGBA stack, checking it is opaque.
fn opaque_rgb(rgba: &NdImage) -> Vec<u8> {
    let b = u8s(rgba);
    assert!(
        b.chunks_exact(4).all(|p| p[3] == 255),
        "the reference is not opaque"
    );
    b.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect()
}

#[test]
fn registers_with_its_claims() {
    let _ = imageio_webp::libwebp_version();
    let info = plugin_by_name("webp").expect("the plugin registers");
    assert_eq!(info.crate_name, "imageio-webp");
    assert_eq!(info.read_extensions(), [".webp"]);
    assert_eq!(info.write_extensions(), [".webp"]);
    assert_eq!(info.read.as_ref().unwrap().formats[0].rank, Rank::DEDICATED);
    assert_eq!(
        info.write.as_ref().unwrap().formats[0].rank,
        Rank::DEDICATED
    );
    assert_eq!(imageio_webp::libwebp_version(), "1.6.0");
    // Routing prefers it to pillowlike (linked here too) for reads and writes.
    let f = imageio::imopen(data("lossy.webp"), IoMode::Read).unwrap();
    assert_eq!(f.plugin_name(), "webp");
    let f = imageio::imopen(imageio::Uri::memory(".webp"), IoMode::Write).unwrap();
    assert_eq!(f.plugin_name(), "webp");
}

#[test]
fn still_files_read_as_pillow_decodes_them() {
    for (stem, shape, compression) in [
        ("lossy", [24usize, 40, 3], "lossy"),
        ("lossless", [24, 40, 3], "lossless"),
        ("alpha_lossy", [24, 40, 4], "lossy"),
        ("alpha_lossless", [24, 40, 4], "lossless"),
    ] {
        let file = data(&format!("{stem}.webp"));
        let img = imread(&file).unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert_eq!(
            (img.dtype(), img.shape()),
            (DType::U8, &shape[..]),
            "{stem}"
        );
        // Exact, lossy included: the same libwebp decodes both.
        assert_eq!(img, reference(stem), "{stem}: pixels differ from Pillow's");
        let p = improps(&file).unwrap();
        assert_eq!((p.shape, p.dtype), (shape.to_vec(), DType::U8), "{stem}");
        let m = immeta(&file).unwrap();
        assert_eq!(
            m.get("compression").and_then(Value::as_str),
            Some(compression)
        );
        assert!(m.get("n_frames").is_none(), "{stem}");
    }
}

#[test]
fn an_opaque_animation_reads_as_rgb_frames_composited_by_libwebp() {
    let file = data("anim_opaque.webp");
    let img = imread_with(&file, &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(img.shape(), [3, 16, 24, 3]);
    assert_eq!(u8s(&img), opaque_rgb(&reference("anim_opaque")));
    assert_eq!(improps(&file).unwrap().shape, [16, 24, 3]);
    let mut f = imageio::imopen(&file, IoMode::Read).unwrap();
    let m = f.metadata(Index::All).unwrap();
    assert_eq!(m.get("loop").and_then(Value::as_int), Some(2));
    assert_eq!(
        m.get("compression").and_then(Value::as_str),
        Some("lossless")
    );
    assert_eq!(m.get("n_frames").and_then(Value::as_int), Some(3));
    let d = durations(&m);
    assert_eq!(d, [100.0, 200.0, 300.0]);
}

#[test]
fn a_transparent_animation_reads_as_rgba_in_any_order() {
    let file = data("anim_alpha.webp");
    let all = imread_with(&file, &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(all.shape(), [3, 16, 24, 4]);
    let want = reference("anim_alpha");
    assert_eq!(all, want);
    // Backwards and skipping: the decoder restarts and continues.
    let mut f = imageio::imopen(&file, IoMode::Read).unwrap();
    assert_eq!(f.n_images().unwrap(), Some(3));
    for i in [2usize, 0, 1, 2, 1] {
        assert_eq!(
            f.read(Index::At(i)).unwrap(),
            want.frame(i).unwrap(),
            "frame {i}"
        );
    }
    let e = f.read(Index::At(3)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IndexOutOfRange, "{e}");
    let m = f.metadata(Index::At(1)).unwrap();
    assert_eq!(m.get("duration").and_then(Value::as_float), Some(50.0));
    assert_eq!(m.get("loop").and_then(Value::as_int), Some(0));
    assert_eq!(m.get("compression").and_then(Value::as_str), Some("lossy"));
}

fn sample(channels: usize, h: usize, w: usize) -> NdImage {
    let v: Vec<u8> = (0..h * w * channels)
        .map(|i| (i * 37 % 251) as u8)
        .collect();
    let shape: Vec<usize> = if channels == 1 {
        vec![h, w]
    } else {
        vec![h, w, channels]
    };
    NdImage::from_shape_vec(&shape, v).unwrap()
}

fn lossless() -> WriteOptions {
    WriteOptions::new().option("lossless", true)
}

#[test]
fn lossless_writes_read_back_exactly() {
    for c in [3, 4] {
        let img = sample(c, 13, 17);
        let bytes = imencode_with(&img, ".webp", &lossless()).unwrap();
        assert_eq!(&bytes[8..12], b"WEBP");
        assert_eq!(imdecode(&bytes).unwrap(), img, "{c} channels");
    }
    // Gray is written as RGB, gray + alpha as RGBA.
    let gray = sample(1, 5, 6);
    let back = imdecode(&imencode_with(&gray, ".webp", &lossless()).unwrap()).unwrap();
    assert_eq!(back.shape(), [5, 6, 3]);
    let g = u8s(&gray);
    assert_eq!(
        u8s(&back),
        g.iter().flat_map(|&v| [v, v, v]).collect::<Vec<_>>()
    );
    let la = sample(2, 5, 6);
    let back = imdecode(&imencode_with(&la, ".webp", &lossless()).unwrap()).unwrap();
    assert_eq!(back.shape(), [5, 6, 4]);
}

#[test]
fn lossy_writes_are_the_bytes_pillow_writes() {
    // Same libwebp encoder, same settings (Pillow's defaults: method 4,
    // exact off for lossy): the same file, byte for byte.
    for (stem, quality) in [("lossy", 80i64), ("alpha_lossy", 70)] {
        let src = reference(&format!("{stem}_source"));
        let o = WriteOptions::new().option("quality", quality);
        let ours = imencode_with(&src, ".webp", &o).unwrap();
        let pillow = std::fs::read(data(&format!("{stem}.webp"))).unwrap();
        assert!(ours == pillow, "{stem}: our encode differs from Pillow's");
    }
    let src = reference("lossy_source");
    assert_eq!(
        imencode(&src, ".webp").unwrap(),
        std::fs::read(data("lossy.webp")).unwrap(),
        "quality 80 is the default"
    );
}

#[test]
fn lossy_writes_follow_quality_and_method() {
    // A smooth image: lossy coding keeps it close.
    let (h, w) = (24usize, 40usize);
    let px: Vec<u8> = (0..h * w)
        .flat_map(|i| {
            let (y, x) = (i / w, i % w);
            [(x * 6) as u8, (y * 10) as u8, ((x + y) * 4) as u8]
        })
        .collect();
    let img = NdImage::from_shape_vec(&[h, w, 3], px).unwrap();
    let size = |q: i64, m: i64| {
        let o = WriteOptions::new().option("quality", q).option("method", m);
        imencode_with(&img, ".webp", &o).unwrap().len()
    };
    assert!(size(10, 4) < size(95, 4), "lower quality, smaller file");
    // The default quality is 80 (Pillow's), and lossy is the default.
    let default = imencode(&img, ".webp").unwrap();
    assert_eq!(default.len(), size(80, 4));
    assert_eq!(&default[12..16], b"VP8 ");
    let back = imdecode(&default).unwrap();
    assert_eq!(back.shape(), img.shape());
    let max_diff = u8s(&back)
        .iter()
        .zip(u8s(&img))
        .map(|(&a, b)| a.abs_diff(b))
        .max()
        .unwrap();
    assert!(max_diff > 0 && max_diff < 24, "lossy: {max_diff}");
    for (key, v) in [
        ("quality", Value::from(101i64)),
        ("method", Value::from(7i64)),
    ] {
        let e = imencode_with(&img, ".webp", &WriteOptions::new().option(key, v)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    }
    let wide = NdImage::from_shape_vec(&[1, 1], vec![1u16]).unwrap();
    let e = imencode(&wide, ".webp").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
}

#[test]
fn animations_are_written_with_durations_and_loop() {
    let frames: Vec<NdImage> = (0..3)
        .map(|k| {
            let mut f = sample(3, 8, 10);
            f.as_bytes_mut().unwrap()[..30].fill(k * 80);
            f
        })
        .collect();
    let stack = NdImage::stack(&frames).unwrap();
    let o = lossless()
        .option(
            "duration",
            Value::List(vec![40.into(), 80.into(), 120.into()]),
        )
        .option("loop", 3i64);
    let bytes = imencode_with(&stack, ".webp", &o).unwrap();
    let all = imdecode_with(&bytes, &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(
        all, stack,
        "opaque lossless frames read back exactly, as RGB"
    );
    let mut f = imageio::imopen(bytes.as_slice(), IoMode::Read).unwrap();
    let m = f.metadata(Index::All).unwrap();
    assert_eq!(m.get("loop").and_then(Value::as_int), Some(3));
    let d = durations(&m);
    assert_eq!(d, [40.0, 80.0, 120.0]);
    // RGBA frames with transparency read back as RGBA, exactly.
    let rgba: Vec<NdImage> = (0..3u8)
        .map(|k| {
            let mut f = sample(4, 8, 10);
            let b = f.as_bytes_mut().unwrap();
            b[..40].fill(k * 60);
            for px in b.chunks_exact_mut(4).skip(20).take(10) {
                px[3] = 0;
            }
            f
        })
        .collect();
    let stack = NdImage::stack(&rgba).unwrap();
    let bytes = imencode_with(&stack, ".webp", &lossless()).unwrap();
    let all = imdecode_with(&bytes, &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(all, stack, "RGBA lossless frames read back exactly");
    // Frames of different sizes do not make an animation.
    let e = imageio::imopen(imageio::Uri::memory(".webp"), IoMode::Write)
        .and_then(|mut w| {
            w.write(&frames[0])?;
            w.write(sample(3, 4, 4))
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
}

#[test]
fn truncated_files_end_in_clean_errors() {
    for stem in [
        "lossy",
        "lossless",
        "alpha_lossy",
        "anim_opaque",
        "anim_alpha",
    ] {
        let bytes = std::fs::read(data(&format!("{stem}.webp"))).unwrap();
        for cut in [13, 20, 30, 40, bytes.len() / 2, bytes.len() - 1] {
            let o = ReadOptions::new().plugin("webp").index(Index::All);
            match imdecode_with(&bytes[..cut], &o) {
                Err(e) => assert!(e.kind() == ErrorKind::Decode, "{stem} cut at {cut}: {e}"),
                Ok(img) => panic!("{stem} cut at {cut} read as {:?}", img.shape()),
            }
        }
    }
}

#[test]
fn mutated_files_end_in_images_or_clean_errors() {
    // Deterministic byte changes over every test file: libwebp must decode
    // or refuse, never crash; the plugin never reports Internal.
    let mut state = 0x2545_f491_u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as usize
    };
    for stem in [
        "lossy",
        "lossless",
        "alpha_lossy",
        "alpha_lossless",
        "anim_opaque",
        "anim_alpha",
    ] {
        let bytes = std::fs::read(data(&format!("{stem}.webp"))).unwrap();
        for _ in 0..150 {
            let mut b = bytes.clone();
            for _ in 0..1 + next() % 4 {
                let at = 12 + next() % (b.len() - 12);
                b[at] = next() as u8;
            }
            let o = ReadOptions::new().plugin("webp").index(Index::All);
            if let Err(e) = imdecode_with(&b, &o) {
                assert!(
                    matches!(e.kind(), ErrorKind::Decode | ErrorKind::LimitExceeded),
                    "{stem}: {e}"
                );
            }
        }
    }
}

/// A RIFF/WEBP file holding a VP8X header for a `w` x `h` canvas
/// (`flags`: 0x02 animation, 0x10 alpha) and then `rest`.
fn vp8x(w: u32, h: u32, flags: u8, rest: &[u8]) -> Vec<u8> {
    let mut body = b"WEBPVP8X".to_vec();
    body.extend(10u32.to_le_bytes());
    body.extend([flags, 0, 0, 0]);
    body.extend(&(w - 1).to_le_bytes()[..3]);
    body.extend(&(h - 1).to_le_bytes()[..3]);
    body.extend(rest);
    let mut f = b"RIFF".to_vec();
    f.extend((body.len() as u32).to_le_bytes());
    f.extend(body);
    f
}

#[test]
fn a_huge_canvas_is_refused_before_allocating() {
    // An animation canvas of 2^16 x 2^15 pixels: refused from the header.
    let mut anim = b"ANIM".to_vec();
    anim.extend(6u32.to_le_bytes());
    anim.extend([0, 0, 0, 0, 0, 0]);
    let huge = vp8x(1 << 16, 1 << 15, 0x02, &anim);
    let webp = || ReadOptions::new().plugin("webp");
    let e = imdecode_with(&huge, &webp()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let e = improps_with(huge.as_slice(), &webp()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // A real still file against tight limits.
    let small = Limits {
        max_pixels: 100,
        ..Limits::default()
    };
    let e = imread_with(data("lossless.webp"), &webp().limits(small)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // 2^24 x 2^24, past what the format allows: libwebp refuses it.
    let e = imdecode_with(&vp8x(1 << 24, 1 << 24, 0x02, &anim), &webp()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    // A still VP8X header with nothing after it.
    let e = imdecode_with(&vp8x(16000, 16000, 0, &[]), &webp()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
}

/// The per-frame `duration` list of file-level metadata, in ms.
fn durations(m: &imageio::Metadata) -> Vec<f64> {
    m.get("duration")
        .and_then(Value::as_list)
        .expect("a list of durations")
        .iter()
        .map(|v| v.as_float().unwrap())
        .collect()
}
