//! First-call latency: the wall time of a fresh process that reads one image
//! and exits, ours (`imageio bench --cold --json FILE`, whose in-process
//! figure is the first read) beside `python -c` programs that import a peer
//! and read once (their in-process figures: the imports, and the read),
//! runs alternated, medians.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

use super::batch::SMALL_PNG;
use super::peers::medians;
use super::scaling::wall;
use super::text::ms;

/// The files read, in the set's directory.
const FILES: &[&str] = &["photo_4k_baseline.jpg", SMALL_PNG];

/// The peers: name, imports, and the read of `p` into `a`.
const PEERS: &[(&str, &str, &str)] = &[
    (
        "Pillow + numpy",
        "import numpy as np\nfrom PIL import Image",
        "with Image.open(p) as im:\n    a = np.asarray(im)",
    ),
    (
        "OpenCV",
        "import cv2",
        "a = cv2.imread(p, cv2.IMREAD_UNCHANGED)",
    ),
    (
        "imageio.v3",
        "import imageio.v3 as iio",
        "a = iio.imread(p)",
    ),
];

/// The `python -c` program of a peer: times its imports and its read in
/// process, prints them with the array's shape and dtype as JSON.
fn program(imports: &str, read: &str) -> String {
    format!(
        "import sys, time\nt0 = time.perf_counter()\n{imports}\nt1 = time.perf_counter()\n\
         p = sys.argv[1]\n{read}\nt2 = time.perf_counter()\nimport json\n\
         print(json.dumps({{\"import_s\": t1 - t0, \"read_s\": t2 - t1, \
         \"shape\": list(a.shape), \"dtype\": str(a.dtype)}}))\n"
    )
}

/// What one run printed: in-process import and read seconds (import NaN
/// for ours), the shape and dtype read.
#[derive(Debug, PartialEq)]
struct Answer {
    import_s: f64,
    read_s: f64,
    shape: Vec<usize>,
    dtype: String,
}

/// Parses a peer program's line, or ours (`imageio bench --cold --json`:
/// one entry, keyed by the file).
fn parse(out: &[u8], ours: bool) -> Result<Answer, String> {
    let j: Json = serde_json::from_slice(out).map_err(|e| format!("bad JSON: {e}"))?;
    let e = if ours {
        j.as_object()
            .and_then(|m| m.values().next().cloned())
            .ok_or("empty JSON")?
    } else {
        j
    };
    let f = |k: &str| e[k].as_f64().ok_or(format!("no {k} in {e}"));
    Ok(Answer {
        import_s: if ours { f64::NAN } else { f("import_s")? },
        read_s: f(if ours { "first_read_s" } else { "read_s" })?,
        shape: e["shape"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_u64().map(|d| d as usize))
            .collect(),
        dtype: e["dtype"].as_str().unwrap_or("?").to_owned(),
    })
}

/// One reader on one file: its figures, medians over the runs.
#[derive(Debug)]
pub struct ColdRow {
    pub file: &'static str,
    /// `ours` or the peer's name.
    pub reader: &'static str,
    /// Process wall time, from spawning to exit.
    pub wall_s: f64,
    /// In process: imports (NaN for ours: linked in).
    pub import_s: f64,
    /// In process: the first read.
    pub read_s: f64,
    pub shape: Vec<usize>,
    pub dtype: String,
    /// Why it has no figures.
    pub error: Option<String>,
    /// The raw per-run figures, before the medians.
    runs: [Vec<f64>; 3],
}

/// The first-call figures of a run.
#[derive(Debug)]
pub struct Cold {
    /// Ours then each peer, per file.
    pub rows: Vec<ColdRow>,
    /// `python -c pass`: the interpreter alone, median wall.
    pub python_alone_s: f64,
    /// Counted runs per reader.
    pub runs: u32,
}

/// Runs every reader on every file `runs` times (after one uncounted run
/// each, which leaves the page cache warm), alternated.
pub fn measure(exe: &Path, python: &Path, script: &Path, dir: &Path, runs: u32) -> Cold {
    let mut rows = Vec::new();
    for &file in FILES {
        rows.push(row(file, "ours"));
        rows.extend(PEERS.iter().map(|&(name, _, _)| row(file, name)));
    }
    let mut alone = Vec::new();
    for run in 0..=runs {
        if let Ok(t) = wall(Command::new(python).args(["-c", "pass"])) {
            if run > 0 {
                alone.push(t.0);
            }
        }
        for r in rows.iter_mut().filter(|r| r.error.is_none()) {
            let path = dir.join(r.file);
            let mut cmd = match PEERS.iter().find(|p| p.0 == r.reader) {
                None => {
                    let mut c = Command::new(exe);
                    c.args(["bench", "--cold", "--json"]).arg(&path);
                    c
                }
                Some(&(_, imports, read)) => {
                    let mut c = Command::new(python);
                    c.arg("-c").arg(program(imports, read)).arg(&path);
                    c.env("OPENCV_LOG_LEVEL", "ERROR");
                    c
                }
            };
            let ours = r.reader == "ours";
            match wall(&mut cmd).and_then(|(t, out)| Ok((t, parse(&out, ours)?))) {
                Ok((t, a)) => {
                    if run > 0 {
                        // No NaN (ours has no import): JSON has none.
                        for (v, x) in r.runs.iter_mut().zip([t, a.import_s, a.read_s]) {
                            v.extend(Some(x).filter(|x| !x.is_nan()));
                        }
                    }
                    (r.shape, r.dtype) = (a.shape, a.dtype);
                }
                Err(why) => r.error = Some(why),
            }
        }
    }
    let mut lists: Vec<&[f64]> = vec![&alone];
    for r in &rows {
        lists.extend(r.runs.iter().map(|v| v.as_slice()));
    }
    let m = medians(python, script, &lists).unwrap_or_default();
    let python_alone_s = m.first().copied().unwrap_or(f64::NAN);
    for (i, r) in rows.iter_mut().enumerate() {
        let at = |k: usize| m.get(1 + 3 * i + k).copied().unwrap_or(f64::NAN);
        (r.wall_s, r.import_s, r.read_s) = (at(0), at(1), at(2));
        eprintln!(
            "first call: {} {}: wall {}, import {}, read {}",
            r.file,
            r.reader,
            ms(r.wall_s),
            ms(r.import_s),
            ms(r.read_s)
        );
    }
    Cold {
        rows,
        python_alone_s,
        runs,
    }
}

/// A row without figures yet.
fn row(file: &'static str, reader: &'static str) -> ColdRow {
    ColdRow {
        file,
        reader,
        wall_s: f64::NAN,
        import_s: f64::NAN,
        read_s: f64::NAN,
        shape: vec![],
        dtype: String::new(),
        error: None,
        runs: Default::default(),
    }
}

/// The "First call in a fresh process" section.
pub fn section(c: &Cold) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\n## First call in a fresh process\n");
    let _ = writeln!(
        s,
        "The wall time of a process that reads one image and exits, measured by xtask from \
         spawning to exit, median of {} runs per reader, the readers alternated (after one \
         uncounted run each: the page cache is warm). Ours: `imageio bench --cold --json FILE`, \
         whose in-process figure is the first read (no warm-up: plugin registry, lazy statics \
         and thread pools included). Peers: `python -c` importing the library, then reading \
         once (Pillow: `np.asarray(Image.open(p))`; OpenCV: `cv2.imread(p, IMREAD_UNCHANGED)`, \
         its default threads; imageio: `iio.imread(p)`), timing both in process. The Python \
         interpreter alone (`python -c pass`) takes {}. The ratio is ours / this reader, on \
         process wall time.\n",
        c.runs,
        ms(c.python_alone_s)
    );
    let _ = writeln!(
        s,
        "| file | reader | process wall | in process: import | in process: first read | array | ours / this |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    let ours_wall = |file: &str| {
        c.rows
            .iter()
            .find(|r| r.file == file && r.reader == "ours" && r.error.is_none())
            .map(|r| r.wall_s)
    };
    for r in &c.rows {
        if let Some(why) = &r.error {
            let _ = writeln!(s, "| `{}` | {} | failed: {why} | | | | |", r.file, r.reader);
            continue;
        }
        let import = if r.import_s.is_nan() {
            "- (linked in)".into()
        } else {
            ms(r.import_s)
        };
        let ratio = match ours_wall(r.file).map(|o| o / r.wall_s) {
            _ if r.reader == "ours" => "1.00".into(),
            Some(q) if q.is_finite() => format!("**{q:.2}**"),
            _ => "-".into(),
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {import} | {} | {} {:?} | {ratio} |",
            r.file,
            r.reader,
            ms(r.wall_s),
            ms(r.read_s),
            r.dtype,
            r.shape
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_of_both_sides_parse() {
        let ours = br#"{"a.jpg": {"cold": true, "first_read_s": 0.031, "median_s": 0.031,
            "shape": [2160, 3840, 3], "dtype": "uint8", "plugin": "jpeg"}}"#;
        let a = parse(ours, true).unwrap();
        assert!(a.import_s.is_nan());
        assert_eq!(
            (a.read_s, a.shape, a.dtype.as_str()),
            (0.031, vec![2160, 3840, 3], "uint8")
        );
        let peer =
            br#"{"import_s": 0.12, "read_s": 0.05, "shape": [480, 640, 3], "dtype": "uint8"}"#;
        assert_eq!(
            parse(peer, false).unwrap(),
            Answer {
                import_s: 0.12,
                read_s: 0.05,
                shape: vec![480, 640, 3],
                dtype: "uint8".into()
            }
        );
        assert!(parse(b"{}", true).is_err());
        assert!(parse(br#"{"read_s": 1.0}"#, false)
            .unwrap_err()
            .contains("import_s"));
        assert!(parse(b"not json", false).is_err());
    }

    #[test]
    fn peer_programs_print_what_parse_reads() {
        let python = Path::new("python3");
        if Command::new(python).arg("--version").output().is_err() {
            eprintln!("skipped: no python3");
            return;
        }
        // The program around a read that needs no library.
        let prog = program(
            "import array",
            "a = type('A', (), {'shape': (3,), 'dtype': 'uint16'})()",
        );
        let (t, out) = wall(Command::new(python).arg("-c").arg(prog).arg("x")).unwrap();
        assert!(t > 0.0);
        let a = parse(&out, false).unwrap();
        assert_eq!((&a.shape[..], a.dtype.as_str()), (&[3][..], "uint16"));
        assert!(a.import_s >= 0.0 && a.read_s >= 0.0, "{a:?}");
        assert!(wall(Command::new(python).args(["-c", "raise SystemExit(3)"])).is_err());
    }

    #[test]
    fn the_section_compares_process_wall_times() {
        let r = |file, reader, wall_s, import_s, error: Option<&str>| ColdRow {
            wall_s,
            import_s,
            read_s: 0.02,
            shape: vec![480, 640, 3],
            dtype: "uint8".into(),
            error: error.map(Into::into),
            ..row(file, reader)
        };
        let c = Cold {
            rows: vec![
                r("a.png", "ours", 0.01, f64::NAN, None),
                r("a.png", "OpenCV", 0.2, 0.15, None),
                r(
                    "a.png",
                    "imageio.v3",
                    f64::NAN,
                    f64::NAN,
                    Some("ImportError: x"),
                ),
            ],
            python_alone_s: 0.015,
            runs: 5,
        };
        let s = section(&c);
        assert!(s.contains("median of 5 runs per reader"), "{s}");
        assert!(s.contains("(`python -c pass`) takes 15.0 ms."), "{s}");
        let rows: Vec<&str> = s.lines().filter(|l| l.starts_with("| ")).collect();
        assert_eq!(
            rows[1..],
            [
                "| `a.png` | ours | 10.0 ms | - (linked in) | 20.0 ms | uint8 [480, 640, 3] | 1.00 |",
                "| `a.png` | OpenCV | 200.0 ms | 150.0 ms | 20.0 ms | uint8 [480, 640, 3] | **0.05** |",
                "| `a.png` | imageio.v3 | failed: ImportError: x | | | | |",
            ]
        );
    }
}
