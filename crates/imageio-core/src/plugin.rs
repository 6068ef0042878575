//! The [`Plugin`] trait every backend adapter implements, the [`PluginInfo`]
//! it registers with `inventory`, and the standard [`ImageProperties`].

use crate::value::OptionSpec;
use crate::{DType, Error, Metadata, NdImage, Options, Request, Result};

/// Which image(s) of a resource to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Index {
    /// The n-th image, page or frame (0-based). The default is `At(0)`.
    At(usize),
    /// Every image, stacked on a new leading axis.
    All,
}

impl Default for Index {
    /// `At(0)`: the first image, page or frame, for every plugin.
    fn default() -> Self {
        Index::At(0)
    }
}

/// The standard properties of an image (or of a stack, with `Index::All`),
/// the same for every format, computed without decoding pixels wherever the
/// format allows.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageProperties {
    /// The shape of the array a read returns.
    pub shape: Vec<usize>,
    /// The dtype of the array a read returns.
    pub dtype: DType,
    /// The number of images, with `Index::All` (and when cheaply known).
    pub n_images: Option<usize>,
    /// True when `shape` describes a stack (`Index::All`).
    pub is_batch: bool,
    /// Physical size of a pixel per axis (`(dy, dx)`), when the format stores it.
    pub spacing: Option<Vec<f64>>,
}

impl ImageProperties {
    /// Properties of one image of `shape` and `dtype`.
    pub fn new(shape: Vec<usize>, dtype: DType) -> Self {
        ImageProperties {
            shape,
            dtype,
            n_images: None,
            is_batch: false,
            spacing: None,
        }
    }
    /// Properties of an array already in hand.
    pub fn of(img: &NdImage) -> Self {
        Self::new(img.shape().to_vec(), img.dtype())
    }
}

/// A magic-byte signature: `magic` at `offset`, each byte compared under
/// `mask` when one is given.
#[derive(Clone, Copy, Debug)]
pub struct Signature {
    /// Where the magic starts.
    pub offset: usize,
    /// The expected bytes.
    pub magic: &'static [u8],
    /// Bits that count, per byte (`None`: all).
    pub mask: Option<&'static [u8]>,
}

impl Signature {
    /// `magic` at offset 0.
    pub const fn new(magic: &'static [u8]) -> Self {
        Signature {
            offset: 0,
            magic,
            mask: None,
        }
    }
    /// `magic` at `offset`.
    pub const fn at(offset: usize, magic: &'static [u8]) -> Self {
        Signature {
            offset,
            magic,
            mask: None,
        }
    }
    /// `magic` at `offset`, compared under `mask`.
    pub const fn masked(offset: usize, magic: &'static [u8], mask: &'static [u8]) -> Self {
        Signature {
            offset,
            magic,
            mask: Some(mask),
        }
    }
    /// True when `bytes` carries this signature.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        let Some(window) = bytes.get(self.offset..self.offset + self.magic.len()) else {
            return false;
        };
        match self.mask {
            None => window == self.magic,
            Some(mask) => window
                .iter()
                .zip(self.magic)
                .enumerate()
                .all(|(i, (b, m))| {
                    let k = mask.get(i).copied().unwrap_or(0xFF);
                    b & k == m & k
                }),
        }
    }
}

/// What a plugin registers: its name, what it reads and writes, its
/// signatures and options, and how to open it. Everything is `'static` and
/// const-constructible, for `inventory::submit!`:
///
/// ```ignore
/// imageio_core::inventory::submit! {
///     imageio_core::PluginInfo {
///         name: "demo",
///         crate_name: env!("CARGO_PKG_NAME"),
///         summary: "Demo images on the demo crate",
///         read_extensions: &[".demo"],
///         write_extensions: &[],
///         signatures: &[imageio_core::Signature::new(b"DEMO")],
///         read_options: &[],
///         write_options: &[],
///         open: open_demo,
///     }
/// }
/// ```
#[derive(Debug)]
pub struct PluginInfo {
    /// The plugin's name, unique in a program (`"png"`, `"pillowlike"`).
    pub name: &'static str,
    /// The crate that provides it (`env!("CARGO_PKG_NAME")`).
    pub crate_name: &'static str,
    /// One line: formats and backend.
    pub summary: &'static str,
    /// Extensions it reads, lower case with the dot (`".png"`).
    pub read_extensions: &'static [&'static str],
    /// Extensions it writes.
    pub write_extensions: &'static [&'static str],
    /// Magic bytes of the formats it reads.
    pub signatures: &'static [Signature],
    /// The options `read` accepts.
    pub read_options: &'static [OptionSpec],
    /// The options `write` accepts.
    pub write_options: &'static [OptionSpec],
    /// Opens a request; [`Error::declined`] when it is not this plugin's.
    pub open: fn(&mut Request) -> Result<Box<dyn Plugin>>,
}

impl PluginInfo {
    /// True when the plugin reads anything.
    pub fn can_read(&self) -> bool {
        !self.read_extensions.is_empty() || !self.signatures.is_empty()
    }
    /// True when the plugin writes anything.
    pub fn can_write(&self) -> bool {
        !self.write_extensions.is_empty()
    }
    /// True when one of the signatures matches `bytes`.
    pub fn sniff(&self, bytes: &[u8]) -> bool {
        self.signatures.iter().any(|s| s.matches(bytes))
    }
}

inventory::collect!(PluginInfo);

/// Reads images `0, 1, 2, ...` with `read` until it answers
/// `IndexOutOfRange` (after at least one image), keeping them within
/// `limits` (twice their bytes: the images and their stack), and stacks
/// them. It is what [`Plugin::read_all`] does by default; a plugin that
/// overrides `read_all` to check something first calls it afterwards.
pub fn read_in_turn(
    mut read: impl FnMut(usize) -> Result<NdImage>,
    limits: crate::Limits,
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
            Err(e) if e.kind() == crate::ErrorKind::IndexOutOfRange && !images.is_empty() => break,
            Err(e) => return Err(e),
        }
    }
    NdImage::stack(&images)
}

/// A backend adapter, opened on one [`Request`].
///
/// Only [`read`](Self::read) is required. The streaming protocol is
/// sequential reads: `imiter` calls `read(0)`, `read(1)`, ... until one
/// returns [`IndexOutOfRange`](crate::ErrorKind::IndexOutOfRange); a plugin
/// whose format is sequential (GIF, video) keeps a cursor so that reading
/// `i + 1` after `i` does not start over.
///
/// A plugin must not panic; if a backend does anyway, the core catches it at
/// this boundary and reports an [`Internal`](crate::ErrorKind::Internal) error.
pub trait Plugin: Send {
    /// Reads image `index` (0-based); `IndexOutOfRange` past the last one.
    fn read(&mut self, index: usize, options: &Options) -> Result<NdImage>;

    /// The number of images, when it can be known without decoding pixels.
    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(None)
    }

    /// Every image stacked on a new leading axis. The default reads images
    /// in turn (within the request's limits) and stacks them; images that
    /// differ in shape or dtype are an error that says to iterate.
    fn read_all(&mut self, options: &Options, limits: crate::Limits) -> Result<NdImage> {
        read_in_turn(|i| self.read(i, options), limits)
    }

    /// The properties of image `index`. The default decodes it; plugins
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

    /// Writes one image (`(H, W)` or `(H, W, C)`); each call appends an image
    /// where the format allows several.
    fn write(&mut self, image: &NdImage, options: &Options) -> Result<()> {
        let _ = (image, options);
        Err(Error::unsupported("this plugin does not write"))
    }

    /// Writes a stack (`(N, H, W[, C])`). The default writes each image in turn.
    fn write_batch(&mut self, images: &NdImage, options: &Options) -> Result<()> {
        let n = images.shape().first().copied().unwrap_or(0);
        for i in 0..n {
            self.write(&images.frame(i)?, options)?;
        }
        Ok(())
    }

    /// Finishes a write (flush encoders, write trailers, drop every
    /// [`Writer`](crate::Writer) handle). Called once, after the last `write`.
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert!(Signature::new(b"\x89PNG").matches(b"\x89PNG\r\n"));
        assert!(!Signature::new(b"\x89PNG").matches(b"\x89PN"));
        assert!(Signature::at(8, b"WEBP").matches(b"RIFF\0\0\0\0WEBPVP8 "));
        let s = Signature::masked(0, b"P1", b"\xFF\xF0");
        assert!(s.matches(b"P6"));
        assert!(!s.matches(b"Q6"));
    }
}
