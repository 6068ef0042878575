//! The facade's public behaviour: registration, plugin selection, errors,
//! options, atomic writes, limits, and round trips for every format and dtype
//! the default plugins write.

use std::path::Path;

use imageio::ndarray::{Array2, Array3, ArrayD, IxDyn};
use imageio::{
    imdecode, imdecode_with, imencode, imencode_with, imiter, imopen, improps, improps_with,
    imread, imread_with, imwrite, imwrite_with, DType, ErrorKind, ImageProperties, Index, IoMode,
    Metadata, NdImage, ReadOptions, Value, WriteOptions,
};

/// A test plugin that reads nothing but claims PNG at a low rank: it must
/// come after the first-party plugins.
mod probe {
    use imageio::plugin::{Claim, Format, PluginInfo, Rank, ReadEntry, ReadRequest, Reader, PNG};
    use imageio::{Error, Result};
    fn open(_: &mut ReadRequest) -> Result<Box<dyn Reader>> {
        Err(Error::declined("the probe plugin never reads"))
    }
    const PROBE: Format = Format::new("probe", &[".zzprobe"]);
    imageio::plugin::inventory::submit! {
        PluginInfo {
            name: "zz-probe",
            crate_name: "api-tests",
            summary: "test plugin",
            read: Some(ReadEntry {
                formats: &[Claim::new(PNG, Rank(10)), Claim::new(PROBE, Rank(10))],
                options: &[],
                open,
            }),
            write: None,
        }
    }
}

fn gradient_rgb(h: usize, w: usize) -> Array3<u8> {
    Array3::from_shape_fn((h, w, 3), |(y, x, c)| {
        ((x * 7 + y * 3 + c * 50) % 256) as u8
    })
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn every_default_plugin_is_registered() {
    let names: Vec<&str> = imageio::plugin::plugins()
        .unwrap()
        .iter()
        .map(|p| p.name)
        .collect();
    assert!(names.contains(&"pillowlike"), "{names:?}");
    #[cfg(feature = "npy")]
    assert!(names.contains(&"npy"), "{names:?}");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "the registry is sorted by name");
}

#[test]
fn extension_priority_puts_first_party_plugins_first() {
    let png = imencode(&NdImage::from(gradient_rgb(4, 4)), ".png").unwrap();
    let req =
        imageio::plugin::ReadRequest::new(png.into(), Some(".png"), Default::default()).unwrap();
    let order: Vec<&str> = imageio::plugin::read_candidates(&req)
        .unwrap()
        .iter()
        .map(|p| p.name)
        .collect();
    let pos = |n: &str| order.iter().position(|x| *x == n).unwrap();
    assert!(pos("pillowlike") < pos("zz-probe"), "{order:?}");
    if order.contains(&"png") {
        assert!(pos("png") < pos("pillowlike"), "{order:?}");
    }
}

#[test]
fn content_decides_when_the_extension_lies_or_is_missing() {
    let img = NdImage::from(gradient_rgb(5, 7));
    let png = imencode(&img, ".png").unwrap();
    let dir = tmp();
    let liar = dir.path().join("actually_png.jpg");
    std::fs::write(&liar, &png).unwrap();
    assert_eq!(imread(&liar).unwrap(), img);
    let noext = dir.path().join("noext");
    std::fs::write(&noext, &png).unwrap();
    assert_eq!(imread(&noext).unwrap(), img);
    assert_eq!(imdecode(&png).unwrap(), img);
    // A lying hint on bytes is overruled by the content too.
    let o = ReadOptions::new().extension(".bmp");
    assert_eq!(imdecode_with(&png, &o).unwrap(), img);
}

#[test]
fn explicit_and_unknown_plugins() {
    let png = imencode(&NdImage::from(gradient_rgb(3, 3)), ".png").unwrap();
    let mut f =
        imageio::ImageFile::open_read(png.clone(), &ReadOptions::new().plugin("pillowlike"))
            .unwrap();
    assert_eq!(f.plugin_name(), "pillowlike");
    assert_eq!(f.read(Index::At(0)).unwrap().shape(), &[3, 3, 3]);

    let e = imread_with(png.clone(), &ReadOptions::new().plugin("nonesuch")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoPlugin);
    assert!(
        e.to_string().contains("pillowlike"),
        "lists the linked plugins: {e}"
    );

    let e = imread_with(png, &ReadOptions::new().plugin("zz-probe")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined);
    assert!(e.to_string().contains("never reads"), "{e}");
}

#[test]
fn a_known_extension_whose_plugin_is_not_linked_names_the_crate() {
    if imageio::plugin::plugin_by_name("ffmpeg").is_ok() {
        return; // linked in this build: nothing to report
    }
    let dir = tmp();
    let clip = dir.path().join("clip.mp4");
    std::fs::write(&clip, b"\0\0\0\x18ftypmp42 not really a video").unwrap();
    let e = imread(&clip).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PluginNotLinked, "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("imageio-ffmpeg") && msg.contains("`ffmpeg` feature"),
        "{msg}"
    );
    assert!(msg.contains("clip.mp4"), "names the file: {msg}");

    let e = imwrite(
        dir.path().join("out.mp4"),
        &NdImage::from(gradient_rgb(4, 4)),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PluginNotLinked, "{e}");

    let e = imread_with(&clip, &ReadOptions::new().plugin("ffmpeg")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PluginNotLinked, "{e}");
    assert!(e.to_string().contains("imageio-ffmpeg"), "{e}");
}

#[test]
fn unreadable_files_fail_cleanly() {
    let dir = tmp();
    let missing = dir.path().join("missing.png");
    assert_eq!(imread(&missing).unwrap_err().kind(), ErrorKind::NotFound);

    let garbage = dir.path().join("garbage.png");
    std::fs::write(&garbage, b"this is not an image at all").unwrap();
    let e = imread(&garbage).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoPlugin, "{e}");
    assert!(e.to_string().contains("garbage.png"), "{e}");

    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    assert!(imread(&empty).is_err());

    // A directory is no image file (the default plugins claim none; the
    // dicom plugin reads a directory of slices as one series).
    let e = imread(dir.path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let text = e.to_string();
    assert!(text.contains("is a directory, not an image file"), "{e}");
    assert!(
        text.contains(&dir.path().display().to_string()),
        "names the directory: {e}"
    );
    assert!(improps(dir.path()).is_err());

    let png = imencode(&NdImage::from(gradient_rgb(64, 64)), ".png").unwrap();
    for cut in [9, 33, 60, png.len() / 2, png.len() - 13] {
        let e = imdecode(&png[..cut]).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Decode | ErrorKind::NoPlugin),
            "truncated at {cut}: {e:?}"
        );
    }
}

/// A PNG whose header claims 200000 x 200000 pixels.
fn png_bomb() -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    0xEDB8_8320 ^ (crc >> 1)
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&200_000u32.to_be_bytes());
    ihdr.extend_from_slice(&200_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    let idat = b"IDAT\x78\x9c\x63\x00\x00\x00\x01\x00\x01";
    png.extend_from_slice(&9u32.to_be_bytes());
    png.extend_from_slice(idat);
    png.extend_from_slice(&crc32(idat).to_be_bytes());
    png
}

#[test]
fn a_decompression_bomb_header_is_refused() {
    let e = imdecode(&png_bomb()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let l = imageio::Limits {
        max_pixels: 10,
        ..Default::default()
    };
    let png = imencode(&NdImage::from(gradient_rgb(4, 4)), ".png").unwrap();
    let e = imread_with(png, &ReadOptions::new().limits(l)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
}

#[test]
fn options_are_validated_against_the_plugin() {
    let img = NdImage::from(gradient_rgb(8, 8));
    let e = imencode_with(&img, ".jpg", &WriteOptions::new().option("qualty", 90)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption);
    assert!(
        e.to_string().contains("quality"),
        "lists accepted keys: {e}"
    );
    let e =
        imencode_with(&img, ".jpg", &WriteOptions::new().option("quality", "high")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    let e = imencode_with(&img, ".jpg", &WriteOptions::new().option("quality", 0)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    let e = imencode_with(
        &img,
        ".png",
        &WriteOptions::new().option("filter", "wavelet"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    let png = imencode(&img, ".png").unwrap();
    let e = imread_with(png, &ReadOptions::new().option("gamma", 2.2)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    // Options that do apply change the output.
    let small = imencode_with(&img, ".jpg", &WriteOptions::new().option("quality", 5)).unwrap();
    let big = imencode_with(&img, ".jpg", &WriteOptions::new().option("quality", 100)).unwrap();
    assert!(small.len() < big.len(), "{} vs {}", small.len(), big.len());
}

#[test]
fn overwrite_false_never_replaces() {
    let dir = tmp();
    let p = dir.path().join("keep.png");
    std::fs::write(&p, b"precious").unwrap();
    let img = NdImage::from(gradient_rgb(4, 4));
    let e = imwrite_with(&p, &img, &WriteOptions::new().overwrite(false)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read(&p).unwrap(), b"precious");
    // With overwriting on (the default), it is replaced.
    imwrite(&p, &img).unwrap();
    assert_eq!(imread(&p).unwrap(), img);
    assert_eq!(entries(dir.path()), ["keep.png"]);
}

#[test]
fn a_failed_write_leaves_the_old_file_intact() {
    let dir = tmp();
    let p = dir.path().join("old.png");
    let old = NdImage::from(gradient_rgb(4, 4));
    imwrite(&p, &old).unwrap();
    let before = std::fs::read(&p).unwrap();
    let bad = NdImage::from(Array2::<i32>::zeros((4, 4)));
    let e = imwrite(&p, &bad).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert_eq!(std::fs::read(&p).unwrap(), before);
    // A streaming write dropped before close leaves nothing either.
    {
        let mut w = imopen(dir.path().join("never.gif"), IoMode::Write).unwrap();
        w.write(&old).unwrap();
    }
    let jpg_rgba = NdImage::from(Array3::<u8>::zeros((4, 4, 4)));
    assert!(imwrite(dir.path().join("alpha.jpg"), &jpg_rgba).is_err());
    assert_eq!(
        entries(dir.path()),
        ["old.png"],
        "no partial or temporary files"
    );
}

fn roundtrip(ext: &str, img: &NdImage) -> NdImage {
    let bytes = imencode(img, ext).unwrap_or_else(|e| panic!("{ext} {:?}: {e}", img.dtype()));
    let back = imdecode_with(&bytes, &ReadOptions::new().extension(ext))
        .unwrap_or_else(|e| panic!("{ext} {:?}: {e}", img.dtype()));
    // The file path route gives the same array.
    let dir = tmp();
    let p = dir.path().join(format!("x{ext}"));
    imwrite(&p, img).unwrap();
    assert_eq!(imread(&p).unwrap(), back, "{ext}");
    back
}

fn with_channels<T: imageio::Element>(f: impl Fn(usize, usize, usize) -> T, c: usize) -> NdImage {
    let (h, w) = (13, 17); // odd sizes catch stride bugs
    if c == 1 {
        NdImage::from(Array2::from_shape_fn((h, w), |(y, x)| f(y, x, 0)))
    } else {
        NdImage::from(Array3::from_shape_fn((h, w, c), |(y, x, k)| f(y, x, k)))
    }
}

#[test]
fn lossless_round_trips_are_bit_exact() {
    let u8s = |c| with_channels(|y, x, k| ((y * 31 + x * 7 + k * 60) % 256) as u8, c);
    let u16s = |c| {
        with_channels(
            |y, x, k| ((y * 4099 + x * 257 + k * 9000) % 65536) as u16,
            c,
        )
    };
    let f32s = |c| {
        with_channels(
            |y, x, k| (y as f32 * 0.25 + x as f32 * 0.5 + k as f32) / 7.0,
            c,
        )
    };
    let cases: Vec<(&str, NdImage)> = vec![
        (".png", u8s(1)),
        (".png", u8s(2)),
        (".png", u8s(3)),
        (".png", u8s(4)),
        (".png", u16s(1)),
        (".png", u16s(2)),
        (".png", u16s(3)),
        (".png", u16s(4)),
        (".tif", u8s(1)),
        (".tif", u8s(3)),
        (".tif", u8s(4)),
        (".tif", u16s(1)),
        (".tif", u16s(3)),
        (".tif", u16s(4)),
        (".bmp", u8s(3)),
        (".bmp", u8s(4)),
        (".tga", u8s(3)),
        (".tga", u8s(4)),
        (".pgm", u8s(1)),
        (".ppm", u8s(3)),
        (".pgm", u16s(1)),
        (".ppm", u16s(3)),
        (".qoi", u8s(3)),
        (".qoi", u8s(4)),
        (".ff", u16s(4)),
        (".exr", f32s(3)),
        (".exr", f32s(4)),
        (".tif", f32s(3)),
        (".tif", f32s(4)),
        (".pam", u8s(4)),
        (".ico", u8s(4)),
    ];
    for (ext, img) in cases {
        let back = roundtrip(ext, &img);
        assert_eq!(back, img, "{ext} {:?} {:?}", img.dtype(), img.shape());
    }
    for img in [u8s(3), u8s(4)] {
        let bytes = imencode_with(&img, ".webp", &webp_lossless()).unwrap();
        assert_eq!(imdecode(&bytes).unwrap(), img, ".webp {:?}", img.shape());
    }
}

/// Lossless WebP: what pillowlike always writes, and an option of the webp
/// plugin (feature `webp`), which is lossy by default as Pillow.
fn webp_lossless() -> WriteOptions {
    if cfg!(feature = "webp") {
        WriteOptions::new().option("lossless", true)
    } else {
        WriteOptions::new()
    }
}

#[test]
fn lossy_round_trips_stay_close() {
    // A smooth image: JPEG's home ground.
    let img = NdImage::from(Array3::from_shape_fn((32, 48, 3), |(y, x, c)| {
        (x * 2 + y * 2 + c * 30) as u8
    }));
    let back = roundtrip(".jpg", &img);
    assert_eq!(back.shape(), img.shape());
    let a = img.as_array::<u8>().unwrap();
    let b = back.as_array::<u8>().unwrap();
    let mse: f64 = a
        .iter()
        .zip(b.iter())
        .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    let psnr = 10.0 * (255.0f64 * 255.0 / mse).log10();
    assert!(psnr > 30.0, "JPEG quality 75 PSNR {psnr}");

    let gray = NdImage::from(Array2::from_shape_fn((16, 24), |(y, x)| {
        (x * 4 + y * 3) as u8
    }));
    let back = roundtrip(".jpg", &gray);
    assert_eq!(back.shape(), &[16, 24], "gray JPEG stays gray");
    let diff = gray
        .as_array::<u8>()
        .unwrap()
        .iter()
        .zip(back.as_array::<u8>().unwrap().iter())
        .map(|(&x, &y)| (x as i32 - y as i32).abs())
        .max()
        .unwrap();
    assert!(diff <= 8, "gray JPEG max diff {diff}");

    let hdr = with_channels(|y, x, k| 0.5 + (y * 17 + x + k) as f32 / 64.0, 3);
    let back = roundtrip(".hdr", &hdr);
    let a = hdr.as_array::<f32>().unwrap();
    let b = back.as_array::<f32>().unwrap();
    for (x, y) in a.iter().zip(b.iter()) {
        assert!(
            (x - y).abs() <= x.abs() / 64.0,
            "RGBE keeps ~8 bits of mantissa: {x} vs {y}"
        );
    }
}

#[test]
fn gif_animation_round_trip_keeps_frames_and_durations() {
    // Few colours, so the quantizer keeps them exactly.
    let frames: Vec<NdImage> = (0..4)
        .map(|i| {
            NdImage::from(Array3::from_shape_fn((10, 12, 3), |(y, x, c)| {
                if (x + i) % 4 == 0 && y > 2 {
                    [255u8, 0, 0][c]
                } else {
                    [0u8, 0, 255][c]
                }
            }))
        })
        .collect();
    let stack = NdImage::stack(&frames).unwrap();
    let durations = Value::List(vec![20.into(), 50.into(), 100.into(), 70.into()]);
    let opts = WriteOptions::new()
        .option("duration", durations)
        .option("loop", 3);
    let bytes = imencode_with(&stack, ".gif", &opts).unwrap();
    let all = imread_with(bytes.clone(), &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(all, stack);
    let props = improps_with(bytes.clone(), &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(props.n_images, Some(4));
    assert!(props.is_batch);
    let m = imageio::immeta_with(bytes.clone(), &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(
        m.get("duration"),
        Some(&Value::List(vec![
            20.0.into(),
            50.0.into(),
            100.0.into(),
            70.0.into()
        ]))
    );
    assert_eq!(m.get("loop"), Some(&Value::Int(3)));
    let frame2 = immeta_with_index(&bytes, 2);
    assert_eq!(frame2.get("duration"), Some(&Value::Float(100.0)));
    let it: Vec<NdImage> = imiter(bytes).unwrap().map(|f| f.unwrap()).collect();
    assert_eq!(it, frames);
}

fn immeta_with_index(bytes: &[u8], i: usize) -> Metadata {
    imageio::immeta_with(bytes, &ReadOptions::new().index(Index::At(i))).unwrap()
}

#[test]
fn streaming_writes_append_gif_frames() {
    let dir = tmp();
    let p = dir.path().join("anim.gif");
    let mut w = imopen(&p, IoMode::Write).unwrap();
    for i in 0..3u8 {
        w.write(NdImage::from(Array2::from_elem((6, 5), i * 100)))
            .unwrap();
    }
    assert!(w.close().unwrap().is_none());
    let props = improps(&p).unwrap();
    assert_eq!(props.n_images, Some(3));
    assert_eq!(props.shape, vec![6, 5, 3]);
    let last = imread_with(&p, &ReadOptions::new().index(Index::At(2))).unwrap();
    assert!(last.as_array::<u8>().unwrap().iter().all(|&v| v == 200));
    assert_eq!(
        imread_with(&p, &ReadOptions::new().index(Index::At(3)))
            .unwrap_err()
            .kind(),
        ErrorKind::IndexOutOfRange
    );
}

#[test]
fn properties_come_from_the_header() {
    let img = NdImage::from(ArrayD::<u16>::zeros(IxDyn(&[20, 30, 4])));
    let png = imencode(&img, ".png").unwrap();
    let p: ImageProperties = improps(png).unwrap();
    assert_eq!(p.shape, vec![20, 30, 4]);
    assert_eq!(p.dtype, DType::U16);
    assert_eq!(p.n_images, Some(1));
    assert!(!p.is_batch);
}

#[test]
fn standard_images_convert_through_every_writer() {
    let img = imread("imageio:testpattern").unwrap();
    let png = imencode(&img, ".png").unwrap();
    assert_eq!(imdecode(&png).unwrap(), img);
    let g16 = imread("imageio:gradient16").unwrap();
    let tif = imencode(&g16, ".tif").unwrap();
    assert_eq!(imdecode(&tif).unwrap(), g16);
    let rgba = imread("imageio:rgba").unwrap();
    let webp = imencode_with(&rgba, ".webp", &webp_lossless()).unwrap();
    assert_eq!(imdecode(&webp).unwrap(), rgba);
}

#[test]
fn ico_index_selects_directory_entries() {
    // Two entries of different sizes, written as PNG entries by hand.
    let small = NdImage::from(Array3::from_elem((16, 16, 4), 7u8));
    let big = NdImage::from(Array3::from_elem((32, 32, 4), 200u8));
    let pngs = [
        imencode(&small, ".png").unwrap(),
        imencode(&big, ".png").unwrap(),
    ];
    let mut ico = vec![0u8, 0, 1, 0, 2, 0];
    let mut offset = 6 + 16 * 2;
    for (png, side) in pngs.iter().zip([16u8, 32]) {
        ico.extend_from_slice(&[side, side, 0, 0, 1, 0, 32, 0]);
        ico.extend_from_slice(&(png.len() as u32).to_le_bytes());
        ico.extend_from_slice(&(offset as u32).to_le_bytes());
        offset += png.len();
    }
    for png in &pngs {
        ico.extend_from_slice(png);
    }
    let o = |i| ReadOptions::new().index(Index::At(i)).extension(".ico");
    assert_eq!(imdecode_with(&ico, &o(0)).unwrap(), small);
    assert_eq!(imdecode_with(&ico, &o(1)).unwrap(), big);
    assert_eq!(improps(ico.clone()).unwrap().n_images, Some(2));
    assert_eq!(
        imdecode_with(&ico, &o(2)).unwrap_err().kind(),
        ErrorKind::IndexOutOfRange
    );
}

#[test]
fn backend_written_files_read_identically() {
    // A PNG written by the `image` crate directly (not through our writer).
    let rgb = gradient_rgb(9, 11);
    let buf = image::RgbImage::from_raw(11, 9, rgb.as_slice().unwrap().to_vec()).unwrap();
    let mut png = Vec::new();
    buf.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    assert_eq!(imdecode(&png).unwrap(), NdImage::from(rgb));
    let g16 = image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_fn(5, 3, |x, y| {
        image::Luma([(x * 1000 + y * 7) as u16])
    });
    let mut tif = Vec::new();
    g16.write_to(
        &mut std::io::Cursor::new(&mut tif),
        image::ImageFormat::Tiff,
    )
    .unwrap();
    let back = imdecode(&tif).unwrap().into_array::<u16>().unwrap();
    assert_eq!(back.shape(), &[3, 5]);
    assert_eq!(back[[2, 4]], 4014);
}

#[cfg(feature = "avif")]
#[test]
fn avif_is_written() {
    let img = NdImage::from(Array3::from_shape_fn((16, 16, 3), |(y, x, c)| {
        (x * 8 + y * 4 + c * 20) as u8
    }));
    let avif = imencode_with(&img, ".avif", &WriteOptions::new().option("speed", 10)).unwrap();
    assert_eq!(&avif[4..12], b"ftypavif", "an AVIF file type box");
    assert!(avif.len() > 100);
}

#[cfg(not(feature = "avif"))]
#[test]
fn avif_without_its_feature_says_which_feature() {
    let img = NdImage::from(Array3::<u8>::zeros((8, 8, 3)));
    let e = imencode(&img, ".avif").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.to_string().contains("`avif` feature"), "{e}");
}

#[test]
fn sniffing_prefers_dedicated_plugins_and_bad_values_are_final() {
    let img = NdImage::from(gradient_rgb(6, 5));
    let tif = imencode(&img, ".tif").unwrap();
    let f = imageio::ImageFile::open_read(tif, &ReadOptions::new()).unwrap();
    if imageio::plugin::plugin_by_name("tiff").is_err() {
        assert_eq!(f.plugin_name(), "pillowlike");
        return;
    }
    // TIFF bytes without an extension: the tiff plugin, not the fallback.
    assert_eq!(f.plugin_name(), "tiff");
    // A value the tiff plugin refuses for its own key is not passed on to a
    // plugin that would ignore it.
    let e = imencode_with(
        &img,
        ".tif",
        &WriteOptions::new().option("compression", "wavelet"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    assert_eq!(e.plugin(), Some("tiff"), "{e}");
}

#[test]
fn options_may_change_per_write_where_the_writer_reads_them_per_image() {
    let dir = tmp();
    let frame = |v: u8| NdImage::from(Array3::<u8>::from_elem((8, 8, 3), v));
    let per = |k: &str, v: Value| {
        let mut o = Metadata::new();
        o.insert(k, v);
        o
    };

    // GIF: each frame its own duration; the loop count is fixed at open.
    let gif = dir.path().join("durations.gif");
    let open = WriteOptions::new().option("loop", 3);
    let mut w = imageio::ImageFile::open_write(&gif, &open).unwrap();
    w.write_with_options(frame(10), false, &per("duration", Value::from(50.0)))
        .unwrap();
    w.write_with_options(frame(200), false, &per("duration", Value::from(230.0)))
        .unwrap();
    // Repeating the open value of a fixed option is fine ...
    w.write_with_options(frame(90), false, &per("loop", Value::from(3)))
        .unwrap();
    // ... changing it is refused, naming what may change, and writes nothing.
    let e = w
        .write_with_options(frame(120), false, &per("loop", Value::from(0)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    assert!(e.to_string().contains("\"loop\" is fixed"), "{e}");
    assert!(e.to_string().contains("duration"), "{e}");
    let e = w
        .write_with_options(frame(120), false, &per("durration", Value::from(1.0)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    w.close().unwrap();
    let m = imageio::immeta(&gif).unwrap();
    let durations: Vec<f64> = (0..3)
        .map(|i| {
            imageio::immeta_with(&gif, &ReadOptions::new().index(Index::At(i)))
                .unwrap()
                .get("duration")
                .and_then(Value::as_float)
                .unwrap()
        })
        .collect();
    assert_eq!(durations, [50.0, 230.0, 100.0], "{m:?}");
    assert_eq!(
        imread_with(&gif, &ReadOptions::new().index(Index::All))
            .unwrap()
            .shape(),
        [3, 8, 8, 3]
    );

    // TIFF: the second page compressed, the first not.
    let tif = dir.path().join("pages.tif");
    let mut w = imageio::ImageFile::open_write(&tif, &WriteOptions::new()).unwrap();
    w.write(frame(1)).unwrap();
    w.write_with_options(frame(2), false, &per("compression", Value::from("lzw")))
        .unwrap();
    w.close().unwrap();
    let compression = |i: usize| {
        imageio::immeta_with(&tif, &ReadOptions::new().index(Index::At(i)))
            .unwrap()
            .get("compression")
            .map(|v| format!("{v}"))
    };
    assert_ne!(compression(0), compression(1));
    assert!(
        compression(1).unwrap().to_lowercase().contains("lzw"),
        "{:?}",
        compression(1)
    );
    let both = imread_with(&tif, &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(
        both,
        NdImage::from(
            imageio::ndarray::stack(
                imageio::ndarray::Axis(0),
                &[
                    Array3::<u8>::from_elem((8, 8, 3), 1).view(),
                    Array3::<u8>::from_elem((8, 8, 3), 2).view()
                ]
            )
            .unwrap()
        )
    );
}
