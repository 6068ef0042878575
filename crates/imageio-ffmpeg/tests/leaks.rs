//! Memory is released: repeated reads do not grow the resident set.
//!
//! Regression for a leak LeakSanitizer found while fuzzing `imdecode`: every
//! demuxed packet but the last of a reused `Packet` leaked its buffer and
//! side data (`av_read_frame` overwrites a packet without unreferencing it).
//! These checks need no sanitizer: they compare `VmRSS` before and after many
//! reads. They live in their own test binary (one test) so that no other
//! test allocates concurrently.

#![cfg(target_os = "linux")]

use imageio_core::{imdecode_with, improps_with, Index, ReadOptions};
use std::path::{Path, PathBuf};

/// Makes sure the plugin is linked (its `inventory` registration).
fn link() {
    let _ = imageio_ffmpeg::open_read;
}

/// The resident set size of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("a VmRSS line");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("VmRSS in kB");
    kb * 1024
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A file of the shared corpus (`IMAGEIO_CORPUS`, default `../shared/corpus`).
fn corpus(name: &str) -> PathBuf {
    imageio_core::test_corpus::root().join("video").join(name)
}

/// Runs `f` `warmup` times (allocator and FFmpeg caches settle), then
/// `n` times, and returns the growth of the resident set over the `n` runs.
fn growth(warmup: usize, n: usize, mut f: impl FnMut()) -> u64 {
    for _ in 0..warmup {
        f();
    }
    let before = rss();
    for _ in 0..n {
        f();
    }
    rss().saturating_sub(before)
}

#[test]
fn repeated_reads_do_not_grow_memory() {
    link();
    const MIB: u64 = 1 << 20;

    // The fuzzer's reproducer (a 2 KB MP4 with packet side data), read
    // through `imdecode` as the fuzz target does: it leaked 1690 bytes in
    // 12 allocations per read (LeakSanitizer): RSS +5.7 to 6.8 MiB over 3000
    // reads before the fix, +0 after.
    let bytes = std::fs::read(data("leak_side_data.mp4")).unwrap();
    let opts = ReadOptions::new().index(Index::All);
    let mut ok = 0usize;
    let g = growth(200, 3000, || {
        ok += usize::from(imdecode_with(&bytes, &opts).is_ok());
    });
    eprintln!(
        "imdecode x3000 of the reproducer: RSS +{} KiB ({ok} ok)",
        g / 1024
    );
    let g_decode = g;

    assert!(
        g_decode < 2 * MIB,
        "RSS grew by {} KiB over 3000 reads of a 2 KB file",
        g_decode / 1024
    );

    // Counting frames by demuxing (mkv: no container count) reads every
    // packet into one reused `Packet`: it leaked about the file size
    // (275 KB) per call: RSS +14 MiB over 40 calls before the fix, +0 after.
    let Ok(mkv) = std::fs::read(corpus("mediainfo_sample.mkv")) else {
        eprintln!("frame counting by demuxing: skipped: corpus not found (set IMAGEIO_CORPUS)");
        return;
    };
    let opts = ReadOptions::new().index(Index::All).plugin("ffmpeg");
    let g = growth(5, 40, || {
        let p = improps_with(&mkv, &opts).expect("improps of mediainfo_sample.mkv");
        assert_eq!(p.shape[0], 119, "frame count");
    });
    eprintln!("improps x40 of mediainfo_sample.mkv: RSS +{} KiB", g / 1024);
    assert!(
        g < 4 * MIB,
        "RSS grew by {} KiB over 40 frame counts of a 275 KB file",
        g / 1024
    );
}
