//! `imageio convert` with standard streams, through the built binary: a TIFF
//! piped in (`-`, format sniffed) and written to a PNG file; a file written
//! to standard output as PNG (`- --to png`) and decoded back; the usage
//! errors; and an http URL input from a loopback server (127.0.0.1 only).

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use imageio::{imread, imwrite, NdImage};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_imageio"))
}

fn sample() -> NdImage {
    let px: Vec<u16> = (0..19 * 13 * 3).map(|i| (i * 977 % 65521) as u16).collect();
    NdImage::from_shape_vec(&[19, 13, 3], px).unwrap()
}

/// Runs the binary with `stdin` piped in; returns (status, stdout, stderr).
fn run(args: &[&str], stdin: &[u8]) -> (i32, Vec<u8>, String) {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn stdin_to_file_and_file_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let img = sample();
    let tif = dir.path().join("in.tif");
    imwrite(&tif, &img).unwrap();
    let tif_bytes = std::fs::read(&tif).unwrap();

    // stdin (TIFF, sniffed) -> out.png
    let png = dir.path().join("out.png");
    let (code, _, err) = run(&["convert", "-", png.to_str().unwrap()], &tif_bytes);
    assert_eq!(code, 0, "{err}");
    let back = imread(&png).unwrap();
    assert_eq!(back.shape(), &[19, 13, 3]);
    assert_eq!(back.as_bytes(), img.as_bytes(), "16-bit RGB kept exactly");

    // in.tif -> stdout as PNG
    let (code, stdout, err) = run(&["convert", tif.to_str().unwrap(), "-", "--to", "png"], b"");
    assert_eq!(code, 0, "{err}");
    assert!(stdout.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG on stdout");
    let decoded = imageio::imdecode(&stdout).unwrap();
    assert_eq!(decoded.as_bytes(), img.as_bytes());

    // The full round trip: stdin -> stdout.
    let (code, stdout, err) = run(&["convert", "-", "-", "--to", ".npy"], &tif_bytes);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.starts_with(b"\x93NUMPY"));
    assert_eq!(
        imageio::imdecode(&stdout).unwrap().as_bytes(),
        img.as_bytes()
    );
}

#[test]
fn stream_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let tif = dir.path().join("in.tif");
    imwrite(&tif, &sample()).unwrap();
    // Standard output without a format.
    let (code, out, err) = run(&["convert", tif.to_str().unwrap(), "-"], b"");
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("--to"), "{err}");
    // --to with a file output but no --out-dir.
    let png = dir.path().join("x.png");
    let (code, _, err) = run(
        &[
            "convert",
            tif.to_str().unwrap(),
            png.to_str().unwrap(),
            "--to",
            "png",
        ],
        b"",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--out-dir"), "{err}");
    assert!(!png.exists());
    // Empty and garbage standard input.
    let (code, _, err) = run(&["convert", "-", png.to_str().unwrap()], b"");
    assert_eq!(code, 1);
    assert!(err.contains("standard input is empty"), "{err}");
    let (code, _, err) = run(
        &["convert", "-", png.to_str().unwrap()],
        b"not an image at all",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(!png.exists());
    // Standard input in batch mode.
    let out_dir = dir.path().join("o");
    let (code, _, err) = run(
        &[
            "convert",
            "-",
            "--to",
            "png",
            "--out-dir",
            out_dir.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 1);
    assert!(err.contains("single mode"), "{err}");
}

#[test]
fn url_input_from_a_loopback_server() {
    let dir = tempfile::tempdir().unwrap();
    let img = sample();
    let tif = dir.path().join("in.tif");
    imwrite(&tif, &img).unwrap();
    let body = std::fs::read(&tif).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && s.read(&mut b).unwrap_or(0) == 1 {
            head.push(b[0]);
        }
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(&body);
    });
    let out = dir.path().join("from_url.png");
    let url = format!("http://127.0.0.1:{port}/scans/in.tif?token=1");
    let (code, _, err) = run(&["convert", &url, out.to_str().unwrap()], b"");
    assert_eq!(code, 0, "{err}");
    server.join().unwrap();
    assert_eq!(imread(&out).unwrap().as_bytes(), img.as_bytes());
}
