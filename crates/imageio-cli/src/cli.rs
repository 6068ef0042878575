//! The command line, declared with clap's derive API: one struct per
//! subcommand, each with an example in its `--help`.

use clap::{Args, Parser, Subcommand};
use imageio::Value;

/// Read, write, convert and inspect images, image stacks, animations and
/// numpy arrays.
#[derive(Debug, Parser)]
#[command(name = "imageio", version, propagate_version = true)]
#[command(after_help = "Examples:\n  \
    imageio convert photo.png photo.npy\n  \
    imageio info scan.tif --json\n  \
    imageio plugins\n\n\
    Exit status: 0 success, 1 error, 2 usage error.")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    Convert(ConvertArgs),
    Info(InfoArgs),
    Plugins(PluginsArgs),
    Bench(BenchArgs),
}

/// Which image(s) to read.
#[derive(Debug, Args, Clone, Copy)]
pub(crate) struct Which {
    /// Read image N (page, frame, array) instead of the first one.
    #[arg(long, value_name = "N", conflicts_with = "all")]
    pub(crate) index: Option<usize>,
    /// Read every image, stacked on a new first axis.
    #[arg(long)]
    pub(crate) all: bool,
}

impl Which {
    pub(crate) fn index(self) -> imageio::Index {
        match (self.all, self.index) {
            (true, _) => imageio::Index::All,
            (false, n) => imageio::Index::At(n.unwrap_or(0)),
        }
    }
}

/// Read an image and write it in the format of the output's extension.
///
/// Single mode: `imageio convert INPUT OUTPUT`. Batch mode: `imageio convert
/// INPUTS... --to EXT --out-dir DIR` (inputs may be files, directories or
/// quoted globs), converted in parallel with a progress bar. In single mode
/// INPUT `-` is standard input (the format found from the content) and
/// OUTPUT `-` is standard output (the format given by --to); INPUT may be an
/// http(s) URL, and either may be a member of a zip archive
/// (`archive.zip/dir/image.png`).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    imageio convert photo.png photo.npy\n  \
    imageio convert imageio:gradient16 gradient.npy\n  \
    imageio convert movie.gif frames.npy --all\n  \
    imageio convert movie.gif 'frame_{:04}.png' --all\n  \
    imageio convert scan.tif page3.png --index 3 -o compression=fast\n  \
    imageio convert 'photos/*.jpg' raw/ --to png --out-dir converted --jobs 4\n  \
    cat photo.tif | imageio convert - photo.png\n  \
    imageio convert scan.tif - --to png > scan.png\n  \
    imageio convert https://example.com/cat.jpg cat.png\n  \
    imageio convert album.zip/2024/a.jpg a.npy\n\n\
    Outputs appear complete or not at all; an existing file is kept when a write fails.")]
pub(crate) struct ConvertArgs {
    /// INPUT OUTPUT, or with --to/--out-dir any number of inputs (files,
    /// directories, globs; `imageio:NAME` for a built-in image). `-` is
    /// standard input (as INPUT) or standard output (as OUTPUT, with --to).
    #[arg(required = true, value_name = "PATHS")]
    pub(crate) paths: Vec<String>,
    #[command(flatten)]
    pub(crate) which: Which,
    /// Read with this plugin (see `imageio plugins`).
    #[arg(long, value_name = "NAME")]
    pub(crate) plugin: Option<String>,
    /// A write option of the output format (VALUE is read as an int, a float,
    /// true/false, or a string).
    #[arg(short = 'o', long = "option", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub(crate) options: Vec<(String, Value)>,
    /// A read option of the input format.
    #[arg(short = 'r', long = "read-option", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub(crate) read_options: Vec<(String, Value)>,
    /// Never replace an existing output file.
    #[arg(long)]
    pub(crate) no_overwrite: bool,
    /// The output format (png, npy, tif, ...): with --out-dir for batch
    /// mode, or with the OUTPUT `-` (standard output).
    #[arg(long, value_name = "EXT")]
    pub(crate) to: Option<String>,
    /// Batch mode: the directory the outputs go to (created if missing).
    #[arg(long, value_name = "DIR", requires = "to")]
    pub(crate) out_dir: Option<String>,
    /// Batch mode: how many files to convert at once (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) jobs: Option<u16>,
}

/// Show which plugin reads a file, its properties and its metadata.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    imageio info photo.jpg\n  \
    imageio info movie.gif --all --json\n  \
    imageio info arrays.npz --index 2\n\n\
    The JSON form is {\"uri\", \"plugin\", \"properties\": {\"shape\", \"dtype\", \"n_images\", \
    \"is_batch\", \"spacing\"}, \"metadata\": {...}}, with numpy dtype names; binary metadata \
    values are given as \"<N bytes>\".")]
pub(crate) struct InfoArgs {
    /// The file (or `imageio:NAME`).
    pub(crate) input: String,
    #[command(flatten)]
    pub(crate) which: Which,
    /// Read with this plugin.
    #[arg(long, value_name = "NAME")]
    pub(crate) plugin: Option<String>,
    /// A read option of the input format.
    #[arg(short = 'r', long = "read-option", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub(crate) read_options: Vec<(String, Value)>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

/// List the linked plugins: formats, read/write ability and options.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  imageio plugins\n  imageio plugins --json")]
pub(crate) struct PluginsArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Time reading files in this process: a warm-up read, then N timed reads;
/// reports the median and minimum seconds and the plugin used. With --write,
/// also N encodes of each file's array to a format, in memory.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    imageio bench photo.png scan.tif\n  \
    imageio bench *.png --repeat 20 --json\n  \
    imageio bench photo.npy --write png -o compression=fast --json\n\n\
    The JSON form is {FILE: {\"median_s\": x, \"min_s\": y, \"times_s\": [...], \"plugin\": \"...\", \
    \"shape\": [...], \"dtype\": \"...\", \"nbytes\": n, \"memcpy_s\": z, \"rss_before_bytes\": r, \
    \"read_peak_rss_bytes\": p}}, memcpy_s being the median time of copying nbytes into a new \
    buffer (the hardware bound for raw formats). rss_before_bytes is VmRSS after the warm-up \
    read was dropped and read_peak_rss_bytes VmHWM after one more read, the high-water mark \
    reset just before it (/proc/self/clear_refs), so their difference is that read's own peak \
    memory; both are measured before the timed reads, on Linux only (null elsewhere, and \
    read_peak_rss_bytes null when the reset fails). With --write the entry also has \
    \"encode_median_s\", \"encode_min_s\", \"encode_times_s\" and \"encoded_bytes\" (after one \
    warm-up encode), and the text form a second line per file with them.")]
pub(crate) struct BenchArgs {
    /// The files to read.
    #[arg(required = true)]
    pub(crate) files: Vec<String>,
    /// Timed reads per file, after one warm-up read (and timed encodes with
    /// --write).
    #[arg(long, short = 'n', default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) repeat: u32,
    /// Read every image of each file (pages, frames), stacked.
    #[arg(long)]
    pub(crate) all: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
    /// Also time encoding each file's array to this format (png, .jpg, ...)
    /// in memory, after the reads.
    #[arg(long, value_name = "EXT")]
    pub(crate) write: Option<String>,
    /// A write option of the --write format (VALUE is read as an int, a
    /// float, true/false, or a string), as in `imageio convert -o`.
    #[arg(short = 'o', long = "option", value_name = "KEY=VALUE", value_parser = parse_key_value, requires = "write")]
    pub(crate) options: Vec<(String, Value)>,
}

/// Parses `KEY=VALUE`; VALUE is an int, a float, a bool or else a string.
pub(crate) fn parse_key_value(s: &str) -> Result<(String, Value), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))?;
    let k = k.trim();
    if k.is_empty() {
        return Err(format!("{s:?} has an empty KEY"));
    }
    Ok((k.to_owned(), parse_value(v)))
}

fn parse_value(v: &str) -> Value {
    match v {
        "true" | "True" => return Value::Bool(true),
        "false" | "False" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = v.parse::<i64>() {
        return Value::Int(i);
    }
    let numeric = v.bytes().any(|b| b.is_ascii_digit());
    match v.parse::<f64>() {
        Ok(f) if numeric => Value::Float(f),
        _ => Value::Str(v.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_values() {
        assert_eq!(
            parse_key_value("quality=90").unwrap(),
            ("quality".into(), Value::Int(90))
        );
        assert_eq!(parse_key_value("fps=29.97").unwrap().1, Value::Float(29.97));
        assert_eq!(
            parse_key_value("compress=true").unwrap().1,
            Value::Bool(true)
        );
        assert_eq!(
            parse_key_value("mode=RGB").unwrap().1,
            Value::Str("RGB".into())
        );
        assert_eq!(
            parse_key_value("name=nan").unwrap().1,
            Value::Str("nan".into())
        );
        assert_eq!(
            parse_key_value("desc=a=b").unwrap().1,
            Value::Str("a=b".into())
        );
        assert!(parse_key_value("novalue").is_err());
        assert!(parse_key_value("=3").is_err());
    }
}
