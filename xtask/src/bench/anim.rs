//! Animations beside Pillow (and Python's imageio): frame 0, the last frame
//! and every frame of the set's 60-frame GIF, frame 0 of the 60-frame APNG,
//! and `improps` of both, timed by the `anim_timing` example of
//! `imageio-gif` (the CLI's `bench` reads frame 0 or every frame only) and
//! by the peer server's `frame`, `gif` and `props` requests, round by round.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value as Json};

use super::ours::seconds;
use super::peers::PeerServer;
use super::set::Generated;
use super::text::{first_line, ms};
use super::Timing;
use crate::system::run as sh;
use crate::workspace::cargo;

/// One timed read of an animated file.
struct Case {
    file: &'static str,
    /// What is read, for the report.
    what: &'static str,
    /// The timer's arguments before REPEAT.
    ours: &'static [&'static str],
    /// The peer server's request kind, and the frame index for `frame`.
    kind: &'static str,
    index: usize,
}

const CASES: &[Case] = &[
    Case {
        file: "anim_60f.gif",
        what: "frame 0",
        ours: &["--index", "0"],
        kind: "frame",
        index: 0,
    },
    Case {
        file: "anim_60f.gif",
        what: "frame 59",
        ours: &["--index", "59"],
        kind: "frame",
        index: 59,
    },
    Case {
        file: "anim_60f.gif",
        what: "all 60 frames",
        ours: &["--all"],
        kind: "gif",
        index: 0,
    },
    Case {
        file: "anim_60f.gif",
        what: "improps (shape, frame count)",
        ours: &["--props"],
        kind: "props",
        index: 0,
    },
    Case {
        file: "anim_60f.apng",
        what: "frame 0",
        ours: &["--index", "0"],
        kind: "frame",
        index: 0,
    },
    Case {
        file: "anim_60f.apng",
        what: "improps (shape, frame count)",
        ours: &["--props"],
        kind: "props",
        index: 0,
    },
];

/// One row of the animation table.
pub struct AnimRow {
    file: &'static str,
    what: &'static str,
    /// Why the row has no figures.
    skipped: Option<String>,
    /// Our shape (frame count first for `improps`) and plugin.
    shape: Vec<usize>,
    plugin: String,
    ours_s: f64,
    /// (peer, median seconds or why not).
    peers: Vec<(String, Result<f64, String>)>,
}

/// Builds the timer (`cargo build --release -p imageio-gif --example
/// anim_timing`); returns its path.
pub fn build_timer(root: &Path, target: &Path) -> Result<PathBuf, String> {
    sh(Command::new(cargo()).current_dir(root).args([
        "build",
        "--release",
        "-p",
        "imageio-gif",
        "--example",
        "anim_timing",
    ]))?;
    Ok(target.join("release").join("examples").join("anim_timing"))
}

/// Runs the timer once; its JSON answer.
fn ours(timer: &Path, case: &Case, path: &Path, repeat: u32) -> Result<Json, String> {
    let o = Command::new(timer)
        .args(case.ours)
        .arg(repeat.to_string())
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", timer.display()))?;
    if !o.status.success() {
        return Err(first_line(&String::from_utf8_lossy(&o.stderr)));
    }
    serde_json::from_slice(&o.stdout).map_err(|e| format!("bad JSON: {e}"))
}

/// Times every case, ours and the peers' alternately per round; prints a
/// progress line per row.
pub fn measure(
    generated: &Generated,
    dir: &Path,
    timer: &Result<PathBuf, String>,
    peers: &mut PeerServer,
    timing: Timing,
) -> Vec<AnimRow> {
    CASES
        .iter()
        .map(|c| {
            let row = match (generated.get(c.file), timer) {
                (Some(Err(why)), _) => AnimRow::skipped(c, format!("could not generate: {why}")),
                (_, Err(why)) => AnimRow::skipped(c, format!("no timer: {why}")),
                (_, Ok(timer)) => measure_case(c, &dir.join(c.file), timer, peers, timing),
            };
            eprintln!("{}", row.line());
            row
        })
        .collect()
}

fn measure_case(
    c: &Case,
    path: &Path,
    timer: &Path,
    peers: &mut PeerServer,
    timing: Timing,
) -> AnimRow {
    let probe = match ours(timer, c, path, 1) {
        Ok(j) => j,
        Err(why) => return AnimRow::skipped(c, format!("our read failed: {why}")),
    };
    let shape: Vec<usize> = probe["shape"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d.as_u64().map(|d| d as usize))
        .collect();
    // Pillow converts to what we return: RGB, or RGBA with an alpha channel.
    let mode = if shape.last() == Some(&4) {
        "RGBA"
    } else {
        "RGB"
    };
    let probe_s = seconds(&probe, "times_s").first().copied().unwrap_or(1.0);
    let repeat = ((0.25 / probe_s.max(1e-6)) as u32).clamp(timing.repeat, 40);
    let mut ours_t = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut peer_t: Vec<Result<Vec<f64>, String>> = Vec::new();
    for _ in 0..timing.rounds {
        match ours(timer, c, path, repeat) {
            Ok(j) => ours_t.extend(seconds(&j, "times_s")),
            Err(why) => return AnimRow::skipped(c, format!("our read failed: {why}")),
        }
        let req = json!({"cmd": "time", "kind": c.kind, "path": path, "repeat": repeat,
                         "index": c.index, "mode": mode});
        let answer = match peers.call(&req) {
            Ok(a) => a,
            Err(why) => return AnimRow::skipped(c, format!("peer server: {why}")),
        };
        for p in answer.as_array().into_iter().flatten() {
            let name = p["peer"].as_str().unwrap_or("?").to_owned();
            let k = match names.iter().position(|n| *n == name) {
                Some(k) => k,
                None => {
                    names.push(name);
                    peer_t.push(Ok(Vec::new()));
                    names.len() - 1
                }
            };
            match (p["error"].as_str(), &mut peer_t[k]) {
                (Some(e), slot) => *slot = Err(e.chars().take(80).collect()),
                (None, Ok(t)) => t.extend(seconds(p, "times")),
                (None, Err(_)) => {}
            }
        }
    }
    let mut lists: Vec<&[f64]> = vec![&ours_t];
    for t in peer_t.iter().flatten() {
        lists.push(t);
    }
    let medians = match peers.medians(&lists) {
        Ok(m) => m,
        Err(why) => return AnimRow::skipped(c, format!("medians: {why}")),
    };
    let mut it = medians[1..].iter();
    let peers = names
        .into_iter()
        .zip(peer_t)
        .map(|(n, t)| (n, t.map(|_| *it.next().unwrap_or(&f64::NAN))))
        .collect();
    AnimRow {
        file: c.file,
        what: c.what,
        skipped: None,
        shape,
        plugin: probe["plugin"].as_str().unwrap_or("?").to_owned(),
        ours_s: medians[0],
        peers,
    }
}

impl AnimRow {
    fn skipped(c: &Case, why: String) -> AnimRow {
        AnimRow {
            file: c.file,
            what: c.what,
            skipped: Some(why),
            shape: vec![],
            plugin: String::new(),
            ours_s: f64::NAN,
            peers: vec![],
        }
    }

    /// Ours / Pillow's median.
    fn ratio(&self) -> Option<f64> {
        self.peers
            .iter()
            .find(|(n, _)| n == "pillow")
            .and_then(|(_, t)| t.as_ref().ok())
            .map(|t| self.ours_s / t)
            .filter(|r| r.is_finite())
    }

    fn peer_text(&self) -> String {
        self.peers
            .iter()
            .map(|(n, t)| match t {
                Ok(t) => format!("{n} {}", ms(*t)),
                Err(e) => format!("{n} n/a ({e})"),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The progress line of the row.
    fn line(&self) -> String {
        if let Some(why) = &self.skipped {
            return format!("{} {}: skipped: {why}", self.file, self.what);
        }
        format!(
            "{} {}: ours {} ({}); {}; ratio to Pillow {}",
            self.file,
            self.what,
            ms(self.ours_s),
            self.plugin,
            self.peer_text(),
            self.ratio()
                .map(|r| format!("{r:.2}"))
                .unwrap_or_else(|| "-".into())
        )
    }
}

/// The "Animations" section of the report.
pub fn section(rows: &[AnimRow]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n## Animations: one frame, every frame, properties\n\n\
         Our reads are timed in process by `imageio-gif`'s `anim_timing` example \
         (release build; each call opens the file afresh, as the peers do); \
         Pillow reads frame `i` as `Image.open(f)`, `seek(i)`, `convert(\"RGB\")` \
         (`\"RGBA\"` when we return RGBA) and `np.asarray`, every frame as the \
         reads table does, and the properties as `Image.open(f)` with `size`, \
         `mode` and `n_frames`; imageio as `imread(f, index=i)`, \
         `imread(f, index=None)` and `improps(f)`. Our `improps` gives the \
         shape and the frame count (`n_images`).\n"
    );
    let _ = writeln!(
        s,
        "| file | read | ours (plugin, shape) | peers (median) | ours / Pillow |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|");
    for r in rows {
        if let Some(why) = &r.skipped {
            let _ = writeln!(s, "| `{}` | {} | skipped: {why} | | |", r.file, r.what);
            continue;
        }
        let ratio = r
            .ratio()
            .map(|q| format!("**{q:.2}**"))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            s,
            "| `{}` | {} | {} ({}, {:?}) | {} | {ratio} |",
            r.file,
            r.what,
            ms(r.ours_s),
            r.plugin,
            r.shape,
            r.peer_text()
        );
    }
    s
}
