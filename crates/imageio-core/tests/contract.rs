//! The plugin contract as the core enforces it, driven through test-only
//! plugins: routing from the plugins' claims, hints for known plugins that
//! are not linked, panics reported as `Internal`, and streaming writes that
//! commit completely or not at all.

mod common;

use std::io::Write as _;

use imageio_core::plugin::{
    conflicts, read_candidates, routes, Claim, Format, KnownPlugin, PluginInfo, Rank, ReadEntry,
    ReadRequest, Reader, RouteKey, Signature, WriteEntry, WriteRequest, Writer,
};
use imageio_core::{
    imencode, imopen, imread, imread_with, imwrite, ErrorKind, ImageFile, IoMode, Limits, NdImage,
    Options, ReadOptions, Result, Uri, WriteOptions,
};

/// A plugin whose reader and writer panic, as a buggy backend would.
struct Boom;

impl Reader for Boom {
    fn read(&mut self, _: usize, _: &Options) -> Result<NdImage> {
        panic!("backend bug while reading");
    }
}

impl Writer for Boom {
    fn write(&mut self, _: &NdImage, _: &Options) -> Result<()> {
        panic!("backend bug while writing");
    }
}

fn open_boom_read(_: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    Ok(Box::new(Boom))
}

fn open_boom_write(_: &mut WriteRequest) -> Result<Box<dyn Writer>> {
    Ok(Box::new(Boom))
}

const BOOM: Format = Format::new("BOOM", &[".boom"]).signatures(&[Signature::new(b"BOOM")]);

imageio_core::inventory::submit! {
    PluginInfo {
        name: "boom-test",
        crate_name: "imageio-core-tests",
        summary: "test-only plugin that panics",
        read: Some(ReadEntry { formats: &[Claim::new(BOOM, Rank::DEDICATED)], options: &[], open: open_boom_read }),
        write: Some(WriteEntry { formats: &[Claim::new(BOOM, Rank::DEDICATED)], options: &[], open: open_boom_write }),
    }
}

// A known plugin that this program does not link, as the facade declares
// its first-party plugins.
imageio_core::inventory::submit! {
    KnownPlugin {
        plugin: "faraway",
        crate_name: "imageio-faraway",
        feature: "faraway",
        reads: &[".far"],
        writes: &[".far"],
        schemes: &["device"],
    }
}

#[test]
fn a_panicking_plugin_is_an_internal_error() {
    let e = imread(b"BOOM and more".to_vec()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Internal, "{e}");
    assert!(
        e.to_string()
            .contains("panicked: backend bug while reading"),
        "{e}"
    );
    assert!(e.to_string().contains("boom-test"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.boom");
    std::fs::write(&p, b"old").unwrap();
    let e = imwrite(&p, &NdImage::zeros(&[2, 2], imageio_core::DType::U8)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Internal, "{e}");
    assert_eq!(
        std::fs::read(&p).unwrap(),
        b"old",
        "the target is untouched"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn routing_comes_from_the_claims() {
    let (img, bytes) = common::sample(3, 4, 1);
    // By signature, whatever the name says; never by name against the content.
    let r = ReadRequest::new(Uri::from(bytes.clone()), Some(".boom"), Limits::default()).unwrap();
    let names: Vec<&str> = read_candidates(&r)
        .unwrap()
        .iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["r8t-test"]);
    assert_eq!(
        imread_with(bytes, &ReadOptions::new().extension(".boom")).unwrap(),
        img
    );
    // A named plugin that claims nothing the resource is declines it.
    let e = imread_with(b"BOOM".to_vec(), &ReadOptions::new().plugin("r8t-test")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
    assert!(e.to_string().contains("none of its formats"), "{e}");
    // Likewise for writing: a named plugin must claim the extension.
    let e = imageio_core::imencode_with(
        &NdImage::zeros(&[2, 2], imageio_core::DType::U8),
        ".boom",
        &WriteOptions::new().plugin("r8t-test"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
    assert!(e.to_string().contains("does not write .boom files"), "{e}");
    // Standard images are an ordinary plugin, routed by their scheme.
    let r = ReadRequest::new(Uri::from("imageio:testpattern"), None, Limits::default()).unwrap();
    let names: Vec<&str> = read_candidates(&r)
        .unwrap()
        .iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["standard"]);
    let reads = routes(IoMode::Read).unwrap();
    let keys: Vec<String> = reads.iter().map(|r| r.key.to_string()).collect();
    assert!(keys.contains(&"imageio:".to_string()), "{keys:?}");
    let boom = reads
        .iter()
        .find(|r| r.key == RouteKey::Extension(".boom"))
        .unwrap();
    assert_eq!(boom.plugins.len(), 1);
    assert_eq!(boom.plugins[0].0.name, "boom-test");
    assert_eq!(conflicts().unwrap(), Vec::<String>::new());
}

#[test]
fn known_plugins_that_are_not_linked_are_named() {
    let e = imread_with(b"xyz".to_vec(), &ReadOptions::new().extension(".far")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PluginNotLinked, "{e}");
    for part in [
        "\"faraway\"",
        "`faraway` feature",
        "imageio-faraway",
        "imageio-rs",
    ] {
        assert!(e.to_string().contains(part), "{part} in {e}");
    }
    let e = imencode(&NdImage::zeros(&[2, 2], imageio_core::DType::U8), ".far").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PluginNotLinked, "{e}");
    let e = imread_with(b"xyz".to_vec(), &ReadOptions::new().plugin("faraway")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PluginNotLinked, "{e}");
    // A capture device: the scheme's known plugin.
    let e = imread("<video0>").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PluginNotLinked, "{e}");
    assert!(e.to_string().contains("<video0>"), "{e}");
    assert!(e.to_string().contains("`faraway` feature"), "{e}");
}

fn target_with_old_content() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("stack.r8t");
    std::fs::write(&p, b"old content").unwrap();
    (dir, p)
}

fn assert_untouched(dir: &tempfile::TempDir, p: &std::path::Path) {
    assert_eq!(std::fs::read(p).unwrap(), b"old content");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no stray file"
    );
}

#[test]
fn a_failed_write_poisons_the_handle() {
    let (dir, p) = target_with_old_content();
    let (good, _) = common::sample(2, 2, 1);
    let bad = NdImage::from_shape_vec(&[2, 2], vec![255u8, 0, 0, 0]).unwrap();
    let mut f = ImageFile::open_write(&p, &WriteOptions::new()).unwrap();
    f.write(&good).unwrap();
    let e = f.write(&bad).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Encode, "{e}");
    // Later writes and close fail, with the first failure's kind; nothing lands.
    let e = f.write(&good).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Encode, "{e}");
    assert!(e.to_string().contains("an earlier write failed"), "{e}");
    let e = f.close().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Encode, "{e}");
    assert!(e.to_string().contains("stack.r8t"), "{e}");
    assert_untouched(&dir, &p);
}

#[test]
fn closing_without_an_image_commits_nothing() {
    let (dir, p) = target_with_old_content();
    let e = imopen(&p, IoMode::Write).unwrap().close().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("nothing was written"), "{e}");
    assert_untouched(&dir, &p);
    // In memory too: no empty "file" comes back.
    let f = ImageFile::open_write(Uri::memory(".r8t"), &WriteOptions::new()).unwrap();
    assert_eq!(f.close().unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[test]
fn writes_hand_over_or_lend_the_image() {
    let (a, ea) = common::sample(2, 3, 1);
    let (b, eb) = common::sample(2, 3, 2);
    let mut f = ImageFile::open_write(Uri::memory(".r8t"), &WriteOptions::new()).unwrap();
    f.write(&a).unwrap(); // lent
    f.write(b).unwrap(); // handed over
    let bytes = f.close().unwrap().unwrap();
    let mut want = ea;
    want.write_all(&eb).unwrap();
    assert_eq!(bytes, want);
}

#[test]
fn conversions_after_decoding_are_checked_against_the_limits() {
    // 64x64 gray u8 (4 KiB) read as RGBA f64 is 128 KiB: 32 times the decoded
    // array. The conversion was never checked, so a read within max_alloc
    // could return an array 32 times over it.
    let (img, bytes) = common::sample(64, 64, 3);
    let limits = Limits {
        max_alloc: 10_000,
        ..Limits::default()
    };
    let plain = imread_with(bytes.as_slice(), &ReadOptions::new().limits(limits)).unwrap();
    assert_eq!(plain, img);
    let asked = ReadOptions::new()
        .limits(limits)
        .mode(imageio_core::Mode::Rgba)
        .dtype(imageio_core::DType::F64);
    let e = imread_with(bytes.as_slice(), &asked).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    assert!(e.message().contains("131072"), "{e}");
    assert!(
        e.message().contains("RGBA") || e.message().contains("rgba"),
        "{e}"
    );
    // Within the limit the conversion happens.
    let roomy = Limits {
        max_alloc: 131_072,
        ..Limits::default()
    };
    let rgba = imread_with(bytes.as_slice(), &asked.clone().limits(roomy)).unwrap();
    assert_eq!(rgba.shape(), &[64, 64, 4]);
    assert_eq!(rgba.dtype(), imageio_core::DType::F64);
    // Each dtype alone counts too: u8 to f32 is 4 times.
    let e = imread_with(
        bytes.as_slice(),
        &ReadOptions::new()
            .limits(limits)
            .dtype(imageio_core::DType::F32),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
}
