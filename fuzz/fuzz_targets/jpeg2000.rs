//! JPEG 2000 through the core: the input is a file read as `.j2k` (a bare
//! codestream, or a JP2 file found by its signature): the box walk, the SIZ
//! and tile checks against the limits, the decode. Seeds: `cargo xtask
//! fuzz` (codestreams and JP2 files whose headers claim huge sizes or
//! millions of tiles, the corpus' JPEG 2000 files).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::decode_as(data, ".j2k");
});
