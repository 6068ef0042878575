//! Routing as the linked plugins declare it: no two plugins claim one
//! extension or scheme at the same rank, every extension the facade knows
//! is served by a linked plugin, and the facade's table of first-party
//! plugins (`src/known.rs`) says exactly what those plugins claim. Run with
//! every feature (`cargo xtask test` does) to check every first-party plugin.

use imageio::plugin::{conflicts, plugin_by_name, plugins, routes, KnownPlugin, RouteKey};
use imageio::IoMode;

fn known() -> Vec<&'static KnownPlugin> {
    imageio::plugin::inventory::iter::<KnownPlugin>
        .into_iter()
        .collect()
}

fn sorted(v: impl IntoIterator<Item = &'static str>) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = v.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[test]
fn no_two_plugins_claim_the_same_rank() {
    assert_eq!(conflicts().unwrap(), Vec::<String>::new());
}

#[test]
fn the_known_table_matches_the_linked_plugins() {
    let mut checked = 0;
    for k in known() {
        let Ok(p) = plugin_by_name(k.plugin) else {
            continue; // not linked in this build: only a hint
        };
        assert_eq!(p.crate_name, k.crate_name, "{}", k.plugin);
        assert_eq!(
            sorted(p.read_extensions()),
            sorted(k.reads.iter().copied()),
            "{} reads",
            k.plugin
        );
        assert_eq!(
            sorted(p.write_extensions()),
            sorted(k.writes.iter().copied()),
            "{} writes",
            k.plugin
        );
        let schemes = p
            .read_formats()
            .iter()
            .flat_map(|c| c.format.schemes.iter().copied());
        assert_eq!(
            sorted(schemes),
            sorted(k.schemes.iter().copied()),
            "{} schemes",
            k.plugin
        );
        checked += 1;
    }
    assert!(checked >= 1, "at least one first-party plugin is linked");
    // Every linked first-party plugin has a row (the core's own standard
    // images are not the facade's to describe).
    let rows: Vec<&str> = known().iter().map(|k| k.plugin).collect();
    for p in plugins().unwrap() {
        if p.crate_name.starts_with("imageio-") && p.crate_name != "imageio-core" {
            assert!(
                rows.contains(&p.name),
                "{} ({}) has no row in known.rs",
                p.name,
                p.crate_name
            );
        }
    }
}

#[test]
fn every_known_extension_is_routed_to_a_linked_plugin() {
    for (mode, list) in [
        (IoMode::Read, routes(IoMode::Read)),
        (IoMode::Write, routes(IoMode::Write)),
    ] {
        let keys: Vec<RouteKey> = list.unwrap().into_iter().map(|r| r.key).collect();
        for k in known() {
            if plugin_by_name(k.plugin).is_err() {
                continue;
            }
            let exts = if mode == IoMode::Read {
                k.reads
            } else {
                k.writes
            };
            for e in exts {
                assert!(
                    keys.contains(&RouteKey::Extension(e)),
                    "{e} ({mode:?}) is routed nowhere"
                );
            }
        }
    }
}

#[test]
fn dedicated_plugins_come_first() {
    let reads = routes(IoMode::Read).unwrap();
    let order = |ext: &str| -> Vec<&str> {
        reads
            .iter()
            .find(|r| matches!(r.key, RouteKey::Extension(e) if e == ext))
            .map(|r| r.plugins.iter().map(|(p, _)| p.name).collect())
            .unwrap_or_default()
    };
    for (ext, first) in [
        (".png", "png"),
        (".gif", "gif"),
        (".jpg", "jpeg"),
        (".tif", "tiff"),
    ] {
        if plugin_by_name(first).is_ok() {
            assert_eq!(order(ext).first(), Some(&first), "{ext}: {:?}", order(ext));
        }
    }
    if plugin_by_name("gif").is_ok() && plugin_by_name("pillowlike").is_ok() {
        assert_eq!(&order(".gif")[..2], ["gif", "pillowlike"]);
    }
}

#[test]
fn every_signature_fits_in_the_first_bytes() {
    // Routing sees only `FIRST_BYTES` of the content: a signature past them
    // would silently never match.
    for p in plugins().unwrap() {
        for c in p.read_formats() {
            for s in c.format.signatures {
                assert!(
                    s.anywhere || s.offset + s.magic.len() <= imageio::plugin::FIRST_BYTES,
                    "{} {}: a signature ends at byte {}",
                    p.name,
                    c.format.name,
                    s.offset + s.magic.len()
                );
            }
        }
    }
}

/// A file the plugin of its format finds over the limits is refused there:
/// routing does not hand it to the next plugin claiming the extension
/// (`pillowlike` reads WebP too, and its error came back instead).
#[cfg(all(feature = "webp", feature = "pillowlike"))]
#[test]
fn a_file_over_the_limits_is_not_tried_elsewhere() {
    use imageio::{
        imdecode_with, imencode_with, ErrorKind, Limits, NdImage, ReadOptions, WriteOptions,
    };
    let img = NdImage::from_shape_vec(&[64, 64, 3], vec![7u8; 64 * 64 * 3]).unwrap();
    let bytes =
        imencode_with(&img, ".webp", &WriteOptions::new().option("lossless", true)).unwrap();
    let small = Limits {
        max_pixels: 1000,
        ..Limits::default()
    };
    let opts = ReadOptions::new().extension(".webp").limits(small);
    let e = imdecode_with(&bytes, &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    assert_eq!(e.plugin(), Some("webp"), "{e}");
    assert_eq!(
        imdecode_with(&bytes, &ReadOptions::new().extension(".webp")).unwrap(),
        img
    );
}
