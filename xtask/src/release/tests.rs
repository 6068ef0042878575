//! Tests of `cargo xtask release`: the pure edits on small texts, and whole
//! releases (dry run, `--execute` with a mock publish command, resume) on a
//! temporary copy of the workspace. The real repository is never touched.

use super::*;
use crate::workspace::fixture::{copy_workspace, sh};
use crate::workspace::Workspace;

#[test]
fn versions_bump_and_compare() {
    let v = Version::parse("0.1.9").unwrap();
    assert_eq!(v.bump("patch").unwrap(), Version(0, 1, 10));
    assert_eq!(v.bump("minor").unwrap(), Version(0, 2, 0));
    assert_eq!(v.bump("major").unwrap(), Version(1, 0, 0));
    assert_eq!(v.bump("0.10.0").unwrap(), Version(0, 10, 0));
    assert!(Version(0, 10, 0) > Version(0, 9, 99));
    assert!(v
        .bump("1.0")
        .unwrap_err()
        .contains("patch, minor, major or X.Y.Z"));
    assert!(Version::parse("1.0.0-rc.1").is_err());
    assert_eq!(Version(1, 2, 3).to_string(), "1.2.3");
}

#[test]
fn dates_are_gregorian() {
    assert_eq!(civil_date(0), "1970-01-01");
    assert_eq!(civil_date(59), "1970-03-01");
    assert_eq!(civil_date(11_016), "2000-02-29");
    assert_eq!(civil_date(11_017), "2000-03-01");
    assert_eq!(civil_date(20_454), "2026-01-01");
    assert_eq!(today().len(), 10);
}

#[test]
fn changelog_gets_a_dated_section_under_a_fresh_unreleased() {
    let old =
        "# Changelog\n\n## Unreleased\n\n- core: a thing.\n\n## 0.1.0 (2025-01-01)\n\n- first\n";
    let new = bump_changelog(old, "0.2.0", "2026-03-04").unwrap();
    assert_eq!(
        new,
        "# Changelog\n\n## Unreleased\n\n## 0.2.0 (2026-03-04)\n\n- core: a thing.\n\n\
         ## 0.1.0 (2025-01-01)\n\n- first\n"
    );
    let empty = bump_changelog("# C\n\n## Unreleased\n\n## 0.1.0 (x)\n- a\n", "0.2.0", "d");
    assert!(empty.unwrap_err().contains("`## Unreleased` is empty"));
    assert!(bump_changelog("# C\n- a\n", "0.2.0", "d")
        .unwrap_err()
        .contains("no `## Unreleased`"));
}

#[test]
fn manifests_bump_the_workspace_version_and_internal_pins_only() {
    let root = r#"[workspace]
members = ["crates/a"]

[workspace.package]
version = "0.1.0"   # the one version

[workspace.dependencies]
a = { path = "crates/a", version = "0.1.0" }
b = { path = "crates/b", version = "0.1.0", default-features = false }
serde = { version = "0.1.0" }
other = "0.1.0"
"#;
    let members = ["a", "b"];
    let out = bump_manifest("Cargo.toml", root, &members, "0.1.0", "0.2.0").unwrap();
    assert_eq!(
        out,
        root.replace("version = \"0.1.0\"   #", "version = \"0.2.0\"   #")
            .replace(
                "a = { path = \"crates/a\", version = \"0.1.0\" }",
                "a = { path = \"crates/a\", version = \"0.2.0\" }"
            )
            .replace(
                "b = { path = \"crates/b\", version = \"0.1.0\",",
                "b = { path = \"crates/b\", version = \"0.2.0\","
            )
    );
    let member = "[package]\nname = \"c\"\nversion = \"0.1.0\"\n\n[dependencies]\n\
                  a = { path = \"../a\", version = \"0.1.0\" }\nx = \"0.1.0\"\n\n\
                  [target.'cfg(unix)'.dev-dependencies]\nb = { path = \"../b\", version = \"0.1.0\" }\n";
    let out = bump_manifest("c/Cargo.toml", member, &members, "0.1.0", "0.2.0").unwrap();
    assert_eq!(out.matches("\"0.2.0\"").count(), 3, "{out}");
    assert!(out.contains("x = \"0.1.0\""), "{out}");
}

/// A shell script at `dir/name` with `body`.
fn script(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    path.display().to_string()
}

fn config(bin: &Path, new: Version) -> Config {
    let log = bin.join("published.log");
    let publish = script(
        bin,
        "publish.sh",
        &format!(
            "if [ \"$1\" = imageio-cli ] && [ -e {fail} ]; then echo refused >&2; exit 1; fi\n\
             echo \"$1@{new}\" >> {log}",
            fail = bin.join("fail-cli").display(),
            log = log.display()
        ),
    );
    let published = script(
        bin,
        "published.sh",
        &format!("grep -qx \"$1\" {} 2>/dev/null", log.display()),
    );
    Config {
        publish_cmd: vec!["sh".into(), publish],
        published_cmd: vec!["sh".into(), published],
        package_cmd: strs(&[
            "cargo",
            "package",
            "--no-verify",
            "--allow-dirty",
            "--offline",
        ]),
        test_cmd: vec!["true".into()],
        date: "2026-01-02".into(),
    }
}

/// Gives the copy's dev-dependencies that `cargo publish` could not satisfy
/// a path and no version (the fix the release check asks for), and commits.
fn make_releasable(ws: &Path) -> usize {
    let w = Workspace::load(ws).unwrap();
    let cycles = w.dev_dep_cycles();
    for (p, d) in &cycles {
        let text = std::fs::read_to_string(&p.manifest_path).unwrap();
        let mut doc: DocumentMut = text.parse().unwrap();
        let dep = doc["dev-dependencies"][&d.name]
            .as_table_like_mut()
            .unwrap();
        dep.remove("workspace");
        dep.remove("version");
        let path = d.path.as_ref().unwrap().display().to_string();
        dep.insert("path", toml_edit::value(path));
        std::fs::write(&p.manifest_path, doc.to_string()).unwrap();
    }
    if cycles.is_empty() {
        return 0;
    }
    sh(
        ws,
        &[
            "git",
            "commit",
            "-q",
            "-a",
            "-m",
            "dev-dependencies without versions",
        ],
    );
    cycles.len()
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn release_on_a_copy_dry_run_then_execute_then_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let (ws, bin) = (tmp.path().join("ws"), tmp.path().join("bin"));
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    copy_workspace(&ws);
    // A versioned dev-dependency on a crate that depends back is refused, clearly.
    let r = Release::prepare(&ws, "minor", "2026-01-02").unwrap();
    let n_cycles = make_releasable(&ws);
    assert_eq!(r.problems.len(), n_cycles, "{:#?}", r.problems);
    assert!(r
        .problems
        .iter()
        .all(|p| p.contains(" with a version, and ")));
    let before = std::fs::read_to_string(ws.join("Cargo.toml")).unwrap();
    let changelog_before = std::fs::read_to_string(ws.join("CHANGELOG.md")).unwrap();

    // The dry run: the plan, the diff, and nothing changed.
    let r = Release::prepare(&ws, "minor", "2026-01-02").unwrap();
    assert_eq!(r.problems, Vec::<String>::new());
    let (old, new) = (r.old, r.new);
    assert_eq!(new, Version(old.0, old.1 + 1, 0));
    // The core first, then the plugins and the buffer API, then the facade
    // (published as `imageio-rs`), then the CLI that depends on it.
    assert_eq!(r.order.first().map(String::as_str), Some("imageio-core"));
    let n = r.order.len();
    assert_eq!(
        r.order[n - 2..],
        ["imageio-rs".to_owned(), "imageio-cli".to_owned()]
    );
    assert!(!r.order.contains(&"imageio".to_owned()), "{:?}", r.order);
    let at = |name: &str| r.order.iter().position(|c| c == name);
    let w = Workspace::load(&ws).unwrap();
    let plugins = crate::tidy::plugins(&ws, &w);
    assert!(plugins.len() >= 8, "{plugins:?}");
    for p in plugins {
        assert!(
            at(&p.name) > at("imageio-core"),
            "{}: {:?}",
            p.name,
            r.order
        );
        assert!(at(&p.name) < at("imageio-rs"), "{}: {:?}", p.name, r.order);
    }
    if w.package("imageio-buffer").is_some() {
        assert!(at("imageio-buffer") > at("imageio-core"), "{:?}", r.order);
        assert!(at("imageio-buffer") < at("imageio-rs"), "{:?}", r.order);
    }
    assert!(
        r.private.contains(&"xtask".to_owned()) && r.private.contains(&"imageio-tests".to_owned())
    );
    assert!(!r.order.contains(&"xtask".to_owned()));
    let plan = r.plan();
    assert!(
        plan.contains(&format!("release plan: {old} -> {new} (2026-01-02)")),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("  1. imageio-core {old} -> {new}\n")),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("  {}. imageio-rs {old} -> {new}\n", n - 1)),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("  {n}. imageio-cli {old} -> {new}\n")),
        "{plan}"
    );
    let diff = r.diff();
    assert!(
        diff.contains(&format!("-version = \"{old}\"\n+version = \"{new}\"\n")),
        "{diff}"
    );
    assert!(
        diff.contains(&format!("+## {new} (2026-01-02)\n")),
        "{diff}"
    );
    let cfg = config(&bin, new);
    cfg.run(&ws, &["minor".into()]).unwrap();
    assert_eq!(
        std::fs::read_to_string(ws.join("Cargo.toml")).unwrap(),
        before
    );
    assert_eq!(sh(&ws, &["git", "status", "--porcelain"]), "");
    assert!(read_lines(&bin.join("published.log")).is_empty());

    // --execute, with imageio-core already published and imageio-cli refused.
    std::fs::write(bin.join("published.log"), format!("imageio-core@{new}\n")).unwrap();
    std::fs::write(bin.join("fail-cli"), "").unwrap();
    let args =
        |v: &str| -> Vec<String> { vec![v.into(), "--execute".into(), "--skip-tests".into()] };
    let e = cfg.run(&ws, &args("minor")).unwrap_err();
    assert!(
        e.contains(&format!(
            "cargo xtask release {new} --execute` again to resume"
        )),
        "{e}"
    );
    let expected: Vec<String> = r.order.iter().map(|c| format!("{c}@{new}")).collect();
    assert_eq!(read_lines(&bin.join("published.log")), expected[..n - 1]);

    // Versions, pins, changelog, lock file, commit and tag.
    let manifest = std::fs::read_to_string(ws.join("Cargo.toml")).unwrap();
    let doc: DocumentMut = manifest.parse().unwrap();
    assert_eq!(
        doc["workspace"]["package"]["version"].as_str(),
        Some(&*new.to_string())
    );
    // The facade's pin, under the key `imageio` (package `imageio-rs`), too.
    for name in [
        "imageio-core",
        "imageio",
        "imageio-npy",
        "imageio-pillowlike",
    ] {
        let pin = doc["workspace"]["dependencies"][name]["version"].as_str();
        assert_eq!(pin, Some(&*new.to_string()), "{name}");
    }
    assert_eq!(
        doc["workspace"]["dependencies"]["imageio"]["package"].as_str(),
        Some("imageio-rs")
    );
    assert_eq!(
        doc["workspace"]["dependencies"]["tiff"].as_str(),
        Some("0.11")
    );
    let changelog = std::fs::read_to_string(ws.join("CHANGELOG.md")).unwrap();
    assert_eq!(
        changelog,
        changelog_before.replacen(
            "## Unreleased\n",
            &format!("## Unreleased\n\n## {new} (2026-01-02)\n"),
            1
        )
    );
    let lock = std::fs::read_to_string(ws.join("Cargo.lock")).unwrap();
    assert!(lock.contains(&format!("name = \"imageio-core\"\nversion = \"{new}\"")));
    assert_eq!(sh(&ws, &["git", "status", "--porcelain"]), "");
    assert_eq!(
        sh(&ws, &["git", "log", "-1", "--format=%s"]).trim(),
        format!("Release v{new}")
    );
    assert_eq!(
        sh(&ws, &["git", "tag", "--points-at", "HEAD"]).trim(),
        format!("v{new}")
    );

    // A second `minor` would be a new release: refused, the tree is already tagged... but
    // naming the version resumes: only imageio-cli is left to publish.
    std::fs::remove_file(bin.join("fail-cli")).unwrap();
    cfg.run(&ws, &args(&new.to_string())).unwrap();
    assert_eq!(read_lines(&bin.join("published.log")), expected);
    let commits = sh(&ws, &["git", "log", "--format=%s"]);
    assert_eq!(commits.lines().next(), Some(&*format!("Release v{new}")));
    assert_eq!(commits.matches("Release v").count(), 1, "{commits}");
}

#[test]
fn refuses_a_dirty_tree_another_branch_and_a_smaller_version() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    copy_workspace(ws);
    make_releasable(ws);
    let r = Release::prepare(ws, "patch", "2026-01-02").unwrap();
    let old = r.old;
    std::fs::write(ws.join("stray.txt"), "x").unwrap();
    sh(ws, &["git", "switch", "-q", "-c", "topic"]);
    let r = Release::prepare(ws, &old.to_string(), "2026-01-02").unwrap();
    assert_eq!(r.problems.len(), 3, "{:#?}", r.problems);
    assert!(r.problems[0].starts_with("the git tree is not clean"));
    assert!(r.problems[0].contains("stray.txt"));
    assert!(r.problems[1].contains("on branch \"topic\", not main"));
    assert!(r.problems[2].contains(&format!("{old} is not greater than {old}")));
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let e = config(&bin, old)
        .run(ws, &[old.to_string(), "--execute".into()])
        .unwrap_err();
    assert!(
        e.starts_with("cannot release:\n  - the git tree is not clean"),
        "{e}"
    );
    assert!(read_lines(&bin.join("published.log")).is_empty());
}

#[test]
fn failing_tests_stop_the_release_before_commit_tag_and_publish() {
    let tmp = tempfile::tempdir().unwrap();
    let (ws, bin) = (tmp.path().join("ws"), tmp.path().join("bin"));
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    copy_workspace(&ws);
    make_releasable(&ws);
    let head = sh(&ws, &["git", "rev-parse", "HEAD"]);
    let old = Release::prepare(&ws, "patch", "d").unwrap().old;
    let mut cfg = config(&bin, old.bump("patch").unwrap());
    cfg.test_cmd = strs(&["sh", "-c", "echo tests fail >&2; exit 1"]);
    let e = cfg
        .run(&ws, &["patch".into(), "--execute".into()])
        .unwrap_err();
    assert!(e.contains("failed"), "{e}");
    assert!(e.contains("written but not committed"), "{e}");
    assert_eq!(sh(&ws, &["git", "rev-parse", "HEAD"]), head);
    assert_eq!(sh(&ws, &["git", "tag"]), "");
    assert!(sh(&ws, &["git", "status", "--porcelain"]).contains(" M Cargo.toml"));
    assert!(read_lines(&bin.join("published.log")).is_empty());
}
