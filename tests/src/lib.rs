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
