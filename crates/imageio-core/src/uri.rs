//! [`Uri`]: where the bytes are (a path, a member of a zip archive, an
//! `http(s)://` URL, bytes in memory, a stream, a built-in standard image, a
//! capture device such as `<video0>`, or a memory target for writing), [`HttpOptions`] for URLs, and
//! [`SharedBytes`], the cheaply clonable whole content of a resource.
//!
//! A path that crosses a zip archive, `archive.zip/inner/dir/image.png`,
//! names the member `inner/dir/image.png` of `archive.zip`: reading reads the
//! member, writing adds or replaces it and keeps every other member (the
//! archive is rewritten beside itself and renamed into place, all or
//! nothing). Member paths with `..` are refused. The zip file is recognised
//! only when the path does not exist as such, so ordinary files are never
//! affected.

use std::fmt;
use std::io::{Read, Seek};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A readable and seekable byte stream.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Where an image is read from or written to.
///
/// Made from a `&str`/`String`/`&Path`/`PathBuf` (a file path, a member of
/// a zip archive such as `archive.zip/dir/image.png`, an `http://` or
/// `https://` URL, `imageio:NAME` for a built-in standard image, or
/// `<videoN>` for a capture device), from
/// `Vec<u8>`/`&[u8]` (bytes in memory, read only), from a stream
/// ([`Uri::stream`]) or, for writing into a returned `Vec<u8>`,
/// [`Uri::memory`].
///
/// ```
/// use imageio_core::Uri;
/// let u = Uri::from("https://example.com/photos/cat.JPG?size=large#top");
/// assert_eq!(u.extension().as_deref(), Some(".jpg"));
/// assert!(matches!(u, Uri::Url { .. }));
/// ```
#[non_exhaustive]
pub enum Uri {
    /// A file on disk, or a member of a zip archive on disk
    /// (`archive.zip/inner/image.png`).
    Path(PathBuf),
    /// An `http://` or `https://` URL (read only; needs the `http` feature).
    Url {
        /// The URL as given.
        url: String,
        /// Timeouts and redirects for this URL.
        http: HttpOptions,
    },
    /// Bytes in memory (read only).
    Bytes(SharedBytes),
    /// A built-in standard image, `imageio:NAME` (read only).
    Standard(String),
    /// A write target in memory; the extension picks the format (`".png"`).
    Memory(String),
    /// A stream, read into memory on open (bounded by `Limits::max_alloc`).
    Stream(Box<dyn ReadSeek>),
    /// A capture device (a camera), `<videoN>` as given (read only; served
    /// by the plugin that claims the `device` scheme). It has no bytes.
    Device(String),
}

impl Uri {
    /// A write target in memory for the format of `extension` (`".png"` or `"png"`).
    pub fn memory(extension: &str) -> Uri {
        Uri::Memory(normalize_extension(extension))
    }
    /// An `http://` or `https://` URL with its own timeouts and redirect
    /// limit (`Uri::from(url)` uses [`HttpOptions::default`]).
    pub fn url_with(url: &str, http: HttpOptions) -> Uri {
        Uri::Url {
            url: url.to_owned(),
            http,
        }
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
            Uri::Url { url, .. } => url_extension(url),
            Uri::Bytes(_) | Uri::Stream(_) | Uri::Device(_) => None,
        }
    }
    /// The URI scheme and its target, for resources that have no bytes and
    /// are served by the plugin that claims the scheme: `("imageio",
    /// "testpattern")` for a standard image, `("device", "<video0>")` for a
    /// capture device.
    pub fn scheme(&self) -> Option<(&'static str, &str)> {
        match self {
            Uri::Standard(name) => Some(("imageio", name)),
            Uri::Device(d) => Some(("device", d)),
            _ => None,
        }
    }
    /// A short description for messages: the path, `imageio:NAME`, `<bytes>`,
    /// the device name (`<video0>`)...
    pub fn describe(&self) -> String {
        match self {
            Uri::Path(p) => p.display().to_string(),
            Uri::Url { url, .. } => redact_url(url),
            Uri::Bytes(b) => format!("<{} bytes>", b.len()),
            Uri::Standard(n) => format!("imageio:{n}"),
            Uri::Memory(e) => format!("<memory {e}>"),
            Uri::Stream(_) => "<stream>".into(),
            Uri::Device(d) => d.clone(),
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

/// `url` fit to print: credentials in it (`http://user:pass@host/...`)
/// become `***` (`http://***@host/...`). Every message that names a URL goes
/// through it.
///
/// ```
/// assert_eq!(
///     imageio_core::redact_url("https://me:secret@example.com/a.png?x=1"),
///     "https://***@example.com/a.png?x=1"
/// );
/// assert_eq!(imageio_core::redact_url("https://example.com/a@b.png"), "https://example.com/a@b.png");
/// ```
pub fn redact_url(url: &str) -> String {
    match userinfo(url) {
        Some((start, end)) => format!("{}***{}", &url[..start], &url[end..]),
        None => url.to_owned(),
    }
}

/// The byte range of the userinfo of `url` (before the `@` of its
/// authority), when it has one.
pub(crate) fn userinfo(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let authority_len = url[start..]
        .find(['/', '?', '#'])
        .unwrap_or(url.len() - start);
    let at = url[start..start + authority_len].rfind('@')?;
    Some((start, start + at))
}

/// True for an `http://` or `https://` URL (the scheme in any case).
pub fn is_url(s: &str) -> bool {
    let lower = |n: usize| s.get(..n).map(|p| p.to_ascii_lowercase());
    lower(7).as_deref() == Some("http://") || lower(8).as_deref() == Some("https://")
}

/// True for a capture device name: `<video` and one or more ASCII digits
/// and `>` (`<video0>`, `<video12>`), nothing around it.
pub(crate) fn is_device(s: &str) -> bool {
    s.strip_prefix("<video")
        .and_then(|r| r.strip_suffix('>'))
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// The extension of the last segment of a URL's path (`".png"`), ignoring the
/// query and the fragment; `None` when the path has none.
pub(crate) fn url_extension(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['#', '?']).next().unwrap_or("");
    let path = rest.split_once('/').map_or("", |(_, p)| p);
    let last = path.rsplit('/').next().unwrap_or("");
    match last.rsplit_once('.') {
        Some((stem, e))
            if !stem.is_empty()
                && !e.is_empty()
                && e.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            Some(normalize_extension(e))
        }
        _ => None,
    }
}

/// Default time to establish a connection (DNS, TCP, TLS): 10 s.
pub const HTTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default longest wait for the next bytes from the server (the response
/// headers, then each read of the body): 30 s.
pub const HTTP_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of redirects followed: 5.
pub const HTTP_MAX_REDIRECTS: u32 = 5;
/// Default time for a whole transfer, redirects included: 5 minutes. The
/// read timeout bounds each wait for data, but a server that sends one byte
/// just within it would hold a read open for ever; this bounds the whole.
/// Five minutes fetch the largest body `Limits::default()` accepts (2 GiB)
/// at 8 MB/s; set `IMAGEIO_HTTP_TOTAL_TIMEOUT` or
/// [`HttpOptions::total_timeout`] for slower links.
pub const HTTP_TOTAL_TIMEOUT: Duration = Duration::from_secs(300);

/// Timeouts and redirects of an `http(s)://` read.
///
/// Each value is taken from, in order: the setter here, the environment
/// (`IMAGEIO_HTTP_CONNECT_TIMEOUT`, `IMAGEIO_HTTP_TIMEOUT` and
/// `IMAGEIO_HTTP_TOTAL_TIMEOUT` in seconds, decimals allowed;
/// `IMAGEIO_HTTP_MAX_REDIRECTS`), then the defaults: connect
/// [`HTTP_CONNECT_TIMEOUT`] (10 s), read [`HTTP_READ_TIMEOUT`] (30 s, per
/// wait for data), total [`HTTP_TOTAL_TIMEOUT`] (5 min),
/// [`HTTP_MAX_REDIRECTS`] (5) redirects. The body is read incrementally and
/// refused as soon as it passes `Limits::max_alloc`. An `https://` URL is
/// never redirected to plain `http://`, and credentials in a URL are never
/// printed (see [`redact_url`]).
///
/// ```
/// use imageio_core::{HttpOptions, Uri};
/// use std::time::Duration;
/// let o = HttpOptions::new().read_timeout(Duration::from_secs(5)).max_redirects(0);
/// let uri = Uri::url_with("https://example.com/a.png", o);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpOptions {
    /// Time to connect; `None`: environment, else the default.
    pub connect_timeout: Option<Duration>,
    /// Longest wait for data; `None`: environment, else the default.
    pub read_timeout: Option<Duration>,
    /// Time for the whole transfer; `None`: environment, else the default.
    pub total_timeout: Option<Duration>,
    /// Redirects followed; `None`: environment, else the default.
    pub max_redirects: Option<u32>,
}

impl HttpOptions {
    /// Everything from the environment or the defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }
    /// Sets the longest wait for data from the server.
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = Some(d);
        self
    }
    /// Sets a timeout for the whole transfer (redirects included).
    pub fn total_timeout(mut self, d: Duration) -> Self {
        self.total_timeout = Some(d);
        self
    }
    /// Sets how many redirects are followed (0: none).
    pub fn max_redirects(mut self, n: u32) -> Self {
        self.max_redirects = Some(n);
        self
    }
}

impl From<&str> for Uri {
    fn from(s: &str) -> Self {
        if is_url(s) {
            return Uri::url_with(s, HttpOptions::default());
        }
        if is_device(s) {
            return Uri::Device(s.to_owned());
        }
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
            Some(s) if s.starts_with("imageio:") || is_url(s) || is_device(s) => Uri::from(s),
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
    fn urls_are_described_without_their_credentials() {
        let u = Uri::from("https://alice:s3cret@example.com:8443/d/a.png?t=1#f");
        assert_eq!(u.describe(), "https://***@example.com:8443/d/a.png?t=1#f");
        assert_eq!(
            format!("{u:?}"),
            "Uri(https://***@example.com:8443/d/a.png?t=1#f)"
        );
        // An @ in the path or query is not userinfo.
        for plain in ["http://h/a@b.png", "http://h/a.png?to=x@y", "http://h#a@b"] {
            assert_eq!(Uri::from(plain).describe(), plain);
        }
        assert_eq!(redact_url("http://token@h/x"), "http://***@h/x");
    }

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

    #[test]
    fn urls() {
        let ext = |u: &str| Uri::from(u).extension();
        assert_eq!(ext("http://h/a/b.PNG").as_deref(), Some(".png"));
        assert_eq!(ext("HTTPS://h:8080/x.tif?a=b.jpg").as_deref(), Some(".tif"));
        assert_eq!(ext("http://h/x.gif#frag.png").as_deref(), Some(".gif"));
        assert_eq!(ext("http://h/dir.d/image"), None);
        assert_eq!(ext("http://h.example.com"), None);
        assert_eq!(ext("http://h/?q=a.png"), None);
        assert_eq!(ext("http://h/.hidden"), None);
        let u = Uri::from(PathBuf::from("http://h/a.png"));
        assert!(matches!(u, Uri::Url { ref url, .. } if url == "http://h/a.png"));
        assert_eq!(u.describe(), "http://h/a.png");
        assert!(matches!(Uri::from("httpfile.png"), Uri::Path(_)));
        assert!(matches!(Uri::from("http:/x.png"), Uri::Path(_)));
    }

    #[test]
    fn devices() {
        for name in ["<video0>", "<video1>", "<video12>"] {
            let u = Uri::from(name);
            assert!(matches!(u, Uri::Device(ref d) if d == name), "{name}");
            assert_eq!(u.describe(), name);
            assert_eq!(u.extension(), None);
            let p = Uri::from(PathBuf::from(name));
            assert!(
                matches!(p, Uri::Device(ref d) if d == name),
                "{name} as a path"
            );
            assert!(matches!(Uri::from(name.to_string()), Uri::Device(_)));
        }
        for not in [
            "<video>",
            "<video-1>",
            "<video0",
            "video0>",
            "video0",
            "<audio0>",
            "<VIDEO0>",
            "<video0>.png",
            " <video0>",
            "dir/<video0>",
            "<video0a>",
        ] {
            assert!(!is_device(not), "{not}");
            assert!(matches!(Uri::from(not), Uri::Path(_)), "{not}");
        }
    }
}
