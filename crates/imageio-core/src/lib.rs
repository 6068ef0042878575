//! The core of imageio-rs: the verbs ([`imread`], [`imwrite`], [`imiter`],
//! [`improps`], [`immeta`], [`imopen`], [`imencode`], [`imdecode`]), the
//! [`NdImage`] array type, [`ImageProperties`], [`Metadata`], [`Limits`]
//! and the one [`Error`] type; and, for plugin authors, the [`plugin`]
//! module: the [`Reader`](plugin::Reader) and [`Writer`](plugin::Writer)
//! traits, the requests through which plugins reach resources, registration
//! and routing.
//!
//! Where the bytes live is the [`Uri`]'s business, so every plugin serves
//! every source: files, members of zip archives (`archive.zip/dir/a.png`,
//! read and written, other members kept), `http(s)://` URLs (read only, with
//! the `http` feature: timeouts, `Limits::max_alloc`, a redirect limit; see
//! [`HttpOptions`]), bytes in memory and streams.
//!
//! This crate depends on no codec. Users want the `imageio-rs` facade
//! (`use imageio::...`), which re-exports the user API and links the plugins
//! its features enable. Plugin authors depend on this crate only and register
//! with `imageio_core::inventory::submit!` (see [`plugin`]).
//!
//! ```
//! use imageio_core::{imread, imread_with, ReadOptions, Index, DType};
//! // Built-in standard images need no codec plugin.
//! let img = imread("imageio:gradient16").unwrap();
//! assert_eq!((img.shape(), img.dtype()), (&[256usize, 256][..], DType::U16));
//! let frames = imread_with("imageio:animation", &ReadOptions::new().index(Index::All)).unwrap();
//! assert_eq!(frames.shape(), &[8, 64, 64, 3]);
//! ```
#![deny(missing_docs)]

mod access;
pub mod canvas;
mod convert;
mod dtype;
mod error;
mod file;
mod http;
pub mod keys;
mod limits;
mod ndimage;
mod options;
mod orient;
pub mod plugin;
mod props;
mod registry;
mod request;
mod standard;
mod standard_remote;
#[doc(hidden)]
pub mod test_corpus;
#[doc(hidden)]
pub mod test_hooks;
mod uri;
mod value;
mod verbs;
mod zipmember;

pub use convert::Mode;
pub use dtype::{DType, Element};
pub use error::{Error, ErrorKind, Hint, Result};
pub use file::{ImageFile, ImageIter};
pub use limits::Limits;
pub use ndimage::NdImage;
pub use options::{guess_is_batch, ReadOptions, WriteOptions};
pub use props::{ImageProperties, Index};
pub use request::IoMode;
pub use standard::STANDARD_IMAGES;
pub use standard_remote::{
    standard_images_dir, DEFAULT_STANDARD_IMAGES_URL, MAX_STANDARD_IMAGE_BYTES,
    REMOTE_STANDARD_IMAGES, STANDARD_IMAGES_DIR_VAR, STANDARD_IMAGES_URL_VAR,
};
pub use uri::{
    is_url, normalize_extension, redact_url, HttpOptions, ReadSeek, SharedBytes, Uri,
    HTTP_CONNECT_TIMEOUT, HTTP_MAX_REDIRECTS, HTTP_READ_TIMEOUT, HTTP_TOTAL_TIMEOUT,
};
pub use value::{Metadata, Options, Value};
pub use verbs::{
    imdecode, imdecode_with, imencode, imencode_with, imiter, imiter_with, immeta, immeta_with,
    imopen, improps, improps_with, imread, imread_with, imwrite, imwrite_with,
};

/// The `inventory` this crate collects plugins with; plugins call
/// `imageio_core::inventory::submit!`.
pub use inventory;
/// The `ndarray` this crate uses, so users need no version match.
pub use ndarray;
