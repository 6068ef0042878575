//! Hostile inputs of the heif plugin for the mutation run (`seeds`) and the
//! bomb test (`bombs`), included by `tests/tests/mutation.rs` and
//! `tests/tests/bombs.rs` (see `tests/tests/formats/mod.rs`). The files come
//! from `crates/imageio-heif/tests/data` (pillow-heif, Pillow and imagecodecs
//! made them; its README says how).

/// A file of the heif plugin's test data.
macro_rules! data {
    ($name:literal) => {
        include_bytes!(concat!("../../../crates/imageio-heif/tests/data/", $name)).to_vec()
    };
}

/// Seed files for the mutation run: (extension, bytes). Each is read
/// unmutated with every read variant, then mutated.
#[allow(dead_code)]
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    vec![
        (".heic".into(), data!("rgb8.heic")),
        (".heic".into(), data!("rgba12.heic")),
        (".heic".into(), data!("multi3.heic")),
        (".heic".into(), data!("orient5.heic")),
        (".avif".into(), data!("rgb10.avif")),
        (".avif".into(), data!("gray8.avif")),
        (".avif".into(), data!("seq3.avif")),
    ]
}

/// Every `ispe` (image spatial extents) property of `file` set to
/// `width` x `height`.
fn with_ispe(mut file: Vec<u8>, width: u32, height: u32) -> Vec<u8> {
    let at: Vec<usize> = file
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"ispe")
        .map(|(i, _)| i)
        .collect();
    assert!(!at.is_empty(), "the file has an ispe box");
    for i in at {
        // type, then version and flags (4 bytes), width, height.
        file[i + 8..i + 12].copy_from_slice(&width.to_be_bytes());
        file[i + 12..i + 16].copy_from_slice(&height.to_be_bytes());
    }
    file
}

/// The `stsz` sample count of `file` (an image sequence) set to `n`.
fn with_samples(mut file: Vec<u8>, n: u32) -> Vec<u8> {
    let i = file
        .windows(4)
        .position(|w| w == b"stsz")
        .expect("the file has an stsz box");
    // type, version and flags, sample size, then the count.
    file[i + 12..i + 16].copy_from_slice(&n.to_be_bytes());
    file
}

/// The `av01` sample entry of `file` (an AVIF sequence) set to `width` x
/// `height`.
fn with_sample_entry_size(mut file: Vec<u8>, width: u16, height: u16) -> Vec<u8> {
    let stsd = file
        .windows(4)
        .position(|w| w == b"stsd")
        .expect("the file has an stsd box");
    let i = stsd
        + file[stsd..]
            .windows(4)
            .position(|w| w == b"av01")
            .expect("the sequence is AV1");
    // type, reserved (6), data reference (2), pre-defined and reserved (16).
    file[i + 28..i + 30].copy_from_slice(&width.to_be_bytes());
    file[i + 30..i + 32].copy_from_slice(&height.to_be_bytes());
    file
}

/// Bombs: files whose headers promise more than the default limits allow,
/// as (name, extension, bytes); each must be refused fast and small with a
/// `LimitExceeded` error or a clean decode error.
#[allow(dead_code)]
pub fn bombs() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        (
            "heic-ispe-1e6-by-1e6",
            ".heic",
            with_ispe(data!("rgb8.heic"), 1_000_000, 1_000_000),
        ),
        (
            "heic-ispe-65535-squared-12bit-rgba",
            ".heic",
            with_ispe(data!("rgba12.heic"), 65_535, 65_535),
        ),
        (
            "avif-ispe-1e6-by-1e6",
            ".avif",
            with_ispe(data!("rgb10.avif"), 1_000_000, 1_000_000),
        ),
        (
            "avif-sequence-4e9-frames",
            ".avif",
            with_samples(data!("seq3.avif"), u32::MAX),
        ),
        (
            "avif-sequence-65535-squared",
            ".avif",
            with_sample_entry_size(data!("seq3.avif"), 65_535, 65_535),
        ),
    ]
}
