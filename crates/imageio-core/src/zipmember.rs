//! Members of zip archives as resources: a path that crosses a zip file,
//! `archive.zip/inner/dir/image.png`, names the member `inner/dir/image.png`.
//!
//! Reading inflates the member (stored or deflated) with its size checked
//! against `Limits::max_alloc`, both the size the archive declares and the
//! bytes actually inflated, so a zip bomb stops at the limit. Writing builds a
//! new archive in a temporary file beside the old one (every other member
//! copied raw, byte for byte, the new member deflated) and renames it into
//! place: the archive changes completely or not at all. Member paths with
//! `..`, or absolute ones, are refused. A path is only looked at this way
//! when it does not exist as a file, so ordinary files are never affected.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::{Component, Path, PathBuf};

use crate::{Error, ErrorKind, Limits, Result};

/// A member of a zip archive on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ZipPath {
    /// The archive file.
    pub(crate) archive: PathBuf,
    /// The member name inside it, `/`-separated.
    pub(crate) member: String,
    /// False when the archive does not exist yet (writing creates it).
    pub(crate) exists: bool,
}

const LOCAL_HEADER: &[u8; 4] = b"PK\x03\x04";
const EMPTY_ARCHIVE: &[u8; 4] = b"PK\x05\x06";

fn is_zip_file(p: &Path) -> bool {
    let mut magic = [0u8; 4];
    let read = File::open(p).and_then(|mut f| f.read_exact(&mut magic));
    read.is_ok() && (&magic == LOCAL_HEADER || &magic == EMPTY_ARCHIVE)
}

fn has_zip_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Finds the zip archive `p` crosses, for a path that does not exist as such.
/// `Ok(None)`: `p` is an ordinary (maybe missing) path. With `for_write`, a
/// missing `*.zip` component whose parent directory exists is a new archive.
/// A member path that escapes the archive is an error.
pub(crate) fn locate(p: &Path, for_write: bool) -> Result<Option<ZipPath>> {
    for anc in p.ancestors().skip(1) {
        if anc.as_os_str().is_empty() {
            break;
        }
        let found = match std::fs::metadata(anc) {
            Ok(m) if m.is_file() => {
                if is_zip_file(anc) {
                    Some(true)
                } else {
                    return Ok(None);
                }
            }
            Ok(_) => {
                // A directory: the path does not cross an existing archive.
                return Ok(None);
            }
            Err(_) if for_write && has_zip_extension(anc) => {
                let parent_is_dir = match anc.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.is_dir(),
                    _ => true,
                };
                if parent_is_dir {
                    Some(false)
                } else {
                    None
                }
            }
            Err(_) => None,
        };
        if let Some(exists) = found {
            let rest = p.strip_prefix(anc).map_err(|_| {
                Error::internal("an ancestor is a prefix of its path")
                    .with_resource(&p.display().to_string())
            })?;
            let member =
                member_name(rest).map_err(|e| e.with_resource(&p.display().to_string()))?;
            return Ok(Some(ZipPath {
                archive: anc.to_owned(),
                member,
                exists,
            }));
        }
    }
    Ok(None)
}

/// The `/`-separated member name of a relative path; `..`, absolute paths
/// and non-UTF-8 names are refused.
fn member_name(rest: &Path) -> Result<String> {
    let mut parts = Vec::new();
    for c in rest.components() {
        match c {
            Component::Normal(s) => match s.to_str() {
                Some(s) if !s.contains('\\') => parts.push(s),
                _ => {
                    return Err(Error::invalid_input(format!(
                        "the zip member name {:?} is not portable (non-UTF-8 or a backslash)",
                        rest.display()
                    )))
                }
            },
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(Error::invalid_input(format!(
                    "refused: the zip member path {:?} escapes the archive (`..` or absolute)",
                    rest.display()
                )))
            }
        }
    }
    if parts.is_empty() {
        return Err(Error::invalid_input("name a member inside the zip archive"));
    }
    Ok(parts.join("/"))
}

impl ZipPath {
    fn describe(&self) -> String {
        format!("{}/{}", self.archive.display(), self.member)
    }

    fn open(&self) -> Result<zip::ZipArchive<io::BufReader<File>>> {
        let f =
            File::open(&self.archive).map_err(|e| Error::io(e).with_resource(&self.describe()))?;
        zip::ZipArchive::new(io::BufReader::new(f))
            .map_err(|e| zip_error(e, &self.archive.display().to_string()))
    }

    /// Reads the member, inflated, within `limits.max_alloc`.
    pub(crate) fn read(&self, limits: Limits) -> Result<Vec<u8>> {
        let name = self.describe();
        let mut archive = self.open()?;
        let Some(index) = archive.index_for_name(&self.member) else {
            return Err(not_found(&archive, &self.member, &name));
        };
        let mut file = archive.by_index(index).map_err(|e| zip_error(e, &name))?;
        if file.is_dir() {
            return Err(
                Error::invalid_input("is a directory in the archive, not an image")
                    .with_resource(&name),
            );
        }
        let cap = limits.max_alloc;
        let declared = file.size();
        if declared > cap {
            return Err(member_too_large(&name, cap, Some(declared)));
        }
        let mut v = Vec::with_capacity(declared.min(cap).min(64 << 20) as usize);
        (&mut file)
            .take(cap.saturating_add(1))
            .read_to_end(&mut v)
            .map_err(|e| {
                Error::new(
                    ErrorKind::Decode,
                    format!("cannot inflate the zip member: {e}"),
                )
                .with_source(e)
                .with_resource(&name)
            })?;
        if v.len() as u64 > cap {
            return Err(member_too_large(&name, cap, None));
        }
        Ok(v)
    }

    /// True when the archive exists and holds the member.
    pub(crate) fn member_exists(&self) -> Result<bool> {
        if !self.exists || !self.archive.exists() {
            return Ok(false);
        }
        Ok(self.open()?.index_for_name(&self.member).is_some())
    }

    /// Writes `data` as the member: a new archive with every other member
    /// copied raw is built beside the old one and renamed over it. With
    /// `overwrite` off an existing member fails with `AlreadyExists`.
    ///
    /// Writers of one archive take turns: each holds an exclusive lock on
    /// the archive it copies from until its rename is done, and starts again
    /// when the archive was replaced while it waited, so no member is lost.
    /// An archive reached through a symlink is replaced where the link
    /// points, the link kept. A new archive gets 0o666 minus the umask, an
    /// old one keeps its permissions; the directory is synced after the
    /// rename.
    pub(crate) fn write(&self, data: &[u8], overwrite: bool) -> Result<()> {
        let name = self.describe();
        for _ in 0..MAX_TURNS {
            let turn = match File::open(&self.archive) {
                Ok(file) => self.write_over(file, data, overwrite, &name)?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => self.create(data, &name)?,
                Err(e) => return Err(Error::io(e).with_resource(&name)),
            };
            if turn == Turn::Done {
                return Ok(());
            }
        }
        Err(Error::new(
            ErrorKind::Io,
            "the archive kept being replaced by other writers; try again",
        )
        .with_resource(&name))
    }

    /// Rewrites the existing archive `file` (opened from the path) under
    /// its lock.
    fn write_over(&self, file: File, data: &[u8], overwrite: bool, name: &str) -> Result<Turn> {
        let io_err = |e: io::Error| Error::io(e).with_resource(name);
        let zip_err = |e: zip::result::ZipError| zip_error(e, name);
        file.lock().map_err(io_err)?;
        // The archive where it really is: a symlink stays a symlink.
        let target = std::fs::canonicalize(&self.archive).map_err(io_err)?;
        if !same_file(&file, &target) {
            // Replaced by another writer while this one waited: start again.
            return Ok(Turn::Again);
        }
        let mut old = zip::ZipArchive::new(io::BufReader::new(file.try_clone().map_err(io_err)?))
            .map_err(|e| zip_error(e, &self.archive.display().to_string()))?;
        if !overwrite && old.index_for_name(&self.member).is_some() {
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                "the archive already holds this member and overwriting is off",
            )
            .with_resource(name));
        }
        let tmp = temp_beside(&target).map_err(io_err)?;
        if let Ok(m) = file.metadata() {
            // Keep the archive's permissions.
            let _ = tmp.as_file().set_permissions(m.permissions());
        }
        let mut w = zip::ZipWriter::new(io::BufWriter::new(
            tmp.as_file().try_clone().map_err(io_err)?,
        ));
        for i in 0..old.len() {
            let f = old.by_index_raw(i).map_err(zip_err)?;
            if f.name_raw() == self.member.as_bytes() {
                continue;
            }
            w.raw_copy_file(f).map_err(zip_err)?;
        }
        if !old.comment().is_empty() {
            w.set_raw_comment(old.comment().into()).map_err(zip_err)?;
        }
        self.finish(w, data, name)?;
        tmp.persist(&target).map_err(|e| io_err(e.error))?;
        crate::request::sync_parent(&target);
        // The lock goes with `file`, after the new archive has its name.
        drop(file);
        Ok(Turn::Done)
    }

    /// Creates the archive with only the member; `Again` when another
    /// writer created it first.
    fn create(&self, data: &[u8], name: &str) -> Result<Turn> {
        let io_err = |e: io::Error| Error::io(e).with_resource(name);
        let tmp = temp_beside(&self.archive).map_err(io_err)?;
        let w = zip::ZipWriter::new(io::BufWriter::new(
            tmp.as_file().try_clone().map_err(io_err)?,
        ));
        self.finish(w, data, name)?;
        match tmp.persist_noclobber(&self.archive) {
            Ok(_) => {
                crate::request::sync_parent(&self.archive);
                Ok(Turn::Done)
            }
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(Turn::Again),
            Err(e) => Err(io_err(e.error)),
        }
    }

    /// Adds the member to `w`, ends the archive and syncs it to disk.
    fn finish(
        &self,
        mut w: zip::ZipWriter<io::BufWriter<File>>,
        data: &[u8],
        name: &str,
    ) -> Result<()> {
        let io_err = |e: io::Error| Error::io(e).with_resource(name);
        let zip_err = |e: zip::result::ZipError| zip_error(e, name);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(data.len() as u64 >= u32::MAX as u64);
        w.start_file(self.member.as_str(), options)
            .map_err(zip_err)?;
        w.write_all(data).map_err(io_err)?;
        let mut out = w.finish().map_err(zip_err)?;
        out.flush().map_err(io_err)?;
        let file = out.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.sync_all().map_err(io_err)
    }
}

/// How often a writer starts again because others replaced the archive.
const MAX_TURNS: usize = 1000;

/// Whether a write is done or must start again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Turn {
    Done,
    Again,
}

/// A temporary file beside `target` for its new content, with the
/// permissions a new file gets (0o666 minus the umask).
fn temp_beside(target: &Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    crate::request::temp_builder(&crate::request::temp_prefix(target)).tempfile_in(dir)
}

/// True when the open `file` is the file at `path` (same device and inode).
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Elsewhere a file open for reading cannot be renamed over, so the file
/// the lock was taken on is still the archive.
#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

fn not_found<R: Read + Seek>(archive: &zip::ZipArchive<R>, member: &str, name: &str) -> Error {
    let mut names: Vec<String> = archive
        .file_names_raw()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .filter(|n| !n.ends_with('/'))
        .collect();
    names.sort_unstable();
    let shown: Vec<&str> = names.iter().take(5).map(|s| s.as_str()).collect();
    let more = if names.len() > shown.len() {
        format!(" and {} more", names.len() - shown.len())
    } else {
        String::new()
    };
    Error::new(
        ErrorKind::NotFound,
        format!(
            "the archive has no member {member:?}; it holds {}{more}",
            if shown.is_empty() {
                "no files".to_owned()
            } else {
                shown.join(", ")
            }
        ),
    )
    .with_resource(name)
}

fn member_too_large(name: &str, cap: u64, declared: Option<u64>) -> Error {
    let what = match declared {
        Some(n) => format!("the zip member inflates to {n} bytes"),
        None => "the zip member inflates to more bytes than it declares and".into(),
    };
    Error::limit(format!("{what}, beyond the limit of {cap} bytes"))
        .with_hint(crate::Hint::RaiseMaxAlloc)
        .with_resource(name)
}

fn zip_error(e: zip::result::ZipError, name: &str) -> Error {
    use zip::result::ZipError as Z;
    match e {
        Z::Io(io) => Error::io(io).with_resource(name),
        Z::FileNotFound => {
            Error::new(ErrorKind::NotFound, "no such member in the zip archive").with_resource(name)
        }
        Z::UnsupportedArchive(m) => {
            Error::unsupported(format!("unsupported zip archive: {m}")).with_resource(name)
        }
        other => Error::decode(format!("not a valid zip archive: {other}"))
            .with_source(other)
            .with_resource(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names() {
        assert_eq!(member_name(Path::new("a/./b.png")).unwrap(), "a/b.png");
        assert!(member_name(Path::new("a/../b.png")).is_err());
        assert!(member_name(Path::new("/etc/passwd")).is_err());
        assert!(member_name(Path::new("")).is_err());
    }

    #[test]
    fn only_paths_crossing_a_zip_file() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, b"not a zip").unwrap();
        assert_eq!(locate(&plain.join("x.png"), false).unwrap(), None);
        assert_eq!(
            locate(&dir.path().join("missing/x.png"), false).unwrap(),
            None
        );
        // A new archive only when writing.
        let new = dir.path().join("new.zip/a/x.png");
        assert_eq!(locate(&new, false).unwrap(), None);
        let z = locate(&new, true).unwrap().unwrap();
        assert_eq!((z.member.as_str(), z.exists), ("a/x.png", false));
        let e = locate(&dir.path().join("new.zip/../x.png"), true).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}
