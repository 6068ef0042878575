//! Decoding every frame of a 1080p H.264 clip into RGB arrays, against the
//! `ffmpeg` command-line tool on the same file when it is installed.
//!
//! The clip (60 frames, 1920x1080, yuv420p, libx264) is written by this
//! plugin in the setup. `ffmpeg -i clip -f rawvideo -pix_fmt rgb24 -y
//! /dev/null` is timed on the same file (best of 5 runs) and printed next to
//! criterion's figure, with the ratio.

use criterion::{criterion_group, criterion_main, Criterion};
use imageio_core::{imiter_with, imwrite_with, NdImage, ReadOptions, WriteOptions};
use std::time::{Duration, Instant};

const N: usize = 60;

fn clip(dir: &std::path::Path) -> std::path::PathBuf {
    let _ = imageio_ffmpeg::open_read;
    let (h, w) = (1080usize, 1920usize);
    let mut all = Vec::with_capacity(N * h * w * 3);
    for k in 0..N {
        for y in 0..h {
            for x in 0..w {
                let m = ((x + 4 * k) / 64 + y / 64) % 2 == 0;
                all.push(if m { 200 } else { (x / 8) as u8 });
                all.push((y / 5) as u8);
                all.push(((x + y + 7 * k) % 256) as u8);
            }
        }
    }
    let stack = NdImage::from_shape_vec(&[N, h, w, 3], all).unwrap();
    let p = dir.join("clip1080.mp4");
    let opts = WriteOptions::new()
        .option("fps", 30.0)
        .option("preset", "veryfast")
        .option("macro_block_size", 8)
        .is_batch(true);
    imwrite_with(&p, &stack, &opts).unwrap();
    p
}

fn decode_all(p: &std::path::Path) -> usize {
    imiter_with(p, &ReadOptions::new())
        .unwrap()
        .map(|f| f.unwrap().len())
        .sum()
}

fn ffmpeg_cli(p: &std::path::Path) -> Option<Duration> {
    let mut best: Option<Duration> = None;
    for _ in 0..5 {
        let t = Instant::now();
        let ok = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-nostdin", "-i"])
            .arg(p)
            .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-y", "/dev/null"])
            .status()
            .ok()?
            .success();
        if !ok {
            return None;
        }
        let d = t.elapsed();
        best = Some(best.map_or(d, |b| b.min(d)));
    }
    best
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let p = clip(dir.path());
    assert_eq!(decode_all(&p), N * 1080 * 1920 * 3);
    let mut ours = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        decode_all(&p);
        ours = ours.min(t.elapsed());
    }
    match ffmpeg_cli(&p) {
        Some(cli) => println!(
            "1080p x{N}: imageio-ffmpeg {:.3} s, ffmpeg CLI (rawvideo rgb24 to /dev/null) {:.3} s, \
             ratio {:.2}",
            ours.as_secs_f64(),
            cli.as_secs_f64(),
            ours.as_secs_f64() / cli.as_secs_f64()
        ),
        None => println!(
            "1080p x{N}: imageio-ffmpeg {:.3} s; the ffmpeg CLI is not installed, no ratio",
            ours.as_secs_f64()
        ),
    }
    let mut g = c.benchmark_group("ffmpeg");
    g.sample_size(10);
    g.bench_function("decode_1080p_h264_60_frames_rgb24", |b| {
        b.iter(|| decode_all(&p))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
