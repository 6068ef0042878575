//! Still images: the header (shape and dtype without decoding), the decode
//! straight into the array's buffer, metadata, and ICO entry selection.

use std::io::Cursor;

use image::{ColorType, ImageDecoder, ImageFormat, ImageReader};
use imageio_core::{DType, Error, Limits, Metadata, NdImage, Result, SharedBytes};

use crate::decode_err;

fn image_limits(limits: Limits) -> image::Limits {
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_width.min(u32::MAX as u64) as u32);
    l.max_image_height = Some(limits.max_height.min(u32::MAX as u64) as u32);
    l.max_alloc = Some(limits.max_alloc);
    l
}

/// A decoder for `data`, with our limits handed to the backend.
pub(crate) fn decoder(
    data: &SharedBytes,
    format: ImageFormat,
    limits: Limits,
) -> Result<Box<dyn ImageDecoder>> {
    let mut reader = ImageReader::with_format(Cursor::new(data.clone()), format);
    reader.limits(image_limits(limits));
    reader
        .into_decoder()
        .map(|d| Box::new(d) as Box<dyn ImageDecoder>)
        .map_err(|e| decode_err(format, e))
}

/// The array shape and dtype for an `image` colour type.
pub(crate) fn layout(color: ColorType, width: u32, height: u32) -> Result<(Vec<usize>, DType)> {
    let (h, w) = (height as usize, width as usize);
    let (c, dtype) = match color {
        ColorType::L8 => (1, DType::U8),
        ColorType::La8 => (2, DType::U8),
        ColorType::Rgb8 => (3, DType::U8),
        ColorType::Rgba8 => (4, DType::U8),
        ColorType::L16 => (1, DType::U16),
        ColorType::La16 => (2, DType::U16),
        ColorType::Rgb16 => (3, DType::U16),
        ColorType::Rgba16 => (4, DType::U16),
        ColorType::Rgb32F => (3, DType::F32),
        ColorType::Rgba32F => (4, DType::F32),
        other => {
            return Err(Error::unsupported(format!(
                "the colour type {other:?} is not supported"
            )))
        }
    };
    let shape = if c == 1 { vec![h, w] } else { vec![h, w, c] };
    Ok((shape, dtype))
}

/// Shape and dtype from the header, without decoding pixels.
pub(crate) fn header(
    data: &SharedBytes,
    format: ImageFormat,
    limits: Limits,
) -> Result<(Vec<usize>, DType)> {
    let d = decoder(data, format, limits)?;
    let (w, h) = d.dimensions();
    layout(d.color_type(), w, h)
}

/// Decodes a still image into a freshly allocated array, checked against the
/// limits before allocating.
pub(crate) fn decode(data: &SharedBytes, format: ImageFormat, limits: Limits) -> Result<NdImage> {
    if format == ImageFormat::Bmp {
        if let Some(img) = bmp_rgb24(data, limits)? {
            return Ok(img);
        }
    }
    let d = decoder(data, format, limits)?;
    let (w, h) = d.dimensions();
    let (shape, dtype) = layout(d.color_type(), w, h)?;
    limits.check_shape(&shape, dtype)?;
    if (d.total_bytes()) != (shape.iter().product::<usize>() * dtype.size()) as u64 {
        return Err(Error::decode(
            "the decoder's buffer size does not match its colour type",
        ));
    }
    let mut img = NdImage::zeros(&shape, dtype);
    let buf = img.as_bytes_mut().expect("fresh arrays are contiguous");
    d.read_image_boxed(buf).map_err(|e| decode_err(format, e))?;
    Ok(img)
}

/// The common BMP, uncompressed 24-bit BGR rows (`BI_RGB`, a 40-byte or
/// longer info header), decoded here: each row swapped to RGB straight into
/// the array, rows in parallel. `image`'s BMP decoder goes pixel by pixel:
/// 86 ms for a 4K image where this takes 23 ms on one core. `None` for
/// anything else (or anything odd, such as a truncated file), which `image`
/// then decodes or rejects with its own message.
fn bmp_rgb24(data: &[u8], limits: Limits) -> Result<Option<NdImage>> {
    let u32_at = |o: usize| -> Option<u32> {
        Some(u32::from_le_bytes(data.get(o..o + 4)?.try_into().ok()?))
    };
    let u16_at = |o: usize| -> Option<u16> {
        Some(u16::from_le_bytes(data.get(o..o + 2)?.try_into().ok()?))
    };
    let parsed = (|| {
        let offset = u32_at(10)? as usize;
        let header = u32_at(14)?;
        let width = u32_at(18)? as i32;
        let height = u32_at(22)? as i32;
        let (planes, bpp, compression) = (u16_at(26)?, u16_at(28)?, u32_at(30)?);
        let plain = data.starts_with(b"BM")
            && header >= 40
            && planes == 1
            && bpp == 24
            && compression == 0
            && width > 0
            && height != 0
            && height != i32::MIN;
        plain.then_some((offset, width as usize, height))
    })();
    let Some((offset, w, height)) = parsed else {
        return Ok(None);
    };
    let h = height.unsigned_abs() as usize;
    let stride = (w * 3).div_ceil(4) * 4;
    let fits = stride
        .checked_mul(h)
        .and_then(|n| n.checked_add(offset))
        .is_some_and(|end| end <= data.len());
    if !fits {
        return Ok(None);
    }
    let shape = [h, w, 3];
    limits.check_dimensions(w as u64, h as u64)?;
    limits.check_shape(&shape, DType::U8)?;
    let mut img = NdImage::zeros(&shape, DType::U8);
    let out = img.as_bytes_mut().expect("fresh arrays are contiguous");
    // Rows in parallel (rayon): the swap is memory-bound, as is the first
    // touch of the new array's pages.
    use rayon::prelude::*;
    out.par_chunks_exact_mut(w * 3)
        .enumerate()
        .for_each(|(y, row)| {
            // Bottom-up unless the height is negative.
            let src_row = if height > 0 { h - 1 - y } else { y };
            let src = &data[offset + src_row * stride..][..w * 3];
            for (d, s) in row.chunks_exact_mut(3).zip(src.chunks_exact(3)) {
                d[0] = s[2];
                d[1] = s[1];
                d[2] = s[0];
            }
        });
    Ok(Some(img))
}

/// Metadata of a still image: ICC profile, EXIF, orientation, colour type.
pub(crate) fn metadata(
    data: &SharedBytes,
    format: ImageFormat,
    limits: Limits,
    m: &mut Metadata,
) -> Result<()> {
    let mut d = decoder(data, format, limits)?;
    m.insert("color_type", format!("{:?}", d.original_color_type()));
    if let Ok(Some(icc)) = d.icc_profile() {
        m.insert("icc_profile", icc);
    }
    let mut has_exif = false;
    if let Ok(Some(exif)) = d.exif_metadata() {
        m.insert("exif", exif);
        has_exif = true;
    }
    // Reported only when the file says it (EXIF); never applied here.
    if let (true, Ok(o)) = (has_exif, d.orientation()) {
        let v = match o {
            image::metadata::Orientation::NoTransforms => 1,
            image::metadata::Orientation::FlipHorizontal => 2,
            image::metadata::Orientation::Rotate180 => 3,
            image::metadata::Orientation::FlipVertical => 4,
            image::metadata::Orientation::Rotate90FlipH => 5,
            image::metadata::Orientation::Rotate90 => 6,
            image::metadata::Orientation::Rotate270FlipH => 7,
            image::metadata::Orientation::Rotate270 => 8,
        };
        m.insert("orientation", v);
    }
    Ok(())
}

/// The EXIF orientation of a still image (1..=8; 1 without EXIF or for an
/// invalid value), for the `rotate` read option.
pub(crate) fn orientation(data: &SharedBytes, format: ImageFormat, limits: Limits) -> Result<u32> {
    let mut d = decoder(data, format, limits)?;
    Ok(d.orientation().map(crate::orient::code).unwrap_or(1))
}

fn ico_dir(data: &[u8]) -> Result<usize> {
    if data.len() < 6 || data[0..2] != [0, 0] || !(data[2] == 1 || data[2] == 2) || data[3] != 0 {
        return Err(Error::decode("ICO: not an icon directory"));
    }
    let n = u16::from_le_bytes([data[4], data[5]]) as usize;
    if n == 0 {
        return Err(Error::decode("ICO: the directory has no entries"));
    }
    if data.len() < 6 + 16 * n {
        return Err(Error::decode("ICO: the directory is truncated"));
    }
    Ok(n)
}

/// The number of directory entries of an ICO/CUR file.
pub(crate) fn ico_entry_count(data: &[u8]) -> Result<usize> {
    ico_dir(data)
}

/// Directory entry `index` of an ICO/CUR file: a PNG entry as a PNG (PNG
/// rules apply), a BMP entry as a one-entry ICO so that the backend decodes
/// exactly that entry (it otherwise picks the largest) with its AND mask.
pub(crate) fn ico_entry(data: &SharedBytes, index: usize) -> Result<(SharedBytes, ImageFormat)> {
    let n = ico_dir(data)?;
    if index >= n {
        return Err(Error::index_out_of_range(index, Some(n)));
    }
    let e = &data[6 + 16 * index..6 + 16 * (index + 1)];
    let size = u32::from_le_bytes([e[8], e[9], e[10], e[11]]) as usize;
    let offset = u32::from_le_bytes([e[12], e[13], e[14], e[15]]) as usize;
    let end = offset
        .checked_add(size)
        .filter(|&end| end <= data.len())
        .ok_or_else(|| {
            Error::decode(format!(
                "ICO: entry {index} lies outside the file (offset {offset}, size {size})"
            ))
        })?;
    if data[offset..end].starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok((
            SharedBytes::from(data[offset..end].to_vec()),
            ImageFormat::Png,
        ));
    }
    let mut entry = &data[offset..end];
    // A 32-bpp entry carries its own alpha: the AND mask must not apply (the
    // workspace's pixel semantics, ARCHITECTURE.md), but the backend applies
    // any mask it finds. Leave it out.
    let le32 = |b: &[u8], at: usize| {
        b.get(at..at + 4)
            .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
    };
    if let (Some(w), Some(h2), Some(bpp)) = (
        le32(entry, 4),
        le32(entry, 8),
        entry.get(14..16).map(|b| u16::from_le_bytes([b[0], b[1]])),
    ) {
        let (w, h) = (w as u64, (h2 as i32).unsigned_abs() as u64 / 2);
        let mask = w.div_ceil(32) * 4 * h;
        if bpp == 32 && mask > 0 && (mask as usize) < entry.len() {
            entry = &entry[..entry.len() - mask as usize];
        }
    }
    let mut out = Vec::with_capacity(22 + entry.len());
    out.extend_from_slice(&[0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&e[..8]);
    out.extend_from_slice(&(entry.len() as u32).to_le_bytes());
    out.extend_from_slice(&22u32.to_le_bytes());
    out.extend_from_slice(entry);
    Ok((SharedBytes::from(out), ImageFormat::Ico))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast BMP path against `image`'s decoder, on files `image` wrote
    /// (bottom-up, odd widths that pad rows) and a top-down copy.
    #[test]
    fn bmp_fast_path_matches_image() {
        for (w, h) in [(1u32, 1u32), (5, 3), (16, 9), (33, 7)] {
            let rgb = image::RgbImage::from_fn(w, h, |x, y| {
                image::Rgb([(x * 7) as u8, (y * 13) as u8, (x * y + 3) as u8])
            });
            let mut c = Cursor::new(Vec::new());
            rgb.write_to(&mut c, ImageFormat::Bmp).unwrap();
            let bytes = c.into_inner();
            let fast = bmp_rgb24(&bytes, Limits::default())
                .unwrap()
                .expect("fast path");
            assert_eq!(fast.shape(), &[h as usize, w as usize, 3]);
            assert_eq!(fast.as_bytes().unwrap(), rgb.as_raw().as_slice(), "{w}x{h}");
            // Top-down: negative height, rows in file order.
            let stride = (w as usize * 3).div_ceil(4) * 4;
            let off = u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize;
            let mut td = bytes.clone();
            td[22..26].copy_from_slice(&(-(h as i32)).to_le_bytes());
            for y in 0..h as usize {
                let src = &bytes[off + (h as usize - 1 - y) * stride..][..stride];
                td[off + y * stride..][..stride].copy_from_slice(src);
            }
            let top = bmp_rgb24(&td, Limits::default())
                .unwrap()
                .expect("fast path");
            assert_eq!(top.as_bytes().unwrap(), rgb.as_raw().as_slice());
            // Truncated: left to `image`.
            assert!(bmp_rgb24(&bytes[..bytes.len() - 1], Limits::default())
                .unwrap()
                .is_none());
        }
    }

    #[test]
    fn bmp_fast_path_leaves_other_bmps_to_image() {
        let rgba = image::RgbaImage::from_pixel(4, 4, image::Rgba([1, 2, 3, 4]));
        let mut c = Cursor::new(Vec::new());
        rgba.write_to(&mut c, ImageFormat::Bmp).unwrap();
        assert!(bmp_rgb24(&c.into_inner(), Limits::default())
            .unwrap()
            .is_none());
        assert!(bmp_rgb24(b"BM", Limits::default()).unwrap().is_none());
    }

    #[test]
    fn bmp_fast_path_checks_limits_before_allocating() {
        let rgb = image::RgbImage::new(64, 64);
        let mut c = Cursor::new(Vec::new());
        rgb.write_to(&mut c, ImageFormat::Bmp).unwrap();
        let small = Limits {
            max_width: 32,
            ..Limits::default()
        };
        assert!(bmp_rgb24(&c.into_inner(), small).is_err());
    }
}
