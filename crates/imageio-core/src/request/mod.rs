//! The requests through which plugins reach resources, one type per
//! direction so that a wrong-direction call does not compile:
//! [`ReadRequest`] (first bytes, whole content, reader, positioned reads,
//! local path) and [`WriteRequest`] (an atomic [`Output`]).

mod read;
mod write;

pub use read::{ReadRequest, DIRECTORY_SCHEME};
pub(crate) use write::{sync_parent, temp_builder, temp_prefix};
pub use write::{Output, WriteRequest};

/// How many bytes [`ReadRequest::first_bytes`] holds (fewer for shorter content).
pub const FIRST_BYTES: usize = 512;

/// Whether a resource is opened for reading or writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoMode {
    /// Read images.
    Read,
    /// Write images.
    Write,
}
