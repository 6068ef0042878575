//! Our side: building the `imageio` CLI in release and running its
//! in-process timer, `imageio bench --json`, on one file.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

use super::text::first_line;
use crate::system::run as sh;
use crate::workspace::cargo;

/// Builds the CLI in release; with the `ffmpeg` feature when the libraries
/// are there and the build works. Returns the binary and a note on features.
pub fn build_cli(root: &Path, target: &Path) -> Result<(PathBuf, String), String> {
    let cargo = cargo();
    let exe = target.join("release").join("imageio");
    let have_ffmpeg = ffmpeg_found();
    if have_ffmpeg {
        let built = sh(Command::new(&cargo).current_dir(root).args([
            "build",
            "--release",
            "-p",
            "imageio-cli",
            "--features",
            "ffmpeg",
        ]));
        match built {
            Ok(()) => return Ok((exe, "default + ffmpeg".into())),
            Err(e) => eprintln!("xtask bench: the ffmpeg build failed ({e}); building without it"),
        }
    }
    sh(Command::new(&cargo)
        .current_dir(root)
        .args(["build", "--release", "-p", "imageio-cli"]))?;
    let note = if have_ffmpeg {
        "default (the ffmpeg feature failed to build)"
    } else {
        "default (FFmpeg libraries not found by pkg-config)"
    };
    Ok((exe, note.into()))
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
