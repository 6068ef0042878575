//! Tests of `cargo xtask new-plugin`: the name rules and the text edits on
//! small inputs, the scaffold run into a temporary copy of the workspace, and
//! the scaffolded crate built, tested and listed by `imageio plugins` (only
//! the new crate and the CLI are built, in the workspace's build directory;
//! `IMAGEIO_SKIP_SLOW_XTASK_TESTS` skips it).

use super::*;

/// A plugin that only reads, without a backend.
const READ_ONLY: Template<'static> = Template {
    backend: None,
    writes: false,
};

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
    let template = Template {
        backend: Some("demo-rs"),
        writes: true,
    };
    let out = add_readme_row(readme, "demo", "imageio-demo", template).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[5],
        "| `imageio-demo` | `demo` | (to do) | not yet | not yet | \
         [`demo-rs`](https://crates.io/crates/demo-rs) |"
    );
    assert_eq!(lines[6], "");
    assert_eq!(readme_plugins(&out), ["imageio-a", "imageio-demo"]);
    assert!(add_readme_row("no table\n", "d", "imageio-d", template).is_err());
    let read_only = add_readme_row(readme, "ro", "imageio-ro", READ_ONLY).unwrap();
    assert!(read_only.contains("| `imageio-ro` | `ro` | (to do) | not yet | no | (to choose) |"));
}

#[test]
fn facade_use_follows_the_last_plugin() {
    let lib = "//! x\npub use imageio_core::{imread, NdImage};\npub use imageio_core::plugin;\n\n\
               /// A.\n#[cfg(feature = \"a\")]\npub use imageio_a as a;\n\n\
               /// Buffers.\n#[cfg(feature = \"buffer\")]\npub use imageio_buffer::{ImageIO, ImageData};\n\n\
               /// Doctests.\npub struct R;\n";
    let out = add_facade_use(lib, "jpeg-xl", "imageio-jpeg-xl").unwrap();
    assert!(out.contains(
        "pub use imageio_a as a;\n\n/// The jpeg-xl plugin.\n#[cfg(feature = \"jpeg-xl\")]\n\
         pub use imageio_jpeg_xl as jpeg_xl;\n\n/// Buffers."
    ));
    let e = add_facade_use("//! x\npub use imageio_core as core;\n", "a", "imageio-a");
    assert!(e.unwrap_err().contains("no `#[cfg(feature"));
}

#[test]
fn known_row_goes_at_the_end_of_the_table() {
    let known = "//! x\nmacro_rules! known {\n    () => {};\n}\n\nknown! {\n    \"a\", \"imageio-a\", \"a\",\n\
                 \x20       reads: [\".a\"], writes: [], schemes: [];\n}\n";
    let out = add_known_row(known, "demo", "imageio-demo", &[".demo"], &[".demo"]).unwrap();
    assert!(out.ends_with(
        "schemes: [];\n    \"demo\", \"imageio-demo\", \"demo\",\n        \
         reads: [\".demo\"], writes: [\".demo\"], schemes: [];\n}\n"
    ));
    assert_eq!(
        crate::tidy::known_crates(&out),
        ["imageio-a", "imageio-demo"]
    );
    let ro = add_known_row(known, "x", "imageio-x", &[".x"], &[]).unwrap();
    assert!(ro.contains("reads: [\".x\"], writes: [], schemes: [];\n}"));
    assert!(add_known_row("no table\n", "x", "imageio-x", &[], &[]).is_err());
}

#[test]
fn fuzz_features_get_the_plugin() {
    let manifest = "[package]\nname = \"f\"\n\n[features]\n# Every plugin.\n\
                    default = [\"png\"]\npng = [\"imageio/png\"]\n\n[dependencies]\nx = \"1\"\n";
    let out = add_fuzz_feature(manifest, "demo").unwrap().unwrap();
    assert!(
        out.contains("# Every plugin.\ndefault = [\"png\", \"demo\"]\n"),
        "{out}"
    );
    assert!(
        out.contains("png = [\"imageio/png\"]\ndemo = [\"imageio/demo\"]\n"),
        "{out}"
    );
    assert_eq!(
        add_fuzz_feature("[package]\nname = \"f\"\n", "demo"),
        Ok(None)
    );
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

/// Asserts that rustfmt (with the workspace's `rustfmt.toml`) would change
/// nothing in `files`.
fn rustfmt_check(files: &[&Path]) {
    let fmt = Command::new("rustfmt")
        .args(["--check", "--edition", "2021"])
        .args(files)
        .output()
        .unwrap();
    assert!(
        fmt.status.success(),
        "{}",
        String::from_utf8_lossy(&fmt.stdout)
    );
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
    let template = Template {
        backend: Some("tiff"),
        writes: true,
    };
    let touched = scaffold(ws, "demo", template).unwrap();
    assert_eq!(
        touched,
        [
            "crates/imageio-demo/Cargo.toml",
            "crates/imageio-demo/README.md",
            "crates/imageio-demo/src/lib.rs",
            "crates/imageio-demo/tests/registers.rs",
            "Cargo.toml",
            "crates/imageio-rs/Cargo.toml",
            "crates/imageio-rs/src/lib.rs",
            "crates/imageio-rs/src/known.rs",
            "README.md",
            "tests/Cargo.toml",
            "fuzz/Cargo.toml",
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

    // The new crate, on the plugin contract.
    let manifest = text(ws, "crates/imageio-demo/Cargo.toml");
    assert!(manifest.contains("name = \"imageio-demo\"\n"));
    assert!(manifest.contains("license.workspace = true\n"));
    assert!(manifest.contains("tiff.workspace = true\nimageio-core.workspace = true\n"));
    assert!(!manifest.contains("dev-dependencies"), "{manifest}");
    let lib = text(ws, "crates/imageio-demo/src/lib.rs");
    assert_eq!(
        lib,
        lib_rs("demo", template),
        "rustfmt changed the template"
    );
    assert_eq!(
        text(ws, "crates/imageio-demo/tests/registers.rs"),
        test_rs("demo", true),
        "rustfmt changed the test template"
    );
    assert!(lib.starts_with("//! The demo plugin of imageio-rs, on the [`tiff`]"));
    assert!(lib.contains("imageio_core::inventory::submit! {"));
    assert!(lib.contains("        name: \"demo\",\n"));
    assert!(
        lib.contains("pub const MAGIC: &[u8] = b\"DEMO\\0\";\n"),
        "{lib}"
    );
    assert!(
        lib.contains("Format::new(\"DEMO\", &[\".demo\"]).signatures(&[Signature::new(MAGIC)])"),
        "{lib}"
    );
    assert!(lib.contains("        read: Some(ReadEntry {\n"));
    assert!(lib.contains("        write: Some(WriteEntry {\n"));
    assert_eq!(
        lib.matches("Claim::new(FORMAT, Rank::DEDICATED)").count(),
        2
    );
    assert!(lib.contains("impl Reader for DemoReader {"));
    assert!(lib.contains("impl Writer for DemoWriter {"));
    assert!(lib.contains("summary: \"DEMO (scaffold: a placeholder format), on the `tiff` crate\""));
    // Nothing of the old contract.
    for old in [
        " Request,",
        " Plugin,",
        "mode()",
        "declined",
        "read_extensions:",
    ] {
        assert!(!lib.contains(old), "{old}");
    }
    let test = text(ws, "crates/imageio-demo/tests/registers.rs");
    assert!(test.contains("= imageio_demo::open_read;"));
    assert!(test.contains("= imageio_demo::open_write;"));
    assert!(test.contains("plugin_by_name(\"demo\")"));
    assert!(test.contains("fn reads_a_sample_through_the_verbs()"));
    assert!(test.contains("fn writes_what_it_reads()"));

    // The facade: feature, optional dependency, `pub use`, `known!` row.
    let facade: toml_edit::DocumentMut = text(ws, "crates/imageio-rs/Cargo.toml").parse().unwrap();
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
    let facade_text = text(ws, "crates/imageio-rs/Cargo.toml");
    assert!(
        facade_text.contains("## The demo plugin.\ndemo = ["),
        "{facade_text}"
    );
    let facade_lib = text(ws, "crates/imageio-rs/src/lib.rs");
    assert!(facade_lib.contains("#[cfg(feature = \"demo\")]\npub use imageio_demo as demo;\n"));
    let known = text(ws, "crates/imageio-rs/src/known.rs");
    assert!(
        known.contains(
            "    \"demo\", \"imageio-demo\", \"demo\",\n        \
             reads: [\".demo\"], writes: [\".demo\"], schemes: [];\n}\n"
        ),
        "{known}"
    );
    assert_eq!(
        crate::tidy::known_crates(&known).last().map(String::as_str),
        Some("imageio-demo")
    );
    // The README table, the workspace tests' and the fuzz crate's features.
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
    let fuzz: toml_edit::DocumentMut = text(ws, "fuzz/Cargo.toml").parse().unwrap();
    assert_eq!(fuzz["features"]["demo"].as_array().unwrap().len(), 1);
    assert_eq!(fuzz["features"]["demo"][0].as_str(), Some("imageio/demo"));
    let default = fuzz["features"]["default"].as_array().unwrap();
    assert!(default.iter().any(|f| f.as_str() == Some("demo")));

    // Tidy finds nothing new (cargo metadata reads every manifest), and
    // rustfmt has nothing to change in the generated sources.
    let w = Workspace::load(ws).unwrap();
    assert!(w.package("imageio-demo").is_some());
    assert_eq!(crate::tidy::check(ws, &w), tidy_before);
    rustfmt_check(&[
        &ws.join("crates/imageio-demo/src/lib.rs"),
        &ws.join("crates/imageio-demo/tests/registers.rs"),
        &ws.join("crates/imageio-rs/src/lib.rs"),
    ]);

    // A second run refuses the existing name and changes nothing.
    let status = sh(ws, &["git", "status", "--porcelain"]);
    let e = scaffold(ws, "demo", Template::default()).unwrap_err();
    assert!(e.contains("crates/imageio-demo already exists"), "{e}");
    assert_eq!(sh(ws, &["git", "status", "--porcelain"]), status);

    // A plugin that only reads: no writer, `write: None`, no write extension.
    // (A longer name makes rustfmt wrap a line or two: the scaffold formats.)
    scaffold(ws, "demo-ro", READ_ONLY).unwrap();
    let lib = text(ws, "crates/imageio-demo-ro/src/lib.rs");
    rustfmt_check(&[
        &ws.join("crates/imageio-demo-ro/src/lib.rs"),
        &ws.join("crates/imageio-demo-ro/tests/registers.rs"),
    ]);
    assert!(lib.contains("        write: None,\n"), "{lib}");
    assert!(
        !lib.contains("Writer") && !lib.contains("WRITE_OPTIONS"),
        "{lib}"
    );
    assert!(
        lib.contains("pub const MAGIC: &[u8] = b\"DEMO-RO\\0\";\n"),
        "{lib}"
    );
    let test = text(ws, "crates/imageio-demo-ro/tests/registers.rs");
    assert!(test.contains("assert!(info.write.is_none());"));
    assert!(!test.contains("imencode"));
    let known = text(ws, "crates/imageio-rs/src/known.rs");
    assert!(known.contains("reads: [\".demo-ro\"], writes: [], schemes: [];\n}\n"));
    let w = Workspace::load(ws).unwrap();
    assert_eq!(crate::tidy::check(ws, &w), tidy_before);
}

#[test]
fn scaffold_refuses_bad_names_and_unknown_backends_before_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    copy_workspace(ws);
    let none = Template::default();
    assert!(scaffold(ws, "npy", none)
        .unwrap_err()
        .contains("already exists"));
    assert!(scaffold(ws, "core", none).unwrap_err().contains("reserved"));
    assert!(scaffold(ws, "Bad", none)
        .unwrap_err()
        .contains("invalid plugin name"));
    let unknown = Template {
        backend: Some("no-such-backend"),
        writes: true,
    };
    let e = scaffold(ws, "demo", unknown).unwrap_err();
    assert!(e.contains("add it there first"), "{e}");
    assert_eq!(sh(ws, &["git", "status", "--porcelain"]), "");
}

/// The variables (besides `CARGO_PKG_*`) cargo sets for a crate's tests,
/// which a nested cargo must not inherit.
const CARGO_SET_FOR_TESTS: &[&str] = &[
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_MANIFEST_LINKS",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "CARGO_RUSTC_CURRENT_DIR",
    "OUT_DIR",
];

/// Why the slow test cannot run here, if it cannot: `None` when it can.
fn slow_test_skipped() -> Option<String> {
    if std::env::var_os("IMAGEIO_SKIP_SLOW_XTASK_TESTS").is_some() {
        return Some("IMAGEIO_SKIP_SLOW_XTASK_TESTS is set".into());
    }
    for (tool, args) in [
        (crate::workspace::cargo(), "--version"),
        ("git".into(), "--version"),
    ] {
        let found = Command::new(&tool).arg(args).output();
        if !found.is_ok_and(|o| o.status.success()) {
            return Some(format!("`{tool}` cannot be run"));
        }
    }
    None
}

/// The acceptance test of the template: the scaffolded crate builds, its
/// own tests pass (it registers with its claims, reads and writes a sample
/// through the verbs) and `imageio plugins` lists it with its extension.
///
/// It runs on a copy of the workspace (the files keep their modification
/// times) and builds only the new crate's tests and the CLI with the new
/// feature, in the debug profile. The intermediate artifacts go to the
/// workspace's own build directory (`CARGO_BUILD_BUILD_DIR`), where a crate
/// of the copy that was not changed is found fresh and reused (same relative
/// path, same sources, same times); only the final ones (the `imageio`
/// binary) go to a temporary target directory, so that the workspace's
/// `target/debug/imageio` is never replaced by the copy's. What is left to
/// compile is the new crate, the facade and the CLI, plus whatever the
/// workspace has not built yet with these features.
///
/// Skipped, with a message, when `IMAGEIO_SKIP_SLOW_XTASK_TESTS` is set or
/// cargo or git cannot be run.
#[test]
fn scaffolded_plugin_builds_registers_and_is_listed() {
    if let Some(why) = slow_test_skipped() {
        eprintln!("skipped scaffolded_plugin_builds_registers_and_is_listed: {why}");
        return;
    }
    let started = std::time::Instant::now();
    let real = Workspace::load(&crate::workspace::root()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let target = tmp.path().join("target");
    std::fs::create_dir_all(&ws).unwrap();
    copy_workspace(&ws);
    scaffold(&ws, "demo", Template::default()).unwrap();
    let cargo = |args: &[&str]| {
        let mut cmd = Command::new(crate::workspace::cargo());
        // Not the variables cargo set for this test (CARGO_PKG_NAME=xtask, ...):
        // build scripts that watch them (ring's) would otherwise run again, and
        // everything above them be rebuilt, here and in the next normal build.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if CARGO_SET_FOR_TESTS.contains(&&*key) || key.starts_with("CARGO_PKG_") {
                cmd.env_remove(&*key);
            }
        }
        let out = cmd
            .args(args)
            .current_dir(&ws)
            .env("CARGO_TARGET_DIR", &target)
            .env("CARGO_BUILD_BUILD_DIR", &real.build_dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "cargo {args:?} failed:\n{stderr}");
        // What was not reused, for whoever wonders why it took long.
        let compiled: Vec<&str> = stderr
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Compiling "))
            .filter_map(|c| c.split(" v").next())
            .collect();
        eprintln!("cargo {}: compiled {}", args[0], compiled.join(", "));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let tested = cargo(&["test", "--offline", "-p", "imageio-demo"]);
    for test in [
        "registers_with_its_claims",
        "reads_a_sample_through_the_verbs",
        "writes_what_it_reads",
        "refuses_other_content_and_broken_files",
    ] {
        assert!(tested.contains(&format!("test {test} ... ok")), "{tested}");
    }
    let features = "imageio/demo";
    cargo(&[
        "build",
        "--offline",
        "-p",
        "imageio-cli",
        "--features",
        features,
    ]);
    let exe = target
        .join("debug")
        .join(format!("imageio{}", std::env::consts::EXE_SUFFIX));
    let exe = exe.to_str().unwrap();
    let listed = sh(&ws, &[exe, "plugins"]);
    assert!(
        listed.contains("demo (imageio-demo): DEMO (scaffold: a placeholder format)"),
        "{listed}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&sh(&ws, &[exe, "plugins", "--json"])).unwrap();
    let plugins = json.get("plugins").unwrap_or(&json).as_array().unwrap();
    let names: Vec<&str> = plugins.iter().filter_map(|p| p["name"].as_str()).collect();
    assert!(names.contains(&"npy"), "{names:?}");
    let demo = plugins.iter().find(|p| p["name"] == "demo").unwrap();
    assert_eq!(demo["crate"], "imageio-demo");
    assert_eq!(demo["read_extensions"], serde_json::json!([".demo"]));
    assert_eq!(demo["write_extensions"], serde_json::json!([".demo"]));
    eprintln!(
        "scaffolded_plugin_builds_registers_and_is_listed: {:.0} s",
        started.elapsed().as_secs_f64()
    );
}
