//! Helpers shared by the workspace-level integration tests.
//!
//! [`npy`] reads the reference arrays of the conformance corpus and builds
//! NPY files
//! (`tests/tests/conformance.rs`); [`reliability`] serves the writes, bombs,
//! mutation and concurrency tests; [`hostile`] builds the hostile files of
//! the bombs and mutation tests.
#![forbid(unsafe_code)]

pub mod hostile;
pub mod npy;
pub mod reliability;
/// The fuzz targets' seeds (`fuzz/seeds.rs`), whose PDF and JPEG 2000
/// builders [`hostile`] shares.
#[path = "../../fuzz/seeds.rs"]
pub mod seeds;
