//! `cargo xtask new-plugin NAME [--backend CRATE] [--read-only]`: creates
//! `crates/imageio-NAME` from a template on the plugin contract (a
//! `Format` with the extension `.NAME` and a signature, claimed
//! at `Rank::DEDICATED`; a `Reader`; a `Writer` unless `--read-only`; the
//! `PluginInfo` with its read and write entries; `tests/registers.rs`) that
//! compiles, registers and reads and writes a placeholder format, and wires it
//! in: root workspace members and `[workspace.dependencies]`, the facade's
//! (`crates/imageio-rs`) optional dependency, feature, `pub use` and row of
//! its `known!` table, the workspace tests' and the fuzz crate's facade
//! features, the README's plugin table.

use std::path::Path;

use toml_edit::{value, Array, DocumentMut, InlineTable, Item, Key, Value};

use crate::tidy::{readme_plugins, FACADE_KNOWN, FACADE_LIB};

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
    "buffer",
    "rs",
    "camera",
    "device",
];

/// The facade's manifest.
const FACADE_MANIFEST: &str = "crates/imageio-rs/Cargo.toml";

/// What to generate besides the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template<'a> {
    /// The backend crate, already in `[workspace.dependencies]`.
    pub backend: Option<&'a str>,
    /// False for a plugin that only reads (no `Writer`, `write: None`).
    pub writes: bool,
}

impl Default for Template<'_> {
    /// No backend yet; reads and writes.
    fn default() -> Self {
        Template {
            backend: None,
            writes: true,
        }
    }
}

/// Parses the arguments and scaffolds the plugin into the workspace at `root`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut name = None;
    let mut backend = None;
    let mut writes = true;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--backend" => {
                backend = Some(it.next().ok_or("--backend needs a crate name")?.clone());
            }
            "--read-only" => writes = false,
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s if name.is_none() => name = Some(s.to_owned()),
            s => return Err(format!("unexpected argument {s}: give one NAME")),
        }
    }
    let name = name.ok_or("usage: cargo xtask new-plugin NAME [--backend CRATE] [--read-only]")?;
    let template = Template {
        backend: backend.as_deref(),
        writes,
    };
    let files = scaffold(root, &name, template)?;
    eprintln!("created crates/imageio-{name}; changed:");
    for f in files {
        eprintln!("  {f}");
    }
    eprintln!(
        "next: `cargo test -p imageio-{name}`, then replace the placeholder format in \
         src/lib.rs with the real one (see CONTRIBUTING.md) and keep the `known!` row in \
         {FACADE_KNOWN} in step with its claims; \
         `cargo run -p imageio-cli --features imageio/{name} -- plugins` lists it"
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
/// Checks everything before writing anything.
pub fn scaffold(root: &Path, name: &str, template: Template<'_>) -> Result<Vec<String>, String> {
    let Template { backend, writes } = template;
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
    let facade_manifest = read(root, FACADE_MANIFEST)?;
    let facade_lib = read(root, FACADE_LIB)?;
    let facade_known = read(root, FACADE_KNOWN)?;
    let readme = read(root, "README.md")?;
    let tests_manifest = read(root, "tests/Cargo.toml").ok();
    let fuzz_manifest = read(root, "fuzz/Cargo.toml").ok();

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
    let mut facade_doc = parse(FACADE_MANIFEST, &facade_manifest)?;
    if facade_doc["features"].get(name).is_some() {
        return Err(format!(
            "{FACADE_MANIFEST} already has a feature {name:?}: pick another name"
        ));
    }
    if crate::tidy::known_crates(&facade_known).contains(&krate) {
        return Err(format!(
            "{FACADE_KNOWN} already has a row for {krate}: pick another name"
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
        .ok_or_else(|| format!("{FACADE_MANIFEST}: no [features] table"))?;
    let mut arr = Array::new();
    arr.push(format!("dep:{krate}"));
    let key = Key::new(name).with_leaf_decor(toml_edit::Decor::new(feature_doc, " "));
    features.insert_formatted(&key, value(arr));
    let mut dep = InlineTable::new();
    dep.insert("workspace", true.into());
    dep.insert("optional", true.into());
    facade_doc["dependencies"][&krate] = value(dep);

    let lib = add_facade_use(&facade_lib, name, &krate)?;
    let extension = format!(".{name}");
    let writes_ext: &[&str] = if writes { &[&extension] } else { &[] };
    let known = add_known_row(&facade_known, name, &krate, &[&extension], writes_ext)?;
    let readme_new = add_readme_row(&readme, name, &krate, template)?;
    let fuzz_new = match &fuzz_manifest {
        Some(text) => add_fuzz_feature(text, name)?,
        None => None,
    };

    let files: Vec<(String, String)> = vec![
        (
            format!("{member}/Cargo.toml"),
            cargo_toml(name, &backend_line),
        ),
        (format!("{member}/README.md"), readme_md(name, template)),
        (format!("{member}/src/lib.rs"), lib_rs(name, template)),
        (
            format!("{member}/tests/registers.rs"),
            test_rs(name, writes),
        ),
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
    let edits = [
        ("Cargo.toml", doc.to_string()),
        (FACADE_MANIFEST, facade_doc.to_string()),
        (FACADE_LIB, lib),
        (FACADE_KNOWN, known),
        ("README.md", readme_new),
    ];
    for (path, text) in edits {
        write(root, path, &text)?;
        touched.push(path.into());
    }
    if let Some(text) = tests_manifest {
        let mut t = parse("tests/Cargo.toml", &text)?;
        if let Some(arr) = t["dependencies"]["imageio"]["features"].as_array_mut() {
            arr.push(name);
            write(root, "tests/Cargo.toml", &t.to_string())?;
            touched.push("tests/Cargo.toml".into());
        }
    }
    if let Some(text) = fuzz_new {
        write(root, "fuzz/Cargo.toml", &text)?;
        touched.push("fuzz/Cargo.toml".into());
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

/// Adds the `pub use` that names the plugin crate after the last one (a
/// `pub use imageio_x as x;` line under `#[cfg(feature = "...")]`).
pub fn add_facade_use(lib: &str, name: &str, krate: &str) -> Result<String, String> {
    let ident = name.replace('-', "_");
    let block = format!(
        "\n/// The {name} plugin.\n#[cfg(feature = \"{name}\")]\npub use {} as {ident};\n",
        krate.replace('-', "_")
    );
    let mut lines: Vec<&str> = lib.lines().collect();
    let last = (1..lines.len())
        .rev()
        .find(|&i| {
            let l = lines[i];
            l.starts_with("pub use imageio_")
                && l.contains(" as ")
                && l.ends_with(';')
                && lines[i - 1].starts_with("#[cfg(feature = ")
        })
        .ok_or_else(|| {
            format!("{FACADE_LIB}: no `#[cfg(feature = \"x\")] pub use imageio_x as x;` to follow")
        })?;
    lines.insert(last + 1, block.trim_end());
    Ok(lines.join("\n") + "\n")
}

/// Adds a row for the plugin at the end of the facade's `known!` table (the
/// `known! {` invocation, closed by a `}` line): its crate and feature and
/// the extensions it reads and writes, so that a program without it is told
/// which feature to enable.
pub fn add_known_row(
    known: &str,
    name: &str,
    krate: &str,
    reads: &[&str],
    writes: &[&str],
) -> Result<String, String> {
    let mut lines: Vec<String> = known.lines().map(String::from).collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end() == "known! {")
        .ok_or_else(|| format!("{FACADE_KNOWN}: no `known! {{` table"))?;
    let end = (start..lines.len())
        .find(|&i| lines[i].trim_end() == "}")
        .ok_or_else(|| format!("{FACADE_KNOWN}: the `known! {{` table is not closed by `}}`"))?;
    let list = |exts: &[&str]| {
        exts.iter()
            .map(|e| format!("\"{e}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    lines.insert(end, format!("    \"{name}\", \"{krate}\", \"{name}\","));
    lines.insert(
        end + 1,
        format!(
            "        reads: [{}], writes: [{}], schemes: [];",
            list(reads),
            list(writes)
        ),
    );
    Ok(lines.join("\n") + "\n")
}

/// The fuzz crate's manifest with the plugin's feature (`NAME =
/// ["imageio/NAME"]`) added to its features and to its default ones; `None`
/// when it has no `default` feature list to join.
pub fn add_fuzz_feature(manifest: &str, name: &str) -> Result<Option<String>, String> {
    let mut doc = parse("fuzz/Cargo.toml", manifest)?;
    let Some(features) = doc.get_mut("features").and_then(Item::as_table_mut) else {
        return Ok(None);
    };
    let Some(default) = features.get_mut("default").and_then(Item::as_array_mut) else {
        return Ok(None);
    };
    default.push(name);
    let mut arr = Array::new();
    arr.push(format!("imageio/{name}"));
    features.insert(name, value(arr));
    Ok(Some(doc.to_string()))
}

/// Adds a row for the plugin at the end of the README's plugin table.
pub fn add_readme_row(
    readme: &str,
    name: &str,
    krate: &str,
    template: Template<'_>,
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
    let backend_cell = match template.backend {
        Some(b) => format!("[`{b}`](https://crates.io/crates/{b})"),
        None => "(to choose)".into(),
    };
    let write = if template.writes { "not yet" } else { "no" };
    let mut cells = vec![
        format!("`{krate}`"),
        format!("`{name}`"),
        "(to do)".into(),
        "not yet".into(),
        write.into(),
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
        None => "backend to choose".into(),
    }
}

/// The names a template uses for plugin `name`, as `(token, value)` pairs.
fn tokens(name: &str, backend: Option<&str>) -> Vec<(&'static str, String)> {
    let summary_backend = match backend {
        Some(b) => format!("on the `{b}` crate"),
        None => "backend to choose".into(),
    };
    vec![
        ("__NAME__", name.to_owned()),
        ("__UPPER__", name.to_ascii_uppercase()),
        ("__CAMEL__", camel(name)),
        ("__IDENT__", name.replace('-', "_")),
        ("__ON__", backend_phrase(backend)),
        ("__SUMMARY_BACKEND__", summary_backend),
    ]
}

/// `template` with every token replaced.
fn fill(template: &str, tokens: &[(&str, String)]) -> String {
    tokens
        .iter()
        .fold(template.to_owned(), |t, (k, v)| t.replace(k, v))
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

fn readme_md(name: &str, template: Template<'_>) -> String {
    let on = backend_phrase(template.backend);
    format!(
        r#"# imageio-{name}

The {name} plugin of [imageio-rs](https://github.com/imageio-rs/imageio-rs),
{on}. Documentation: <https://docs.rs/imageio-{name}>.

```toml
[dependencies]
imageio-{name} = "0.1"
```

You probably want the facade instead, the `imageio-rs` crate, which links
this plugin with its `{name}` feature:

```toml
[dependencies]
imageio-rs = {{ version = "0.1", features = ["{name}"] }}
```
"#
    )
}

/// The crate doc and the items both kinds of plugin have.
const LIB_HEAD: &str = r##"//! The __NAME__ plugin of imageio-rs, __ON__.
//! Registered as plugin `"__NAME__"`: __WHAT__ `.__NAME__` files.
//!
//! Scaffolded by `cargo xtask new-plugin`. Until the real format is in, it
//! serves a placeholder one, so that it compiles, registers, is routed to and
//! __ROUND_TRIPS__ from the start: [`MAGIC`], the height and the width (u32,
//! little-endian), the number of channels (one byte, 1 to 4), then the u8
//! samples in C order. Replace [`FORMAT`] (extensions, signatures) and the
//! __PARTS__ with the real format on the backend.
//! CONTRIBUTING.md says what a plugin returns; the facade's `known!` row for
//! this plugin lists the extensions it claims.
//!
//! Most users want the `imageio-rs` facade, which links this plugin with its
//! `__NAME__` feature.
#![deny(missing_docs)]

__IMPORTS__
/// The bytes a __UPPER__ file begins with.
pub const MAGIC: &[u8] = b"__UPPER__\0";

/// The __UPPER__ format as routing sees it: its extension and magic bytes.
pub const FORMAT: Format = Format::new("__UPPER__", &[".__NAME__"]).signatures(&[Signature::new(MAGIC)]);

/// The length of the header: the magic bytes, height, width and channels.
const HEADER_LEN: usize = MAGIC.len() + 9;

/// The options the reader accepts (none yet).
pub const READ_OPTIONS: &[OptionSpec] = &[];
__WRITE_OPTIONS__
imageio_core::inventory::submit! {
    PluginInfo {
        name: "__NAME__",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "__UPPER__ (scaffold: a placeholder format), __SUMMARY_BACKEND__",
        read: Some(ReadEntry {
            formats: &[Claim::new(FORMAT, Rank::DEDICATED)],
            options: READ_OPTIONS,
            open: open_read,
        }),
__WRITE_ENTRY__
    }
}

/// Opens a reader. Routing has matched [`FORMAT`] (its magic bytes, or its
/// extension and magic bytes); the header is checked, and the image's size
/// against the request's limits, before anything is decoded.
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    let bytes = request.bytes()?;
    let header = Header::parse(&bytes)?;
    request.limits().check_shape(&header.shape(), DType::U8)?;
    Ok(Box::new(__CAMEL__Reader { bytes, header }))
}

/// What the header says about the image.
#[derive(Clone, Copy, Debug)]
struct Header {
    height: usize,
    width: usize,
    channels: usize,
}

impl Header {
    /// Parses the header (the magic bytes are routing's to check).
    fn parse(bytes: &[u8]) -> Result<Header> {
        let h = bytes
            .get(MAGIC.len()..HEADER_LEN)
            .ok_or_else(|| Error::decode("__UPPER__: the header is truncated"))?;
        let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let channels = usize::from(h[8]);
        if !(1..=4).contains(&channels) {
            return Err(Error::decode(format!(
                "__UPPER__: the header says {channels} channels; 1 to 4 are valid"
            )));
        }
        Ok(Header {
            height: u32_at(0) as usize,
            width: u32_at(4) as usize,
            channels,
        })
    }

    /// The shape of the image: `(H, W)` for one channel, `(H, W, C)` otherwise.
    fn shape(&self) -> Vec<usize> {
        match self.channels {
            1 => vec![self.height, self.width],
            c => vec![self.height, self.width, c],
        }
    }
}

/// A __UPPER__ file open for reading: one image.
struct __CAMEL__Reader {
    bytes: SharedBytes,
    header: Header,
}

impl Reader for __CAMEL__Reader {
    fn read(&mut self, index: usize, _options: &Options) -> Result<NdImage> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        let shape = self.header.shape();
        let len = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        let samples = len
            .and_then(|len| self.bytes.get(HEADER_LEN..)?.get(..len))
            .ok_or_else(|| Error::decode("__UPPER__: the file is shorter than its header says"))?;
        // A real format decodes with the backend here, straight into the
        // array's buffer, mapping the backend's errors to `Error::decode`.
        NdImage::from_shape_vec(&shape, samples.to_vec())
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(1))
    }

    fn properties(&mut self, index: usize, _options: &Options) -> Result<ImageProperties> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        Ok(ImageProperties::new(self.header.shape(), DType::U8))
    }
}
"##;

const IMPORTS_RW: &str = r##"use std::io::Write;

use imageio_core::plugin::{
    image_dims, Claim, Format, OptionSpec, Output, PluginInfo, Rank, ReadEntry, ReadRequest,
    Reader, Signature, WriteEntry, WriteRequest, Writer,
};
use imageio_core::{DType, Error, ImageProperties, NdImage, Options, Result, SharedBytes};
"##;

const IMPORTS_RO: &str = r##"use imageio_core::plugin::{
    Claim, Format, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader, Signature,
};
use imageio_core::{DType, Error, ImageProperties, NdImage, Options, Result, SharedBytes};
"##;

const WRITE_OPTIONS: &str = r##"
/// The options the writer accepts (none yet).
pub const WRITE_OPTIONS: &[OptionSpec] = &[];
"##;

const WRITE_ENTRY: &str = r##"        write: Some(WriteEntry {
            formats: &[Claim::new(FORMAT, Rank::DEDICATED)],
            options: WRITE_OPTIONS,
            open: open_write,
        }),"##;

const LIB_WRITER: &str = r##"
/// Opens a writer on the request's output. Routing has matched the
/// extension against [`FORMAT`].
pub fn open_write(request: &mut WriteRequest) -> Result<Box<dyn Writer>> {
    Ok(Box::new(__CAMEL__Writer {
        output: request.output()?,
        written: false,
    }))
}

/// A __UPPER__ file open for writing: one image.
struct __CAMEL__Writer {
    output: Output,
    written: bool,
}

impl Writer for __CAMEL__Writer {
    fn write(&mut self, image: &NdImage, _options: &Options) -> Result<()> {
        if self.written {
            return Err(Error::unsupported(
                "__UPPER__ holds one image: write a single image, not a stack",
            ));
        }
        let (height, width, channels) = image_dims(image.shape(), 4, "__UPPER__")?;
        let samples = image.view::<u8>().ok_or_else(|| {
            Error::invalid_input(format!("__UPPER__ stores u8 samples, not {}", image.dtype()))
        })?;
        let too_big = |_| Error::invalid_input(format!("__UPPER__: {height}x{width} is too big"));
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&u32::try_from(height).map_err(too_big)?.to_le_bytes());
        header.extend_from_slice(&u32::try_from(width).map_err(too_big)?.to_le_bytes());
        header.push(channels as u8);
        // A real format encodes with the backend here, mapping the backend's
        // errors to `Error::encode`.
        let samples = samples.as_standard_layout();
        let samples = samples
            .as_slice()
            .ok_or_else(|| Error::internal("an array in standard layout is contiguous"))?;
        self.output.write_all(&header)?;
        self.output.write_all(samples)?;
        self.written = true;
        Ok(())
    }
}
"##;

/// The generated `src/lib.rs`.
fn lib_rs(name: &str, template: Template<'_>) -> String {
    let mut tokens = tokens(name, template.backend);
    let w = template.writes;
    let pick = |rw: &str, ro: &str| if w { rw.to_owned() } else { ro.to_owned() };
    tokens.splice(
        0..0,
        [
            ("__IMPORTS__", pick(IMPORTS_RW, IMPORTS_RO)),
            ("__WRITE_OPTIONS__", pick(WRITE_OPTIONS, "")),
            ("__WRITE_ENTRY__", pick(WRITE_ENTRY, "        write: None,")),
            ("__WHAT__", pick("reads and writes", "reads")),
            ("__ROUND_TRIPS__", pick("round-trips", "reads")),
            ("__PARTS__", pick("reader and the writer", "reader")),
        ],
    );
    let mut text = LIB_HEAD.to_owned();
    if w {
        text.push_str(LIB_WRITER);
    }
    fill(&text, &tokens)
}

const TEST_HEAD: &str = r##"//! The __NAME__ plugin registers itself with its claims, and __VERBS__
//! a sample through the verbs.

__IMPORTS__
/// A 2x3 RGB image in the __UPPER__ format, and its samples.
fn sample() -> (Vec<u8>, Vec<u8>) {
    let samples: Vec<u8> = (0..18).map(|i| i * 13).collect();
    let mut bytes = imageio___IDENT__::MAGIC.to_vec();
    bytes.extend_from_slice(&2u32.to_le_bytes());
    bytes.extend_from_slice(&3u32.to_le_bytes());
    bytes.push(3);
    bytes.extend_from_slice(&samples);
    (bytes, samples)
}

#[test]
fn registers_with_its_claims() {
    // Naming the crate links it, and with it its `inventory` registration.
    let open_read: fn(&mut ReadRequest) -> Result<Box<dyn Reader>> = imageio___IDENT__::open_read;
    let info = plugin_by_name("__NAME__").expect("the plugin registers");
    assert_eq!(info.crate_name, "imageio-__NAME__");
    let read = info.read.as_ref().expect("it reads");
    assert!(std::ptr::fn_addr_eq(read.open, open_read));
    assert_eq!(info.read_extensions(), [".__NAME__"]);
    assert_eq!(read.formats[0].format.name, "__UPPER__");
    assert_eq!(read.formats[0].rank, Rank::DEDICATED);
__WRITE_CLAIMS__}

#[test]
fn reads_a_sample_through_the_verbs() {
    let (bytes, samples) = sample();
    // Routed by the magic bytes, whatever the name says...
    let img = imdecode(&bytes).unwrap();
    assert_eq!((img.shape(), img.dtype()), (&[2, 3, 3][..], DType::U8));
    assert_eq!(img.as_bytes(), Some(&samples[..]));
    // ... and by the extension.
    let hinted = imdecode_with(&bytes, &ReadOptions::new().extension(".__NAME__")).unwrap();
    assert_eq!(hinted, img);
    assert_eq!(improps(bytes).unwrap().shape, [2, 3, 3]);
}
__WRITE_TEST__
#[test]
fn refuses_other_content_and_broken_files() {
    let not_mine = imdecode_with(b"not an image", &ReadOptions::new().extension(".__NAME__"));
    let e = not_mine.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoPlugin, "{e}");
    let (bytes, _) = sample();
    let e = imdecode(&bytes[..bytes.len() - 1]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
}
"##;

const TEST_IMPORTS_RW: &str = r##"use imageio_core::plugin::{plugin_by_name, Rank, ReadRequest, Reader, WriteRequest, Writer};
use imageio_core::{
    imdecode, imdecode_with, imencode, improps, DType, ErrorKind, NdImage, ReadOptions, Result,
};
"##;

const TEST_IMPORTS_RO: &str = r##"use imageio_core::plugin::{plugin_by_name, Rank, ReadRequest, Reader};
use imageio_core::{imdecode, imdecode_with, improps, DType, ErrorKind, ReadOptions, Result};
"##;

const TEST_WRITE_CLAIMS: &str = r##"    let open_write: fn(&mut WriteRequest) -> Result<Box<dyn Writer>> = imageio___IDENT__::open_write;
    let write = info.write.as_ref().expect("it writes");
    assert!(std::ptr::fn_addr_eq(write.open, open_write));
    assert_eq!(info.write_extensions(), [".__NAME__"]);
    assert_eq!(write.formats[0].rank, Rank::DEDICATED);
"##;

const TEST_WRITE: &str = r##"
#[test]
fn writes_what_it_reads() {
    let (bytes, samples) = sample();
    let img = NdImage::from_shape_vec(&[2, 3, 3], samples).unwrap();
    assert_eq!(imencode(&img, ".__NAME__").unwrap(), bytes);
    let gray = NdImage::from_shape_vec(&[2, 2], vec![1u8, 2, 3, 4]).unwrap();
    assert_eq!(imdecode(&imencode(&gray, ".__NAME__").unwrap()).unwrap(), gray);
    let wide = NdImage::from_shape_vec(&[1, 1], vec![1u16]).unwrap();
    let e = imencode(&wide, ".__NAME__").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
}
"##;

/// The generated `tests/registers.rs`.
fn test_rs(name: &str, writes: bool) -> String {
    let mut tokens = tokens(name, None);
    let pick = |rw: &str, ro: &str| if writes { rw.to_owned() } else { ro.to_owned() };
    tokens.splice(
        0..0,
        [
            ("__IMPORTS__", pick(TEST_IMPORTS_RW, TEST_IMPORTS_RO)),
            (
                "__WRITE_CLAIMS__",
                pick(TEST_WRITE_CLAIMS, "    assert!(info.write.is_none());\n"),
            ),
            ("__WRITE_TEST__", pick(TEST_WRITE, "")),
            ("__VERBS__", pick("reads and writes", "reads")),
        ],
    );
    fill(TEST_HEAD, &tokens)
}

#[cfg(test)]
mod tests;
