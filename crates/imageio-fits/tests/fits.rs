//! The FITS plugin against astropy: every file in `tests/data` (made by
//! astropy through `make.py`, and five of astropy's own test files) read
//! with scaling on and off, compared bit for bit with the arrays astropy
//! reads, image by image; headers compared card by card; registration,
//! routing, options, limits and hostile input.

use std::path::{Path, PathBuf};

use imageio::plugin::{plugin_by_name, Rank};
use imageio::{
    imdecode_with, imread, DType, ErrorKind, ImageFile, Index, Limits, NdImage, ReadOptions, Value,
};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn data(name: &str) -> PathBuf {
    data_dir().join(name)
}

fn open(path: &Path, options: &ReadOptions) -> ImageFile {
    ImageFile::open_read(path, options).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The FITS files of the test data, by stem.
fn fits_stems() -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(data_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".fits").map(str::to_owned)
        })
        .collect();
    stems.sort();
    stems
}

/// Bit-for-bit equality (NaN included), with dtype and shape.
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
    let _ = imageio_fits::FORMAT;
    let info = plugin_by_name("fits").expect("the plugin registers");
    assert_eq!(info.crate_name, "imageio-fits");
    let read = info.read.as_ref().expect("it reads");
    assert_eq!(info.read_extensions(), [".fits", ".fit", ".fts"]);
    assert_eq!(read.formats[0].rank, Rank::DEDICATED);
    assert!(info.write.is_none());
}

#[test]
fn every_image_matches_astropy_scaled_and_raw() {
    let stems = fits_stems();
    assert!(stems.len() >= 30, "test data missing: {stems:?}");
    let raw = ReadOptions::new().option("scale", false);
    let mut images = 0;
    for stem in &stems {
        let path = data(&format!("{stem}.fits"));
        let expected = (0..)
            .take_while(|k| data(&format!("{stem}.{k}.npy")).exists())
            .count();
        let mut file = open(&path, &ReadOptions::new());
        assert_eq!(file.plugin_name(), "fits", "{stem}");
        assert_eq!(file.n_images().unwrap(), Some(expected), "{stem}: n_images");
        let mut raw_file = open(&path, &raw);
        for k in 0..expected {
            let what = format!("{stem}[{k}]");
            let want = imread(data(&format!("{stem}.{k}.npy"))).unwrap();
            let got = file
                .read(Index::At(k))
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_same(&got, &want, &what);
            let p = file.properties(Index::At(k)).unwrap();
            assert_eq!(
                (p.dtype, &p.shape[..]),
                (want.dtype(), want.shape()),
                "{what}"
            );

            let want = imread(data(&format!("{stem}.{k}.raw.npy"))).unwrap();
            let got = raw_file.read(Index::At(k)).unwrap();
            assert_same(&got, &want, &format!("{what} scale=false"));
            let p = raw_file.properties(Index::At(k)).unwrap();
            assert_eq!(p.dtype, want.dtype(), "{what} scale=false");
            images += 1;
        }
        let e = file.read(Index::At(expected)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IndexOutOfRange, "{stem}: {e}");
    }
    assert!(images >= 32, "{images} images compared");
}

#[test]
fn dtypes_follow_astropy() {
    for (stem, dtype, raw) in [
        ("u8", DType::U8, DType::U8),
        ("i16", DType::I16, DType::I16),
        ("i32", DType::I32, DType::I32),
        ("i64", DType::I64, DType::I64),
        ("f32", DType::F32, DType::F32),
        ("f64", DType::F64, DType::F64),
        ("uint16", DType::U16, DType::I16),
        ("uint32", DType::U32, DType::I32),
        ("uint64", DType::U64, DType::I64),
        ("int8", DType::I8, DType::U8),
        ("bscale_u8", DType::F32, DType::U8),
        ("bscale_i16", DType::F32, DType::I16),
        ("bscale_i32", DType::F64, DType::I32),
        ("bscale_i64", DType::F64, DType::I64),
        ("blank_i16", DType::F32, DType::I16),
        ("bscale_f32", DType::F32, DType::F32),
    ] {
        let path = data(&format!("{stem}.fits"));
        assert_eq!(imread(&path).unwrap().dtype(), dtype, "{stem}");
        let opts = ReadOptions::new().option("scale", false);
        let img = imageio::imread_with(&path, &opts).unwrap();
        assert_eq!(img.dtype(), raw, "{stem} scale=false");
    }
    // BLANK samples are NaN; the others scaled.
    let img = imread(data("blank_i16.fits")).unwrap();
    let a = img.into_array::<f32>().unwrap();
    assert!(a[[1, 2]].is_nan() && a[[4, 4]].is_nan());
    assert_eq!(a.iter().filter(|v| v.is_nan()).count(), 2);
    // 3-D and 4-D arrays come in C order, (NAXIS3, NAXIS2, NAXIS1).
    assert_eq!(imread(data("i16_3d.fits")).unwrap().shape(), [3, 4, 5]);
    assert_eq!(imread(data("f32_4d.fits")).unwrap().shape(), [2, 3, 4, 5]);
    assert_eq!(imread(data("line.fits")).unwrap().shape(), [17]);
}

/// The header of `stem`'s image `k` against astropy's (`NAME.K.json`).
fn check_header(stem: &str, k: usize) {
    let text = std::fs::read_to_string(data(&format!("{stem}.{k}.json"))).unwrap();
    let want: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut file = open(&data(&format!("{stem}.fits")), &ReadOptions::new());
    let meta = file.metadata(Index::At(k)).unwrap();
    for (key, value) in &want {
        let got = meta
            .get(key)
            .unwrap_or_else(|| panic!("{stem}[{k}]: no {key}"));
        let same = match (value, got) {
            (serde_json::Value::Bool(b), Value::Bool(g)) => b == g,
            (serde_json::Value::Number(n), Value::Int(g)) => n.as_i64() == Some(*g),
            (serde_json::Value::Number(n), Value::Float(g)) => n.as_f64() == Some(*g),
            (serde_json::Value::String(s), Value::Str(g)) => s == g,
            (serde_json::Value::Array(lines), Value::List(g)) => {
                lines.len() == g.len() && lines.iter().zip(g).all(|(l, g)| l.as_str() == g.as_str())
            }
            _ => false,
        };
        assert!(same, "{stem}[{k}] {key}: astropy {value:?}, plugin {got:?}");
    }
}

#[test]
fn headers_match_astropy() {
    let mut n = 0;
    for stem in fits_stems() {
        for k in 0.. {
            if !data(&format!("{stem}.{k}.json")).exists() {
                break;
            }
            check_header(&stem, k);
            n += 1;
        }
    }
    assert!(n >= 8, "{n} headers compared");
    // A few values spelled out.
    let mut file = open(&data("cards.fits"), &ReadOptions::new());
    let m = file.metadata(Index::At(0)).unwrap();
    assert_eq!(m.get("STRKEY"), Some(&Value::Str("It's a string".into())));
    assert_eq!(m.get("BIGINT"), Some(&Value::Int(1 << 40)));
    assert_eq!(m.get("FLTKEY"), Some(&Value::Float(1.5e-7)));
    assert_eq!(m.get("BOOLF"), Some(&Value::Bool(false)));
    assert_eq!(
        m.get("ESO.DET.NAME"),
        None,
        "HIERARCH keys keep astropy's spelling"
    );
    assert_eq!(m.get("hdu"), Some(&Value::Int(0)));
    let long = m.get("LONGSTR").and_then(Value::as_str).unwrap();
    assert_eq!(long, "a long string ".repeat(12).trim_end());
    // Image 1 of mef.fits is the fourth HDU (a table comes before it).
    let mut file = open(&data("mef.fits"), &ReadOptions::new());
    let m = file.metadata(Index::At(1)).unwrap();
    assert_eq!(m.get("EXTNAME"), Some(&Value::Str("ERR".into())));
    assert_eq!(m.get("hdu"), Some(&Value::Int(3)));
    // The file-level metadata is the primary header.
    let m = file.metadata(Index::All).unwrap();
    assert_eq!(m.get("hdu"), Some(&Value::Int(0)));
    assert_eq!(m.get("SIMPLE"), Some(&Value::Bool(true)));
}

#[test]
fn routing_and_options() {
    let bytes = std::fs::read(data("i16.fits")).unwrap();
    // By the SIMPLE card, whatever the name says.
    let img = imdecode_with(&bytes, &ReadOptions::new().extension(".png")).unwrap();
    assert_eq!(img.dtype(), DType::I16);
    let opts = ReadOptions::new().option("scale", "yes");
    let e = imdecode_with(&bytes, &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    // Random groups are records, not images.
    let mut file = open(&data("astropy_group.fits"), &ReadOptions::new());
    assert_eq!(file.n_images().unwrap(), Some(0));
    let e = file.read(Index::At(0)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IndexOutOfRange, "{e}");
    // Junk after the last HDU is ignored, as astropy ignores it; a broken
    // extension header keeps the images before it readable.
    let mut bytes = std::fs::read(data("primary_ext.fits")).unwrap();
    let n = bytes.len();
    bytes.extend(b"garbage".repeat(500));
    let mut file = ImageFile::open_read(bytes.clone(), &ReadOptions::new()).unwrap();
    assert_eq!(file.n_images().unwrap(), Some(3));
    bytes.truncate(n);
    bytes.extend(card("XTENSION= 'IMAGE   '"));
    bytes.extend(card("BITPIX  =                    8"));
    let mut file = ImageFile::open_read(bytes, &ReadOptions::new()).unwrap();
    let e = file.n_images().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert_eq!(file.read(Index::At(2)).unwrap().shape(), [2, 3, 4]);
    let e = file.read(Index::At(3)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    // Every image stacked, when shapes agree.
    let all = ReadOptions::new().index(Index::All);
    let e = imageio::imread_with(data("mef.fits"), &all).unwrap_err();
    assert_ne!(e.kind(), ErrorKind::Internal, "{e}");
}

/// An 80-character card.
fn card(text: &str) -> Vec<u8> {
    let mut c = text.as_bytes().to_vec();
    c.resize(80, b' ');
    c
}

/// A primary HDU of `cards` (END added, padded) and `data` bytes.
fn fits_file(cards: &[&str], data: &[u8]) -> Vec<u8> {
    let mut f: Vec<u8> = cards.iter().flat_map(|c| card(c)).collect();
    f.extend(card("END"));
    f.resize(f.len().div_ceil(2880) * 2880, b' ');
    f.extend_from_slice(data);
    f
}

fn decode(bytes: &[u8]) -> imageio::Result<NdImage> {
    imdecode_with(bytes, &ReadOptions::new().extension(".fits"))
}

#[test]
fn limits_are_checked_before_allocating() {
    let simple = "SIMPLE  =                    T";
    // NAXIS1 = 2^40: the header claims 1 TB; nothing is allocated.
    let huge = fits_file(
        &[
            simple,
            "BITPIX  =                    8",
            "NAXIS   =                    2",
            "NAXIS1  =        1099511627776",
            "NAXIS2  =                    1",
        ],
        &[0; 100],
    );
    let e = decode(&huge).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::LimitExceeded | ErrorKind::Decode),
        "{e}"
    );
    // Axes whose product overflows 64 bits.
    let overflow = fits_file(
        &[
            simple,
            "BITPIX  =                  -64",
            "NAXIS   =                    3",
            "NAXIS1  =  9223372036854775807",
            "NAXIS2  =  9223372036854775807",
            "NAXIS3  =                    4",
        ],
        &[],
    );
    let e = decode(&overflow).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    // Within the file, but over the caller's limits (2000 x 2000 f64 = 32 MB).
    let mut big = fits_file(
        &[
            simple,
            "BITPIX  =                  -64",
            "NAXIS   =                    2",
            "NAXIS1  =                 2000",
            "NAXIS2  =                 2000",
        ],
        &[],
    );
    big.resize(big.len() + 2000 * 2000 * 8, 0);
    let limits = Limits {
        max_alloc: 1 << 20,
        ..Limits::default()
    };
    let e = imdecode_with(&big, &ReadOptions::new().limits(limits)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    assert_eq!(decode(&big).unwrap().shape(), [2000, 2000]);
    // 16-bit data scaled to f32 is checked at its returned size.
    let mut scaled = fits_file(
        &[
            simple,
            "BITPIX  =                   16",
            "NAXIS   =                    2",
            "NAXIS1  =                 1000",
            "NAXIS2  =                  400",
            "BSCALE  =                  0.5",
        ],
        &[],
    );
    scaled.resize(scaled.len() + 1000 * 400 * 2, 0);
    let limits = Limits {
        max_alloc: 1_000_000,
        ..Limits::default()
    };
    let e = imdecode_with(&scaled, &ReadOptions::new().limits(limits)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let raw = ReadOptions::new().limits(limits).option("scale", false);
    assert_eq!(imdecode_with(&scaled, &raw).unwrap().dtype(), DType::I16);
}

#[test]
fn hostile_headers_end_in_clean_errors() {
    let simple = "SIMPLE  =                    T";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("no END", {
            let mut f = card(simple);
            f.extend(card("BITPIX  =                    8"));
            f.resize(2880, b' ');
            f
        }),
        (
            "bad BITPIX",
            fits_file(
                &[
                    simple,
                    "BITPIX  =                   12",
                    "NAXIS   =                    1",
                    "NAXIS1  =                    4",
                ],
                &[0; 2880],
            ),
        ),
        (
            "NAXIS 1000",
            fits_file(
                &[
                    simple,
                    "BITPIX  =                    8",
                    "NAXIS   =                 1000",
                ],
                &[],
            ),
        ),
        (
            "negative axis",
            fits_file(
                &[
                    simple,
                    "BITPIX  =                    8",
                    "NAXIS   =                    1",
                    "NAXIS1  =                   -4",
                ],
                &[],
            ),
        ),
        (
            "missing axis",
            fits_file(
                &[
                    simple,
                    "BITPIX  =                    8",
                    "NAXIS   =                    2",
                    "NAXIS1  =                    4",
                ],
                &[],
            ),
        ),
        (
            "string BITPIX",
            fits_file(
                &[simple, "BITPIX  = '8'", "NAXIS   =                    0"],
                &[],
            ),
        ),
        (
            "truncated data",
            fits_file(
                &[
                    simple,
                    "BITPIX  =                   16",
                    "NAXIS   =                    2",
                    "NAXIS1  =                   40",
                    "NAXIS2  =                   40",
                ],
                &[1; 1000],
            ),
        ),
    ];
    for (what, bytes) in cases {
        let e = decode(&bytes).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{what}: {e}");
    }
    // Garbage cards are kept as text; they do not stop the read. A value
    // that is a lone quote makes fitsrs 0.4.1 panic: the plugin sidesteps it.
    let garbage = fits_file(
        &[
            simple,
            "BITPIX  =                    8",
            "NAXIS   =                    1",
            "NAXIS1  =                    3",
            "QUOTE   = '",
            "CONTINUE '",
            "HIERARCH A B = '",
            "CPLX    = (1, 2)",
            "ODD     = \u{7f}\u{1}x",
            "=======================",
            "NOEQUALS  12",
            "STR     = 'unclosed",
        ],
        &[1, 2, 3],
    );
    let mut file = ImageFile::open_read(garbage, &ReadOptions::new()).unwrap();
    assert_eq!(
        file.read(Index::At(0)).unwrap().as_bytes(),
        Some(&[1u8, 2, 3][..])
    );
    let m = file.metadata(Index::At(0)).unwrap();
    assert_eq!(m.get("QUOTE"), Some(&Value::Str("'".into())));
    assert_eq!(m.get("CPLX"), Some(&Value::Str("(1, 2)".into())));
}

#[test]
fn truncations_and_flips_never_panic() {
    let mut checked = 0;
    for stem in [
        "mef",
        "primary_ext",
        "cards",
        "bscale_i16",
        "astropy_checksum",
    ] {
        let bytes = std::fs::read(data(&format!("{stem}.fits"))).unwrap();
        // Cut at every card boundary of the headers and through the data.
        let cuts = (0..bytes.len()).step_by(80).chain([bytes.len() - 1]);
        for cut in cuts {
            let r = decode(&bytes[..cut]);
            if let Err(e) = &r {
                assert_ne!(e.kind(), ErrorKind::Internal, "{stem} cut at {cut}: {e}");
            }
            checked += 1;
        }
        // Deterministic byte flips, with every image read.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..300 {
            let mut m = bytes.clone();
            for _ in 0..4 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % m.len() as u64) as usize;
                m[at] = (seed >> 32) as u8;
            }
            let Ok(mut file) = ImageFile::open_read(m, &ReadOptions::new().extension(".fits"))
            else {
                continue;
            };
            let n = file.n_images().ok().flatten().unwrap_or(3);
            for k in 0..n.min(8) {
                if let Err(e) = file.read(Index::At(k)) {
                    assert_ne!(e.kind(), ErrorKind::Internal, "{stem}: {e}");
                }
                let _ = file.metadata(Index::At(k));
            }
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}
