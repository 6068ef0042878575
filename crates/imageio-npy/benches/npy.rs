//! NPY read and write through imageio beside the bare work: a 4K RGB u8
//! array (25 MB) read from a file (imageio memory-maps it and copies once)
//! beside `std::fs::read` + a copy into a new buffer, and a memcpy of the same
//! bytes; a tiny array for the per-call overhead.
//!
//! Run with `cargo bench -p imageio-npy`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use imageio::{ndarray::ArrayD, NdImage};

fn write_array(
    dir: &std::path::Path,
    name: &str,
    shape: &[usize],
) -> (std::path::PathBuf, NdImage) {
    let n: usize = shape.iter().product();
    let data: Vec<u8> = (0..n).map(|i| (i * 31 % 251) as u8).collect();
    let img = NdImage::from(ArrayD::from_shape_vec(shape.to_vec(), data).unwrap());
    let path = dir.join(name);
    imageio::imwrite(path.as_path(), &img).unwrap();
    (path, img)
}

fn read(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (big, img) = write_array(dir.path(), "big.npy", &[2160, 3840, 3]);
    assert_eq!(imageio::imread(big.as_path()).unwrap(), img);
    let bytes = img.as_bytes().unwrap().to_vec();
    let mut g = c.benchmark_group("npy read 4K RGB u8 file");
    g.sample_size(20);
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imread(black_box(big.as_path())).unwrap())
    });
    g.bench_function("fs::read", |b| {
        b.iter(|| std::fs::read(black_box(&big)).unwrap())
    });
    g.bench_function("memcpy into a new buffer", |b| {
        b.iter(|| black_box(&bytes).to_vec())
    });
    g.finish();

    let (tiny, _) = write_array(dir.path(), "tiny.npy", &[16, 16, 3]);
    let mut g = c.benchmark_group("npy read 16x16x3 u8 file");
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imread(black_box(tiny.as_path())).unwrap())
    });
    g.bench_function("fs::read", |b| {
        b.iter(|| std::fs::read(black_box(&tiny)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("npy write 4K RGB u8 to memory");
    g.sample_size(20);
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imencode(black_box(&img), "npy").unwrap())
    });
    g.bench_function("memcpy into a new buffer", |b| {
        b.iter(|| black_box(&bytes).to_vec())
    });
    g.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
