//! The NIfTI plugin against files made by nibabel 5.4.2 and three files
//! nibabel ships (`tests/data/make.py`, `expected.json`): voxels compared
//! exactly with nibabel's arrays (transposed to our `(z, y, x)` order),
//! scaled reads with `get_fdata`, spacing, affine and units with nibabel's;
//! writes read back; registration, routing, limits and hostile input.

use std::io::Write;
use std::path::PathBuf;

use imageio::plugin::{plugin_by_name, Rank};
use imageio::{
    imdecode, imdecode_with, imencode, imencode_with, immeta, improps, improps_with, imread,
    imread_with, imwrite, imwrite_with, DType, ErrorKind, Limits, NdImage, ReadOptions, Value,
    WriteOptions,
};
use serde_json::Value as Json;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// nibabel's description of every test file.
fn expected() -> Vec<Json> {
    let text = std::fs::read_to_string(data("expected.json")).unwrap();
    let v: Json = serde_json::from_str(&text).unwrap();
    v["files"].as_array().unwrap().clone()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_list()
        .unwrap()
        .iter()
        .flat_map(|x| match x {
            Value::List(_) => floats(x),
            _ => vec![x.as_float().unwrap()],
        })
        .collect()
}

fn json_floats(v: &Json) -> Vec<f64> {
    match v {
        Json::Array(a) => a.iter().flat_map(json_floats).collect(),
        _ => vec![v.as_f64().unwrap()],
    }
}

/// The `.nii` bytes of a small volume, for the hostile tests.
fn sample(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).unwrap()
}

#[test]
fn registers_with_its_claims() {
    let _ = imageio_nifti::FORMAT;
    let info = plugin_by_name("nifti").expect("the plugin registers");
    assert_eq!(info.crate_name, "imageio-nifti");
    assert_eq!(info.read_extensions(), [".nii", ".nii.gz", ".gz"]);
    assert_eq!(info.write_extensions(), [".nii", ".nii.gz", ".gz"]);
    let read = info.read.as_ref().unwrap();
    assert!(read.formats.iter().all(|c| c.rank == Rank::DEDICATED));
}

#[test]
fn reads_every_file_as_nibabel() {
    let files = expected();
    assert_eq!(files.len(), 29);
    for e in &files {
        let file = e["file"].as_str().unwrap();
        let stem = file.split(".nii").next().unwrap();
        // scale=false: the stored values.
        let raw = ReadOptions::new().option("scale", false);
        let img = imread_with(data(file), &raw).unwrap_or_else(|err| panic!("{file}: {err}"));
        let reference = imread(data(&format!("{stem}.npy"))).unwrap();
        assert_eq!(img.dtype(), reference.dtype(), "{file}");
        // Bit for bit (NaN voxels included).
        assert_eq!(
            img.as_bytes(),
            reference.as_bytes(),
            "{file}: voxels differ from nibabel's"
        );
        let shape: Vec<usize> = e["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(img.shape(), &shape[..], "{file}");

        // Spacing: nibabel's zooms, in the array's axis order.
        let p = improps_with(data(file), &raw).unwrap();
        assert_eq!(
            (p.shape.as_slice(), p.dtype),
            (img.shape(), img.dtype()),
            "{file}"
        );
        let mut zooms = json_floats(&e["zooms"]);
        zooms.reverse();
        assert_eq!(p.spacing.as_deref(), Some(&zooms[..]), "{file}");

        let m = immeta(data(file)).unwrap();
        assert_eq!(
            m.get("nifti_version").and_then(Value::as_int),
            e["version"].as_i64(),
            "{file}"
        );
        // The affine: exact from the sform, within float32 rounding from
        // the qform (nibabel computes it partly in float32).
        let affine = floats(m.get("affine").unwrap());
        let theirs = json_floats(&e["affine"]);
        let tol = if e["sform_code"].as_i64() == Some(0) {
            1e-5
        } else {
            0.0
        };
        for (a, b) in affine.iter().zip(&theirs) {
            assert!(
                (a - b).abs() <= tol,
                "{file}: affine {affine:?} != {theirs:?}"
            );
        }
        let units = e["units"].as_array().unwrap();
        let unit = |k: &str| m.get(k).and_then(Value::as_str).unwrap().to_string();
        let name = |u: &Json| match u.as_str().unwrap() {
            "sec" => "s".to_string(),
            "msec" => "ms".to_string(),
            "micron" => "um".to_string(),
            u => u.to_string(),
        };
        assert_eq!(unit("spatial_unit"), name(&units[0]), "{file}");
        assert_eq!(unit("time_unit"), name(&units[1]), "{file}");

        // The default read (scale=true): nibabel's get_fdata when the file
        // is scaled, the stored values otherwise.
        let scaled = imread(data(file)).unwrap();
        if let Some(s) = e["scaled"].as_str() {
            let fdata = imread(data(s)).unwrap();
            assert_eq!(scaled.dtype(), DType::F64, "{file}");
            assert_eq!(
                scaled.as_bytes(),
                fdata.as_bytes(),
                "{file}: scaled values differ from get_fdata"
            );
            let slope = m.get("scl_slope").and_then(Value::as_float).unwrap();
            assert_eq!(slope as f32, e["slope"].as_f64().unwrap() as f32, "{file}");
        } else {
            assert_eq!(scaled.as_bytes(), img.as_bytes(), "{file}");
        }
        let props = improps(data(file)).unwrap();

        assert_eq!(props.dtype, scaled.dtype(), "{file}");
    }
}

#[test]
fn a_slice_is_an_image_and_nibabel_is_the_transpose() {
    // nibabel's (x, y, z) = (5, 4, 3): ours is (z, y, x).
    let img = imread(data("v1_uint8.nii")).unwrap();
    assert_eq!(img.shape(), [3, 4, 5]);
    let vol = img.as_array::<u8>().unwrap();
    // The file stores x fastest: the voxel (x=1, y=2, z=0) is at index
    // 1 + 5 * 2 after the 352-byte header.
    let bytes = sample("v1_uint8.nii");
    assert_eq!(vol[[0, 2, 1]], bytes[352 + 1 + 5 * 2]);
    let slice = img.frame(0).unwrap();
    assert_eq!(slice.shape(), [4, 5]);
}

#[test]
fn routes_by_signature_and_by_extension() {
    // A .nii file is found by its magic whatever it is called.
    let bytes = sample("v2_int16.nii");
    let img = imdecode(&bytes).unwrap();
    assert_eq!(img, imread(data("v2_int16.npy")).unwrap());
    let img = imdecode(&sample("v1_float32.nii")).unwrap();
    assert_eq!(img.dtype(), DType::F32);
    // Gzip has no NIfTI signature: the extension says it.
    let gz = sample("v2_float64.nii.gz");
    assert!(imdecode(&gz).is_err());
    for ext in [".nii.gz", ".gz"] {
        let img = imdecode_with(&gz, &ReadOptions::new().extension(ext)).unwrap();
        assert_eq!(img, imread(data("v2_float64.npy")).unwrap(), "{ext}");
    }
    // Any other gzip content named .gz is declined.
    let mut other = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    other.write_all(&[7u8; 600]).unwrap();
    let other = other.finish().unwrap();
    let e = imdecode_with(&other, &ReadOptions::new().extension(".gz")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoPlugin, "{e}");
    // A .hdr/.img pair header is not routed as .nii (no n+1 magic), and
    // refused with a reason when gzipped.
    let mut pair = sample("v1_uint8.nii");
    pair[344..348].copy_from_slice(b"ni1\0");
    let e = imdecode_with(&pair, &ReadOptions::new().extension(".nii")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoPlugin, "{e}");
    let e = imdecode_with(&gzip(&pair), &ReadOptions::new().extension(".gz")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.to_string().contains("pair"), "{e}");
}

/// An array of every dtype in (z, y, x) = (3, 4, 5) and (t, z, y, x).
fn arrays() -> Vec<NdImage> {
    let v = |n: usize| (0..n).map(|i| (i as f64 * 7.25) - 100.0);
    let s3 = [3usize, 4, 5];
    let s4 = [2usize, 3, 4, 5];
    vec![
        NdImage::from_shape_vec(&s3, v(60).map(|x| x as u8).collect()).unwrap(),
        NdImage::from_shape_vec(&s3, v(60).map(|x| x as i8).collect()).unwrap(),
        NdImage::from_shape_vec(&s3, v(60).map(|x| (x * 300.0) as u16).collect()).unwrap(),
        NdImage::from_shape_vec(&s3, v(60).map(|x| (x * 300.0) as i16).collect()).unwrap(),
        NdImage::from_shape_vec(&s3, v(60).map(|x| (x * 7e6) as u32).collect()).unwrap(),
        NdImage::from_shape_vec(&s3, v(60).map(|x| (x * 7e6) as i32).collect()).unwrap(),
        NdImage::from_shape_vec(&s3, v(60).map(|x| (x * 1e16) as u64).collect()).unwrap(),
        NdImage::from_shape_vec(&s3, v(60).map(|x| (x * 1e16) as i64).collect()).unwrap(),
        NdImage::from_shape_vec(&s4, v(120).map(|x| x as f32 / 3.0).collect()).unwrap(),
        NdImage::from_shape_vec(&s4, v(120).map(|x| x / 3.0).collect()).unwrap(),
        NdImage::from_shape_vec(&[6, 7], v(42).map(|x| x as f32).collect()).unwrap(),
    ]
}

#[test]
fn writes_what_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    for (i, img) in arrays().iter().enumerate() {
        for (name, version) in [
            (format!("a{i}.nii"), 1),
            (format!("a{i}.nii.gz"), 1),
            (format!("b{i}.nii"), 2),
            (format!("b{i}.nii.gz"), 2),
        ] {
            let path = dir.path().join(&name);
            let o = WriteOptions::new().option("version", version);
            imwrite_with(&path, img, &o).unwrap_or_else(|e| panic!("{name}: {e}"));
            let back = imread(&path).unwrap();
            assert_eq!(&back, img, "{name}");
            let m = immeta(&path).unwrap();
            assert_eq!(
                m.get("nifti_version").and_then(Value::as_int),
                Some(version)
            );
            // Stored axes are the array's reversed: x first.
            let dim: Vec<i64> = m
                .get("dim")
                .unwrap()
                .as_list()
                .unwrap()
                .iter()
                .map(|d| d.as_int().unwrap())
                .collect();
            let rev: Vec<i64> = img.shape().iter().rev().map(|&d| d as i64).collect();
            assert_eq!(dim, rev, "{name}");
        }
    }
    // Memory targets: .nii, and .gz (gzipped).
    let img = &arrays()[3];
    let nii = imencode(img, ".nii").unwrap();
    assert_eq!(&nii[344..348], b"n+1\0");
    assert_eq!(nii.len(), 352 + 60 * 2);
    let gz = imencode(img, ".nii.gz").unwrap();
    assert_eq!(&gz[..2], b"\x1f\x8b");
    assert_eq!(
        &imdecode_with(&gz, &ReadOptions::new().extension(".gz")).unwrap(),
        img
    );
}

#[test]
fn writes_spacing_and_affine() {
    let img = &arrays()[3];
    let o = WriteOptions::new().option(
        "spacing",
        Value::List(vec![
            Value::Float(2.5),
            Value::Float(0.75),
            Value::Float(0.5),
        ]),
    );
    let bytes = imencode_with(img, ".nii", &o).unwrap();
    dump("spacing.nii", &bytes);
    let p = improps(bytes.clone()).unwrap();
    assert_eq!(p.spacing, Some(vec![2.5, 0.75, 0.5]));
    let m = immeta(bytes).unwrap();
    assert_eq!(m.get("spatial_unit").and_then(Value::as_str), Some("mm"));
    assert_eq!(
        m.get("affine_source").and_then(Value::as_str),
        Some("pixdim")
    );

    let rows = [
        [-2.0, 0.0, 0.0, 10.0],
        [0.0, 3.0, 0.0, -4.0],
        [0.0, 0.0, 4.0, 1.5],
    ];
    let affine = Value::List(
        rows.iter()
            .map(|r| Value::List(r.iter().map(|&x| Value::Float(x)).collect()))
            .collect(),
    );
    for ext in [".nii", ".nii.gz"] {
        let o = WriteOptions::new()
            .option("affine", affine.clone())
            .option("description", "written by a test");
        let bytes = imencode_with(img, ext, &o).unwrap();
        dump(&format!("affine{ext}"), &bytes);
        let m = immeta_of(&bytes, ext);
        assert_eq!(
            m.get("affine_source").and_then(Value::as_str),
            Some("sform")
        );
        let a = floats(m.get("affine").unwrap());
        assert_eq!(&a[..12], rows.concat().as_slice());
        assert_eq!(
            m.get("description").and_then(Value::as_str),
            Some("written by a test")
        );
        let p = improps_with(bytes, &ReadOptions::new().extension(ext)).unwrap();
        // Column lengths of the affine, in (z, y, x) order.
        assert_eq!(p.spacing, Some(vec![4.0, 3.0, 2.0]));
    }
}

/// Keeps a written file for the out-of-tree nibabel check when
/// `IMAGEIO_NIFTI_DUMP` names a directory.
fn dump(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("IMAGEIO_NIFTI_DUMP") {
        std::fs::write(PathBuf::from(dir).join(name), bytes).unwrap();
    }
}

fn immeta_of(bytes: &[u8], ext: &str) -> imageio::Metadata {
    let f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
    std::fs::write(f.path(), bytes).unwrap();
    immeta(f.path()).unwrap()
}

#[test]
fn refuses_what_it_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let img = &arrays()[0];
    let e = imwrite(dir.path().join("x.gz"), img).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(!dir.path().join("x.gz").exists());
    let eight = NdImage::zeros(&[1, 1, 1, 1, 1, 1, 1, 2], DType::U8);
    let e = imencode(&eight, ".nii").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let long = NdImage::zeros(&[40_000, 1], DType::U8);
    let e = imencode_with(&long, ".nii", &WriteOptions::new().option("version", 1i64)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    // Without a version, an axis beyond 32767 makes a NIfTI-2 file.
    let bytes = imencode(&long, ".nii").unwrap();
    assert_eq!(&bytes[4..8], b"n+2\0");
    assert_eq!(imdecode(&bytes).unwrap(), long);
    let e = imencode_with(img, ".nii", &WriteOptions::new().option("version", 3i64)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
}

/// Sets a little-endian field of a NIfTI-1 header.
fn put(bytes: &mut [u8], at: usize, v: &[u8]) {
    bytes[at..at + v.len()].copy_from_slice(v);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

#[test]
fn hostile_headers_end_in_clean_errors() {
    let nii = ReadOptions::new().extension(".nii");
    let base = sample("v1_int16.nii");
    // Every truncation, plain and gzipped.
    for n in 0..base.len() {
        assert!(imdecode_with(&base[..n], &nii).is_err(), "{n} bytes");
        let gz = gzip(&base[..n]);
        assert!(
            imdecode_with(&gz, &ReadOptions::new().extension(".nii.gz")).is_err(),
            "{n} bytes gzipped"
        );
    }
    let full_gz = sample("v1_scaled_int16.nii.gz");
    for n in 0..full_gz.len() {
        assert!(
            imdecode_with(&full_gz[..n], &ReadOptions::new().extension(".gz")).is_err(),
            "{n} bytes of a .nii.gz"
        );
    }
    // Huge dims: refused by the limits before anything is allocated.
    let mut huge = base.clone();
    for i in 1..=3 {
        put(&mut huge, 40 + 2 * i, &32767i16.to_le_bytes());
    }
    let e = imdecode(&huge).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let e = improps(huge.clone()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // Within the limits, but beyond the file: truncated, before allocating.
    let mut long = base.clone();
    put(&mut long, 46, &1000i16.to_le_bytes());
    let e = imdecode(&long).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    // Negative and zero dims, dim[0] out of range.
    for (at, v) in [(42, -5i16), (44, 0), (40, 9), (40, 0), (40, -1)] {
        let mut b = base.clone();
        put(&mut b, at, &v.to_le_bytes());
        assert!(imdecode_with(&b, &nii).is_err(), "dim at {at} = {v}");
    }
    // vox_offset past the end, inside the header, not integral, NaN.
    for v in [1.0e9f32, 100.0, 352.5, f32::NAN, -4.0] {
        let mut b = base.clone();
        put(&mut b, 108, &v.to_le_bytes());
        let e = imdecode(&b).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "vox_offset {v}: {e}");
    }
    // Unknown and unsupported datatypes.
    for (code, kind) in [(3i16, ErrorKind::Decode), (32, ErrorKind::Unsupported)] {
        let mut b = base.clone();
        put(&mut b, 70, &code.to_le_bytes());
        let e = imdecode(&b).unwrap_err();
        assert_eq!(e.kind(), kind, "datatype {code}: {e}");
    }
    // NIfTI-2: 2^40-voxel axes.
    let mut v2 = sample("v2_int16.nii");
    put(&mut v2, 24, &(1i64 << 40).to_le_bytes());
    let e = imdecode(&v2).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    put(&mut v2, 24, &i64::MAX.to_le_bytes());
    put(&mut v2, 32, &i64::MAX.to_le_bytes());
    assert!(imdecode(&v2).is_err());
    // Every header byte set to 0xff or 0x00: errors or reads, never a panic.
    for (file, len) in [("v1_int16.nii", 352), ("v2_int16.nii", 544)] {
        let b = sample(file);
        for i in 0..len {
            for v in [0x00, 0xff, 0x80] {
                let mut m = b.clone();
                m[i] = v;
                let _ = imdecode_with(&m, &nii);
            }
        }
    }
}

#[test]
fn gzip_bombs_are_bounded_by_the_limits() {
    // A header that declares 1 GiB of voxels over a short gzip stream: the
    // limit refuses it before anything is decompressed.
    let mut h = sample("v1_uint8.nii")[..352].to_vec();
    put(&mut h, 40, &3i16.to_le_bytes());
    for i in 1..=3 {
        put(&mut h, 40 + 2 * i, &1024i16.to_le_bytes());
    }
    let small = Limits {
        max_alloc: 16 << 20,
        ..Limits::default()
    };
    let gz = gzip(&h);
    let o = ReadOptions::new().extension(".nii.gz").limits(small);
    let e = imdecode_with(&gz, &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // A vox_offset far into a long stream: refused, not decompressed.
    let mut far = sample("v1_uint8.nii")[..352].to_vec();
    put(&mut far, 108, &1.0e12f32.to_le_bytes());
    let e = imdecode_with(&gzip(&far), &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // A stream far longer than the header says (64 MiB of zeros): only the
    // declared 64 KiB are decompressed.
    put(&mut h, 42, &64i16.to_le_bytes());
    put(&mut h, 44, &32i16.to_le_bytes());
    put(&mut h, 46, &32i16.to_le_bytes());
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&h).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        z.write_all(&zeros).unwrap();
    }
    let bomb = z.finish().unwrap();
    let start = std::time::Instant::now();
    let img = imdecode_with(&bomb, &o).unwrap();
    assert_eq!(img.shape(), [32, 32, 64]);
    assert!(start.elapsed().as_secs() < 5);
}

/// An array not in standard layout (a transpose) is written in its logical
/// order: what reads back equals the array as indexed, u16 (byte-swapped
/// on a big-endian host) and f32 alike, plain and gzipped.
#[test]
fn a_transposed_array_is_written_in_logical_order() {
    let u = NdImage::from_shape_vec(&[3, 4, 5], (0..60u16).map(|i| i * 1000 + 7).collect())
        .unwrap()
        .into_array::<u16>()
        .unwrap();
    let f = NdImage::from_shape_vec(&[4, 6], (0..24).map(|i| i as f32 * 0.5 - 3.0).collect())
        .unwrap()
        .into_array::<f32>()
        .unwrap();
    for img in [
        NdImage::from(u.reversed_axes()),
        NdImage::from(f.reversed_axes()),
    ] {
        assert!(img.as_bytes().is_none(), "the case must be non-standard");
        for ext in [".nii", ".nii.gz"] {
            let bytes = imencode(&img, ext).unwrap();
            let back = imdecode_with(&bytes, &ReadOptions::new().extension(ext)).unwrap();
            assert_eq!(back.shape(), img.shape(), "{ext}");
            assert_eq!(back, img, "{ext}");
        }
    }
}
