//! The walk over a FITS file's header-data units (HDUs): each header's
//! 2880-byte blocks of 80-character cards up to `END`, the cards' values
//! (parsed by `fitsrs`), and the size of each data unit, computed with
//! checked arithmetic from `BITPIX`, `NAXISn`, `PCOUNT` and `GCOUNT` so that
//! a hostile header can neither overflow nor send the walk backwards.

use fitsrs::card::{Card, Value as CardValue};
use std::collections::HashMap;

use imageio_core::{Error, Metadata, Result, Value};

/// The FITS block size: headers and data units are padded to it.
pub const BLOCK: usize = 2880;

/// The length of one header card.
const CARD: usize = 80;

/// The most axes a FITS array may have (the standard's limit).
const MAX_AXES: i64 = 999;

/// The stored sample type (the `BITPIX` value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bitpix {
    /// 8: unsigned bytes.
    U8,
    /// 16: big-endian signed 16-bit integers.
    I16,
    /// 32: big-endian signed 32-bit integers.
    I32,
    /// 64: big-endian signed 64-bit integers.
    I64,
    /// -32: big-endian IEEE single precision.
    F32,
    /// -64: big-endian IEEE double precision.
    F64,
}

impl Bitpix {
    fn from_value(v: i64) -> Option<Bitpix> {
        Some(match v {
            8 => Bitpix::U8,
            16 => Bitpix::I16,
            32 => Bitpix::I32,
            64 => Bitpix::I64,
            -32 => Bitpix::F32,
            -64 => Bitpix::F64,
            _ => return None,
        })
    }

    /// The size of one sample in bytes.
    pub fn size(self) -> usize {
        match self {
            Bitpix::U8 => 1,
            Bitpix::I16 => 2,
            Bitpix::I32 | Bitpix::F32 => 4,
            Bitpix::I64 | Bitpix::F64 => 8,
        }
    }

    /// True for the integer types.
    pub fn is_int(self) -> bool {
        !matches!(self, Bitpix::F32 | Bitpix::F64)
    }
}

/// One header-data unit.
#[derive(Clone, Debug)]
pub struct Hdu {
    /// The HDU's number in the file (0 = primary).
    pub number: usize,
    /// The header's cards, keyword to typed value.
    pub cards: Cards,
    /// The image array, when this HDU holds one with data.
    pub image: Option<ImageHdu>,
}

/// An image array in an HDU (the primary array or an `IMAGE` extension).
#[derive(Clone, Debug)]
pub struct ImageHdu {
    /// The stored sample type.
    pub bitpix: Bitpix,
    /// The shape in C order: `(NAXISn, ..., NAXIS2, NAXIS1)`.
    pub shape: Vec<usize>,
    /// The offset of the data in the file.
    pub offset: usize,
    /// `BSCALE` (1 when absent).
    pub bscale: f64,
    /// `BZERO` (0 when absent).
    pub bzero: f64,
    /// `BLANK` (integer arrays only).
    pub blank: Option<i64>,
}

impl ImageHdu {
    /// The number of samples.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
}

/// Every HDU of a file, as far as its structure could be followed.
#[derive(Debug)]
pub struct Walk {
    /// The HDUs found, in file order.
    pub hdus: Vec<Hdu>,
    /// Why the walk stopped before the end of the file, if it did.
    pub broken: Option<Error>,
}

/// Walks every HDU of `bytes`. The primary header must parse; a broken
/// extension stops the walk and is kept in [`Walk::broken`]. At most
/// `max_hdus` HDUs are walked.
pub fn walk(bytes: &[u8], max_hdus: usize) -> Result<Walk> {
    let mut hdus = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        if hdus.len() >= max_hdus {
            let e = Error::limit(format!("FITS: more than {max_hdus} HDUs"));
            return Ok(Walk {
                hdus,
                broken: Some(e),
            });
        }
        let number = hdus.len();
        match parse_hdu(bytes, at, number) {
            Ok((hdu, next)) => {
                hdus.push(hdu);
                at = next;
            }
            Err(e) if number == 0 => return Err(e),
            // Bytes after the last HDU that do not begin an extension
            // (zero padding, junk) are ignored, as astropy ignores them
            // (with a warning); a broken extension header is an error.
            Err(_) if !bytes[at..].starts_with(b"XTENSION") => break,
            Err(e) => {
                return Ok(Walk {
                    hdus,
                    broken: Some(e),
                })
            }
        }
    }
    Ok(Walk { hdus, broken: None })
}

/// Parses the HDU whose header starts at `at`; returns it and where the
/// next HDU starts (possibly past the end of the file).
fn parse_hdu(bytes: &[u8], at: usize, number: usize) -> Result<(Hdu, usize)> {
    let mut cards = Cards::default();
    let mut xtension: Option<String> = None;
    let mut continued: Option<String> = None;
    let mut pos = at;
    loop {
        let Some(card) = bytes.get(pos..pos + CARD) else {
            return Err(Error::decode(format!(
                "FITS: the header of HDU {number} ends before its END card"
            )));
        };
        let card: &[u8; CARD] = card.try_into().expect("80 bytes");
        pos += CARD;
        let keyword = &card[..8];
        if pos - at == CARD {
            // The first card says what the HDU is.
            let first_ok = if number == 0 {
                keyword == b"SIMPLE  "
            } else {
                keyword == b"XTENSION"
            };
            if !first_ok {
                return Err(Error::decode(format!(
                    "FITS: HDU {number} does not begin with {}",
                    if number == 0 { "SIMPLE" } else { "XTENSION" }
                )));
            }
        }
        if keyword == b"END     " {
            break;
        }
        if keyword == b"XTENSION" {
            let name = quoted(&card[10..]).unwrap_or_default();
            cards.insert("XTENSION", name.as_str());
            xtension = Some(name);
            continue;
        }
        add_card(&mut cards, card, &mut continued);
    }
    // The data unit starts at the next block boundary.
    let header_len = (pos - at).div_ceil(BLOCK) * BLOCK;
    let data = at
        .checked_add(header_len)
        .ok_or_else(|| Error::decode("FITS: offset overflow"))?;
    let int = |key: &str| cards.get(key).and_then(Value::as_int);
    let bitpix_value = int("BITPIX")
        .ok_or_else(|| Error::decode(format!("FITS: HDU {number} has no integer BITPIX")))?;
    let naxis = int("NAXIS")
        .filter(|n| (0..=MAX_AXES).contains(n))
        .ok_or_else(|| {
            Error::decode(format!(
                "FITS: HDU {number} has no NAXIS from 0 to {MAX_AXES}"
            ))
        })?;
    let mut axes = Vec::with_capacity(naxis as usize);
    for i in 1..=naxis {
        let n = int(&format!("NAXIS{i}"))
            .filter(|&n| n >= 0)
            .ok_or_else(|| Error::decode(format!("FITS: HDU {number} has no valid NAXIS{i}")))?;
        axes.push(n as u64);
    }
    let pcount = int("PCOUNT").unwrap_or(0);
    let gcount = int("GCOUNT").unwrap_or(1);
    if pcount < 0 || gcount < 0 {
        return Err(Error::decode(format!(
            "FITS: HDU {number} has a negative PCOUNT or GCOUNT"
        )));
    }
    let groups = number == 0
        && cards.get("GROUPS").and_then(Value::as_bool) == Some(true)
        && axes.first() == Some(&0);
    let bits = bitpix_value.unsigned_abs();
    if !matches!(bits, 8 | 16 | 32 | 64) {
        return Err(Error::decode(format!(
            "FITS: HDU {number} has BITPIX = {bitpix_value}; 8, 16, 32, 64, -32 and -64 are valid"
        )));
    }
    // Size = |BITPIX| / 8 x GCOUNT x (PCOUNT + NAXIS1 x ... x NAXISn), with
    // NAXIS1 (= 0) left out for random groups; no axes, no data.
    let counted = if groups { &axes[1..] } else { &axes[..] };
    let overflow = || Error::decode(format!("FITS: HDU {number}: the data size overflows"));
    let size = if axes.is_empty() {
        0
    } else {
        counted
            .iter()
            .try_fold(1u64, |acc, &n| acc.checked_mul(n))
            .and_then(|p| p.checked_add(pcount as u64))
            .and_then(|p| p.checked_mul(gcount as u64))
            .and_then(|p| p.checked_mul(bits / 8))
            .ok_or_else(overflow)?
    };
    let padded = size.div_ceil(BLOCK as u64).checked_mul(BLOCK as u64);
    let next = padded
        .and_then(|p| (data as u64).checked_add(p))
        .ok_or_else(overflow)?;
    // Past the end of the file ends the walk (the caller's loop stops).
    let next = usize::try_from(next).unwrap_or(usize::MAX);

    let is_image = match &xtension {
        None => !groups,
        Some(x) => x == "IMAGE",
    };
    let image = if is_image && size > 0 {
        let bitpix = Bitpix::from_value(bitpix_value).ok_or_else(|| {
            Error::decode(format!("FITS: HDU {number} has BITPIX = {bitpix_value}"))
        })?;
        let shape = axes
            .iter()
            .rev()
            .map(|&n| usize::try_from(n).map_err(|_| overflow()))
            .collect::<Result<Vec<_>>>()?;
        let float = |key: &str| cards.get(key).and_then(Value::as_float);
        Some(ImageHdu {
            bitpix,
            shape,
            offset: data,
            bscale: float("BSCALE").unwrap_or(1.0),
            bzero: float("BZERO").unwrap_or(0.0),
            blank: if bitpix.is_int() { int("BLANK") } else { None },
        })
    } else {
        None
    };
    Ok((
        Hdu {
            number,
            cards,
            image,
        },
        next,
    ))
}

/// The most header keys kept in the metadata (a header can hold millions
/// of cards; the metadata map is built by linear inserts).
pub const MAX_METADATA_KEYS: usize = 10_000;

/// A header's values by keyword, in card order; a repeated keyword keeps
/// its first position and its last value.
#[derive(Clone, Debug, Default)]
pub struct Cards {
    entries: Vec<(String, Value)>,
    index: HashMap<String, usize>,
}

impl Cards {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.index.get(key).map(|&i| &self.entries[i].1)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.index.get(key).map(|&i| &mut self.entries[i].1)
    }

    fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        match self.index.get(&key) {
            Some(&i) => self.entries[i].1 = value,
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }

    /// The cards as metadata (the first [`MAX_METADATA_KEYS`] keys).
    pub fn to_metadata(&self) -> Metadata {
        self.entries
            .iter()
            .take(MAX_METADATA_KEYS)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// The text between the quotes of a string value (`'IMAGE   '` gives
/// `IMAGE`), `None` if there are no quotes.
fn quoted(field: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(field);
    let start = text.find('\'')?;
    let rest = &text[start + 1..];
    let end = rest.find('\'')?;
    Some(rest[..end].trim().to_owned())
}

/// Adds one card to `cards`: a keyword's value typed (int, float, bool,
/// string), `COMMENT` and `HISTORY` lines gathered into lists, long strings
/// (`&` then `CONTINUE`) joined; a value `fitsrs` cannot parse is kept as
/// its text.
fn add_card(cards: &mut Cards, card: &[u8; CARD], continued: &mut Option<String>) {
    if lone_quote(card) {
        // fitsrs 0.4.1 panics on a value that is a single quote.
        continued.take();
        if let Some(key) = keyword(card) {
            cards.insert(key, raw_value(card));
        }
        return;
    }
    match Card::try_from(card) {
        Ok(Card::Value { name, value }) | Ok(Card::Hierarch { name, value }) => {
            // A HIERARCH keyword's words, joined by spaces as astropy spells
            // it (fitsrs joins them with dots).
            let name = if &card[..8] == b"HIERARCH" {
                hierarch_name(card).unwrap_or(name)
            } else {
                name
            };
            *continued = None;
            if let CardValue::String { value: s, .. } = &value {
                if s.ends_with('&') {
                    *continued = Some(name.clone());
                }
            }
            if let Some(v) = typed(&value) {
                cards.insert(name, v);
            }
        }
        Ok(Card::Continuation { string, .. }) => {
            let Some(name) = continued.clone() else {
                return;
            };
            let Some(Value::Str(s)) = cards.get(&name) else {
                return;
            };
            let mut value = CardValue::String {
                value: s.clone(),
                comment: None,
            };
            // `append` drops the `&` and adds the continuation.
            value.append(&string, &None);
            if let CardValue::String { value: joined, .. } = value {
                if !joined.ends_with('&') {
                    *continued = None;
                }
                cards.insert(name, joined);
            }
        }
        Ok(Card::Comment(text)) => push_line(cards, "COMMENT", text, card),
        Ok(Card::History(text)) => push_line(cards, "HISTORY", text, card),
        Ok(Card::Space) | Ok(Card::End) | Ok(Card::Xtension { .. }) => {}
        Ok(Card::Undefined(_)) => {}
        Err(_) => {
            continued.take();
            if let Some(key) = keyword(card) {
                cards.insert(key, raw_value(card));
            }
        }
    }
}

/// Appends a commentary line; a blank keyword's text goes with `COMMENT`.
fn push_line(cards: &mut Cards, key: &str, text: String, card: &[u8; CARD]) {
    let key = if card[..8].iter().all(|&b| b == b' ') {
        "COMMENT"
    } else {
        key
    };
    match cards.get_mut(key) {
        Some(Value::List(lines)) => lines.push(Value::Str(text)),
        _ => cards.insert(key, Value::List(vec![Value::Str(text)])),
    }
}

/// The words between `HIERARCH` and the first `=`, joined by spaces.
fn hierarch_name(card: &[u8; CARD]) -> Option<String> {
    let eq = card[9..].iter().position(|&b| b == b'=')? + 9;
    let words: Vec<String> = card[8..eq]
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The card's value as metadata; `None` for an undefined (blank) value.
fn typed(value: &CardValue) -> Option<Value> {
    Some(match value {
        CardValue::Integer { value, .. } => Value::Int(*value),
        CardValue::Float { value, .. } => Value::Float(*value),
        CardValue::Logical { value, .. } => Value::Bool(*value),
        CardValue::String { value, .. } => Value::Str(value.clone()),
        CardValue::Invalid(s) => Value::Str(s.trim().to_owned()),
        CardValue::Undefined => return None,
    })
}

/// The card's keyword when it is a printable one followed by `= `.
fn keyword(card: &[u8; CARD]) -> Option<String> {
    if &card[8..10] != b"= " {
        return None;
    }
    let k = card[..8].trim_ascii_end();
    let ok = !k.is_empty() && k.iter().all(|&b| (b'!'..=b'~').contains(&b));
    ok.then(|| String::from_utf8_lossy(k).into_owned())
}

/// The value field of a card fitsrs cannot parse, as text.
fn raw_value(card: &[u8; CARD]) -> String {
    String::from_utf8_lossy(card[10..].trim_ascii()).into_owned()
}

/// True when the field fitsrs would parse as the value is one quote
/// character alone (its string parser slices out of bounds on that).
fn lone_quote(card: &[u8; CARD]) -> bool {
    let field: &[u8] = match &card[..8] {
        // Commentary cards are text whatever follows the keyword.
        b"COMMENT " | b"HISTORY " | b"        " => return false,
        b"CONTINUE" => &card[8..],
        b"HIERARCH" => match card[9..].iter().position(|&b| b == b'=') {
            Some(i) => &card[9 + i + 1..],
            None => return false,
        },
        _ if &card[8..10] == b"= " => &card[10..],
        _ => return false,
    };
    field.trim_ascii() == b"'"
}
