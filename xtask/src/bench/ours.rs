//! Our side: building the `imageio` CLI in release and running its
//! in-process timer, `imageio bench --json`, on one file.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

use super::text::first_line;
use crate::system::run as sh;
use crate::workspace::cargo;

/// Builds the CLI in release with the fastest backends this machine can
/// build: `ffmpeg` when pkg-config finds the FFmpeg libraries, `jpeg-turbo`
/// (libjpeg-turbo from source) when cmake and nasm are there. A feature set
/// that fails to build is dropped, most demanding first. Returns the binary
/// and a note on the features for the report.
pub fn build_cli(root: &Path, target: &Path) -> Result<(PathBuf, String), String> {
    let cargo = cargo();
    let exe = target.join("release").join("imageio");
    let mut wanted = Vec::new();
    let mut missing = Vec::new();
    if ffmpeg_found() {
        wanted.push("ffmpeg");
    } else {
        missing.push("ffmpeg: FFmpeg libraries not found by pkg-config");
    }
    if on_path("cmake") && on_path("nasm") {
        wanted.push("jpeg-turbo");
    } else {
        missing.push("jpeg-turbo: cmake or nasm not found");
    }
    for n in (0..=wanted.len()).rev() {
        let features = &wanted[..n];
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(root)
            .args(["build", "--release", "-p", "imageio-cli"]);
        if !features.is_empty() {
            cmd.args(["--features", &features.join(",")]);
        }
        match sh(&mut cmd) {
            Ok(()) => return Ok((exe, features_note(features, &wanted[n..], &missing))),
            Err(e) if n > 0 => eprintln!(
                "xtask bench: the build with {} failed ({e}); trying without {}",
                features.join(","),
                features[n - 1]
            ),
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns at n = 0")
}

/// The report's note on the CLI's features: the defaults, what was added,
/// and why anything wanted is absent.
fn features_note(built: &[&str], failed: &[&str], missing: &[&str]) -> String {
    let mut note = String::from("default");
    for f in built {
        note.push_str(" + ");
        note.push_str(f);
    }
    let mut absent: Vec<String> = failed
        .iter()
        .map(|f| format!("{f}: failed to build"))
        .collect();
    absent.extend(missing.iter().map(|m| m.to_string()));
    if !absent.is_empty() {
        note.push_str(&format!(" (without {})", absent.join("; ")));
    }
    note
}

/// Whether `program` is found on `PATH`.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

/// Whether pkg-config finds the FFmpeg libraries the `ffmpeg` feature needs.
fn ffmpeg_found() -> bool {
    Command::new("pkg-config")
        .args([
            "--exists",
            "libavcodec",
            "libavformat",
            "libswscale",
            "libavutil",
        ])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Runs `imageio bench --json` on one file (with `--all` when `all`);
/// returns its entry.
pub fn ours_once(exe: &Path, path: &Path, all: bool, repeat: u32) -> Result<Json, String> {
    ours_bench(exe, path, if all { &["--all"] } else { &[] }, repeat)
}

/// Runs `imageio bench --json -n REPEAT EXTRA... FILE`; returns its entry.
pub fn ours_bench(exe: &Path, path: &Path, extra: &[&str], repeat: u32) -> Result<Json, String> {
    let mut cmd = Command::new(exe);
    cmd.arg("bench")
        .arg("--json")
        .arg("-n")
        .arg(repeat.to_string())
        .args(extra);
    let o = cmd
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if !o.status.success() {
        return Err(first_line(&String::from_utf8_lossy(&o.stderr)));
    }
    let j: Json = serde_json::from_slice(&o.stdout).map_err(|e| format!("bad JSON: {e}"))?;
    j.as_object()
        .and_then(|m| m.values().next().cloned())
        .ok_or_else(|| "empty JSON".into())
}

/// The seconds of an entry's list `key` (`times_s`, `encode_times_s`), none
/// when it is missing.
pub fn seconds(entry: &Json, key: &str) -> Vec<f64> {
    entry[key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_note_names_what_is_in_and_what_is_not() {
        assert_eq!(
            features_note(&["ffmpeg", "jpeg-turbo"], &[], &[]),
            "default + ffmpeg + jpeg-turbo"
        );
        assert_eq!(
            features_note(&["ffmpeg"], &["jpeg-turbo"], &[]),
            "default + ffmpeg (without jpeg-turbo: failed to build)"
        );
        assert_eq!(
            features_note(
                &[],
                &[],
                &["ffmpeg: FFmpeg libraries not found by pkg-config"]
            ),
            "default (without ffmpeg: FFmpeg libraries not found by pkg-config)"
        );
    }

    #[test]
    fn on_path_finds_sh_and_not_nonsense() {
        assert!(on_path("sh"));
        assert!(!on_path("no-such-program-imageio-xtask"));
    }
}
