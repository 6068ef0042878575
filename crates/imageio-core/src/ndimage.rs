//! [`NdImage`]: an `ndarray` array of one of the ten [`DType`]s, in the shapes
//! numpy and imageio use: `(H, W)`, `(H, W, C)`, `(N, H, W[, C])`.

use ndarray::{Array2, Array3, Array4, ArrayD, ArrayViewD, Axis, IxDyn};

use crate::dtype::{DType, Element};
use crate::{Error, Result};

/// An n-dimensional image array whose element type is chosen at run time.
///
/// Shapes follow numpy/imageio: `(H, W)` gray, `(H, W, C)` with C = 2
/// (gray+alpha), 3 (RGB) or 4 (RGBA), and `(N, H, W[, C])` for a stack.
/// Arrays made by plugins are in standard (C, row-major) layout.
///
/// ```
/// use imageio_core::{NdImage, DType};
/// use ndarray::Array3;
/// let img = NdImage::from(Array3::<u16>::zeros((4, 5, 3)));
/// assert_eq!(img.shape(), &[4, 5, 3]);
/// assert_eq!(img.dtype(), DType::U16);
/// let back = img.into_array::<u16>().unwrap();
/// assert_eq!(back.len(), 60);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum NdImage {
    U8(ArrayD<u8>),
    U16(ArrayD<u16>),
    U32(ArrayD<u32>),
    U64(ArrayD<u64>),
    I8(ArrayD<i8>),
    I16(ArrayD<i16>),
    I32(ArrayD<i32>),
    I64(ArrayD<i64>),
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
}

/// Runs an expression over the typed array inside an [`NdImage`], whatever
/// its dtype: `with_ndimage!(img, a => a.len())`. The binding is the
/// `ArrayD<T>` (by value, `&` or `&mut`, following the matched expression).
/// A second form rewraps the result: `with_ndimage!(img, a => map a.t().to_owned())`.
#[macro_export]
#[doc(hidden)]
macro_rules! with_ndimage {
    ($img:expr, $a:ident => map $e:expr) => {
        match $img {
            $crate::NdImage::U8($a) => $crate::NdImage::U8($e),
            $crate::NdImage::U16($a) => $crate::NdImage::U16($e),
            $crate::NdImage::U32($a) => $crate::NdImage::U32($e),
            $crate::NdImage::U64($a) => $crate::NdImage::U64($e),
            $crate::NdImage::I8($a) => $crate::NdImage::I8($e),
            $crate::NdImage::I16($a) => $crate::NdImage::I16($e),
            $crate::NdImage::I32($a) => $crate::NdImage::I32($e),
            $crate::NdImage::I64($a) => $crate::NdImage::I64($e),
            $crate::NdImage::F32($a) => $crate::NdImage::F32($e),
            $crate::NdImage::F64($a) => $crate::NdImage::F64($e),
        }
    };
    ($img:expr, $a:ident => $e:expr) => {
        match $img {
            $crate::NdImage::U8($a) => $e,
            $crate::NdImage::U16($a) => $e,
            $crate::NdImage::U32($a) => $e,
            $crate::NdImage::U64($a) => $e,
            $crate::NdImage::I8($a) => $e,
            $crate::NdImage::I16($a) => $e,
            $crate::NdImage::I32($a) => $e,
            $crate::NdImage::I64($a) => $e,
            $crate::NdImage::F32($a) => $e,
            $crate::NdImage::F64($a) => $e,
        }
    };
}

/// Runs a generic function-like block for the Rust type matching a [`DType`]:
/// `with_dtype!(dtype, T => NdImage::from(ArrayD::<T>::zeros(shape)))`.
#[macro_export]
#[doc(hidden)]
macro_rules! with_dtype {
    ($dtype:expr, $t:ident => $e:expr) => {
        match $dtype {
            $crate::DType::U8 => {
                type $t = u8;
                $e
            }
            $crate::DType::U16 => {
                type $t = u16;
                $e
            }
            $crate::DType::U32 => {
                type $t = u32;
                $e
            }
            $crate::DType::U64 => {
                type $t = u64;
                $e
            }
            $crate::DType::I8 => {
                type $t = i8;
                $e
            }
            $crate::DType::I16 => {
                type $t = i16;
                $e
            }
            $crate::DType::I32 => {
                type $t = i32;
                $e
            }
            $crate::DType::I64 => {
                type $t = i64;
                $e
            }
            $crate::DType::F32 => {
                type $t = f32;
                $e
            }
            $crate::DType::F64 => {
                type $t = f64;
                $e
            }
        }
    };
}

impl NdImage {
    /// A zero-filled image of `shape` and `dtype`.
    ///
    /// Callers decoding untrusted input check the size against
    /// [`Limits`](crate::Limits) first ([`Limits::check_shape`](crate::Limits::check_shape)).
    pub fn zeros(shape: &[usize], dtype: DType) -> NdImage {
        with_dtype!(dtype, T => NdImage::from(ArrayD::<T>::zeros(IxDyn(shape))))
    }

    /// An image of `shape` from a vector in C order; fails when the lengths differ.
    pub fn from_shape_vec<T: Element>(shape: &[usize], data: Vec<T>) -> Result<NdImage> {
        let n = data.len();
        ArrayD::from_shape_vec(IxDyn(shape), data)
            .map(NdImage::from)
            .map_err(|_| {
                Error::invalid_input(format!(
                    "{n} elements do not fill an array of shape {shape:?}"
                ))
            })
    }

    /// The shape, outermost axis first.
    pub fn shape(&self) -> &[usize] {
        with_ndimage!(self, a => a.shape())
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            NdImage::U8(_) => DType::U8,
            NdImage::U16(_) => DType::U16,
            NdImage::U32(_) => DType::U32,
            NdImage::U64(_) => DType::U64,
            NdImage::I8(_) => DType::I8,
            NdImage::I16(_) => DType::I16,
            NdImage::I32(_) => DType::I32,
            NdImage::I64(_) => DType::I64,
            NdImage::F32(_) => DType::F32,
            NdImage::F64(_) => DType::F64,
        }
    }

    /// The number of axes.
    pub fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        with_ndimage!(self, a => a.len())
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The size of the element data in bytes.
    pub fn nbytes(&self) -> usize {
        self.len() * self.dtype().size()
    }

    /// The typed array, when the dtype is `T`; otherwise an
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) error naming both
    /// types (use [`cast`](Self::cast) first to convert).
    pub fn into_array<T: Element>(self) -> Result<ArrayD<T>> {
        let have = self.dtype();
        T::unwrap(self).map_err(|_| {
            Error::invalid_input(format!("the image is {have}, not {}", T::DTYPE))
                .with_hint(crate::Hint::Cast(vec![T::DTYPE]))
        })
    }

    /// Borrows the typed array, when the dtype is `T`.
    pub fn as_array<T: Element>(&self) -> Option<&ArrayD<T>> {
        T::peek(self)
    }

    /// Mutably borrows the typed array, when the dtype is `T`.
    pub fn as_array_mut<T: Element>(&mut self) -> Option<&mut ArrayD<T>> {
        T::peek_mut(self)
    }

    /// A typed view, when the dtype is `T`.
    pub fn view<T: Element>(&self) -> Option<ArrayViewD<'_, T>> {
        T::peek(self).map(|a| a.view())
    }

    /// Makes the array standard (C) layout, copying only when it is not.
    pub fn into_standard_layout(self) -> NdImage {
        with_ndimage!(self, a => map if a.is_standard_layout() { a } else { a.as_standard_layout().into_owned() })
    }

    /// The elements as bytes in native byte order, when the array is in
    /// standard layout (it is for every array a plugin returns).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        with_ndimage!(self, a => a.as_slice().map(bytemuck::cast_slice))
    }

    /// The elements as bytes in native byte order, in standard (C) order
    /// whatever the layout: borrowed when the array is in standard layout
    /// (every array a plugin returns), else copied once in logical order.
    /// What a writer hands its encoder.
    pub fn standard_bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        if let Some(b) = self.as_bytes() {
            return std::borrow::Cow::Borrowed(b);
        }
        with_ndimage!(self, a => {
            let mut out = Vec::with_capacity(self.nbytes());
            for v in a.iter() {
                out.extend_from_slice(bytemuck::bytes_of(v));
            }
            std::borrow::Cow::Owned(out)
        })
    }

    /// The elements as mutable bytes in native byte order, when the array is
    /// in standard layout. Decoders write straight into this buffer.
    pub fn as_bytes_mut(&mut self) -> Option<&mut [u8]> {
        with_ndimage!(self, a => a.as_slice_mut().map(bytemuck::cast_slice_mut))
    }

    /// Casts every element to `dtype` with Rust `as` semantics, like numpy's
    /// `astype`: values are not rescaled (255u8 becomes 255.0f32), floats cast
    /// to integers saturate and NaN becomes 0.
    pub fn cast(&self, dtype: DType) -> NdImage {
        if dtype == self.dtype() {
            return self.clone();
        }
        fn go<S: Element, T: Element>(a: &ArrayD<S>) -> NdImage {
            NdImage::from(a.mapv(|v| T::from_f64(v.to_f64())))
        }
        // Integer-to-integer casts through f64 are exact up to 2^53; the 64-bit
        // types are cast directly to stay exact.
        match (self, dtype) {
            (NdImage::U64(a), DType::I64) => NdImage::from(a.mapv(|v| v as i64)),
            (NdImage::I64(a), DType::U64) => NdImage::from(a.mapv(|v| v as u64)),
            _ => with_ndimage!(self, a => with_dtype!(dtype, T => go::<_, T>(a))),
        }
    }

    /// Image `i` of a stack (along the first axis), as an owned array.
    pub fn frame(&self, i: usize) -> Result<NdImage> {
        let n = self.shape().first().copied().unwrap_or(0);
        if i >= n {
            return Err(Error::index_out_of_range(i, Some(n)));
        }
        Ok(with_ndimage!(self, a => map a.index_axis(Axis(0), i).to_owned()))
    }

    /// Stacks images of equal shape and dtype on a new first axis.
    pub fn stack(images: &[NdImage]) -> Result<NdImage> {
        let first = images
            .first()
            .ok_or_else(|| Error::invalid_input("cannot stack zero images"))?;
        for (i, img) in images.iter().enumerate() {
            if img.shape() != first.shape() || img.dtype() != first.dtype() {
                return Err(Error::invalid_input(format!(
                    "image {i} is {} {:?} but image 0 is {} {:?}: images of different shapes or \
                     dtypes cannot be stacked; read them one by one (imiter or Index::At)",
                    img.dtype(),
                    img.shape(),
                    first.dtype(),
                    first.shape()
                )));
            }
        }
        fn go<T: Element>(images: &[NdImage], shape: &[usize]) -> NdImage {
            let mut full = Vec::with_capacity(shape.len() + 1);
            full.push(images.len());
            full.extend_from_slice(shape);
            let mut data: Vec<T> = Vec::with_capacity(images.iter().map(|i| i.len()).sum());
            for img in images {
                let a = T::peek(img).expect("dtype checked");
                match a.as_slice() {
                    Some(s) => data.extend_from_slice(s),
                    None => data.extend(a.iter().copied()),
                }
            }
            NdImage::from(ArrayD::from_shape_vec(IxDyn(&full), data).expect("sizes checked"))
        }
        Ok(with_dtype!(first.dtype(), T => go::<T>(images, first.shape())))
    }
}

impl<T: Element> From<ArrayD<T>> for NdImage {
    fn from(a: ArrayD<T>) -> Self {
        T::wrap(a)
    }
}
impl<T: Element> From<Array2<T>> for NdImage {
    fn from(a: Array2<T>) -> Self {
        T::wrap(a.into_dyn())
    }
}
impl<T: Element> From<Array3<T>> for NdImage {
    fn from(a: Array3<T>) -> Self {
        T::wrap(a.into_dyn())
    }
}
impl<T: Element> From<Array4<T>> for NdImage {
    fn from(a: Array4<T>) -> Self {
        T::wrap(a.into_dyn())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn shape_dtype_and_bytes() {
        let img = NdImage::from(array![[1u16, 2], [3, 0xABCD]]);
        assert_eq!(img.shape(), &[2, 2]);
        assert_eq!(img.dtype(), DType::U16);
        assert_eq!(img.nbytes(), 8);
        let b = img.as_bytes().unwrap();
        assert_eq!(&b[6..8], &0xABCDu16.to_ne_bytes());
    }

    #[test]
    fn standard_bytes_borrow_or_copy_in_logical_order() {
        let img = NdImage::from(array![[1u16, 2], [3, 0xABCD]]);
        assert!(matches!(
            img.standard_bytes(),
            std::borrow::Cow::Borrowed(_)
        ));
        // The transpose is not in standard layout: its bytes are copied in
        // its own (logical) order.
        let t = NdImage::from(array![[1u16, 2], [3, 0xABCD]].reversed_axes());
        assert!(t.as_bytes().is_none());
        let b = t.standard_bytes();
        assert!(matches!(b, std::borrow::Cow::Owned(_)));
        let want: Vec<u8> = [1u16, 3, 2, 0xABCD]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        assert_eq!(&b[..], &want[..]);
    }

    #[test]
    fn into_array_wrong_type_is_an_error() {
        let img = NdImage::from(array![[1u8]]);
        let e = img.into_array::<u16>().unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        assert!(e.message().contains("uint8"), "{e}");
    }

    #[test]
    fn cast_saturates_and_keeps_values() {
        let img = NdImage::from(array![[-1.5f32, 300.0, f32::NAN, 7.9]]);
        let c = img.cast(DType::U8);
        assert_eq!(
            c.into_array::<u8>().unwrap().into_raw_vec_and_offset().0,
            vec![0, 255, 0, 7]
        );
        let img = NdImage::from(array![[255u8]]);
        assert_eq!(
            img.cast(DType::F32).as_array::<f32>().unwrap()[[0, 0]],
            255.0
        );
        let big = NdImage::from(array![[u64::MAX]]);
        assert_eq!(big.cast(DType::I64).as_array::<i64>().unwrap()[[0, 0]], -1);
    }

    #[test]
    fn stack_and_frame() {
        let a = NdImage::from(array![[1u8, 2], [3, 4]]);
        let b = NdImage::from(array![[5u8, 6], [7, 8]]);
        let s = NdImage::stack(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(s.shape(), &[2, 2, 2]);
        assert_eq!(s.frame(1).unwrap(), b);
        assert_eq!(
            s.frame(2).unwrap_err().kind(),
            crate::ErrorKind::IndexOutOfRange
        );
        let c = NdImage::from(array![[1u16, 2], [3, 4]]);
        assert_eq!(
            NdImage::stack(&[a, c]).unwrap_err().kind(),
            crate::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn zeros_of_every_dtype() {
        for d in DType::ALL {
            let z = NdImage::zeros(&[2, 3], d);
            assert_eq!(z.dtype(), d);
            assert_eq!(z.nbytes(), 6 * d.size());
            assert!(z.as_bytes().unwrap().iter().all(|&b| b == 0));
        }
    }
}
