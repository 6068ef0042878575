//! `imageio plugins`: every linked plugin, its formats and its options.

use imageio::{OptionSpec, PluginInfo};
use serde_json::{json, Value as Json};

use crate::cli::PluginsArgs;
use crate::Outcome;

fn options_json(specs: &[OptionSpec]) -> Json {
    specs
        .iter()
        .map(|s| json!({"name": s.name, "type": s.kind.name(), "default": s.default, "doc": s.doc}))
        .collect()
}

fn plugin_json(p: &PluginInfo) -> Json {
    json!({
        "name": p.name,
        "crate": p.crate_name,
        "summary": p.summary,
        "read_extensions": p.read_extensions,
        "write_extensions": p.write_extensions,
        "read": p.can_read(),
        "write": p.can_write(),
        "read_options": options_json(p.read_options),
        "write_options": options_json(p.write_options),
    })
}

fn options_text(out: &mut String, title: &str, specs: &[OptionSpec]) {
    if specs.is_empty() {
        return;
    }
    out.push_str(&format!("  {title}:\n"));
    for s in specs {
        let default = if s.default.is_empty() {
            String::new()
        } else {
            format!(", default {}", s.default)
        };
        out.push_str(&format!(
            "    {} ({}{default}): {}\n",
            s.name,
            s.kind.name(),
            s.doc
        ));
    }
}

/// Runs `imageio plugins`.
pub(crate) fn run(a: PluginsArgs) -> Outcome {
    let all = imageio::plugins()?;
    if a.json {
        let doc = Json::Array(all.iter().map(|p| plugin_json(p)).collect());
        let text = serde_json::to_string_pretty(&doc).map_err(|e| crate::Failed(e.to_string()))?;
        return crate::print(&format!("{text}\n"));
    }
    let mut out = String::new();
    for p in all {
        out.push_str(&format!("{} ({}): {}\n", p.name, p.crate_name, p.summary));
        let list = |e: &[&str]| {
            if e.is_empty() {
                "-".to_owned()
            } else {
                e.join(" ")
            }
        };
        out.push_str(&format!(
            "  reads:  {}\n",
            if p.can_read() {
                list(p.read_extensions)
            } else {
                "-".into()
            }
        ));
        out.push_str(&format!("  writes: {}\n", list(p.write_extensions)));
        options_text(&mut out, "read options", p.read_options);
        options_text(&mut out, "write options", p.write_options);
    }
    if all.is_empty() {
        out.push_str("no plugin is linked\n");
    }
    crate::print(&out)
}
