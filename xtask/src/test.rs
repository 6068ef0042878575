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
    sh(test
        .args(["test", "--workspace", "--all-features"])
        .args(extra))?;
    eprintln!("xtask test: all checks passed");
    Ok(())
}
