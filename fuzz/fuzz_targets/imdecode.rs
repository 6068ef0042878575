//! `imdecode` of arbitrary bytes with no hint: plugin selection by content,
//! then every plugin's read path (all frames).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::decode(data, &common::options());
});
