//! [`Request`]: the one door through which a plugin reaches the bytes, for
//! reading (first bytes, whole content, reader, local path) and writing (an
//! atomic [`Writer`] committed only when the plugin finished without error).
//!
//! Every plugin gets every source through it: files (memory-mapped when
//! large), members of zip archives (`archive.zip/dir/image.png`, read and
//! written), `http(s)://` URLs (read only, with the `http` feature; see
//! [`HttpOptions`](crate::HttpOptions)), bytes and streams. A capture device
//! (`<video0>`) opens no file: the request only carries its name
//! ([`Request::device`]) for the plugin that reads devices.

use std::fs::File;
use std::io::{self, BufWriter, Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::uri::{normalize_extension, SharedBytes, Uri};
use crate::zipmember::ZipPath;
use crate::{Error, ErrorKind, Limits, Options, RandomAccess, Result};

/// Whether a resource is opened for reading or writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoMode {
    /// Read images.
    Read,
    /// Write images.
    Write,
}

/// How many bytes [`Request::first_bytes`] holds (fewer for shorter content).
pub const FIRST_BYTES: usize = 512;

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

/// A resource opened for one plugin: the only way plugins touch the data.
///
/// Reading: [`first_bytes`](Self::first_bytes) for sniffing,
/// [`bytes`](Self::bytes) for the whole content (memory-mapped for large
/// files, never copied), [`reader`](Self::reader) for a `BufRead + Seek`
/// stream that owns its data, [`local_path`](Self::local_path) for backends
/// that insist on a file name. Writing: [`writer`](Self::writer).
pub struct Request {
    mode: IoMode,
    name: String,
    path: Option<PathBuf>,
    extension: Option<String>,
    source: Option<Source>,
    first: Vec<u8>,
    limits: Limits,
    options: Options,
    spill: Option<tempfile::TempPath>,
    sink: Option<Arc<Mutex<SinkState>>>,
    overwrite: bool,
    /// A zip archive member written on commit (writing only).
    zip: Option<ZipPath>,
    /// The capture device read (`<video0>`); it has no bytes.
    device: Option<String>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("mode", &self.mode)
            .field("name", &self.name)
            .field("extension", &self.extension)
            .finish_non_exhaustive()
    }
}

impl Request {
    /// Opens `uri` for reading. A missing file fails here, once, before any
    /// plugin is asked. `extension` overrides the one of the URI.
    pub fn for_read(uri: Uri, extension: Option<&str>, limits: Limits) -> Result<Request> {
        let name = uri.describe();
        let ext = extension
            .map(normalize_extension)
            .or_else(|| uri.extension());
        let mut path = None;
        let mut spill = None;
        let source = match uri {
            Uri::Path(p) => {
                let file = match File::open(&p) {
                    Ok(f) => f,
                    Err(e) => match crate::zipmember::locate(&p, false)? {
                        // A path crossing a zip archive: read the member.
                        Some(z) => {
                            let data = z.read(limits)?;
                            let req = Request::from_source(
                                name,
                                ext,
                                Some(Source::Bytes(SharedBytes::from(data))),
                                limits,
                                None,
                            );
                            return req;
                        }
                        None => return Err(open_error(e, &p)),
                    },
                };
                let meta = file.metadata().map_err(|e| Error::io(e).with_resource(&name))?;
                if meta.is_dir() {
                    return Err(Error::new(
                        ErrorKind::InvalidInput,
                        "is a directory, not an image file",
                    )
                    .with_resource(&name));
                }
                path = Some(p);
                Source::File { file, len: meta.len(), data: None }
            }
            Uri::Bytes(b) => Source::Bytes(b),
            Uri::Device(d) => {
                // Nothing to open here: the plugin opens the device itself.
                let mut req = Request::from_source(name, ext, None, limits, None)?;
                req.device = Some(d);
                return Ok(req);
            }
            Uri::Url { url, http } => {
                match crate::http::fetch(&url, &http, ext.as_deref(), limits)? {
                    crate::http::Body::Memory(v) => Source::Bytes(SharedBytes::from(v)),
                    crate::http::Body::Spilled { file, len, path } => {
                        spill = Some(path);
                        Source::File {
                            file,
                            len,
                            data: None,
                        }
                    }
                }
            }
            Uri::Stream(mut s) => {
                let mut v = Vec::new();
                let cap = limits.max_alloc.saturating_add(1);
                (&mut s).take(cap).read_to_end(&mut v).map_err(|e| Error::io(e).with_resource(&name))?;
                if v.len() as u64 > limits.max_alloc {
                    return Err(Error::limit(format!(
                        "the stream is larger than the limit of {} bytes",
                        limits.max_alloc
                    ))
                    .with_resource(&name));
                }
                Source::Bytes(SharedBytes::from(v))
            }
            Uri::Standard(_) => {
                return Err(Error::internal("standard images are served by the core").with_resource(&name))
            }
            Uri::Memory(_) => {
                return Err(Error::invalid_input(
                    "Uri::memory is a write target; to read bytes in memory pass them as Vec<u8> or &[u8]",
                )
                .with_resource(&name))
            }
        };
        let mut req = Request::from_source(name, ext, Some(source), limits, spill)?;
        req.path = path;
        Ok(req)
    }

    /// A read request over `source` (`None` for a device), its first bytes
    /// read.
    fn from_source(
        name: String,
        extension: Option<String>,
        source: Option<Source>,
        limits: Limits,
        spill: Option<tempfile::TempPath>,
    ) -> Result<Request> {
        let mut req = Request {
            mode: IoMode::Read,
            name,
            path: None,
            extension,
            source,
            first: Vec::new(),
            limits,
            options: Options::new(),
            spill,
            sink: None,
            overwrite: true,
            zip: None,
            device: None,
        };
        req.first = req.read_first()?;
        Ok(req)
    }

    /// Opens `uri` for writing. Nothing is created until a plugin asks for the
    /// [`writer`](Self::writer). With `overwrite == false` an existing file
    /// fails here with [`AlreadyExists`](ErrorKind::AlreadyExists), and the
    /// final rename never replaces a file created meanwhile.
    pub fn for_write(uri: Uri, extension: Option<&str>, overwrite: bool) -> Result<Request> {
        let name = uri.describe();
        let ext = extension
            .map(normalize_extension)
            .or_else(|| uri.extension());
        let mut zip = None;
        let (path, memory) = match uri {
            Uri::Path(p) if std::fs::symlink_metadata(&p).is_err() && !parent_is_dir(&p) => {
                // A path crossing a zip archive names a member to write.
                match crate::zipmember::locate(&p, true)? {
                    Some(z) => {
                        if !overwrite && z.member_exists()? {
                            return Err(Error::new(
                                ErrorKind::AlreadyExists,
                                "the archive already holds this member and overwriting is off",
                            )
                            .with_resource(&name));
                        }
                        zip = Some(z);
                        (None, true)
                    }
                    None => (Some(p), false),
                }
            }
            Uri::Path(p) => {
                if !overwrite && std::fs::symlink_metadata(&p).is_ok() {
                    return Err(already_exists(&p));
                }
                if p.is_dir() {
                    return Err(Error::invalid_input("is a directory; name a file to write").with_resource(&name));
                }
                (Some(p), false)
            }
            Uri::Memory(_) => (None, true),
            Uri::Standard(_) => {
                return Err(Error::invalid_input(
                    "imageio: standard images are read-only; write to a file or Uri::memory(\".ext\")",
                )
                .with_resource(&name))
            }
            Uri::Url { .. } => {
                return Err(Error::invalid_input(
                    "http(s) URLs are read-only; write to a file or encode with imencode and \
                     upload the bytes yourself",
                )
                .with_resource(&name))
            }
            Uri::Bytes(_) | Uri::Stream(_) => {
                return Err(Error::invalid_input(
                    "bytes and streams are read-only; to encode into memory use imencode or Uri::memory(\".ext\")",
                )
                .with_resource(&name))
            }
            Uri::Device(_) => {
                return Err(Error::invalid_input(
                    "capture devices (<videoN>) are read-only; write to a file or Uri::memory(\".ext\")",
                )
                .with_resource(&name))
            }
        };
        debug_assert!(path.is_some() || memory);
        Ok(Request {
            mode: IoMode::Write,
            name,
            path,
            extension: ext,
            source: None,
            first: Vec::new(),
            limits: Limits::default(),
            options: Options::new(),
            spill: None,
            sink: None,
            overwrite,
            zip,
            device: None,
        })
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

    /// Read or write.
    pub fn mode(&self) -> IoMode {
        self.mode
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
    /// The capture device name (`"<video0>"`), when the resource is one. Such
    /// a request has no content: [`first_bytes`](Self::first_bytes) is empty
    /// and [`bytes`](Self::bytes) fails with
    /// [`Unsupported`](ErrorKind::Unsupported).
    pub fn device(&self) -> Option<&str> {
        self.device.as_deref()
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
    /// Empty when writing.
    pub fn first_bytes(&self) -> &[u8] {
        &self.first
    }

    /// The length of the content in bytes (reading only).
    pub fn len(&self) -> u64 {
        match &self.source {
            Some(Source::File { len, .. }) => *len,
            Some(Source::Bytes(b)) => b.len() as u64,
            None => 0,
        }
    }

    /// True when the content is empty (or when writing).
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
                let d = if *len <= MMAP_THRESHOLD {
                    let mut v = Vec::with_capacity(*len as usize);
                    file.seek(SeekFrom::Start(0))?;
                    file.read_to_end(&mut v)
                        .map_err(|e| Error::io(e).with_resource(&name))?;
                    SharedBytes::from(v)
                } else {
                    // SAFETY: the map is read-only. Another process truncating
                    // the file while it is mapped makes reads fault (SIGBUS);
                    // that is the accepted price of zero-copy reads, as in
                    // ripgrep and every memory-mapping reader.
                    let m = unsafe { memmap2::Mmap::map(&*file) }
                        .map_err(|e| Error::io(e).with_resource(&name))?;
                    SharedBytes::from_mmap(m)
                };
                *data = Some(d.clone());
                Ok(d)
            }
            None if self.device.is_some() => Err(Error::unsupported(
                "a capture device has no bytes; it is read by the ffmpeg plugin with its `device` \
                 feature",
            )
            .with_resource(&name)),
            None => Err(Error::internal("bytes() called on a write request")),
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

    /// The output stream (writing only). The first call creates it: a
    /// temporary file beside the target (or a buffer in memory). Every call
    /// returns a handle to the same stream. What is written becomes the target
    /// only after the plugin's `close` returned without error; otherwise the
    /// temporary file is removed and an existing target is left untouched.
    pub fn writer(&mut self) -> Result<Writer> {
        if self.mode != IoMode::Write {
            return Err(Error::internal("writer() called on a read request"));
        }
        if let Some(s) = &self.sink {
            return Ok(Writer { inner: s.clone() });
        }
        let state = match &self.path {
            Some(p) => {
                let (file, named) = create_temp(p).map_err(|e| write_error(e, p))?;
                let out = OutFile {
                    file,
                    budget: crate::test_hooks::write_budget(),
                };
                SinkState::File {
                    named,
                    out: BufWriter::with_capacity(1 << 16, out),
                }
            }
            None => SinkState::Memory(Cursor::new(Vec::new())),
        };
        let s = Arc::new(Mutex::new(state));
        self.sink = Some(s.clone());
        Ok(Writer { inner: s })
    }

    /// Makes the written data the target: flushes, syncs and renames the
    /// temporary file into place (never over a file when `overwrite` is off),
    /// or returns the bytes of a memory target.
    pub(crate) fn commit(&mut self) -> Result<Option<Vec<u8>>> {
        if let Some(z) = self.zip.take() {
            // A zip member: the plugin wrote to memory; the archive is
            // rewritten beside itself and renamed into place.
            let data = match self.sink.take() {
                Some(sink) => match &mut *lock(&sink) {
                    SinkState::Memory(c) => std::mem::take(c.get_mut()),
                    SinkState::File { .. } => {
                        return Err(Error::internal("a zip member is written to memory"))
                    }
                },
                None => {
                    return Err(Error::encode("the plugin wrote nothing").with_resource(&self.name))
                }
            };
            z.write(&data, self.overwrite)?;
            return Ok(None);
        }
        let Some(sink) = self.sink.take() else {
            if self.path.is_some() {
                return Err(Error::encode("the plugin wrote nothing").with_resource(&self.name));
            }
            return Ok(Some(Vec::new()));
        };
        let mut guard = lock(&sink);
        match &mut *guard {
            SinkState::Memory(c) => Ok(Some(std::mem::take(c.get_mut()))),
            SinkState::File { named, out } => {
                let path = self.path.clone().expect("file sink has a path");
                out.flush().map_err(|e| write_error(e, &path))?;
                let file = &out.get_ref().file;
                file.sync_all().map_err(|e| write_error(e, &path))?;
                match named.take() {
                    Some(tmp) => persist_named(tmp, &path, self.overwrite)?,
                    None => link_anonymous(file, &path, self.overwrite)?,
                }
                sync_parent(&path);
                Ok(None)
            }
        }
    }
}

fn lock(m: &Mutex<SinkState>) -> MutexGuard<'_, SinkState> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// True when the directory `p` would be created in exists.
fn parent_is_dir(p: &Path) -> bool {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.is_dir(),
        _ => true,
    }
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

fn already_exists(p: &Path) -> Error {
    Error::new(
        ErrorKind::AlreadyExists,
        "the file exists and overwriting is off; remove it or allow overwriting",
    )
    .with_resource(&p.display().to_string())
}

// How a write reaches its file without ever exposing a partial one.
//
// On Linux the data goes to an anonymous file (`O_TMPFILE`, through
// `tempfile::tempfile_in`) in the target's directory: it has no name until
// `commit` links it in with `linkat`, so a process killed at any point before
// leaves nothing behind. A new target is linked under its final name directly
// (`EEXIST` there is exactly `overwrite(false)`'s refusal). Replacing a target
// links the file under a temporary name `.NAME.XXXXXX.imageio-tmp` and renames
// it over the target; a process killed between those two system calls leaves
// that complete temporary file (never a partial target). Where `O_TMPFILE` or
// `/proc` is missing, and on other systems, the data goes to such a named
// temporary file from the start, removed on error or drop; only a process
// killed mid-write leaves it behind there.
enum SinkState {
    File {
        /// The named temporary file, where no anonymous one could be used.
        named: Option<tempfile::NamedTempFile>,
        out: BufWriter<OutFile>,
    },
    Memory(Cursor<Vec<u8>>),
}

/// The temporary file being written, with the test-only fault budget
/// ([`crate::test_hooks`]).
struct OutFile {
    file: File,
    budget: Option<u64>,
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = match &mut self.budget {
            None => return self.file.write(buf),
            Some(0) if !buf.is_empty() => {
                return Err(io::Error::other(
                    "I/O error injected by imageio_core::test_hooks",
                ))
            }
            Some(left) => {
                let take = buf.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
                let n = self.file.write(&buf[..take])?;
                *left -= n as u64;
                n
            }
        };
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for OutFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.file.seek(pos)
    }
}

/// The directory a target is written in.
fn parent_dir(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A builder of named temporary files beside `target`:
/// `.NAME.XXXXXX.imageio-tmp`, mode 0o666 minus the umask.
/// `prefix` comes from [`temp_prefix`].
fn temp_builder(prefix: &str) -> tempfile::Builder<'_, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".imageio-tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // 0o666 minus the umask, as File::create would give.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
}

/// The `.NAME.` prefix of the temporary files beside `target`.
fn temp_prefix(target: &Path) -> String {
    let stem = target
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or("image");
    format!(".{stem}.")
}

/// Creates the file a write goes to: anonymous on Linux, named elsewhere.
fn create_temp(target: &Path) -> io::Result<(File, Option<tempfile::NamedTempFile>)> {
    let dir = parent_dir(target);
    if cfg!(target_os = "linux") {
        return Ok((tempfile::tempfile_in(&dir)?, None));
    }
    let tmp = temp_builder(&temp_prefix(target)).tempfile_in(&dir)?;
    let file = tmp.as_file().try_clone()?;
    Ok((file, Some(tmp)))
}

/// Renames a complete named temporary file onto `path`.
fn persist_named(tmp: tempfile::NamedTempFile, path: &Path, overwrite: bool) -> Result<()> {
    let res = if overwrite {
        tmp.persist(path).map(|_| ())
    } else {
        tmp.persist_noclobber(path).map(|_| ())
    };
    match res {
        Ok(()) => Ok(()),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Err(already_exists(path)),
        Err(e) => Err(write_error(e.error, path)),
    }
}

/// Gives the complete anonymous file `file` the name `path` (see
/// [`SinkState`]); copies it into a named temporary file where it cannot be
/// linked (no `O_TMPFILE` support on this file system, no `/proc`).
fn link_anonymous(file: &File, path: &Path, overwrite: bool) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let src = format!("/proc/self/fd/{}", file.as_raw_fd());
        match linkat_follow(&src, path) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if !overwrite {
                    return Err(already_exists(path));
                }
                let tmp = temp_builder(&temp_prefix(path))
                    .make_in(parent_dir(path), |p| linkat_follow(&src, p))
                    .map_err(|e| write_error(e, path))?;
                return tmp
                    .persist(path)
                    .map(|_| ())
                    .map_err(|e| write_error(e.error, path));
            }
            Err(_) => {}
        }
    }
    let mut tmp = temp_builder(&temp_prefix(path))
        .tempfile_in(parent_dir(path))
        .map_err(|e| write_error(e, path))?;
    let mut src = file;
    src.seek(SeekFrom::Start(0))
        .and_then(|_| io::copy(&mut src, tmp.as_file_mut()))
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| write_error(e, path))?;
    persist_named(tmp, path, overwrite)
}

/// `linkat(AT_FDCWD, src, AT_FDCWD, dst, AT_SYMLINK_FOLLOW)`: links the file a
/// `/proc/self/fd/N` link points to under the name `dst`.
#[cfg(target_os = "linux")]
fn linkat_follow(src: &str, dst: &Path) -> io::Result<()> {
    use rustix::fs::{linkat, AtFlags, CWD};
    linkat(CWD, src, CWD, dst, AtFlags::SYMLINK_FOLLOW).map_err(io::Error::from)
}

/// Makes a new name in `path`'s directory durable (best effort).
fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(parent_dir(path)) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// An error while writing `path`, with advice for the usual causes.
fn write_error(e: io::Error, path: &Path) -> Error {
    let name = path.display().to_string();
    let advice = match e.kind() {
        io::ErrorKind::PermissionDenied => {
            "permission denied writing the file or beside it; check the permissions of the file \
             and its directory"
        }
        io::ErrorKind::StorageFull => "the disk is full; free some space",
        io::ErrorKind::NotFound => "the directory does not exist; create it first",
        io::ErrorKind::NotADirectory => "a parent of the path is not a directory",
        io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only",
        _ => return Error::io(e).with_resource(&name),
    };
    Error::new(ErrorKind::Io, advice)
        .with_source(e)
        .with_resource(&name)
}

/// The output stream of a write request: `Write + Seek`, owned, `Send`.
/// Plugins may keep it (inside an encoder) until `close`. All handles of one
/// request write to the same stream.
pub struct Writer {
    inner: Arc<Mutex<SinkState>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut *lock(&self.inner) {
            SinkState::File { out, .. } => out.write(buf),
            SinkState::Memory(c) => c.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut *lock(&self.inner) {
            SinkState::File { out, .. } => out.write_all(buf),
            SinkState::Memory(c) => c.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut *lock(&self.inner) {
            SinkState::File { out, .. } => out.flush(),
            SinkState::Memory(c) => c.flush(),
        }
    }
}

impl Seek for Writer {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match &mut *lock(&self.inner) {
            SinkState::File { out, .. } => out.seek(pos),
            SinkState::Memory(c) => c.seek(pos),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_first_bytes_and_reader() {
        let mut r =
            Request::for_read(Uri::from(vec![1u8, 2, 3]), Some("PNG"), Limits::default()).unwrap();
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
    fn devices_open_nothing_and_have_no_bytes() {
        let mut r = Request::for_read(Uri::from("<video0>"), None, Limits::default()).unwrap();
        assert_eq!(r.device(), Some("<video0>"));
        assert_eq!(r.name(), "<video0>");
        assert_eq!(r.mode(), IoMode::Read);
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
                e.to_string().contains("a capture device has no bytes"),
                "{e}"
            );
            assert!(e.to_string().contains("<video0>"), "{e}");
        }
        let e = Request::for_write(Uri::from("<video1>"), None, true).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("read-only"), "{e}");
        assert!(e.to_string().contains("<video1>"), "{e}");
        // Other requests carry no device.
        let r = Request::for_read(Uri::from(vec![1u8]), None, Limits::default()).unwrap();
        assert_eq!(r.device(), None);
    }

    #[test]
    fn missing_file_is_not_found() {
        let e =
            Request::for_read(Uri::from("/no/such/file.png"), None, Limits::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("/no/such/file.png"));
    }

    #[test]
    fn large_files_are_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.bin");
        let data: Vec<u8> = (0..1_000_000u32).map(|i| i as u8).collect();
        std::fs::write(&p, &data).unwrap();
        let mut r = Request::for_read(Uri::from(&p), None, Limits::default()).unwrap();
        assert_eq!(r.first_bytes().len(), FIRST_BYTES);
        assert_eq!(&*r.bytes().unwrap(), &data[..]);
    }

    #[test]
    fn write_commits_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.bin");
        std::fs::write(&p, b"old").unwrap();
        {
            let mut r = Request::for_write(Uri::from(&p), None, true).unwrap();
            let mut w = r.writer().unwrap();
            w.write_all(b"half").unwrap();
            // dropped without commit
        }
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no stray temporary file"
        );
        let mut r = Request::for_write(Uri::from(&p), None, true).unwrap();
        r.writer().unwrap().write_all(b"new").unwrap();
        r.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
    }

    #[test]
    fn no_overwrite_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.bin");
        std::fs::write(&p, b"old").unwrap();
        let e = Request::for_write(Uri::from(&p), None, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AlreadyExists);
        // The race: the file appears after open, before commit.
        let q = dir.path().join("y.bin");
        let mut r = Request::for_write(Uri::from(&q), None, false).unwrap();
        r.writer().unwrap().write_all(b"mine").unwrap();
        std::fs::write(&q, b"theirs").unwrap();
        assert_eq!(r.commit().unwrap_err().kind(), ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&q).unwrap(), b"theirs");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_file_being_written_has_no_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("anon.bin");
        let mut r = Request::for_write(Uri::from(&p), None, false).unwrap();
        let mut w = r.writer().unwrap();
        w.write_all(&[7u8; 200_000]).unwrap();
        w.flush().unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing named yet"
        );
        drop(w);
        r.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), vec![7u8; 200_000]);
        // Replacing goes through a temporary name and leaves only the target.
        let mut r = Request::for_write(Uri::from(&p), None, true).unwrap();
        r.writer().unwrap().write_all(b"second").unwrap();
        r.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn injected_faults_fail_the_write_and_keep_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.bin");
        std::fs::write(&p, b"old").unwrap();
        crate::test_hooks::fail_file_writes_after_for_tests(Some(10));
        let mut r = Request::for_write(Uri::from(&p), None, true).unwrap();
        let mut w = r.writer().unwrap();
        crate::test_hooks::fail_file_writes_after_for_tests(None);
        w.write_all(&[1u8; 100]).unwrap(); // buffered
        drop(w);
        let e = r.commit().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
        assert!(e.to_string().contains("f.bin"), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn memory_sink_returns_bytes() {
        let mut r = Request::for_write(Uri::memory("png"), None, true).unwrap();
        let mut w = r.writer().unwrap();
        w.write_all(b"abc").unwrap();
        w.seek(SeekFrom::Start(1)).unwrap();
        w.write_all(b"X").unwrap();
        assert_eq!(r.commit().unwrap().unwrap(), b"aXc");
    }
}
