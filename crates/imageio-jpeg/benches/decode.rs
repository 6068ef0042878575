//! Full-size JPEG decode through this plugin against the `image` crate's
//! default JPEG path (`image::load_from_memory`), on the same photo-like 4K
//! files, and the DCT-scaled 1/2, 1/4, 1/8 decodes against full size.
//!
//! `cargo bench -p imageio-jpeg` (add `-- --quick` for a short run).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use imageio::{imdecode_with, ReadOptions};

/// A photo-like 3840x2160 RGB image: smooth gradients and waves at a few
/// scales, plus mild sensor-like noise.
fn photo(w: usize, h: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(w * h * 3);
    let mut s: u32 = 12345;
    for y in 0..h {
        for x in 0..w {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let n = ((s >> 24) as f32 - 128.0) / 64.0;
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            let r = 128.0
                + 90.0 * (fx * 7.0 + fy * 3.0).sin()
                + 30.0 * (fx * 40.0).sin() * (fy * 25.0).cos();
            let g =
                120.0 + 80.0 * (fy * 5.0 - fx * 2.0).cos() + 25.0 * (fy * 60.0 + fx * 10.0).sin();
            let b = 110.0
                + 70.0 * (fx * fy * 12.0).sin()
                + 40.0 * ((fx - 0.5) * (fy - 0.3) * 80.0).cos();
            v.extend([r + n, g + n, b + n].map(|c| c.clamp(0.0, 255.0) as u8));
        }
    }
    v
}

/// The image encoded at quality 90, 4:2:0, baseline or progressive.
fn encode(px: &[u8], w: usize, h: usize, progressive: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = jpeg_encoder::Encoder::new(&mut out, 90);
    e.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    e.set_progressive(progressive);
    e.encode(px, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .expect("encodes");
    out
}

fn bench(c: &mut Criterion) {
    let (w, h) = (3840, 2160);
    let px = photo(w, h);
    for (name, data) in [
        ("baseline", encode(&px, w, h, false)),
        ("progressive", encode(&px, w, h, true)),
    ] {
        let mut g = c.benchmark_group(format!("decode_4k_{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Elements((w * h) as u64));
        let ours = ReadOptions::new().plugin("jpeg");
        g.bench_function("imageio-jpeg", |b| {
            b.iter(|| imdecode_with(&data, &ours).expect("decodes"))
        });
        g.bench_function("image::load_from_memory", |b| {
            b.iter(|| image::load_from_memory(&data).expect("decodes"))
        });
        for k in ["1/2", "1/4", "1/8"] {
            let o = ReadOptions::new().plugin("jpeg").option("scale", k);
            g.bench_with_input(BenchmarkId::new("imageio-jpeg scale", k), &o, |b, o| {
                b.iter(|| imdecode_with(&data, o).expect("decodes"))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
