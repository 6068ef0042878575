//! Interrupted and contested writes (issue #11): a write that fails after any
//! number of bytes, or whose process is killed, leaves the previous file
//! byte-identical and no temporary file; `overwrite(false)` under a race
//! between threads and between processes lets exactly one writer win; a full
//! disk and a denied directory give clean errors that name the path. For
//! every writing format, a streaming write handle whose write failed, or that
//! wrote no image, commits nothing on close, and a failure injected into any
//! step of the commit (flush, fsync, link, rename) leaves the old file.
//! Every writing format must encode here: one that cannot fails the tests
//! unless it is listed in [`EXPECTED_UNSUPPORTED`].
//!
//! The killed and racing writers run in the child program
//! `src/bin/reliability-child.rs`, not as tests of this binary.

use std::path::Path;
use std::time::{Duration, Instant};

use imageio::{
    imencode, imread, imwrite, imwrite_with, ErrorKind, ImageFile, NdImage, WriteOptions,
};
use imageio_core::test_hooks::fail_file_steps_for_tests as fail_steps;
use imageio_core::test_hooks::fail_file_writes_after_for_tests as fail_after;
use imageio_core::test_hooks::FileStep;
use imageio_tests::reliability::{child_command, dir_names, pattern};

/// The child program that writes while killed or racing.
const CHILD: &str = env!("CARGO_BIN_EXE_reliability-child");

/// Write extensions (from [`write_extensions`]) that are known not to encode
/// the test images here, with the reason. Anything else that fails to
/// encode is a test failure, and an extension listed here that encodes is
/// one too (the list must be kept true).
const EXPECTED_UNSUPPORTED: &[(&str, &str)] = &[];

/// The formats every writing test covers: each writing plugin once, plus
/// the extensions that take another path through a plugin. A plugin linked
/// later joins through its first write extension.
fn write_extensions() -> Vec<&'static str> {
    let mut v = vec![
        ".png", ".apng", ".tif", ".gif", ".npy", ".npz", ".bmp", ".webp", ".qoi",
    ];
    for p in imageio::plugin::plugins().expect("registry") {
        if let Some(e) = p.write_extensions().first() {
            if !v.contains(e) {
                v.push(e);
            }
        }
    }
    v
}

/// A 256x256 RGB image, or a 4-frame stack for the animated formats: large
/// enough to pass the writer's 64 KiB buffer, so failures happen both while
/// the plugin encodes and when the data is committed.
fn image_for(ext: &str, seed: u64) -> NdImage {
    match ext {
        ".apng" | ".gif" => pattern(&[4, 128, 128, 3], seed),
        _ => pattern(&[256, 256, 3], seed),
    }
}

/// The byte counts to fail after, for a file of `len` bytes: every count up
/// to 16, then 40 spread over the file, then its last byte.
fn fail_points(len: u64) -> Vec<u64> {
    let mut v: Vec<u64> = (0..=16).collect();
    v.extend((1..=40).map(|i| 16 + (len - 16) * i / 41));
    v.push(len - 1);
    v.sort_unstable();
    v.dedup();
    v
}

#[test]
fn a_write_failing_after_n_bytes_leaves_the_old_file() {
    let mut checked = 0;
    let mut unsupported = Vec::new();
    for ext in write_extensions() {
        let img = image_for(ext, 1);
        let encoded = match imencode(&img, ext) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{ext}: imencode failed: {e}");
                unsupported.push(ext);
                continue;
            }
        };
        let len = encoded.len() as u64;
        assert!(len > 16, "{ext}: encoded {len} bytes");
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join(format!("out{ext}"));
        let old = b"the previous file, which must survive".to_vec();
        std::fs::write(&target, &old).unwrap();
        let name = format!("out{ext}");
        for n in fail_points(len) {
            fail_after(Some(n));
            let r = imwrite(&target, &img);
            fail_after(None);
            let e = r.expect_err(&format!("{ext}: a write failing after {n} of {len} bytes"));
            assert!(
                matches!(e.kind(), ErrorKind::Io | ErrorKind::Encode),
                "{ext} after {n} bytes: {:?} {e}",
                e.kind()
            );
            assert!(
                e.to_string().contains(&name),
                "{ext} after {n}: error names the path: {e}"
            );
            assert_eq!(
                std::fs::read(&target).unwrap(),
                old,
                "{ext} after {n}: old file intact"
            );
            assert_eq!(
                dir_names(dir.path()),
                std::slice::from_ref(&name),
                "{ext} after {n}: no temporary file"
            );
            checked += 1;
        }
        // With enough budget the same write succeeds and replaces the file.
        fail_after(Some(len * 2));
        let r = imwrite(&target, &img);
        fail_after(None);
        r.unwrap_or_else(|e| panic!("{ext}: write within budget: {e}"));
        assert_eq!(
            std::fs::read(&target).unwrap(),
            encoded,
            "{ext}: the new file"
        );
        assert_eq!(dir_names(dir.path()), std::slice::from_ref(&name));
    }
    eprintln!("{checked} interrupted writes checked");
    let expected: Vec<&str> = EXPECTED_UNSUPPORTED.iter().map(|e| e.0).collect();
    assert_eq!(
        unsupported, expected,
        "the formats that cannot encode the test image (see EXPECTED_UNSUPPORTED)"
    );
    assert!(
        checked >= 8 * 50,
        "every stable format was interrupted ({checked})"
    );
}

/// Whether process `pid` holds a file open in `dir` that is not `keep`: the
/// write in progress (an anonymous `/dir/#123 (deleted)` file on Linux, a
/// `.NAME.*.imageio-tmp` file elsewhere).
fn writing_in(pid: u32, dir: &Path, keep: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .map(|l| l.starts_with(dir) && l != keep)
            .unwrap_or(false)
    })
}

#[cfg(target_os = "linux")]
#[test]
fn a_killed_write_leaves_the_old_file() {
    use std::os::unix::process::ExitStatusExt;
    for (ext, delay_ms) in [("png", 0), ("png", 30), ("tif", 5), ("npy", 0), ("gif", 20)] {
        let dir = tempfile::tempdir().unwrap();
        let dir_path = dir.path().canonicalize().unwrap();
        let target = dir_path.join(format!("victim.{ext}"));
        let old: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
        std::fs::write(&target, &old).unwrap();
        let t = target.to_str().unwrap();
        let mut child = child_command(CHILD, &["kill-writer", t])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let mut seen = false;
        while start.elapsed() < Duration::from_secs(60) {
            if writing_in(child.id(), &dir_path, &target) {
                seen = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        assert!(seen, "{ext}: the child was seen writing");
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "{ext}: killed mid-write, not finished"
        );
        assert_eq!(
            std::fs::read(&target).unwrap(),
            old,
            "{ext}: old file byte-identical"
        );
        assert_eq!(
            dir_names(&dir_path),
            [format!("victim.{ext}")],
            "{ext}: no temporary file after SIGKILL"
        );
    }
}

#[test]
fn overwrite_false_race_between_threads() {
    for ext in [".png", ".npy", ".tif"] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join(format!("race{ext}"));
        let barrier = std::sync::Barrier::new(16);
        let results: Vec<(u64, imageio::Result<()>)> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..16u64)
                .map(|i| {
                    let (barrier, target) = (&barrier, &target);
                    s.spawn(move || {
                        let img = pattern(&[64, 64, 3], 100 + i);
                        barrier.wait();
                        (
                            i,
                            imwrite_with(target, &img, &WriteOptions::new().overwrite(false)),
                        )
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let winners: Vec<u64> = results
            .iter()
            .filter(|r| r.1.is_ok())
            .map(|r| r.0)
            .collect();
        assert_eq!(winners.len(), 1, "{ext}: exactly one winner");
        for (i, r) in &results {
            if let Err(e) = r {
                assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{ext} writer {i}: {e}");
            }
        }
        let got = imread(&target).unwrap();
        assert_eq!(
            got,
            pattern(&[64, 64, 3], 100 + winners[0]),
            "{ext}: the winner's image"
        );
        assert_eq!(dir_names(dir.path()), [format!("race{ext}")]);
    }
}

#[test]
fn overwrite_false_race_between_processes() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("race.png");
    let t = target.to_str().unwrap().to_owned();
    let at = (std::time::SystemTime::now() + Duration::from_millis(1500))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let children: Vec<_> = (0..6u64)
        .map(|i| {
            let id = i.to_string();
            child_command(CHILD, &["race-writer", &t, &id, &at])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut winners = Vec::new();
    for (i, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find_map(|l| l.find("RACE-RESULT").map(|at| l[at..].trim()))
            .unwrap_or("none");
        match line {
            "RACE-RESULT won" => winners.push(i as u64),
            "RACE-RESULT exists" => {}
            other => panic!("writer {i}: {other}\n{text}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one process wins: {winners:?}");
    assert_eq!(
        imread(&target).unwrap(),
        pattern(&[64, 64, 3], 100 + winners[0])
    );
    assert_eq!(dir_names(dir.path()), ["race.png"]);
}

#[test]
fn a_parent_that_is_a_file_is_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain.txt");
    std::fs::write(&file, b"x").unwrap();
    let target = file.join("out.png");
    let e = imwrite(&target, &pattern(&[8, 8, 3], 1)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(
        e.to_string().contains(target.to_str().unwrap()),
        "names the path: {e}"
    );
    assert_eq!(dir_names(dir.path()), ["plain.txt"]);
}

#[cfg(unix)]
#[test]
fn a_read_only_directory_is_a_clean_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(ro.join("probe"), b"").is_ok() {
        eprintln!("SKIPPED: permission bits do not stop this user (root); the parent-is-a-file test covers the error path");
        return;
    }
    let target = ro.join("out.png");
    let e = imwrite(&target, &pattern(&[8, 8, 3], 1)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    let text = e.to_string();
    assert!(
        text.contains(target.to_str().unwrap()) && text.contains("permission"),
        "{text}"
    );
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A 64 KiB tmpfs mounted on a temporary directory (Linux, root only).
struct SmallFs(tempfile::TempDir);

impl SmallFs {
    fn mount() -> Result<SmallFs, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "imageio-test"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(SmallFs(dir))
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.0.path())
            .status();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_a_clean_error() {
    let fs = match SmallFs::mount() {
        Ok(fs) => fs,
        Err(e) => {
            eprintln!("SKIPPED: cannot mount a small tmpfs (needs root): {e}");
            return;
        }
    };
    for ext in [".png", ".tif", ".npy", ".bmp"] {
        let target = fs.0.path().join(format!("full{ext}"));
        let old = b"small old file".to_vec();
        std::fs::write(&target, &old).unwrap();
        let e = imwrite(&target, &pattern(&[256, 256, 3], 3)).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Io | ErrorKind::Encode),
            "{ext}: {e}"
        );
        let text = e.to_string();
        assert!(
            text.contains(target.to_str().unwrap()),
            "{ext}: names the path: {text}"
        );
        assert!(
            text.to_lowercase().contains("no space") || text.contains("disk is full"),
            "{ext}: says the disk is full: {text}"
        );
        assert_eq!(
            std::fs::read(&target).unwrap(),
            old,
            "{ext}: old file intact"
        );
        assert_eq!(
            dir_names(fs.0.path()),
            [format!("full{ext}")],
            "{ext}: nothing left"
        );
        std::fs::remove_file(&target).unwrap();
    }
}

/// A target holding an old file, and a check that it is still byte for byte
/// that file with nothing beside it.
struct OldTarget {
    dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

const OLD: &[u8] = b"the previous file, which must survive";

impl OldTarget {
    fn new(ext: &str) -> OldTarget {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("out{ext}"));
        std::fs::write(&path, OLD).unwrap();
        OldTarget { dir, path }
    }
    fn assert_untouched(&self, what: &str) {
        assert_eq!(
            std::fs::read(&self.path).unwrap(),
            OLD,
            "{what}: target changed"
        );
        assert_eq!(dir_names(self.dir.path()).len(), 1, "{what}: stray files");
    }
}

#[test]
fn closing_a_write_handle_with_no_image_commits_nothing() {
    for ext in write_extensions() {
        let t = OldTarget::new(ext);
        let f = match ImageFile::open_write(&t.path, &WriteOptions::new()) {
            Ok(f) => f,
            Err(e) => panic!("{ext}: open for writing: {e}"),
        };
        let e = f.close().expect_err(ext);
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{ext}: {e}");
        assert!(e.to_string().contains("nothing was written"), "{ext}: {e}");
        t.assert_untouched(ext);
    }
}

/// Images a writer refuses: a 5-d array, then one of another dtype and
/// channel count than the first frame, then (for writers that store any
/// array) an I/O failure injected below the output buffer.
fn refused_images() -> Vec<NdImage> {
    vec![
        pattern(&[1, 2, 3, 4, 5], 7),
        NdImage::from_shape_vec(&[3, 5, 2], vec![0.5f64; 30]).unwrap(),
    ]
}

#[test]
fn a_failed_streaming_write_poisons_the_handle_and_commits_nothing() {
    for ext in write_extensions() {
        let t = OldTarget::new(ext);
        let good = image_for(ext, 3);
        let mut f = ImageFile::open_write(&t.path, &WriteOptions::new()).unwrap();
        f.write(&good)
            .unwrap_or_else(|e| panic!("{ext}: first write: {e}"));
        let failed = refused_images()
            .into_iter()
            .find_map(|bad| f.write_with(&bad, false).err());
        let Some(first) = failed else {
            // This writer stores any array (NPY/NPZ): fail it below the buffer.
            poisoned_by_io(ext, &t, &good);
            continue;
        };
        assert_ne!(first.kind(), ErrorKind::Internal, "{ext}: {first}");
        let again = f.write(&good).expect_err(ext);
        assert!(
            again.to_string().contains("an earlier write failed"),
            "{ext}: {again}"
        );
        assert_eq!(again.kind(), first.kind(), "{ext}");
        let e = f.close().expect_err(ext);
        assert_eq!(e.kind(), first.kind(), "{ext}: {e}");
        assert!(
            e.to_string().contains(&format!("out{ext}")),
            "{ext}: names the file: {e}"
        );
        t.assert_untouched(ext);
    }
}

/// A writer that takes every array: an I/O error injected after 16 bytes
/// fails its write (streaming) or its close (writers that keep images), and
/// either way nothing is committed.
fn poisoned_by_io(ext: &str, t: &OldTarget, good: &NdImage) {
    fail_after(Some(16));
    let f = ImageFile::open_write(&t.path, &WriteOptions::new());
    fail_after(None);
    let mut f = f.unwrap();
    let big = pattern(&[512, 512, 3], 9);
    let r = f.write(good).and_then(|_| f.write(&big));
    let closed = f.close();
    assert!(
        r.is_err() || closed.is_err(),
        "{ext}: the injected failure surfaced"
    );
    assert!(
        closed.is_err(),
        "{ext}: close after a failure commits nothing"
    );
    t.assert_untouched(ext);
}

/// A small image for the commit-step tests (a 2-frame stack for the
/// animated formats): the data stays in the writer's buffer until the
/// commit flushes it.
fn small_image_for(ext: &str) -> NdImage {
    match ext {
        ".apng" | ".gif" => pattern(&[2, 32, 32, 3], 5),
        _ => pattern(&[64, 64, 3], 5),
    }
}

/// Whether a write whose `steps` fail succeeds anyway, over an existing
/// target (`replace`) or a new one. On Linux the data goes to an anonymous
/// file: a new target is linked in directly (no rename), or, when that link
/// fails, copied into a named temporary file that is renamed; an existing
/// target is replaced by linking under a temporary name and renaming.
fn survives(steps: &[FileStep], replace: bool) -> bool {
    let linux = cfg!(target_os = "linux");
    match steps {
        [FileStep::Link] => !replace || !linux,
        [FileStep::Rename] => !replace && linux,
        _ => false,
    }
}

#[test]
fn a_failing_commit_step_leaves_the_old_file() {
    let step_sets: [&[FileStep]; 5] = [
        &[FileStep::Flush],
        &[FileStep::Fsync],
        &[FileStep::Link],
        &[FileStep::Rename],
        &[FileStep::Link, FileStep::Rename],
    ];
    let mut checked = 0;
    for ext in write_extensions() {
        if EXPECTED_UNSUPPORTED.iter().any(|u| u.0 == ext) {
            continue;
        }
        let img = small_image_for(ext);
        let encoded = imencode(&img, ext).unwrap_or_else(|e| panic!("{ext}: imencode: {e}"));
        let name = format!("out{ext}");
        for steps in step_sets {
            for replace in [true, false] {
                let what = format!("{ext}, {steps:?} failing, replace {replace}");
                let t = OldTarget::new(ext);
                if !replace {
                    std::fs::remove_file(&t.path).unwrap();
                }
                fail_steps(steps);
                let r = imwrite(&t.path, &img);
                fail_steps(&[]);
                if survives(steps, replace) {
                    r.unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(std::fs::read(&t.path).unwrap(), encoded, "{what}");
                    assert_eq!(
                        dir_names(t.dir.path()),
                        std::slice::from_ref(&name),
                        "{what}"
                    );
                    checked += 1;
                    continue;
                }
                let e = r.expect_err(&what);
                let text = e.to_string();
                if steps == [FileStep::Flush] {
                    // A plugin may flush while it encodes and report it so.
                    assert!(
                        matches!(e.kind(), ErrorKind::Io | ErrorKind::Encode),
                        "{what}: {:?} {e}",
                        e.kind()
                    );
                } else {
                    assert_eq!(e.kind(), ErrorKind::Io, "{what}: {e}");
                }
                assert!(text.contains(&name), "{what}: names the file: {text}");
                assert!(text.contains("injected"), "{what}: the cause: {text}");
                if replace {
                    t.assert_untouched(&what);
                } else {
                    assert_eq!(dir_names(t.dir.path()), Vec::<String>::new(), "{what}");
                }
                checked += 1;
            }
        }
    }
    eprintln!("{checked} commit-step faults checked");
    assert!(checked >= 8 * 10, "every stable format ({checked})");
}

/// How [`a_write_failing_then_close_commits_nothing`] saw a format fail.
#[derive(Debug, PartialEq)]
enum FailedAt {
    /// The write failed (a streaming writer) and close repeated its kind.
    Write,
    /// The writer keeps the images until close: close failed.
    Close,
}

#[test]
fn a_write_failing_then_close_commits_nothing() {
    let mut seen = Vec::new();
    for ext in write_extensions() {
        if EXPECTED_UNSUPPORTED.iter().any(|u| u.0 == ext) {
            continue;
        }
        let t = OldTarget::new(ext);
        let name = format!("out{ext}");
        // Fail after 16 bytes have reached the file: a streaming writer
        // fails within the first images (each is larger than its 64 KiB
        // buffer).
        // The budget is read when the plugin creates its output: at open or
        // at the first write.
        fail_after(Some(16));
        let mut f = ImageFile::open_write(&t.path, &WriteOptions::new())
            .unwrap_or_else(|e| panic!("{ext}: open: {e}"));
        let mut first = None;
        for seed in 0..3 {
            if let Err(e) = f.write(image_for(ext, seed)) {
                first = Some(e);
                break;
            }
        }
        fail_after(None);
        match first {
            Some(first) => {
                assert!(
                    matches!(first.kind(), ErrorKind::Io | ErrorKind::Encode),
                    "{ext}: {:?} {first}",
                    first.kind()
                );
                assert!(first.to_string().contains(&name), "{ext}: {first}");
                // The handle is poisoned: a later write fails at once, with
                // the same kind, and so does close.
                let again = f.write(image_for(ext, 9)).expect_err(ext);
                assert_eq!(again.kind(), first.kind(), "{ext}: {again}");
                assert!(
                    again.to_string().contains("an earlier write failed"),
                    "{ext}: {again}"
                );
                let e = f.close().expect_err(ext);
                assert_eq!(e.kind(), first.kind(), "{ext}: close: {e}");
                assert!(
                    e.to_string().contains("an earlier write failed")
                        && e.to_string().contains(&name),
                    "{ext}: close: {e}"
                );
                seen.push((ext, FailedAt::Write));
            }
            None => {
                let e = f.close().expect_err(ext);
                assert!(
                    matches!(e.kind(), ErrorKind::Io | ErrorKind::Encode),
                    "{ext}: close: {:?} {e}",
                    e.kind()
                );
                assert!(e.to_string().contains(&name), "{ext}: close: {e}");
                seen.push((ext, FailedAt::Close));
            }
        }
        t.assert_untouched(ext);
    }
    eprintln!("{seen:?}");
    // The streaming writers among the stable ones fail in `write` (PNG,
    // APNG, PDF and video keep their data until close).
    for ext in [".tif", ".npy", ".bmp", ".jpg"] {
        assert!(
            seen.contains(&(ext, FailedAt::Write)),
            "{ext} streams its images: {seen:?}"
        );
    }
}
