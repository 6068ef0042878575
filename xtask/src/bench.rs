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
//!
//! Every median the report shows (of our reads and encodes pooled over the
//! rounds, of each peer's, of the memcpy times) is taken by the peer
//! program's `median` command, in Python, so that xtask reduces no times
//! itself.
//!
//! Beyond one read (module `memory`, `cold`, `batch`): the memory of one
//! read by the fastest peer beside ours (a fresh Python process per file,
//! measured as `imageio bench --json` measures ours); the first call in a
//! fresh process (`imageio bench --cold` against `python -c` importing
//! Pillow, OpenCV or imageio and reading once: process wall time and the
//! in-process import and first read; photo_4k_baseline.jpg and a 640×480
//! PNG); and batch conversion of 200 photo-like 1600×1200 JPEGs
//! (`target/bench-set/photos_200`, made once by Pillow) to PNG on every
//! core, `imageio convert DIR --to png` against a `multiprocessing.Pool`
//! over Pillow at its default `compress_level` and at 1, with the output
//! sizes.
//!
//! Animations: frame 0, frame 59, every frame and `improps` of the set's
//! 60-frame GIF, frame 0 and `improps` of its 60-frame APNG, beside Pillow
//! and imageio, timed by `imageio-gif`'s `anim_timing` example (module
//! `anim`).
//!
//! The submodules, one job each: `set` (the comparison set and making it),
//! `pixels` (its base arrays as NPY), `ours` (building and running our CLI),
//! `peers` (the venv and the peer program `peers.py`), `reads` and `encodes`
//! (timing both sides), `memory` (peak RSS), `cold` (first call), `batch`
//! (200 photos to PNG), `scaling` (threads), `report` (BENCHMARKS.md),
//! `text` (figures and messages for people).
//!
//! The verdict: after writing BENCHMARKS.md the command prints the geometric
//! mean of ours / the fastest peer against its target (0.70), the worst file,
//! and every file above 1.0; with `--check` it fails when a file is above
//! 1.0 or the mean above the target (the report is written either way).

mod anim;
mod batch;
mod cold;
mod encodes;
mod memory;
mod ours;
mod peers;
mod pixels;
mod reads;
mod report;
mod scaling;
mod set;
mod text;

use std::path::{Path, PathBuf};

use serde_json::json;

use peers::PeerServer;
use report::Report;

/// How much timing a run does: rounds per file or encode case, and the
/// timed repeats per round (the least; fast reads get more).
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Rounds, ours and the peers' alternately.
    pub rounds: u32,
    /// Timed reads or encodes per side and round.
    pub repeat: u32,
}

/// Runs `cargo xtask bench`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let args = parse_args(args)?;
    let quick = args.quick;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    // The FFmpeg libraries for the CLI's `ffmpeg` feature (without them the
    // video rows are skipped), then what the peers and RSS figures need.
    if let Err(e) = crate::system::ensure_packages() {
        eprintln!("xtask bench: {e}; continuing without them");
    }
    crate::system::ensure(crate::system::BENCH_PACKAGES)?;
    let (exe, features) = ours::build_cli(root, &target)?;
    let timer = anim::build_timer(root, &target);
    let python = peers::ensure_venv(&target)?;
    let dir = target.join("bench-set");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let script = peers::write_script(&dir)?;
    let entries = set::set();
    let generated = set::generate(&entries, &dir, &exe, &python, &script)?;
    if let Err(e) = batch::ensure_photos(&dir, &python, &script) {
        eprintln!("xtask bench: {e}; the batch and small-PNG rows will say so");
    }
    let timing = if quick {
        Timing {
            rounds: 2,
            repeat: 3,
        }
    } else {
        Timing {
            rounds: 3,
            repeat: 7,
        }
    };
    let mut peers = PeerServer::start(&python, &script)?;
    let versions = peers.call(&json!({"cmd": "versions"}))?;
    let mut rows = reads::measure_set(&entries, &generated, &dir, &exe, &mut peers, timing);
    let anims = anim::measure(&generated, &dir, &timer, &mut peers, timing);
    let rss_base = memory::process_rss(&exe, &dir);
    memory::peer_peaks(&entries, &mut rows, &python, &script, &dir);
    let encodes = encodes::measure_encodes(&generated, &dir, &exe, &mut peers, timing);
    let scaling = scaling::thread_scaling(&exe, &dir, &entries);
    let stack = scaling::stack_scaling(&exe, &dir, timing.repeat);
    drop(peers);
    let cold = cold::measure(&exe, &python, &script, &dir, if quick { 3 } else { 5 });
    let batch = batch::measure(&exe, &python, &script, &dir, timing.rounds);
    let report = Report {
        rows: &rows,
        anims: &anims,
        encodes: &encodes,
        scaling: &scaling,
        stack: &stack,
        cold: &cold,
        batch: &batch,
        rss_base,
        versions: &versions,
        features: &features,
        quick,
        timing,
    }
    .render();
    println!("{report}");
    report::write_benchmarks(root, &report)?;
    let verdict = report::Verdict::of(&rows);
    eprintln!("{}", verdict.summary());
    if args.check && !verdict.met() {
        return Err("the read targets are not met (--check): see above".into());
    }
    Ok(())
}

/// What `cargo xtask bench` was asked.
struct Args {
    /// `--quick`: 2 shorter rounds.
    quick: bool,
    /// `--check`: fail when a file is above 1.0 or the mean above the target.
    check: bool,
}

/// The arguments of `cargo xtask bench`: `--compare` (required),
/// `--quick` and `--check`.
fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut compare = false;
    let mut parsed = Args {
        quick: false,
        check: false,
    };
    for a in args {
        match a.as_str() {
            "--compare" => compare = true,
            "--quick" => parsed.quick = true,
            "--check" => parsed.check = true,
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
    Ok(parsed)
}
