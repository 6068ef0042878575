//! The buffer-level API of imageio-rs, for scanner, barcode and camera
//! pipelines that pass raw pixel buffers rather than n-dimensional arrays:
//! [`ImageIO`]'s six calls (`read_from_file`, `read_from_memory`,
//! `read_from_ndarray`, `save_to_file`, `save_to_memory`, `save_to_ndarray`)
//! over [`ImageData`] buffers (bytes, width, height, stride) in any of 16
//! [`PixelFormat`]s, with their EXIF [`Orientation`], encoded to any
//! [`FileFormat`].
//!
//! This crate depends on `imageio-core` only: it calls the core verbs
//! (`imread`, `imencode`, ...), so it reads and writes whatever plugins the
//! program links, and links none itself. You probably want the facade
//! instead: depend on `imageio-rs` (its `buffer` feature, on by default,
//! brings this crate along with the plugins) and write `use imageio::...`:
//!
//! ```
//! use imageio::{imread, ImageIO, NdImage, PixelFormat};
//! # fn main() -> Result<(), imageio::Error> {
//! // An OpenCV-style B, G, R array is taken in the format's own order...
//! let bgr = NdImage::from(imageio::ndarray::arr3(&[[[1u8, 2, 3], [4, 5, 6]]]).into_dyn());
//! let d = ImageIO::read_from_ndarray(&bgr, PixelFormat::Bgr888)?;
//! assert_eq!((d.bytes(), d.width(), d.height(), d.stride()), (&[1, 2, 3, 4, 5, 6][..], 2, 1, 6));
//! // ...and comes back out as R, G, B.
//! let rgb = ImageIO::save_to_ndarray(&d)?;
//! assert_eq!(rgb.as_array::<u8>().unwrap().iter().copied().collect::<Vec<_>>(), [3, 2, 1, 6, 5, 4]);
//!
//! // Files in any format a linked plugin reads, in their natural pixel format.
//! let scan = ImageIO::read_from_file("imageio:testpattern")?;
//! assert_eq!((scan.format(), scan.width(), scan.height()), (PixelFormat::Rgb888, 384, 256));
//! assert_eq!(ImageIO::save_to_ndarray(&scan)?, imread("imageio:testpattern")?);
//! # Ok(()) }
//! ```
#![deny(unsafe_code)] // not `forbid`: ndarray's `s!` (tests) expands to `allow(unsafe_code)`
#![deny(missing_docs)]

mod convert;
mod file_format;
mod image_data;
mod image_io;
mod pixel_format;

pub use file_format::FileFormat;
pub use image_data::{ImageData, Orientation};
pub use image_io::ImageIO;
pub use pixel_format::PixelFormat;
