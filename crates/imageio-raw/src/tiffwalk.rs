//! The size check made before rawler decodes: a walk over the TIFF
//! directories of the TIFF-based raw formats (DNG, CR2, NEF, ARW, ORF,
//! RW2, PEF, ...) that finds the largest image any directory declares.
//! rawler allocates the raw image from these values, so they go through
//! the limits first. Bounded: at most [`MAX_IFDS`] directories of at most
//! [`MAX_ENTRIES`] entries each, every offset checked against the data.

use imageio_core::{Error, Limits, Result};

/// The most directories walked (IFD chains, SubIFDs, EXIF).
const MAX_IFDS: usize = 64;
/// The most entries read in one directory.
const MAX_ENTRIES: usize = 1024;

/// Reads integers in the file's byte order.
struct Tiff<'a> {
    b: &'a [u8],
    le: bool,
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let s = self.b.get(at..at.checked_add(2)?)?;
        Some(if self.le {
            u16::from_le_bytes([s[0], s[1]])
        } else {
            u16::from_be_bytes([s[0], s[1]])
        })
    }

    fn u32(&self, at: usize) -> Option<u32> {
        let s = self.b.get(at..at.checked_add(4)?)?;
        let a = [s[0], s[1], s[2], s[3]];
        Some(if self.le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }

    /// Checks that the entry at `at` holds no more data than the file has:
    /// rawler 0.8 allocates an entry's `count` values before reading them,
    /// so a forged count of 2^32 would allocate gigabytes.
    fn check_entry(&self, at: usize, tag: u16) -> Result<()> {
        let (Some(ty), Some(count)) = (self.u16(at + 2), self.u32(at + 4)) else {
            return Ok(());
        };
        let size: u64 = match ty {
            3 | 8 => 2,
            4 | 9 | 11 | 13 => 4,
            5 | 10 | 12 | 16..=18 => 8,
            _ => 1,
        };
        let bytes = u64::from(count) * size;
        let end = if bytes <= 4 {
            0
        } else {
            self.u32(at + 8).map_or(u64::MAX, |o| u64::from(o) + bytes)
        };
        if end > self.b.len() as u64 {
            return Err(Error::decode(format!(
                "RAW: TIFF tag {tag} claims {count} values, more than the file holds"
            )));
        }
        Ok(())
    }

    /// The values of an entry at `at` of type SHORT or LONG (up to `n`).
    fn values(&self, at: usize, n: usize) -> Vec<u64> {
        let (Some(ty), Some(count)) = (self.u16(at + 2), self.u32(at + 4)) else {
            return Vec::new();
        };
        let size = match ty {
            3 => 2,
            4 | 13 => 4,
            _ => return Vec::new(),
        };
        let count = (count as usize).min(n);
        let base = if count * size <= 4 {
            at + 8
        } else {
            match self.u32(at + 8) {
                Some(o) => o as usize,
                None => return Vec::new(),
            }
        };
        (0..count)
            .filter_map(|i| match size {
                2 => self.u16(base + 2 * i).map(u64::from),
                _ => self.u32(base + 4 * i).map(u64::from),
            })
            .collect()
    }
}

/// The largest (width, height, samples per pixel) a TIFF directory of
/// `bytes` declares, if
/// `bytes` is TIFF-structured (`II`/`MM` and any magic number: 42, ORF's
/// `RO`/`RS`, RW2's 0x55). A directory reached twice (a loop, which
/// rawler 0.8 follows until memory runs out) or more than [`MAX_IFDS`]
/// directories are an error.
pub(crate) fn largest_image(bytes: &[u8]) -> Option<Result<(u64, u64, u64)>> {
    let le = match bytes.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let t = Tiff { b: bytes, le };
    Some(walk(&t, t.u32(4)? as usize))
}

/// The walk of [`largest_image`] from the first directory at `first`.
fn walk(t: &Tiff<'_>, first: usize) -> Result<(u64, u64, u64)> {
    let mut queue = vec![first];
    let mut seen = Vec::new();
    let mut best = (0u64, 0u64, 1u64);
    while let Some(ifd) = queue.pop() {
        if ifd == 0 || ifd >= t.b.len() {
            continue;
        }
        if seen.contains(&ifd) {
            return Err(Error::decode(format!(
                "RAW: the TIFF directories loop (the one at offset {ifd} is reached twice)"
            )));
        }
        if seen.len() >= MAX_IFDS {
            return Err(Error::decode(format!(
                "RAW: more than {MAX_IFDS} TIFF directories"
            )));
        }
        seen.push(ifd);
        let Some(n) = t.u16(ifd) else { continue };
        let (mut w, mut h, mut spp) = (0, 0, 1);
        for i in 0..usize::from(n).min(MAX_ENTRIES) {
            let at = ifd + 2 + 12 * i;
            let Some(tag) = t.u16(at) else { break };
            t.check_entry(at, tag)?;
            let first = || t.values(at, 1).first().copied().unwrap_or(0);
            match tag {
                // ImageWidth/ImageLength; RW2's SensorWidth/SensorHeight.
                256 | 2 => w = w.max(first()),
                257 | 3 => h = h.max(first()),
                277 => spp = first().max(1),
                // SubIFDs, EXIF IFD.
                330 | 34665 => queue.extend(t.values(at, MAX_IFDS).iter().map(|&o| o as usize)),
                _ => {}
            }
        }
        if w.saturating_mul(h).saturating_mul(spp)
            > best.0.saturating_mul(best.1).saturating_mul(best.2)
        {
            best = (w, h, spp);
        }
        if let Some(next) = t.u32(ifd + 2 + 12 * usize::from(n)) {
            queue.push(next as usize);
        }
    }
    Ok(best)
}

/// Checks the largest image a TIFF-based raw file declares against the
/// limits (as u16 samples, `SamplesPerPixel` of them per pixel).
pub(crate) fn check(bytes: &[u8], limits: &Limits) -> Result<()> {
    if let Some(found) = largest_image(bytes) {
        let (w, h, spp) = found?;
        limits.check_dimensions(w, h)?;
        limits.check_alloc(w.saturating_mul(h).saturating_mul(spp).saturating_mul(2))?;
    }
    Ok(())
}
