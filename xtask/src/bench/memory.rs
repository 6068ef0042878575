//! Peak memory of one read: the read's own peak, from `imageio bench
//! --json`, and the whole process's, from `/usr/bin/time -v`.

use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

use super::pixels::write_npy;

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
}
