//! A deterministic mutation run over every linked plugin (issue #11): small
//! seed files generated here (every write extension of every plugin, still
//! images and stacks), each mutated by bit flips, truncations, length-field
//! inflation and chunk duplication (a fixed-seed PRNG), a few thousand cases
//! read through `imdecode` with and without the extension hint. Asserted: no
//! panic (a panic the core's guard turned into a `Decode` error still counts,
//! listed per backend), no hang (each case runs on a worker thread with a
//! time bound), bounded memory (tight `Limits`, peak RSS checked at the end).
//! A plugin linked later joins through its write extensions.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use imageio::{imdecode_with, imencode, Index, Limits, NdImage, ReadOptions};
use imageio_tests::reliability::{pattern, peak_rss_kib, Rng};

/// Cases per seed file.
const CASES_PER_SEED: usize = 400;
/// Time allowed to one case (unoptimised test builds, a busy machine).
const CASE_TIMEOUT: Duration = Duration::from_secs(20);

/// Limits for the run: small enough that an unchecked header size shows.
fn limits() -> Limits {
    Limits {
        max_width: 1 << 14,
        max_height: 1 << 14,
        max_pixels: 1 << 22,
        max_alloc: 64 << 20,
    }
}

/// The seed files: (extension, bytes).
fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut exts: Vec<&str> = Vec::new();
    for p in imageio::plugin::plugins().expect("registry") {
        for e in p.write_extensions() {
            if !exts.contains(&e) {
                exts.push(e);
            }
        }
    }
    let mut out = Vec::new();
    for ext in exts {
        let floats: Vec<f32> = (0..12 * 16 * 3).map(|i| i as f32 / 97.0).collect();
        let words: Vec<u16> = (0..12 * 16).map(|i| (i * 331) as u16).collect();
        let images: [NdImage; 5] = [
            pattern(&[12, 16, 3], 1),
            pattern(&[9, 7], 2),
            pattern(&[3, 12, 16, 3], 3),
            NdImage::from_shape_vec(&[12, 16, 3], floats).unwrap(),
            NdImage::from_shape_vec(&[12, 16], words).unwrap(),
        ];
        for img in &images {
            if let Ok(b) = imencode(img, ext) {
                if !out.iter().any(|(_, o)| o == &b) {
                    out.push((ext.to_owned(), b));
                }
            }
        }
    }
    out
}

/// One mutation of `seed`, and its name.
fn mutate(seed: &[u8], rng: &mut Rng) -> (&'static str, Vec<u8>) {
    let mut v = seed.to_vec();
    let len = v.len().max(1);
    match rng.below(5) {
        0 => {
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(len).min(v.len().saturating_sub(1));
                if !v.is_empty() {
                    v[i] ^= 1 << rng.below(8);
                }
            }
            ("bitflip", v)
        }
        1 => {
            v.truncate(rng.below(len));
            ("truncate", v)
        }
        2 => {
            // A header-ish position most of the time: lengths live there.
            let span = if rng.below(3) == 0 { len } else { len.min(128) };
            let at = rng.below(span);
            let big: [u32; 5] = [
                0xFFFF_FFFF,
                0x7FFF_FFFF,
                0x00FF_FFFF,
                0x0001_0000,
                0x4000_0001,
            ];
            let x = big[rng.below(big.len())];
            let bytes = if rng.below(2) == 0 {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            };
            let width = if rng.below(3) == 0 { 2 } else { 4 };
            for (k, b) in bytes.iter().take(width).enumerate() {
                if let Some(slot) = v.get_mut(at + k) {
                    *slot = *b;
                }
            }
            ("inflate", v)
        }
        3 => {
            let a = rng.below(len);
            let k = 1 + rng.below((len / 4).max(1));
            let end = (a + k).min(v.len());
            let chunk = v[a.min(end)..end].to_vec();
            let times = 1 + rng.below(8);
            let at = if rng.below(2) == 0 {
                end
            } else {
                rng.below(len)
            };
            let at = at.min(v.len());
            for _ in 0..times {
                v.splice(at..at, chunk.iter().copied());
            }
            ("duplicate", v)
        }
        _ => {
            let at = rng.below(len);
            let n = 1 + rng.below(16);
            let fill = if rng.below(2) == 0 { 0 } else { 0xFF };
            for b in v.iter_mut().skip(at).take(n) {
                *b = fill;
            }
            ("overwrite", v)
        }
    }
}

/// What one case did.
enum Outcome {
    Done,
    /// The core's guard caught a backend panic: an `Internal` error (plugin,
    /// message).
    GuardedPanic(String, String),
    /// A panic the guard did not catch.
    Panic(String),
}

struct Case {
    data: Vec<u8>,
    hint: Option<String>,
    all: bool,
}

fn run_case(c: &Case) -> Outcome {
    let mut opts = ReadOptions::new().limits(limits());
    if let Some(h) = &c.hint {
        opts = opts.extension(h);
    }
    if c.all {
        opts = opts.index(Index::All);
    }
    let r = std::panic::catch_unwind(|| imdecode_with(&c.data, &opts));
    match r {
        Ok(Ok(img)) => {
            let n: usize = img.shape().iter().product();
            assert!(n as u64 * img.dtype().size() as u64 <= limits().max_alloc);
            Outcome::Done
        }
        Ok(Err(e)) if e.kind() == imageio::ErrorKind::Internal => {
            Outcome::GuardedPanic(e.plugin().unwrap_or("?").to_owned(), e.message().to_owned())
        }
        Ok(Err(_)) => Outcome::Done,
        Err(p) => Outcome::Panic(
            p.downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default(),
        ),
    }
}

/// A worker thread fed through a channel (replaced after a hang).
struct Worker {
    tx: mpsc::Sender<Case>,
    rx: mpsc::Receiver<Outcome>,
}

fn worker() -> Worker {
    let (tx, case_rx) = mpsc::channel::<Case>();
    let (out_tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for c in case_rx {
            if out_tx.send(run_case(&c)).is_err() {
                break;
            }
        }
    });
    Worker { tx, rx }
}

#[test]
fn mutated_files_never_panic_hang_or_blow_up() {
    std::panic::set_hook(Box::new(|_| {})); // reported below, not printed
    let seeds = seeds();
    let mut exts: Vec<&str> = seeds.iter().map(|s| s.0.as_str()).collect();
    exts.sort_unstable();
    exts.dedup();
    eprintln!("{} seeds over {:?}", seeds.len(), exts);
    assert!(seeds.len() >= 20, "every stable plugin wrote its seeds");
    let save = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("mutation-failures");
    let mut rng = Rng::new(0x1111_2222_3333_4444);
    let mut w = worker();
    let (mut cases, mut failures) = (0usize, Vec::new());
    let mut slowest = (Duration::ZERO, String::new());
    let start = Instant::now();
    for (si, (ext, seed)) in seeds.iter().enumerate() {
        for ci in 0..CASES_PER_SEED {
            let (kind, data) = mutate(seed, &mut rng);
            let hint = (ci % 2 == 0).then(|| ext.clone());
            let all = ci % 3 == 0;
            let label = format!(
                "{ext} seed {si} case {ci} ({kind}, hint {}, all {all})",
                hint.is_some()
            );
            let keep = data.clone();
            let t = Instant::now();
            w.tx.send(Case { data, hint, all }).unwrap();
            let problem = match w.rx.recv_timeout(CASE_TIMEOUT) {
                Ok(Outcome::Done) => None,
                Ok(Outcome::GuardedPanic(plugin, msg)) => Some(format!(
                    "backend {plugin} panicked (guarded): {label}: {msg}"
                )),
                Ok(Outcome::Panic(msg)) => Some(format!("uncaught panic: {label}: {msg}")),
                Err(_) => {
                    w = worker(); // the hung thread is abandoned
                    Some(format!("hang over {CASE_TIMEOUT:?}: {label}"))
                }
            };
            let el = t.elapsed();
            if el > slowest.0 {
                slowest = (el, label.clone());
            }
            if let Some(p) = problem {
                std::fs::create_dir_all(&save).unwrap();
                let f = save.join(format!("{}-{si}-{ci}.bin", ext.trim_start_matches('.')));
                std::fs::write(&f, &keep).unwrap();
                failures.push(format!("{p} -> {}", f.display()));
            }
            cases += 1;
        }
    }
    let _ = std::panic::take_hook();
    let peak = peak_rss_kib().unwrap_or(0);
    eprintln!(
        "{cases} cases in {:.1} s, slowest {:?} ({}), peak RSS {} MiB, {} failures",
        start.elapsed().as_secs_f64(),
        slowest.0,
        slowest.1,
        peak / 1024,
        failures.len()
    );
    assert!(cases >= 3000, "a few thousand cases ({cases})");
    assert!(
        peak < 1024 * 1024,
        "peak memory {peak} KiB under 64 MiB limits"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The expected error kind of a regression file, where one is known.
fn expected_kind(name: &str) -> Option<imageio::ErrorKind> {
    match name {
        "apng/actl-100000-frames-of-4mib.apng" => Some(imageio::ErrorKind::LimitExceeded),
        _ => None,
    }
}

#[test]
fn regression_files_fail_cleanly() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("regression");
    let mut files = Vec::new();
    for d in std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|d| d.path().is_dir())
    {
        for f in std::fs::read_dir(d.path()).unwrap().flatten() {
            files.push(f.path());
        }
    }
    files.sort();
    assert!(!files.is_empty(), "regression files in {}", root.display());
    for path in &files {
        let name = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let data = std::fs::read(path).unwrap();
        let ext = path
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()));
        for all in [true, false] {
            let (tx, rx) = mpsc::channel();
            let (data, ext) = (data.clone(), ext.clone());
            std::thread::spawn(move || {
                let mut opts = ReadOptions::new();
                if let Some(e) = &ext {
                    opts = opts.extension(e);
                }
                if all {
                    opts = opts.index(Index::All);
                }
                let r = std::panic::catch_unwind(|| imdecode_with(&data, &opts).map(|_| ()));
                let _ = tx.send(r.map_err(|_| "uncaught panic"));
            });
            let r = rx
                .recv_timeout(CASE_TIMEOUT)
                .unwrap_or_else(|_| panic!("{name}: hang (all {all})"));
            let r = r.unwrap_or_else(|p| panic!("{name}: {p} (all {all})"));
            if let Err(e) = &r {
                assert_ne!(
                    e.kind(),
                    imageio::ErrorKind::Internal,
                    "{name}: backend panic: {e}"
                );
            }
            if let (true, Some(kind)) = (all, expected_kind(&name)) {
                assert_eq!(r.map_err(|e| e.kind()).err(), Some(kind), "{name}");
            }
        }
    }
}
