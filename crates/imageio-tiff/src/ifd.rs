//! The raw IFD chain (walked without reading tag values or pixels) and the
//! [`Overlay`]: a view of the file whose header points to a directory written
//! here, so that the `tiff` crate decodes the chunks of a page as plain
//! min-is-black samples whatever the page's photometric interpretation.
//!
//! The `tiff` crate decodes only the colour types it knows (no palette, no
//! 10/12-bit, CMYK with extra samples dropped, ...). Its chunk decoder itself
//! (decompression, predictor, byte order) does not care about colour. So each
//! page is presented to it through a synthetic directory that keeps the
//! page's compression, predictor, chunk offsets and byte counts (copied
//! verbatim: they still point into the original bytes) and describes the
//! samples as min-is-black; this plugin then applies the photometric
//! interpretation itself.

use std::collections::HashSet;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use imageio_core::{Error, Result, SharedBytes};

/// The largest number of pages followed in one file.
pub(crate) const MAX_PAGES: usize = 1 << 20;

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

    fn u16(&self, d: &[u8], at: u64) -> Option<u16> {
        let b: [u8; 2] = d.get(at as usize..at as usize + 2)?.try_into().ok()?;
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }
    fn u32(&self, d: &[u8], at: u64) -> Option<u32> {
        let b: [u8; 4] = d.get(at as usize..at as usize + 4)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }
    fn u64(&self, d: &[u8], at: u64) -> Option<u64> {
        let b: [u8; 8] = d.get(at as usize..at as usize + 8)?.try_into().ok()?;
        Some(if self.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
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
    fn entry_len(&self) -> u64 {
        if self.bigtiff {
            20
        } else {
            12
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

/// One raw directory entry: tag, type, count and the value field as stored
/// (4 or 8 bytes, in the file's byte order; an offset when the value does
/// not fit).
#[derive(Clone, Debug)]
pub(crate) struct RawEntry {
    pub tag: u16,
    pub typ: u16,
    pub count: u64,
    pub field: [u8; 8],
}

/// Reads the entries of the directory at `offset` and the offset of the next one.
pub(crate) fn read_entries(
    data: &[u8],
    f: Format,
    offset: u64,
) -> Result<(Vec<RawEntry>, Option<u64>)> {
    let bad = || {
        Error::decode(format!(
            "TIFF: the directory at offset {offset} is truncated"
        ))
    };
    let (n, mut at) = if f.bigtiff {
        (f.u64(data, offset).ok_or_else(bad)?, offset + 8)
    } else {
        (f.u16(data, offset).ok_or_else(bad)? as u64, offset + 2)
    };
    let end = n
        .checked_mul(f.entry_len())
        .and_then(|l| l.checked_add(at))
        .filter(|&e| e <= data.len() as u64)
        .ok_or_else(bad)?;
    let mut entries = Vec::with_capacity(n as usize);
    while at < end {
        let tag = f.u16(data, at).ok_or_else(bad)?;
        let typ = f.u16(data, at + 2).ok_or_else(bad)?;
        let mut field = [0u8; 8];
        let count = if f.bigtiff {
            field.copy_from_slice(&data[at as usize + 12..at as usize + 20]);
            f.u64(data, at + 4).ok_or_else(bad)?
        } else {
            field[..4].copy_from_slice(&data[at as usize + 8..at as usize + 12]);
            f.u32(data, at + 4).ok_or_else(bad)? as u64
        };
        entries.push(RawEntry {
            tag,
            typ,
            count,
            field,
        });
        at += f.entry_len();
    }
    let next = if f.bigtiff {
        f.u64(data, end)
    } else {
        f.u32(data, end).map(u64::from)
    };
    Ok((entries, next.filter(|&o| o != 0)))
}

/// The offsets of every page's directory, following the chain from the
/// header. A broken first directory is an error; after it, a loop or a
/// directory outside the file ends the chain (as libtiff and tifffile do,
/// the pages before it stay readable).
pub(crate) fn walk(data: &[u8], f: Format, first: u64) -> Result<Vec<u64>> {
    let mut pages = Vec::new();
    let mut seen = HashSet::new();
    let mut next = Some(first).filter(|&o| o != 0);
    while let Some(off) = next {
        if !seen.insert(off) {
            break;
        }
        if pages.len() >= MAX_PAGES {
            return Err(Error::limit(format!("TIFF: more than {MAX_PAGES} pages")));
        }
        next = match read_entries(data, f, off) {
            Ok((_, n)) => n,
            Err(e) if pages.is_empty() => return Err(e),
            Err(_) => break,
        };
        pages.push(off);
    }
    if pages.is_empty() {
        return Err(Error::decode("TIFF: the file has no image directory"));
    }
    Ok(pages)
}

/// A directory under construction, serialised in a file's format.
pub(crate) struct DirBuilder {
    f: Format,
    entries: Vec<RawEntry>,
}

/// TIFF field types used here.
pub(crate) const SHORT: u16 = 3;
pub(crate) const LONG: u16 = 4;

impl DirBuilder {
    pub fn new(f: Format) -> Self {
        DirBuilder {
            f,
            entries: Vec::new(),
        }
    }
    /// Adds an entry copied from the original file.
    pub fn raw(&mut self, e: &RawEntry) {
        self.entries.retain(|x| x.tag != e.tag);
        self.entries.push(e.clone());
    }
    /// Adds a one-value SHORT entry.
    pub fn short(&mut self, tag: u16, v: u16) {
        let mut field = [0u8; 8];
        field[..2].copy_from_slice(&self.f.put16(v));
        self.raw(&RawEntry {
            tag,
            typ: SHORT,
            count: 1,
            field,
        });
    }
    /// Adds a one-value LONG entry.
    pub fn long(&mut self, tag: u16, v: u32) {
        let mut field = [0u8; 8];
        field[..4].copy_from_slice(&self.f.put32(v));
        self.raw(&RawEntry {
            tag,
            typ: LONG,
            count: 1,
            field,
        });
    }
    /// The serialised directory (next offset 0).
    fn bytes(mut self) -> Vec<u8> {
        let f = self.f;
        self.entries.sort_by_key(|e| e.tag);
        let mut out = Vec::new();
        if f.bigtiff {
            out.extend_from_slice(&f.put64(self.entries.len() as u64));
        } else {
            out.extend_from_slice(&f.put16(self.entries.len() as u16));
        }
        for e in &self.entries {
            out.extend_from_slice(&f.put16(e.tag));
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
        d.long(256, 1);
        d.long(257, 1);
        d.short(258, 8);
        d.short(262, 1);
        d.long(273, 0);
        d.long(279, 1);
        Overlay::new(data, d, None)
    }
}

impl Read for Overlay {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let pos = self.pos;
        let len = self.data.len() as u64;
        let n = if pos < self.head.len() as u64 {
            let src = &self.head[pos as usize..];
            let n = src.len().min(buf.len());
            buf[..n].copy_from_slice(&src[..n]);
            n
        } else if pos < len {
            let src = &self.data[pos as usize..];
            let n = src.len().min(buf.len());
            buf[..n].copy_from_slice(&src[..n]);
            if let Some(log) = &self.log {
                log.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((pos, pos + n as u64));
            }
            n
        } else if pos < self.tail_at {
            let n = ((self.tail_at - pos) as usize).min(buf.len());
            buf[..n].fill(0);
            n
        } else if pos < self.tail_at + self.tail.len() as u64 {
            let src = &self.tail[(pos - self.tail_at) as usize..];
            let n = src.len().min(buf.len());
            buf[..n].copy_from_slice(&src[..n]);
            n
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

    #[test]
    fn header_and_walk() {
        // A little-endian classic file with two empty directories.
        let mut d = b"II*\0\x08\0\0\0".to_vec();
        d.extend_from_slice(&[0, 0, 14, 0, 0, 0]); // IFD at 8: 0 entries, next 14
        d.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // IFD at 14: 0 entries, next 0
        let (f, first) = Format::sniff(&d).unwrap();
        assert_eq!((f.big_endian, f.bigtiff, first), (false, false, 8));
        assert_eq!(walk(&d, f, first).unwrap(), vec![8, 14]);
        // A loop ends the chain, it does not hang.
        d[16] = 8;
        assert_eq!(walk(&d, f, first).unwrap(), vec![8, 14]);
        // So does a next directory outside the file; a broken first one is an error.
        d[16] = 200;
        assert_eq!(walk(&d, f, first).unwrap(), vec![8, 14]);
        assert!(walk(&d, f, 300).is_err());
        assert!(Format::sniff(b"MM\0+\0\x08\0\0\0\0\0\0\0\0\0\x10")
            .is_some_and(|(f, o)| f.bigtiff && f.big_endian && o == 16));
        assert!(Format::sniff(b"PK\x03\x04").is_none());
    }
}
