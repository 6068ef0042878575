//! `imageio info`: the plugin that serves a file, its properties and metadata.

use imageio::{ImageFile, ReadOptions};
use serde_json::json;

use crate::cli::InfoArgs;
use crate::json::{metadata, properties, shape_text};
use crate::Outcome;

/// Runs `imageio info`.
pub(crate) fn run(a: InfoArgs) -> Outcome {
    let mut opts = ReadOptions::new().index(a.which.index());
    if let Some(p) = &a.plugin {
        opts = opts.plugin(p);
    }
    for (k, v) in &a.read_options {
        opts = opts.option(k, v.clone());
    }
    let index = a.which.index();
    let mut f = ImageFile::open_read(a.input.as_str(), &opts)?;
    let props = f.properties(index)?;
    let meta = f.metadata(index)?;
    let plugin = f.plugin_name().to_owned();
    if a.json {
        let doc = json!({
            "uri": a.input,
            "plugin": plugin,
            "properties": properties(&props),
            "metadata": metadata(&meta),
        });
        let text = serde_json::to_string_pretty(&doc).map_err(|e| crate::Failed(e.to_string()))?;
        return crate::print(&format!("{text}\n"));
    }
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<10} {v}\n"));
    line("uri:", a.input.clone());
    line("plugin:", plugin);
    line("shape:", shape_text(&props.shape));
    line("dtype:", props.dtype.name().to_owned());
    line(
        "n_images:",
        props.n_images.map_or("unknown".into(), |n| n.to_string()),
    );
    line("is_batch:", props.is_batch.to_string());
    line(
        "spacing:",
        props
            .spacing
            .as_ref()
            .map_or("-".into(), |s| format!("{s:?}")),
    );
    if meta.is_empty() {
        out.push_str("metadata:  (none)\n");
    } else {
        out.push_str("metadata:\n");
        for (k, v) in meta.iter() {
            let mut text = v.to_string();
            if text.chars().count() > 200 {
                text = text.chars().take(200).collect::<String>() + "...";
            }
            out.push_str(&format!("  {k}: {text}\n"));
        }
    }
    crate::print(&out)
}
