//! Decoding NPY data into an [`NdImage`]: the size is checked against the
//! limits and against the bytes present before the array is allocated, and the
//! elements are written straight into the array's own buffer (byte-swapped,
//! widened from float16, normalised from bool, or reordered from Fortran
//! order on the way).

use std::io::Read;

use imageio_core::ndarray::{ArrayD, IxDyn};
use imageio_core::plugin::{with_dtype, RandomAccess};
use imageio_core::{DType, Element, Error, Limits, NdImage, Result};

use crate::header::{self, Header, Stored};

/// Checks the array `h` describes against `limits`, before allocating it.
///
/// NPY arrays need not be images (a (2000000, 3) table of points is an
/// ordinary one), so the image-axis limits (width, height, pixels) do not
/// apply: the allocation limit does, and the data must be in the file (the
/// positioned read checks it before allocating).
pub(crate) fn check_limits(h: &Header, limits: &Limits) -> Result<()> {
    let n = h.len()?;
    let bytes = (n as u64).saturating_mul(h.stored.dtype().size() as u64);
    limits.check_alloc(bytes)
}

/// Decodes the data of an NPY file whose header is `h`, read at its offset
/// through `ra`: a C-order array of its own stored type is read straight
/// into the new array (positioned reads, no zeroing, no mapping); anything
/// else is read as bytes, then converted.
pub(crate) fn decode_at(h: &Header, ra: &RandomAccess, limits: &Limits) -> Result<NdImage> {
    check_limits(h, limits)?;
    let offset = h.data_offset as u64;
    if let (Stored::Plain(dtype), false) = (h.stored, h.fortran_order) {
        let mut img = ra.read_array_at(offset, &h.shape, dtype, limits)?;
        if h.needs_swap() {
            let buf = img
                .as_bytes_mut()
                .ok_or_else(|| Error::internal("a new array is in standard layout"))?;
            swap_in_place(buf, dtype.size());
        }
        return Ok(img);
    }
    let available = usize::try_from(ra.len().saturating_sub(offset)).unwrap_or(usize::MAX);
    let need = check_data_len(h, available)?;
    let mut data = vec![0u8; need];
    ra.read_exact_at(offset, &mut data)?;
    Ok(decode_data(h, &data))
}

/// Decodes a whole NPY file held in `bytes`.
pub(crate) fn decode_npy(bytes: &[u8], limits: &Limits) -> Result<(Header, NdImage)> {
    let h = header::parse(bytes)?;
    check_limits(&h, limits)?;
    let data = &bytes[h.data_offset..];
    let need = check_data_len(&h, data.len())?;
    let img = decode_data(&h, &data[..need]);
    Ok((h, img))
}

/// Checks that `available` bytes hold the data the header promises; returns
/// the number of bytes needed.
pub(crate) fn check_data_len(h: &Header, available: usize) -> Result<usize> {
    let need = h.data_len()?;
    if available < need {
        return Err(Error::decode(format!(
            "the file is truncated: shape {:?} of {} needs {need} bytes of data but {available} \
             follow the header",
            h.shape,
            h.stored.numpy_name(),
        )));
    }
    Ok(need)
}

/// Reads the header of an NPY stream (an NPZ member), and no more.
pub(crate) fn read_header(r: &mut impl Read) -> Result<Header> {
    let truncated = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            Error::decode("the NPY header is truncated: the member ends before it")
        }
        _ => read_error(e),
    };
    let mut buf = vec![0u8; 10];
    r.read_exact(&mut buf).map_err(truncated)?;
    let total = match header::header_len(&buf)? {
        Some(t) => t,
        None => {
            // Versions 2 and 3 have a 4-byte length field.
            buf.resize(12, 0);
            r.read_exact(&mut buf[10..]).map_err(truncated)?;
            header::header_len(&buf)?.expect("12 bytes give the length")
        }
    };
    let have = buf.len();
    buf.resize(total, 0);
    r.read_exact(&mut buf[have..]).map_err(truncated)?;
    header::parse(&buf)
}

/// Decodes the data that follows an already-read header in a stream. A C-order
/// array whose stored type is its own is read straight into its buffer.
pub(crate) fn decode_stream(h: &Header, r: &mut impl Read, limits: &Limits) -> Result<NdImage> {
    check_limits(h, limits)?;
    let need = h.data_len()?;
    if let (Stored::Plain(dtype), false) = (h.stored, h.fortran_order) {
        let mut img = NdImage::zeros(&h.shape, dtype);
        let buf = img
            .as_bytes_mut()
            .expect("a new array is in standard layout");
        r.read_exact(buf).map_err(read_error)?;
        if h.needs_swap() {
            swap_in_place(buf, dtype.size());
        }
        return Ok(img);
    }
    let mut data = Vec::new();
    r.take(need as u64)
        .read_to_end(&mut data)
        .map_err(read_error)?;
    if data.len() < need {
        return Err(Error::decode(format!(
            "the member is truncated: shape {:?} needs {need} bytes of data, it holds {}",
            h.shape,
            data.len()
        )));
    }
    Ok(decode_data(h, &data))
}

fn read_error(e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => Error::decode(
            "the member is truncated: its data ends before the header's shape is filled",
        ),
        _ => Error::decode(format!("the NPZ member cannot be read: {e}")).with_source(e),
    }
}

/// Decodes exactly `h.data_len()` bytes into a new C-order array.
fn decode_data(h: &Header, data: &[u8]) -> NdImage {
    let swap = h.needs_swap();
    match h.stored {
        Stored::Bool => NdImage::from(fill::<u8>(h, data, |c| (c[0] != 0) as u8)),
        Stored::F16 => NdImage::from(fill::<f32>(h, data, |c| {
            let pair = [c[0], c[1]];
            f16_to_f32(if h.big_endian {
                u16::from_be_bytes(pair)
            } else {
                u16::from_le_bytes(pair)
            })
        })),
        Stored::Plain(dtype) if !h.fortran_order => {
            if dtype == DType::U8 {
                // One copy, no zeroing first (zeroing reused heap memory was
                // a fifth of a 4K read's time).
                if let Ok(img) = NdImage::from_shape_vec(&h.shape, data.to_vec()) {
                    return img;
                }
            }
            let mut img = NdImage::zeros(&h.shape, dtype);
            let buf = img
                .as_bytes_mut()
                .expect("a new array is in standard layout");
            buf.copy_from_slice(data);
            if swap {
                swap_in_place(buf, dtype.size());
            }
            img
        }
        Stored::Plain(dtype) => with_dtype!(dtype, T => NdImage::from(fill::<T>(h, data, |c| {
            let mut b = [0u8; 8];
            let b = &mut b[..c.len()];
            b.copy_from_slice(c);
            if swap {
                b.reverse();
            }
            bytemuck::pod_read_unaligned::<T>(b)
        }))),
    }
}

/// Fills a new C-order array of the header's shape from the stored elements,
/// one at a time. Fortran-order data is the C-order data of the reversed
/// shape: walking the reversed-axes view of the output in logical order
/// visits the elements in file order, so each lands in place, with no
/// intermediate array.
fn fill<T: Element>(h: &Header, data: &[u8], elem: impl Fn(&[u8]) -> T) -> ArrayD<T> {
    let mut out = ArrayD::<T>::default(IxDyn(&h.shape));
    let chunks = data.chunks_exact(h.stored.size());
    if h.fortran_order {
        let view = out.view_mut().reversed_axes();
        view.into_iter().zip(chunks).for_each(|(d, c)| *d = elem(c));
    } else {
        out.iter_mut().zip(chunks).for_each(|(d, c)| *d = elem(c));
    }
    out
}

fn swap_in_place(buf: &mut [u8], size: usize) {
    if size > 1 {
        buf.chunks_exact_mut(size).for_each(|c| c.reverse());
    }
}

/// IEEE 754 half precision to single precision, exactly (subnormals, infinities
/// and NaN payloads included).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h as u32) & 0x8000) << 16;
    let exp = ((h >> 10) & 0x1F) as u32;
    let man = (h & 0x3FF) as u32;
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: value = man * 2^-24, normalise it for f32.
            let shift = man.leading_zeros() - 21; // bring bit 10 to the top
            let man = (man << shift) & 0x3FF;
            let exp = 127 - 15 + 1 - shift;
            sign | (exp << 23) | (man << 13)
        }
        (0x1F, _) => sign | 0x7F80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::build;
    use imageio_core::{DType, ErrorKind};

    fn file(descr: &str, fortran: bool, shape: &[usize], data: &[u8]) -> Vec<u8> {
        let mut v = build(descr, fortran, shape);
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn half_precision() {
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x7BFF), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x03FF), 1023.0 * 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x0400), 2f32.powi(-14));
        assert_eq!(f16_to_f32(0x7C00), f32::INFINITY);
        assert_eq!(f16_to_f32(0xFC00), f32::NEG_INFINITY);
        assert!(f16_to_f32(0x7E00).is_nan());
        assert_eq!(f16_to_f32(0x8000).to_bits(), (-0.0f32).to_bits());
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
    }

    #[test]
    fn big_endian_and_fortran() {
        let data: Vec<u8> = [1u16, 2, 3, 0x0102, 5, 6]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let (_, img) = decode_npy(&file(">u2", false, &[2, 3], &data), &Limits::default()).unwrap();
        assert_eq!(img.as_bytes().unwrap().len(), 12);
        let a = img.into_array::<u16>().unwrap();
        assert_eq!(a.as_slice().unwrap(), &[1, 2, 3, 0x0102, 5, 6]);
        // Fortran order: columns first. [[1, 2, 3], [4, 5, 6]] is stored 1 4 2 5 3 6.
        let data: Vec<u8> = [1i32, 4, 2, 5, 3, 6]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let (h, img) = decode_npy(&file(">i4", true, &[2, 3], &data), &Limits::default()).unwrap();
        assert!(h.fortran_order);
        let a = img.into_array::<i32>().unwrap();
        assert!(a.is_standard_layout());
        assert_eq!(a.as_slice().unwrap(), &[1, 2, 3, 4, 5, 6]);
        // Three axes, float16, Fortran order: element (i, j, k) = 100i + 10j + k.
        let shape = [2, 3, 4];
        let mut data = Vec::new();
        for k in 0..4 {
            for j in 0..3 {
                for i in 0..2 {
                    let v = (100 * i + 10 * j + k) as f32;
                    data.extend_from_slice(&f32_to_f16_exact(v).to_le_bytes());
                }
            }
        }
        let (_, img) = decode_npy(&file("<f2", true, &shape, &data), &Limits::default()).unwrap();
        assert_eq!(img.dtype(), DType::F32);
        let a = img.into_array::<f32>().unwrap();
        assert_eq!(a[[1, 2, 3]], 123.0);
        assert_eq!(a[[0, 1, 2]], 12.0);
        assert_eq!(a[[1, 0, 0]], 100.0);
    }

    /// float16 bits of a small integer (exact for |v| < 2048).
    fn f32_to_f16_exact(v: f32) -> u16 {
        if v == 0.0 {
            return 0;
        }
        let bits = v.to_bits();
        let exp = ((bits >> 23) & 0xFF) as i32 - 127 + 15;
        ((exp as u16) << 10) | ((bits >> 13) & 0x3FF) as u16
    }

    #[test]
    fn bool_is_normalised() {
        let (_, img) = decode_npy(
            &file("|b1", false, &[4], &[0, 1, 2, 255]),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            img.into_array::<u8>().unwrap().as_slice().unwrap(),
            &[0, 1, 1, 1]
        );
    }

    #[test]
    fn bombs_and_truncation_fail_before_allocating() {
        // 10^15 elements: refused from the header alone.
        let e = decode_npy(
            &build("|u1", false, &[1_000_000_000_000_000]),
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded);
        let e = decode_npy(
            &build("<f8", false, &[100_000, 100_000, 100]),
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded);
        // Without limits, the missing data is still noticed before allocating.
        let e = decode_npy(
            &build("|u1", false, &[1_000_000_000_000_000]),
            &Limits::none(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        let e =
            decode_npy(&file("<u2", false, &[2, 2], &[1, 0, 2]), &Limits::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains("truncated"), "{e}");
    }

    #[test]
    fn stream_decoding_matches() {
        let data: Vec<u8> = (0..24u8).collect();
        for (descr, fortran) in [("<u2", false), (">u2", false), ("<u2", true), ("|u1", true)] {
            let shape = if descr == "|u1" {
                vec![4, 6]
            } else {
                vec![3, 4]
            };
            let f = file(descr, fortran, &shape, &data);
            let (_, want) = decode_npy(&f, &Limits::default()).unwrap();
            let mut r = &f[..];
            let h = read_header(&mut r).unwrap();
            let got = decode_stream(&h, &mut r, &Limits::default()).unwrap();
            assert_eq!(got, want, "{descr} {fortran}");
            let mut short = &f[..f.len() - 1];
            let h = read_header(&mut short).unwrap();
            assert_eq!(
                decode_stream(&h, &mut short, &Limits::default())
                    .unwrap_err()
                    .kind(),
                ErrorKind::Decode
            );
        }
    }
}
