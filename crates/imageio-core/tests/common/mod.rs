//! Shared by the source tests: a tiny test-only format (`.r8t`: the magic
//! `R8T\0`, height and width as u32 LE, then u8 pixels) registered as a
//! plugin so that the verbs can be driven without any codec crate, and a
//! loopback HTTP server (127.0.0.1 only).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;

use imageio_core::{
    Error, IoMode, NdImage, Options, Plugin, PluginInfo, Request, Result, Signature, Writer,
};

const MAGIC: &[u8; 4] = b"R8T\0";

/// Encodes a 2-d u8 image in the test format.
pub fn encode(h: u32, w: u32, pixels: &[u8]) -> Vec<u8> {
    let mut v = MAGIC.to_vec();
    v.extend_from_slice(&h.to_le_bytes());
    v.extend_from_slice(&w.to_le_bytes());
    v.extend_from_slice(pixels);
    v
}

/// A deterministic test image and its encoding.
pub fn sample(h: u32, w: u32, seed: u8) -> (NdImage, Vec<u8>) {
    let px: Vec<u8> = (0..h * w)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();
    let img = NdImage::from_shape_vec(&[h as usize, w as usize], px.clone()).unwrap();
    (img, encode(h, w, &px))
}

enum R8 {
    Read(imageio_core::SharedBytes),
    Write(Writer),
}

impl Plugin for R8 {
    fn read(&mut self, index: usize, _: &Options) -> Result<NdImage> {
        let R8::Read(b) = self else {
            return Err(Error::invalid_input("open for writing"));
        };
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        let h = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
        let w = u32::from_le_bytes(b[8..12].try_into().unwrap()) as usize;
        let px = b
            .get(12..12 + h * w)
            .ok_or_else(|| Error::decode("truncated"))?;
        NdImage::from_shape_vec(&[h, w], px.to_vec())
    }
    fn write(&mut self, image: &NdImage, _: &Options) -> Result<()> {
        let R8::Write(w) = self else {
            return Err(Error::invalid_input("open for reading"));
        };
        let s = image.shape();
        let img = image.clone().into_standard_layout();
        w.write_all(&encode(s[0] as u32, s[1] as u32, img.as_bytes().unwrap()))?;
        Ok(())
    }
}

fn open(req: &mut Request) -> Result<Box<dyn Plugin>> {
    match req.mode() {
        IoMode::Read => {
            if !req.first_bytes().starts_with(MAGIC) || req.len() < 12 {
                return Err(Error::declined("not r8t"));
            }
            Ok(Box::new(R8::Read(req.bytes()?)))
        }
        IoMode::Write => Ok(Box::new(R8::Write(req.writer()?))),
    }
}

imageio_core::inventory::submit! {
    PluginInfo {
        name: "r8t-test",
        crate_name: "imageio-core-tests",
        summary: "test-only raw u8 format",
        read_extensions: &[".r8t"],
        write_extensions: &[".r8t"],
        signatures: &[Signature::new(MAGIC)],
        read_options: &[],
        write_options: &[],
        open,
    }
}

/// A loopback server answering `n` connections with `handler` (given the
/// stream and the request's first line), one thread; its URL base is
/// `http://127.0.0.1:PORT`.
pub fn serve<F>(n: usize, handler: F) -> (String, JoinHandle<()>)
where
    F: Fn(TcpStream, String) + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let t = std::thread::spawn(move || {
        for _ in 0..n {
            let (mut s, _) = listener.accept().unwrap();
            let line = read_head(&mut s);
            handler(s, line);
        }
    });
    (base, t)
}

/// Reads a request head; returns its first line (`GET /path HTTP/1.1`).
pub fn read_head(s: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
        match s.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

/// Writes a complete response with a body.
pub fn respond(mut s: TcpStream, status: &str, headers: &str, body: &[u8]) {
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
        body.len()
    );
    let _ = s.write_all(body);
    let _ = s.flush();
}
