//! Writing: one page per image, the objects built by hand with lopdf (image
//! XObject, soft mask for alpha, content stream, page, page tree, catalog).

use imageio_core::plugin::{image_dims, Output, Writer};
use imageio_core::{DType, Error, Hint, NdImage, Options, Result, Value};
use lopdf::{dictionary, Document, Object, ObjectId, Stream};

/// An open PDF being written: each image is encoded into its page objects
/// as it comes (the arrays are not kept); the page tree, catalog and file
/// are written on `close`.
pub(crate) struct PdfWriter {
    writer: Option<Output>,
    doc: Document,
    pages_id: ObjectId,
    kids: Vec<ObjectId>,
}

impl PdfWriter {
    pub(crate) fn new(writer: Output) -> PdfWriter {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        PdfWriter {
            writer: Some(writer),
            doc,
            pages_id,
            kids: Vec::new(),
        }
    }
}

/// The image's samples as PDF stores them: colour bytes and alpha bytes
/// (big-endian for 16 bits).
struct Planes {
    width: usize,
    height: usize,
    colors: usize,
    bpc: i64,
    color: Vec<u8>,
    alpha: Option<Vec<u8>>,
}

/// The planes of `image`, handed over: an array in standard layout is read
/// in place, without a copy.
fn planes(image: NdImage) -> Result<Planes> {
    let (height, width, c) = image_dims(image.shape(), 4, "PDF")?;
    if width == 0 || height == 0 {
        return Err(Error::invalid_input("pdf: cannot write an empty image"));
    }
    let colors = if c >= 3 { 3 } else { 1 };
    let has_alpha = c == 2 || c == 4;
    let image = image.into_standard_layout();
    let (bytes, bpc): (Vec<Vec<u8>>, i64) = match image.dtype() {
        DType::U8 => {
            let v = image.view::<u8>().expect("dtype checked");
            (v.iter().map(|&x| vec![x]).collect::<Vec<_>>(), 8)
        }
        DType::U16 => {
            let v = image.view::<u16>().expect("dtype checked");
            (v.iter().map(|&x| x.to_be_bytes().to_vec()).collect(), 16)
        }
        other => {
            return Err(Error::unsupported(format!(
                "pdf: pages hold u8 or u16 images, not {other}"
            ))
            .with_hint(Hint::Cast(vec![DType::U16, DType::U8])))
        }
    };
    let mut color = Vec::with_capacity(width * height * colors * (bpc as usize / 8));
    let mut alpha = has_alpha.then(|| Vec::with_capacity(width * height * (bpc as usize / 8)));
    for (i, s) in bytes.iter().enumerate() {
        if has_alpha && i % c == c - 1 {
            if let Some(a) = alpha.as_mut() {
                a.extend_from_slice(s);
            }
        } else {
            color.extend_from_slice(s);
        }
    }
    Ok(Planes {
        width,
        height,
        colors,
        bpc,
        color,
        alpha,
    })
}

fn flate_stream(mut dict: lopdf::Dictionary, data: Vec<u8>) -> Result<Stream> {
    let compressed = compress(&data)?;
    dict.set("Filter", "FlateDecode");
    Ok(Stream::new(dict, compressed))
}

fn compress(data: &[u8]) -> Result<Vec<u8>> {
    // lopdf's own zlib encoder: a stream it compresses and reports.
    let mut s = Stream::new(lopdf::Dictionary::new(), data.to_vec());
    s.compress().map_err(crate::encode_err)?;
    if s.dict.has(b"Filter") {
        Ok(s.content)
    } else {
        // Not smaller: still Flate, so the filter is what the option asked for.
        let mut s = Stream::new(lopdf::Dictionary::new(), Vec::new());
        s.set_content(zlib_store(data));
        Ok(s.content)
    }
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_store(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut chunks = data.chunks(65535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let n = chunk.len() as u16;
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(!n).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

fn float_opt(options: &Options, key: &str) -> Option<f64> {
    options.get(key).and_then(Value::as_float)
}

impl Writer for PdfWriter {
    fn write(&mut self, image: &NdImage, options: &Options) -> Result<()> {
        self.write_owned(image.clone(), options)
    }

    /// Encodes the image into its page at once; handed over, a
    /// standard-layout array is read without the copy `write` makes.
    fn write_owned(&mut self, image: NdImage, options: &Options) -> Result<()> {
        if self.writer.is_none() {
            return Err(Error::invalid_input("pdf: the file is already finished"));
        }
        let p = planes(image)?;
        let jpeg = options
            .get("compression")
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("jpeg"));
        let quality = options.get("quality").and_then(Value::as_int).unwrap_or(90);
        if !(1..=100).contains(&quality) {
            return Err(Error::invalid_option(format!(
                "pdf: quality is 1..100, not {quality}"
            )));
        }
        if options.contains_key("quality") && !jpeg {
            return Err(Error::invalid_option(
                "pdf: quality applies to compression = \"jpeg\" only",
            ));
        }
        let dpi = float_opt(options, "dpi").unwrap_or(72.0);
        if !(dpi.is_finite() && dpi > 0.0) {
            return Err(Error::invalid_option(format!(
                "pdf: dpi must be positive, not {dpi}"
            )));
        }
        let img_w = p.width as f64 * 72.0 / dpi;
        let img_h = p.height as f64 * 72.0 / dpi;
        let (page_w, page_h, x, y, dw, dh) = match options.get("page_size") {
            Some(v) => {
                let l: Vec<f64> = v
                    .as_list()
                    .map(|l| l.iter().filter_map(Value::as_float).collect())
                    .unwrap_or_default();
                if l.len() != 2 || l.iter().any(|&x| !(x.is_finite() && x > 0.0)) {
                    return Err(Error::invalid_option(
                        "pdf: page_size is [width, height] in points, both positive",
                    ));
                }
                if options.contains_key("dpi") {
                    return Err(Error::invalid_option(
                        "pdf: give dpi or page_size, not both",
                    ));
                }
                let s = (l[0] / p.width as f64).min(l[1] / p.height as f64);
                let (dw, dh) = (p.width as f64 * s, p.height as f64 * s);
                (l[0], l[1], (l[0] - dw) / 2.0, (l[1] - dh) / 2.0, dw, dh)
            }
            None => (img_w, img_h, 0.0, 0.0, img_w, img_h),
        };
        let cs = if p.colors == 3 {
            "DeviceRGB"
        } else {
            "DeviceGray"
        };
        let base = dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => p.width as i64,
            "Height" => p.height as i64,
            "ColorSpace" => cs,
            "BitsPerComponent" => p.bpc,
        };
        let mut img = if jpeg {
            if p.bpc != 8 {
                return Err(Error::invalid_option(
                    "pdf: compression = \"jpeg\" takes u8 images; use flate for u16",
                ));
            }
            if p.width > 65535 || p.height > 65535 {
                return Err(Error::invalid_input(
                    "pdf: JPEG images are at most 65535 pixels a side; use flate",
                ));
            }
            let mut out = Vec::new();
            let enc = jpeg_encoder::Encoder::new(&mut out, quality as u8);
            let ct = if p.colors == 3 {
                jpeg_encoder::ColorType::Rgb
            } else {
                jpeg_encoder::ColorType::Luma
            };
            enc.encode(&p.color, p.width as u16, p.height as u16, ct)
                .map_err(crate::encode_err)?;
            let mut d = base.clone();
            d.set("Filter", "DCTDecode");
            Stream::new(d, out)
        } else {
            flate_stream(base.clone(), p.color)?
        };
        if let Some(alpha) = p.alpha {
            let mask = dictionary! {
                "Type" => "XObject",
                "Subtype" => "Image",
                "Width" => p.width as i64,
                "Height" => p.height as i64,
                "ColorSpace" => "DeviceGray",
                "BitsPerComponent" => p.bpc,
            };
            let mask_id = self.doc.add_object(flate_stream(mask, alpha)?);
            img.dict.set("SMask", mask_id);
        }
        let img_id = self.doc.add_object(img);
        let content = format!("q {dw:.4} 0 0 {dh:.4} {x:.4} {y:.4} cm /Im0 Do Q\n");
        let content_id = self.doc.add_object(flate_stream(
            lopdf::Dictionary::new(),
            content.into_bytes(),
        )?);
        let page = dictionary! {
            "Type" => "Page",
            "Parent" => self.pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(page_w as f32), Object::Real(page_h as f32)],
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => img_id } },
            "Contents" => content_id,
        };
        let page_id = self.doc.add_object(page);
        self.kids.push(page_id);
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        let Some(mut writer) = self.writer.take() else {
            return Ok(());
        };
        if self.kids.is_empty() {
            return Err(Error::invalid_input(
                "pdf: no image was written; a PDF needs a page",
            ));
        }
        let pages = dictionary! {
            "Type" => "Pages",
            "Kids" => self.kids.iter().map(|&k| k.into()).collect::<Vec<Object>>(),
            "Count" => self.kids.len() as i64,
        };
        self.doc
            .objects
            .insert(self.pages_id, Object::Dictionary(pages));
        let catalog = self.doc.add_object(dictionary! {
            "Type" => "Catalog",
            "Pages" => self.pages_id,
        });
        self.doc.trailer.set("Root", catalog);
        let producer = self.doc.add_object(dictionary! {
            "Producer" => Object::string_literal(concat!("imageio-rs ", env!("CARGO_PKG_VERSION"))),
        });
        self.doc.trailer.set("Info", producer);
        self.doc.save_to(&mut writer).map_err(crate::encode_err)?;
        Ok(())
    }
}
