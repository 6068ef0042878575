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
    sh(Command::new(&cargo)
        .args(["test", "--workspace", "--all-features"])
        .args(extra))?;
    eprintln!("xtask test: all checks passed");
    Ok(())
}
