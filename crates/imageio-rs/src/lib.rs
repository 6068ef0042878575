//! Read and write any image, image stack, animation, video or PDF page as an
//! n-dimensional array, whatever the format, the backend or where the bytes
//! live. Rust's answer to Python's `imageio`.
//!
//! Published as the package `imageio-rs`; the library is `imageio`:
//!
//! ```toml
//! [dependencies]
//! imageio-rs = "0.1"
//! ```
//!
//! This facade is a table of contents: the verbs ([`imread`], [`imwrite`],
//! [`imiter`], [`improps`], [`immeta`], [`imopen`], [`imencode`],
//! [`imdecode`]), their options and types ([`NdImage`], [`DType`],
//! [`Error`], ...), the buffer-level [`ImageIO`] API (feature `buffer`),
//! the plugin-author API in [`plugin`], and one plugin crate per enabled
//! feature. Depend on this crate, not on `imageio-core` alone: a plugin
//! registers only when a crate the program uses names it, and this crate
//! names every plugin its features enable.
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
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod known;

pub use imageio_core::guess_is_batch;
pub use imageio_core::{
    imdecode, imdecode_with, imencode, imencode_with, imiter, imiter_with, immeta, immeta_with,
    imopen, improps, improps_with, imread, imread_with, imwrite, imwrite_with,
};
/// imageio's standard images (`imageio:chelsea.png`, ...), downloaded on
/// first use into [`standard_images_dir`] (with the `http` feature).
pub use imageio_core::{
    standard_images_dir, DEFAULT_STANDARD_IMAGES_URL, REMOTE_STANDARD_IMAGES,
    STANDARD_IMAGES_DIR_VAR, STANDARD_IMAGES_URL_VAR,
};
pub use imageio_core::{
    DType, Element, Error, ErrorKind, Hint, HttpOptions, ImageFile, ImageIter, ImageProperties,
    Index, IoMode, Limits, Metadata, Mode, NdImage, ReadOptions, Result, SharedBytes, Uri, Value,
    WriteOptions, STANDARD_IMAGES,
};

/// The `ndarray` the arrays are made of, so users need no version match.
pub use imageio_core::ndarray;

/// Test-only: where the shared corpus is, for the tests of every crate.
#[doc(hidden)]
pub use imageio_core::test_corpus;

/// The plugin-author API: the [`Reader`](plugin::Reader) and
/// [`Writer`](plugin::Writer) traits, registration, routing
/// ([`plugins`](plugin::plugins), [`routes`](plugin::routes)). Users of the
/// verbs never need it.
pub use imageio_core::plugin;

/// The buffer-level API (feature `buffer`, from the `imageio-buffer` crate):
/// [`ImageIO`]'s six calls (`read_from_file`, `read_from_memory`,
/// `read_from_ndarray`, `save_to_file`, `save_to_memory`, `save_to_ndarray`)
/// over [`ImageData`] buffers in any [`PixelFormat`], with their EXIF
/// [`Orientation`], encoding to any [`FileFormat`].
#[cfg(feature = "buffer")]
pub use imageio_buffer::{FileFormat, ImageData, ImageIO, Orientation, PixelFormat};

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

/// JPEG: zune-jpeg decoding, DCT-domain thumbnails, EXIF/ICC/orientation;
/// baseline and progressive writing.
#[cfg(feature = "jpeg")]
pub use imageio_jpeg as jpeg;

/// Video through the system FFmpeg libraries; cameras (`<videoN>`) with
/// `ffmpeg-device`.
#[cfg(feature = "ffmpeg")]
pub use imageio_ffmpeg as ffmpeg;

/// PDF: the images placed on each page, pages rendered, pages written.
#[cfg(feature = "pdf")]
pub use imageio_pdf as pdf;

/// JPEG 2000: JP2, JPX and J2K codestreams, read on hayro-jpeg2000.
#[cfg(feature = "jpeg2000")]
pub use imageio_jpeg2000 as jpeg2000;

/// WebP on libwebp: still and animated, lossy and lossless.
#[cfg(feature = "webp")]
pub use imageio_webp as webp;

/// NIfTI-1 and NIfTI-2 volumes (`.nii`, `.nii.gz`), read and written.
#[cfg(feature = "nifti")]
pub use imageio_nifti as nifti;

/// FITS: the primary array and IMAGE extensions, every BITPIX, BSCALE/BZERO
/// as astropy applies them; read only.
#[cfg(feature = "fits")]
pub use imageio_fits as fits;

/// DICOM: single- and multi-frame files, rescale, spacing; a directory of
/// slices as a volume with `dicom::read_series`; Secondary Capture writing.
#[cfg(feature = "dicom")]
pub use imageio_dicom as dicom;

/// The jxl plugin.
#[cfg(feature = "jxl")]
pub use imageio_jxl as jxl;

/// The heif plugin.
#[cfg(feature = "heif")]
pub use imageio_heif as heif;

/// The raw plugin.
#[cfg(feature = "raw")]
pub use imageio_raw as raw;

/// The psd plugin.
#[cfg(feature = "psd")]
pub use imageio_psd as psd;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
