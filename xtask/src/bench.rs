//! `cargo xtask bench --compare [--quick]`: our read times beside Python's
//! (Pillow, OpenCV, tifffile, PyAV, imageio, numpy) on one generated set of
//! files, our PNG and JPEG encode times beside Pillow's, and the memory of
//! one read, written to `BENCHMARKS.md`.
//!
//! Steps: install the missing Debian packages when run as root
//! (`system::PACKAGES` for the FFmpeg libraries, a warning if that fails;
//! `system::BENCH_PACKAGES`: python3, python3-venv, python3-pip, time),
//! build the `imageio` CLI in release (with `--features ffmpeg` when
//! pkg-config finds the FFmpeg libraries), make the Python virtual
//! environment `target/bench-venv` from PyPI, generate the comparison set in
//! `target/bench-set/` (pixels made here, written as NPY, then encoded by our
//! own writers through `imageio convert`; JPEG and video through Pillow and
//! PyAV, as our crates have no progressive JPEG or video encoder to compare
//! against), then per file and per round time our read (`imageio bench
//! --json`) and each peer's read alternately, so that both sides share the
//! machine's load. A file that our CLI cannot read (plugin not linked) or that
//! cannot be generated becomes a `skipped: <why>` row.
//!
//! Writing: `photo_4k.npy` is encoded to PNG and JPEG in memory by us
//! (`imageio bench --write EXT -o KEY=VALUE`, in process) and by Pillow
//! (`Image.save` to an `io.BytesIO`, the `encode` request of the peer
//! server), at stated settings (`ENCODE_CASES`), rounds interleaved as for
//! the reads; times, encoded sizes and for JPEG the PSNR of each output
//! (decoded by Pillow) against the source array.
//!
//! Peak memory of one read: the read's own peak, measured inside `imageio
//! bench --json` (`VmHWM` after one read, the high-water mark reset before
//! it, minus `VmRSS` before it), which the target is judged on, beside the
//! whole process's peak from `/usr/bin/time -v` (code and linked libraries
//! included). A thread-scaling figure comes from `imageio convert --jobs
//! 1..N`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use serde_json::{json, Value as Json};

use crate::system::run as sh;
use crate::workspace::cargo;

/// Bumped when the generated set changes, so that old sets are regenerated.
const SET_VERSION: &str = "3";

/// The Python packages the peers need, installed into the venv from PyPI.
const PY_PACKAGES: &[&str] = &[
    "numpy",
    "pillow",
    "opencv-python-headless",
    "tifffile",
    "av",
    "imageio",
    // tifffile needs it for LZW (and other codecs); without it those rows
    // would lose their tifffile column.
    "imagecodecs",
];

/// Markers around the generated part of BENCHMARKS.md; text outside them
/// (analysis, profiles) is kept when the command rewrites the file.
const BEGIN: &str = "<!-- xtask bench: generated, begin -->";
const END: &str = "<!-- xtask bench: generated, end -->";

/// What kind of read a file gets, which picks the peers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// One image: Pillow, OpenCV, imageio.
    Image,
    /// One TIFF page: Pillow, OpenCV, tifffile, imageio.
    Tiff,
    /// Every page of a TIFF: tifffile, OpenCV (imreadmulti), Pillow, imageio.
    TiffStack,
    /// An NPY array: numpy.
    Npy,
    /// Every GIF frame: Pillow, imageio.
    Gif,
    /// Every video frame as RGB: PyAV, OpenCV.
    Video,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Tiff => "tiff",
            Kind::TiffStack => "tiffstack",
            Kind::Npy => "npy",
            Kind::Gif => "gif",
            Kind::Video => "video",
        }
    }

    /// Whether our side reads every image (`--all`).
    fn all(self) -> bool {
        matches!(self, Kind::TiffStack | Kind::Gif | Kind::Video)
    }
}

/// How a file of the set is made.
enum Gen {
    /// `imageio convert BASE.npy FILE` with these write options.
    Convert(&'static str, &'static [&'static str]),
    /// The base NPY itself.
    Copy(&'static str),
    /// `peers.py gen-jpeg BASE.npy FILE QUALITY PROGRESSIVE` (Pillow).
    Jpeg(&'static str, bool),
    /// `peers.py gen-video FILE CODEC W H FRAMES` (PyAV).
    Clip(&'static str, u32, u32, u32),
}

/// One file of the comparison set.
struct Entry {
    file: &'static str,
    kind: Kind,
    /// An uncompressed format, compared with memcpy.
    raw: bool,
    what: &'static str,
    gen: Gen,
}

fn set() -> Vec<Entry> {
    use Gen::*;
    use Kind::*;
    let e = |file, kind, raw, what, gen| Entry {
        file,
        kind,
        raw,
        what,
        gen,
    };
    vec![
        e(
            "photo_4k.png",
            Image,
            false,
            "3840×2160 RGB u8 PNG (our writer, compression=fast)",
            Convert("photo_rgb8", &[]),
        ),
        e(
            "photo_4k_baseline.jpg",
            Image,
            false,
            "3840×2160 RGB JPEG baseline, q90 4:2:0 (Pillow)",
            Jpeg("photo_rgb8", false),
        ),
        e(
            "photo_4k_progressive.jpg",
            Image,
            false,
            "3840×2160 RGB JPEG progressive, q90 4:2:0 (Pillow)",
            Jpeg("photo_rgb8", true),
        ),
        e(
            "photo_4k.bmp",
            Image,
            true,
            "3840×2160 RGB u8 BMP (our writer)",
            Convert("photo_rgb8", &[]),
        ),
        e(
            "photo_4k_lossless.webp",
            Image,
            false,
            "3840×2160 RGB lossless WebP (our writer)",
            Convert("photo_rgb8", &[]),
        ),
        e(
            "photo16_1080p.png",
            Image,
            false,
            "1920×1080 RGB u16 PNG (our writer)",
            Convert("photo_rgb16", &[]),
        ),
        e(
            "photo_4k_raw.tif",
            Tiff,
            true,
            "3840×2160 RGB u8 TIFF, uncompressed",
            Convert("photo_rgb8", &[]),
        ),
        e(
            "photo_4k_lzw.tif",
            Tiff,
            false,
            "3840×2160 RGB u8 TIFF, LZW",
            Convert("photo_rgb8", &["compression=lzw"]),
        ),
        e(
            "photo_4k_deflate_pred.tif",
            Tiff,
            false,
            "3840×2160 RGB u8 TIFF, Deflate + horizontal predictor",
            Convert(
                "photo_rgb8",
                &["compression=deflate", "predictor=horizontal"],
            ),
        ),
        e(
            "float_2k.tif",
            Tiff,
            true,
            "2048×2048 gray f32 TIFF, uncompressed",
            Convert("float_gray", &[]),
        ),
        e(
            "stack_64x512x512_u16.tif",
            TiffStack,
            true,
            "64 pages 512×512 u16 TIFF, uncompressed, all pages",
            Convert("stack_u16", &[]),
        ),
        e(
            "photo_4k.npy",
            Npy,
            true,
            "3840×2160×3 u8 NPY",
            Copy("photo_rgb8"),
        ),
        e(
            "anim_60f.gif",
            Gif,
            false,
            "60 frames 480×270 GIF (our writer), all frames",
            Convert("anim_rgb8", &[]),
        ),
        e(
            "clip_1080p_h264.mp4",
            Video,
            false,
            "1920×1080 H.264 (libx264 via PyAV), 60 frames, all to RGB",
            Clip("libx264", 1920, 1080, 60),
        ),
        e(
            "clip_720p_vp9.webm",
            Video,
            false,
            "1280×720 VP9 (libvpx via PyAV), 60 frames, all to RGB",
            Clip("libvpx-vp9", 1280, 720, 60),
        ),
    ]
}

/// Runs `cargo xtask bench`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut compare = false;
    let mut quick = false;
    for a in args {
        match a.as_str() {
            "--compare" => compare = true,
            "--quick" => quick = true,
            other => {
                return Err(format!(
                    "unknown bench argument {other:?}; see `cargo xtask help`"
                ))
            }
        }
    }
    if !compare {
        return Err(
            "`cargo xtask bench` needs --compare (the criterion benches are `cargo bench -p CRATE`)"
                .into(),
        );
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    // The FFmpeg libraries for the CLI's `ffmpeg` feature (without them the
    // video rows are skipped), then what the peers and RSS figures need.
    if let Err(e) = crate::system::ensure_packages() {
        eprintln!("xtask bench: {e}; continuing without them");
    }
    crate::system::ensure(crate::system::BENCH_PACKAGES)?;
    let (exe, features) = build_cli(root, &target)?;
    let python = ensure_venv(&target)?;
    let dir = target.join("bench-set");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let script = dir.join("peers.py");
    std::fs::write(&script, PEERS_PY)
        .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
    let entries = set();
    let generated = generate(&entries, &dir, &exe, &python, &script)?;
    let (rounds, repeat) = if quick { (2, 3) } else { (3, 7) };
    let mut peers = PeerServer::start(&python, &script)?;
    let versions = peers.call(&json!({"cmd": "versions"}))?;

    let mut rows = Vec::new();
    for e in &entries {
        let path = dir.join(e.file);
        let row = match generated.get(e.file) {
            Some(Err(why)) => Row::skipped(e, format!("could not generate: {why}")),
            _ => measure(e, &path, &exe, &mut peers, rounds, repeat),
        };
        eprintln!("{}", row.line());
        rows.push(row);
    }
    // The RSS of the same command on a 1×1 array: the process itself
    // (code, linked libraries), subtracted to get what one read costs.
    let tiny = dir.join("tiny_1x1.npy");
    let rss_base = write_npy(&tiny, "|u1", &[1, 1], &[0])
        .ok()
        .and_then(|()| peak_rss(&exe, &tiny, false));
    let encode_src = "photo_4k.npy";
    let encodes: Vec<EncodeRow> = ENCODE_CASES
        .iter()
        .map(|c| {
            let row = match generated.get(encode_src) {
                Some(Err(why)) => EncodeRow::failed(c, format!("could not generate: {why}")),
                _ => measure_encode(c, &dir, encode_src, &exe, &mut peers, rounds, repeat),
            };
            eprintln!("{}", row.line());
            row
        })
        .collect();
    let scaling = thread_scaling(&exe, &dir, &entries);
    let stack = stack_scaling(&exe, &dir, repeat);
    drop(peers);
    let report = render(
        &rows, &encodes, &scaling, &stack, rss_base, &versions, &features, quick, rounds, repeat,
    );
    println!("{report}");
    write_benchmarks(root, &report)
}

/// Builds the CLI in release; with the `ffmpeg` feature when the libraries
/// are there and the build works. Returns the binary and a note on features.
fn build_cli(root: &Path, target: &Path) -> Result<(PathBuf, String), String> {
    let cargo = cargo();
    let exe = target.join("release").join("imageio");
    let have_ffmpeg = Command::new("pkg-config")
        .args([
            "--exists",
            "libavcodec",
            "libavformat",
            "libswscale",
            "libavutil",
        ])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
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

/// Makes `target/bench-venv` with the peers from PyPI unless they import.
fn ensure_venv(target: &Path) -> Result<PathBuf, String> {
    let venv = target.join("bench-venv");
    let python = venv.join("bin").join("python");
    let imports = || {
        Command::new(&python)
            .args([
                "-c",
                "import numpy, PIL, cv2, tifffile, av, imageio, imagecodecs",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    if imports() {
        return Ok(python);
    }
    if !python.exists() {
        sh(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    sh(Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--upgrade"])
        .args(PY_PACKAGES))?;
    if !imports() {
        return Err(format!(
            "the peers do not import in {} after pip install",
            venv.display()
        ));
    }
    Ok(python)
}

// ---------------------------------------------------------------- pixels --

/// xorshift64*: deterministic noise without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// A photo-like value in [0, 1] at (x, y) of a w×h picture, channel c:
/// smooth shading, a few hard-edged shapes, texture and sensor noise.
fn photo(x: usize, y: usize, w: usize, h: usize, c: usize, rng: &mut Rng) -> f32 {
    let (u, v) = (x as f32 / w as f32, y as f32 / h as f32);
    let mut val = 0.45 + 0.25 * (u * 3.1 + c as f32).sin() * (v * 2.3).cos();
    val += 0.08 * ((u * 40.0 + v * 25.0).sin() * (v * 31.0).sin());
    // shapes: a disc, a bar, a frame
    let (dx, dy) = (u - 0.3, (v - 0.55) * h as f32 / w as f32);
    if dx * dx + dy * dy < 0.012 {
        val = 0.85 - 0.1 * c as f32;
    }
    if (0.6..0.8).contains(&u) && (0.2..0.35).contains(&v) {
        val = 0.15 + 0.2 * c as f32 + 0.1 * (u * 60.0).sin();
    }
    if ((0.1..0.12).contains(&u) || (0.9..0.92).contains(&u)) && (0.1..0.9).contains(&v) {
        val = 0.05;
    }
    (val + 0.012 * rng.unit()).clamp(0.0, 1.0)
}

/// An NPY file (format 1.0) holding `data` (little-endian) with `descr`.
fn write_npy(path: &Path, descr: &str, shape: &[usize], data: &[u8]) -> Result<(), String> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_s = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_s}, }}");
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    std::fs::write(path, out).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes the base arrays the set is encoded from.
fn write_bases(dir: &Path) -> Result<(), String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // 4K RGB u8
    let (w, h) = (3840, 2160);
    let mut rgb8 = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                rgb8.push((photo(x, y, w, h, c, &mut rng) * 255.0 + 0.5) as u8);
            }
        }
    }
    write_npy(&dir.join("photo_rgb8.npy"), "|u1", &[h, w, 3], &rgb8)?;
    // 1080p RGB u16
    let (w, h) = (1920, 1080);
    let mut rgb16 = Vec::with_capacity(w * h * 6);
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let v = (photo(x, y, w, h, c, &mut rng) * 65535.0 + 0.5) as u16;
                rgb16.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    write_npy(&dir.join("photo_rgb16.npy"), "<u2", &[h, w, 3], &rgb16)?;
    // 2048² gray f32
    let n = 2048;
    let mut f = Vec::with_capacity(n * n * 4);
    for y in 0..n {
        for x in 0..n {
            f.extend_from_slice(&(photo(x, y, n, n, 1, &mut rng) * 2.0 - 0.5).to_le_bytes());
        }
    }
    write_npy(&dir.join("float_gray.npy"), "<f4", &[n, n], &f)?;
    // 64 pages of 512² u16
    let (pages, n) = (64, 512);
    let mut stack = Vec::with_capacity(pages * n * n * 2);
    for p in 0..pages {
        for y in 0..n {
            for x in 0..n {
                let v = photo(x + p * 4, y, n + 256, n, p % 3, &mut rng);
                stack.extend_from_slice(&((v * 4095.0) as u16).to_le_bytes());
            }
        }
    }
    write_npy(&dir.join("stack_u16.npy"), "<u2", &[pages, n, n], &stack)?;
    // 60 frames 480x270 RGB u8: a disc moving over shading
    let (frames, w, h) = (60, 480, 270);
    let mut anim = Vec::with_capacity(frames * w * h * 3);
    for t in 0..frames {
        let (cx, cy) = (40.0 + 6.5 * t as f32, 135.0 + 60.0 * (t as f32 * 0.2).sin());
        for y in 0..h {
            for x in 0..w {
                let (dx, dy) = (x as f32 - cx, y as f32 - cy);
                let inside = dx * dx + dy * dy < 900.0;
                for c in 0..3 {
                    let v = if inside {
                        [230u8, 80, 40][c]
                    } else {
                        (40.0 + 150.0 * x as f32 / w as f32 + 40.0 * c as f32) as u8
                    };
                    anim.push(v);
                }
            }
        }
    }
    write_npy(&dir.join("anim_rgb8.npy"), "|u1", &[frames, h, w, 3], &anim)
}

/// Generates every file of the set that is missing (or from an older set);
/// returns per file whether that worked.
fn generate(
    entries: &[Entry],
    dir: &Path,
    exe: &Path,
    python: &Path,
    script: &Path,
) -> Result<BTreeMap<&'static str, Result<(), String>>, String> {
    let stamp = dir.join("SET_VERSION");
    let current = std::fs::read_to_string(&stamp).unwrap_or_default();
    if current.trim() != SET_VERSION {
        eprintln!(
            "xtask bench: generating the comparison set in {}",
            dir.display()
        );
        for e in entries {
            let _ = std::fs::remove_file(dir.join(e.file));
        }
        let t = Instant::now();
        write_bases(dir)?;
        eprintln!(
            "xtask bench: base arrays in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        std::fs::write(&stamp, SET_VERSION)
            .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    }
    let mut out = BTreeMap::new();
    for e in entries {
        let path = dir.join(e.file);
        if path.exists() {
            out.insert(e.file, Ok(()));
            continue;
        }
        let base = |b: &str| dir.join(format!("{b}.npy"));
        let mut cmd = match &e.gen {
            Gen::Copy(b) => {
                let r = std::fs::copy(base(b), &path)
                    .map(|_| ())
                    .map_err(|err| format!("copy: {err}"));
                out.insert(e.file, r);
                continue;
            }
            Gen::Convert(b, opts) => {
                let mut c = Command::new(exe);
                c.arg("convert").arg(base(b)).arg(&path);
                for o in opts.iter() {
                    c.args(["-o", o]);
                }
                c
            }
            Gen::Jpeg(b, progressive) => {
                let mut c = Command::new(python);
                c.arg(script).arg("gen-jpeg").arg(base(b)).arg(&path);
                c.args(["90", if *progressive { "1" } else { "0" }]);
                c
            }
            Gen::Clip(codec, w, h, n) => {
                let mut c = Command::new(python);
                c.arg(script).arg("gen-video").arg(&path).arg(codec);
                c.args([w.to_string(), h.to_string(), n.to_string()]);
                c
            }
        };
        eprintln!("xtask bench: making {}", e.file);
        let r = match cmd.output() {
            Ok(o) if o.status.success() && path.exists() => Ok(()),
            Ok(o) => Err(first_line(&String::from_utf8_lossy(&o.stderr))),
            Err(err) => Err(err.to_string()),
        };
        if r.is_err() {
            let _ = std::fs::remove_file(&path);
        }
        out.insert(e.file, r);
    }
    Ok(out)
}

fn first_line(s: &str) -> String {
    let lines: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    // Python tracebacks end with the message; our CLI starts with it.
    let l = if lines.first().is_some_and(|l| l.starts_with("Traceback")) {
        lines.last()
    } else {
        lines.first()
    };
    l.map(|l| l.chars().take(160).collect())
        .unwrap_or_else(|| "(no message)".into())
}

// ----------------------------------------------------------------- peers --

/// The Python side: one long-lived process answering JSON lines.
struct PeerServer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl PeerServer {
    fn start(python: &Path, script: &Path) -> Result<PeerServer, String> {
        let mut child = Command::new(python)
            .arg(script)
            .arg("serve")
            .env("OPENCV_LOG_LEVEL", "ERROR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(PeerServer {
            child,
            stdin,
            stdout,
        })
    }

    fn call(&mut self, req: &Json) -> Result<Json, String> {
        writeln!(self.stdin, "{req}").map_err(|e| format!("peers.py: {e}"))?;
        self.stdin.flush().map_err(|e| format!("peers.py: {e}"))?;
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| format!("peers.py: {e}"))?;
        if line.is_empty() {
            return Err("peers.py exited".into());
        }
        serde_json::from_str(&line).map_err(|e| format!("peers.py answered {line:?}: {e}"))
    }
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "{}", json!({"cmd": "quit"}));
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------- measuring --

/// One peer's result on one file.
struct PeerResult {
    name: String,
    times: Vec<f64>,
    /// Why the peer is not compared (failed, or returns other data).
    excluded: Option<String>,
}

/// One row of the table.
struct Row {
    file: &'static str,
    what: &'static str,
    raw: bool,
    skipped: Option<String>,
    plugin: String,
    shape: Vec<usize>,
    dtype: String,
    nbytes: u64,
    ours: Vec<f64>,
    memcpy: f64,
    peers: Vec<PeerResult>,
    /// Whole process: maximum RSS of `imageio bench -n 1` (`/usr/bin/time`).
    rss_kib: Option<u64>,
    /// The read's own peak in bytes (`own_peak`), the largest over our runs.
    own_peak: Option<u64>,
}

impl Row {
    fn skipped(e: &Entry, why: String) -> Row {
        Row {
            file: e.file,
            what: e.what,
            raw: e.raw,
            skipped: Some(why),
            plugin: String::new(),
            shape: vec![],
            dtype: String::new(),
            nbytes: 0,
            ours: vec![],
            memcpy: 0.0,
            peers: vec![],
            rss_kib: None,
            own_peak: None,
        }
    }

    fn ours_median(&self) -> f64 {
        median(&self.ours)
    }

    /// The fastest comparable peer: name and median.
    fn fastest_peer(&self) -> Option<(&str, f64)> {
        self.peers
            .iter()
            .filter(|p| p.excluded.is_none() && !p.times.is_empty())
            .map(|p| (p.name.as_str(), median(&p.times)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    fn ratio(&self) -> Option<f64> {
        if self.skipped.is_some() {
            return None;
        }
        self.fastest_peer().map(|(_, t)| self.ours_median() / t)
    }

    fn line(&self) -> String {
        if let Some(why) = &self.skipped {
            return format!("{}: skipped: {why}", self.file);
        }
        let peers: Vec<String> = self
            .peers
            .iter()
            .map(|p| match &p.excluded {
                Some(why) => format!("{} n/a ({why})", p.name),
                None => format!("{} {}", p.name, ms(median(&p.times))),
            })
            .collect();
        format!(
            "{}: ours {} ({}); {}; ratio {}",
            self.file,
            ms(self.ours_median()),
            self.plugin,
            peers.join(", "),
            self.ratio()
                .map(|r| format!("{r:.2}"))
                .unwrap_or_else(|| "-".into())
        )
    }
}

fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn ms(s: f64) -> String {
    if s.is_nan() {
        "-".into()
    } else if s < 0.01 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} ms", s * 1e3)
    }
}

/// Runs `imageio bench --json` on one file; returns its entry.
fn ours_once(exe: &Path, path: &Path, all: bool, repeat: u32) -> Result<Json, String> {
    ours_bench(exe, path, if all { &["--all"] } else { &[] }, repeat)
}

/// Runs `imageio bench --json -n REPEAT EXTRA... FILE`; returns its entry.
fn ours_bench(exe: &Path, path: &Path, extra: &[&str], repeat: u32) -> Result<Json, String> {
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

/// The read's own peak memory in bytes from an `imageio bench --json`
/// entry: `read_peak_rss_bytes` (VmHWM after the read, the mark reset just
/// before it) minus `rss_before_bytes` (VmRSS before it); `None` when either
/// is missing or null (not Linux, or the reset failed).
fn own_peak(entry: &Json) -> Option<u64> {
    let peak = entry["read_peak_rss_bytes"].as_u64()?;
    let before = entry["rss_before_bytes"].as_u64()?;
    Some(peak.saturating_sub(before))
}

/// The pixel count of a result: its shape without a trailing colour axis.
fn pixels(shape: &[usize], stacked: bool) -> usize {
    let colour_axis = shape.len() >= if stacked { 4 } else { 3 };
    let s = if colour_axis && matches!(shape.last(), Some(1..=4)) {
        &shape[..shape.len() - 1]
    } else {
        shape
    };
    s.iter().product()
}

fn measure(
    e: &Entry,
    path: &Path,
    exe: &Path,
    peers: &mut PeerServer,
    rounds: u32,
    repeat: u32,
) -> Row {
    let mut row = Row::skipped(e, String::new());
    // Probe: is there a plugin that reads it?
    let probe = match ours_once(exe, path, e.kind.all(), 1) {
        Ok(j) => j,
        Err(why) => return Row::skipped(e, format!("our CLI cannot read it: {why}")),
    };
    row.skipped = None;
    row.plugin = probe["plugin"].as_str().unwrap_or("?").to_owned();
    row.shape = probe["shape"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_u64().map(|d| d as usize))
                .collect()
        })
        .unwrap_or_default();
    row.dtype = probe["dtype"].as_str().unwrap_or("?").to_owned();
    row.nbytes = probe["nbytes"].as_u64().unwrap_or(0);
    row.own_peak = own_peak(&probe);
    // Fast reads get more repeats (about 0.25 s of reads per round, at most
    // 40), so that their medians are not one scheduler hiccup.
    let probe_s = probe["median_s"].as_f64().unwrap_or(1.0).max(1e-6);
    let repeat = ((0.25 / probe_s) as u32).clamp(repeat, 40);
    let mut memcpy = Vec::new();
    let mut by_peer: BTreeMap<String, PeerResult> = BTreeMap::new();
    let mut order = Vec::new();
    for _ in 0..rounds {
        match ours_once(exe, path, e.kind.all(), repeat) {
            Ok(j) => {
                if let Some(t) = j["times_s"].as_array() {
                    row.ours.extend(t.iter().filter_map(Json::as_f64));
                }
                memcpy.extend(j["memcpy_s"].as_f64());
                row.own_peak = row.own_peak.max(own_peak(&j));
            }
            Err(why) => return Row::skipped(e, format!("our read failed: {why}")),
        }
        let req = json!({"cmd": "time", "kind": e.kind.name(), "path": path, "repeat": repeat});
        let answer = match peers.call(&req) {
            Ok(a) => a,
            Err(why) => {
                row.peers.push(PeerResult {
                    name: "python".into(),
                    times: vec![],
                    excluded: Some(why),
                });
                break;
            }
        };
        for p in answer.as_array().into_iter().flatten() {
            let name = p["peer"].as_str().unwrap_or("?").to_owned();
            let entry = by_peer.entry(name.clone()).or_insert_with(|| {
                order.push(name.clone());
                PeerResult {
                    name,
                    times: vec![],
                    excluded: None,
                }
            });
            if let Some(err) = p["error"].as_str() {
                entry.excluded = Some(format!(
                    "failed: {}",
                    err.chars().take(80).collect::<String>()
                ));
                continue;
            }
            let shape: Vec<usize> = p["shape"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|d| d.as_u64().map(|d| d as usize))
                        .collect()
                })
                .unwrap_or_default();
            let dtype = p["dtype"].as_str().unwrap_or("?");
            let stacked = e.kind.all();
            if dtype != row.dtype || pixels(&shape, stacked) != pixels(&row.shape, stacked) {
                entry.excluded = Some(format!("returns {dtype} {shape:?}, not the same data"));
            }
            entry.times.extend(
                p["times"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_f64),
            );
        }
    }
    row.memcpy = median(&memcpy);
    for name in order {
        if let Some(p) = by_peer.remove(&name) {
            row.peers.push(p);
        }
    }
    row.rss_kib = peak_rss(exe, path, e.kind.all());
    row
}

/// Peak RSS (KiB) of `imageio bench -n 1` (one warm-up read, dropped, then
/// one read), from `/usr/bin/time -v`.
fn peak_rss(exe: &Path, path: &Path, all: bool) -> Option<u64> {
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v").arg(exe).args(["bench", "-n", "1"]);
    if all {
        cmd.arg("--all");
    }
    let o = cmd.arg(path).output().ok()?;
    let err = String::from_utf8_lossy(&o.stderr);
    err.lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
}

/// Wall time of `imageio convert` batches over the set's images with
/// `--jobs 1..=cores`.
fn thread_scaling(exe: &Path, dir: &Path, entries: &[Entry]) -> Vec<(usize, f64)> {
    let inputs: Vec<PathBuf> = entries
        .iter()
        .filter(|e| matches!(e.kind, Kind::Image | Kind::Tiff))
        .map(|e| dir.join(e.file))
        .filter(|p| p.exists())
        .collect();
    // Outputs are named by the input's stem: one input per stem.
    let mut stems = std::collections::BTreeSet::new();
    let inputs: Vec<PathBuf> = inputs
        .into_iter()
        .filter(|p| stems.insert(p.file_stem().map(|s| s.to_owned())))
        .collect();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let out = dir.join("scaling-out");
    let mut res = Vec::new();
    for jobs in 1..=cores {
        let _ = std::fs::remove_dir_all(&out);
        let t = Instant::now();
        let ok = Command::new(exe)
            .arg("convert")
            .args(&inputs)
            .args(["--to", "npy", "--out-dir"])
            .arg(&out)
            .args(["--jobs", &jobs.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            res.push((jobs, t.elapsed().as_secs_f64()));
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    res
}

/// Median read time of the whole multi-page TIFF with a rayon pool of
/// `1..=cores` threads (`RAYON_NUM_THREADS`).
fn stack_scaling(exe: &Path, dir: &Path, repeat: u32) -> Vec<(usize, f64)> {
    let stack = dir.join("stack_64x512x512_u16.tif");
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut res = Vec::new();
    for threads in 1..=cores {
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

// --------------------------------------------------------------- writing --

/// What an encode row is judged on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum EncodeTarget {
    /// At least as fast as Pillow, at an equal or smaller file size (PNG).
    FasterAndSmaller,
    /// At least as fast as Pillow at the same quality setting (JPEG).
    Faster,
}

/// One encode comparison: ours at a setting against Pillow at one.
struct EncodeCase {
    /// `PNG` or `JPEG`: the format, also Pillow's format name.
    format: &'static str,
    /// Our `--write` extension.
    ext: &'static str,
    /// Our write options (`-o KEY=VALUE`).
    ours: &'static [&'static str],
    /// What our setting is, for the table.
    ours_note: &'static str,
    /// Pillow's `save` keyword arguments.
    pillow: &'static [(&'static str, i64)],
    /// What Pillow's setting is, for the table.
    pillow_note: &'static str,
    target: EncodeTarget,
    /// Whether to report the PSNR of both outputs (lossy formats).
    psnr: bool,
}

/// The encode comparisons, of `photo_4k.npy` (3840×2160 RGB u8). Our PNG
/// plugin's fastest compressing setting is `compression=fast`, which is also
/// its default (`none` stores); `compression=default` is zlib level 6, as
/// Pillow's default `compress_level`. Our JPEG writer subsamples 4:2:0 by
/// default, Pillow's `subsampling=2`.
const ENCODE_CASES: &[EncodeCase] = &[
    EncodeCase {
        format: "PNG",
        ext: ".png",
        ours: &["compression=fast"],
        ours_note:
            "`compression=fast` (fdeflate, adaptive filter; the plugin's default and fastest)",
        pillow: &[("compress_level", 1)],
        pillow_note: "`compress_level=1`",
        target: EncodeTarget::FasterAndSmaller,
        psnr: false,
    },
    EncodeCase {
        format: "PNG",
        ext: ".png",
        ours: &["compression=1"],
        ours_note: "`compression=1` (zlib level 1, adaptive filter)",
        pillow: &[("compress_level", 1)],
        pillow_note: "`compress_level=1`",
        target: EncodeTarget::FasterAndSmaller,
        psnr: false,
    },
    EncodeCase {
        format: "PNG",
        ext: ".png",
        ours: &["compression=default"],
        ours_note: "`compression=default` (zlib level 6, adaptive filter)",
        pillow: &[],
        pillow_note: "default (`compress_level=6`)",
        target: EncodeTarget::FasterAndSmaller,
        psnr: false,
    },
    EncodeCase {
        format: "JPEG",
        ext: ".jpg",
        ours: &["quality=90"],
        ours_note: "`quality=90` (4:2:0, the default)",
        pillow: &[("quality", 90), ("subsampling", 2)],
        pillow_note: "`quality=90, subsampling=2` (4:2:0)",
        target: EncodeTarget::Faster,
        psnr: true,
    },
    EncodeCase {
        format: "JPEG",
        ext: ".jpg",
        ours: &["quality=75"],
        ours_note: "`quality=75` (4:2:0, the default)",
        pillow: &[("quality", 75), ("subsampling", 2)],
        pillow_note: "`quality=75, subsampling=2` (4:2:0)",
        target: EncodeTarget::Faster,
        psnr: true,
    },
];

/// One side of an encode row.
#[derive(Default)]
struct EncodeSide {
    times: Vec<f64>,
    bytes: Option<u64>,
    psnr: Option<f64>,
    /// Why this side has no figures.
    error: Option<String>,
}

/// One row of the writing table.
struct EncodeRow {
    case: &'static EncodeCase,
    ours: EncodeSide,
    pillow: EncodeSide,
    /// Seconds of Pillow's `Image.fromarray`, done once outside its timing.
    fromarray_s: Option<f64>,
}

impl EncodeRow {
    fn failed(case: &'static EncodeCase, why: String) -> EncodeRow {
        EncodeRow {
            case,
            ours: EncodeSide {
                error: Some(why),
                ..EncodeSide::default()
            },
            pillow: EncodeSide::default(),
            fromarray_s: None,
        }
    }

    /// Ours / Pillow: (time, size), when both sides have them.
    fn ratios(&self) -> Option<(f64, f64)> {
        if self.ours.times.is_empty() || self.pillow.times.is_empty() {
            return None;
        }
        let t = median(&self.ours.times) / median(&self.pillow.times);
        let b = self.ours.bytes? as f64 / self.pillow.bytes? as f64;
        Some((t, b))
    }

    /// Whether the row meets its target; `None` without both sides.
    fn met(&self) -> Option<bool> {
        let (t, b) = self.ratios()?;
        Some(match self.case.target {
            EncodeTarget::Faster => t <= 1.0,
            EncodeTarget::FasterAndSmaller => t <= 1.0 && b <= 1.0,
        })
    }

    fn line(&self) -> String {
        let side = |s: &EncodeSide| match &s.error {
            Some(why) => format!("n/a ({why})"),
            None => format!("{} {}", ms(median(&s.times)), mib(s.bytes)),
        };
        format!(
            "encode {} ours {} {}; Pillow {} {}",
            self.case.format,
            self.case.ours.join(" "),
            side(&self.ours),
            self.case.pillow_note,
            side(&self.pillow)
        )
    }
}

/// `bytes` as MiB with two decimals, `-` when unknown.
fn mib(bytes: Option<u64>) -> String {
    bytes
        .map(|b| format!("{:.2} MiB", b as f64 / 1048576.0))
        .unwrap_or_else(|| "-".into())
}

/// Encodes per round for an encode of `probe_s` seconds: `repeat`, but 3
/// over 0.2 s and 2 over 1 s (Pillow's zlib level 6 of 4K takes ~5 s).
fn encode_repeat(probe_s: f64, repeat: u32) -> u32 {
    if probe_s < 0.2 {
        repeat
    } else if probe_s < 1.0 {
        repeat.min(3)
    } else {
        repeat.min(2)
    }
}

/// Times one encode case of `dir/src`, ours and Pillow's alternately per
/// round; with `case.psnr`, the PSNR of both outputs against the source.
fn measure_encode(
    case: &'static EncodeCase,
    dir: &Path,
    src: &str,
    exe: &Path,
    peers: &mut PeerServer,
    rounds: u32,
    repeat: u32,
) -> EncodeRow {
    let path = dir.join(src);
    let mut args = vec!["--write", case.ext];
    for o in case.ours {
        args.extend(["-o", o]);
    }
    let probe = match ours_bench(exe, &path, &args, 1) {
        Ok(j) => j,
        Err(why) => return EncodeRow::failed(case, format!("our encode failed: {why}")),
    };
    let probe_s = probe["encode_median_s"].as_f64().unwrap_or(1.0);
    let repeat = encode_repeat(probe_s, repeat);
    let mut row = EncodeRow {
        case,
        ours: EncodeSide::default(),
        pillow: EncodeSide::default(),
        fromarray_s: None,
    };
    let params: serde_json::Map<String, Json> = case
        .pillow
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    for _ in 0..rounds {
        match ours_bench(exe, &path, &args, repeat) {
            Ok(j) => {
                row.ours.times.extend(
                    j["encode_times_s"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Json::as_f64),
                );
                row.ours.bytes = j["encoded_bytes"].as_u64();
            }
            Err(why) => {
                row.ours.error = Some(format!("our encode failed: {why}"));
                row.ours.times.clear();
                break;
            }
        }
        if row.pillow.error.is_some() {
            continue;
        }
        let req = json!({"cmd": "encode", "path": path, "format": case.format,
                         "params": params, "repeat": repeat, "psnr": case.psnr});
        match peers.call(&req) {
            Ok(a) if a["error"].is_string() => {
                let why = a["error"].as_str().unwrap_or("?");
                row.pillow.error = Some(format!("failed: {}", first_line(why)));
            }
            Ok(a) => {
                row.pillow.times.extend(
                    a["times"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Json::as_f64),
                );
                row.pillow.bytes = a["bytes"].as_u64();
                row.pillow.psnr = a["psnr"].as_f64();
                row.fromarray_s = a["fromarray_s"].as_f64();
            }
            Err(why) => row.pillow.error = Some(why),
        }
    }
    if row.pillow.error.is_some() {
        row.pillow.times.clear();
    }
    if case.psnr && row.ours.error.is_none() {
        row.ours.psnr = ours_psnr(case, &path, dir, exe, peers);
    }
    row
}

/// The PSNR of our encoding of `src` (written by `imageio convert` with the
/// case's options, the same encoder as `--write`), decoded by Pillow.
fn ours_psnr(
    case: &EncodeCase,
    src: &Path,
    dir: &Path,
    exe: &Path,
    peers: &mut PeerServer,
) -> Option<f64> {
    let out = dir.join(format!("encode-psnr{}", case.ext));
    let mut cmd = Command::new(exe);
    cmd.arg("convert").arg(src).arg(&out);
    for o in case.ours {
        cmd.args(["-o", o]);
    }
    let ok = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let psnr = if ok {
        peers
            .call(&json!({"cmd": "psnr", "ref": src, "path": out}))
            .ok()
            .and_then(|a| a["psnr"].as_f64())
    } else {
        None
    };
    let _ = std::fs::remove_file(&out);
    psnr
}

// ------------------------------------------------------------- reporting --

fn command_out(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "?".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "?".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("MemTotal:")
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
        })
        .map(|k| format!("{:.1} GiB", k as f64 / 1048576.0))
        .unwrap_or_else(|| "?".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!(
        "{cpu}, {cores} cores available, {mem} RAM, Linux {}",
        command_out("uname", &["-r"])
    )
}

#[allow(clippy::too_many_arguments)] // one call site; the parts of one report
fn render(
    rows: &[Row],
    encodes: &[EncodeRow],
    scaling: &[(usize, f64)],
    stack: &[(usize, f64)],
    rss_base: Option<u64>,
    versions: &Json,
    features: &str,
    quick: bool,
    rounds: u32,
    repeat: u32,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{BEGIN}");
    let _ = writeln!(s, "## Read times, side by side\n");
    let _ = writeln!(
        s,
        "Made by `cargo xtask bench --compare{}`.\n",
        if quick { " --quick" } else { "" }
    );
    let _ = writeln!(s, "- Machine: {}", machine());
    let _ = writeln!(
        s,
        "- Ours: imageio-rs {} (git {}), {}, CLI features: {features}",
        env!("CARGO_PKG_VERSION"),
        command_out("git", &["rev-parse", "--short", "HEAD"]),
        command_out("rustc", &["-V"])
    );
    let v = |k: &str| versions[k].as_str().unwrap_or("?").to_owned();
    let _ = writeln!(
        s,
        "- Peers: Python {}, numpy {}, Pillow {}, OpenCV {} (`cv2.setNumThreads(1)`, `IMREAD_UNCHANGED`), tifffile {} (imagecodecs {}), PyAV {} (libavcodec {}), imageio {}",
        v("python"), v("numpy"), v("pillow"), v("opencv"), v("tifffile"), v("imagecodecs"), v("av"), v("ffmpeg"), v("imageio")
    );
    let _ = writeln!(
        s,
        "- Method: {rounds} rounds per file, each round N timed reads by us (`imageio bench`, in process, \
         after a warm-up read) then N by each peer (in one Python process, after a warm-up read), \
         N = {repeat} or more for fast files (about 0.25 s of reads, at most 40), so both sides share the machine's load; the page cache is warm for both. Times are medians over all \
         reads; the ratio is ours / the fastest peer that returns the same data (same dtype and pixel count) \
         — below 1 we are faster.\n"
    );
    let _ = writeln!(
        s,
        "| file | ours (plugin) | peers (median) | fastest peer | ratio |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|");
    let mut logs = Vec::new();
    for r in rows {
        if let Some(why) = &r.skipped {
            let _ = writeln!(s, "| `{}` {} | skipped: {why} | | | |", r.file, r.what);
            continue;
        }
        let peers: Vec<String> = r
            .peers
            .iter()
            .map(|p| match &p.excluded {
                Some(why) => format!("{}: n/a ({why})", p.name),
                None => format!("{}: {}", p.name, ms(median(&p.times))),
            })
            .collect();
        let (fp, ratio) = match (r.fastest_peer(), r.ratio()) {
            (Some((n, t)), Some(q)) => {
                logs.push(q.ln());
                (format!("{n} {}", ms(t)), format!("**{q:.2}**"))
            }
            _ => ("-".into(), "-".into()),
        };
        let _ = writeln!(
            s,
            "| `{}` {} | {} ({}) | {} | {fp} | {ratio} |",
            r.file,
            r.what,
            ms(r.ours_median()),
            r.plugin,
            peers.join("; ")
        );
    }
    if !logs.is_empty() {
        let g = (logs.iter().sum::<f64>() / logs.len() as f64).exp();
        let _ = writeln!(
            s,
            "\nGeometric mean of the ratios over {} files: **{g:.2}** (target ≤ 0.70).",
            logs.len()
        );
    }
    s.push_str(&encode_section(encodes, rounds, repeat));
    let _ = writeln!(s, "\n## Raw formats against memcpy\n");
    let _ = writeln!(
        s,
        "memcpy = copying the array's bytes into a newly allocated buffer, in the same process, same run \
         (page faults included, as for any read into a new array). Target: throughput ≥ 50% of memcpy.\n"
    );
    let _ = writeln!(
        s,
        "| file | bytes | ours | memcpy | ours / memcpy throughput |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|");
    for r in rows.iter().filter(|r| r.raw && r.skipped.is_none()) {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {:.0}% |",
            r.file,
            r.nbytes,
            ms(r.ours_median()),
            ms(r.memcpy),
            100.0 * r.memcpy / r.ours_median()
        );
    }
    s.push_str(&memory_section(rows, rss_base));
    let _ = writeln!(s, "\n## Thread scaling: batch conversion\n");
    let _ = writeln!(
        s,
        "`imageio convert <the set's single images> --to npy --out-dir DIR --jobs N` (rayon pool of N threads), wall time.\n"
    );
    let _ = writeln!(s, "| threads | wall time | speed-up |");
    let _ = writeln!(s, "|---|---|---|");
    if let Some(&(_, t1)) = scaling.first() {
        for (j, t) in scaling {
            let _ = writeln!(s, "| {j} | {:.2} s | {:.2}× |", t, t1 / t);
        }
    }
    let _ = writeln!(
        s,
        "\n## Thread scaling: the 64-page TIFF stack read whole\n"
    );
    let _ = writeln!(
        s,
        "`RAYON_NUM_THREADS=N imageio bench --all stack_64x512x512_u16.tif` (pages decoded in parallel), median.\n"
    );
    let _ = writeln!(s, "| threads | read time | speed-up |");
    let _ = writeln!(s, "|---|---|---|");
    if let Some(&(_, t1)) = stack.first() {
        for (j, t) in stack {
            let _ = writeln!(s, "| {j} | {} | {:.2}× |", ms(*t), t1 / t);
        }
    }
    let _ = writeln!(s, "{END}");
    s
}

/// The "Writing, side by side" section.
fn encode_section(encodes: &[EncodeRow], rounds: u32, repeat: u32) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\n## Writing, side by side\n");
    let fromarray = encodes
        .iter()
        .find_map(|r| r.fromarray_s)
        .map(|t| format!(", {}", ms(t)))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "`photo_4k.npy` (3840×2160 RGB u8) encoded in memory by us and by Pillow, in the same run: \
         {rounds} rounds per row, each N encodes by us (`imageio bench --write EXT -o SETTING`: \
         `imencode_with` in process, after a warm-up encode) then N by Pillow (`im.save(io.BytesIO(), \
         FORMAT, **settings)` in the peer process, after a warm-up encode; `im = Image.fromarray(a)` \
         is made once, outside the timing{fromarray}), N = {repeat} (3 when our encode takes over \
         0.2 s, 2 over 1 s). Times are medians, ratios ours / Pillow, sizes those of the encoded bytes. \
         Targets: PNG at least as fast as Pillow at an equal or smaller size; JPEG at least as fast \
         as Pillow at the same quality setting. PSNR: each JPEG decoded by Pillow against the source \
         array, in dB.\n"
    );
    let _ = writeln!(
        s,
        "| format | ours: setting | ours: time, size | Pillow: setting | Pillow: time, size | time ratio | size ratio | PSNR ours / Pillow | met |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    let side = |e: &EncodeSide| match &e.error {
        Some(why) => format!("n/a ({why})"),
        None if e.times.is_empty() => "-".into(),
        None => format!("{}, {}", ms(median(&e.times)), mib(e.bytes)),
    };
    let db = |p: Option<f64>| p.map(|p| format!("{p:.2}")).unwrap_or_else(|| "-".into());
    for r in encodes {
        let c = r.case;
        let (t, b) = match r.ratios() {
            Some((t, b)) => (format!("**{t:.2}**"), format!("{b:.3}")),
            None => ("-".into(), "-".into()),
        };
        let psnr = if c.psnr {
            format!("{} / {}", db(r.ours.psnr), db(r.pillow.psnr))
        } else {
            "lossless".into()
        };
        let met = match r.met() {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "-",
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {t} | {b} | {psnr} | {met} |",
            c.format,
            c.ours_note,
            side(&r.ours),
            c.pillow_note,
            side(&r.pillow)
        );
    }
    s
}

/// The "Peak memory of one read" section; `rss_base` is the whole-process
/// peak (KiB) of the same command on a 1×1 array.
fn memory_section(rows: &[Row], rss_base: Option<u64>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\n## Peak memory of one read\n");
    let base = rss_base
        .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "not measured".into());
    let _ = writeln!(
        s,
        "Two figures per file; the target ≤ 1.2 × array + 20 MiB is judged on the read's own peak. \
         **Read's own peak**: inside `imageio bench --json`, before its timed reads, once the warm-up \
         read's array is dropped and freed heap memory handed back (`malloc_trim`): `VmHWM` after one \
         read, the high-water mark reset just before it (`/proc/self/clear_refs`), minus `VmRSS` \
         before it; the largest over the file's runs. **Whole process**, kept for honesty: maximum \
         RSS of `imageio bench -n 1 FILE` (`/usr/bin/time -v`; the warm-up array is dropped before \
         the timed read), i.e. one read plus the process itself ({base} for the same command on a \
         1×1 array: code and linked libraries such as FFmpeg and PDF). Memory-mapped input pages \
         count in both.\n"
    );
    let _ = writeln!(
        s,
        "| file | array | whole-process peak | read's own peak | limit 1.2×array+20 MiB | met (read's own peak) |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    let mib = |b: f64| format!("{:.1} MiB", b / 1048576.0);
    for r in rows.iter().filter(|r| r.skipped.is_none()) {
        if r.rss_kib.is_none() && r.own_peak.is_none() {
            continue;
        }
        let array = r.nbytes as f64;
        let limit = 1.2 * array + 20.0 * 1048576.0;
        let whole = r
            .rss_kib
            .map(|k| mib(k as f64 * 1024.0))
            .unwrap_or_else(|| "-".into());
        let (own, met) = match r.own_peak {
            Some(b) => (
                mib(b as f64),
                if b as f64 <= limit { "yes" } else { "**no**" },
            ),
            None => ("-".into(), "-"),
        };
        let _ = writeln!(
            s,
            "| `{}` | {} {} {:?} | {whole} | {own} | {} | {met} |",
            r.file,
            mib(array),
            r.dtype,
            r.shape,
            mib(limit)
        );
    }
    s
}

/// Replaces the generated part of BENCHMARKS.md, keeping the rest.
fn write_benchmarks(root: &Path, report: &str) -> Result<(), String> {
    let path = root.join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(a), Some(b)) if a < b => format!(
            "{}{}{}",
            &old[..a],
            report.trim_end(),
            &old[b + END.len()..]
        ),
        _ => format!("# Benchmarks\n\n{report}"),
    };
    std::fs::write(&path, new).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("xtask bench: wrote {}", path.display());
    Ok(())
}

/// The Python side: generators (`gen-jpeg`, `gen-video`) and the timing
/// server (`serve`, JSON lines on stdin/stdout): `{"cmd": "time", "kind",
/// "path", "repeat"}` times the peers' reads, `{"cmd": "encode", "path",
/// "format", "params", "repeat", "psnr"}` Pillow's encodes of an NPY array
/// into an `io.BytesIO` (`{"times", "bytes", "fromarray_s", "psnr"}`),
/// `{"cmd": "psnr", "ref", "path"}` the PSNR of an image file against an NPY
/// array, `{"cmd": "versions"}` and `{"cmd": "quit"}`.
const PEERS_PY: &str = r#"# Written by `cargo xtask bench`; do not edit (regenerated on each run).
import json, sys, time, platform

def gen_jpeg(src, dst, quality, progressive):
    import numpy as np
    from PIL import Image
    a = np.load(src)
    Image.fromarray(a).save(dst, quality=int(quality), progressive=progressive == "1", subsampling=2)

def gen_video(dst, codec, w, h, n):
    import av, numpy as np
    w, h, n = int(w), int(h), int(n)
    out = av.open(dst, "w")
    s = out.add_stream(codec, rate=30)
    s.width, s.height, s.pix_fmt = w, h, "yuv420p"
    if codec == "libvpx-vp9":
        s.options = {"deadline": "realtime", "cpu-used": "8", "crf": "32", "b:v": "0"}
    else:
        s.options = {"preset": "veryfast", "crf": "23"}
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 12, size=(h, w, 3), dtype=np.uint8)
    for t in range(n):
        r = 110 + 80 * np.sin(xx / w * 6 + t * 0.1)
        g = 110 + 80 * np.cos(yy / h * 5 - t * 0.07)
        b = 120 + 60 * np.sin((xx + yy) / (w + h) * 9 + t * 0.05)
        img = np.stack([r, g, b], -1).astype(np.uint8) + noise
        cx, cy = int(w * (0.1 + 0.8 * t / n)), h // 2
        img[max(cy - h // 8, 0):cy + h // 8, max(cx - w // 16, 0):cx + w // 16] = (230, 60, 40)
        for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
            out.mux(p)
    for p in s.encode():
        out.mux(p)
    out.close()

def peers(kind):
    import numpy as np
    out = []
    if kind in ("image", "tiff"):
        def pil(p):
            from PIL import Image
            with Image.open(p) as im:
                return np.asarray(im)
        out.append(("pillow", pil))
        out.append(("opencv", lambda p: cv2.imread(p, cv2.IMREAD_UNCHANGED)))
        if kind == "tiff":
            out.append(("tifffile", lambda p: tifffile.imread(p)))
        out.append(("imageio", lambda p: iio.imread(p)))
    elif kind == "tiffstack":
        out.append(("tifffile", lambda p: tifffile.imread(p)))
        def cvmulti(p):
            ok, pages = cv2.imreadmulti(p, flags=cv2.IMREAD_UNCHANGED)
            return np.stack(pages)
        out.append(("opencv", cvmulti))
        def pilall(p):
            from PIL import Image, ImageSequence
            with Image.open(p) as im:
                return np.stack([np.asarray(f) for f in ImageSequence.Iterator(im)])
        out.append(("pillow", pilall))
        out.append(("imageio", lambda p: iio.imread(p, index=None)))
    elif kind == "npy":
        out.append(("numpy", lambda p: np.load(p)))
    elif kind == "gif":
        def pilgif(p):
            from PIL import Image, ImageSequence
            with Image.open(p) as im:
                return np.stack([np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)])
        out.append(("pillow", pilgif))
        out.append(("imageio", lambda p: iio.imread(p, index=None)))
    elif kind == "video":
        def pyav(p):
            import av
            with av.open(p) as c:
                return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])
        out.append(("pyav", pyav))
        def cvvid(p):
            cap = cv2.VideoCapture(p)
            frames = []
            while True:
                ok, f = cap.read()
                if not ok:
                    break
                frames.append(f)
            cap.release()
            return np.stack(frames)
        out.append(("opencv", cvvid))
    return out

def time_peers(kind, path, repeat):
    res = []
    for name, fn in peers(kind):
        try:
            a = fn(path)  # warm-up, and what it returns
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                b = fn(path)
                times.append(time.perf_counter() - t)
                del b
            res.append({"peer": name, "times": times, "shape": list(a.shape), "dtype": str(a.dtype)})
            del a
        except Exception as e:
            res.append({"peer": name, "error": f"{type(e).__name__}: {e}"})
    return res

def psnr_of(a, path_or_bytes):
    import io, math
    import numpy as np
    from PIL import Image
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with Image.open(src) as im:
        b = np.asarray(im.convert("RGB"))
    d = a.astype(np.float64) - b.astype(np.float64)
    mse = float(np.mean(d * d))
    return None if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)

def encode(path, fmt, params, repeat, psnr):
    import io
    import numpy as np
    from PIL import Image
    try:
        a = np.load(path)
        t = time.perf_counter()
        im = Image.fromarray(a)
        fromarray_s = time.perf_counter() - t
        def enc():
            buf = io.BytesIO()
            im.save(buf, fmt, **params)
            return buf
        b = enc()  # warm-up
        times = []
        for _ in range(repeat):
            del b
            t = time.perf_counter()
            b = enc()
            times.append(time.perf_counter() - t)
        data = b.getvalue()
        ans = {"times": times, "bytes": len(data), "fromarray_s": fromarray_s}
        if psnr:
            ans["psnr"] = psnr_of(a, data)
        return ans
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}

def psnr_file(ref, path):
    import numpy as np
    try:
        return {"psnr": psnr_of(np.load(ref), path)}
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}

def serve():
    global cv2, tifffile, iio
    import cv2, tifffile, numpy, PIL, av, imagecodecs
    import imageio.v3 as iio
    import imageio
    cv2.setNumThreads(1)
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req["cmd"]
        if cmd == "quit":
            break
        if cmd == "versions":
            ans = {"python": platform.python_version(), "numpy": numpy.__version__, "pillow": PIL.__version__,
                   "opencv": cv2.__version__, "tifffile": tifffile.__version__, "av": av.__version__,
                   "imageio": imageio.__version__, "imagecodecs": imagecodecs.__version__,
                   "ffmpeg": ".".join(map(str, av.library_versions.get("libavcodec", ())))}
        elif cmd == "encode":
            ans = encode(req["path"], req["format"], req.get("params", {}), int(req["repeat"]), bool(req.get("psnr")))
        elif cmd == "psnr":
            ans = psnr_file(req["ref"], req["path"])
        else:
            ans = time_peers(req["kind"], req["path"], int(req["repeat"]))
        sys.stdout.write(json.dumps(ans) + "\n")
        sys.stdout.flush()

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen-jpeg":
        gen_jpeg(*sys.argv[2:6])
    elif cmd == "gen-video":
        gen_video(*sys.argv[2:7])
    elif cmd == "serve":
        serve()
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_pixels() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(pixels(&[2160, 3840, 3], false), 2160 * 3840);
        assert_eq!(pixels(&[2160, 3840], false), 2160 * 3840);
        assert_eq!(pixels(&[64, 512, 512], true), 64 * 512 * 512);
        assert_eq!(pixels(&[60, 270, 480, 4], true), 60 * 270 * 480);
    }

    #[test]
    fn npy_header_is_aligned_and_parsable() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        write_npy(&p, "<u2", &[2, 3], &[0u8; 12]).unwrap();
        let b = std::fs::read(&p).unwrap();
        assert_eq!(&b[..8], b"\x93NUMPY\x01\x00");
        let hlen = u16::from_le_bytes([b[8], b[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0);
        let h = std::str::from_utf8(&b[10..10 + hlen]).unwrap();
        assert!(h.contains("'shape': (2, 3)") && h.ends_with('\n'), "{h}");
        assert_eq!(b.len(), 10 + hlen + 12);
    }

    #[test]
    fn own_peak_is_hwm_minus_rss_before() {
        let e = json!({"rss_before_bytes": 32_034_816u64, "read_peak_rss_bytes": 56_918_016u64});
        assert_eq!(own_peak(&e), Some(24_883_200));
        let e = json!({"rss_before_bytes": 100, "read_peak_rss_bytes": 90});
        assert_eq!(own_peak(&e), Some(0));
        let e = json!({"rss_before_bytes": 100, "read_peak_rss_bytes": null});
        assert_eq!(own_peak(&e), None);
        assert_eq!(own_peak(&json!({"median_s": 1.0})), None);
        // The largest over runs: `None` never wins.
        assert_eq!(Some(5u64).max(None), Some(5));
    }

    #[test]
    fn encode_repeats_shrink_for_slow_encodes() {
        assert_eq!(encode_repeat(0.09, 7), 7);
        assert_eq!(encode_repeat(0.5, 7), 3);
        assert_eq!(encode_repeat(4.7, 7), 2);
        assert_eq!(encode_repeat(0.5, 2), 2);
        assert_eq!(encode_repeat(2.0, 1), 1);
    }

    fn side(times: &[f64], bytes: u64, psnr: Option<f64>) -> EncodeSide {
        EncodeSide {
            times: times.to_vec(),
            bytes: Some(bytes),
            psnr,
            error: None,
        }
    }

    #[test]
    fn encode_table_rows_ratios_and_targets() {
        let png = EncodeRow {
            case: &ENCODE_CASES[0],
            ours: side(&[0.10, 0.08, 0.09], 11_602_390, None),
            pillow: side(&[0.8], 12_834_533, None),
            fromarray_s: Some(0.0234),
        };
        let (t, b) = png.ratios().unwrap();
        assert!(
            (t - 0.1125).abs() < 1e-9 && (b - 0.903_997_8).abs() < 1e-6,
            "{t} {b}"
        );
        assert_eq!(png.met(), Some(true));
        let jpeg = EncodeRow {
            case: &ENCODE_CASES[3],
            ours: side(&[0.09], 617_608, Some(41.932)),
            pillow: side(&[0.023], 596_636, Some(42.189)),
            fromarray_s: None,
        };
        // Slower: missed, whatever the size.
        assert_eq!(jpeg.met(), Some(false));
        let failed = EncodeRow::failed(&ENCODE_CASES[4], "no jpeg plugin".into());
        assert_eq!((failed.ratios(), failed.met()), (None, None));
        // PNG: faster but larger misses the target.
        let larger = EncodeRow {
            case: &ENCODE_CASES[1],
            ours: side(&[0.26], 18_268_038, None),
            pillow: side(&[0.8], 12_834_533, None),
            fromarray_s: None,
        };
        assert_eq!(larger.met(), Some(false));

        let s = encode_section(&[png, jpeg, failed], 3, 7);
        assert!(s.starts_with("\n## Writing, side by side\n\n"), "{s}");
        assert!(s.contains("outside the timing, 23.4 ms), N = 7"), "{s}");
        let rows: Vec<&str> = s.lines().filter(|l| l.starts_with("| ")).collect();
        assert_eq!(rows.len(), 4, "{s}");
        assert_eq!(
            rows[1],
            "| PNG | `compression=fast` (fdeflate, adaptive filter; the plugin's default and fastest) \
             | 90.0 ms, 11.06 MiB | `compress_level=1` | 800.0 ms, 12.24 MiB | **0.11** | 0.904 \
             | lossless | yes |"
        );
        assert_eq!(
            rows[2],
            "| JPEG | `quality=90` (4:2:0, the default) | 90.0 ms, 0.59 MiB \
             | `quality=90, subsampling=2` (4:2:0) | 23.0 ms, 0.57 MiB | **3.91** | 1.035 \
             | 41.93 / 42.19 | **no** |"
        );
        assert_eq!(
            rows[3],
            "| JPEG | `quality=75` (4:2:0, the default) | n/a (no jpeg plugin) \
             | `quality=75, subsampling=2` (4:2:0) | - | - | - | - / - | - |"
        );
    }

    #[test]
    fn memory_table_judges_the_reads_own_peak() {
        let e = Entry {
            file: "photo_4k.npy",
            kind: Kind::Npy,
            raw: true,
            what: "npy",
            gen: Gen::Copy("photo_rgb8"),
        };
        let mut met = Row::skipped(&e, String::new());
        met.skipped = None;
        met.shape = vec![2160, 3840, 3];
        met.dtype = "uint8".into();
        met.nbytes = 24_883_200;
        met.rss_kib = Some(58_072);
        met.own_peak = Some(24_883_200);
        let mut missed = Row::skipped(&e, String::new());
        missed.skipped = None;
        missed.file = "big.png";
        missed.shape = vec![2160, 3840, 3];
        missed.dtype = "uint8".into();
        missed.nbytes = 24_883_200;
        missed.own_peak = Some(60 << 20);
        let skipped = Row::skipped(&e, "no plugin".into());
        let s = memory_section(&[met, missed, skipped], Some(32_692));
        assert!(
            s.contains("(31.9 MiB for the same command on a 1×1 array"),
            "{s}"
        );
        assert!(s.contains("judged on the read's own peak"), "{s}");
        let rows: Vec<&str> = s.lines().filter(|l| l.starts_with("| ")).collect();
        assert_eq!(
            rows,
            [
                "| file | array | whole-process peak | read's own peak | limit 1.2×array+20 MiB | met (read's own peak) |",
                "| `photo_4k.npy` | 23.7 MiB uint8 [2160, 3840, 3] | 56.7 MiB | 23.7 MiB | 48.5 MiB | yes |",
                "| `big.png` | 23.7 MiB uint8 [2160, 3840, 3] | - | 60.0 MiB | 48.5 MiB | **no** |",
            ]
        );
        assert!(memory_section(&[], None).contains("(not measured for the same command"));
    }

    #[test]
    fn benchmarks_md_keeps_the_text_around_the_markers() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("BENCHMARKS.md"),
            format!("# B\nintro\n{BEGIN}\nold\n{END}\nnotes\n"),
        )
        .unwrap();
        write_benchmarks(dir.path(), &format!("{BEGIN}\nnew\n{END}\n")).unwrap();
        let s = std::fs::read_to_string(dir.path().join("BENCHMARKS.md")).unwrap();
        assert_eq!(s, format!("# B\nintro\n{BEGIN}\nnew\n{END}\nnotes\n"));
    }
}
