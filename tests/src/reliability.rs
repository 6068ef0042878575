//! Helpers of the reliability tests (`tests/tests/{writes,bombs,mutation,
//! concurrency}.rs`): a fixed-seed PRNG, test images, CRC-32 for crafted
//! PNG chunks, peak memory, and running the child program
//! (`src/bin/reliability-child.rs`).

use std::path::Path;
use std::process::{Command, Output};

use imageio::NdImage;

/// SplitMix64: a tiny deterministic PRNG (no `rand` dependency).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a fixed seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// A `u8` image of `shape` with a smooth pattern plus some noise from `seed`
/// (compresses somewhat, differs between seeds).
pub fn pattern(shape: &[usize], seed: u64) -> NdImage {
    let n: usize = shape.iter().product();
    let mut rng = Rng::new(seed);
    let w = shape.get(1).copied().unwrap_or(1).max(1);
    let data: Vec<u8> = (0..n)
        .map(|i| ((i % w) as u8).wrapping_mul(3) ^ ((i / w) as u8) ^ (rng.next_u64() as u8 & 0x0f))
        .collect();
    NdImage::from_shape_vec(shape, data).expect("shape matches data")
}

/// CRC-32 (IEEE), as PNG chunks and zip members use.
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// This process's peak resident memory in KiB (`VmHWM`), on Linux.
pub fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the child program of the reliability tests
/// (`src/bin/reliability-child.rs`) with `args` and waits for it. `exe` is
/// `env!("CARGO_BIN_EXE_reliability-child")`, which Cargo sets for
/// integration tests only.
pub fn run_child(exe: &str, args: &[&str]) -> Output {
    child_command(exe, args)
        .output()
        .expect("run the reliability child")
}

/// The command [`run_child`] runs (for callers that kill the child).
pub fn child_command(exe: &str, args: &[&str]) -> Command {
    let mut c = Command::new(exe);
    c.args(args);
    c
}

/// The names in `dir`, sorted.
pub fn dir_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read the directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
