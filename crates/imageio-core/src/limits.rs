//! [`Limits`]: the sizes a decoder may allocate, checked from headers before
//! any large allocation so that a decompression bomb fails fast and small.

use crate::{DType, Error, Hint, Result};

/// The most images (pages, frames, directory entries) a reader walks in one
/// resource, whatever its headers claim: one bound for every plugin, so that
/// a page walk or a frame index stays small before any pixel is read.
/// Readers lower it further by what the file's length can hold.
pub const MAX_IMAGES: usize = 1 << 20;

/// Bounds on what a read may allocate. Plugins check them from the header,
/// before decoding (`Limits::check_shape`), and pass them on to backends that
/// take limits of their own.
///
/// The default refuses decompression bombs while reading every ordinary
/// image: at most 1 048 576 pixels on a side, at most 2^28 (268 million,
/// 16384 x 16384) pixels per image or frame, and at most 2 GiB for one array
/// (a stack included). A 200000 x 200000 header fails at once.
///
/// ```
/// use imageio_core::{Limits, DType};
/// let l = Limits::default();
/// assert!(l.check_shape(&[4000, 6000, 3], DType::U8).is_ok());
/// assert!(l.check_shape(&[200_000, 200_000, 3], DType::U8).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest width in pixels.
    pub max_width: u64,
    /// Largest height in pixels.
    pub max_height: u64,
    /// Largest number of pixels (width x height) of one image or frame.
    pub max_pixels: u64,
    /// Largest allocation in bytes for one returned array (a stack included),
    /// and the largest input a plugin may buffer.
    pub max_alloc: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_width: 1 << 20,
            max_height: 1 << 20,
            max_pixels: 1 << 28,
            max_alloc: 2 << 30,
        }
    }
}

impl Limits {
    /// No limits at all. Only for trusted input.
    pub fn none() -> Self {
        Limits {
            max_width: u64::MAX,
            max_height: u64::MAX,
            max_pixels: u64::MAX,
            max_alloc: u64::MAX,
        }
    }

    /// Checks the dimensions of one image (or frame) before decoding it.
    pub fn check_dimensions(&self, width: u64, height: u64) -> Result<()> {
        if width > self.max_width || height > self.max_height {
            return Err(Error::limit(format!(
                "the image is {width}x{height} pixels, beyond the limit of {}x{}",
                self.max_width, self.max_height
            ))
            .with_hint(Hint::RaiseMaxSize));
        }
        let pixels = width.saturating_mul(height);
        if pixels > self.max_pixels {
            return Err(Error::limit(format!(
                "the image has {pixels} pixels ({width}x{height}), beyond the limit of {}",
                self.max_pixels
            ))
            .with_hint(Hint::RaiseMaxPixels));
        }
        Ok(())
    }

    /// Checks the size in bytes of an allocation.
    pub fn check_alloc(&self, bytes: u64) -> Result<()> {
        if bytes > self.max_alloc {
            return Err(Error::limit(format!(
                "decoding needs {bytes} bytes, beyond the limit of {} bytes (or read it image \
                 by image)",
                self.max_alloc
            ))
            .with_hint(Hint::RaiseMaxAlloc));
        }
        Ok(())
    }

    /// Checks an array of `shape` and `dtype` before allocating it. The
    /// image axes are taken as `(.., H, W[, C])` with C <= 4 (otherwise the
    /// last two axes).
    pub fn check_shape(&self, shape: &[usize], dtype: DType) -> Result<()> {
        let dims: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
        let (h, w) = match dims.len() {
            0 => (1, 1),
            1 => (1, dims[0]),
            n if dims[n - 1] <= 4 && n >= 3 => (dims[n - 3], dims[n - 2]),
            n => (dims[n - 2], dims[n - 1]),
        };
        self.check_dimensions(w, h)?;
        let bytes = dims
            .iter()
            .try_fold(dtype.size() as u64, |acc, &d| acc.checked_mul(d))
            .unwrap_or(u64::MAX);
        self.check_alloc(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bombs_are_refused() {
        let l = Limits::default();
        let e = l.check_shape(&[200_000, 200_000], DType::U8).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::LimitExceeded);
        assert!(l.check_shape(&[1 << 21, 1], DType::U8).is_err());
        assert!(l
            .check_shape(&[usize::MAX, usize::MAX, 4], DType::F64)
            .is_err());
        assert!(l.check_shape(&[100, 4096, 4096], DType::U16).is_err());
        assert!(l.check_shape(&[10, 1024, 1024], DType::U16).is_ok());
        assert!(Limits::none()
            .check_shape(&[1 << 30, 1 << 30], DType::U8)
            .is_ok());
    }
}
