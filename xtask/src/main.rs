//! `cargo xtask`: project automation, one module per task.
//!
//! - `cargo xtask test`: what CI runs (installs missing system packages where
//!   it can, then format check, clippy with `-D warnings`, tidy, every test
//!   with every feature).
//! - `cargo xtask tidy`: the workspace's structure, checked.
//! - `cargo xtask release`: bump, changelog, tag and publish, dry run by default.
//! - `cargo xtask new-plugin NAME`: scaffold a plugin crate and wire it in.
//! - `cargo xtask fuzz [--minutes N]`: every fuzz target for N minutes.
//! - `cargo xtask bench --compare`: our read times beside Python's, in BENCHMARKS.md.
//! - `cargo xtask man`, `cargo xtask completions`: the `imageio` command's
//!   man pages and shell completions, from its clap definitions.
#![forbid(unsafe_code)]

mod bench;
mod diff;
mod docs;
mod fuzz;
mod new_plugin;
mod release;
mod system;
mod test;
mod tidy;
mod workspace;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace::root();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(&root, &args[1..]),
        Some("tidy") => tidy::run(&root),
        Some("release") => release::Config::from_env().and_then(|c| c.run(&root, &args[1..])),
        Some("new-plugin") => new_plugin::run(&root, &args[1..]),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("fuzz") => fuzz::run(&root, &args[1..]),
        Some("man") => docs::run_man(&root, &args[1..]),
        Some("completions") => docs::run_completions(&root, &args[1..]),
        Some("help") | Some("--help") | Some("-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => {
            eprintln!("error: unknown task {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  test        format check, clippy -D warnings, tidy and every test with every
              feature (installs missing system packages first when run as root)
  tidy        check the workspace's structure: `//!` docs, publishable crates,
              directory names, plugins in the README table and the facade
              (crates/imageio-rs: feature, `pub use`, `known!` row), no
              citation of design documents kept outside the repository
  release [patch|minor|major|X.Y.Z] [--execute] [--skip-tests]
              print the release plan and the diff (dry run); with --execute:
              bump, update CHANGELOG.md, test, commit, tag vX.Y.Z, publish in
              dependency order (XTASK_PUBLISH_CMD, default `cargo publish -p`),
              skipping versions already published; rerun to resume
  new-plugin NAME [--backend CRATE] [--read-only]
              create crates/imageio-NAME from the template (a Format `.NAME`,
              a Reader, a Writer unless --read-only, the PluginInfo, a test)
              and add it to the workspace, the facade (feature NAME, `pub use`,
              `known!` row), the tests' and fuzz features, the README's table
  bench --compare [--quick] [--check]
              generate a comparison set in target/bench-set, time our reads
              beside Pillow, OpenCV, tifffile, PyAV and imageio (a venv in
              target/bench-venv from PyPI) and write BENCHMARKS.md; prints
              the geometric mean, the worst file and the files above 1.0
              (--check: fail when a target is missed)
  fuzz [--minutes N] [--target NAME]
              run each cargo-fuzz target of fuzz/ (imdecode, imdecode_hint)
              for N minutes (default 10), seeded from the shared corpus
              (needs `cargo install cargo-fuzz`)
  man [--out DIR] [--check]
              write the `imageio` command's man pages (imageio.1, imageio-SUB.1)
              from its clap definitions to crates/imageio-cli/share/man (shipped
              in the imageio-cli package); --check fails when they are stale
  completions [--out DIR] [--check]
              the same for its bash, zsh, fish, PowerShell and elvish completions,
              in crates/imageio-cli/share/completions";
