//! The workspace as `cargo metadata --no-deps` describes it: its packages,
//! their publish fields and their dependencies on each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

/// The root of the workspace this xtask belongs to.
///
/// Taken from `CARGO_MANIFEST_DIR` as `cargo run` sets it at run time, and only
/// failing that from the value baked in at build time: two checkouts sharing
/// one `target/` (`CARGO_TARGET_DIR`) can reuse each other's xtask binary, and
/// the baked-in path would then point at the other checkout.
pub fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    Path::new(&manifest_dir)
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// The cargo binary to run (the one running us, under `cargo xtask`).
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// One dependency of a package on another package, as cargo metadata lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Dep {
    /// The package depended on.
    pub name: String,
    /// The version requirement (`"*"` when none was given).
    pub req: String,
    /// `None` for a normal dependency, `"dev"` or `"build"` otherwise.
    pub kind: Option<String>,
    /// The local path, for a path dependency.
    pub path: Option<PathBuf>,
    /// True for an optional dependency.
    pub optional: bool,
}

/// One workspace member.
#[derive(Clone, Debug, PartialEq)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// False when the manifest says `publish = false`.
    pub publish: bool,
    /// Publishing fields that are missing (`description`, `license`, ...).
    pub missing_fields: Vec<&'static str>,
    /// Its dependencies.
    pub deps: Vec<Dep>,
    /// Its features and what each enables.
    pub features: BTreeMap<String, Vec<String>>,
}

impl Package {
    /// The directory holding the manifest.
    pub fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }
    /// Dependencies on other members of `ws` that ship with the package
    /// (normal and build dependencies).
    pub fn internal_deps<'a>(&'a self, ws: &'a Workspace) -> impl Iterator<Item = &'a Dep> + 'a {
        self.deps
            .iter()
            .filter(move |d| d.kind.as_deref() != Some("dev") && ws.package(&d.name).is_some())
    }
}

/// The packages of a workspace.
#[derive(Clone, Debug)]
pub struct Workspace {
    /// The workspace root directory.
    pub root: PathBuf,
    /// Where final artifacts go (`target/`, or `CARGO_TARGET_DIR`).
    #[cfg_attr(not(test), allow(dead_code))] // read by tests only, so far
    pub target_dir: PathBuf,
    /// Where intermediate artifacts go (`build.build-dir`; the target
    /// directory unless configured otherwise). The scaffold test builds a
    /// copy of the workspace there, to reuse what is built.
    #[cfg_attr(not(test), allow(dead_code))] // read by tests only, so far
    pub build_dir: PathBuf,
    /// Every member, in cargo's order.
    pub packages: Vec<Package>,
}

fn string(v: &Json, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

impl Workspace {
    /// Runs `cargo metadata --format-version 1 --no-deps` in `root`.
    pub fn load(root: &Path) -> Result<Workspace, String> {
        let out = Command::new(cargo())
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--offline",
            ])
            .current_dir(root)
            .output()
            .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cargo metadata failed in {}: {}",
                root.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let json: Json = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("cannot parse cargo metadata output: {e}"))?;
        Self::from_metadata(&json)
    }

    /// Builds the workspace from `cargo metadata` JSON.
    pub fn from_metadata(json: &Json) -> Result<Workspace, String> {
        let root = PathBuf::from(string(json, "workspace_root"));
        let target_dir = match json["target_directory"].as_str() {
            Some(t) => PathBuf::from(t),
            None => root.join("target"),
        };
        // Cargo before 1.91 has no build directory: everything is in the target one.
        let build_dir = json["build_directory"]
            .as_str()
            .map_or_else(|| target_dir.clone(), PathBuf::from);
        let packages = json["packages"]
            .as_array()
            .ok_or("cargo metadata output has no packages")?
            .iter()
            .map(package)
            .collect();
        Ok(Workspace {
            root,
            target_dir,
            build_dir,
            packages,
        })
    }

    /// The member called `name`.
    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }

    /// The members to publish, each after the members it depends on (normal
    /// and build dependencies); ties in alphabetical order.
    pub fn publish_order(&self) -> Result<Vec<&Package>, String> {
        let publishable: Vec<&Package> = self.packages.iter().filter(|p| p.publish).collect();
        let mut waiting: BTreeMap<&str, BTreeSet<&str>> = publishable
            .iter()
            .map(|p| {
                let deps = p
                    .internal_deps(self)
                    .map(|d| d.name.as_str())
                    .filter(|n| *n != p.name)
                    .collect();
                (p.name.as_str(), deps)
            })
            .collect();
        let mut order = Vec::new();
        while !waiting.is_empty() {
            let ready: Vec<&str> = waiting
                .iter()
                .filter(|(_, deps)| deps.iter().all(|d| !waiting.contains_key(d)))
                .map(|(n, _)| *n)
                .collect();
            let Some(next) = ready.first().copied() else {
                let names: Vec<&str> = waiting.keys().copied().collect();
                return Err(format!(
                    "the dependencies of {} form a cycle: break it before releasing",
                    names.join(", ")
                ));
            };
            waiting.remove(next);
            order.push(self.package(next).expect("a member"));
        }
        Ok(order)
    }
}

impl Workspace {
    /// True when `from` depends on `to` through normal and build dependencies.
    pub fn depends_on(&self, from: &str, to: &str) -> bool {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(name) = todo.pop() {
            let Some(p) = self.package(name) else {
                continue;
            };
            for d in p.internal_deps(self) {
                if d.name == to {
                    return true;
                }
                if seen.insert(d.name.as_str()) {
                    todo.push(&d.name);
                }
            }
        }
        false
    }

    /// Dev-dependencies that `cargo publish` cannot satisfy: a publishable
    /// crate dev-depends, with a version, on a member that depends on it, so
    /// that member's new version is not on the registry yet when the crate is
    /// published. As `(crate, dev-dependency)`.
    pub fn dev_dep_cycles(&self) -> Vec<(&Package, &Dep)> {
        let mut found = Vec::new();
        for p in self.packages.iter().filter(|p| p.publish) {
            for d in &p.deps {
                let dev = d.kind.as_deref() == Some("dev");
                if dev && d.req != "*" && self.depends_on(&d.name, &p.name) {
                    found.push((p, d));
                }
            }
        }
        found
    }
}

fn package(v: &Json) -> Package {
    let publish = !matches!(&v["publish"], Json::Array(a) if a.is_empty());
    let mut missing_fields = Vec::new();
    for field in ["description", "license", "repository", "readme"] {
        if v[field].as_str().is_none_or(str::is_empty) {
            missing_fields.push(field);
        }
    }
    for field in ["keywords", "categories"] {
        if v[field].as_array().is_none_or(Vec::is_empty) {
            missing_fields.push(field);
        }
    }
    let deps = v["dependencies"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|d| Dep {
            name: string(d, "name"),
            req: string(d, "req"),
            kind: d["kind"].as_str().map(str::to_owned),
            path: d["path"].as_str().map(PathBuf::from),
            optional: d["optional"].as_bool().unwrap_or(false),
        })
        .collect();
    let features = v["features"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let on = v.as_array().map(|a| a.as_slice()).unwrap_or_default();
                    let on = on.iter().filter_map(|x| x.as_str().map(str::to_owned));
                    (k.clone(), on.collect())
                })
                .collect()
        })
        .unwrap_or_default();
    Package {
        name: string(v, "name"),
        version: string(v, "version"),
        manifest_path: PathBuf::from(string(v, "manifest_path")),
        publish,
        missing_fields,
        deps,
        features,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A `cargo metadata`-shaped package for fixtures.
    pub(crate) fn pkg(name: &str, deps: &[(&str, &str, Option<&str>)], publish: bool) -> Json {
        serde_json::json!({
            "name": name,
            "version": "0.1.0",
            "manifest_path": format!("/ws/crates/{name}/Cargo.toml"),
            "publish": if publish { Json::Null } else { serde_json::json!([]) },
            "description": "d", "license": "MIT", "repository": "r", "readme": "README.md",
            "keywords": ["k"], "categories": ["c"],
            "dependencies": deps.iter().map(|(n, req, kind)| serde_json::json!({
                "name": n, "req": req, "kind": kind, "path": format!("/ws/crates/{n}")
            })).collect::<Vec<_>>(),
        })
    }

    pub(crate) fn ws(packages: Vec<Json>) -> Workspace {
        Workspace::from_metadata(&serde_json::json!({
            "workspace_root": "/ws", "packages": packages
        }))
        .unwrap()
    }

    #[test]
    fn order_follows_dependencies_not_dev_dependencies() {
        let mut facade = pkg(
            "imageio-rs",
            &[
                ("imageio-core", "^0.1", None),
                ("imageio-b", "^0.1", None),
                ("imageio-buffer", "^0.1", None),
            ],
            true,
        );
        // The facade's buffer API is optional: still a dependency to publish first.
        facade["dependencies"][2]["optional"] = serde_json::json!(true);
        let w = ws(vec![
            pkg("imageio-cli", &[("imageio-rs", "^0.1.0", None)], true),
            facade,
            pkg(
                "imageio-b",
                &[
                    ("imageio-core", "^0.1", None),
                    ("imageio-rs", "^0.1", Some("dev")),
                ],
                true,
            ),
            pkg(
                "imageio-a",
                &[("imageio-core", "^0.1", Some("build"))],
                true,
            ),
            pkg("imageio-buffer", &[("imageio-core", "^0.1", None)], true),
            pkg("imageio-core", &[], true),
            pkg("imageio-tests", &[("imageio-rs", "*", None)], false),
        ]);
        let order: Vec<&str> = w
            .publish_order()
            .unwrap()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(
            order,
            [
                "imageio-core",
                "imageio-a",
                "imageio-b",
                "imageio-buffer",
                "imageio-rs",
                "imageio-cli"
            ]
        );
    }

    #[test]
    fn target_and_build_directories_are_read() {
        let w = ws(vec![]);
        assert_eq!(w.target_dir, Path::new("/ws/target"));
        assert_eq!(w.build_dir, w.target_dir);
        let w = Workspace::from_metadata(&serde_json::json!({
            "workspace_root": "/ws", "packages": [],
            "target_directory": "/t", "build_directory": "/b",
        }))
        .unwrap();
        assert_eq!(
            (w.target_dir.as_path(), w.build_dir.as_path()),
            (Path::new("/t"), Path::new("/b"))
        );
    }

    #[test]
    fn versioned_dev_dependency_on_a_dependent_is_a_publishing_cycle() {
        let mut unversioned = pkg("imageio-b", &[("imageio-rs", "*", Some("dev"))], true);
        unversioned["name"] = serde_json::json!("imageio-c");
        let w = ws(vec![
            pkg("imageio-core", &[], true),
            pkg(
                "imageio-a",
                &[
                    ("imageio-core", "^0.1", None),
                    ("imageio-rs", "^0.1", Some("dev")),
                ],
                true,
            ),
            unversioned,
            pkg("imageio-x", &[("imageio-core", "^0.1", Some("dev"))], true),
            pkg(
                "imageio-rs",
                &[("imageio-a", "^0.1", None), ("imageio-c", "^0.1", None)],
                true,
            ),
        ]);
        assert!(w.depends_on("imageio-rs", "imageio-core"));
        assert!(!w.depends_on("imageio-core", "imageio-rs"));
        assert!(w.depends_on("imageio-rs", "imageio-a"));
        let found: Vec<(&str, &str)> = w
            .dev_dep_cycles()
            .iter()
            .map(|(p, d)| (p.name.as_str(), d.name.as_str()))
            .collect();
        assert_eq!(found, [("imageio-a", "imageio-rs")]);
    }

    #[test]
    fn a_cycle_is_an_error_naming_the_crates() {
        let w = ws(vec![
            pkg("a", &[("b", "^0.1", None)], true),
            pkg("b", &[("a", "^0.1", None)], true),
        ]);
        let e = w.publish_order().unwrap_err();
        assert!(e.contains("a, b form a cycle"), "{e}");
    }

    #[test]
    fn publish_false_and_missing_fields_are_read() {
        let mut j = pkg("x", &[], false);
        j["keywords"] = serde_json::json!([]);
        j["description"] = Json::Null;
        let w = ws(vec![j]);
        let p = &w.packages[0];
        assert!(!p.publish);
        assert_eq!(p.missing_fields, ["description", "keywords"]);
        assert_eq!(p.dir(), Path::new("/ws/crates/x"));
    }
}

/// Helpers for tests that work on a copy of the workspace.
#[cfg(test)]
pub(crate) mod fixture {
    use std::path::Path;
    use std::process::Command;

    /// Runs `cmd` in `dir`, panicking with its output when it fails.
    pub(crate) fn sh(dir: &Path, cmd: &[&str]) -> String {
        let out = Command::new(cmd[0])
            .args(&cmd[1..])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Copies the workspace's sources (the files git tracks or would track,
    /// never `target/`) into `dest`, each with its modification time, and
    /// makes it a git repository on branch `main` with one commit.
    ///
    /// Keeping the times is what lets a build of the copy that shares the
    /// workspace's build directory reuse what is built already: cargo finds a
    /// path crate fresh when its files are not newer than its last build, and
    /// names its artifacts after its path relative to the workspace root,
    /// which the copy keeps too.
    pub(crate) fn copy_workspace(dest: &Path) {
        let root = super::root();
        let files = sh(
            &root,
            &[
                "git",
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
        );
        for f in files.split('\0').filter(|f| !f.is_empty()) {
            let from = root.join(f);
            if !from.is_file() {
                continue;
            }
            let to = dest.join(f);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to).unwrap();
            let modified = std::fs::metadata(&from).and_then(|m| m.modified());
            if let Ok(t) = modified {
                let copy = std::fs::File::options().write(true).open(&to).unwrap();
                copy.set_modified(t).unwrap();
            }
        }
        sh(dest, &["git", "init", "-q", "-b", "main"]);
        sh(dest, &["git", "config", "user.name", "xtask test"]);
        sh(
            dest,
            &["git", "config", "user.email", "xtask@example.invalid"],
        );
        sh(dest, &["git", "config", "commit.gpgsign", "false"]);
        sh(dest, &["git", "config", "tag.gpgsign", "false"]);
        sh(dest, &["git", "add", "-A"]);
        sh(dest, &["git", "commit", "-q", "-m", "copy"]);
    }
}
