//! Metadata of a page: names of the coded values (compression, photometric
//! interpretation, predictor, extra samples), the text and resolution tags,
//! and the pixel spacing from the resolution.

use imageio_core::{Metadata, Value};
use tiff::decoder::ifd::Value as TiffValue;
use tiff::decoder::IfdDecoder;
use tiff::tags::{
    CompressionMethod, ExtraSamples, PhotometricInterpretation, Predictor, ResolutionUnit,
    SampleFormat, Tag,
};

use crate::page::Page;

/// Compression codes the `tiff` crate does not name (libtiff's numbers).
const SGILOG: u16 = 34676;
const SGILOG24: u16 = 34677;
const JPEG2000: u16 = 34712;
const LERC: u16 = 34887;
const LZMA: u16 = 34925;
/// Zstandard and WebP under the numbers of an older libtiff.
const ZSTD_OLD: u16 = 34926;
const WEBP_OLD: u16 = 34927;
const JPEGXL: u16 = 50002;

/// Photometric interpretations the `tiff` crate does not name.
const LOGL: u16 = 32844;
const LOGLUV: u16 = 32845;

/// Text tags the `tiff` crate does not name.
const DOCUMENT_NAME: Tag = Tag::Unknown(269);
const PAGE_NAME: Tag = Tag::Unknown(285);

/// The text tags reported, and their keys.
const TEXT_TAGS: &[(Tag, &str)] = &[
    (Tag::ImageDescription, "description"),
    (Tag::Software, "software"),
    (Tag::DateTime, "datetime"),
    (Tag::Artist, "artist"),
    (Tag::Copyright, "copyright"),
    (Tag::Make, "make"),
    (Tag::Model, "model"),
    (Tag::HostComputer, "host_computer"),
    (DOCUMENT_NAME, "document_name"),
    (PAGE_NAME, "page_name"),
];

/// The name of a compression scheme, for metadata and messages.
pub(crate) fn compression_name(c: CompressionMethod) -> String {
    use CompressionMethod as C;
    match c {
        C::None => "none".into(),
        C::Huffman => "ccitt_rle".into(),
        C::Fax3 => "ccitt_fax3".into(),
        C::Fax4 => "ccitt_fax4".into(),
        C::LZW => "lzw".into(),
        C::JPEG => "ojpeg".into(),
        C::ModernJPEG => "jpeg".into(),
        C::Deflate | C::OldDeflate => "deflate".into(),
        C::PackBits => "packbits".into(),
        C::ZSTD | C::Unknown(ZSTD_OLD) => "zstd".into(),
        C::WebP | C::Unknown(WEBP_OLD) => "webp".into(),
        C::Unknown(SGILOG) => "sgilog".into(),
        C::Unknown(SGILOG24) => "sgilog24".into(),
        C::Unknown(JPEG2000) => "jpeg2000".into(),
        C::Unknown(LERC) => "lerc".into(),
        C::Unknown(LZMA) => "lzma".into(),
        C::Unknown(JPEGXL) => "jpegxl".into(),
        other => format!("unknown_{}", other.to_u16()),
    }
}

/// The name of a photometric interpretation.
pub(crate) fn photometric_name(p: u16) -> String {
    use PhotometricInterpretation as P;
    let name = match (PhotometricInterpretation::from_u16(p), p) {
        (Some(P::WhiteIsZero), _) => "miniswhite",
        (Some(P::BlackIsZero), _) => "minisblack",
        (Some(P::RGB), _) => "rgb",
        (Some(P::RGBPalette), _) => "palette",
        (Some(P::TransparencyMask), _) => "mask",
        (Some(P::CMYK), _) => "separated",
        (Some(P::YCbCr), _) => "ycbcr",
        (Some(P::CIELab), _) => "cielab",
        (Some(P::IccLab), _) => "icclab",
        (Some(P::ItuLab), _) => "itulab",
        (_, LOGL) => "logl",
        (_, LOGLUV) => "logluv",
        _ => return format!("unknown_{p}"),
    };
    name.into()
}

fn predictor_name(p: u16) -> String {
    match Predictor::from_u16(p) {
        Some(Predictor::None) => "none".into(),
        Some(Predictor::Horizontal) => "horizontal".into(),
        Some(Predictor::FloatingPoint) => "floating_point".into(),
        _ => format!("unknown_{p}"),
    }
}

fn extra_sample_name(e: u16) -> &'static str {
    match ExtraSamples::from_u16(e) {
        Some(ExtraSamples::Unspecified) => "unspecified",
        Some(ExtraSamples::AssociatedAlpha) => "associated_alpha",
        Some(ExtraSamples::UnassociatedAlpha) => "unassociated_alpha",
        _ => "unknown",
    }
}

fn sample_format_name(f: SampleFormat) -> &'static str {
    match f {
        SampleFormat::Int => "int",
        SampleFormat::IEEEFP => "float",
        _ => "uint",
    }
}

fn value_f64(v: TiffValue) -> Option<f64> {
    #[allow(deprecated)]
    match v {
        TiffValue::Rational(n, d) if d != 0 => Some(n as f64 / d as f64),
        TiffValue::RationalBig(n, d) if d != 0 => Some(n as f64 / d as f64),
        TiffValue::SRational(n, d) if d != 0 => Some(n as f64 / d as f64),
        TiffValue::Float(f) => Some(f as f64),
        TiffValue::Double(f) => Some(f),
        TiffValue::Short(s) => Some(s as f64),
        TiffValue::Unsigned(u) => Some(u as f64),
        TiffValue::List(mut l) if l.len() == 1 => value_f64(l.remove(0)),
        _ => None,
    }
}

/// The X and Y resolution tags of a directory, when present and numeric.
fn xy_resolution(t: &mut IfdDecoder<'_>) -> Option<(f64, f64)> {
    let mut get = |tag| t.find_tag(tag).ok().flatten().and_then(value_f64);
    let x = get(Tag::XResolution);
    x.zip(get(Tag::YResolution))
}

/// The pixel size `[y, x]`, 1/resolution, when the resolution is usable.
pub(crate) fn spacing(t: &mut IfdDecoder<'_>) -> Option<Vec<f64>> {
    let (x, y) = xy_resolution(t)?;
    let usable = |v: f64| v > 0.0 && v.is_finite();
    (usable(x) && usable(y)).then(|| vec![1.0 / y, 1.0 / x])
}

/// What the tags of a directory say beyond the pixels: text, resolution,
/// orientation, ICC profile.
pub(crate) fn insert_tags(t: &mut IfdDecoder<'_>, m: &mut Metadata) {
    for &(tag, key) in TEXT_TAGS {
        if let Ok(Some(TiffValue::Ascii(s))) = t.find_tag(tag) {
            m.insert(key, s.trim_end_matches('\0').to_owned());
        }
    }
    insert_resolution(t, m);
    if let Ok(Some(o)) = t.find_tag_unsigned::<u16>(Tag::Orientation) {
        if (1..=8).contains(&o) {
            m.insert("orientation", o);
        }
    }
    if let Ok(Some(v)) = t.find_tag(Tag::IccProfile) {
        if let Ok(icc) = v.into_u8_vec() {
            m.insert("icc_profile", icc);
        }
    }
}

/// `resolution`, `resolution_unit` and, in inches or centimetres, `dpi`.
fn insert_resolution(t: &mut IfdDecoder<'_>, m: &mut Metadata) {
    let unit = t
        .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
        .ok()
        .flatten()
        .unwrap_or(ResolutionUnit::Inch.to_u16());
    let Some((x, y)) = xy_resolution(t) else {
        return;
    };
    m.insert("resolution", vec![Value::Float(x), Value::Float(y)]);
    // An unknown unit is reported as inches, without a dpi.
    let (name, per_inch) = match ResolutionUnit::from_u16(unit) {
        Some(ResolutionUnit::None) => ("none", None),
        Some(ResolutionUnit::Centimeter) => ("centimeter", Some(2.54)),
        Some(ResolutionUnit::Inch) => ("inch", Some(1.0)),
        _ => ("inch", None),
    };
    m.insert("resolution_unit", name);
    if let Some(k) = per_inch {
        m.insert("dpi", vec![Value::Float(x * k), Value::Float(y * k)]);
    }
}

/// How the page is stored: compression, predictor, samples, chunks, shape.
pub(crate) fn insert_layout(page: &Page, m: &mut Metadata) {
    m.insert("compression", compression_name(page.compression));
    m.insert("predictor", predictor_name(page.predictor));
    m.insert("photometric", photometric_name(page.photometric));
    let planar = if page.planar { "separate" } else { "contig" };
    m.insert("planar_config", planar);
    let extra = page.extra.iter();
    let extra = extra.map(|&e| Value::Str(extra_sample_name(e).into()));
    m.insert("extra_samples", Value::List(extra.collect()));
    m.insert("bits_per_sample", page.bits);
    m.insert("samples_per_pixel", page.spp);
    m.insert("sample_format", sample_format_name(page.sample_format));
    match page.tile {
        Some((tw, th)) => m.insert("tile", vec![Value::from(th), Value::from(tw)]),
        None => m.insert("rows_per_strip", page.rows_per_strip),
    }
    let shape = vec![Value::from(page.height), Value::from(page.width)];
    m.insert("shape", shape);
}
