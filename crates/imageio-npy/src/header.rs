//! The NPY header: the magic, the version, and the Python dict literal
//! (`{'descr': '<u2', 'fortran_order': False, 'shape': (20, 30), }`) parsed by
//! hand, so that the dtype and the size are known, and checked against the
//! limits, before anything large is allocated.

use imageio_core::{DType, Error, Result};

/// The NPY magic string.
pub(crate) const MAGIC: &[u8] = b"\x93NUMPY";

/// The longest header accepted. numpy itself refuses headers over 10 000
/// bytes unless told otherwise; this is generous and still bounded.
const MAX_HEADER_LEN: usize = 1 << 20;

/// How deep literals may nest (structured dtypes nest a little; nothing
/// legitimate nests deeper).
const MAX_DEPTH: usize = 16;

/// The element type as stored in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stored {
    /// One of the ten dtypes, read as is.
    Plain(DType),
    /// numpy `bool` (`|b1`), read as `uint8` 0/1.
    Bool,
    /// numpy `float16` (`<f2`), widened to `float32`.
    F16,
}

impl Stored {
    /// Bytes per stored element.
    pub(crate) fn size(self) -> usize {
        match self {
            Stored::Plain(d) => d.size(),
            Stored::Bool => 1,
            Stored::F16 => 2,
        }
    }
    /// The dtype of the array a read returns.
    pub(crate) fn dtype(self) -> DType {
        match self {
            Stored::Plain(d) => d,
            Stored::Bool => DType::U8,
            Stored::F16 => DType::F32,
        }
    }
    /// The numpy name of the stored type (`"bool"`, `"float16"`, `"uint16"`).
    pub(crate) fn numpy_name(self) -> &'static str {
        match self {
            Stored::Plain(d) => d.name(),
            Stored::Bool => "bool",
            Stored::F16 => "float16",
        }
    }
}

/// A parsed NPY header.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Header {
    /// The format version, `(major, minor)`.
    pub(crate) version: (u8, u8),
    /// The `descr` string as written (`"<u2"`).
    pub(crate) descr: String,
    /// The stored element type.
    pub(crate) stored: Stored,
    /// True when the stored elements are big-endian.
    pub(crate) big_endian: bool,
    /// True when the data is in Fortran (column-major) order.
    pub(crate) fortran_order: bool,
    /// The shape, outermost axis first.
    pub(crate) shape: Vec<usize>,
    /// Where the data starts, from the start of the file.
    pub(crate) data_offset: usize,
}

impl Header {
    /// The number of elements (checked: an overflow is a limit error).
    pub(crate) fn len(&self) -> Result<usize> {
        self.shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| {
                Error::limit(format!(
                    "the header claims shape {:?}, more elements than this machine can address",
                    self.shape
                ))
            })
    }

    /// The number of data bytes the header promises.
    pub(crate) fn data_len(&self) -> Result<usize> {
        self.len()?.checked_mul(self.stored.size()).ok_or_else(|| {
            Error::limit(format!(
                "the header claims shape {:?}, more bytes than this machine can address",
                self.shape
            ))
        })
    }

    /// True when the stored byte order differs from this machine's.
    pub(crate) fn needs_swap(&self) -> bool {
        self.stored.size() > 1 && self.big_endian != cfg!(target_endian = "big")
    }
}

/// How many bytes the header occupies, read from its first bytes (the magic,
/// the version and the length field): `Ok(None)` when `bytes` is too short to
/// tell yet.
pub(crate) fn header_len(bytes: &[u8]) -> Result<Option<usize>> {
    if bytes.len() < 8 {
        if !MAGIC.starts_with(&bytes[..bytes.len().min(MAGIC.len())]) {
            return Err(Error::decode(
                "not an NPY file: the \\x93NUMPY magic is missing",
            ));
        }
        return Ok(None);
    }
    if &bytes[..6] != MAGIC {
        return Err(Error::decode(
            "not an NPY file: the \\x93NUMPY magic is missing",
        ));
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (field, start) = match major {
        1 => (2, 10),
        2 | 3 => (4, 12),
        _ => {
            return Err(Error::decode(format!(
                "NPY format version {major}.{minor} is not supported (only 1.0, 2.0 and 3.0 \
                 exist); the file is damaged or from a future numpy"
            )))
        }
    };
    if bytes.len() < start {
        return Ok(None);
    }
    let n = if field == 2 {
        u16::from_le_bytes([bytes[8], bytes[9]]) as usize
    } else {
        u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize
    };
    if n > MAX_HEADER_LEN {
        return Err(Error::limit(format!(
            "the NPY header claims {n} bytes, beyond the {MAX_HEADER_LEN} accepted; the file is \
             damaged or hostile"
        )));
    }
    Ok(Some(start + n))
}

/// Parses the header at the start of `bytes` (which must hold all of it).
pub(crate) fn parse(bytes: &[u8]) -> Result<Header> {
    let total = match header_len(bytes)? {
        Some(t) if t <= bytes.len() => t,
        _ => {
            return Err(Error::decode(
                "the NPY header is truncated: the file ends before the header does",
            ))
        }
    };
    let version = (bytes[6], bytes[7]);
    let start = if version.0 == 1 { 10 } else { 12 };
    let raw = &bytes[start..total];
    let text: String = if version.0 == 3 {
        std::str::from_utf8(raw)
            .map_err(|_| Error::decode("the NPY 3.0 header is not valid UTF-8"))?
            .to_owned()
    } else {
        // Versions 1 and 2 are latin-1: every byte is one character.
        raw.iter().map(|&b| b as char).collect()
    };
    let dict = match Parser::new(&text).document()? {
        Lit::Dict(d) => d,
        _ => return Err(Error::decode("the NPY header is not a Python dict")),
    };
    let get = |key: &str| {
        dict.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .ok_or_else(|| Error::decode(format!("the NPY header has no {key:?} entry")))
    };
    let descr = match get("descr")? {
        Lit::Str(s) => s.clone(),
        Lit::List(_) => {
            return Err(Error::unsupported(
                "structured (record) dtypes are not images: save each field as its own array",
            ))
        }
        _ => return Err(Error::decode("the NPY header's 'descr' is not a string")),
    };
    let (stored, big_endian) = parse_descr(&descr)?;
    let fortran_order = match get("fortran_order")? {
        Lit::Bool(b) => *b,
        _ => {
            return Err(Error::decode(
                "the NPY header's 'fortran_order' is not True or False",
            ))
        }
    };
    let shape = match get("shape")? {
        Lit::Tuple(items) | Lit::List(items) => items
            .iter()
            .map(|i| match i {
                Lit::Int(n) => usize::try_from(*n)
                    .map_err(|_| Error::limit(format!("the NPY header claims a dimension of {n}"))),
                _ => Err(Error::decode(
                    "the NPY header's 'shape' holds something else than integers",
                )),
            })
            .collect::<Result<Vec<usize>>>()?,
        _ => return Err(Error::decode("the NPY header's 'shape' is not a tuple")),
    };
    Ok(Header {
        version,
        descr,
        stored,
        big_endian,
        fortran_order,
        shape,
        data_offset: total,
    })
}

/// Maps a numpy type string (`<u2`, `|b1`, `>f8`) to the stored type and its
/// byte order.
fn parse_descr(descr: &str) -> Result<(Stored, bool)> {
    let (order, code) = match descr.chars().next() {
        Some(c @ ('<' | '>' | '|' | '=')) => (c, &descr[1..]),
        _ => ('=', descr),
    };
    let big_endian = match order {
        '>' => true,
        '<' => false,
        _ => cfg!(target_endian = "big"),
    };
    let kind = code.chars().next().unwrap_or(' ');
    let size: Option<usize> = code.get(1..).and_then(|s| s.parse().ok());
    let stored =
        match (kind, size) {
            ('b', Some(1)) | ('?', _) => Stored::Bool,
            ('u', Some(1)) | ('B', _) => Stored::Plain(DType::U8),
            ('u', Some(2)) => Stored::Plain(DType::U16),
            ('u', Some(4)) => Stored::Plain(DType::U32),
            ('u', Some(8)) => Stored::Plain(DType::U64),
            ('i', Some(1)) | ('b', _) => Stored::Plain(DType::I8),
            ('i', Some(2)) => Stored::Plain(DType::I16),
            ('i', Some(4)) => Stored::Plain(DType::I32),
            ('i', Some(8)) => Stored::Plain(DType::I64),
            ('f', Some(2)) | ('e', _) => Stored::F16,
            ('f', Some(4)) => Stored::Plain(DType::F32),
            ('f', Some(8)) => Stored::Plain(DType::F64),
            ('O', _) => return Err(Error::unsupported(
                "object arrays hold pickled Python objects, which are never loaded (as numpy's \
                 allow_pickle=False): save a numeric array instead",
            )),
            ('c', _) => {
                return Err(Error::unsupported(format!(
                    "complex dtype {descr:?} is not an image dtype: save the real and imaginary \
                 parts (or the magnitude) as separate arrays"
                )))
            }
            ('f', Some(_)) => {
                return Err(Error::unsupported(format!(
                    "float dtype {descr:?} is not supported: only float16, float32 and float64"
                )))
            }
            ('S' | 'U' | 'a' | 'V' | 'M' | 'm', _) => {
                return Err(Error::unsupported(format!(
                    "dtype {descr:?} (strings, raw bytes or dates) is not an image dtype"
                )))
            }
            _ => return Err(Error::decode(format!("unknown NPY dtype {descr:?}"))),
        };
    Ok((stored, big_endian))
}

/// Builds a version 1.0 header (or 2.0 when it would not fit) for `descr`
/// and `shape`, padded so that the data starts on a 64-byte boundary.
#[cfg(test)]
pub(crate) fn build(descr: &str, fortran_order: bool, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let order = if fortran_order { "True" } else { "False" };
    wrap_dict(format!(
        "{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}"
    ))
}

/// Wraps a header dict in the magic, version and length fields, padded.
#[cfg(test)]
pub(crate) fn wrap_dict(mut dict: String) -> Vec<u8> {
    let v1 = dict.len() + 11 < 65536;
    let prefix = if v1 { 10 } else { 12 };
    while !(prefix + dict.len() + 1).is_multiple_of(64) {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = MAGIC.to_vec();
    if v1 {
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&[2, 0]);
        out.extend_from_slice(&(dict.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out
}

/// A Python literal, as far as NPY headers use them.
#[derive(Debug)]
enum Lit {
    Str(String),
    Int(i128),
    Bool(bool),
    None,
    Tuple(Vec<Lit>),
    List(Vec<Lit>),
    Dict(Vec<(String, Lit)>),
}

/// A recursive-descent parser of Python literals, bounded in depth.
struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            s: text.as_bytes(),
            pos: 0,
        }
    }

    fn err(&self, what: &str) -> Error {
        Error::decode(format!(
            "the NPY header is malformed: {what} at byte {}",
            self.pos
        ))
    }

    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.pos).copied()
    }

    fn document(&mut self) -> Result<Lit> {
        let v = self.value(0)?;
        if self.peek().is_some() {
            return Err(self.err("unexpected text after the dict"));
        }
        Ok(v)
    }

    fn value(&mut self, depth: usize) -> Result<Lit> {
        if depth > MAX_DEPTH {
            return Err(self.err("literals nested too deeply"));
        }
        match self.peek() {
            Some(b'{') => self.dict(depth),
            Some(b'(') => self.sequence(b')', depth).map(Lit::Tuple),
            Some(b'[') => self.sequence(b']', depth).map(Lit::List),
            Some(q @ (b'\'' | b'"')) => self.string(q).map(Lit::Str),
            Some(b'-' | b'0'..=b'9') => self.int(),
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.pos;
                while self.pos < self.s.len() && self.s[self.pos].is_ascii_alphanumeric() {
                    self.pos += 1;
                }
                match &self.s[start..self.pos] {
                    b"True" => Ok(Lit::Bool(true)),
                    b"False" => Ok(Lit::Bool(false)),
                    b"None" => Ok(Lit::None),
                    _ => Err(self.err("unknown name")),
                }
            }
            Some(_) => Err(self.err("unexpected character")),
            None => Err(self.err("unexpected end")),
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Lit> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Lit::Dict(out));
                }
                Some(q @ (b'\'' | b'"')) => {
                    let k = self.string(q)?;
                    if self.peek() != Some(b':') {
                        return Err(self.err("expected ':'"));
                    }
                    self.pos += 1;
                    let v = self.value(depth + 1)?;
                    out.push((k, v));
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {}
                        _ => return Err(self.err("expected ',' or '}'")),
                    }
                }
                _ => return Err(self.err("expected a string key")),
            }
        }
    }

    fn sequence(&mut self, close: u8, depth: usize) -> Result<Vec<Lit>> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(out);
            }
            out.push(self.value(depth + 1)?);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {}
                _ => return Err(self.err("expected ',' or a closing bracket")),
            }
        }
    }

    fn string(&mut self, quote: u8) -> Result<String> {
        self.pos += 1;
        let start = self.pos;
        while self.pos < self.s.len() && self.s[self.pos] != quote {
            if self.s[self.pos] == b'\\' {
                self.pos += 1;
            }
            self.pos += 1;
        }
        if self.pos >= self.s.len() {
            return Err(self.err("unterminated string"));
        }
        let text = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
        self.pos += 1;
        Ok(text)
    }

    fn int(&mut self) -> Result<Lit> {
        let start = self.pos;
        if self.s[self.pos] == b'-' {
            self.pos += 1;
        }
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
        // Python 2 headers may write longs as `3L`.
        let text = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
        if self.pos < self.s.len() && matches!(self.s[self.pos], b'L' | b'l') {
            self.pos += 1;
        }
        let n: i128 = text.parse().map_err(|_| {
            if text.len() > 30 {
                Error::limit(format!("the NPY header claims a dimension of {text}"))
            } else {
                self.err("bad integer")
            }
        })?;
        if n < 0 {
            return Err(Error::decode(format!(
                "the NPY header claims a negative dimension {n}"
            )));
        }
        Ok(Lit::Int(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imageio_core::ErrorKind;

    #[test]
    fn parses_the_numpy_header() {
        let h = parse(&build("<u2", false, &[20, 30])).unwrap();
        assert_eq!(h.stored, Stored::Plain(DType::U16));
        assert!(!h.big_endian);
        assert!(!h.fortran_order);
        assert_eq!(h.shape, vec![20, 30]);
        assert_eq!(h.data_offset, build("<u2", false, &[20, 30]).len());
        assert_eq!(h.data_offset % 64, 0);
        assert_eq!(h.data_len().unwrap(), 1200);
        let h = parse(&build(">f2", true, &[7])).unwrap();
        assert_eq!(
            (h.stored, h.big_endian, h.fortran_order),
            (Stored::F16, true, true)
        );
        assert_eq!(h.shape, vec![7]);
        let h = parse(&build("|b1", false, &[])).unwrap();
        assert_eq!(
            (h.stored, h.shape.len(), h.len().unwrap()),
            (Stored::Bool, 0, 1)
        );
    }

    #[test]
    fn every_dtype_descr() {
        for (d, s) in [
            ("|u1", DType::U8),
            ("<u2", DType::U16),
            ("<u4", DType::U32),
            ("<u8", DType::U64),
            ("|i1", DType::I8),
            ("<i2", DType::I16),
            ("<i4", DType::I32),
            ("<i8", DType::I64),
            ("<f4", DType::F32),
            ("<f8", DType::F64),
        ] {
            assert_eq!(parse_descr(d).unwrap().0, Stored::Plain(s), "{d}");
        }
    }

    #[test]
    fn refusals_are_clean() {
        let kind = |d: &str| parse(&build(d, false, &[2])).unwrap_err().kind();
        assert_eq!(kind("|O"), ErrorKind::Unsupported);
        assert_eq!(kind("<c16"), ErrorKind::Unsupported);
        assert_eq!(kind("<U5"), ErrorKind::Unsupported);
        assert_eq!(kind("<f16"), ErrorKind::Unsupported);
        assert_eq!(kind("<q9"), ErrorKind::Decode);
        // A dimension beyond u64 is a limit error, an overflowing product too.
        for dim in ["99999999999999999999999999999999999", &"9".repeat(60)] {
            let h = wrap_dict(format!(
                "{{'descr': '|u1', 'fortran_order': False, 'shape': ({dim},), }}"
            ));
            assert_eq!(parse(&h).unwrap_err().kind(), ErrorKind::LimitExceeded);
        }
        let h = wrap_dict("{'descr': '|u1', 'fortran_order': False, 'shape': (-3,), }".into());
        assert_eq!(parse(&h).unwrap_err().kind(), ErrorKind::Decode);
        let h =
            wrap_dict("{'descr': [('x', '<i4')], 'fortran_order': False, 'shape': (3,), }".into());
        assert_eq!(parse(&h).unwrap_err().kind(), ErrorKind::Unsupported);
        let h = parse(&build("<f8", false, &[usize::MAX, 4])).unwrap();
        assert_eq!(h.len().unwrap_err().kind(), ErrorKind::LimitExceeded);
    }

    #[test]
    fn truncated_and_bad_versions() {
        let h = build("<u2", false, &[2, 2]);
        for n in [0, 3, 7, 9, 20, 63] {
            let e = parse(&h[..n]).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Decode, "{n}: {e}");
        }
        let mut v9 = h.clone();
        v9[6] = 9;
        assert!(parse(&v9).unwrap_err().message().contains("version 9.0"));
        let mut garbage = h.clone();
        garbage[12] = b'#';
        assert_eq!(parse(&garbage).unwrap_err().kind(), ErrorKind::Decode);
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(
            Parser::new(&deep).document().unwrap_err().kind(),
            ErrorKind::Decode
        );
    }
}
