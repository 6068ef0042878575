//! The PSD plugin against Pillow and psd-tools: every file in `tests/data`
//! (written by psd-tools, one indexed file by hand, through `make.py`) read
//! image by image and compared sample for sample with the arrays Pillow
//! reads (psd-tools' for bitmap, 16- and 32-bit files, which Pillow reads
//! inverted or not at all); registration, routing, metadata, limits and
//! hostile input.

use std::path::PathBuf;

use imageio::plugin::{plugin_by_name, Rank};
use imageio::{
    imdecode, imdecode_with, improps, imread, DType, ErrorKind, ImageFile, Index, Limits, NdImage,
    ReadOptions, Value,
};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).unwrap()
}

/// The PSD files of the test data, by stem.
fn stems() -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(data(""))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".psd").map(str::to_owned)
        })
        .collect();
    stems.sort();
    stems
}

/// Bit-for-bit equality, with dtype and shape.
fn assert_same(got: &NdImage, want: &NdImage, what: &str) {
    assert_eq!(
        (got.dtype(), got.shape()),
        (want.dtype(), want.shape()),
        "{what}: dtype or shape"
    );
    assert_eq!(got.as_bytes(), want.as_bytes(), "{what}: samples differ");
}

#[test]
fn registers_with_its_claims() {
    let _ = imageio_psd::FORMAT;
    let info = plugin_by_name("psd").expect("the plugin registers");
    assert_eq!(info.crate_name, "imageio-psd");
    let read = info.read.as_ref().expect("it reads");
    assert_eq!(info.read_extensions(), [".psd"]);
    assert_eq!(read.formats[0].format.name, "PSD");
    assert_eq!(read.formats[0].rank, Rank::DEDICATED);
    assert!(info.write.is_none());
}

#[test]
fn every_image_matches_the_references() {
    let stems = stems();
    assert!(stems.len() >= 23, "test data missing: {stems:?}");
    let mut images = 0;
    for stem in &stems {
        let path = data(&format!("{stem}.psd"));
        let mut file = ImageFile::open_read(&path, &ReadOptions::new())
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert_eq!(file.plugin_name(), "psd", "{stem}");
        let n = file.n_images().unwrap().unwrap();
        for k in 0..n {
            let what = format!("{stem}[{k}]");
            let reference = data(&format!("{stem}.{k}.npy"));
            let got = file
                .read(Index::At(k))
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            let p = file.properties(Index::At(k)).unwrap();
            assert_eq!(
                (p.dtype, &p.shape[..]),
                (got.dtype(), got.shape()),
                "{what}"
            );
            if !reference.exists() {
                continue;
            }
            let want = imread(&reference).unwrap();
            assert_same(&got, &want, &what);
            images += 1;
        }
        let e = file.read(Index::At(n)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IndexOutOfRange, "{stem}: {e}");
    }
    assert!(images >= 28, "{images} images compared");
}

#[test]
fn modes_and_depths() {
    for (stem, shape, dtype) in [
        ("rgb8_rle", &[17, 23, 3][..], DType::U8),
        ("rgba8_rle", &[13, 11, 4], DType::U8),
        ("gray8_raw", &[5, 7], DType::U8),
        ("bitmap_rle", &[12, 21], DType::U8),
        ("indexed8_raw", &[7, 9, 3], DType::U8),
        ("cmyk8_rle", &[8, 10, 4], DType::U8),
        ("lab8_rle", &[5, 6, 3], DType::U8),
        ("rgb16_rle", &[7, 9, 3], DType::U16),
        ("rgba16_rle", &[4, 6, 4], DType::U16),
        ("gray16_rle", &[8, 3], DType::U16),
        ("gray32_raw", &[5, 4], DType::F32),
    ] {
        let p = improps(data(&format!("{stem}.psd"))).unwrap();
        assert_eq!((&p.shape[..], p.dtype), (shape, dtype), "{stem}");
    }
    // Bitmap samples are 0 and 255 only.
    let img = imread(data("bitmap_raw.psd")).unwrap();
    assert!(img.as_bytes().unwrap().iter().all(|&v| v == 0 || v == 255));
}

#[test]
fn layers_are_canvas_size_with_their_metadata() {
    let mut file = ImageFile::open_read(data("layers_rgb.psd"), &ReadOptions::new()).unwrap();
    assert_eq!(file.n_images().unwrap(), Some(5));
    let m = file.metadata(Index::At(2)).unwrap();
    assert_eq!(m.get("name"), Some(&Value::from("top left")));
    assert_eq!(m.get("top").and_then(Value::as_int), Some(1));
    assert_eq!(m.get("left").and_then(Value::as_int), Some(2));
    assert_eq!(m.get("bottom").and_then(Value::as_int), Some(6));
    assert_eq!(m.get("right").and_then(Value::as_int), Some(9));
    assert_eq!(m.get("opacity").and_then(Value::as_int), Some(255));
    assert_eq!(m.get("visible").and_then(Value::as_bool), Some(true));
    assert_eq!(m.get("blend_mode").and_then(Value::as_str), Some("norm"));
    let file_m = file.metadata(Index::All).unwrap();
    assert_eq!(
        file_m.get("color_mode").and_then(Value::as_str),
        Some("RGB")
    );
    assert_eq!(file_m.get("n_layers").and_then(Value::as_int), Some(4));
    assert_eq!(file_m.get("depth").and_then(Value::as_int), Some(8));
    let img = file.read(Index::At(2)).unwrap();
    assert_eq!(img.shape(), [12, 16, 4]);
    // Outside the layer's bounds the canvas is zero, alpha included.
    let a = img.view::<u8>().unwrap();
    assert_eq!(a[[0, 0, 3]], 0);
    assert_eq!(a[[6, 9, 3]], 0);
    assert_eq!(a[[1, 2, 3]], 255);
}

#[test]
fn truncated_files_fail_cleanly() {
    for stem in [
        "rgb8_rle",
        "rgb8_raw",
        "rgb16_rle",
        "layers_rgb",
        "bitmap_rle",
        "indexed8_raw",
    ] {
        let full = bytes(&format!("{stem}.psd"));
        for cut in (0..full.len()).step_by(7).chain([full.len() - 1]) {
            let part = &full[..cut];
            let result =
                imdecode_with(part, &ReadOptions::new().extension(".psd")).and_then(|_| {
                    let mut f =
                        ImageFile::open_read(part.to_vec(), &ReadOptions::new().extension(".psd"))?;
                    let n = f.n_images()?.unwrap_or(1);
                    (0..n).try_for_each(|i| f.read(Index::At(i)).map(|_| ()))
                });
            if let Err(e) = result {
                assert_ne!(e.kind(), ErrorKind::Internal, "{stem} cut at {cut}: {e}");
            }
        }
    }
}

#[test]
fn limits_are_checked_before_decoding() {
    let mut psd = bytes("rgb8_raw.psd");
    // 30000 x 30000 RGB: 2.7 GB, refused from the header.
    psd[14..18].copy_from_slice(&30000u32.to_be_bytes());
    psd[18..22].copy_from_slice(&30000u32.to_be_bytes());
    let e = imdecode(&psd).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // The real file under a small limit.
    let small = ReadOptions::new().limits(Limits {
        max_pixels: 100,
        ..Limits::default()
    });
    let e = imdecode_with(&bytes("rgb8_raw.psd"), &small).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
}

#[test]
fn unsupported_variants_are_refused() {
    let mut psb = bytes("rgb8_raw.psd");
    psb[5] = 2;
    let e = imdecode(&psb).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    // Raw data relabelled as ZIP: a clean decode error.
    let mut zip = bytes("gray8_raw.psd");
    let at = zip.len() - 5 * 7 - 2;
    zip[at + 1] = 2;
    let e = imdecode(&zip).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
}

/// The workspace's hostile inputs for this format.
#[path = "../../../tests/tests/formats/psd.rs"]
mod hostile;

/// Reads every image of `bytes` as a `.psd`; the first error, if any.
fn read_everything(bytes: &[u8]) -> imageio::Result<()> {
    let options = ReadOptions::new().extension(".psd");
    let mut f = ImageFile::open_read(bytes.to_vec(), &options)?;
    let n = f.n_images()?.unwrap_or(1);
    for i in 0..n {
        f.properties(Index::At(i))?;
        f.metadata(Index::At(i))?;
        f.read(Index::At(i))?;
    }
    Ok(())
}

#[test]
fn bombs_are_refused_fast_and_seeds_read() {
    for (name, _, bytes) in hostile::bombs() {
        let t = std::time::Instant::now();
        let e = read_everything(&bytes).expect_err(name);
        assert!(
            matches!(e.kind(), ErrorKind::LimitExceeded | ErrorKind::Decode),
            "{name}: {e}"
        );
        assert!(t.elapsed().as_secs_f64() < 1.0, "{name}: {:?}", t.elapsed());
    }
    for (_, bytes) in hostile::seeds() {
        read_everything(&bytes).unwrap();
    }
}

#[test]
fn mutated_seeds_never_panic() {
    // A small deterministic mutation run (the workspace's mutation test
    // runs many more): overwrite one to four bytes, or cut the file.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (_, seed) in hostile::seeds() {
        for _ in 0..400 {
            let mut m = seed.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % m.len() as u64) as usize;
                m[at] = next() as u8;
            }
            if next() % 5 == 0 {
                m.truncate((next() % m.len() as u64) as usize);
            }
            if let Err(e) = read_everything(&m) {
                assert_ne!(e.kind(), ErrorKind::Internal, "{e}");
            }
        }
    }
}
