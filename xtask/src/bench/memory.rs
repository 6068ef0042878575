//! Peak memory of one read: the read's own peak, from `imageio bench
//! --json`, and the whole process's, from `/usr/bin/time -v`; and the same
//! two figures of the fastest peer, from `peers.py peak` in a fresh Python
//! process per file.

use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

use super::pixels::write_npy;
use super::reads::Row;
use super::scaling::wall;
use super::set::Entry;

/// The read's own peak memory in bytes from an `imageio bench --json`
/// entry: `read_peak_rss_bytes` (VmHWM after the read, the mark reset just
/// before it) minus `rss_before_bytes` (VmRSS before it); `None` when either
/// is missing or null (not Linux, or the reset failed).
pub fn own_peak(entry: &Json) -> Option<u64> {
    let peak = entry["read_peak_rss_bytes"].as_u64()?;
    let before = entry["rss_before_bytes"].as_u64()?;
    Some(peak.saturating_sub(before))
}

/// Peak RSS (KiB) of `imageio bench -n 1` (one warm-up read, dropped, then
/// one read), from `/usr/bin/time -v`.
pub fn peak_rss(exe: &Path, path: &Path, all: bool) -> Option<u64> {
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v").arg(exe).args(["bench", "-n", "1"]);
    if all {
        cmd.arg("--all");
    }
    let o = cmd.arg(path).output().ok()?;
    let err = String::from_utf8_lossy(&o.stderr);
    err.lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
}

/// The `peak_rss` of the same command on a 1×1 array (`dir/tiny_1x1.npy`):
/// the process itself (code, linked libraries), subtracted to get what one
/// read costs.
pub fn process_rss(exe: &Path, dir: &Path) -> Option<u64> {
    let tiny = dir.join("tiny_1x1.npy");
    write_npy(&tiny, "|u1", &[1, 1], &[0])
        .ok()
        .and_then(|()| peak_rss(exe, &tiny, false))
}

/// A peer's memory of one read of a file, measured as ours is.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerPeak {
    /// The peer (`pillow`, `numpy`, ...).
    pub peer: String,
    /// The read's own peak in bytes (`own_peak` of its answer).
    pub own: Option<u64>,
    /// The whole Python process's peak in bytes (imports and a warm-up
    /// read included).
    pub whole: Option<u64>,
    /// Why there are no figures.
    pub error: Option<String>,
}

impl PeerPeak {
    /// No figures, and why.
    fn failed(peer: &str, why: String) -> PeerPeak {
        PeerPeak {
            peer: peer.to_owned(),
            own: None,
            whole: None,
            error: Some(why),
        }
    }
}

/// A `peers.py peak` answer as a `PeerPeak`.
fn parse_peak(peer: &str, out: &[u8]) -> PeerPeak {
    match serde_json::from_slice::<Json>(out) {
        Ok(j) => PeerPeak {
            peer: peer.to_owned(),
            own: own_peak(&j),
            whole: j["whole_peak_bytes"].as_u64(),
            error: None,
        },
        Err(e) => PeerPeak::failed(peer, format!("bad JSON: {e}")),
    }
}

/// `python script peak PEER KIND PATH`: one fresh process.
fn peer_peak(python: &Path, script: &Path, peer: &str, kind: &str, path: &Path) -> PeerPeak {
    let run = wall(
        Command::new(python)
            .arg(script)
            .args(["peak", peer, kind])
            .arg(path)
            .env("OPENCV_LOG_LEVEL", "ERROR"),
    );
    match run {
        Ok((_, out)) => parse_peak(peer, &out),
        Err(why) => PeerPeak::failed(peer, why),
    }
}

/// The memory of one read by each row's fastest comparable peer (`rows`
/// are `entries`' rows, in order), into `Row::peer_peak`.
pub fn peer_peaks(entries: &[Entry], rows: &mut [Row], python: &Path, script: &Path, dir: &Path) {
    for (e, r) in entries.iter().zip(rows.iter_mut()) {
        if r.skipped.is_some() {
            continue;
        }
        let Some(peer) = r.fastest_peer().map(|(n, _)| n.to_owned()) else {
            continue;
        };
        let p = peer_peak(python, script, &peer, e.kind.name(), &dir.join(e.file));
        let mib = |b: Option<u64>| super::text::mib(b);
        eprintln!(
            "memory: {}: {} own {}, whole {}{}",
            r.file,
            p.peer,
            mib(p.own),
            mib(p.whole),
            p.error
                .as_deref()
                .map(|e| format!(", {e}"))
                .unwrap_or_default()
        );
        r.peer_peak = Some(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn own_peak_is_hwm_minus_rss_before() {
        let e = json!({"rss_before_bytes": 32_034_816u64, "read_peak_rss_bytes": 56_918_016u64});
        assert_eq!(own_peak(&e), Some(24_883_200));
        let e = json!({"rss_before_bytes": 100, "read_peak_rss_bytes": 90});
        assert_eq!(own_peak(&e), Some(0));
        let e = json!({"rss_before_bytes": 100, "read_peak_rss_bytes": null});
        assert_eq!(own_peak(&e), None);
        assert_eq!(own_peak(&json!({"median_s": 1.0})), None);
        // The largest over runs: `None` never wins.
        assert_eq!(Some(5u64).max(None), Some(5));
    }

    #[test]
    fn peer_peaks_parse() {
        let out = br#"{"peer": "pillow", "shape": [2160, 3840, 3], "dtype": "uint8",
            "nbytes": 24883200, "rss_before_bytes": 31592448,
            "read_peak_rss_bytes": 114614272, "whole_peak_bytes": 114712576}"#;
        assert_eq!(
            parse_peak("pillow", out),
            PeerPeak {
                peer: "pillow".into(),
                own: Some(83_021_824),
                whole: Some(114_712_576),
                error: None
            }
        );
        let p = parse_peak(
            "numpy",
            br#"{"rss_before_bytes": 1, "read_peak_rss_bytes": null}"#,
        );
        assert_eq!((p.own, p.whole, p.error), (None, None, None));
        assert!(parse_peak("x", b"Traceback")
            .error
            .unwrap()
            .starts_with("bad JSON"));
    }
}
