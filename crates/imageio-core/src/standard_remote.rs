//! imageio's own standard images (`imageio:chelsea.png`, `imageio:astronaut.png`,
//! ... the 25 names of [`REMOTE_STANDARD_IMAGES`]): downloaded on first use from
//! where imageio gets them (the `images/` folder of the imageio-binaries
//! repository) into a per-user cache, then read from the cache as ordinary
//! files by whichever plugin reads their format.
//!
//! - The cache directory is `$IMAGEIO_STANDARD_IMAGES_DIR` when set, else
//!   `$XDG_CACHE_HOME/imageio-rs/standard-images`, else
//!   `~/.cache/imageio-rs/standard-images` (`~/Library/Caches/...` on macOS,
//!   `%LOCALAPPDATA%\imageio-rs\standard-images` on Windows). A file already
//!   there is read without any request, so putting the files there by hand
//!   works offline and without the `http` feature.
//! - The server is `$IMAGEIO_STANDARD_IMAGES_URL` when set (a base URL the
//!   name is appended to), else [`DEFAULT_STANDARD_IMAGES_URL`].
//! - A download needs the core's `http` feature. It is bounded by the HTTP
//!   timeouts ([`HttpOptions`](crate::HttpOptions) defaults and their
//!   `IMAGEIO_HTTP_*` variables) and by [`MAX_STANDARD_IMAGE_BYTES`] (and
//!   `Limits::max_alloc`); what arrives must start like a file of its format;
//!   it is written to a temporary file in the cache directory, synced, and
//!   renamed into place, so the cache never holds half a file.
//! - `imageio:chelsea.zip/chelsea.png` names a member of the cached archive,
//!   as in imageio.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, ErrorKind, HttpOptions, Limits, Result, Uri};

/// imageio's standard images, downloaded on first use: the names of imageio's
/// `EXAMPLE_IMAGES` list.
pub const REMOTE_STANDARD_IMAGES: &[&str] = &[
    "astronaut.png",
    "camera.png",
    "checkerboard.png",
    "wood.jpg",
    "bricks.jpg",
    "clock.png",
    "coffee.png",
    "chelsea.png",
    "wikkie.png",
    "coins.png",
    "horse.png",
    "hubble_deep_field.png",
    "immunohistochemistry.png",
    "moon.png",
    "page.png",
    "text.png",
    "bacterial_colony.tif",
    "calcium_imaging.tif",
    "chelsea.zip",
    "chelsea.bsdf",
    "newtonscradle.gif",
    "cockatoo.mp4",
    "cockatoo_yuv420.mp4",
    "stent.npz",
    "meadow_cube.jpg",
];

/// Where imageio downloads its standard images from; the name is appended.
pub const DEFAULT_STANDARD_IMAGES_URL: &str =
    "https://github.com/imageio/imageio-binaries/raw/master/images/";

/// The environment variable naming the cache directory of the standard images.
pub const STANDARD_IMAGES_DIR_VAR: &str = "IMAGEIO_STANDARD_IMAGES_DIR";

/// The environment variable naming the base URL the standard images are
/// downloaded from.
pub const STANDARD_IMAGES_URL_VAR: &str = "IMAGEIO_STANDARD_IMAGES_URL";

/// The largest download accepted for one standard image (64 MiB; the largest
/// on imageio's list is under 3 MB).
pub const MAX_STANDARD_IMAGE_BYTES: u64 = 64 << 20;

/// Where standard images are cached and downloaded from.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    /// The cache directory.
    pub(crate) dir: Option<PathBuf>,
    /// The base URL, ending in `/`.
    pub(crate) base_url: String,
    /// Timeouts of the download.
    pub(crate) http: HttpOptions,
}

impl Source {
    /// The source the environment configures.
    pub(crate) fn from_env() -> Source {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let dir = var(STANDARD_IMAGES_DIR_VAR)
            .map(PathBuf::from)
            .or_else(default_cache_dir);
        let mut base_url = var(STANDARD_IMAGES_URL_VAR)
            .and_then(|v| v.into_string().ok())
            .unwrap_or_else(|| DEFAULT_STANDARD_IMAGES_URL.to_owned());
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        Source {
            dir,
            base_url,
            http: HttpOptions::new(),
        }
    }
}

/// The default cache directory of the standard images, when the platform
/// names a home or cache directory.
fn default_cache_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(windows) {
        var("LOCALAPPDATA")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|h| h.join("Library").join("Caches"))
    } else {
        var("XDG_CACHE_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| var("HOME").map(|h| h.join(".cache")))
    };
    base.map(|b| b.join("imageio-rs").join("standard-images"))
}

/// The cache directory of imageio's standard images in this environment
/// (`None` when neither the variable nor a home directory is set).
pub fn standard_images_dir() -> Option<PathBuf> {
    Source::from_env().dir
}

/// `uri` itself, or, for one of imageio's standard images, the path of its
/// cached copy (downloaded first when missing).
pub(crate) fn resolve_uri(uri: Uri, limits: Limits) -> Result<Uri> {
    match &uri {
        Uri::Standard(name) => match split_name(name) {
            Some((file, member)) => {
                let path = cached(&Source::from_env(), file, limits)?;
                Ok(Uri::Path(match member {
                    Some(m) => path.join(m),
                    None => path,
                }))
            }
            None => Ok(uri),
        },
        _ => Ok(uri),
    }
}

/// The name on imageio's list that `name` names (case-insensitive), and the
/// zip member after it (`chelsea.zip/chelsea.png`); `None` for other names.
fn split_name(name: &str) -> Option<(&'static str, Option<&str>)> {
    let (file, member) = match name.find(".zip/") {
        Some(i) => (&name[..i + 4], Some(&name[i + 5..])),
        None => (name, None),
    };
    let known = REMOTE_STANDARD_IMAGES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(file))?;
    Some((known, member.filter(|m| !m.is_empty())))
}

/// The path of `name` in the cache of `source`, downloaded first if missing.
pub(crate) fn cached(source: &Source, name: &'static str, limits: Limits) -> Result<PathBuf> {
    let shown = format!("imageio:{name}");
    let Some(dir) = source.dir.as_deref() else {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "no cache directory for the standard images (neither HOME nor \
                 {STANDARD_IMAGES_DIR_VAR} is set); set {STANDARD_IMAGES_DIR_VAR} to a \
                 directory for them"
            ),
        )
        .with_resource(&shown));
    };
    let path = dir.join(name);
    if path.is_file() {
        return Ok(path);
    }
    let url = format!("{}{name}", source.base_url);
    download(&url, dir, &path, name, &source.http, limits).map_err(|e| {
        let remedy = format!(
            "to read it offline, put {name} (from {url}) at {}, or set {STANDARD_IMAGES_DIR_VAR} \
             to a directory holding it; {STANDARD_IMAGES_URL_VAR} names another server",
            path.display()
        );
        let message = if cfg!(feature = "http") {
            format!(
                "the standard image is not cached and downloading it failed: {}; {remedy}",
                e.message()
            )
        } else {
            format!(
                "the standard image is not cached and this build cannot download it: enable \
                 the `http` feature of the imageio crate, or {remedy}"
            )
        };
        let mut out = Error::new(e.kind(), message).with_resource(&shown);
        if let Some(h) = e.hint() {
            out = out.with_hint(h.clone());
        }
        out
    })?;
    Ok(path)
}

/// Downloads `url` into `path` (in `dir`) atomically.
fn download(
    url: &str,
    dir: &Path,
    path: &Path,
    name: &str,
    http: &HttpOptions,
    limits: Limits,
) -> Result<()> {
    if !cfg!(feature = "http") {
        return Err(Error::new(ErrorKind::Unsupported, "no `http` feature"));
    }
    let limits = Limits {
        max_alloc: limits.max_alloc.min(MAX_STANDARD_IMAGE_BYTES),
        ..limits
    };
    let ext = name.rfind('.').map(|i| &name[i..]);
    let body = crate::http::fetch(url, http, ext, limits)?;
    std::fs::create_dir_all(dir).map_err(|e| cache_error(e, dir))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".download-")
        .suffix(ext.unwrap_or(""))
        .tempfile_in(dir)
        .map_err(|e| cache_error(e, dir))?;
    let head = match body {
        crate::http::Body::Memory(v) => {
            check_signature(name, &v)?;
            tmp.write_all(&v).map_err(|e| cache_error(e, dir))?;
            v.len()
        }
        crate::http::Body::Spilled { mut file, .. } => {
            let mut first = [0u8; 16];
            let n = std::io::Read::read(&mut file, &mut first).map_err(Error::io)?;
            check_signature(name, &first[..n])?;
            tmp.write_all(&first[..n])
                .and_then(|_| std::io::copy(&mut file, &mut tmp).map(|_| ()))
                .map_err(|e| cache_error(e, dir))?;
            n
        }
    };
    if head == 0 {
        return Err(Error::decode("the server sent an empty file"));
    }
    // Readable by others, as a file written directly would be (a temporary
    // file is created owner-only), so that a shared cache directory works.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.as_file().sync_all().map_err(|e| cache_error(e, dir))?;
    tmp.persist(path).map_err(|e| cache_error(e.error, dir))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn cache_error(e: std::io::Error, dir: &Path) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("cannot write into the cache {}: {e}", dir.display()),
    )
    .with_source(e)
}

/// Refuses bytes that do not start like a file of `name`'s format (an HTML
/// error page served with status 200, a truncated or wrong file), so that
/// nothing but such a file enters the cache.
fn check_signature(name: &str, data: &[u8]) -> Result<()> {
    let ext = name.rsplit('.').next().unwrap_or("");
    let ok = match ext {
        "png" => data.starts_with(b"\x89PNG\r\n\x1a\n"),
        "jpg" => data.starts_with(b"\xFF\xD8\xFF"),
        "gif" => data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a"),
        "tif" => data.starts_with(b"II*\0") || data.starts_with(b"MM\0*"),
        "zip" | "npz" => data.starts_with(b"PK\x03\x04"),
        "mp4" => data.get(4..8) == Some(b"ftyp"),
        "bsdf" => data.starts_with(b"BSDF"),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    let shown: String = data
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ");
    Err(Error::decode(format!(
        "the server sent something that is not a .{ext} file (it starts with {shown}); \
         nothing was cached"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_members() {
        assert_eq!(REMOTE_STANDARD_IMAGES.len(), 25);
        assert_eq!(split_name("chelsea.png"), Some(("chelsea.png", None)));
        assert_eq!(split_name("Chelsea.PNG"), Some(("chelsea.png", None)));
        assert_eq!(
            split_name("chelsea.zip/chelsea.png"),
            Some(("chelsea.zip", Some("chelsea.png")))
        );
        assert_eq!(split_name("testpattern"), None);
        assert_eq!(split_name("chelsea"), None);
        assert_eq!(split_name("nope.png"), None);
    }

    #[test]
    fn signatures() {
        assert!(check_signature("a.png", b"\x89PNG\r\n\x1a\nxx").is_ok());
        assert!(check_signature("a.mp4", b"\0\0\0\x20ftypisom").is_ok());
        let e = check_signature("a.png", b"<!DOCTYPE html>").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.to_string().contains("not a .png file"), "{e}");
    }

    #[test]
    fn the_cache_is_read_without_a_request() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("camera.png"), b"\x89PNG\r\n\x1a\n").unwrap();
        let source = Source {
            dir: Some(dir.path().to_owned()),
            // Nothing listens there: a request would fail.
            base_url: "http://127.0.0.1:9/".into(),
            http: HttpOptions::new(),
        };
        let p = cached(&source, "camera.png", Limits::default()).unwrap();
        assert_eq!(p, dir.path().join("camera.png"));
    }

    #[test]
    fn offline_errors_say_what_to_set() {
        let dir = tempfile::tempdir().unwrap();
        let source = Source {
            dir: Some(dir.path().join("cache")),
            base_url: "http://127.0.0.1:9/images/".into(),
            http: HttpOptions::new().connect_timeout(std::time::Duration::from_secs(2)),
        };
        let e = cached(&source, "chelsea.png", Limits::default()).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("imageio:chelsea.png"), "{text}");
        assert!(text.contains(STANDARD_IMAGES_DIR_VAR), "{text}");
        assert!(text.contains(STANDARD_IMAGES_URL_VAR), "{text}");
        assert!(
            text.contains("http://127.0.0.1:9/images/chelsea.png"),
            "{text}"
        );
        if cfg!(feature = "http") {
            assert_eq!(e.kind(), ErrorKind::Io, "{text}");
            assert!(text.contains("downloading it failed"), "{text}");
        } else {
            assert_eq!(e.kind(), ErrorKind::Unsupported, "{text}");
            assert!(text.contains("`http` feature"), "{text}");
        }
        assert!(!dir.path().join("cache").join("chelsea.png").exists());
    }

    /// A loopback server answering each request with `respond(path)`: the
    /// status line, headers and body it writes. Returns the base URL and a
    /// counter of requests.
    #[cfg(feature = "http")]
    fn serve(
        respond: impl Fn(&str, &mut std::net::TcpStream) + Send + Sync + 'static,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::{BufRead, BufReader};
        use std::sync::atomic::{AtomicUsize, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let count = std::sync::Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { return };
                seen.fetch_add(1, Ordering::SeqCst);
                let mut line = String::new();
                let mut r = BufReader::new(s.try_clone().unwrap());
                if r.read_line(&mut line).is_err() {
                    continue;
                }
                loop {
                    let mut h = String::new();
                    if r.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                        break;
                    }
                }
                let path = line.split(' ').nth(1).unwrap_or("").to_owned();
                respond(&path, &mut s);
            }
        });
        (format!("http://127.0.0.1:{port}/images/"), count)
    }

    #[cfg(feature = "http")]
    fn reply(s: &mut std::net::TcpStream, body: &[u8]) {
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(body);
    }

    #[cfg(feature = "http")]
    #[test]
    fn downloads_once_then_reads_the_cache() {
        use std::sync::atomic::Ordering;
        let png: Vec<u8> = b"\x89PNG\r\n\x1a\n"
            .iter()
            .copied()
            .chain((0..5000u32).map(|i| i as u8))
            .collect();
        let sent = png.clone();
        let (base, count) = serve(move |path, s| {
            if path == "/images/chelsea.png" {
                reply(s, &sent);
            } else {
                let _ = write!(
                    s,
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let source = Source {
            dir: Some(dir.path().join("a").join("b")),
            base_url: base,
            http: HttpOptions::new(),
        };
        let p = cached(&source, "chelsea.png", Limits::default()).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), png);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        let again = cached(&source, "chelsea.png", Limits::default()).unwrap();
        assert_eq!(again, p);
        assert_eq!(
            count.load(Ordering::SeqCst),
            1,
            "the second read asks nothing"
        );
        // A name the server lacks (as bacterial_colony.tif upstream).
        let e = cached(&source, "bacterial_colony.tif", Limits::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
        // Only the one file, no temporary left over.
        let left: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1);
    }

    #[cfg(feature = "http")]
    #[test]
    fn garbage_and_oversized_downloads_cache_nothing() {
        let (base, _) = serve(|path, s| match path {
            "/images/camera.png" => reply(s, b"<!DOCTYPE html><html>rate limited</html>"),
            "/images/coffee.png" => {
                // Announces nothing, then sends more than the limit.
                let _ = write!(s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
                let _ = s.write_all(b"\x89PNG\r\n\x1a\n");
                let chunk = vec![7u8; 64 * 1024];
                for _ in 0..64 {
                    if s.write_all(&chunk).is_err() {
                        break;
                    }
                }
            }
            "/images/coins.png" => {
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n"
                );
            }
            _ => {
                // A broken response.
                let _ = s.write_all(b"garbage\r\n\r\n");
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let source = Source {
            dir: Some(dir.path().to_owned()),
            base_url: base,
            http: HttpOptions::new().total_timeout(std::time::Duration::from_secs(20)),
        };
        let small = Limits {
            max_alloc: 1 << 20,
            ..Limits::default()
        };
        let e = cached(&source, "camera.png", small).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        assert!(e.to_string().contains("not a .png file"), "{e}");
        let e = cached(&source, "coffee.png", small).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
        let e = cached(&source, "coins.png", Limits::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
        assert!(e.to_string().contains("99999999999"), "{e}");
        let e = cached(&source, "moon.png", small).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "{e}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
