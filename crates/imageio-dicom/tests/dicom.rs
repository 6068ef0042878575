//! The DICOM plugin against pydicom 3 (with pylibjpeg for JPEG and JPEG
//! 2000) and Python imageio 2.38, on test files pydicom ships
//! (`tests/data/make.py`, `expected.json`, `refs.npz`): pixels compared
//! exactly with `ds.pixel_array` (lossy JPEG within a stated tolerance),
//! shapes, dtypes, frames, spacing, rescale as imageio applies it, a series
//! read as imageio's `volread`; registration, routing, limits and hostile
//! input.

use std::path::PathBuf;

use imageio::plugin::{plugin_by_name, Rank};
use imageio::{
    imdecode, imdecode_with, imencode, imencode_with, immeta, immeta_with, improps, improps_with,
    imread, imread_with, DType, ErrorKind, Index, Limits, NdImage, ReadOptions, Value,
    WriteOptions,
};
use imageio_dicom::{read_series, SeriesOptions};
use serde_json::Value as Json;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn expected() -> Json {
    let text = std::fs::read_to_string(data("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Reference array `k` (pydicom's or imageio's, as `make.py` numbered them).
fn reference(k: u64) -> NdImage {
    let o = ReadOptions::new().index(Index::At(k as usize));
    imread_with(data("refs.npz"), &o).unwrap()
}

fn raw() -> ReadOptions {
    ReadOptions::new().option("rescale", false)
}

/// The samples of `img` as f64, for tolerance comparisons.
fn as_f64(img: &NdImage) -> Vec<f64> {
    img.cast(DType::F64)
        .into_array::<f64>()
        .unwrap()
        .iter()
        .copied()
        .collect()
}

#[test]
fn registers_with_its_claims() {
    let _ = imageio_dicom::FORMAT;
    let info = plugin_by_name("dicom").expect("the plugin registers");
    assert_eq!(info.crate_name, "imageio-dicom");
    assert_eq!(info.read_extensions(), [".dcm", ".dicom"]);
    assert_eq!(info.write_extensions(), [".dcm", ".dicom"]);
    let read = info.read.as_ref().unwrap();
    assert_eq!(read.formats[0].rank, Rank::DEDICATED);
    assert_eq!(read.formats[0].format.name, "DICOM");
}

/// Files pydicom reads whose pixels this plugin refuses (`Unsupported`):
/// 12-bit DCT JPEG (JPEG extended), which `jpeg-decoder` does not decode.
const UNSUPPORTED: &[&str] = &["JPGExtended.dcm"];

#[test]
fn reads_every_file_as_pydicom() {
    let e = expected();
    let files = e["files"].as_array().unwrap();
    assert_eq!(files.len(), 32);
    let mut worst_lossy = 0f64;
    for f in files {
        let file = f["file"].as_str().unwrap();
        let frames = f["frames"].as_u64().unwrap() as usize;
        let index = if frames > 1 { Index::All } else { Index::At(0) };
        if UNSUPPORTED.contains(&file) {
            let e = imread_with(data(file), &raw().index(index)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unsupported, "{file}: {e}");
            continue;
        }
        let img = imread_with(data(file), &raw().index(index))
            .unwrap_or_else(|err| panic!("{file}: {err}"));
        let reference = reference(f["ref"].as_u64().unwrap());
        let shape: Vec<usize> = f["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(img.shape(), &shape[..], "{file}");
        assert_eq!(img.dtype(), reference.dtype(), "{file}");
        if f["lossy"].as_bool().unwrap() {
            // Lossy JPEG: pylibjpeg-libjpeg and jpeg-decoder round their
            // IDCT and upsampling differently.
            let (a, b) = (as_f64(&img), as_f64(&reference));
            let diff = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max);
            let mean = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64;
            assert!(
                diff <= 4.0 && mean <= 0.5,
                "{file}: max {diff}, mean {mean}"
            );
            worst_lossy = worst_lossy.max(diff);
        } else {
            assert_eq!(
                img.as_bytes(),
                reference.as_bytes(),
                "{file}: pixels differ from pydicom's"
            );
        }

        // The header answers without decoding, and agrees.
        let p = improps_with(data(file), &raw()).unwrap();
        assert_eq!(p.n_images, Some(frames), "{file}");
        let frame_shape = if frames > 1 { &shape[1..] } else { &shape[..] };
        assert_eq!(
            (p.shape.as_slice(), p.dtype),
            (frame_shape, img.dtype()),
            "{file}"
        );
        let spacing: Option<Vec<f64>> = f["pixel_spacing"]
            .as_array()
            .map(|v| v.iter().map(|x| x.as_f64().unwrap()).collect());
        assert_eq!(p.spacing, spacing, "{file}");
        let all = improps_with(data(file), &raw().index(Index::All)).unwrap();
        assert_eq!(all.shape[0], frames, "{file}");
    }
    println!("lossy JPEG: largest difference from pylibjpeg {worst_lossy}");
}

#[test]
fn rescale_is_applied_by_default_as_imageio() {
    let e = expected();
    let files = e["files"].as_array().unwrap();
    let ct = files.iter().find(|f| f["file"] == "CT_small.dcm").unwrap();
    // Slope 1, intercept -1024 on 16-bit signed values: i16 cannot hold
    // -32768 - 1024, so i32 (imageio picks i16 from the data's range).
    let img = imread(data("CT_small.dcm")).unwrap();
    assert_eq!(img.dtype(), DType::I32);
    assert_eq!(improps(data("CT_small.dcm")).unwrap().dtype, DType::I32);
    let theirs = reference(ct["imageio_ref"].as_u64().unwrap());
    assert_eq!(ct["imageio_dtype"], "int16");
    assert_eq!(img, theirs.cast(DType::I32), "imageio's rescaled values");
    let stored = reference(ct["ref"].as_u64().unwrap());
    assert_eq!(
        as_f64(&img),
        as_f64(&stored)
            .iter()
            .map(|v| v - 1024.0)
            .collect::<Vec<_>>()
    );
    // rescale=false: the stored values.
    assert_eq!(imread_with(data("CT_small.dcm"), &raw()).unwrap(), stored);

    // 14 bits stored, signed: -8192 - 1024 fits in i16, which stays.
    let j2k = files.iter().find(|f| f["file"] == "693_J2KI.dcm").unwrap();
    let img = imread(data("693_J2KI.dcm")).unwrap();
    assert_eq!(img.dtype(), DType::I16);
    let stored = reference(j2k["ref"].as_u64().unwrap());
    assert_eq!(
        as_f64(&img),
        as_f64(&stored)
            .iter()
            .map(|v| v - 1024.0)
            .collect::<Vec<_>>()
    );

    // Files without RescaleSlope/Intercept read as stored either way.
    let mr = imread(data("MR_small.dcm")).unwrap();
    assert_eq!(mr, imread_with(data("MR_small.dcm"), &raw()).unwrap());
    assert_eq!(mr.dtype(), DType::I16);

    // A slope that is not an integer: f32, computed in f32 as imageio.
    let mut bytes = std::fs::read(data("CT_small.dcm")).unwrap();
    let at = find(&bytes, b"\x28\x00\x53\x10DS").expect("RescaleSlope");
    let len = u16::from_le_bytes([bytes[at + 6], bytes[at + 7]]) as usize;
    let mut slope = b".5".to_vec();
    slope.resize(len, b' ');
    bytes[at + 8..at + 8 + len].copy_from_slice(&slope);
    let img = imdecode(&bytes).unwrap();
    assert_eq!(img.dtype(), DType::F32);
    let stored = imdecode_with(&bytes, &raw()).unwrap();
    let want: Vec<f64> = as_f64(&stored)
        .iter()
        .map(|&v| f64::from(v as f32 * 0.5f32 + -1024f32))
        .collect();
    assert_eq!(as_f64(&img), want);
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn frames_are_images() {
    // rtdose.dcm: 15 frames of 10x10 u32.
    let p = improps(data("rtdose.dcm")).unwrap();
    assert_eq!(
        (p.shape.as_slice(), p.n_images),
        (&[10usize, 10][..], Some(15))
    );
    let all = imread_with(data("rtdose.dcm"), &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(all.shape(), [15, 10, 10]);
    for i in [0usize, 7, 14] {
        let one = imread_with(data("rtdose.dcm"), &ReadOptions::new().index(Index::At(i))).unwrap();
        assert_eq!(one, all.frame(i).unwrap(), "frame {i}");
    }
    let e = imread_with(data("rtdose.dcm"), &ReadOptions::new().index(Index::At(15))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IndexOutOfRange, "{e}");
    // The RLE copy holds the same values.
    let rle = imread_with(
        data("rtdose_rle.dcm"),
        &ReadOptions::new().index(Index::All),
    )
    .unwrap();
    assert_eq!(rle, all);
    // Multi-frame sampling: (dz, dy, dx) for the file, (dy, dx) per frame.
    let m = immeta_with(data("rtdose.dcm"), &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(m.get("NumberOfFrames").and_then(Value::as_int), Some(15));
    let sampling = m.get("sampling").and_then(Value::as_list).unwrap();
    assert_eq!(sampling.len(), 3);
    let shape = m.get("shape").and_then(Value::as_list).unwrap();
    assert_eq!(shape.len(), 3);
    let m = immeta(data("rtdose.dcm")).unwrap();
    assert_eq!(m.get("sampling").and_then(Value::as_list).unwrap().len(), 2);
}

#[test]
fn metadata_by_keyword() {
    let m = immeta(data("CT_small.dcm")).unwrap();
    assert_eq!(m.get("Modality").and_then(Value::as_str), Some("CT"));
    assert_eq!(
        m.get("RescaleIntercept").and_then(Value::as_float),
        Some(-1024.0)
    );
    assert_eq!(m.get("Rows").and_then(Value::as_int), Some(128));
    assert_eq!(
        m.get("TransferSyntaxUID").and_then(Value::as_str),
        Some("1.2.840.10008.1.2.1")
    );
    let spacing: Vec<f64> = m
        .get("PixelSpacing")
        .and_then(Value::as_list)
        .unwrap()
        .iter()
        .map(|v| v.as_float().unwrap())
        .collect();
    assert_eq!(spacing, [0.661468, 0.661468]);
    assert_eq!(
        m.get("sampling").and_then(Value::as_list).map(|l| l.len()),
        Some(2)
    );
    assert!(m.get("PatientName").and_then(Value::as_str).is_some());
    let m = immeta(data("SC_rgb_rle.dcm")).unwrap();
    assert_eq!(
        m.get("compression").and_then(Value::as_str),
        Some("RLE Lossless")
    );
}

#[test]
fn reads_a_series_as_imageio_volread() {
    let e = expected();
    let s = &e["series"];
    let series = read_series(data("series"), &SeriesOptions::default()).unwrap();
    let theirs = reference(s["ref"].as_u64().unwrap());
    assert_eq!(series.volume, theirs);
    assert_eq!(series.series_uid, s["uid"].as_str().unwrap());
    assert_eq!(series.all_series.len(), 2);
    let names: Vec<String> = series
        .files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["c.dcm", "a.dcm", "b.dcm"]);
    let sampling: Vec<f64> = s["sampling"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (a, b) in series.spacing.iter().zip(&sampling) {
        assert!((a - b).abs() < 1e-9, "{:?} != {sampling:?}", series.spacing);
    }
    // The other series, by its UID: one slice.
    let o = SeriesOptions {
        series_uid: Some("1.2.826.0.1.3680043.8.498.2".into()),
        ..SeriesOptions::default()
    };
    let other = read_series(data("series"), &o).unwrap();
    assert_eq!(other.volume.shape(), [1, 64, 64]);
    // Limits apply to the whole volume.
    let small = SeriesOptions {
        limits: Limits {
            max_alloc: 3 * 64 * 64,
            ..Limits::default()
        },
        ..SeriesOptions::default()
    };
    let e = read_series(data("series"), &small).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // Through the verbs: the core hands a directory to the plugin claiming
    // the `directory` scheme; slices are images, `Index::All` the volume.
    let all = ReadOptions::new().index(Index::All);
    assert_eq!(imread_with(data("series"), &all).unwrap(), theirs);
    assert_eq!(imread(data("series")).unwrap(), theirs.frame(0).unwrap());
    let p = improps(data("series")).unwrap();
    assert_eq!(
        (p.shape.as_slice(), p.n_images),
        (&[64usize, 64][..], Some(3))
    );
    let m = immeta_with(data("series"), &all).unwrap();
    assert_eq!(m.get("sampling").and_then(Value::as_list).unwrap().len(), 3);
    // A directory without DICOM images is not the plugin's: the core says
    // it is a directory.
    let empty = std::env::temp_dir().join(format!("imageio-dicom-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("a.txt"), b"text").unwrap();
    let e = imread(&empty).unwrap_err();
    std::fs::remove_dir_all(&empty).unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("is a directory"), "{e}");
    assert!(!e.to_string().contains("DICOM series"), "{e}");
    // A file is not a directory.
    let e = read_series(data("MR_small.dcm"), &SeriesOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
}

#[test]
fn refuses_what_it_cannot_read_with_the_right_kind() {
    // JPEG-LS: the file opens, its pixels are refused with a reason.
    let e = imread(data("MR_small_jpeg_ls_lossless.dcm")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.to_string().contains("JPEG-LS"), "{e}");
    assert!(immeta(data("MR_small_jpeg_ls_lossless.dcm")).is_ok());
    // Truncated pixel data.
    let e = imread(data("MR_truncated.dcm")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    // No pixel data at all (an RT plan): metadata, no image.
    let e = imread(data("rtplan.dcm")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    let m = immeta(data("rtplan.dcm")).unwrap();
    assert_eq!(m.get("Modality").and_then(Value::as_str), Some("RTPLAN"));
    // Not DICOM, named .dcm.
    let e = imdecode_with(
        b"not an image at all",
        &ReadOptions::new().extension(".dcm"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoPlugin, "{e}");
}

#[test]
fn routes_by_the_dicm_marker() {
    let bytes = std::fs::read(data("MR_small.dcm")).unwrap();
    let img = imdecode(&bytes).unwrap();
    assert_eq!(img.shape(), [64, 64]);
    // Without the preamble: DICM at byte 0.
    let img2 = imdecode(&bytes[128..]).unwrap();
    assert_eq!(img, img2);
}

#[test]
fn truncated_and_mutated_files_fail_cleanly() {
    for name in [
        "CT_small.dcm",
        "SC_rgb_rle_2frame.dcm",
        "SC_rgb_jpeg_dcmtk.dcm",
        "MR_small_jp2klossless.dcm",
        "image_dfl.dcm",
        "MR_small_implicit.dcm",
        "MR_small_bigendian.dcm",
    ] {
        let bytes = std::fs::read(data(name)).unwrap();
        let step = (bytes.len() / 97).max(1);
        for cut in (132..bytes.len()).step_by(step) {
            let r = imdecode_with(&bytes[..cut], &ReadOptions::new().index(Index::All));
            if let Err(e) = r {
                assert_ne!(e.kind(), ErrorKind::Internal, "{name} cut at {cut}: {e}");
            }
        }
        // Flipped bytes through the header and the pixel data.
        for at in (132..bytes.len()).step_by(step) {
            let mut b = bytes.clone();
            b[at] ^= 0xFF;
            let r = imdecode_with(&b, &ReadOptions::new().index(Index::All));
            if let Err(e) = r {
                assert_ne!(e.kind(), ErrorKind::Internal, "{name} flipped at {at}: {e}");
            }
        }
    }
}

/// A minimal explicit VR little endian file: the meta group, the image
/// attributes, then native pixel data of `pixels` bytes.
fn synthetic(rows: u16, cols: u16, frames: &str, bits: u16, pixels: &[u8]) -> Vec<u8> {
    fn el(out: &mut Vec<u8>, g: u16, e: u16, vr: &[u8; 2], v: &[u8]) {
        out.extend_from_slice(&g.to_le_bytes());
        out.extend_from_slice(&e.to_le_bytes());
        out.extend_from_slice(vr);
        if matches!(vr, b"OB" | b"OW" | b"SQ" | b"UN" | b"UT") {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&(v.len() as u32).to_le_bytes());
        } else {
            out.extend_from_slice(&(v.len() as u16).to_le_bytes());
        }
        out.extend_from_slice(v);
    }
    let mut f = vec![0u8; 128];
    f.extend_from_slice(b"DICM");
    el(&mut f, 0x0002, 0x0010, b"UI", b"1.2.840.10008.1.2.1\0");
    let mut frames = frames.as_bytes().to_vec();
    if frames.len() % 2 == 1 {
        frames.push(b' ');
    }
    el(&mut f, 0x0028, 0x0002, b"US", &1u16.to_le_bytes());
    el(&mut f, 0x0028, 0x0004, b"CS", b"MONOCHROME2 ");
    el(&mut f, 0x0028, 0x0008, b"IS", &frames);
    el(&mut f, 0x0028, 0x0010, b"US", &rows.to_le_bytes());
    el(&mut f, 0x0028, 0x0011, b"US", &cols.to_le_bytes());
    el(&mut f, 0x0028, 0x0100, b"US", &bits.to_le_bytes());
    el(&mut f, 0x0028, 0x0101, b"US", &bits.to_le_bytes());
    el(&mut f, 0x0028, 0x0102, b"US", &(bits - 1).to_le_bytes());
    el(&mut f, 0x0028, 0x0103, b"US", &0u16.to_le_bytes());
    el(
        &mut f,
        0x7FE0,
        0x0010,
        if bits > 8 { b"OW" } else { b"OB" },
        pixels,
    );
    f
}

#[test]
fn limits_are_checked_before_allocating() {
    // A small file claims 65535 x 65535 x 16-bit, one million frames.
    let bomb = synthetic(65535, 65535, "1000000", 16, &[0; 64]);
    let e = imdecode(&bomb).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::LimitExceeded | ErrorKind::Decode),
        "{e}"
    );
    // Within the pixel limits, but more frames than max_alloc allows.
    let many = synthetic(1000, 1000, "5000", 16, &vec![0; 2_000_000]);
    let e = imdecode_with(&many, &ReadOptions::new().index(Index::All)).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Decode | ErrorKind::LimitExceeded),
        "{e}"
    );
    // A valid small file, and its limit.
    let ok = synthetic(2, 3, "2", 8, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    let img = imdecode_with(&ok, &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(img.shape(), [2, 2, 3]);
    assert_eq!(
        img.as_bytes().unwrap(),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    );
    let tight = ReadOptions::new().index(Index::All).limits(Limits {
        max_alloc: 11,
        ..Limits::default()
    });
    let e = imdecode_with(&ok, &tight).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // An element whose length runs past the end of the file.
    let mut long = ok.clone();
    let at = find(&long, b"\xE0\x7F\x10\x00OB").unwrap();
    long[at + 8..at + 12].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let e = imdecode(&long).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
}

#[test]
fn writes_secondary_capture_that_reads_back() {
    let ramp = |n: usize| (0..n).map(|i| i as i64 * 37 - 500);
    let images = [
        NdImage::from_shape_vec(&[5, 7], ramp(35).map(|v| v as u8).collect()).unwrap(),
        NdImage::from_shape_vec(&[5, 7], ramp(35).map(|v| (v * 100) as u16).collect()).unwrap(),
        NdImage::from_shape_vec(&[5, 7], ramp(35).map(|v| (v * 10) as i16).collect()).unwrap(),
        NdImage::from_shape_vec(&[5, 7], ramp(35).map(|v| (v * 99999) as i32).collect()).unwrap(),
        NdImage::from_shape_vec(&[3, 5, 3], ramp(45).map(|v| v as u8).collect()).unwrap(),
        NdImage::from_shape_vec(&[3, 4, 6], ramp(72).map(|v| v as u16).collect()).unwrap(),
    ];
    for img in &images {
        let batch = img.ndim() == 3 && img.shape()[2] > 4;
        let o = WriteOptions::new().is_batch(batch);
        let bytes = imencode_with(img, ".dcm", &o).unwrap_or_else(|e| panic!("{img:?}: {e}"));
        assert_eq!(&bytes[128..132], b"DICM");
        let index = if batch { Index::All } else { Index::At(0) };
        let back = imdecode_with(&bytes, &ReadOptions::new().index(index)).unwrap();
        assert_eq!(&back, img);
        let m = immeta_with(&bytes, &ReadOptions::new().index(Index::All)).unwrap();
        assert_eq!(m.get("Modality").and_then(Value::as_str), Some("OT"));
        let class = m.get("SOPClassUID").and_then(Value::as_str).unwrap();
        assert!(class.starts_with("1.2.840.10008.5.1.4.1.1.7"), "{class}");
        let uid = m.get("SOPInstanceUID").and_then(Value::as_str).unwrap();
        assert!(uid.starts_with("2.25.") && uid.len() <= 64, "{uid}");
    }
    // Floats and two channels are refused.
    let f = NdImage::from_shape_vec(&[2, 2], vec![0f32; 4]).unwrap();
    let e = imencode(&f, ".dcm").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let two = NdImage::from_shape_vec(&[2, 2, 2], vec![0u8; 8]).unwrap();
    let e = imencode(&two, ".dcm").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    // Files written for pydicom to read back (see the helper note).
    if let Ok(dir) = std::env::var("IMAGEIO_DICOM_WRITE_DIR") {
        for (i, img) in images.iter().enumerate() {
            let batch = img.ndim() == 3 && img.shape()[2] > 4;
            let o = WriteOptions::new().is_batch(batch);
            std::fs::write(
                format!("{dir}/w{i}.dcm"),
                imencode_with(img, ".dcm", &o).unwrap(),
            )
            .unwrap();
            imageio::imwrite(format!("{dir}/w{i}.npy"), img).unwrap();
        }
    }
}
