//! Hostile inputs of the raw plugin for the mutation run (`seeds`) and the
//! bomb test (`bombs`), included by `tests/tests/mutation.rs` and
//! `tests/tests/bombs.rs` (see `tests/tests/formats/mod.rs`).

/// Seed files for the mutation run: (extension, bytes). Each is read
/// unmutated with every read variant, then mutated.
#[allow(dead_code)]
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    vec![
        // DNGs written by pidng (16-bit CFA, uncompressed), 3.5 and 1.6 KB.
        (
            ".dng".into(),
            include_bytes!("../../../crates/imageio-raw/tests/data/rggb.dng").to_vec(),
        ),
        (
            ".dng".into(),
            include_bytes!("../../../crates/imageio-raw/tests/data/gbrg.dng").to_vec(),
        ),
    ]
}

/// A little-endian TIFF whose IFD0 holds `entries` (tag, type, count,
/// value), then, when `sub` is set, a SubIFD at the end with those entries.
fn tiff(entries: &[(u16, u16, u32, u32)], sub: &[(u16, u16, u32, u32)]) -> Vec<u8> {
    let ifd = |b: &mut Vec<u8>, entries: &[(u16, u16, u32, u32)], next: u32| {
        b.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for &(tag, ty, count, value) in entries {
            b.extend_from_slice(&tag.to_le_bytes());
            b.extend_from_slice(&ty.to_le_bytes());
            b.extend_from_slice(&count.to_le_bytes());
            b.extend_from_slice(&value.to_le_bytes());
        }
        b.extend_from_slice(&next.to_le_bytes());
    };
    let mut b = b"II*\0\x08\0\0\0".to_vec();
    let mut top = entries.to_vec();
    if !sub.is_empty() {
        let at = 8 + 2 + 12 * (top.len() as u32 + 1) + 4;
        top.push((330, 4, 1, at));
    }
    ifd(&mut b, &top, 0);
    if !sub.is_empty() {
        ifd(&mut b, sub, 0);
    }
    b
}

/// Bombs: files whose headers promise more than the default limits allow,
/// as (name, extension, bytes); each must be refused fast and small with a
/// `LimitExceeded` error or a clean decode error.
#[allow(dead_code)]
pub fn bombs() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let dng_version = (50706, 1, 4, 0x0000_0401); // DNGVersion 1.4.0.0
    let cfa = [
        (254, 4, 1, 0),         // NewSubFileType: the main image
        (256, 4, 1, 1_000_000), // ImageWidth
        (257, 4, 1, 1_000_000), // ImageLength
        (258, 3, 1, 16),        // BitsPerSample
        (259, 3, 1, 1),         // no compression
        (262, 3, 1, 32803),     // CFA
        (273, 4, 1, 8),         // StripOffsets
        (277, 3, 1, 1),         // SamplesPerPixel
        (278, 4, 1, 1_000_000),
        (279, 4, 1, 16), // StripByteCounts
    ];
    let mut ifd0 = cfa.to_vec();
    ifd0.push(dng_version);
    vec![
        // A DNG whose IFD0 declares a 1e6 x 1e6 CFA image (2 TB of u16).
        ("dng 1e6 x 1e6 in IFD0", ".dng", tiff(&ifd0, &[])),
        // The same image in a SubIFD (where DNG and NEF keep the raw data).
        (
            "dng 1e6 x 1e6 in a SubIFD",
            ".dng",
            tiff(
                &[(254, 4, 1, 1), (256, 4, 1, 8), (257, 4, 1, 8), dng_version],
                &cfa,
            ),
        ),
        // A NEF-named TIFF whose IFD chain loops on itself.
        ("nef looping IFD chain", ".nef", {
            let mut b = tiff(&[(256, 4, 1, 8), (257, 4, 1, 8)], &[]);
            let len = b.len();
            b[len - 4..].copy_from_slice(&8u32.to_le_bytes());
            b
        }),
        // An RAF header with nothing behind it.
        (
            "raf header only",
            ".raf",
            b"FUJIFILMCCD-RAW 0201FF383501".to_vec(),
        ),
    ]
}
