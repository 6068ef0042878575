//! OME-TIFF: the OME-XML in the first page's ImageDescription, read as
//! tifffile's series model reads it. Each `Image` element with data in this
//! file is a series: its `Pixels` give the axes (`DimensionOrder` reversed,
//! `XYCZT` → `TZCYX`), the sizes (`SizeX` ... `SizeT`, the channels divided
//! by the first `Channel`'s `SamplesPerPixel`), the physical sizes
//! (`PhysicalSizeX/Y/Z` and their units) and, through its `TiffData`
//! elements, which directory holds each plane. This module only parses;
//! [`crate::series`] matches the planes to the file's pages.

use imageio_core::{Error, Result};

/// One `TiffData` element: `planes` directories from `ifd` on (0: every
/// directory of the file from there) hold the planes from `start` on.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TiffData {
    pub ifd: usize,
    pub planes: usize,
    /// The first plane's position in the series' planes, `None` when its
    /// `FirstZ/C/T` lie outside the sizes (tifffile skips such elements).
    pub start: Option<usize>,
    /// The planes are in another file (a `UUID` that is not this file's).
    pub other_file: bool,
}

/// A physical size and its unit (`µm` unless the XML says otherwise).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PhysicalSize {
    pub value: f64,
    pub unit: String,
}

/// One `Image` element's `Pixels`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OmeImage {
    pub name: Option<String>,
    /// `DimensionOrder` reversed: the five axes, `YX` last.
    pub axes: String,
    /// The size of each axis, the channels divided by the samples per pixel.
    pub shape: Vec<usize>,
    /// Samples per pixel of the first `Channel` (1 when absent).
    pub spp: usize,
    /// `Type` as written (`uint16`, `float`, ...).
    pub pixel_type: Option<String>,
    pub tiff_data: Vec<TiffData>,
    /// `PhysicalSizeX`, `PhysicalSizeY`, `PhysicalSizeZ`, when given.
    pub physical: [Option<PhysicalSize>; 3],
    /// `TimeIncrement` in its unit, when given.
    pub time_increment: Option<PhysicalSize>,
}

/// Whether an ImageDescription is OME-XML (its end is the `OME` element's
/// closing tag, tifffile's test).
pub(crate) fn is_ome(description: &str) -> bool {
    let d = description.trim_end_matches('\0').trim_end();
    d.ends_with("OME>")
}

/// The most XML nodes a description may hold (a bound on the parser's
/// work and memory; real files have a few per plane).
const MAX_NODES: u32 = 4 << 20;

/// The images of an OME-XML description. `None` when the XML does not
/// parse (tifffile then falls back to other series kinds); an error when an
/// attribute that must be a number is not one.
pub(crate) fn parse(xml: &str) -> Result<Option<Vec<OmeImage>>> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    let Ok(doc) = roxmltree::Document::parse_with_options(xml.trim_end_matches('\0'), opts) else {
        return Ok(None);
    };
    let root = doc.root_element();
    let root_uuid = root.attribute("UUID").map(str::to_owned);
    let mut this_file = root_uuid;
    let mut images = Vec::new();
    for element in root.children().filter(|n| n.is_element()) {
        match element.tag_name().name() {
            // The metadata are in another file: no series here.
            "BinaryOnly" => break,
            "Image" => {}
            _ => continue,
        }
        let name = element.attribute("Name").map(str::to_owned);
        for pixels in element
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == "Pixels")
        {
            images.push(read_pixels(pixels, name.clone(), &mut this_file)?);
        }
    }
    Ok(Some(images))
}

fn bad(what: &str, value: &str) -> Error {
    Error::decode(format!("OME-TIFF: {what} is not a number: {value:?}"))
}

fn int_attr(node: roxmltree::Node<'_, '_>, key: &str) -> Result<Option<usize>> {
    match node.attribute(key) {
        None => Ok(None),
        Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| bad(key, v)),
    }
}

fn physical(node: roxmltree::Node<'_, '_>, key: &str, unit: &str) -> Option<PhysicalSize> {
    let value = node.attribute(key)?.trim().parse::<f64>().ok()?;
    value.is_finite().then(|| PhysicalSize {
        value,
        unit: node
            .attribute(format!("{key}Unit").as_str())
            .unwrap_or(unit)
            .to_owned(),
    })
}

/// The position of plane `idx` (one index per axis) in planes of `dims`,
/// C order; `None` when out of range.
fn ravel(idx: &[usize], dims: &[usize]) -> Option<usize> {
    let mut at = 0usize;
    for (&i, &d) in idx.iter().zip(dims) {
        if i >= d {
            return None;
        }
        at = at.checked_mul(d)?.checked_add(i)?;
    }
    Some(at)
}

fn read_pixels(
    pixels: roxmltree::Node<'_, '_>,
    name: Option<String>,
    this_file: &mut Option<String>,
) -> Result<OmeImage> {
    let order = pixels
        .attribute("DimensionOrder")
        .ok_or_else(|| Error::decode("OME-TIFF: Pixels without DimensionOrder"))?;
    let axes: String = order.chars().rev().collect();
    if axes.len() != 5
        || !axes.ends_with("YX")
        || !["Z", "C", "T"].iter().all(|a| axes[..3].contains(a))
    {
        return Err(Error::decode(format!(
            "OME-TIFF: invalid DimensionOrder {order:?}"
        )));
    }
    let mut shape = Vec::with_capacity(5);
    for ax in axes.chars() {
        let key = format!("Size{ax}");
        shape.push(
            int_attr(pixels, &key)?
                .ok_or_else(|| Error::decode(format!("OME-TIFF: Pixels without {key}")))?,
        );
    }
    let mut spp = None;
    let mut tiff_data = Vec::new();
    for data in pixels.children().filter(|n| n.is_element()) {
        match data.tag_name().name() {
            "Channel" => {
                let s = int_attr(data, "SamplesPerPixel")?;
                match spp {
                    None => {
                        let s = s.unwrap_or(1).max(1);
                        spp = Some(s);
                        if s > 1 {
                            shape[axes.find('C').expect("checked")] /= s;
                        }
                    }
                    Some(first) if s.unwrap_or(1) != first => {
                        return Err(Error::unsupported(
                            "OME-TIFF: the channels differ in SamplesPerPixel",
                        ))
                    }
                    Some(_) => {}
                }
            }
            "TiffData" => {
                let ifd = int_attr(data, "IFD")?;
                let planes = int_attr(data, "PlaneCount")?
                    .or(int_attr(data, "NumPlanes")?)
                    .unwrap_or(usize::from(ifd.is_some()));
                let mut first = Vec::with_capacity(3);
                for ax in axes[..3].chars() {
                    first.push(int_attr(data, &format!("First{ax}"))?.unwrap_or(0));
                }
                let uuid = data
                    .children()
                    .find(|n| n.is_element() && n.tag_name().name() == "UUID")
                    .and_then(|n| n.text())
                    .map(str::trim);
                let other_file = match (uuid, this_file.as_deref()) {
                    (None, _) => false,
                    (Some(u), Some(own)) => u != own,
                    (Some(u), None) => {
                        // No UUID on the root: the first one named is taken
                        // to be this file's.
                        *this_file = Some(u.to_owned());
                        false
                    }
                };
                tiff_data.push(TiffData {
                    ifd: ifd.unwrap_or(0),
                    planes,
                    start: ravel(&first, &shape[..3]),
                    other_file,
                });
            }
            _ => {}
        }
    }
    Ok(OmeImage {
        name,
        axes,
        shape,
        spp: spp.unwrap_or(1),
        pixel_type: pixels.attribute("Type").map(str::to_owned),
        tiff_data,
        physical: [
            physical(pixels, "PhysicalSizeX", "µm"),
            physical(pixels, "PhysicalSizeY", "µm"),
            physical(pixels, "PhysicalSizeZ", "µm"),
        ],
        time_increment: physical(pixels, "TimeIncrement", "s"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" UUID="urn:uuid:1"><Image ID="Image:0" Name="Image0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" SizeX="10" SizeY="8" SizeC="2" SizeZ="3" SizeT="1" PhysicalSizeX="0.5" PhysicalSizeY="0.25" PhysicalSizeZ="2.0" PhysicalSizeZUnit="nm"><Channel ID="Channel:0:0" SamplesPerPixel="1"/><Channel ID="Channel:0:1" SamplesPerPixel="1"/><TiffData IFD="0" PlaneCount="6"/></Pixels></Image><Image ID="Image:1"><Pixels DimensionOrder="XYZCT" Type="uint8" SizeX="4" SizeY="4" SizeC="3" SizeZ="1" SizeT="1"><Channel SamplesPerPixel="3"/><TiffData IFD="6" FirstZ="0"><UUID FileName="x.ome.tif">urn:uuid:1</UUID></TiffData><TiffData FirstT="2"/><TiffData><UUID>urn:uuid:2</UUID></TiffData></Pixels></Image></OME>"#;

    #[test]
    fn images_axes_sizes_and_planes() {
        assert!(is_ome(XML));
        assert!(is_ome(&format!("{XML}\n\0\0")));
        let images = parse(XML).unwrap().unwrap();
        assert_eq!(images.len(), 2);
        let a = &images[0];
        assert_eq!(
            (a.axes.as_str(), a.shape.as_slice()),
            ("TZCYX", &[1, 3, 2, 8, 10][..])
        );
        assert_eq!(a.name.as_deref(), Some("Image0"));
        assert_eq!(a.pixel_type.as_deref(), Some("uint16"));
        assert_eq!(
            a.tiff_data,
            [TiffData {
                ifd: 0,
                planes: 6,
                start: Some(0),
                other_file: false
            }]
        );
        assert_eq!(
            a.physical[0],
            Some(PhysicalSize {
                value: 0.5,
                unit: "µm".into()
            })
        );
        assert_eq!(
            a.physical[2],
            Some(PhysicalSize {
                value: 2.0,
                unit: "nm".into()
            })
        );
        let b = &images[1];
        assert_eq!(
            (b.axes.as_str(), b.shape.as_slice()),
            ("TCZYX", &[1, 1, 1, 4, 4][..])
        );
        assert_eq!(b.spp, 3);
        // IFD given: one plane; no IFD: every page; FirstT=2 is out of range.
        assert_eq!(
            b.tiff_data[0],
            TiffData {
                ifd: 6,
                planes: 1,
                start: Some(0),
                other_file: false
            }
        );
        assert_eq!(
            b.tiff_data[1],
            TiffData {
                ifd: 0,
                planes: 0,
                start: None,
                other_file: false
            }
        );
        assert!(b.tiff_data[2].other_file);
    }

    #[test]
    fn broken_xml_is_no_series_and_bad_numbers_are_errors() {
        assert_eq!(parse("<OME><Image").unwrap(), None);
        let dtd = r#"<!DOCTYPE OME [<!ENTITY a "aaaa">]><OME>&a;</OME>"#;
        assert_eq!(parse(dtd).unwrap(), None);
        let e = parse(r#"<OME><Image><Pixels DimensionOrder="XYZCT" SizeX="x"/></Image></OME>"#)
            .unwrap_err();
        assert_eq!(e.kind(), imageio_core::ErrorKind::Decode);
        let e = parse(r#"<OME><Image><Pixels DimensionOrder="XYQCT"/></Image></OME>"#).unwrap_err();
        assert_eq!(e.kind(), imageio_core::ErrorKind::Decode);
        assert!(!is_ome("ImageJ=1.11a\n"));
    }
}
