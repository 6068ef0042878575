//! Integration tests of the NPY/NPZ plugin through the `imageio` facade: every
//! dtype, Fortran order, big endian, NPZ archives, the corpus files written by
//! numpy (compared to values read with numpy), and hostile input.

use std::io::Write;
use std::path::PathBuf;

use imageio::ndarray::{ArrayD, IxDyn};
use imageio::{
    immeta, immeta_with, imopen, improps, improps_with, imread, imread_with, imwrite, imwrite_with,
    DType, ErrorKind, Index, IoMode, NdImage, ReadOptions, Value, WriteOptions,
};

/// An NPY file built by hand (independently of the plugin's writer).
fn npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
    let order = if fortran { "True" } else { "False" };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}");
    while !(10 + dict.len() + 1).is_multiple_of(64) {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend_from_slice(data);
    out
}

fn ramp<T: imageio::Element>(shape: &[usize]) -> NdImage {
    let n: usize = shape.iter().product();
    let data: Vec<T> = (0..n)
        .map(|i| T::from_f64((i % 97) as f64 * 1.5 - 20.0))
        .collect();
    NdImage::from(ArrayD::from_shape_vec(IxDyn(shape), data).unwrap())
}

fn every_dtype(shape: &[usize]) -> Vec<NdImage> {
    DType::ALL
        .iter()
        .map(|&d| imageio::plugin::with_dtype!(d, T => ramp::<T>(shape)))
        .collect()
}

#[test]
fn every_dtype_round_trips_through_npy() {
    let dir = tempfile::tempdir().unwrap();
    for img in every_dtype(&[3, 5, 2]) {
        let p = dir.path().join(format!("{}.npy", img.dtype()));
        imwrite(&p, &img).unwrap();
        let back = imread(&p).unwrap();
        assert_eq!(back, img, "{}", img.dtype());
        let props = improps(&p).unwrap();
        assert_eq!(
            (props.shape, props.dtype, props.n_images),
            (vec![3, 5, 2], img.dtype(), Some(1))
        );
        let meta = immeta(&p).unwrap();
        assert_eq!(meta.get("dtype"), Some(&Value::from(img.dtype().name())));
        assert_eq!(meta.get("fortran_order"), Some(&Value::Bool(false)));
    }
    // The file is what numpy writes: little-endian descr, then the raw data.
    let p = dir.path().join("u16.npy");
    imwrite(&p, &NdImage::from(imageio::ndarray::array![[1u16, 0x0203]])).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("'descr': '<u2'"));
    assert_eq!(&bytes[bytes.len() - 4..], &[1, 0, 3, 2]);
}

#[test]
fn any_number_of_axes_in_memory() {
    for shape in [&[][..], &[7][..], &[2, 3][..], &[2, 1, 3, 2, 2][..]] {
        let img = ramp::<i16>(shape);
        let bytes = imageio::imencode(&img, ".npy").unwrap();
        assert_eq!(imageio::imdecode(&bytes).unwrap(), img, "{shape:?}");
    }
}

#[test]
fn a_batch_to_npy_is_one_array() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("stack.npy");
    let stack = ramp::<u8>(&[4, 6, 5, 3]);
    imwrite(&p, &stack).unwrap(); // guessed a batch: still one array
    assert_eq!(imread(&p).unwrap(), stack);
    let p = dir.path().join("frames.npy");
    let frames = ramp::<f32>(&[3, 8, 9]);
    imwrite_with(&p, &frames, &WriteOptions::new().is_batch(true)).unwrap();
    assert_eq!(imread(&p).unwrap().shape(), &[3, 8, 9]);
}

#[test]
fn a_second_write_to_npy_is_refused_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("one.npy");
    let mut f = imopen(&p, IoMode::Write).unwrap();
    f.write(ramp::<u8>(&[2, 2])).unwrap();
    let e = f.write(ramp::<u8>(&[2, 2])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.message().contains("write .npz for several"), "{e}");
    drop(f);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn npz_write_appends_members_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    for compress in [false, true] {
        let p = dir.path().join(format!("a{compress}.npz"));
        let images = every_dtype(&[4, 3]);
        let mut f =
            imageio::ImageFile::open_write(&p, &WriteOptions::new().option("compress", compress))
                .unwrap();
        for img in &images {
            f.write(img).unwrap();
        }
        f.close().unwrap();
        let names: Vec<Value> = (0..10).map(|i| Value::from(format!("arr_{i}"))).collect();
        let meta = immeta_with(&p, &ReadOptions::new().index(Index::At(7))).unwrap();
        assert_eq!(meta.get("names"), Some(&Value::List(names)));
        assert_eq!(meta.get("name"), Some(&Value::from("arr_7")));
        assert_eq!(meta.get("dtype"), Some(&Value::from("int64")));
        let method = if compress { "deflate" } else { "stored" };
        assert_eq!(meta.get("compression"), Some(&Value::from(method)));
        let mut r = imopen(&p, IoMode::Read).unwrap();
        assert_eq!(r.n_images().unwrap(), Some(10));
        for (i, img) in images.iter().enumerate() {
            assert_eq!(&r.read(Index::At(i)).unwrap(), img, "member {i}");
        }
        assert_eq!(
            r.read(Index::At(10)).unwrap_err().kind(),
            ErrorKind::IndexOutOfRange
        );
        let one = imread_with(&p, &ReadOptions::new().option("name", "arr_3")).unwrap();
        assert_eq!(one, images[3]);
        let e = imread_with(&p, &ReadOptions::new().option("name", "nope")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidOption);
    }
    // A stack written to .npz: one member per image, stacked again by Index::All.
    let p = dir.path().join("stack.npz");
    let stack = ramp::<u16>(&[3, 4, 5, 3]);
    imwrite(&p, &stack).unwrap();
    assert_eq!(improps(&p).unwrap().n_images, Some(3));
    assert_eq!(
        imread_with(&p, &ReadOptions::new().index(Index::All)).unwrap(),
        stack
    );
    let props = improps_with(&p, &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(props.shape, vec![3, 4, 5, 3]);
}

#[test]
fn fortran_order_and_big_endian_read() {
    // [[1, 2, 3], [4, 5, 6]] as big-endian int32 in Fortran order: 1 4 2 5 3 6.
    let data: Vec<u8> = [1i32, 4, 2, 5, 3, 6]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let img = imageio::imdecode(&npy(">i4", true, "(2, 3)", &data)).unwrap();
    let a = img.into_array::<i32>().unwrap();
    assert!(a.is_standard_layout());
    assert_eq!(a.as_slice().unwrap(), &[1, 2, 3, 4, 5, 6]);
    // Big-endian float64, C order.
    let data: Vec<u8> = [1.5f64, -2.25]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let img = imageio::imdecode(&npy(">f8", false, "(2,)", &data)).unwrap();
    assert_eq!(
        img.into_array::<f64>().unwrap().as_slice().unwrap(),
        &[1.5, -2.25]
    );
    let meta = imageio::immeta(npy(">f8", false, "(2,)", &data)).unwrap();
    assert_eq!(meta.get("descr"), Some(&Value::from(">f8")));
}

#[test]
fn hostile_headers_fail_cleanly_and_small() {
    // 10^15 elements: refused from the header alone (the data is not there
    // either), before any allocation.
    let bomb = npy("|u1", false, "(1000000, 1000000000)", &[0; 16]);
    let e = imageio::imdecode(&bomb).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::LimitExceeded | ErrorKind::Decode),
        "{e}"
    );
    assert!(e.message().contains("[1000000, 1000000000]"), "{e}");
    let bomb = npy("<f8", false, "(1000000000000000,)", &[0; 16]);
    assert!(matches!(
        imageio::imdecode(&bomb).unwrap_err().kind(),
        ErrorKind::LimitExceeded | ErrorKind::Decode
    ));
    // The data present but beyond the caller's limits: refused before allocating.
    let big = npy("<u2", false, "(300, 400)", &vec![0; 240_000]);
    let small = imageio::Limits {
        max_alloc: 100_000,
        ..imageio::Limits::default()
    };
    let e = imread_with(&big, &ReadOptions::new().limits(small)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // Arrays need not be images: the image-axis limits do not apply, so a
    // (2000000, 3) f32 table (24 MB, "2000000 pixels tall") reads.
    let narrow = imageio::Limits {
        max_width: 100,
        max_height: 100,
        max_pixels: 100,
        ..imageio::Limits::default()
    };
    assert_eq!(
        imread_with(&big, &ReadOptions::new().limits(narrow))
            .unwrap()
            .shape(),
        &[300, 400]
    );
    assert_eq!(imageio::imdecode(&big).unwrap().shape(), &[300, 400]);
    let table: Vec<u8> = (0..2_000_000u32 * 3)
        .flat_map(|i| (i as f32).to_le_bytes())
        .collect();
    let points = imageio::imdecode(&npy("<f4", false, "(2000000, 3)", &table)).unwrap();
    assert_eq!(points.shape(), &[2_000_000, 3]);
    assert_eq!(points.dtype(), DType::F32);
    let v = points.view::<f32>().unwrap();
    assert_eq!(v[[1_999_999, 2]], 5_999_999.0);
    // Properties answer from the header, but do not vouch for a file without its data.
    assert_eq!(improps(bomb).unwrap_err().kind(), ErrorKind::Decode);
    let e = improps(npy("<u2", false, "(4, 4)", &[7; 31])).unwrap_err();
    assert!(e.message().contains("truncated"), "{e}");
    // Truncated everywhere: in the header, in the data.
    let good = npy("<u2", false, "(4, 4)", &[7; 32]);
    for n in [9, 20, 63, 64, 90] {
        let e =
            imageio::imread_with(&good[..n], &ReadOptions::new().extension(".npy")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{n}: {e}");
    }
    let e = imageio::imdecode(&npy("|O", false, "(2,)", &[0; 16])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let e = imageio::imdecode(&npy("<z3", false, "(2,)", &[0; 16])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

/// True when `e` says that the plugin npy, named, declined the resource
/// because `reason`. The core reports that with the kind `Declined` (before
/// the plugin contract v2) or `NoPlugin` ("tried npy (reason)", v2).
fn declined_by_npy(e: &imageio::Error, reason: &str) -> bool {
    matches!(e.kind(), ErrorKind::Declined | ErrorKind::NoPlugin)
        && e.message().contains("npy")
        && e.message().contains(reason)
}

#[test]
fn a_zip_that_is_not_npz_is_declined() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.npz");
    imwrite(&p, &ramp::<u8>(&[2, 2])).unwrap();
    let zip = dir.path().join("x.zip");
    std::fs::copy(&p, &zip).unwrap();
    let e = imread_with(&zip, &ReadOptions::new().plugin("npy")).unwrap_err();
    assert!(
        declined_by_npy(&e, "a zip archive that is not named .npz"),
        "{e}"
    );
    // Not NPY at all, named .npy: the content carries none of npy's
    // signatures, so the core does not route it there.
    let fake = dir.path().join("fake.npy");
    std::fs::File::create(&fake)
        .unwrap()
        .write_all(b"hello, world")
        .unwrap();
    let e = imread_with(&fake, &ReadOptions::new().plugin("npy")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined);
}

/// A zip archive of the given members, stored.
fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// Zip content reaches npy by its signature whatever the name; the opener
/// still looks closer: only an archive named .npz, or unnamed with `.npy`
/// members only, is an NPZ.
#[test]
fn zip_content_is_an_npz_only_when_a_closer_look_says_so() {
    let arr = imageio::imencode(&ramp::<u8>(&[2, 3]), ".npy").unwrap();
    let npz = zip_of(&[("a.npy", &arr), ("b.npy", &arr)]);
    // Unnamed bytes, every member .npy: an NPZ.
    let mut f = imopen(npz.clone(), IoMode::Read).unwrap();
    assert_eq!(f.plugin_name(), "npy");
    assert_eq!(f.n_images().unwrap(), Some(2));
    assert_eq!(f.read(Index::At(1)).unwrap(), ramp::<u8>(&[2, 3]));
    // The same bytes named .zip (or with another extension): not an NPZ.
    for ext in [".zip", ".npy"] {
        let e = imread_with(npz.clone(), &ReadOptions::new().extension(ext)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NoPlugin, "{ext}: {e}");
        assert!(e.message().contains("not named .npz"), "{ext}: {e}");
    }
    // Unnamed, with a member that is not .npy: declined.
    let mixed = zip_of(&[("a.npy", &arr), ("notes.txt", b"hi")]);
    let e = imread_with(mixed.clone(), &ReadOptions::new().plugin("npy")).unwrap_err();
    assert!(
        declined_by_npy(&e, "a zip archive whose members are not all .npy"),
        "{e}"
    );
    let e = imread_with(mixed.clone(), &ReadOptions::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoPlugin, "{e}");
    // Named .npz, the extra member is skipped.
    let r = imread_with(mixed, &ReadOptions::new().extension(".npz")).unwrap();
    assert_eq!(r, ramp::<u8>(&[2, 3]));
    // An empty zip archive (end of central directory first) named .npz:
    // the NPZ signature routes it, and it holds no array.
    let empty = zip_of(&[]);
    assert!(empty.starts_with(b"PK\x05\x06"));
    let e = imread_with(empty, &ReadOptions::new().extension(".npz")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert!(e.message().contains("holds no .npy array"), "{e}");
}

fn corpus() -> Option<PathBuf> {
    let test = std::thread::current().name().unwrap_or("npy").to_owned();
    imageio_core::test_corpus::for_test(&test, "npy")
}

fn flat<T: imageio::Element>(img: NdImage) -> Vec<T> {
    img.into_array::<T>().unwrap().iter().copied().collect()
}

#[test]
fn corpus_files_written_by_numpy() {
    let Some(root) = corpus() else { return };
    let c = |name: &str| root.join("npy").join(name);
    let a = imread(c("array.npy")).unwrap();
    assert_eq!(a.shape(), &[2, 3]);
    assert_eq!(flat::<i32>(a), vec![0, 1, 2, 3, 4, 5]);
    for f in [
        "example_f64_little_endian_standard.npy",
        "example_f64_little_endian_fortran.npy",
    ] {
        let a = imread(c(f)).unwrap();
        assert_eq!(a.shape(), &[2, 3, 4], "{f}");
        assert_eq!(
            flat::<f64>(a),
            (0..24).map(f64::from).collect::<Vec<_>>(),
            "{f}"
        );
    }
    assert_eq!(
        immeta(c("example_f64_little_endian_fortran.npy"))
            .unwrap()
            .get("fortran_order"),
        Some(&Value::Bool(true))
    );
    // Big endian: a[i, j] = 97 * (30 i + j).
    let a = imread(c("gen_gray_u16_be.npy"))
        .unwrap()
        .into_array::<u16>()
        .unwrap();
    assert_eq!(a.shape(), &[20, 30]);
    assert_eq!((a[[1, 2]], a[[19, 29]]), (3104, 58103));
    assert!(a
        .indexed_iter()
        .all(|(ix, &v)| v as usize == 97 * (30 * ix[0] + ix[1])));
    let a = imread(c("gen_rgba_u8_fortran.npy"))
        .unwrap()
        .into_array::<u8>()
        .unwrap();
    assert_eq!(a.shape(), &[10, 12, 4]);
    assert_eq!(
        a.slice(imageio::ndarray::s![1, 2, ..]).to_vec(),
        vec![58, 50, 225, 49]
    );
    assert_eq!(
        a.slice(imageio::ndarray::s![9, 11, ..]).to_vec(),
        vec![42, 149, 199, 132]
    );
    assert_eq!(a.iter().map(|&v| v as u64).sum::<u64>(), 60432);
    // float16 widened exactly: linspace(-2, 2, 64) rounded to half precision.
    let a = imread(c("gen_f16.npy"))
        .unwrap()
        .into_array::<f32>()
        .unwrap();
    assert_eq!(
        (a[[0, 0]], a[[0, 1]], a[[7, 7]]),
        (-2.0, -(1.0 + 959.0 / 1024.0), 2.0)
    );
    assert_eq!(a.sum(), 0.0);
    let a = imread(c("gen_volume_f32.npy"))
        .unwrap()
        .into_array::<f32>()
        .unwrap();
    assert_eq!(a.shape(), &[4, 16, 16]);
    assert_eq!(
        (a[[2, 7, 9]], a[[3, 15, 15]]),
        (-1.5657577514648438f64 as f32, 1.0470455884933472f64 as f32)
    );
    let a = imread(c("gen_v2_header.npy")).unwrap();
    assert_eq!(flat::<i32>(a), (0..12).collect::<Vec<_>>());
    let a = imread(c("gen_rgb_u8_32x48x3.npy")).unwrap();
    assert_eq!(a.shape(), &[32, 48, 3]);
    assert!(flat::<u8>(a)
        .iter()
        .enumerate()
        .all(|(i, &v)| v as usize == i % 251));
    // bool reads as u8 0/1; a 0-d array keeps its empty shape; (0, 3) stays (0, 3).
    let a = imread(c("gen_bool_mask.npy"))
        .unwrap()
        .into_array::<u8>()
        .unwrap();
    assert_eq!(a.shape(), &[16, 16]);
    assert!(a
        .indexed_iter()
        .all(|(ix, &v)| v == ((ix[0] + ix[1]) % 2) as u8));
    let a = imread(c("example_bool_standard.npy")).unwrap();
    assert_eq!(flat::<u8>(a)[..8], [1, 0, 1, 0, 1, 1, 0, 1]);
    let a = imread(c("gen_i64_scalar0d.npy")).unwrap();
    assert_eq!((a.shape().len(), flat::<i64>(a)), (0, vec![42]));
    let a = imread(c("gen_empty_0x3.npy")).unwrap();
    assert_eq!((a.shape(), a.dtype()), (&[0, 3][..], DType::F64));
}

#[test]
fn corpus_npz_archives() {
    let Some(root) = corpus() else { return };
    let c = |name: &str| root.join("npy").join(name);
    let p = c("gen_multi_compressed.npz");
    let meta = immeta_with(&p, &ReadOptions::new().index(Index::All)).unwrap();
    let names: Vec<Value> = ["c", "arr_0", "arr_1"]
        .iter()
        .map(|&n| Value::from(n))
        .collect();
    assert_eq!(meta.get("names"), Some(&Value::List(names)));
    let mut f = imopen(&p, IoMode::Read).unwrap();
    assert_eq!(f.n_images().unwrap(), Some(3));
    assert_eq!(
        flat::<i16>(f.read(Index::At(0)).unwrap()),
        vec![1, 0, 0, 0, 1, 0, 0, 0, 1]
    );
    let rgb = f.read(Index::At(1)).unwrap();
    assert_eq!(rgb.shape(), &[32, 48, 3]);
    assert!(flat::<u8>(rgb)
        .iter()
        .enumerate()
        .all(|(i, &v)| v as usize == i % 251));
    assert_eq!(
        flat::<f64>(f.read(Index::At(2)).unwrap()),
        (0..10).map(f64::from).collect::<Vec<_>>()
    );
    let p = c("gen_multi_uncompressed.npz");
    let m = immeta(&p).unwrap();
    assert_eq!(
        (m.get("name"), m.get("compression")),
        (Some(&Value::from("image")), Some(&Value::from("stored")))
    );
    let v = imread_with(&p, &ReadOptions::new().option("name", "values")).unwrap();
    assert_eq!(flat::<f64>(v), (0..10).map(f64::from).collect::<Vec<_>>());
    let stent = imread(c("stent.npz")).unwrap().into_array::<i16>().unwrap();
    assert_eq!(stent.shape(), &[256, 128, 128]);
    assert_eq!((stent[[46, 67, 76]], stent[[128, 60, 70]]), (2000, 937));
    assert_eq!(stent.iter().map(|&v| v as i64).sum::<i64>(), 148_470_906);
}

#[test]
fn corpus_refusals() {
    let Some(root) = corpus() else { return };
    for (f, kind) in [
        ("npy/py2-objarr.npy", ErrorKind::Unsupported),
        ("npy/py3-objarr.npy", ErrorKind::Unsupported),
        ("npy/py3-objarr.npz", ErrorKind::Unsupported),
        (
            "npy/example_c64_big_endian_fortran.npy",
            ErrorKind::Unsupported,
        ),
        ("npy/gen_structured.npy", ErrorKind::Unsupported),
        ("npy/gen_v3_header_utf8.npy", ErrorKind::Unsupported),
        ("malformed/npy_bad_version.npy", ErrorKind::Decode),
        ("malformed/trunc_gen_rgb_u8.npy", ErrorKind::Decode),
    ] {
        let e = imread(root.join(f)).unwrap_err();
        assert_eq!(e.kind(), kind, "{f}: {e}");
        assert!(
            e.to_string().contains(f.rsplit('/').next().unwrap()),
            "names the file: {e}"
        );
    }
    // A bool byte that is neither 0 nor 1 reads as 1.
    let a = imread(root.join("malformed/npy_example_bool_bad_value.npy")).unwrap();
    assert!(flat::<u8>(a).iter().all(|&v| v <= 1));
}

/// Files larger than the core's in-memory threshold (256 KiB) are read with
/// positioned reads straight into the array, not mapped: the same values in
/// every layout, and a truncated large file is a clean error.
#[test]
fn large_files_read_at_their_offset() {
    let dir = tempfile::tempdir().unwrap();
    let (h, w) = (300usize, 700usize);
    let values: Vec<u16> = (0..h * w).map(|i| (i * 7919 % 65536) as u16).collect();
    let want = NdImage::from_shape_vec(&[h, w], values.clone()).unwrap();
    // Little and big endian, C order: read in place (swapped for big endian).
    for (descr, bytes) in [
        (
            "<u2",
            values
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<u8>>(),
        ),
        (">u2", values.iter().flat_map(|v| v.to_be_bytes()).collect()),
    ] {
        let path = dir.path().join(format!("big{}.npy", &descr[..1] == ">"));
        std::fs::write(&path, npy(descr, false, &format!("({h}, {w})"), &bytes)).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 256 * 1024);
        assert_eq!(imread(&path).unwrap(), want, "{descr}");
    }
    // Fortran order: converted from bytes read at the offset.
    let fortran: Vec<u8> = (0..w)
        .flat_map(|x| (0..h).map(move |y| (y, x)))
        .flat_map(|(y, x)| values[y * w + x].to_le_bytes())
        .collect();
    let path = dir.path().join("fortran.npy");
    std::fs::write(&path, npy("<u2", true, &format!("({h}, {w})"), &fortran)).unwrap();
    assert_eq!(imread(&path).unwrap(), want);
    // A header longer than the first bytes the core sniffs (512): parsed from
    // the whole file instead.
    let long_shape = format!("({h}, {w}){}", " ".repeat(700));
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let path = dir.path().join("long_header.npy");
    std::fs::write(&path, npy("<u2", false, &long_shape, &bytes)).unwrap();
    assert_eq!(imread(&path).unwrap(), want);
    // Truncated by one byte: refused when opened, naming the file.
    let path = dir.path().join("truncated.npy");
    let full = npy("<u2", false, &format!("({h}, {w})"), &bytes);
    std::fs::write(&path, &full[..full.len() - 1]).unwrap();
    let e = imread(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.to_string().contains("truncated"), "{e}");
    assert!(e.to_string().contains("truncated.npy"), "{e}");
}
