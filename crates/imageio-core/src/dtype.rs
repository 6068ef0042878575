//! The ten element types an [`NdImage`](crate::NdImage) can hold, and the
//! sealed [`Element`] trait that maps Rust types to them.

use std::fmt;
use std::str::FromStr;

use ndarray::ArrayD;

use crate::{Error, NdImage, Result};

/// The element type of an image array, named as numpy names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `u8`, numpy `uint8`.
    U8,
    /// `u16`, numpy `uint16`.
    U16,
    /// `u32`, numpy `uint32`.
    U32,
    /// `u64`, numpy `uint64`.
    U64,
    /// `i8`, numpy `int8`.
    I8,
    /// `i16`, numpy `int16`.
    I16,
    /// `i32`, numpy `int32`.
    I32,
    /// `i64`, numpy `int64`.
    I64,
    /// `f32`, numpy `float32`.
    F32,
    /// `f64`, numpy `float64`.
    F64,
}

impl DType {
    /// Every dtype, in a fixed order.
    pub const ALL: [DType; 10] = [
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::F32,
        DType::F64,
    ];

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::U8 | DType::I8 => 1,
            DType::U16 | DType::I16 => 2,
            DType::U32 | DType::I32 | DType::F32 => 4,
            DType::U64 | DType::I64 | DType::F64 => 8,
        }
    }

    /// The numpy name (`"uint8"`, `"float32"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// True for `F32` and `F64`.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// True for the signed integer types.
    pub fn is_signed_int(self) -> bool {
        matches!(self, DType::I8 | DType::I16 | DType::I32 | DType::I64)
    }

    /// The value that means "fully opaque" or "white": the largest value of an
    /// integer type, `1.0` for floats.
    pub fn max_value(self) -> f64 {
        match self {
            DType::U8 => u8::MAX as f64,
            DType::U16 => u16::MAX as f64,
            DType::U32 => u32::MAX as f64,
            DType::U64 => u64::MAX as f64,
            DType::I8 => i8::MAX as f64,
            DType::I16 => i16::MAX as f64,
            DType::I32 => i32::MAX as f64,
            DType::I64 => i64::MAX as f64,
            DType::F32 | DType::F64 => 1.0,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DType {
    type Err = Error;
    /// Accepts numpy names (`uint8`), Rust names (`u8`) and numpy type strings
    /// with their byte-order mark (`<u2`, `<f4`, `|u1`; there `u8` is 8 bytes).
    fn from_str(s: &str) -> Result<Self> {
        let s0 = s.trim();
        let d = if let Some(code) = s0.strip_prefix(['<', '>', '|', '=']) {
            // numpy type string: the number is the size in bytes.
            match code {
                "u1" => Some(DType::U8),
                "u2" => Some(DType::U16),
                "u4" => Some(DType::U32),
                "u8" => Some(DType::U64),
                "i1" => Some(DType::I8),
                "i2" => Some(DType::I16),
                "i4" => Some(DType::I32),
                "i8" => Some(DType::I64),
                "f4" => Some(DType::F32),
                "f8" => Some(DType::F64),
                _ => None,
            }
        } else {
            match s0.to_ascii_lowercase().as_str() {
                "uint8" | "u8" => Some(DType::U8),
                "uint16" | "u16" => Some(DType::U16),
                "uint32" | "u32" => Some(DType::U32),
                "uint64" | "u64" => Some(DType::U64),
                "int8" | "i8" => Some(DType::I8),
                "int16" | "i16" => Some(DType::I16),
                "int32" | "i32" => Some(DType::I32),
                "int64" | "i64" => Some(DType::I64),
                "float32" | "f32" => Some(DType::F32),
                "float64" | "f64" => Some(DType::F64),
                _ => None,
            }
        };
        d.ok_or_else(|| {
            Error::invalid_option(format!(
                "unknown dtype {s:?}: use one of uint8, uint16, uint32, uint64, int8, int16, \
                 int32, int64, float32, float64"
            ))
        })
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A Rust type that can be an [`NdImage`](crate::NdImage) element. Sealed:
/// implemented for exactly the ten [`DType`]s.
pub trait Element:
    sealed::Sealed
    + Copy
    + Default
    + PartialEq
    + PartialOrd
    + fmt::Debug
    + Send
    + Sync
    + bytemuck::Pod
    + 'static
{
    /// The matching dtype.
    const DTYPE: DType;
    /// Converts with Rust `as` semantics (floats to integers saturate, NaN is 0).
    fn from_f64(v: f64) -> Self;
    /// Converts to `f64` (exact for every type except the 64-bit integers
    /// beyond 2^53).
    fn to_f64(self) -> f64;
    /// Wraps an array of this type.
    #[doc(hidden)]
    fn wrap(a: ArrayD<Self>) -> NdImage;
    /// Unwraps an array of this type, or gives the image back.
    #[doc(hidden)]
    fn unwrap(img: NdImage) -> std::result::Result<ArrayD<Self>, NdImage>;
    /// Borrows the array if it has this type.
    #[doc(hidden)]
    fn peek(img: &NdImage) -> Option<&ArrayD<Self>>;
    /// Borrows the array mutably if it has this type.
    #[doc(hidden)]
    fn peek_mut(img: &mut NdImage) -> Option<&mut ArrayD<Self>>;
}

macro_rules! element {
    ($t:ty, $d:ident) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn wrap(a: ArrayD<Self>) -> NdImage {
                NdImage::$d(a)
            }
            fn unwrap(img: NdImage) -> std::result::Result<ArrayD<Self>, NdImage> {
                match img {
                    NdImage::$d(a) => Ok(a),
                    other => Err(other),
                }
            }
            fn peek(img: &NdImage) -> Option<&ArrayD<Self>> {
                match img {
                    NdImage::$d(a) => Some(a),
                    _ => None,
                }
            }
            fn peek_mut(img: &mut NdImage) -> Option<&mut ArrayD<Self>> {
                match img {
                    NdImage::$d(a) => Some(a),
                    _ => None,
                }
            }
        }
    };
}
element!(u8, U8);
element!(u16, U16);
element!(u32, U32);
element!(u64, U64);
element!(i8, I8);
element!(i16, I16);
element!(i32, I32);
element!(i64, I64);
element!(f32, F32);
element!(f64, F64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in DType::ALL {
            assert_eq!(d.name().parse::<DType>().unwrap(), d);
        }
        assert_eq!("<u2".parse::<DType>().unwrap(), DType::U16);
        assert_eq!("<f4".parse::<DType>().unwrap(), DType::F32);
        assert_eq!("<u8".parse::<DType>().unwrap(), DType::U64);
        assert_eq!("u8".parse::<DType>().unwrap(), DType::U8);
        assert!("complex64".parse::<DType>().is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(DType::U8.size(), 1);
        assert_eq!(DType::I16.size(), 2);
        assert_eq!(DType::F32.size(), 4);
        assert_eq!(DType::U64.size(), 8);
    }
}
