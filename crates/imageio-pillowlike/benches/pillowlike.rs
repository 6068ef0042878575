//! Decodes through imageio's pillowlike plugin beside the bare `image` crate
//! call doing the same work: a photo-like 4K RGB BMP (a raw format) and
//! lossless WebP, and a tiny BMP for the per-call overhead.
//!
//! Run with `cargo bench -p imageio-pillowlike`.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{criterion_group, criterion_main, Criterion};
use image::{ImageFormat, RgbImage};
use imageio_core::{imdecode_with, DType, ReadOptions};

/// Photo-like u8 RGB: smooth shading, an edge, some noise.
fn photo(w: u32, h: u32) -> RgbImage {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    RgbImage::from_fn(w, h, |x, y| {
        let (u, v) = (x as f32 / w as f32, y as f32 / h as f32);
        let mut p = [0u8; 3];
        for (k, s) in p.iter_mut().enumerate() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let base = if u > 0.6 && v < 0.3 {
                0.2 + 0.1 * k as f32
            } else {
                0.5 + 0.3 * (u * 3.0 + k as f32).sin() * (v * 2.0).cos()
            };
            *s = (base * 250.0) as u8 + (seed >> 62) as u8;
        }
        image::Rgb(p)
    })
}

fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut c = Cursor::new(Vec::new());
    img.write_to(&mut c, format).unwrap();
    c.into_inner()
}

fn decode(c: &mut Criterion) {
    // Links the plugin into this binary (its inventory registration).
    assert_eq!(imageio_pillowlike::NAME, "pillowlike");
    let opts = |ext: &str| ReadOptions::new().plugin("pillowlike").extension(ext);
    let big = photo(3840, 2160);
    for (name, format, ext) in [
        ("BMP", ImageFormat::Bmp, "bmp"),
        ("lossless WebP", ImageFormat::WebP, "webp"),
    ] {
        let file = encode(&big, format);
        let o = opts(ext);
        let img = imdecode_with(&file, &o).unwrap();
        assert_eq!(
            (img.shape(), img.dtype()),
            (&[2160, 3840, 3][..], DType::U8)
        );
        assert_eq!(img.as_bytes().unwrap(), big.as_raw().as_slice());
        let mut g = c.benchmark_group(format!("pillowlike decode 4K RGB u8 {name}"));
        g.sample_size(10);
        // Shared bytes: not copied, as `image` reads the borrowed slice
        // (`imdecode(&[u8])` would copy the 24 MB input once per call).
        let shared = imageio_core::SharedBytes::from(file.clone());
        g.bench_function("imageio", |b| {
            b.iter(|| imageio_core::imread_with(black_box(shared.clone()), &o).unwrap())
        });
        g.bench_function("image crate", |b| {
            b.iter(|| image::load_from_memory_with_format(black_box(&file), format).unwrap())
        });
        g.finish();
    }
    let tiny = encode(&photo(16, 16), ImageFormat::Bmp);
    let o = opts("bmp");
    let mut g = c.benchmark_group("pillowlike decode 16x16 BMP");
    g.bench_function("imageio", |b| {
        b.iter(|| imdecode_with(black_box(&tiny), &o).unwrap())
    });
    g.bench_function("image crate", |b| {
        b.iter(|| image::load_from_memory_with_format(black_box(&tiny), ImageFormat::Bmp).unwrap())
    });
    g.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
