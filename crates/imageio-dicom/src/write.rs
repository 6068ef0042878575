//! Writing: Secondary Capture images (explicit VR little endian, native
//! pixel data) built with `dicom-object`. Each write adds a frame; at close
//! the frames are written as one file (multi-frame when there are several).

use std::io::Write;

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use imageio_core::plugin::{image_dims, Output, WriteRequest, Writer};
use imageio_core::{DType, Error, NdImage, Options, Result};

/// Secondary Capture Image Storage.
const SC: &str = "1.2.840.10008.5.1.4.1.1.7";
/// Multi-frame Grayscale Byte / Word, True Color Secondary Capture.
const SC_MF_BYTE: &str = "1.2.840.10008.5.1.4.1.1.7.2";
const SC_MF_WORD: &str = "1.2.840.10008.5.1.4.1.1.7.3";
const SC_MF_RGB: &str = "1.2.840.10008.5.1.4.1.1.7.4";
/// Explicit VR Little Endian.
const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

/// Opens a writer on the request's output.
pub fn open_write(request: &mut WriteRequest) -> Result<Box<dyn Writer>> {
    Ok(Box::new(DicomWriter {
        output: Some(request.output()?),
        frames: Vec::new(),
    }))
}

/// A DICOM file open for writing: frames kept until close.
struct DicomWriter {
    output: Option<Output>,
    frames: Vec<NdImage>,
}

impl Writer for DicomWriter {
    fn write(&mut self, image: &NdImage, options: &Options) -> Result<()> {
        self.write_owned(image.clone(), options)
    }

    fn write_owned(&mut self, image: NdImage, _options: &Options) -> Result<()> {
        let (_, _, c) = image_dims(image.shape(), 3, "DICOM")?;
        if c == 2 {
            return Err(Error::invalid_input(
                "DICOM: gray (H, W) or RGB (H, W, 3) images, not 2 channels",
            ));
        }
        if !matches!(
            image.dtype(),
            DType::U8 | DType::I8 | DType::U16 | DType::I16 | DType::U32 | DType::I32
        ) {
            return Err(Error::invalid_input(format!(
                "DICOM: Secondary Capture stores 8, 16 or 32-bit integers, not {}",
                image.dtype()
            )));
        }
        if let Some(first) = self.frames.first() {
            if (first.shape(), first.dtype()) != (image.shape(), image.dtype()) {
                return Err(Error::invalid_input(format!(
                    "DICOM: every frame of a file has one shape and dtype: {:?} {} then {:?} {}",
                    first.shape(),
                    first.dtype(),
                    image.shape(),
                    image.dtype()
                )));
            }
        }
        self.frames.push(image.into_standard_layout());
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        let Some(output) = self.output.take() else {
            return Ok(());
        };
        let first = self
            .frames
            .first()
            .ok_or_else(|| Error::invalid_input("DICOM: no image written"))?;
        let (rows, cols, spp) = image_dims(first.shape(), 3, "DICOM")?;
        let dtype = first.dtype();
        let too_big = || Error::invalid_input(format!("DICOM: {cols}x{rows} exceeds 65535"));
        let rows = u16::try_from(rows).map_err(|_| too_big())?;
        let cols = u16::try_from(cols).map_err(|_| too_big())?;
        let n = self.frames.len();
        let bits = (dtype.size() * 8) as u16;
        let signed = matches!(dtype, DType::I8 | DType::I16 | DType::I32);
        let mut pixels = Vec::with_capacity(first.nbytes() * n);
        for f in &self.frames {
            let bytes = f
                .as_bytes()
                .ok_or_else(|| Error::internal("an array in standard layout is contiguous"))?;
            if cfg!(target_endian = "little") || dtype.size() == 1 {
                pixels.extend_from_slice(bytes);
            } else {
                for s in bytes.chunks_exact(dtype.size()) {
                    pixels.extend(s.iter().rev());
                }
            }
        }
        if pixels.len() % 2 == 1 {
            pixels.push(0);
        }
        let sop_class = match (n > 1, spp, bits) {
            (false, ..) => SC,
            (true, 1, 8) => SC_MF_BYTE,
            (true, 1, 16) => SC_MF_WORD,
            (true, 3, 8) => SC_MF_RGB,
            _ => SC,
        };
        let mut obj = InMemDicomObject::new_empty();
        let mut put = |tag, vr, v: PrimitiveValue| {
            obj.put(DataElement::new(tag, vr, v));
        };
        let dims = [
            u64::from(rows),
            u64::from(cols),
            spp as u64,
            n as u64,
            u64::from(bits),
        ];
        let uid = |salt| uid(&pixels, &dims, salt);
        let (study, series, instance) = (uid(1), uid(2), uid(3));
        put(tags::SOP_CLASS_UID, VR::UI, sop_class.into());
        put(tags::SOP_INSTANCE_UID, VR::UI, instance.as_str().into());
        put(tags::STUDY_INSTANCE_UID, VR::UI, study.as_str().into());
        put(tags::SERIES_INSTANCE_UID, VR::UI, series.as_str().into());
        put(tags::MODALITY, VR::CS, "OT".into());
        put(tags::CONVERSION_TYPE, VR::CS, "WSD".into());
        put(tags::PATIENT_NAME, VR::PN, "".into());
        put(tags::PATIENT_ID, VR::LO, "".into());
        put(tags::INSTANCE_NUMBER, VR::IS, "1".into());
        put(tags::SAMPLES_PER_PIXEL, VR::US, (spp as u16).into());
        let photometric = if spp == 3 { "RGB" } else { "MONOCHROME2" };
        put(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, photometric.into());
        if spp == 3 {
            put(tags::PLANAR_CONFIGURATION, VR::US, 0u16.into());
        }
        if n > 1 {
            put(
                tags::NUMBER_OF_FRAMES,
                VR::IS,
                n.to_string().as_str().into(),
            );
        }
        put(tags::ROWS, VR::US, rows.into());
        put(tags::COLUMNS, VR::US, cols.into());
        put(tags::BITS_ALLOCATED, VR::US, bits.into());
        put(tags::BITS_STORED, VR::US, bits.into());
        put(tags::HIGH_BIT, VR::US, (bits - 1).into());
        put(tags::PIXEL_REPRESENTATION, VR::US, u16::from(signed).into());
        let vr = if bits == 8 { VR::OB } else { VR::OW };
        put(tags::PIXEL_DATA, vr, PrimitiveValue::from(pixels));
        let file = obj
            .with_meta(
                FileMetaTableBuilder::new()
                    .transfer_syntax(EXPLICIT_LE)
                    .implementation_class_uid("2.25.1784317045926163290458376154820531773")
                    .implementation_version_name("IMAGEIO_RS"),
            )
            .map_err(|e| Error::encode(format!("DICOM: {e}")).with_source(e))?;
        // Encoded in memory first, so that the output's own errors (I/O)
        // are told apart from the encoder's.
        let mut encoded = Vec::new();
        file.write_all(&mut encoded)
            .map_err(|e| Error::encode(format!("DICOM: {e}")).with_source(e))?;
        let mut output = output;
        output.write_all(&encoded)?;
        output.flush()?;
        self.frames.clear();
        Ok(())
    }
}

/// A UID under the `2.25` root from a 128-bit hash (FNV-1a) of the pixel
/// data, the dimensions and `salt`: the same array written twice gives the same file (as
/// every other writer here), different arrays different UIDs.
fn uid(pixels: &[u8], dims: &[u64], salt: u8) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    let head: Vec<u8> = dims.iter().flat_map(|d| d.to_le_bytes()).collect();
    for &b in std::iter::once(&salt).chain(&head).chain(pixels) {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    // Decimal without leading zeros, at most 39 digits (64 characters in all).
    format!("2.25.{}", h >> 1)
}
