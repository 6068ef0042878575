//! Decoding one PDF image (an image XObject or an inline image) into an
//! array: the stream filters (lopdf for Flate/LZW/RunLength/ASCII, the codec
//! crates for DCT, JPX, JBIG2 and CCITT), the colour space, the bit depth
//! and the `/Decode` array, samples as stored.

use imageio_core::{DType, Error, Limits, NdImage, Result};
use lopdf::{Dictionary, Document, Object, Stream};

/// What the metadata says about a decoded image.
#[derive(Clone, Debug, Default)]
pub(crate) struct ImageInfo {
    /// Width in pixels, from the dictionary.
    pub width: u64,
    /// Height in pixels, from the dictionary.
    pub height: u64,
    /// The filter names, comma separated (empty when unfiltered).
    pub filter: String,
    /// The colour space, as a short description (`DeviceRGB`, `Indexed/ICCBased(3)`, ...).
    pub color_space: String,
    /// `/BitsPerComponent` (1 for an image mask).
    pub bits_per_component: i64,
}

/// A dictionary entry by its full or abbreviated (inline image) key, dereferenced.
pub(crate) fn entry<'a>(
    doc: &'a Document,
    dict: &'a Dictionary,
    long: &[u8],
    short: &[u8],
) -> Option<&'a Object> {
    let o = dict.get(long).or_else(|_| dict.get(short)).ok()?;
    doc.dereference(o).ok().map(|(_, o)| o)
}

fn int(doc: &Document, dict: &Dictionary, long: &[u8], short: &[u8]) -> Option<i64> {
    match entry(doc, dict, long, short)? {
        Object::Integer(i) => Some(*i),
        Object::Real(r) => Some(*r as i64),
        _ => None,
    }
}

fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(*r as f64),
        _ => None,
    }
}

/// `(width, height)` from an image dictionary, when both are positive.
pub(crate) fn dimensions(doc: &Document, dict: &Dictionary) -> Option<(u64, u64)> {
    let w = int(doc, dict, b"Width", b"W")?;
    let h = int(doc, dict, b"Height", b"H")?;
    (w > 0 && h > 0).then_some((w as u64, h as u64))
}

/// The metadata of an image without decoding it.
pub(crate) fn info(doc: &Document, dict: &Dictionary, cs_res: Option<&Dictionary>) -> ImageInfo {
    let (width, height) = dimensions(doc, dict).unwrap_or((0, 0));
    let filter = filter_names(doc, dict)
        .iter()
        .map(|f| String::from_utf8_lossy(full_filter_name(f)).into_owned())
        .collect::<Vec<_>>()
        .join(",");
    let mask = is_mask(doc, dict);
    let color_space = if mask {
        "ImageMask".to_owned()
    } else {
        match entry(doc, dict, b"ColorSpace", b"CS") {
            Some(o) => resolve_cs(doc, o, cs_res, 0)
                .map(|c| c.name)
                .unwrap_or_else(|_| "unknown".into()),
            None => String::new(),
        }
    };
    let bits_per_component = if mask {
        1
    } else {
        int(doc, dict, b"BitsPerComponent", b"BPC").unwrap_or(0)
    };
    ImageInfo {
        width,
        height,
        filter,
        color_space,
        bits_per_component,
    }
}

fn is_mask(doc: &Document, dict: &Dictionary) -> bool {
    matches!(
        entry(doc, dict, b"ImageMask", b"IM"),
        Some(Object::Boolean(true))
    )
}

fn filter_names(doc: &Document, dict: &Dictionary) -> Vec<Vec<u8>> {
    match entry(doc, dict, b"Filter", b"F") {
        Some(Object::Name(n)) => vec![n.clone()],
        Some(Object::Array(a)) => a
            .iter()
            .filter_map(|o| doc.dereference(o).ok())
            .filter_map(|(_, o)| o.as_name().ok().map(|n| n.to_vec()))
            .collect(),
        _ => Vec::new(),
    }
}

fn filter_params<'a>(
    doc: &'a Document,
    dict: &'a Dictionary,
    index: usize,
) -> Option<&'a Dictionary> {
    match entry(doc, dict, b"DecodeParms", b"DP")? {
        Object::Dictionary(d) => Some(d),
        Object::Array(a) => {
            let o = doc.dereference(a.get(index)?).ok()?.1;
            o.as_dict().ok()
        }
        _ => None,
    }
}

fn full_filter_name(name: &[u8]) -> &[u8] {
    match name {
        b"AHx" => b"ASCIIHexDecode",
        b"A85" => b"ASCII85Decode",
        b"LZW" => b"LZWDecode",
        b"Fl" => b"FlateDecode",
        b"RL" => b"RunLengthDecode",
        b"CCF" => b"CCITTFaxDecode",
        b"DCT" => b"DCTDecode",
        other => other,
    }
}

/// A colour space reduced to what decoding needs.
#[derive(Clone, Debug)]
enum Space {
    /// Components stored as they are.
    Plain(usize),
    /// An index into `lookup`, `base` components per entry.
    Indexed {
        base: usize,
        hival: usize,
        lookup: Vec<u8>,
    },
}

struct Cs {
    space: Space,
    name: String,
}

fn resolve_cs(doc: &Document, obj: &Object, res: Option<&Dictionary>, depth: u32) -> Result<Cs> {
    if depth > 8 {
        return Err(Error::decode("pdf: colour spaces nested too deeply"));
    }
    let obj = doc.dereference(obj).map_err(crate::decode_err)?.1;
    let plain = |n: usize, name: &str| Cs {
        space: Space::Plain(n),
        name: name.to_owned(),
    };
    match obj {
        Object::Name(n) => match n.as_slice() {
            b"DeviceGray" | b"G" | b"CalGray" => Ok(plain(1, "DeviceGray")),
            b"DeviceRGB" | b"RGB" | b"CalRGB" => Ok(plain(3, "DeviceRGB")),
            b"DeviceCMYK" | b"CMYK" => Ok(plain(4, "DeviceCMYK")),
            other => {
                let found = res.and_then(|r| r.get(other).ok()).ok_or_else(|| {
                    Error::decode(format!(
                        "pdf: unknown colour space /{}",
                        String::from_utf8_lossy(other)
                    ))
                })?;
                resolve_cs(doc, found, None, depth + 1)
            }
        },
        Object::Array(a) => {
            let Some(kind) = a
                .first()
                .and_then(|o| doc.dereference(o).ok())
                .and_then(|(_, o)| o.as_name().ok())
            else {
                return Err(Error::decode("pdf: empty colour space array"));
            };
            match kind {
                b"ICCBased" => {
                    let stream = a
                        .get(1)
                        .and_then(|o| doc.dereference(o).ok())
                        .and_then(|(_, o)| o.as_stream().ok())
                        .ok_or_else(|| Error::decode("pdf: ICCBased without a profile stream"))?;
                    let n = int(doc, &stream.dict, b"N", b"N");
                    match n {
                        Some(n @ 1..=4) => Ok(plain(n as usize, &format!("ICCBased({n})"))),
                        _ => match stream.dict.get(b"Alternate") {
                            Ok(alt) => resolve_cs(doc, alt, res, depth + 1),
                            Err(_) => Err(Error::decode("pdf: ICCBased without a valid /N")),
                        },
                    }
                }
                b"CalGray" => Ok(plain(1, "CalGray")),
                b"CalRGB" => Ok(plain(3, "CalRGB")),
                b"Lab" => Ok(plain(3, "Lab")),
                b"Separation" => Ok(plain(1, "Separation")),
                b"DeviceN" => {
                    let n = a
                        .get(1)
                        .and_then(|o| doc.dereference(o).ok())
                        .and_then(|(_, o)| o.as_array().ok())
                        .map(|v| v.len())
                        .filter(|&n| (1..=32).contains(&n))
                        .ok_or_else(|| Error::decode("pdf: DeviceN without colorant names"))?;
                    Ok(plain(n, &format!("DeviceN({n})")))
                }
                b"Indexed" | b"I" => {
                    let base_obj = a
                        .get(1)
                        .ok_or_else(|| Error::decode("pdf: Indexed without a base"))?;
                    let base = resolve_cs(doc, base_obj, res, depth + 1)?;
                    let Space::Plain(nb) = base.space else {
                        return Err(Error::decode("pdf: Indexed over Indexed"));
                    };
                    let hival = a
                        .get(2)
                        .and_then(|o| doc.dereference(o).ok())
                        .and_then(|(_, o)| num(o))
                        .map(|v| v.clamp(0.0, 255.0) as usize)
                        .ok_or_else(|| Error::decode("pdf: Indexed without hival"))?;
                    let need = (hival + 1) * nb;
                    let mut lookup = match a.get(3).and_then(|o| doc.dereference(o).ok()) {
                        Some((_, Object::String(s, _))) => s.clone(),
                        Some((_, Object::Stream(s))) => s
                            .decompressed_content_with_limit(need + 4096)
                            .map_err(lopdf_err)?,
                        _ => return Err(Error::decode("pdf: Indexed without a lookup table")),
                    };
                    lookup.resize(need, 0);
                    Ok(Cs {
                        space: Space::Indexed {
                            base: nb,
                            hival,
                            lookup,
                        },
                        name: format!("Indexed/{}", base.name),
                    })
                }
                b"Pattern" => Err(Error::unsupported(
                    "pdf: a Pattern colour space cannot colour an image",
                )),
                _ => resolve_cs(doc, &a[0], res, depth + 1),
            }
        }
        _ => Err(Error::decode("pdf: invalid /ColorSpace")),
    }
}

/// Maps a lopdf error, a blown decompression limit becoming `LimitExceeded`.
pub(crate) fn lopdf_err(e: lopdf::Error) -> Error {
    if let lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { limit }) = &e {
        return Error::limit(format!(
            "pdf: a stream decompresses to more than the {limit} bytes its image needs \
             (a decompression bomb?)"
        ))
        .with_hint(imageio_core::Hint::RaiseMaxAlloc)
        .with_source(e);
    }
    crate::decode_err(e)
}

/// The image codec that ends a filter chain, if any.
enum Codec {
    Dct,
    Jpx,
    Jbig2,
    Ccitt,
}

/// Decodes an image stream into an array, samples as stored.
pub(crate) fn decode_image(
    doc: &Document,
    stream: &Stream,
    cs_res: Option<&Dictionary>,
    limits: &Limits,
) -> Result<NdImage> {
    let dict = &stream.dict;
    let (w, h) = dimensions(doc, dict)
        .ok_or_else(|| Error::decode("pdf: image without a positive /Width and /Height"))?;
    limits.check_dimensions(w, h)?;
    let mask = is_mask(doc, dict);
    let names = filter_names(doc, dict);
    let codec_at = names.iter().position(|n| {
        matches!(
            full_filter_name(n),
            b"DCTDecode" | b"JPXDecode" | b"JBIG2Decode" | b"CCITTFaxDecode"
        )
    });
    let codec = codec_at.map(|i| match full_filter_name(&names[i]) {
        b"DCTDecode" => Codec::Dct,
        b"JPXDecode" => Codec::Jpx,
        b"JBIG2Decode" => Codec::Jbig2,
        _ => Codec::Ccitt,
    });
    if let Some(i) = codec_at {
        if i + 1 != names.len() {
            return Err(Error::unsupported(
                "pdf: an image codec filter followed by another filter",
            ));
        }
    }

    // The colour space (JPX may leave it to the codestream).
    let cs = if mask {
        Cs {
            space: Space::Plain(1),
            name: "ImageMask".into(),
        }
    } else {
        match entry(doc, dict, b"ColorSpace", b"CS") {
            Some(o) => resolve_cs(doc, o, cs_res, 0)?,
            None if matches!(codec, Some(Codec::Jpx)) => Cs {
                space: Space::Plain(0),
                name: String::new(),
            },
            None if matches!(codec, Some(Codec::Jbig2 | Codec::Ccitt)) => Cs {
                space: Space::Plain(1),
                name: "DeviceGray".into(),
            },
            None if matches!(codec, Some(Codec::Dct)) => Cs {
                space: Space::Plain(0),
                name: String::new(),
            },
            None => return Err(Error::decode("pdf: image without a /ColorSpace")),
        }
    };
    let bpc = if mask || matches!(codec, Some(Codec::Jbig2 | Codec::Ccitt)) {
        1
    } else {
        int(doc, dict, b"BitsPerComponent", b"BPC").unwrap_or(8)
    };
    let ncomp = match cs.space {
        Space::Plain(n) => n,
        Space::Indexed { .. } => 1,
    };

    // The bytes before the codec, through lopdf's filters with a limit.
    let pre = codec_at.unwrap_or(names.len());
    let stored_bytes = if codec.is_none() {
        let rb = (w * ncomp as u64 * bpc.clamp(1, 16) as u64).div_ceil(8);
        rb.saturating_mul(h)
    } else {
        limits.max_alloc
    };
    let budget = stored_bytes
        .saturating_mul(2)
        .saturating_add(1 << 20)
        .min(limits.max_alloc)
        .min(usize::MAX as u64) as usize;
    let data = prefiltered(doc, stream, &names[..pre], budget)?;

    match codec {
        None => {
            if !matches!(bpc, 1 | 2 | 4 | 8 | 16) {
                return Err(Error::decode(format!(
                    "pdf: /BitsPerComponent {bpc} is not 1, 2, 4, 8 or 16"
                )));
            }
            if ncomp == 0 {
                return Err(Error::decode("pdf: image colour space without components"));
            }
            samples(doc, dict, &data, w, h, bpc as u32, &cs.space, limits)
        }
        Some(Codec::Ccitt) => {
            let params = filter_params(doc, dict, pre);
            let packed = ccitt(doc, params, &data, w, h, limits)?;
            samples(doc, dict, &packed, w, h, 1, &Space::Plain(1), limits)
        }
        Some(Codec::Jbig2) => {
            let params = filter_params(doc, dict, pre);
            let packed = jbig2(doc, params, &data, w, h, limits)?;
            samples(doc, dict, &packed, w, h, 1, &Space::Plain(1), limits)
        }
        Some(Codec::Dct) => dct(doc, dict, &data, limits),
        Some(Codec::Jpx) => jpx(&data, limits),
    }
}

/// The stream content after the filters `names` (all lopdf's), bounded.
fn prefiltered(
    doc: &Document,
    stream: &Stream,
    names: &[Vec<u8>],
    budget: usize,
) -> Result<Vec<u8>> {
    if names.is_empty() {
        if stream.content.len() > budget {
            return Err(Error::limit(format!(
                "pdf: an image stream of {} bytes is beyond the limit of {budget}",
                stream.content.len()
            )));
        }
        return Ok(stream.content.clone());
    }
    let mut d = Dictionary::new();
    d.set(
        "Filter",
        Object::Array(
            names
                .iter()
                .map(|n| Object::Name(full_filter_name(n).to_vec()))
                .collect(),
        ),
    );
    let params: Vec<Object> = (0..names.len())
        .map(|i| {
            filter_params(doc, &stream.dict, i)
                .map(|p| Object::Dictionary(p.clone()))
                .unwrap_or(Object::Null)
        })
        .collect();
    d.set("DecodeParms", Object::Array(params));
    let tmp = Stream::new(d, stream.content.clone());
    tmp.decompressed_content_with_limit(budget)
        .map_err(lopdf_err)
}

/// The `/Decode` pairs of an image, when present and well formed.
fn decode_array(doc: &Document, dict: &Dictionary, n: usize) -> Option<Vec<(f64, f64)>> {
    let a = entry(doc, dict, b"Decode", b"D")?.as_array().ok()?;
    let v: Vec<f64> = a.iter().filter_map(num).collect();
    (v.len() >= 2 * n).then(|| (0..n).map(|i| (v[2 * i], v[2 * i + 1])).collect())
}

/// Unpacks `bpc`-bit samples (rows byte-aligned) into an array: Indexed
/// through its lookup table, 1/2/4-bit scaled to 0..255, 16-bit as u16,
/// `/Decode` applied. Missing trailing data reads as zeros.
#[allow(clippy::too_many_arguments)]
fn samples(
    doc: &Document,
    dict: &Dictionary,
    data: &[u8],
    w: u64,
    h: u64,
    bpc: u32,
    space: &Space,
    limits: &Limits,
) -> Result<NdImage> {
    let (w, h) = (w as usize, h as usize);
    let ncomp = match space {
        Space::Plain(n) => *n,
        Space::Indexed { .. } => 1,
    };
    let out_c = match space {
        Space::Plain(n) => *n,
        Space::Indexed { base, .. } => *base,
    };
    let shape: Vec<usize> = if out_c == 1 {
        vec![h, w]
    } else {
        vec![h, w, out_c]
    };
    let wide = bpc == 16 && matches!(space, Space::Plain(_));
    limits.check_shape(&shape, if wide { DType::U16 } else { DType::U8 })?;
    let maxv = ((1u32 << bpc) - 1) as f64;
    let rb = (w * ncomp * bpc as usize).div_ceil(8);
    let get = |y: usize, s: usize| -> u32 {
        let bit = s * bpc as usize;
        let base = y * rb;
        match bpc {
            8 => data.get(base + s).copied().unwrap_or(0) as u32,
            16 => {
                let i = base + 2 * s;
                ((data.get(i).copied().unwrap_or(0) as u32) << 8)
                    | data.get(i + 1).copied().unwrap_or(0) as u32
            }
            _ => {
                let byte = data.get(base + bit / 8).copied().unwrap_or(0) as u32;
                let shift = 8 - bpc - (bit % 8) as u32;
                (byte >> shift) & ((1 << bpc) - 1)
            }
        }
    };
    match space {
        Space::Indexed {
            base,
            hival,
            lookup,
        } => {
            let dec = decode_array(doc, dict, 1).map(|d| d[0]);
            let mut out = vec![0u8; h * w * base];
            for y in 0..h {
                for x in 0..w {
                    let v = get(y, x);
                    let idx = match dec {
                        Some((d0, d1)) => {
                            (d0 + v as f64 * (d1 - d0) / maxv).round().max(0.0) as usize
                        }
                        None => v as usize,
                    }
                    .min(*hival);
                    let o = (y * w + x) * base;
                    out[o..o + base].copy_from_slice(&lookup[idx * base..idx * base + base]);
                }
            }
            NdImage::from_shape_vec(&shape, out)
        }
        Space::Plain(n) => {
            let n = *n;
            let dec = decode_array(doc, dict, n).filter(|d| d.iter().any(|&p| p != (0.0, 1.0)));
            let outmax = if wide { 65535.0 } else { 255.0 };
            // A table per component from stored value to output value.
            let tables: Vec<Vec<u16>> = (0..n)
                .map(|c| {
                    (0..=maxv as u32)
                        .map(|v| match &dec {
                            Some(d) => {
                                let (d0, d1) = d[c];
                                let x = (d0 + v as f64 * (d1 - d0) / maxv).clamp(0.0, 1.0);
                                (x * outmax).round() as u16
                            }
                            None if bpc == 8 || bpc == 16 => v as u16,
                            None => (v as f64 * 255.0 / maxv).round() as u16,
                        })
                        .collect()
                })
                .collect();
            if wide {
                let mut out = vec![0u16; h * w * n];
                for y in 0..h {
                    for s in 0..w * n {
                        out[y * w * n + s] = tables[s % n][get(y, s) as usize];
                    }
                }
                NdImage::from_shape_vec(&shape, out)
            } else {
                let mut out = vec![0u8; h * w * n];
                for y in 0..h {
                    for s in 0..w * n {
                        out[y * w * n + s] = tables[s % n][get(y, s) as usize] as u8;
                    }
                }
                NdImage::from_shape_vec(&shape, out)
            }
        }
    }
}

fn param_int(doc: &Document, p: Option<&Dictionary>, key: &[u8]) -> Option<i64> {
    p.and_then(|p| int(doc, p, key, key))
}

fn param_bool(doc: &Document, p: Option<&Dictionary>, key: &[u8]) -> Option<bool> {
    match entry(doc, p?, key, key)? {
        Object::Boolean(b) => Some(*b),
        _ => None,
    }
}

/// Packed 1-bit rows, one bit per pixel, MSB first.
struct BitRows {
    data: Vec<u8>,
    row_bytes: usize,
    width: usize,
    rows: usize,
    max_rows: usize,
    x: usize,
    /// The bit written for a black pixel.
    black_bit: bool,
}

impl BitRows {
    fn new(width: usize, max_rows: usize, black_bit: bool) -> BitRows {
        let row_bytes = width.div_ceil(8);
        let fill = if black_bit { 0 } else { 0xFF };
        BitRows {
            data: vec![fill; row_bytes * max_rows],
            row_bytes,
            width,
            rows: 0,
            max_rows,
            x: 0,
            black_bit,
        }
    }

    fn set_black(&mut self, x: usize) {
        if self.rows >= self.max_rows || x >= self.width {
            return;
        }
        let i = self.rows * self.row_bytes + x / 8;
        let m = 0x80u8 >> (x % 8);
        if self.black_bit {
            self.data[i] |= m;
        } else {
            self.data[i] &= !m;
        }
    }
}

impl hayro_ccitt::Decoder for BitRows {
    fn push_row(&mut self, changes: &[u32]) {
        for pair in changes.chunks(2) {
            let start = pair[0] as usize;
            let end = pair
                .get(1)
                .map_or(self.width, |&e| e as usize)
                .min(self.width);
            for x in start..end {
                self.set_black(x);
            }
        }
        self.rows += 1;
    }
}

impl hayro_jbig2::Decoder for BitRows {
    fn push_pixel(&mut self, black: bool) {
        if black {
            self.set_black(self.x);
        }
        self.x += 1;
    }
    fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
        for _ in 0..chunk_count as usize * 8 {
            self.push_pixel(black);
        }
    }
    fn next_line(&mut self) {
        self.rows += 1;
        self.x = 0;
    }
}

/// CCITT G3/G4 into packed rows (a black pixel is 0 unless `/BlackIs1`).
fn ccitt(
    doc: &Document,
    p: Option<&Dictionary>,
    data: &[u8],
    w: u64,
    h: u64,
    limits: &Limits,
) -> Result<Vec<u8>> {
    let k = param_int(doc, p, b"K").unwrap_or(0);
    let columns = param_int(doc, p, b"Columns")
        .filter(|&c| c > 0)
        .map_or(w, |c| c as u64);
    if columns != w {
        return Err(Error::decode(format!(
            "pdf: CCITT /Columns {columns} differs from the image /Width {w}"
        )));
    }
    limits.check_alloc(w.div_ceil(8).saturating_mul(h))?;
    let settings = hayro_ccitt::DecodeSettings {
        columns: w.min(u32::MAX as u64) as u32,
        rows: h.min(u32::MAX as u64) as u32,
        end_of_block: param_bool(doc, p, b"EndOfBlock").unwrap_or(true),
        end_of_line: param_bool(doc, p, b"EndOfLine").unwrap_or(false),
        rows_are_byte_aligned: param_bool(doc, p, b"EncodedByteAlign").unwrap_or(false),
        encoding: match k {
            k if k < 0 => hayro_ccitt::EncodingMode::Group4,
            0 => hayro_ccitt::EncodingMode::Group3_1D,
            _ => hayro_ccitt::EncodingMode::Group3_2D,
        },
        strict: false,
    };
    let black_is_1 = param_bool(doc, p, b"BlackIs1").unwrap_or(false);
    let mut rows = BitRows::new(w as usize, h as usize, black_is_1);
    let mut ctx = hayro_ccitt::DecoderContext::new(settings);
    let res = hayro_ccitt::decode(data, &mut rows, &mut ctx);
    match res {
        Err(e) if rows.rows == 0 => Err(Error::decode(format!("pdf: CCITT data: {e:?}"))),
        _ => Ok(rows.data),
    }
}

/// JBIG2 (with `/JBIG2Globals`) into packed rows, black = 0 as in DeviceGray.
fn jbig2(
    doc: &Document,
    p: Option<&Dictionary>,
    data: &[u8],
    w: u64,
    h: u64,
    limits: &Limits,
) -> Result<Vec<u8>> {
    let settings = hayro_jbig2::DecodeSettings::default();
    let globals_bytes = match p.and_then(|p| p.get(b"JBIG2Globals").ok()) {
        Some(o) => {
            let s = doc
                .dereference(o)
                .ok()
                .and_then(|(_, o)| o.as_stream().ok())
                .ok_or_else(|| Error::decode("pdf: /JBIG2Globals is not a stream"))?;
            let budget = limits.max_alloc.min(usize::MAX as u64) as usize;
            Some(
                s.decompressed_content_with_limit(budget)
                    .map_err(lopdf_err)?,
            )
        }
        None => None,
    };
    let jerr = |e: hayro_jbig2::DecodeError| Error::decode(format!("pdf: JBIG2 data: {e:?}"));
    let globals = match &globals_bytes {
        Some(g) => Some(hayro_jbig2::Globals::new(g, &settings).map_err(jerr)?),
        None => None,
    };
    let page = hayro_jbig2::Page::new_embedded(data, globals.as_ref(), &settings).map_err(jerr)?;
    let (pw, ph) = (page.width() as u64, page.height() as u64);
    limits.check_dimensions(pw, ph)?;
    limits.check_alloc(pw.div_ceil(8).saturating_mul(ph))?;
    let mut rows = BitRows::new(pw as usize, ph as usize, false);
    page.decode(&mut rows).map_err(jerr)?;
    if (pw, ph) == (w, h) {
        return Ok(rows.data);
    }
    // Crop or pad to the image dictionary's size.
    let mut out = BitRows::new(w as usize, h as usize, false);
    for y in 0..(h as usize).min(ph as usize) {
        for x in 0..(w as usize).min(pw as usize) {
            let b = rows.data[y * rows.row_bytes + x / 8] & (0x80 >> (x % 8));
            if b == 0 {
                out.rows = y;
                out.set_black(x);
            }
        }
    }
    Ok(out.data)
}

/// DCT through jpeg-decoder: gray, RGB or CMYK as the JPEG stores them, `/Decode` applied.
fn dct(doc: &Document, dict: &Dictionary, data: &[u8], limits: &Limits) -> Result<NdImage> {
    let mut dec = jpeg_decoder::Decoder::new(data);
    dec.set_max_decoding_buffer_size(limits.max_alloc.min(usize::MAX as u64) as usize);
    dec.read_info().map_err(crate::decode_err)?;
    let info = dec
        .info()
        .ok_or_else(|| Error::decode("pdf: DCT data without a frame header"))?;
    let (w, h) = (info.width as usize, info.height as usize);
    let n = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::L16 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    };
    let shape: Vec<usize> = if n == 1 { vec![h, w] } else { vec![h, w, n] };
    let wide = info.pixel_format == jpeg_decoder::PixelFormat::L16;
    limits.check_shape(&shape, if wide { DType::U16 } else { DType::U8 })?;
    let mut px = dec.decode().map_err(crate::decode_err)?;
    if wide {
        // jpeg-decoder hands 16-bit samples over in native byte order.
        let v: Vec<u16> = px
            .chunks_exact(2)
            .map(|c| u16::from_ne_bytes([c[0], c[1]]))
            .collect();
        return NdImage::from_shape_vec(&shape, v);
    }
    if let Some(d) = decode_array(doc, dict, n) {
        for (i, v) in px.iter_mut().enumerate() {
            let (d0, d1) = d[i % n];
            if (d0, d1) != (0.0, 1.0) {
                let x = (d0 + *v as f64 * (d1 - d0) / 255.0).clamp(0.0, 1.0);
                *v = (x * 255.0).round() as u8;
            }
        }
    }
    NdImage::from_shape_vec(&shape, px)
}

/// JPX through hayro-jpeg2000: the codestream's components, u8 up to 8 bits, u16 beyond.
/// The most tiles a JPEG 2000 codestream can index (`Isot` is 16-bit).
const MAX_JPX_TILES: u64 = 65_535;

/// Refuses JPX data (a JP2 file or a bare codestream) whose SIZ marker makes
/// more tiles than a codestream can index: hayro-jpeg2000 sets up every tile
/// of the grid before decoding, so 4000 x 4000 one-pixel tiles in a 749-byte
/// PDF took 4 GB and 21 s. Data without a SIZ marker is left to the decoder.
pub(crate) fn check_jpx_tiles(data: &[u8]) -> Result<()> {
    const SOC_SIZ: [u8; 4] = [0xFF, 0x4F, 0xFF, 0x51];
    let Some(at) = data.windows(4).position(|w| w == SOC_SIZ) else {
        return Ok(());
    };
    // After SOC, SIZ, Lsiz and Rsiz: Xsiz, Ysiz, XOsiz, YOsiz, XTsiz,
    // YTsiz, XTOsiz, YTOsiz, each a big-endian u32.
    let mut fields = [0u64; 8];
    for (k, f) in fields.iter_mut().enumerate() {
        let i = at + 8 + 4 * k;
        let Some(b) = data.get(i..i + 4) else {
            return Ok(());
        };
        *f = u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    }
    let [width, height, _, _, tile_w, tile_h, tile_x, tile_y] = fields;
    if tile_w == 0 || tile_h == 0 || tile_x > width || tile_y > height {
        return Ok(());
    }
    let tiles = (width - tile_x)
        .div_ceil(tile_w)
        .saturating_mul((height - tile_y).div_ceil(tile_h));
    if tiles > MAX_JPX_TILES {
        return Err(Error::decode(format!(
            "pdf: a JPX image of {tiles} tiles ({tile_w}x{tile_h} each); a codestream holds \
             at most {MAX_JPX_TILES}"
        )));
    }
    Ok(())
}

fn jpx(data: &[u8], limits: &Limits) -> Result<NdImage> {
    check_jpx_tiles(data)?;
    let settings = hayro_jpeg2000::DecodeSettings::default();
    let jerr = |e: hayro_jpeg2000::DecodeError| Error::decode(format!("pdf: JPX data: {e:?}"));
    let image = hayro_jpeg2000::Image::new(data, &settings).map_err(jerr)?;
    let (w, h) = (image.width() as usize, image.height() as usize);
    limits.check_dimensions(w as u64, h as u64)?;
    let n = image.color_space().num_channels() as usize + usize::from(image.has_alpha());
    let bits = image.original_bit_depth();
    let shape: Vec<usize> = if n == 1 { vec![h, w] } else { vec![h, w, n] };
    limits.check_shape(&shape, if bits > 8 { DType::U16 } else { DType::U8 })?;
    let mut ctx = hayro_jpeg2000::DecoderContext::default();
    let decoded = image.decode(&mut ctx).map_err(jerr)?;
    let comps = decoded.components();
    if comps.len() != n || comps.iter().any(|c| c.samples().len() < w * h) {
        return Err(Error::decode(
            "pdf: JPX components do not match the image size",
        ));
    }
    if bits <= 8 {
        let mut out = vec![0u8; w * h * n];
        decoded.store_u8_into(&mut out);
        NdImage::from_shape_vec(&shape, out)
    } else {
        let mut out = vec![0u16; w * h * n];
        for (c, comp) in comps.iter().enumerate() {
            for (i, &s) in comp.samples()[..w * h].iter().enumerate() {
                out[i * n + c] = s.round().clamp(0.0, 65535.0) as u16;
            }
        }
        NdImage::from_shape_vec(&shape, out)
    }
}
