//! Video through the core and FFmpeg's custom I/O: the first byte picks the
//! extension hint (a container the ffmpeg plugin claims, see
//! `seeds::VIDEO_EXTENSIONS`), the rest is the file. Seeds: `cargo xtask
//! fuzz` (HLS and ffconcat playlists that name local files and URLs, an
//! SDP, an mp4 data reference, the corpus videos).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../seeds.rs"]
mod seeds;

fuzz_target!(|data: &[u8]| {
    if let Some((file, ext)) = seeds::file_of("video", data) {
        common::decode_as(file, ext);
    }
});
