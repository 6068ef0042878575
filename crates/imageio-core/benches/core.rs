//! The core's own work, without a codec: the full `imread` path on a built-in
//! image (the per-call overhead every plugin pays), and the array operations
//! reads may add — mode conversion, dtype cast, stacking pages — each beside
//! the plain copy of the same bytes.
//!
//! Run with `cargo bench -p imageio-core`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use imageio_core::ndarray::ArrayD;
use imageio_core::plugin::convert_mode;
use imageio_core::{imread, DType, Mode, NdImage};

fn rgb(h: usize, w: usize) -> NdImage {
    let data: Vec<u8> = (0..h * w * 3).map(|i| (i * 7 % 253) as u8).collect();
    NdImage::from(ArrayD::from_shape_vec(vec![h, w, 3], data).unwrap())
}

fn overhead(c: &mut Criterion) {
    let img = imread("imageio:gradient16").unwrap();
    assert_eq!((img.shape(), img.dtype()), (&[256, 256][..], DType::U16));
    let bytes = img.as_bytes().unwrap().to_vec();
    let mut g = c.benchmark_group("core imread of a built-in 256x256 u16 image");
    g.bench_function("imread", |b| {
        b.iter(|| imread(black_box("imageio:gradient16")).unwrap())
    });
    g.bench_function("memcpy of its bytes", |b| {
        b.iter(|| black_box(&bytes).to_vec())
    });
    g.finish();
}

fn arrays(c: &mut Criterion) {
    let img = rgb(2160, 3840);
    let bytes = img.as_bytes().unwrap().to_vec();
    let mut g = c.benchmark_group("core 4K RGB u8 array operations");
    g.sample_size(20);
    g.bench_function("memcpy into a new buffer", |b| {
        b.iter(|| black_box(&bytes).to_vec())
    });
    g.bench_function("convert_mode RGB -> RGBA", |b| {
        b.iter(|| convert_mode(black_box(img.clone()), Mode::Rgba, false).unwrap())
    });
    g.bench_function("convert_mode RGB -> Gray", |b| {
        b.iter(|| convert_mode(black_box(img.clone()), Mode::Gray, false).unwrap())
    });
    g.bench_function("cast u8 -> f32", |b| {
        b.iter(|| black_box(&img).cast(DType::F32))
    });
    g.finish();

    let pages: Vec<NdImage> = (0..64).map(|_| rgb(256, 256)).collect();
    let mut g = c.benchmark_group("core stack 64 pages 256x256 RGB u8");
    g.sample_size(20);
    g.bench_function("NdImage::stack", |b| {
        b.iter(|| NdImage::stack(black_box(&pages)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, overhead, arrays);
criterion_main!(benches);
