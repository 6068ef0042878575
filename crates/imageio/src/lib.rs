//! Read and write any image, image stack, animation, video or PDF page as an
//! n-dimensional array, whatever the format, the backend or where the bytes
//! live. Rust's answer to Python's `imageio`.
//!
//! This facade re-exports the core API ([`imread`], [`imwrite`], [`imiter`],
//! [`improps`], [`immeta`], [`imopen`], [`imencode`], [`imdecode`], [`NdImage`],
//! ...) and links one plugin crate per enabled feature. Depend on this crate,
//! not on `imageio-core` alone: a plugin registers only when a crate the
//! program uses names it, and this crate names every plugin its features
//! enable.
//!
//! ```
//! use imageio::{imread, imencode, imdecode, improps, NdImage, DType};
//! # fn main() -> Result<(), imageio::Error> {
//! let img: NdImage = imread("imageio:testpattern")?;      // a built-in standard image
//! assert_eq!((img.shape(), img.dtype()), (&[256, 384, 3][..], DType::U8));
//! let png: Vec<u8> = imencode(&img, ".png")?;            // lossless, in memory
//! assert_eq!(imdecode(&png)?, img);                       // bit for bit
//! assert_eq!(improps(png)?.shape, vec![256, 384, 3]);     // from the header only
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub use imageio_core::*;

mod imageio_api;
/// The buffer-level API: [`ImageIO`]'s six calls (`read_from_file`,
/// `read_from_memory`, `read_from_ndarray`, `save_to_file`, `save_to_memory`,
/// `save_to_ndarray`) over [`ImageData`] buffers in any [`PixelFormat`],
/// with their EXIF [`Orientation`], encoding to any [`FileFormat`].
pub use imageio_api::{FileFormat, ImageData, ImageIO, Orientation, PixelFormat};

/// The general-purpose plugin on the `image` crate.
#[cfg(feature = "pillowlike")]
pub use imageio_pillowlike as pillowlike;

/// NPY and NPZ, numpy's own formats (every dtype, any shape, lossless).
#[cfg(feature = "npy")]
pub use imageio_npy as npy;

/// TIFF on the `tiff` crate: every page, every sample type, strips and tiles,
/// BigTIFF, streaming writes.
#[cfg(feature = "tiff")]
pub use imageio_tiff as tiff;

/// PNG and APNG on the `png` crate: every colour type and depth (16-bit
/// kept), APNG frames composited, text chunks, ICC, EXIF; APNG writes.
#[cfg(feature = "png")]
pub use imageio_png as png;

/// GIF on the `gif` crate: every frame composited onto the logical screen,
/// durations and loop; streaming animated writes (NeuQuant or k-means).
#[cfg(feature = "gif")]
pub use imageio_gif as gif;

/// The jpeg plugin.
#[cfg(feature = "jpeg")]
pub use imageio_jpeg as jpeg;

/// The ffmpeg plugin.
#[cfg(feature = "ffmpeg")]
pub use imageio_ffmpeg as ffmpeg;

/// The pdf plugin.
#[cfg(feature = "pdf")]
pub use imageio_pdf as pdf;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
