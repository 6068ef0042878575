//! Round trips through the `gif` plugin, an independent decode by the `gif`
//! crate, limits and truncated files.

use std::borrow::Cow;

use imageio::ndarray::{Array3, Array4};
use imageio::{
    imencode_with, immeta, immeta_with, improps_with, imread_with, ErrorKind, ImageFile, Index,
    Limits, NdImage, ReadOptions, Uri, Value, WriteOptions,
};

fn ro() -> ReadOptions {
    ReadOptions::new().plugin("gif")
}

fn wo() -> WriteOptions {
    WriteOptions::new().plugin("gif")
}

/// Four 6x5 RGB frames of distinct flat colours with a marker pixel.
fn frames(n: usize) -> NdImage {
    let a = Array4::<u8>::from_shape_fn((n, 5, 6, 3), |(f, y, x, c)| {
        if y == f % 5 && x == 1 {
            255
        } else {
            (f * 40 + c * 20 + x) as u8
        }
    });
    NdImage::from(a)
}

fn ints(l: &[i64]) -> Value {
    Value::List(l.iter().map(|&v| v.into()).collect())
}

/// Durations as read back: ms as f64, like every animation plugin.
fn floats(l: &[i64]) -> Value {
    Value::List(l.iter().map(|&v| (v as f64).into()).collect())
}

#[test]
fn durations_and_frames_round_trip() {
    let durs = [10, 250, 0, 1000, 70];
    let stack = frames(5);
    let bytes = imencode_with(&stack, ".gif", &wo().option("duration", ints(&durs))).unwrap();
    let mut f = ImageFile::open_read(bytes.clone(), &ro()).unwrap();
    let m = f.metadata(Index::All).unwrap();
    assert_eq!(m.get("duration"), Some(&floats(&durs)));
    assert_eq!(m.get("n_images"), Some(&Value::Int(5)));
    assert_eq!(f.n_images().unwrap(), Some(5));
    for (i, d) in durs.iter().enumerate() {
        let mi = f.metadata(Index::At(i)).unwrap();
        assert_eq!(
            mi.get("duration"),
            Some(&Value::Float(*d as f64)),
            "frame {i}"
        );
    }
    // Few colours per frame: the palette is exact, pixels come back as written.
    let all = imread_with(bytes, &ro().index(Index::All)).unwrap();
    assert_eq!(all, stack);
}

#[test]
fn repeated_writes_stream_frames() {
    let stack = frames(3);
    let durs = [30, 40, 500];
    let opts = wo().option("duration", ints(&durs)).option("loop", 3);
    let mut f = ImageFile::open_write(Uri::memory(".gif"), &opts).unwrap();
    for i in 0..3 {
        f.write(stack.frame(i).unwrap()).unwrap();
    }
    let bytes = f.close().unwrap().unwrap();
    let m = ImageFile::open_read(bytes.clone(), &ro())
        .unwrap()
        .metadata(Index::All)
        .unwrap();
    assert_eq!(m.get("duration"), Some(&floats(&durs)));
    let m0 = immeta_with(bytes.clone(), &ro()).unwrap();
    assert_eq!(m0.get("duration"), Some(&Value::Float(30.0)));
    assert_eq!(m.get("loop"), Some(&Value::Int(3)));
    assert_eq!(m.get("loop_present"), Some(&Value::Bool(true)));
    for i in 0..3 {
        let img = imread_with(bytes.clone(), &ro().index(Index::At(i))).unwrap();
        assert_eq!(img, stack.frame(i).unwrap());
    }
}

#[test]
fn independent_decoder_sees_frames_and_delays() {
    let durs = [20, 100, 330, 0];
    let bytes = imencode_with(&frames(4), ".gif", &wo().option("duration", ints(&durs))).unwrap();
    let mut o = gif::DecodeOptions::new();
    o.set_color_output(gif::ColorOutput::RGBA);
    let mut d = o.read_info(&bytes[..]).unwrap();
    assert_eq!((d.width(), d.height()), (6, 5));
    let mut delays = Vec::new();
    while let Some(fr) = d.read_next_frame().unwrap() {
        assert_eq!((fr.width, fr.height), (6, 5));
        delays.push(fr.delay as i64 * 10);
    }
    assert_eq!(delays, durs);
    assert_eq!(d.repeat(), gif::Repeat::Infinite);
}

#[test]
fn loop_round_trip_and_absent_loop() {
    let one = frames(2);
    for (opt, want) in [(None, 0), (Some(0), 0), (Some(1), 1), (Some(7), 7)] {
        let o = match opt {
            Some(l) => wo().option("loop", l),
            None => wo(),
        };
        let bytes = imencode_with(&one, ".gif", &o).unwrap();
        let m = immeta(bytes).unwrap();
        assert_eq!(m.get("loop"), Some(&Value::Int(want)), "{opt:?}");
    }
    // A file without a NETSCAPE block plays once: `loop` absent.
    let mut bytes = Vec::new();
    {
        let mut e = gif::Encoder::new(&mut bytes, 2, 2, &[0, 0, 0, 255, 255, 255]).unwrap();
        e.write_frame(&gif::Frame {
            width: 2,
            height: 2,
            buffer: Cow::Owned(vec![0, 1, 1, 0]),
            ..gif::Frame::default()
        })
        .unwrap();
    }
    let m = immeta(bytes.clone()).unwrap();
    assert_eq!(m.get("loop"), None);
    assert_eq!(m.get("loop_present"), Some(&Value::Bool(false)));
    let img = imread_with(bytes, &ro())
        .unwrap()
        .into_array::<u8>()
        .unwrap();
    assert_eq!(img.shape(), &[2, 2, 3]);
    assert_eq!(img[[0, 1, 0]], 255);
    assert_eq!(img[[0, 0, 0]], 0);
}

#[test]
fn transparency_round_trip() {
    let a = Array3::<u8>::from_shape_fn((4, 5, 4), |(y, x, c)| match c {
        3 => {
            if (x + y) % 3 == 0 {
                0
            } else {
                255
            }
        }
        _ => (x * 50 + c * 7) as u8,
    });
    let bytes = imencode_with(&NdImage::from(a.clone()), ".gif", &wo()).unwrap();
    let got = imread_with(bytes, &ro())
        .unwrap()
        .into_array::<u8>()
        .unwrap();
    assert_eq!(got.shape(), &[4, 5, 4]);
    for ((y, x, c), v) in a.indexed_iter() {
        let g = got[[y, x, c]];
        if a[[y, x, 3]] == 0 {
            if c == 3 {
                assert_eq!(g, 0, "({y}, {x}) transparent");
            }
        } else {
            assert_eq!(g, *v, "({y}, {x}, {c})");
        }
    }
}

/// A file or directory of the shared corpus (`IMAGEIO_CORPUS`, else beside
/// the workspace), when it is there.
fn corpus(rel: &str) -> Option<std::path::PathBuf> {
    let test = std::thread::current().name().unwrap_or("gif").to_owned();
    let p = imageio::test_corpus::for_test(&test, "")?.join(rel);
    p.exists().then_some(p)
}

#[test]
fn sequential_and_random_access_agree() {
    let Some(bytes) = corpus("gif/pillow_dispose_prev.gif").and_then(|p| std::fs::read(p).ok())
    else {
        eprintln!("corpus not found: skipped");
        return;
    };
    let all = imread_with(bytes.clone(), &ro().index(Index::All)).unwrap();
    let n = all.shape()[0];
    let mut f = ImageFile::open_read(bytes, &ro()).unwrap();
    for i in (0..n).rev().chain(0..n).chain([2, 2, 4, 1]) {
        assert_eq!(
            f.read(Index::At(i)).unwrap(),
            all.frame(i).unwrap(),
            "frame {i}"
        );
    }
    let e = f.read(Index::At(n)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IndexOutOfRange);
}

#[test]
fn huge_screen_is_refused_by_limits() {
    let mut bytes = Vec::new();
    {
        let mut e = gif::Encoder::new(&mut bytes, 60000, 60000, &[0, 0, 0, 255, 255, 255]).unwrap();
        e.write_frame(&gif::Frame {
            width: 1,
            height: 1,
            buffer: Cow::Owned(vec![1]),
            ..gif::Frame::default()
        })
        .unwrap();
    }
    assert!(bytes.len() < 100);
    let e = imread_with(bytes.clone(), &ro()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let e = improps_with(bytes.clone(), &ro()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // Smaller limits apply too.
    let small = frames(1);
    let ok = imencode_with(&small, ".gif", &wo()).unwrap();
    let tight = Limits {
        max_pixels: 10,
        ..Limits::default()
    };
    let e = imread_with(ok, &ro().limits(tight)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
}

#[test]
fn truncated_files_end_cleanly() {
    let bytes = imencode_with(&frames(3), ".gif", &wo()).unwrap();
    for cut in 0..bytes.len() - 1 {
        let r = imread_with(bytes[..cut].to_vec(), &ro().index(Index::All));
        if let Err(e) = r {
            assert!(
                !matches!(e.kind(), ErrorKind::Internal),
                "cut at {cut}: {e}"
            );
        }
    }
    let e = imread_with(bytes[..40].to_vec(), &ro()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Decode | ErrorKind::Io), "{e}");
}

#[test]
fn frame_size_change_is_an_error() {
    let mut f = ImageFile::open_write(Uri::memory(".gif"), &wo()).unwrap();
    f.write(NdImage::from(Array3::<u8>::zeros((4, 4, 3))))
        .unwrap();
    let e = f
        .write(NdImage::from(Array3::<u8>::zeros((5, 4, 3))))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("first frame"), "{e}");
}

/// A smooth photo-like gradient, more colours than a palette holds.
fn gradient(h: usize, w: usize) -> Array3<u8> {
    Array3::from_shape_fn((h, w, 3), |(y, x, c)| {
        let (fy, fx) = (y as f64 / h as f64, x as f64 / w as f64);
        let v = match c {
            0 => fx,
            1 => fy,
            _ => 0.5 + 0.5 * ((fx * 6.0).sin() * (fy * 4.0).cos()),
        };
        (v * 255.0).round() as u8
    })
}

fn psnr(a: &Array3<u8>, b: &Array3<u8>) -> f64 {
    let mse = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    10.0 * (255.0f64 * 255.0 / mse.max(1e-12)).log10()
}

#[test]
fn quantizers_palette_sizes_and_dither() {
    let src = gradient(64, 80);
    for q in ["neuquant", "kmeans"] {
        for (size, min_psnr) in [(256usize, 20.0), (16, 12.0), (2, 5.0)] {
            for dither in [false, true] {
                let o = wo()
                    .option("quantizer", q)
                    .option("palette_size", size)
                    .option("dither", dither);
                let bytes = imencode_with(&NdImage::from(src.clone()), ".gif", &o).unwrap();
                let mut d = gif::DecodeOptions::new().read_info(&bytes[..]).unwrap();
                d.next_frame_info().unwrap();
                let pal = d.palette().unwrap().len() / 3;
                assert!(pal <= size.next_power_of_two().max(2), "{q} {size}: {pal}");
                let got = imread_with(bytes, &ro())
                    .unwrap()
                    .into_array::<u8>()
                    .unwrap();
                let got = got.into_dimensionality().unwrap();
                let p = psnr(&src, &got);
                assert!(p > min_psnr, "{q} size {size} dither {dither}: PSNR {p:.1}");
            }
        }
    }
    let e = imencode_with(
        &NdImage::from(src),
        ".gif",
        &wo().option("palette_size", 300),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption);
}

#[test]
fn frames_outside_the_screen_are_clipped() {
    let mut bytes = Vec::new();
    {
        let pal = [0, 0, 0, 255, 0, 0, 0, 255, 0];
        let mut e = gif::Encoder::new(&mut bytes, 4, 3, &pal).unwrap();
        // 3x3 red frame at (2, 1): one column and one row stick out.
        e.write_frame(&gif::Frame {
            left: 2,
            top: 1,
            width: 3,
            height: 3,
            buffer: Cow::Owned(vec![1; 9]),
            ..gif::Frame::default()
        })
        .unwrap();
        // Entirely outside: nothing drawn; dispose-previous is a no-op.
        e.write_frame(&gif::Frame {
            left: 10,
            top: 10,
            width: 2,
            height: 2,
            buffer: Cow::Owned(vec![2; 4]),
            ..gif::Frame::default()
        })
        .unwrap();
    }
    let all = imread_with(bytes, &ro().index(Index::All))
        .unwrap()
        .into_array::<u8>()
        .unwrap();
    // The first frame does not cover the screen: RGBA, unpainted pixels
    // transparent black.
    assert_eq!(all.shape(), &[2, 3, 4, 4]);
    for f in 0..2 {
        for y in 0..3 {
            for x in 0..4 {
                let inside = x >= 2 && y >= 1;
                let want = if inside { 255 } else { 0 };
                assert_eq!(all[[f, y, x, 0]], want, "frame {f} ({y}, {x})");
                assert_eq!(all[[f, y, x, 1]], 0);
                assert_eq!(all[[f, y, x, 3]], want, "alpha, frame {f} ({y}, {x})");
            }
        }
    }
}

#[test]
fn malformed_corpus_files_end_cleanly() {
    let Some(entries) = corpus("malformed").and_then(|d| std::fs::read_dir(d).ok()) else {
        eprintln!("corpus not found: skipped");
        return;
    };
    let mut seen = 0;
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("gif") {
            continue;
        }
        seen += 1;
        if let Err(e) = imread_with(&p, &ro().index(Index::All)) {
            assert_ne!(e.kind(), ErrorKind::Internal, "{}: {e}", p.display());
        }
        if p.ends_with("pillow_decompression_bomb.gif") {
            // A 65535x1321 frame at y = 65280 on a 32x32 screen, cut after
            // its header: within the default limits, so a decode error.
            let e = imread_with(&p, &ro()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        }
    }
    assert!(seen >= 5, "{seen} malformed GIFs");
}

#[test]
fn registers_gif_on_the_v2_contract() {
    use imageio_core::plugin::{plugin_by_name, Rank};
    let info = plugin_by_name("gif").unwrap();
    assert_eq!(info.crate_name, "imageio-gif");
    let read = info.read.as_ref().expect("a read entry");
    let write = info.write.as_ref().expect("a write entry");
    for (dir, claims) in [("read", read.formats), ("write", write.formats)] {
        assert_eq!(claims.len(), 1, "{dir}");
        assert_eq!(claims[0].format.name, "GIF", "{dir}");
        assert_eq!(claims[0].format.extensions, [".gif"], "{dir}");
        assert_eq!(claims[0].rank, Rank::DEDICATED, "{dir}");
        assert!(claims[0].format.sniff(b"GIF87a") && claims[0].format.sniff(b"GIF89a"));
    }
    assert!(read.options.is_empty());
    let names: Vec<&str> = write.options.iter().map(|o| o.name).collect();
    assert_eq!(
        names,
        ["duration", "loop", "palette_size", "dither", "quantizer"]
    );

    // Through the verbs: the content decides whatever the name says, a
    // `.gif` target is written by this plugin, and content that is not a GIF
    // is not offered to it.
    let bytes = imencode_with(&frames(2), ".gif", &WriteOptions::new()).unwrap();
    assert_eq!(&bytes[..6], b"GIF89a");
    let f = ImageFile::open_read(bytes.clone(), &ReadOptions::new()).unwrap();
    assert_eq!(f.plugin_name(), "gif");
    let f = ImageFile::open_read(bytes.clone(), &ReadOptions::new().extension(".png")).unwrap();
    assert_eq!(f.plugin_name(), "gif", "found by the signature");
    let img = imread_with(
        bytes,
        &ReadOptions::new().extension(".gif").index(Index::At(1)),
    );
    assert_eq!(img.unwrap(), frames(2).frame(1).unwrap());
    let f = ImageFile::open_write(Uri::memory(".gif"), &WriteOptions::new()).unwrap();
    assert_eq!(f.plugin_name(), "gif");
    let e = imread_with(&b"\x89PNG\r\n\x1a\n"[..], &ro().extension(".gif")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
    // Named, it still writes only what it claims (as the old opener did).
    let e = imencode_with(&frames(1), ".png", &wo()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
}
