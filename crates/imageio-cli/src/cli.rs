//! The command line, declared with clap's derive API: one struct per
//! subcommand, each with an example in its `--help`.
//!
//! This file depends on clap and the standard library only: `cargo xtask man`
//! and `cargo xtask completions` include it to generate the man pages and the
//! shell completions from these very definitions.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Read, write, convert and inspect images, image stacks, animations and
/// numpy arrays.
#[derive(Debug, Parser)]
#[command(name = "imageio", version, propagate_version = true)]
#[command(after_help = "Examples:\n  \
    imageio convert photo.png photo.npy\n  \
    imageio convert scans/ -r --to png --out-dir png --auto-convert\n  \
    imageio info scan.tif --json\n  \
    imageio plugins\n\n\
    Exit status: 0 success, 1 error, 2 usage error, 130 interrupted (Ctrl-C).")]
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

/// The colour modes `--mode` converts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModeArg {
    /// One channel, (H, W); from colour by the ITU-R 601-2 luma transform.
    Gray,
    /// Gray and alpha, (H, W, 2).
    GrayAlpha,
    /// (H, W, 3); an alpha channel is dropped.
    Rgb,
    /// (H, W, 4); an added alpha is opaque.
    Rgba,
}

/// The sample types `--dtype` converts to, by their numpy names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DTypeArg {
    /// 8-bit unsigned, 0..255.
    Uint8,
    /// 16-bit unsigned, 0..65535.
    Uint16,
    /// 32-bit unsigned.
    Uint32,
    /// 64-bit unsigned.
    Uint64,
    /// 8-bit signed.
    Int8,
    /// 16-bit signed.
    Int16,
    /// 32-bit signed.
    Int32,
    /// 64-bit signed.
    Int64,
    /// 32-bit float, 0.0..1.0 for images.
    Float32,
    /// 64-bit float, 0.0..1.0 for images.
    Float64,
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
    imageio convert scan16.tif scan.jpg --dtype uint8\n  \
    imageio convert photo.png gray.png --mode gray\n  \
    imageio convert render.exr render.png --auto-convert\n  \
    imageio convert movie.gif frames.npy --all\n  \
    imageio convert movie.gif 'frame_{:04}.png' --all\n  \
    imageio convert scan.tif page3.png --index 3 -o compression=fast\n  \
    imageio convert 'photos/*.jpg' raw/ --to png --out-dir converted --jobs 4\n  \
    imageio convert shoot/ -r --to png --out-dir png --auto-convert --json > log.jsonl\n  \
    cat photo.tif | imageio convert - photo.png\n  \
    imageio convert scan.tif - --to png > scan.png\n  \
    imageio convert https://example.com/cat.jpg cat.png\n  \
    imageio convert album.zip/2024/a.jpg a.npy\n\n\
    Value mapping of --dtype (it never wraps around):\n  \
    integer to narrower integer: scaled by the range, a right shift (uint16 to uint8 is\n    \
    v >> 8, as ImageMagick's -depth 8 and skimage's img_as_ubyte); signed to unsigned\n    \
    clips negative values to 0 first\n  \
    integer to wider integer: scaled by the ratio of the maxima (uint8 to uint16 is v * 257)\n  \
    float to integer: [0, 1] to [0, max] (signed: [-1, 1] to [-max, max]), rounded,\n    \
    values outside clipped, NaN to 0\n  \
    integer to float: divided by the integer type's maximum (uint8 255 is 1.0)\n  \
    float to float: values kept\n\n\
    Batch mode keeps going after a file fails (--continue-on-error, the default) and ends\n\
    with a summary: files converted, auto-converted, failed per error kind, not started.\n\
    --fail-fast stops at the first failure instead. Ctrl-C stops starting files, lets the\n\
    ones in progress finish, and exits with status 130 after the summary.\n\n\
    Outputs appear complete or not at all; an existing file is kept when a write fails.")]
pub(crate) struct ConvertArgs {
    /// INPUT OUTPUT, or with --to/--out-dir any number of inputs (files,
    /// directories, globs; `imageio:NAME` for a standard image, built in or
    /// one of imageio's, downloaded once). `-` is
    /// standard input (as INPUT) or standard output (as OUTPUT, with --to).
    #[arg(required = true, value_name = "PATHS")]
    pub(crate) paths: Vec<String>,
    #[command(flatten)]
    pub(crate) which: Which,
    /// Convert to this colour mode after reading.
    #[arg(long, value_enum, value_name = "MODE")]
    pub(crate) mode: Option<ModeArg>,
    /// Convert the samples to this type after reading (and after --mode),
    /// rescaling values as described below.
    #[arg(long, value_enum, value_name = "DTYPE")]
    pub(crate) dtype: Option<DTypeArg>,
    /// When the output format cannot store the image (its dtype, its alpha
    /// channel), convert it to the nearest thing the format stores and say
    /// so on stderr, once per file.
    #[arg(long)]
    pub(crate) auto_convert: bool,
    /// Read with this plugin (see `imageio plugins`).
    #[arg(long, value_name = "NAME")]
    pub(crate) plugin: Option<String>,
    /// A write option of the output format (VALUE is read as an int, a float,
    /// true/false, or a string).
    #[arg(short = 'o', long = "option", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub(crate) options: Vec<(String, String)>,
    /// A read option of the input format.
    #[arg(long = "read-option", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub(crate) read_options: Vec<(String, String)>,
    /// Never replace an existing output file.
    #[arg(long)]
    pub(crate) no_overwrite: bool,
    /// The output format (png, npy, tif, ...): with --out-dir for batch
    /// mode, or with the OUTPUT `-` (standard output).
    #[arg(long, value_name = "EXT")]
    pub(crate) to: Option<String>,
    /// Batch mode: the directory the outputs go to (created if missing).
    /// Files found in a directory input keep their folders below it, files
    /// matched by a glob their folders below the glob's fixed part.
    #[arg(long, value_name = "DIR", requires = "to")]
    pub(crate) out_dir: Option<String>,
    /// Batch mode: also convert the files in the subdirectories of directory
    /// inputs.
    #[arg(short = 'r', long, visible_short_alias = 'R')]
    pub(crate) recursive: bool,
    /// Batch mode: how many files to convert at once (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) jobs: Option<u16>,
    /// Batch mode: keep converting the other files when one fails, and list
    /// the failures at the end (the default).
    #[arg(long, overrides_with = "fail_fast")]
    pub(crate) continue_on_error: bool,
    /// Batch mode: stop at the first file that fails (files in progress
    /// finish; no new file starts).
    #[arg(long, overrides_with = "continue_on_error")]
    pub(crate) fail_fast: bool,
    /// Print one JSON object per file on stdout: input, output, plugin,
    /// writer, shape, dtype, seconds, converted (what --auto-convert did)
    /// and error (null, or {"kind", "message"}); the summary goes to stderr.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

/// The limits on what a read may allocate (defaults: the library's, which
/// guard against decompression bombs); raise them for trusted files.
#[derive(Debug, Args, Clone, Copy)]
pub(crate) struct LimitArgs {
    /// Refuse reads that would allocate more than BYTES for one array or
    /// buffer (default 2 GiB).
    #[arg(long, value_name = "BYTES")]
    pub(crate) max_alloc: Option<u64>,
    /// Refuse images of more than N pixels (default 2^28).
    #[arg(long, value_name = "N")]
    pub(crate) max_pixels: Option<u64>,
    /// Refuse images wider or taller than N pixels (default 2^20).
    #[arg(long, value_name = "N")]
    pub(crate) max_size: Option<u64>,
}

/// Show which plugin reads a file, its properties and its metadata.
///
/// With one file: its details. With several (or a directory, or a glob): one
/// row per file, or one JSON line per file with --json.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    imageio info photo.jpg\n  \
    imageio info movie.gif --all --json\n  \
    imageio info arrays.npz --index 2\n  \
    imageio info scans/ -r\n  \
    imageio info 'shots/*.tif' --json > shots.jsonl\n\n\
    The JSON form is one line per file: {\"uri\", \"plugin\", \"properties\": {\"shape\", \
    \"dtype\", \"n_images\", \"is_batch\", \"spacing\"}, \"metadata\": {...}}, with numpy dtype \
    names; binary metadata values are given as \"<N bytes>\". With --all the properties are the \
    stack's, and \"frames\" lists each image's {\"index\", \"properties\", \"metadata\"}. A file \
    that cannot be read gives {\"uri\", \"error\": {\"kind\", \"message\"}}.")]
pub(crate) struct InfoArgs {
    /// The files (or `imageio:NAME`), directories or quoted globs.
    #[arg(required = true, value_name = "INPUTS")]
    pub(crate) inputs: Vec<String>,
    #[command(flatten)]
    pub(crate) which: Which,
    /// Read with this plugin.
    #[arg(long, value_name = "NAME")]
    pub(crate) plugin: Option<String>,
    /// A read option of the input format.
    #[arg(long = "read-option", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub(crate) read_options: Vec<(String, String)>,
    /// Also list the files in the subdirectories of directory inputs.
    #[arg(short = 'r', long, visible_short_alias = 'R')]
    pub(crate) recursive: bool,
    /// Print JSON instead of text (one line per file).
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
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
    imageio bench photo.npy --write png -o compression=fast --json\n  \
    imageio bench --cold --json photo.jpg\n\n\
    The JSON form is {FILE: {\"median_s\": x, \"min_s\": y, \"times_s\": [...], \"plugin\": \"...\", \
    \"shape\": [...], \"dtype\": \"...\", \"nbytes\": n, \"memcpy_s\": z, \"rss_before_bytes\": r, \
    \"read_peak_rss_bytes\": p}}, memcpy_s being the median time of copying nbytes into a new \
    buffer (the hardware bound for raw formats). rss_before_bytes is VmRSS after the warm-up \
    read was dropped and read_peak_rss_bytes VmHWM after one more read, the high-water mark \
    reset just before it (/proc/self/clear_refs), so their difference is that read's own peak \
    memory; both are measured before the timed reads, on Linux only (null elsewhere, and \
    read_peak_rss_bytes null when the reset fails). With --write the entry also has \
    \"encode_median_s\", \"encode_min_s\", \"encode_times_s\" and \"encoded_bytes\" (after one \
    warm-up encode), and the text form a second line per file with them. With --cold each file \
    gets one read, timed, and nothing else: {FILE: {\"cold\": true, \"first_read_s\": t, \
    \"median_s\": t, \"min_s\": t, \"times_s\": [t], \"plugin\", \"shape\", \"dtype\", \
    \"nbytes\"}}; the first file's read is the process's first call into the library.")]
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
    /// Time only the first read of each file, without a warm-up read (the
    /// first file's is the process's first call: lazy setup included);
    /// -n is ignored.
    #[arg(long, conflicts_with = "write")]
    pub(crate) cold: bool,
    /// Also time encoding each file's array to this format (png, .jpg, ...)
    /// in memory, after the reads.
    #[arg(long, value_name = "EXT")]
    pub(crate) write: Option<String>,
    /// A write option of the --write format (VALUE is read as an int, a
    /// float, true/false, or a string), as in `imageio convert -o`.
    #[arg(short = 'o', long = "option", value_name = "KEY=VALUE", value_parser = parse_key_value, requires = "write")]
    pub(crate) options: Vec<(String, String)>,
}

/// Parses `KEY=VALUE` (VALUE is typed later, by `options::typed`).
pub(crate) fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))?;
    let k = k.trim();
    if k.is_empty() {
        return Err(format!("{s:?} has an empty KEY"));
    }
    Ok((k.to_owned(), v.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_values() {
        let kv = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(parse_key_value("quality=90").unwrap(), kv("quality", "90"));
        assert_eq!(parse_key_value(" desc =a=b").unwrap(), kv("desc", "a=b"));
        assert!(parse_key_value("novalue").is_err());
        assert!(parse_key_value("=3").is_err());
    }

    #[test]
    fn definitions_are_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn new_flags_parse() {
        let c = Cli::try_parse_from([
            "imageio",
            "convert",
            "in",
            "--to",
            "png",
            "--out-dir",
            "o",
            "-r",
            "--mode",
            "gray-alpha",
            "--dtype",
            "uint16",
            "--auto-convert",
            "--fail-fast",
            "--json",
        ])
        .unwrap();
        let Command::Convert(a) = c.command else {
            panic!("not convert")
        };
        assert_eq!(a.mode, Some(ModeArg::GrayAlpha));
        assert_eq!(a.dtype, Some(DTypeArg::Uint16));
        assert!(a.recursive && a.auto_convert && a.fail_fast && a.json);
        // The later of --fail-fast and --continue-on-error wins.
        let c = Cli::try_parse_from([
            "imageio",
            "convert",
            "a",
            "b",
            "--fail-fast",
            "--continue-on-error",
        ])
        .unwrap();
        let Command::Convert(a) = c.command else {
            panic!("not convert")
        };
        assert!(!a.fail_fast && a.continue_on_error);
        assert!(Cli::try_parse_from(["imageio", "convert", "a", "b", "--dtype", "u9"]).is_err());
    }
}
