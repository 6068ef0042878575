//! A deterministic mutation run over every linked plugin (issue #11): small
//! seed files generated here (every write extension of every plugin, still
//! images and stacks), each mutated by bit flips, truncations, length-field
//! inflation and chunk duplication (a fixed-seed PRNG), a few thousand cases
//! read through `imdecode` with and without the extension hint, and with
//! varied read options (see [`variants`]: an index, `Index::All`, mode and
//! dtype conversions, JPEG `scale`, PDF `render` and `images=all`).
//! Asserted: no panic (a panic the core's guard turned into an `Internal`
//! error counts as a failure, listed per backend), no hang (each case runs
//! on a worker thread with a time bound), bounded memory (tight `Limits`,
//! peak RSS checked at the end). A plugin linked later joins through its
//! write extensions.
//!
//! Hostile seeds (issue #18, [`imageio_tests::hostile`]) join the run, read
//! unmutated with every variant and then mutated: PDF forms that draw
//! themselves, TIFF directory chains and loops, progressive JPEGs whose
//! scan header is damaged, and playlists (HLS, ffconcat) named `.mp4`.
//! The tests after the run check what those give, value by value.
//!
//! No panic hook is installed: a panic in a plugin becomes `Internal`
//! through the core's guard (and is printed by the default hook, as any
//! other test's panic is).

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use imageio::{
    imdecode_with, imencode, imread_with, DType, ErrorKind, Index, Limits, Mode, NdImage,
    ReadOptions, Value,
};
use imageio_tests::hostile::{
    ffconcat_playlist, hls_playlist, j2k_codestream, pdf_self_drawing_forms,
    pdf_self_drawing_forms_without_resources, progressive_jpeg, progressive_jpeg_with_sos_len,
    tiff_chain, PDF_IMAGE,
};
use imageio_tests::reliability::{pattern, peak_rss_kib, Rng};

#[path = "formats/mod.rs"]
mod formats;

/// Cases per seed file.
const CASES_PER_SEED: usize = 400;
/// Time allowed to one case (unoptimised test builds, a busy machine).
const CASE_TIMEOUT: Duration = Duration::from_secs(10);
/// Hangs after which the run stops (each leaves a thread running, which may
/// also eat memory).
const MAX_HANGS: usize = 2;
/// Peak resident memory allowed to the whole run: 1 GiB (each read is held
/// to `max_alloc` = 64 MiB by [`limits`]; the test binary, its plugins and
/// the allocator's slack come on top).
const PEAK_RSS_LIMIT_KIB: u64 = 1024 * 1024;

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
    let mut out = hostile_seeds();
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

/// The hostile seeds, each read unmutated with every variant before it is
/// mutated: (extension, bytes).
fn hostile_seeds() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(&str, Vec<u8>)> = vec![
        (".pdf", pdf_self_drawing_forms(1)),
        (".pdf", pdf_self_drawing_forms(2)),
        (".pdf", pdf_self_drawing_forms_without_resources(1)),
        (".tif", tiff_chain(1, Some)),
        (".tif", tiff_chain(3, |i| Some((i + 1) % 3))),
        (
            ".tif",
            tiff_chain(40, |i| Some(if i < 39 { i + 1 } else { 20 })),
        ),
        (".tif", tiff_chain(300, |i| (i < 299).then_some(i + 1))),
        (
            ".mp4",
            hls_playlist("/nonexistent/imageio-tests/segment.ts"),
        ),
        (".mp4", ffconcat_playlist("imageio-tests-nonexistent.ts")),
        (".j2k", j2k_codestream(16, 12)),
    ];
    let img = pattern(&[16, 24, 3], 4);
    if let Some(j) = progressive_jpeg(&img) {
        v.push((".jpg", j));
    }
    for len in [0, 1] {
        if let Some(j) = progressive_jpeg_with_sos_len(&img, len) {
            v.push((".jpg", j));
        }
    }
    let mut v: Vec<(String, Vec<u8>)> = v.into_iter().map(|(e, b)| (e.to_owned(), b)).collect();
    v.extend(formats::seeds());
    v
}

/// A set of read options a case uses.
#[derive(Clone, Debug)]
struct Variant {
    name: &'static str,
    index: Option<Index>,
    mode: Option<Mode>,
    dtype: Option<DType>,
    options: Vec<(&'static str, Value)>,
}

impl Variant {
    fn new(name: &'static str) -> Variant {
        Variant {
            name,
            index: None,
            mode: None,
            dtype: None,
            options: Vec::new(),
        }
    }
    fn apply(&self, mut opts: ReadOptions) -> ReadOptions {
        if let Some(i) = self.index {
            opts = opts.index(i);
        }
        if let Some(m) = self.mode {
            opts = opts.mode(m);
        }
        if let Some(d) = self.dtype {
            opts = opts.dtype(d);
        }
        for (k, v) in &self.options {
            opts = opts.option(k, v.clone());
        }
        opts
    }
}

/// The read options tried on files of extension `ext`: the default, every
/// image, the second image, mode and dtype conversions, and the options of
/// the plugins that take the extension (JPEG `scale`, PDF `render`,
/// `images=all`).
fn variants(ext: &str) -> Vec<Variant> {
    let with = |name, f: &dyn Fn(&mut Variant)| {
        let mut v = Variant::new(name);
        f(&mut v);
        v
    };
    let mut v = vec![
        Variant::new("default"),
        with("all", &|v| v.index = Some(Index::All)),
        with("index 1", &|v| v.index = Some(Index::At(1))),
        with("mode L", &|v| v.mode = Some(Mode::Gray)),
        with("mode RGBA, all", &|v| {
            v.mode = Some(Mode::Rgba);
            v.index = Some(Index::All)
        }),
        with("dtype f32", &|v| v.dtype = Some(DType::F32)),
    ];
    match ext {
        ".jpg" | ".jpeg" => {
            for s in [0.125, 0.25, 0.5] {
                v.push(with("scale", &|v| {
                    v.options.push(("scale", Value::from(s)))
                }));
            }
            v.push(with("scale 1/8, rotate", &|v| {
                v.options.push(("scale", Value::from("1/8")));
                v.options.push(("rotate", Value::from(true)));
            }));
        }
        ".pdf" => {
            v.push(with("render", &|v| {
                v.options.push(("render", Value::from(true)));
                v.options.push(("dpi", Value::from(36.0)));
            }));
            v.push(with("images all", &|v| {
                v.options.push(("images", Value::from("all")));
                v.index = Some(Index::All);
            }));
            v.push(with("images all, index 1", &|v| {
                v.options.push(("images", Value::from("all")));
                v.index = Some(Index::At(1));
            }));
        }
        _ => {}
    }
    v
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
    variant: Variant,
}

fn run_case(c: &Case) -> Outcome {
    let mut opts = c.variant.apply(ReadOptions::new().limits(limits()));
    if let Some(h) = &c.hint {
        opts = opts.extension(h);
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
    let seeds = seeds();
    let mut exts: Vec<&str> = seeds.iter().map(|s| s.0.as_str()).collect();
    exts.sort_unstable();
    exts.dedup();
    eprintln!("{} seeds over {:?}", seeds.len(), exts);
    assert!(seeds.len() >= 20, "every stable plugin wrote its seeds");
    let save = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("mutation-failures");
    let mut rng = Rng::new(0x1111_2222_3333_4444);
    let mut w = worker();
    let (mut cases, mut failures, mut hangs) = (0usize, Vec::new(), 0);
    let mut over_peak = false;
    let mut slowest = (Duration::ZERO, String::new());
    let start = Instant::now();
    let hostile = hostile_seeds().len();
    'seeds: for (si, (ext, seed)) in seeds.iter().enumerate() {
        let variants = variants(ext);
        // A hostile seed is read as it is first, with every variant.
        let unmutated = if si < hostile { variants.len() } else { 0 };
        for ci in 0..unmutated + CASES_PER_SEED {
            let (kind, data) = if ci < unmutated {
                ("unmutated", seed.clone())
            } else {
                mutate(seed, &mut rng)
            };
            let hint = (ci % 2 == 0 || ci < unmutated).then(|| ext.clone());
            let variant = variants[if ci < unmutated {
                ci
            } else {
                rng.below(variants.len())
            }]
            .clone();
            let label = format!(
                "{ext} seed {si} case {ci} ({kind}, hint {}, {} {:?})",
                hint.is_some(),
                variant.name,
                variant.options
            );
            let keep = data.clone();
            let t = Instant::now();
            w.tx.send(Case {
                data,
                hint,
                variant,
            })
            .unwrap();
            let problem = match w.rx.recv_timeout(CASE_TIMEOUT) {
                Ok(Outcome::Done) => None,
                Ok(Outcome::GuardedPanic(plugin, msg)) => Some(format!(
                    "backend {plugin} panicked (guarded): {label}: {msg}"
                )),
                Ok(Outcome::Panic(msg)) => Some(format!("uncaught panic: {label}: {msg}")),
                Err(_) => {
                    w = worker(); // the hung thread is abandoned
                    hangs += 1;
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
            if hangs >= MAX_HANGS {
                failures.push(format!("stopped after {hangs} hangs"));
                break 'seeds;
            }
        }
        // Name the seed whose cases first pushed the peak over the bound.
        let peak = peak_rss_kib().unwrap_or(0);
        if peak >= PEAK_RSS_LIMIT_KIB && !over_peak {
            over_peak = true;
            failures.push(format!(
                "peak RSS passed 1 GiB ({} MiB) during the cases of {ext} seed {si}",
                peak / 1024
            ));
        }
    }
    let peak = peak_rss_kib().unwrap_or(0);
    eprintln!(
        "{cases} cases in {:.1} s, slowest {:?} ({}), peak RSS {} MiB, {} failures",
        start.elapsed().as_secs_f64(),
        slowest.0,
        slowest.1,
        peak / 1024,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cases >= 3000, "a few thousand cases ({cases})");
    assert!(
        peak < PEAK_RSS_LIMIT_KIB,
        "peak RSS {} MiB, over the 1 GiB bound of the run ({peak} KiB)",
        peak / 1024
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

/// Reads `path` with `opts` on a worker thread: the result, or `Err` after
/// [`CASE_TIMEOUT`]; panics (with `what`) when the read took longer than 5 s.
fn read_timed(path: &Path, opts: ReadOptions, what: &str) -> imageio::Result<NdImage> {
    let (tx, rx) = mpsc::channel();
    let p = path.to_owned();
    let t = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(imread_with(&p, &opts));
    });
    let r = rx
        .recv_timeout(CASE_TIMEOUT)
        .unwrap_or_else(|_| panic!("{what}: no answer within {CASE_TIMEOUT:?}"));
    let el = t.elapsed();
    assert!(el < Duration::from_secs(5), "{what}: took {el:?}, over 5 s");
    r
}

/// `r`'s error, checked to be of `kind` and to name `name`.
fn expect_error(r: imageio::Result<NdImage>, kind: &[ErrorKind], name: &str, what: &str) {
    let e = match r {
        Ok(img) => panic!("{what}: read an image of shape {:?}", img.shape()),
        Err(e) => e,
    };
    eprintln!("{what}: {:?} {e}", e.kind());
    assert!(kind.contains(&e.kind()), "{what}: {:?} {e}", e.kind());
    assert!(e.to_string().contains(name), "{what}: names the file: {e}");
}

/// The u8 image of `shape` holding `data`.
fn u8_image(shape: &[usize], data: Vec<u8>) -> NdImage {
    NdImage::from_shape_vec(shape, data).unwrap()
}

/// Writes `bytes` to `name` in `dir`.
fn write_in(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn opts() -> ReadOptions {
    ReadOptions::new()
}

/// PDF forms drawing themselves: the image they place, in time, with every
/// read option.
#[test]
fn self_drawing_pdf_forms_read_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| write_in(&dir, name, bytes);
    for forms in [1, 2] {
        let p = write(&format!("forms{forms}.pdf"), &pdf_self_drawing_forms(forms));
        let what = format!("pdf with {forms} self-drawing forms");
        let image = u8_image(&[2, 2, 3], PDF_IMAGE.to_vec());
        let got = read_timed(&p, opts(), &what).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(got, image, "{what}");
        let all = opts().option("images", "all").index(Index::All);
        let got = read_timed(&p, all, &what).unwrap_or_else(|e| panic!("{what}, all: {e}"));
        assert_eq!(got, u8_image(&[1, 2, 2, 3], PDF_IMAGE.to_vec()), "{what}");
        let gray = read_timed(&p, opts().mode(Mode::Gray), &what).unwrap();
        assert_eq!(gray.shape(), [2, 2], "{what}, mode L");
        let render = opts().option("render", true).option("dpi", 36.0);
        let got = read_timed(&p, render, &what).unwrap_or_else(|e| panic!("{what}, render: {e}"));
        assert_eq!(got.shape(), [50, 50, 3], "{what}, rendered at 36 dpi");
        let r = read_timed(&p, opts().index(Index::At(1)), &what);
        expect_error(r, &[ErrorKind::IndexOutOfRange], "forms", &what);
    }
}

/// TIFF chains that loop: the pages before the loop, pixel for pixel, with
/// every index and a dtype conversion.
/// Where page `i` of a TIFF chain links to (see `tiff_chain`).
type Link = fn(usize) -> Option<usize>;

#[test]
fn looping_tiff_chains_read_their_pages() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| write_in(&dir, name, bytes);
    let loops: [(usize, Link); 3] = [
        (1, Some),
        (3, |i| Some((i + 1) % 3)),
        (40, |i| Some(if i < 39 { i + 1 } else { 20 })),
    ];
    for (n, next) in loops {
        let name = format!("loop{n}.tif");
        let p = write(&name, &tiff_chain(n, next));
        let what = format!("TIFF chain of {n} looping");
        let pages: Vec<u8> = (0..n as u8).collect();
        let all = read_timed(&p, opts().index(Index::All), &what).unwrap();
        assert_eq!(all, u8_image(&[n, 1, 1], pages), "{what}");
        let last = read_timed(&p, opts().index(Index::At(n - 1)), &what).unwrap();
        assert_eq!(last, u8_image(&[1, 1], vec![(n - 1) as u8]), "{what}");
        let f32s = read_timed(&p, opts().index(Index::All).dtype(DType::F32), &what).unwrap();
        assert_eq!(f32s.shape(), [n, 1, 1], "{what}, f32");
        let r = read_timed(&p, opts().index(Index::At(n)), &what);
        expect_error(r, &[ErrorKind::IndexOutOfRange], &name, &what);
        let props = imageio::improps_with(&p, &opts().index(Index::All)).unwrap();
        assert_eq!(props.shape, [n, 1, 1], "{what}: properties");
    }
}

/// Progressive JPEGs whose first scan header declares a length of 0 or 1,
/// read at every scale: a clean decode error naming the file, never a panic
/// (`Internal`).
#[test]
fn damaged_progressive_jpegs_fail_cleanly_at_every_scale() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| write_in(&dir, name, bytes);
    let img = pattern(&[16, 24, 3], 4);
    if progressive_jpeg(&img).is_none() {
        eprintln!("SKIPPED: no plugin writes progressive JPEGs");
    }
    for len in [0u16, 1] {
        let Some(jpg) = progressive_jpeg_with_sos_len(&img, len) else {
            continue;
        };
        let name = format!("sos{len}.jpg");
        let p = write(&name, &jpg);
        for scale in [None, Some(0.125), Some(0.25), Some(0.5)] {
            let what = format!("progressive JPEG, SOS length {len}, scale {scale:?}");
            let o = match scale {
                Some(s) => opts().option("scale", s),
                None => opts(),
            };
            expect_error(read_timed(&p, o, &what), &[ErrorKind::Decode], &name, &what);
        }
    }
}

/// A playlist named `.mp4` (HLS or ffconcat) naming a video beside it: the
/// read fails cleanly and does not return the other file's frames.
#[test]
fn playlists_named_mp4_fail_cleanly() {
    let video = pattern(&[4, 32, 32, 3], 6);
    let Ok(ts) = imencode(&video, ".ts") else {
        eprintln!("SKIPPED: no plugin writes MPEG-TS (.ts)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.ts");
    std::fs::write(&secret, ts).unwrap();
    let abs = secret.to_str().unwrap();
    let playlists = [
        ("hls-path.mp4", hls_playlist(abs)),
        ("hls-file-url.mp4", hls_playlist(&format!("file:{abs}"))),
        ("concat-relative.mp4", ffconcat_playlist("secret.ts")),
        ("concat-absolute.mp4", ffconcat_playlist(abs)),
    ];
    for (name, bytes) in playlists {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        for index in [Index::At(0), Index::All] {
            let what = format!("{name} ({index:?})");
            let r = read_timed(&p, ReadOptions::new().index(index), &what);
            expect_error(r, &[ErrorKind::Decode, ErrorKind::Unsupported], name, &what);
        }
    }
}
