//! An image HDU's data: the big-endian samples converted to native ones,
//! and `BSCALE`/`BZERO`/`BLANK` applied the way astropy applies them by
//! default (`do_not_scale_image_data=False`, `uint=True`).

use imageio_core::{DType, Error, NdImage, Result};

use crate::header::{Bitpix, ImageHdu};

/// What a read of `hdu` returns, with scaling on or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The stored samples, unchanged.
    Stored,
    /// Signed integers read as unsigned (or bytes as signed): `BSCALE` = 1
    /// and `BZERO` the offset of the other signedness.
    Flipped,
    /// `stored x BSCALE + BZERO`, `BLANK` as NaN, in floating point.
    Scaled,
}

impl Output {
    /// The output for `hdu` (`scale` is the read option).
    pub fn of(hdu: &ImageHdu, scale: bool) -> Output {
        let plain = hdu.bscale == 1.0 && hdu.bzero == 0.0;
        if !scale || !hdu.bitpix.is_int() && plain {
            return Output::Stored;
        }
        if !hdu.bitpix.is_int() {
            return Output::Scaled;
        }
        let offset = match hdu.bitpix {
            Bitpix::U8 => -128.0,
            Bitpix::I16 => 32768.0,
            Bitpix::I32 => 2_147_483_648.0,
            _ => 9_223_372_036_854_775_808.0,
        };
        if hdu.bscale == 1.0 && hdu.bzero == offset {
            Output::Flipped
        } else if plain && hdu.blank.is_none() {
            Output::Stored
        } else {
            Output::Scaled
        }
    }

    /// The dtype a read of `hdu` returns with this output.
    pub fn dtype(self, bitpix: Bitpix) -> DType {
        match (self, bitpix) {
            (Output::Stored, b) => stored_dtype(b),
            (Output::Flipped, Bitpix::U8) => DType::I8,
            (Output::Flipped, Bitpix::I16) => DType::U16,
            (Output::Flipped, Bitpix::I32) => DType::U32,
            (Output::Flipped, _) => DType::U64,
            (Output::Scaled, Bitpix::U8 | Bitpix::I16 | Bitpix::F32) => DType::F32,
            (Output::Scaled, _) => DType::F64,
        }
    }
}

fn stored_dtype(bitpix: Bitpix) -> DType {
    match bitpix {
        Bitpix::U8 => DType::U8,
        Bitpix::I16 => DType::I16,
        Bitpix::I32 => DType::I32,
        Bitpix::I64 => DType::I64,
        Bitpix::F32 => DType::F32,
        Bitpix::F64 => DType::F64,
    }
}

/// Decodes `hdu` from the file's `bytes` (its size already checked
/// against the limits).
pub fn decode(bytes: &[u8], hdu: &ImageHdu, output: Output) -> Result<NdImage> {
    let n = hdu.len();
    let size = hdu.bitpix.size();
    let data = n
        .checked_mul(size)
        .and_then(|len| bytes.get(hdu.offset..)?.get(..len))
        .ok_or_else(|| Error::decode("FITS: the file is shorter than its header says"))?;
    let shape = &hdu.shape;
    let (bscale, bzero, blank) = (hdu.bscale, hdu.bzero, hdu.blank);
    macro_rules! samples {
        ($t:ty, $n:literal) => {
            data.chunks_exact($n)
                .map(|c| <$t>::from_be_bytes(c.try_into().expect("chunk")))
        };
    }
    // The integer to float scaling is done in the float type, one
    // operation at a time as numpy does it in place (multiply, then add),
    // so that results are identical to astropy's.
    macro_rules! scaled {
        ($t:ty, $n:literal, $f:ty) => {{
            // Multiplying by 1 is exact; adding 0 is skipped as numpy
            // skips it (-0.0 + 0.0 would give +0.0). Rust never fuses the
            // multiply and add.
            let (s, z) = (bscale as $f, bzero as $f);
            let v: Vec<$f> = match (blank, bzero != 0.0) {
                (None, true) => samples!($t, $n).map(|x| x as $f * s + z).collect(),
                (None, false) => samples!($t, $n).map(|x| x as $f * s).collect(),
                (Some(blank), add) => samples!($t, $n)
                    .map(|x| {
                        if x as i64 == blank {
                            <$f>::NAN
                        } else if add {
                            x as $f * s + z
                        } else {
                            x as $f * s
                        }
                    })
                    .collect(),
            };
            NdImage::from_shape_vec(shape, v)
        }};
    }
    macro_rules! float_scaled {
        ($t:ty, $n:literal) => {{
            let (s, z) = (bscale as $t, bzero as $t);
            let v: Vec<$t> = samples!($t, $n)
                .map(|mut v| {
                    if bscale != 1.0 {
                        v *= s;
                    }
                    if bzero != 0.0 {
                        v += z;
                    }
                    v
                })
                .collect();
            NdImage::from_shape_vec(shape, v)
        }};
    }
    match (output, hdu.bitpix) {
        (Output::Stored, Bitpix::U8) => NdImage::from_shape_vec(shape, data.to_vec()),
        (Output::Stored, Bitpix::I16) => NdImage::from_shape_vec(shape, samples!(i16, 2).collect()),
        (Output::Stored, Bitpix::I32) => NdImage::from_shape_vec(shape, samples!(i32, 4).collect()),
        (Output::Stored, Bitpix::I64) => NdImage::from_shape_vec(shape, samples!(i64, 8).collect()),
        (Output::Stored, Bitpix::F32) => NdImage::from_shape_vec(shape, samples!(f32, 4).collect()),
        (Output::Stored, Bitpix::F64) => NdImage::from_shape_vec(shape, samples!(f64, 8).collect()),
        (Output::Flipped, Bitpix::U8) => {
            NdImage::from_shape_vec(shape, data.iter().map(|&b| (b ^ 0x80) as i8).collect())
        }
        (Output::Flipped, Bitpix::I16) => {
            NdImage::from_shape_vec(shape, samples!(u16, 2).map(|v| v ^ 0x8000).collect())
        }
        (Output::Flipped, Bitpix::I32) => {
            NdImage::from_shape_vec(shape, samples!(u32, 4).map(|v| v ^ 0x8000_0000).collect())
        }
        (Output::Flipped, _) => {
            NdImage::from_shape_vec(shape, samples!(u64, 8).map(|v| v ^ (1 << 63)).collect())
        }
        (Output::Scaled, Bitpix::U8) => {
            scaled!(u8, 1, f32)
        }
        (Output::Scaled, Bitpix::I16) => scaled!(i16, 2, f32),
        (Output::Scaled, Bitpix::I32) => scaled!(i32, 4, f64),
        (Output::Scaled, Bitpix::I64) => scaled!(i64, 8, f64),
        (Output::Scaled, Bitpix::F32) => float_scaled!(f32, 4),
        (Output::Scaled, Bitpix::F64) => float_scaled!(f64, 8),
    }
}
