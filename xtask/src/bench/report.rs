//! The report: the generated sections of BENCHMARKS.md in markdown (reads,
//! writing, raw formats against memcpy, memory, thread scaling), and
//! rewriting the generated part of the file.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

use super::encodes::{EncodeRow, EncodeSide};
use super::reads::Row;
use super::scaling::cores;
use super::text::{mib, ms};
use super::Timing;

/// Markers around the generated part of BENCHMARKS.md; text outside them
/// (analysis, profiles) is kept when the command rewrites the file.
const BEGIN: &str = "<!-- xtask bench: generated, begin -->";
const END: &str = "<!-- xtask bench: generated, end -->";

/// Everything one run measured, and how.
pub struct Report<'a> {
    /// The reads, a row per file of the set.
    pub rows: &'a [Row],
    /// The animation reads, a row per case.
    pub anims: &'a [super::anim::AnimRow],
    /// The encodes, a row per case.
    pub encodes: &'a [EncodeRow],
    /// Batch conversion: (jobs, wall seconds).
    pub scaling: &'a [(usize, f64)],
    /// The TIFF stack read: (threads, median seconds).
    pub stack: &'a [(usize, f64)],
    /// First-call latency in fresh processes.
    pub cold: &'a super::cold::Cold,
    /// The 200-photo batch conversion.
    pub batch: &'a super::batch::Batch,
    /// Whole-process peak (KiB) of one read of a 1×1 array.
    pub rss_base: Option<u64>,
    /// The peer server's answer to `versions`.
    pub versions: &'a Json,
    /// The CLI's features, as built.
    pub features: &'a str,
    /// Whether the run was `--quick`.
    pub quick: bool,
    /// Rounds and reads per round.
    pub timing: Timing,
}

impl Report<'_> {
    /// The generated part of BENCHMARKS.md, markers included.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{BEGIN}");
        s.push_str(&self.intro());
        s.push_str(&reads_table(self.rows));
        s.push_str(&super::anim::section(self.anims));
        s.push_str(&encode_section(self.encodes, self.timing));
        s.push_str(&memcpy_section(self.rows));
        s.push_str(&memory_section(self.rows, self.rss_base));
        s.push_str(&super::cold::section(self.cold));
        s.push_str(&super::batch::section(self.batch));
        s.push_str(&scaling_sections(self.scaling, self.stack));
        let _ = writeln!(s, "{END}");
        s
    }

    /// The reads section's heading, what was run on what, and the method.
    fn intro(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "## Read times, side by side\n");
        let _ = writeln!(
            s,
            "Made by `cargo xtask bench --compare{}`.\n",
            if self.quick { " --quick" } else { "" }
        );
        let _ = writeln!(s, "- Machine: {}", machine());
        let _ = writeln!(
            s,
            "- Ours: imageio-rs {} (git {}), {}, CLI features: {}",
            env!("CARGO_PKG_VERSION"),
            // The commit, marked when the tree differs from it.
            command_out(
                "git",
                &[
                    "describe",
                    "--always",
                    "--exclude=*",
                    "--dirty=+uncommitted changes"
                ]
            ),
            command_out("rustc", &["-V"]),
            self.features
        );
        let v = |k: &str| self.versions[k].as_str().unwrap_or("?").to_owned();
        let _ = writeln!(
            s,
            "- Peers: Python {}, numpy {}, Pillow {}, OpenCV {} (`cv2.setNumThreads(1)`, `IMREAD_UNCHANGED`), tifffile {} (imagecodecs {}), PyAV {} (libavcodec {}), imageio {}",
            v("python"), v("numpy"), v("pillow"), v("opencv"), v("tifffile"), v("imagecodecs"), v("av"), v("ffmpeg"), v("imageio")
        );
        let Timing { rounds, repeat } = self.timing;
        let _ = writeln!(
            s,
            "- Method: {rounds} rounds per file, each round N timed reads by us (`imageio bench`, in process, \
             after a warm-up read) then N by each peer (in one Python process, after a warm-up read), \
             N = {repeat} or more for fast files (about 0.25 s of reads, at most 40), so both sides share the machine's load; the page cache is warm for both. Times are medians over all \
             reads; the ratio is ours / the fastest peer that returns the same data (same dtype and pixel count) \
             — below 1 we are faster.\n"
        );
        s
    }
}

/// `cmd args...`'s output, trimmed; `?` when it fails.
fn command_out(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "?".into())
}

/// The CPU, cores, RAM and kernel, for the report.
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
    format!(
        "{cpu}, {} cores available, {mem} RAM, Linux {}",
        cores(),
        command_out("uname", &["-r"])
    )
}

/// The reads table, a row per file, and the geometric mean of the ratios.
fn reads_table(rows: &[Row]) -> String {
    let mut s = String::new();
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
            ms(r.ours_s),
            r.plugin,
            r.peer_figures(":").join("; ")
        );
    }
    if !logs.is_empty() {
        let v = Verdict::of(rows);
        let _ = writeln!(
            s,
            "\nGeometric mean of the ratios over {} files: **{:.2}** (target ≤ {GEO_MEAN_TARGET:.2}).",
            v.files, v.geo_mean
        );
        if let Some((file, q)) = v.worst {
            let _ = writeln!(s, "Worst file: `{file}` at **{q:.2}**.");
        }
        let _ = writeln!(
            s,
            "Files above 1.0 (slower than the fastest peer): {}.",
            v.above_list("`")
        );
    }
    s
}

/// The target for the geometric mean of ours / the fastest peer.
pub const GEO_MEAN_TARGET: f64 = 0.70;

/// What the reads table says against its targets: the geometric mean of the
/// ratios, the worst file, and every file above 1.0 (slower than the fastest
/// peer that returns the same data).
pub struct Verdict<'a> {
    /// Files with a ratio.
    pub files: usize,
    /// Geometric mean of their ratios (NaN without files).
    pub geo_mean: f64,
    /// The file with the largest ratio.
    pub worst: Option<(&'a str, f64)>,
    /// Files whose ratio is above 1.0, worst first.
    pub above: Vec<(&'a str, f64)>,
}

impl<'a> Verdict<'a> {
    /// The verdict on the rows of one run.
    pub fn of(rows: &'a [Row]) -> Verdict<'a> {
        let mut ratios: Vec<(&str, f64)> = rows
            .iter()
            .filter_map(|r| r.ratio().map(|q| (r.file, q)))
            .collect();
        ratios.sort_by(|a, b| b.1.total_cmp(&a.1));
        let logs: f64 = ratios.iter().map(|(_, q)| q.ln()).sum();
        Verdict {
            files: ratios.len(),
            geo_mean: (logs / ratios.len() as f64).exp(),
            worst: ratios.first().copied(),
            above: ratios.iter().copied().filter(|(_, q)| *q > 1.0).collect(),
        }
    }

    /// Whether every target is met: no file above 1.0, the mean at or
    /// below [`GEO_MEAN_TARGET`].
    pub fn met(&self) -> bool {
        self.files > 0 && self.above.is_empty() && self.geo_mean <= GEO_MEAN_TARGET
    }

    /// The files above 1.0 with their ratios, `quote` around each name, or
    /// "none".
    fn above_list(&self, quote: &str) -> String {
        if self.above.is_empty() {
            return "none".into();
        }
        self.above
            .iter()
            .map(|(f, q)| format!("{quote}{f}{quote} {q:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The verdict in a few lines for the terminal.
    pub fn summary(&self) -> String {
        if self.files == 0 {
            return "xtask bench: no file has a ratio (every row skipped or without a peer)".into();
        }
        let mean = if self.geo_mean <= GEO_MEAN_TARGET {
            "met"
        } else {
            "MISSED"
        };
        let mut s = format!(
            "xtask bench: geometric mean of ours / the fastest peer over {} files: {:.2} \
             (target ≤ {GEO_MEAN_TARGET:.2}: {mean})",
            self.files, self.geo_mean
        );
        if let Some((file, q)) = self.worst {
            let _ = write!(s, "\nxtask bench: worst file: {file} at {q:.2}");
        }
        let _ = write!(
            s,
            "\nxtask bench: files above 1.0: {}{}",
            self.above_list(""),
            if self.above.is_empty() {
                ""
            } else {
                " (ABOVE the fastest peer)"
            }
        );
        s
    }
}

/// The "Writing, side by side" section.
fn encode_section(encodes: &[EncodeRow], timing: Timing) -> String {
    let Timing { rounds, repeat } = timing;
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
    for r in encodes {
        s.push_str(&encode_table_row(r));
    }
    s
}

/// One line of the writing table.
fn encode_table_row(r: &EncodeRow) -> String {
    let side = |e: &EncodeSide| match &e.error {
        Some(why) => format!("n/a ({why})"),
        None if e.median_s.is_nan() => "-".into(),
        None => format!("{}, {}", ms(e.median_s), mib(e.bytes)),
    };
    let db = |p: Option<f64>| p.map(|p| format!("{p:.2}")).unwrap_or_else(|| "-".into());
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
    format!(
        "| {} | {} | {} | {} | {} | {t} | {b} | {psnr} | {met} |\n",
        c.format,
        c.ours_note,
        side(&r.ours),
        c.pillow_note,
        side(&r.pillow)
    )
}

/// The "Raw formats against memcpy" section.
fn memcpy_section(rows: &[Row]) -> String {
    let mut s = String::new();
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
            ms(r.ours_s),
            ms(r.memcpy_s),
            100.0 * r.memcpy_s / r.ours_s
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
         count in both. **Fastest peer** (the reads table's fastest that returns the same data), \
         the same two figures from a fresh Python process per file that imports only that peer's \
         library (`peers.py peak`): a warm-up read, dropped, `gc.collect()` and `malloc_trim(0)`, \
         `VmRSS`, the high-water mark reset, one read, `VmHWM` (read's own peak, one run); whole \
         process: the larger `VmHWM` before the reset (interpreter, imports, warm-up read) and \
         after the read.\n"
    );
    let _ = writeln!(
        s,
        "| file | array | ours: whole process | ours: read's own peak | fastest peer: read's own peak | fastest peer: whole process | limit 1.2×array+20 MiB | met (ours, read's own peak) |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
    for r in rows.iter().filter(|r| r.skipped.is_none()) {
        if r.rss_kib.is_some() || r.own_peak.is_some() {
            s.push_str(&memory_row(r));
        }
    }
    s
}

/// One line of the memory table.
fn memory_row(r: &Row) -> String {
    let mib = |b: f64| format!("{:.1} MiB", b / 1048576.0);
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
    let (peer_own, peer_whole) = match &r.peer_peak {
        None => ("-".into(), "-".into()),
        Some(p) if p.error.is_some() => (format!("{}: failed", p.peer), "-".into()),
        Some(p) => {
            let show = |b: Option<u64>| b.map(|b| mib(b as f64)).unwrap_or_else(|| "-".into());
            (format!("{} {}", p.peer, show(p.own)), show(p.whole))
        }
    };
    format!(
        "| `{}` | {} {} {:?} | {whole} | {own} | {peer_own} | {peer_whole} | {} | {met} |\n",
        r.file,
        mib(array),
        r.dtype,
        r.shape,
        mib(limit)
    )
}

/// The two thread-scaling sections: batch conversion, the TIFF stack.
fn scaling_sections(scaling: &[(usize, f64)], stack: &[(usize, f64)]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\n## Thread scaling: batch conversion\n");
    let _ = writeln!(
        s,
        "`imageio convert <the set's single images> --to npy --out-dir DIR --jobs N` (rayon pool of N threads), wall time.\n"
    );
    speedup_table(&mut s, "wall time", scaling, |t| format!("{t:.2} s"));
    let _ = writeln!(
        s,
        "\n## Thread scaling: the 64-page TIFF stack read whole\n"
    );
    let _ = writeln!(
        s,
        "`RAYON_NUM_THREADS=N imageio bench --all stack_64x512x512_u16.tif` (pages decoded in parallel), median.\n"
    );
    speedup_table(&mut s, "read time", stack, ms);
    s
}

/// A table of (threads, seconds) with the speed-up over the first point;
/// `time` heads the seconds column, `show` prints them.
fn speedup_table(s: &mut String, time: &str, points: &[(usize, f64)], show: fn(f64) -> String) {
    let _ = writeln!(s, "| threads | {time} | speed-up |");
    let _ = writeln!(s, "|---|---|---|");
    if let Some(&(_, t1)) = points.first() {
        for &(j, t) in points {
            let _ = writeln!(s, "| {j} | {} | {:.2}× |", show(t), t1 / t);
        }
    }
}

/// Replaces the generated part of BENCHMARKS.md, keeping the rest.
pub fn write_benchmarks(root: &Path, report: &str) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::encodes::fixture::rows;
    use crate::bench::set::{Entry, Gen, Kind};

    #[test]
    fn encode_table_rows() {
        let s = encode_section(
            &rows(),
            Timing {
                rounds: 3,
                repeat: 7,
            },
        );
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

    /// Rows of `(file, ours, fastest peer)` in seconds, one skipped.
    fn timed_rows(times: &[(&'static str, f64, f64)]) -> Vec<Row> {
        let e = Entry {
            file: "skipped.mp4",
            kind: Kind::Npy,
            raw: false,
            what: "x",
            gen: Gen::Copy("photo_rgb8"),
        };
        let mut rows = vec![Row::skipped(&e, "no plugin".into())];
        for &(file, ours, peer) in times {
            let mut r = Row::skipped(&e, String::new());
            r.skipped = None;
            r.file = file;
            r.ours_s = ours;
            r.peers = vec![
                crate::bench::reads::PeerResult {
                    name: "fast".into(),
                    median_s: peer,
                    excluded: None,
                },
                crate::bench::reads::PeerResult {
                    name: "other data".into(),
                    median_s: peer / 10.0,
                    excluded: Some("returns uint8".into()),
                },
            ];
            rows.push(r);
        }
        rows
    }

    #[test]
    fn the_verdict_names_the_mean_the_worst_file_and_those_above_one() {
        let rows = timed_rows(&[
            ("a.png", 0.5, 1.0),
            ("b.jpg", 1.6, 1.0),
            ("c.tif", 1.1, 1.0),
        ]);
        let v = Verdict::of(&rows);
        assert_eq!(v.files, 3);
        assert!((v.geo_mean - (0.5f64 * 1.6 * 1.1).powf(1.0 / 3.0)).abs() < 1e-12);
        assert_eq!(v.worst, Some(("b.jpg", 1.6)));
        assert_eq!(v.above, [("b.jpg", 1.6), ("c.tif", 1.1)]);
        assert!(!v.met());
        let t = reads_table(&rows);
        assert!(t.contains("over 3 files: **0.96** (target ≤ 0.70)."), "{t}");
        assert!(t.contains("Worst file: `b.jpg` at **1.60**."), "{t}");
        assert!(
            t.contains(
                "Files above 1.0 (slower than the fastest peer): `b.jpg` 1.60, `c.tif` 1.10."
            ),
            "{t}"
        );
        let s = v.summary();
        assert!(
            s.contains("over 3 files: 0.96 (target ≤ 0.70: MISSED)"),
            "{s}"
        );
        assert!(s.contains("worst file: b.jpg at 1.60"), "{s}");
        assert!(
            s.contains("files above 1.0: b.jpg 1.60, c.tif 1.10 (ABOVE"),
            "{s}"
        );

        let rows = timed_rows(&[("a.png", 0.5, 1.0), ("b.jpg", 0.6, 1.0)]);
        let v = Verdict::of(&rows);
        assert!(v.met());
        assert!(v.summary().contains("(target ≤ 0.70: met)"));
        assert!(v.summary().contains("files above 1.0: none"));
        assert!(reads_table(&rows).contains("slower than the fastest peer): none."));
        assert!(!Verdict::of(&rows[..1]).met());
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
        met.peer_peak = Some(crate::bench::memory::PeerPeak {
            peer: "numpy".into(),
            own: Some(25_165_824),
            whole: Some(52_428_800),
            error: None,
        });
        let mut missed = Row::skipped(&e, String::new());
        missed.skipped = None;
        missed.file = "big.png";
        missed.shape = vec![2160, 3840, 3];
        missed.dtype = "uint8".into();
        missed.nbytes = 24_883_200;
        missed.own_peak = Some(60 << 20);
        missed.peer_peak = Some(crate::bench::memory::PeerPeak {
            peer: "pillow".into(),
            own: None,
            whole: None,
            error: Some("MemoryError".into()),
        });
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
                "| file | array | ours: whole process | ours: read's own peak | fastest peer: read's own peak | fastest peer: whole process | limit 1.2×array+20 MiB | met (ours, read's own peak) |",
                "| `photo_4k.npy` | 23.7 MiB uint8 [2160, 3840, 3] | 56.7 MiB | 23.7 MiB | numpy 24.0 MiB | 50.0 MiB | 48.5 MiB | yes |",
                "| `big.png` | 23.7 MiB uint8 [2160, 3840, 3] | - | 60.0 MiB | pillow: failed | - | 48.5 MiB | **no** |",
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
