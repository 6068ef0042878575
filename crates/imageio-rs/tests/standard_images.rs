//! imageio's standard images (`imageio:chelsea.png`, ...) end to end: served
//! by a loopback HTTP server from the shared corpus (the eleven it holds
//! under their own names) and `../shared/standard-images` (the other
//! thirteen), downloaded once into a cache directory, read from it by the
//! plugin for their format, and equal to the same file read directly. Also:
//! no request once cached, the offline error, and the built-in images.
//!
//! One test function: the cache and server are configured through
//! environment variables, which are process-wide.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use imageio::{imread, ErrorKind, REMOTE_STANDARD_IMAGES};

/// Where each standard image is in the shared folders, by name.
fn sources() -> Option<HashMap<&'static str, PathBuf>> {
    let corpus = imageio::test_corpus::for_test("standard_images", "png")?;
    let extra = corpus.parent()?.join("standard-images");
    if !extra.is_dir() {
        eprintln!("standard_images: skipped: no {}", extra.display());
        return None;
    }
    let in_corpus = [
        "png/astronaut.png",
        "png/camera.png",
        "png/chelsea.png",
        "png/coffee.png",
        "png/horse.png",
        "png/text.png",
        "jpeg/wood.jpg",
        "gif/newtonscradle.gif",
        "video/cockatoo.mp4",
        "npy/stent.npz",
        "tiff/calcium_imaging.tif",
    ];
    let mut map = HashMap::new();
    for name in REMOTE_STANDARD_IMAGES {
        let found = in_corpus
            .iter()
            .find(|p| p.ends_with(&format!("/{name}")))
            .map(|p| corpus.join(p))
            .or_else(|| Some(extra.join(name)).filter(|p| p.is_file()));
        if let Some(p) = found {
            map.insert(*name, p);
        }
    }
    Some(map)
}

/// A loopback server for `files` under `/images/NAME` (404 otherwise); its
/// base URL and the number of requests it has answered.
fn serve(files: HashMap<&'static str, PathBuf>) -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            seen.fetch_add(1, Ordering::SeqCst);
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                    break;
                }
            }
            let path = line.split(' ').nth(1).unwrap_or("");
            let body = path
                .strip_prefix("/images/")
                .and_then(|n| files.get(n))
                .and_then(|p| std::fs::read(p).ok());
            let _ = match body {
                Some(b) => write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    b.len()
                )
                .and_then(|_| s.write_all(&b)),
                None => write!(
                    s,
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                ),
            };
        }
    });
    (format!("http://127.0.0.1:{port}/images"), count)
}

#[test]
fn standard_images_download_once_then_read_from_the_cache() {
    // The built-in images need neither cache nor server.
    assert_eq!(imread("imageio:gradient16").unwrap().shape(), &[256, 256]);
    let Some(files) = sources() else { return };
    assert_eq!(REMOTE_STANDARD_IMAGES.len(), 25);
    // Every name but bacterial_colony.tif (absent upstream too).
    assert_eq!(files.len(), 24, "{:?}", files.keys());
    let cache = tempfile::tempdir().unwrap();
    std::env::set_var("IMAGEIO_STANDARD_IMAGES_DIR", cache.path());

    if !cfg!(feature = "http") {
        // Without the feature: a clear error, and files put into the cache
        // by hand are read.
        std::env::set_var("IMAGEIO_STANDARD_IMAGES_URL", "http://127.0.0.1:9/images/");
        let e = imread("imageio:chelsea.png").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("`http` feature"), "{text}");
        assert!(text.contains("IMAGEIO_STANDARD_IMAGES_DIR"), "{text}");
        std::fs::copy(&files["chelsea.png"], cache.path().join("chelsea.png")).unwrap();
        let got = imread("imageio:chelsea.png").unwrap();
        assert_eq!(got, imread(&files["chelsea.png"]).unwrap());
        return;
    }

    let (base, count) = serve(files.clone());
    std::env::set_var("IMAGEIO_STANDARD_IMAGES_URL", &base);
    let mut names: Vec<&&str> = files.keys().collect();
    names.sort();
    for name in &names {
        let uri = format!("imageio:{name}");
        let direct = imread(&files[**name]);
        let via = imread(uri.as_str());
        match (&direct, &via) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{uri}"),
            // No plugin for it here (BSDF; video without ffmpeg): the same
            // answer either way, after the download.
            (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind(), "{uri}: {a} / {b}"),
            _ => panic!("{uri}: direct {direct:?}, through the cache {via:?}"),
        }
        let cached = std::fs::read(cache.path().join(name)).unwrap();
        assert_eq!(cached, std::fs::read(&files[**name]).unwrap(), "{uri}");
    }
    let after_first = count.load(Ordering::SeqCst);
    assert_eq!(after_first, files.len(), "one request per image");

    // Read again: from the cache, no request. A zip member of a cached archive.
    let chelsea = imread("imageio:chelsea.png").unwrap();
    assert_eq!(chelsea.shape(), &[300, 451, 3]);
    assert_eq!(imread("imageio:Chelsea.PNG").unwrap(), chelsea);
    assert_eq!(imread("imageio:chelsea.zip/chelsea.png").unwrap(), chelsea);
    assert_eq!(count.load(Ordering::SeqCst), after_first);

    // Absent from the server: NotFound, nothing cached.
    let e = imread("imageio:bacterial_colony.tif").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(!cache.path().join("bacterial_colony.tif").exists());

    // Unknown names list what there is.
    let e = imread("imageio:nope.png").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(e.to_string().contains("imageio:chelsea.png"), "{e}");

    // Offline (nothing listens), with an empty cache: the error says what to set.
    let empty = tempfile::tempdir().unwrap();
    std::env::set_var("IMAGEIO_STANDARD_IMAGES_DIR", empty.path());
    std::env::set_var("IMAGEIO_STANDARD_IMAGES_URL", "http://127.0.0.1:9/images/");
    let e = imread("imageio:astronaut.png").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    let text = e.to_string();
    for needle in [
        "imageio:astronaut.png",
        "IMAGEIO_STANDARD_IMAGES_DIR",
        "IMAGEIO_STANDARD_IMAGES_URL",
        "http://127.0.0.1:9/images/astronaut.png",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    std::env::remove_var("IMAGEIO_STANDARD_IMAGES_DIR");
    std::env::remove_var("IMAGEIO_STANDARD_IMAGES_URL");
}
