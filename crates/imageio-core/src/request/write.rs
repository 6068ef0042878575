//! [`WriteRequest`]: the one door through which a writer reaches its
//! target, an atomic [`Output`] committed only when the write finished
//! without error: a file (through an unnamed temporary file linked into
//! place), a member of a zip archive (the archive rewritten beside itself and
//! renamed), or bytes in memory.

use std::fs::File;
use std::io::{self, BufWriter, Cursor, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::test_hooks::{Faults, FileStep};
use crate::uri::{normalize_extension, Uri};
use crate::zipmember::ZipPath;
use crate::{Error, ErrorKind, Options, Result};

/// A target opened for writing: the only way writers reach it.
/// [`output`](Self::output) gives the stream; the core commits it when the
/// write succeeded, and drops it (removing the temporary file) otherwise.
pub struct WriteRequest {
    name: String,
    path: Option<PathBuf>,
    extension: Option<String>,
    options: Options,
    sink: Option<Arc<Mutex<SinkState>>>,
    overwrite: bool,
    /// A zip archive member written on commit.
    zip: Option<ZipPath>,
}

impl std::fmt::Debug for WriteRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteRequest")
            .field("name", &self.name)
            .field("extension", &self.extension)
            .finish_non_exhaustive()
    }
}

impl WriteRequest {
    /// Opens `uri` for writing. Nothing is created until a plugin asks for the
    /// [`output`](Self::output). With `overwrite == false` an existing file
    /// fails here with [`AlreadyExists`](ErrorKind::AlreadyExists), and the
    /// final rename never replaces a file created meanwhile.
    pub fn new(uri: Uri, extension: Option<&str>, overwrite: bool) -> Result<WriteRequest> {
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
                // Written where its links point: a symlink stays a symlink.
                let p = follow_links(p).map_err(|e| e.with_resource(&name))?;
                (Some(p), false)
            }
            Uri::Memory(_) => (None, true),
            Uri::Standard(_) => {
                return Err(Error::invalid_input("imageio: standard images are read-only")
                    .with_hint(crate::Hint::WriteElsewhere)
                    .with_resource(&name))
            }
            Uri::Url { .. } => {
                return Err(Error::invalid_input(
                    "http(s) URLs are read-only (encode and upload the bytes yourself)",
                )
                .with_hint(crate::Hint::WriteElsewhere)
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
        Ok(WriteRequest {
            name,
            path,
            extension: ext,
            options: Options::new(),
            sink: None,
            overwrite,
            zip,
        })
    }

    /// A description of the target for messages (a path, `<memory .png>`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The lower-case extension with its dot (`".png"`): the caller's
    /// override, else the one of the path or memory target.
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }
    /// The path of the target, when it is a file.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
    /// The validated plugin options of this request.
    pub fn options(&self) -> &Options {
        &self.options
    }
    pub(crate) fn set_options(&mut self, options: Options) {
        self.options = options;
    }

    /// The output stream. The first call creates it: an unnamed temporary
    /// file beside the target (or a buffer in memory). Every call returns a
    /// handle to the same stream. What is written becomes the target only
    /// after every write and the writer's `close` returned without error;
    /// otherwise the temporary file is removed and an existing target is
    /// left untouched.
    pub fn output(&mut self) -> Result<Output> {
        if let Some(s) = &self.sink {
            return Ok(Output { inner: s.clone() });
        }
        let state = match &self.path {
            Some(p) => {
                let (file, named) = create_temp(p).map_err(|e| write_error(e, p))?;
                let out = OutFile {
                    file,
                    budget: crate::test_hooks::write_budget(),
                    faults: Faults::current(),
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
        Ok(Output { inner: s })
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
                let OutFile { file, faults, .. } = out.get_ref();
                let faults = *faults;
                keep_permissions(file, &path);
                faults
                    .check(FileStep::Fsync)
                    .and_then(|_| file.sync_all())
                    .map_err(|e| write_error(e, &path))?;
                match named.take() {
                    Some(tmp) => persist_named(tmp, &path, self.overwrite, faults)?,
                    None => link_anonymous(file, &path, self.overwrite, faults)?,
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

/// How many symlinks a target may go through, as Linux's `open` allows.
const MAX_LINKS: usize = 40;

/// The file `p` names once its symlinks are followed (a dangling link names
/// the file it would point to), so that the rename that ends a write
/// replaces the file a link points to, not the link.
fn follow_links(mut p: PathBuf) -> Result<PathBuf> {
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&p).map_err(Error::io)?;
                p = if to.is_absolute() {
                    to
                } else {
                    parent_dir(&p).join(to)
                };
            }
            _ => return Ok(p),
        }
    }
    Err(Error::invalid_input(
        "too many levels of symbolic links; name the file itself",
    ))
}

/// Gives the new file the permissions of the file it replaces, as writing
/// over it in place would keep them (best effort; a new file keeps 0o666
/// minus the umask).
fn keep_permissions(file: &File, path: &Path) {
    #[cfg(unix)]
    if let Ok(m) = std::fs::metadata(path) {
        let _ = file.set_permissions(m.permissions());
    }
    #[cfg(not(unix))]
    let _ = (file, path);
}

/// True when the directory `p` would be created in exists.
fn parent_is_dir(p: &Path) -> bool {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.is_dir(),
        _ => true,
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

/// The temporary file being written, with the test-only fault budget and
/// failing steps ([`crate::test_hooks`]).
struct OutFile {
    file: File,
    budget: Option<u64>,
    faults: Faults,
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
        self.faults.check(FileStep::Flush)?;
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
pub(crate) fn temp_builder(prefix: &str) -> tempfile::Builder<'_, 'static> {
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
pub(crate) fn temp_prefix(target: &Path) -> String {
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

/// Renames a complete named temporary file onto `path` (removing it on
/// failure).
fn persist_named(
    tmp: tempfile::NamedTempFile,
    path: &Path,
    overwrite: bool,
    faults: Faults,
) -> Result<()> {
    faults
        .check(FileStep::Rename)
        .map_err(|e| write_error(e, path))?;
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
fn link_anonymous(file: &File, path: &Path, overwrite: bool, faults: Faults) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let src = format!("/proc/self/fd/{}", file.as_raw_fd());
        match linkat_follow(&src, path, faults) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if !overwrite {
                    return Err(already_exists(path));
                }
                let tmp = temp_builder(&temp_prefix(path))
                    .make_in(parent_dir(path), |p| linkat_follow(&src, p, faults))
                    .map_err(|e| write_error(e, path))?;
                faults
                    .check(FileStep::Rename)
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
        .and_then(|_| faults.check(FileStep::Fsync))
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| write_error(e, path))?;
    persist_named(tmp, path, overwrite, faults)
}

/// `linkat(AT_FDCWD, src, AT_FDCWD, dst, AT_SYMLINK_FOLLOW)`: links the file a
/// `/proc/self/fd/N` link points to under the name `dst`. An injected
/// [`FileStep::Link`] fault fails every link that would create `dst`.
#[cfg(target_os = "linux")]
fn linkat_follow(src: &str, dst: &Path, faults: Faults) -> io::Result<()> {
    use rustix::fs::{linkat, AtFlags, CWD};
    if faults.fails(FileStep::Link) && std::fs::symlink_metadata(dst).is_err() {
        faults.check(FileStep::Link)?;
    }
    linkat(CWD, src, CWD, dst, AtFlags::SYMLINK_FOLLOW).map_err(io::Error::from)
}

/// Makes a new name in `path`'s directory durable (best effort).
pub(crate) fn sync_parent(path: &Path) {
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
pub struct Output {
    inner: Arc<Mutex<SinkState>>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Output")
    }
}

impl Write for Output {
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

impl Seek for Output {
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
    fn write_commits_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.bin");
        std::fs::write(&p, b"old").unwrap();
        {
            let mut r = WriteRequest::new(Uri::from(&p), None, true).unwrap();
            let mut w = r.output().unwrap();
            w.write_all(b"half").unwrap();
            // dropped without commit
        }
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no stray temporary file"
        );
        let mut r = WriteRequest::new(Uri::from(&p), None, true).unwrap();
        r.output().unwrap().write_all(b"new").unwrap();
        r.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn a_write_through_a_symlink_keeps_the_link_and_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/v1.bin");
        std::fs::write(&target, b"old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        // latest.bin -> link2.bin -> real/v1.bin (relative links).
        let link2 = dir.path().join("link2.bin");
        std::os::unix::fs::symlink("real/v1.bin", &link2).unwrap();
        let latest = dir.path().join("latest.bin");
        std::os::unix::fs::symlink("link2.bin", &latest).unwrap();
        let mut r = WriteRequest::new(Uri::from(&latest), None, true).unwrap();
        r.output().unwrap().write_all(b"new").unwrap();
        r.commit().unwrap();
        for link in [&latest, &link2] {
            assert!(std::fs::symlink_metadata(link)
                .unwrap()
                .file_type()
                .is_symlink());
        }
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A dangling link creates the file it points to.
        let dangling = dir.path().join("dangling.bin");
        std::os::unix::fs::symlink("real/v2.bin", &dangling).unwrap();
        let mut r = WriteRequest::new(Uri::from(&dangling), None, true).unwrap();
        r.output().unwrap().write_all(b"v2").unwrap();
        r.commit().unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("real/v2.bin")).unwrap(),
            b"v2"
        );
        assert!(std::fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink());
        // A loop of links is refused before anything is written.
        let a = dir.path().join("a.bin");
        std::os::unix::fs::symlink("b.bin", &a).unwrap();
        std::os::unix::fs::symlink("a.bin", dir.path().join("b.bin")).unwrap();
        let e = WriteRequest::new(Uri::from(&a), None, true).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains("symbolic links"), "{e}");
    }

    #[test]
    fn no_overwrite_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.bin");
        std::fs::write(&p, b"old").unwrap();
        let e = WriteRequest::new(Uri::from(&p), None, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AlreadyExists);
        // The race: the file appears after open, before commit.
        let q = dir.path().join("y.bin");
        let mut r = WriteRequest::new(Uri::from(&q), None, false).unwrap();
        r.output().unwrap().write_all(b"mine").unwrap();
        std::fs::write(&q, b"theirs").unwrap();
        assert_eq!(r.commit().unwrap_err().kind(), ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&q).unwrap(), b"theirs");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_file_being_written_has_no_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("anon.bin");
        let mut r = WriteRequest::new(Uri::from(&p), None, false).unwrap();
        let mut w = r.output().unwrap();
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
        let mut r = WriteRequest::new(Uri::from(&p), None, true).unwrap();
        r.output().unwrap().write_all(b"second").unwrap();
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
        let mut r = WriteRequest::new(Uri::from(&p), None, true).unwrap();
        let mut w = r.output().unwrap();
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
    fn injected_commit_faults_keep_the_target() {
        use crate::test_hooks::{fail_file_steps_for_tests, FileStep};
        let commit = |p: &Path, steps: &[FileStep]| {
            fail_file_steps_for_tests(steps);
            let mut r = WriteRequest::new(Uri::from(p), None, true).unwrap();
            let w = r.output();
            fail_file_steps_for_tests(&[]);
            w.unwrap().write_all(b"new").unwrap();
            r.commit()
        };
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.bin");
        for steps in [
            &[FileStep::Flush][..],
            &[FileStep::Fsync],
            &[FileStep::Link],
            &[FileStep::Rename],
        ] {
            if steps == [FileStep::Link] && !cfg!(target_os = "linux") {
                continue; // only Linux links an anonymous file
            }
            std::fs::write(&p, b"old").unwrap();
            let e = commit(&p, steps).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Io, "{steps:?}: {e}");
            assert!(e.to_string().contains("c.bin"), "{steps:?}: {e}");
            assert!(e.to_string().contains("injected"), "{steps:?}: {e}");
            assert_eq!(std::fs::read(&p).unwrap(), b"old", "{steps:?}");
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        }
        // A new target whose link fails is copied into place instead; with
        // the rename failing too, nothing is left.
        std::fs::remove_file(&p).unwrap();
        if !cfg!(target_os = "linux") {
            return;
        }
        commit(&p, &[FileStep::Link]).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        std::fs::remove_file(&p).unwrap();
        let e = commit(&p, &[FileStep::Link, FileStep::Rename]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn read_only_uris_are_refused() {
        for uri in ["<video1>", "imageio:testpattern"] {
            let e = WriteRequest::new(Uri::from(uri), None, true).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert!(e.to_string().contains("read-only"), "{e}");
            assert!(e.to_string().contains(uri), "{e}");
        }
    }

    #[test]
    fn memory_sink_returns_bytes() {
        let mut r = WriteRequest::new(Uri::memory("png"), None, true).unwrap();
        let mut w = r.output().unwrap();
        w.write_all(b"abc").unwrap();
        w.seek(SeekFrom::Start(1)).unwrap();
        w.write_all(b"X").unwrap();
        assert_eq!(r.commit().unwrap().unwrap(), b"aXc");
    }
}
