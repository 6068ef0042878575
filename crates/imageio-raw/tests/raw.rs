//! The RAW plugin against rawpy (LibRaw): DNGs written by pidng
//! (`tests/data/make.py`), their raw mosaics compared exactly with rawpy's
//! `raw_image_visible`, their metadata with rawpy's, and the developed
//! image with rawpy's `postprocess` within a stated tolerance;
//! registration, routing, options, limits and hostile input.

use std::path::PathBuf;

use imageio::plugin::{plugin_by_name, Rank};
use imageio::{
    imdecode_with, improps_with, imread, imread_with, DType, ErrorKind, ImageFile, Index, Limits,
    NdImage, ReadOptions, Value,
};

const STEMS: [&str; 5] = ["rggb", "bggr", "grbg", "gbrg", "rggb_large"];

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn mosaic() -> ReadOptions {
    ReadOptions::new().option("develop", false)
}

fn json(stem: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(data(&format!("{stem}.json"))).unwrap()).unwrap()
}

#[test]
fn registers_with_its_claims() {
    let _ = imageio_raw::TIFF_RAW;
    let info = plugin_by_name("raw").expect("the plugin registers");
    assert_eq!(info.crate_name, "imageio-raw");
    let read = info.read.as_ref().expect("it reads");
    assert_eq!(
        info.read_extensions(),
        [".dng", ".cr2", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".cr3", ".raf", ".orf", ".rw2"]
    );
    assert!(read.formats.iter().all(|c| c.rank == Rank::DEDICATED));
    // The TIFF-based formats have no signature: a .tif never comes here.
    assert!(read.formats[0].format.signatures.is_empty());
    assert!(info.write.is_none());
}

#[test]
fn mosaics_match_rawpy_exactly() {
    for stem in STEMS {
        let path = data(&format!("{stem}.dng"));
        let mut file = ImageFile::open_read(&path, &mosaic()).unwrap();
        assert_eq!(file.plugin_name(), "raw");
        assert_eq!(file.n_images().unwrap(), Some(1));
        let got = file.read(Index::At(0)).unwrap();
        let want = imread(data(&format!("{stem}.raw.npy"))).unwrap();
        assert_eq!(
            (got.dtype(), got.shape()),
            (DType::U16, want.shape()),
            "{stem}"
        );
        assert_eq!(got.as_bytes(), want.as_bytes(), "{stem}: samples differ");
        let p = file.properties(Index::At(0)).unwrap();
        assert_eq!(
            (p.dtype, &p.shape[..]),
            (DType::U16, want.shape()),
            "{stem}"
        );
    }
}

#[test]
fn metadata_matches_rawpy() {
    for stem in STEMS {
        let j = json(stem);
        let mut file = ImageFile::open_read(data(&format!("{stem}.dng")), &mosaic()).unwrap();
        let m = file.metadata(Index::At(0)).unwrap();
        // rawpy's pattern: indices into color_desc ("RGBG", 3 = second G).
        let desc: Vec<char> = j["color_desc"].as_str().unwrap().chars().collect();
        let want: String = j["raw_pattern"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap().iter())
            .map(|i| desc[i.as_u64().unwrap() as usize])
            .collect();
        assert_eq!(
            m.get("cfa_pattern").and_then(Value::as_str),
            Some(&want[..]),
            "{stem}"
        );
        assert_eq!(
            m.get("white_level").and_then(Value::as_int),
            j["white_level"].as_i64(),
            "{stem}"
        );
        let blacks: Vec<f64> = m
            .get("black_level")
            .and_then(Value::as_list)
            .unwrap()
            .iter()
            .map(|v| v.as_float().unwrap())
            .collect();
        let want_black: Vec<f64> = j["black_level_per_channel"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        // The DNGs have one black level for all four positions.
        assert!(
            blacks.iter().all(|b| *b == want_black[0]),
            "{stem}: {blacks:?}"
        );
        let wb: Vec<f64> = m
            .get("wb_coeffs")
            .and_then(Value::as_list)
            .unwrap()
            .iter()
            .map(|v| v.as_float().unwrap())
            .collect();
        let want_wb = j["camera_whitebalance"].as_array().unwrap();
        for c in 0..3 {
            let w = want_wb[c].as_f64().unwrap();
            assert!(
                (wb[c] - w).abs() < 1e-4 * w,
                "{stem}: wb {wb:?} vs {want_wb:?}"
            );
        }
        assert_eq!(m.get("make").and_then(Value::as_str), Some("imageio-rs"));
        assert_eq!(
            m.get("model").and_then(Value::as_str),
            Some(&format!("test {stem}")[..])
        );
        assert_eq!(m.get("orientation").and_then(Value::as_int), Some(1));
    }
}

/// Mean and largest absolute difference of two u8 arrays of one shape.
fn diff(a: &NdImage, b: &NdImage) -> (f64, u8) {
    let (a, b) = (a.as_bytes().unwrap(), b.as_bytes().unwrap());
    let sum: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    let max = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap();
    (sum as f64 / a.len() as f64, max)
}

#[test]
fn develop_is_close_to_rawpy_postprocess() {
    for stem in STEMS {
        let path = data(&format!("{stem}.dng"));
        let developed = ReadOptions::new().option("develop", true);
        let got = imread_with(&path, &developed).unwrap();
        let want = imread(data(&format!("{stem}.rgb.npy"))).unwrap();
        assert_eq!(
            (got.dtype(), got.shape()),
            (DType::U8, want.shape()),
            "{stem}"
        );
        let p = improps_with(&path, &developed).unwrap();
        assert_eq!(&p.shape[..], want.shape(), "{stem}");
        // The default is the mosaic as stored.
        assert_eq!(
            imread(&path).unwrap(),
            imread_with(&path, &mosaic()).unwrap()
        );
        let (mean, max) = diff(&got, &want);
        let default = imread(data(&format!("{stem}.default.npy"))).unwrap();
        let (mean_default, max_default) = diff(&got, &default);
        eprintln!(
            "{stem}: vs rawpy (camera WB, PPG, sRGB gamma, no auto-bright): mean {mean:.2} max {max}; \
             vs rawpy's default postprocess: mean {mean_default:.2} max {max_default}"
        );
        // Measured (rawler 0.8, LibRaw 0.22.2 through rawpy 0.28): mean 1.2 to
        // 3.9, largest 20 to 51 (at edges: rawler's PPG is not LibRaw's), the
        // green channel 1 to 8 levels brighter on average.
        assert!(mean < 5.0 && max < 64, "{stem}: mean {mean:.2}, max {max}");
    }
}

#[test]
fn options_are_checked() {
    let path = data("rggb.dng");
    let e = imread_with(&path, &ReadOptions::new().option("develop", "yes")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    let e = imread_with(&path, &ReadOptions::new().option("demosaic", "ahd")).unwrap_err();
    assert!(e.to_string().contains("develop"), "{e}");
}

#[test]
fn limits_are_checked_before_decoding() {
    let path = data("rggb_large.dng");
    let small = Limits {
        max_pixels: 1000,
        ..Limits::default()
    };
    let e = imread_with(&path, &mosaic().limits(small)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
}

#[test]
fn truncated_and_foreign_files_fail_cleanly() {
    let full = std::fs::read(data("rggb.dng")).unwrap();
    let options = mosaic().extension(".dng");
    for cut in (0..full.len()).step_by(97).chain([full.len() - 1]) {
        if let Err(e) = imdecode_with(&full[..cut], &options) {
            assert_ne!(e.kind(), ErrorKind::Internal, "cut at {cut}: {e}");
        }
    }
    // A plain TIFF named .dng: rawler refuses it, cleanly.
    let tiff = b"II*\0\x08\0\0\0\0\0\0\0\0\0".to_vec();
    let e = imdecode_with(&tiff, &options).unwrap_err();
    assert_ne!(e.kind(), ErrorKind::Internal, "{e}");
}

/// The workspace's hostile inputs for this format.
#[path = "../../../tests/tests/formats/raw.rs"]
mod hostile;

#[test]
fn bombs_are_refused_fast_and_seeds_read() {
    for (name, ext, bytes) in hostile::bombs() {
        let t = std::time::Instant::now();
        for options in [ReadOptions::new(), mosaic()] {
            let e = imdecode_with(&bytes, &options.extension(ext)).expect_err(name);
            assert!(
                matches!(e.kind(), ErrorKind::LimitExceeded | ErrorKind::Decode),
                "{name}: {e}"
            );
        }
        assert!(t.elapsed().as_secs_f64() < 2.0, "{name}: {:?}", t.elapsed());
    }
    for (ext, bytes) in hostile::seeds() {
        imdecode_with(&bytes, &mosaic().extension(&ext)).unwrap();
        imdecode_with(&bytes, &ReadOptions::new().extension(&ext)).unwrap();
    }
}

#[test]
fn mutated_seeds_never_panic() {
    // A small deterministic mutation run (the workspace's mutation test
    // runs many more): overwrite one to four bytes, or cut the file; read
    // both ways.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (ext, seed) in hostile::seeds() {
        for _ in 0..150 {
            let mut m = seed.clone();
            for _ in 0..1 + next() % 4 {
                // Most of a DNG is pixel data: hit the header half the time.
                let span = if next() % 2 == 0 {
                    512.min(m.len())
                } else {
                    m.len()
                };
                let at = (next() % span as u64) as usize;
                m[at] = next() as u8;
            }
            if next() % 5 == 0 {
                m.truncate((next() % m.len() as u64) as usize);
            }
            for options in [ReadOptions::new(), mosaic()] {
                if let Err(e) = imdecode_with(&m, &options.extension(&ext)) {
                    assert_ne!(e.kind(), ErrorKind::Internal, "{e}");
                }
            }
        }
    }
}

#[test]
fn tiff_files_are_not_taken() {
    let dng = std::fs::read(data("rggb.dng")).unwrap();
    // Named .dng: this plugin.
    let f = ImageFile::open_read(dng.clone(), &mosaic().extension(".dng")).unwrap();
    assert_eq!(f.plugin_name(), "raw");
    // The same bytes named .tif, or unnamed: the TIFF plugin (the TIFF-based
    // raw formats are claimed by extension only).
    for options in [ReadOptions::new().extension(".tif"), ReadOptions::new()] {
        let f = ImageFile::open_read(dng.clone(), &options).unwrap();
        assert_eq!(f.plugin_name(), "tiff");
    }
}
