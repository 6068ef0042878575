//! The ffmpeg plugin: exact random access (mp4, mkv, webm, avi, ts), write ->
//! read round trips, writing to and reading from memory, pixel formats,
//! metadata, limits and devices.

use imageio_core::{
    imdecode_with, imencode_with, immeta_with, improps_with, imread_with, imwrite_with, ErrorKind,
    ImageFile, Index, IoMode, Limits, Metadata, NdImage, ReadOptions, Value, WriteOptions,
};
use std::path::{Path, PathBuf};

const W: usize = 64;
const H: usize = 48;

/// Makes sure the plugin is linked (its `inventory` registration).
fn link() {
    let _ = imageio_ffmpeg::open_read;
}

/// The shared corpus (`IMAGEIO_CORPUS`, default `../shared/corpus` beside
/// the workspace).
fn corpus_root() -> PathBuf {
    imageio_core::test_corpus::root()
}

/// True when the corpus is there; otherwise says that `test` skips.
fn corpus_present(test: &str) -> bool {
    imageio_core::test_corpus::for_test(test, "video").is_some()
}

fn corpus(name: &str) -> PathBuf {
    corpus_root().join("video").join(name)
}

/// Frame `k` of a synthetic clip: a smooth gradient plus a bright square
/// that moves with `k`, so that every frame differs from its neighbours.
fn frame(k: usize) -> Vec<u8> {
    let mut v = vec![0u8; H * W * 3];
    let (sx, sy) = ((k * 3) % (W - 12), (k * 2) % (H - 12));
    for y in 0..H {
        for x in 0..W {
            let i = (y * W + x) * 3;
            let inside = x >= sx && x < sx + 12 && y >= sy && y < sy + 12;
            v[i] = if inside { 240 } else { (x * 3) as u8 };
            v[i + 1] = if inside { 230 } else { (y * 4) as u8 };
            v[i + 2] = if inside {
                30
            } else {
                ((x + y + k) % 128) as u8 + 60
            };
        }
    }
    v
}

fn stack(n: usize) -> NdImage {
    let mut all = Vec::with_capacity(n * H * W * 3);
    for k in 0..n {
        all.extend(frame(k));
    }
    NdImage::from_shape_vec(&[n, H, W, 3], all).unwrap()
}

/// Writes an `n`-frame clip at 24 fps with a keyframe every 10 frames.
fn write_clip(dir: &Path, ext: &str, n: usize) -> PathBuf {
    let p = dir.join(format!("clip{ext}"));
    let codec_options: Metadata = [("g", "10")].into_iter().collect();
    let opts = WriteOptions::new()
        .option("fps", 24.0)
        .option("quality", 8.0)
        .option("codec_options", codec_options);
    imwrite_with(&p, &stack(n), &opts.is_batch(true)).unwrap();
    p
}

fn psnr(a: &NdImage, b: &NdImage) -> f64 {
    let (a, b) = (a.as_bytes().unwrap(), b.as_bytes().unwrap());
    assert_eq!(a.len(), b.len());
    let mse: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    10.0 * (255.0f64 * 255.0 / mse.max(1e-12)).log10()
}

/// Frame k read by index equals frame k read by iteration, for k read out of
/// order (forward jumps that seek, backward jumps, sequential steps).
fn check_random_access(path: &Path, n: usize) {
    let mut f = ImageFile::open_read(path, &ReadOptions::new()).unwrap();
    assert_eq!(f.n_images().unwrap(), Some(n), "{}", path.display());
    let frames: Vec<NdImage> = f.iter().map(|r| r.unwrap()).collect();
    assert_eq!(frames.len(), n, "{}", path.display());
    let mut f = ImageFile::open_read(path, &ReadOptions::new()).unwrap();
    let order = [
        n - 1,
        3,
        4,
        n / 2,
        n / 2 + 1,
        61.min(n - 1),
        0,
        n - 2,
        17,
        93.min(n - 1),
    ];
    for &k in &order {
        let img = f.read(Index::At(k)).unwrap();
        assert!(
            img == frames[k],
            "{}: frame {k} by index differs from iteration",
            path.display()
        );
    }
    // Fresh handles too: the first read is a seek.
    for &k in &[n - 1, n / 3, 55.min(n - 1)] {
        let img = imread_with(path, &ReadOptions::new().index(Index::At(k))).unwrap();
        assert!(
            img == frames[k],
            "{}: fresh read of frame {k} differs",
            path.display()
        );
    }
    let e = f.read(Index::At(n)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IndexOutOfRange);
}

#[test]
fn random_access_is_exact_in_written_containers() {
    link();
    let dir = tempfile::tempdir().unwrap();
    for ext in [".mp4", ".mkv", ".webm", ".avi", ".ts"] {
        let p = write_clip(dir.path(), ext, 120);
        check_random_access(&p, 120);
    }
}

#[test]
fn random_access_is_exact_in_corpus_files() {
    if !corpus_present("random_access_is_exact_in_corpus_files") {
        return;
    }
    link();
    // cockatoo.mp4 marks frames as keyframes that do not decode alone: the
    // reader must notice and decode from further back.
    check_random_access(&corpus("cockatoo.mp4"), 280);
    check_random_access(&corpus("mediainfo_sample.mkv"), 119);
    check_random_access(&corpus("mediainfo_sample.avi"), 119);
}

#[test]
fn a_keyframe_that_needs_earlier_frames_reads_right_every_time() {
    if !corpus_present("a_keyframe_that_needs_earlier_frames_reads_right_every_time") {
        return;
    }
    link();
    // cockatoo.mp4 (H.264, 2 B-frames) marks frames 76 and 145 as keyframes
    // that do not decode alone. With frame threads a seek to frame 76
    // returned a concealed frame (gray chroma, max difference 255) in about
    // half the reads; each fresh read below seeks.
    let p = corpus("cockatoo.mp4");
    let frames: Vec<NdImage> = ImageFile::open_read(&p, &ReadOptions::new())
        .unwrap()
        .iter()
        .take(150)
        .map(|r| r.unwrap())
        .collect();
    for k in [76, 145, 77, 146] {
        for run in 0..6 {
            let img = imread_with(&p, &ReadOptions::new().index(Index::At(k))).unwrap();
            assert!(
                img == frames[k],
                "frame {k}, read {run}: differs from iteration"
            );
        }
    }
}

#[test]
fn codec_names_resolve_as_the_ffmpeg_command_does() {
    link();
    let dir = tempfile::tempdir().unwrap();
    let src = stack(6);
    // A codec name picks that codec's default encoder (h264 -> libx264).
    for (ext, codec) in [(".mp4", "h264"), (".mp4", "libx264"), (".webm", "vp9")] {
        let p = dir.path().join(format!("{codec}{ext}"));
        let opts = WriteOptions::new()
            .option("codec", codec)
            .option("fps", 24.0);
        imwrite_with(&p, &src, &opts.is_batch(true)).unwrap();
        let meta = immeta_with(&p, &ReadOptions::new()).unwrap();
        let want = if codec == "vp9" { "vp9" } else { "h264" };
        assert_eq!(
            meta.get("codec").and_then(Value::as_str),
            Some(want),
            "{codec}"
        );
        let all = imread_with(&p, &ReadOptions::new().index(Index::All)).unwrap();
        assert_eq!(all.shape(), &[6, H, W, 3], "{codec}");
    }
}

#[test]
fn round_trips_keep_count_size_fps_and_quality() {
    link();
    let dir = tempfile::tempdir().unwrap();
    let n = 12;
    let src = stack(n);
    for ext in [".mp4", ".webm", ".avi", ".mkv"] {
        let p = write_clip(dir.path(), ext, n);
        let all = imread_with(&p, &ReadOptions::new().index(Index::All)).unwrap();
        assert_eq!(all.shape(), &[n, H, W, 3], "{ext}");
        let meta = immeta_with(&p, &ReadOptions::new()).unwrap();
        let fps = meta.get("fps").and_then(Value::as_float).unwrap();
        assert!((fps - 24.0).abs() < 1e-6, "{ext}: fps {fps}");
        let mut worst = f64::INFINITY;
        assert_eq!(
            meta.get("n_frames").and_then(Value::as_int),
            Some(n as i64),
            "{ext}"
        );
        for k in 0..n {
            let q = psnr(&all.frame(k).unwrap(), &src.frame(k).unwrap());
            assert!(q > 28.0, "{ext}: frame {k} PSNR {q:.1} dB");
            worst = worst.min(q);
        }
        if std::env::var_os("IMAGEIO_FFMPEG_PSNR").is_some() {
            println!("{ext}: worst PSNR {worst:.1} dB");
        }
    }
}

#[test]
fn streaming_writes_append_and_keep_the_last_frame() {
    link();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.mp4");
    let mut f = ImageFile::open_write(&p, &WriteOptions::new()).unwrap();
    for k in 0..5 {
        let img = NdImage::from_shape_vec(&[H, W, 3], frame(k)).unwrap();
        f.write(&img).unwrap();
    }
    f.close().unwrap();
    let props = improps_with(&p, &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(props.shape, vec![5, H, W, 3]);
    assert_eq!(props.n_images, Some(5));
    let last = imread_with(&p, &ReadOptions::new().index(Index::At(4))).unwrap();
    let want = NdImage::from_shape_vec(&[H, W, 3], frame(4)).unwrap();
    assert!(psnr(&last, &want) > 28.0);
}

#[test]
fn encode_to_memory_and_decode_from_bytes() {
    link();
    let n = 6;
    for ext in [".mp4", ".webm", ".mkv", ".avi"] {
        let bytes = imencode_with(&stack(n), ext, &WriteOptions::new().is_batch(true)).unwrap();
        assert!(bytes.len() > 200, "{ext}");
        // No extension hint: the content decides (custom I/O, no temp file).
        let all = imdecode_with(&bytes, &ReadOptions::new().index(Index::All)).unwrap();
        assert_eq!(all.shape(), &[n, H, W, 3], "{ext}");
        let one = imdecode_with(&bytes, &ReadOptions::new().index(Index::At(n - 1))).unwrap();
        assert!(one == all.frame(n - 1).unwrap(), "{ext}");
    }
}

/// Every frame read at once (converted straight into the stack, on huge
/// pages) equals the frames read one by one, in every pixel format, on
/// odd sizes (33x17: rows that are no multiple of swscale's vector width)
/// and on 16-bit gray.
#[test]
fn reading_all_frames_equals_reading_each_in_every_pixel_format() {
    if !corpus_present("reading_all_frames_equals_reading_each_in_every_pixel_format") {
        return;
    }
    link();
    for name in [
        "gen_h264_33x17_yuv444.mp4",
        "gen_ffv1_gray16.mkv",
        "gen_vp9.webm",
    ] {
        let p = corpus(name);
        for fmt in ["rgb24", "rgba", "gray", "gray16", "rgb48"] {
            let o = ReadOptions::new().option("pixel_format", fmt);
            let all = imread_with(&p, &o.clone().index(Index::All)).unwrap();
            let mut f = ImageFile::open_read(&p, &o).unwrap();
            let frames: Vec<NdImage> = f.iter().map(|r| r.unwrap()).collect();
            assert!(frames.len() >= 2, "{name}");
            assert_eq!(all.shape()[0], frames.len(), "{name} {fmt}");
            assert!(all == NdImage::stack(&frames).unwrap(), "{name} {fmt}");
            let one = imread_with(&p, &o.clone().index(Index::At(1))).unwrap();
            assert!(one == frames[1], "{name} {fmt}: frame 1 alone");
        }
    }
}

#[test]
fn pixel_formats() {
    if !corpus_present("pixel_formats") {
        return;
    }
    link();
    let p = corpus("gen_vp9.webm");
    let read =
        |fmt: &str| imread_with(&p, &ReadOptions::new().option("pixel_format", fmt)).unwrap();
    let rgb = read("rgb24");
    assert_eq!(rgb.shape(), &[120, 160, 3]);
    let rgba = read("rgba");
    assert_eq!(rgba.shape(), &[120, 160, 4]);
    let a = rgba.view::<u8>().unwrap();
    assert!(a.iter().skip(3).step_by(4).all(|&x| x == 255));
    let r = rgb.view::<u8>().unwrap();
    assert!(a
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 != 3)
        .map(|(_, v)| v)
        .eq(r.iter()));
    let gray = read("gray");
    assert_eq!(gray.shape(), &[120, 160]);
    assert_eq!(gray.dtype(), imageio_core::DType::U8);
    let g16 = read("gray16");
    assert_eq!(g16.dtype(), imageio_core::DType::U16);
    let g8 = gray.view::<u8>().unwrap();
    let g16v = g16.view::<u16>().unwrap();
    // gray16 is gray at 16 bits: the high byte agrees within rounding.
    assert!(g8
        .iter()
        .zip(g16v.iter())
        .all(|(&a, &b)| (i32::from(a) - i32::from(b >> 8)).abs() <= 1));
    let rgb48 = read("rgb48");
    assert_eq!(rgb48.shape(), &[120, 160, 3]);
    let v48 = rgb48.view::<u16>().unwrap();
    assert!(r
        .iter()
        .zip(v48.iter())
        .all(|(&a, &b)| (i32::from(a) - i32::from(b >> 8)).abs() <= 2));
    let e = imread_with(&p, &ReadOptions::new().option("pixel_format", "yuv")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption);
}

#[test]
fn metadata() {
    if !corpus_present("metadata") {
        return;
    }
    link();
    let m = immeta_with(corpus("gen_h264_rotate90.mp4"), &ReadOptions::new()).unwrap();
    assert_eq!(m.get("rotation").and_then(Value::as_float), Some(90.0));
    assert_eq!(m.get("codec").and_then(Value::as_str), Some("h264"));
    assert_eq!(
        m.get("pixel_format").and_then(Value::as_str),
        Some("yuv420p")
    );
    assert_eq!(m.get("n_frames").and_then(Value::as_int), Some(10));
    assert_eq!(
        m.get("n_frames_source").and_then(Value::as_str),
        Some("container")
    );
    let m = immeta_with(
        corpus("mediainfo_sample.mkv"),
        &ReadOptions::new().index(Index::At(30)),
    )
    .unwrap();
    assert_eq!(m.get("n_frames").and_then(Value::as_int), Some(119));
    assert_eq!(
        m.get("n_frames_source").and_then(Value::as_str),
        Some("demux")
    );
    let fps = m.get("fps").and_then(Value::as_float).unwrap();
    let t = m.get("time").and_then(Value::as_float).unwrap();
    assert!((t - 30.0 / fps).abs() < 0.5 / fps, "time {t} fps {fps}");
    assert!(m.get("duration_s").and_then(Value::as_float).unwrap() > 3.0);
    assert!(m.contains_key("pts") && m.contains_key("key_frame"));
    let m0 = immeta_with(corpus("mediainfo_sample.mkv"), &ReadOptions::new()).unwrap();
    assert_eq!(m0.get("key_frame").and_then(Value::as_bool), Some(true));
}

#[test]
fn stacking_respects_limits_and_points_to_imiter() {
    if !corpus_present("stacking_respects_limits_and_points_to_imiter") {
        return;
    }
    link();
    let limits = Limits {
        max_alloc: 2_000_000,
        ..Limits::default()
    };
    let opts = ReadOptions::new().index(Index::All).limits(limits);
    let e = imread_with(corpus("mediainfo_sample.mp4"), &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    assert!(e.to_string().contains("imiter"), "{e}");
    // One frame (691200 bytes) still reads under the same limits.
    let one = imread_with(
        corpus("mediainfo_sample.mp4"),
        &ReadOptions::new().limits(limits),
    );
    assert_eq!(one.unwrap().shape(), &[360, 640, 3]);
}

#[test]
fn a_header_claiming_huge_dimensions_is_refused() {
    link();
    // A rawvideo AVI whose stream header claims 200000 x 200000 pixels.
    let small = NdImage::from_shape_vec(&[2, 16, 16, 3], vec![7u8; 2 * 16 * 16 * 3]).unwrap();
    let opts = WriteOptions::new()
        .option("codec", "rawvideo")
        .option("pixel_format", "bgr24")
        .is_batch(true);
    let mut avi = imencode_with(&small, ".avi", &opts).unwrap();
    assert!(imdecode_with(&avi, &ReadOptions::new()).is_ok());
    let strf = avi.windows(4).position(|w| w == b"strf").unwrap();
    let bih = strf + 8; // BITMAPINFOHEADER: size, width, height
    avi[bih + 4..bih + 8].copy_from_slice(&200_000i32.to_le_bytes());
    avi[bih + 8..bih + 12].copy_from_slice(&200_000i32.to_le_bytes());
    // FFmpeg itself refuses sizes beyond (w+128)*(h+128) < 2^28: a clean error.
    let e = imdecode_with(&avi, &ReadOptions::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    // A size FFmpeg accepts (200 Mpixel) is checked against our limits before
    // any frame is allocated.
    avi[bih + 4..bih + 8].copy_from_slice(&20_000i32.to_le_bytes());
    avi[bih + 8..bih + 12].copy_from_slice(&10_000i32.to_le_bytes());
    let limits = Limits {
        max_pixels: 1 << 24,
        ..Limits::default()
    };
    let e = imdecode_with(&avi, &ReadOptions::new().limits(limits)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    assert!(e.to_string().contains("20000x10000"), "{e}");
}

#[test]
fn odd_sizes_follow_macro_block_size() {
    link();
    let img = NdImage::from_shape_vec(&[17, 33, 3], vec![100u8; 17 * 33 * 3]).unwrap();
    let resized = imencode_with(&img, ".mp4", &WriteOptions::new()).unwrap();
    let back = imdecode_with(&resized, &ReadOptions::new()).unwrap();
    assert_eq!(back.shape(), &[32, 48, 3]);
    let opts = WriteOptions::new()
        .option("macro_block_size", 1)
        .option("pixel_format", "yuv444p");
    let kept = imencode_with(&img, ".mp4", &opts).unwrap();
    let back = imdecode_with(&kept, &ReadOptions::new()).unwrap();
    assert_eq!(back.shape(), &[17, 33, 3]);
    assert!(back
        .view::<u8>()
        .unwrap()
        .iter()
        .all(|&v| (i32::from(v) - 100).abs() <= 3));
    // libx264 with yuv420p refuses odd sizes: a clean error, not a crash.
    let e = imencode_with(
        &img,
        ".mp4",
        &WriteOptions::new().option("macro_block_size", 1),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Encode, "{e}");
}

#[test]
fn write_errors_are_clean() {
    link();
    let img = NdImage::from_shape_vec(&[8, 8, 3], vec![0f32; 8 * 8 * 3]).unwrap();
    let e = imencode_with(&img, ".mp4", &WriteOptions::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let img = NdImage::from_shape_vec(&[8, 8, 3], vec![0u8; 8 * 8 * 3]).unwrap();
    let e = imencode_with(&img, ".mp4", &WriteOptions::new().option("codec", "nope")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    let e = imencode_with(&img, ".mp4", &WriteOptions::new().option("quality", 11.0)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
}

#[test]
fn garbage_with_a_video_extension_is_a_clean_error() {
    link();
    let opts = ReadOptions::new().extension(".mp4");
    let e = imdecode_with(&[0u8; 1000], &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    let e = imdecode_with(b"", &opts).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Decode | ErrorKind::NoPlugin),
        "{e}"
    );
}

#[test]
fn device_names_and_missing_devices() {
    use imageio_ffmpeg::device;
    assert_eq!(device::parse_device_uri("<video0>"), Some(0));
    assert_eq!(device::parse_device_uri("<video12>"), Some(12));
    assert_eq!(device::parse_device_uri("video0"), None);
    assert_eq!(device::parse_device_uri("<video>"), None);
    assert_eq!(device::parse_device_uri("<video-1>"), None);
    assert_eq!(device::parse_device_uri("<audio0>"), None);
    assert_eq!(device::device_path(3), "/dev/video3");
    let e = device::open("clip.mp4").err().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    // No camera here (and none numbered 9999 anywhere).
    let e = device::open("<video9999>").err().unwrap();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(e.to_string().contains("/dev/video9999"), "{e}");
}

#[test]
fn devices_through_the_core() {
    link();
    // `<video9999>` exists nowhere; `<video0>` is checked only without a camera.
    let mut names = vec!["<video9999>"];
    if !Path::new("/dev/video0").exists() {
        names.push("<video0>");
    }
    for name in names {
        let path = format!("/dev/{}", &name[1..name.len() - 1]);
        if cfg!(feature = "device") {
            // The `camera` plugin claims the `device` scheme.
            for opts in [ReadOptions::new(), ReadOptions::new().plugin("camera")] {
                let e = imread_with(name, &opts).unwrap_err();
                let msg = e.to_string();
                assert_eq!(e.kind(), ErrorKind::NotFound, "{msg}");
                assert!(msg.contains(name), "{msg}");
                assert!(msg.contains(&path), "{msg}");
            }
        } else {
            // No camera plugin is linked: the core says nothing reads devices
            // (the facade adds which feature to enable), never "no such file".
            let e = imread_with(name, &ReadOptions::new()).unwrap_err();
            let msg = e.to_string();
            assert_eq!(e.kind(), ErrorKind::NoPlugin, "{msg}");
            assert!(msg.contains("device"), "{msg}");
            assert!(!msg.contains("no such file"), "{msg}");
        }
        // The video plugin claims no scheme: a device is not its own.
        let e = imread_with(name, &ReadOptions::new().plugin("ffmpeg")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
        assert!(e.to_string().contains("device"), "{e}");
    }
    let e = imwrite_with("<video0>", &stack(2), &WriteOptions::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("read-only"), "{e}");
}

#[test]
fn the_plugin_is_send() {
    if !corpus_present("the_plugin_is_send") {
        return;
    }
    fn is_send<T: Send>(_: &T) {}
    link();
    let f = ImageFile::open_read(corpus("gen_vp9.webm"), &ReadOptions::new()).unwrap();
    is_send(&f);
    let moved = std::thread::spawn(move || {
        let mut f = f;
        f.read(Index::At(9)).map(|i| i.shape().to_vec())
    })
    .join()
    .unwrap()
    .unwrap();
    assert_eq!(moved, vec![120, 160, 3]);
    let _ = IoMode::Read;
}
