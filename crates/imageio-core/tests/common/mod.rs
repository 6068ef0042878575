//! Shared by the source tests: a tiny test-only format (`.r8t`: the magic
//! `R8T\0`, height and width as u32 LE, then u8 pixels) registered as a
//! plugin so that the verbs can be driven without any codec crate, and a
//! loopback HTTP server (127.0.0.1 only).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;

use imageio_core::plugin::{
    Claim, Format, Output, PluginInfo, Rank, ReadEntry, ReadRequest, Reader, Signature, WriteEntry,
    WriteRequest, Writer,
};
use imageio_core::{Error, NdImage, Options, Result};

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

struct R8Reader(imageio_core::SharedBytes);

impl Reader for R8Reader {
    fn read(&mut self, index: usize, _: &Options) -> Result<NdImage> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        let b = &self.0;
        let h = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
        let w = u32::from_le_bytes(b[8..12].try_into().unwrap()) as usize;
        let px = b
            .get(12..12 + h * w)
            .ok_or_else(|| Error::decode("truncated"))?;
        NdImage::from_shape_vec(&[h, w], px.to_vec())
    }
}

/// Writes each image as it comes; an image whose first pixel is 255 fails
/// after its header went out (a write that breaks half-way).
struct R8Writer(Output);

impl Writer for R8Writer {
    fn write(&mut self, image: &NdImage, _: &Options) -> Result<()> {
        let s = image.shape();
        let img = image.clone().into_standard_layout();
        let px = img.as_bytes().unwrap();
        let bytes = encode(s[0] as u32, s[1] as u32, px);
        if px.first() == Some(&255) {
            self.0.write_all(&bytes[..12])?;
            return Err(Error::encode(
                "a first pixel of 255 is refused (test writer)",
            ));
        }
        self.0.write_all(&bytes)?;
        Ok(())
    }
}

fn open_read(req: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    if req.len() < 12 {
        return Err(Error::declined("shorter than an r8t header"));
    }
    Ok(Box::new(R8Reader(req.bytes()?)))
}

fn open_write(req: &mut WriteRequest) -> Result<Box<dyn Writer>> {
    Ok(Box::new(R8Writer(req.output()?)))
}

const R8T: Format = Format::new("R8T", &[".r8t"]).signatures(&[Signature::new(MAGIC)]);

imageio_core::inventory::submit! {
    PluginInfo {
        name: "r8t-test",
        crate_name: "imageio-core-tests",
        summary: "test-only raw u8 format",
        read: Some(ReadEntry { formats: &[Claim::new(R8T, Rank::DEDICATED)], options: &[], open: open_read }),
        write: Some(WriteEntry { formats: &[Claim::new(R8T, Rank::DEDICATED)], options: &[], open: open_write }),
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
