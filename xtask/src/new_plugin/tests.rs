//! Tests of `cargo xtask new-plugin`: the name rules and the text edits on
//! small inputs, the scaffold run into a temporary copy of the workspace, and
//! (ignored by default: slow) building it and listing it with `imageio plugins`.

use super::*;

#[test]
fn names_are_validated() {
    for ok in ["demo", "png", "jpeg-xl", "x2"] {
        assert_eq!(validate_name(ok), Ok(()), "{ok}");
    }
    for bad in ["", "Demo", "2x", "a_b", "a--b", "a-", "-a", "a b", "é"] {
        let e = validate_name(bad).unwrap_err();
        assert!(e.starts_with("invalid plugin name"), "{bad}: {e}");
    }
    for reserved in ["core", "cli", "pillowlike", "default"] {
        assert!(validate_name(reserved).unwrap_err().contains("reserved"));
    }
    assert!(validate_name("imageio-png")
        .unwrap_err()
        .contains("`cargo xtask new-plugin png`"));
}

#[test]
fn readme_row_goes_at_the_end_of_the_plugin_table() {
    let readme = "# x\n\n| crate | facade feature | formats | read | write | backend |\n\
                  |---|---|---|---|---|---|\n| `imageio-a` | `a` | A | yes | yes | a |\n\nafter\n";
    let out = add_readme_row(readme, "demo", "imageio-demo", Some("demo-rs")).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[5],
        "| `imageio-demo` | `demo` | (to do) | not yet | not yet | \
         [`demo-rs`](https://crates.io/crates/demo-rs) |"
    );
    assert_eq!(lines[6], "");
    assert_eq!(readme_plugins(&out), ["imageio-a", "imageio-demo"]);
    assert!(add_readme_row("no table\n", "d", "imageio-d", None).is_err());
}

#[test]
fn facade_use_follows_the_last_one() {
    let lib = "//! x\npub use imageio_core::*;\n\n/// A.\n#[cfg(feature = \"a\")]\n\
               pub use imageio_a as a;\n\n/// Doctests.\npub struct R;\n";
    let out = add_facade_use(lib, "jpeg-xl", "imageio-jpeg-xl").unwrap();
    assert!(out.contains(
        "pub use imageio_a as a;\n\n/// The jpeg-xl plugin.\n#[cfg(feature = \"jpeg-xl\")]\n\
         pub use imageio_jpeg_xl as jpeg_xl;\n\n/// Doctests."
    ));
}

#[test]
fn camel_case_struct_names() {
    assert_eq!(camel("demo"), "Demo");
    assert_eq!(camel("jpeg-xl"), "JpegXl");
}

use std::path::Path;
use std::process::Command;

use crate::workspace::fixture::{copy_workspace, sh};
use crate::workspace::Workspace;

fn text(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

/// Scaffolds `demo` (backend `tiff`, a crate the workspace already pins) into
/// a copy of the workspace and checks every file it writes or edits.
#[test]
fn scaffold_into_a_copy_writes_and_wires_the_crate() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    copy_workspace(ws);
    let before = text(ws, "Cargo.toml");
    let tidy_before = crate::tidy::check(ws, &Workspace::load(ws).unwrap());
    let touched = scaffold(ws, "demo", Some("tiff")).unwrap();
    assert_eq!(
        touched,
        [
            "crates/imageio-demo/Cargo.toml",
            "crates/imageio-demo/README.md",
            "crates/imageio-demo/src/lib.rs",
            "crates/imageio-demo/tests/registers.rs",
            "Cargo.toml",
            "crates/imageio/Cargo.toml",
            "crates/imageio/src/lib.rs",
            "README.md",
            "tests/Cargo.toml",
        ]
    );

    // The root manifest: members, default members, the internal pin; the rest as it was.
    let root: toml_edit::DocumentMut = text(ws, "Cargo.toml").parse().unwrap();
    let version = root["workspace"]["package"]["version"].as_str().unwrap();
    for list in ["members", "default-members"] {
        let members: Vec<&str> = root["workspace"][list]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let at = members
            .iter()
            .position(|m| *m == "crates/imageio-demo")
            .unwrap();
        assert!(
            members[at - 1].starts_with("crates/"),
            "{list}: {members:?}"
        );
    }
    let dep = &root["workspace"]["dependencies"]["imageio-demo"];
    assert_eq!(dep["path"].as_str(), Some("crates/imageio-demo"));
    assert_eq!(dep["version"].as_str(), Some(version));
    let after = text(ws, "Cargo.toml");
    assert!(
        after.contains("\n    \"crates/imageio-demo\",\n"),
        "{after}"
    );
    assert!(after.contains(&format!(
        "imageio-demo = {{ path = \"crates/imageio-demo\", version = \"{version}\" }}\n"
    )));
    let removed: Vec<&str> = after
        .lines()
        .filter(|l| !l.contains("imageio-demo"))
        .collect();
    assert_eq!(
        removed,
        before.lines().collect::<Vec<_>>(),
        "only lines added"
    );
    // Internal crates stay together, above the third-party ones.
    let deps: Vec<&str> = after
        .lines()
        .skip_while(|l| *l != "[workspace.dependencies]")
        .take_while(|l| !l.starts_with("# third-party"))
        .collect();
    assert!(
        deps.iter().any(|l| l.starts_with("imageio-demo = ")),
        "{deps:?}"
    );

    // The new crate.
    let manifest = text(ws, "crates/imageio-demo/Cargo.toml");
    assert!(manifest.contains("name = \"imageio-demo\"\n"));
    assert!(manifest.contains("license.workspace = true\n"));
    assert!(manifest.contains("tiff.workspace = true\nimageio-core.workspace = true\n"));
    let lib = text(ws, "crates/imageio-demo/src/lib.rs");
    assert_eq!(
        lib,
        lib_rs("demo", Some("tiff")),
        "rustfmt changed the template"
    );
    assert_eq!(
        text(ws, "crates/imageio-demo/tests/registers.rs"),
        test_rs("demo")
    );
    assert!(lib.starts_with("//! The demo plugin of imageio-rs, on the [`tiff`]"));
    assert!(lib.contains("imageio_core::inventory::submit! {"));
    assert!(lib.contains("        name: \"demo\",\n"));
    assert!(lib.contains("Err(Error::declined(\"not a demo resource\"))"));
    assert!(lib.contains("struct DemoPlugin {"));
    assert!(lib.contains("fn decode_err(") && lib.contains("fn encode_err("));
    let test = text(ws, "crates/imageio-demo/tests/registers.rs");
    assert!(test.contains("= imageio_demo::open;"));
    assert!(test.contains("plugin_by_name(\"demo\")"));

    // The facade, the README table, the workspace tests' features.
    let facade: toml_edit::DocumentMut = text(ws, "crates/imageio/Cargo.toml").parse().unwrap();
    let feature: Vec<&str> = facade["features"]["demo"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(feature, ["dep:imageio-demo"]);
    assert_eq!(
        facade["dependencies"]["imageio-demo"]["optional"].as_bool(),
        Some(true)
    );
    let facade_text = text(ws, "crates/imageio/Cargo.toml");
    assert!(
        facade_text.contains("## The demo plugin.\ndemo = ["),
        "{facade_text}"
    );
    let facade_lib = text(ws, "crates/imageio/src/lib.rs");
    assert!(facade_lib.contains("#[cfg(feature = \"demo\")]\npub use imageio_demo as demo;\n"));
    let readme = text(ws, "README.md");
    assert_eq!(
        readme_plugins(&readme).last().map(String::as_str),
        Some("imageio-demo")
    );
    assert!(readme.contains("| `imageio-demo` | `demo` | (to do) | not yet | not yet |"));
    let tests: toml_edit::DocumentMut = text(ws, "tests/Cargo.toml").parse().unwrap();
    let features = tests["dependencies"]["imageio"]["features"]
        .as_array()
        .unwrap();
    assert!(features.iter().any(|f| f.as_str() == Some("demo")));

    // Tidy finds nothing new (cargo metadata reads every manifest), and
    // rustfmt has nothing to change in the generated sources.
    let w = Workspace::load(ws).unwrap();
    assert!(w.package("imageio-demo").is_some());
    assert_eq!(crate::tidy::check(ws, &w), tidy_before);
    let fmt = Command::new("rustfmt")
        .args(["--check", "--edition", "2021"])
        .arg(ws.join("crates/imageio-demo/src/lib.rs"))
        .arg(ws.join("crates/imageio-demo/tests/registers.rs"))
        .arg(ws.join("crates/imageio/src/lib.rs"))
        .output()
        .unwrap();
    assert!(
        fmt.status.success(),
        "{}",
        String::from_utf8_lossy(&fmt.stdout)
    );

    // A second run refuses the existing name and changes nothing.
    let status = sh(ws, &["git", "status", "--porcelain"]);
    let e = scaffold(ws, "demo", None).unwrap_err();
    assert!(e.contains("crates/imageio-demo already exists"), "{e}");
    assert_eq!(sh(ws, &["git", "status", "--porcelain"]), status);
}

#[test]
fn scaffold_refuses_bad_names_and_unknown_backends_before_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    copy_workspace(ws);
    assert!(scaffold(ws, "npy", None)
        .unwrap_err()
        .contains("already exists"));
    assert!(scaffold(ws, "core", None).unwrap_err().contains("reserved"));
    assert!(scaffold(ws, "Bad", None)
        .unwrap_err()
        .contains("invalid plugin name"));
    let e = scaffold(ws, "demo", Some("no-such-backend")).unwrap_err();
    assert!(e.contains("add it there first"), "{e}");
    assert_eq!(sh(ws, &["git", "status", "--porcelain"]), "");
}

/// The acceptance test: the scaffolded crate builds, its tests pass
/// (it registers, it declines) and `imageio plugins` lists it. Slow: it builds
/// the whole workspace in a copy (its own target directory, since this test
/// runs under a cargo that holds the workspace's), several minutes from cold.
/// Run it with `cargo test -p xtask -- --ignored`; set
/// `XTASK_SCAFFOLD_TARGET_DIR` to reuse a built target directory.
#[test]
#[ignore = "slow: builds the whole workspace in a temporary copy (minutes); run with --ignored"]
fn scaffolded_plugin_builds_registers_and_is_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    copy_workspace(ws);
    scaffold(ws, "demo", None).unwrap();
    let target = std::env::var("XTASK_SCAFFOLD_TARGET_DIR").unwrap_or_else(|_| {
        crate::workspace::root()
            .join("target/xtask-scaffold")
            .display()
            .to_string()
    });
    let cargo = |args: &[&str]| {
        let out = Command::new(crate::workspace::cargo())
            .args(args)
            .current_dir(ws)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "cargo {args:?} failed:\n{stderr}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let tested = cargo(&["test", "-p", "imageio-demo", "--offline"]);
    assert!(tested.contains("test registers ... ok"), "{tested}");
    assert!(
        tested.contains("test declines_what_is_not_its_own ... ok"),
        "{tested}"
    );
    let listed = cargo(&[
        "run",
        "--offline",
        "-q",
        "-p",
        "imageio-cli",
        "--features",
        "imageio/demo",
        "--",
        "plugins",
    ]);
    assert!(
        listed.contains("demo (imageio-demo): demo: scaffold, serves nothing yet"),
        "{listed}"
    );
    assert!(listed.contains("npy (imageio-npy)"), "{listed}");
    cargo(&[
        "clippy",
        "--offline",
        "-p",
        "imageio-demo",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
}
