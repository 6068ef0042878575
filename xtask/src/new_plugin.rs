//! `cargo xtask new-plugin NAME [--backend CRATE]`: creates
//! `crates/imageio-NAME` from a template that compiles, registers and declines
//! every request, and wires it in: root workspace members and
//! `[workspace.dependencies]`, the facade's optional dependency, feature and
//! `pub use`, the workspace tests' facade features, the README's plugin table.

use std::path::Path;

use toml_edit::{value, Array, DocumentMut, InlineTable, Item, Key, Value};

use crate::tidy::readme_plugins;

/// Names a plugin cannot take: crates and features that exist for another
/// purpose, or words Cargo and the facade reserve.
pub const RESERVED: &[&str] = &[
    "core",
    "cli",
    "tests",
    "test",
    "xtask",
    "facade",
    "default",
    "all",
    "std",
    "http",
    "avif",
    "pillowlike",
];

/// Parses the arguments and scaffolds the plugin into the workspace at `root`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut name = None;
    let mut backend = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--backend" => {
                backend = Some(it.next().ok_or("--backend needs a crate name")?.clone());
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s if name.is_none() => name = Some(s.to_owned()),
            s => return Err(format!("unexpected argument {s}: give one NAME")),
        }
    }
    let name = name.ok_or("usage: cargo xtask new-plugin NAME [--backend CRATE]")?;
    let files = scaffold(root, &name, backend.as_deref())?;
    eprintln!("created crates/imageio-{name}; changed:");
    for f in files {
        eprintln!("  {f}");
    }
    eprintln!(
        "next: fill in src/lib.rs (see CONTRIBUTING.md), then `cargo run -p imageio-cli -- plugins`"
    );
    Ok(())
}

/// Checks `name`: lower-case ASCII letters, digits and single inner dashes,
/// starting with a letter, not reserved.
pub fn validate_name(name: &str) -> Result<(), String> {
    if let Some(stem) = name.strip_prefix("imageio-") {
        return Err(format!(
            "give the plugin's name without the prefix: `cargo xtask new-plugin {stem}`"
        ));
    }
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let ok_shape = name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name.len() <= 32;
    if !ok_chars || !ok_shape {
        return Err(format!(
            "invalid plugin name {name:?}: use lower-case ASCII letters, digits and inner \
             dashes, starting with a letter, at most 32 characters (e.g. `png`, `jpeg-xl`)"
        ));
    }
    if RESERVED.contains(&name) {
        return Err(format!(
            "{name:?} is reserved (reserved: {}); pick another name",
            RESERVED.join(", ")
        ));
    }
    Ok(())
}

/// Creates the crate and edits the workspace; returns the files touched.
pub fn scaffold(root: &Path, name: &str, backend: Option<&str>) -> Result<Vec<String>, String> {
    validate_name(name)?;
    if let Some(b) = backend {
        let ok = !b.is_empty()
            && b.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(format!("invalid backend crate name {b:?}"));
        }
    }
    let krate = format!("imageio-{name}");
    let dir = root.join("crates").join(&krate);
    if dir.exists() {
        return Err(format!(
            "crates/{krate} already exists: pick another name or edit that crate"
        ));
    }
    let root_manifest = read(root, "Cargo.toml")?;
    let facade_manifest = read(root, "crates/imageio/Cargo.toml")?;
    let facade_lib = read(root, "crates/imageio/src/lib.rs")?;
    let readme = read(root, "README.md")?;
    let tests_manifest = read(root, "tests/Cargo.toml").ok();

    let mut doc = parse("Cargo.toml", &root_manifest)?;
    let version = doc["workspace"]["package"]["version"]
        .as_str()
        .ok_or("Cargo.toml: no [workspace.package] version")?
        .to_owned();
    let backend_line = match backend {
        Some(b) => {
            let deps = doc["workspace"]["dependencies"].as_table_like();
            if deps.is_none_or(|t| !t.contains_key(b)) {
                return Err(format!(
                    "backend {b} is not in the root Cargo.toml's [workspace.dependencies]: \
                     add it there first (`{b} = \"X.Y\"`), then run this again"
                ));
            }
            format!("{b}.workspace = true\n")
        }
        None => String::new(),
    };
    let mut facade_doc = parse("crates/imageio/Cargo.toml", &facade_manifest)?;
    if facade_doc["features"].get(name).is_some() {
        return Err(format!(
            "crates/imageio/Cargo.toml already has a feature {name:?}: pick another name"
        ));
    }
    if readme_plugins(&readme).contains(&krate) {
        return Err(format!(
            "README.md already lists {krate}: pick another name"
        ));
    }

    let member = format!("crates/{krate}");
    for list in ["members", "default-members"] {
        if let Some(arr) = doc["workspace"][list].as_array_mut() {
            insert_member(arr, &member);
        }
    }
    add_workspace_dep(&mut doc, &krate, &member, &version)?;

    let feature_doc = format!("## The {name} plugin.\n");
    let features = facade_doc["features"]
        .as_table_mut()
        .ok_or("crates/imageio/Cargo.toml: no [features] table")?;
    let mut arr = Array::new();
    arr.push(format!("dep:{krate}"));
    let key = Key::new(name).with_leaf_decor(toml_edit::Decor::new(feature_doc, " "));
    features.insert_formatted(&key, value(arr));
    let mut dep = InlineTable::new();
    dep.insert("workspace", true.into());
    dep.insert("optional", true.into());
    facade_doc["dependencies"][&krate] = value(dep);

    let lib = add_facade_use(&facade_lib, name, &krate)?;
    let readme_new = add_readme_row(&readme, name, &krate, backend)?;

    let files: Vec<(String, String)> = vec![
        (
            format!("{member}/Cargo.toml"),
            cargo_toml(name, &backend_line),
        ),
        (format!("{member}/README.md"), readme_md(name, backend)),
        (format!("{member}/src/lib.rs"), lib_rs(name, backend)),
        (format!("{member}/tests/registers.rs"), test_rs(name)),
    ];
    for (path, text) in &files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("a file in a directory"))
            .map_err(|e| format!("cannot create {}: {e}", p.display()))?;
        write(root, path, text)?;
    }
    // The templates are formatted already; this keeps long names formatted too.
    let sources = files.iter().filter(|(p, _)| p.ends_with(".rs"));
    let _ = std::process::Command::new("rustfmt")
        .args(["--edition", "2021"])
        .args(sources.map(|(p, _)| root.join(p)))
        .status();
    let mut touched: Vec<String> = files.into_iter().map(|(p, _)| p).collect();
    write(root, "Cargo.toml", &doc.to_string())?;
    write(root, "crates/imageio/Cargo.toml", &facade_doc.to_string())?;
    write(root, "crates/imageio/src/lib.rs", &lib)?;
    write(root, "README.md", &readme_new)?;
    touched.extend(
        [
            "Cargo.toml",
            "crates/imageio/Cargo.toml",
            "crates/imageio/src/lib.rs",
            "README.md",
        ]
        .map(String::from),
    );
    if let Some(text) = tests_manifest {
        let mut t = parse("tests/Cargo.toml", &text)?;
        if let Some(arr) = t["dependencies"]["imageio"]["features"].as_array_mut() {
            arr.push(name);
            write(root, "tests/Cargo.toml", &t.to_string())?;
            touched.push("tests/Cargo.toml".into());
        }
    }
    Ok(touched)
}

fn read(root: &Path, rel: &str) -> Result<String, String> {
    std::fs::read_to_string(root.join(rel)).map_err(|e| format!("cannot read {rel}: {e}"))
}

fn write(root: &Path, rel: &str, text: &str) -> Result<(), String> {
    std::fs::write(root.join(rel), text).map_err(|e| format!("cannot write {rel}: {e}"))
}

fn parse(rel: &str, text: &str) -> Result<DocumentMut, String> {
    text.parse::<DocumentMut>()
        .map_err(|e| format!("{rel} is not valid TOML: {e}"))
}

/// Inserts `member` after the last `crates/...` entry, formatted like it.
fn insert_member(arr: &mut Array, member: &str) {
    let items: Vec<&Value> = arr.iter().collect();
    let pos = items
        .iter()
        .rposition(|v| v.as_str().is_some_and(|s| s.starts_with("crates/")))
        .map_or(arr.len(), |i| i + 1);
    let decor = arr
        .get(pos.saturating_sub(1))
        .map(|v| v.decor().clone())
        .unwrap_or_default();
    let mut v = Value::from(member);
    *v.decor_mut() = decor;
    arr.insert_formatted(pos, v);
}

/// Adds `krate = { path, version }` to `[workspace.dependencies]`, after the
/// last internal (path) dependency, keeping every other entry and comment.
fn add_workspace_dep(
    doc: &mut DocumentMut,
    krate: &str,
    path: &str,
    version: &str,
) -> Result<(), String> {
    let table = doc["workspace"]["dependencies"]
        .as_table_mut()
        .ok_or("Cargo.toml: no [workspace.dependencies] table")?;
    let entries: Vec<(Key, Item)> = table
        .iter()
        .map(|(k, _)| {
            let (key, item) = table.get_key_value(k).expect("a key just listed");
            (key.clone(), item.clone())
        })
        .collect();
    let last_internal = entries
        .iter()
        .rposition(|(_, item)| item.get("path").is_some())
        .map_or(0, |i| i + 1);
    let mut dep = InlineTable::new();
    dep.insert("path", path.into());
    dep.insert("version", version.into());
    table.clear();
    for (i, (key, item)) in entries.into_iter().enumerate() {
        if i == last_internal {
            table.insert(krate, value(dep.clone()));
        }
        table.insert_formatted(&key, item);
    }
    if !table.contains_key(krate) {
        table.insert(krate, value(dep));
    }
    Ok(())
}

/// Adds the `pub use` that names the plugin crate after the last one.
pub fn add_facade_use(lib: &str, name: &str, krate: &str) -> Result<String, String> {
    let ident = name.replace('-', "_");
    let block = format!(
        "\n/// The {name} plugin.\n#[cfg(feature = \"{name}\")]\npub use {} as {ident};\n",
        krate.replace('-', "_")
    );
    let mut lines: Vec<&str> = lib.lines().collect();
    let last = lines
        .iter()
        .rposition(|l| l.starts_with("pub use imageio_") && l.contains(" as "))
        .ok_or("crates/imageio/src/lib.rs: no `pub use imageio_x as x;` line to follow")?;
    lines.insert(last + 1, block.trim_end());
    Ok(lines.join("\n") + "\n")
}

/// Adds a row for the plugin at the end of the README's plugin table.
pub fn add_readme_row(
    readme: &str,
    name: &str,
    krate: &str,
    backend: Option<&str>,
) -> Result<String, String> {
    let mut lines: Vec<String> = readme.lines().map(String::from).collect();
    let header = lines
        .iter()
        .position(|l| {
            let cells: Vec<&str> = l
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            l.trim_start().starts_with('|')
                && cells.len() >= 2
                && cells[0] == "crate"
                && cells[1] == "facade feature"
        })
        .ok_or("README.md: no plugin table (a header `| crate | facade feature | ...`)")?;
    let columns = lines[header].trim().trim_matches('|').split('|').count();
    let end = (header..lines.len())
        .find(|&i| !lines[i].trim_start().starts_with('|'))
        .unwrap_or(lines.len());
    let backend_cell = match backend {
        Some(b) => format!("[`{b}`](https://crates.io/crates/{b})"),
        None => "(to choose)".into(),
    };
    let mut cells = vec![
        format!("`{krate}`"),
        format!("`{name}`"),
        "(to do)".into(),
        "not yet".into(),
        "not yet".into(),
    ];
    cells.truncate(columns.saturating_sub(1));
    while cells.len() < columns.saturating_sub(1) {
        cells.push(String::new());
    }
    cells.push(backend_cell);
    lines.insert(end, format!("| {} |", cells.join(" | ")));
    Ok(lines.join("\n") + "\n")
}

fn camel(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn backend_phrase(backend: Option<&str>) -> String {
    match backend {
        Some(b) => format!("on the [`{b}`](https://crates.io/crates/{b}) crate"),
        None => "(backend to choose)".into(),
    }
}

fn cargo_toml(name: &str, backend_line: &str) -> String {
    format!(
        r#"[package]
name = "imageio-{name}"
description = "The {name} plugin of imageio-rs."
readme = "README.md"
keywords = ["image", "imageio", "ndarray", "{name}"]
categories = ["multimedia::images"]
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
repository.workspace = true
homepage.workspace = true
authors.workspace = true

[dependencies]
{backend_line}imageio-core.workspace = true

[lints]
workspace = true
"#
    )
}

fn readme_md(name: &str, backend: Option<&str>) -> String {
    let on = backend_phrase(backend);
    format!(
        r#"# imageio-{name}

The {name} plugin of [imageio-rs](https://github.com/imageio-rs/imageio-rs),
{on}. Documentation: <https://docs.rs/imageio-{name}>.

```toml
[dependencies]
imageio-{name} = "0.1"
```

You probably want the facade instead, which links this plugin with its
`{name}` feature:

```toml
[dependencies]
imageio = {{ version = "0.1", features = ["{name}"] }}
```
"#
    )
}

fn lib_rs(name: &str, backend: Option<&str>) -> String {
    let on = backend_phrase(backend);
    let camel = camel(name);
    format!(
        r#"//! The {name} plugin of imageio-rs, {on}.
//! Registered as plugin `"{name}"`.
//!
//! Scaffolded by `cargo xtask new-plugin`: it compiles, registers and declines
//! every request ("not mine") until [`open`] recognises its format. See
//! CONTRIBUTING.md for what a plugin returns.
//!
//! Most users want the `imageio` facade, which links this plugin with its
//! `{name}` feature.
#![deny(missing_docs)]

use imageio_core::{{
    Error, NdImage, OptionSpec, Options, Plugin, PluginInfo, Request, Result, SharedBytes,
}};

/// The options `read` accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[];

/// The options `write` accepts.
pub const WRITE_OPTIONS: &[OptionSpec] = &[];

imageio_core::inventory::submit! {{
    PluginInfo {{
        name: "{name}",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "{name}: scaffold, serves nothing yet",
        read_extensions: &[".{name}"],
        write_extensions: &[],
        signatures: &[],
        read_options: READ_OPTIONS,
        write_options: WRITE_OPTIONS,
        open,
    }}
}}

/// Opens `request` when it is this plugin's; declines it otherwise.
pub fn open(request: &mut Request) -> Result<Box<dyn Plugin>> {{
    if !sniff(request.first_bytes()) {{
        return Err(Error::declined("not a {name} resource"));
    }}
    Ok(Box::new({camel}Plugin {{
        bytes: request.bytes()?,
    }}))
}}

/// True when `first` (the first bytes of the resource) is this format.
fn sniff(first: &[u8]) -> bool {{
    let _ = first;
    false
}}

/// An open {name} resource.
struct {camel}Plugin {{
    bytes: SharedBytes,
}}

impl Plugin for {camel}Plugin {{
    fn read(&mut self, index: usize, _options: &Options) -> Result<NdImage> {{
        // Decode image `index` of `self.bytes` with the backend here, straight
        // into the array's buffer, mapping the backend's errors with `decode_err`.
        let _ = (index, self.bytes.len());
        Err(decode_err(std::io::Error::other(
            "reading is not implemented yet",
        )))
    }}

    fn write(&mut self, image: &NdImage, _options: &Options) -> Result<()> {{
        let _ = image;
        Err(encode_err(std::io::Error::other(
            "writing is not implemented yet",
        )))
    }}
}}

/// Maps an error of the backend met while reading into ours.
fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {{
    Error::decode(format!("{name}: {{e}}")).with_source(e)
}}

/// Maps an error of the backend met while writing into ours.
fn encode_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {{
    Error::encode(format!("{name}: {{e}}")).with_source(e)
}}
"#
    )
}

fn test_rs(name: &str) -> String {
    let ident = name.replace('-', "_");
    format!(
        r#"//! The plugin registers itself and declines what is not its own.

use imageio_core::{{
    imdecode_with, plugin_by_name, ErrorKind, Plugin, ReadOptions, Request, Result,
}};

#[test]
fn registers() {{
    // Naming the crate links it, and with it its `inventory` registration.
    let open: fn(&mut Request) -> Result<Box<dyn Plugin>> = imageio_{ident}::open;
    let info = plugin_by_name("{name}").expect("the plugin registers");
    assert_eq!(info.crate_name, "imageio-{name}");
    assert_eq!(info.read_options.len(), imageio_{ident}::READ_OPTIONS.len());
    assert!(std::ptr::fn_addr_eq(info.open, open));
}}

#[test]
fn declines_what_is_not_its_own() {{
    let e = imdecode_with(b"not an image", &ReadOptions::new().plugin("{name}")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{{e}}");
}}
"#
    )
}

#[cfg(test)]
mod tests;
