//! `--dtype`: sample types converted with their values rescaled, as image
//! tools do (the library's `NdImage::cast` keeps values, like numpy's
//! `astype`), and the choice of the nearest dtype a format stores, for
//! `--auto-convert`.
//!
//! The mapping, also in `imageio convert --help`; it never wraps around:
//! - integer to narrower integer: a right shift by the difference in value
//!   bits (uint16 to uint8 is `v >> 8`); signed to unsigned clips negative
//!   values to 0 first;
//! - integer to wider integer: `v * max_out / max_in`, rounded (uint8 to
//!   uint16 is `v * 257`), clipped to the target's range;
//! - float to integer: [0, 1] to [0, max] (signed: [-1, 1] to [-max, max]),
//!   rounded, values outside clipped, NaN to 0;
//! - integer to float: `v / max_in`;
//! - float to float: values kept.

use imageio::ndarray::ArrayD;
use imageio::{DType, NdImage};

/// The number of value bits of an integer dtype (7 for `int8`, 8 for `uint8`).
fn value_bits(d: DType) -> u32 {
    (d.size() * 8) as u32 - u32::from(d.is_signed_int())
}

/// The range of an integer dtype, as `i128`.
fn int_range(d: DType) -> (i128, i128) {
    let max = (1i128 << value_bits(d)) - 1;
    let min = if d.is_signed_int() { -max - 1 } else { 0 };
    (min, max)
}

/// One integer value from dtype `from` to dtype `to`, rescaled and clipped.
fn scale_int(v: i128, from: DType, to: DType) -> i128 {
    let (min, max) = int_range(to);
    let v = if to.is_signed_int() { v } else { v.max(0) };
    let (bi, bo) = (value_bits(from), value_bits(to));
    let v = match bo.cmp(&bi) {
        std::cmp::Ordering::Less => v >> (bi - bo),
        std::cmp::Ordering::Equal => v,
        std::cmp::Ordering::Greater => {
            let max_in = (1i128 << bi) - 1;
            let num = v * max;
            // Round half away from zero.
            if num >= 0 {
                (num + max_in / 2) / max_in
            } else {
                (num - max_in / 2) / max_in
            }
        }
    };
    v.clamp(min, max)
}

/// Converts `img` to `to`, values rescaled as the module says.
pub(crate) fn to_dtype(img: &NdImage, to: DType) -> NdImage {
    let from = img.dtype();
    if from == to {
        return img.clone();
    }
    match (from.is_float(), to.is_float()) {
        (true, true) => img.cast(to),
        (false, true) => {
            let max = int_range(from).1 as f64;
            let f = img.cast(DType::F64);
            let scaled = f.as_array::<f64>().expect("cast to f64").mapv(|v| v / max);
            NdImage::from(scaled).cast(to)
        }
        (true, false) => {
            let (min, max) = int_range(to);
            let (lo, hi) = (min as f64 / max as f64, 1.0);
            let f = img.cast(DType::F64);
            let scaled = f.as_array::<f64>().expect("cast to f64").mapv(|v| {
                if v.is_nan() {
                    0.0
                } else {
                    (v.clamp(lo.max(-1.0), hi) * max as f64).round()
                }
            });
            // Saturating: the 64-bit maxima round up in f64.
            NdImage::from(scaled).cast(to)
        }
        (false, false) => {
            macro_rules! ints {
                ($a:expr) => {{
                    let a = $a;
                    match to {
                        DType::U8 => NdImage::from(map(a, from, to, |v| v as u8)),
                        DType::U16 => NdImage::from(map(a, from, to, |v| v as u16)),
                        DType::U32 => NdImage::from(map(a, from, to, |v| v as u32)),
                        DType::U64 => NdImage::from(map(a, from, to, |v| v as u64)),
                        DType::I8 => NdImage::from(map(a, from, to, |v| v as i8)),
                        DType::I16 => NdImage::from(map(a, from, to, |v| v as i16)),
                        DType::I32 => NdImage::from(map(a, from, to, |v| v as i32)),
                        _ => NdImage::from(map(a, from, to, |v| v as i64)),
                    }
                }};
            }
            match img {
                NdImage::U8(a) => ints!(a),
                NdImage::U16(a) => ints!(a),
                NdImage::U32(a) => ints!(a),
                NdImage::U64(a) => ints!(a),
                NdImage::I8(a) => ints!(a),
                NdImage::I16(a) => ints!(a),
                NdImage::I32(a) => ints!(a),
                NdImage::I64(a) => ints!(a),
                // Floats were handled above.
                other => other.cast(to),
            }
        }
    }
}

/// Maps every integer of `a` through `scale_int`, then into the target type
/// (in range by then, so `as` is exact).
fn map<S, T>(a: &ArrayD<S>, from: DType, to: DType, into: fn(i128) -> T) -> ArrayD<T>
where
    S: Copy + Into<i128>,
{
    a.mapv(|v| into(scale_int(v.into(), from, to)))
}

/// The dtype among `allowed` nearest to `from`: `from` itself; else the
/// smallest of the same kind (unsigned, signed, float) at least as wide;
/// else the widest of the same kind; else, for an integer, a float (the
/// smallest whose mantissa holds it, or the widest); else the widest
/// unsigned, then the widest of any kind.
pub(crate) fn nearest(from: DType, allowed: &[DType]) -> Option<DType> {
    if allowed.contains(&from) {
        return Some(from);
    }
    let kind = |d: DType| (d.is_float(), d.is_signed_int());
    let same: Vec<DType> = allowed
        .iter()
        .copied()
        .filter(|&d| kind(d) == kind(from))
        .collect();
    if let Some(d) = same
        .iter()
        .copied()
        .filter(|d| d.size() >= from.size())
        .min_by_key(|d| d.size())
    {
        return Some(d);
    }
    if let Some(d) = same.iter().copied().max_by_key(|d| d.size()) {
        return Some(d);
    }
    let widest = |f: &dyn Fn(DType) -> bool| {
        allowed
            .iter()
            .copied()
            .filter(|&d| f(d))
            .max_by_key(|d| d.size())
    };
    if !from.is_float() {
        let mantissa = |d: DType| if d == DType::F32 { 24 } else { 53 };
        let fits = allowed
            .iter()
            .copied()
            .filter(|d| d.is_float() && mantissa(*d) > value_bits(from))
            .min_by_key(|d| d.size());
        if let Some(d) = fits.or_else(|| widest(&|d: DType| d.is_float())) {
            return Some(d);
        }
    }
    widest(&|d: DType| !d.is_float() && !d.is_signed_int()).or_else(|| widest(&|_| true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use imageio::ndarray::{arr1, ArrayD};

    fn img<T: imageio::Element>(v: Vec<T>) -> NdImage {
        NdImage::from(arr1(&v).into_dyn())
    }

    fn vals<T: imageio::Element>(i: NdImage) -> Vec<T> {
        let a: ArrayD<T> = i.into_array().unwrap();
        a.iter().copied().collect()
    }

    #[test]
    fn narrower_integers_shift() {
        let a = img(vec![0u16, 255, 256, 32768, 65535]);
        assert_eq!(vals::<u8>(to_dtype(&a, DType::U8)), [0, 0, 1, 128, 255]);
        let a = img(vec![-32768i16, -1, 0, 255, 32767]);
        assert_eq!(vals::<i8>(to_dtype(&a, DType::I8)), [-128, -1, 0, 0, 127]);
        // Signed to unsigned clips negatives: 15 value bits to 8 is >> 7.
        assert_eq!(vals::<u8>(to_dtype(&a, DType::U8)), [0, 0, 0, 1, 255]);
        let a = img(vec![u64::MAX, 1 << 56]);
        assert_eq!(vals::<u8>(to_dtype(&a, DType::U8)), [255, 1]);
    }

    #[test]
    fn wider_integers_scale_by_the_maxima() {
        let a = img(vec![0u8, 1, 128, 255]);
        assert_eq!(
            vals::<u16>(to_dtype(&a, DType::U16)),
            [0, 257, 32896, 65535]
        );
        assert_eq!(
            vals::<u64>(to_dtype(&a, DType::U64)),
            [0, u64::MAX / 255, 128 * (u64::MAX / 255), u64::MAX]
        );
        let a = img(vec![-128i8, 127]);
        assert_eq!(vals::<i16>(to_dtype(&a, DType::I16)), [-32768, 32767]);
    }

    #[test]
    fn floats_map_the_unit_range_and_clip() {
        let a = img(vec![-0.5f32, 0.0, 0.5, 1.0, 7.0, f32::NAN]);
        assert_eq!(
            vals::<u8>(to_dtype(&a, DType::U8)),
            [0, 0, 128, 255, 255, 0]
        );
        assert_eq!(
            vals::<u16>(to_dtype(&a, DType::U16)),
            [0, 0, 32768, 65535, 65535, 0]
        );
        let a = img(vec![-2.0f64, -1.0, 1.0]);
        assert_eq!(vals::<i8>(to_dtype(&a, DType::I8)), [-127, -127, 127]);
        let a = img(vec![0u8, 51, 255]);
        assert_eq!(vals::<f32>(to_dtype(&a, DType::F32)), [0.0, 0.2, 1.0]);
        let a = img(vec![0.25f64]);
        assert_eq!(vals::<f32>(to_dtype(&a, DType::F32)), [0.25]);
        // Same dtype: untouched.
        let a = img(vec![3u16]);
        assert_eq!(to_dtype(&a, DType::U16), a);
    }

    #[test]
    fn nearest_dtypes() {
        use DType::*;
        let png = [U16, U8];
        assert_eq!(nearest(F32, &png), Some(U16));
        assert_eq!(nearest(U32, &png), Some(U16));
        assert_eq!(nearest(I16, &png), Some(U16));
        assert_eq!(nearest(U8, &png), Some(U8));
        assert_eq!(nearest(F64, &[U8]), Some(U8));
        let tiff = [F64, F32, U64, U32, U16, U8];
        assert_eq!(nearest(I16, &tiff), Some(F32));
        assert_eq!(nearest(I32, &tiff), Some(F64));
        assert_eq!(nearest(I8, &[I16, U8]), Some(I16));
        assert_eq!(nearest(U8, &[]), None);
    }
}
