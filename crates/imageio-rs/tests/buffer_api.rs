//! The buffer-level `ImageIO` API, exercised as external code uses it:
//! every call, every pixel format with known pixel values, odd widths,
//! padded strides, bad input and the file-level guarantees.
#![cfg(feature = "buffer")]

use imageio::ndarray::{s, Array2, Array3, ArrayD, Dimension, IxDyn};
use imageio::{
    imdecode_with, imencode, imread, imread_with, imwrite, DType, Error, ErrorKind, FileFormat,
    ImageData, ImageIO, Index, NdImage, Orientation, PixelFormat, ReadOptions,
};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn u8s(a: &NdImage) -> Vec<u8> {
    a.as_array::<u8>()
        .expect("u8")
        .as_standard_layout()
        .iter()
        .copied()
        .collect()
}

/// The natural array of `format` for an `h` x `w` image, from a smooth
/// colour pattern (RGBA, 8-bit; widened for the 16-bit formats).
fn sample(format: PixelFormat, h: usize, w: usize) -> NdImage {
    let rgba = |y: usize, x: usize, c: usize| -> u8 {
        match c {
            0 => (x * 255 / (w - 1).max(1)) as u8,
            1 => (y * 255 / (h - 1).max(1)) as u8,
            2 => ((x + y) * 37 % 256) as u8,
            _ => (255 - (x * 17 + y * 5) % 256) as u8,
        }
    };
    let c = format.channels();
    let shape: Vec<usize> = if c == 1 { vec![h, w] } else { vec![h, w, c] };
    let at = |i: &[usize]| -> u8 {
        if c == 1 {
            rgba(i[0], i[1], 0) / 2 + rgba(i[0], i[1], 1) / 2
        } else {
            rgba(i[0], i[1], i[2])
        }
    };
    if format.dtype() == DType::U16 {
        NdImage::from(ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            at(i.slice()) as u16 * 256 + (i[0] % 3) as u16
        }))
    } else {
        NdImage::from(ArrayD::from_shape_fn(IxDyn(&shape), |i| at(i.slice())))
    }
}

/// `data` copied into rows `stride` bytes apart, padding bytes 0xA5.
fn repad(data: &ImageData, stride: usize) -> ImageData {
    let min = data.format().min_stride(data.width()).unwrap();
    let rows = data.format().buffer_len(data.height(), 1).unwrap();
    let mut bytes = Vec::with_capacity(rows * stride);
    for r in 0..rows {
        let start = r * data.stride();
        bytes.extend_from_slice(&data.bytes()[start..start + min]);
        bytes.resize(bytes.len() + stride - min, 0xA5);
    }
    ImageData::new(bytes, data.width(), data.height(), stride, data.format()).unwrap()
}

#[test]
fn the_promised_api_works() -> Result<(), Error> {
    let dir = tmp();
    let scan = dir.path().join("scan.tif");
    imwrite(&scan, &imread("imageio:testpattern")?)?;
    let bytes = std::fs::read(&scan)?;

    let d: ImageData = ImageIO::read_from_file(&scan)?;
    let d2 = ImageIO::read_from_memory(&bytes)?;
    assert_eq!(d, d2);
    let (w, h, stride, format, b, o) = (
        d.width(),
        d.height(),
        d.stride(),
        d.format(),
        d.bytes(),
        d.orientation(),
    );
    assert_eq!(
        (w, h, stride, format),
        (384, 256, 1152, PixelFormat::Rgb888)
    );
    assert_eq!(b.len(), 1152 * 256);
    assert_eq!(o, Orientation::TopLeft);
    let nd: NdImage = imread("imageio:testpattern")?;
    let d = ImageIO::read_from_ndarray(&nd, PixelFormat::Rgb888)?;
    assert_eq!(d, d2);
    let out = dir.path().join("out.png");
    ImageIO::save_to_file(&d, &out, false)?;
    let png: Vec<u8> = ImageIO::save_to_memory(&d, FileFormat::Png)?;
    assert_eq!(imread(png)?, nd);
    let nd2: NdImage = ImageIO::save_to_ndarray(&d)?;
    assert_eq!(nd2, nd);
    assert_eq!(imread(&out)?, nd);
    Ok(())
}

#[test]
fn standard_images_read_in_their_natural_formats() -> Result<(), Error> {
    // RGB u8: Rgb888, the bytes of the array.
    let tp = ImageIO::read_from_file("imageio:testpattern")?;
    assert_eq!(tp.format(), PixelFormat::Rgb888);
    assert_eq!(tp.bytes(), &u8s(&imread("imageio:testpattern")?)[..]);
    assert_eq!(&tp.bytes()[..6], &[255, 255, 255, 255, 255, 255]);
    // Row 200, x = 383: R 255, G (200 - 128) * 2 = 144, checkerboard.
    let i = 200 * tp.stride() + 383 * 3;
    assert_eq!(&tp.bytes()[i..i + 3], &[255, 144, 32]);

    // Gray u16: Rgb161616, gray replicated, little-endian.
    let g = ImageIO::read_from_file("imageio:gradient16")?;
    assert_eq!(
        (g.format(), g.width(), g.height(), g.stride()),
        (PixelFormat::Rgb161616, 256, 256, 256 * 6)
    );
    let i = g.stride() + 2 * 6; // (1, 2): 1 * 256 + 2 = 258 = 0x0102
    assert_eq!(&g.bytes()[i..i + 6], &[2, 1, 2, 1, 2, 1]);
    let i = 255 * g.stride() + 255 * 6;
    assert_eq!(&g.bytes()[i..i + 6], &[255; 6]);
    let back = ImageIO::save_to_ndarray(&g)?;
    assert_eq!(back.shape(), &[256, 256, 3]);
    assert_eq!(back.as_array::<u16>().unwrap()[[1, 2, 1]], 258);

    // RGBA u8: Argb8888, bytes A, R, G, B.
    let rgba = imread("imageio:rgba")?.into_array::<u8>()?;
    let d = ImageIO::read_from_file("imageio:rgba")?;
    assert_eq!((d.format(), d.stride()), (PixelFormat::Argb8888, 512));
    for (y, x) in [(0, 0), (64, 64), (10, 100), (127, 3)] {
        let i = y * d.stride() + x * 4;
        let p = rgba.slice(s![y, x, ..]).to_vec();
        assert_eq!(&d.bytes()[i..i + 4], &[p[3], p[0], p[1], p[2]], "{y} {x}");
    }
    assert_eq!(
        ImageIO::save_to_ndarray(&d)?,
        NdImage::from(rgba.clone().into_dyn())
    );
    Ok(())
}

#[test]
fn files_of_every_depth_read_back() -> Result<(), Error> {
    let dir = tmp();
    // Gray u8 with an odd width.
    let gray = Array2::from_shape_fn((5, 7), |(y, x)| (y * 40 + x * 3) as u8);
    let p = dir.path().join("gray.png");
    imwrite(&p, &NdImage::from(gray.clone()))?;
    let d = ImageIO::read_from_file(&p)?;
    assert_eq!(
        (d.format(), d.width(), d.height(), d.stride()),
        (PixelFormat::Grayscaled, 7, 5, 7)
    );
    assert_eq!(d.bytes(), gray.as_slice().unwrap());
    // Gray + alpha u8: Argb8888, gray replicated.
    let la = Array3::from_shape_fn(
        (3, 3, 2),
        |(y, x, c)| if c == 0 { (y * 3 + x) as u8 * 20 } else { 200 },
    );
    let p = dir.path().join("la.png");
    imwrite(&p, &NdImage::from(la))?;
    let d = ImageIO::read_from_file(&p)?;
    assert_eq!(d.format(), PixelFormat::Argb8888);
    assert_eq!(&d.bytes()[4 * 4..4 * 5], &[200, 80, 80, 80]); // (1, 1): 4 * 20
                                                              // RGBA u16: Argb16161616.
    let rgba16 = Array3::from_shape_fn((2, 3, 4), |(y, x, c)| (y * 1000 + x * 100 + c) as u16 * 9);
    let p = dir.path().join("rgba16.png");
    imwrite(&p, &NdImage::from(rgba16.clone()))?;
    let d = ImageIO::read_from_file(&p)?;
    assert_eq!((d.format(), d.stride()), (PixelFormat::Argb16161616, 24));
    // (1, 2): R = 1200 * 9 = 10800, A = 1203 * 9 = 10827
    let i = d.stride() + 2 * 8;
    assert_eq!(
        &d.bytes()[i..i + 4],
        &[&10827u16.to_le_bytes()[..], &10800u16.to_le_bytes()[..]].concat()[..]
    );
    assert_eq!(ImageIO::save_to_ndarray(&d)?, NdImage::from(rgba16));
    // Float images have no pixel format.
    let p = dir.path().join("f.npy");
    imwrite(&p, &NdImage::from(Array2::<f32>::zeros((2, 2))))?;
    let e = ImageIO::read_from_file(&p).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.to_string().contains("float32"), "{e}");
    Ok(())
}

#[test]
fn pages_of_multi_image_files() -> Result<(), Error> {
    let dir = tmp();
    let frames = imread_with("imageio:animation", &ReadOptions::new().index(Index::All))?;
    let gif = dir.path().join("anim.gif");
    imwrite(&gif, &frames)?;
    let bytes = std::fs::read(&gif)?;
    // The red square starts at x = 6 * frame, rows 24..40.
    let red_at = |d: &ImageData, x: usize| {
        let i = 30 * d.stride() + x * 3;
        d.bytes()[i] > 200 && d.bytes()[i + 2] < 60
    };
    let first = ImageIO::read_from_file(&gif)?;
    assert_eq!(first, ImageIO::read_from_file_page(&gif, 0)?);
    assert_eq!(first.format(), PixelFormat::Rgb888);
    assert!(red_at(&first, 2) && !red_at(&first, 30));
    let third = ImageIO::read_from_file_page(&gif, 3)?;
    assert!(!red_at(&third, 2) && red_at(&third, 30));
    assert_eq!(third, ImageIO::read_from_memory_page(&bytes, 3)?);
    assert_eq!(first, ImageIO::read_from_memory(&bytes)?);
    let e = ImageIO::read_from_file_page(&gif, 8).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IndexOutOfRange);
    let e = ImageIO::read_from_file_page("imageio:testpattern", 1).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IndexOutOfRange);
    Ok(())
}

/// `jpeg` with an EXIF APP1 segment holding only the orientation tag.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut exif = b"Exif\0\0II*\0\x08\0\0\0\x01\0".to_vec();
    exif.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0]); // 0x0112, SHORT, 1
    exif.extend_from_slice(&orientation.to_le_bytes());
    exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // value padding, no next IFD
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn orientation_comes_from_exif() -> Result<(), Error> {
    let jpeg = imencode(&imread("imageio:testpattern")?, ".jpg")?;
    assert_eq!(
        ImageIO::read_from_memory(&jpeg)?.orientation(),
        Orientation::TopLeft
    );
    for (v, want) in [
        (6, Orientation::RightTop),
        (3, Orientation::BottomRight),
        (8, Orientation::LeftBottom),
    ] {
        let tagged = with_exif_orientation(&jpeg, v);
        assert_eq!(
            imageio::immeta(&tagged[..])?
                .get("orientation")
                .and_then(imageio::Value::as_int),
            Some(v as i64)
        );
        let d = ImageIO::read_from_memory(&tagged)?;
        assert_eq!((d.orientation(), d.orientation().exif()), (want, v as u8));
        // Reported, not applied: the pixels are those of the untagged file.
        assert_eq!(d.bytes(), ImageIO::read_from_memory(&jpeg)?.bytes());
        assert_eq!((d.width(), d.height()), (384, 256));
    }
    let dir = tmp();
    let p = dir.path().join("rotated.jpg");
    std::fs::write(&p, with_exif_orientation(&jpeg, 6))?;
    assert_eq!(
        ImageIO::read_from_file(&p)?.orientation(),
        Orientation::RightTop
    );
    Ok(())
}

/// Known pixel values of every format through the public calls: a 3 x 5
/// image (odd width) whose pixel (1, 2) is set, packed, inspected, unpacked.
///
/// The pixel is the colour R 18, G 52, B 86 (A 120) in every format, so the
/// array given to `read_from_ndarray` holds it in the format's own channel
/// order (B, G, R for `Bgr888`, A, R, G, B for `Argb8888`, ...), and
/// `save_to_ndarray` gives it back as R, G, B(, A). (Before `read_from_ndarray`
/// took arrays in the format's order, this test passed every format an R, G,
/// B(, A) array and expected it swapped into the memory order.)
#[test]
fn every_pixel_format_with_known_pixels() -> Result<(), Error> {
    use PixelFormat::*;
    let (h, w) = (3usize, 5usize);
    let rgb = vec![18u16, 52, 86];
    let rgba = vec![18u16, 52, 86, 120];
    let rgb16 = vec![0x1234u16, 0xABCD, 0x0F0F];
    let rgba16 = vec![0x1234u16, 0xABCD, 0x0F0F, 0x8001];
    let (r16, g16, b16, a16) = (0x1234u16, 0xABCD, 0x0F0F, 0x8001);
    /// (format, array pixel (1, 2), bytes of pixel (1, 2), pixel (1, 2) read back)
    type Row = (PixelFormat, Vec<u16>, Vec<u8>, Vec<u16>);
    let table: Vec<Row> = vec![
        (Grayscaled, vec![200], vec![200], vec![200]),
        (Binary8, vec![200], vec![255], vec![255]),
        (Binary8Inverted, vec![200], vec![0], vec![255]),
        (Rgb888, rgb.clone(), vec![18, 52, 86], rgb.clone()),
        (Bgr888, vec![86, 52, 18], vec![86, 52, 18], rgb.clone()),
        (Rgb565, rgb.clone(), vec![0xAA, 0x11], vec![16, 52, 82]),
        (Rgb555, rgb.clone(), vec![0xCA, 0x08], vec![16, 49, 82]),
        (
            Argb8888,
            vec![120, 18, 52, 86],
            vec![120, 18, 52, 86],
            rgba.clone(),
        ),
        (
            Abgr8888,
            vec![120, 86, 52, 18],
            vec![120, 86, 52, 18],
            rgba.clone(),
        ),
        (
            Rgb161616,
            rgb16.clone(),
            vec![0x34, 0x12, 0xCD, 0xAB, 0x0F, 0x0F],
            rgb16.clone(),
        ),
        (
            Argb16161616,
            vec![a16, r16, g16, b16],
            vec![0x01, 0x80, 0x34, 0x12, 0xCD, 0xAB, 0x0F, 0x0F],
            rgba16.clone(),
        ),
        (
            Abgr16161616,
            vec![a16, b16, g16, r16],
            vec![0x01, 0x80, 0x0F, 0x0F, 0xCD, 0xAB, 0x34, 0x12],
            rgba16.clone(),
        ),
    ];
    for (f, input, px, back) in &table {
        let f = *f;
        let c = f.channels();
        let shape: Vec<usize> = if c == 1 { vec![h, w] } else { vec![h, w, c] };
        let nd = if f.dtype() == DType::U16 {
            let mut a = ArrayD::<u16>::zeros(IxDyn(&shape));
            for (k, v) in a.slice_mut(s![1, 2, ..]).iter_mut().enumerate() {
                *v = input[k];
            }
            NdImage::from(a)
        } else {
            let mut a = ArrayD::<u8>::zeros(IxDyn(&shape));
            if c == 1 {
                a[[1, 2]] = input[0] as u8;
            } else {
                for (k, v) in a.slice_mut(s![1, 2, ..]).iter_mut().enumerate() {
                    *v = input[k] as u8;
                }
            }
            NdImage::from(a)
        };
        let d = ImageIO::read_from_ndarray(&nd, f)?;
        let bpp = f.bits_per_pixel() / 8;
        assert_eq!(d.stride(), w * bpp, "{f}");
        assert_eq!(d.bytes().len(), h * w * bpp, "{f}");
        let i = d.stride() + 2 * bpp;
        assert_eq!(&d.bytes()[i..i + bpp], &px[..], "{f}: stored bytes");
        // Every other pixel is black (transparent black for the RGBA formats).
        let zero: Vec<u8> = match f {
            Binary8Inverted => vec![255],
            _ => vec![0; bpp],
        };
        assert_eq!(&d.bytes()[..bpp], &zero[..], "{f}: pixel (0, 0)");
        let out = ImageIO::save_to_ndarray(&d)?;
        assert_eq!((out.shape(), out.dtype()), (&shape[..], f.dtype()), "{f}");
        let out16 = out.cast(DType::U16).into_array::<u16>()?;
        let got: Vec<u16> = if c == 1 {
            vec![out16[[1, 2]]]
        } else {
            out16.slice(s![1, 2, ..]).to_vec()
        };
        assert_eq!(&got, back, "{f}: read back");
        // The same buffer with padded rows unpacks the same.
        for stride in [d.stride() + 1, d.stride() + 7, d.stride() * 2] {
            assert_eq!(
                ImageIO::save_to_ndarray(&repad(&d, stride))?,
                out,
                "{f}: stride {stride}"
            );
        }
    }

    // The packed binary formats: 3 x 11 (two bytes a row), pixel (1, 2) and
    // (1, 9) white, thresholded at 128.
    let mut g = Array2::<u8>::zeros((3, 11));
    g[[1, 2]] = 128;
    g[[1, 9]] = 255;
    g[[2, 0]] = 127;
    let g = NdImage::from(g);
    let d = ImageIO::read_from_ndarray(&g, Binary)?;
    assert_eq!((d.stride(), d.bytes()), (2, &[0, 0, 0x20, 0x40, 0, 0][..]));
    let inv = ImageIO::read_from_ndarray(&g, BinaryInverted)?;
    assert_eq!(inv.bytes(), &[0xFF, 0xE0, 0xDF, 0xA0, 0xFF, 0xE0]);
    for d in [&d, &inv] {
        let out = ImageIO::save_to_ndarray(d)?.into_array::<u8>()?;
        assert_eq!(
            (out[[1, 2]], out[[1, 9]], out[[2, 0]], out[[1, 10]]),
            (255, 255, 0, 0)
        );
        assert_eq!(out.iter().filter(|&&v| v == 255).count(), 2);
        let padded = repad(d, 5);
        assert_eq!(ImageIO::save_to_ndarray(&padded)?.into_array::<u8>()?, out);
    }
    // Padding bits are ignored on reading: a row of 0xFF with width 3.
    let d = ImageData::new(vec![0xFF, 0x00], 3, 2, 1, Binary)?;
    assert_eq!(
        u8s(&ImageIO::save_to_ndarray(&d)?),
        vec![255, 255, 255, 0, 0, 0]
    );

    // NV12 / NV21: a 3 x 5 red image (odd both ways): Y 82, U 90, V 240.
    let red = NdImage::from(Array3::from_shape_fn((3, 5, 3), |(_, _, c)| {
        if c == 0 {
            255u8
        } else {
            0
        }
    }));
    for (f, chroma) in [(NV12, [90u8, 240]), (NV21, [240, 90])] {
        let d = ImageIO::read_from_ndarray(&red, f)?;
        assert_eq!((d.stride(), d.bytes().len()), (6, 6 * (3 + 2)), "{f}");
        assert_eq!(&d.bytes()[..6], &[82, 82, 82, 82, 82, 0], "{f}");
        assert_eq!(
            &d.bytes()[18..24],
            &[chroma, chroma, chroma].concat()[..],
            "{f}"
        );
        let out = ImageIO::save_to_ndarray(&d)?.into_array::<u8>()?;
        assert_eq!(out.shape(), &[3, 5, 3]);
        assert!(out
            .as_slice()
            .unwrap()
            .chunks_exact(3)
            .all(|p| p == [255, 1, 0]));
        assert_eq!(
            ImageIO::save_to_ndarray(&repad(&d, 9))?.into_array::<u8>()?,
            out
        );
    }
    Ok(())
}

/// `read_from_ndarray` takes the array in the format's own channel order and
/// stores it as it is; `save_to_ndarray` gives R, G, B(, A). An OpenCV-style
/// B, G, R array saved through `Bgr888` has the right colours in the file.
#[test]
fn arrays_are_taken_in_the_formats_own_channel_order() -> Result<(), Error> {
    use imageio::ndarray::arr3;
    // 1x2 B, G, R: the bytes unchanged, stride 6 (tightly packed).
    let bgr = NdImage::from(arr3(&[[[1u8, 2, 3], [4, 5, 6]]]).into_dyn());
    let d = ImageIO::read_from_ndarray(&bgr, PixelFormat::Bgr888)?;
    assert_eq!(d.bytes(), &[1, 2, 3, 4, 5, 6]);
    assert_eq!((d.width(), d.height(), d.stride()), (2, 1, 6));
    let rgb = ImageIO::save_to_ndarray(&d)?;
    assert_eq!(
        rgb,
        NdImage::from(arr3(&[[[3u8, 2, 1], [6, 5, 4]]]).into_dyn())
    );

    // 1x2 A, R, G, B and A, B, G, R: the bytes unchanged, stride 8.
    let four = NdImage::from(arr3(&[[[10u8, 20, 30, 40], [50, 60, 70, 80]]]).into_dyn());
    for (f, rgba) in [
        (
            PixelFormat::Argb8888,
            [[20u8, 30, 40, 10], [60, 70, 80, 50]],
        ),
        (
            PixelFormat::Abgr8888,
            [[40u8, 30, 20, 10], [80, 70, 60, 50]],
        ),
    ] {
        let d = ImageIO::read_from_ndarray(&four, f)?;
        assert_eq!(d.bytes(), &[10, 20, 30, 40, 50, 60, 70, 80], "{f}");
        assert_eq!(d.stride(), 8, "{f}");
        let out = ImageIO::save_to_ndarray(&d)?;
        assert_eq!(out, NdImage::from(arr3(&[rgba]).into_dyn()), "{f}");
    }

    // 16-bit A, R, G, B: each sample little-endian, in the array's order.
    let argb16 = NdImage::from(arr3(&[[[0xA0A1u16, 0x0102, 0x0304, 0x0506]]]).into_dyn());
    let d = ImageIO::read_from_ndarray(&argb16, PixelFormat::Argb16161616)?;
    assert_eq!(d.bytes(), &[0xA1, 0xA0, 0x02, 0x01, 0x04, 0x03, 0x06, 0x05]);
    assert_eq!(
        ImageIO::save_to_ndarray(&d)?,
        NdImage::from(arr3(&[[[0x0102u16, 0x0304, 0x0506, 0xA0A1]]]).into_dyn())
    );

    // The test pattern as OpenCV would hold it (B, G, R), saved through
    // Bgr888: the PNG holds the test pattern itself, and reads back as the
    // RGB buffer of the test pattern.
    let tp = imread("imageio:testpattern")?.into_array::<u8>()?;
    let mut cv = tp.clone();
    cv.invert_axis(imageio::ndarray::Axis(2));
    let cv = NdImage::from(cv.as_standard_layout().into_owned());
    let d = ImageIO::read_from_ndarray(&cv, PixelFormat::Bgr888)?;
    assert_eq!(d.bytes(), &u8s(&cv)[..]);
    let png = ImageIO::save_to_memory(&d, FileFormat::Png)?;
    assert_eq!(imread(&png[..])?, NdImage::from(tp.clone()));
    let back = ImageIO::read_from_memory(&png)?;
    assert_eq!(back.format(), PixelFormat::Rgb888);
    assert_eq!(back.bytes(), &u8s(&NdImage::from(tp))[..]);
    Ok(())
}

#[test]
fn every_pixel_format_round_trips_through_png() -> Result<(), Error> {
    let dir = tmp();
    for f in PixelFormat::ALL {
        let nd = sample(f, 9, 13);
        let d = ImageIO::read_from_ndarray(&nd, f)?;
        let padded = repad(&d, d.stride() + 3);
        let p = dir.path().join(format!("{f}.png"));
        ImageIO::save_to_file(&padded, &p, false)?;
        let natural = ImageIO::save_to_ndarray(&d)?;
        // The PNG holds the natural array.
        assert_eq!(imread(&p)?, natural, "{f}");
        let back = ImageIO::read_from_file(&p)?;
        let expected_format = match natural.shape().get(2) {
            None => PixelFormat::Grayscaled,
            Some(3) if f.dtype() == DType::U8 => PixelFormat::Rgb888,
            Some(_) if f.dtype() == DType::U8 => PixelFormat::Argb8888,
            Some(3) => PixelFormat::Rgb161616,
            Some(_) => PixelFormat::Argb16161616,
        };
        assert_eq!(back.format(), expected_format, "{f}");
        assert_eq!(ImageIO::save_to_ndarray(&back)?, natural, "{f}");
        // And in memory, the same.
        let png = ImageIO::save_to_memory(&padded, FileFormat::Png)?;
        assert_eq!(ImageIO::read_from_memory(&png)?, back, "{f}");
    }
    Ok(())
}

#[test]
fn save_to_memory_in_every_file_format() -> Result<(), Error> {
    let rgb = ImageIO::read_from_file("imageio:testpattern")?;
    let small =
        ImageIO::read_from_ndarray(&sample(PixelFormat::Rgb888, 16, 15), PixelFormat::Rgb888)?;
    let linked: Vec<&str> = imageio::plugin::plugins()?.iter().map(|p| p.name).collect();
    for f in FileFormat::ALL {
        let src = if f == FileFormat::Ico { &small } else { &rgb };
        let r = ImageIO::save_to_memory(src, f);
        match f {
            FileFormat::Pdf if !linked.contains(&"pdf") => {
                // The core's "plugin not linked" error, naming what to add.
                let e = r.unwrap_err();
                assert_eq!((e.kind(), e.code()), (ErrorKind::PluginNotLinked, 3), "{e}");
                assert!(e.to_string().contains("`pdf` feature"), "{e}");
            }
            FileFormat::Avif if !cfg!(feature = "avif") => {
                assert_eq!(r.unwrap_err().kind(), ErrorKind::Unsupported);
            }
            FileFormat::Avif => {
                // Encoded (lossy); reading AVIF back is not a default plugin's job.
                assert_eq!(&r?[4..8], b"ftyp");
            }
            FileFormat::Pdf => {
                // The pdf plugin is linked: the page holds the image.
                let back = ImageIO::read_from_memory(&r?)?;
                assert_eq!((back.width(), back.height()), (384, 256));
            }
            FileFormat::Farbfeld => {
                // Farbfeld is 16-bit RGBA only.
                assert!(r.is_err());
                let d16 = ImageIO::read_from_ndarray(
                    &sample(PixelFormat::Argb16161616, 4, 5),
                    PixelFormat::Argb16161616,
                )?;
                let bytes = ImageIO::save_to_memory(&d16, f)?;
                assert_eq!(&bytes[..8], b"farbfeld");
                assert_eq!(ImageIO::read_from_memory(&bytes)?, d16);
            }
            // With the `webp` plugin (libwebp) WebP is written lossy by
            // default, as Pillow writes it; `pillowlike` alone writes it
            // losslessly (checked below).
            FileFormat::Jpeg | FileFormat::Webp
                if f == FileFormat::Jpeg || cfg!(feature = "webp") =>
            {
                let bytes = r?;
                let magic: &[u8] = if f == FileFormat::Jpeg {
                    &[0xFF, 0xD8]
                } else {
                    b"RIFF"
                };
                assert_eq!(&bytes[..magic.len()], magic);
                let back = ImageIO::read_from_memory(&bytes)?;
                assert_eq!(
                    (back.width(), back.height(), back.format()),
                    (384, 256, PixelFormat::Rgb888)
                );
                let err = rgb
                    .bytes()
                    .iter()
                    .zip(back.bytes())
                    .map(|(&a, &b)| a.abs_diff(b) as u64)
                    .sum::<u64>() as f64
                    / rgb.bytes().len() as f64;
                assert!(err < 6.0, "mean {f} error {err}");
            }
            _ => {
                let bytes = r?;
                let back = if f == FileFormat::Tga {
                    // TGA has no magic number: decoding needs the extension.
                    let e = ImageIO::read_from_memory(&bytes).unwrap_err();
                    assert_eq!(e.kind(), ErrorKind::NoPlugin);
                    let nd = imdecode_with(&bytes, &ReadOptions::new().extension(".tga"))?;
                    ImageIO::read_from_ndarray(&nd, PixelFormat::Rgb888)?
                } else {
                    ImageIO::read_from_memory(&bytes)?
                };
                if f == FileFormat::Gif {
                    // Palette-quantised: the shape and the white bar survive.
                    assert_eq!((back.width(), back.height()), (384, 256));
                    assert_eq!(&back.bytes()[..3], &[255, 255, 255]);
                } else {
                    assert_eq!(&back, src, "{f} is lossless");
                }
            }
        }
    }
    Ok(())
}

#[test]
fn overwrite_false_leaves_the_file_untouched() -> Result<(), Error> {
    let dir = tmp();
    let p = dir.path().join("keep.png");
    let a = ImageIO::read_from_file("imageio:testpattern")?;
    let b = ImageIO::read_from_file("imageio:rgba")?;
    ImageIO::save_to_file(&a, &p, false)?;
    let before = std::fs::read(&p)?;
    let e = ImageIO::save_to_file(&b, &p, false).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::AlreadyExists, 11));
    assert_eq!(std::fs::read(&p)?, before);
    assert_eq!(ImageIO::read_from_file(&p)?, a);
    let names: Vec<_> = std::fs::read_dir(dir.path())?
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    // overwrite = true replaces it.
    ImageIO::save_to_file(&b, &p, true)?;
    assert_eq!(ImageIO::read_from_file(&p)?, b);
    // A failed write (JPEG has no alpha) leaves the old file too.
    let j = dir.path().join("keep.jpg");
    ImageIO::save_to_file(&a, &j, true)?;
    let before = std::fs::read(&j)?;
    assert_eq!(
        ImageIO::save_to_file(&b, &j, true).unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    assert_eq!(std::fs::read(&j)?, before);
    Ok(())
}

#[test]
fn bad_input_gives_clear_errors() {
    use PixelFormat::*;
    let invalid = |r: Result<ImageData, Error>, needle: &str| {
        let e = r.unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::InvalidInput, 13), "{e}");
        assert!(e.to_string().contains(needle), "{needle:?} not in: {e}");
    };
    // Short buffers.
    invalid(
        ImageData::new(vec![0; 44], 5, 3, 15, Rgb888),
        "need stride * height = 15 * 3 = 45",
    );
    invalid(
        ImageData::new(vec![0; 29], 5, 3, 6, NV12),
        "= 6 * (3 + 2) = 30",
    );
    invalid(ImageData::new(vec![], 1, 1, 1, Grayscaled), "holds 0 bytes");
    // Strides too small.
    invalid(
        ImageData::new(vec![0; 100], 5, 3, 14, Rgb888),
        "at least 15 bytes",
    );
    invalid(
        ImageData::new(vec![0; 100], 9, 3, 1, Binary),
        "at least 2 bytes",
    );
    invalid(
        ImageData::new(vec![0; 100], 5, 3, 5, NV21),
        "at least 6 bytes",
    );
    invalid(
        ImageData::new(vec![0; 100], 5, 3, 19, Argb8888),
        "at least 20 bytes",
    );
    invalid(
        ImageData::new(vec![0; 100], 3, 3, 17, Rgb161616),
        "at least 18 bytes",
    );
    invalid(
        ImageData::new(vec![0; 100], 3, 3, 5, Rgb565),
        "at least 6 bytes",
    );
    // Empty.
    invalid(ImageData::new(vec![0; 100], 0, 3, 5, Grayscaled), "empty");
    // Shapes and dtypes that do not fit the format.
    let rgb = imread("imageio:testpattern").unwrap();
    let gray16 = imread("imageio:gradient16").unwrap();
    let rgba = imread("imageio:rgba").unwrap();
    invalid(ImageIO::read_from_ndarray(&rgb, Grayscaled), "gray (H, W)");
    invalid(
        ImageIO::read_from_ndarray(&rgb, Binary),
        "shape [256, 384, 3]",
    );
    // Argb8888 takes its array in its own order, A, R, G, B, and says so.
    invalid(ImageIO::read_from_ndarray(&rgb, Argb8888), "ARGB (H, W, 4)");
    invalid(ImageIO::read_from_ndarray(&rgba, Bgr888), "BGR (H, W, 3)");
    invalid(ImageIO::read_from_ndarray(&rgba, Rgb888), "RGB (H, W, 3)");
    invalid(ImageIO::read_from_ndarray(&rgba, NV12), "RGB (H, W, 3)");
    invalid(
        ImageIO::read_from_ndarray(&gray16, Grayscaled),
        "takes uint8 samples, but the array is uint16",
    );
    invalid(
        ImageIO::read_from_ndarray(&rgb, Rgb161616),
        "takes uint16 samples",
    );
    invalid(
        ImageIO::read_from_ndarray(&rgb.cast(DType::F32), Rgb888),
        "float32",
    );
    let stack = imread_with("imageio:animation", &ReadOptions::new().index(Index::All)).unwrap();
    invalid(ImageIO::read_from_ndarray(&stack, Rgb888), "NdImage::frame");
    invalid(
        ImageIO::read_from_ndarray(&NdImage::zeros(&[0, 4], DType::U8), Grayscaled),
        "no pixels",
    );
    invalid(
        ImageIO::read_from_ndarray(&NdImage::zeros(&[4], DType::U8), Grayscaled),
        "shape [4]",
    );

    // Files: missing, not an image, no extension to write.
    let dir = tmp();
    let e = ImageIO::read_from_file(dir.path().join("missing.png")).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::NotFound, 1));
    assert!(ImageIO::read_from_memory(b"not an image at all").is_err());
    let d = ImageIO::read_from_file("imageio:testpattern").unwrap();
    let e = ImageIO::save_to_file(&d, dir.path().join("noext"), true).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoPlugin);
    assert!(!dir.path().join("noext").exists());
    // 16-bit into JPEG: the plugin says it cannot.
    let g = ImageIO::read_from_file("imageio:gradient16").unwrap();
    let e = ImageIO::save_to_memory(&g, FileFormat::Jpeg).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Unsupported | ErrorKind::Encode),
        "{e:?}"
    );
}
