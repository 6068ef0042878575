//! The pdf plugin through the facade: corpus files against their refs'
//! shapes, writing read back by lopdf and re-rendered by hayro, limits.

use std::path::PathBuf;

use imageio::{
    imdecode_with, imencode_with, immeta_with, imread_with, ErrorKind, ImageIO, Index, Limits,
    NdImage, ReadOptions, Value, WriteOptions,
};
use lopdf::{dictionary, Document, Object, Stream};

fn corpus(name: &str) -> Option<PathBuf> {
    let test = std::thread::current().name().unwrap_or("pdf").to_owned();
    imageio_core::test_corpus::for_test(&test, "pdf").map(|root| root.join("pdf").join(name))
}

fn opts() -> ReadOptions {
    ReadOptions::new().plugin("pdf")
}

fn u8s(img: &NdImage) -> Vec<u8> {
    img.as_bytes().expect("u8 image").to_vec()
}

/// A gradient test image of `c` channels.
fn gradient(h: usize, w: usize, c: usize) -> NdImage {
    let data: Vec<u8> = (0..h * w * c)
        .map(|i| ((i / c % w) * 7 + (i / c / w) * 13 + (i % c) * 50) as u8)
        .collect();
    let shape: Vec<usize> = if c == 1 { vec![h, w] } else { vec![h, w, c] };
    NdImage::from_shape_vec(&shape, data).unwrap()
}

#[test]
fn first_page_through_the_buffer_api() {
    let Some(p) = corpus("pysamples_pdflatex-image.pdf") else {
        return;
    };
    let data = ImageIO::read_from_file(&p).unwrap();
    assert_eq!((data.width(), data.height()), (300, 200));
    let img = imread_with(&p, &opts()).unwrap();
    assert_eq!(img.shape(), &[200, 300, 3]);
    // The same pixels as the array read.
    assert_eq!(&data.row(0)[..3], &u8s(&img)[..3]);
    let meta = immeta_with(&p, &opts()).unwrap();
    assert_eq!(
        meta.get("filter").and_then(Value::as_str),
        Some("DCTDecode")
    );
    assert_eq!(
        meta.get("bits_per_component").and_then(Value::as_int),
        Some(8)
    );
    assert!(meta.get("dpi").is_some(), "{meta:?}");
}

#[test]
fn corpus_shapes_and_codecs() {
    for (name, shape) in [
        ("pikepdf_ccitt-endofline-true.pdf", vec![3437, 2416]),
        ("pikepdf_pal.pdf", vec![2, 2, 3]),
        ("pysamples_grayscale-image.pdf", vec![450, 324]),
        ("pysamples_inline-image.pdf", vec![16, 16, 3]),
        ("pikepdf_image-mono-inline.pdf", vec![8, 8, 3]),
        ("pikepdf_jbig2global.pdf", vec![2864, 4000]),
        ("pikepdf_pike-jp2.pdf", vec![44, 120, 3]),
    ] {
        let Some(p) = corpus(name) else { return };
        let img = imread_with(&p, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(img.shape(), &shape[..], "{name}");
    }
    // 1-bit CCITT reads as 0/255 only, with both present.
    let p = corpus("pikepdf_ccitt-endofline-true.pdf").unwrap();
    let v = u8s(&imread_with(&p, &opts()).unwrap());
    assert!(v.iter().all(|&x| x == 0 || x == 255));
    assert!(v.contains(&0) && v.contains(&255));
}

#[test]
fn pages_without_images_need_render() {
    let Some(p) = corpus("pysamples_pdflatex-4-pages.pdf") else {
        return;
    };
    let mut f = imageio::ImageFile::open_read(&p, &opts()).unwrap();
    assert_eq!(f.n_images().unwrap(), Some(4));
    let e = imread_with(&p, &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.to_string().contains("render=true"), "{e}");
    let e = imread_with(&p, &opts().index(Index::At(4))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IndexOutOfRange);

    // Rendered: the page size at the dpi, white paper with dark text.
    let meta = immeta_with(&p, &opts()).unwrap();
    let mb: Vec<f64> = meta
        .get("media_box")
        .and_then(Value::as_list)
        .unwrap()
        .iter()
        .filter_map(Value::as_float)
        .collect();
    let img = imread_with(&p, &opts().option("render", true).option("dpi", 100.0)).unwrap();
    let (w, h) = (
        (mb[2] - mb[0]) * 100.0 / 72.0,
        (mb[3] - mb[1]) * 100.0 / 72.0,
    );
    assert_eq!(img.shape(), &[h as usize, w as usize, 3]);
    let v = u8s(&img);
    let white = v.iter().filter(|&&x| x == 255).count() as f64 / v.len() as f64;
    let dark = v.iter().filter(|&&x| x < 64).count();
    assert!(white > 0.8, "mostly white paper: {white}");
    assert!(dark > 100, "some dark text: {dark}");
    let rgba = imread_with(
        &p,
        &opts()
            .option("render", true)
            .option("dpi", 50.0)
            .option("background", "none"),
    )
    .unwrap();
    assert_eq!(rgba.shape()[2], 4);
    assert!(u8s(&rgba).chunks(4).any(|p| p[3] == 0), "transparent paper");
}

#[test]
fn flate_round_trips_are_lossless() {
    for c in [1, 3] {
        let img = gradient(17, 23, c);
        let bytes = imencode_with(&img, ".pdf", &WriteOptions::new()).unwrap();
        let back = imdecode_with(&bytes, &opts()).unwrap();
        assert_eq!(back, img, "channels {c}");
        // Re-rendered by hayro at one pixel per point: the same pixels.
        let r = imdecode_with(&bytes, &opts().option("render", true).option("dpi", 72.0)).unwrap();
        assert_eq!(r.shape(), &[17, 23, 3]);
        let rv = u8s(&r);
        let iv = u8s(&img);
        let max = (0..17 * 23 * 3)
            .map(|i| (rv[i] as i32 - iv[if c == 1 { i / 3 } else { i }] as i32).abs())
            .max()
            .unwrap();
        assert!(max <= 2, "rendered differs by {max}");
        // lopdf reads the structure back.
        let doc = Document::load_mem(&bytes).unwrap();
        assert_eq!(doc.get_pages().len(), 1);
    }
    // u16, and RGBA: the colour comes back, the alpha is a soft mask.
    let v: Vec<u16> = (0..6 * 5).map(|i| (i * 2111) as u16).collect();
    let img16 = NdImage::from_shape_vec(&[6, 5], v).unwrap();
    let bytes = imencode_with(&img16, ".pdf", &WriteOptions::new()).unwrap();
    assert_eq!(imdecode_with(&bytes, &opts()).unwrap(), img16);
    let rgba = gradient(9, 8, 4);
    let bytes = imencode_with(&rgba, ".pdf", &WriteOptions::new()).unwrap();
    let back = imdecode_with(&bytes, &opts()).unwrap();
    let rgb: Vec<u8> = u8s(&rgba)
        .chunks(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    assert_eq!(u8s(&back), rgb);
    let doc = Document::load_mem(&bytes).unwrap();
    let smask = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .find(|s| s.dict.has(b"SMask"))
        .expect("an image with a soft mask");
    let id = smask.dict.get(b"SMask").unwrap().as_reference().unwrap();
    let alpha = doc
        .get_object(id)
        .unwrap()
        .as_stream()
        .unwrap()
        .decompressed_content()
        .unwrap();
    let want: Vec<u8> = u8s(&rgba).chunks(4).map(|p| p[3]).collect();
    assert_eq!(alpha, want);
}

#[test]
fn jpeg_pages_and_batches() {
    let img = gradient(32, 40, 3);
    let o = WriteOptions::new()
        .option("compression", "jpeg")
        .option("quality", 95);
    let bytes = imencode_with(&img, ".pdf", &o).unwrap();
    let back = imdecode_with(&bytes, &opts()).unwrap();
    assert_eq!(back.shape(), img.shape());
    let max = u8s(&back)
        .iter()
        .zip(u8s(&img))
        .map(|(a, b)| (*a as i32 - b as i32).abs())
        .max()
        .unwrap();
    assert!(max <= 24, "JPEG error {max}");
    let meta = immeta_with(&bytes[..], &opts()).unwrap();
    assert_eq!(
        meta.get("filter").and_then(Value::as_str),
        Some("DCTDecode")
    );

    // A stack gives one page per image, page size from dpi.
    let stack = NdImage::stack(&[gradient(10, 20, 1), gradient(10, 20, 1)]).unwrap();
    let bytes = imencode_with(&stack, ".pdf", &WriteOptions::new().option("dpi", 144.0)).unwrap();
    let all = imdecode_with(&bytes, &opts().index(Index::All)).unwrap();
    assert_eq!(all.shape(), &[2, 10, 20]);
    let doc = Document::load_mem(&bytes).unwrap();
    assert_eq!(doc.get_pages().len(), 2);
    let meta = immeta_with(&bytes[..], &opts()).unwrap();
    let mb: Vec<f64> = meta
        .get("media_box")
        .and_then(Value::as_list)
        .unwrap()
        .iter()
        .filter_map(Value::as_float)
        .collect();
    assert_eq!(mb, [0.0, 0.0, 10.0, 5.0]);
    let dpi: Vec<f64> = meta
        .get("dpi")
        .and_then(Value::as_list)
        .unwrap()
        .iter()
        .filter_map(Value::as_float)
        .collect();
    assert_eq!(dpi, [144.0, 144.0]);

    let e = imencode_with(
        &NdImage::from_shape_vec(&[2, 2], vec![0u16; 4]).unwrap(),
        ".pdf",
        &o,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption);
}

/// A one-page PDF whose only image is `stream`, drawn over the page.
fn pdf_with_image(stream: Stream) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let img = doc.add_object(stream);
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"q 100 0 0 100 0 0 cm /Im0 Do Q".to_vec(),
    ));
    let xobjects = dictionary! { "Im0" => img };
    finish_one_page(doc, pages_id, content, xobjects)
}

/// Adds the one page of `doc` (drawing `content` with `xobjects`), its page
/// tree `pages_id` and the catalog, and saves the document.
fn finish_one_page(
    mut doc: Document,
    pages_id: lopdf::ObjectId,
    content: lopdf::ObjectId,
    xobjects: lopdf::Dictionary,
) -> Vec<u8> {
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 100.into(), 100.into()],
        "Resources" => dictionary! { "XObject" => xobjects },
        "Contents" => content,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let cat = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", cat);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn image_dict(w: i64, h: i64) -> lopdf::Dictionary {
    dictionary! {
        "Type" => "XObject", "Subtype" => "Image", "Width" => w, "Height" => h,
        "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
    }
}

#[test]
fn flate_bombs_and_huge_headers_are_refused() {
    // 10x10 pixels whose stream inflates to 64 MiB.
    let mut s = Stream::new(image_dict(10, 10), vec![0u8; 64 << 20]);
    s.compress().unwrap();
    assert!(s.content.len() < 1 << 20);
    let bytes = pdf_with_image(s);
    let e = imdecode_with(&bytes, &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");

    // A 10^6 x 10^6 header fails before any allocation.
    let bytes = pdf_with_image(Stream::new(image_dict(1_000_000, 1_000_000), vec![0; 10]));
    let e = imdecode_with(&bytes, &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let small = Limits {
        max_pixels: 50,
        ..Limits::default()
    };
    let bytes = pdf_with_image(Stream::new(image_dict(10, 10), vec![7; 100]));
    assert_eq!(u8s(&imdecode_with(&bytes, &opts()).unwrap()), vec![7; 100]);
    let e = imdecode_with(&bytes, &opts().limits(small)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
}

#[test]
fn decode_arrays_masks_and_low_bit_depths() {
    // 2-bit gray, inverted by /Decode [1 0]: stored 0,1,2,3 -> 255,170,85,0.
    let mut d = image_dict(4, 1);
    d.set("BitsPerComponent", 2);
    d.set("Decode", vec![1.into(), 0.into()]);
    let bytes = pdf_with_image(Stream::new(d, vec![0b0001_1011]));
    assert_eq!(
        u8s(&imdecode_with(&bytes, &opts()).unwrap()),
        [255, 170, 85, 0]
    );
    // An image mask: 1 bit, 0/255.
    let d = dictionary! {
        "Type" => "XObject", "Subtype" => "Image", "Width" => 8, "Height" => 1, "ImageMask" => true,
    };
    let bytes = pdf_with_image(Stream::new(d, vec![0b1010_0000]));
    assert_eq!(
        u8s(&imdecode_with(&bytes, &opts()).unwrap()),
        [255, 0, 255, 0, 0, 0, 0, 0]
    );
    // Indexed over RGB with a 4-bit index.
    let mut d = image_dict(2, 1);
    d.set("BitsPerComponent", 4);
    d.set(
        "ColorSpace",
        vec![
            Object::Name(b"Indexed".to_vec()),
            Object::Name(b"DeviceRGB".to_vec()),
            1.into(),
            Object::String(vec![1, 2, 3, 4, 5, 6], lopdf::StringFormat::Hexadecimal),
        ],
    );
    let bytes = pdf_with_image(Stream::new(d, vec![0x10]));
    let img = imdecode_with(&bytes, &opts()).unwrap();
    assert_eq!(img.shape(), &[1, 2, 3]);
    assert_eq!(u8s(&img), [4, 5, 6, 1, 2, 3]);
}

#[test]
fn qpdf_checks_written_files() {
    let bytes = imencode_with(&gradient(8, 8, 4), ".pdf", &WriteOptions::new()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.pdf");
    std::fs::write(&p, &bytes).unwrap();
    match std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&p)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        ),
        Err(_) => eprintln!("note: qpdf not installed, check skipped"),
    }
}

#[test]
fn every_image_with_images_all() {
    let Some(p) = corpus("pysamples_imagemagick-images.pdf") else {
        return;
    };
    let all: Vec<NdImage> = imageio::imiter_with(&p, &opts().option("images", "all"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let first = imread_with(&p, &opts()).unwrap();
    assert!(!all.is_empty());
    assert!(all.contains(&first));
    let e = imread_with(&p, &opts().option("dpi", 10.0)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "dpi without render");
}

#[test]
fn encrypted_files() {
    let img = gradient(6, 7, 3);
    let bytes = imencode_with(&img, ".pdf", &WriteOptions::new()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.pdf");
    std::fs::write(&plain, &bytes).unwrap();
    for (user, ok) in [("", true), ("secret", false)] {
        let out = dir.path().join(format!("enc-{ok}.pdf"));
        let status = std::process::Command::new("qpdf")
            .args(["--encrypt", user, "owner", "256", "--"])
            .arg(&plain)
            .arg(&out)
            .status();
        let Ok(status) = status else {
            eprintln!("note: qpdf not installed, encryption test skipped");
            return;
        };
        assert!(status.success());
        let r = imread_with(&out, &opts());
        if ok {
            assert_eq!(r.unwrap(), img, "empty user password opens");
        } else {
            let e = r.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
            assert!(e.to_string().contains("password"), "{e}");
        }
    }
}

#[test]
fn damaged_files_fail_cleanly() {
    let mut inputs =
        vec![imencode_with(&gradient(12, 9, 3), ".pdf", &WriteOptions::new()).unwrap()];
    for name in [
        "pikepdf_pal.pdf",
        "pysamples_imagemagick-CCITTFaxDecode.pdf",
        "pikepdf_jbig2.pdf",
    ] {
        if let Some(p) = corpus(name) {
            inputs.push(std::fs::read(p).unwrap());
        }
    }
    for bytes in inputs {
        let n = bytes.len();
        for cut in [n / 5, n / 2, n * 4 / 5, n - 10] {
            let r = imdecode_with(&bytes[..cut], &opts());
            if let Err(e) = r {
                assert_ne!(e.kind(), ErrorKind::Internal, "truncated at {cut}: {e}");
            }
        }
        for step in [97, 389, 1021] {
            let mut b = bytes.clone();
            for i in (200..n).step_by(step) {
                b[i] ^= 0x5A;
            }
            if let Err(e) = imdecode_with(&b, &opts()) {
                assert_ne!(e.kind(), ErrorKind::Internal, "flipped every {step}: {e}");
            }
        }
    }
}

/// A one-page PDF whose page draws the Form XObject `/F`, and the form
/// draws itself four times and a 2x2 image: through its own resources, or
/// (`own_resources` false) through the page's, which it inherits.
fn self_drawing_form(own_resources: bool) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let img = doc.add_object(Stream::new(image_dict(2, 2), vec![1, 2, 3, 4]));
    let form_id = doc.new_object_id();
    let mut form_dict = dictionary! {
        "Type" => "XObject", "Subtype" => "Form",
        "BBox" => vec![0.into(), 0.into(), 1.into(), 1.into()],
    };
    if own_resources {
        form_dict.set(
            "Resources",
            dictionary! { "XObject" => dictionary! { "F" => form_id, "Im0" => img } },
        );
    }
    let form = Stream::new(form_dict, b"/F Do /F Do /F Do /F Do /Im0 Do".to_vec());
    doc.objects.insert(form_id, Object::Stream(form));
    let content = doc.add_object(Stream::new(dictionary! {}, b"/F Do".to_vec()));
    finish_one_page(
        doc,
        pages_id,
        content,
        dictionary! { "F" => form_id, "Im0" => img },
    )
}

/// The fuzz targets' seeds (hand-built hostile PDFs among them).
#[allow(dead_code)]
#[path = "../../../fuzz/seeds.rs"]
mod seeds;

#[test]
fn a_jpx_image_of_millions_of_tiles_is_refused_read_or_rendered() {
    // 4000 x 4000 pixels in one-pixel tiles (a 16 x 12 image dictionary):
    // the JPEG 2000 decoder set up all 16 million tiles first, 4 GB and
    // about 20 s for a 749-byte file, in the image walk and in rendering.
    let (_, bomb) = seeds::seeds("pdf")
        .into_iter()
        .find(|(name, _)| name == "pdf-jpx-tile-bomb")
        .expect("the seed exists");
    let (file, _) = seeds::file_of("pdf", &bomb).unwrap();
    assert!(file.len() < 1024, "{}", file.len());
    let start = std::time::Instant::now();
    for o in [opts(), opts().option("render", true).option("dpi", 36.0)] {
        let e = imdecode_with(file, &o).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        assert!(e.to_string().contains("of 16000000 tiles"), "{e}");
    }
    assert!(
        start.elapsed() < std::time::Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
    // The same image with a sane tile grid still decodes.
    let (_, fine) = seeds::seeds("pdf")
        .into_iter()
        .find(|(name, _)| name == "pdf-jpx-image")
        .unwrap();
    let (file, _) = seeds::file_of("pdf", &fine).unwrap();
    let img = imdecode_with(file, &opts()).unwrap();
    assert_eq!(img.shape(), &[12, 16]);
}

#[test]
fn a_form_that_draws_itself_is_walked_once() {
    // Before the fix the walk re-descended every `Do` to depth 12: 4^12
    // walks, far past any time limit. Now each form is walked once per page.
    for own_resources in [true, false] {
        let bytes = self_drawing_form(own_resources);
        assert!(bytes.len() < 2048);
        let start = std::time::Instant::now();
        let img = imdecode_with(&bytes, &opts()).unwrap();
        assert_eq!(img.shape(), &[2, 2]);
        assert_eq!(u8s(&img), vec![1, 2, 3, 4]);
        let meta = immeta_with(&bytes, &opts()).unwrap();
        assert!(!meta.is_empty());
        let all: Vec<NdImage> = imageio::imiter_with(&bytes, &opts().option("images", "all"))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(all.len(), 1);
        // Rendering: through the page's resources hayro would draw the form
        // 4^50 times, and the page is refused, clearly, instead. (hayro does
        // not resolve a form in its own resources, so that one renders.)
        let rendered = imdecode_with(&bytes, &opts().option("render", true).option("dpi", 36.0));
        if own_resources {
            assert_eq!(rendered.unwrap().shape(), &[50, 50, 3]);
        } else {
            let e = rendered.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
            assert!(e.to_string().contains("refused to render"), "{e}");
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "took {:?}",
            start.elapsed()
        );
    }
    // A form drawn a few times, nested a few levels, still renders.
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let img = doc.add_object(Stream::new(image_dict(2, 2), vec![0, 85, 170, 255]));
    let inner = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), 1.into(), 1.into()],
        },
        b"q 1 0 0 1 0 0 cm /Im0 Do Q".to_vec(),
    ));
    let outer = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), 1.into(), 1.into()],
            "Resources" => dictionary! { "XObject" => dictionary! { "G" => inner, "Im0" => img } },
        },
        b"/G Do /G Do /G Do".to_vec(),
    ));
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"q 100 0 0 100 0 0 cm /F Do /F Do Q".to_vec(),
    ));
    let bytes = finish_one_page(doc, pages_id, content, dictionary! { "F" => outer });
    let page = imdecode_with(&bytes, &opts().option("render", true).option("dpi", 36.0)).unwrap();
    assert_eq!(page.shape(), &[50, 50, 3]);
}

/// An entropy-coded segment being written: bits MSB first, 0xFF stuffed.
#[derive(Default)]
struct Bits {
    buf: u64,
    n: u32,
    out: Vec<u8>,
}

impl Bits {
    fn put(&mut self, v: u32, n: u32) {
        self.buf = (self.buf << n) | u64::from(v & ((1u32 << n) - 1));
        self.n += n;
        while self.n >= 8 {
            let b = (self.buf >> (self.n - 8)) as u8;
            self.out.push(b);
            if b == 0xFF {
                self.out.push(0);
            }
            self.n -= 8;
        }
    }

    /// Pads the last byte with 1 bits.
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.put(0x7F, 8 - self.n);
        }
        self.out
    }
}

/// A lossless (SOF3) JPEG of 16-bit gray `px` (`w` wide): predictor 1, one
/// Huffman table in which each of the 17 difference categories has a 5-bit code.
fn lossless_jpeg16(px: &[u16], w: usize) -> Vec<u8> {
    let h = px.len() / w;
    let mut d = vec![0xFF, 0xD8];
    let seg = |d: &mut Vec<u8>, m: u8, body: &[u8]| {
        d.extend([0xFF, m]);
        d.extend(((body.len() + 2) as u16).to_be_bytes());
        d.extend(body);
    };
    let mut sof = vec![16];
    sof.extend((h as u16).to_be_bytes());
    sof.extend((w as u16).to_be_bytes());
    sof.extend([1, 1, 0x11, 0]);
    seg(&mut d, 0xC3, &sof);
    // DHT: class 0 id 0; 17 codes of length 5 (symbols 0..=16).
    let mut dht = vec![0x00];
    let mut bits = [0u8; 16];
    bits[4] = 17;
    dht.extend(bits);
    dht.extend(0u8..=16);
    seg(&mut d, 0xC4, &dht);
    // SOS: one component, table 0, Ss = predictor 1, Se = 0, Ah/Al = 0.
    seg(&mut d, 0xDA, &[1, 1, 0x00, 1, 0, 0]);
    let mut bits = Bits::default();
    for y in 0..h {
        for x in 0..w {
            let pred: i32 = match (x, y) {
                (0, 0) => 1 << 15,
                (0, _) => i32::from(px[(y - 1) * w]),
                _ => i32::from(px[y * w + x - 1]),
            };
            // Differences are taken modulo 2^16 into -32767..=32768.
            let mut diff = (i32::from(px[y * w + x]) - pred).rem_euclid(1 << 16);
            if diff > 32768 {
                diff -= 1 << 16;
            }
            let cat = 32 - diff.unsigned_abs().leading_zeros();
            bits.put(cat, 5);
            if cat > 0 && cat < 16 {
                let extra = if diff < 0 { diff - 1 } else { diff };
                bits.put(extra as u32, cat);
            }
        }
    }
    d.extend(bits.finish());
    d.extend([0xFF, 0xD9]);
    d
}

#[test]
fn sixteen_bit_dct_samples_keep_their_values() {
    // jpeg-decoder hands 16-bit samples over in native order; they were read
    // as big-endian, which swapped the bytes of every sample.
    let (w, h) = (7usize, 5usize);
    let px: Vec<u16> = (0..w * h)
        .map(|i| (i as u16).wrapping_mul(1877).wrapping_add(0x1234))
        .collect();
    let jpeg = lossless_jpeg16(&px, w);
    // The stream decodes to `px` by jpeg-decoder directly (the encoder above is right).
    let mut dec = jpeg_decoder::Decoder::new(&jpeg[..]);
    let raw = dec.decode().unwrap();
    let direct: Vec<u16> = raw
        .chunks_exact(2)
        .map(|c| u16::from_ne_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(direct, px);
    let mut dict = image_dict(w as i64, h as i64);
    dict.set("Filter", "DCTDecode");
    dict.set("BitsPerComponent", 8);
    let bytes = pdf_with_image(Stream::new(dict, jpeg));
    let img = imdecode_with(&bytes, &opts()).unwrap();
    assert_eq!(img.dtype(), imageio::DType::U16);
    assert_eq!(img.shape(), &[h, w]);
    let got: Vec<u16> = img.view::<u16>().unwrap().iter().copied().collect();
    assert_eq!(got, px);
}
