//! A walk over the JPEG marker segments before the first scan: the frame
//! header (SOF) and the metadata segments (JFIF, EXIF, XMP, ICC, Adobe, COM).
//! No entropy-coded data is read, nothing large is allocated: the
//! metadata segments are borrowed or, for the ICC profile, at most the size
//! of the file.

use imageio_core::{Error, Result};

/// The EXIF APP1 identifier.
const EXIF_ID: &[u8] = b"Exif\0\0";
/// The XMP APP1 identifier.
const XMP_ID: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// The ICC APP2 identifier.
const ICC_ID: &[u8] = b"ICC_PROFILE\0";

/// One component of the frame: id and sampling factors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Component {
    /// Horizontal sampling factor (1..4).
    pub(crate) h: u8,
    /// Vertical sampling factor (1..4).
    pub(crate) v: u8,
}

/// The frame header and the metadata segments of a JPEG file.
#[derive(Clone, Debug, Default)]
pub(crate) struct Header<'a> {
    /// The SOF marker's low byte (0xC0 baseline, 0xC2 progressive, ...).
    pub(crate) sof: u8,
    /// Sample precision in bits.
    pub(crate) precision: u8,
    /// Width in pixels.
    pub(crate) width: u32,
    /// Height in pixels (0 means "defined later by DNL", refused).
    pub(crate) height: u32,
    /// The frame's components.
    pub(crate) components: Vec<Component>,
    /// JFIF density: (unit, x, y); unit 1 = dots per inch, 2 = per cm.
    pub(crate) density: Option<(u8, u16, u16)>,
    /// The EXIF TIFF structure (after `Exif\0\0`).
    pub(crate) exif: Option<&'a [u8]>,
    /// The XMP packet.
    pub(crate) xmp: Option<&'a [u8]>,
    /// ICC chunks: (sequence number, count, data).
    pub(crate) icc: Vec<(u8, u8, &'a [u8])>,
    /// COM segments.
    pub(crate) comments: Vec<&'a [u8]>,
    /// The Adobe APP14 colour transform flag, when the segment is present.
    pub(crate) adobe_transform: Option<u8>,
}

impl Header<'_> {
    /// True for a progressive frame (SOF2, SOF6, SOF10, SOF14).
    pub(crate) fn progressive(&self) -> bool {
        matches!(self.sof, 0xC2 | 0xC6 | 0xCA | 0xCE)
    }

    /// True for a lossless frame (SOF3; SOF7/11/15 are refused earlier).
    pub(crate) fn lossless(&self) -> bool {
        self.sof == 0xC3
    }

    /// The SOF kind as a short name, for the metadata.
    pub(crate) fn coding(&self) -> &'static str {
        match self.sof {
            0xC0 => "baseline",
            0xC1 => "extended sequential",
            0xC2 => "progressive",
            0xC3 => "lossless",
            _ => "other",
        }
    }

    /// The chroma subsampling as `J:a:b` (`"4:2:0"`...) for three or four
    /// components whose chroma factors are 1x1; `None` otherwise.
    pub(crate) fn subsampling(&self) -> Option<String> {
        let [y, rest @ ..] = self.components.as_slice() else {
            return None;
        };
        if rest.len() < 2 || rest[..2].iter().any(|c| c.h != 1 || c.v != 1) {
            return None;
        }
        let known = match (y.h, y.v) {
            (1, 1) => "4:4:4",
            (2, 1) => "4:2:2",
            (2, 2) => "4:2:0",
            (4, 1) => "4:1:1",
            (1, 2) => "4:4:0",
            (4, 2) => "4:1:0",
            _ => return Some(format!("{}x{}", y.h, y.v)),
        };
        Some(known.to_owned())
    }

    /// The ICC profile, reassembled from its APP2 chunks in sequence order;
    /// `None` when a chunk is missing or repeated.
    pub(crate) fn icc_profile(&self) -> Option<Vec<u8>> {
        let count = self.icc.first()?.1 as usize;
        if count == 0 || self.icc.len() != count {
            return None;
        }
        let mut chunks = self.icc.clone();
        chunks.sort_by_key(|c| c.0);
        if chunks
            .iter()
            .enumerate()
            .any(|(i, c)| c.0 as usize != i + 1 || c.1 as usize != count)
        {
            return None;
        }
        Some(chunks.iter().flat_map(|c| c.2.iter().copied()).collect())
    }
}

/// Reads the marker segments of `data` up to the first SOS. Fails when the
/// file does not start with SOI or holds no frame header before its end.
pub(crate) fn parse(data: &[u8]) -> Result<Header<'_>> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(Error::decode(
            "JPEG: the file does not start with an SOI marker (FF D8)",
        ));
    }
    let mut h = Header::default();
    let mut seen_sof = false;
    let mut pos = 2usize;
    loop {
        // Find the next marker: skip anything that is not 0xFF (junk between
        // segments, as some writers leave), then fill bytes.
        while pos < data.len() && data[pos] != 0xFF {
            pos += 1;
        }
        while pos < data.len() && data[pos] == 0xFF {
            pos += 1;
        }
        let Some(&marker) = data.get(pos) else {
            break;
        };
        pos += 1;
        // Standalone markers: TEM, RSTn, SOI; EOI ends the file.
        if marker == 0x01 || (0xD0..=0xD8).contains(&marker) || marker == 0x00 {
            continue;
        }
        if marker == 0xD9 {
            break;
        }
        let Some(len) = data.get(pos..pos + 2) else {
            break;
        };
        let len = u16::from_be_bytes([len[0], len[1]]) as usize;
        if len < 2 {
            break;
        }
        // A segment cut by the end of the file is taken as far as it goes.
        let seg = &data[(pos + 2).min(data.len())..(pos + len).min(data.len())];
        pos += len;
        match marker {
            0xC0..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => {
                if seen_sof {
                    continue;
                }
                if seg.len() < 6 {
                    return Err(Error::decode("JPEG: the frame header (SOF) is truncated"));
                }
                h.sof = marker;
                h.precision = seg[0];
                h.height = u16::from_be_bytes([seg[1], seg[2]]) as u32;
                h.width = u16::from_be_bytes([seg[3], seg[4]]) as u32;
                let n = seg[5] as usize;
                for i in 0..n {
                    let Some(c) = seg.get(6 + 3 * i..9 + 3 * i) else {
                        return Err(Error::decode("JPEG: the frame header (SOF) is truncated"));
                    };
                    h.components.push(Component {
                        h: c[1] >> 4,
                        v: c[1] & 0x0F,
                    });
                }
                seen_sof = true;
            }
            0xDA if seen_sof => break,
            0xE0 if seg.starts_with(b"JFIF\0") && seg.len() >= 12 => {
                h.density = Some((
                    seg[7],
                    u16::from_be_bytes([seg[8], seg[9]]),
                    u16::from_be_bytes([seg[10], seg[11]]),
                ));
            }
            0xE1 if seg.starts_with(EXIF_ID) && h.exif.is_none() => {
                h.exif = Some(&seg[EXIF_ID.len()..]);
            }
            0xE1 if seg.starts_with(XMP_ID) && h.xmp.is_none() => {
                h.xmp = Some(&seg[XMP_ID.len()..]);
            }
            0xE2 if seg.starts_with(ICC_ID) && seg.len() >= ICC_ID.len() + 2 => {
                let at = ICC_ID.len();
                h.icc.push((seg[at], seg[at + 1], &seg[at + 2..]));
            }
            0xEE if seg.starts_with(b"Adobe") && seg.len() >= 12 => {
                h.adobe_transform = Some(seg[11]);
            }
            0xFE => h.comments.push(seg),
            _ => {}
        }
    }
    if !seen_sof {
        return Err(Error::decode(
            "JPEG: no frame header (SOF) before the end of the file: the file is truncated or \
             not a JPEG image",
        ));
    }
    if h.width == 0 || h.height == 0 {
        return Err(Error::decode(format!(
            "JPEG: the frame header gives a {}x{} image; a zero size (or a height defined by a \
             DNL marker) cannot be decoded",
            h.width, h.height
        )));
    }
    Ok(h)
}

/// For a 1/8 decode of a progressive file only the DC coefficients count
/// (the 1x1 IDCT reads nothing else): a copy of `data` with every AC scan
/// left out, so the decoder skips their Huffman decoding. `None` when the
/// file is not laid out as expected (the caller then decodes it whole).
pub(crate) fn dc_scans_only(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 4);
    out.extend_from_slice(data.get(..2)?);
    let mut pos = 2usize;
    while pos + 4 <= data.len() {
        if data[pos] != 0xFF {
            return None;
        }
        let marker = data[pos + 1];
        if marker == 0xFF {
            pos += 1;
            continue;
        }
        if marker == 0xD9 {
            break;
        }
        let len = u16::from_be_bytes([data[pos + 2], data[pos + 3]]) as usize;
        if len < 2 {
            // A segment length counts its own two bytes: 0 or 1 is damage.
            return None;
        }
        let seg_end = pos + 2 + len;
        let segment = data.get(pos..seg_end)?;
        if marker != 0xDA {
            out.extend_from_slice(segment);
            pos = seg_end;
            continue;
        }
        // The scan's spectral selection, then its entropy-coded data up to
        // the next marker that is not a stuffed byte or a restart.
        let body = segment.get(4..)?;
        let ns = *body.first()? as usize;
        let se = *body.get(2 + 2 * ns)?;
        let mut end = seg_end;
        while end + 1 < data.len() {
            let next = data[end + 1];
            if data[end] == 0xFF && next != 0 && next != 0xFF && !(0xD0..=0xD7).contains(&next) {
                break;
            }
            end += 1;
        }
        let end = if end + 1 >= data.len() {
            data.len()
        } else {
            end
        };
        if se == 0 {
            out.extend_from_slice(&data[pos..end]);
        }
        pos = end;
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, a JFIF APP0, a COM, two ICC chunks out of order, an SOF0.
    fn sample() -> Vec<u8> {
        let mut d = vec![0xFF, 0xD8];
        let seg = |d: &mut Vec<u8>, m: u8, body: &[u8]| {
            d.extend([0xFF, m]);
            d.extend(((body.len() + 2) as u16).to_be_bytes());
            d.extend(body);
        };
        seg(&mut d, 0xE0, b"JFIF\0\x01\x02\x01\x00\x48\x00\x60\0\0");
        seg(&mut d, 0xFE, b"hello");
        seg(&mut d, 0xE2, b"ICC_PROFILE\0\x02\x02world");
        seg(&mut d, 0xE2, b"ICC_PROFILE\0\x01\x02hello ");
        seg(
            &mut d,
            0xC2,
            &[8, 0, 10, 0, 20, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
        );
        seg(&mut d, 0xDA, &[0; 10]);
        d
    }

    #[test]
    fn walks_the_segments() {
        let d = sample();
        let h = parse(&d).unwrap();
        assert_eq!((h.width, h.height, h.precision), (20, 10, 8));
        assert!(h.progressive());
        assert_eq!(h.subsampling().as_deref(), Some("4:2:0"));
        assert_eq!(h.density, Some((1, 72, 96)));
        assert_eq!(h.comments, vec![&b"hello"[..]]);
        assert_eq!(h.icc_profile().unwrap(), b"hello world");
    }

    #[test]
    fn damaged_scan_headers_give_up_instead_of_panicking() {
        // A progressive file whose SOS declares a length of 0, 1 or 2 (no
        // room for its component count): the DC-only copy gives up and the
        // decoder, not this walk, reports the damage.
        for len in [0u8, 1, 2, 3] {
            let mut d = sample();
            let sos = d.len() - 14;
            assert_eq!(d[sos..sos + 2], [0xFF, 0xDA]);
            d[sos + 2] = 0;
            d[sos + 3] = len;
            assert_eq!(dc_scans_only(&d), None, "SOS length {len}");
        }
        // The intact sample is copied with its DC scan.
        let d = sample();
        let dc = dc_scans_only(&d).unwrap();
        assert_eq!(dc.len(), d.len() + 2);
    }

    #[test]
    fn refuses_what_has_no_frame() {
        assert!(parse(b"").is_err());
        assert!(parse(&[0xFF, 0xD8, 0xFF, 0xE0]).is_err());
        let mut d = sample();
        d.truncate(40);
        assert!(parse(&d).is_err());
        // A missing ICC chunk gives no profile.
        let d = sample();
        let mut h = parse(&d).unwrap();
        h.icc.pop();
        assert!(h.icc_profile().is_none());
    }
}
