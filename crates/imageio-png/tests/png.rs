//! Integration tests of the PNG plugin through the `imageio` facade: round
//! trips of every colour type and depth, APNG frames and durations, files
//! written by the `png` crate directly, metadata, limits and broken files.

use imageio::ndarray::{ArrayD, IxDyn};
use imageio::{
    imdecode, imencode, imencode_with, immeta_with, improps_with, imread_with, DType, ErrorKind,
    ImageFile, Index, NdImage, ReadOptions, Uri, Value, WriteOptions,
};

/// A deterministic image of `shape` whose samples use the whole range of `T`.
fn pattern_u8(shape: &[usize]) -> NdImage {
    let n: usize = shape.iter().product();
    let v: Vec<u8> = (0..n).map(|i| (i * 37 + i / 7) as u8).collect();
    NdImage::from(ArrayD::from_shape_vec(IxDyn(shape), v).unwrap())
}

fn pattern_u16(shape: &[usize]) -> NdImage {
    let n: usize = shape.iter().product();
    let v: Vec<u16> = (0..n)
        .map(|i| (i as u32).wrapping_mul(40503).wrapping_add(i as u32 >> 3) as u16)
        .collect();
    NdImage::from(ArrayD::from_shape_vec(IxDyn(shape), v).unwrap())
}

fn read_png(bytes: &[u8], index: Index) -> imageio::Result<NdImage> {
    imread_with(bytes, &ReadOptions::new().plugin("png").index(index))
}

#[test]
fn the_plugin_serves_png_and_apng_first() {
    let bytes = imencode(&pattern_u8(&[3, 4]), ".png").unwrap();
    let f = ImageFile::open_read(bytes.clone(), &ReadOptions::new().extension(".png")).unwrap();
    assert_eq!(f.plugin_name(), "png");
    let f = ImageFile::open_read(bytes.clone(), &ReadOptions::new()).unwrap();
    assert_eq!(f.plugin_name(), "png", "found by the signature");
    let f = ImageFile::open_write(Uri::memory(".apng"), &WriteOptions::new()).unwrap();
    assert_eq!(f.plugin_name(), "png");
    let e = imread_with(&b"GIF89a"[..], &ReadOptions::new().plugin("png")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined);
}

#[test]
fn every_colour_type_and_depth_round_trips() {
    for shape in [&[5, 7][..], &[5, 7, 2], &[5, 7, 3], &[5, 7, 4]] {
        for img in [pattern_u8(shape), pattern_u16(shape)] {
            for compression in [
                Value::from("fast"),
                "default".into(),
                "best".into(),
                0.into(),
                3.into(),
            ] {
                let o = WriteOptions::new().option("compression", compression.clone());
                let bytes = imencode_with(&img, ".png", &o).unwrap();
                let back = read_png(&bytes, Index::At(0)).unwrap();
                assert_eq!(back, img, "{shape:?} {} {compression}", img.dtype());
                let p = improps_with(&bytes[..], &ReadOptions::new()).unwrap();
                assert_eq!((p.shape.as_slice(), p.dtype), (shape, img.dtype()));
                assert_eq!(p.n_images, Some(1));
            }
        }
    }
    // (H, W, 1) is written as gray and reads back as (H, W).
    let g = pattern_u8(&[2, 3, 1]);
    let back = imdecode(&imencode(&g, ".png").unwrap()).unwrap();
    assert_eq!(back.shape(), &[2, 3]);
}

#[test]
fn rgba16_round_trips_bit_for_bit() {
    let mut v = Vec::new();
    for i in 0..(16 * 9 * 4) as u32 {
        v.push(match i % 5 {
            0 => 0,
            1 => 65535,
            2 => 1,
            3 => 0x8000 | (i as u16),
            _ => (i.wrapping_mul(2654435761) >> 16) as u16,
        });
    }
    let img = NdImage::from(ArrayD::from_shape_vec(IxDyn(&[16, 9, 4]), v).unwrap());
    for filter in ["none", "sub", "up", "avg", "paeth", "adaptive"] {
        let bytes =
            imencode_with(&img, ".png", &WriteOptions::new().option("filter", filter)).unwrap();
        // IHDR: 16-bit RGBA.
        assert_eq!((bytes[24], bytes[25]), (16, 6), "{filter}");
        assert_eq!(imdecode(&bytes).unwrap(), img, "{filter}");
    }
}

#[test]
fn u16_arrays_are_16_bit_whatever_the_values() {
    let img = NdImage::from(ArrayD::<u16>::from_elem(IxDyn(&[2, 2]), 3));
    let bytes = imencode(&img, ".png").unwrap();
    assert_eq!(bytes[24], 16, "bit depth in IHDR");
    assert_eq!(imdecode(&bytes).unwrap(), img);
}

#[test]
fn unsupported_arrays_are_clear_errors() {
    let f = NdImage::from(ArrayD::<f32>::zeros(IxDyn(&[2, 2])));
    assert_eq!(
        imencode(&f, ".png").unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    let o = WriteOptions::new().option("compression", "ultra");
    let e = imencode_with(&pattern_u8(&[2, 2]), ".png", &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption);
    let o = WriteOptions::new().option("compression", 12);
    let e = imencode_with(&pattern_u8(&[2, 2]), ".png", &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption);
}

fn frames(n: usize, shape: &[usize]) -> Vec<NdImage> {
    (0..n)
        .map(|k| {
            let a = pattern_u8(shape).into_array::<u8>().unwrap();
            NdImage::from(a.mapv(|v| v.wrapping_add(k as u8 * 50)))
        })
        .collect()
}

#[test]
fn apng_frames_and_durations_read_back_exactly() {
    let fr = frames(4, &[6, 5, 3]);
    let durations = vec![Value::from(10), 20.5.into(), 1000.into(), 0.25.into()];
    let o = WriteOptions::new()
        .option("duration", Value::List(durations.clone()))
        .option("loop", 3);
    let mut f = ImageFile::open_write(Uri::memory(".png"), &o).unwrap();
    for img in &fr {
        f.write_with(img, false).unwrap();
    }
    let bytes = f.close().unwrap().unwrap();

    let all = read_png(&bytes, Index::All).unwrap();
    assert_eq!(all, NdImage::stack(&fr).unwrap());
    let p = improps_with(&bytes[..], &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(p.shape, vec![4, 6, 5, 3]);
    assert_eq!(p.n_images, Some(4));

    let meta = immeta_with(&bytes[..], &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(meta.get("loop"), Some(&Value::Int(3)));
    assert_eq!(meta.get("n_frames"), Some(&Value::Int(4)));
    assert_eq!(
        meta.get("default_image_in_animation"),
        Some(&Value::Bool(true))
    );
    assert_eq!(
        meta.get("duration"),
        Some(&Value::List(vec![
            10.0.into(),
            20.5.into(),
            1000.0.into(),
            0.25.into()
        ]))
    );
    for (i, d) in [10.0, 20.5, 1000.0, 0.25].into_iter().enumerate() {
        let m = immeta_with(&bytes[..], &ReadOptions::new().index(Index::At(i))).unwrap();
        assert_eq!(m.get("duration"), Some(&Value::Float(d)), "frame {i}");
    }

    // Sequential reads keep the canvas; going back starts over.
    let mut f = ImageFile::open_read(bytes.clone(), &ReadOptions::new()).unwrap();
    assert_eq!(f.n_images().unwrap(), Some(4));
    assert_eq!(f.read(Index::At(2)).unwrap(), fr[2]);
    assert_eq!(f.read(Index::At(3)).unwrap(), fr[3]);
    assert_eq!(f.read(Index::At(3)).unwrap(), fr[3]);
    assert_eq!(f.read(Index::At(0)).unwrap(), fr[0]);
    assert_eq!(f.read(Index::At(1)).unwrap(), fr[1]);
    let e = f.read(Index::At(4)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IndexOutOfRange);
    let streamed: Vec<NdImage> = f.iter().map(|r| r.unwrap()).collect();
    assert_eq!(streamed, fr);
}

#[test]
fn a_stack_is_an_apng_with_one_duration_and_16_bit_frames() {
    let fr: Vec<NdImage> = (0..3)
        .map(|k| {
            let a = pattern_u16(&[4, 3, 4]).into_array::<u16>().unwrap();
            NdImage::from(a.mapv(|v| v ^ (k * 4099) as u16))
        })
        .collect();
    let stack = NdImage::stack(&fr).unwrap();
    let o = WriteOptions::new().option("duration", 40);
    let bytes = imencode_with(&stack, ".apng", &o).unwrap();
    assert_eq!(read_png(&bytes, Index::All).unwrap(), stack);
    let meta = immeta_with(&bytes[..], &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(meta.get("loop"), Some(&Value::Int(0)));
    assert_eq!(
        meta.get("duration"),
        Some(&Value::List(vec![40.0.into(), 40.0.into(), 40.0.into()]))
    );
    // Mismatched frames and duration lists are refused.
    let o = WriteOptions::new().option("duration", Value::List(vec![1.into(), 2.into()]));
    assert_eq!(
        imencode_with(&stack, ".png", &o).unwrap_err().kind(),
        ErrorKind::InvalidOption
    );
    let mut f = ImageFile::open_write(Uri::memory(".png"), &WriteOptions::new()).unwrap();
    f.write_with(&fr[0], false).unwrap();
    let e = f.write_with(pattern_u8(&[4, 3, 4]), false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

/// A PNG written by the `png` crate itself.
fn encode_with(
    w: u32,
    h: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    setup: impl FnOnce(&mut png::Encoder<'_, &mut Vec<u8>>),
    data: &[u8],
) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, w, h);
        e.set_color(color);
        e.set_depth(depth);
        setup(&mut e);
        let mut wr = e.write_header().unwrap();
        wr.write_image_data(data).unwrap();
        wr.finish().unwrap();
    }
    out
}

fn u8s(img: &NdImage) -> Vec<u8> {
    img.as_array::<u8>().unwrap().iter().copied().collect()
}

#[test]
fn low_bit_gray_is_scaled_not_unpacked() {
    use png::{BitDepth, ColorType};
    // 8 pixels of 1 bit: 10110001.
    let one = encode_with(
        8,
        1,
        ColorType::Grayscale,
        BitDepth::One,
        |_| {},
        &[0b1011_0001],
    );
    let img = read_png(&one, Index::At(0)).unwrap();
    assert_eq!(img.shape(), &[1, 8]);
    assert_eq!(u8s(&img), [255, 0, 255, 255, 0, 0, 0, 255]);
    // 4 pixels of 2 bits: 0, 1, 2, 3.
    let two = encode_with(
        4,
        1,
        ColorType::Grayscale,
        BitDepth::Two,
        |_| {},
        &[0b0001_1011],
    );
    assert_eq!(
        u8s(&read_png(&two, Index::At(0)).unwrap()),
        [0, 85, 170, 255]
    );
    // 2 pixels of 4 bits: 1, 15.
    let four = encode_with(2, 1, ColorType::Grayscale, BitDepth::Four, |_| {}, &[0x1F]);
    assert_eq!(u8s(&read_png(&four, Index::At(0)).unwrap()), [17, 255]);
    // With tRNS on the value 1 (4-bit): gray+alpha.
    let t = encode_with(
        2,
        1,
        ColorType::Grayscale,
        BitDepth::Four,
        |e| e.set_trns(vec![0, 1]),
        &[0x1F],
    );
    let img = read_png(&t, Index::At(0)).unwrap();
    assert_eq!(img.shape(), &[1, 2, 2]);
    assert_eq!(u8s(&img), [17, 0, 255, 255]);
}

#[test]
fn palettes_and_trns_are_expanded() {
    use png::{BitDepth, ColorType};
    let pal = vec![10, 20, 30, 40, 50, 60, 70, 80, 90];
    let plain = encode_with(
        3,
        1,
        ColorType::Indexed,
        BitDepth::Eight,
        |e| e.set_palette(pal.clone()),
        &[2, 0, 1],
    );
    let img = read_png(&plain, Index::At(0)).unwrap();
    assert_eq!(img.shape(), &[1, 3, 3]);
    assert_eq!(u8s(&img), [70, 80, 90, 10, 20, 30, 40, 50, 60]);
    let with_trns = encode_with(
        3,
        1,
        ColorType::Indexed,
        BitDepth::Two,
        |e| {
            e.set_palette(pal.clone());
            e.set_trns(vec![0, 128]);
        },
        &[0b1000_0100],
    );
    let img = read_png(&with_trns, Index::At(0)).unwrap();
    assert_eq!(img.shape(), &[1, 3, 4]);
    assert_eq!(u8s(&img), [70, 80, 90, 255, 10, 20, 30, 0, 40, 50, 60, 128]);
    // RGB + tRNS: the listed colour becomes transparent.
    let rgb = encode_with(
        2,
        1,
        ColorType::Rgb,
        BitDepth::Eight,
        |e| e.set_trns(vec![0, 1, 0, 2, 0, 3]),
        &[1, 2, 3, 1, 2, 4],
    );
    assert_eq!(
        u8s(&read_png(&rgb, Index::At(0)).unwrap()),
        [1, 2, 3, 0, 1, 2, 4, 255]
    );
    // 16-bit gray + tRNS: u16 gray+alpha.
    let g16 = encode_with(
        2,
        1,
        ColorType::Grayscale,
        BitDepth::Sixteen,
        |e| e.set_trns(vec![0x12, 0x34]),
        &[0x12, 0x34, 0xAB, 0xCD],
    );
    let img = read_png(&g16, Index::At(0)).unwrap();
    assert_eq!(img.dtype(), DType::U16);
    assert_eq!(
        img.as_array::<u16>()
            .unwrap()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        [0x1234, 0, 0xABCD, 0xFFFF]
    );
    let p = improps_with(&g16[..], &ReadOptions::new()).unwrap();
    assert_eq!((p.shape, p.dtype), (vec![1, 2, 2], DType::U16));
}

/// An APNG made with the `png` crate: a default image outside the animation,
/// then a full frame and a 2x1 subframe at (1, 1) blended OVER, dispose
/// PREVIOUS, then a 1x1 SOURCE frame.
fn handmade_apng() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, 3, 2);
        e.set_color(png::ColorType::Rgba);
        e.set_depth(png::BitDepth::Eight);
        e.set_animated(3, 2).unwrap();
        e.set_sep_def_img(true).unwrap();
        let mut w = e.write_header().unwrap();
        // The default image: all white, opaque.
        w.write_image_data(&[255; 24]).unwrap();
        // Frame 1: red, half-transparent at (0, 0), transparent at (2, 1).
        let mut f1 = Vec::new();
        for i in 0..6 {
            f1.extend_from_slice(match i {
                0 => &[255, 0, 0, 128],
                5 => &[0, 0, 0, 0],
                _ => &[255, 0, 0, 255],
            });
        }
        w.set_frame_delay(1, 10).unwrap();
        w.write_image_data(&f1).unwrap();
        // Frame 2: at (1, 1), 2x1, blue half-transparent then opaque green, OVER, dispose PREVIOUS.
        w.set_frame_dimension(2, 1).unwrap();
        w.set_frame_position(1, 1).unwrap();
        w.set_blend_op(png::BlendOp::Over).unwrap();
        w.set_dispose_op(png::DisposeOp::Previous).unwrap();
        w.set_frame_delay(7, 0).unwrap();
        w.write_image_data(&[0, 0, 255, 128, 0, 255, 0, 255])
            .unwrap();
        // Frame 3: at (0, 0), 1x1, SOURCE transparent.
        w.set_frame_dimension(1, 1).unwrap();
        w.set_frame_position(0, 0).unwrap();
        w.set_blend_op(png::BlendOp::Source).unwrap();
        w.set_dispose_op(png::DisposeOp::None).unwrap();
        w.set_frame_delay(0, 0).unwrap();
        w.write_image_data(&[0, 0, 0, 0]).unwrap();
        w.finish().unwrap();
    }
    out
}

#[test]
fn apng_from_the_png_crate_is_composited() {
    let bytes = handmade_apng();
    let all = read_png(&bytes, Index::All).unwrap();
    assert_eq!(all.shape(), &[4, 2, 3, 4]);
    let px = |i: usize, y: usize, x: usize| -> [u8; 4] {
        let a = all.as_array::<u8>().unwrap();
        [0, 1, 2, 3].map(|c| a[[i, y, x, c]])
    };
    // Image 0: the default image, outside the animation.
    assert_eq!(px(0, 0, 0), [255; 4]);
    // Image 1: frame 1 on a transparent canvas (SOURCE).
    assert_eq!(px(1, 0, 0), [255, 0, 0, 128]);
    assert_eq!(px(1, 1, 2)[3], 0);
    assert_eq!(px(1, 0, 1), [255, 0, 0, 255]);
    // Image 2: blue (alpha 128) OVER red (opaque) at (1, 1); green over transparent at (2, 1).
    assert_eq!(px(2, 1, 1), [127, 0, 128, 255]);
    assert_eq!(px(2, 1, 2), [0, 255, 0, 255]);
    assert_eq!(px(2, 0, 0), [255, 0, 0, 128]);
    // Image 3: frame 2 disposed to the previous canvas, then (0, 0) cleared by SOURCE.
    assert_eq!(px(3, 1, 1), [255, 0, 0, 255]);
    assert_eq!(px(3, 1, 2)[3], 0);
    assert_eq!(px(3, 0, 0)[3], 0);
    assert_eq!(px(3, 0, 1), [255, 0, 0, 255]);

    let meta = immeta_with(&bytes[..], &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(
        meta.get("default_image_in_animation"),
        Some(&Value::Bool(false))
    );
    assert_eq!(meta.get("n_frames"), Some(&Value::Int(4)));
    assert_eq!(meta.get("loop"), Some(&Value::Int(2)));
    assert_eq!(
        meta.get("duration"),
        Some(&Value::List(vec![
            0.0.into(),
            100.0.into(),
            70.0.into(),
            0.0.into()
        ]))
    );
    // Reading index 3 straight away gives the same image as the stack.
    assert_eq!(
        read_png(&bytes, Index::At(3)).unwrap(),
        all.frame(3).unwrap()
    );
}

#[test]
fn metadata_from_options_and_chunks() {
    let text = imageio::Metadata::from_iter([("Title", "a test"), ("Comment", "naïve ☃")]);
    let icc: Vec<u8> = (0..200u32).map(|i| (i * 7) as u8).collect();
    let o = WriteOptions::new()
        .option("text", text)
        .option("dpi", 300)
        .option("icc_profile", icc.clone());
    let bytes = imencode_with(&pattern_u8(&[3, 3, 3]), ".png", &o).unwrap();
    let m = immeta_with(&bytes[..], &ReadOptions::new()).unwrap();
    assert_eq!(m.get("Title"), Some(&Value::from("a test")));
    assert_eq!(m.get("Comment"), Some(&Value::from("naïve ☃")));
    assert_eq!(m.get("icc_profile"), Some(&Value::Bytes(icc)));
    let dpi = m.get("dpi").and_then(Value::as_list).unwrap();
    for d in dpi {
        assert!((d.as_float().unwrap() - 300.0).abs() < 0.01, "{dpi:?}");
    }
    assert_eq!(m.get("bit_depth"), Some(&Value::Int(8)));
    assert_eq!(m.get("color_type"), Some(&Value::from("rgb")));

    let pairs = Value::List(vec![Value::List(vec![
        "Software".into(),
        "imageio-rs".into(),
    ])]);
    let bytes = imencode_with(
        &pattern_u8(&[2, 2]),
        ".png",
        &WriteOptions::new().option("text", pairs),
    )
    .unwrap();
    let m = immeta_with(&bytes[..], &ReadOptions::new()).unwrap();
    assert_eq!(m.get("software"), Some(&Value::from("imageio-rs")));
    assert_eq!(m.get("Software"), Some(&Value::from("imageio-rs")));
    let bad = WriteOptions::new().option("text", 3);
    assert_eq!(
        imencode_with(&pattern_u8(&[2, 2]), ".png", &bad)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidOption
    );

    // gAMA, sRGB, eXIf, cICP and a zTXt written by the png crate.
    let mut out = Vec::new();
    {
        let mut info = png::Info::with_size(1, 1);
        info.color_type = png::ColorType::Grayscale;
        info.bit_depth = png::BitDepth::Eight;
        info.source_gamma = Some(png::ScaledFloat::new(0.45455));
        info.exif_metadata = Some(b"MM\0*\0\0\0\x08\0\0".to_vec().into());
        info.compressed_latin1_text
            .push(png::text_metadata::ZTXtChunk::new(
                "Description",
                "zipped words",
            ));
        let e = png::Encoder::with_info(&mut out, info).unwrap();
        let mut w = e.write_header().unwrap();
        w.write_chunk(png::chunk::ChunkType(*b"cICP"), &[9, 16, 0, 1])
            .unwrap();
        w.write_image_data(&[7]).unwrap();
        w.write_text_chunk(&png::text_metadata::TEXtChunk::new("After", "the pixels"))
            .unwrap();
        w.finish().unwrap();
    }
    let m = immeta_with(&out[..], &ReadOptions::new()).unwrap();
    assert!((m.get("gamma").unwrap().as_float().unwrap() - 0.45455).abs() < 1e-6);
    assert_eq!(
        m.get("exif"),
        Some(&Value::from(&b"MM\0*\0\0\0\x08\0\0"[..]))
    );
    assert_eq!(m.get("description"), Some(&Value::from("zipped words")));
    assert_eq!(
        m.get("After"),
        Some(&Value::from("the pixels")),
        "text after IDAT"
    );
    let cicp = m.get("cicp").and_then(Value::as_map).unwrap();
    assert_eq!(cicp.get("color_primaries"), Some(&Value::Int(9)));
    assert_eq!(cicp.get("transfer_function"), Some(&Value::Int(16)));
    assert_eq!(cicp.get("full_range"), Some(&Value::Bool(true)));
    assert!(m.get("loop").is_none(), "a still image has no loop");
    let e = immeta_with(&out[..], &ReadOptions::new().index(Index::At(1))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IndexOutOfRange);
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

#[test]
fn a_bomb_header_is_refused_before_allocating() {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&200_000u32.to_be_bytes());
    ihdr.extend_from_slice(&200_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut png, b"IEND", &[]);
    let e = read_png(&png, Index::At(0)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let e = imread_with(&png[..], &ReadOptions::new().index(Index::All)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    // The header alone can be described: nothing is allocated for it.
    let p = improps_with(&png[..], &ReadOptions::new().plugin("png")).unwrap();
    assert_eq!(p.shape, vec![200_000, 200_000, 3]);
    // Own limits are honoured too.
    let small = imencode(&pattern_u8(&[64, 64]), ".png").unwrap();
    let limits = imageio::Limits {
        max_pixels: 100,
        ..Default::default()
    };
    let e = imread_with(&small[..], &ReadOptions::new().limits(limits)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
}

#[test]
fn truncated_files_are_clean_errors() {
    let still = imencode(&pattern_u16(&[20, 30, 3]), ".png").unwrap();
    let anim = imencode_with(
        &NdImage::stack(&frames(3, &[8, 9, 4])).unwrap(),
        ".png",
        &WriteOptions::new(),
    )
    .unwrap();
    let apng = handmade_apng();
    for bytes in [still, anim, apng] {
        for cut in (8..bytes.len() - 12).step_by(7) {
            let part = &bytes[..cut];
            for index in [Index::At(0), Index::All] {
                if let Err(e) = read_png(part, index) {
                    assert!(
                        matches!(
                            e.kind(),
                            ErrorKind::Decode | ErrorKind::IndexOutOfRange | ErrorKind::Declined
                        ),
                        "cut at {cut}: {e} ({:?})",
                        e.kind()
                    );
                }
            }
            let _ = immeta_with(part, &ReadOptions::new().plugin("png"));
        }
    }
}

/// The corpus, when it is there.
fn corpus(rel: &str) -> Option<std::path::PathBuf> {
    let test = std::thread::current().name().unwrap_or("png").to_owned();
    let p = imageio::test_corpus::for_test(&test, "png")?.join(rel);
    p.exists().then_some(p)
}

#[test]
fn corpus_metadata() {
    let Some(p) = corpus("png/pngsuite_ctzn0g04.png") else {
        eprintln!("corpus not found: skipped");
        return;
    };
    let m = immeta_with(&p, &ReadOptions::new()).unwrap();
    assert_eq!(m.get("Title"), Some(&Value::from("PngSuite")));
    let Some(p) = corpus("png/pngsuite_g25n0g16.png") else {
        return;
    };
    let m = immeta_with(&p, &ReadOptions::new()).unwrap();
    assert!(
        (m.get("gamma").unwrap().as_float().unwrap() - 2.5).abs() < 1e-6,
        "{m:?}"
    );
    let Some(p) = corpus("apng/pillow_delay_zero_denom.png") else {
        return;
    };
    let m = immeta_with(&p, &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(m.get("n_frames"), Some(&Value::Int(3)));
    assert_eq!(
        m.get("default_image_in_animation"),
        Some(&Value::Bool(false))
    );
}

/// `raw` (RGBA8 rows of width `w`) as PNG scanlines with filter 0, in Adam7
/// order when `interlaced`.
fn scanlines(raw: &[u8], w: usize, h: usize, interlaced: bool) -> Vec<u8> {
    let passes: &[(usize, usize, usize, usize)] = if interlaced {
        &[
            (0, 0, 8, 8),
            (4, 0, 8, 8),
            (0, 4, 4, 8),
            (2, 0, 4, 4),
            (0, 2, 2, 4),
            (1, 0, 2, 2),
            (0, 1, 1, 2),
        ]
    } else {
        &[(0, 0, 1, 1)]
    };
    let mut out = Vec::new();
    for &(x0, y0, dx, dy) in passes {
        if x0 >= w || y0 >= h {
            continue;
        }
        for y in (y0..h).step_by(dy) {
            out.push(0);
            for x in (x0..w).step_by(dx) {
                out.extend_from_slice(&raw[(y * w + x) * 4..(y * w + x) * 4 + 4]);
            }
        }
    }
    out
}

/// A zlib stream of stored (uncompressed) blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(65535).collect();
    for (i, b) in blocks.iter().enumerate() {
        out.push((i + 1 == blocks.len()) as u8);
        let len = b.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(b);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

fn fctl(seq: u32, (w, h, x, y): (u32, u32, u32, u32), blend: u8) -> Vec<u8> {
    let mut b = Vec::new();
    for v in [seq, w, h, x, y] {
        b.extend_from_slice(&v.to_be_bytes());
    }
    b.extend_from_slice(&[0, 5, 0, 100, 0, blend]);
    b
}

/// A 9x9 RGBA APNG: a full frame, then a 5x3 subframe at (2, 3) blended OVER.
fn hand_apng(interlaced: bool) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (w, h) = (9usize, 9usize);
    let full: Vec<u8> = (0..w * h * 4)
        .map(|i| if i % 4 == 3 { 255 } else { (i * 13) as u8 })
        .collect();
    let (sw, sh) = (5usize, 3usize);
    let sub: Vec<u8> = (0..sw * sh * 4)
        .map(|i| {
            if i % 4 == 3 {
                [0u8, 255, 255, 0][i / 4 % 4]
            } else {
                (i * 29 + 7) as u8
            }
        })
        .collect();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&(w as u32).to_be_bytes());
    ihdr.extend_from_slice(&(h as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, interlaced as u8]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"acTL", &[0, 0, 0, 2, 0, 0, 0, 0]);
    chunk(&mut png, b"fcTL", &fctl(0, (9, 9, 0, 0), 0));
    chunk(
        &mut png,
        b"IDAT",
        &zlib_stored(&scanlines(&full, w, h, interlaced)),
    );
    chunk(&mut png, b"fcTL", &fctl(1, (5, 3, 2, 3), 1));
    let mut fdat = 2u32.to_be_bytes().to_vec();
    fdat.extend_from_slice(&zlib_stored(&scanlines(&sub, sw, sh, interlaced)));
    chunk(&mut png, b"fdAT", &fdat);
    chunk(&mut png, b"IEND", &[]);
    (png, full, sub)
}

#[test]
fn interlaced_apng_subframes_land_where_they_belong() {
    let (plain, full, sub) = hand_apng(false);
    let (inter, _, _) = hand_apng(true);
    let a = read_png(&plain, Index::All).unwrap();
    let b = read_png(&inter, Index::All).unwrap();
    assert_eq!(a.shape(), &[2, 9, 9, 4]);
    assert_eq!(a, b, "interlacing changes nothing");
    let a = a.into_array::<u8>().unwrap();
    for y in 0..9 {
        for x in 0..9 {
            let base = &full[(y * 9 + x) * 4..(y * 9 + x) * 4 + 4];
            let inside = (2..7).contains(&x) && (3..6).contains(&y);
            let want: Vec<u8> = if inside {
                let s = &sub[((y - 3) * 5 + x - 2) * 4..((y - 3) * 5 + x - 2) * 4 + 4];
                if s[3] == 255 {
                    s.to_vec()
                } else {
                    base.to_vec()
                }
            } else {
                base.to_vec()
            };
            let got: Vec<u8> = (0..4).map(|c| a[[1, y, x, c]]).collect();
            assert_eq!(got, want, "pixel ({x}, {y})");
            let got0: Vec<u8> = (0..4).map(|c| a[[0, y, x, c]]).collect();
            assert_eq!(got0, base, "frame 0 pixel ({x}, {y})");
        }
    }
}

#[test]
fn registers_png_and_apng_on_the_v2_contract() {
    use imageio_core::plugin::{plugin_by_name, Rank};
    let info = plugin_by_name("png").unwrap();
    assert_eq!(info.crate_name, "imageio-png");
    let read = info.read.as_ref().expect("a read entry");
    let write = info.write.as_ref().expect("a write entry");
    for (dir, claims) in [("read", read.formats), ("write", write.formats)] {
        let formats: Vec<(&str, &[&str], Rank)> = claims
            .iter()
            .map(|c| (c.format.name, c.format.extensions, c.rank))
            .collect();
        assert_eq!(
            formats,
            [
                ("PNG", &[".png"][..], Rank::DEDICATED),
                ("APNG", &[".apng"][..], Rank::DEDICATED)
            ],
            "{dir}"
        );
        assert!(claims.iter().all(|c| c.format.sniff(b"\x89PNG\r\n\x1a\n")));
    }
    assert_eq!(info.read_extensions(), [".png", ".apng"]);
    assert_eq!(info.write_extensions(), [".png", ".apng"]);
    assert!(read.options.is_empty());
    let names: Vec<&str> = write.options.iter().map(|o| o.name).collect();
    assert_eq!(
        names,
        [
            "compression",
            "filter",
            "text",
            "dpi",
            "icc_profile",
            "duration",
            "loop"
        ]
    );

    // Through the verbs: `.apng` both ways, the content first whatever the
    // name, and a stack handed over frame by frame comes back whole.
    let stack = NdImage::stack(&frames(3, &[6, 5, 4])).unwrap();
    let mut f = ImageFile::open_write(Uri::memory(".apng"), &WriteOptions::new()).unwrap();
    assert_eq!(f.plugin_name(), "png");
    f.write(&stack).unwrap();
    let bytes = f.close().unwrap().expect("bytes of a memory target");
    for ext in [".apng", ".png", ".gif"] {
        let f = ImageFile::open_read(bytes.clone(), &ReadOptions::new().extension(ext)).unwrap();
        assert_eq!(f.plugin_name(), "png", "{ext}");
    }
    assert_eq!(read_png(&bytes, Index::All).unwrap(), stack);
    // Named, it still writes only what it claims (as the old opener did).
    let named = WriteOptions::new().plugin("png");
    let e = imencode_with(&pattern_u8(&[3, 4]), ".gif", &named).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
}
