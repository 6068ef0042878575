//! Figures and messages as the report and the progress lines print them:
//! milliseconds, MiB, the one line of an error worth quoting.

/// Seconds as milliseconds (two decimals below 10 ms, one above); `-` for
/// NaN, which stands for "no times".
pub fn ms(s: f64) -> String {
    if s.is_nan() {
        "-".into()
    } else if s < 0.01 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} ms", s * 1e3)
    }
}

/// `bytes` as MiB with two decimals, `-` when unknown.
pub fn mib(bytes: Option<u64>) -> String {
    bytes
        .map(|b| format!("{:.2} MiB", b as f64 / 1048576.0))
        .unwrap_or_else(|| "-".into())
}

/// The line of a tool's error output that says what went wrong, at most 160
/// characters: the last of a Python traceback, else the first.
pub fn first_line(s: &str) -> String {
    let lines: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    // Python tracebacks end with the message; our CLI starts with it.
    let l = if lines.first().is_some_and(|l| l.starts_with("Traceback")) {
        lines.last()
    } else {
        lines.first()
    };
    l.map(|l| l.chars().take(160).collect())
        .unwrap_or_else(|| "(no message)".into())
}
