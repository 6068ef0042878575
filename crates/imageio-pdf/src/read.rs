//! Reading: the document (lopdf), the images placed on each page (walking
//! the content streams through Form XObjects, inline images included), and
//! the metadata.

use std::collections::HashSet;

use imageio_core::plugin::Reader;
use imageio_core::{
    Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes, Value,
};
use lopdf::content::Content;
use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId, Stream};

use crate::decode;

/// An image drawn on a page.
#[derive(Clone, Debug)]
pub(crate) struct Placed {
    /// An XObject, or an inline image (its stream) and the colour spaces it may name.
    pub source: Source,
    /// The transformation in effect when drawn (the unit square to page space).
    pub ctm: [f64; 6],
}

/// Where a placed image's stream is.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    XObject(ObjectId),
    Inline(Box<Stream>, Option<Dictionary>),
}

/// An open PDF being read.
pub(crate) struct PdfReader {
    bytes: SharedBytes,
    doc: Document,
    pages: Vec<ObjectId>,
    limits: Limits,
    /// The images of each page, found on first use.
    placed: Vec<Option<Vec<Placed>>>,
}

const MAX_FORM_DEPTH: u32 = 12;

/// What a page walk has met: image XObjects (each placed once) and Form
/// XObjects (each walked once, so that forms drawing themselves or each other
/// many times cost one walk each).
#[derive(Default)]
struct Seen {
    images: HashSet<ObjectId>,
    forms: HashSet<ObjectId>,
}

impl PdfReader {
    pub(crate) fn open(bytes: SharedBytes, limits: Limits) -> Result<PdfReader> {
        let options = LoadOptions {
            password: Some(String::new()),
            max_decompressed_size: Some(limits.max_alloc.min(usize::MAX as u64) as usize),
            ..LoadOptions::default()
        };
        let doc = match Document::load_mem_with_options(&bytes, options) {
            Ok(d) => d,
            Err(e @ (lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword)) => {
                return Err(Error::unsupported(format!(
                    "pdf: the file is encrypted and does not open with an empty user \
                     password ({e}); decrypt it first (e.g. `qpdf --decrypt --password=... in out`)"
                ))
                .with_source(e))
            }
            Err(e) => return Err(decode::lopdf_err(e)),
        };
        if doc.is_encrypted() && !doc.was_encrypted() {
            return Err(Error::unsupported(
                "pdf: the file is encrypted with a password other than the empty one; \
                 decrypt it first",
            ));
        }
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        let n = pages.len();
        Ok(PdfReader {
            bytes,
            doc,
            pages,
            limits,
            placed: vec![None; n],
        })
    }

    fn page_id(&self, page: usize) -> Result<ObjectId> {
        self.pages
            .get(page)
            .copied()
            .ok_or_else(|| Error::index_out_of_range(page, Some(self.pages.len())))
    }

    /// The images drawn on page `page`, in drawing order, each XObject once.
    fn placed(&mut self, page: usize) -> Result<&[Placed]> {
        let id = self.page_id(page)?;
        if self.placed[page].is_none() {
            let found = self.find_images(id)?;
            self.placed[page] = Some(found);
        }
        Ok(self.placed[page].as_deref().unwrap_or(&[]))
    }

    fn budget(&self) -> usize {
        self.limits.max_alloc.min(usize::MAX as u64) as usize
    }

    fn find_images(&self, page_id: ObjectId) -> Result<Vec<Placed>> {
        let res = self.page_resources(page_id)?;
        let content = self
            .doc
            .get_page_content_with_limit(page_id, self.budget())
            .map_err(decode::lopdf_err)?;
        let mut out = Vec::new();
        let mut seen = Seen::default();
        let walked = self.walk(&content, &res, IDENTITY, 0, &mut out, &mut seen);
        if walked.is_err() && out.is_empty() {
            // Unparseable content: fall back to the images in the resources.
            if let Some(xobjects) = res.get(b"XObject").ok().and_then(|o| o.as_dict().ok()) {
                for (_, v) in xobjects.iter() {
                    if let Ok(id) = v.as_reference() {
                        if self.is_image(id) && seen.images.insert(id) {
                            out.push(Placed {
                                source: Source::XObject(id),
                                ctm: IDENTITY,
                            });
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// The page's resources (its own and inherited ones merged, the nearest
    /// winning): the XObject and ColorSpace dictionaries.
    fn page_resources(&self, page_id: ObjectId) -> Result<Dictionary> {
        let doc = &self.doc;
        let (own, inherited) = doc.get_page_resources(page_id).map_err(decode::lopdf_err)?;
        // Merge the resource dictionaries, the nearest winning.
        let mut res = Dictionary::new();
        let dicts = own.into_iter().cloned().chain(
            inherited
                .iter()
                .filter_map(|id| doc.get_dictionary(*id).ok().cloned()),
        );
        for d in dicts {
            for key in [b"XObject".as_slice(), b"ColorSpace"] {
                if let Some(sub) = d
                    .get(key)
                    .ok()
                    .and_then(|o| doc.dereference(o).ok())
                    .and_then(|(_, o)| o.as_dict().ok())
                {
                    let mut merged = res
                        .get(key)
                        .ok()
                        .and_then(|o| o.as_dict().ok())
                        .cloned()
                        .unwrap_or_default();
                    for (k, v) in sub.iter() {
                        if !merged.has(k) {
                            merged.set(k.clone(), v.clone());
                        }
                    }
                    res.set(key.to_vec(), Object::Dictionary(merged));
                }
            }
        }
        Ok(res)
    }

    fn is_image(&self, id: ObjectId) -> bool {
        self.doc
            .get_object(id)
            .ok()
            .and_then(|o| o.as_stream().ok())
            .is_some_and(|s| {
                matches!(
                    s.dict.get(b"Subtype").and_then(Object::as_name),
                    Ok(b"Image")
                )
            })
    }

    fn walk(
        &self,
        content: &[u8],
        res: &Dictionary,
        base: [f64; 6],
        depth: u32,
        out: &mut Vec<Placed>,
        seen: &mut Seen,
    ) -> Result<()> {
        let doc = &self.doc;
        let ops = Content::decode(content).map_err(decode::lopdf_err)?;
        let xobjects = res
            .get(b"XObject")
            .ok()
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok());
        let color_spaces = res
            .get(b"ColorSpace")
            .ok()
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok());
        let mut inline = inline_images(content).into_iter();
        let mut ctm = base;
        let mut stack: Vec<[f64; 6]> = Vec::new();
        for op in ops.operations {
            match op.operator.as_str() {
                "q" if stack.len() < 256 => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap_or(base),
                "cm" => {
                    let v: Vec<f64> = op.operands.iter().filter_map(num).collect();
                    if v.len() == 6 {
                        ctm = concat(&[v[0], v[1], v[2], v[3], v[4], v[5]], &ctm);
                    }
                }
                "BI" => {
                    if let Some(s) = inline.next() {
                        out.push(Placed {
                            source: Source::Inline(Box::new(s), color_spaces.cloned()),
                            ctm,
                        });
                    }
                }
                "Do" => {
                    let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) else {
                        continue;
                    };
                    let Some(obj) = xobjects.and_then(|x| x.get(name).ok()) else {
                        continue;
                    };
                    let Ok(id) = obj.as_reference() else { continue };
                    let Ok(stream) = doc.get_object(id).and_then(Object::as_stream) else {
                        continue;
                    };
                    match stream.dict.get(b"Subtype").and_then(Object::as_name) {
                        Ok(b"Image") if seen.images.insert(id) => {
                            out.push(Placed {
                                source: Source::XObject(id),
                                ctm,
                            });
                        }
                        // Each form is walked once per page: a form drawn
                        // again (or drawing itself) adds no new XObject, and
                        // walking it again would make the work exponential.
                        Ok(b"Form") if depth < MAX_FORM_DEPTH && seen.forms.insert(id) => {
                            let m: Vec<f64> = stream
                                .dict
                                .get(b"Matrix")
                                .and_then(Object::as_array)
                                .map(|a| a.iter().filter_map(num).collect())
                                .unwrap_or_default();
                            let fm = if m.len() == 6 {
                                concat(&[m[0], m[1], m[2], m[3], m[4], m[5]], &ctm)
                            } else {
                                ctm
                            };
                            let form_res = stream
                                .dict
                                .get(b"Resources")
                                .ok()
                                .and_then(|o| doc.dereference(o).ok())
                                .and_then(|(_, o)| o.as_dict().ok())
                                .unwrap_or(res);
                            let Ok(data) = stream.decompressed_content_with_limit(self.budget())
                            else {
                                continue;
                            };
                            let _ = self.walk(&data, form_res, fm, depth + 1, out, seen);
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The stream and inline colour spaces of a placed image.
    fn stream_of<'a>(&'a self, p: &'a Placed) -> Result<(&'a Stream, Option<&'a Dictionary>)> {
        match &p.source {
            Source::XObject(id) => Ok((
                self.doc
                    .get_object(*id)
                    .and_then(Object::as_stream)
                    .map_err(decode::lopdf_err)?,
                None,
            )),
            Source::Inline(s, cs) => Ok((s, cs.as_ref())),
        }
    }

    /// Index of the largest image among `placed` (first wins a tie).
    fn largest(&self, placed: &[Placed]) -> Option<usize> {
        let mut best: Option<(usize, u64)> = None;
        for (i, p) in placed.iter().enumerate() {
            let Ok((s, _)) = self.stream_of(p) else {
                continue;
            };
            let area =
                decode::dimensions(&self.doc, &s.dict).map_or(0, |(w, h)| w.saturating_mul(h));
            if area > 0 && best.is_none_or(|(_, a)| area > a) {
                best = Some((i, area));
            }
        }
        best.map(|(i, _)| i)
    }

    /// The (page, placed image) that image `index` designates.
    fn select(&mut self, index: usize, all: bool) -> Result<(usize, Placed)> {
        if !all {
            let placed = self.placed(index)?.to_vec();
            let i = self.largest(&placed).ok_or_else(|| {
                Error::unsupported(format!(
                    "pdf: page {index} has no raster image; pass the option render=true to \
                     rasterize the page instead"
                ))
            })?;
            return Ok((index, placed[i].clone()));
        }
        let mut k = index;
        for page in 0..self.pages.len() {
            let placed = self.placed(page)?;
            if k < placed.len() {
                return Ok((page, placed[k].clone()));
            }
            k -= placed.len();
        }
        Err(Error::index_out_of_range(index, None))
    }

    fn image_metadata(&self, p: &Placed, meta: &mut Metadata) -> Result<()> {
        let (s, cs) = self.stream_of(p)?;
        let info = decode::info(&self.doc, &s.dict, cs);
        meta.insert("width", Value::Int(info.width as i64));
        meta.insert("height", Value::Int(info.height as i64));
        meta.insert("filter", Value::Str(info.filter));
        meta.insert("color_space", Value::Str(info.color_space));
        meta.insert("bits_per_component", Value::Int(info.bits_per_component));
        // The unit square maps to the page through the CTM: its side lengths in points.
        let [a, b, c, d, _, _] = p.ctm;
        let wpt = a.hypot(b);
        let hpt = c.hypot(d);
        if wpt > 0.0 && hpt > 0.0 && p.ctm != IDENTITY {
            let dx = info.width as f64 * 72.0 / wpt;
            let dy = info.height as f64 * 72.0 / hpt;
            meta.insert(
                imageio_core::keys::DPI,
                Value::List(vec![Value::Float(round2(dx)), Value::Float(round2(dy))]),
            );
        }
        Ok(())
    }

    fn document_metadata(&self, meta: &mut Metadata) {
        meta.insert("n_pages", Value::Int(self.pages.len() as i64));
        let info = self
            .doc
            .trailer
            .get(b"Info")
            .ok()
            .and_then(|o| self.doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok());
        if let Some(info) = info {
            for (key, name) in [
                (b"Title".as_slice(), "title"),
                (b"Author", "author"),
                (b"Producer", "producer"),
                (b"Creator", "creator"),
                (b"CreationDate", "creation_date"),
            ] {
                if let Some(Object::String(s, _)) = info
                    .get(key)
                    .ok()
                    .and_then(|o| self.doc.dereference(o).ok())
                    .map(|x| x.1)
                {
                    meta.insert(name, Value::Str(text_string(s)));
                }
            }
        }
    }

    fn page_metadata(&self, page: usize, meta: &mut Metadata) -> Result<()> {
        let id = self.page_id(page)?;
        if let Some(mb) = self
            .inherited(id, b"MediaBox")
            .and_then(|o| o.as_array().ok())
        {
            let v: Vec<Value> = mb.iter().filter_map(num).map(Value::Float).collect();
            if v.len() == 4 {
                meta.insert("media_box", Value::List(v));
            }
        }
        let rot = self
            .inherited(id, b"Rotate")
            .and_then(|o| o.as_i64().ok())
            .unwrap_or(0);
        meta.insert("rotation", Value::Int(rot.rem_euclid(360)));
        Ok(())
    }

    /// A page attribute, looked up through the page tree's parents.
    fn inherited(&self, mut id: ObjectId, key: &[u8]) -> Option<&Object> {
        for _ in 0..64 {
            let dict = self.doc.get_dictionary(id).ok()?;
            if let Ok(o) = dict.get(key) {
                return self.doc.dereference(o).ok().map(|x| x.1);
            }
            id = dict.get(b"Parent").ok()?.as_reference().ok()?;
        }
        None
    }
}

const IDENTITY: [f64; 6] = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m * ctm` in PDF's row-vector convention.
fn concat(m: &[f64; 6], c: &[f64; 6]) -> [f64; 6] {
    [
        m[0] * c[0] + m[1] * c[2],
        m[0] * c[1] + m[1] * c[3],
        m[2] * c[0] + m[3] * c[2],
        m[2] * c[1] + m[3] * c[3],
        m[4] * c[0] + m[5] * c[2] + c[4],
        m[4] * c[1] + m[5] * c[3] + c[5],
    ]
}

fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(*r as f64),
        _ => None,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A PDF text string: UTF-16BE with a BOM, else PDFDocEncoding (read as Latin-1).
fn text_string(s: &[u8]) -> String {
    if let Some(rest) = s.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = s.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    s.iter().map(|&b| b as char).collect()
}

fn opt_bool(options: &Options, key: &str) -> bool {
    options.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn images_all(options: &Options) -> bool {
    options
        .get("images")
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("all"))
}

impl Reader for PdfReader {
    fn read(&mut self, index: usize, options: &Options) -> Result<NdImage> {
        let all = images_all(options);
        if opt_bool(options, "render") {
            if all {
                return Err(Error::invalid_option(
                    "pdf: render and images=all exclude each other",
                ));
            }
            self.page_id(index)?;
            return crate::render::render(&self.bytes, index, options, &self.limits);
        }
        for key in ["dpi", "background"] {
            if options.contains_key(key) {
                return Err(Error::invalid_option(format!(
                    "pdf: the option {key} applies to rendered pages only; pass render=true too"
                )));
            }
        }
        let (_, placed) = self.select(index, all)?;
        let (stream, cs) = self.stream_of(&placed)?;
        decode::decode_image(&self.doc, stream, cs, &self.limits)
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(self.pages.len()))
    }

    fn properties(&mut self, index: usize, options: &Options) -> Result<ImageProperties> {
        let mut p = ImageProperties::of(&self.read(index, options)?);
        if !images_all(options) {
            p.n_images = Some(self.pages.len());
        }
        Ok(p)
    }

    fn metadata(&mut self, index: Option<usize>, options: &Options) -> Result<Metadata> {
        let mut meta = Metadata::new();
        self.document_metadata(&mut meta);
        let Some(index) = index else { return Ok(meta) };
        let all = images_all(options);
        if opt_bool(options, "render") {
            self.page_metadata(index, &mut meta)?;
            return Ok(meta);
        }
        match self.select(index, all) {
            Ok((page, placed)) => {
                self.page_metadata(page, &mut meta)?;
                self.image_metadata(&placed, &mut meta)?;
            }
            // A page without images still has page metadata.
            Err(e) if e.kind() == imageio_core::ErrorKind::Unsupported => {
                self.page_metadata(index, &mut meta)?;
            }
            Err(e) => return Err(e),
        }
        Ok(meta)
    }
}

/// The inline images (`BI <dict> ID <data> EI`) of a content stream, in
/// order, found by scanning its bytes: lopdf's content parser skips inline
/// images with filters or named colour spaces.
fn inline_images(content: &[u8]) -> Vec<Stream> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = find_token(content, i, b"BI") {
        let mut t = Tokens {
            s: content,
            i: at + 2,
        };
        let mut dict = Dictionary::new();
        let mut ok = false;
        while let Some(tok) = t.next_object() {
            match tok {
                Tok::Keyword(k) if k == b"ID" => {
                    ok = true;
                    break;
                }
                Tok::Obj(Object::Name(key)) => match t.next_object() {
                    Some(Tok::Obj(v)) => dict.set(key, v),
                    _ => break,
                },
                _ => break,
            }
        }
        if !ok {
            i = at + 2;
            continue;
        }
        // One white-space byte (CR LF as one) separates ID from the data.
        let mut start = t.i;
        if content.get(start) == Some(&b'\r') && content.get(start + 1) == Some(&b'\n') {
            start += 2;
        } else if content.get(start).is_some_and(|c| is_white(*c)) {
            start += 1;
        }
        let filtered = dict.has(b"F") || dict.has(b"Filter");
        let known_len = (!filtered).then(|| inline_len(&dict)).flatten();
        let end = match known_len {
            Some(n) if start + n <= content.len() => start + n,
            _ => match find_ei(content, start) {
                Some(e) => e,
                None => break,
            },
        };
        out.push(Stream::new(dict, content[start..end].to_vec()));
        i = find_ei(content, end).map_or(content.len(), |e| e + 3);
    }
    out
}

/// The byte length of an unfiltered inline image from its dictionary.
fn inline_len(d: &Dictionary) -> Option<usize> {
    let g = |a: &[u8], b: &[u8]| {
        d.get(a)
            .or_else(|_| d.get(b))
            .ok()
            .and_then(|o| o.as_i64().ok())
    };
    let w = usize::try_from(g(b"W", b"Width")?).ok()?;
    let h = usize::try_from(g(b"H", b"Height")?).ok()?;
    let mask = matches!(
        d.get(b"IM").or_else(|_| d.get(b"ImageMask")),
        Ok(Object::Boolean(true))
    );
    let bpc = if mask {
        1
    } else {
        usize::try_from(g(b"BPC", b"BitsPerComponent")?).ok()?
    };
    let n = if mask {
        1
    } else {
        match d.get(b"CS").or_else(|_| d.get(b"ColorSpace")).ok()? {
            Object::Name(n) => match n.as_slice() {
                b"DeviceRGB" | b"RGB" | b"CalRGB" => 3,
                b"DeviceCMYK" | b"CMYK" => 4,
                b"DeviceGray" | b"G" | b"CalGray" => 1,
                _ => return None,
            },
            Object::Array(a)
                if matches!(
                    a.first().and_then(|o| o.as_name().ok()),
                    Some(b"I" | b"Indexed")
                ) =>
            {
                1
            }
            _ => return None,
        }
    };
    w.checked_mul(n)?
        .checked_mul(bpc)?
        .div_ceil(8)
        .checked_mul(h)
}

fn is_white(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | 0)
}

fn is_delim(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// The position of `tok` as a whole token at or after `from`.
fn find_token(s: &[u8], from: usize, tok: &[u8]) -> Option<usize> {
    let mut i = from;
    while i + tok.len() <= s.len() {
        if &s[i..i + tok.len()] == tok
            && (i == 0 || is_white(s[i - 1]) || is_delim(s[i - 1]))
            && s.get(i + tok.len())
                .is_none_or(|&c| is_white(c) || is_delim(c))
        {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The end of inline data: white space, `EI`, then white space or the end.
fn find_ei(s: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 3 <= s.len() {
        if is_white(s[i]) && &s[i + 1..i + 3] == b"EI" && s.get(i + 3).is_none_or(|&c| is_white(c))
        {
            return Some(i);
        }
        i += 1;
    }
    None
}

enum Tok {
    Obj(Object),
    Keyword(Vec<u8>),
    End(u8),
}

/// A small tokenizer for inline image dictionaries.
struct Tokens<'a> {
    s: &'a [u8],
    i: usize,
}

impl Tokens<'_> {
    fn skip_white(&mut self) {
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if is_white(c) {
                self.i += 1;
            } else if c == b'%' {
                while self.i < self.s.len() && !matches!(self.s[self.i], b'\r' | b'\n') {
                    self.i += 1;
                }
            } else {
                break;
            }
        }
    }

    fn regular(&mut self) -> Vec<u8> {
        let st = self.i;
        while self.i < self.s.len() && !is_white(self.s[self.i]) && !is_delim(self.s[self.i]) {
            self.i += 1;
        }
        self.s[st..self.i].to_vec()
    }

    fn next_object(&mut self) -> Option<Tok> {
        self.next_depth(0)
    }

    fn next_depth(&mut self, depth: u32) -> Option<Tok> {
        if depth > 16 {
            return None;
        }
        self.skip_white();
        let c = *self.s.get(self.i)?;
        match c {
            b'/' => {
                self.i += 1;
                Some(Tok::Obj(Object::Name(self.regular())))
            }
            b'[' => {
                self.i += 1;
                let mut v = Vec::new();
                loop {
                    match self.next_depth(depth + 1)? {
                        Tok::Obj(o) => v.push(o),
                        Tok::End(b']') => return Some(Tok::Obj(Object::Array(v))),
                        _ => return None,
                    }
                }
            }
            b']' => {
                self.i += 1;
                Some(Tok::End(b']'))
            }
            b'<' if self.s.get(self.i + 1) == Some(&b'<') => {
                self.i += 2;
                let mut d = Dictionary::new();
                loop {
                    match self.next_depth(depth + 1)? {
                        Tok::Obj(Object::Name(k)) => match self.next_depth(depth + 1)? {
                            Tok::Obj(v) => d.set(k, v),
                            _ => return None,
                        },
                        Tok::End(b'>') => return Some(Tok::Obj(Object::Dictionary(d))),
                        _ => return None,
                    }
                }
            }
            b'>' if self.s.get(self.i + 1) == Some(&b'>') => {
                self.i += 2;
                Some(Tok::End(b'>'))
            }
            b'<' => {
                self.i += 1;
                let mut hex = Vec::new();
                while let Some(&c) = self.s.get(self.i) {
                    self.i += 1;
                    if c == b'>' {
                        break;
                    }
                    if let Some(v) = (c as char).to_digit(16) {
                        hex.push(v as u8);
                    }
                }
                if hex.len() % 2 == 1 {
                    hex.push(0);
                }
                let bytes = hex.chunks(2).map(|p| (p[0] << 4) | p[1]).collect();
                Some(Tok::Obj(Object::String(
                    bytes,
                    lopdf::StringFormat::Hexadecimal,
                )))
            }
            b'(' => {
                self.i += 1;
                let mut out = Vec::new();
                let mut level = 1;
                while let Some(&c) = self.s.get(self.i) {
                    self.i += 1;
                    match c {
                        b'\\' => {
                            let Some(&e) = self.s.get(self.i) else { break };
                            self.i += 1;
                            match e {
                                b'n' => out.push(b'\n'),
                                b'r' => out.push(b'\r'),
                                b't' => out.push(b'\t'),
                                b'b' => out.push(8),
                                b'f' => out.push(12),
                                b'0'..=b'7' => {
                                    let mut v = (e - b'0') as u32;
                                    for _ in 0..2 {
                                        match self.s.get(self.i) {
                                            Some(&d @ b'0'..=b'7') => {
                                                v = v * 8 + (d - b'0') as u32;
                                                self.i += 1;
                                            }
                                            _ => break,
                                        }
                                    }
                                    out.push(v as u8);
                                }
                                b'\r' | b'\n' => {}
                                other => out.push(other),
                            }
                        }
                        b'(' => {
                            level += 1;
                            out.push(c);
                        }
                        b')' => {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                            out.push(c);
                        }
                        _ => out.push(c),
                    }
                }
                Some(Tok::Obj(Object::String(out, lopdf::StringFormat::Literal)))
            }
            _ => {
                let word = self.regular();
                if word.is_empty() {
                    self.i += 1;
                    return Some(Tok::Keyword(vec![c]));
                }
                let text = std::str::from_utf8(&word).unwrap_or("");
                Some(match text {
                    "true" => Tok::Obj(Object::Boolean(true)),
                    "false" => Tok::Obj(Object::Boolean(false)),
                    "null" => Tok::Obj(Object::Null),
                    _ => {
                        if let Ok(i) = text.parse::<i64>() {
                            Tok::Obj(Object::Integer(i))
                        } else if let Ok(f) = text.parse::<f32>() {
                            Tok::Obj(Object::Real(f))
                        } else {
                            Tok::Keyword(word)
                        }
                    }
                })
            }
        }
    }
}
