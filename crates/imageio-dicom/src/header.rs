//! The attributes of a DICOM file: the file meta group and the dataset
//! before the pixel data, parsed by `dicom-object` from bytes the walk in
//! [`scan`](crate::scan) has checked; the image geometry taken from them;
//! and the metadata map, keyed by the standard keywords (as pydicom names
//! them).

use std::borrow::Cow;
use std::io::Read;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::value::{PrimitiveValue, Value as DicomValue};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::{InMemDicomObject, StandardDataDictionary};
use dicom_transfer_syntax_registry::entries;
use imageio_core::{DType, Error, Limits, Metadata, Result, SharedBytes, Value};

use crate::scan::{self, Layout, PixelKind};

/// The dataset bytes: the file's own (shared), or inflated from a deflated
/// transfer syntax.
#[derive(Clone)]
pub enum Data {
    /// The file's bytes from the dataset's first byte.
    Shared(SharedBytes, usize),
    /// The inflated dataset.
    Owned(std::sync::Arc<Vec<u8>>),
}

impl Data {
    /// The dataset's bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Data::Shared(b, start) => &b[*start..],
            Data::Owned(v) => v,
        }
    }
}

/// How the pixel data is encoded, from the transfer syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// Native samples.
    Native,
    /// RLE Lossless.
    Rle,
    /// JPEG baseline, extended or lossless.
    Jpeg,
    /// JPEG 2000 (and High-Throughput JPEG 2000).
    Jpeg2000,
    /// Something this plugin does not decode (JPEG-LS, MPEG, JPEG XL, ...).
    Unsupported,
}

/// The transfer syntax: its UID, its encoding and the pixel codec.
#[derive(Clone, Debug)]
pub struct Syntax {
    /// The UID, as in the file.
    pub uid: String,
    /// Explicit VR.
    pub explicit: bool,
    /// Little endian.
    pub little: bool,
    /// Deflated dataset.
    pub deflated: bool,
    /// The pixel codec.
    pub codec: Codec,
    /// A name for messages and metadata.
    pub name: &'static str,
}

impl Syntax {
    fn from_uid(uid: &str) -> Syntax {
        let (explicit, little, deflated, codec, name) = match uid {
            "1.2.840.10008.1.2" => (
                false,
                true,
                false,
                Codec::Native,
                "Implicit VR Little Endian",
            ),
            "1.2.840.10008.1.2.1" => (
                true,
                true,
                false,
                Codec::Native,
                "Explicit VR Little Endian",
            ),
            "1.2.840.10008.1.2.2" => (true, false, false, Codec::Native, "Explicit VR Big Endian"),
            "1.2.840.10008.1.2.1.99" => (
                true,
                true,
                true,
                Codec::Native,
                "Deflated Explicit VR Little Endian",
            ),
            "1.2.840.10008.1.2.1.98" => (
                true,
                true,
                false,
                Codec::Native,
                "Encapsulated Uncompressed Explicit VR Little Endian",
            ),
            "1.2.840.10008.1.2.5" => (true, true, false, Codec::Rle, "RLE Lossless"),
            "1.2.840.10008.1.2.4.50" => (true, true, false, Codec::Jpeg, "JPEG Baseline"),
            "1.2.840.10008.1.2.4.51" => (true, true, false, Codec::Jpeg, "JPEG Extended"),
            "1.2.840.10008.1.2.4.57" => (true, true, false, Codec::Jpeg, "JPEG Lossless"),
            "1.2.840.10008.1.2.4.70" => (true, true, false, Codec::Jpeg, "JPEG Lossless SV1"),
            "1.2.840.10008.1.2.4.90" => (true, true, false, Codec::Jpeg2000, "JPEG 2000 Lossless"),
            "1.2.840.10008.1.2.4.91" => (true, true, false, Codec::Jpeg2000, "JPEG 2000"),
            "1.2.840.10008.1.2.4.201" => (true, true, false, Codec::Jpeg2000, "HTJ2K Lossless"),
            "1.2.840.10008.1.2.4.202" => {
                (true, true, false, Codec::Jpeg2000, "HTJ2K Lossless RPCL")
            }
            "1.2.840.10008.1.2.4.203" => (true, true, false, Codec::Jpeg2000, "HTJ2K"),
            "1.2.840.10008.1.2.4.80" => (true, true, false, Codec::Unsupported, "JPEG-LS Lossless"),
            "1.2.840.10008.1.2.4.81" => (
                true,
                true,
                false,
                Codec::Unsupported,
                "JPEG-LS Near-Lossless",
            ),
            _ => (true, true, false, Codec::Unsupported, "unknown"),
        };
        Syntax {
            uid: uid.to_string(),
            explicit,
            little,
            deflated,
            codec,
            name,
        }
    }
}

/// A parsed file: its transfer syntax, attributes and pixel data layout.
pub struct Parsed {
    /// The transfer syntax.
    pub syntax: Syntax,
    /// The file meta group.
    pub meta: InMemDicomObject,
    /// The dataset up to the pixel data.
    pub obj: InMemDicomObject,
    /// Where the pixel data is in [`data`](Self::data).
    pub layout: Layout,
    /// The dataset's bytes.
    pub data: Data,
}

fn parse_error(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::decode(format!("DICOM: the dataset cannot be parsed: {e}")).with_source(e)
}

/// Parses a whole file held in `bytes`: checks its structure, then its
/// attributes (no pixel data is copied).
pub fn parse(bytes: SharedBytes, limits: &Limits) -> Result<Parsed> {
    let start = scan::meta_start(&bytes)?;
    let meta_end = scan::meta_end(&bytes, start)?;
    let meta = InMemDicomObject::read_dataset_with_ts(
        &bytes[start..meta_end],
        &entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
    )
    .map_err(parse_error)?;
    let uid = meta
        .get(tags::TRANSFER_SYNTAX_UID)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        .ok_or_else(|| Error::decode("DICOM: the file meta group has no TransferSyntaxUID"))?;
    let mut syntax = Syntax::from_uid(&uid);
    let data = if syntax.deflated {
        // Inflated up to the limit of what one read may buffer.
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(&bytes[meta_end..])
            .take(limits.max_alloc.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| Error::decode(format!("DICOM: the deflated dataset: {e}")))?;
        limits.check_alloc(out.len() as u64)?;
        Data::Owned(std::sync::Arc::new(out))
    } else {
        Data::Shared(bytes.clone(), meta_end)
    };
    // A dataset written in implicit VR under an explicit transfer syntax
    // (its first element has no VR letters) is read as implicit, as
    // pydicom does.
    if syntax.explicit {
        let vr = data.bytes().get(4..6).unwrap_or(b"AA");
        if !vr.iter().all(u8::is_ascii_uppercase) {
            syntax.explicit = false;
        }
    }
    let layout = scan::walk(data.bytes(), syntax.explicit, syntax.little)?;
    let ts = if !syntax.explicit {
        entries::IMPLICIT_VR_LITTLE_ENDIAN.erased()
    } else if !syntax.little {
        entries::EXPLICIT_VR_BIG_ENDIAN.erased()
    } else {
        entries::EXPLICIT_VR_LITTLE_ENDIAN.erased()
    };
    let obj = InMemDicomObject::read_dataset_with_ts(&data.bytes()[..layout.header_end], &ts)
        .map_err(parse_error)?;
    Ok(Parsed {
        syntax,
        meta,
        obj,
        layout,
        data,
    })
}

/// The photometric interpretation, as far as reading cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Photometric {
    /// MONOCHROME1, MONOCHROME2, PALETTE COLOR and others: samples as stored.
    AsStored,
    /// RGB.
    Rgb,
    /// YBR_FULL: converted to RGB when native or RLE.
    YbrFull,
    /// YBR_FULL_422: two luma samples share chroma (native), or JPEG.
    YbrFull422,
}

/// The image geometry and sample format.
#[derive(Clone, Debug)]
pub struct Geometry {
    /// Rows (height).
    pub rows: usize,
    /// Columns (width).
    pub cols: usize,
    /// Samples per pixel.
    pub spp: usize,
    /// Bits allocated per sample.
    pub bits_allocated: u16,
    /// Bits stored per sample.
    pub bits_stored: u16,
    /// Signed samples (PixelRepresentation 1).
    pub signed: bool,
    /// Planar configuration 1 (colour by plane).
    pub planar: bool,
    /// The photometric interpretation.
    pub photometric: Photometric,
    /// Number of frames.
    pub frames: usize,
    /// Integer or float pixel data.
    pub kind: PixelKind,
}

/// True for the VRs whose values are text.
fn text_vr(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE
            | VR::AS
            | VR::CS
            | VR::DA
            | VR::DS
            | VR::DT
            | VR::IS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::ST
            | VR::TM
            | VR::UC
            | VR::UI
            | VR::UR
            | VR::UT
    )
}

/// The value of an element with the VR to read it by: an element written
/// as UN (unknown) whose dictionary VR is text is read as that text, as
/// pydicom does.
fn effective(e: &InMemElement) -> Option<(Cow<'_, PrimitiveValue>, VR)> {
    let DicomValue::Primitive(p) = e.value() else {
        return None;
    };
    if e.vr() != VR::UN {
        return Some((Cow::Borrowed(p), e.vr()));
    }
    let vr = StandardDataDictionary
        .by_tag(e.header().tag)
        .map(|entry| entry.vr().relaxed())
        .filter(|&vr| text_vr(vr));
    match vr {
        Some(vr) => {
            let bytes = p.to_bytes();
            let text = String::from_utf8_lossy(&bytes);
            let parts: Vec<String> = text
                .trim_end_matches(['\0', ' '])
                .split('\\')
                .map(str::to_string)
                .collect();
            Some((Cow::Owned(PrimitiveValue::Strs(parts.into())), vr))
        }
        None => Some((Cow::Borrowed(p), VR::UN)),
    }
}

/// An integer attribute.
pub fn int(obj: &InMemDicomObject, tag: Tag) -> Option<i64> {
    effective(obj.get(tag)?)?.0.to_int::<i64>().ok()
}

/// A float attribute (its first value).
pub fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    effective(obj.get(tag)?)?
        .0
        .to_float64()
        .ok()
        .filter(|v| v.is_finite())
}

/// The float values of an attribute.
pub fn floats(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<f64>> {
    effective(obj.get(tag)?)?.0.to_multi_float64().ok()
}

/// A string attribute, trimmed.
pub fn string(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let (p, _) = effective(obj.get(tag)?)?;
    let s = p.to_str();
    Some(s.trim_matches(['\0', ' ']).to_string())
}

impl Geometry {
    /// The geometry from the attributes of a file with pixel data.
    pub fn from(obj: &InMemDicomObject, kind: PixelKind) -> Result<Geometry> {
        let need = |tag: Tag, name: &str| {
            int(obj, tag).ok_or_else(|| {
                Error::decode(format!(
                    "DICOM: the image attribute {name} is missing or invalid"
                ))
            })
        };
        let rows = need(tags::ROWS, "Rows")?;
        let cols = need(tags::COLUMNS, "Columns")?;
        let spp = int(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
        let bits_allocated = match kind {
            PixelKind::Int => need(tags::BITS_ALLOCATED, "BitsAllocated")?,
            PixelKind::Float32 => 32,
            PixelKind::Float64 => 64,
        };
        let bits_stored = int(obj, tags::BITS_STORED).unwrap_or(bits_allocated);
        let signed = int(obj, tags::PIXEL_REPRESENTATION).unwrap_or(0) == 1;
        let planar = int(obj, tags::PLANAR_CONFIGURATION).unwrap_or(0) == 1;
        // NumberOfFrames is IS; some writers leave it empty or 0.
        let frames = int(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1);
        let photometric_name = string(obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default();
        let photometric = match photometric_name.as_str() {
            "RGB" => Photometric::Rgb,
            "YBR_FULL" => Photometric::YbrFull,
            "YBR_FULL_422" => Photometric::YbrFull422,
            _ => Photometric::AsStored,
        };
        let positive = |v: i64| (1..=u32::MAX as i64).contains(&v);
        if !positive(rows) || !positive(cols) {
            return Err(Error::decode(format!(
                "DICOM: the image is {cols}x{rows} pixels (Columns x Rows)"
            )));
        }
        if !(1..=4).contains(&spp) {
            return Err(Error::unsupported(format!(
                "DICOM: {spp} samples per pixel; 1 to 4 are read"
            )));
        }
        if !matches!(bits_allocated, 1 | 8 | 16 | 32 | 64)
            || (kind == PixelKind::Int && bits_allocated == 64)
            || (bits_allocated == 1 && spp != 1)
        {
            return Err(Error::unsupported(format!(
                "DICOM: {bits_allocated} bits allocated per sample ({spp} samples a pixel); \
                 1, 8, 16 and 32 are read"
            )));
        }
        if bits_stored < 1 || bits_stored > bits_allocated {
            return Err(Error::decode(format!(
                "DICOM: BitsStored {bits_stored} with BitsAllocated {bits_allocated}"
            )));
        }
        let frames = usize::try_from(frames)
            .ok()
            .filter(|&f| f <= imageio_core::plugin::MAX_IMAGES)
            .ok_or_else(|| Error::limit(format!("DICOM: {frames} frames")))?;
        Ok(Geometry {
            rows: rows as usize,
            cols: cols as usize,
            spp: spp as usize,
            bits_allocated: bits_allocated as u16,
            bits_stored: bits_stored as u16,
            signed,
            planar,
            photometric,
            frames,
            kind,
        })
    }

    /// The dtype of the stored samples.
    pub fn dtype(&self) -> DType {
        match (self.kind, self.bits_allocated, self.signed) {
            (PixelKind::Float32, ..) => DType::F32,
            (PixelKind::Float64, ..) => DType::F64,
            (_, 1, _) | (_, 8, false) => DType::U8,
            (_, 8, true) => DType::I8,
            (_, 16, false) => DType::U16,
            (_, 16, true) => DType::I16,
            (_, _, false) => DType::U32,
            (_, _, true) => DType::I32,
        }
    }

    /// The shape of one frame: `(H, W)` or `(H, W, C)`.
    pub fn frame_shape(&self) -> Vec<usize> {
        if self.spp == 1 {
            vec![self.rows, self.cols]
        } else {
            vec![self.rows, self.cols, self.spp]
        }
    }

    /// The samples of one frame.
    pub fn frame_samples(&self) -> usize {
        self.rows * self.cols * self.spp
    }

    /// The range of the stored values (from BitsStored).
    pub fn stored_range(&self) -> (f64, f64) {
        let b = i32::from(self.bits_stored.min(63));
        if self.signed {
            (-(2f64.powi(b - 1)), 2f64.powi(b - 1) - 1.0)
        } else {
            (0.0, 2f64.powi(b) - 1.0)
        }
    }
}

/// Metadata of the file: every attribute of the standard dictionary in the
/// meta group and the dataset (up to the pixel data), by keyword; binary
/// values longer than 256 bytes and private attributes are left out;
/// sequences are lists of maps.
pub fn metadata(parsed: &Parsed) -> Metadata {
    let mut m = Metadata::new();
    add_elements(&mut m, &parsed.meta, 0);
    add_elements(&mut m, &parsed.obj, 0);
    m
}

/// The most nested sequence levels copied into the metadata.
const MAX_META_DEPTH: u32 = 4;

fn add_elements(m: &mut Metadata, obj: &InMemDicomObject, depth: u32) {
    for e in obj.iter() {
        let tag = e.header().tag;
        let Some(entry) = StandardDataDictionary.by_tag(tag) else {
            continue;
        };
        let key = entry.alias();
        if key.is_empty() || tag.element() == 0 {
            continue;
        }
        let value = match e.value() {
            DicomValue::Primitive(_) => effective(e).and_then(|(p, vr)| primitive(&p, vr)),
            DicomValue::Sequence(seq) if depth < MAX_META_DEPTH => Some(Value::List(
                seq.items()
                    .iter()
                    .map(|item| {
                        let mut sub = Metadata::new();
                        add_elements(&mut sub, item, depth + 1);
                        Value::Map(sub)
                    })
                    .collect(),
            )),
            _ => None,
        };
        if let Some(v) = value {
            m.insert(key, v);
        }
    }
}

/// One value, or a list when it has several.
fn one_or_list(mut v: Vec<Value>) -> Option<Value> {
    match v.len() {
        0 => Some(Value::Str(String::new())),
        1 => v.pop(),
        _ => Some(Value::List(v)),
    }
}

fn primitive(p: &PrimitiveValue, vr: VR) -> Option<Value> {
    match vr {
        VR::IS | VR::SS | VR::US | VR::SL | VR::UL | VR::SV | VR::UV => {
            let v = p.to_multi_int::<i64>().ok()?;
            one_or_list(v.into_iter().map(Value::Int).collect())
        }
        VR::DS | VR::FL | VR::FD => {
            let v = p.to_multi_float64().ok()?;
            one_or_list(v.into_iter().map(Value::Float).collect())
        }
        VR::OB | VR::OW | VR::OD | VR::OF | VR::OL | VR::OV | VR::UN => {
            let b = p.to_bytes();
            (b.len() <= 256).then(|| Value::Bytes(b.into_owned()))
        }
        VR::AT => Some(Value::Str(p.to_str().into_owned())),
        _ => {
            let strs: Vec<Value> = match p {
                PrimitiveValue::Strs(s) => s
                    .iter()
                    .map(|s| Value::Str(s.trim_matches(['\0', ' ']).to_string()))
                    .collect(),
                _ => p
                    .to_str()
                    .split('\\')
                    .map(|s| Value::Str(s.trim_matches(['\0', ' ']).to_string()))
                    .collect(),
            };
            one_or_list(strs)
        }
    }
}
