//! What both targets share: the limits a fuzzed read runs under.

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
