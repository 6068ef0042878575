//! `cargo xtask fuzz [--minutes N | --seconds N] [--target NAME]
//! [--seeds-only]`: runs the
//! cargo-fuzz targets of `fuzz/` for N minutes each (default 10), seeded
//! from the hostile files of `fuzz/seeds.rs` and, when present, the shared
//! corpus.
//!
//! Targets: `imdecode` (every reading plugin, no hint), `imdecode_hint`
//! (`EXT NUL FILE`), and the containers `pdf`, `tiff` and `video` (FFmpeg
//! through custom I/O; the first byte picks the extension). The seeds are
//! written at run time into `fuzz/corpus/<target>/` (ignored by git): the
//! generated ones (`seed-NAME`: PDF forms that draw themselves, TIFF IFD
//! chains and loops, HLS/ffconcat playlists...) and the corpus files
//! (`IMAGEIO_CORPUS`, else `../shared/corpus`; skipped with a message when
//! absent) each target reads. Needs `cargo install cargo-fuzz`; the stable
//! toolchain runs it with `RUSTC_BOOTSTRAP=1`, set here. The workspace's
//! `Cargo.lock` is copied into `fuzz/` first, so the fuzzed versions are the
//! tested ones. A crash or timeout leaves its input in
//! `fuzz/artifacts/<target>/`: turn it into a file of `tests/regression/`.
//! Each run ends with libFuzzer's final statistics
//! (`stat::number_of_executed_units`). `--seeds-only` writes the seed
//! directories and stops (to run a built target binary by hand).

use std::path::{Path, PathBuf};
use std::process::Command;

#[allow(dead_code)] // The fuzz targets use the rest of it.
#[path = "../../fuzz/seeds.rs"]
mod seeds;

/// The fuzz targets of `fuzz/Cargo.toml`.
pub const TARGETS: &[&str] = &[
    "imdecode",
    "imdecode_hint",
    "pdf",
    "tiff",
    "video",
    "jpeg2000",
];

/// Seconds one input may take before libFuzzer reports it as a timeout.
const TIMEOUT_S: u64 = 20;

/// Runs the task with its command-line arguments.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut seconds: u64 = 10 * 60;
    let mut only: Option<String> = None;
    let mut seeds_only = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--minutes" | "--seconds" => {
                let n: u64 = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("{a} needs a whole number"))?;
                seconds = if a == "--minutes" { n * 60 } else { n };
            }
            "--target" => only = Some(it.next().ok_or("--target needs a name")?.clone()),
            "--seeds-only" => seeds_only = true,
            other => return Err(format!("unknown argument {other:?} for fuzz")),
        }
    }
    let targets: Vec<&str> = match &only {
        Some(t) if TARGETS.contains(&t.as_str()) => vec![t.as_str()],
        Some(t) => return Err(format!("unknown fuzz target {t:?}; one of {TARGETS:?}")),
        None => TARGETS.to_vec(),
    };
    let fuzz = root.join("fuzz");
    let files = match corpus_dir(root) {
        Some(corpus) => {
            let files = corpus_files(&corpus)?;
            eprintln!(
                "xtask fuzz: {} corpus files from {}",
                files.len(),
                corpus.display()
            );
            files
        }
        None => {
            eprintln!(
                "xtask fuzz: no shared corpus (set IMAGEIO_CORPUS): seeding from fuzz/seeds.rs only"
            );
            Vec::new()
        }
    };
    if seeds_only {
        for target in targets {
            let dir = fuzz.join("corpus").join(target);
            let n = write_seeds(target, &dir, &files)?;
            eprintln!("xtask fuzz: {n} seeds in {}", dir.display());
        }
        return Ok(());
    }
    if Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        return Err("cargo-fuzz is missing: run `cargo install cargo-fuzz`".into());
    }
    // The workspace's versions of every dependency (fuzz/ is its own
    // workspace; its lock file is not committed).
    std::fs::copy(root.join("Cargo.lock"), fuzz.join("Cargo.lock"))
        .map_err(|e| format!("copy Cargo.lock into fuzz/: {e}"))?;
    for target in targets {
        let dir = fuzz.join("corpus").join(target);
        let n = write_seeds(target, &dir, &files)?;
        eprintln!(
            "xtask fuzz: {target} for {seconds} s, {n} seeds in {}",
            dir.display()
        );
        let status = Command::new("cargo")
            .current_dir(root)
            .env("RUSTC_BOOTSTRAP", "1")
            // No leak check at exit either (see -detect_leaks below).
            .env("ASAN_OPTIONS", "detect_leaks=0")
            .args(["fuzz", "run", target])
            .arg(&dir)
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-rss_limit_mb=2048",
                &format!("-timeout={TIMEOUT_S}"),
                "-max_len=1048576",
                "-print_final_stats=1",
                // Leaks are not what this run hunts, and the system FFmpeg
                // libraries report some (see the notes of issue #11).
                "-detect_leaks=0",
            ])
            .status()
            .map_err(|e| format!("cargo fuzz: {e}"))?;
        if !status.success() {
            return Err(format!(
                "fuzz target {target} failed ({status}); the input is in fuzz/artifacts/{target}/"
            ));
        }
    }
    Ok(())
}

/// Writes the seeds of `target` into `dir`: the generated ones of
/// `fuzz/seeds.rs` (also given to the hint-less and hinted targets), then
/// the corpus files the target reads. Returns how many.
fn write_seeds(target: &str, dir: &Path, files: &[PathBuf]) -> Result<usize, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut n = 0usize;
    let mut put = |name: String, data: Vec<u8>| -> Result<(), String> {
        let dst = dir.join(name);
        n += 1;
        std::fs::write(&dst, data).map_err(|e| format!("{}: {e}", dst.display()))
    };
    for (c, _) in seeds::CONTAINER_TARGETS {
        for (name, input) in seeds::seeds(c) {
            if *c == target {
                put(format!("seed-{name}"), input)?;
                continue;
            }
            let Some((file, ext)) = seeds::file_of(c, &input) else {
                continue;
            };
            match target {
                "imdecode" => put(format!("seed-{name}"), file.to_vec())?,
                "imdecode_hint" => put(format!("seed-{name}"), hinted(ext, file))?,
                _ => {}
            }
        }
    }
    for (i, f) in files.iter().enumerate() {
        let ext = f
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        let input = match target {
            "imdecode" => Some(read(f)?),
            "imdecode_hint" => Some(hinted(&ext, &read(f)?)),
            _ if seeds::input_for(target, &ext, b"").is_some() => {
                seeds::input_for(target, &ext, &read(f)?)
            }
            _ => None,
        };
        if let Some(input) = input {
            put(format!("corpus-{i:05}"), input)?;
        }
    }
    Ok(n)
}

/// The input of `imdecode_hint`: the extension, a NUL, the file.
fn hinted(ext: &str, file: &[u8]) -> Vec<u8> {
    let mut v = ext.as_bytes().to_vec();
    v.push(0);
    v.extend_from_slice(file);
    v
}

fn read(f: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))
}

/// The shared corpus: `IMAGEIO_CORPUS`, else `../shared/corpus`, when it
/// exists.
fn corpus_dir(root: &Path) -> Option<PathBuf> {
    let p = std::env::var_os("IMAGEIO_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus"));
    p.is_dir().then_some(p)
}

/// The image files of the corpus (not its references, tools and notes), up
/// to 1 MiB each, sorted.
fn corpus_files(corpus: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut stack = vec![corpus.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                if !matches!(name.as_str(), "refs" | "tools" | "licenses") {
                    stack.push(p);
                }
            } else if !name.ends_with(".tsv")
                && !name.ends_with(".md")
                && e.metadata().map(|m| m.len() <= 1 << 20).unwrap_or(false)
            {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_container_target_has_seeds_that_round_trip_their_hint() {
        for (target, ext) in seeds::CONTAINER_TARGETS {
            assert!(TARGETS.contains(target), "{target} is a fuzz target");
            let all = seeds::seeds(target);
            assert!(all.len() >= 5, "{target}: {} seeds", all.len());
            for (name, input) in all {
                let (file, got) = seeds::file_of(target, &input).expect(&name);
                assert!(!file.is_empty(), "{name}");
                if !ext.is_empty() {
                    assert_eq!(got, *ext, "{name}");
                }
                assert!(input.len() < 64 << 10, "{name}: seeds stay small");
            }
        }
    }

    #[test]
    fn seeds_are_written_without_a_corpus() {
        let dir = tempfile::tempdir().unwrap();
        for target in TARGETS {
            let d = dir.path().join(target);
            let n = write_seeds(target, &d, &[]).unwrap();
            assert!(n >= 5, "{target}: {n}");
            assert_eq!(std::fs::read_dir(&d).unwrap().count(), n, "{target}");
        }
        // The hinted target gets the playlists behind their video extension.
        let hls = std::fs::read(dir.path().join("imdecode_hint/seed-video-hls-abs")).unwrap();
        assert!(hls.starts_with(b".mp4\0#EXTM3U"));
    }

    #[test]
    fn the_pdf_seed_offsets_point_at_their_objects() {
        let (_, pdf) = seeds::seeds("pdf")
            .into_iter()
            .find(|(n, _)| n == "pdf-form-self-4")
            .unwrap();
        // Byte offsets: the header's binary comment is not UTF-8.
        let starts = |at: usize, with: &str| pdf[at..].starts_with(with.as_bytes());
        let tail = pdf.windows(10).rposition(|w| w == b"startxref\n").unwrap();
        let line = |at: usize| {
            let end = at + pdf[at..].iter().position(|&b| b == b'\n').unwrap();
            std::str::from_utf8(&pdf[at..end]).unwrap().to_owned()
        };
        let at: usize = line(tail + 10).parse().unwrap();
        assert!(starts(at, "xref\n0 7\n"));
        let mut pos = at + "xref\n0 7\n".len() + 20;
        for i in 0..6 {
            let entry = line(pos);
            let off: usize = entry[..10].parse().unwrap();
            assert!(starts(off, &format!("{} 0 obj", i + 1)), "{entry}");
            pos += 20;
        }
    }

    #[test]
    fn the_tiff_loop_seeds_loop() {
        let all = seeds::seeds("tiff");
        let (_, t) = all.iter().find(|(n, _)| n == "tiff-self-loop").unwrap();
        let first = u32::from_le_bytes(t[4..8].try_into().unwrap()) as usize;
        let count = u16::from_le_bytes(t[first..first + 2].try_into().unwrap()) as usize;
        let next_at = first + 2 + count * 12;
        let next = u32::from_le_bytes(t[next_at..next_at + 4].try_into().unwrap());
        assert_eq!(next as usize, first);
        assert_eq!(next_at + 4, t.len());
    }
}
