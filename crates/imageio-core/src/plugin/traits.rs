//! The two traits a plugin implements, one per direction: [`Reader`] and
//! [`Writer`], with the helpers their default methods share.

use std::borrow::Cow;

use crate::ImageProperties;
use crate::{Error, ErrorKind, Limits, Metadata, NdImage, Options, Result};

/// Reads images `0, 1, 2, ...` with `read` until it answers
/// `IndexOutOfRange` (after at least one image), keeping them within
/// `limits` (twice their bytes: the images and their stack), and stacks
/// them. It is what [`Reader::read_all`] does by default; a reader that
/// overrides `read_all` to check something first calls it afterwards.
pub fn read_in_turn(
    mut read: impl FnMut(usize) -> Result<NdImage>,
    limits: Limits,
) -> Result<NdImage> {
    let mut images = Vec::new();
    let mut total: u64 = 0;
    loop {
        match read(images.len()) {
            Ok(img) => {
                total = total.saturating_add(img.nbytes() as u64);
                limits.check_alloc(total.saturating_mul(2))?;
                images.push(img);
            }
            Err(e) if e.kind() == ErrorKind::IndexOutOfRange && !images.is_empty() => break,
            Err(e) => return Err(e),
        }
    }
    NdImage::stack(&images)
}

/// The height, width and channel count of one image to write: `(H, W)` is
/// one channel, `(H, W, C)` has `C`, with `C` in `1..=max_channels`.
/// Anything else is an [`InvalidInput`](ErrorKind::InvalidInput) error that
/// names `format` and what it takes.
///
/// ```
/// use imageio_core::plugin::image_dims;
/// assert_eq!(image_dims(&[4, 5], 4, "PNG").unwrap(), (4, 5, 1));
/// assert_eq!(image_dims(&[4, 5, 3], 4, "PNG").unwrap(), (4, 5, 3));
/// assert!(image_dims(&[4, 5, 6], 4, "PNG").is_err());
/// assert!(image_dims(&[2, 4, 5, 3], 4, "PNG").is_err());
/// ```
pub fn image_dims(
    shape: &[usize],
    max_channels: usize,
    format: &str,
) -> Result<(usize, usize, usize)> {
    match *shape {
        [h, w] => Ok((h, w, 1)),
        [h, w, c] if (1..=max_channels).contains(&c) => Ok((h, w, c)),
        _ => Err(Error::invalid_input(format!(
            "{format} writes (H, W) or (H, W, C) images with C in 1..={max_channels}, not {shape:?}"
        ))),
    }
}

/// The read side of a plugin, opened on one
/// [`ReadRequest`](crate::plugin::ReadRequest).
///
/// Only [`read`](Self::read) is required. The streaming protocol is
/// sequential reads: `imiter` calls `read(0)`, `read(1)`, ... until one
/// returns [`IndexOutOfRange`](ErrorKind::IndexOutOfRange); a reader whose
/// format is sequential (GIF, video) keeps a cursor so that reading `i + 1`
/// after `i` does not start over.
///
/// A reader must not panic; if a backend does anyway, the core catches it
/// at this boundary and reports an [`Internal`](ErrorKind::Internal) error.
pub trait Reader: Send {
    /// Reads image `index` (0-based); `IndexOutOfRange` past the last one.
    fn read(&mut self, index: usize, options: &Options) -> Result<NdImage>;

    /// The number of images, when it can be known without decoding pixels.
    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(None)
    }

    /// Every image stacked on a new leading axis. The default reads images
    /// in turn (within `limits`) and stacks them; images that differ in
    /// shape or dtype are an error that says to iterate.
    fn read_all(&mut self, options: &Options, limits: Limits) -> Result<NdImage> {
        read_in_turn(|i| self.read(i, options), limits)
    }

    /// The properties of image `index`. The default decodes it; readers
    /// override this to answer from the header.
    fn properties(&mut self, index: usize, options: &Options) -> Result<ImageProperties> {
        let img = self.read(index, options)?;
        Ok(ImageProperties::of(&img))
    }

    /// Metadata of image `index` (with the file-level entries), or of the
    /// file alone when `index` is `None`.
    fn metadata(&mut self, index: Option<usize>, options: &Options) -> Result<Metadata> {
        let _ = (index, options);
        Ok(Metadata::new())
    }
}

/// The write side of a plugin, opened on one
/// [`WriteRequest`](crate::plugin::WriteRequest).
///
/// The core calls [`write`](Self::write) (or
/// [`write_owned`](Self::write_owned), or
/// [`write_batch`](Self::write_batch)) once per image or stack, then
/// [`close`](Self::close) once. The target becomes the written file only
/// when every call succeeded: after a failed write the core never calls
/// `close` and commits nothing, so a writer need not undo anything.
pub trait Writer: Send {
    /// Writes one image (`(H, W)` or `(H, W, C)`); each call appends an image
    /// where the format allows several.
    fn write(&mut self, image: &NdImage, options: &Options) -> Result<()>;

    /// Writes one image the caller hands over. A writer that keeps frames
    /// until `close` (APNG, PDF) overrides this to keep the array without a
    /// copy; the default writes it by reference.
    fn write_owned(&mut self, image: NdImage, options: &Options) -> Result<()> {
        self.write(&image, options)
    }

    /// Writes a stack (`(N, H, W[, C])`). The default writes each image in
    /// turn, handing each frame over.
    fn write_batch(&mut self, images: &NdImage, options: &Options) -> Result<()> {
        let n = images.shape().first().copied().unwrap_or(0);
        for i in 0..n {
            self.write_owned(images.frame(i)?, options)?;
        }
        Ok(())
    }

    /// Finishes the write (flush encoders, write trailers, drop every
    /// [`Output`](crate::plugin::Output) handle). Called once, after the
    /// last successful write.
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

// An image to write, borrowed or handed over: what
// [`ImageFile::write`](crate::ImageFile::write) accepts.
impl<'a> From<&'a NdImage> for Cow<'a, NdImage> {
    fn from(image: &'a NdImage) -> Self {
        Cow::Borrowed(image)
    }
}

impl From<NdImage> for Cow<'_, NdImage> {
    fn from(image: NdImage) -> Self {
        Cow::Owned(image)
    }
}
