//! `cargo xtask test`: the README's test command and what CI runs.

use std::process::Command;

use crate::system::{ensure_packages, run as sh};

/// Installs what is missing, then: `cargo fmt --check`, clippy with
/// `-D warnings` over every target and feature, and every test with every
/// feature. Extra arguments go to `cargo test`.
pub fn run(extra: &[String]) -> Result<(), String> {
    ensure_packages()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
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
