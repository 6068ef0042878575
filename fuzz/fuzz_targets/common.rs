//! What the targets share: the limits a fuzzed read runs under, and the
//! reads of one input with an extension hint.

use imageio::{Index, Limits, ReadOptions};

/// Limits well inside libFuzzer's `-rss_limit_mb=2048`: a decoder that
/// allocates beyond them ignored `Limits`, which is a finding.
pub fn options() -> ReadOptions {
    ReadOptions::new().index(Index::All).limits(Limits {
        max_width: 1 << 16,
        max_height: 1 << 16,
        max_pixels: 1 << 24,
        max_alloc: 256 << 20,
    })
}

/// Decodes, and checks that a success is a consistent array.
pub fn decode(data: &[u8], options: &ReadOptions) {
    if let Ok(img) = imageio::imdecode_with(data, options) {
        let n: usize = img.shape().iter().product();
        if let Some(b) = img.as_bytes() {
            assert_eq!(b.len(), n * img.dtype().size(), "bytes match the shape");
        }
    }
}

/// The container targets (`pdf`, `tiff`, `video`): `data` read as a file
/// named `*{ext}` from memory (the core routes by the hint, and the video
/// plugin reads through FFmpeg's custom I/O): its properties (the page or
/// frame walk), its metadata, then every image. `allow_playlists` is never
/// set: a playlist must be refused, never followed.
#[allow(dead_code)]
pub fn decode_as(data: &[u8], ext: &str) {
    let opts = options().extension(ext);
    let _ = imageio::improps_with(data, &opts.clone().index(Index::At(0)));
    let _ = imageio::immeta_with(data, &opts.clone().index(Index::At(0)));
    decode(data, &opts);
}
