//! [`ReadRequest`]: the one door through which a reader reaches the bytes:
//! the first bytes for sniffing, the whole content (memory-mapped for large
//! files), a `BufRead + Seek` reader, positioned reads, a local path.
//!
//! Every reader gets every source through it: files, members of zip
//! archives (`archive.zip/dir/image.png`), `http(s)://` URLs (with the `http`
//! feature; see [`HttpOptions`](crate::HttpOptions)), bytes and streams. A
//! resource named by a URI scheme (`imageio:NAME`, a capture device
//! `<video0>`) opens no file: the request only carries its
//! [`scheme`](ReadRequest::scheme) and [`target`](ReadRequest::target).

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::access::RandomAccess;
use crate::uri::{normalize_extension, SharedBytes, Uri};
use crate::{Error, ErrorKind, Limits, Options, Result};

use super::FIRST_BYTES;

/// Files up to this size are read into memory; larger ones are memory-mapped.
const MMAP_THRESHOLD: u64 = 256 * 1024;

enum Source {
    File {
        file: File,
        len: u64,
        data: Option<SharedBytes>,
    },
    Bytes(SharedBytes),
}

/// A resource opened for reading: the only way readers touch the data.
///
/// [`first_bytes`](Self::first_bytes) for sniffing, [`bytes`](Self::bytes)
/// for the whole content (memory-mapped for large files, never copied),
/// [`reader`](Self::reader) for a `BufRead + Seek` stream that owns its
/// data, [`random_access`](Self::random_access) for positioned reads into
/// arrays, [`local_path`](Self::local_path) for backends that insist on a
/// file name.
pub struct ReadRequest {
    name: String,
    path: Option<PathBuf>,
    extension: Option<String>,
    source: Option<Source>,
    first: Vec<u8>,
    limits: Limits,
    options: Options,
    spill: Option<tempfile::TempPath>,
    /// `(scheme, target)` of a resource named by a URI scheme; it has no bytes.
    scheme: Option<(&'static str, String)>,
}

impl std::fmt::Debug for ReadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadRequest")
            .field("name", &self.name)
            .field("extension", &self.extension)
            .finish_non_exhaustive()
    }
}

/// The URI scheme a directory is read under: a plugin whose format claims
/// it reads a directory as one resource (its target is the directory's
/// path), as DICOM series are read.
pub const DIRECTORY_SCHEME: &str = "directory";

impl ReadRequest {
    /// Opens `uri` for reading. A missing file fails here, once, before any
    /// plugin is asked. `extension` overrides the one of the URI.
    pub fn new(uri: Uri, extension: Option<&str>, limits: Limits) -> Result<ReadRequest> {
        let name = uri.describe();
        let ext = extension
            .map(normalize_extension)
            .or_else(|| uri.extension());
        // imageio's own standard images are files in a cache (downloaded on
        // first use); the built-in ones keep their scheme.
        let uri = crate::standard_remote::resolve_uri(uri, limits)?;
        if let Some((scheme, target)) = uri.scheme() {
            // Nothing to open here: the reader that claims the scheme finds
            // the resource by its target.
            let target = target.to_owned();
            let mut req = ReadRequest::from_source(name, ext, None, limits, None)?;
            req.scheme = Some((scheme, target));
            return Ok(req);
        }
        if let Uri::Path(p) = &uri {
            // A directory is a resource without bytes, like a scheme's: the
            // plugin that claims the `directory` scheme (a series of slices
            // read as one volume) opens it by its path.
            if std::fs::metadata(p).is_ok_and(|m| m.is_dir()) {
                let mut req = ReadRequest::from_source(name, ext, None, limits, None)?;
                req.scheme = Some((DIRECTORY_SCHEME, p.to_string_lossy().into_owned()));
                return Ok(req);
            }
        }
        let mut path = None;
        let mut spill = None;
        let source = match uri {
            Uri::Path(p) => match Self::open_path(&p, &name, limits)? {
                Opened::File(file, len) => {
                    path = Some(p);
                    Source::File { file, len, data: None }
                }
                Opened::Member(data) => Source::Bytes(SharedBytes::from(data)),
            },
            Uri::Bytes(b) => Source::Bytes(b),
            Uri::Url { url, http } => {
                match crate::http::fetch(&url, &http, ext.as_deref(), limits)? {
                    crate::http::Body::Memory(v) => Source::Bytes(SharedBytes::from(v)),
                    crate::http::Body::Spilled { file, len, path } => {
                        spill = Some(path);
                        Source::File { file, len, data: None }
                    }
                }
            }
            Uri::Stream(s) => Source::Bytes(read_stream(s, &name, limits)?),
            Uri::Memory(_) => {
                return Err(Error::invalid_input(
                    "Uri::memory is a write target; to read bytes in memory pass them as Vec<u8> or &[u8]",
                )
                .with_resource(&name))
            }
            Uri::Standard(_) | Uri::Device(_) => unreachable!("URIs with a scheme are handled above"),
        };
        let mut req = ReadRequest::from_source(name, ext, Some(source), limits, spill)?;
        req.path = path;
        Ok(req)
    }

    /// Opens a file, or reads the zip member a path crossing an archive names.
    fn open_path(p: &Path, name: &str, limits: Limits) -> Result<Opened> {
        let file = match File::open(p) {
            Ok(f) => f,
            Err(e) => {
                return match crate::zipmember::locate(p, false)? {
                    Some(z) => Ok(Opened::Member(z.read(limits)?)),
                    None => Err(open_error(e, p)),
                }
            }
        };
        let meta = file
            .metadata()
            .map_err(|e| Error::io(e).with_resource(name))?;
        if meta.is_dir() {
            return Err(
                Error::new(ErrorKind::InvalidInput, "is a directory, not an image file")
                    .with_resource(name),
            );
        }
        if !meta.is_file() {
            // A FIFO, a device or a socket: its length says nothing (0 for
            // `/dev/zero` and pipes), so it is read as a stream, bounded by
            // `max_alloc`, and never mapped or handed to a backend by path.
            return read_bounded(
                file,
                name,
                limits,
                "the file is not a regular file and gives",
            )
            .map(Opened::Member);
        }
        Ok(Opened::File(file, meta.len()))
    }

    /// A read request over `source` (`None` for a scheme), its first bytes
    /// read.
    fn from_source(
        name: String,
        extension: Option<String>,
        source: Option<Source>,
        limits: Limits,
        spill: Option<tempfile::TempPath>,
    ) -> Result<ReadRequest> {
        let mut req = ReadRequest {
            name,
            path: None,
            extension,
            source,
            first: Vec::new(),
            limits,
            options: Options::new(),
            spill,
            scheme: None,
        };
        req.first = req.read_first()?;
        Ok(req)
    }

    fn read_first(&mut self) -> Result<Vec<u8>> {
        match self.source.as_mut() {
            Some(Source::File { file, len, .. }) => {
                let n = (*len).min(FIRST_BYTES as u64) as usize;
                let mut buf = vec![0; n];
                file.seek(SeekFrom::Start(0))?;
                file.read_exact(&mut buf)
                    .map_err(|e| Error::io(e).with_resource(&self.name))?;
                Ok(buf)
            }
            Some(Source::Bytes(b)) => Ok(b[..b.len().min(FIRST_BYTES)].to_vec()),
            None => Ok(Vec::new()),
        }
    }

    /// A description of the resource for messages (a path, `<bytes>`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The lower-case extension with its dot (`".png"`): the caller's
    /// override, else the one of the path. `None` for bytes without a hint.
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }
    /// The path, when the resource is a file.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
    /// The URI scheme of a resource that has no bytes (`"imageio"` for
    /// `imageio:NAME`, `"device"` for `<video0>`), routed to the plugins
    /// whose formats claim it. Such a request has no content:
    /// [`first_bytes`](Self::first_bytes) is empty and [`bytes`](Self::bytes)
    /// fails with [`Unsupported`](ErrorKind::Unsupported).
    pub fn scheme(&self) -> Option<&str> {
        self.scheme.as_ref().map(|(s, _)| *s)
    }
    /// What a scheme names: the standard image's name (`"testpattern"`), the
    /// device (`"<video0>"`), the directory's path (scheme `"directory"`).
    pub fn target(&self) -> Option<&str> {
        self.scheme.as_ref().map(|(_, t)| t.as_str())
    }
    /// The limits of this read.
    pub fn limits(&self) -> Limits {
        self.limits
    }
    /// The validated plugin options of this request.
    pub fn options(&self) -> &Options {
        &self.options
    }
    pub(crate) fn set_options(&mut self, options: Options) {
        self.options = options;
    }

    /// The first bytes of the content (up to [`FIRST_BYTES`]), for sniffing.
    pub fn first_bytes(&self) -> &[u8] {
        &self.first
    }

    /// The length of the content in bytes.
    pub fn len(&self) -> u64 {
        match &self.source {
            Some(Source::File { len, .. }) => *len,
            Some(Source::Bytes(b)) => b.len() as u64,
            None => 0,
        }
    }

    /// True when the content is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole content, shared: small files are read once, large files are
    /// memory-mapped, bytes in memory are not copied. Clone it freely.
    pub fn bytes(&mut self) -> Result<SharedBytes> {
        let name = self.name.clone();
        match self.source.as_mut() {
            Some(Source::Bytes(b)) => Ok(b.clone()),
            Some(Source::File { file, len, data }) => {
                if let Some(d) = data {
                    return Ok(d.clone());
                }
                let d = load(file, *len, &name)?;
                *data = Some(d.clone());
                Ok(d)
            }
            None => Err(Error::unsupported(format!(
                "a {} resource has no bytes; it is read by the plugin that claims its scheme",
                self.scheme().unwrap_or("scheme")
            ))
            .with_resource(&name)),
        }
    }

    /// Positioned reads of the content without mapping it, for plugins of
    /// raw formats: [`RandomAccess::read_array_at`] reads stored samples
    /// straight into a new array (one copy from the page cache, no zeroing,
    /// no mapped pages in the RSS), even when [`bytes`](Self::bytes) mapped
    /// the file for parsing. Small files and bytes in memory are read from
    /// memory.
    pub fn random_access(&mut self) -> Result<RandomAccess> {
        let name = self.name.clone();
        match self.source.as_ref() {
            Some(Source::File { file, len, .. }) if *len > MMAP_THRESHOLD => {
                let file = file
                    .try_clone()
                    .map_err(|e| Error::io(e).with_resource(&name))?;
                Ok(RandomAccess::file(file, *len, &name))
            }
            _ => Ok(RandomAccess::bytes(self.bytes()?, &name)),
        }
    }

    /// A `BufRead + Seek` reader over the whole content, positioned at the
    /// start. It owns its data, so a plugin can keep it.
    pub fn reader(&mut self) -> Result<Cursor<SharedBytes>> {
        Ok(Cursor::new(self.bytes()?))
    }

    /// A real file path with the content, for backends that insist on one:
    /// the file itself, or the bytes spilled to a temporary file (with the
    /// request's extension) that lives as long as the request.
    pub fn local_path(&mut self) -> Result<PathBuf> {
        if let Some(p) = &self.path {
            return Ok(p.clone());
        }
        if let Some(t) = &self.spill {
            return Ok(t.to_path_buf());
        }
        let bytes = self.bytes()?;
        let mut t = tempfile::Builder::new()
            .prefix("imageio-")
            .suffix(self.extension.as_deref().unwrap_or(""))
            .tempfile()?;
        t.write_all(&bytes)?;
        t.flush()?;
        let p = t.into_temp_path();
        let path = p.to_path_buf();
        self.spill = Some(p);
        Ok(path)
    }
}

/// What a path opened as: a regular file, or bytes read whole (a zip
/// member, or a FIFO or device read as a stream).
enum Opened {
    File(File, u64),
    Member(Vec<u8>),
}

/// Reads a file whole: small ones into memory, large ones memory-mapped.
fn load(file: &mut File, len: u64, name: &str) -> Result<SharedBytes> {
    if len <= MMAP_THRESHOLD {
        let mut v = Vec::with_capacity(len as usize);
        file.seek(SeekFrom::Start(0))?;
        file.read_to_end(&mut v)
            .map_err(|e| Error::io(e).with_resource(name))?;
        return Ok(SharedBytes::from(v));
    }
    // SAFETY: the map is read-only. Another process truncating the file
    // while it is mapped makes reads fault (SIGBUS); that is the accepted
    // price of zero-copy reads, as in ripgrep and every memory-mapping reader.
    let m = unsafe { memmap2::Mmap::map(&*file) }.map_err(|e| Error::io(e).with_resource(name))?;
    Ok(SharedBytes::from_mmap(m))
}

/// Reads a stream into memory, bounded by `limits.max_alloc`.
fn read_stream(s: Box<dyn crate::ReadSeek>, name: &str, limits: Limits) -> Result<SharedBytes> {
    read_bounded(s, name, limits, "the stream gives").map(SharedBytes::from)
}

/// Reads `r` to its end into memory, failing with `LimitExceeded` as soon as
/// it gives more than `limits.max_alloc` bytes. `what` starts the message
/// ("the stream gives").
fn read_bounded(r: impl Read, name: &str, limits: Limits, what: &str) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    let cap = limits.max_alloc.saturating_add(1);
    r.take(cap)
        .read_to_end(&mut v)
        .map_err(|e| Error::io(e).with_resource(name))?;
    if v.len() as u64 > limits.max_alloc {
        return Err(Error::limit(format!(
            "{what} more than the limit of {} bytes (or copy it to a file first)",
            limits.max_alloc
        ))
        .with_hint(crate::Hint::RaiseMaxAlloc)
        .with_resource(name));
    }
    Ok(v)
}

fn open_error(e: io::Error, p: &Path) -> Error {
    let name = p.display().to_string();
    match e.kind() {
        io::ErrorKind::NotFound => Error::new(ErrorKind::NotFound, "no such file; check the path")
            .with_source(e)
            .with_resource(&name),
        io::ErrorKind::PermissionDenied => Error::new(
            ErrorKind::Io,
            "permission denied; check the file's permissions",
        )
        .with_source(e)
        .with_resource(&name),
        _ => Error::io(e).with_resource(&name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_first_bytes_and_reader() {
        let mut r =
            ReadRequest::new(Uri::from(vec![1u8, 2, 3]), Some("PNG"), Limits::default()).unwrap();
        assert_eq!(r.first_bytes(), &[1, 2, 3]);
        assert_eq!(r.extension(), Some(".png"));
        assert_eq!(&*r.bytes().unwrap(), &[1, 2, 3]);
        let mut rd = r.reader().unwrap();
        let mut v = Vec::new();
        rd.read_to_end(&mut v).unwrap();
        assert_eq!(v, [1, 2, 3]);
        let p = r.local_path().unwrap();
        assert!(p.to_str().unwrap().ends_with(".png"));
        assert_eq!(std::fs::read(&p).unwrap(), [1, 2, 3]);
        drop(r);
        assert!(!p.exists(), "spilled file removed with the request");
    }

    #[test]
    fn schemes_open_nothing_and_have_no_bytes() {
        let mut r = ReadRequest::new(Uri::from("<video0>"), None, Limits::default()).unwrap();
        assert_eq!((r.scheme(), r.target()), (Some("device"), Some("<video0>")));
        assert_eq!(r.name(), "<video0>");
        assert_eq!(r.extension(), None);
        assert!(r.first_bytes().is_empty());
        assert_eq!(r.len(), 0);
        assert!(r.path().is_none());
        for e in [
            r.bytes().unwrap_err(),
            r.reader().unwrap_err(),
            r.local_path().unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
            assert!(
                e.to_string().contains("a device resource has no bytes"),
                "{e}"
            );
            assert!(e.to_string().contains("<video0>"), "{e}");
        }
        let r = ReadRequest::new(
            Uri::from("imageio:testpattern.png"),
            None,
            Limits::default(),
        )
        .unwrap();
        assert_eq!(
            (r.scheme(), r.target()),
            (Some("imageio"), Some("testpattern.png"))
        );
        // Other requests carry no scheme.
        let r = ReadRequest::new(Uri::from(vec![1u8]), None, Limits::default()).unwrap();
        assert_eq!(r.scheme(), None);
    }

    #[test]
    fn missing_file_is_not_found() {
        let e =
            ReadRequest::new(Uri::from("/no/such/file.png"), None, Limits::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("/no/such/file.png"));
    }

    #[test]
    fn large_files_are_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.bin");
        let data: Vec<u8> = (0..1_000_000u32).map(|i| i as u8).collect();
        std::fs::write(&p, &data).unwrap();
        let mut r = ReadRequest::new(Uri::from(&p), None, Limits::default()).unwrap();
        assert_eq!(r.first_bytes().len(), FIRST_BYTES);
        assert_eq!(&*r.bytes().unwrap(), &data[..]);
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_read_as_bounded_streams() {
        // `/dev/zero` has length 0: it was read whole with `read_to_end`,
        // which never ends. Now it is a stream bounded by max_alloc.
        let limits = Limits {
            max_alloc: 1 << 20,
            ..Limits::default()
        };
        let start = std::time::Instant::now();
        let e = ReadRequest::new(Uri::from("/dev/zero"), None, limits).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
        assert!(e.to_string().contains("/dev/zero"), "{e}");
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
        // `/dev/null` is an empty stream, not an error here.
        let r = ReadRequest::new(Uri::from("/dev/null"), None, limits).unwrap();
        assert!(r.is_empty());
        assert_eq!(r.path(), None);
    }

    #[cfg(unix)]
    #[test]
    fn fifos_are_read_to_their_end() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pipe.bin");
        let made = std::process::Command::new("mkfifo").arg(&p).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("note: mkfifo is not available, test skipped");
            return;
        }
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let (writer_path, sent) = (p.clone(), data.clone());
        let writer = std::thread::spawn(move || std::fs::write(writer_path, sent).unwrap());
        let mut r = ReadRequest::new(Uri::from(&p), None, Limits::default()).unwrap();
        writer.join().unwrap();
        assert_eq!(r.len(), data.len() as u64);
        assert_eq!(&*r.bytes().unwrap(), &data[..]);
        // A plugin asking for a path gets a regular file with the content.
        let local = r.local_path().unwrap();
        assert_ne!(local, p);
        assert_eq!(std::fs::read(local).unwrap(), data);
    }
}
