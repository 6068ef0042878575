//! Members of zip archives through the verbs: stored and deflated members
//! read, members written and replaced with every other member kept byte for
//! byte (checked with the `zip` crate directly), new archives created,
//! path traversal refused, a zip bomb member stopped at the limit, and a
//! failed write leaving the archive untouched.

mod common;

use std::io::{Read, Write};
use std::path::Path;

use common::sample;
use imageio_core::{
    imread, imread_with, imwrite, imwrite_with, ErrorKind, Limits, NdImage, ReadOptions,
    WriteOptions,
};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// Writes an archive with the zip crate: `(name, bytes, method)` members.
fn make_archive(path: &Path, members: &[(&str, &[u8], CompressionMethod)]) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, data, method) in members {
        w.start_file(
            *name,
            SimpleFileOptions::default().compression_method(*method),
        )
        .unwrap();
        w.write_all(data).unwrap();
    }
    w.set_comment("kept comment").unwrap();
    w.finish().unwrap();
}

/// Every member: name, compression method and raw (compressed) bytes + CRC.
fn raw_members(path: &Path) -> Vec<(String, CompressionMethod, u32, Vec<u8>)> {
    let mut a = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..a.len())
        .map(|i| {
            let mut f = a.by_index_raw(i).unwrap();
            let name = f.name().unwrap().into_owned();
            let (m, crc) = (f.compression(), f.crc32());
            let mut raw = Vec::new();
            f.read_to_end(&mut raw).unwrap();
            (name, m, crc, raw)
        })
        .collect()
}

fn member(path: &Path, name: &str) -> Vec<u8> {
    let mut a = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut f = a.by_name(name).unwrap();
    let mut v = Vec::new();
    f.read_to_end(&mut v).unwrap();
    v
}

#[test]
fn stored_and_deflated_members_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("images.zip");
    let (a, a_bytes) = sample(16, 24, 1);
    let (b, b_bytes) = sample(40, 30, 2);
    make_archive(
        &zip,
        &[
            ("stored.r8t", &a_bytes, CompressionMethod::Stored),
            (
                "inner/dir/deflated.r8t",
                &b_bytes,
                CompressionMethod::Deflated,
            ),
        ],
    );
    assert_eq!(raw_members(&zip)[1].1, CompressionMethod::Deflated);
    let got = imread(zip.join("stored.r8t")).unwrap();
    assert_eq!(
        (got.shape(), got.as_bytes()),
        (&[16usize, 24][..], a.as_bytes())
    );
    let got = imread(zip.join("inner/dir/deflated.r8t")).unwrap();
    assert_eq!(
        (got.shape(), got.as_bytes()),
        (&[40usize, 30][..], b.as_bytes())
    );
    // As a string, and with `./` components.
    let s = format!("{}/inner/./dir/deflated.r8t", zip.display());
    assert_eq!(imread(s.as_str()).unwrap().as_bytes(), b.as_bytes());
}

#[test]
fn a_missing_member_lists_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("a.zip");
    let (_, bytes) = sample(2, 2, 0);
    make_archive(&zip, &[("one.r8t", &bytes, CompressionMethod::Stored)]);
    let e = imread(zip.join("two.r8t")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let msg = e.to_string();
    assert!(msg.contains("two.r8t") && msg.contains("one.r8t"), "{msg}");
    // A file that is not a zip archive is not looked into.
    let plain = dir.path().join("plain.r8t");
    std::fs::write(&plain, &bytes).unwrap();
    let e = imread(plain.join("x.r8t")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(!e.to_string().contains("zip"), "{e}");
}

#[test]
fn write_replace_and_add_keep_the_other_members() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("set.zip");
    let (_, a_bytes) = sample(8, 8, 1);
    let (_, b_bytes) = sample(50, 20, 2);
    let readme = b"not an image, kept as it is".repeat(20);
    make_archive(
        &zip,
        &[
            ("a.r8t", &a_bytes, CompressionMethod::Stored),
            ("docs/readme.txt", &readme, CompressionMethod::Deflated),
            ("b.r8t", &b_bytes, CompressionMethod::Deflated),
        ],
    );
    let before = raw_members(&zip);

    // Replace a member.
    let (new_a, new_a_bytes) = sample(9, 11, 77);
    imwrite(zip.join("a.r8t"), &new_a).unwrap();
    let after = raw_members(&zip);
    let names: Vec<&str> = after.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(names, ["docs/readme.txt", "b.r8t", "a.r8t"]);
    assert_eq!(
        after[0], before[1],
        "other members copied raw, byte-identical"
    );
    assert_eq!(after[1], before[2]);
    assert_eq!(after[2].1, CompressionMethod::Deflated);
    assert_eq!(member(&zip, "a.r8t"), new_a_bytes);
    assert_eq!(member(&zip, "docs/readme.txt"), readme);
    let a = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    assert_eq!(a.comment(), b"kept comment");
    // Read back through the verbs.
    assert_eq!(
        imread(zip.join("a.r8t")).unwrap().as_bytes(),
        new_a.as_bytes()
    );

    // Add a member in a new directory of the archive.
    let (c, c_bytes) = sample(3, 5, 9);
    imwrite(zip.join("new/dir/c.r8t"), &c).unwrap();
    assert_eq!(member(&zip, "new/dir/c.r8t"), c_bytes);
    assert_eq!(raw_members(&zip).len(), 4);
    assert_eq!(raw_members(&zip)[..3], after[..]);

    // overwrite(false) refuses an existing member and keeps the archive.
    let snapshot = std::fs::read(&zip).unwrap();
    let e = imwrite_with(zip.join("b.r8t"), &c, &WriteOptions::new().overwrite(false)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read(&zip).unwrap(), snapshot);
    // No temporary file is left beside the archive.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_new_archive_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("fresh.zip");
    let (img, bytes) = sample(6, 7, 5);
    imwrite(zip.join("frames/0.r8t"), &img).unwrap();
    assert_eq!(raw_members(&zip).len(), 1);
    assert_eq!(member(&zip, "frames/0.r8t"), bytes);
    assert_eq!(
        imread(zip.join("frames/0.r8t")).unwrap().as_bytes(),
        img.as_bytes()
    );
}

#[test]
fn path_traversal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("t.zip");
    let (img, bytes) = sample(2, 2, 0);
    // An archive holding a member named with `..` (as a hostile one may).
    make_archive(
        &zip,
        &[
            ("ok.r8t", &bytes, CompressionMethod::Stored),
            ("../evil.r8t", &bytes, CompressionMethod::Stored),
        ],
    );
    let snapshot = std::fs::read(&zip).unwrap();
    let traversal = format!("{}/../evil.r8t", zip.display());
    let e = imread(traversal.as_str()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("escapes the archive"), "{e}");
    let deeper = format!("{}/a/../../outside.r8t", zip.display());
    let e = imwrite(deeper.as_str(), &img).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("escapes the archive"), "{e}");
    assert_eq!(std::fs::read(&zip).unwrap(), snapshot, "archive untouched");
    assert!(!dir.path().join("outside.r8t").exists());
    assert!(!dir.path().join("evil.r8t").exists());
}

#[test]
fn a_bomb_member_stops_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("bomb.zip");
    // 64 MiB of zeros deflate to about 64 KiB.
    let mut w = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
    w.start_file(
        "bomb.r8t",
        SimpleFileOptions::default().compression_method(CompressionMethod::Deflated),
    )
    .unwrap();
    let mut head = common::encode(8191, 8192, &[]);
    head.resize(1 << 20, 0);
    w.write_all(&head).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..63 {
        w.write_all(&zeros).unwrap();
    }
    w.finish().unwrap();
    let packed = std::fs::metadata(&zip).unwrap().len();
    eprintln!("bomb: 67108864 bytes deflated into a {packed}-byte archive");
    assert!(packed < 1 << 20);
    let limits = Limits {
        max_alloc: 4 << 20,
        ..Limits::default()
    };
    let e = imread_with(zip.join("bomb.r8t"), &ReadOptions::new().limits(limits)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    let msg = e.to_string();
    assert!(
        msg.contains("67108864") && msg.contains("bomb.r8t"),
        "{msg}"
    );
    // Within a large enough limit it reads.
    let img: NdImage = imread(zip.join("bomb.r8t")).unwrap();
    assert_eq!(img.shape(), &[8191, 8192]);
}

#[test]
fn a_failed_write_leaves_the_archive_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("keep.zip");
    let (_, bytes) = sample(4, 4, 4);
    make_archive(&zip, &[("a.r8t", &bytes, CompressionMethod::Deflated)]);
    let snapshot = std::fs::read(&zip).unwrap();
    // No plugin writes `.unknownext`: the write fails before anything.
    let (img, _) = sample(2, 2, 0);
    assert!(imwrite(zip.join("a.unknownext"), &img).is_err());
    // An unwritable image shape fails in the plugin: nothing committed.
    let e = imwrite(
        zip.join("a.r8t"),
        &NdImage::zeros(&[0], imageio_core::DType::U8),
    );
    assert!(e.is_err());
    assert_eq!(std::fs::read(&zip).unwrap(), snapshot);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn concurrent_writers_lose_no_member() {
    // Each writer copied the archive as it found it and renamed its copy
    // over it: the last rename won and the others' members were lost.
    for existing in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("shared.zip");
        if existing {
            make_archive(&zip, &[("keep.txt", b"kept", CompressionMethod::Stored)]);
        }
        std::thread::scope(|s| {
            for t in 0..8u8 {
                let zip = zip.clone();
                s.spawn(move || {
                    for k in 0..4u8 {
                        let (img, _) = sample(3, 4, t * 10 + k);
                        imwrite(zip.join(format!("t{t}/{k}.r8t")), &img).unwrap();
                    }
                });
            }
        });
        let names: Vec<String> = raw_members(&zip).into_iter().map(|m| m.0).collect();
        assert_eq!(names.len(), 32 + existing as usize, "{names:?}");
        for t in 0..8u8 {
            for k in 0..4u8 {
                let (_, bytes) = sample(3, 4, t * 10 + k);
                assert_eq!(member(&zip, &format!("t{t}/{k}.r8t")), bytes);
            }
        }
        // No temporary file is left beside the archive.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

#[cfg(unix)]
#[test]
fn a_new_archive_has_the_permissions_of_a_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("fresh.zip");
    let (img, _) = sample(2, 2, 1);
    imwrite(zip.join("a.r8t"), &img).unwrap();
    // A file made with File::create here has 0o666 minus the umask; the
    // temporary file the archive was built in had 0o600.
    let plain = dir.path().join("plain");
    std::fs::File::create(&plain).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&zip), mode(&plain));
    // An existing archive keeps its own.
    std::fs::set_permissions(&zip, std::fs::Permissions::from_mode(0o640)).unwrap();
    imwrite(zip.join("b.r8t"), &img).unwrap();
    assert_eq!(mode(&zip), 0o640);
}

#[cfg(unix)]
#[test]
fn an_archive_behind_a_symlink_stays_behind_it() {
    let dir = tempfile::tempdir().unwrap();
    let real_dir = dir.path().join("real");
    std::fs::create_dir(&real_dir).unwrap();
    let real = real_dir.join("data.zip");
    make_archive(&real, &[("keep.txt", b"kept", CompressionMethod::Stored)]);
    let link = dir.path().join("link.zip");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let (img, bytes) = sample(3, 3, 9);
    imwrite(link.join("x.r8t"), &img).unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(member(&real, "x.r8t"), bytes);
    assert_eq!(member(&real, "keep.txt"), b"kept");
    // Nothing was left beside the link or the target.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    assert_eq!(std::fs::read_dir(&real_dir).unwrap().count(), 1);
}
