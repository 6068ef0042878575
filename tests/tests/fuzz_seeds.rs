//! The fuzz seeds, replayed: every hostile seed of the container fuzz
//! targets (`fuzz/seeds.rs`: PDF forms that draw themselves, TIFF IFD
//! chains and loops, HLS/ffconcat/SDP playlists, an mp4 data reference) is
//! read through the core as its target reads it (properties, metadata and
//! every image, from memory with the extension hint), and each read must
//! end within [`BUDGET`] without a panic (`Internal`). The playlists must be
//! refused (`Unsupported`): FFmpeg opens only the input it was given.
//!
//! This is the deterministic, CI-sized stand-in for a fuzz smoke run (a
//! sanitizer build of `fuzz/` costs far more than CI's time budget); `cargo
//! xtask fuzz` runs the targets themselves from the same seeds.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use imageio::{imdecode_with, immeta_with, improps_with, ErrorKind, Index, ReadOptions};

use imageio_tests::seeds;

/// How long the reads of one seed may take together.
const BUDGET: Duration = Duration::from_secs(10);

/// What reading one seed gave: the error kinds of properties, metadata and
/// the whole read (`None` for a success).
type Outcome = [Option<ErrorKind>; 3];

/// Reads `file` as `ext` the way the container fuzz targets do, on a
/// thread, waiting at most [`BUDGET`].
fn replay(name: &str, file: Vec<u8>, ext: &'static str) -> Outcome {
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let opts = ReadOptions::new().extension(ext);
        let at0 = opts.clone().index(Index::At(0));
        let kinds = [
            improps_with(file.as_slice(), &at0).err().map(|e| e.kind()),
            immeta_with(file.as_slice(), &at0).err().map(|e| e.kind()),
            imdecode_with(&file, &opts.index(Index::All))
                .err()
                .map(|e| e.kind()),
        ];
        let _ = tx.send(kinds);
    });
    match rx.recv_timeout(BUDGET) {
        Ok(kinds) => kinds,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{name}: the reads did not end within {BUDGET:?}")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!(
                "{name}: the reading thread died after {:?}",
                started.elapsed()
            )
        }
    }
}

#[test]
fn every_container_seed_reads_within_its_budget_without_a_panic() {
    let mut failures = Vec::new();
    for (target, _) in seeds::CONTAINER_TARGETS {
        for (name, input) in seeds::seeds(target) {
            let (file, ext) = seeds::file_of(target, &input).expect("a seed of its target");
            let started = Instant::now();
            let kinds = std::panic::catch_unwind(|| replay(&name, file.to_vec(), ext));
            let Ok(kinds) = kinds else {
                failures.push(format!("{name}: over budget or died"));
                continue;
            };
            eprintln!("{name} ({ext}): {kinds:?} in {:?}", started.elapsed());
            if kinds.contains(&Some(ErrorKind::Internal)) {
                failures.push(format!("{name}: a panic (Internal): {kinds:?}"));
            }
            let playlist = ["video-hls", "video-concat", "video-sdp"]
                .iter()
                .any(|p| name.starts_with(p));
            if playlist && kinds != [Some(ErrorKind::Unsupported); 3] {
                failures.push(format!("{name}: a playlist not refused: {kinds:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
