//! `imageio convert`: one file to another, a stack to per-frame files through
//! an output pattern, or many files in parallel (batch mode, in `batch.rs`).
//! In single mode `-` reads standard input or writes standard output (with
//! `--to EXT`). `--mode` converts through the library's read options,
//! `--dtype` through [`pixels`](crate::pixels), and `--auto-convert` follows
//! the hint of a write error to the nearest thing the format stores.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::time::Instant;

use clap::CommandFactory;
use imageio::plugin::convert_mode;
use imageio::{
    guess_is_batch, imencode_with, DType, Error, Hint, ImageFile, Index, Limits, Mode, NdImage,
    ReadOptions, Uri, WriteOptions,
};
use serde_json::json;

use crate::cli::{Cli, ConvertArgs};
use crate::{hint, options, pixels, Failed, Outcome};

/// Runs `imageio convert`.
pub(crate) fn run(a: ConvertArgs) -> Outcome {
    match (&a.to, &a.out_dir) {
        (Some(to), Some(dir)) => crate::batch::run(&a, to, dir),
        _ => {
            if a.paths.len() != 2 {
                usage_error(
                    clap::error::ErrorKind::WrongNumberOfValues,
                    format!(
                        "convert takes INPUT OUTPUT (got {} paths); to convert several files \
                         use --to EXT --out-dir DIR",
                        a.paths.len()
                    ),
                );
            }
            if a.to.is_some() && a.paths.get(1).map(String::as_str) != Some("-") {
                usage_error(
                    clap::error::ErrorKind::MissingRequiredArgument,
                    "--to needs --out-dir DIR (batch mode) or the OUTPUT - (standard output)",
                );
            }
            for (set, flag) in [
                (a.jobs.is_some(), "--jobs"),
                (a.recursive, "--recursive"),
                (a.fail_fast, "--fail-fast"),
            ] {
                if set {
                    usage_error(
                        clap::error::ErrorKind::ArgumentConflict,
                        format!("{flag} needs batch mode (--to and --out-dir)"),
                    );
                }
            }
            single(&a, &a.paths[0], &a.paths[1])
        }
    }
}

/// Exits with a usage error (status 2) printed with `convert`'s usage line.
pub(crate) fn usage_error(kind: clap::error::ErrorKind, msg: impl std::fmt::Display) -> ! {
    let mut top = Cli::command();
    top.build();
    let mut cmd = top.find_subcommand("convert").cloned().unwrap_or(top);
    cmd.error(kind, msg).exit()
}

/// What every conversion of one command does, from its flags.
pub(crate) struct Plan {
    /// Index, plugin, read options, `--mode`, limits.
    pub(crate) ropts: ReadOptions,
    /// Overwrite and write options.
    pub(crate) wopts: WriteOptions,
    /// `--index` / `--all`.
    pub(crate) index: Index,
    /// `--all`: the array read is a stack.
    pub(crate) all: bool,
    /// `--dtype`.
    pub(crate) dtype: Option<DType>,
    /// `--auto-convert`.
    pub(crate) auto: bool,
}

impl Plan {
    /// The plan of `imageio convert` with these flags.
    pub(crate) fn new(a: &ConvertArgs) -> Plan {
        let index = options::index(a.which);
        let mut ropts = ReadOptions::new().index(index);
        if let Some(p) = &a.plugin {
            ropts = ropts.plugin(p);
        }
        for (k, v) in options::typed_all(&a.read_options) {
            ropts = ropts.option(&k, v);
        }
        if let Some(m) = a.mode {
            ropts = ropts.mode(options::mode(m));
        }
        ropts = ropts.limits(options::limits(a.limits));
        let mut wopts = WriteOptions::new().overwrite(!a.no_overwrite);
        for (k, v) in options::typed_all(&a.options) {
            wopts = wopts.option(&k, v);
        }
        Plan {
            ropts,
            wopts,
            index,
            all: a.which.all,
            dtype: a.dtype.map(options::dtype),
            auto: a.auto_convert,
        }
    }

    /// Reads image(s) of `uri` as the flags ask: the plugin that read it,
    /// and the array after `--mode` and `--dtype`.
    pub(crate) fn read(&self, uri: Uri) -> Result<(String, NdImage), Error> {
        let mut f = ImageFile::open_read(uri, &self.ropts)?;
        let plugin = f.plugin_name().to_owned();
        let img = f.read(self.index)?;
        Ok((plugin, img))
    }

    /// Applies `--dtype` to an array read.
    pub(crate) fn cast(&self, img: NdImage) -> NdImage {
        match self.dtype {
            Some(d) if d != img.dtype() => pixels::to_dtype(&img, d),
            _ => img,
        }
    }

    /// Writes `img` with `put` (given the write options and whether the
    /// array is a stack). With `--auto-convert`, a write that fails with a
    /// hint the command can follow is converted and tried again. Returns
    /// `put`'s answer and what was converted.
    pub(crate) fn write_fitting<T>(
        &self,
        mut img: NdImage,
        mut put: impl FnMut(&NdImage, &WriteOptions, bool) -> Result<T, Error>,
    ) -> Result<(T, Vec<String>), Error> {
        let mut batch = self.all.then_some(true);
        let mut converted = Vec::new();
        // Each fix changes the dtype, the channels or the stacking once.
        for _ in 0..4 {
            let is_batch = batch.unwrap_or_else(|| guess_is_batch(img.shape()));
            let wopts = match batch {
                Some(b) => self.wopts.clone().is_batch(b),
                None => self.wopts.clone(),
            };
            match put(&img, &wopts, is_batch) {
                Ok(t) => return Ok((t, converted)),
                Err(e) if !self.auto => return Err(e),
                Err(e) => match fix(&e, &img, is_batch) {
                    Some(Fix::Image(next, note)) => {
                        img = next;
                        converted.push(note);
                    }
                    Some(Fix::Batch) if batch != Some(true) => {
                        batch = Some(true);
                        converted.push("written as a stack, one image per page".into());
                    }
                    _ => return Err(e),
                },
            }
        }
        Err(Error::internal("--auto-convert did not converge"))
    }
}

/// A conversion that makes a failed write possible.
enum Fix {
    Image(NdImage, String),
    Batch,
}

/// The conversion that `e`'s hint asks for, applied to `img`.
fn fix(e: &Error, img: &NdImage, is_batch: bool) -> Option<Fix> {
    match e.hint()? {
        Hint::Cast(to) => {
            let d = pixels::nearest(img.dtype(), to).filter(|&d| d != img.dtype())?;
            Some(Fix::Image(
                pixels::to_dtype(img, d),
                format!("{} to {d}", img.dtype()),
            ))
        }
        Hint::DropAlpha { .. } => {
            let shape = img.shape();
            let c = imageio::plugin::channels_of(shape, is_batch).ok()?;
            let (mode, what) = match c {
                2 => (Mode::Gray, "gray+alpha to gray"),
                4 => (Mode::Rgb, "RGBA to RGB"),
                _ => return None,
            };
            let next = convert_mode(img.clone(), mode, is_batch).ok()?;
            Some(Fix::Image(next, format!("{what} (alpha dropped)")))
        }
        Hint::WriteAsBatch => Some(Fix::Batch),
        _ => None,
    }
}

/// Writes `img` to the file `path` in one go; returns the writer's name.
pub(crate) fn put_file(
    path: &Path,
    img: &NdImage,
    wopts: &WriteOptions,
    is_batch: bool,
) -> Result<String, Error> {
    let mut f = ImageFile::open_write(path, wopts)?;
    let name = f.plugin_name().to_owned();
    f.write_with(img, is_batch)?;
    f.close()?;
    Ok(name)
}

/// The note `--auto-convert` prints for one output.
pub(crate) fn note(input: &str, output: &str, converted: &[String]) -> String {
    format!(
        "note: {input}: converted {} to write {output} (--auto-convert)",
        converted.join(", ")
    )
}

/// Converts one input to one output (or to a pattern of outputs, one per image).
fn single(a: &ConvertArgs, input: &str, output: &str) -> Outcome {
    let plan = Plan::new(a);
    if output == "-" {
        return to_stdout(a, &plan, input);
    }
    if let Some(pattern) = Pattern::parse(output)? {
        if !a.which.all {
            return Err(Failed(format!(
                "{output}: an output pattern takes one file per image: add --all"
            )));
        }
        // One image at a time, so that images of different shapes work too.
        let per_image = Plan {
            ropts: plan.ropts.clone().index(Index::At(0)),
            all: false,
            ..Plan::new(a)
        };
        let mut f =
            ImageFile::open_read(source(input, options::limits(a.limits))?, &per_image.ropts)?;
        let mut n = 0;
        for img in f.iter() {
            let img = per_image.cast(img?);
            let path = pattern.format(n);
            let (_, converted) =
                per_image.write_fitting(img, |img, w, b| put_file(Path::new(&path), img, w, b))?;
            if !converted.is_empty() {
                eprintln!("{}", note(input, &path, &converted));
            }
            n += 1;
        }
        return crate::print(&format!("wrote {n} file(s)\n"));
    }
    let start = Instant::now();
    let (plugin, img) = plan.read(source(input, options::limits(a.limits))?)?;
    let (shape, dtype) = (img.shape().to_vec(), img.dtype());
    let img = plan.cast(img);
    let all = plan.all;
    let (writer, converted) = plan
        .write_fitting(img, |img, w, b| put_file(Path::new(output), img, w, b))
        .map_err(|e| {
            if all && e.kind() == imageio::ErrorKind::Unsupported && e.hint().is_none() {
                Failed(format!(
                    "{}; to write one file per image, give an output pattern such as \
                     frame_{{:04}}.png",
                    hint::render(&e)
                ))
            } else {
                Failed::from(e)
            }
        })?;
    if !converted.is_empty() {
        eprintln!("{}", note(input, output, &converted));
    }
    if a.json {
        let line = json!({
            "input": input, "output": output, "plugin": plugin, "writer": writer,
            "shape": shape, "dtype": dtype.name(), "seconds": start.elapsed().as_secs_f64(),
            "converted": converted, "error": null,
        });
        return crate::print(&format!("{line}\n"));
    }
    Ok(())
}

/// The resource of an input: `-` is standard input, read whole (at most
/// `--max-alloc` bytes).
fn source(input: &str, limits: Limits) -> Result<Uri, Failed> {
    if input != "-" {
        return Ok(Uri::from(input));
    }
    let cap = limits.max_alloc;
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
fn to_stdout(a: &ConvertArgs, plan: &Plan, input: &str) -> Outcome {
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
    let (_, img) = plan.read(source(input, options::limits(a.limits))?)?;
    let img = plan.cast(img);
    let (bytes, converted) = plan.write_fitting(img, |img, w, _| imencode_with(img, to, w))?;
    if !converted.is_empty() {
        eprintln!("{}", note(input, "standard output", &converted));
    }
    match out.write_all(&bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failed(format!("cannot write to standard output: {e}"))),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use imageio::ndarray::Array3;

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

    fn plan(auto: bool) -> Plan {
        Plan {
            ropts: ReadOptions::new(),
            wopts: WriteOptions::new(),
            index: Index::At(0),
            all: false,
            dtype: None,
            auto,
        }
    }

    #[test]
    fn auto_convert_follows_the_hints() {
        let rgba = NdImage::from(Array3::<f32>::from_elem((4, 5, 4), 0.5).into_dyn());
        // A writer that stores u8 without alpha, like JPEG.
        let put = |img: &NdImage, _: &WriteOptions, _: bool| -> Result<Vec<usize>, Error> {
            if img.dtype() != DType::U8 {
                Err(Error::unsupported("8-bit only").with_hint(Hint::Cast(vec![DType::U8])))
            } else if img.shape()[2] == 4 {
                Err(Error::unsupported("no alpha").with_hint(Hint::DropAlpha { option: None }))
            } else {
                Ok(img.shape().to_vec())
            }
        };
        let (shape, notes) = plan(true).write_fitting(rgba.clone(), put).unwrap();
        assert_eq!(shape, [4, 5, 3]);
        assert_eq!(notes, ["float32 to uint8", "RGBA to RGB (alpha dropped)"]);
        let e = plan(false).write_fitting(rgba, put).unwrap_err();
        assert_eq!(e.hint(), Some(&Hint::Cast(vec![DType::U8])));
        // A hint it cannot follow fails as it is.
        let e = plan(true)
            .write_fitting(
                NdImage::from(Array3::<u8>::zeros((2, 2, 3)).into_dyn()),
                |_, _, _| Err::<(), _>(Error::unsupported("never").with_hint(Hint::RaiseMaxAlloc)),
            )
            .unwrap_err();
        assert_eq!(e.message(), "never");
    }
}
