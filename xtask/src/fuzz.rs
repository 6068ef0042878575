//! `cargo xtask fuzz [--minutes N] [--target NAME]`: runs the cargo-fuzz
//! targets of `fuzz/` (every reading plugin through `imdecode`) for N minutes
//! each (default 10), seeded from the shared corpus.
//!
//! The seeds are copied at run time from `IMAGEIO_CORPUS` (else
//! `../shared/corpus`) into `fuzz/corpus/<target>/` (ignored by git): every
//! corpus file as is for `imdecode`, and behind `EXT NUL` for
//! `imdecode_hint`. Needs `cargo install cargo-fuzz`; the stable toolchain
//! runs it with `RUSTC_BOOTSTRAP=1`, set here. The workspace's `Cargo.lock` is
//! copied into `fuzz/` first, so the fuzzed versions are the tested ones. A crash leaves its input in
//! `fuzz/artifacts/<target>/`: turn it into a file of `tests/regression/`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The fuzz targets of `fuzz/Cargo.toml`.
pub const TARGETS: &[&str] = &["imdecode", "imdecode_hint"];

/// Runs the task with its command-line arguments.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut minutes: u64 = 10;
    let mut only: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--minutes" => {
                minutes = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--minutes needs a whole number")?;
            }
            "--target" => only = Some(it.next().ok_or("--target needs a name")?.clone()),
            other => return Err(format!("unknown argument {other:?} for fuzz")),
        }
    }
    let targets: Vec<&str> = match &only {
        Some(t) if TARGETS.contains(&t.as_str()) => vec![t.as_str()],
        Some(t) => return Err(format!("unknown fuzz target {t:?}; one of {TARGETS:?}")),
        None => TARGETS.to_vec(),
    };
    let fuzz = root.join("fuzz");
    let corpus = corpus_dir(root)?;
    let files = corpus_files(&corpus)?;
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
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for (i, f) in files.iter().enumerate() {
            let data = std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?;
            let data = if target == "imdecode_hint" {
                let ext = f
                    .extension()
                    .and_then(|e| e.to_str())
                    .map(|e| format!(".{e}"))
                    .unwrap_or_default();
                let mut v = ext.into_bytes();
                v.push(0);
                v.extend_from_slice(&data);
                v
            } else {
                data
            };
            let dst = dir.join(format!("seed-{i:05}"));
            std::fs::write(&dst, data).map_err(|e| format!("{}: {e}", dst.display()))?;
        }
        eprintln!(
            "xtask fuzz: {target} for {minutes} min, {} seeds from {}",
            files.len(),
            corpus.display()
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
                &format!("-max_total_time={}", minutes * 60),
                "-rss_limit_mb=2048",
                "-timeout=20",
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

/// The shared corpus: `IMAGEIO_CORPUS`, else `../shared/corpus`.
fn corpus_dir(root: &Path) -> Result<PathBuf, String> {
    let p = std::env::var_os("IMAGEIO_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus"));
    if p.is_dir() {
        Ok(p)
    } else {
        Err(format!(
            "no corpus at {}; set IMAGEIO_CORPUS to the shared corpus",
            p.display()
        ))
    }
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
