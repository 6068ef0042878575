//! `imageio convert`: one file to another, a stack to per-frame files through
//! an output pattern, or many files in parallel (batch mode). In single mode
//! `-` reads standard input or writes standard output (with `--to EXT`).

use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::CommandFactory;
use imageio::{
    imencode_with, imiter_with, imread_with, imwrite_with, Limits, ReadOptions, Uri, WriteOptions,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::cli::{Cli, ConvertArgs};
use crate::{Failed, Outcome};

/// Runs `imageio convert`.
pub(crate) fn run(a: ConvertArgs) -> Outcome {
    match (&a.to, &a.out_dir) {
        (Some(to), Some(dir)) => batch(&a, to, dir),
        _ => {
            if a.paths.len() != 2 {
                usage()
                    .error(
                        clap::error::ErrorKind::WrongNumberOfValues,
                        format!(
                            "convert takes INPUT OUTPUT (got {} paths); to convert several files \
                             use --to EXT --out-dir DIR",
                            a.paths.len()
                        ),
                    )
                    .exit();
            }
            if a.to.is_some() && a.paths.get(1).map(String::as_str) != Some("-") {
                usage()
                    .error(
                        clap::error::ErrorKind::MissingRequiredArgument,
                        "--to needs --out-dir DIR (batch mode) or the OUTPUT - (standard output)",
                    )
                    .exit();
            }
            if a.jobs.is_some() {
                usage()
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        "--jobs needs batch mode (--to and --out-dir)",
                    )
                    .exit();
            }
            single(&a, &a.paths[0], &a.paths[1])
        }
    }
}

/// The `convert` subcommand, for usage errors that print its own usage line.
fn usage() -> clap::Command {
    let mut top = Cli::command();
    top.build();
    top.find_subcommand("convert").cloned().unwrap_or(top)
}

fn read_options(a: &ConvertArgs) -> ReadOptions {
    let mut o = ReadOptions::new().index(a.which.index());
    if let Some(p) = &a.plugin {
        o = o.plugin(p);
    }
    for (k, v) in &a.read_options {
        o = o.option(k, v.clone());
    }
    o
}

fn write_options(a: &ConvertArgs) -> WriteOptions {
    let mut o = WriteOptions::new().overwrite(!a.no_overwrite);
    for (k, v) in &a.options {
        o = o.option(k, v.clone());
    }
    o
}

/// Converts one input to one output (or to a pattern of outputs, one per image).
fn single(a: &ConvertArgs, input: &str, output: &str) -> Outcome {
    let ropts = read_options(a);
    let wopts = write_options(a);
    if output == "-" {
        return to_stdout(a, input, &ropts, &wopts);
    }
    if let Some(pattern) = Pattern::parse(output)? {
        if !a.which.all {
            return Err(Failed(format!(
                "{output}: an output pattern takes one file per image: add --all"
            )));
        }
        // One image at a time, so that images of different shapes work too.
        let per_image = ReadOptions::new();
        let per_image = match &a.plugin {
            Some(p) => per_image.plugin(p),
            None => per_image,
        };
        let per_image = a
            .read_options
            .iter()
            .fold(per_image, |o, (k, v)| o.option(k, v.clone()));
        let mut n = 0;
        for img in imiter_with(source(input)?, &per_image)? {
            let img = img?;
            let path = pattern.format(n);
            imwrite_with(path.as_str(), &img, &wopts.clone().is_batch(false))?;
            n += 1;
        }
        return crate::print(&format!("wrote {n} file(s)\n"));
    }
    convert_one(input, Path::new(output), &ropts, &wopts, a.which.all)
}

/// The resource of an input: `-` is standard input, read whole (at most
/// `Limits::max_alloc` bytes).
fn source(input: &str) -> Result<Uri, Failed> {
    if input != "-" {
        return Ok(Uri::from(input));
    }
    let cap = Limits::default().max_alloc;
    let mut data = Vec::new();
    std::io::stdin()
        .lock()
        .take(cap.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| Failed(format!("cannot read standard input: {e}")))?;
    if data.len() as u64 > cap {
        return Err(Failed(format!(
            "standard input is larger than {cap} bytes; write it to a file first"
        )));
    }
    if data.is_empty() {
        return Err(Failed(
            "standard input is empty: pipe an image into it".into(),
        ));
    }
    Ok(Uri::from(data))
}

/// Converts `input` into the format of `--to` on standard output.
fn to_stdout(a: &ConvertArgs, input: &str, ropts: &ReadOptions, wopts: &WriteOptions) -> Outcome {
    let Some(to) = a.to.as_deref() else {
        return Err(Failed(
            "writing to standard output (-) needs the format: add --to EXT (png, npy, tif, ...)"
                .into(),
        ));
    };
    let mut out = std::io::stdout().lock();
    if out.is_terminal() {
        return Err(Failed(
            "refusing to write image data to a terminal: redirect standard output (> FILE or | ...)"
                .into(),
        ));
    }
    let img = imread_with(source(input)?, ropts)?;
    let wopts = if a.which.all {
        wopts.clone().is_batch(true)
    } else {
        wopts.clone()
    };
    let bytes = imencode_with(&img, to, &wopts)?;
    match out.write_all(&bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failed(format!("cannot write to standard output: {e}"))),
    }
}

fn convert_one(
    input: &str,
    output: &Path,
    ropts: &ReadOptions,
    wopts: &WriteOptions,
    all: bool,
) -> Outcome {
    let img = imread_with(source(input)?, ropts)?;
    let wopts = if all {
        wopts.clone().is_batch(true)
    } else {
        wopts.clone()
    };
    imwrite_with(output, &img, &wopts).map_err(|e| {
        if all && e.kind() == imageio::ErrorKind::Unsupported {
            Failed(format!(
                "{e}; to write one file per image, give an output pattern such as frame_{{:04}}.png"
            ))
        } else {
            Failed::from(e)
        }
    })
}

/// An output name with one `{}` or `{:04}` placeholder for the image number.
struct Pattern {
    head: String,
    tail: String,
    width: usize,
    zero: bool,
}

impl Pattern {
    fn parse(s: &str) -> Result<Option<Pattern>, Failed> {
        let Some(open) = s.find('{') else {
            return Ok(None);
        };
        let bad = || {
            Failed(format!(
                "{s}: an output pattern holds one {{}} or {{:04}} placeholder"
            ))
        };
        let close = s[open..].find('}').map(|c| open + c).ok_or_else(bad)?;
        let spec = &s[open + 1..close];
        let (zero, width) = match spec.strip_prefix(':') {
            None if spec.is_empty() => (false, 0),
            Some(w) if !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) => {
                (w.starts_with('0'), w.parse().map_err(|_| bad())?)
            }
            _ => return Err(bad()),
        };
        let tail = s[close + 1..].to_owned();
        if tail.contains('{') || tail.contains('}') {
            return Err(bad());
        }
        Ok(Some(Pattern {
            head: s[..open].to_owned(),
            tail,
            width,
            zero,
        }))
    }

    fn format(&self, n: usize) -> String {
        let num = if self.zero {
            format!("{n:0w$}", w = self.width)
        } else {
            format!("{n:w$}", w = self.width)
        };
        format!("{}{num}{}", self.head, self.tail)
    }
}

/// Expands the batch inputs: files as given, directories to the files they
/// hold (not recursively, hidden files skipped), globs to their matches.
fn expand(paths: &[String]) -> Result<Vec<String>, Failed> {
    let mut out = Vec::new();
    for p in paths {
        if p == "-" {
            return Err(Failed(
                "standard input (-) works in single mode only: imageio convert - OUTPUT".into(),
            ));
        }
        if p.starts_with("imageio:") || is_url(p) {
            out.push(p.clone());
        } else if Path::new(p).is_dir() {
            let mut files: Vec<String> = std::fs::read_dir(p)
                .map_err(|e| Failed(format!("{p}: cannot list the directory: {e}")))?
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.path().to_string_lossy().into_owned())
                .collect();
            files.sort();
            out.extend(files);
        } else if p.contains(['*', '?', '[']) {
            let matches =
                glob::glob(p).map_err(|e| Failed(format!("{p}: not a valid glob: {e}")))?;
            let before = out.len();
            for m in matches.flatten() {
                if m.is_file() {
                    out.push(m.to_string_lossy().into_owned());
                }
            }
            if out.len() == before {
                return Err(Failed(format!("{p}: the pattern matches no file")));
            }
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// True when `s` is an `http(s)://` URL, as the library parses it.
fn is_url(s: &str) -> bool {
    matches!(Uri::from(s), Uri::Url { .. })
}

fn output_for(input: &str, dir: &Path, ext: &str) -> PathBuf {
    let stem = match input.strip_prefix("imageio:") {
        Some(name) => name.split('.').next().unwrap_or(name).to_owned(),
        None if is_url(input) => {
            let path = input.split(['?', '#']).next().unwrap_or(input);
            let last = path.rsplit('/').next().unwrap_or("");
            match last.rsplit_once('.') {
                Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
                _ if !last.is_empty() && !path.ends_with("//") => last.to_owned(),
                _ => "image".into(),
            }
        }
        None => Path::new(input)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "image".into()),
    };
    dir.join(format!("{stem}.{ext}"))
}

fn batch(a: &ConvertArgs, to: &str, dir: &str) -> Outcome {
    let ext = to.trim_start_matches('.').to_ascii_lowercase();
    if ext.is_empty() || ext.contains(['/', '\\']) {
        return Err(Failed(format!(
            "--to {to:?}: give an extension such as png or npy"
        )));
    }
    let inputs = expand(&a.paths)?;
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
        *seen.entry(output_for(i, &dir, &ext)).or_default() += 1;
    }
    let ropts = read_options(a);
    let wopts = write_options(a);
    let all = a.which.all;
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
    let results: Vec<(String, Result<(), String>)> = pool.install(|| {
        inputs
            .par_iter()
            .map(|input| {
                let out = output_for(input, &dir, &ext);
                let r = if seen[&out] > 1 {
                    Err(format!(
                        "another input also converts to {}; rename one",
                        out.display()
                    ))
                } else {
                    let job = || convert_one(input, &out, &ropts, &wopts, all);
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
                        Ok(r) => r.map_err(|Failed(m)| m),
                        Err(p) => Err(format!("internal error: {}", crate::last_panic(&p))),
                    }
                };
                bar.inc(1);
                (input.clone(), r)
            })
            .collect()
    });
    bar.finish_and_clear();
    let failed: Vec<&(String, Result<(), String>)> =
        results.iter().filter(|(_, r)| r.is_err()).collect();
    for (input, r) in &failed {
        if let Err(m) = r {
            // Messages from imageio already start with the resource.
            if m.starts_with(input.as_str()) {
                eprintln!("error: {m}");
            } else {
                eprintln!("error: {input}: {m}");
            }
        }
    }
    let ok = results.len() - failed.len();
    let secs = start.elapsed().as_secs_f64();
    crate::print(&format!(
        "converted {ok} of {} files to {} in {secs:.2} s{}\n",
        results.len(),
        dir.display(),
        if failed.is_empty() {
            String::new()
        } else {
            format!("; {} failed", failed.len())
        }
    ))?;
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failed(format!(
            "{} of {} files failed to convert (listed above)",
            failed.len(),
            results.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p = Pattern::parse("out/frame_{:04}.png").unwrap().unwrap();
        assert_eq!(p.format(7), "out/frame_0007.png");
        assert_eq!(
            Pattern::parse("f{}.tif").unwrap().unwrap().format(12),
            "f12.tif"
        );
        assert!(Pattern::parse("plain.png").unwrap().is_none());
        assert!(Pattern::parse("bad{x}.png").is_err());
        assert!(Pattern::parse("two{}{}.png").is_err());
    }

    #[test]
    fn batch_output_names() {
        let d = Path::new("out");
        assert_eq!(
            output_for("a/b/photo.jpg", d, "png"),
            Path::new("out/photo.png")
        );
        assert_eq!(
            output_for("imageio:gradient16", d, "npy"),
            Path::new("out/gradient16.npy")
        );
        assert_eq!(
            output_for("https://h.org/a/cat.jpg?size=2.5#x", d, "png"),
            Path::new("out/cat.png")
        );
        assert_eq!(
            output_for("http://h.org/a/blob", d, "png"),
            Path::new("out/blob.png")
        );
    }
}
