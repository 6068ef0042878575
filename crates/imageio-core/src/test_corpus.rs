//! Test-only: where the shared conformance corpus is, and a record of which
//! tests ran over it and which skipped. Hidden from the docs and not part
//! of the API.
//!
//! The corpus lives outside the repository (`IMAGEIO_CORPUS`, default
//! `../shared/corpus` beside the workspace). A test that needs it asks
//! [`for_test`]: with the corpus there it gets the path, without it the test
//! skips and says so on stderr. When `IMAGEIO_CORPUS_LOG` names a file (as
//! `cargo xtask test` does), each answer is appended to it as a line
//! `ran<TAB>test` or `skipped<TAB>test<TAB>why`, so that the test command can
//! end by saying how many corpus tests ran or were skipped, and why.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The corpus root: `IMAGEIO_CORPUS`, else `shared/corpus` beside the
/// workspace that holds the running test (found from `CARGO_MANIFEST_DIR`,
/// else the current directory, by its `Cargo.lock`).
#[doc(hidden)]
pub fn root() -> PathBuf {
    if let Some(d) = std::env::var_os("IMAGEIO_CORPUS") {
        return PathBuf::from(d);
    }
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let workspace = start
        .ancestors()
        .find(|d| d.join("Cargo.lock").is_file())
        .unwrap_or(&start);
    workspace
        .parent()
        .unwrap_or(workspace)
        .join("shared")
        .join("corpus")
}

/// The corpus root when its `folder` (`"jpeg"`, `"video"`, or `""` for the
/// root itself) is there; otherwise `None`, after saying on stderr that
/// `test` skips. Either way the answer is logged (see the module docs).
#[doc(hidden)]
pub fn for_test(test: &str, folder: &str) -> Option<PathBuf> {
    let root = root();
    let dir = root.join(folder);
    if dir.is_dir() {
        log(&format!("ran\t{test}"));
        Some(root)
    } else {
        let why = if root.is_dir() {
            format!("the corpus at {} has no {folder:?} folder", root.display())
        } else {
            format!("no corpus at {} (set IMAGEIO_CORPUS)", root.display())
        };
        eprintln!("{test}: skipped: {why}");
        log(&format!("skipped\t{test}\t{why}"));
        None
    }
}

fn log(line: &str) {
    let Some(path) = std::env::var_os("IMAGEIO_CORPUS_LOG") else {
        return;
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(Path::new(&path));
    if let Ok(mut f) = file {
        // One write per line: lines from parallel tests do not interleave.
        let _ = f.write_all(format!("{line}\n").as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_root_is_beside_the_workspace() {
        if std::env::var_os("IMAGEIO_CORPUS").is_some() {
            return;
        }
        // crates/imageio-core -> the workspace -> beside it.
        let beside = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(3)
            .unwrap();
        assert_eq!(root(), beside.join("shared").join("corpus"));
    }
}
