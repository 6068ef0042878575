//! `cargo xtask tidy`: the structure of the workspace, checked in code.
//!
//! - every `.rs` file (outside `target/`) begins with a `//!` doc comment;
//! - every crate is publishable (description, license, repository, readme,
//!   keywords, categories) or says `publish = false`;
//! - a crate under `crates/` lives in a directory named after its package;
//! - no plugin crate depends on another plugin crate (dev-dependencies aside);
//! - every plugin crate has a row in the README's plugin table, is an optional
//!   dependency of the facade behind a feature, and is named in the facade's
//!   `lib.rs` (naming it is what keeps its registration linked).

use std::path::{Path, PathBuf};

use crate::workspace::{Package, Workspace};

/// The facade crate.
pub const FACADE: &str = "imageio";
/// Crates under `crates/` named `imageio-*` that are not plugins.
pub const NOT_PLUGINS: &[&str] = &["imageio-core", "imageio-cli"];

/// Runs every check on the workspace at `root`; the error lists each problem.
pub fn run(root: &Path) -> Result<(), String> {
    let ws = Workspace::load(root)?;
    let problems = check(root, &ws);
    if problems.is_empty() {
        eprintln!("xtask tidy: ok ({} crates)", ws.packages.len());
        return Ok(());
    }
    for p in &problems {
        eprintln!("tidy: {p}");
    }
    Err(format!("tidy found {} problem(s)", problems.len()))
}

/// Every problem in the workspace at `root`, as messages for a person.
pub fn check(root: &Path, ws: &Workspace) -> Vec<String> {
    let mut problems = Vec::new();
    for file in rust_files(root) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        problems.extend(check_doc(&rel(root, &file), &text));
    }
    problems.extend(check_publishable(root, ws));
    problems.extend(check_dir_names(root, ws));
    problems.extend(check_plugin_deps(root, ws));
    // A versioned dev-dependency on a crate that depends back cannot be
    // published; keep the tree releasable at every commit.
    for (p, d) in ws.dev_dep_cycles() {
        problems.push(format!(
            "{}: dev-dependency {} has a version (or `workspace = true`) and {} depends on {}; \
             give it a path and no version so that publishing drops it",
            rel(root, &p.manifest_path),
            d.name,
            d.name,
            p.name
        ));
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap_or_default();
    let facade_lib = std::fs::read_to_string(root.join("crates/imageio/src/lib.rs"));
    problems.extend(check_plugins_listed(
        ws,
        &readme,
        &facade_lib.unwrap_or_default(),
    ));
    problems
}

/// `path` relative to `root`, for messages.
pub fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every `.rs` file below `root`, skipping `target/` and hidden directories.
pub fn rust_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    dirs.push(path);
                }
            } else if name.ends_with(".rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A `.rs` file must begin with a `//!` doc comment saying what it is for.
pub fn check_doc(path: &str, text: &str) -> Option<String> {
    let first = text.trim_start_matches('\u{feff}').lines().next();
    if first.is_some_and(|l| l.starts_with("//!")) {
        None
    } else {
        Some(format!(
            "{path}: does not begin with a `//!` doc comment; add one saying what the file is for"
        ))
    }
}

/// Each crate is publishable or `publish = false`.
pub fn check_publishable(root: &Path, ws: &Workspace) -> Vec<String> {
    ws.packages
        .iter()
        .filter(|p| p.publish && !p.missing_fields.is_empty())
        .map(|p| {
            format!(
                "{}: crate {} is published but lacks {}; add them (or inherit them with \
                 `field.workspace = true`), or set `publish = false`",
                rel(root, &p.manifest_path),
                p.name,
                p.missing_fields.join(", ")
            )
        })
        .collect()
}

fn under_crates(root: &Path, p: &Package) -> bool {
    p.dir().parent() == Some(root.join("crates").as_path())
}

/// A crate under `crates/` lives in a directory named after its package.
pub fn check_dir_names(root: &Path, ws: &Workspace) -> Vec<String> {
    ws.packages
        .iter()
        .filter(|p| under_crates(root, p))
        .filter(|p| p.dir().file_name().is_some_and(|d| *d != *p.name))
        .map(|p| {
            format!(
                "{}: package {} lives in a directory of another name; rename the \
                 directory to crates/{} (and its path in the root Cargo.toml)",
                rel(root, &p.manifest_path),
                p.name,
                p.name
            )
        })
        .collect()
}

/// The plugin crates: `crates/imageio-*`, except the core and the CLI.
pub fn plugins<'a>(root: &Path, ws: &'a Workspace) -> Vec<&'a Package> {
    ws.packages
        .iter()
        .filter(|p| under_crates(root, p))
        .filter(|p| p.name.starts_with("imageio-") && !NOT_PLUGINS.contains(&p.name.as_str()))
        .collect()
}

/// No plugin depends on another plugin (normal or build dependencies).
pub fn check_plugin_deps(root: &Path, ws: &Workspace) -> Vec<String> {
    let plugins = plugins(root, ws);
    let mut problems = Vec::new();
    for p in &plugins {
        for d in p.deps.iter().filter(|d| d.kind.as_deref() != Some("dev")) {
            if plugins.iter().any(|q| q.name == d.name) {
                problems.push(format!(
                    "{}: plugin {} depends on plugin {}; a plugin depends only on \
                     imageio-core and its backend: move the shared code into imageio-core \
                     or the backend",
                    rel(root, &p.manifest_path),
                    p.name,
                    d.name
                ));
            }
        }
    }
    problems
}

/// The crate names in the first column of the README's plugin table (the
/// table whose header begins `| crate | facade feature |`).
pub fn readme_plugins(readme: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_table = false;
    for line in readme.lines().map(str::trim) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if !line.starts_with('|') {
            in_table = false;
        } else if cells.len() >= 2 && cells[0] == "crate" && cells[1] == "facade feature" {
            in_table = true;
        } else if in_table {
            if let Some(name) = cells[0].strip_prefix('`').and_then(|c| c.strip_suffix('`')) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// Every plugin is in the README's table, an optional dependency of the
/// facade behind a feature, and named in the facade's `lib.rs`.
pub fn check_plugins_listed(ws: &Workspace, readme: &str, facade_lib: &str) -> Vec<String> {
    let root = ws.root.as_path();
    let listed = readme_plugins(readme);
    let facade = ws.package(FACADE);
    let mut problems = Vec::new();
    for p in plugins(root, ws) {
        if !listed.contains(&p.name) {
            problems.push(format!(
                "README.md: plugin {} is missing from the plugin table; add a row for it \
                 (the crate name in backticks in the first column) to the table whose header \
                 is `| crate | facade feature | ...`",
                p.name
            ));
        }
        let Some(facade) = facade else { continue };
        let manifest = rel(root, &facade.manifest_path);
        let optional = facade.deps.iter().any(|d| d.name == p.name && d.optional);
        let dep_feature = format!("dep:{}", p.name);
        let feature = facade.features.values().any(|on| on.contains(&dep_feature));
        if !optional || !feature {
            problems.push(format!(
                "{manifest}: plugin {} is not an optional dependency of the facade behind \
                 a feature; add `{} = {{ workspace = true, optional = true }}` and a feature \
                 `NAME = [\"{dep_feature}\"]`",
                p.name, p.name
            ));
        }
        let ident = p.name.replace('-', "_");
        if !facade_lib.contains(&format!("pub use {ident} as")) {
            problems.push(format!(
                "crates/imageio/src/lib.rs: the facade does not name plugin {}, so it would \
                 register nothing; add `#[cfg(feature = \"NAME\")] pub use {ident} as NAME;`",
                p.name
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::tests::{pkg, ws};
    use serde_json::json;

    #[test]
    fn doc_comment_first() {
        assert_eq!(check_doc("a.rs", "//! What this is.\nfn f() {}\n"), None);
        let e = check_doc("src/b.rs", "// plain comment\n//! late\n").unwrap();
        assert!(
            e.starts_with("src/b.rs: does not begin with a `//!`"),
            "{e}"
        );
        assert!(check_doc("c.rs", "").is_some());
    }

    #[test]
    fn rust_files_skip_target_and_hidden() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        for f in [
            "src/a.rs",
            "target/debug/b.rs",
            ".git/c.rs",
            "x/y/z.rs",
            "x/n.txt",
        ] {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "//! x\n").unwrap();
        }
        let found: Vec<String> = rust_files(dir).iter().map(|f| rel(dir, f)).collect();
        assert_eq!(found, ["src/a.rs", "x/y/z.rs"]);
    }

    #[test]
    fn unpublishable_crates_are_named_with_their_missing_fields() {
        let mut bad = pkg("imageio-x", &[], true);
        bad["license"] = json!(null);
        bad["categories"] = json!([]);
        let mut private = pkg("imageio-tests", &[], false);
        private["license"] = json!(null);
        let w = ws(vec![bad, private, pkg("imageio-core", &[], true)]);
        let p = check_publishable(Path::new("/ws"), &w);
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with("crates/imageio-x/Cargo.toml: crate imageio-x is published but lacks license, categories"),
            "{}",
            p[0]
        );
    }

    #[test]
    fn directory_must_match_package_name() {
        let mut moved = pkg("imageio-png", &[], true);
        moved["manifest_path"] = json!("/ws/crates/png/Cargo.toml");
        let mut outside = pkg("xtask", &[], false);
        outside["manifest_path"] = json!("/ws/xtask/Cargo.toml");
        let w = ws(vec![moved, outside, pkg("imageio-core", &[], true)]);
        let p = check_dir_names(Path::new("/ws"), &w);
        assert_eq!(p.len(), 1);
        assert!(
            p[0].contains("crates/png/Cargo.toml: package imageio-png"),
            "{}",
            p[0]
        );
        assert!(p[0].contains("crates/imageio-png"), "{}", p[0]);
    }

    #[test]
    fn plugin_on_plugin_is_refused_but_core_facade_and_dev_deps_are_fine() {
        let w = ws(vec![
            pkg("imageio-core", &[], true),
            pkg(
                "imageio-png",
                &[
                    ("imageio-core", "^0.1", None),
                    ("imageio", "^0.1", Some("dev")),
                ],
                true,
            ),
            pkg(
                "imageio-apng",
                &[
                    ("imageio-png", "^0.1", None),
                    ("imageio-gif", "^0.1", Some("dev")),
                ],
                true,
            ),
            pkg("imageio-gif", &[], true),
            pkg("imageio-cli", &[("imageio-png", "^0.1", None)], true),
        ]);
        let p = check_plugin_deps(Path::new("/ws"), &w);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("plugin imageio-apng depends on plugin imageio-png"));
    }

    const README: &str = "# x\n\n| crate | facade feature | formats |\n|---|---|---|\n\
        | `imageio-png` | `png` (default) | PNG |\n| `imageio-gif` | `gif` | GIF |\n\n\
        | other | table |\n|---|---|\n| `imageio-tiff` | no |\n";

    #[test]
    fn readme_table_is_parsed() {
        assert_eq!(readme_plugins(README), ["imageio-png", "imageio-gif"]);
    }

    #[test]
    fn plugins_must_be_in_readme_and_facade() {
        let mut facade = pkg("imageio", &[], true);
        facade["dependencies"] = json!([
            {"name": "imageio-png", "req": "^0.1", "kind": null, "optional": true},
            {"name": "imageio-gif", "req": "^0.1", "kind": null, "optional": false},
            {"name": "imageio-tiff", "req": "^0.1", "kind": null, "optional": true},
        ]);
        facade["features"] = json!({"png": ["dep:imageio-png"], "tiff": ["dep:imageio-tiff"]});
        let w = ws(vec![
            facade,
            pkg("imageio-png", &[], true),
            pkg("imageio-gif", &[], true),
            pkg("imageio-tiff", &[], true),
        ]);
        let lib = "#[cfg(feature = \"png\")]\npub use imageio_png as png;\n\
                   #[cfg(feature = \"gif\")]\npub use imageio_gif as gif;\n";
        let p = check_plugins_listed(&w, README, lib);
        assert_eq!(p.len(), 3, "{p:#?}");
        assert!(p[0].starts_with(
            "crates/imageio/Cargo.toml: plugin imageio-gif is not an optional dependency"
        ));
        assert!(p[1].starts_with("README.md: plugin imageio-tiff is missing"));
        assert!(p[2].starts_with(
            "crates/imageio/src/lib.rs: the facade does not name plugin imageio-tiff"
        ));
    }

    #[test]
    fn the_real_readme_table_has_the_plugins() {
        let readme = std::fs::read_to_string(crate::workspace::root().join("README.md")).unwrap();
        let listed = readme_plugins(&readme);
        assert!(listed.contains(&"imageio-npy".to_owned()), "{listed:?}");
        assert!(
            listed.contains(&"imageio-pillowlike".to_owned()),
            "{listed:?}"
        );
    }
}
