//! A small, bounded walk over the ISO-BMFF boxes of a HEIF/AVIF file, for
//! what libheif's API does not say: the order of each item's `irot`/`imir`
//! properties (its orientation) and the sample count and durations of an
//! image sequence track. Every size is checked against the data that holds
//! it; a malformed box ends the walk with an error, never a panic, and no
//! allocation is sized from a header before it is checked.

use imageio_core::plugin::MAX_IMAGES;
use imageio_core::{Error, Result};

/// One box: its four-character type and its body (after the header).
struct Bmff<'a> {
    kind: [u8; 4],
    body: &'a [u8],
}

/// The boxes in `data`, in order; a box that overruns `data` is an error.
fn children(mut data: &[u8]) -> impl Iterator<Item = Result<Bmff<'_>>> {
    std::iter::from_fn(move || {
        if data.is_empty() {
            return None;
        }
        let parsed = split_box(data);
        match parsed {
            Ok((b, rest)) => {
                data = rest;
                Some(Ok(b))
            }
            Err(e) => {
                data = &[];
                Some(Err(e))
            }
        }
    })
}

/// The first box of `data` and what follows it.
fn split_box(data: &[u8]) -> Result<(Bmff<'_>, &[u8])> {
    let truncated = || Error::decode("HEIF: a box runs past the end of the file");
    let size32 = be_u32(data, 0).ok_or_else(truncated)?;
    let kind: [u8; 4] = data
        .get(4..8)
        .and_then(|k| k.try_into().ok())
        .ok_or_else(truncated)?;
    let (header, size) = match size32 {
        0 => (8, data.len() as u64),
        1 => (16, be_u64(data, 8).ok_or_else(truncated)?),
        n => (8, u64::from(n)),
    };
    if size < header as u64 || size > data.len() as u64 {
        return Err(Error::decode(format!(
            "HEIF: box '{}' claims {size} bytes; {} are left",
            String::from_utf8_lossy(&kind),
            data.len()
        )));
    }
    let size = size as usize;
    Ok((
        Bmff {
            kind,
            body: &data[header..size],
        },
        &data[size..],
    ))
}

fn be_u16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn be_u32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

fn be_u64(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(d.get(at..at + 8)?.try_into().ok()?))
}

/// The first child box of kind `kind` in `data`.
fn find<'a>(data: &'a [u8], kind: &[u8; 4]) -> Result<Option<&'a [u8]>> {
    for b in children(data) {
        let b = b?;
        if &b.kind == kind {
            return Ok(Some(b.body));
        }
    }
    Ok(None)
}

/// A geometric transformation property of an item, in the order the file
/// lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transform {
    /// `irot`: rotation anti-clockwise by 90 degrees times this (0..3).
    Rotate(u8),
    /// `imir`: a mirror; `axis` 0 flips top and bottom, 1 left and right
    /// (libheif's reading of the box).
    Mirror(u8),
}

/// A visual sequence track: its id, sample count and sample durations.
#[derive(Clone, Debug, Default)]
pub(crate) struct TrackInfo {
    /// `tkhd` track id.
    pub id: u32,
    /// Samples (frames) in the track (`stsz`), at most [`MAX_IMAGES`].
    pub samples: usize,
    /// `mdhd` timescale (ticks per second).
    pub timescale: u32,
    /// `stts` runs: (sample count, duration in ticks).
    pub durations: Vec<(u32, u32)>,
}

impl TrackInfo {
    /// Duration of sample `i` in milliseconds, when the track says.
    pub fn duration_ms(&self, i: usize) -> Option<f64> {
        if self.timescale == 0 {
            return None;
        }
        let mut start = 0usize;
        for &(count, delta) in &self.durations {
            let end = start.saturating_add(count as usize);
            if i < end {
                return Some(f64::from(delta) * 1000.0 / f64::from(self.timescale));
            }
            start = end;
        }
        None
    }
}

/// What the walk found.
#[derive(Clone, Debug, Default)]
pub(crate) struct FileInfo {
    /// (item id, its transforms in property order).
    pub transforms: Vec<(u32, Vec<Transform>)>,
    /// Visual tracks (`pict` or `vide` handlers) in file order.
    pub tracks: Vec<TrackInfo>,
}

impl FileInfo {
    /// The transforms of item `id`, in order (none when it has no entry).
    pub fn transforms_of(&self, id: u32) -> &[Transform] {
        self.transforms
            .iter()
            .find(|(i, _)| *i == id)
            .map_or(&[][..], |(_, t)| t)
    }
}

/// Walks the top-level boxes of `data`: `meta` (item properties) and `moov`
/// (sequence tracks). Other boxes are skipped by their length.
pub(crate) fn walk(data: &[u8]) -> Result<FileInfo> {
    let mut info = FileInfo::default();
    for b in children(data) {
        let b = b?;
        match &b.kind {
            b"meta" => info.transforms = meta_transforms(b.body.get(4..).unwrap_or(&[]))?,
            b"moov" => info.tracks = tracks(b.body, data.len())?,
            _ => {}
        }
    }
    Ok(info)
}

/// The `irot`/`imir` properties of each item, from `iprp` (`ipco`, `ipma`).
fn meta_transforms(meta: &[u8]) -> Result<Vec<(u32, Vec<Transform>)>> {
    let Some(iprp) = find(meta, b"iprp")? else {
        return Ok(Vec::new());
    };
    // The properties, 1-based in `ipma`; only transforms are kept.
    let mut props: Vec<Option<Transform>> = Vec::new();
    let mut ipmas: Vec<&[u8]> = Vec::new();
    for b in children(iprp) {
        let b = b?;
        match &b.kind {
            b"ipco" => {
                for p in children(b.body) {
                    let p = p?;
                    props.push(match &p.kind {
                        b"irot" => p.body.first().map(|&a| Transform::Rotate(a & 3)),
                        b"imir" => p.body.first().map(|&a| Transform::Mirror(a & 1)),
                        _ => None,
                    });
                }
            }
            b"ipma" => ipmas.push(b.body),
            _ => {}
        }
    }
    let bad = || Error::decode("HEIF: the 'ipma' box is truncated");
    let mut out = Vec::new();
    for ipma in ipmas {
        let version = *ipma.first().ok_or_else(bad)?;
        let wide_index = be_u32(ipma, 0).ok_or_else(bad)? & 1 == 1;
        let count = be_u32(ipma, 4).ok_or_else(bad)?;
        let mut at = 8usize;
        for _ in 0..count {
            let id = if version < 1 {
                let id = be_u16(ipma, at).ok_or_else(bad)?;
                at += 2;
                u32::from(id)
            } else {
                let id = be_u32(ipma, at).ok_or_else(bad)?;
                at += 4;
                id
            };
            let n = *ipma.get(at).ok_or_else(bad)?;
            at += 1;
            let mut list = Vec::new();
            for _ in 0..n {
                let index = if wide_index {
                    let v = be_u16(ipma, at).ok_or_else(bad)?;
                    at += 2;
                    usize::from(v & 0x7FFF)
                } else {
                    let v = *ipma.get(at).ok_or_else(bad)?;
                    at += 1;
                    usize::from(v & 0x7F)
                };
                if let Some(Some(t)) = index.checked_sub(1).and_then(|i| props.get(i)) {
                    list.push(*t);
                }
            }
            if !list.is_empty() {
                out.push((id, list));
            }
        }
    }
    Ok(out)
}

/// The visual tracks of `moov`, in a file of `file_len` bytes.
fn tracks(moov: &[u8], file_len: usize) -> Result<Vec<TrackInfo>> {
    let mut out = Vec::new();
    for b in children(moov) {
        let b = b?;
        if &b.kind != b"trak" {
            continue;
        }
        if let Some(t) = track(b.body, file_len)? {
            out.push(t);
        }
    }
    Ok(out)
}

/// One `trak`, when its handler is visual (`pict`, `vide`). Its sample
/// count is bounded by what a file of `file_len` bytes can hold.
fn track(trak: &[u8], file_len: usize) -> Result<Option<TrackInfo>> {
    let bad = |what: &str| Error::decode(format!("HEIF: the track's '{what}' box is truncated"));
    let mut info = TrackInfo::default();
    if let Some(tkhd) = find(trak, b"tkhd")? {
        let at = if tkhd.first() == Some(&1) { 20 } else { 12 };
        info.id = be_u32(tkhd, at).ok_or_else(|| bad("tkhd"))?;
    }
    let Some(mdia) = find(trak, b"mdia")? else {
        return Ok(None);
    };
    let handler = find(mdia, b"hdlr")?.and_then(|h| h.get(8..12));
    if !matches!(handler, Some(b"pict") | Some(b"vide")) {
        return Ok(None);
    }
    if let Some(mdhd) = find(mdia, b"mdhd")? {
        let at = if mdhd.first() == Some(&1) { 20 } else { 12 };
        info.timescale = be_u32(mdhd, at).ok_or_else(|| bad("mdhd"))?;
    }
    let stbl = match find(mdia, b"minf")? {
        Some(minf) => find(minf, b"stbl")?,
        None => None,
    };
    let Some(stbl) = stbl else {
        return Ok(Some(info));
    };
    if let Some(stsz) = find(stbl, b"stsz")? {
        let sample_size = be_u32(stsz, 4).ok_or_else(|| bad("stsz"))?;
        let count = be_u32(stsz, 8).ok_or_else(|| bad("stsz"))? as usize;
        // A table of sizes must be in the box (4 bytes a sample); samples of
        // one size must fit in the file (and take at least a byte each).
        let fits = if sample_size == 0 {
            count <= stsz.len().saturating_sub(12) / 4
        } else {
            count <= file_len / sample_size as usize
        };
        if !fits {
            return Err(bad("stsz"));
        }
        info.samples = count.min(MAX_IMAGES);
    }
    if let Some(stts) = find(stbl, b"stts")? {
        let n = be_u32(stts, 4).ok_or_else(|| bad("stts"))? as usize;
        // Each run is 8 bytes, and must be in the box.
        let n = n.min(stts.len().saturating_sub(8) / 8);
        info.durations = (0..n)
            .filter_map(|i| Some((be_u32(stts, 8 + 8 * i)?, be_u32(stts, 12 + 8 * i)?)))
            .collect();
    }
    Ok(Some(info))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn reads_transforms_in_property_order() {
        let ipco = [bx(b"ispe", &[0; 12]), bx(b"imir", &[1]), bx(b"irot", &[3])].concat();
        // ipma v0, flags 0: item 1 -> properties 1, 3, 2.
        let ipma = [0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 3, 0x81, 3, 2].to_vec();
        let iprp = bx(b"iprp", &[bx(b"ipco", &ipco), bx(b"ipma", &ipma)].concat());
        let meta = bx(b"meta", &[&[0, 0, 0, 0][..], &iprp].concat());
        let info = walk(&[bx(b"ftyp", b"heic\0\0\0\0"), meta].concat()).unwrap();
        assert_eq!(
            info.transforms_of(1),
            [Transform::Rotate(3), Transform::Mirror(1)]
        );
        assert!(info.transforms_of(2).is_empty());
    }

    #[test]
    fn overrunning_boxes_are_errors() {
        let mut b = bx(b"meta", &[0; 8]);
        b[3] = 200;
        assert!(walk(&b).is_err());
        // A 64-bit size past the end.
        let mut big = vec![0, 0, 0, 1];
        big.extend_from_slice(b"moov");
        big.extend_from_slice(&u64::MAX.to_be_bytes());
        assert!(walk(&big).is_err());
        // An stsz table the box cannot hold.
        let stsz = bx(b"stsz", &[0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF]);
        let hdlr = bx(b"hdlr", &[0, 0, 0, 0, 0, 0, 0, 0, b'p', b'i', b'c', b't']);
        let stbl = bx(b"stbl", &stsz);
        let mdia = bx(b"mdia", &[hdlr, bx(b"minf", &stbl)].concat());
        let moov = bx(b"moov", &bx(b"trak", &mdia));
        assert!(walk(&moov).is_err());
        // 2^31 samples of one byte each in a file of a few bytes.
        let stsz = bx(b"stsz", &[0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0xFF, 0xFF, 0xFF]);
        let hdlr = bx(b"hdlr", &[0, 0, 0, 0, 0, 0, 0, 0, b'p', b'i', b'c', b't']);
        let mdia = bx(b"mdia", &[hdlr, bx(b"minf", &bx(b"stbl", &stsz))].concat());
        assert!(walk(&bx(b"moov", &bx(b"trak", &mdia))).is_err());
    }
}
