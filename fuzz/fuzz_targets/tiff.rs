//! TIFF through the core: the input is a file read as `.tif` (the IFD walk,
//! every page, properties and metadata). Seeds: `cargo xtask fuzz` (IFD
//! chains, loops, offsets past the end, big-endian and BigTIFF headers, the
//! corpus TIFFs).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::decode_as(data, ".tif");
});
