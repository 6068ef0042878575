//! OpenEXR reads through the `exr` crate (the backend `image` itself uses),
//! because `image` returns the display window, not the data window, knows
//! only the first part, and refuses luminance-only files. Here: the data
//! window, channels R, G, B[, A] (or Y alone as `(H, W)`), half widened to
//! `f32`, index = part, mip level 0.

use std::io::Cursor;

use exr::image::read::image::ReadLayers;
use exr::image::read::layers::ReadChannels;
use exr::meta::MetaData;
use exr::prelude::{read, FlatSamples};
use imageio_core::{DType, Error, Limits, NdImage, Result};

fn exr_err(e: exr::error::Error) -> Error {
    match e {
        exr::error::Error::NotSupported(m) => Error::unsupported(format!("OpenEXR: {m}")),
        other => Error::decode(format!("OpenEXR: {other}")),
    }
}

fn meta(data: &[u8]) -> Result<MetaData> {
    MetaData::read_from_buffered(Cursor::new(data), false).map_err(exr_err)
}

/// The number of parts.
pub(crate) fn part_count(data: &[u8]) -> Result<usize> {
    Ok(meta(data)?.headers.len())
}

/// Which channels make the image, by name: R, G, B[, A]; else Y[, A]; else
/// a single channel alone.
fn pick(names: &[String]) -> Result<Vec<usize>> {
    let find = |n: &str| names.iter().position(|x| x == n);
    let mut out = match (find("R"), find("G"), find("B"), find("Y")) {
        (Some(r), Some(g), Some(b), _) => vec![r, g, b],
        (_, _, _, Some(y)) => vec![y],
        _ if names.len() == 1 => vec![0],
        _ => {
            return Err(Error::unsupported(format!(
                "OpenEXR: no R, G, B or Y channels to make an image of (channels: {})",
                names.join(", ")
            )))
        }
    };
    if let Some(a) = find("A") {
        if names.len() > 1 {
            out.push(a);
        }
    }
    Ok(out)
}

fn shape_of(h: usize, w: usize, c: usize) -> Vec<usize> {
    if c == 1 {
        vec![h, w]
    } else {
        vec![h, w, c]
    }
}

/// Shape and dtype of part `index`, from the headers alone.
pub(crate) fn header(data: &[u8], index: usize) -> Result<(Vec<usize>, DType)> {
    let m = meta(data)?;
    let n = m.headers.len();
    let h = m
        .headers
        .get(index)
        .ok_or_else(|| Error::index_out_of_range(index, Some(n)))?;
    let names: Vec<String> = h.channels.list.iter().map(|c| c.name.to_string()).collect();
    let picked = pick(&names)?;
    Ok((
        shape_of(h.layer_size.1, h.layer_size.0, picked.len()),
        DType::F32,
    ))
}

/// Decodes part `index` into an `f32` array.
pub(crate) fn decode(data: &[u8], index: usize, limits: Limits) -> Result<NdImage> {
    let m = meta(data)?;
    let n = m.headers.len();
    if index >= n {
        return Err(Error::index_out_of_range(index, Some(n)));
    }
    // Every part is decoded: check them all before allocating.
    let mut total: u64 = 0;
    for h in &m.headers {
        let (w, hh) = (h.layer_size.0 as u64, h.layer_size.1 as u64);
        limits.check_dimensions(w, hh)?;
        total = total.saturating_add(
            w.saturating_mul(hh)
                .saturating_mul(h.channels.list.len() as u64 * 4),
        );
    }
    limits.check_alloc(total)?;
    let image = read()
        .no_deep_data()
        .largest_resolution_level()
        .all_channels()
        .all_layers()
        .all_attributes()
        .from_buffered(Cursor::new(data))
        .map_err(exr_err)?;
    let layer = image
        .layer_data
        .get(index)
        .ok_or_else(|| Error::index_out_of_range(index, Some(n)))?;
    let (w, h) = (layer.size.0, layer.size.1);
    let list = &layer.channel_data.list;
    let names: Vec<String> = list.iter().map(|c| c.name.to_string()).collect();
    let picked = pick(&names)?;
    let c = picked.len();
    let mut out = vec![0f32; w * h * c];
    for (k, &ci) in picked.iter().enumerate() {
        let samples = &list[ci].sample_data;
        let len = match samples {
            FlatSamples::F16(v) => v.len(),
            FlatSamples::F32(v) => v.len(),
            FlatSamples::U32(v) => v.len(),
        };
        if len != w * h {
            return Err(Error::unsupported(format!(
                "OpenEXR: channel {} is subsampled ({len} samples for {w}x{h} pixels)",
                names[ci]
            )));
        }
        let dst = out.iter_mut().skip(k).step_by(c);
        match samples {
            FlatSamples::F16(v) => dst.zip(v.iter()).for_each(|(d, s)| *d = s.to_f32()),
            FlatSamples::F32(v) => dst.zip(v.iter()).for_each(|(d, &s)| *d = s),
            FlatSamples::U32(v) => dst.zip(v.iter()).for_each(|(d, &s)| *d = s as f32),
        }
    }
    NdImage::from_shape_vec(&shape_of(h, w, c), out)
}
