//! Thread scaling: batch conversion of the set's images with `imageio
//! convert --jobs N`, and the 64-page TIFF stack read with N rayon threads.
//! Also the two things every process-timing section needs: the machine's
//! cores, and a command's wall time ([`wall`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value as Json;

use super::set::{Entry, Kind};
use super::text::first_line;

/// Runs `cmd` to its end (no input): the wall seconds from spawning to exit
/// and its stdout; an error, the line of its stderr that says why, when it
/// cannot start or fails.
pub fn wall(cmd: &mut Command) -> Result<(f64, Vec<u8>), String> {
    let t = Instant::now();
    let o = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot start: {e}"))?;
    let t = t.elapsed().as_secs_f64();
    if !o.status.success() {
        return Err(first_line(&String::from_utf8_lossy(&o.stderr)));
    }
    Ok((t, o.stdout))
}

/// The threads this machine offers.
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Wall time of `imageio convert` batches over the set's images with
/// `--jobs 1..=cores`.
pub fn thread_scaling(exe: &Path, dir: &Path, entries: &[Entry]) -> Vec<(usize, f64)> {
    let inputs = batch_inputs(dir, entries);
    let out = dir.join("scaling-out");
    let mut res = Vec::new();
    for jobs in 1..=cores() {
        let _ = std::fs::remove_dir_all(&out);
        let run = wall(
            Command::new(exe)
                .arg("convert")
                .args(&inputs)
                .args(["--to", "npy", "--out-dir"])
                .arg(&out)
                .args(["--jobs", &jobs.to_string()]),
        );
        if let Ok((t, _)) = run {
            res.push((jobs, t));
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    res
}

/// The set's single images that exist, one per file stem (outputs are
/// named by the input's stem).
fn batch_inputs(dir: &Path, entries: &[Entry]) -> Vec<PathBuf> {
    let mut stems = BTreeSet::new();
    entries
        .iter()
        .filter(|e| matches!(e.kind, Kind::Image | Kind::Tiff))
        .map(|e| dir.join(e.file))
        .filter(|p| p.exists())
        .filter(|p| stems.insert(p.file_stem().map(|s| s.to_owned())))
        .collect()
}

/// Median read time of the whole multi-page TIFF with a rayon pool of
/// `1..=cores` threads (`RAYON_NUM_THREADS`), as `imageio bench` reports it.
pub fn stack_scaling(exe: &Path, dir: &Path, repeat: u32) -> Vec<(usize, f64)> {
    let stack = dir.join("stack_64x512x512_u16.tif");
    let mut res = Vec::new();
    for threads in 1..=cores() {
        let o = Command::new(exe)
            .args([
                "bench",
                "--json",
                "--all",
                "-n",
                &repeat.max(10).to_string(),
            ])
            .arg(&stack)
            .env("RAYON_NUM_THREADS", threads.to_string())
            .output();
        let t = o
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| serde_json::from_slice::<Json>(&o.stdout).ok())
            .and_then(|j| j.as_object()?.values().next()?["median_s"].as_f64());
        if let Some(t) = t {
            res.push((threads, t));
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::wall;
    use std::process::Command;

    #[test]
    fn wall_gives_stdout_or_the_line_that_says_why() {
        let (t, out) = wall(Command::new("sh").args(["-c", "echo hi"])).unwrap();
        assert_eq!(out, b"hi\n");
        assert!(t > 0.0 && t < 60.0, "{t}");
        let e = wall(Command::new("sh").args(["-c", "echo out; echo 'no such file' >&2; exit 3"]))
            .unwrap_err();
        assert_eq!(e, "no such file");
        let e = wall(&mut Command::new("/nonexistent/program")).unwrap_err();
        assert!(e.starts_with("cannot start: "), "{e}");
    }
}
