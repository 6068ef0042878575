//! The raw IFD chain ([`Chain`]: walked without reading tag values or
//! pixels) and the [`Overlay`]: a view of the file whose header points to a
//! directory written here, so that the `tiff` crate decodes the chunks of a
//! page as plain min-is-black samples whatever the page's photometric
//! interpretation.
//!
//! The `tiff` crate decodes only the colour types it knows (no palette, no
//! 10/12-bit, CMYK with extra samples dropped, ...). Its chunk decoder itself
//! (decompression, predictor, byte order) does not care about colour. So each
//! page is presented to it through a synthetic directory that keeps the
//! page's compression, predictor, chunk offsets and byte counts (copied
//! verbatim: they still point into the original bytes) and describes the
//! samples as min-is-black; this plugin then applies the photometric
//! interpretation itself. Why this is not done with the `tiff` crate's own
//! directory types is in the crate documentation (lib.rs).

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use imageio_core::plugin::MAX_IMAGES;
use imageio_core::{Error, Result, SharedBytes};
use tiff::tags::{PhotometricInterpretation, Tag, Type};

/// The smallest directory that can be a page: the entry count, one entry
/// (TIFF 6.0: "each IFD must have at least one entry") and the next link.
const MIN_IFD_LEN: u64 = 2 + 12 + 4;
/// The same in BigTIFF (8-byte count, 20-byte entry, 8-byte link).
const MIN_BIG_IFD_LEN: u64 = 8 + 20 + 8;

/// `N` bytes of `d` at `at`; `None` past the end (no overflow on any `at`).
fn bytes_at<const N: usize>(d: &[u8], at: u64) -> Option<[u8; N]> {
    let start = usize::try_from(at).ok()?;
    d.get(start..start.checked_add(N)?)?.try_into().ok()
}

/// Byte order and offset size of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Format {
    pub big_endian: bool,
    pub bigtiff: bool,
}

impl Format {
    /// Reads the header; `None` when the bytes are not TIFF.
    pub fn sniff(data: &[u8]) -> Option<(Format, u64)> {
        let big_endian = match data.get(..2)? {
            b"II" => false,
            b"MM" => true,
            _ => return None,
        };
        let f = Format {
            big_endian,
            bigtiff: false,
        };
        match f.u16(data, 2)? {
            42 => Some((f, f.u32(data, 4)? as u64)),
            43 => {
                if f.u16(data, 4)? != 8 || f.u16(data, 6)? != 0 {
                    return None;
                }
                let f = Format {
                    big_endian,
                    bigtiff: true,
                };
                Some((f, f.u64(data, 8)?))
            }
            _ => None,
        }
    }

    /// The most pages followed in a file of `len` bytes: the core's cap on
    /// the images a reader walks ([`MAX_IMAGES`]), lowered to one smallest
    /// directory per page.
    pub fn max_pages(&self, len: u64) -> usize {
        let min = if self.bigtiff {
            MIN_BIG_IFD_LEN
        } else {
            MIN_IFD_LEN
        };
        usize::try_from(len / min).map_or(MAX_IMAGES, |n| n.min(MAX_IMAGES))
    }

    fn u16(&self, d: &[u8], at: u64) -> Option<u16> {
        let b = bytes_at(d, at)?;
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }
    fn u32(&self, d: &[u8], at: u64) -> Option<u32> {
        let b = bytes_at(d, at)?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }
    fn u64(&self, d: &[u8], at: u64) -> Option<u64> {
        let b = bytes_at(d, at)?;
        Some(if self.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }
    /// A count or offset: 4 bytes in classic TIFF, 8 in BigTIFF.
    fn word(&self, d: &[u8], at: u64) -> Option<u64> {
        if self.bigtiff {
            self.u64(d, at)
        } else {
            self.u32(d, at).map(u64::from)
        }
    }
    fn put16(&self, v: u16) -> [u8; 2] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    fn put32(&self, v: u32) -> [u8; 4] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    fn put64(&self, v: u64) -> [u8; 8] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    /// Bytes of one directory entry.
    fn entry_len(&self) -> u64 {
        if self.bigtiff {
            20
        } else {
            12
        }
    }
    /// Bytes of a directory's entry count (and of its next link).
    fn word_len(&self) -> u64 {
        if self.bigtiff {
            8
        } else {
            4
        }
    }
    /// The header of a file of this format whose first IFD is at `first`.
    fn header(&self, first: u64) -> Vec<u8> {
        let mut h = Vec::with_capacity(16);
        h.extend_from_slice(if self.big_endian { b"MM" } else { b"II" });
        if self.bigtiff {
            h.extend_from_slice(&self.put16(43));
            h.extend_from_slice(&self.put16(8));
            h.extend_from_slice(&self.put16(0));
            h.extend_from_slice(&self.put64(first));
        } else {
            h.extend_from_slice(&self.put16(42));
            h.extend_from_slice(&self.put32(first as u32));
        }
        h
    }
}

/// One raw directory entry: tag, field type (kept as stored: entries of
/// types unknown to the `tiff` crate are copied too), count and the value
/// field as stored (4 or 8 bytes, in the file's byte order; an offset when
/// the value does not fit).
#[derive(Clone, Debug)]
pub(crate) struct RawEntry {
    pub tag: Tag,
    pub typ: u16,
    pub count: u64,
    pub field: [u8; 8],
}

/// Where a directory lies: its number of entries, where the first starts
/// and where its next link is.
struct Span {
    entries: u64,
    first: u64,
    link: u64,
}

/// The extent of the directory at `offset`, checked to lie in `data`
/// before anything is allocated for it.
fn span(data: &[u8], f: Format, offset: u64) -> Result<Span> {
    let bad = || {
        Error::decode(format!(
            "TIFF: the directory at offset {offset} is truncated"
        ))
    };
    let entries = if f.bigtiff {
        f.u64(data, offset)
    } else {
        f.u16(data, offset).map(u64::from)
    }
    .ok_or_else(bad)?;
    let first = offset.checked_add(if f.bigtiff { 8 } else { 2 });
    let link = entries
        .checked_mul(f.entry_len())
        .zip(first)
        .and_then(|(len, first)| first.checked_add(len))
        .filter(|&l| l.saturating_add(f.word_len()) <= data.len() as u64)
        .ok_or_else(bad)?;
    Ok(Span {
        entries,
        first: first.ok_or_else(bad)?,
        link,
    })
}

/// The entry at `at` (inside a [`span`]).
fn entry(data: &[u8], f: Format, at: u64) -> Option<RawEntry> {
    let mut field = [0u8; 8];
    let count = if f.bigtiff {
        field = bytes_at(data, at.checked_add(12)?)?;
        f.u64(data, at.checked_add(4)?)?
    } else {
        field[..4].copy_from_slice(&bytes_at::<4>(data, at.checked_add(8)?)?);
        f.u32(data, at.checked_add(4)?)? as u64
    };
    Some(RawEntry {
        tag: Tag::from_u16_exhaustive(f.u16(data, at)?),
        typ: f.u16(data, at.checked_add(2)?)?,
        count,
        field,
    })
}

/// Reads the entries of the directory at `offset` and the offset of the next one.
pub(crate) fn read_entries(
    data: &[u8],
    f: Format,
    offset: u64,
) -> Result<(Vec<RawEntry>, Option<u64>)> {
    let s = span(data, f, offset)?;
    // The span lies in `data`: every entry is there, and so are their count.
    let entries = (0..s.entries)
        .map(|i| entry(data, f, s.first + i * f.entry_len()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Error::internal("TIFF: an entry outside its checked directory"))?;
    Ok((entries, f.word(data, s.link).filter(|&o| o != 0)))
}

/// The page directories of a file, found by following the chain from the
/// header lazily, one link at a time, without reading any entry. A broken
/// first directory is an error; after it, a loop, a directory outside the
/// file, an empty directory or more directories than the file can hold ends
/// the chain (as libtiff and tifffile do, the pages before stay readable).
pub(crate) struct Chain {
    f: Format,
    pages: Vec<u64>,
    seen: HashSet<u64>,
    next: Option<u64>,
    cap: usize,
}

impl Chain {
    /// The chain of a file of `len` bytes whose first directory is at `first`.
    pub fn new(f: Format, len: u64, first: u64) -> Chain {
        Chain {
            f,
            pages: Vec::new(),
            seen: HashSet::new(),
            next: Some(first).filter(|&o| o != 0),
            cap: f.max_pages(len),
        }
    }

    /// The number of pages found so far (all of them after [`Chain::count`]).
    pub fn found(&self) -> usize {
        self.pages.len()
    }

    /// The directory offset of page `index`, walking only as far as needed;
    /// `None` when the chain ends before it.
    pub fn get(&mut self, data: &[u8], index: usize) -> Result<Option<u64>> {
        while self.pages.len() <= index {
            if !self.step(data)? {
                return Ok(None);
            }
        }
        Ok(Some(self.pages[index]))
    }

    /// Walks to the end: the number of pages (at least one).
    pub fn count(&mut self, data: &[u8]) -> Result<usize> {
        while self.step(data)? {}
        if self.pages.is_empty() {
            return Err(Error::decode("TIFF: the file has no image directory"));
        }
        Ok(self.pages.len())
    }

    /// Follows one link; `false` when the chain has ended.
    fn step(&mut self, data: &[u8]) -> Result<bool> {
        let Some(off) = self.next else {
            return Ok(false);
        };
        if self.pages.len() >= MAX_IMAGES {
            return Err(Error::limit(format!("TIFF: more than {MAX_IMAGES} pages")));
        }
        match self.link_of(data, off) {
            Ok(next) => {
                self.seen.insert(off);
                self.pages.push(off);
                self.next = next;
                Ok(true)
            }
            Err(e) if self.pages.is_empty() => Err(e),
            Err(_) => {
                self.next = None;
                Ok(false)
            }
        }
    }

    /// The next link of the directory at `off`, or why it is not a page.
    fn link_of(&self, data: &[u8], off: u64) -> Result<Option<u64>> {
        if self.seen.contains(&off) {
            return Err(Error::decode(format!(
                "TIFF: the directory chain loops back to offset {off}"
            )));
        }
        if self.pages.len() >= self.cap {
            return Err(Error::decode(format!(
                "TIFF: more directories than a file of {} bytes can hold",
                data.len()
            )));
        }
        let s = span(data, self.f, off)?;
        if s.entries == 0 {
            return Err(Error::decode(format!(
                "TIFF: the directory at offset {off} has no entries"
            )));
        }
        Ok(self.f.word(data, s.link).filter(|&o| o != 0))
    }
}

/// A directory under construction, serialised in a file's format.
pub(crate) struct DirBuilder {
    f: Format,
    /// By tag number: sorted as TIFF wants, one entry per tag.
    entries: BTreeMap<u16, RawEntry>,
}

impl DirBuilder {
    pub fn new(f: Format) -> Self {
        DirBuilder {
            f,
            entries: BTreeMap::new(),
        }
    }
    /// Adds an entry copied from the original file (replacing one of its tag).
    pub fn raw(&mut self, e: RawEntry) {
        self.entries.insert(e.tag.to_u16(), e);
    }
    /// Adds a one-value SHORT entry.
    pub fn short(&mut self, tag: Tag, v: u16) {
        let mut field = [0u8; 8];
        field[..2].copy_from_slice(&self.f.put16(v));
        self.one(tag, Type::SHORT, field);
    }
    /// Adds a one-value LONG entry.
    pub fn long(&mut self, tag: Tag, v: u32) {
        let mut field = [0u8; 8];
        field[..4].copy_from_slice(&self.f.put32(v));
        self.one(tag, Type::LONG, field);
    }
    fn one(&mut self, tag: Tag, typ: Type, field: [u8; 8]) {
        self.raw(RawEntry {
            tag,
            typ: typ.to_u16(),
            count: 1,
            field,
        });
    }
    /// The serialised directory (next offset 0).
    fn bytes(self) -> Vec<u8> {
        let f = self.f;
        let mut out = Vec::new();
        if f.bigtiff {
            out.extend_from_slice(&f.put64(self.entries.len() as u64));
        } else {
            out.extend_from_slice(&f.put16(self.entries.len() as u16));
        }
        for (tag, e) in &self.entries {
            out.extend_from_slice(&f.put16(*tag));
            out.extend_from_slice(&f.put16(e.typ));
            if f.bigtiff {
                out.extend_from_slice(&f.put64(e.count));
                out.extend_from_slice(&e.field);
            } else {
                out.extend_from_slice(&f.put32(e.count as u32));
                out.extend_from_slice(&e.field[..4]);
            }
        }
        out.extend_from_slice(if f.bigtiff { &[0u8; 8][..] } else { &[0u8; 4] });
        out
    }
}

/// Records which byte ranges of the original data a reader touched (tests).
pub(crate) type AccessLog = Arc<Mutex<Vec<(u64, u64)>>>;

/// The original bytes with the header replaced and one synthetic directory
/// appended after the end, as one `Read + Seek` stream.
pub(crate) struct Overlay {
    data: SharedBytes,
    head: Vec<u8>,
    tail: Vec<u8>,
    tail_at: u64,
    pos: u64,
    log: Option<AccessLog>,
}

impl Overlay {
    /// A stream whose only main directory is `dir`.
    pub fn new(data: SharedBytes, dir: DirBuilder, log: Option<AccessLog>) -> Overlay {
        let tail_at = (data.len() as u64).div_ceil(8) * 8 + 8;
        let head = dir.f.header(tail_at);
        let tail = dir.bytes();
        Overlay {
            data,
            head,
            tail,
            tail_at,
            pos: 0,
            log,
        }
    }

    /// A stream whose main directory is a valid 1x1 image, for reading the
    /// tags of the real directories through the `tiff` crate.
    pub fn bootstrap(data: SharedBytes, f: Format) -> Overlay {
        let mut d = DirBuilder::new(f);
        d.long(Tag::ImageWidth, 1);
        d.long(Tag::ImageLength, 1);
        d.short(Tag::BitsPerSample, 8);
        d.short(
            Tag::PhotometricInterpretation,
            PhotometricInterpretation::BlackIsZero.to_u16(),
        );
        d.long(Tag::StripOffsets, 0);
        d.long(Tag::StripByteCounts, 1);
        Overlay::new(data, d, None)
    }

    /// Copies from `src` (which starts at `pos`) into `buf`.
    fn copy(buf: &mut [u8], src: &[u8]) -> usize {
        let n = src.len().min(buf.len());
        buf[..n].copy_from_slice(&src[..n]);
        n
    }

    /// Reads from the original data, logging the range.
    fn read_data(&self, pos: u64, buf: &mut [u8]) -> usize {
        let n = Overlay::copy(buf, &self.data[pos as usize..]);
        if let Some(log) = &self.log {
            log.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((pos, pos + n as u64));
        }
        n
    }
}

impl Read for Overlay {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let pos = self.pos;
        let len = self.data.len() as u64;
        let tail_end = self.tail_at + self.tail.len() as u64;
        let n = if pos < self.head.len() as u64 {
            Overlay::copy(buf, &self.head[pos as usize..])
        } else if pos < len {
            self.read_data(pos, buf)
        } else if pos < self.tail_at {
            let n = ((self.tail_at - pos) as usize).min(buf.len());
            buf[..n].fill(0);
            n
        } else if pos < tail_end {
            Overlay::copy(buf, &self.tail[(pos - self.tail_at) as usize..])
        } else {
            0
        };
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Overlay {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let end = self.tail_at + self.tail.len() as u64;
        let p = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => end.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match p {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(d: &[u8], f: Format, first: u64) -> Result<Vec<u64>> {
        let mut c = Chain::new(f, d.len() as u64, first);
        c.count(d)?;
        Ok(c.pages)
    }

    /// A little-endian classic file with two one-entry directories, at 8
    /// and 26.
    fn two_pages() -> Vec<u8> {
        let mut d = b"II*\0\x08\0\0\0".to_vec();
        let entry = [0, 1, 3, 0, 1, 0, 0, 0, 5, 0, 0, 0]; // ImageWidth SHORT 5
        d.extend_from_slice(&[1, 0]);
        d.extend_from_slice(&entry);
        d.extend_from_slice(&[26, 0, 0, 0]); // IFD at 8, next 26
        d.extend_from_slice(&[1, 0]);
        d.extend_from_slice(&entry);
        d.extend_from_slice(&[0, 0, 0, 0]); // IFD at 26, next 0
        d
    }

    #[test]
    fn header_and_walk() {
        let mut d = two_pages();
        let (f, first) = Format::sniff(&d).unwrap();
        assert_eq!((f.big_endian, f.bigtiff, first), (false, false, 8));
        assert_eq!(walk(&d, f, first).unwrap(), vec![8, 26]);
        let (entries, next) = read_entries(&d, f, 8).unwrap();
        assert_eq!(
            (entries.len(), entries[0].tag, next),
            (1, Tag::ImageWidth, Some(26))
        );
        // A loop ends the chain, it does not hang.
        d[40] = 8;
        assert_eq!(walk(&d, f, first).unwrap(), vec![8, 26]);
        // So does a next directory outside the file; a broken first one is an error.
        d[40] = 200;
        assert_eq!(walk(&d, f, first).unwrap(), vec![8, 26]);
        assert!(walk(&d, f, 300).is_err());
        assert!(walk(&d, f, u64::MAX - 1).is_err());
        // And an empty directory (no entries): not a page.
        d[40] = 0;
        d[26] = 0;
        assert_eq!(walk(&d, f, first).unwrap(), vec![8]);
        assert!(Format::sniff(b"MM\0+\0\x08\0\0\0\0\0\0\0\0\0\x10")
            .is_some_and(|(f, o)| f.bigtiff && f.big_endian && o == 16));
        assert!(Format::sniff(b"PK\x03\x04").is_none());
    }

    #[test]
    fn pages_are_capped_by_the_file_length() {
        let f = Format {
            big_endian: false,
            bigtiff: false,
        };
        assert_eq!(f.max_pages(44), 2);
        assert_eq!(f.max_pages(u64::MAX), MAX_IMAGES);
        let big = Format { bigtiff: true, ..f };
        assert_eq!(big.max_pages(71), 1);
        // A chain longer than the cap (possible only with directories that
        // overlap) ends at the cap.
        let d = two_pages();
        let mut c = Chain::new(f, d.len() as u64, 8);
        c.cap = 1;
        assert_eq!(c.count(&d).unwrap(), 1);
    }
}
