//! The plugin registry (every linked [`PluginInfo`], sorted, names unique),
//! the core's priority table of first-party plugins per extension, and plugin
//! selection as DESIGN.md describes it.

use std::sync::OnceLock;

use crate::plugin::{Plugin, PluginInfo};
use crate::{Error, ErrorKind, IoMode, Request, Result};

/// A first-party plugin: its name, its crate and the facade feature that links it.
#[derive(Clone, Copy, Debug)]
pub struct FirstParty {
    /// The plugin name.
    pub plugin: &'static str,
    /// The crate that provides it.
    pub crate_name: &'static str,
    /// The `imageio` facade feature that links it.
    pub feature: &'static str,
}

const fn fp(plugin: &'static str, crate_name: &'static str, feature: &'static str) -> FirstParty {
    FirstParty {
        plugin,
        crate_name,
        feature,
    }
}

const PILLOWLIKE: FirstParty = fp("pillowlike", "imageio-pillowlike", "pillowlike");
const PNG: FirstParty = fp("png", "imageio-png", "png");
const GIF: FirstParty = fp("gif", "imageio-gif", "gif");
const JPEG: FirstParty = fp("jpeg", "imageio-jpeg", "jpeg");
const TIFF: FirstParty = fp("tiff", "imageio-tiff", "tiff");
const FFMPEG: FirstParty = fp("ffmpeg", "imageio-ffmpeg", "ffmpeg");
const PDF: FirstParty = fp("pdf", "imageio-pdf", "pdf");
const NPY: FirstParty = fp("npy", "imageio-npy", "npy");

/// The priority table: for each extension, the first-party plugins that
/// serve it, best first. Plugins not in the table come after these, by name.
pub const PRIORITY: &[(&str, &[FirstParty])] = &[
    (".png", &[PNG, PILLOWLIKE]),
    (".apng", &[PNG, PILLOWLIKE]),
    (".gif", &[GIF, PILLOWLIKE, FFMPEG]),
    (".jpg", &[JPEG, PILLOWLIKE]),
    (".jpeg", &[JPEG, PILLOWLIKE]),
    (".jpe", &[JPEG, PILLOWLIKE]),
    (".jfif", &[JPEG, PILLOWLIKE]),
    (".tif", &[TIFF, PILLOWLIKE]),
    (".tiff", &[TIFF, PILLOWLIKE]),
    (".webp", &[PILLOWLIKE]),
    (".bmp", &[PILLOWLIKE]),
    (".dib", &[PILLOWLIKE]),
    (".ico", &[PILLOWLIKE]),
    (".cur", &[PILLOWLIKE]),
    (".tga", &[PILLOWLIKE]),
    (".pbm", &[PILLOWLIKE]),
    (".pgm", &[PILLOWLIKE]),
    (".ppm", &[PILLOWLIKE]),
    (".pnm", &[PILLOWLIKE]),
    (".pam", &[PILLOWLIKE]),
    (".pfm", &[PILLOWLIKE]),
    (".qoi", &[PILLOWLIKE]),
    (".hdr", &[PILLOWLIKE]),
    (".exr", &[PILLOWLIKE]),
    (".ff", &[PILLOWLIKE]),
    (".farbfeld", &[PILLOWLIKE]),
    (".dds", &[PILLOWLIKE]),
    (".avif", &[PILLOWLIKE]),
    (".npy", &[NPY]),
    (".npz", &[NPY]),
    (".pdf", &[PDF]),
    (".mp4", &[FFMPEG]),
    (".m4v", &[FFMPEG]),
    (".mov", &[FFMPEG]),
    (".mkv", &[FFMPEG]),
    (".webm", &[FFMPEG]),
    (".avi", &[FFMPEG]),
    (".ts", &[FFMPEG]),
    (".mts", &[FFMPEG]),
    (".mpg", &[FFMPEG]),
    (".mpeg", &[FFMPEG]),
    (".wmv", &[FFMPEG]),
    (".flv", &[FFMPEG]),
    (".ogv", &[FFMPEG]),
    (".3gp", &[FFMPEG]),
];

/// The first-party plugins for `extension` (`".png"`), best first.
pub fn first_party_for(extension: &str) -> &'static [FirstParty] {
    PRIORITY
        .iter()
        .find(|(e, _)| *e == extension)
        .map(|(_, l)| *l)
        .unwrap_or(&[])
}

fn first_party_named(name: &str) -> Option<FirstParty> {
    PRIORITY
        .iter()
        .flat_map(|(_, l)| l.iter())
        .find(|f| f.plugin == name)
        .copied()
}

static REGISTRY: OnceLock<std::result::Result<Vec<&'static PluginInfo>, String>> = OnceLock::new();

fn registry() -> Result<&'static [&'static PluginInfo]> {
    let r = REGISTRY.get_or_init(|| {
        let mut v: Vec<&'static PluginInfo> = inventory::iter::<PluginInfo>.into_iter().collect();
        v.sort_by(|a, b| a.name.cmp(b.name).then(a.crate_name.cmp(b.crate_name)));
        for w in v.windows(2) {
            if w[0].name == w[1].name {
                return Err(format!(
                    "two linked plugins are named {:?} (crates {} and {}); plugin names must be \
                     unique: unlink one of them",
                    w[0].name, w[0].crate_name, w[1].crate_name
                ));
            }
        }
        Ok(v)
    });
    r.as_deref().map_err(|m| Error::internal(m.clone()))
}

/// Every linked plugin, sorted by name.
///
/// Plugins register with `inventory`; a plugin crate registers only when the
/// program names it in code. Depend on the `imageio` facade (which names
/// every plugin its features enable), not on `imageio-core` alone.
pub fn plugins() -> Result<&'static [&'static PluginInfo]> {
    registry()
}

/// The linked plugin called `name`; an error lists the linked ones, and says
/// which crate to add when `name` is a first-party plugin that is not linked.
pub fn plugin_by_name(name: &str) -> Result<&'static PluginInfo> {
    let all = registry()?;
    if let Some(p) = all.iter().find(|p| p.name == name) {
        return Ok(p);
    }
    let linked = linked_names(all);
    if let Some(f) = first_party_named(name) {
        return Err(Error::new(
            ErrorKind::PluginNotLinked,
            format!(
                "the {name:?} plugin is not linked into this program: enable the `{}` feature \
                 of the `imageio` crate (or depend on `{}` and name it in code); linked plugins: {linked}",
                f.feature, f.crate_name
            ),
        ));
    }
    Err(Error::new(
        ErrorKind::NoPlugin,
        format!("there is no plugin named {name:?}; linked plugins: {linked}"),
    ))
}

fn linked_names(all: &[&PluginInfo]) -> String {
    if all.is_empty() {
        "none (depend on the `imageio` facade crate, which links the plugins)".into()
    } else {
        all.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
    }
}

fn fallback_rank(name: &str) -> usize {
    PRIORITY
        .iter()
        .filter_map(|(_, l)| l.iter().position(|f| f.plugin == name))
        .max()
        .unwrap_or(usize::MAX)
}

/// Checks the request's options against a plugin's specs. `Ok(Some(e))`: the
/// plugin does not know some key (another plugin may); `Err`: every key is
/// the plugin's but a value is wrong, which is final.
fn option_check(info: &PluginInfo, request: &Request) -> Result<Option<Error>> {
    let (specs, what) = match request.mode() {
        IoMode::Read => (info.read_options, "read"),
        IoMode::Write => (info.write_options, "write"),
    };
    let unknown = request
        .options()
        .keys()
        .any(|k| !specs.iter().any(|s| s.name == k));
    match crate::value::validate_options(request.options(), specs, what) {
        Ok(()) => Ok(None),
        Err(e) if unknown => Ok(Some(e.with_plugin(info.name))),
        Err(e) => Err(e.with_plugin(info.name)),
    }
}

/// The candidate order for a request: plugins listing its extension (by the
/// priority table, then by name), then plugins whose signature matches the
/// first bytes, then (reading only) every other plugin that reads. A capture
/// device (`<video0>`) has one candidate: the "ffmpeg" plugin, when linked.
pub fn candidates(request: &Request) -> Result<Vec<&'static PluginInfo>> {
    let all = registry()?;
    if request.device().is_some() {
        return Ok(all
            .iter()
            .copied()
            .filter(|p| p.name == FFMPEG.plugin && p.can_read())
            .collect());
    }
    let mode = request.mode();
    let serves = |p: &PluginInfo| match mode {
        IoMode::Read => p.can_read(),
        IoMode::Write => p.can_write(),
    };
    let mut out: Vec<&'static PluginInfo> = Vec::new();
    if let Some(ext) = request.extension() {
        let table = first_party_for(ext);
        let mut by_ext: Vec<&'static PluginInfo> = all
            .iter()
            .copied()
            .filter(|p| serves(p))
            .filter(|p| {
                let exts = match mode {
                    IoMode::Read => p.read_extensions,
                    IoMode::Write => p.write_extensions,
                };
                exts.contains(&ext)
            })
            .collect();
        by_ext.sort_by_key(|p| {
            table
                .iter()
                .position(|f| f.plugin == p.name)
                .unwrap_or(usize::MAX)
        });
        out.extend(by_ext);
    }
    if mode == IoMode::Read {
        let first = request.first_bytes();
        let mut sniffed: Vec<&'static PluginInfo> = all
            .iter()
            .copied()
            .filter(|p| !out.iter().any(|q| q.name == p.name) && p.sniff(first))
            .collect();
        // Dedicated plugins before general-purpose ones: rank by the worst
        // place a plugin has in the priority table (a fallback somewhere
        // ranks after a plugin that is always first), unknown plugins last.
        sniffed.sort_by_key(|p| fallback_rank(p.name));
        out.extend(sniffed);
        for p in all.iter().copied() {
            if !out.iter().any(|q| q.name == p.name) && serves(p) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Opens `request` with the named plugin, or selects one: each candidate is
/// opened in turn; "not mine" moves on, any other error is kept. Nothing fits:
/// the error lists what was tried and why, and names the crate or feature to
/// add when a first-party plugin for the extension is not linked.
pub fn select(
    request: &mut Request,
    plugin: Option<&str>,
) -> Result<(&'static PluginInfo, Box<dyn Plugin>)> {
    // Options are checked against a plugin's specs before it is opened, so
    // `open` only ever sees options it declared.
    if let Some(name) = plugin {
        let info = plugin_by_name(name)?;
        let serves = match request.mode() {
            IoMode::Read => info.can_read(),
            IoMode::Write => info.can_write(),
        };
        if !serves {
            return Err(Error::unsupported(format!(
                "the {name:?} plugin does not {}",
                if request.mode() == IoMode::Read {
                    "read"
                } else {
                    "write"
                }
            )));
        }
        if let Some(e) = option_check(info, request)? {
            return Err(e);
        }
        let opened = guard(info, || (info.open)(request));
        return match opened {
            Ok(p) => Ok((info, p)),
            Err(e) if e.kind() == ErrorKind::Declined => Err(Error::new(
                ErrorKind::Declined,
                format!(
                    "the {name:?} plugin cannot serve this resource: {}",
                    e.message()
                ),
            )
            .with_plugin(name)),
            Err(e) => Err(e.with_plugin(name)),
        };
    }

    let cands = candidates(request)?;
    let mut declined: Vec<String> = Vec::new();
    let mut kept: Option<Error> = None;
    for info in cands {
        if let Some(e) = option_check(info, request)? {
            declined.push(format!("{} ({})", info.name, e.message()));
            if kept.is_none() {
                kept = Some(e);
            }
            continue;
        }
        match guard(info, || (info.open)(request)) {
            Ok(p) => return Ok((info, p)),
            Err(e) if e.kind() == ErrorKind::Declined => {
                declined.push(format!("{} ({})", info.name, e.message()));
            }
            // A value the plugin refuses for a key it owns is final: another
            // plugin would only ignore or misread it.
            Err(e) if e.kind() == ErrorKind::InvalidOption => return Err(e.with_plugin(info.name)),
            Err(e) => {
                declined.push(format!("{} ({})", info.name, e.message()));
                if kept.is_none() {
                    kept = Some(e.with_plugin(info.name));
                }
            }
        }
    }
    if let Some(e) = kept {
        return Err(e);
    }
    if let (Some(device), true) = (request.device(), declined.is_empty()) {
        return Err(Error::new(
            ErrorKind::PluginNotLinked,
            format!(
                "{device} is a capture device, read by the {:?} plugin with its `device` \
                 feature, which is not linked into this program; enable the `{}-device` feature \
                 of the `imageio` crate (the `device` feature of `{}`, libavdevice)",
                FFMPEG.plugin, FFMPEG.feature, FFMPEG.crate_name
            ),
        ));
    }
    let ext = request.extension().map(str::to_owned);
    let verb = if request.mode() == IoMode::Read {
        "read"
    } else {
        "write"
    };
    if let Some(ext) = &ext {
        let all = registry()?;
        let table = first_party_for(ext);
        let linked_any = table.iter().any(|f| all.iter().any(|p| p.name == f.plugin));
        if let (false, Some(best)) = (linked_any, table.first()) {
            return Err(Error::new(
                ErrorKind::PluginNotLinked,
                format!(
                    "no linked plugin can {verb} {ext} files: the {:?} plugin does, but it is not \
                     linked into this program; enable the `{}` feature of the `imageio` crate \
                     (or depend on `{}` and name it in code)",
                    best.plugin, best.feature, best.crate_name
                ),
            ));
        }
    }
    let tried = if declined.is_empty() {
        format!("no plugin is linked that can {verb} this")
    } else {
        format!("tried {}", declined.join("; "))
    };
    let what = match (&ext, request.mode()) {
        (Some(e), _) => format!("no plugin can {verb} this as {e}"),
        (None, IoMode::Read) => {
            let head: Vec<String> = request
                .first_bytes()
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect();
            format!(
                "no plugin recognised the content (first bytes: {})",
                head.join(" ")
            )
        }
        (None, IoMode::Write) => {
            "the format is unknown: give the file an extension or pass one".into()
        }
    };
    Err(Error::new(ErrorKind::NoPlugin, format!("{what}; {tried}")))
}

/// Runs plugin code, turning a panic into a [`Decode`](ErrorKind::Decode)
/// error that says the backend failed and names the plugin. Builds with `panic = "abort"` cannot be
/// protected this way.
pub(crate) fn guard<T>(info: &PluginInfo, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error::decode(format!(
                "the backend of the {:?} plugin ({}) panicked: {msg}; this is a bug, please \
                 report it with the file",
                info.name, info.crate_name
            ))
            .with_plugin(info.name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_offered_to_ffmpeg_only() {
        // The core's own tests link no "ffmpeg" plugin.
        assert!(plugin_by_name("ffmpeg").is_err());
        let mut r = Request::for_read(crate::Uri::from("<video0>"), None, crate::Limits::default())
            .unwrap();
        assert!(candidates(&r).unwrap().is_empty());
        let e = select(&mut r, None).err().expect("no plugin for a device");
        assert_eq!(e.kind(), ErrorKind::PluginNotLinked, "{e}");
        let msg = e.to_string();
        for part in [
            "<video0>",
            "capture device",
            "`ffmpeg-device`",
            "`device`",
            "imageio-ffmpeg",
        ] {
            assert!(msg.contains(part), "{part:?} in {msg}");
        }
        // Through the verbs, with the resource named.
        let e = crate::imread("<video0>").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PluginNotLinked, "{e}");
        assert!(e.to_string().contains("<video0>"), "{e}");
        let e = crate::imwrite(
            "<video0>",
            &crate::NdImage::zeros(&[2, 2], crate::DType::U8),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    }
}
