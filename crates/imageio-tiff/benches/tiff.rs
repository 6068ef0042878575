//! TIFF decode and encode through imageio beside the bare `tiff` crate doing
//! the same work: a photo-like 4K RGB page uncompressed, LZW and Deflate
//! with the horizontal predictor (libdeflate in imageio), a 64-page 16-bit
//! stack read whole, and a tiny page (the per-call overhead).
//!
//! Run with `cargo bench -p imageio-tiff`.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{criterion_group, criterion_main, Criterion};
use imageio::{ndarray::ArrayD, DType, Index, NdImage, ReadOptions, WriteOptions};
use tiff::decoder::Decoder;
use tiff::encoder::{colortype, Compression, DeflateLevel, Predictor, TiffEncoder};

/// Photo-like u8 samples: smooth shading, an edge, some noise.
fn photo(w: usize, h: usize, c: usize) -> Vec<u8> {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut out = Vec::with_capacity(w * h * c);
    for y in 0..h {
        for x in 0..w {
            for k in 0..c {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let (u, v) = (x as f32 / w as f32, y as f32 / h as f32);
                let s = if u > 0.6 && v < 0.3 {
                    0.2 + 0.1 * k as f32
                } else {
                    0.5 + 0.3 * (u * 3.0 + k as f32).sin() * (v * 2.0).cos()
                };
                out.push((s * 250.0) as u8 + (seed >> 62) as u8);
            }
        }
    }
    out
}

fn rgb_tiff(w: u32, h: u32, px: &[u8], compression: Compression) -> Vec<u8> {
    let predictor = match compression {
        Compression::Deflate(_) => Predictor::Horizontal,
        _ => Predictor::None,
    };
    let mut c = Cursor::new(Vec::new());
    TiffEncoder::new(&mut c)
        .unwrap()
        .with_compression(compression)
        .with_predictor(predictor)
        .write_image::<colortype::RGB8>(w, h, px)
        .unwrap();
    c.into_inner()
}

/// The bare backend: every page decoded into its own new buffer.
fn tiff_decode_all(data: &[u8]) -> usize {
    let mut d = Decoder::new(Cursor::new(data)).unwrap();
    let mut n = 0;
    loop {
        black_box(d.read_image().unwrap());
        n += 1;
        if !d.more_images() {
            return n;
        }
        d.next_image().unwrap();
    }
}

fn decode(c: &mut Criterion) {
    let (w, h) = (3840, 2160);
    let px = photo(w, h, 3);
    for (name, comp) in [
        ("raw", Compression::Uncompressed),
        ("LZW", Compression::Lzw),
        (
            "Deflate + predictor",
            Compression::Deflate(DeflateLevel::Balanced),
        ),
    ] {
        let file = rgb_tiff(w as u32, h as u32, &px, comp);
        let img = imageio::imdecode(&file).unwrap();
        assert_eq!(img.as_bytes().unwrap(), &px[..]);
        let mut g = c.benchmark_group(format!("tiff decode 4K RGB u8 {name}"));
        g.sample_size(10);
        // Shared bytes: the input is not copied, as the tiff crate's Cursor
        // does not copy it either (`imdecode(&[u8])` copies it once).
        let shared = imageio::SharedBytes::from(file.clone());
        g.bench_function("imageio", |b| {
            b.iter(|| imageio::imread(black_box(shared.clone())).unwrap())
        });
        g.bench_function("tiff crate", |b| {
            b.iter(|| tiff_decode_all(black_box(&file)))
        });
        g.finish();
    }

    // 64 pages of 512x512 u16, read whole.
    let (n, s) = (64usize, 512u32);
    let mut c16 = Cursor::new(Vec::new());
    {
        let mut e = TiffEncoder::new(&mut c16).unwrap();
        for p in 0..n {
            let page: Vec<u16> = (0..s * s).map(|i| (i % 4093) as u16 + p as u16).collect();
            e.write_image::<colortype::Gray16>(s, s, &page).unwrap();
        }
    }
    let stack = c16.into_inner();
    let all = ReadOptions::new().index(Index::All);
    let img = imageio::imdecode_with(&stack, &all).unwrap();
    assert_eq!((img.shape(), img.dtype()), (&[n, 512, 512][..], DType::U16));
    let mut g = c.benchmark_group("tiff decode 64-page 512x512 u16 stack, all pages");
    g.sample_size(10);
    let shared = imageio::SharedBytes::from(stack.clone());
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imread_with(black_box(shared.clone()), &all).unwrap())
    });
    g.bench_function("tiff crate", |b| {
        b.iter(|| tiff_decode_all(black_box(&stack)))
    });
    g.finish();

    let tiny = rgb_tiff(16, 16, &photo(16, 16, 3), Compression::Uncompressed);
    let mut g = c.benchmark_group("tiff decode 16x16 RGB u8");
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imdecode(black_box(&tiny)).unwrap())
    });
    g.bench_function("tiff crate", |b| {
        b.iter(|| tiff_decode_all(black_box(&tiny)))
    });
    g.finish();
}

fn encode(c: &mut Criterion) {
    let (w, h) = (3840, 2160);
    let px = photo(w, h, 3);
    let img = NdImage::from(ArrayD::from_shape_vec(vec![h, w, 3], px.clone()).unwrap());
    let lzw = WriteOptions::new().option("compression", "lzw");
    let mut g = c.benchmark_group("tiff encode 4K RGB u8 LZW");
    g.sample_size(10);
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imencode_with(black_box(&img), "tif", &lzw).unwrap())
    });
    g.bench_function("tiff crate", |b| {
        b.iter(|| rgb_tiff(w as u32, h as u32, black_box(&px), Compression::Lzw))
    });
    g.finish();
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
