//! A structural walk over the bytes of a DICOM file, before any parser
//! allocates from them: the preamble and `DICM`, the file meta group, then
//! every element of the dataset (into sequences and items, at any depth),
//! checking that each defined length fits in the bytes that hold it. It
//! finds where the pixel data is (native bytes, or the fragments of
//! encapsulated data), so that pixels are read from the file's own bytes,
//! never copied by the parser, and the dataset handed to `dicom-object`
//! ends where the pixel data begins.

use imageio_core::{Error, Result};

/// The magic bytes after the 128-byte preamble.
pub const DICM: &[u8] = b"DICM";

/// The deepest nesting of sequences walked (real files nest a few levels).
const MAX_DEPTH: u32 = 64;

/// An undefined length.
const UNDEFINED: u32 = 0xFFFF_FFFF;

/// Which pixel data element a dataset holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelKind {
    /// Pixel Data (7FE0,0010): integer samples.
    Int,
    /// Float Pixel Data (7FE0,0008): f32 samples.
    Float32,
    /// Double Float Pixel Data (7FE0,0009): f64 samples.
    Float64,
}

/// Where the pixel data is, as byte ranges of the dataset.
#[derive(Clone, Debug)]
pub enum PixelData {
    /// Native (uncompressed) samples: `start..start + len`.
    Native {
        /// The first byte of the value.
        start: usize,
        /// The value's length.
        len: usize,
        /// Explicit VR OW (8-bit samples in a big-endian file then come
        /// byte-swapped in 16-bit words).
        ow: bool,
    },
    /// Encapsulated data: the basic offset table and the fragments, each as
    /// `(start, len)`.
    Encapsulated {
        /// The basic offset table (the first item).
        table: (usize, usize),
        /// The fragments (the items after it).
        fragments: Vec<(usize, usize)>,
    },
}

/// What the walk found in a dataset.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Where the top-level pixel data element begins (or the dataset's
    /// end): the dataset parsed for attributes is the bytes before it.
    pub header_end: usize,
    /// The pixel data, when the dataset has some.
    pub pixels: Option<(PixelKind, PixelData)>,
}

/// Where the file meta group begins: after `DICM` at byte 128 (the
/// standard), or at byte 4 when a file starts with `DICM` (no preamble).
pub fn meta_start(bytes: &[u8]) -> Result<usize> {
    if bytes.get(128..132) == Some(DICM) {
        Ok(132)
    } else if bytes.starts_with(DICM) {
        Ok(4)
    } else {
        Err(Error::decode(
            "DICOM: no DICM marker at byte 128 (or 0): not a DICOM Part 10 file",
        ))
    }
}

/// Where the file meta group (group 0002, explicit VR little endian) ends.
pub fn meta_end(bytes: &[u8], start: usize) -> Result<usize> {
    let w = Walker::new(bytes, true);
    let mut pos = start;
    loop {
        let Some(group) = w.u16(pos) else {
            return Ok(pos);
        };
        if group != 0x0002 {
            return Ok(pos);
        }
        let (len, header) = w.explicit_length(pos, bytes.len())?;
        if len == UNDEFINED {
            return Err(Error::decode(
                "DICOM: an element of the file meta group has an undefined length",
            ));
        }
        pos = w.value_end(pos + header, len, bytes.len())?;
    }
}

/// Walks a dataset encoded with explicit or implicit VR, little or big
/// endian: every length is checked against the bytes, and the top-level
/// pixel data is located.
pub fn walk(data: &[u8], explicit: bool, little: bool) -> Result<Layout> {
    let mut w = Walker::new(data, little);
    let header_end = w.elements(0, data.len(), 0, false, explicit)?;
    Ok(Layout {
        header_end,
        pixels: w.pixels,
    })
}

/// The state of one walk.
struct Walker<'a> {
    data: &'a [u8],
    little: bool,
    pixels: Option<(PixelKind, PixelData)>,
    /// Where the last encapsulated pixel data ended.
    after: usize,
}

fn truncated() -> Error {
    Error::decode("DICOM: the file is truncated (an element is longer than the bytes left)")
}

impl<'a> Walker<'a> {
    fn new(data: &'a [u8], little: bool) -> Self {
        Walker {
            data,
            little,
            pixels: None,
            after: 0,
        }
    }

    fn u16(&self, pos: usize) -> Option<u16> {
        let b: [u8; 2] = self.data.get(pos..pos.checked_add(2)?)?.try_into().ok()?;
        Some(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&self, pos: usize) -> Option<u32> {
        let b: [u8; 4] = self.data.get(pos..pos.checked_add(4)?)?.try_into().ok()?;
        Some(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    /// The (group, element) of the tag at `pos`, when 8 header bytes fit
    /// before `end`.
    fn tag(&self, pos: usize, end: usize) -> Result<(u16, u16)> {
        if pos.checked_add(8).is_none_or(|e| e > end) {
            return Err(truncated());
        }
        Ok((
            self.u16(pos).ok_or_else(truncated)?,
            self.u16(pos + 2).ok_or_else(truncated)?,
        ))
    }

    /// The value length and header size of an explicit-VR element at `pos`.
    fn explicit_length(&self, pos: usize, end: usize) -> Result<(u32, usize)> {
        let vr = self.data.get(pos + 4..pos + 6).ok_or_else(truncated)?;
        if long_vr(vr) {
            if pos + 12 > end {
                return Err(truncated());
            }
            Ok((self.u32(pos + 8).ok_or_else(truncated)?, 12))
        } else {
            if pos + 8 > end {
                return Err(truncated());
            }
            Ok((u32::from(self.u16(pos + 6).ok_or_else(truncated)?), 8))
        }
    }

    /// The end of a value of defined length `len` starting at `start`.
    fn value_end(&self, start: usize, len: u32, end: usize) -> Result<usize> {
        start
            .checked_add(len as usize)
            .filter(|&e| e <= end)
            .ok_or_else(truncated)
    }

    /// True when the bytes at `pos` are an item tag (FFFE,E000).
    fn is_item(&self, pos: usize) -> bool {
        self.u16(pos) == Some(0xFFFE) && self.u16(pos + 2) == Some(0xE000)
    }

    /// Walks elements from `pos` to `end` (or, `in_item` with an undefined
    /// length, to the item delimiter); returns where the walk stopped: the
    /// end, after the delimiter, or at the top-level pixel data.
    fn elements(
        &mut self,
        mut pos: usize,
        end: usize,
        depth: u32,
        in_item: bool,
        explicit: bool,
    ) -> Result<usize> {
        let top = depth == 0;
        loop {
            if pos >= end {
                if in_item {
                    return Err(Error::decode(
                        "DICOM: an item of undefined length has no delimiter",
                    ));
                }
                return Ok(end);
            }
            // Trailing bytes too short for an element: padding, as other
            // readers treat it.
            if top && end - pos < 8 {
                return Ok(end);
            }
            let (group, element) = self.tag(pos, end)?;
            if group == 0xFFFE {
                if element == 0xE00D && in_item {
                    return Ok(pos + 8);
                }
                return Err(Error::decode(format!(
                    "DICOM: an unexpected delimiter (FFFE,{element:04X}) among the elements"
                )));
            }
            let pixel_kind = match (top, group, element) {
                (true, 0x7FE0, 0x0010) => Some(PixelKind::Int),
                (true, 0x7FE0, 0x0008) => Some(PixelKind::Float32),
                (true, 0x7FE0, 0x0009) => Some(PixelKind::Float64),
                _ => None,
            };
            let (len, header, vr) = if explicit {
                let (len, header) = self.explicit_length(pos, end)?;
                let vr: [u8; 2] = self.data[pos + 4..pos + 6].try_into().unwrap_or([0; 2]);
                (len, header, Some(vr))
            } else {
                (self.u32(pos + 4).ok_or_else(truncated)?, 8, None)
            };
            let start = pos + header;
            if let Some(kind) = pixel_kind {
                let pixels = if len == UNDEFINED {
                    self.encapsulated(start, end)?
                } else {
                    let value_end = self.value_end(start, len, end)?;
                    PixelData::Native {
                        start,
                        len: value_end - start,
                        ow: vr == Some(*b"OW"),
                    }
                };
                self.pixels = Some((kind, pixels));
                return Ok(pos);
            }
            if len == UNDEFINED && (group, element) == (0x7FE0, 0x0010) {
                // Encapsulated pixel data inside a sequence (an icon).
                let before = self.pixels.take();
                self.encapsulated(start, end)?;
                pos = self.after;
                self.pixels = before;
            } else if len == UNDEFINED {
                // A sequence, whatever the VR says (as dicom-parser reads
                // it, in the same encoding).
                pos = self.items(start, end, depth + 1, false, explicit)?;
            } else {
                let value_end = self.value_end(start, len, end)?;
                let is_sequence = match vr {
                    Some(vr) => &vr == b"SQ",
                    None => len >= 8 && self.is_item(start),
                };
                if is_sequence {
                    self.items(start, value_end, depth + 1, true, explicit)?;
                }
                pos = value_end;
            }
        }
    }

    /// Walks the items of a sequence from `pos`: to `end` for a defined
    /// length, else to the sequence delimiter. Returns the position after it.
    fn items(
        &mut self,
        mut pos: usize,
        end: usize,
        depth: u32,
        defined: bool,
        explicit: bool,
    ) -> Result<usize> {
        if depth > MAX_DEPTH {
            return Err(Error::decode(format!(
                "DICOM: sequences nested deeper than {MAX_DEPTH} levels"
            )));
        }
        loop {
            if defined && pos == end {
                return Ok(pos);
            }
            let (group, element) = self.tag(pos, end)?;
            let len = self.u32(pos + 4).ok_or_else(truncated)?;
            match (group, element) {
                (0xFFFE, 0xE0DD) => return Ok(pos + 8),
                (0xFFFE, 0xE000) if len == UNDEFINED => {
                    pos = self.elements(pos + 8, end, depth, true, explicit)?;
                }
                (0xFFFE, 0xE000) => {
                    let item_end = self.value_end(pos + 8, len, end)?;
                    self.elements(pos + 8, item_end, depth, false, explicit)?;
                    pos = item_end;
                }
                _ => {
                    return Err(Error::decode(format!(
                        "DICOM: a sequence holds ({group:04X},{element:04X}), not an item"
                    )))
                }
            }
        }
    }

    /// The items of encapsulated pixel data from `pos`: the basic offset
    /// table, then the fragments, to the sequence delimiter (or the end of
    /// the bytes, which some writers leave out).
    fn encapsulated(&mut self, mut pos: usize, end: usize) -> Result<PixelData> {
        let mut table = None;
        let mut fragments = Vec::new();
        loop {
            if pos == end {
                break;
            }
            let (group, element) = self.tag(pos, end)?;
            let len = self.u32(pos + 4).ok_or_else(truncated)?;
            match (group, element) {
                (0xFFFE, 0xE0DD) => {
                    pos += 8;
                    break;
                }
                (0xFFFE, 0xE000) if len != UNDEFINED => {
                    let item_end = self.value_end(pos + 8, len, end)?;
                    let range = (pos + 8, len as usize);
                    if table.is_none() {
                        table = Some(range);
                    } else {
                        fragments.push(range);
                    }
                    pos = item_end;
                }
                _ => {
                    return Err(Error::decode(format!(
                        "DICOM: encapsulated pixel data holds ({group:04X},{element:04X}), \
                         not a fragment"
                    )))
                }
            }
        }
        self.after = pos;
        let table = table.ok_or_else(|| {
            Error::decode("DICOM: encapsulated pixel data without its basic offset table")
        })?;
        Ok(PixelData::Encapsulated { table, fragments })
    }
}

/// True for the VRs whose explicit length is 4 bytes (after 2 reserved):
/// every VR but the short ones, unknown VR bytes included (read as UN), as
/// `dicom-parser` reads them, so that the walk and the parser agree on
/// every length.
fn long_vr(vr: &[u8]) -> bool {
    use dicom_core::VR;
    let vr = <[u8; 2]>::try_from(vr)
        .ok()
        .and_then(VR::from_binary)
        .unwrap_or(VR::UN);
    !matches!(
        vr,
        VR::AE
            | VR::AS
            | VR::AT
            | VR::CS
            | VR::DA
            | VR::DS
            | VR::DT
            | VR::FL
            | VR::FD
            | VR::IS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::SL
            | VR::SS
            | VR::ST
            | VR::TM
            | VR::UI
            | VR::UL
            | VR::US
    )
}
