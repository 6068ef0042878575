//! `cargo xtask release [patch|minor|major|X.Y.Z] [--execute] [--skip-tests]`.
//!
//! A dry run unless `--execute`: it checks the tree, prints the plan (the
//! crates in dependency order, from `cargo metadata`, with their version
//! change) and the diff it would apply, and changes nothing. With `--execute`
//! it applies the diff (the one `[workspace.package] version`, every internal
//! dependency pin, `## Unreleased` renamed to `## X.Y.Z (date)` under a fresh
//! `## Unreleased`, the `imageio` command's man pages and completions in
//! `crates/imageio-cli/share` regenerated; the dry run refuses stale ones),
//! updates `Cargo.lock`, runs the tests, packages every
//! crate (`cargo package`, as crates.io would check it: the dry run packages
//! the current versions too), commits "Release vX.Y.Z", tags `vX.Y.Z` and
//! publishes in dependency order, skipping versions already on the registry. Rerunning `release X.Y.Z --execute` after
//! a failed publish resumes it: the commit and tag are kept, the publishing
//! goes on. Nothing is ever pushed.

use std::path::{Path, PathBuf};
use std::process::Command;

use toml_edit::{DocumentMut, Item, Value};

use crate::diff::unified;
use crate::tidy::{check_publishable, rel};
use crate::workspace::{cargo, Workspace};

/// The commands a release runs, overridable for tests and other registries.
#[derive(Clone, Debug)]
pub struct Config {
    /// Publishes one crate; the crate name is appended
    /// (`XTASK_PUBLISH_CMD`, default `cargo publish -p`).
    pub publish_cmd: Vec<String>,
    /// Exits 0 when a version is already published; `NAME@VERSION` is
    /// appended (`XTASK_PUBLISHED_CMD`, default `cargo info --registry crates-io`).
    pub published_cmd: Vec<String>,
    /// Packages the crates to publish, `-p NAME` appended for each, in order
    /// (`XTASK_PACKAGE_CMD`, default `cargo package --no-verify --allow-dirty`).
    pub package_cmd: Vec<String>,
    /// The test suite (`XTASK_RELEASE_TEST_CMD`, default `cargo xtask test`).
    pub test_cmd: Vec<String>,
    /// The release date, `YYYY-MM-DD` (`XTASK_RELEASE_DATE`, default today, UTC).
    pub date: String,
}

fn words(var: &str, default: &str) -> Vec<String> {
    let s = std::env::var(var).unwrap_or_else(|_| default.to_owned());
    s.split_whitespace().map(String::from).collect()
}

impl Config {
    /// The configuration from the environment, with the defaults above.
    pub fn from_env() -> Result<Config, String> {
        let cargo = cargo();
        let c = Config {
            publish_cmd: words("XTASK_PUBLISH_CMD", &format!("{cargo} publish -p")),
            published_cmd: words(
                "XTASK_PUBLISHED_CMD",
                &format!("{cargo} info --registry crates-io"),
            ),
            package_cmd: words(
                "XTASK_PACKAGE_CMD",
                &format!("{cargo} package --no-verify --allow-dirty"),
            ),
            test_cmd: words("XTASK_RELEASE_TEST_CMD", &format!("{cargo} xtask test")),
            date: std::env::var("XTASK_RELEASE_DATE").unwrap_or_else(|_| today()),
        };
        let cmds = [
            &c.publish_cmd,
            &c.published_cmd,
            &c.package_cmd,
            &c.test_cmd,
        ];
        if cmds.iter().any(|c| c.is_empty()) {
            return Err(
                "XTASK_PUBLISH_CMD, XTASK_PUBLISHED_CMD, XTASK_PACKAGE_CMD and \
                        XTASK_RELEASE_TEST_CMD must not be empty"
                    .into(),
            );
        }
        Ok(c)
    }

    /// Runs the release task on the workspace at `root`.
    pub fn run(&self, root: &Path, args: &[String]) -> Result<(), String> {
        let mut bump = None;
        let (mut execute, mut skip_tests) = (false, false);
        for a in args {
            match a.as_str() {
                "--execute" => execute = true,
                "--skip-tests" => skip_tests = true,
                s if s.starts_with('-') => return Err(format!("unknown option {s}")),
                s if bump.is_none() => bump = Some(s.to_owned()),
                s => return Err(format!("unexpected argument {s}")),
            }
        }
        let mut release = Release::prepare(root, bump.as_deref().unwrap_or("patch"), &self.date)?;
        print!("{}", release.plan());
        if release.resume {
            println!(
                "resuming: v{} is committed and tagged; publishing the rest",
                release.new
            );
        } else {
            print!("{}", release.diff());
            // Packaging the current versions catches manifests crates.io would refuse.
            if let Err(e) = self.package(root, &release) {
                release.problems.push(e);
            }
            // The man pages and completions ship in the imageio-cli package.
            if let Err(e) = crate::docs::shipped(root, false) {
                release.problems.push(e);
            }
        }
        if !release.problems.is_empty() {
            let list: Vec<String> = release
                .problems
                .iter()
                .map(|p| format!("  - {p}"))
                .collect();
            return Err(format!("cannot release:\n{}", list.join("\n")));
        }
        if !execute {
            println!("dry run: nothing changed; run again with --execute to release");
            return Ok(());
        }
        if !release.resume {
            release.apply()?;
            // Regenerated with the new version, committed with the bump.
            crate::docs::shipped(root, true)?;
            let checked = if skip_tests {
                Ok(())
            } else {
                run(root, &self.test_cmd, &[])
            };
            checked
                .and_then(|()| self.package(root, &release))
                .map_err(|e| {
                    format!(
                        "{e}\nthe new version is written but not committed: fix the cause and \
                     commit, or undo it with `git checkout -- .`"
                    )
                })?;
            let msg = format!("Release v{}", release.new);
            run(root, &strs(&["git", "commit", "-q", "-a", "-m", &msg]), &[])?;
            let tag = format!("v{}", release.new);
            run(root, &strs(&["git", "tag", "-a", &tag, "-m", &msg]), &[])?;
        }
        self.publish(root, &release)?;
        println!(
            "released v{}: push with `git push origin main v{}`",
            release.new, release.new
        );
        Ok(())
    }

    /// Packages every crate of the plan, in order, as `cargo publish` would.
    fn package(&self, root: &Path, release: &Release) -> Result<(), String> {
        if release.order.is_empty() {
            return Ok(());
        }
        let mut cmd = Command::new(&self.package_cmd[0]);
        cmd.args(&self.package_cmd[1..]).current_dir(root);
        for name in &release.order {
            cmd.args(["-p", name]);
        }
        let shown = format!("{cmd:?}").replace('"', "");
        eprintln!("$ {shown}");
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.package_cmd.join(" ")))?;
        if out.status.success() {
            return Ok(());
        }
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(12).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(format!(
            "packaging failed (`{shown}`); crates.io would refuse the same:\n{}",
            tail.join("\n")
        ))
    }

    /// Publishes every crate of the plan in order, skipping published ones.
    fn publish(&self, root: &Path, release: &Release) -> Result<(), String> {
        for name in &release.order {
            let spec = format!("{name}@{}", release.new);
            let published = Command::new(&self.published_cmd[0])
                .args(&self.published_cmd[1..])
                .arg(&spec)
                .current_dir(std::env::temp_dir())
                .output()
                .map_err(|e| format!("cannot run {}: {e}", self.published_cmd.join(" ")))?
                .status
                .success();
            if published {
                println!("skip {spec}: already published");
                continue;
            }
            run(root, &self.publish_cmd, &[name]).map_err(|e| {
                format!(
                    "{e}\npublishing {spec} failed; fix the cause and run \
                     `cargo xtask release {} --execute` again to resume",
                    release.new
                )
            })?;
        }
        Ok(())
    }
}

fn strs(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

/// Runs `cmd` (and `extra` arguments) in `root`, echoing it.
fn run(root: &Path, cmd: &[String], extra: &[&String]) -> Result<(), String> {
    crate::system::run(
        Command::new(&cmd[0])
            .args(&cmd[1..])
            .args(extra)
            .current_dir(root),
    )
}

fn output(root: &Path, cmd: &[&str]) -> Result<String, String> {
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", cmd.join(" ")))?;
    if !out.status.success() {
        return Err(format!(
            "`{}` failed: {}",
            cmd.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A version `major.minor.patch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl Version {
    /// Parses `X.Y.Z` (pre-release and build suffixes are refused).
    pub fn parse(s: &str) -> Result<Version, String> {
        let parts: Vec<Result<u64, _>> = s.split('.').map(str::parse).collect();
        match parts.as_slice() {
            [Ok(a), Ok(b), Ok(c)] => Ok(Version(*a, *b, *c)),
            _ => Err(format!("{s:?} is not a version X.Y.Z")),
        }
    }
    /// The next version: `patch`, `minor`, `major`, or an explicit `X.Y.Z`.
    pub fn bump(self, how: &str) -> Result<Version, String> {
        let Version(a, b, c) = self;
        match how {
            "patch" => Ok(Version(a, b, c + 1)),
            "minor" => Ok(Version(a, b + 1, 0)),
            "major" => Ok(Version(a + 1, 0, 0)),
            v => Version::parse(v).map_err(|e| format!("{e}: say patch, minor, major or X.Y.Z")),
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// A release worked out but not applied: the plan, the new file contents and
/// what stands in the way.
#[derive(Debug)]
pub struct Release {
    root: PathBuf,
    /// The current version.
    pub old: Version,
    /// The version to release.
    pub new: Version,
    /// The date for the changelog.
    pub date: String,
    /// The crates to publish, in order.
    pub order: Vec<String>,
    /// The crates with `publish = false`.
    pub private: Vec<String>,
    /// Files to rewrite: path relative to the root, old and new text.
    pub edits: Vec<(String, String, String)>,
    /// True when `new` is already committed and tagged: only publish.
    pub resume: bool,
    /// What forbids the release; empty when it may go ahead.
    pub problems: Vec<String>,
}

impl Release {
    /// Works out the release of the workspace at `root`: reads, changes nothing.
    pub fn prepare(root: &Path, bump: &str, date: &str) -> Result<Release, String> {
        let ws = Workspace::load(root)?;
        let manifest = read(root, "Cargo.toml")?;
        let doc = parse("Cargo.toml", &manifest)?;
        let old = doc["workspace"]["package"]["version"]
            .as_str()
            .ok_or("Cargo.toml: no [workspace.package] version to bump")?;
        let old = Version::parse(old)?;
        let new = old.bump(bump)?;
        let order: Vec<String> = ws.publish_order()?.iter().map(|p| p.name.clone()).collect();
        let private = ws
            .packages
            .iter()
            .filter(|p| !p.publish)
            .map(|p| p.name.clone())
            .collect();
        let tag = format!("v{new}");
        let tags = output(root, &["git", "tag", "--points-at", "HEAD"]).unwrap_or_default();
        let resume = new == old && tags.lines().any(|t| t == tag);

        let mut problems = Vec::new();
        match output(root, &["git", "status", "--porcelain"]) {
            Ok(s) if s.trim().is_empty() => {}
            Ok(s) => problems.push(format!(
                "the git tree is not clean; commit or stash first:\n{}",
                s.trim_end()
            )),
            Err(e) => problems.push(e),
        }
        match output(root, &["git", "rev-parse", "--abbrev-ref", "HEAD"]) {
            Ok(b) if b.trim() == "main" => {}
            Ok(b) => problems.push(format!(
                "on branch {:?}, not main: `git switch main` first",
                b.trim()
            )),
            Err(e) => problems.push(e),
        }
        let mut edits = Vec::new();
        if !resume {
            if new <= old {
                problems.push(format!("the new version {new} is not greater than {old}"));
            }
            if output(
                root,
                &[
                    "git",
                    "rev-parse",
                    "-q",
                    "--verify",
                    &format!("refs/tags/{tag}"),
                ],
            )
            .is_ok()
            {
                problems.push(format!("the tag {tag} exists already"));
            }
            let changelog = read(root, "CHANGELOG.md")?;
            match bump_changelog(&changelog, &new.to_string(), date) {
                Ok(text) => edits.push(("CHANGELOG.md".into(), changelog, text)),
                Err(e) => problems.push(e),
            }
            let old_s = old.to_string();
            let new_s = new.to_string();
            let members: Vec<&str> = ws.packages.iter().map(|p| p.name.as_str()).collect();
            let mut manifests = vec![("Cargo.toml".to_owned(), manifest.clone())];
            for p in &ws.packages {
                let r = rel(root, &p.manifest_path);
                if r != "Cargo.toml" {
                    manifests.push((r.clone(), read(root, &r)?));
                }
            }
            for (path, text) in manifests {
                let bumped = bump_manifest(&path, &text, &members, &old_s, &new_s)?;
                if bumped != text {
                    edits.push((path, text, bumped));
                }
            }
        }
        problems.extend(check_publishable(root, &ws));
        for p in ws.packages.iter().filter(|p| p.publish) {
            for d in p.internal_deps(&ws).filter(|d| d.req == "*") {
                problems.push(format!(
                    "{}: the dependency of {} on {} has no version; give it one \
                     (`{}.workspace = true`, pinned with a version in the root Cargo.toml)",
                    rel(root, &p.manifest_path),
                    p.name,
                    d.name,
                    d.name
                ));
            }
        }
        for (p, d) in ws.dev_dep_cycles() {
            problems.push(format!(
                "{}: {} dev-depends on {} with a version, and {} depends on {}: publishing \
                 {} would need {} {new} on the registry first. Give that dev-dependency a \
                 path and no version (`{} = {{ path = \"../{}\", ... }}`, not \
                 `workspace = true`), so that publishing drops it",
                rel(root, &p.manifest_path),
                p.name,
                d.name,
                d.name,
                p.name,
                p.name,
                d.name,
                d.name,
                d.name
            ));
        }
        Ok(Release {
            root: root.to_path_buf(),
            old,
            new,
            date: date.to_owned(),
            order,
            private,
            edits,
            resume,
            problems,
        })
    }

    /// The plan: versions, then the crates in publishing order.
    pub fn plan(&self) -> String {
        let mut s = format!(
            "release plan: {} -> {} ({})\npublish, in dependency order:\n",
            self.old, self.new, self.date
        );
        for (i, name) in self.order.iter().enumerate() {
            s.push_str(&format!(
                "  {}. {name} {} -> {}\n",
                i + 1,
                self.old,
                self.new
            ));
        }
        if !self.private.is_empty() {
            s.push_str(&format!(
                "not published (publish = false): {}\n",
                self.private.join(", ")
            ));
        }
        s
    }

    /// The diff the release applies.
    pub fn diff(&self) -> String {
        self.edits
            .iter()
            .map(|(path, old, new)| unified(path, old, new, 2))
            .collect()
    }

    /// Writes the new files and brings `Cargo.lock` up to date.
    pub fn apply(&self) -> Result<(), String> {
        for (path, _, text) in &self.edits {
            std::fs::write(self.root.join(path), text)
                .map_err(|e| format!("cannot write {path}: {e}"))?;
        }
        if self.root.join("Cargo.lock").exists() {
            crate::system::run(
                Command::new(cargo())
                    .args(["update", "--workspace", "--offline", "--quiet"])
                    .current_dir(&self.root),
            )?;
        }
        Ok(())
    }
}

fn read(root: &Path, rel: &str) -> Result<String, String> {
    std::fs::read_to_string(root.join(rel)).map_err(|e| format!("cannot read {rel}: {e}"))
}

fn parse(rel: &str, text: &str) -> Result<DocumentMut, String> {
    text.parse::<DocumentMut>()
        .map_err(|e| format!("{rel} is not valid TOML: {e}"))
}

/// Replaces a string value, keeping its formatting.
fn set_str(item: &mut Item, s: &str) {
    if let Some(v) = item.as_value_mut() {
        let decor = v.decor().clone();
        *v = Value::from(s);
        *v.decor_mut() = decor;
    }
}

/// `text` with the workspace version and every internal dependency pin that
/// says `old` set to `new`.
pub fn bump_manifest(
    path: &str,
    text: &str,
    members: &[&str],
    old: &str,
    new: &str,
) -> Result<String, String> {
    let mut doc = parse(path, text)?;
    let bump = |item: &mut Item| {
        if item.as_str() == Some(old) {
            set_str(item, new);
        }
    };
    if let Some(ws) = doc.get_mut("workspace") {
        if let Some(v) = ws.get_mut("package").and_then(|p| p.get_mut("version")) {
            bump(v);
        }
    }
    if let Some(v) = doc.get_mut("package").and_then(|p| p.get_mut("version")) {
        bump(v);
    }
    let mut tables: Vec<&mut Item> = Vec::new();
    let (ws, rest): (Vec<_>, Vec<_>) = doc
        .as_table_mut()
        .iter_mut()
        .partition(|(k, _)| k.get() == "workspace");
    for (_, item) in ws {
        if let Some(d) = item.get_mut("dependencies") {
            tables.push(d);
        }
    }
    for (key, item) in rest {
        match key.get() {
            "dependencies" | "dev-dependencies" | "build-dependencies" => tables.push(item),
            "target" => {
                if let Some(t) = item.as_table_like_mut() {
                    for (_, platform) in t.iter_mut() {
                        if let Some(p) = platform.as_table_like_mut() {
                            for (k, deps) in p.iter_mut() {
                                if k.get().ends_with("dependencies") {
                                    tables.push(deps);
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for deps in tables {
        let Some(deps) = deps.as_table_like_mut() else {
            continue;
        };
        for (name, dep) in deps.iter_mut() {
            let package = dep
                .get("package")
                .and_then(Item::as_str)
                .unwrap_or(name.get())
                .to_owned();
            if members.contains(&package.as_str()) && dep.get("path").is_some() {
                if let Some(v) = dep.get_mut("version") {
                    bump(v);
                }
            }
        }
    }
    Ok(doc.to_string())
}

/// `changelog` with `## Unreleased` renamed `## VERSION (DATE)` under a fresh,
/// empty `## Unreleased`; an error when that section is missing or empty.
pub fn bump_changelog(changelog: &str, version: &str, date: &str) -> Result<String, String> {
    let lines: Vec<&str> = changelog.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == "## Unreleased")
        .ok_or("CHANGELOG.md has no `## Unreleased` section: add one listing the changes")?;
    let body = lines[at + 1..]
        .iter()
        .take_while(|l| !l.starts_with("## "))
        .any(|l| !l.trim().is_empty());
    if !body {
        return Err("CHANGELOG.md: `## Unreleased` is empty: list the changes first".into());
    }
    let mut out: Vec<String> = lines[..at].iter().map(|l| l.to_string()).collect();
    out.push("## Unreleased".into());
    out.push(String::new());
    out.push(format!("## {version} ({date})"));
    out.extend(lines[at + 1..].iter().map(|l| l.to_string()));
    Ok(out.join("\n") + "\n")
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_date(secs / 86_400)
}

/// The Gregorian date `days` after 1970-01-01, `YYYY-MM-DD`.
pub fn civil_date(days: u64) -> String {
    let mut year = 1970;
    let mut days = days;
    let leap = |y: u64| (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    loop {
        let len = if leap(year) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        year += 1;
    }
    let feb = if leap(year) { 29 } else { 28 };
    let months = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 0;
    while days >= months[month] {
        days -= months[month];
        month += 1;
    }
    format!("{year:04}-{:02}-{:02}", month + 1, days + 1)
}

#[cfg(test)]
mod tests;
