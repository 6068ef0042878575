//! Series, as tifffile's series model defines them: the pages of a file
//! grouped into N-dimensional arrays with named axes (tifffile's letters:
//! `T` time, `Z` depth, `C` channel, `Y`, `X`, `S` samples, `I` images,
//! `Q` unknown).
//!
//! The kinds are tried in tifffile's order: its own JSON-shaped files
//! (`{"shape": [...]}`), OME-TIFF ([`crate::ome`], one series per `Image`
//! with data in this file), ImageJ hyperstacks ([`crate::imagej`], one
//! series), else the generic series (pages grouped by layout). The
//! `series` read option returns series N whole, shaped by its axes with the
//! axes of size 1 left out (except `Y` and `X`; shaped series keep their
//! shape), as `tifffile.imread(path, series=N)` does; planes the OME-XML
//! names but the file lacks are zeros, as there.

use imageio_core::plugin::MAX_IMAGES;
use imageio_core::{Error, ImageProperties, Limits, Metadata, NdImage, Result, Value};
use tiff::tags::{CompressionMethod, PhotometricInterpretation, Predictor, Tag};

use crate::imagej;
use crate::ome::{self, OmeImage};
use crate::page::{Mode, Page, Plan};
use crate::read::{common_plan, reshape, tiff_err, Reader};

/// Where a series' planes are.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Planes {
    /// The directory of each plane, in the series' order; `None` for a
    /// plane the file lacks (read as zeros).
    Pages(Vec<Option<usize>>),
    /// This many uncompressed images stored back to back from the first
    /// page's data (ImageJ's files beyond 4 GiB: one directory).
    Contiguous(usize),
}

/// One series of a file.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Series {
    /// `ome` or `imagej`.
    pub kind: &'static str,
    pub name: Option<String>,
    /// The axes, one letter per dimension of `shape`.
    pub axes: String,
    /// The shape a read returns.
    pub shape: Vec<usize>,
    pub planes: Planes,
    /// The page whose layout every plane shares.
    pub keyframe: usize,
    /// The samples of a planar-separate page come before `Y` and `X` in the
    /// series (tifffile's page shape `(S, Y, X)`).
    pub samples_first: bool,
    /// Physical sizes of the spatial axes present (`Z`, `Y`, `X` in the
    /// series' order), and their axes and units; `None`: the page's.
    pub spacing: Option<(Vec<f64>, String, Vec<String>)>,
    /// Keys of the series' kind for the metadata.
    pub extra: Vec<(&'static str, Value)>,
}

/// The most plane assignments an OME-XML is followed for (its `TiffData`
/// elements each name up to every page).
const MAX_ASSIGNMENTS: usize = 4 * MAX_IMAGES;

/// `shape` and `axes` without the axes of length 1, `Y` and `X` kept (and
/// the last axis when every one is 1): tifffile's `squeeze_axes`.
pub(crate) fn squeeze(shape: &[usize], axes: &str) -> (Vec<usize>, String) {
    let mut s = Vec::new();
    let mut a = String::new();
    for (&n, c) in shape.iter().zip(axes.chars()) {
        if n > 1 || c == 'Y' || c == 'X' {
            s.push(n);
            a.push(c);
        }
    }
    if s.is_empty() {
        if let (Some(&n), Some(c)) = (shape.last(), axes.chars().last()) {
            s.push(n);
            a.push(c);
        }
    }
    (s, a)
}

/// The axes of a page as this plugin returns it: `YX` or `YXS`.
fn page_axes(ndim: usize) -> &'static str {
    if ndim == 3 {
        "YXS"
    } else {
        "YX"
    }
}

/// The `shape` (and `axes`, when given) of tifffile's JSON description
/// `{"shape": [3, 4, 5], ...}`; `None` for any other description.
fn shaped_shape(desc: &str) -> Option<(Vec<usize>, Option<String>)> {
    let d = desc.trim();
    if !d.starts_with('{') {
        return None;
    }
    let at = d.find("\"shape\"")? + "\"shape\"".len();
    let rest = d[at..].trim_start().strip_prefix(':')?.trim_start();
    let list = rest.strip_prefix('[')?;
    let list = &list[..list.find(']')?];
    let shape = list
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<usize>().ok())
        .collect::<Option<Vec<_>>>()?;
    if shape.is_empty() || shape.len() > 32 {
        return None;
    }
    let axes = d.find("\"axes\"").and_then(|at| {
        let rest = d[at + 6..].trim_start().strip_prefix(':')?.trim_start();
        let rest = rest.strip_prefix('"')?;
        Some(rest[..rest.find('"')?].to_owned())
    });
    Some((shape, axes))
}

/// A page's shape as tifffile sees it: `(Y, X)`, `(Y, X, S)` or, planar
/// separate, `(S, Y, X)`.
fn page_shape(page: &Page) -> Vec<usize> {
    let (h, w, c) = (page.height as usize, page.width as usize, page.channels());
    match c {
        1 => vec![h, w],
        _ if page.planar => vec![c, h, w],
        _ => vec![h, w, c],
    }
}

fn product(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |p, &n| p.checked_mul(n))
}

fn too_many(what: &str) -> Error {
    Error::limit(format!(
        "TIFF: the series names more {what} than a reader walks ({MAX_IMAGES})"
    ))
}

fn unit_of(p: &Option<ome::PhysicalSize>) -> Option<(f64, String)> {
    p.as_ref().map(|p| (p.value, p.unit.clone()))
}

impl Reader {
    /// Every series of the file, tifffile's kinds in its order: tifffile's
    /// own shaped files, OME-TIFF, ImageJ hyperstacks, else the generic
    /// series (pages grouped by layout).
    pub(crate) fn series_list(&mut self) -> Result<Vec<Series>> {
        let desc = self.description_of(0)?.unwrap_or_default();
        if desc.starts_with('{') {
            if let Some(list) = self.shaped_series(&desc)? {
                return Ok(list);
            }
        }
        if ome::is_ome(&desc) {
            if let Some(images) = ome::parse(&desc)? {
                let n = images.len();
                let mut list = Vec::new();
                for image in images {
                    if let Some(s) = self.ome_series(image)? {
                        list.push(s);
                    }
                }
                // No series with data: tifffile goes on to the ImageJ and
                // generic series.
                if !list.is_empty() {
                    for s in &mut list {
                        s.extra.push(("ome_images", Value::from(n)));
                    }
                    return Ok(list);
                }
            }
        }
        if let Some(h) = imagej::parse(&desc) {
            return Ok(vec![self.imagej_series(h)?]);
        }
        if let Some(list) = self.shaped_series(&desc)? {
            return Ok(list);
        }
        self.generic_series()
    }

    /// tifffile's "shaped" series: pages whose description is tifffile's
    /// JSON `{"shape": [...]}` (what `tifffile.imwrite` writes without
    /// `imagej` or `ome`), each such page starting a series of that exact
    /// shape (no axis left out) over as many pages as the shape holds.
    /// `None` when the file is not one (then the generic series).
    fn shaped_series(&mut self, first: &str) -> Result<Option<Vec<Series>>> {
        if shaped_shape(first).is_none() {
            return Ok(None);
        }
        let count = self.count()?;
        let mut list = Vec::new();
        let mut index = 0;
        while index < count {
            let desc = if index == 0 {
                Some(first.to_owned())
            } else {
                self.description_of(index)?
            };
            let Some((shape, axes)) = desc.as_deref().and_then(shaped_shape) else {
                return Ok(None);
            };
            let plan = self.page(index)?.plan()?;
            let page_size = product(&plan.shape).filter(|&n| n > 0);
            let total = product(&shape);
            let (Some(page_size), Some(total)) = (page_size, total) else {
                return Ok(None);
            };
            let n = (total / page_size).max(1);
            if total % page_size != 0 || n > count - index {
                return Ok(None);
            }
            let tail = page_axes(plan.shape.len());
            let axes = match axes.filter(|a| a.chars().count() == shape.len()) {
                Some(a) => a,
                None if shape.ends_with(&plan.shape) => {
                    let q = "Q".repeat(shape.len() - plan.shape.len());
                    format!("{q}{tail}")
                }
                None => "Q".repeat(shape.len()),
            };
            list.push(Series {
                kind: "shaped",
                name: None,
                axes,
                shape,
                planes: Planes::Pages((index..index + n).map(Some).collect()),
                keyframe: index,
                samples_first: false,
                spacing: None,
                extra: vec![("series_kind", Value::from("shaped"))],
            });
            index += n;
        }
        Ok(Some(list))
    }

    /// tifffile's generic series: the pages grouped by layout (shape, sample
    /// type, compression, ...), each group a series `(I, Y, X[, S])` in the
    /// order of its first page, the length-1 axes left out. Pages are
    /// shaped as this plugin returns them (palettes expanded, planar
    /// samples interleaved), so a uniform file's series 0 is `Index::All`.
    fn generic_series(&mut self) -> Result<Vec<Series>> {
        type Key = (
            Vec<usize>,
            String,
            u16,
            u16,
            u16,
            bool,
            Option<(u32, u32)>,
            u32,
        );
        let count = self.count()?;
        let mut groups: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
        let mut by_key: std::collections::HashMap<Key, usize> = Default::default();
        for i in 0..count {
            let page = self.page(i)?;
            let plan = page.plan()?;
            if product(&plan.shape).is_none_or(|n| n == 0) {
                continue;
            }
            let key: Key = (
                plan.shape.clone(),
                plan.dtype.to_string(),
                page.compression.to_u16(),
                page.predictor,
                page.photometric,
                page.planar,
                page.tile,
                page.rows_per_strip.min(page.height),
            );
            let g = *by_key.entry(key).or_insert_with(|| {
                groups.push((plan.shape.clone(), Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(i);
        }
        Ok(groups
            .into_iter()
            .map(|(pshape, pages)| {
                let mut shape = vec![pages.len()];
                shape.extend_from_slice(&pshape);
                let axes = format!("I{}", page_axes(pshape.len()));
                let (shape, axes) = squeeze(&shape, &axes);
                Series {
                    kind: "generic",
                    name: None,
                    axes,
                    shape,
                    keyframe: pages[0],
                    planes: Planes::Pages(pages.into_iter().map(Some).collect()),
                    samples_first: false,
                    spacing: None,
                    extra: vec![("series_kind", Value::from("generic"))],
                }
            })
            .collect())
    }

    /// Page `index`'s ImageDescription, without trailing NULs.
    fn description_of(&mut self, index: usize) -> Result<Option<String>> {
        let dir = self.tag_directory(index)?;
        let desc = self
            .tags
            .read_directory_tags(&dir)
            .find_tag(Tag::ImageDescription);
        Ok(match desc {
            Ok(Some(tiff::decoder::ifd::Value::Ascii(s))) => {
                Some(s.trim_end_matches('\0').to_owned())
            }
            _ => None,
        })
    }

    /// The series of an OME `Image`: its planes matched to this file's
    /// pages; `None` when it has no data here or its planes are not its
    /// pages (tifffile skips both).
    fn ome_series(&mut self, image: OmeImage) -> Result<Option<Series>> {
        let count = self.count()?;
        let mut assigned = std::collections::BTreeMap::new();
        let mut budget = MAX_ASSIGNMENTS;
        for td in &image.tiff_data {
            let Some(start) = td.start else { continue };
            if td.other_file {
                return Err(Error::unsupported(
                    "TIFF: the OME series has planes in other files (multi-file OME-TIFF)",
                ));
            }
            let size = if td.planes > 0 { td.planes } else { count };
            for i in 0..size {
                let Some(page) = td.ifd.checked_add(i).filter(|&p| p < count) else {
                    break;
                };
                budget = budget.checked_sub(1).ok_or_else(|| too_many("planes"))?;
                let at = start.checked_add(i).ok_or_else(|| too_many("planes"))?;
                assigned.insert(at, page);
            }
        }
        let Some(&first) = assigned.values().next() else {
            return Ok(None);
        };
        let keyframe = if assigned.values().any(|&p| p == 0) {
            0
        } else {
            first
        };
        let page = self.page(keyframe)?;
        let pshape = page_shape(&page);
        let (mut axes, mut shape) = (image.axes.clone(), image.shape.clone());
        if image.spp > 1 {
            if page.planar {
                shape.insert(3, image.spp);
                axes.insert(3, 'S');
            } else {
                shape.push(image.spp);
                axes.push('S');
            }
        } else {
            shape.push(1);
            axes.push('S');
        }
        let page_size = product(&pshape).filter(|&n| n > 0);
        let total = product(&shape).ok_or_else(|| too_many("samples"))?;
        let Some(page_size) = page_size else {
            return Ok(None);
        };
        let planes = (total / page_size).max(1);
        if planes > MAX_IMAGES {
            return Err(too_many("planes"));
        }
        let (sshape, saxes) = squeeze(&shape, &axes);
        if sshape.len() < pshape.len() || sshape[sshape.len() - pshape.len()..] != pshape[..] {
            // tifffile: "cannot handle discontiguous storage".
            return Ok(None);
        }
        let mut list = vec![None; planes];
        for (at, p) in assigned.range(..planes) {
            list[*at] = Some(*p);
        }
        let mut extra = vec![("series_kind", Value::from("ome"))];
        if let Some(t) = &image.pixel_type {
            extra.push(("ome_type", Value::from(t.as_str())));
        }
        if let Some((v, unit)) = unit_of(&image.time_increment) {
            extra.push(("time_increment", Value::from(v)));
            extra.push(("time_increment_unit", Value::from(unit)));
        }
        let [px, py, pz] = &image.physical;
        let spacing = match (unit_of(py), unit_of(px)) {
            (Some(y), Some(x)) => {
                let mut values = Vec::new();
                let mut names = String::new();
                let mut units = Vec::new();
                for c in saxes.chars() {
                    let p = match c {
                        'Z' => unit_of(pz),
                        'Y' => Some(y.clone()),
                        'X' => Some(x.clone()),
                        _ => None,
                    };
                    if let Some((v, u)) = p {
                        values.push(v);
                        names.push(c);
                        units.push(u);
                    }
                }
                Some((values, names, units))
            }
            _ => None,
        };
        Ok(Some(Series {
            kind: "ome",
            name: image.name,
            axes: saxes,
            shape: sshape,
            planes: Planes::Pages(list),
            keyframe,
            samples_first: page.planar && page.channels() > 1,
            spacing,
            extra,
        }))
    }

    /// The series of an ImageJ hyperstack.
    fn imagej_series(&mut self, mut h: imagej::Hyperstack) -> Result<Series> {
        let page = self.page(0)?;
        let plan = page.plan()?;
        let count = self.count()?;
        let spp = page.channels();
        let (planar, contig) = if page.planar { (spp, 1) } else { (1, spp) };
        h.resolve(count, planar, contig);
        let (axes, shape) = if h.planar_channels && plan.shape.len() == 3 {
            // Bio-Formats: the channels are the page's planar samples, read
            // as (C, Y, X) planes.
            let mut a: String = h.dims.iter().map(|&(c, _)| c).collect();
            a.push_str("CYX");
            let mut s: Vec<usize> = h.dims.iter().map(|&(_, n)| n).collect();
            s.extend_from_slice(&[plan.shape[2], plan.shape[0], plan.shape[1]]);
            (a, s)
        } else {
            (h.axes(plan.shape.len()), h.shape(&plan.shape))
        };
        let planes = if count >= h.images {
            Planes::Pages((0..h.images).map(Some).collect())
        } else {
            Planes::Contiguous(h.images)
        };
        let mut extra = vec![
            ("series_kind", Value::from("imagej")),
            ("imagej_images", Value::from(h.images)),
        ];
        if let Some(dz) = h.z_spacing {
            extra.push(("z_spacing", Value::from(dz)));
        }
        // (dz, dy, dx) when the series has slices and both are known.
        let spacing = match (h.z_spacing, axes.contains('Z')) {
            (Some(dz), true) => {
                let dir = self.tag_directory(0)?;
                crate::metadata::spacing(&mut self.tags.read_directory_tags(&dir)).map(|yx| {
                    let unit = h.unit.clone().unwrap_or_default();
                    (vec![dz, yx[0], yx[1]], "ZYX".to_owned(), vec![unit; 3])
                })
            }
            _ => None,
        };
        Ok(Series {
            kind: "imagej",
            name: None,
            axes,
            shape,
            planes,
            keyframe: 0,
            samples_first: h.planar_channels && plan.shape.len() == 3,
            spacing,
            extra,
        })
    }

    /// Series `n`: an error when the file has no series or fewer.
    pub(crate) fn series(&mut self, n: usize) -> Result<Series> {
        let mut list = self.series_list()?;
        if list.is_empty() {
            return Err(Error::decode("TIFF: the file has no page with pixels"));
        }
        if n >= list.len() {
            return Err(Error::index_out_of_range(n, Some(list.len())));
        }
        Ok(list.swap_remove(n))
    }

    /// Series `n` whole, shaped by its axes (`tifffile.imread(series=n)`).
    pub(crate) fn read_series(&mut self, n: usize, limits: Limits) -> Result<NdImage> {
        let s = self.series(n)?;
        let first = self.page(s.keyframe)?;
        let plan = first.plan()?;
        self.limits.check_shape(&s.shape, plan.dtype)?;
        limits.check_shape(&s.shape, plan.dtype)?;
        let stack = match &s.planes {
            Planes::Contiguous(images) => self.read_contiguous_images(&first, &plan, *images)?,
            Planes::Pages(list) => {
                let mut pages = Vec::with_capacity(list.len());
                for p in list {
                    pages.push(p.map(|i| self.page(i)).transpose()?);
                }
                let common = common_plan(pages.iter().flatten())
                    .filter(|c| c.shape == plan.shape && c.dtype == plan.dtype);
                let Some(plan) = common else {
                    return Err(Error::unsupported(format!(
                        "TIFF: the pages of the {} series differ in shape or type",
                        s.kind
                    )));
                };
                self.decode_stack(&pages, &plan, limits)?
            }
        };
        if product(stack.shape()) != product(&s.shape) {
            return Err(Error::unsupported(format!(
                "TIFF: the {} series' pages decode to {:?}, not planes of {:?} (palette or \
                 other converted pages in a series)",
                s.kind,
                &stack.shape()[1..],
                s.shape
            )));
        }
        let stack = if s.samples_first {
            samples_first(stack)?
        } else {
            stack
        };
        reshape(stack, &s.shape)
    }

    /// `images` uncompressed images stored back to back from the first
    /// page's first strip (how ImageJ writes files beyond 4 GiB: one
    /// directory, the description's image count).
    fn read_contiguous_images(
        &mut self,
        page: &Page,
        plan: &Plan,
        images: usize,
    ) -> Result<NdImage> {
        let es = plan.raw.size();
        let plain = page.compression == CompressionMethod::None
            && page.tile.is_none()
            && !page.planar
            && plan.mode == Mode::Bytes
            && !plan.byte_trick
            && page.predictor <= Predictor::None.to_u16()
            && page.bits as usize == es * 8
            && plan.raw == plan.dtype
            && plan.shape == page.raw_shape()
            && matches!(
                page.photometric(),
                Some(PhotometricInterpretation::BlackIsZero | PhotometricInterpretation::RGB)
            );
        let ra = self.raw.clone();
        let (Some(ra), true) = (ra, plain) else {
            return Err(Error::unsupported(format!(
                "TIFF: the ImageJ hyperstack names {images} images in fewer pages, and its \
                 first page is not uncompressed contiguous data"
            )));
        };
        let mut dec = self.page_decoder(page, plan)?;
        let offset = dec
            .get_tag_u64_vec(Tag::StripOffsets)
            .map_err(tiff_err)?
            .first()
            .copied()
            .ok_or_else(|| Error::decode("TIFF: the page has no StripOffsets"))?;
        let mut shape = vec![images];
        shape.extend_from_slice(&plan.shape);
        // The images must lie in the file (tifffile's check) before anything
        // is allocated.
        let bytes = product(&shape).and_then(|n| n.checked_mul(es));
        let end = bytes.and_then(|b| offset.checked_add(b as u64));
        if end.is_none_or(|e| e > self.data.len() as u64) {
            return Err(Error::decode(format!(
                "TIFF: the ImageJ description names {images} images, more than the file holds"
            )));
        }
        let mut img = ra.read_array_at(offset, &shape, plan.raw, &self.limits)?;
        if self.fmt.big_endian != cfg!(target_endian = "big") && es > 1 {
            let bytes = img
                .as_bytes_mut()
                .ok_or_else(|| Error::internal("a new array is contiguous"))?;
            bytes.chunks_exact_mut(es).for_each(<[u8]>::reverse);
        }
        self.chunks_decoded += 1;
        Ok(img)
    }

    /// The properties of series `n`, without decoding: its shape, the
    /// keyframe's dtype, its spacing (else the page's).
    pub(crate) fn series_properties(&mut self, n: usize) -> Result<ImageProperties> {
        let s = self.series(n)?;
        let mut p = self.properties_of(s.keyframe)?;
        p.shape = s.shape;
        if let Some((values, _, _)) = s.spacing {
            p.spacing = Some(values);
        }
        Ok(p)
    }

    /// The keys of series `n` (`axes`, `shape`, `n_series`, ...), when the
    /// file has one; a file whose series cannot be listed adds nothing.
    /// Unless `asked` (the `series` option was given), only files whose
    /// first description names a series (OME-XML, ImageJ, tifffile's JSON)
    /// are looked at: the generic series walks every page's tags.
    pub(crate) fn insert_series_metadata(&mut self, n: usize, asked: bool, m: &mut Metadata) {
        if !asked {
            let d = self.description_of(0).ok().flatten().unwrap_or_default();
            let named = ome::is_ome(&d)
                || d.trim_start().starts_with("ImageJ=")
                || shaped_shape(&d).is_some();
            if !named {
                return;
            }
        }
        let Ok(mut list) = self.series_list() else {
            return;
        };
        m.insert("n_series", list.len());
        if n >= list.len() {
            return;
        }
        let s = list.swap_remove(n);
        m.insert("axes", s.axes);
        m.insert(
            "series_shape",
            s.shape.iter().map(|&v| Value::from(v)).collect::<Vec<_>>(),
        );
        if let Some(name) = s.name {
            m.insert("series_name", name);
        }
        if let Some((values, axes, units)) = s.spacing {
            m.insert(
                "spacing",
                values.into_iter().map(Value::from).collect::<Vec<_>>(),
            );
            m.insert("spacing_axes", axes);
            m.insert(
                "spacing_units",
                units.into_iter().map(Value::from).collect::<Vec<_>>(),
            );
        }
        for (k, v) in s.extra {
            m.insert(k, v);
        }
    }
}

/// `(N, Y, X, S)` planes as `(N, S, Y, X)`: planar-separate pages in a
/// series whose samples come before `Y` and `X`.
fn samples_first(stack: NdImage) -> Result<NdImage> {
    imageio_core::with_dtype!(stack.dtype(), T => {
        let a = stack.into_array::<T>()?;
        if a.ndim() != 4 {
            return Err(Error::internal("TIFF: planar series planes are not 3-D"));
        }
        let a = a.permuted_axes(imageio_core::ndarray::IxDyn(&[0, 3, 1, 2]));
        Ok(NdImage::from(a.as_standard_layout().into_owned()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shaped_descriptions() {
        assert_eq!(
            shaped_shape(r#"{"shape": [3, 4, 5]}"#),
            Some((vec![3, 4, 5], None))
        );
        assert_eq!(
            shaped_shape(r#"{"shape": [1, 5, 6], "axes": "ZYX"}"#),
            Some((vec![1, 5, 6], Some("ZYX".into())))
        );
        assert_eq!(shaped_shape("ImageJ=1.11a"), None);
        assert_eq!(shaped_shape(r#"{"shape": [x]}"#), None);
    }

    #[test]
    fn squeeze_is_tifffiles() {
        assert_eq!(
            squeeze(&[5, 1, 2, 1, 1], "TZYXC"),
            (vec![5, 2, 1], "TYX".into())
        );
        assert_eq!(
            squeeze(&[1, 3, 2, 8, 10, 1], "TZCYXS"),
            (vec![3, 2, 8, 10], "ZCYX".into())
        );
        assert_eq!(squeeze(&[1], "Q"), (vec![1], "Q".into()));
        assert_eq!(
            squeeze(&[1, 1, 1, 4, 4, 3], "TCZYXS"),
            (vec![4, 4, 3], "YXS".into())
        );
    }
}
