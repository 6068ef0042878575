//! `imageio bench`: in-process timing of `imread`, to compare with other
//! libraries on the same files (`cargo xtask bench --compare` drives it).
//!
//! Each file gets one warm-up read (page cache, lazy statics; it also names
//! the plugin and the array), then N timed reads. Beside the read times the
//! JSON form reports the time of copying the array's bytes into a new buffer,
//! the hardware bound a raw format (NPY, uncompressed TIFF, BMP) is measured
//! against; the text form leaves it out, so that `/usr/bin/time -v imageio
//! bench -n 1 FILE` measures the peak memory of one read.

use std::time::Instant;

use imageio::{ImageFile, Index, ReadOptions};
use serde_json::{json, Map, Value as Json};

use crate::cli::BenchArgs;
use crate::Outcome;

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

/// Runs `imageio bench`.
pub(crate) fn run(a: BenchArgs) -> Outcome {
    let mut results = Map::new();
    let mut text = String::new();
    let index = if a.all { Index::All } else { Index::At(0) };
    let options = ReadOptions::new().index(index);
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
        // Only the JSON form times memcpy: its two buffers would otherwise
        // count in a peak-memory measurement of the text form.
        let memcpy = if a.json {
            memcpy_time(nbytes, a.repeat.min(5))
        } else {
            f64::NAN
        };
        results.insert(
            file.clone(),
            json!({
                "median_s": median,
                "min_s": min,
                "times_s": raw_times,
                "plugin": plugin,
                "shape": shape,
                "dtype": dtype.name(),
                "nbytes": nbytes,
                "memcpy_s": memcpy,
            }),
        );
        text.push_str(&format!(
            "{file}: median {median:.6} s, min {min:.6} s ({plugin}, {} {}, {n} runs)\n",
            crate::json::shape_text(&shape),
            dtype.name()
        ));
    }
    if a.json {
        let s = serde_json::to_string_pretty(&Json::Object(results))
            .map_err(|e| crate::Failed(e.to_string()))?;
        return crate::print(&format!("{s}\n"));
    }
    crate::print(&text)
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
}
