//! `cargo xtask man` and `cargo xtask completions`: the `imageio` command's
//! man pages (clap_mangen) and shell completions (clap_complete), generated
//! from the command's own clap definitions (`crates/imageio-cli/src/cli.rs`,
//! included here; it depends on clap only). They are written to
//! `crates/imageio-cli/share/` and so ship in the `imageio-cli` package;
//! `--check` fails when the files there are stale, and the release dry run
//! runs that check.

#[allow(dead_code, missing_docs)]
#[path = "../../crates/imageio-cli/src/cli.rs"]
mod cli;

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::{Generator, Shell};

/// Where the generated files live, relative to the workspace root.
pub const SHARE: &str = "crates/imageio-cli/share";

/// The version the pages name: the workspace's, as the binary built from
/// this tree reports it (read from `Cargo.toml`, so that a release that has
/// just bumped it regenerates them with the new one).
fn version(root: &Path) -> Result<String, String> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    doc["workspace"]["package"]["version"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{}: no [workspace.package] version", path.display()))
}

/// A string for clap's builder, which keeps `&'static str`s (a few bytes
/// leaked once per page, in a short-lived task).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The command as the binary parses it, naming `version`.
fn command(version: &str) -> clap::Command {
    let mut cmd = cli::Cli::command().version(leak(version.to_owned()));
    cmd.build();
    cmd
}

/// The man pages: `imageio.1`, and `imageio-SUB.1` for each subcommand.
pub fn man_pages(version: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let cmd = command(version);
    let mut pages = Vec::new();
    let mut render = |name: String, c: clap::Command| -> Result<(), String> {
        let mut buf = Vec::new();
        clap_mangen::Man::new(c)
            .render(&mut buf)
            .map_err(|e| format!("cannot render the man page {name}: {e}"))?;
        pages.push((format!("{name}.1"), buf));
        Ok(())
    };
    render("imageio".into(), cmd.clone())?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("imageio-{}", sub.get_name());
        render(name.clone(), sub.clone().name(leak(name)))?;
    }
    Ok(pages)
}

/// The completion scripts, one per shell, named as each shell looks for them.
pub fn completions(version: &str) -> Vec<(String, Vec<u8>)> {
    let mut cmd = command(version);
    [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ]
    .into_iter()
    .map(|shell| {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, "imageio", &mut buf);
        (shell.file_name("imageio"), buf)
    })
    .collect()
}

/// Writes `files` into `dir`, or with `check` compares them with what is
/// there and names the stale ones.
fn put(dir: &Path, files: &[(String, Vec<u8>)], check: bool, task: &str) -> Result<(), String> {
    if check {
        let stale: Vec<&str> = files
            .iter()
            .filter(|(name, data)| std::fs::read(dir.join(name)).ok().as_ref() != Some(data))
            .map(|(name, _)| name.as_str())
            .collect();
        if stale.is_empty() {
            return Ok(());
        }
        return Err(format!(
            "{}: {} out of date with the clap definitions; run `cargo xtask {task}`",
            dir.display(),
            stale.join(", ")
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, data) in files {
        let path = dir.join(name);
        std::fs::write(&path, data).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Parses `[--out DIR] [--check]`.
fn flags(args: &[String], default: PathBuf) -> Result<(PathBuf, bool), String> {
    let (mut out, mut check) = (default, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => check = true,
            "--out" => {
                out = it
                    .next()
                    .map(PathBuf::from)
                    .ok_or("--out needs a directory")?
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok((out, check))
}

/// `cargo xtask man [--out DIR] [--check]`.
pub fn run_man(root: &Path, args: &[String]) -> Result<(), String> {
    let (dir, check) = flags(args, root.join(SHARE).join("man"))?;
    put(&dir, &man_pages(&version(root)?)?, check, "man")
}

/// `cargo xtask completions [--out DIR] [--check]`.
pub fn run_completions(root: &Path, args: &[String]) -> Result<(), String> {
    let (dir, check) = flags(args, root.join(SHARE).join("completions"))?;
    put(&dir, &completions(&version(root)?), check, "completions")
}

/// The release's check (`write` false) or update (`write` true, after the
/// version bump): the shipped man pages and completions match the clap
/// definitions and the workspace's version. Nothing to do in a workspace
/// without the command.
pub fn shipped(root: &Path, write: bool) -> Result<(), String> {
    if !root.join(SHARE).is_dir() {
        return Ok(());
    }
    let v = version(root)?;
    put(
        &root.join(SHARE).join("man"),
        &man_pages(&v)?,
        !write,
        "man",
    )?;
    put(
        &root.join(SHARE).join("completions"),
        &completions(&v),
        !write,
        "completions",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_pages_cover_every_subcommand_and_flag() {
        let pages = man_pages("9.8.7").unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "imageio.1",
                "imageio-convert.1",
                "imageio-info.1",
                "imageio-plugins.1",
                "imageio-bench.1"
            ]
        );
        let convert = String::from_utf8(pages[1].1.clone()).unwrap();
        assert!(convert.starts_with(".ie"), "roff: {}", &convert[..40]);
        assert!(convert.contains("9.8.7"));
        for flag in [
            "auto\\-convert",
            "fail\\-fast",
            "dtype",
            "mode",
            "out\\-dir",
        ] {
            assert!(convert.contains(flag), "{flag}");
        }
    }

    #[test]
    fn completions_for_each_shell_know_the_flags() {
        let files = completions("1.0.0");
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "imageio.bash",
                "_imageio",
                "imageio.fish",
                "_imageio.ps1",
                "imageio.elv"
            ]
        );
        let bash = String::from_utf8(files[0].1.clone()).unwrap();
        assert!(bash.contains("--auto-convert") && bash.contains("gray-alpha"));
    }

    #[test]
    fn the_shipped_files_match_the_clap_definitions() {
        // Fails when cli.rs changed without `cargo xtask man` and
        // `cargo xtask completions`, as the release would.
        shipped(&crate::workspace::root(), false).unwrap();
    }

    #[test]
    fn check_names_stale_files_and_write_makes_them_current() {
        let tmp = tempfile::tempdir().unwrap();
        let files = vec![("a.1".to_owned(), b"new".to_vec())];
        let err = put(tmp.path(), &files, true, "man").unwrap_err();
        assert!(
            err.contains("a.1") && err.contains("cargo xtask man"),
            "{err}"
        );
        put(tmp.path(), &files, false, "man").unwrap();
        put(tmp.path(), &files, true, "man").unwrap();
        std::fs::write(tmp.path().join("a.1"), b"old").unwrap();
        assert!(put(tmp.path(), &files, true, "man").is_err());
    }
}
