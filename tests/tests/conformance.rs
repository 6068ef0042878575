//! The conformance suite: every file of the shared corpus read through the
//! `imageio` facade and checked against `expected.tsv` and the reference
//! arrays in `refs/` (see the corpus's `REFS.md` and the pixel semantics in
//! ARCHITECTURE.md).
//!
//! One trial per corpus file, named by its path (`png/pngsuite_basn0g01.png`),
//! so `cargo test -p imageio-tests --test conformance -- gif/` runs a folder.
//!
//! * `ok` rows must decode with the expected dtype and shape, within `tol` of
//!   the index-0 reference; multi-image files must report their `n_images`
//!   and their last image must match the `.last` reference.
//! * `error` rows must fail with an error.
//! * `any` rows may decode or fail; a mismatch with a reference is advisory.
//!
//! A panic (even one the core catches at the plugin boundary) or a hang is a
//! failure for every row. Files that fail for a known reason are listed in
//! `tests/known-failures.tsv` (`path<TAB>reason`); a listed file that passes
//! fails its trial, so the list only shrinks.
//!
//! The corpus is found through `IMAGEIO_CORPUS`, else `../shared/corpus` next
//! to the workspace; without it the suite is skipped. `IMAGEIO_CONFORMANCE_TIMEOUT`
//! sets the per-file time limit in seconds (default 120).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use imageio::plugin::with_ndimage;
use imageio::{
    improps_with, imread, imread_with, DType, Element, ErrorKind, Index, NdImage, ReadOptions,
};
use imageio_tests::npy::parse_npy;
use libtest_mimic::{Arguments, Failed, Trial};

/// What `expected.tsv` says a read of a file must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Ok,
    Error,
    Any,
}

/// How far a value may be from its reference.
#[derive(Clone, Copy, Debug)]
enum Tol {
    /// `|got - ref| <= t` (NaN equals NaN, infinities equal themselves).
    Abs(f64),
    /// `|got - ref| <= t * |ref|`.
    Rel(f64),
}

impl std::fmt::Display for Tol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tol::Abs(t) => write!(f, "tol {t}"),
            Tol::Rel(t) => write!(f, "tol rel{t:e}"),
        }
    }
}

/// One row of `expected.tsv`.
#[derive(Clone, Debug)]
struct Row {
    path: String,
    expect: Expect,
    dtype: Option<String>,
    shape: Option<Vec<usize>>,
    n_images: Option<usize>,
    tol: Tol,
}

impl Row {
    fn parse(line: &str, lineno: usize) -> Result<Row, String> {
        let f: Vec<&str> = line.split('\t').collect();
        let col = |i: usize| f.get(i).map(|s| s.trim()).unwrap_or("");
        let bad = |what: &str| format!("expected.tsv line {lineno}: bad {what}: {line:?}");
        let expect = match col(1) {
            "ok" => Expect::Ok,
            "error" => Expect::Error,
            "any" => Expect::Any,
            _ => return Err(bad("expect")),
        };
        let shape = match col(3) {
            "" => None,
            "scalar" => Some(Vec::new()),
            s => Some(
                s.split('x')
                    .map(|d| d.parse::<usize>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| bad("shape"))?,
            ),
        };
        let n_images = match col(4) {
            "" => None,
            s => Some(s.parse().map_err(|_| bad("n_images"))?),
        };
        let tol = match col(5) {
            "" => Tol::Abs(0.0),
            s => match s.strip_prefix("rel") {
                Some(r) => Tol::Rel(r.parse().map_err(|_| bad("tol"))?),
                None => Tol::Abs(s.parse().map_err(|_| bad("tol"))?),
            },
        };
        Ok(Row {
            path: col(0).to_owned(),
            expect,
            dtype: Some(col(2)).filter(|s| !s.is_empty()).map(str::to_owned),
            shape,
            n_images,
            tol,
        })
    }

    fn folder(&self) -> &str {
        self.path.split('/').next().unwrap_or("")
    }

    /// RGBA refs of animated formats: the colour of alpha == 0 pixels is not
    /// significant.
    fn alpha_rule(&self) -> bool {
        matches!(self.folder(), "gif" | "apng" | "webp")
    }
}

/// How a trial ended, for the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tally {
    OkMatched,
    ErrorClean,
    AnyDecoded,
    AnyError,
    Known,
    Failed,
}

/// Counts per folder.
#[derive(Default)]
struct Counts(BTreeMap<String, [usize; 6]>);

impl Counts {
    fn add(&mut self, folder: &str, t: Tally) {
        self.0.entry(folder.to_owned()).or_default()[t as usize] += 1;
    }

    fn report(&self) -> String {
        let mut total = [0usize; 6];
        let mut out = String::from(
            "conformance by folder: ok-matched / known-failures / errors-clean / any-decoded / \
             any-error / failed\n",
        );
        for (folder, c) in &self.0 {
            for (t, v) in total.iter_mut().zip(c) {
                *t += v;
            }
            let _ = writeln!(
                out,
                "  {folder:<10} {:>3} {:>3} {:>3} {:>3} {:>3} {:>3}",
                c[0], c[4], c[1], c[2], c[3], c[5]
            );
        }
        let _ = write!(
            out,
            "conformance summary: {} ok matched, {} known failures, {} errors clean, {} any clean \
             ({} decoded, {} clean errors), {} failed",
            total[Tally::OkMatched as usize],
            total[Tally::Known as usize],
            total[Tally::ErrorClean as usize],
            total[Tally::AnyDecoded as usize] + total[Tally::AnyError as usize],
            total[Tally::AnyDecoded as usize],
            total[Tally::AnyError as usize],
            total[Tally::Failed as usize],
        );
        out
    }
}

/// What every trial shares.
struct Ctx {
    corpus: PathBuf,
    known: HashMap<String, String>,
    timeout: Duration,
    counts: Mutex<Counts>,
}

/// The result of running a row's checks on the worker thread.
enum Outcome {
    /// The checks passed.
    Pass(Tally, Option<String>),
    /// A conformance failure (wrong values, missing error...): may be known.
    Fail(String),
    /// A panic or a hang: never excused.
    Crash(String),
}

thread_local! {
    /// Panic messages seen on this thread, recorded by the panic hook even
    /// when something (the core's plugin guard) catches the panic.
    static PANICS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = PANICS.try_with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                p.push(info.to_string().replace('\n', " "));
            }
        });
        default(info);
    }));
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic payload)".into())
}

/// Runs `row`'s checks on a worker thread, catching panics and giving up
/// after the timeout (the thread is then leaked).
fn run_guarded(ctx: &Arc<Ctx>, row: &Row) -> Outcome {
    let (tx, rx) = mpsc::channel();
    let (ctx2, row2) = (Arc::clone(ctx), row.clone());
    let spawned = std::thread::Builder::new()
        .name(row.path.clone())
        .stack_size(16 << 20)
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&ctx2, &row2)));
            let panics = PANICS.with(|p| std::mem::take(&mut *p.borrow_mut()));
            let outcome = match r {
                Err(payload) => Outcome::Crash(format!("panic: {}", panic_message(&*payload))),
                Ok(_) if !panics.is_empty() => Outcome::Crash(format!(
                    "panic (caught by the core and turned into an error): {}",
                    panics.join(" | ")
                )),
                Ok(Err(e)) if e.starts_with("panic: ") => Outcome::Crash(e),
                Ok(Err(e)) if e.contains(" panicked") => Outcome::Crash(format!("panic: {e}")),
                Ok(Ok((tally, note))) => Outcome::Pass(tally, note),
                Ok(Err(e)) => Outcome::Fail(e),
            };
            let _ = tx.send(outcome);
        });
    if let Err(e) = spawned {
        return Outcome::Fail(format!("cannot spawn a worker thread: {e}"));
    }
    match rx.recv_timeout(ctx.timeout) {
        Ok(o) => o,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Outcome::Crash(format!("hang: no result after {} s", ctx.timeout.as_secs()))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Outcome::Crash("the worker thread died without a result".into())
        }
    }
}

/// One trial: the checks, then the known-failures list.
fn trial(ctx: &Arc<Ctx>, row: &Row) -> Result<(), Failed> {
    let known = ctx.known.get(&row.path);
    let (tally, result) = match (run_guarded(ctx, row), known) {
        (Outcome::Crash(msg), _) => (Tally::Failed, Err(msg)),
        (Outcome::Pass(..), Some(_)) => (
            Tally::Failed,
            Err("listed in known-failures.tsv but passes now: remove it".to_owned()),
        ),
        (Outcome::Pass(tally, note), None) => {
            if let Some(note) = note {
                println!("{}: {note}", row.path);
            }
            (tally, Ok(()))
        }
        (Outcome::Fail(msg), Some(reason)) => {
            println!("{}: known failure: {reason} [now: {msg}]", row.path);
            (Tally::Known, Ok(()))
        }
        (Outcome::Fail(msg), None) => (Tally::Failed, Err(msg)),
    };
    ctx.counts
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .add(row.folder(), tally);
    result.map_err(Failed::from)
}

/// True for the error the core makes of a plugin's panic (caught on
/// another thread than the worker, so the panic hook did not see it).
/// A backend panic the core caught at the plugin boundary (or any other
/// internal error): never excused.
fn is_panic(e: &imageio::Error) -> bool {
    e.kind() == ErrorKind::Internal
}

/// The checks of one row; `Err` is a conformance failure.
fn check(ctx: &Ctx, row: &Row) -> Result<(Tally, Option<String>), String> {
    let path = ctx.corpus.join(&row.path);
    match row.expect {
        Expect::Error => match imread(&path) {
            Ok(img) => Err(format!(
                "expected an error, got an image: {} {}",
                img.dtype().name(),
                fmt_shape(img.shape())
            )),
            Err(e) if is_panic(&e) => Err(format!("panic: {e}")),
            // No plugin took the file: a fine error, but no decoder was exercised.
            Err(e) if matches!(e.kind(), ErrorKind::PluginNotLinked | ErrorKind::NoPlugin) => Ok((
                Tally::ErrorClean,
                Some(format!(
                    "error: rejected by plugin selection ({:?}), no decoder ran",
                    e.kind()
                )),
            )),
            Err(_) => Ok((Tally::ErrorClean, None)),
        },
        Expect::Any => match imread(&path) {
            Err(e) if is_panic(&e) => Err(format!("panic: {e}")),
            Err(e) => Ok((
                Tally::AnyError,
                Some(format!("any: clean error ({:?}): {e}", e.kind())),
            )),
            Ok(img) => {
                let note = match load_ref(&ctx.corpus, &row.path, "") {
                    Ok(Some(r)) => match compare(&img, &r, row.tol, row.alpha_rule()) {
                        Some(d) => format!(
                            "any: decoded {} {}; advisory ref differs: {d}",
                            img.dtype().name(),
                            fmt_shape(img.shape())
                        ),
                        None => format!("any: decoded, matches the advisory ref ({})", row.tol),
                    },
                    Ok(None) => format!(
                        "any: decoded {} {} (no ref)",
                        img.dtype().name(),
                        fmt_shape(img.shape())
                    ),
                    Err(e) => format!("any: decoded; {e}"),
                };
                Ok((Tally::AnyDecoded, Some(note)))
            }
        },
        Expect::Ok => check_ok(ctx, row, &path).map(|()| (Tally::OkMatched, None)),
    }
}

fn check_ok(ctx: &Ctx, row: &Row, path: &Path) -> Result<(), String> {
    let img = imread(path).map_err(|e| format!("read failed ({:?}): {e}", e.kind()))?;
    let img = gray_as_rgb(row, img, row.shape.as_deref());
    let mut problems = Vec::new();
    let got_dtype = img.dtype().name();
    if let Some(want) = &row.dtype {
        if got_dtype != want {
            problems.push(format!("dtype: got {got_dtype}, want {want}"));
        }
    }
    let mut shape_ok = true;
    if let Some(want) = &row.shape {
        if img.shape() != want.as_slice()
            && !canvas_rule_differs(row.alpha_rule(), img.shape(), want)
        {
            shape_ok = false;
            problems.push(format!(
                "shape: got {}, want {}",
                fmt_shape(img.shape()),
                fmt_shape(want)
            ));
        }
    }
    if shape_ok {
        match load_ref(&ctx.corpus, &row.path, "") {
            Ok(Some(r)) => {
                if let Some(d) = compare_canvas(&img, &r, row.tol, row.alpha_rule()) {
                    problems.push(format!("index 0: {d}"));
                }
            }
            Ok(None) => {}
            Err(e) => problems.push(e),
        }
    }
    drop(img);
    if let Some(n) = row.n_images.filter(|&n| n > 1) {
        let all = ReadOptions::new().index(Index::All);
        match improps_with(path, &all) {
            Ok(p) if p.n_images == Some(n) => {}
            Ok(p) => problems.push(format!("n_images: got {:?}, want {n}", p.n_images)),
            Err(e) => problems.push(format!("improps(Index::All) failed ({:?}): {e}", e.kind())),
        }
        match load_ref(&ctx.corpus, &row.path, ".last") {
            Ok(Some(r)) => {
                let opts = ReadOptions::new().index(Index::At(n - 1));
                match imread_with(path, &opts) {
                    Ok(last) => {
                        let last = gray_as_rgb(row, last, Some(r.shape()));
                        if let Some(d) = compare_canvas(&last, &r, row.tol, row.alpha_rule()) {
                            problems.push(format!("index {} (last): {d}", n - 1));
                        }
                    }
                    Err(e) => problems.push(format!(
                        "reading index {} (last) failed ({:?}): {e}",
                        n - 1,
                        e.kind()
                    )),
                }
            }
            Ok(None) => {}
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// An animated format's gray (`(H, W)`) or gray + alpha (`(H, W, 2)`) u8
/// image as RGB or RGBA (gray replicated), when the ref (`want`, its shape)
/// is colour: the refs expand gray animations to RGB/RGBA, the plugins
/// return them gray, as Pillow does (ARCHITECTURE.md, "Pixel semantics").
fn gray_as_rgb(row: &Row, img: NdImage, want: Option<&[usize]>) -> NdImage {
    let (Some(want), Some(px)) = (want, img.as_bytes()) else {
        return img;
    };
    let s = img.shape();
    let colour = |c: usize| want.len() == s.len() + usize::from(c == 1) && want.len() >= 3;
    let expanded: Option<(Vec<u8>, usize)> = match s.last() {
        _ if !row.alpha_rule() || !matches!(want.last(), Some(3 | 4)) => None,
        _ if s.len() == 2 && colour(1) => Some((px.iter().flat_map(|&v| [v, v, v]).collect(), 3)),
        Some(2) if colour(2) => Some((
            px.chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect(),
            4,
        )),
        _ => None,
    };
    match expanded {
        Some((data, c)) => {
            let mut shape = s[..s.len() - usize::from(c == 4)].to_vec();
            shape.push(c);
            NdImage::from_shape_vec(&shape, data).unwrap_or(img)
        }
        None => img,
    }
}

/// True when `got` and `want` differ only in RGB against RGBA for an
/// animated format (GIF, APNG, WebP). The refs decide RGBA by the rule they
/// were made with ("any frame can be transparent"); the plugins return RGBA
/// only when the composited canvas can show transparency (ARCHITECTURE.md,
/// "Pixel semantics"). [`compare_canvas`] then checks the values.
fn canvas_rule_differs(alpha_rule: bool, got: &[usize], want: &[usize]) -> bool {
    let n = got.len();
    alpha_rule
        && n == want.len()
        && n >= 3
        && got[..n - 1] == want[..n - 1]
        && matches!((got[n - 1], want[n - 1]), (3, 4) | (4, 3))
}

/// [`compare`] across the two canvas rules. Read as RGB against an RGBA
/// ref: the ref must be opaque everywhere (else the plugin dropped an alpha
/// that matters), then its RGB is compared. Read as RGBA against an RGB ref
/// (whose never-painted pixels are 0,0,0): the ref is given our alpha, and
/// our RGB is compared where it is not transparent.
fn compare_canvas(got: &NdImage, want: &NdImage, tol: Tol, alpha_rule: bool) -> Option<String> {
    let (gs, ws) = (got.shape(), want.shape());
    let n = gs.len();
    let bytes = want.dtype() == DType::U8 && got.dtype() == DType::U8;
    if !(bytes && canvas_rule_differs(alpha_rule, gs, ws)) {
        return compare(got, want, tol, alpha_rule);
    }
    let (g, w) = (got.as_bytes()?, want.as_bytes()?);
    match (gs[n - 1], ws[n - 1]) {
        (3, 4) => {
            if let Some(i) = w.chunks_exact(4).position(|p| p[3] != 255) {
                return Some(format!(
                    "read as RGB, but the ref has alpha {} at pixel {i}",
                    w[i * 4 + 3]
                ));
            }
            let rgb: Vec<u8> = w.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
            let r = NdImage::from_shape_vec(gs, rgb).ok()?;
            compare(got, &r, tol, false)
        }
        (4, 3) => {
            // A pixel the ref painted (not 0,0,0) must not read transparent.
            let painted_clear = w
                .chunks_exact(3)
                .zip(g.chunks_exact(4))
                .position(|(p, q)| q[3] == 0 && p != [0, 0, 0]);
            if let Some(i) = painted_clear {
                return Some(format!(
                    "pixel {i} reads transparent, but the ref painted it {:?}",
                    &w[i * 3..i * 3 + 3]
                ));
            }
            let rgba: Vec<u8> = w
                .chunks_exact(3)
                .zip(g.chunks_exact(4))
                .flat_map(|(p, q)| [p[0], p[1], p[2], q[3]])
                .collect();
            let r = NdImage::from_shape_vec(gs, rgba).ok()?;
            compare(got, &r, tol, true)
        }
        _ => compare(got, want, tol, alpha_rule),
    }
}

/// Reads `refs/<path><suffix>.npy`, or the `arr_0` member of the `.npz`.
fn load_ref(corpus: &Path, path: &str, suffix: &str) -> Result<Option<NdImage>, String> {
    let base = corpus.join("refs").join(format!("{path}{suffix}"));
    let npy = PathBuf::from(format!("{}.npy", base.display()));
    let npz = PathBuf::from(format!("{}.npz", base.display()));
    let bytes = if npy.is_file() {
        std::fs::read(&npy).map_err(|e| format!("cannot read {}: {e}", npy.display()))?
    } else if npz.is_file() {
        let err =
            |e: &dyn std::fmt::Display| format!("cannot read arr_0 from {}: {e}", npz.display());
        let file = std::fs::File::open(&npz).map_err(|e| err(&e))?;
        let mut zip = zip::ZipArchive::new(file).map_err(|e| err(&e))?;
        let mut member = zip.by_name("arr_0.npy").map_err(|e| err(&e))?;
        let mut bytes = Vec::new();
        member.read_to_end(&mut bytes).map_err(|e| err(&e))?;
        bytes
    } else {
        return Ok(None);
    };
    parse_npy(&bytes)
        .map(Some)
        .map_err(|e| format!("bad ref {}{suffix}: {e}", base.display()))
}

fn fmt_shape(shape: &[usize]) -> String {
    if shape.is_empty() {
        return "scalar".into();
    }
    shape
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("x")
}

fn fmt_index(mut flat: usize, shape: &[usize]) -> String {
    let mut idx = vec![0; shape.len()];
    for (i, &d) in shape.iter().enumerate().rev() {
        if d > 0 {
            idx[i] = flat % d;
            flat /= d;
        }
    }
    format!(
        "({})",
        idx.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    )
}

fn values(img: &NdImage) -> Vec<f64> {
    fn go<T: Element>(a: &imageio::ndarray::ArrayD<T>) -> Vec<f64> {
        a.iter().map(|v| v.to_f64()).collect()
    }
    with_ndimage!(img, a => go(a))
}

/// The distance of a value from its reference; NaN equals NaN and equal
/// infinities are 0 apart.
fn distance(got: f64, want: f64) -> f64 {
    if got == want || (got.is_nan() && want.is_nan()) {
        0.0
    } else if got.is_nan() || want.is_nan() {
        f64::INFINITY
    } else {
        (got - want).abs()
    }
}

/// `None` when `got` matches `want` within `tol`; otherwise what differs:
/// the largest difference and where, how many values are beyond `tol`, the
/// first of them, the mean difference and, for `(..., C)` images, the largest
/// difference per channel. With `alpha_rule`, an RGBA u8 reference's colour is
/// compared only where its alpha is > 0 (the alpha itself always is).
fn compare(got: &NdImage, want: &NdImage, tol: Tol, alpha_rule: bool) -> Option<String> {
    if got.shape() != want.shape() {
        return Some(format!(
            "shape {} but the ref is {}",
            fmt_shape(got.shape()),
            fmt_shape(want.shape())
        ));
    }
    let head = if got.dtype() != want.dtype() {
        format!(
            "dtype {} but the ref is {} (values compared as f64)",
            got.dtype(),
            want.dtype()
        )
    } else {
        String::new()
    };
    let (g, w) = (values(got), values(want));
    let shape = want.shape();
    let channels = match shape {
        [_, _, .., c] if shape.len() >= 3 && *c <= 4 => *c,
        _ => 1,
    };
    let rgba = alpha_rule && want.dtype() == DType::U8 && channels == 4;
    let (mut bad, mut compared, mut sum) = (0usize, 0usize, 0.0f64);
    let mut first_bad = None;
    let mut max = (0.0f64, 0usize);
    let mut per_channel = vec![0.0f64; channels];
    for (i, (&gv, &wv)) in g.iter().zip(&w).enumerate() {
        if rgba && i % 4 != 3 && w[i - i % 4 + 3] == 0.0 {
            continue;
        }
        compared += 1;
        let d = distance(gv, wv);
        let ok = match tol {
            Tol::Abs(t) => d <= t,
            Tol::Rel(t) => d <= t * wv.abs(),
        };
        if d.is_finite() {
            sum += d;
        }
        if d > max.0 {
            max = (d, i);
        }
        let c = &mut per_channel[i % channels];
        *c = c.max(d);
        if !ok {
            bad += 1;
            first_bad.get_or_insert(i);
        }
    }
    let Some(first) = first_bad else {
        return (!head.is_empty()).then(|| format!("{head}: values equal"));
    };
    let (d, at) = max;
    let mut s = if head.is_empty() {
        head
    } else {
        format!("{head}: ")
    };
    let _ = write!(
        s,
        "max diff {d} at {} (got {}, ref {}); {bad} of {compared} values beyond {tol} ({:.2}%), \
         first at {} (got {}, ref {}); mean |diff| {:.3}",
        fmt_index(at, shape),
        g[at],
        w[at],
        100.0 * bad as f64 / compared.max(1) as f64,
        fmt_index(first, shape),
        g[first],
        w[first],
        sum / compared.max(1) as f64,
    );
    if channels > 1 {
        let _ = write!(s, "; max diff per channel {per_channel:?}");
    }
    if rgba {
        s.push_str(" (colour ignored where ref alpha = 0)");
    }
    Some(s)
}

/// The corpus directory, or the path that was looked for (the test skips
/// and says so, and the skip is logged for `cargo xtask test`'s summary).
fn find_corpus() -> Result<PathBuf, PathBuf> {
    match imageio_core::test_corpus::for_test("conformance", "") {
        Some(p) if p.join("expected.tsv").is_file() => {
            Ok(p.canonicalize().unwrap_or_else(|_| p.clone()))
        }
        _ => Err(imageio_core::test_corpus::root()),
    }
}

/// `tests/known-failures.tsv`: `path<TAB>reason` per line, `#` comments.
fn read_known_failures(path: &Path) -> Result<Vec<(usize, String, String)>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let (p, r) = l.split_once('\t').unwrap_or((l, ""));
            (i + 1, p.trim().to_owned(), r.trim().to_owned())
        })
        .collect())
}

fn main() {
    let args = Arguments::from_args();
    let corpus = match find_corpus() {
        Ok(p) => p,
        Err(p) => {
            println!(
                "conformance suite skipped: corpus not found at {} (set IMAGEIO_CORPUS)",
                p.display()
            );
            libtest_mimic::run(&args, Vec::new()).exit();
        }
    };
    let expected = std::fs::read_to_string(corpus.join("expected.tsv"))
        .unwrap_or_else(|e| panic!("cannot read {}/expected.tsv: {e}", corpus.display()));
    let rows: Vec<Row> = expected
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| Row::parse(l, i + 1).unwrap_or_else(|e| panic!("{e}")))
        .collect();

    let known_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("known-failures.tsv");
    let known_list = read_known_failures(&known_path);
    // The first entry of a path counts (duplicates fail the list's own trial).
    let mut known: HashMap<String, String> = HashMap::new();
    for (_, p, r) in known_list.iter().flatten() {
        known.entry(p.clone()).or_insert_with(|| r.clone());
    }
    let timeout = std::env::var("IMAGEIO_CONFORMANCE_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let ctx = Arc::new(Ctx {
        corpus,
        known,
        timeout: Duration::from_secs(timeout),
        counts: Mutex::new(Counts::default()),
    });
    install_panic_hook();
    match imageio::plugin::plugins() {
        Ok(p) => {
            let names: Vec<&str> = p.iter().map(|p| p.name).collect();
            println!("conformance: plugins linked: {}", names.join(", "));
        }
        Err(e) => println!("conformance: cannot list the linked plugins: {e}"),
    }

    // The list itself: every entry names a corpus row once, with a reason.
    let paths: std::collections::HashSet<String> = rows.iter().map(|r| r.path.clone()).collect();
    let mut trials = vec![Trial::test("known-failures.tsv", move || {
        let list = known_list?;
        let mut seen = std::collections::HashSet::new();
        let mut errors = Vec::new();
        for (line, p, reason) in &list {
            if !paths.contains(p) {
                errors.push(format!(
                    "line {line}: {p:?} is not a corpus file in expected.tsv"
                ));
            }
            if reason.is_empty() {
                errors.push(format!(
                    "line {line}: {p:?} has no reason (path<TAB>reason)"
                ));
            }
            if !seen.insert(p) {
                errors.push(format!("line {line}: {p:?} is listed twice"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("\n").into())
        }
    })];
    trials.extend(rows.into_iter().map(|row| {
        let ctx = Arc::clone(&ctx);
        Trial::test(row.path.clone(), move || trial(&ctx, &row))
    }));

    let conclusion = libtest_mimic::run(&args, trials);
    let counts = ctx.counts.lock().unwrap_or_else(|e| e.into_inner());
    if !counts.0.is_empty() {
        println!("{}", counts.report());
    }
    conclusion.exit();
}
