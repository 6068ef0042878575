//! [`ImageIO`]'s six calls over [`ImageData`] (bytes, width, height, stride,
//! [`PixelFormat`], [`Orientation`]). Built on the core verbs, so every
//! linked plugin serves it.

use std::path::Path;

use imageio_core::{
    imencode_with, imwrite_with, keys, ImageFile, Index, NdImage, ReadOptions, Result, Uri, Value,
    WriteOptions,
};

use crate::convert;
use crate::{FileFormat, ImageData, Orientation, PixelFormat};

/// Reads and writes [`ImageData`] buffers: six associated functions, no
/// instance needed.
///
/// - [`read_from_file`](Self::read_from_file) and
///   [`read_from_memory`](Self::read_from_memory) decode the first image
///   (page, frame) of a file or of encoded bytes; the `_page` variants pick
///   another. The buffer comes back in the image's natural pixel format:
///   gray 8-bit as [`Grayscaled`](PixelFormat::Grayscaled), RGB 8-bit as
///   [`Rgb888`](PixelFormat::Rgb888), RGBA and gray+alpha 8-bit as
///   [`Argb8888`](PixelFormat::Argb8888), 16-bit gray and RGB as
///   [`Rgb161616`](PixelFormat::Rgb161616) (gray replicated), 16-bit RGBA and
///   gray+alpha as [`Argb16161616`](PixelFormat::Argb16161616); rows tightly
///   packed. Float and other sample types are
///   [`Unsupported`](imageio_core::ErrorKind::Unsupported). The orientation
///   is the file's EXIF orientation (the `orientation` metadata key), else
///   [`Orientation::TopLeft`].
/// - [`read_from_ndarray`](Self::read_from_ndarray) packs an array into a
///   pixel format, after checking that its shape and dtype fit the format.
///   The array is in the format's own channel order: an OpenCV-style B, G, R
///   array passed as [`Bgr888`](PixelFormat::Bgr888) is stored as it is.
/// - [`save_to_file`](Self::save_to_file) and
///   [`save_to_memory`](Self::save_to_memory) encode, the format from the
///   path's extension or the [`FileFormat`]; the orientation is not written.
/// - [`save_to_ndarray`](Self::save_to_ndarray) unpacks any pixel format
///   into its natural array, the stride honoured.
///
/// Errors are [`imageio::Error`](imageio_core::Error)s with a
/// [`kind`](imageio_core::Error::kind) and a stable
/// [`code`](imageio_core::Error::code): bad buffers and arrays are
/// [`InvalidInput`](imageio_core::ErrorKind::InvalidInput) (code 13), an
/// existing file with `overwrite = false` is
/// [`AlreadyExists`](imageio_core::ErrorKind::AlreadyExists) (code 11).
///
/// ```
/// use imageio::{imread, ErrorKind, FileFormat, ImageData, ImageIO, NdImage, PixelFormat};
/// # fn main() -> Result<(), imageio::Error> {
/// let dir = std::env::temp_dir().join(format!("imageio-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("scan.png");
/// # let _ = std::fs::remove_file(&path);
///
/// // An array in, as 16-bit-per-pixel RGB565.
/// let nd: NdImage = imread("imageio:testpattern")?;           // (256, 384, 3) u8
/// let d: ImageData = ImageIO::read_from_ndarray(&nd, PixelFormat::Rgb565)?;
/// assert_eq!((d.width(), d.height(), d.stride()), (384, 256, 768));
///
/// // To a file, never replacing one.
/// ImageIO::save_to_file(&d, &path, false)?;
/// let e = ImageIO::save_to_file(&d, &path, false).unwrap_err();
/// assert_eq!((e.kind(), e.code()), (ErrorKind::AlreadyExists, 11));
///
/// // Back from the file: RGB 8-bit, the 565 colours widened.
/// let back = ImageIO::read_from_file(&path)?;
/// assert_eq!((back.format(), back.orientation().exif()), (PixelFormat::Rgb888, 1));
/// assert_eq!(&back.bytes()[..3], &[255, 255, 255]);             // the white bar
///
/// // Into memory, and back.
/// let png: Vec<u8> = ImageIO::save_to_memory(&back, FileFormat::Png)?;
/// let again = ImageIO::read_from_memory(&png)?;
/// assert_eq!(again, back);
///
/// // Out as an array, RGB order whatever the pixel format.
/// let out: NdImage = ImageIO::save_to_ndarray(&again)?;
/// assert_eq!(out.shape(), &[256, 384, 3]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ImageIO;

impl ImageIO {
    /// Decodes the first image of the file at `path` (the first page of a
    /// TIFF or PDF, the first frame of a GIF or video), in its natural pixel
    /// format (see [`ImageIO`]). `imageio:NAME` standard images work too.
    pub fn read_from_file(path: impl AsRef<Path>) -> Result<ImageData> {
        Self::read_from_file_page(path, 0)
    }

    /// Decodes image `page` (0-based page, frame or entry) of the file at
    /// `path`; past the last one is
    /// [`IndexOutOfRange`](imageio_core::ErrorKind::IndexOutOfRange).
    pub fn read_from_file_page(path: impl AsRef<Path>, page: usize) -> Result<ImageData> {
        read(Uri::from(path.as_ref()), page)
    }

    /// Decodes the first image of an encoded file held in memory, the format
    /// found from the content.
    pub fn read_from_memory(bytes: &[u8]) -> Result<ImageData> {
        Self::read_from_memory_page(bytes, 0)
    }

    /// Decodes image `page` (0-based) of an encoded file held in memory.
    pub fn read_from_memory_page(bytes: &[u8], page: usize) -> Result<ImageData> {
        read(Uri::from(bytes), page)
    }

    /// Packs `array` into `format`, rows tightly packed
    /// ([`format.min_stride(width)`](PixelFormat::min_stride) bytes apart, no
    /// padding).
    ///
    /// The array is taken **in the format's own channel order**, as the
    /// vendor API's `read_from_numpy` does (see the "array taken" column of
    /// [`PixelFormat`]):
    ///
    /// - the formats that store whole samples take `(H, W, 3|4)` arrays in
    ///   their memory order and store the samples unchanged (`u16` as
    ///   little-endian): B, G, R for [`Bgr888`](PixelFormat::Bgr888) (what
    ///   OpenCV's `imread` gives), A, R, G, B for
    ///   [`Argb8888`](PixelFormat::Argb8888) and
    ///   [`Argb16161616`](PixelFormat::Argb16161616), A, B, G, R for
    ///   [`Abgr8888`](PixelFormat::Abgr8888) and
    ///   [`Abgr16161616`](PixelFormat::Abgr16161616), R, G, B for
    ///   [`Rgb888`](PixelFormat::Rgb888) and
    ///   [`Rgb161616`](PixelFormat::Rgb161616);
    /// - the others take their natural array and convert it: `(H, W)` or
    ///   `(H, W, 1)` gray for the gray and binary formats (thresholded at
    ///   128), `(H, W, 3)` R, G, B for NV12/NV21, 565 and 555 (rounded as
    ///   documented on [`PixelFormat`]).
    ///
    /// `u16` for the three 16-bit-per-sample formats, `u8` for the others.
    /// Anything else is an [`InvalidInput`](imageio_core::ErrorKind::InvalidInput)
    /// error saying what the format takes.
    ///
    /// [`save_to_ndarray`](Self::save_to_ndarray) gives R, G, B(, A) back, so
    /// for the BGR- and ARGB-ordered formats the two are not inverses:
    ///
    /// ```
    /// use imageio::{ndarray::arr3, ImageIO, NdImage, PixelFormat};
    /// # fn main() -> Result<(), imageio::Error> {
    /// let bgr = NdImage::from(arr3(&[[[1u8, 2, 3], [4, 5, 6]]]).into_dyn()); // 1x2, B, G, R
    /// let d = ImageIO::read_from_ndarray(&bgr, PixelFormat::Bgr888)?;
    /// assert_eq!((d.bytes(), d.stride()), (&[1, 2, 3, 4, 5, 6][..], 6)); // as it was
    /// let rgb = ImageIO::save_to_ndarray(&d)?;
    /// assert_eq!(rgb, NdImage::from(arr3(&[[[3u8, 2, 1], [6, 5, 4]]]).into_dyn()));
    /// # Ok(()) }
    /// ```
    pub fn read_from_ndarray(array: &NdImage, format: PixelFormat) -> Result<ImageData> {
        convert::from_ndarray(array, format)
    }

    /// Encodes `data` into the file at `path`, in the format of its extension.
    /// The file appears complete or not at all. With `overwrite = false` an
    /// existing file is an [`AlreadyExists`](imageio_core::ErrorKind::AlreadyExists)
    /// error and stays untouched.
    pub fn save_to_file(data: &ImageData, path: impl AsRef<Path>, overwrite: bool) -> Result<()> {
        let array = convert::to_ndarray(data);
        let options = WriteOptions::new().overwrite(overwrite).is_batch(false);
        imwrite_with(path.as_ref(), &array, &options)
    }

    /// Encodes `data` in `format` into bytes. A format whose plugin is not
    /// linked is a [`PluginNotLinked`](imageio_core::ErrorKind::PluginNotLinked)
    /// or [`NoPlugin`](imageio_core::ErrorKind::NoPlugin) error naming what to add.
    pub fn save_to_memory(data: &ImageData, format: FileFormat) -> Result<Vec<u8>> {
        let array = convert::to_ndarray(data);
        imencode_with(
            &array,
            format.extension(),
            &WriteOptions::new().is_batch(false),
        )
    }

    /// Unpacks `data` into its natural array: gray `(H, W)` u8 for the gray
    /// and binary formats (binary as 0/255), `(H, W, 3)` u8 RGB for NV12/NV21,
    /// 565, 555, RGB and BGR, `(H, W, 4)` u8 RGBA for the 32-bit formats, and
    /// `(H, W, 3|4)` u16 for the 16-bit-per-sample ones. Channels are in R, G,
    /// B(, A) order whatever the memory order (unlike the array
    /// [`read_from_ndarray`](Self::read_from_ndarray) takes for the BGR- and
    /// ARGB-ordered formats); the stride's padding is skipped.
    pub fn save_to_ndarray(data: &ImageData) -> Result<NdImage> {
        Ok(convert::to_ndarray(data))
    }
}

/// One open, one read, one metadata look-up.
fn read(uri: Uri, page: usize) -> Result<ImageData> {
    let mut file = ImageFile::open_read(uri, &ReadOptions::new())?;
    let image = file.read(Index::At(page))?;
    let orientation = file
        .metadata(Index::At(page))?
        .get(keys::ORIENTATION)
        .and_then(Value::as_int)
        .and_then(Orientation::from_exif)
        .unwrap_or_default();
    let tag = |e: imageio_core::Error| e.with_resource(file.resource());
    let (image, format) = convert::natural_format(image).map_err(tag)?;
    let data = convert::from_natural(&image, format).map_err(tag)?;
    Ok(data.with_orientation(orientation))
}
