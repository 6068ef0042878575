//! Writing: one image, losslessly, with zune-jpegxl's encoder (u8 gray,
//! gray + alpha, RGB, RGBA; u16 gray and RGB; at least 2x2 pixels).

use imageio_core::plugin::{image_dims, Output, WriteRequest, Writer};
use imageio_core::{DType, Error, NdImage, Options, Result};
use zune_core::bit_depth::BitDepth;
use zune_core::colorspace::ColorSpace;
use zune_core::options::EncoderOptions;
use zune_jpegxl::{JxlEncodeErrors, JxlSimpleEncoder};

/// Opens a writer on the request's output.
pub fn open_write(request: &mut WriteRequest) -> Result<Box<dyn Writer>> {
    Ok(Box::new(JxlWriter {
        output: request.output()?,
        written: false,
    }))
}

/// A JPEG XL file open for writing: one image.
struct JxlWriter {
    output: Output,
    written: bool,
}

/// A zune-jpegxl error as ours.
fn encode_err(e: JxlEncodeErrors) -> Error {
    match e {
        JxlEncodeErrors::IoErrors(io) => Error::encode(format!("JPEG XL: writing failed: {io:?}")),
        other => Error::encode(format!("JPEG XL: the encoder refused the image: {other:?}")),
    }
}

impl Writer for JxlWriter {
    fn write(&mut self, image: &NdImage, _options: &Options) -> Result<()> {
        if self.written {
            return Err(Error::unsupported(
                "JPEG XL: the encoder (zune-jpegxl) writes one still image; write a single \
                 image, not a stack or an animation",
            ));
        }
        let (height, width, channels) = image_dims(image.shape(), 4, "JPEG XL")?;
        if height < 2 || width < 2 {
            return Err(Error::unsupported(format!(
                "JPEG XL: the encoder (zune-jpegxl 0.5) writes images of at least 2x2 pixels, \
                 not {height}x{width}"
            )));
        }
        let colorspace = match channels {
            1 => ColorSpace::Luma,
            2 => ColorSpace::LumaA,
            3 => ColorSpace::RGB,
            _ => ColorSpace::RGBA,
        };
        let depth = match image.dtype() {
            DType::U8 => BitDepth::Eight,
            DType::U16 => BitDepth::Sixteen,
            other => {
                return Err(Error::invalid_input(format!(
                    "JPEG XL: the encoder (zune-jpegxl) writes u8 or u16 samples, not {other}; \
                     convert the image first"
                )))
            }
        };
        if depth == BitDepth::Sixteen && channels % 2 == 0 {
            return Err(Error::unsupported(
                "JPEG XL: 16-bit images with alpha are not written: zune-jpegxl 0.5 declares \
                 the alpha channel 8-bit, so its file would not hold the alpha written; write \
                 u8 samples, or the image without alpha",
            ));
        }
        // The encoder takes 16-bit samples as native-endian byte pairs: the
        // array's own bytes in standard layout.
        let bytes = image.standard_bytes();
        if bytes.len() != height * width * channels * depth.size_of() {
            return Err(Error::internal(
                "JPEG XL: the samples do not fill the image",
            ));
        }
        let options = EncoderOptions::new(width, height, colorspace, depth);
        JxlSimpleEncoder::new(&bytes, options)
            .encode(&mut self.output)
            .map_err(encode_err)?;
        self.written = true;
        Ok(())
    }
}
