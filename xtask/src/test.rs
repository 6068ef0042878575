//! `cargo xtask test`: the README's test command and what CI runs.

use std::path::Path;
use std::process::Command;

use crate::system::{ensure_packages, run as sh};
use crate::workspace::cargo;

/// Installs what is missing, then: tidy, `cargo fmt --check`, clippy with
/// `-D warnings` over every target and feature, and every test with every
/// feature. Extra arguments go to `cargo test`.
pub fn run(root: &Path, extra: &[String]) -> Result<(), String> {
    ensure_packages()?;
    let cargo = cargo();
    crate::tidy::run(root)?;
    sh(Command::new(&cargo).args(["fmt", "--all", "--check"]))?;
    sh(Command::new(&cargo).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Each test binary runs in its own crate's directory: a relative
    // IMAGEIO_CORPUS (as given from the workspace root) would point nowhere.
    let mut test = Command::new(&cargo);
    if let Some(corpus) = std::env::var_os("IMAGEIO_CORPUS") {
        let corpus = Path::new(&corpus);
        if corpus.is_relative() {
            let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
            test.env("IMAGEIO_CORPUS", cwd.join(corpus));
        }
    }
    // Tests that need the corpus record whether they ran or skipped.
    let log = root.join("target").join("corpus-tests.log");
    let _ = std::fs::create_dir_all(root.join("target"));
    let _ = std::fs::remove_file(&log);
    test.env("IMAGEIO_CORPUS_LOG", &log);
    let result = sh(test
        .args(["test", "--workspace", "--all-features"])
        .args(extra));
    eprintln!(
        "{}",
        corpus_summary(&std::fs::read_to_string(&log).unwrap_or_default())
    );
    result?;
    eprintln!("xtask test: all checks passed");
    Ok(())
}

/// The closing line about the corpus tests, from their log (`ran<TAB>test`
/// or `skipped<TAB>test<TAB>why` per line).
fn corpus_summary(log: &str) -> String {
    let mut ran = 0;
    let mut skipped = 0;
    let mut whys: Vec<&str> = Vec::new();
    for line in log.lines() {
        let mut f = line.split('\t');
        match f.next() {
            Some("ran") => ran += 1,
            Some("skipped") => {
                skipped += 1;
                if let Some(why) = f.nth(1) {
                    if !whys.contains(&why) {
                        whys.push(why);
                    }
                }
            }
            _ => {}
        }
    }
    let mut s = format!("xtask test: corpus tests: {ran} ran, {skipped} skipped");
    if !whys.is_empty() {
        s.push_str(&format!(" ({})", whys.join("; ")));
    }
    if ran + skipped == 0 {
        s.push_str(" (none recorded: were the tests filtered?)");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::corpus_summary;

    #[test]
    fn the_summary_counts_and_says_why() {
        let log = "ran\ta\nskipped\tb\tcorpus not found at /x (set IMAGEIO_CORPUS)\n\
                   skipped\tc\tcorpus not found at /x (set IMAGEIO_CORPUS)\nran\td\n";
        assert_eq!(
            corpus_summary(log),
            "xtask test: corpus tests: 2 ran, 2 skipped (corpus not found at /x (set \
             IMAGEIO_CORPUS))"
        );
        assert!(corpus_summary("").contains("0 ran, 0 skipped"));
    }
}
