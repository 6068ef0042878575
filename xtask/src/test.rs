//! `cargo xtask test`: the README's test command and what CI runs.
//!
//! The last step is Python's: the `imageio_rs` package (`crates/imageio-py`)
//! built into the virtual environment `target/pyenv` by `maturin develop`
//! (the dev profile, so it reuses `target/` and the debug build of the
//! workspace), then its pytest suite.

use std::path::Path;
use std::process::Command;

use crate::system::{ensure, ensure_packages, run as sh};
use crate::workspace::cargo;

/// Installs what is missing, then: tidy, `cargo fmt --check`, clippy with
/// `-D warnings` over every target and feature, and every test with every
/// feature. Extra arguments go to `cargo test`.
pub fn run(root: &Path, extra: &[String]) -> Result<(), String> {
    ensure_packages()?;
    // Before clippy too: pyo3's build script looks for a Python interpreter.
    ensure(PYTHON_PACKAGES)?;
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
    python(root, &test)?;
    eprintln!("xtask test: all checks passed");
    Ok(())
}

/// Debian packages the Python step needs, with what needs them.
pub const PYTHON_PACKAGES: &[(&str, &str)] = &[
    ("python3", "the imageio_rs package and its pytest suite"),
    ("python3-venv", "the virtual environment target/pyenv"),
    (
        "python3-pip",
        "the Python requirements from PyPI in that environment",
    ),
];

/// What the Python step installs into `target/pyenv` from PyPI: the build
/// tool, the package's dependency and test runner, and what the Dask test
/// (`tests/test_dask.py`: a multi-process local cluster; Pillow and tifffile
/// as references) needs.
const PYTHON_REQUIREMENTS: &[&str] = &[
    "maturin>=1.9.4,<2",
    "numpy",
    "pytest",
    "dask[array]",
    "distributed",
    "pillow",
    "tifffile",
];

/// The imports that show [`PYTHON_REQUIREMENTS`] are installed.
const PYTHON_IMPORTS: &str =
    "import numpy, pytest, maturin, dask.array, distributed, PIL, tifffile";

/// The Python step: `target/pyenv` made (and its requirements installed)
/// when missing, `maturin develop` of `crates/imageio-py` into it, then
/// pytest on `crates/imageio-py/tests` with the environment `cargo test`
/// had (`IMAGEIO_CORPUS`, `IMAGEIO_CORPUS_LOG`), then imageio's own tests
/// run against the package (`tests/upstream/run.py`; it installs imageio and
/// its reference libraries into the venv, and skips with a message when the
/// corpus or PyPI is out of reach).
fn python(root: &Path, cargo_test: &Command) -> Result<(), String> {
    let venv = root.join("target").join("pyenv");
    let py = venv.join("bin").join("python");
    if !py.is_file() {
        sh(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    let have = Command::new(&py)
        .args(["-c", PYTHON_IMPORTS])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !have || !venv.join("bin").join("maturin").is_file() {
        sh(Command::new(&py)
            .args(["-m", "pip", "install", "--quiet", "--upgrade"])
            .args(PYTHON_REQUIREMENTS))?;
    }
    let path = match std::env::var_os("PATH") {
        Some(p) => {
            let mut dirs = vec![venv.join("bin")];
            dirs.extend(std::env::split_paths(&p));
            std::env::join_paths(dirs).map_err(|e| format!("PATH: {e}"))?
        }
        None => venv.join("bin").into_os_string(),
    };
    let crate_dir = root.join("crates").join("imageio-py");
    sh(Command::new(venv.join("bin").join("maturin"))
        .args(["develop", "--quiet", "--manifest-path"])
        .arg(crate_dir.join("Cargo.toml"))
        .env("VIRTUAL_ENV", &venv)
        .env("PATH", &path)
        .current_dir(root))?;
    let mut pytest = Command::new(&py);
    pytest
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(crate_dir.join("tests"))
        // imageio's own tests, run against us, have a step of their own.
        .arg(format!(
            "--ignore={}",
            crate_dir.join("tests").join("upstream").display()
        ))
        .current_dir(root);
    let mut upstream = Command::new(&py);
    let run_py = crate_dir.join("tests").join("upstream").join("run.py");
    upstream
        .arg(&run_py)
        .arg("--venv")
        .arg(&venv)
        .current_dir(root);
    for (k, v) in cargo_test.get_envs() {
        if let Some(v) = v {
            pytest.env(k, v);
            upstream.env(k, v);
        }
    }
    sh(&mut pytest)?;
    if run_py.is_file() {
        sh(&mut upstream)?;
    }
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
