//! `imageio convert INPUTS... --to EXT --out-dir DIR`: many files in
//! parallel, each output below DIR in its input's relative folder. A file
//! that fails does not stop the others (`--continue-on-error`, the default)
//! unless `--fail-fast`; each failure and each `--auto-convert` conversion
//! is reported as it happens (or as one JSON line per file with `--json`),
//! and a summary counts the files converted, failed per error kind and not
//! started. Ctrl-C stops starting files; the ones in progress finish (every
//! output is written atomically), so no partial output is left.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use imageio::{Error, Uri};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde_json::json;

use crate::cli::ConvertArgs;
use crate::convert::{note, put_file, Plan};
use crate::inputs::{expand, Input};
use crate::{hint, signal, Failed, Outcome};

/// What became of one input.
struct Report {
    input: String,
    output: PathBuf,
    seconds: f64,
    result: Result<Done, Failure>,
}

/// A conversion that succeeded.
struct Done {
    plugin: String,
    writer: String,
    shape: Vec<usize>,
    dtype: &'static str,
    converted: Vec<String>,
}

/// A conversion that failed: the error kind (as the summary counts it) and
/// the message, its hint naming flags.
struct Failure {
    kind: String,
    message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure {
            kind: e.kind().to_string(),
            message: hint::render(&e),
        }
    }
}

fn convert(plan: &Plan, input: &Input, output: &Path) -> Result<Done, Failure> {
    if let Some(parent) = output.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Failure {
            kind: imageio::ErrorKind::Io.to_string(),
            message: format!("{}: cannot create the folder: {e}", parent.display()),
        })?;
    }
    let (plugin, img) = plan.read(Uri::from(input.path.as_str()))?;
    let (shape, dtype) = (img.shape().to_vec(), img.dtype().name());
    let img = plan.cast(img);
    let (writer, converted) = plan.write_fitting(img, |img, w, b| put_file(output, img, w, b))?;
    Ok(Done {
        plugin,
        writer,
        shape,
        dtype,
        converted,
    })
}

/// The JSON line of one report.
fn json_line(r: &Report) -> String {
    let (done, error) = match &r.result {
        Ok(d) => (Some(d), None),
        Err(f) => (None, Some(json!({"kind": f.kind, "message": f.message}))),
    };
    json!({
        "input": r.input,
        "output": r.output.to_string_lossy(),
        "plugin": done.map(|d| d.plugin.as_str()),
        "writer": done.map(|d| d.writer.as_str()),
        "shape": done.map(|d| d.shape.clone()),
        "dtype": done.map(|d| d.dtype),
        "seconds": r.seconds,
        "converted": done.map(|d| d.converted.clone()).unwrap_or_default(),
        "error": error,
    })
    .to_string()
}

/// Runs batch mode.
pub(crate) fn run(a: &ConvertArgs, to: &str, dir: &str) -> Outcome {
    let ext = to.trim_start_matches('.').to_ascii_lowercase();
    if ext.is_empty() || ext.contains(['/', '\\']) {
        return Err(Failed(format!(
            "--to {to:?}: give an extension such as png or npy"
        )));
    }
    let inputs = expand(&a.paths, a.recursive)?;
    if inputs.is_empty() {
        return Err(Failed("no input files".into()));
    }
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).map_err(|e| {
        Failed(format!(
            "{}: cannot create the output directory: {e}",
            dir.display()
        ))
    })?;
    let mut seen: HashMap<PathBuf, usize> = HashMap::new();
    for i in &inputs {
        *seen.entry(i.output(&dir, &ext)).or_default() += 1;
    }
    let plan = Plan::new(a);
    signal::install();
    let stop = AtomicBool::new(false);
    let bar = ProgressBar::with_draw_target(
        Some(inputs.len() as u64),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files, {per_sec}, ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.jobs.map_or(0, usize::from))
        .build()
        .map_err(|e| Failed(format!("cannot start the worker threads: {e}")))?;
    let start = Instant::now();
    let reports: Vec<Option<Report>> = pool.install(|| {
        inputs
            .par_iter()
            .map(|input| {
                if stop.load(Ordering::SeqCst) || signal::interrupted() {
                    return None;
                }
                let output = input.output(&dir, &ext);
                let t = Instant::now();
                let result = if seen[&output] > 1 {
                    Err(Failure {
                        kind: "name clash".into(),
                        message: format!(
                            "another input also converts to {}; rename one",
                            output.display()
                        ),
                    })
                } else {
                    let job = || convert(&plan, input, &output);
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).unwrap_or_else(
                        |p| {
                            Err(Failure {
                                kind: imageio::ErrorKind::Internal.to_string(),
                                message: format!("internal error: {}", crate::last_panic(&p)),
                            })
                        },
                    )
                };
                let report = Report {
                    input: input.path.clone(),
                    output,
                    seconds: t.elapsed().as_secs_f64(),
                    result,
                };
                if report.result.is_err() && a.fail_fast {
                    stop.store(true, Ordering::SeqCst);
                }
                bar.suspend(|| tell(a.json, &report));
                bar.inc(1);
                Some(report)
            })
            .collect()
    });
    bar.finish_and_clear();
    let summary = Summary::of(&reports);
    let text = summary.text(&dir, start.elapsed().as_secs_f64(), a.fail_fast);
    if a.json {
        eprint!("{text}");
    } else {
        crate::print(&text)?;
    }
    if signal::interrupted() {
        Err(Failed(format!(
            "interrupted after {} of {} files",
            summary.finished(),
            summary.total
        )))
    } else if summary.failed() > 0 {
        Err(Failed(format!(
            "{} of {} files failed to convert (listed above)",
            summary.failed(),
            summary.total
        )))
    } else {
        Ok(())
    }
}

/// Reports one file as it finishes: a JSON line on stdout with `--json`;
/// otherwise its failure, or what `--auto-convert` did, on stderr.
fn tell(json: bool, r: &Report) {
    if json {
        // A closed stdout (`| head`) ends the output quietly.
        let _ = crate::print(&format!("{}\n", json_line(r)));
        return;
    }
    match &r.result {
        // Messages from imageio already start with the resource.
        Err(f) if f.message.starts_with(r.input.as_str()) => eprintln!("error: {}", f.message),
        Err(f) => eprintln!("error: {}: {}", r.input, f.message),
        Ok(d) if !d.converted.is_empty() => {
            eprintln!(
                "{}",
                note(&r.input, &r.output.to_string_lossy(), &d.converted)
            )
        }
        Ok(_) => {}
    }
}

/// The counts of a batch.
#[derive(Debug, Default, PartialEq, Eq)]
struct Summary {
    total: usize,
    converted: usize,
    auto_converted: usize,
    failed_by_kind: BTreeMap<String, usize>,
    not_started: usize,
}

impl Summary {
    fn of(reports: &[Option<Report>]) -> Summary {
        let mut s = Summary {
            total: reports.len(),
            ..Summary::default()
        };
        for r in reports {
            match r.as_ref().map(|r| &r.result) {
                None => s.not_started += 1,
                Some(Ok(d)) => {
                    s.converted += 1;
                    s.auto_converted += usize::from(!d.converted.is_empty());
                }
                Some(Err(f)) => *s.failed_by_kind.entry(f.kind.clone()).or_default() += 1,
            }
        }
        s
    }

    fn failed(&self) -> usize {
        self.failed_by_kind.values().sum()
    }

    fn finished(&self) -> usize {
        self.total - self.not_started
    }

    /// The summary printed at the end.
    fn text(&self, dir: &Path, secs: f64, fail_fast: bool) -> String {
        let mut t = format!(
            "converted {} of {} files to {} in {secs:.2} s",
            self.converted,
            self.total,
            dir.display()
        );
        if self.auto_converted > 0 {
            t.push_str(&format!(" ({} auto-converted)", self.auto_converted));
        }
        if self.failed() > 0 {
            let kinds: Vec<String> = self
                .failed_by_kind
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            t.push_str(&format!("; {} failed: {}", self.failed(), kinds.join(", ")));
        }
        if self.not_started > 0 {
            t.push_str(&format!("; {} not started", self.not_started));
        }
        t.push('\n');
        if signal::interrupted() {
            t.push_str(&format!(
                "interrupted (Ctrl-C) after {} of {} files; the files in progress were \
                 finished and no partial output was left\n",
                self.finished(),
                self.total
            ));
        } else if fail_fast && self.failed() > 0 {
            t.push_str("stopped at the first failure (--fail-fast)\n");
        } else if self.failed() > 0 {
            t.push_str(
                "kept going after failures (--continue-on-error, the default; --fail-fast stops \
                 at the first)\n",
            );
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(result: Result<Done, Failure>) -> Option<Report> {
        Some(Report {
            input: "in/a.tif".into(),
            output: "out/a.png".into(),
            seconds: 0.5,
            result,
        })
    }

    fn done(converted: &[&str]) -> Result<Done, Failure> {
        Ok(Done {
            plugin: "tiff".into(),
            writer: "png".into(),
            shape: vec![2, 3],
            dtype: "float32",
            converted: converted.iter().map(|s| s.to_string()).collect(),
        })
    }

    fn failure(kind: &str) -> Result<Done, Failure> {
        Err(Failure {
            kind: kind.into(),
            message: "in/a.tif: bad".into(),
        })
    }

    #[test]
    fn summary_counts_per_kind() {
        let reports = vec![
            report(done(&[])),
            report(done(&["float32 to uint16"])),
            report(failure("decode error")),
            report(failure("unsupported")),
            report(failure("decode error")),
            None,
        ];
        let s = Summary::of(&reports);
        assert_eq!((s.total, s.converted, s.auto_converted), (6, 2, 1));
        assert_eq!((s.failed(), s.not_started, s.finished()), (3, 1, 5));
        let text = s.text(Path::new("out"), 1.0, false);
        assert_eq!(
            text,
            "converted 2 of 6 files to out in 1.00 s (1 auto-converted); 3 failed: 2 decode \
             error, 1 unsupported; 1 not started\nkept going after failures \
             (--continue-on-error, the default; --fail-fast stops at the first)\n"
        );
        assert!(s
            .text(Path::new("out"), 1.0, true)
            .ends_with("stopped at the first failure (--fail-fast)\n"));
    }

    #[test]
    fn json_lines_have_every_field() {
        let line: serde_json::Value =
            serde_json::from_str(&json_line(&report(done(&["RGBA to RGB"])).unwrap())).unwrap();
        assert_eq!(line["input"], "in/a.tif");
        assert_eq!(line["output"], "out/a.png");
        assert_eq!(line["plugin"], "tiff");
        assert_eq!(line["writer"], "png");
        assert_eq!(line["shape"], json!([2, 3]));
        assert_eq!(line["dtype"], "float32");
        assert_eq!(line["seconds"], 0.5);
        assert_eq!(line["converted"], json!(["RGBA to RGB"]));
        assert!(line["error"].is_null());
        let line: serde_json::Value =
            serde_json::from_str(&json_line(&report(failure("unsupported")).unwrap())).unwrap();
        assert_eq!(
            line["error"],
            json!({"kind": "unsupported", "message": "in/a.tif: bad"})
        );
        assert!(line["plugin"].is_null() && line["shape"].is_null());
    }
}
