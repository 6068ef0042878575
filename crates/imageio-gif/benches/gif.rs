//! GIF decode of a 60-frame animation through imageio (every frame
//! composited, stacked) beside the bare `gif` crate decoding every frame to
//! RGBA (no compositing: a lower bound), a tiny one-frame GIF for the
//! per-call overhead, and an encode of the animation.
//!
//! Run with `cargo bench -p imageio-gif`.

use std::borrow::Cow;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use imageio::{DType, Index, ReadOptions};

/// A 60-frame 480x270 animation: a square moving over bands, 64 colours.
fn animation(w: u16, h: u16, frames: usize) -> Vec<u8> {
    let palette: Vec<u8> = (0..64u8)
        .flat_map(|i| [i * 4, 255 - i * 4, ((i as u16 * 37) % 255) as u8])
        .collect();
    let mut out = Vec::new();
    {
        let mut e = gif::Encoder::new(&mut out, w, h, &palette).unwrap();
        e.set_repeat(gif::Repeat::Infinite).unwrap();
        for t in 0..frames {
            let mut buf = vec![0u8; w as usize * h as usize];
            for (i, p) in buf.iter_mut().enumerate() {
                let (x, y) = (i % w as usize, i / w as usize);
                let inside = x.abs_diff(20 + t * 7) < 30 && y.abs_diff(h as usize / 2) < 30;
                *p = if inside {
                    63
                } else {
                    ((x / 8 + y / 16) % 60) as u8
                };
            }
            let f = gif::Frame {
                width: w,
                height: h,
                delay: 4,
                buffer: Cow::Owned(buf),
                ..gif::Frame::default()
            };
            e.write_frame(&f).unwrap();
        }
    }
    out
}

/// The bare backend: every frame decoded to RGBA, not composited.
fn gif_decode_all(data: &[u8]) -> usize {
    let mut o = gif::DecodeOptions::new();
    o.set_color_output(gif::ColorOutput::RGBA);
    let mut d = o.read_info(data).unwrap();
    let mut n = 0;
    while let Some(f) = d.read_next_frame().unwrap() {
        black_box(&f.buffer);
        n += 1;
    }
    n
}

fn decode(c: &mut Criterion) {
    let file = animation(480, 270, 60);
    let all = ReadOptions::new().index(Index::All);
    let img = imageio::imdecode_with(&file, &all).unwrap();
    assert_eq!(img.shape()[..3], [60, 270, 480]);
    assert_eq!(img.dtype(), DType::U8);
    assert_eq!(gif_decode_all(&file), 60);
    let mut g = c.benchmark_group("gif decode 60 frames 480x270, all");
    g.sample_size(20);
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imdecode_with(black_box(&file), &all).unwrap())
    });
    g.bench_function("gif crate (RGBA, no compositing)", |b| {
        b.iter(|| gif_decode_all(black_box(&file)))
    });
    g.finish();

    let tiny = animation(16, 16, 1);
    let mut g = c.benchmark_group("gif decode 16x16 one frame");
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imdecode(black_box(&tiny)).unwrap())
    });
    g.bench_function("gif crate", |b| b.iter(|| gif_decode_all(black_box(&tiny))));
    g.finish();
}

fn encode(c: &mut Criterion) {
    let file = animation(480, 270, 60);
    let all = ReadOptions::new().index(Index::All);
    let img = imageio::imdecode_with(&file, &all).unwrap();
    let mut g = c.benchmark_group("gif encode 60 frames 480x270 (quantized)");
    g.sample_size(10);
    g.bench_function("imageio", |b| {
        b.iter(|| imageio::imencode(black_box(&img), "gif").unwrap())
    });
    g.finish();
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
