//! Timing encodes: `photo_4k.npy` encoded in memory by our CLI and by
//! Pillow at stated settings, rounds interleaved, with the encoded sizes and
//! for lossy formats the PSNR of each output.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{json, Value as Json};

use super::ours::{ours_bench, seconds};
use super::peers::PeerServer;
use super::set::Generated;
use super::text::{first_line, mib, ms};
use super::Timing;

/// The file every encode case encodes.
const SOURCE: &str = "photo_4k.npy";

/// What an encode row is judged on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EncodeTarget {
    /// At least as fast as Pillow, at an equal or smaller file size (PNG).
    FasterAndSmaller,
    /// At least as fast as Pillow at the same quality setting (JPEG).
    Faster,
}

/// One encode comparison: ours at a setting against Pillow at one.
pub struct EncodeCase {
    /// `PNG` or `JPEG`: the format, also Pillow's format name.
    pub format: &'static str,
    /// Our `--write` extension.
    pub ext: &'static str,
    /// Our write options (`-o KEY=VALUE`).
    pub ours: &'static [&'static str],
    /// What our setting is, for the table.
    pub ours_note: &'static str,
    /// Pillow's `save` keyword arguments.
    pub pillow: &'static [(&'static str, i64)],
    /// What Pillow's setting is, for the table.
    pub pillow_note: &'static str,
    /// What the row is judged on.
    pub target: EncodeTarget,
    /// Whether to report the PSNR of both outputs (lossy formats).
    pub psnr: bool,
}

/// The encode comparisons, of `photo_4k.npy` (3840×2160 RGB u8). Our PNG
/// plugin's fastest compressing setting is `compression=fast`, which is also
/// its default (`none` stores); `compression=default` is zlib level 6, as
/// Pillow's default `compress_level`. Our JPEG writer subsamples 4:2:0 by
/// default, Pillow's `subsampling=2`.
pub const ENCODE_CASES: &[EncodeCase] = &[
    case(
        Codec::Png,
        &["compression=fast"],
        "`compression=fast` (fdeflate, adaptive filter; the plugin's default and fastest)",
        &[("compress_level", 1)],
        "`compress_level=1`",
    ),
    case(
        Codec::Png,
        &["compression=1"],
        "`compression=1` (zlib level 1, adaptive filter)",
        &[("compress_level", 1)],
        "`compress_level=1`",
    ),
    case(
        Codec::Png,
        &["compression=default"],
        "`compression=default` (zlib level 6, adaptive filter)",
        &[],
        "default (`compress_level=6`)",
    ),
    case(
        Codec::Jpeg,
        &["quality=90"],
        "`quality=90` (4:2:0, the default)",
        &[("quality", 90), ("subsampling", 2)],
        "`quality=90, subsampling=2` (4:2:0)",
    ),
    case(
        Codec::Jpeg,
        &["quality=75"],
        "`quality=75` (4:2:0, the default)",
        &[("quality", 75), ("subsampling", 2)],
        "`quality=75, subsampling=2` (4:2:0)",
    ),
];

/// A format of the writing table, which fixes the rest of a case.
#[derive(Clone, Copy)]
enum Codec {
    /// Lossless: judged on time and size.
    Png,
    /// Lossy: judged on time, with the PSNR of both outputs.
    Jpeg,
}

/// A case of `codec`: our write options and their note, Pillow's keyword
/// arguments and their note.
const fn case(
    codec: Codec,
    ours: &'static [&'static str],
    ours_note: &'static str,
    pillow: &'static [(&'static str, i64)],
    pillow_note: &'static str,
) -> EncodeCase {
    let (format, ext, target, psnr) = match codec {
        Codec::Png => ("PNG", ".png", EncodeTarget::FasterAndSmaller, false),
        Codec::Jpeg => ("JPEG", ".jpg", EncodeTarget::Faster, true),
    };
    EncodeCase {
        format,
        ext,
        ours,
        ours_note,
        pillow,
        pillow_note,
        target,
        psnr,
    }
}

/// One side of an encode row.
pub struct EncodeSide {
    /// Median seconds of the encodes over all rounds; NaN without any.
    pub median_s: f64,
    /// The size of the encoded bytes.
    pub bytes: Option<u64>,
    /// The PSNR of the output against the source, decoded by Pillow.
    pub psnr: Option<f64>,
    /// Why this side has no figures.
    pub error: Option<String>,
}

impl Default for EncodeSide {
    fn default() -> EncodeSide {
        EncodeSide {
            median_s: f64::NAN,
            bytes: None,
            psnr: None,
            error: None,
        }
    }
}

/// One row of the writing table.
pub struct EncodeRow {
    /// The comparison.
    pub case: &'static EncodeCase,
    /// Our encodes.
    pub ours: EncodeSide,
    /// Pillow's encodes.
    pub pillow: EncodeSide,
    /// Seconds of Pillow's `Image.fromarray`, done once outside its timing.
    pub fromarray_s: Option<f64>,
}

impl EncodeRow {
    /// A row without figures on either side; `why` is ours.
    pub fn failed(case: &'static EncodeCase, why: String) -> EncodeRow {
        EncodeRow {
            case,
            ours: EncodeSide {
                error: Some(why),
                ..EncodeSide::default()
            },
            pillow: EncodeSide::default(),
            fromarray_s: None,
        }
    }

    /// Ours / Pillow: (time, size), when both sides have them.
    pub fn ratios(&self) -> Option<(f64, f64)> {
        if self.ours.median_s.is_nan() || self.pillow.median_s.is_nan() {
            return None;
        }
        let t = self.ours.median_s / self.pillow.median_s;
        let b = self.ours.bytes? as f64 / self.pillow.bytes? as f64;
        Some((t, b))
    }

    /// Whether the row meets its target; `None` without both sides.
    pub fn met(&self) -> Option<bool> {
        let (t, b) = self.ratios()?;
        Some(match self.case.target {
            EncodeTarget::Faster => t <= 1.0,
            EncodeTarget::FasterAndSmaller => t <= 1.0 && b <= 1.0,
        })
    }

    /// The progress line of the row.
    pub fn line(&self) -> String {
        let side = |s: &EncodeSide| match &s.error {
            Some(why) => format!("n/a ({why})"),
            None => format!("{} {}", ms(s.median_s), mib(s.bytes)),
        };
        format!(
            "encode {} ours {} {}; Pillow {} {}",
            self.case.format,
            self.case.ours.join(" "),
            side(&self.ours),
            self.case.pillow_note,
            side(&self.pillow)
        )
    }

    /// Takes one answer of the peer server to an `encode` request: Pillow's
    /// times go to `times`, the rest into the row; a failure ends Pillow's
    /// side.
    fn add_pillow(&mut self, answer: Result<Json, String>, times: &mut Vec<f64>) {
        match answer {
            Ok(a) if a["error"].is_string() => {
                let why = a["error"].as_str().unwrap_or("?");
                self.pillow.error = Some(format!("failed: {}", first_line(why)));
            }
            Ok(a) => {
                times.extend(seconds(&a, "times"));
                self.pillow.bytes = a["bytes"].as_u64();
                self.pillow.psnr = a["psnr"].as_f64();
                self.fromarray_s = a["fromarray_s"].as_f64();
            }
            Err(why) => self.pillow.error = Some(why),
        }
    }
}

/// Encodes per round for an encode of `probe_s` seconds: `repeat`, but 3
/// over 0.2 s and 2 over 1 s (Pillow's zlib level 6 of 4K takes ~5 s).
fn encode_repeat(probe_s: f64, repeat: u32) -> u32 {
    if probe_s < 0.2 {
        repeat
    } else if probe_s < 1.0 {
        repeat.min(3)
    } else {
        repeat.min(2)
    }
}

/// Every case of `ENCODE_CASES` measured in turn (all fail when the source
/// could not be generated); prints each row's progress line.
pub fn measure_encodes(
    generated: &Generated,
    dir: &Path,
    exe: &Path,
    peers: &mut PeerServer,
    timing: Timing,
) -> Vec<EncodeRow> {
    ENCODE_CASES
        .iter()
        .map(|c| {
            let row = match generated.get(SOURCE) {
                Some(Err(why)) => EncodeRow::failed(c, format!("could not generate: {why}")),
                _ => measure_encode(c, dir, exe, peers, timing),
            };
            eprintln!("{}", row.line());
            row
        })
        .collect()
}

/// Times one encode case of `dir/SOURCE`, ours and Pillow's alternately per
/// round; with `case.psnr`, the PSNR of both outputs against the source.
fn measure_encode(
    case: &'static EncodeCase,
    dir: &Path,
    exe: &Path,
    peers: &mut PeerServer,
    timing: Timing,
) -> EncodeRow {
    let path = dir.join(SOURCE);
    let args = write_args(case);
    let probe = match ours_bench(exe, &path, &args, 1) {
        Ok(j) => j,
        Err(why) => return EncodeRow::failed(case, format!("our encode failed: {why}")),
    };
    let repeat = encode_repeat(
        probe["encode_median_s"].as_f64().unwrap_or(1.0),
        timing.repeat,
    );
    let mut row = EncodeRow {
        case,
        ours: EncodeSide::default(),
        pillow: EncodeSide::default(),
        fromarray_s: None,
    };
    let req = pillow_request(case, &path, repeat);
    let (mut ours, mut pillow) = (Vec::new(), Vec::new());
    for _ in 0..timing.rounds {
        match ours_bench(exe, &path, &args, repeat) {
            Ok(j) => {
                ours.extend(seconds(&j, "encode_times_s"));
                row.ours.bytes = j["encoded_bytes"].as_u64();
            }
            Err(why) => {
                row.ours.error = Some(format!("our encode failed: {why}"));
                ours.clear();
                break;
            }
        }
        if row.pillow.error.is_none() {
            row.add_pillow(peers.call(&req), &mut pillow);
        }
    }
    if row.pillow.error.is_some() {
        pillow.clear();
    }
    match peers.medians(&[&ours, &pillow]) {
        Ok(m) => (row.ours.median_s, row.pillow.median_s) = (m[0], m[1]),
        Err(why) => return EncodeRow::failed(case, format!("could not take the medians: {why}")),
    }
    if case.psnr && row.ours.error.is_none() {
        row.ours.psnr = ours_psnr(case, &path, dir, exe, peers);
    }
    row
}

/// `imageio bench` arguments for the case: `--write EXT -o OPTION...`.
fn write_args(case: &EncodeCase) -> Vec<&str> {
    let mut args = vec!["--write", case.ext];
    for o in case.ours {
        args.extend(["-o", o]);
    }
    args
}

/// The peer server's `encode` request for the case: `repeat` encodes of
/// `path` by Pillow.
fn pillow_request(case: &EncodeCase, path: &Path, repeat: u32) -> Json {
    let params: serde_json::Map<String, Json> = case
        .pillow
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    json!({"cmd": "encode", "path": path, "format": case.format,
           "params": params, "repeat": repeat, "psnr": case.psnr})
}

/// The PSNR of our encoding of `src` (written by `imageio convert` with the
/// case's options, the same encoder as `--write`), decoded by Pillow.
fn ours_psnr(
    case: &EncodeCase,
    src: &Path,
    dir: &Path,
    exe: &Path,
    peers: &mut PeerServer,
) -> Option<f64> {
    let out = dir.join(format!("encode-psnr{}", case.ext));
    let mut cmd = Command::new(exe);
    cmd.arg("convert").arg(src).arg(&out);
    for o in case.ours {
        cmd.args(["-o", o]);
    }
    let ok = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let psnr = if ok {
        peers
            .call(&json!({"cmd": "psnr", "ref": src, "path": out}))
            .ok()
            .and_then(|a| a["psnr"].as_f64())
    } else {
        None
    };
    let _ = std::fs::remove_file(&out);
    psnr
}

/// Rows with known figures, for the tests of this table and its section.
#[cfg(test)]
pub mod fixture {
    use super::*;

    /// A side with a median, a size and maybe a PSNR.
    pub fn side(median_s: f64, bytes: u64, psnr: Option<f64>) -> EncodeSide {
        EncodeSide {
            median_s,
            bytes: Some(bytes),
            psnr,
            error: None,
        }
    }

    /// A PNG row that meets its target, a JPEG row that misses it, and a
    /// failed JPEG row.
    pub fn rows() -> [EncodeRow; 3] {
        let png = EncodeRow {
            case: &ENCODE_CASES[0],
            // Our times were 0.10, 0.08, 0.09 s.
            ours: side(0.09, 11_602_390, None),
            pillow: side(0.8, 12_834_533, None),
            fromarray_s: Some(0.0234),
        };
        let jpeg = EncodeRow {
            case: &ENCODE_CASES[3],
            ours: side(0.09, 617_608, Some(41.932)),
            pillow: side(0.023, 596_636, Some(42.189)),
            fromarray_s: None,
        };
        let failed = EncodeRow::failed(&ENCODE_CASES[4], "no jpeg plugin".into());
        [png, jpeg, failed]
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{rows, side};
    use super::*;

    #[test]
    fn encode_repeats_shrink_for_slow_encodes() {
        assert_eq!(encode_repeat(0.09, 7), 7);
        assert_eq!(encode_repeat(0.5, 7), 3);
        assert_eq!(encode_repeat(4.7, 7), 2);
        assert_eq!(encode_repeat(0.5, 2), 2);
        assert_eq!(encode_repeat(2.0, 1), 1);
    }

    #[test]
    fn encode_rows_ratios_and_targets() {
        let [png, jpeg, failed] = rows();
        let (t, b) = png.ratios().unwrap();
        assert!(
            (t - 0.1125).abs() < 1e-9 && (b - 0.903_997_8).abs() < 1e-6,
            "{t} {b}"
        );
        assert_eq!(png.met(), Some(true));
        // Slower: missed, whatever the size.
        assert_eq!(jpeg.met(), Some(false));
        assert_eq!((failed.ratios(), failed.met()), (None, None));
        // PNG: faster but larger misses the target.
        let larger = EncodeRow {
            case: &ENCODE_CASES[1],
            ours: side(0.26, 18_268_038, None),
            pillow: side(0.8, 12_834_533, None),
            fromarray_s: None,
        };
        assert_eq!(larger.met(), Some(false));
    }
}
