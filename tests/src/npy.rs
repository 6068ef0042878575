//! A small reader of numpy's NPY format (versions 1, 2 and 3), for the
//! reference arrays of the conformance corpus, and a writer of NPY files
//! for the reliability tests.
//!
//! It reads the dtypes the references use: unsigned and signed integers of
//! 1, 2, 4 and 8 bytes, `float32`, `float64` and `bool` (read as `uint8`
//! 0/1), in either byte order, in C or Fortran order (Fortran arrays are
//! returned in C layout, the same logical array). Anything else (complex,
//! structured, object arrays) is an error.

use imageio::plugin::with_ndimage;
use imageio::{DType, NdImage};

/// The magic bytes every NPY file starts with.
pub const MAGIC: &[u8] = b"\x93NUMPY";

/// Parses a whole NPY file held in memory into an [`NdImage`].
///
/// A 0-d array gives an image of shape `[]` with one element.
pub fn parse_npy(bytes: &[u8]) -> Result<NdImage, String> {
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or("not an NPY file: the magic \\x93NUMPY is missing")?;
    let (major, rest) = rest.split_first().ok_or("truncated NPY version")?;
    let rest = rest.get(1..).ok_or("truncated NPY version")?;
    let (header_len, rest) = match major {
        1 => {
            let n = rest.get(..2).ok_or("truncated NPY header length")?;
            (u16::from_le_bytes([n[0], n[1]]) as usize, &rest[2..])
        }
        2 | 3 => {
            let n = rest.get(..4).ok_or("truncated NPY header length")?;
            (
                u32::from_le_bytes([n[0], n[1], n[2], n[3]]) as usize,
                &rest[4..],
            )
        }
        v => return Err(format!("unsupported NPY version {v}")),
    };
    let header = rest.get(..header_len).ok_or("truncated NPY header")?;
    let header = std::str::from_utf8(header).map_err(|_| "the NPY header is not UTF-8")?;
    let data = &rest[header_len..];
    let header = Header::parse(header)?;
    header.decode(data)
}

/// The fields of an NPY header that matter here.
#[derive(Debug)]
struct Header {
    dtype: DType,
    is_bool: bool,
    big_endian: bool,
    fortran_order: bool,
    shape: Vec<usize>,
}

impl Header {
    fn parse(text: &str) -> Result<Header, String> {
        let descr = quoted_value(text, "descr")?;
        let (order, code) = descr.split_at(descr.len().min(1));
        let big_endian = match order {
            ">" => true,
            "<" | "|" | "=" => false,
            _ => return Err(format!("unsupported NPY descr {descr:?}")),
        };
        let (dtype, is_bool) = match code {
            "b1" => (DType::U8, true),
            "u1" => (DType::U8, false),
            "u2" => (DType::U16, false),
            "u4" => (DType::U32, false),
            "u8" => (DType::U64, false),
            "i1" => (DType::I8, false),
            "i2" => (DType::I16, false),
            "i4" => (DType::I32, false),
            "i8" => (DType::I64, false),
            "f4" => (DType::F32, false),
            "f8" => (DType::F64, false),
            _ => return Err(format!("unsupported NPY descr {descr:?}")),
        };
        let fortran_order = match raw_value(text, "fortran_order")? {
            v if v.starts_with("True") => true,
            v if v.starts_with("False") => false,
            v => return Err(format!("bad fortran_order in NPY header: {v:?}")),
        };
        let shape_text = raw_value(text, "shape")?;
        let inner = shape_text
            .strip_prefix('(')
            .and_then(|s| s.split(')').next())
            .ok_or_else(|| format!("bad shape in NPY header: {shape_text:?}"))?;
        let shape = inner
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_end_matches('L').parse::<usize>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| format!("bad shape in NPY header: {inner:?}"))?;
        Ok(Header {
            dtype,
            is_bool,
            big_endian,
            fortran_order,
            shape,
        })
    }

    fn decode(&self, data: &[u8]) -> Result<NdImage, String> {
        let count = self
            .shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or("NPY shape overflows")?;
        let size = self.dtype.size();
        let nbytes = count.checked_mul(size).ok_or("NPY shape overflows")?;
        let data = data.get(..nbytes).ok_or_else(|| {
            format!(
                "truncated NPY data: {} bytes for {nbytes} expected",
                data.len()
            )
        })?;
        // Fortran order: the data is the C-order array of the reversed shape,
        // transposed.
        let stored_shape: Vec<usize> = if self.fortran_order {
            self.shape.iter().rev().copied().collect()
        } else {
            self.shape.clone()
        };
        let mut img = NdImage::zeros(&stored_shape, self.dtype);
        let buf = img
            .as_bytes_mut()
            .ok_or("a fresh array is not contiguous")?;
        buf.copy_from_slice(data);
        if self.big_endian != cfg!(target_endian = "big") && size > 1 {
            buf.chunks_exact_mut(size).for_each(|c| c.reverse());
        }
        if self.is_bool {
            buf.iter_mut().for_each(|b| *b = u8::from(*b != 0));
        }
        if self.fortran_order {
            img = with_ndimage!(img, a => map a.reversed_axes()).into_standard_layout();
        }
        Ok(img)
    }
}

/// The text after `'key':` in a header dict, leading spaces removed.
fn raw_value<'a>(text: &'a str, key: &str) -> Result<&'a str, String> {
    let pat = format!("'{key}':");
    let at = text
        .find(&pat)
        .ok_or_else(|| format!("the NPY header has no {key:?}: {text:?}"))?;
    Ok(text[at + pat.len()..].trim_start())
}

/// The string value of `'key': '...'` in a header dict.
fn quoted_value<'a>(text: &'a str, key: &str) -> Result<&'a str, String> {
    let v = raw_value(text, key)?;
    let q = v.chars().next().filter(|c| *c == '\'' || *c == '"');
    let q =
        q.ok_or_else(|| format!("{key} is not a string in the NPY header (structured dtype?)"))?;
    v[1..]
        .split(q)
        .next()
        .ok_or_else(|| format!("unterminated {key} in the NPY header"))
}

/// An NPY (version 1.0) file with the header dict `header` and `data` after
/// it, the header padded as numpy pads it.
pub fn npy_file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut h = header.to_owned();
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    let mut v = b"\x93NUMPY\x01\x00".to_vec();
    v.extend_from_slice(&(h.len() as u16).to_le_bytes());
    v.extend_from_slice(h.as_bytes());
    v.extend_from_slice(data);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(version: u8, header: &str, data: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[version, 0]);
        if version == 1 {
            out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn reads_c_order_little_endian() {
        let data: Vec<u8> = [1u16, 2, 3, 4, 5, 0xABCD]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let f = npy(
            1,
            "{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3), }\n",
            &data,
        );
        let img = parse_npy(&f).unwrap();
        assert_eq!(img.shape(), &[2, 3]);
        let a = img.as_array::<u16>().unwrap();
        assert_eq!(a[[1, 2]], 0xABCD);
        assert_eq!(a[[0, 1]], 2);
    }

    #[test]
    fn reads_fortran_big_endian_v2() {
        // Logical [[1, 2, 3], [4, 5, 6]] stored column by column.
        let data: Vec<u8> = [1i32, 4, 2, 5, 3, 6]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let f = npy(
            2,
            "{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }",
            &data,
        );
        let img = parse_npy(&f).unwrap();
        let a = img.as_array::<i32>().unwrap();
        assert!(a.is_standard_layout());
        assert_eq!(
            a.iter().copied().collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5, 6]
        );
    }

    #[test]
    fn reads_bool_scalar_and_rejects_the_rest() {
        let f = npy(
            3,
            "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
            &[0, 1, 7],
        );
        let img = parse_npy(&f).unwrap();
        assert_eq!(
            img.as_array::<u8>().unwrap().as_slice().unwrap(),
            &[0, 1, 1]
        );
        let f = npy(
            1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
            &2.5f64.to_le_bytes(),
        );
        let img = parse_npy(&f).unwrap();
        assert_eq!(img.shape(), &[] as &[usize]);
        assert_eq!(img.as_array::<f64>().unwrap().iter().next(), Some(&2.5));
        let f = npy(
            1,
            "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
            &[0; 8],
        );
        assert!(parse_npy(&f).is_err());
        let f = npy(
            1,
            "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }",
            &[0; 4],
        );
        assert!(parse_npy(&f).is_err());
        let f = npy(
            1,
            "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
            &[0; 4],
        );
        assert!(parse_npy(&f).unwrap_err().contains("truncated"));
    }
}
