//! `imageio plugins`: every linked plugin, its formats and its options, and
//! the effective routing: for each extension and URI scheme, the plugins in
//! the order a read or a write tries them; then the first-party plugins
//! this build does not link, with the feature that adds each.

use imageio::plugin::{
    routes, unlinked_plugins, Claim, KnownPlugin, OptionSpec, PluginInfo, Route,
};
use imageio::IoMode;
use serde_json::{json, Value as Json};

use crate::cli::PluginsArgs;
use crate::Outcome;

fn options_json(specs: &[OptionSpec]) -> Json {
    specs
        .iter()
        .map(|s| json!({"name": s.name, "type": s.kind.name(), "default": s.default, "doc": s.doc}))
        .collect()
}

fn claims_json(claims: &[Claim]) -> Json {
    claims
        .iter()
        .map(|c| {
            json!({
                "format": c.format.name,
                "extensions": c.format.extensions,
                "schemes": c.format.schemes,
                "signatures": c.format.signatures.len(),
                "rank": c.rank.0,
            })
        })
        .collect()
}

fn plugin_json(p: &PluginInfo) -> Json {
    json!({
        "name": p.name,
        "crate": p.crate_name,
        "summary": p.summary,
        "read_extensions": p.read_extensions(),
        "write_extensions": p.write_extensions(),
        "read": p.can_read(),
        "write": p.can_write(),
        "read_formats": claims_json(p.read_formats()),
        "write_formats": claims_json(p.write_formats()),
        "read_options": options_json(p.read_options()),
        "write_options": options_json(p.write_options()),
    })
}

fn routes_json(routes: &[Route]) -> Json {
    routes
        .iter()
        .map(|r| {
            let order: Vec<Json> = r
                .plugins
                .iter()
                .map(|(p, rank)| json!({"plugin": p.name, "rank": rank.0}))
                .collect();
            (r.key.to_string(), Json::Array(order))
        })
        .collect::<serde_json::Map<String, Json>>()
        .into()
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

/// The extensions and schemes of `claims`, `-` when there are none.
fn claimed(claims: &[Claim]) -> String {
    let mut keys: Vec<String> = Vec::new();
    for c in claims {
        let f = c.format;
        for k in f
            .extensions
            .iter()
            .map(|e| e.to_string())
            .chain(f.schemes.iter().map(|s| format!("{s}:")))
        {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    if keys.is_empty() {
        "-".into()
    } else {
        keys.join(" ")
    }
}

fn plugin_text(out: &mut String, p: &PluginInfo) {
    out.push_str(&format!("{} ({}): {}\n", p.name, p.crate_name, p.summary));
    out.push_str(&format!("  reads:  {}\n", claimed(p.read_formats())));
    out.push_str(&format!("  writes: {}\n", claimed(p.write_formats())));
    options_text(out, "read options", p.read_options());
    options_text(out, "write options", p.write_options());
}

fn routes_text(out: &mut String, title: &str, routes: &[Route]) {
    out.push_str(&format!(
        "{title} (tried in this order; rank in brackets):\n"
    ));
    for r in routes {
        let order: Vec<String> = r
            .plugins
            .iter()
            .map(|(p, rank)| format!("{} [{}]", p.name, rank.0))
            .collect();
        out.push_str(&format!(
            "  {:<10} {}\n",
            r.key.to_string(),
            order.join(", ")
        ));
    }
}

fn unlinked_json(k: &KnownPlugin) -> Json {
    json!({
        "name": k.plugin,
        "crate": k.crate_name,
        "feature": k.feature,
        "read_extensions": k.reads,
        "write_extensions": k.writes,
        "schemes": k.schemes,
    })
}

fn unlinked_text(out: &mut String, unlinked: &[&KnownPlugin]) {
    if unlinked.is_empty() {
        return;
    }
    out.push_str(
        "\nNot in this build (rebuild with `cargo install imageio-cli --features NAME`):\n",
    );
    for k in unlinked {
        let join = |v: &[&str]| {
            if v.is_empty() {
                "-".to_owned()
            } else {
                v.join(" ")
            }
        };
        let mut reads: Vec<String> = k.reads.iter().map(|e| e.to_string()).collect();
        reads.extend(k.schemes.iter().map(|s| format!("{s}:")));
        out.push_str(&format!(
            "  {} (feature `{}`, crate {}): reads {}; writes {}\n",
            k.plugin,
            k.feature,
            k.crate_name,
            if reads.is_empty() {
                "-".to_owned()
            } else {
                reads.join(" ")
            },
            join(k.writes)
        ));
    }
}

/// Runs `imageio plugins`.
pub(crate) fn run(a: PluginsArgs) -> Outcome {
    let all = imageio::plugin::plugins()?;
    let (reads, writes) = (routes(IoMode::Read)?, routes(IoMode::Write)?);
    let unlinked = unlinked_plugins()?;
    if a.json {
        let doc = json!({
            "plugins": all.iter().map(|p| plugin_json(p)).collect::<Vec<_>>(),
            "routes": {"read": routes_json(&reads), "write": routes_json(&writes)},
            "not_linked": unlinked.iter().map(|k| unlinked_json(k)).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&doc).map_err(|e| crate::Failed(e.to_string()))?;
        return crate::print(&format!("{text}\n"));
    }
    let mut out = String::new();
    for p in all {
        plugin_text(&mut out, p);
    }
    if all.is_empty() {
        out.push_str("no plugin is linked\n");
    } else {
        out.push('\n');
        routes_text(&mut out, "Reading", &reads);
        out.push('\n');
        routes_text(&mut out, "Writing", &writes);
    }
    unlinked_text(&mut out, &unlinked);
    crate::print(&out)
}
