//! `imdecode` with an extension hint: the input is `EXT NUL FILE`, the
//! extension (at most 16 bytes, e.g. `.png`) then the file's bytes. The seeds
//! (`cargo xtask fuzz`) are the corpus files behind their own extension, so
//! every plugin, a new one included, is reached through its hint, also with
//! bytes its signature does not match.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some(nul) = data.iter().take(17).position(|&b| b == 0) else {
        return;
    };
    let Ok(ext) = std::str::from_utf8(&data[..nul]) else {
        return;
    };
    let opts = common::options().extension(ext);
    common::decode(&data[nul + 1..], &opts);
});
