//! PDF through the core: the input is a file read as `.pdf` (pages, forms,
//! images, their properties and metadata). Seeds: `cargo xtask fuzz`
//! (forms that draw themselves, deep and wide form trees, the corpus PDFs).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::decode_as(data, ".pdf");
});
