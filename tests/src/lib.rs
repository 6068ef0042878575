//! Helpers shared by the workspace-level integration tests.
//!
//! [`npy`] reads the reference arrays of the conformance corpus
//! (`tests/tests/conformance.rs`).

pub mod npy;
