//! Running commands and installing the Debian packages the workspace needs.

use std::process::Command;

/// Debian packages the full test run needs, with what needs them.
pub const PACKAGES: &[(&str, &str)] = &[
    (
        "pkg-config",
        "ffmpeg-sys-next finds the FFmpeg libraries with it",
    ),
    (
        "libclang-dev",
        "ffmpeg-sys-next generates its bindings with bindgen",
    ),
    ("libavcodec-dev", "imageio-ffmpeg: decoding and encoding"),
    ("libavformat-dev", "imageio-ffmpeg: containers"),
    ("libavutil-dev", "imageio-ffmpeg"),
    ("libswscale-dev", "imageio-ffmpeg: pixel format conversion"),
    ("libswresample-dev", "ffmpeg-sys-next links it"),
    (
        "libavdevice-dev",
        "imageio-ffmpeg `device` feature: cameras through v4l2",
    ),
    (
        "libavfilter-dev",
        "libavdevice-dev's pkg-config file requires it",
    ),
    (
        "cmake",
        "imageio-heif: libheif-sys builds libheif from its sources",
    ),
    ("g++", "imageio-heif: libheif is C++"),
    ("libde265-dev", "imageio-heif: HEVC decoding (HEIC)"),
    ("libdav1d-dev", "imageio-heif: AV1 decoding (AVIF)"),
    (
        "qpdf",
        "imageio-pdf tests: checks written files, makes encrypted ones",
    ),
    (
        "nasm",
        "imageio-jpeg `turbo` feature: libjpeg-turbo's SIMD code, built from source (with cmake)",
    ),
];

/// Debian packages `cargo xtask bench --compare` needs beside [`PACKAGES`]
/// (the Python peers' virtual environment, the peak-RSS measurement).
pub const BENCH_PACKAGES: &[(&str, &str)] = &[
    (
        "python3",
        "the Python peers (Pillow, OpenCV, tifffile, PyAV, ...)",
    ),
    (
        "python3-venv",
        "the peers' virtual environment, made from PyPI",
    ),
    ("python3-pip", "pip in that environment"),
    ("time", "/usr/bin/time -v: the whole-process peak RSS"),
];

/// Runs `cmd`, echoing it; an error names the command and its exit status.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}").replace('"', "");
    eprintln!("$ {shown}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs whatever of [`PACKAGES`] is missing, with apt-get, when running as
/// root on a Debian-like system; otherwise says what to install.
pub fn ensure_packages() -> Result<(), String> {
    ensure(PACKAGES)
}

/// Installs whatever of `packages` is missing (see [`ensure_packages`]).
pub fn ensure(packages: &[(&str, &str)]) -> Result<(), String> {
    let missing: Vec<&str> = packages
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| !installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let have_apt = Command::new("apt-get").arg("--version").output().is_ok();
    if !have_apt || !is_root() {
        return Err(format!(
            "missing system packages: {}; install them (apt-get install {}) and run again",
            missing.join(", "),
            missing.join(" ")
        ));
    }
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}
