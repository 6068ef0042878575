//! `imageio info`: the plugin that serves a file, its properties and
//! metadata. One file: its details (`--json`: one JSON line). Several files,
//! a directory or a glob: a table with one row per file, or one JSON line per
//! file. `--all`: the stack's properties and every image's own properties
//! and metadata (`frames`).

use imageio::{Error, ImageFile, ImageProperties, Index, Metadata, ReadOptions};
use serde_json::{json, Value as Json};

use crate::cli::InfoArgs;
use crate::inputs::{expand, is_url};
use crate::json::{metadata, properties, shape_text};
use crate::{hint, options, Failed, Outcome};

/// What `info` shows of one file.
struct Entry {
    uri: String,
    plugin: String,
    props: ImageProperties,
    meta: Metadata,
    /// With `--all`: each image's index, properties and metadata.
    frames: Vec<(usize, ImageProperties, Metadata)>,
}

fn describe(uri: &str, opts: &ReadOptions, index: Index) -> Result<Entry, Error> {
    let mut f = ImageFile::open_read(uri, opts)?;
    let props = f.properties(index)?;
    let meta = f.metadata(index)?;
    let mut frames = Vec::new();
    if index == Index::All {
        let n = props.n_images.unwrap_or(usize::MAX);
        let mut i = 0;
        while i < n {
            match f.properties(Index::At(i)) {
                Ok(p) => frames.push((i, p, f.metadata(Index::At(i))?)),
                Err(e) if e.kind() == imageio::ErrorKind::IndexOutOfRange => break,
                Err(e) => return Err(e),
            }
            i += 1;
        }
    }
    Ok(Entry {
        uri: uri.to_owned(),
        plugin: f.plugin_name().to_owned(),
        props,
        meta,
        frames,
    })
}

fn entry_json(e: &Entry) -> Json {
    let mut doc = json!({
        "uri": e.uri,
        "plugin": e.plugin,
        "properties": properties(&e.props),
        "metadata": metadata(&e.meta),
    });
    if !e.frames.is_empty() {
        doc["frames"] = e
            .frames
            .iter()
            .map(|(i, p, m)| json!({"index": i, "properties": properties(p), "metadata": metadata(m)}))
            .collect();
    }
    doc
}

fn metadata_text(out: &mut String, meta: &Metadata, indent: &str) {
    for (k, v) in meta.iter() {
        let mut text = v.to_string();
        if text.chars().count() > 200 {
            text = text.chars().take(200).collect::<String>() + "...";
        }
        out.push_str(&format!("{indent}{k}: {text}\n"));
    }
}

fn entry_text(e: &Entry) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<10} {v}\n"));
    line("uri:", e.uri.clone());
    line("plugin:", e.plugin.clone());
    line("shape:", shape_text(&e.props.shape));
    line("dtype:", e.props.dtype.name().to_owned());
    line(
        "n_images:",
        e.props.n_images.map_or("unknown".into(), |n| n.to_string()),
    );
    line("is_batch:", e.props.is_batch.to_string());
    line(
        "spacing:",
        e.props
            .spacing
            .as_ref()
            .map_or("-".into(), |s| format!("{s:?}")),
    );
    if e.meta.is_empty() {
        out.push_str("metadata:  (none)\n");
    } else {
        out.push_str("metadata:\n");
        metadata_text(&mut out, &e.meta, "  ");
    }
    for (i, p, m) in &e.frames {
        out.push_str(&format!(
            "image {i}:   {} {}\n",
            shape_text(&p.shape),
            p.dtype.name()
        ));
        metadata_text(&mut out, m, "  ");
    }
    out
}

/// Columns of the table of many files.
fn table(rows: &[[String; 5]]) -> String {
    let head = ["FILE", "PLUGIN", "SHAPE", "DTYPE", "IMAGES"].map(String::from);
    let mut width = [0usize; 5];
    for r in std::iter::once(&head).chain(rows) {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in std::iter::once(&head).chain(rows) {
        let cells: Vec<String> = r
            .iter()
            .zip(width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Runs `imageio info`.
pub(crate) fn run(a: InfoArgs) -> Outcome {
    let index = options::index(a.which);
    let mut opts = ReadOptions::new().index(index);
    if let Some(p) = &a.plugin {
        opts = opts.plugin(p);
    }
    for (k, v) in options::typed_all(&a.read_options) {
        opts = opts.option(&k, v);
    }
    opts = opts.limits(options::limits(a.limits));
    let plain = |p: &String| {
        p.starts_with("imageio:")
            || is_url(p)
            || !(std::path::Path::new(p).is_dir() || p.contains(['*', '?', '[']))
    };
    if a.inputs.len() == 1 && plain(&a.inputs[0]) {
        let e = describe(&a.inputs[0], &opts, index)?;
        return crate::print(&if a.json {
            format!("{}\n", entry_json(&e))
        } else {
            entry_text(&e)
        });
    }
    let inputs = expand(&a.inputs, a.recursive)?;
    let mut rows = Vec::new();
    let mut failed = 0;
    let mut blocks = Vec::new();
    for input in &inputs {
        match describe(&input.path, &opts, index) {
            Ok(e) if a.json => crate::print(&format!("{}\n", entry_json(&e)))?,
            Ok(e) if a.which.all => blocks.push(entry_text(&e)),
            Ok(e) => rows.push([
                e.uri,
                e.plugin,
                shape_text(&e.props.shape),
                e.props.dtype.name().to_owned(),
                e.props.n_images.map_or("?".into(), |n| n.to_string()),
            ]),
            Err(err) => {
                failed += 1;
                let message = hint::render(&err);
                if a.json {
                    let line = json!({
                        "uri": input.path,
                        "error": {"kind": err.kind().to_string(), "message": message},
                    });
                    crate::print(&format!("{line}\n"))?;
                } else if message.starts_with(input.path.as_str()) {
                    eprintln!("error: {message}");
                } else {
                    eprintln!("error: {}: {message}", input.path);
                }
            }
        }
    }
    if !a.json {
        if a.which.all {
            crate::print(&blocks.join("\n"))?;
        } else {
            crate::print(&table(&rows))?;
        }
    }
    if failed > 0 {
        return Err(Failed(format!(
            "{failed} of {} files could not be read (listed above)",
            inputs.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let rows = [[
            "a/long-name.png".to_owned(),
            "png".to_owned(),
            "(2, 3)".to_owned(),
            "uint8".to_owned(),
            "1".to_owned(),
        ]];
        assert_eq!(
            table(&rows),
            "FILE             PLUGIN  SHAPE   DTYPE  IMAGES\n\
             a/long-name.png  png     (2, 3)  uint8  1\n"
        );
    }

    #[test]
    fn every_frame_is_described() {
        let e = describe("imageio:animation", &ReadOptions::new(), Index::All).unwrap();
        assert_eq!(e.frames.len(), 8);
        assert_eq!(e.frames[3].0, 3);
        assert_eq!(e.frames[3].1.shape, [64, 64, 3]);
        let j = entry_json(&e);
        assert_eq!(j["frames"][7]["index"], 7);
        assert_eq!(j["frames"][7]["metadata"]["duration"], 100);
        let one = describe("imageio:animation", &ReadOptions::new(), Index::At(0)).unwrap();
        assert!(one.frames.is_empty() && entry_json(&one).get("frames").is_none());
    }
}
