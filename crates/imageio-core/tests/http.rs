//! `http://` reads against loopback servers of the test's own (127.0.0.1
//! only, std `TcpListener`): an image read through the verbs, the extension
//! from the URL path, sniffing without one, a server that never answers (the
//! read timeout fires), bodies beyond `Limits::max_alloc` (refused, announced
//! or not, without holding them), a 404, redirects, and writing refused.
#![cfg(feature = "http")]

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{respond, sample, serve};
use imageio_core::plugin::ReadRequest;
use imageio_core::{imread, imwrite, ErrorKind, HttpOptions, Limits, Uri};

fn quick() -> HttpOptions {
    HttpOptions::new()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(5))
}

#[test]
fn reads_an_image_through_a_loopback_server() {
    let (img, bytes) = sample(5, 7, 3);
    let (base, t) = serve(2, move |s, line| {
        assert!(line.starts_with("GET /dir/picture.r8t?x=1 "), "{line}");
        respond(
            s,
            "200 OK",
            "Content-Type: application/octet-stream\r\n",
            &bytes,
        );
    });
    let url = format!("{base}/dir/picture.r8t?x=1#frag");
    let got = imread(url.as_str()).unwrap();
    assert_eq!(got.shape(), &[5, 7]);
    assert_eq!(got.as_bytes(), img.as_bytes());
    // The same through a Request: the extension comes from the path.
    let r = ReadRequest::new(Uri::url_with(&url, quick()), None, Limits::default()).unwrap();
    assert_eq!(r.extension(), Some(".r8t"));
    assert_eq!(r.name(), url);
    assert_eq!(r.len(), 12 + 35);
    assert!(r.path().is_none());
    t.join().unwrap();
}

#[test]
fn a_path_without_extension_is_sniffed() {
    let (img, bytes) = sample(3, 4, 9);
    let (base, t) = serve(1, move |s, _| respond(s, "200 OK", "", &bytes));
    let got = imread(format!("{base}/download").as_str()).unwrap();
    assert_eq!(got.as_bytes(), img.as_bytes());
    t.join().unwrap();
}

#[test]
fn a_silent_server_times_out() {
    let (base, t) = serve(1, |s, _| {
        // Accept, read the request, never answer; hold the socket open.
        std::thread::sleep(Duration::from_secs(4));
        drop(s);
    });
    let url = format!("{base}/slow.r8t");
    let start = Instant::now();
    let e = ReadRequest::new(
        Uri::url_with(&url, quick().read_timeout(Duration::from_millis(300))),
        None,
        Limits::default(),
    )
    .unwrap_err();
    let took = start.elapsed();
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(took >= Duration::from_millis(250), "took {took:?}");
    assert_eq!(e.kind(), ErrorKind::Io);
    let msg = e.to_string();
    assert!(msg.contains("timed out"), "{msg}");
    assert!(msg.contains(&url), "{msg}");
    t.join().unwrap();
}

#[test]
fn a_server_that_stalls_mid_body_times_out() {
    let (base, t) = serve(1, |mut s, _| {
        let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nR8T\0");
        let _ = s.flush();
        std::thread::sleep(Duration::from_secs(4));
    });
    let url = format!("{base}/stall.r8t");
    let start = Instant::now();
    let e = ReadRequest::new(
        Uri::url_with(&url, quick().read_timeout(Duration::from_millis(300))),
        None,
        Limits::default(),
    )
    .unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(3));
    assert!(e.to_string().contains("timed out"), "{e}");
    t.join().unwrap();
}

#[test]
fn an_announced_body_beyond_the_cap_is_refused_at_once() {
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    let (base, t) = serve(1, move |mut s, _| {
        let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n");
        let chunk = vec![0u8; 65536];
        while s.write_all(&chunk).is_ok() {
            if counter.fetch_add(65536, Ordering::SeqCst) > (1 << 30) {
                break;
            }
        }
    });
    let limits = Limits {
        max_alloc: 1 << 20,
        ..Limits::default()
    };
    let url = format!("{base}/huge.r8t");
    let e = ReadRequest::new(Uri::url_with(&url, quick()), None, limits).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    let msg = e.to_string();
    assert!(msg.contains("1073741824") && msg.contains(&url), "{msg}");
    t.join().unwrap();
    // Socket buffers take some; far from the gigabyte announced.
    let n = sent.load(Ordering::SeqCst);
    eprintln!("announced 1 GiB: the server sent {n} bytes before the client hung up");
    assert!(n < 64 << 20);
}

#[test]
fn an_endless_body_is_cut_at_the_cap() {
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    let (base, t) = serve(1, move |mut s, _| {
        // No Content-Length: the body runs until the connection closes.
        let _ = write!(s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        let chunk = vec![7u8; 65536];
        while s.write_all(&chunk).is_ok() {
            if counter.fetch_add(65536, Ordering::SeqCst) > (4 << 30) {
                break;
            }
        }
    });
    let limits = Limits {
        max_alloc: 1 << 20,
        ..Limits::default()
    };
    let url = format!("{base}/endless");
    let e = ReadRequest::new(Uri::url_with(&url, quick()), None, limits).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    assert!(e.to_string().contains("1048576"), "{e}");
    // The server stops when the client hangs up: it sent the cap plus what
    // the socket buffers hold, not gigabytes.
    t.join().unwrap();
    let n = sent.load(Ordering::SeqCst);
    eprintln!("endless body: the server sent {n} bytes before the client hung up");
    assert!((1 << 20..64 << 20).contains(&n), "server sent {n} bytes");
}

#[test]
fn not_found_names_the_status_and_the_url() {
    let (base, t) = serve(1, |s, _| respond(s, "404 Not Found", "", b"nope"));
    let url = format!("{base}/missing.r8t");
    let e = imread(url.as_str()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let msg = e.to_string();
    assert!(msg.contains("404") && msg.contains(&url), "{msg}");
    t.join().unwrap();
}

#[test]
fn a_server_error_is_reported() {
    let (base, t) = serve(1, |s, _| respond(s, "503 Service Unavailable", "", b""));
    let e = imread(format!("{base}/x.r8t").as_str()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains("503"), "{e}");
    t.join().unwrap();
}

#[test]
fn redirects_are_followed_up_to_the_limit() {
    let (img, bytes) = sample(2, 3, 1);
    let (base, t) = serve(2, move |s, line| {
        if line.starts_with("GET /old ") {
            respond(s, "302 Found", "Location: /new/image.r8t\r\n", b"");
        } else {
            assert!(line.starts_with("GET /new/image.r8t "), "{line}");
            respond(s, "200 OK", "", &bytes);
        }
    });
    let got = imread(format!("{base}/old").as_str()).unwrap();
    assert_eq!(got.as_bytes(), img.as_bytes());
    t.join().unwrap();

    // A redirect loop stops at the limit: 1 request + 2 redirects.
    let (base, t) = serve(3, |s, _| {
        respond(s, "301 Moved Permanently", "Location: /loop\r\n", b"")
    });
    let url = format!("{base}/loop");
    let e = ReadRequest::new(
        Uri::url_with(&url, quick().max_redirects(2)),
        None,
        Limits::default(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    let msg = e.to_string();
    assert!(
        msg.contains("more than 2 redirects") && msg.contains(&url),
        "{msg}"
    );
    t.join().unwrap();
}

#[test]
fn a_refused_connection_names_the_url() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/a.r8t");
    let e = ReadRequest::new(Uri::url_with(&url, quick()), None, Limits::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains(&url), "{e}");
}

#[test]
fn writing_to_a_url_is_refused() {
    let (img, _) = sample(2, 2, 0);
    let e = imwrite("http://127.0.0.1:9/out.r8t", &img).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("read-only"), "{e}");
}
