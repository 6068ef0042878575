//! PFM (Portable FloatMap) reads, which `image` does not have: `PF` (RGB) or
//! `Pf` (gray) float32 samples, the sign of the scale giving the byte order
//! (negative: little endian), rows stored bottom-up and returned top-down.

use imageio_core::{Error, Limits, NdImage, Result};

/// The header: channels, width, height, little endian, data offset.
struct Header {
    channels: usize,
    width: usize,
    height: usize,
    little: bool,
    offset: usize,
}

fn header(data: &[u8]) -> Result<Header> {
    let bad = |what: &str| Error::decode(format!("PFM: {what}"));
    let channels = match data.get(..2) {
        Some(b"PF") => 3,
        Some(b"Pf") => 1,
        _ => return Err(bad("not a PFM file (no PF or Pf magic)")),
    };
    // Three whitespace-separated tokens after the magic, then one whitespace byte.
    let mut tokens = Vec::new();
    let mut pos = 2;
    while tokens.len() < 3 {
        while data.get(pos).is_some_and(u8::is_ascii_whitespace) {
            pos += 1;
        }
        let start = pos;
        while data.get(pos).is_some_and(|b| !b.is_ascii_whitespace()) {
            pos += 1;
            if pos - start > 32 {
                return Err(bad("a header field is too long"));
            }
        }
        if start == pos {
            return Err(bad("the header is truncated"));
        }
        tokens.push(
            std::str::from_utf8(&data[start..pos]).map_err(|_| bad("the header is not text"))?,
        );
    }
    let width: usize = tokens[0].parse().map_err(|_| bad("bad width"))?;
    let height: usize = tokens[1].parse().map_err(|_| bad("bad height"))?;
    let scale: f64 = tokens[2].parse().map_err(|_| bad("bad scale"))?;
    if scale == 0.0 || !scale.is_finite() {
        return Err(bad("the scale must be a non-zero number"));
    }
    Ok(Header {
        channels,
        width,
        height,
        little: scale < 0.0,
        offset: pos + 1,
    })
}

fn shape(h: &Header) -> Vec<usize> {
    if h.channels == 1 {
        vec![h.height, h.width]
    } else {
        vec![h.height, h.width, 3]
    }
}

/// Shape from the header alone.
pub(crate) fn properties(data: &[u8]) -> Result<Vec<usize>> {
    Ok(shape(&header(data)?))
}

/// Decodes into an `f32` array, checked against `limits` first.
pub(crate) fn decode(data: &[u8], limits: Limits) -> Result<NdImage> {
    let h = header(data)?;
    let shape = shape(&h);
    limits.check_shape(&shape, imageio_core::DType::F32)?;
    let row = h.width * h.channels;
    let need = row * h.height * 4;
    let body = data
        .get(h.offset..)
        .filter(|b| b.len() >= need)
        .ok_or_else(|| Error::decode("PFM: the file is truncated"))?;
    let mut out = vec![0f32; row * h.height];
    for (y, dst) in out.chunks_exact_mut(row.max(1)).enumerate() {
        let src_row = h.height - 1 - y;
        let src = &body[src_row * row * 4..(src_row + 1) * row * 4];
        for (d, s) in dst.iter_mut().zip(src.chunks_exact(4)) {
            let b = [s[0], s[1], s[2], s[3]];
            *d = if h.little {
                f32::from_le_bytes(b)
            } else {
                f32::from_be_bytes(b)
            };
        }
    }
    NdImage::from_shape_vec(&shape, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_flipped_and_byte_order_follows_the_scale() {
        let mut le = b"Pf\n2 2\n-1.0\n".to_vec();
        for v in [1.0f32, 2.0, 3.0, 4.0] {
            le.extend_from_slice(&v.to_le_bytes());
        }
        let img = decode(&le, Limits::default()).unwrap();
        assert_eq!(
            img.as_array::<f32>().unwrap().as_slice().unwrap(),
            &[3.0, 4.0, 1.0, 2.0]
        );
        let mut be = b"PF 1 1 1.0\n".to_vec();
        for v in [0.5f32, -2.0, 8.0] {
            be.extend_from_slice(&v.to_be_bytes());
        }
        let img = decode(&be, Limits::default()).unwrap();
        assert_eq!(img.shape(), &[1, 1, 3]);
        assert_eq!(
            img.as_array::<f32>().unwrap().as_slice().unwrap(),
            &[0.5, -2.0, 8.0]
        );
    }

    #[test]
    fn bad_headers_and_bombs_fail_cleanly() {
        assert!(decode(b"Pf\n2 2\n-1.0\n\0\0", Limits::default()).is_err());
        assert!(decode(b"Pf\n2", Limits::default()).is_err());
        assert!(decode(b"Pf\nx 2 -1\n", Limits::default()).is_err());
        let e = decode(b"PF\n200000 200000\n-1.0\n", Limits::default()).unwrap_err();
        assert_eq!(e.kind(), imageio_core::ErrorKind::LimitExceeded);
    }
}
