//! The plugin registry (every linked [`PluginInfo`], sorted, names unique)
//! and plugin selection: which plugins a request is routed to, in which
//! order, decided from the plugins' own [`Claim`]s before any opener runs.
//! The core names no plugin; hints for plugins that are not linked come from
//! the [`KnownPlugin`]s the facade registers.

use std::sync::OnceLock;

use crate::plugin::{Claim, KnownPlugin, PluginInfo, Rank, Reader, Writer};
use crate::request::{ReadRequest, WriteRequest};
use crate::value::OptionSpec;
use crate::{Error, ErrorKind, IoMode, Options, Result};

type Registry = std::result::Result<Vec<&'static PluginInfo>, String>;
static REGISTRY: OnceLock<Registry> = OnceLock::new();

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

fn known() -> impl Iterator<Item = &'static KnownPlugin> {
    inventory::iter::<KnownPlugin>.into_iter()
}

/// Every linked plugin, sorted by name.
///
/// Plugins register with `inventory`; a plugin crate registers only when the
/// program names it in code. Depend on the `imageio-rs` facade (which names
/// every plugin its features enable), not on `imageio-core` alone.
pub fn plugins() -> Result<&'static [&'static PluginInfo]> {
    registry()
}

/// The first-party plugins the facade knows of that are not linked into this
/// program, sorted by name: what `imageio plugins` lists as available
/// through a feature.
pub fn unlinked_plugins() -> Result<Vec<&'static KnownPlugin>> {
    let all = registry()?;
    let mut v: Vec<&'static KnownPlugin> = known()
        .filter(|k| !all.iter().any(|p| p.name == k.plugin))
        .collect();
    v.sort_by_key(|k| k.plugin);
    v.dedup_by_key(|k| k.plugin);
    Ok(v)
}

/// The linked plugin called `name`; an error lists the linked ones, and says
/// which crate or feature to add when a known plugin of that name is not
/// linked.
pub fn plugin_by_name(name: &str) -> Result<&'static PluginInfo> {
    let all = registry()?;
    if let Some(p) = all.iter().find(|p| p.name == name) {
        return Ok(p);
    }
    let linked = linked_names(all);
    if let Some(k) = known().find(|k| k.plugin == name) {
        return Err(Error::new(
            ErrorKind::PluginNotLinked,
            format!(
                "the {name:?} plugin is not linked into this program: {}; linked plugins: {linked}",
                how_to_link(k)
            ),
        ));
    }
    Err(Error::new(
        ErrorKind::NoPlugin,
        format!("there is no plugin named {name:?}; linked plugins: {linked}"),
    ))
}

fn how_to_link(k: &KnownPlugin) -> String {
    format!(
        "enable the `{}` feature of the `imageio-rs` crate (or depend on `{}` and name it in code)",
        k.feature, k.crate_name
    )
}

fn linked_names(all: &[&PluginInfo]) -> String {
    if all.is_empty() {
        "none (depend on the `imageio-rs` facade crate, which links the plugins)".into()
    } else {
        all.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
    }
}

/// What routes a resource: its extension, or its URI scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum RouteKey {
    /// An extension, lower case with the dot (`".png"`).
    Extension(&'static str),
    /// A URI scheme (`"imageio"`, `"device"`).
    Scheme(&'static str),
}

impl std::fmt::Display for RouteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteKey::Extension(e) => f.write_str(e),
            RouteKey::Scheme(s) => write!(f, "{s}:"),
        }
    }
}

/// The effective order for one extension or scheme in one direction: the
/// linked plugins that claim it, best first, with their rank.
#[derive(Clone, Debug)]
pub struct Route {
    /// The extension or scheme.
    pub key: RouteKey,
    /// The plugins, best first.
    pub plugins: Vec<(&'static PluginInfo, Rank)>,
}

fn claims(info: &PluginInfo, mode: IoMode) -> &'static [Claim] {
    match mode {
        IoMode::Read => info.read_formats(),
        IoMode::Write => info.write_formats(),
    }
}

fn keys_of(claim: &Claim) -> impl Iterator<Item = RouteKey> {
    let f = claim.format;
    f.extensions
        .iter()
        .map(|e| RouteKey::Extension(e))
        .chain(f.schemes.iter().map(|s| RouteKey::Scheme(s)))
}

/// Every extension and scheme the linked plugins claim in direction `mode`,
/// sorted, each with its plugins in the order selection tries them (highest
/// rank first, then by name).
pub fn routes(mode: IoMode) -> Result<Vec<Route>> {
    let mut map: std::collections::BTreeMap<RouteKey, Vec<(&'static PluginInfo, Rank)>> =
        Default::default();
    for p in registry()? {
        for c in claims(p, mode) {
            for key in keys_of(c) {
                let list = map.entry(key).or_default();
                match list.iter_mut().find(|(q, _)| q.name == p.name) {
                    Some((_, r)) => *r = (*r).max(c.rank),
                    None => list.push((p, c.rank)),
                }
            }
        }
    }
    Ok(map
        .into_iter()
        .map(|(key, mut plugins)| {
            plugins.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.name.cmp(b.0.name)));
            Route { key, plugins }
        })
        .collect())
}

/// Routing conflicts among the linked plugins: two plugins that claim one
/// extension or scheme at the same rank in the same direction (their order
/// would fall back to their names). Empty when routing is unambiguous.
/// Signatures are not compared: two formats whose magic numbers overlap
/// (ISO-BMFF `ftyp` boxes, say) are ordered by rank, then by name, when the
/// content alone routes them.
pub fn conflicts() -> Result<Vec<String>> {
    let mut out = Vec::new();
    for mode in [IoMode::Read, IoMode::Write] {
        for route in routes(mode)? {
            for w in route.plugins.windows(2) {
                if w[0].1 == w[1].1 {
                    out.push(format!(
                        "{} ({}): the {:?} and {:?} plugins both claim rank {}",
                        route.key,
                        if mode == IoMode::Read {
                            "read"
                        } else {
                            "write"
                        },
                        w[0].0.name,
                        w[1].0.name,
                        w[0].1 .0
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// The plugins a read request is routed to, in the order they are tried:
/// for a URI scheme, the plugins claiming it; otherwise the plugins claiming
/// the extension whose format the content may be (its signature matches, or
/// it has none), then, whatever the name says, the plugins whose formats'
/// signatures match the content. Within each tier, highest rank first.
pub fn read_candidates(request: &ReadRequest) -> Result<Vec<&'static PluginInfo>> {
    let all = registry()?;
    let mut tiers: Vec<Vec<(&'static PluginInfo, Rank)>> = Vec::new();
    if let Some(scheme) = request.scheme() {
        tiers.push(ranked(all, IoMode::Read, |c| {
            c.format.schemes.contains(&scheme)
        }));
    } else {
        let first = request.first_bytes();
        if let Some(ext) = request.extension() {
            tiers.push(ranked(all, IoMode::Read, |c| {
                c.format.extensions.contains(&ext) && c.format.may_be(first)
            }));
        }
        tiers.push(ranked(all, IoMode::Read, |c| c.format.sniff(first)));
    }
    Ok(flatten(tiers))
}

/// The plugins a write request is routed to: those claiming its extension
/// for writing, highest rank first.
pub fn write_candidates(request: &WriteRequest) -> Result<Vec<&'static PluginInfo>> {
    let all = registry()?;
    let Some(ext) = request.extension() else {
        return Ok(Vec::new());
    };
    Ok(flatten(vec![ranked(all, IoMode::Write, |c| {
        c.format.extensions.contains(&ext)
    })]))
}

/// The plugins with a claim in direction `mode` that `pick` accepts, each at
/// its best such rank, highest first, then by name.
fn ranked(
    all: &[&'static PluginInfo],
    mode: IoMode,
    pick: impl Fn(&Claim) -> bool,
) -> Vec<(&'static PluginInfo, Rank)> {
    let mut v: Vec<(&'static PluginInfo, Rank)> = all
        .iter()
        .filter_map(|p| {
            let best = claims(p, mode)
                .iter()
                .filter(|c| pick(c))
                .map(|c| c.rank)
                .max()?;
            Some((*p, best))
        })
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.name.cmp(b.0.name)));
    v
}

fn flatten(tiers: Vec<Vec<(&'static PluginInfo, Rank)>>) -> Vec<&'static PluginInfo> {
    let mut out: Vec<&'static PluginInfo> = Vec::new();
    for (p, _) in tiers.into_iter().flatten() {
        if !out.iter().any(|q| q.name == p.name) {
            out.push(p);
        }
    }
    out
}

/// Checks the request's options against a plugin's specs. `Ok(Some(e))`: the
/// plugin does not know some key (another plugin may); `Err`: every key is
/// the plugin's but a value is wrong, which is final.
fn option_check(
    info: &PluginInfo,
    specs: &[OptionSpec],
    options: &Options,
    what: &str,
) -> Result<Option<Error>> {
    let unknown = options.keys().any(|k| !specs.iter().any(|s| s.name == k));
    match crate::value::validate_options(options, specs, what) {
        Ok(()) => Ok(None),
        Err(e) if unknown => Ok(Some(e.with_plugin(info.name))),
        Err(e) => Err(e.with_plugin(info.name)),
    }
}

/// Opens a reader for `request`: the named plugin, or each candidate in
/// turn. Nothing fits: the error lists what was tried and why, and names the
/// crate or feature to add when a known plugin for the extension or scheme
/// is not linked.
pub(crate) fn open_reader(
    request: &mut ReadRequest,
    plugin: Option<&str>,
) -> Result<(&'static PluginInfo, Box<dyn Reader>)> {
    let mut cands = read_candidates(request)?;
    if let Some(name) = plugin {
        let info = named(name, IoMode::Read)?;
        cands.retain(|p| p.name == info.name);
        if cands.is_empty() {
            return Err(not_theirs(name, request));
        }
    }
    let options = request.options().clone();
    let found = try_in_turn(&cands, |info| {
        let entry = info.read.as_ref().expect("candidates read");
        if let Some(e) = option_check(info, entry.options, &options, "read")? {
            return Ok(Err(e));
        }
        Ok(Ok(guard(info, || (entry.open)(request))))
    })?;
    match found {
        Found::Opened(info, r) => Ok((info, r)),
        Found::Nothing { tried, kept: None } if plugin.is_some() => {
            Err(named_declined(plugin, &tried))
        }
        Found::Nothing { tried, kept } => {
            Err(kept.unwrap_or_else(|| nothing_reads(request, &tried)))
        }
    }
}

/// Opens a writer for `request`: the named plugin, or each plugin claiming
/// the extension in turn.
pub(crate) fn open_writer(
    request: &mut WriteRequest,
    plugin: Option<&str>,
) -> Result<(&'static PluginInfo, Box<dyn Writer>)> {
    let mut cands = write_candidates(request)?;
    if let Some(name) = plugin {
        let info = named(name, IoMode::Write)?;
        cands.retain(|p| p.name == info.name);
        if cands.is_empty() {
            let ext = request.extension().unwrap_or("(no extension)");
            return Err(Error::new(
                ErrorKind::Declined,
                format!(
                    "the {name:?} plugin cannot serve this resource: it does not write {ext} files"
                ),
            )
            .with_plugin(name));
        }
    }
    let options = request.options().clone();
    let found = try_in_turn(&cands, |info| {
        let entry = info.write.as_ref().expect("candidates write");
        if let Some(e) = option_check(info, entry.options, &options, "write")? {
            return Ok(Err(e));
        }
        Ok(Ok(guard(info, || (entry.open)(request))))
    })?;
    match found {
        Found::Opened(info, w) => Ok((info, w)),
        Found::Nothing { tried, kept: None } if plugin.is_some() => {
            Err(named_declined(plugin, &tried))
        }
        Found::Nothing { tried, kept } => {
            Err(kept.unwrap_or_else(|| nothing_writes(request, &tried)))
        }
    }
}

/// The plugin called `name`, when it serves direction `mode`.
fn named(name: &str, mode: IoMode) -> Result<&'static PluginInfo> {
    let info = plugin_by_name(name)?;
    let serves = match mode {
        IoMode::Read => info.can_read(),
        IoMode::Write => info.can_write(),
    };
    if !serves {
        let verb = if mode == IoMode::Read {
            "read"
        } else {
            "write"
        };
        return Err(
            Error::unsupported(format!("the {name:?} plugin does not {verb}")).with_plugin(name),
        );
    }
    Ok(info)
}

/// The error for a plugin chosen by name that claims nothing the resource is.
fn not_theirs(name: &str, request: &ReadRequest) -> Error {
    let what = match (request.scheme(), request.extension()) {
        (Some(s), _) => format!("it serves no {s}: resources"),
        (None, Some(e)) => {
            format!("the content is none of its formats, and it does not read {e} files")
        }
        (None, None) => "the content is none of its formats".into(),
    };
    Error::new(
        ErrorKind::Declined,
        format!("the {name:?} plugin cannot serve this resource: {what}"),
    )
    .with_plugin(name)
}

/// The error when the one plugin the caller named declined: its reason, as
/// [`Declined`](ErrorKind::Declined).
fn named_declined(plugin: Option<&str>, tried: &[String]) -> Error {
    let name = plugin.unwrap_or_default();
    let why = tried.join("; ");
    Error::new(
        ErrorKind::Declined,
        format!("the {name:?} plugin cannot serve this resource: {why}"),
    )
    .with_plugin(name)
}

enum Found<T> {
    Opened(&'static PluginInfo, T),
    Nothing {
        tried: Vec<String>,
        kept: Option<Error>,
    },
}

/// Opens each candidate in turn with `open`, which answers `Ok(Err(e))` when
/// the options are not the plugin's, or the opener's result. "Not mine"
/// moves on; a value refused for an option the plugin owns is final; any
/// other error is kept (the first one) while the others are tried.
fn try_in_turn<T>(
    cands: &[&'static PluginInfo],
    mut open: impl FnMut(&'static PluginInfo) -> Result<std::result::Result<Result<T>, Error>>,
) -> Result<Found<T>> {
    let mut tried: Vec<String> = Vec::new();
    let mut kept: Option<Error> = None;
    for &info in cands {
        match open(info)? {
            Err(unknown_option) => {
                tried.push(format!("{} ({})", info.name, unknown_option.message()));
                kept.get_or_insert(unknown_option);
            }
            Ok(Ok(opened)) => return Ok(Found::Opened(info, opened)),
            Ok(Err(e)) if e.kind() == ErrorKind::Declined => {
                tried.push(format!("{} ({})", info.name, e.message()));
            }
            // A bad option, or a file over the limits: another plugin would
            // not make it right (and a weaker one could decode what the
            // plugin that knows the format refused as too large).
            Ok(Err(e))
                if matches!(
                    e.kind(),
                    ErrorKind::InvalidOption | ErrorKind::LimitExceeded
                ) =>
            {
                return Err(e.with_plugin(info.name))
            }
            Ok(Err(e)) => {
                tried.push(format!("{} ({})", info.name, e.message()));
                kept.get_or_insert(e.with_plugin(info.name));
            }
        }
    }
    Ok(Found::Nothing { tried, kept })
}

fn tried_text(tried: &[String], verb: &str) -> String {
    if tried.is_empty() {
        format!("no linked plugin can {verb} this")
    } else {
        format!("tried {}", tried.join("; "))
    }
}

/// The error when no reader took the request.
fn nothing_reads(request: &ReadRequest, tried: &[String]) -> Error {
    let all = registry().unwrap_or(&[]);
    if request.scheme() == Some(crate::request::DIRECTORY_SCHEME) {
        // A directory: read as one resource only by a plugin that claims
        // directories (a series of slices); otherwise, as before that route
        // existed, it is not an image file.
        let linkable = known()
            .filter(|k| k.schemes.contains(&crate::request::DIRECTORY_SCHEME))
            .map(|k| {
                format!(
                    "; the {:?} plugin reads a directory as one series ({})",
                    k.plugin,
                    how_to_link(k)
                )
            })
            .next()
            .unwrap_or_default();
        let tried = if tried.is_empty() {
            linkable
        } else {
            format!("; {}", tried_text(tried, "read"))
        };
        return Error::new(
            ErrorKind::InvalidInput,
            format!("is a directory, not an image file: read the files in it one by one{tried}"),
        );
    }
    if let Some(scheme) = request.scheme() {
        let target = request.target().unwrap_or("");
        if let (true, Some(k)) = (
            tried.is_empty(),
            known().find(|k| k.schemes.contains(&scheme)),
        ) {
            return Error::new(
                ErrorKind::PluginNotLinked,
                format!(
                    "{target} is a {scheme} resource, read by the {:?} plugin, which is not linked \
                     into this program; {}",
                    k.plugin,
                    how_to_link(k)
                ),
            );
        }
        return Error::new(
            ErrorKind::NoPlugin,
            format!(
                "no linked plugin reads {scheme}: resources; {}",
                tried_text(tried, "read")
            ),
        );
    }
    if let Some(ext) = request.extension() {
        if let Some(e) = unlinked_hint(all, ext, IoMode::Read) {
            return e;
        }
        return Error::new(
            ErrorKind::NoPlugin,
            format!(
                "no plugin can read this as {ext}; {}",
                tried_text(tried, "read")
            ),
        );
    }
    let head: Vec<String> = request
        .first_bytes()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    Error::new(
        ErrorKind::NoPlugin,
        format!(
            "no plugin recognised the content (first bytes: {}); {}",
            head.join(" "),
            tried_text(tried, "read")
        ),
    )
}

/// The error when no writer took the request.
fn nothing_writes(request: &WriteRequest, tried: &[String]) -> Error {
    let all = registry().unwrap_or(&[]);
    let Some(ext) = request.extension() else {
        return Error::new(
            ErrorKind::NoPlugin,
            "the format is unknown: give the file an extension or pass one",
        );
    };
    if let Some(e) = unlinked_hint(all, ext, IoMode::Write) {
        return e;
    }
    if tried.is_empty() {
        // A format the linked plugins read but none writes (JPEG 2000).
        let readers: Vec<&str> = all
            .iter()
            .filter(|p| {
                claims(p, IoMode::Read)
                    .iter()
                    .any(|c| c.format.extensions.contains(&ext))
            })
            .map(|p| p.name)
            .collect();
        if !readers.is_empty() {
            return Error::new(
                ErrorKind::NoPlugin,
                format!(
                    "{ext} is read-only here: the {} plugin reads it, but no linked plugin writes \
                     it; write another format (.png or .tif keep every pixel)",
                    readers.join("/")
                ),
            );
        }
    }
    Error::new(
        ErrorKind::NoPlugin,
        format!(
            "no plugin can write this as {ext}; {}",
            tried_text(tried, "write")
        ),
    )
}

/// "Enable feature X": when no linked plugin claims `ext` in direction
/// `mode` and a known plugin does.
fn unlinked_hint(all: &[&PluginInfo], ext: &str, mode: IoMode) -> Option<Error> {
    let claimed = all.iter().any(|p| {
        claims(p, mode)
            .iter()
            .any(|c| c.format.extensions.contains(&ext))
    });
    if claimed {
        return None;
    }
    let k = known().find(|k| match mode {
        IoMode::Read => k.reads.contains(&ext),
        IoMode::Write => k.writes.contains(&ext),
    })?;
    let verb = if mode == IoMode::Read {
        "read"
    } else {
        "write"
    };
    Some(Error::new(
        ErrorKind::PluginNotLinked,
        format!(
            "no linked plugin can {verb} {ext} files: the {:?} plugin does, but it is not linked \
             into this program; {}",
            k.plugin,
            how_to_link(k)
        ),
    ))
}

/// Runs plugin code, turning a panic into an [`Internal`](ErrorKind::Internal)
/// error that says the plugin failed and names it. Builds with `panic =
/// "abort"` cannot be protected this way.
pub(crate) fn guard<T>(info: &PluginInfo, f: impl FnOnce() -> Result<T>) -> Result<T> {
    guard_named(info.name, info.crate_name, f)
}

/// [`guard`] by name and crate.
pub(crate) fn guard_named<T>(
    name: &str,
    crate_name: &str,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error::internal(format!(
                "the {name:?} plugin ({crate_name}) panicked: {msg}; this is a bug, please report \
                 it with the file"
            ))
            .with_plugin(name))
        }
    }
}
