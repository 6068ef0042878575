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
    // A 32-bpp entry carries its own alpha: the AND mask must not apply
    // (DESIGN.md), but the backend applies any mask it finds. Leave it out.
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
