//! PNG decode and encode through imageio beside the bare `png` crate doing
//! the same work, so the core's overhead reads as a ratio: a photo-like 4K
//! RGB image, a 16-bit one, and a tiny one (the per-call overhead).
//!
//! Run with `cargo bench -p imageio-png`.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{criterion_group, criterion_main, Criterion};
use imageio::{ndarray::ArrayD, DType, NdImage, WriteOptions};

/// Photo-like samples: smooth shading, an edge, some noise.
fn photo(w: usize, h: usize, c: usize, max: f32) -> Vec<f32> {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut out = Vec::with_capacity(w * h * c);
    for y in 0..h {
        for x in 0..w {
            for k in 0..c {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let noise = (seed >> 59) as f32 / 32.0 - 0.25;
                let (u, v) = (x as f32 / w as f32, y as f32 / h as f32);
                let mut s = 0.5 + 0.3 * (u * 3.0 + k as f32).sin() * (v * 2.0).cos();
                if u > 0.6 && v < 0.3 {
                    s = 0.2 + 0.1 * k as f32;
                }
                out.push(((s + noise * 0.04).clamp(0.0, 1.0)) * max);
            }
        }
    }
    out
}

fn rgb8(w: usize, h: usize) -> Vec<u8> {
    photo(w, h, 3, 255.0).into_iter().map(|v| v as u8).collect()
}

fn rgb16(w: usize, h: usize) -> Vec<u16> {
    photo(w, h, 3, 65535.0)
        .into_iter()
        .map(|v| v as u16)
        .collect()
}

/// Encodes with the `png` crate: fast deflate, adaptive filter (our default).
fn png_encode(w: u32, h: u32, depth: png::BitDepth, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(depth);
    enc.set_compression(png::Compression::Fast);
    let mut wr = enc.write_header().unwrap();
    wr.write_image_data(bytes).unwrap();
    wr.finish().unwrap();
    out
}

/// Decodes with the `png` crate into a new buffer, as imageio does.
fn png_decode(data: &[u8]) -> Vec<u8> {
    let mut r = png::Decoder::new(Cursor::new(data)).read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    r.next_frame(&mut buf).unwrap();
    buf
}

fn decode(c: &mut Criterion) {
    let (w, h) = (3840, 2160);
    let px = rgb8(w, h);
    let file = png_encode(w as u32, h as u32, png::BitDepth::Eight, &px);
    let mut g = c.benchmark_group("png decode 4K RGB u8");
    g.sample_size(10);
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imdecode(black_box(&file)).unwrap())
    });
    g.bench_function("png crate", |b| b.iter(|| png_decode(black_box(&file))));
    g.finish();

    let (w, h) = (1920, 1080);
    let px16 = rgb16(w, h);
    let be: Vec<u8> = px16.iter().flat_map(|v| v.to_be_bytes()).collect();
    let file16 = png_encode(w as u32, h as u32, png::BitDepth::Sixteen, &be);
    let img = imageio::imdecode(&file16).unwrap();
    assert_eq!((img.shape(), img.dtype()), (&[h, w, 3][..], DType::U16));
    let mut g = c.benchmark_group("png decode 1080p RGB u16");
    g.sample_size(10);
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imdecode(black_box(&file16)).unwrap())
    });
    g.bench_function("png crate (big-endian, no swap)", |b| {
        b.iter(|| png_decode(black_box(&file16)))
    });
    g.finish();

    let tiny = png_encode(16, 16, png::BitDepth::Eight, &rgb8(16, 16));
    let mut g = c.benchmark_group("png decode 16x16 RGB u8");
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imdecode(black_box(&tiny)).unwrap())
    });
    g.bench_function("png crate", |b| b.iter(|| png_decode(black_box(&tiny))));
    g.finish();
}

fn encode(c: &mut Criterion) {
    let (w, h) = (3840, 2160);
    let px = rgb8(w, h);
    let img = NdImage::from(ArrayD::from_shape_vec(vec![h, w, 3], px.clone()).unwrap());
    let mut g = c.benchmark_group("png encode 4K RGB u8 (compression=fast)");
    g.sample_size(10);
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imencode_with(black_box(&img), "png", &WriteOptions::new()).unwrap())
    });
    g.bench_function("png crate", |b| {
        b.iter(|| png_encode(w as u32, h as u32, png::BitDepth::Eight, black_box(&px)))
    });
    g.finish();
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
