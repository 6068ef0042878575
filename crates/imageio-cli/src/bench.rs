//! `imageio bench`: in-process timing of `imread` (and with `--write` of
//! `imencode`), to compare with other libraries on the same files (`cargo
//! xtask bench --compare` drives it).
//!
//! Each file gets, in this order:
//!
//! 1. one warm-up read (page cache, lazy statics; it also names the plugin
//!    and the array), whose array and file are dropped;
//! 2. JSON form only: the memory of one read, measured inside the process
//!    (Linux): freed heap memory is handed back to the system (glibc
//!    `malloc_trim`), `VmRSS` is read from `/proc/self/status`, the
//!    high-water mark is reset by writing `5` to `/proc/self/clear_refs`,
//!    one read is done, and `VmHWM` is read: `read_peak_rss_bytes -
//!    rss_before_bytes` is what that read alone added to the resident set
//!    (memory-mapped input pages included). It comes before anything else
//!    so that no other buffer is resident beside it;
//! 3. N timed reads;
//! 4. with `--write EXT [-o KEY=VALUE ...]`: one more read, one warm-up
//!    encode, then N timed encodes of that array to EXT in memory
//!    (`imencode_with`, the write options as in `imageio convert -o`);
//! 5. JSON form only: the time of copying the array's bytes into a new
//!    buffer, the hardware bound a raw format (NPY, uncompressed TIFF, BMP)
//!    is measured against.
//!
//! The text form skips 2 and 5, so that `/usr/bin/time -v imageio bench -n 1
//! FILE` (without `--write`) measures the peak memory of one read plus the
//! process itself.
//!
//! With `--cold` each file gets one timed read and nothing else: no warm-up,
//! so the first file's read is the process's first call into the library
//! (plugin registry, lazy statics, thread pools and code pages included).
//! Its JSON entry holds `first_read_s` (also as the one element of
//! `times_s`, and as `median_s` and `min_s`), `cold: true` and the array's
//! plugin, shape, dtype and bytes. `cargo xtask bench --compare` runs it in
//! a fresh process per file for the first-call latency.

use std::time::Instant;

use imageio::{ImageFile, Index, NdImage, ReadOptions, WriteOptions};
use serde_json::{json, Map, Value as Json};

use crate::cli::BenchArgs;
use crate::{Failed, Outcome};

/// The median of sorted, non-empty `times`.
fn median(times: &[f64]) -> f64 {
    let n = times.len();
    if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2.0
    }
}

/// Median seconds of copying `nbytes` into a freshly allocated buffer (page
/// faults included, as for a decoder filling a new array).
fn memcpy_time(nbytes: usize, repeat: u32) -> f64 {
    let src = vec![1u8; nbytes];
    let mut times = Vec::with_capacity(repeat as usize);
    for _ in 0..repeat {
        let t = Instant::now();
        let dst = std::hint::black_box(&src).to_vec();
        times.push(t.elapsed().as_secs_f64());
        std::hint::black_box(&dst);
    }
    times.sort_by(f64::total_cmp);
    median(&times)
}

/// The value in bytes of a `KEY:  N kB` line of a `/proc/PID/status` text
/// (`VmRSS`, `VmHWM`, ...); `None` when the key is missing or not a number.
fn status_bytes(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|l| {
        let v = l.strip_prefix(key)?.strip_prefix(':')?.trim();
        let (n, unit) = match v.split_once(char::is_whitespace) {
            Some((n, unit)) => (n, unit.trim()),
            None => (v, ""),
        };
        let n: u64 = n.parse().ok()?;
        match unit {
            "kB" => n.checked_mul(1024),
            "" => Some(n),
            _ => None,
        }
    })
}

/// `status_bytes` of this process now.
fn own_status_bytes(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status_bytes(&status, key)
}

/// Hands the heap memory freed so far back to the system, so that the
/// resident set before the measured read holds no free blocks that the read
/// could reuse unseen.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_free_heap() {
    extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: glibc's `malloc_trim` takes no pointers and may be called at
    // any time; Rust's global allocator on this target is glibc's malloc.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_heap() {}

/// `(rss_before_bytes, read_peak_rss_bytes)` of one read of `file` (see the
/// module docs); `(None, None)` off Linux, the second `None` when the
/// high-water mark cannot be reset (`/proc/self/clear_refs`, Linux ≥ 4.0).
fn read_memory(file: &str, options: &ReadOptions) -> Result<(Option<u64>, Option<u64>), Failed> {
    if !cfg!(target_os = "linux") {
        return Ok((None, None));
    }
    release_free_heap();
    let before = own_status_bytes("VmRSS");
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let img = imageio::imread_with(file, options)?;
    let peak = if reset {
        own_status_bytes("VmHWM")
    } else {
        None
    };
    drop(img);
    Ok((before, peak))
}

/// Encode timing of one array: `(sorted times, raw times, encoded bytes)`
/// of `repeat` encodes after a warm-up one.
fn encode_times(
    img: &NdImage,
    ext: &str,
    options: &WriteOptions,
    repeat: u32,
) -> Result<(Vec<f64>, Vec<f64>, usize), Failed> {
    let nbytes = imageio::imencode_with(img, ext, options)?.len();
    let mut times = Vec::with_capacity(repeat as usize);
    for _ in 0..repeat {
        let t = Instant::now();
        let bytes = imageio::imencode_with(img, ext, options)?;
        times.push(t.elapsed().as_secs_f64());
        drop(bytes);
    }
    let raw = times.clone();
    times.sort_by(f64::total_cmp);
    Ok((times, raw, nbytes))
}

/// The write options of `--write`: `-o KEY=VALUE`s, a stack with `--all`.
fn write_options(a: &BenchArgs) -> WriteOptions {
    let o = crate::options::typed_all(&a.options)
        .into_iter()
        .fold(WriteOptions::new(), |o, (k, v)| o.option(&k, v));
    if a.all {
        o.is_batch(true)
    } else {
        o
    }
}

/// The text line of an encode timing.
fn encode_line(
    file: &str,
    ext: &str,
    options: &[(String, imageio::Value)],
    median: f64,
    min: f64,
    nbytes: usize,
    n: usize,
) -> String {
    let opts: String = options.iter().map(|(k, v)| format!(" {k}={v}")).collect();
    format!(
        "{file}: encode to {ext}{opts}: median {median:.6} s, min {min:.6} s, {nbytes} bytes ({n} runs)\n"
    )
}

/// The first read of each file, timed without a warm-up (`--cold`): its
/// JSON entry and text line.
fn cold_read(file: &str, index: Index) -> Result<(Json, String), Failed> {
    let t = Instant::now();
    let mut f = ImageFile::open_read(file, &ReadOptions::new())?;
    let img = f.read(index)?;
    let first = t.elapsed().as_secs_f64();
    let plugin = f.plugin_name().to_owned();
    let (shape, dtype, nbytes) = (img.shape().to_vec(), img.dtype(), img.nbytes());
    let line = format!(
        "{file}: first read {first:.6} s, cold ({plugin}, {} {})\n",
        crate::json::shape_text(&shape),
        dtype.name()
    );
    let entry = json!({
        "cold": true,
        "first_read_s": first,
        "median_s": first,
        "min_s": first,
        "times_s": [first],
        "plugin": plugin,
        "shape": shape,
        "dtype": dtype.name(),
        "nbytes": nbytes,
    });
    Ok((entry, line))
}

/// Runs `imageio bench`.
pub(crate) fn run(a: BenchArgs) -> Outcome {
    let mut results = Map::new();
    let mut text = String::new();
    let index = if a.all { Index::All } else { Index::At(0) };
    let options = ReadOptions::new().index(index);
    if a.cold {
        for file in &a.files {
            let (entry, line) = cold_read(file, index)?;
            text.push_str(&line);
            results.insert(file.clone(), entry);
        }
        return finish(a.json, results, &text);
    }
    let wopts = write_options(&a);
    for file in &a.files {
        // Warm-up, which also names the plugin; the array is dropped before
        // the timed reads so that a peak-memory measurement sees one read.
        let mut f = ImageFile::open_read(file.as_str(), &ReadOptions::new())?;
        let plugin = f.plugin_name().to_owned();
        let (shape, dtype, nbytes) = {
            let img = f.read(index)?;
            (img.shape().to_vec(), img.dtype(), img.nbytes())
        };
        drop(f);
        // The memory of one read, before any other buffer of ours exists.
        let (rss_before, read_peak) = if a.json {
            read_memory(file, &options)?
        } else {
            (None, None)
        };
        let mut times = Vec::with_capacity(a.repeat as usize);
        for _ in 0..a.repeat {
            let t = Instant::now();
            let img = imageio::imread_with(file.as_str(), &options)?;
            times.push(t.elapsed().as_secs_f64());
            drop(img);
        }
        let raw_times = times.clone();
        times.sort_by(f64::total_cmp);
        let n = times.len();
        let median = median(&times);
        let min = times[0];
        let mut entry = json!({
            "median_s": median,
            "min_s": min,
            "times_s": raw_times,
            "plugin": plugin,
            "shape": shape,
            "dtype": dtype.name(),
            "nbytes": nbytes,
        });
        text.push_str(&format!(
            "{file}: median {median:.6} s, min {min:.6} s ({plugin}, {} {}, {n} runs)\n",
            crate::json::shape_text(&shape),
            dtype.name()
        ));
        if let Some(ext) = &a.write {
            let img = imageio::imread_with(file.as_str(), &options)?;
            let (sorted, raw, encoded) = encode_times(&img, ext, &wopts, a.repeat)?;
            drop(img);
            let (emedian, emin) = (self::median(&sorted), sorted[0]);
            entry["encode_median_s"] = json!(emedian);
            entry["encode_min_s"] = json!(emin);
            entry["encode_times_s"] = json!(raw);
            entry["encoded_bytes"] = json!(encoded);
            text.push_str(&encode_line(
                file,
                ext,
                &crate::options::typed_all(&a.options),
                emedian,
                emin,
                encoded,
                sorted.len(),
            ));
        }
        // Only the JSON form times memcpy: its two buffers would otherwise
        // count in a peak-memory measurement of the text form.
        let memcpy = if a.json {
            memcpy_time(nbytes, a.repeat.min(5))
        } else {
            f64::NAN
        };
        entry["memcpy_s"] = json!(memcpy);
        entry["rss_before_bytes"] = json!(rss_before);
        entry["read_peak_rss_bytes"] = json!(read_peak);
        results.insert(file.clone(), entry);
    }
    finish(a.json, results, &text)
}

/// Prints the results: as JSON when `json`, else `text`.
fn finish(json: bool, results: Map<String, Json>, text: &str) -> Outcome {
    if json {
        let s = serde_json::to_string_pretty(&Json::Object(results))
            .map_err(|e| crate::Failed(e.to_string()))?;
        return crate::print(&format!("{s}\n"));
    }
    crate::print(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
        assert_eq!(median(&[5.0]), 5.0);
    }

    #[test]
    fn memcpy_time_is_positive_and_finite() {
        let t = memcpy_time(1 << 20, 3);
        assert!(t > 0.0 && t < 1.0, "{t}");
    }

    const STATUS: &str = "Name:\timageio\nUmask:\t0022\nState:\tR (running)\n\
        VmPeak:\t  212060 kB\nVmSize:\t  187484 kB\nVmLck:\t       0 kB\n\
        VmHWM:\t   83412 kB\nVmRSS:\t   33020 kB\nRssAnon:\t    4512 kB\n\
        VmRSSX:\t 1 kB\nThreads:\t3\n";

    #[test]
    fn status_values_in_bytes() {
        assert_eq!(status_bytes(STATUS, "VmRSS"), Some(33020 * 1024));
        assert_eq!(status_bytes(STATUS, "VmHWM"), Some(83412 * 1024));
        assert_eq!(status_bytes(STATUS, "VmLck"), Some(0));
        // No unit: the number itself; a prefix of another key is no match.
        assert_eq!(status_bytes(STATUS, "Threads"), Some(3));
        assert_eq!(status_bytes(STATUS, "VmRSSX"), Some(1024));
        assert_eq!(status_bytes(STATUS, "VmSwap"), None);
        assert_eq!(status_bytes(STATUS, "State"), None);
        assert_eq!(status_bytes("VmRSS:\t12 MB\n", "VmRSS"), None);
        assert_eq!(status_bytes("", "VmRSS"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn own_status_has_rss_and_hwm() {
        assert!(own_status_bytes("VmRSS").unwrap() > 0);
        // One snapshot: another test thread may reset the high-water mark
        // (clear_refs) between two reads of the file.
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let rss = status_bytes(&status, "VmRSS").unwrap();
        let hwm = status_bytes(&status, "VmHWM").unwrap();
        assert!(rss > 0 && hwm >= rss, "{rss} {hwm}");
    }

    #[test]
    fn encode_line_names_options_and_size() {
        let opts = vec![("compression".to_owned(), imageio::Value::Str("fast".into()))];
        assert_eq!(
            encode_line("a.npy", ".png", &opts, 0.25, 0.125, 1234, 3),
            "a.npy: encode to .png compression=fast: median 0.250000 s, min 0.125000 s, \
             1234 bytes (3 runs)\n"
        );
        assert_eq!(
            encode_line("a.npy", "jpg", &[], 1.0, 1.0, 7, 1),
            "a.npy: encode to jpg: median 1.000000 s, min 1.000000 s, 7 bytes (1 runs)\n"
        );
    }

    #[test]
    fn write_flags_parse_and_need_write() {
        use clap::Parser;
        let parse = |args: &[&str]| crate::cli::Cli::try_parse_from(args);
        let cli = parse(&[
            "imageio",
            "bench",
            "a.npy",
            "--write",
            "png",
            "-o",
            "compression=fast",
            "--all",
        ])
        .unwrap();
        let crate::cli::Command::Bench(a) = cli.command else {
            panic!("not bench")
        };
        assert_eq!(a.write.as_deref(), Some("png"));
        assert_eq!(a.options, [("compression".to_owned(), "fast".to_owned())]);
        let o = format!("{:?}", write_options(&a));
        assert!(
            o.contains("compression") && o.contains("is_batch: Some(true)"),
            "{o}"
        );
        assert!(parse(&["imageio", "bench", "a.npy", "-o", "quality=90"]).is_err());
        let crate::cli::Command::Bench(a) = parse(&["imageio", "bench", "a.npy"]).unwrap().command
        else {
            panic!("not bench")
        };
        assert_eq!((a.write, a.options.len()), (None, 0));
    }

    #[test]
    fn cold_read_times_one_read_and_names_the_array() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.png");
        let a = imageio::ndarray::Array3::<u8>::from_shape_fn((5, 7, 3), |(y, x, c)| {
            (y * 40 + x * 3 + c) as u8
        });
        imageio::imwrite(path.as_path(), &NdImage::from(a)).unwrap();
        let file = path.to_str().unwrap();
        let (e, line) = cold_read(file, Index::At(0)).unwrap();
        assert_eq!(e["cold"], true);
        assert_eq!(e["shape"], json!([5, 7, 3]));
        assert_eq!(
            (e["dtype"].as_str(), e["nbytes"].as_u64()),
            (Some("uint8"), Some(105))
        );
        assert_eq!(e["plugin"].as_str(), Some("png"));
        let t = e["first_read_s"].as_f64().unwrap();
        assert!(t > 0.0 && t < 10.0, "{t}");
        assert_eq!(e["times_s"], json!([t]));
        assert_eq!(
            (e["median_s"].as_f64(), e["min_s"].as_f64()),
            (Some(t), Some(t))
        );
        assert!(line.starts_with(&format!("{file}: first read ")), "{line}");
        assert!(line.ends_with(", cold (png, (5, 7, 3) uint8)\n"), "{line}");
        assert!(cold_read(&dir.path().join("none.png").to_string_lossy(), Index::At(0)).is_err());
    }

    #[test]
    fn cold_conflicts_with_write() {
        use clap::Parser;
        let parse = |args: &[&str]| crate::cli::Cli::try_parse_from(args);
        let crate::cli::Command::Bench(a) =
            parse(&["imageio", "bench", "--cold", "--json", "a.png"])
                .unwrap()
                .command
        else {
            panic!("not bench")
        };
        assert!(a.cold && a.json);
        assert!(parse(&["imageio", "bench", "--cold", "a.png", "--write", "png"]).is_err());
    }

    #[test]
    fn encode_times_of_a_small_array() {
        let img = NdImage::from(imageio::ndarray::Array3::<u8>::from_elem((8, 9, 3), 7));
        let o = WriteOptions::new().option("compression", "default");
        let (sorted, raw, n) = encode_times(&img, ".png", &o, 3).unwrap();
        assert_eq!((sorted.len(), raw.len()), (3, 3));
        assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
        assert!(n > 8, "{n}");
        assert_eq!(n, imageio::imencode_with(&img, ".png", &o).unwrap().len());
    }
}
