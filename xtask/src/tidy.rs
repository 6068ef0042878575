//! `cargo xtask tidy`: the structure of the workspace, checked in code.
//!
//! - every `.rs` file (outside `target/`) begins with a `//!` doc comment;
//! - every crate is publishable (description, license, repository, readme,
//!   keywords, categories) or says `publish = false`;
//! - a crate under `crates/` lives in a directory named after its package;
//! - no plugin crate depends on another plugin crate (dev-dependencies aside);
//! - every plugin crate (`crates/imageio-*` but the core, the buffer API, the
//!   CLI and the facade) has a row in the README's plugin table, is an
//!   optional dependency of the facade (`crates/imageio-rs`, package
//!   `imageio-rs`) behind a feature, is named in the facade's `lib.rs`
//!   (naming it is what keeps its registration linked) and has a row in the
//!   facade's `known!` table (`src/known.rs`: what tells a program without
//!   it which feature to enable);
//! - no `.rs` or `.md` file under `crates/`, `xtask/` or `tests/` cites a
//!   design document kept outside the repository: the in-repository one is
//!   ARCHITECTURE.md at the root.

use std::path::{Path, PathBuf};

use crate::workspace::{Package, Workspace};

/// The facade's package (its library is `imageio`).
pub const FACADE: &str = "imageio-rs";
/// The facade's `lib.rs`, which names each plugin crate.
pub const FACADE_LIB: &str = "crates/imageio-rs/src/lib.rs";
/// The facade's table of first-party plugins (`known!`).
pub const FACADE_KNOWN: &str = "crates/imageio-rs/src/known.rs";
/// Crates under `crates/` named `imageio-*` that are not plugins: the core,
/// the buffer-level API (a library on the core verbs, registering nothing),
/// the CLI, the facade and the Python binding (a user of the facade).
pub const NOT_PLUGINS: &[&str] = &[
    "imageio-core",
    "imageio-buffer",
    "imageio-cli",
    "imageio-rs",
    "imageio-py",
];
/// Documents that are not in the repository, which no source or document
/// in it may cite (a reader could not follow the reference). Spelt in two
/// halves so that this file does not cite them itself.
pub const OUTSIDE_DOCS: &[&str] = &[concat!("DESIGN", ".md")];
/// The directories whose `.rs` and `.md` files may not cite [`OUTSIDE_DOCS`].
pub const CITING_DIRS: &[&str] = &["crates", "xtask", "tests"];

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
    let facade_lib = std::fs::read_to_string(root.join(FACADE_LIB)).unwrap_or_default();
    let known = std::fs::read_to_string(root.join(FACADE_KNOWN)).unwrap_or_default();
    problems.extend(check_plugins_listed(ws, &readme, &facade_lib, &known));
    for dir in CITING_DIRS {
        for file in files_with(&root.join(dir), &[".rs", ".md"]) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            problems.extend(check_citations(&rel(root, &file), &text));
        }
    }
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
    files_with(root, &[".rs"])
}

/// Every file below `root` whose name ends with one of `suffixes`, skipping
/// `target/` and hidden directories; sorted.
pub fn files_with(root: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
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
            } else if suffixes.iter().any(|s| name.ends_with(s)) {
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

/// A file must not cite a document kept outside the repository: one problem
/// per line that does, naming the line.
pub fn check_citations(path: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for doc in OUTSIDE_DOCS.iter().filter(|d| line.contains(*d)) {
            problems.push(format!(
                "{path}:{}: cites {doc}, a document outside the repository that a reader cannot \
                 follow; say it here, or point to ARCHITECTURE.md (the design, at the root)",
                i + 1
            ));
        }
    }
    problems
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

/// The plugin crates: `crates/imageio-*`, except the [`NOT_PLUGINS`].
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

/// True when the facade's `lib.rs` names the crate `ident` the way that
/// links it: `pub use IDENT as NAME;` (behind `#[cfg(feature = "...")]`).
pub fn facade_names(facade_lib: &str, ident: &str) -> bool {
    let prefix = format!("pub use {ident} as ");
    facade_lib
        .lines()
        .map(str::trim)
        .any(|l| l.starts_with(&prefix) && l.ends_with(';'))
}

/// The crate names (second field) of the rows of the facade's `known!`
/// table, each row `"plugin", "crate", "feature", reads: [..], writes: [..],
/// schemes: [..];`.
pub fn known_crates(known_rs: &str) -> Vec<String> {
    let Some(start) = known_rs.find("\nknown! {") else {
        return Vec::new();
    };
    let table = &known_rs[start + "\nknown! {".len()..];
    let table = &table[..table.find("\n}").unwrap_or(table.len())];
    let table: Vec<&str> = table
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    let table = table.join("\n");
    let quoted = |s: &str| {
        let s = s.trim();
        s.strip_prefix('"')?.strip_suffix('"').map(str::to_owned)
    };
    table
        .split(';')
        .filter_map(|row| {
            let mut fields = row.split(',');
            quoted(fields.next()?)?;
            quoted(fields.next()?)
        })
        .collect()
}

/// Every plugin is in the README's table, an optional dependency of the
/// facade behind a feature, named in the facade's `lib.rs`, and in the
/// facade's `known!` table.
pub fn check_plugins_listed(
    ws: &Workspace,
    readme: &str,
    facade_lib: &str,
    known_rs: &str,
) -> Vec<String> {
    let root = ws.root.as_path();
    let listed = readme_plugins(readme);
    let known = known_crates(known_rs);
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
        if !facade_names(facade_lib, &ident) {
            problems.push(format!(
                "{FACADE_LIB}: the facade does not name plugin {}, so it would register \
                 nothing; add `#[cfg(feature = \"NAME\")] pub use {ident} as NAME;`",
                p.name
            ));
        }
        if !known.contains(&p.name) {
            problems.push(format!(
                "{FACADE_KNOWN}: plugin {} has no row in the `known!` table, so a program \
                 without it is not told which feature to enable; add a row `\"PLUGIN\", \
                 \"{}\", \"FEATURE\", reads: [\".ext\"], writes: [\".ext\"], schemes: [];`",
                p.name, p.name
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
                    ("imageio-rs", "^0.1", Some("dev")),
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
    fn outside_documents_are_not_cited() {
        let doc = OUTSIDE_DOCS[0];
        assert_eq!(doc, ["DESIGN", "md"].join("."));
        let text = format!("//! Docs.\n// see ARCHITECTURE.md\n// see {doc}, \"Pixels\"\n");
        let p = check_citations("crates/x/src/a.rs", &text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with(&format!(
                "crates/x/src/a.rs:3: cites {doc}, a document outside"
            )),
            "{}",
            p[0]
        );
        assert!(p[0].contains("ARCHITECTURE.md"), "{}", p[0]);
        assert_eq!(
            check_citations("a.md", "see ARCHITECTURE.md\n"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn citations_are_checked_in_rs_and_md_files_under_the_source_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let doc = OUTSIDE_DOCS[0];
        for (f, cites) in [
            ("crates/a/src/lib.rs", true),
            ("crates/a/README.md", true),
            ("tests/tests/t.rs", true),
            ("xtask/src/x.rs", false),
            ("crates/a/data.txt", true),
            ("crates/a/target/debug/gen.rs", true),
            ("CHANGELOG.md", true),
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            let text = if cites {
                format!("//! see {doc}\n")
            } else {
                "//! x\n".into()
            };
            std::fs::write(p, text).unwrap();
        }
        std::fs::write(root.join("Cargo.toml"), "[workspace]\n").unwrap();
        let w = ws(vec![]);
        let found: Vec<String> = check(root, &w)
            .into_iter()
            .filter(|p| p.contains(" cites "))
            .map(|p| p.split(':').next().unwrap().to_owned())
            .collect();
        assert_eq!(
            found,
            [
                "crates/a/README.md",
                "crates/a/src/lib.rs",
                "tests/tests/t.rs"
            ]
        );
    }

    #[test]
    fn known_table_rows_are_parsed() {
        let known = "//! x\nmacro_rules! known {\n    ($($p:literal),*) => {};\n}\n\nknown! {\n\
            \x20   \"png\", \"imageio-png\", \"png\",\n        reads: [\".png\", \".apng\"], \
            writes: [\".png\"], schemes: [];\n\
            \x20   // cameras\n\
            \x20   \"camera\", \"imageio-ffmpeg\", \"ffmpeg-device\",\n        reads: [], writes: [], \
            schemes: [\"device\"];\n}\n";
        assert_eq!(known_crates(known), ["imageio-png", "imageio-ffmpeg"]);
        assert_eq!(known_crates("no table"), Vec::<String>::new());
    }

    #[test]
    fn the_real_known_table_has_the_first_party_plugins() {
        let root = crate::workspace::root();
        let known = std::fs::read_to_string(root.join(FACADE_KNOWN)).unwrap();
        let crates = known_crates(&known);
        for c in [
            "imageio-png",
            "imageio-npy",
            "imageio-pillowlike",
            "imageio-ffmpeg",
        ] {
            assert!(crates.contains(&c.to_owned()), "{c}: {crates:?}");
        }
        let lib = std::fs::read_to_string(root.join(FACADE_LIB)).unwrap();
        assert!(facade_names(&lib, "imageio_png"), "{lib}");
    }

    #[test]
    fn plugins_must_be_in_readme_and_facade() {
        let mut facade = pkg("imageio-rs", &[], true);
        facade["dependencies"] = json!([
            {"name": "imageio-png", "req": "^0.1", "kind": null, "optional": true},
            {"name": "imageio-gif", "req": "^0.1", "kind": null, "optional": false},
            {"name": "imageio-tiff", "req": "^0.1", "kind": null, "optional": true},
        ]);
        facade["features"] = json!({"png": ["dep:imageio-png"], "tiff": ["dep:imageio-tiff"]});
        // Not plugins: the facade itself, the buffer API, the core, the CLI.
        let w = ws(vec![
            facade,
            pkg("imageio-png", &[], true),
            pkg("imageio-gif", &[], true),
            pkg("imageio-tiff", &[], true),
            pkg("imageio-buffer", &[("imageio-core", "^0.1", None)], true),
            pkg("imageio-core", &[], true),
            pkg("imageio-cli", &[], true),
        ]);
        let lib =
            "//! x\npub use imageio_core::{imread, NdImage};\npub use imageio_core::plugin;\n\
                   #[cfg(feature = \"buffer\")]\npub use imageio_buffer::ImageIO;\n\
                   #[cfg(feature = \"png\")]\npub use imageio_png as png;\n\
                   #[cfg(feature = \"gif\")]\npub use imageio_gif as gif;\n";
        let known = "known! {\n    \"png\", \"imageio-png\", \"png\",\n        reads: [\".png\"], \
                     writes: [\".png\"], schemes: [];\n    \"gif\", \"imageio-gif\", \"gif\",\n        \
                     reads: [\".gif\"], writes: [], schemes: [];\n}\n";
        let known = format!("//! x\n{known}");
        let p = check_plugins_listed(&w, README, lib, &known);
        assert_eq!(p.len(), 4, "{p:#?}");
        assert!(p[0].starts_with(
            "crates/imageio-rs/Cargo.toml: plugin imageio-gif is not an optional dependency"
        ));
        assert!(p[1].starts_with("README.md: plugin imageio-tiff is missing"));
        assert!(p[2].starts_with(
            "crates/imageio-rs/src/lib.rs: the facade does not name plugin imageio-tiff"
        ));
        assert!(p[3].starts_with(
            "crates/imageio-rs/src/known.rs: plugin imageio-tiff has no row in the `known!` table"
        ));
        let names: Vec<&str> = plugins(Path::new("/ws"), &w)
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["imageio-png", "imageio-gif", "imageio-tiff"]);
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
