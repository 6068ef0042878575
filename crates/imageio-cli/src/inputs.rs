//! The inputs of a batch (`convert --out-dir`, `info` on many files): files
//! as given, directories to the files they hold (with `-r`, those of their
//! subdirectories too), globs to their matches, each with the folder and
//! stem its output keeps below the output directory.

use std::path::{Path, PathBuf};

use imageio::Uri;

use crate::Failed;

/// One input and where its output goes, relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Input {
    /// The path, URL or `imageio:NAME`, as the library reads it.
    pub(crate) path: String,
    /// The folder below the output directory (empty: the directory itself).
    pub(crate) folder: PathBuf,
    /// The output's name without its extension.
    pub(crate) stem: String,
}

impl Input {
    /// The output path in `dir` with extension `ext`.
    pub(crate) fn output(&self, dir: &Path, ext: &str) -> PathBuf {
        dir.join(&self.folder).join(format!("{}.{ext}", self.stem))
    }
}

/// True when `s` is an `http(s)://` URL, as the library parses it.
pub(crate) fn is_url(s: &str) -> bool {
    matches!(Uri::from(s), Uri::Url { .. })
}

/// The output stem of an input that is not below a directory or glob.
fn stem_of(input: &str) -> String {
    match input.strip_prefix("imageio:") {
        // `chelsea.png`, and a zip member `chelsea.zip/chelsea.png`: the
        // file's name up to its first dot.
        Some(name) => {
            let last = name.rsplit('/').next().unwrap_or(name);
            match last.split('.').next() {
                Some(stem) if !stem.is_empty() => stem.to_owned(),
                _ => "image".into(),
            }
        }
        None if is_url(input) => {
            let path = input.split(['?', '#']).next().unwrap_or(input);
            let last = path.rsplit('/').next().unwrap_or("");
            match last.rsplit_once('.') {
                Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
                _ if !last.is_empty() && !path.ends_with("//") => last.to_owned(),
                _ => "image".into(),
            }
        }
        None => Path::new(input)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "image".into()),
    }
}

/// An input found below `base` (a directory or a glob's fixed part).
fn below(base: &Path, file: &Path) -> Input {
    let rel = file.strip_prefix(base).unwrap_or(file);
    let folder = rel.parent().map(Path::to_path_buf).unwrap_or_default();
    // No `..` or root may lead outside the output directory.
    let folder: PathBuf = folder
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .collect();
    let path = file.to_string_lossy().into_owned();
    Input {
        stem: stem_of(&path),
        path,
        folder,
    }
}

fn hidden(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// The files of `dir`, sorted, hidden ones skipped; with `recursive`, those
/// of its subdirectories too (symbolic links to directories not followed).
fn walk(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<(), Failed> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Failed(format!("{}: cannot list the directory: {e}", dir.display())))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| !hidden(p))
        .collect();
    entries.sort();
    for p in entries {
        let link = p
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink());
        if p.is_file() {
            out.push(p);
        } else if recursive && p.is_dir() && !link {
            walk(&p, true, out)?;
        }
    }
    Ok(())
}

/// The fixed part of a glob: its leading components without a wildcard.
fn glob_base(pattern: &str) -> PathBuf {
    let mut base = PathBuf::new();
    let comps: Vec<_> = Path::new(pattern).components().collect();
    for (i, c) in comps.iter().enumerate() {
        let wild = c.as_os_str().to_string_lossy().contains(['*', '?', '[']);
        if wild || i + 1 == comps.len() {
            break;
        }
        base.push(c);
    }
    base
}

/// Expands the inputs of a batch.
pub(crate) fn expand(paths: &[String], recursive: bool) -> Result<Vec<Input>, Failed> {
    let mut out = Vec::new();
    for p in paths {
        if p == "-" {
            return Err(Failed(
                "standard input (-) works in single mode only: imageio convert - OUTPUT".into(),
            ));
        }
        if p.starts_with("imageio:") || is_url(p) {
            out.push(Input {
                path: p.clone(),
                folder: PathBuf::new(),
                stem: stem_of(p),
            });
        } else if Path::new(p).is_dir() {
            let mut files = Vec::new();
            walk(Path::new(p), recursive, &mut files)?;
            out.extend(files.iter().map(|f| below(Path::new(p), f)));
        } else if p.contains(['*', '?', '[']) {
            let matches =
                glob::glob(p).map_err(|e| Failed(format!("{p}: not a valid glob: {e}")))?;
            let base = glob_base(p);
            let before = out.len();
            for m in matches.flatten() {
                if m.is_file() {
                    out.push(below(&base, &m));
                }
            }
            if out.len() == before {
                return Err(Failed(format!("{p}: the pattern matches no file")));
            }
        } else {
            out.push(Input {
                path: p.clone(),
                folder: PathBuf::new(),
                stem: stem_of(p),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names() {
        let d = Path::new("out");
        let one = |p: &str| expand(&[p.to_owned()], false).unwrap()[0].output(d, "png");
        assert_eq!(one("a/b/photo.jpg"), Path::new("out/photo.png"));
        assert_eq!(one("imageio:gradient16"), Path::new("out/gradient16.png"));
        assert_eq!(one("imageio:chelsea.png"), Path::new("out/chelsea.png"));
        assert_eq!(
            one("imageio:cockatoo_yuv420.mp4"),
            Path::new("out/cockatoo_yuv420.png")
        );
        assert_eq!(
            one("imageio:chelsea.zip/chelsea.png"),
            Path::new("out/chelsea.png")
        );
        assert_eq!(one("imageio:"), Path::new("out/image.png"));
        assert_eq!(
            one("https://h.org/a/cat.jpg?size=2.5#x"),
            Path::new("out/cat.png")
        );
        assert_eq!(one("http://h.org/a/blob"), Path::new("out/blob.png"));
        assert_eq!(one("a/x.tar.gz"), Path::new("out/x.tar.png"));
    }

    #[test]
    fn directories_keep_their_folders() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("in");
        for f in [
            "a.png",
            "sub/b.tif",
            "sub/deeper/c.npy",
            ".hidden/d.png",
            "sub/.e.png",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"x").unwrap();
        }
        let dir = root.to_string_lossy().into_owned();
        let flat = expand(std::slice::from_ref(&dir), false).unwrap();
        assert_eq!(flat.len(), 1);
        let deep = expand(std::slice::from_ref(&dir), true).unwrap();
        let outs: Vec<PathBuf> = deep
            .iter()
            .map(|i| i.output(Path::new("o"), "png"))
            .collect();
        assert_eq!(
            outs,
            [
                Path::new("o/a.png"),
                Path::new("o/sub/b.png"),
                Path::new("o/sub/deeper/c.png")
            ]
        );
        let glob = format!("{}/*/*.tif", root.display());
        let g = expand(&[glob], false).unwrap();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].output(Path::new("o"), "png"), Path::new("o/sub/b.png"));
        assert_eq!(glob_base("x/y/*.png"), Path::new("x/y"));
        assert_eq!(glob_base("*.png"), Path::new(""));
    }
}
