//! [`Uri`]: where the bytes are (a path, bytes in memory, a stream, a built-in
//! standard image, or a memory target for writing), and [`SharedBytes`], the
//! cheaply clonable whole content of a resource.

use std::fmt;
use std::io::{Read, Seek};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A readable and seekable byte stream.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Where an image is read from or written to.
///
/// Made from a `&str`/`String`/`&Path`/`PathBuf` (a file path, or
/// `imageio:NAME` for a built-in standard image), from `Vec<u8>`/`&[u8]`
/// (bytes in memory, read only), from a stream ([`Uri::stream`]) or, for
/// writing into a returned `Vec<u8>`, [`Uri::memory`].
pub enum Uri {
    /// A file on disk.
    Path(PathBuf),
    /// Bytes in memory (read only).
    Bytes(SharedBytes),
    /// A built-in standard image, `imageio:NAME` (read only).
    Standard(String),
    /// A write target in memory; the extension picks the format (`".png"`).
    Memory(String),
    /// A stream, read into memory on open (bounded by `Limits::max_alloc`).
    Stream(Box<dyn ReadSeek>),
}

impl Uri {
    /// A write target in memory for the format of `extension` (`".png"` or `"png"`).
    pub fn memory(extension: &str) -> Uri {
        Uri::Memory(normalize_extension(extension))
    }
    /// A readable stream.
    pub fn stream(reader: impl Read + Seek + Send + 'static) -> Uri {
        Uri::Stream(Box::new(reader))
    }
    /// The lower-case extension with its dot (`".png"`), when the URI has one.
    pub fn extension(&self) -> Option<String> {
        match self {
            Uri::Path(p) => p
                .extension()
                .and_then(|e| e.to_str())
                .map(normalize_extension),
            Uri::Standard(name) => name.rsplit_once('.').map(|(_, e)| normalize_extension(e)),
            Uri::Memory(e) => Some(e.clone()),
            Uri::Bytes(_) | Uri::Stream(_) => None,
        }
    }
    /// A short description for messages: the path, `imageio:NAME`, `<bytes>`...
    pub fn describe(&self) -> String {
        match self {
            Uri::Path(p) => p.display().to_string(),
            Uri::Bytes(b) => format!("<{} bytes>", b.len()),
            Uri::Standard(n) => format!("imageio:{n}"),
            Uri::Memory(e) => format!("<memory {e}>"),
            Uri::Stream(_) => "<stream>".into(),
        }
    }
}

impl fmt::Debug for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uri({})", self.describe())
    }
}

/// Lower-cases an extension and gives it a leading dot.
pub fn normalize_extension(e: &str) -> String {
    let e = e.trim().to_ascii_lowercase();
    if e.starts_with('.') {
        e
    } else {
        format!(".{e}")
    }
}

impl From<&str> for Uri {
    fn from(s: &str) -> Self {
        match s.strip_prefix("imageio:") {
            Some(name) => Uri::Standard(name.to_owned()),
            None => Uri::Path(PathBuf::from(s)),
        }
    }
}
impl From<String> for Uri {
    fn from(s: String) -> Self {
        Uri::from(s.as_str())
    }
}
impl From<&String> for Uri {
    fn from(s: &String) -> Self {
        Uri::from(s.as_str())
    }
}
impl From<&Path> for Uri {
    fn from(p: &Path) -> Self {
        match p.to_str() {
            Some(s) if s.starts_with("imageio:") => Uri::from(s),
            _ => Uri::Path(p.to_owned()),
        }
    }
}
impl From<PathBuf> for Uri {
    fn from(p: PathBuf) -> Self {
        Uri::from(p.as_path())
    }
}
impl From<&PathBuf> for Uri {
    fn from(p: &PathBuf) -> Self {
        Uri::from(p.as_path())
    }
}
impl From<Vec<u8>> for Uri {
    fn from(b: Vec<u8>) -> Self {
        Uri::Bytes(SharedBytes::from(b))
    }
}
impl From<&Vec<u8>> for Uri {
    fn from(b: &Vec<u8>) -> Self {
        Uri::Bytes(SharedBytes::from(b.clone()))
    }
}
impl From<&[u8]> for Uri {
    fn from(b: &[u8]) -> Self {
        Uri::Bytes(SharedBytes::from(b.to_vec()))
    }
}
impl<const N: usize> From<&[u8; N]> for Uri {
    fn from(b: &[u8; N]) -> Self {
        Uri::Bytes(SharedBytes::from(b.to_vec()))
    }
}
impl From<SharedBytes> for Uri {
    fn from(b: SharedBytes) -> Self {
        Uri::Bytes(b)
    }
}

#[derive(Clone)]
enum Inner {
    Vec(Arc<Vec<u8>>),
    Map(Arc<memmap2::Mmap>),
    Static(&'static [u8]),
}

/// The whole content of a resource, shared without copying: a memory map for
/// files, a reference-counted buffer otherwise. `Deref`s to `[u8]`; wrap it
/// in `std::io::Cursor` for a `BufRead + Seek` reader that owns its data.
#[derive(Clone)]
pub struct SharedBytes(Inner);

impl SharedBytes {
    /// Wraps a memory map.
    pub(crate) fn from_mmap(m: memmap2::Mmap) -> Self {
        SharedBytes(Inner::Map(Arc::new(m)))
    }
    /// Wraps static bytes.
    pub fn from_static(b: &'static [u8]) -> Self {
        SharedBytes(Inner::Static(b))
    }
}

impl From<Vec<u8>> for SharedBytes {
    fn from(v: Vec<u8>) -> Self {
        SharedBytes(Inner::Vec(Arc::new(v)))
    }
}

impl Deref for SharedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Inner::Vec(v) => v,
            Inner::Map(m) => m,
            Inner::Static(s) => s,
        }
    }
}

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedBytes(<{} bytes>)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_extension() {
        assert!(
            matches!(Uri::from("imageio:testpattern"), Uri::Standard(ref n) if n == "testpattern")
        );
        assert_eq!(Uri::from("a/B.PNG").extension().as_deref(), Some(".png"));
        assert_eq!(Uri::from("noext").extension(), None);
        assert_eq!(Uri::memory("tif").extension().as_deref(), Some(".tif"));
        assert_eq!(Uri::from(vec![1u8, 2]).extension(), None);
        assert_eq!(Uri::from(&b"abc"[..]).describe(), "<3 bytes>");
    }
}
