//! FFmpeg opens only the input it was given. A playlist (HLS, ffconcat)
//! named like a video is refused by default, with an `Unsupported` error
//! that names the file, and nothing it lists is opened; read option
//! `allow_playlists = true` reads a playlist from a local path together with
//! the local files it lists, while a playlist in memory still opens nothing.
//!
//! Every file is made by the test (a short MPEG-TS clip written by the
//! plugin, playlists beside it), except the target of the ffconcat
//! disclosure case, which is the committed `tests/data` clip: with input
//! through custom I/O, ffconcat resolves its (relative-only, `safe` mode)
//! entries against the working directory, the crate directory under
//! `cargo test`.

use imageio_core::{
    imdecode_with, immeta_with, improps_with, imread_with, imwrite_with, Error, ErrorKind, Index,
    NdImage, ReadOptions, Value, WriteOptions,
};
use std::path::{Path, PathBuf};

const W: usize = 32;
const H: usize = 24;
const FRAMES: usize = 6;

/// Makes sure the plugin is linked (its `inventory` registration).
fn link() {
    let _ = imageio_ffmpeg::open_read;
}

/// A `FRAMES`-frame clip with a distinct flat grey level per frame, written
/// by the plugin as MPEG-TS (an extension the HLS demuxer accepts for its
/// segments).
fn write_secret(dir: &Path) -> PathBuf {
    let mut all = Vec::with_capacity(FRAMES * H * W * 3);
    for k in 0..FRAMES {
        all.extend(std::iter::repeat_n((40 + 30 * k) as u8, H * W * 3));
    }
    let clip = NdImage::from_shape_vec(&[FRAMES, H, W, 3], all).unwrap();
    let p = dir.join("secret.ts");
    let opts = WriteOptions::new()
        .option("fps", 10.0)
        .option("macro_block_size", 1_i64)
        .is_batch(true);
    imwrite_with(&p, &clip, &opts).unwrap();
    p
}

/// An HLS media playlist of one segment, `entry`.
fn hls(entry: &str) -> String {
    format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n\
         #EXTINF:1.0,\n{entry}\n#EXT-X-ENDLIST\n"
    )
}

/// An ffconcat playlist of one entry, `entry`.
fn ffconcat(entry: &str) -> String {
    format!("ffconcat version 1.0\nfile {entry}\n")
}

/// The committed clip an ffconcat playlist read through custom I/O reaches
/// by a relative name (resolved against the working directory).
const COMMITTED: &str = "tests/data/leak_side_data.mp4";

fn allow() -> ReadOptions {
    ReadOptions::new().option("allow_playlists", true)
}

/// The error is a refusal of the playlist that names the file and says how
/// to opt in.
fn assert_refused(e: &Error, file: &str) {
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    let text = e.to_string();
    assert!(text.contains(file), "the error names {file}: {text}");
    assert!(
        e.message().contains("playlist") && e.message().contains("allow_playlists"),
        "the error says what was refused and how to opt in: {text}"
    );
}

/// Every verb on `path` fails with the refusal: no frame, no count, no
/// metadata of a listed file comes back.
fn assert_every_verb_refused(path: &Path) {
    let file = path.file_name().unwrap().to_str().unwrap();
    let e = imread_with(path, &ReadOptions::new()).unwrap_err();
    assert_refused(&e, file);
    let e = imread_with(path, &ReadOptions::new().index(Index::All)).unwrap_err();
    assert_refused(&e, file);
    let e = improps_with(path, &ReadOptions::new()).unwrap_err();
    assert_refused(&e, file);
    let e = immeta_with(path, &ReadOptions::new()).unwrap_err();
    assert_refused(&e, file);
}

#[test]
fn an_hls_playlist_named_mp4_is_refused_and_opens_nothing() {
    link();
    let dir = tempfile::tempdir().unwrap();
    let secret = write_secret(dir.path());
    // The secret itself reads (so a refusal below is the playlist's).
    assert_eq!(
        imread_with(&secret, &ReadOptions::new()).unwrap().shape(),
        &[H, W, 3]
    );
    for (name, entry) in [
        ("absolute.mp4", secret.to_str().unwrap().to_owned()),
        ("relative.mp4", "secret.ts".to_owned()),
        ("url.mkv", format!("file:{}", secret.display())),
    ] {
        let playlist = dir.path().join(name);
        std::fs::write(&playlist, hls(&entry)).unwrap();
        assert_every_verb_refused(&playlist);
        // The same bytes in memory, with the extension as the only hint.
        let e = imdecode_with(
            hls(&entry).as_bytes(),
            &ReadOptions::new().extension(".mp4"),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert!(e.message().contains("allow_playlists"), "{e}");
    }
}

#[test]
fn an_ffconcat_file_named_mp4_is_refused_and_opens_nothing() {
    link();
    assert!(
        Path::new(COMMITTED).is_file(),
        "cargo test runs in the crate directory"
    );
    // Today's reader without the refusal reads the committed clip through
    // this playlist: the disclosure the refusal prevents.
    let dir = tempfile::tempdir().unwrap();
    let playlist = dir.path().join("list.mp4");
    std::fs::write(&playlist, ffconcat(COMMITTED)).unwrap();
    assert_every_verb_refused(&playlist);
    let e = imdecode_with(
        ffconcat(COMMITTED).as_bytes(),
        &ReadOptions::new().extension(".mov"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.message().contains("allow_playlists"), "{e}");
}

#[test]
fn allow_playlists_reads_a_local_playlist_and_the_local_files_it_lists() {
    link();
    let dir = tempfile::tempdir().unwrap();
    let secret = write_secret(dir.path());
    let direct = imread_with(&secret, &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(direct.shape(), &[FRAMES, H, W, 3]);
    for (name, text) in [
        ("hls.mp4", hls("secret.ts")),
        ("concat.mp4", ffconcat("secret.ts")),
    ] {
        let playlist = dir.path().join(name);
        std::fs::write(&playlist, text).unwrap();
        let via = imread_with(&playlist, &allow().index(Index::All))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(via.shape(), direct.shape(), "{name}");
        assert_eq!(
            via.as_bytes().unwrap(),
            direct.as_bytes().unwrap(),
            "{name}: the frames of the listed file"
        );
    }
}

#[test]
fn allow_playlists_from_memory_still_opens_nothing() {
    link();
    let dir = tempfile::tempdir().unwrap();
    let secret = write_secret(dir.path());
    for text in [hls(secret.to_str().unwrap()), ffconcat(COMMITTED)] {
        let e = imdecode_with(text.as_bytes(), &allow().extension(".mp4")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert!(
            e.message().contains("another resource"),
            "the error says a listed resource was refused: {e}"
        );
    }
}

#[test]
fn allow_playlists_is_a_declared_bool() {
    link();
    let spec = imageio_ffmpeg::READ_OPTIONS
        .iter()
        .find(|o| o.name == "allow_playlists")
        .expect("the option is declared");
    assert_eq!(spec.default, "false");
    let e = imdecode_with(
        b"not a video",
        &ReadOptions::new()
            .extension(".mp4")
            .option("allow_playlists", Value::from("yes")),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
}
