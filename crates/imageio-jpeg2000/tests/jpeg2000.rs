//! The JPEG 2000 plugin against files made by OpenJPEG (through imagecodecs
//! and Pillow; `tests/data/make.py`): pixels compared exactly with the arrays
//! the files were made from (lossless), within 1 of OpenJPEG's own decode
//! (lossy), and with Pillow's reduced decodes (`reduce`); registration,
//! routing, limits and hostile input.

use std::path::PathBuf;

use imageio::plugin::{plugin_by_name, Rank};
use imageio::{
    imdecode, imdecode_with, immeta, improps, improps_with, imread, imread_with, imwrite, DType,
    ErrorKind, Limits, NdImage, ReadOptions,
};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The reference array of a test file (the `.npy` beside it).
fn reference(stem: &str) -> NdImage {
    imread(data(&format!("{stem}.npy"))).unwrap()
}

#[test]
fn registers_with_its_claims() {
    // Naming the crate links it, and with it its `inventory` registration.
    let _ = imageio_jpeg2000::FORMAT;
    let info = plugin_by_name("jpeg2000").expect("the plugin registers");
    assert_eq!(info.crate_name, "imageio-jpeg2000");
    let read = info.read.as_ref().expect("it reads");
    assert_eq!(info.read_extensions(), [".jp2", ".j2k", ".j2c", ".jpx"]);
    assert_eq!(read.formats[0].rank, Rank::DEDICATED);
    assert!(info.write.is_none());
}

#[test]
fn lossless_files_read_exactly() {
    for (file, dtype, shape) in [
        ("gray8.jp2", DType::U8, &[40usize, 48][..]),
        ("gray16.jp2", DType::U16, &[40, 48]),
        ("gray12.j2k", DType::U16, &[33, 47]),
        ("rgb8.jp2", DType::U8, &[40, 48, 3]),
        ("rgb16.jp2", DType::U16, &[32, 40, 3]),
        ("rgba8.jp2", DType::U8, &[36, 44, 4]),
        ("rgba16.jp2", DType::U16, &[24, 32, 4]),
        ("rgb8_codestream.j2c", DType::U8, &[40, 48, 3]),
        ("pillow_la8.jp2", DType::U8, &[30, 34, 2]),
        ("pillow_rgb8_levels4.jp2", DType::U8, &[64, 80, 3]),
    ] {
        let img = imread(data(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!((img.dtype(), img.shape()), (dtype, shape), "{file}");
        let stem = file.rsplit_once('.').unwrap().0;
        assert_eq!(
            img,
            reference(stem),
            "{file}: pixels differ from the source array"
        );
        let p = improps(data(file)).unwrap();
        assert_eq!((p.dtype, &p.shape[..]), (dtype, shape), "{file}");
    }
    // 4 bits are scaled to 0..255 (x 17), as every low-depth gray.
    let g4 = imread(data("gray4.j2k")).unwrap();
    assert_eq!((g4.dtype(), g4.shape()), (DType::U8, &[20usize, 24][..]));
    let stored = reference("gray4").into_array::<u8>().unwrap();
    assert!(stored.iter().all(|&v| v < 16) && stored.iter().any(|&v| v == 15));
    assert_eq!(g4.into_array::<u8>().unwrap(), stored.mapv(|v| v * 17));
    // 12 bits are kept as stored, not scaled.
    let g = imread(data("gray12.j2k"))
        .unwrap()
        .into_array::<u16>()
        .unwrap();
    assert!(g.iter().all(|&v| v < 4096));
    assert!(g.iter().any(|&v| v > 4000));
}

#[test]
fn lossy_files_read_within_one_of_openjpeg() {
    let img = imread(data("rgb8_lossy.jp2")).unwrap();
    let ours = img.into_array::<u8>().unwrap();
    let theirs = reference("rgb8_lossy").into_array::<u8>().unwrap();
    assert_eq!(ours.shape(), theirs.shape());
    let worst = ours
        .iter()
        .zip(theirs.iter())
        .map(|(&a, &b)| a.abs_diff(b))
        .max()
        .unwrap();
    // OpenJPEG's 9/7 inverse transform is fixed-point, hayro's is f32.
    assert!(worst <= 1, "max difference {worst}");
}

#[test]
fn reduce_decodes_fewer_resolution_levels() {
    let file = data("pillow_rgb8_levels4.jp2");
    for r in [1i64, 2] {
        let o = ReadOptions::new().option("reduce", r);
        let p = improps_with(&file, &o).unwrap();
        let img = imread_with(&file, &o).unwrap();
        assert_eq!(img.shape(), &p.shape[..]);
        let want = reference(&format!("pillow_rgb8_levels4_reduce{r}"));
        assert_eq!(img.shape(), want.shape(), "reduce {r}");
        // Pillow's (OpenJPEG's) reduced decode of a lossless file: the same
        // low-pass band, exactly.
        assert_eq!(img, want, "reduce {r}");
    }
    // More levels than the file has: clamped (4 resolutions: 3 at most).
    let img = imread_with(&file, &ReadOptions::new().option("reduce", 9)).unwrap();
    assert_eq!(img.shape(), &[8, 10, 3]);
    let e = imread_with(&file, &ReadOptions::new().option("reduce", -1)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
}

#[test]
fn routed_by_signature_and_extension() {
    let bytes = std::fs::read(data("rgb8.jp2")).unwrap();
    let want = reference("rgb8");
    // By content alone, and under a misleading name.
    assert_eq!(imdecode(&bytes).unwrap(), want);
    assert_eq!(
        imdecode_with(&bytes, &ReadOptions::new().extension(".png")).unwrap(),
        want
    );
    let dir = tempfile::tempdir().unwrap();
    let jpx = dir.path().join("a.jpx");
    std::fs::write(&jpx, &bytes).unwrap();
    assert_eq!(imread(&jpx).unwrap(), want);
    let m = immeta(&jpx).unwrap();
    assert_eq!(m.get("bits_per_sample").and_then(|v| v.as_int()), Some(8));
    assert_eq!(m.get("color_space").and_then(|v| v.as_str()), Some("RGB"));
    // No writer: a clear error, and nothing written.
    let out = dir.path().join("out.jp2");
    let e = imwrite(&out, &want).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoPlugin, "{e}");
    assert!(
        e.to_string()
            .contains(".jp2 is read-only here: the jpeg2000 plugin reads it"),
        "{e}"
    );
    assert!(!out.exists());
}

#[test]
fn limits_are_checked_from_the_header() {
    let small = Limits {
        max_pixels: 1000,
        ..Limits::default()
    };
    let o = ReadOptions::new().limits(small);
    let e = imread_with(data("rgb8.jp2"), &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // A header claiming 2^31 x 2^31 pixels fails before any decoding.
    let mut bytes = std::fs::read(data("rgb8_codestream.j2c")).unwrap();
    // SIZ: FF51, Lsiz(2), Rsiz(2), then Xsiz, Ysiz (u32 big-endian).
    assert_eq!(&bytes[2..4], b"\xFF\x51");
    bytes[8..12].copy_from_slice(&0x7FFF_FFFFu32.to_be_bytes());
    bytes[12..16].copy_from_slice(&0x7FFF_FFFFu32.to_be_bytes());
    let start = std::time::Instant::now();
    let e = imdecode(&bytes).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::LimitExceeded | ErrorKind::Decode),
        "{e}"
    );
    assert!(start.elapsed().as_secs() < 5);
}

/// Sets the SIZ marker of the codestream in `bytes` to an image of
/// `size` x `size` in tiles of `tile` x `tile`.
fn patch_siz(bytes: &mut [u8], size: u32, tile: u32) {
    let soc = bytes
        .windows(4)
        .position(|w| w == b"\xFF\x4F\xFF\x51")
        .expect("a codestream");
    let siz = soc + 4;
    for (field, v) in [(4, size), (8, size), (20, tile), (24, tile)] {
        bytes[siz + field..siz + field + 4].copy_from_slice(&v.to_be_bytes());
    }
}

#[test]
fn tile_counts_beyond_the_format_are_refused_before_decoding() {
    // 4000 x 4000 one-pixel tiles: a 16-megapixel image within the limits,
    // but 16 million tiles (the backend took 4 GB and 17 s to set them up).
    for file in ["rgb8_codestream.j2c", "rgb8.jp2"] {
        let mut bytes = std::fs::read(data(file)).unwrap();
        patch_siz(&mut bytes, 4000, 1);
        let start = std::time::Instant::now();
        let e = imdecode(&bytes).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{file}: {e}");
        assert!(e.to_string().contains("16000000 tiles"), "{file}: {e}");
        assert!(start.elapsed().as_secs() < 2, "{file}");
    }
    // As many tiles as the format allows (the 48 x 40 image in 1 x 1 tiles)
    // is not refused for its tiles.
    let mut bytes = std::fs::read(data("rgb8.jp2")).unwrap();
    patch_siz(&mut bytes, 200, 1);
    if let Err(e) = imdecode(&bytes) {
        assert!(!e.to_string().contains("tiles"), "{e}");
    }
}

#[test]
fn hostile_bytes_end_in_clean_errors() {
    for file in [
        "rgb8.jp2",
        "gray16.jp2",
        "rgb8_codestream.j2c",
        "pillow_rgb8_levels4.jp2",
    ] {
        let bytes = std::fs::read(data(file)).unwrap();
        // Truncated anywhere: an error or an image, never a panic.
        for cut in (0..bytes.len()).step_by(97) {
            match imdecode_with(&bytes[..cut], &ReadOptions::new().extension(".jp2")) {
                Ok(img) => assert!(!img.is_empty()),
                Err(e) => assert_ne!(e.kind(), ErrorKind::Internal, "{file} cut at {cut}: {e}"),
            }
        }
        // Flipped bytes.
        let mut seed = 0x9E37_79B9u32;
        for _ in 0..200 {
            let mut b = bytes.clone();
            for _ in 0..4 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let i = seed as usize % b.len();
                b[i] ^= (seed >> 8) as u8 | 1;
            }
            if let Err(e) = imdecode(&b) {
                assert_ne!(e.kind(), ErrorKind::Internal, "{file}: {e}");
            }
        }
    }
}
