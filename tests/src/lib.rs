//! Helpers shared by the workspace-level integration tests.
//!
//! [`npy`] reads the reference arrays of the conformance corpus
//! (`tests/tests/conformance.rs`); [`reliability`] serves the writes, bombs,
//! mutation and concurrency tests.

pub mod npy;
pub mod reliability;
