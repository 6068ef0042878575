//! Batch conversion throughput: 200 photo-like JPEGs to PNG on every core,
//! `imageio convert DIR --to png --out-dir OUT` beside a
//! `multiprocessing.Pool` over Pillow (at its default compression and at
//! `compress_level=1`), rounds alternating the converters, with the total
//! size of each converter's PNGs. Also makes the batch's photos and the
//! small PNG the first-call latency reads (`cold`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use super::peers::medians;
use super::scaling::{cores, wall};
use super::text::{first_line, ms};

/// How many photos the batch converts.
pub const PHOTOS: usize = 200;
/// Their size (camera-like 4:3, small enough to keep a run short).
const PHOTO_W: usize = 1600;
const PHOTO_H: usize = 1200;
/// The photos' folder in the set's directory (nothing else goes in it: the
/// batch converts every file there).
pub const PHOTO_DIR: &str = "photos_200";
/// A 640×480 RGB PNG (Pillow's writer), for the first-call latency.
pub const SMALL_PNG: &str = "small_640x480.png";
/// Bumped when the photos change; kept in `PHOTO_DIR.version` beside the
/// folder, apart from the set's `SET_VERSION` so that neither remakes the
/// other.
const PHOTOS_VERSION: &str = "1";
/// A converter whose first run takes longer than this runs only once,
/// which keeps `--compare` short (Pillow at zlib level 6).
const LONG_RUN_S: f64 = 20.0;

/// Makes the photos and the small PNG in `dir` unless they are there from
/// this `PHOTOS_VERSION` (`python script gen-photos`, Pillow q90 4:2:0).
pub fn ensure_photos(dir: &Path, python: &Path, script: &Path) -> Result<(), String> {
    let photos = dir.join(PHOTO_DIR);
    let stamp = dir.join(format!("{PHOTO_DIR}.version"));
    let current = std::fs::read_to_string(&stamp).unwrap_or_default();
    if current.trim() == PHOTOS_VERSION
        && jpegs(&photos).len() == PHOTOS
        && dir.join(SMALL_PNG).exists()
    {
        return Ok(());
    }
    eprintln!(
        "xtask bench: making {PHOTOS} photos in {}",
        photos.display()
    );
    let _ = std::fs::remove_file(&stamp);
    let _ = std::fs::remove_dir_all(&photos);
    let t = Instant::now();
    let o = Command::new(python)
        .arg(script)
        .arg("gen-photos")
        .arg(dir.join("photo_rgb8.npy"))
        .arg(&photos)
        .args([PHOTOS, PHOTO_W, PHOTO_H].map(|n| n.to_string()))
        .arg(dir.join(SMALL_PNG))
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !o.status.success() || jpegs(&photos).len() != PHOTOS {
        let _ = std::fs::remove_dir_all(&photos);
        return Err(format!(
            "gen-photos failed: {}",
            first_line(&String::from_utf8_lossy(&o.stderr))
        ));
    }
    eprintln!("xtask bench: photos in {:.1} s", t.elapsed().as_secs_f64());
    std::fs::write(&stamp, PHOTOS_VERSION)
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// The `.jpg` files in `dir`, sorted.
fn jpegs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
        .collect();
    v.sort();
    v
}

/// The number and total bytes of the `.png` files in `dir`.
fn pngs(dir: &Path) -> (usize, u64) {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .fold((0, 0), |(n, b), e| {
            (n + 1, b + e.metadata().map(|m| m.len()).unwrap_or(0))
        })
}

/// Who converts: our CLI, or Pillow at a `compress_level` (`default`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Converter {
    Ours,
    Pillow(&'static str),
}

/// One converter's figures.
#[derive(Debug)]
pub struct Side {
    /// Who, for the table.
    pub name: String,
    /// Its PNG setting, for the table.
    pub setting: &'static str,
    /// Wall seconds of each run.
    pub times: Vec<f64>,
    /// Their median (NaN without runs).
    pub median_s: f64,
    /// Total bytes of the PNGs of its last run.
    pub out_bytes: u64,
    /// Why it has no (more) figures.
    pub error: Option<String>,
}

/// The batch comparison.
#[derive(Debug)]
pub struct Batch {
    /// The photos, and their total bytes.
    pub photos: usize,
    pub photo_bytes: u64,
    /// Cores: our default jobs and the Pool's size.
    pub jobs: usize,
    /// Ours first, then the peers.
    pub sides: Vec<Side>,
    /// Why nothing was measured.
    pub skipped: Option<String>,
}

impl Batch {
    /// Ours / `side` in time per file (the file counts are equal).
    pub fn ratio(&self, side: &Side) -> Option<f64> {
        let ours = self.sides.first()?;
        let q = ours.median_s / side.median_s;
        q.is_finite().then_some(q)
    }
}

/// The converters, ours first, with their PNG settings.
const CONVERTERS: &[(Converter, &str)] = &[
    (
        Converter::Ours,
        "`compression=fast` (the writer's default: fdeflate, adaptive filter)",
    ),
    (
        Converter::Pillow("default"),
        "default (`compress_level=6`, zlib)",
    ),
    (Converter::Pillow("1"), "`compress_level=1` (zlib)"),
];

/// Converts the photos with each converter, `rounds` rounds (a converter
/// whose first run exceeds `LONG_RUN_S` runs once: a run that long is not
/// moved much by the machine's noise); medians taken by
/// `python script median`.
pub fn measure(exe: &Path, python: &Path, script: &Path, dir: &Path, rounds: u32) -> Batch {
    let photos = dir.join(PHOTO_DIR);
    let files = jpegs(&photos);
    let jobs = cores();
    let mut batch = Batch {
        photos: files.len(),
        photo_bytes: files
            .iter()
            .filter_map(|p| p.metadata().ok())
            .map(|m| m.len())
            .sum(),
        jobs,
        sides: CONVERTERS
            .iter()
            .map(|&(c, setting)| Side {
                name: match c {
                    Converter::Ours => "ours: `imageio convert`".into(),
                    Converter::Pillow(_) => format!("Pillow, `Pool({jobs})`"),
                },
                setting,
                times: vec![],
                median_s: f64::NAN,
                out_bytes: 0,
                error: None,
            })
            .collect(),
        skipped: None,
    };
    if files.len() != PHOTOS {
        batch.skipped = Some(format!("{} photos, not {PHOTOS}", files.len()));
        return batch;
    }
    let out = dir.join("batch-out");
    for round in 0..rounds {
        for (side, &(c, _)) in batch.sides.iter_mut().zip(CONVERTERS) {
            let long = side.times.first().is_some_and(|&t| t > LONG_RUN_S);
            if side.error.is_some() || (round >= 1 && long) {
                continue;
            }
            match run_once(c, exe, python, script, &photos, &out, jobs) {
                Ok((t, bytes)) => {
                    side.times.push(t);
                    side.out_bytes = bytes;
                }
                Err(why) => side.error = Some(why),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    let lists: Vec<&[f64]> = batch.sides.iter().map(|s| s.times.as_slice()).collect();
    match medians(python, script, &lists) {
        Ok(m) => {
            for (s, m) in batch.sides.iter_mut().zip(m) {
                s.median_s = m;
            }
        }
        Err(why) => batch.skipped = Some(format!("could not take the medians: {why}")),
    }
    for s in &batch.sides {
        eprintln!(
            "batch: {} {}: {} ({} runs){}",
            s.name,
            s.setting,
            ms(s.median_s),
            s.times.len(),
            s.error
                .as_deref()
                .map(|e| format!(", failed: {e}"))
                .unwrap_or_default()
        );
    }
    batch
}

/// One run into an emptied `out`: wall seconds of the whole process and the
/// PNGs' total bytes; an error unless it wrote one PNG per photo.
fn run_once(
    c: Converter,
    exe: &Path,
    python: &Path,
    script: &Path,
    photos: &Path,
    out: &Path,
    jobs: usize,
) -> Result<(f64, u64), String> {
    let _ = std::fs::remove_dir_all(out);
    let mut cmd = match c {
        Converter::Ours => {
            let mut cmd = Command::new(exe);
            cmd.arg("convert")
                .arg(photos)
                .args(["--to", "png", "--out-dir"])
                .arg(out);
            cmd
        }
        Converter::Pillow(level) => {
            let mut cmd = Command::new(python);
            cmd.arg(script)
                .arg("batch-png")
                .arg(photos)
                .arg(out)
                .arg(level)
                .arg(jobs.to_string());
            cmd
        }
    };
    let (t, _) = wall(&mut cmd)?;
    let (n, bytes) = pngs(out);
    let _ = std::fs::remove_dir_all(out);
    if n != PHOTOS {
        return Err(format!("wrote {n} PNGs, not {PHOTOS}"));
    }
    Ok((t, bytes))
}

/// The "Batch conversion" section.
pub fn section(b: &Batch) -> String {
    let mib = |bytes: u64| format!("{:.1} MiB", bytes as f64 / 1048576.0);
    let mut s = String::new();
    let _ = writeln!(s, "\n## Batch conversion: {PHOTOS} photos to PNG\n");
    let _ = writeln!(
        s,
        "{} photo-like JPEGs ({PHOTO_W}×{PHOTO_H} RGB, Pillow q90 4:2:0, {} in all; \
         `target/bench-set/{PHOTO_DIR}/`) converted to PNG on {} cores. Ours: \
         `imageio convert {PHOTO_DIR} --to png --out-dir OUT` (default jobs: one per core). \
         Pillow: `multiprocessing.Pool({}).map` of `Image.open(p).save(out, \"PNG\", **setting)` \
         (`peers.py batch-png`). Times are the wall time of the whole process (start-up, \
         imports and pool included), rounds alternating the rows, median (a row whose first \
         run takes over {LONG_RUN_S:.0} s runs once); the output folder is emptied before \
         each run and the page cache is warm. Our PNG writer's default is \
         `compression=fast` (fdeflate, adaptive filter: faster than zlib, at some cost in \
         size); Pillow's default is zlib level 6, so Pillow at `compress_level=1` is the \
         closer setting. The output totals show what each setting costs in size.\n",
        b.photos,
        mib(b.photo_bytes),
        b.jobs,
        b.jobs
    );
    if let Some(why) = &b.skipped {
        let _ = writeln!(s, "Skipped: {why}.");
        return s;
    }
    let _ = writeln!(
        s,
        "| converter | PNG setting | wall time (runs) | files/s | per file | output total | ours / this |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for (i, side) in b.sides.iter().enumerate() {
        if let Some(why) = &side.error {
            let _ = writeln!(
                s,
                "| {} | {} | failed: {why} | | | | |",
                side.name, side.setting
            );
            continue;
        }
        let ratio = match b.ratio(side) {
            Some(_) if i == 0 => "1.00".into(),
            Some(q) => format!("**{q:.2}**"),
            None => "-".into(),
        };
        let per_file = side.median_s / b.photos as f64;
        let _ = writeln!(
            s,
            "| {} | {} | {:.2} s ({}) | {:.1} | {} | {} | {ratio} |",
            side.name,
            side.setting,
            side.median_s,
            side.times.len(),
            b.photos as f64 / side.median_s,
            ms(per_file),
            mib(side.out_bytes)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(name: &str, setting: &'static str, median_s: f64, runs: usize, out: u64) -> Side {
        Side {
            name: name.into(),
            setting,
            times: vec![median_s; runs],
            median_s,
            out_bytes: out,
            error: None,
        }
    }

    #[test]
    fn the_section_gives_throughput_sizes_and_ratios() {
        let mut b = Batch {
            photos: 200,
            photo_bytes: 72 << 20,
            jobs: 2,
            sides: vec![
                side("ours", "fast", 5.0, 3, 440 << 20),
                side("Pillow", "default", 50.0, 2, 400 << 20),
                side("Pillow", "level 1", 10.0, 3, 470 << 20),
            ],
            skipped: None,
        };
        b.sides.push(Side {
            error: Some("exit 1".into()),
            ..side("broken", "x", f64::NAN, 0, 0)
        });
        assert_eq!(b.ratio(&b.sides[1]), Some(0.1));
        assert_eq!(b.ratio(&b.sides[3]), None);
        let s = section(&b);
        assert!(
            s.starts_with("\n## Batch conversion: 200 photos to PNG\n"),
            "{s}"
        );
        assert!(
            s.contains("(1600×1200 RGB, Pillow q90 4:2:0, 72.0 MiB in all;"),
            "{s}"
        );
        assert!(s.contains("converted to PNG on 2 cores"), "{s}");
        assert!(s.contains("`multiprocessing.Pool(2).map`"), "{s}");
        let rows: Vec<&str> = s.lines().filter(|l| l.starts_with("| ")).collect();
        assert_eq!(
            rows[1..],
            [
                "| ours | fast | 5.00 s (3) | 40.0 | 25.0 ms | 440.0 MiB | 1.00 |",
                "| Pillow | default | 50.00 s (2) | 4.0 | 250.0 ms | 400.0 MiB | **0.10** |",
                "| Pillow | level 1 | 10.00 s (3) | 20.0 | 50.0 ms | 470.0 MiB | **0.50** |",
                "| broken | x | failed: exit 1 | | | | |",
            ]
        );
        b.skipped = Some("3 photos, not 200".into());
        assert!(section(&b).ends_with("Skipped: 3 photos, not 200.\n"));
    }

    #[test]
    fn photos_and_pngs_are_counted_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        for (f, n) in [
            ("b.jpg", 3),
            ("a.jpg", 1),
            ("c.png", 5),
            ("d.png", 7),
            ("e.txt", 2),
        ] {
            std::fs::write(dir.path().join(f), vec![0u8; n]).unwrap();
        }
        let j = jpegs(dir.path());
        assert_eq!(j, [dir.path().join("a.jpg"), dir.path().join("b.jpg")]);
        assert_eq!(pngs(dir.path()), (2, 12));
        assert_eq!(pngs(&dir.path().join("none")), (0, 0));
    }
}
