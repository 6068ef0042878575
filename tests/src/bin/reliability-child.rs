//! The child process of the reliability tests (`tests/tests/bombs.rs`,
//! `writes.rs`): one role per run, chosen by the first argument, its result
//! printed on stdout for the parent to check. Not a test: run with no or an
//! unknown role it fails, so it can never pass as a test that did nothing.
//!
//! - `bomb FILE one|all|count [KEY=VALUE]...`: reads `FILE` (the first
//!   image, every image, or only the number of images) with the plugin
//!   options `KEY=VALUE` (`true`, `false` and numbers are parsed as such)
//!   and prints `BOMB ms=… peak_kib=… outcome=…`: the time, this process's
//!   peak resident memory, and the error kind and message, or `ok SHAPE
//!   px=HEX` (the first 32 bytes of the array), or `ok n=N`.
//! - `kill-writer TARGET`: writes a large image over `TARGET` (the parent
//!   kills it mid-write) and prints `CHILD-FINISHED` if it got to the end.
//! - `race-writer TARGET ID AT_MS`: waits for the Unix time `AT_MS` (ms),
//!   writes image `ID` to `TARGET` with `overwrite(false)` and prints
//!   `RACE-RESULT won`, `RACE-RESULT exists` or `RACE-RESULT error …`.
#![forbid(unsafe_code)]

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use imageio::{
    imread_with, imwrite, imwrite_with, ErrorKind, ImageFile, Index, ReadOptions, Value,
    WriteOptions,
};
use imageio_tests::reliability::{pattern, peak_rss_kib};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["bomb", file, how @ ("one" | "all" | "count"), options @ ..] => bomb(file, how, options),
        ["kill-writer", target] => kill_writer(target),
        ["race-writer", target, id, at] => race_writer(target, id, at),
        _ => {
            eprintln!(
                "reliability-child: the child process of the reliability tests; usage: \
                 bomb FILE one|all|count [KEY=VALUE]... | kill-writer TARGET | \
                 race-writer TARGET ID AT_MS"
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// A plugin option's value from its command-line spelling.
fn value(s: &str) -> Value {
    match s {
        "true" => Value::from(true),
        "false" => Value::from(false),
        _ => s
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| s.parse::<f64>().map(Value::from))
            .unwrap_or_else(|_| Value::from(s)),
    }
}

fn bomb(file: &str, how: &str, options: &[&str]) {
    let mut opts = ReadOptions::new();
    if how == "all" {
        opts = opts.index(Index::All);
    }
    for o in options {
        let (k, v) = o.split_once('=').expect("options are KEY=VALUE");
        opts = opts.option(k, value(v));
    }
    let t = Instant::now();
    let r = if how == "count" {
        ImageFile::open_read(Path::new(file), &opts)
            .and_then(|mut f| f.n_images())
            .map(|n| format!("ok n={n:?}"))
    } else {
        imread_with(Path::new(file), &opts).map(|img| {
            let px: String = img.as_bytes().unwrap_or_default()[..]
                .iter()
                .take(32)
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("ok {:?} px={px}", img.shape())
        })
    };
    let ms = t.elapsed().as_millis();
    let outcome = match r {
        Ok(ok) => ok,
        Err(e) => format!("{:?} {e}", e.kind()),
    };
    println!(
        "BOMB ms={ms} peak_kib={} outcome={outcome}",
        peak_rss_kib().unwrap_or(0)
    );
}

fn kill_writer(target: &str) {
    let img = match Path::new(target).extension().and_then(|e| e.to_str()) {
        Some("gif") => pattern(&[40, 400, 400, 3], 7),
        _ => pattern(&[3000, 3000, 3], 7),
    };
    imwrite(target, &img).unwrap();
    println!("CHILD-FINISHED");
}

fn race_writer(target: &str, id: &str, at: &str) {
    let id: u64 = id.parse().expect("ID is a number");
    let at = UNIX_EPOCH + Duration::from_millis(at.parse().expect("AT_MS is a number"));
    let img = pattern(&[64, 64, 3], 100 + id);
    while SystemTime::now() < at {
        std::hint::spin_loop();
    }
    match imwrite_with(target, &img, &WriteOptions::new().overwrite(false)) {
        Ok(()) => println!("RACE-RESULT won"),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => println!("RACE-RESULT exists"),
        Err(e) => println!("RACE-RESULT error {e}"),
    }
}
