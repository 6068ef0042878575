//! The core of imageio-rs: the verbs ([`imread`], [`imwrite`], [`imiter`],
//! [`improps`], [`immeta`], [`imopen`], [`imencode`], [`imdecode`]), the
//! [`Request`] through which plugins reach the bytes, the [`Plugin`] trait and
//! [`PluginInfo`] registration, plugin selection, the [`NdImage`] array type,
//! [`Metadata`], [`Options`], [`Limits`] and the one [`Error`] type.
//!
//! Where the bytes live is the [`Uri`]'s business, so every plugin serves
//! every source: files, members of zip archives (`archive.zip/dir/a.png`,
//! read and written, other members kept), `http(s)://` URLs (read only, with
//! the `http` feature: timeouts, `Limits::max_alloc`, a redirect limit; see
//! [`HttpOptions`]), bytes in memory and streams.
//!
//! This crate depends on no codec. Users want the `imageio` facade, which
//! re-exports everything here and links the plugins its features enable.
//! Plugin authors depend on this crate only and register with
//! `imageio_core::inventory::submit!`.
//!
//! ```
//! use imageio_core::{imread, imread_with, ReadOptions, Index, DType};
//! // Built-in standard images need no plugin at all.
//! let img = imread("imageio:gradient16").unwrap();
//! assert_eq!((img.shape(), img.dtype()), (&[256usize, 256][..], DType::U16));
//! let frames = imread_with("imageio:animation", &ReadOptions::new().index(Index::All)).unwrap();
//! assert_eq!(frames.shape(), &[8, 64, 64, 3]);
//! ```
#![deny(missing_docs)]

mod access;
mod convert;
mod dtype;
mod error;
mod http;
pub mod keys;
mod limits;
mod ndimage;
mod plugin;
mod registry;
mod request;
mod standard;
#[doc(hidden)]
pub mod test_hooks;
mod uri;
mod value;
mod verbs;
mod zipmember;

pub use access::{advise_huge_pages, RandomAccess};
pub use convert::{channels_of, convert_mode, shape_after_mode, Mode};
pub use dtype::{DType, Element};
pub use error::{Error, ErrorKind, Result};
pub use limits::Limits;
pub use ndimage::NdImage;
pub use plugin::{read_in_turn, ImageProperties, Index, Plugin, PluginInfo, Signature};
pub use registry::{
    candidates, first_party_for, plugin_by_name, plugins, select, FirstParty, PRIORITY,
};
pub use request::{IoMode, Request, Writer, FIRST_BYTES};
pub use standard::STANDARD_IMAGES;
pub use uri::{
    is_url, normalize_extension, HttpOptions, ReadSeek, SharedBytes, Uri, HTTP_CONNECT_TIMEOUT,
    HTTP_MAX_REDIRECTS, HTTP_READ_TIMEOUT,
};
pub use value::{
    dpi_option, validate_options, Metadata, OptionKind, OptionSpec, Options, Value, DPI_OPTION_HELP,
};
pub use verbs::{
    guess_is_batch, imdecode, imdecode_with, imencode, imencode_with, imiter, imiter_with, immeta,
    immeta_with, imopen, improps, improps_with, imread, imread_with, imwrite, imwrite_with,
    ImageFile, ImageIter, ReadOptions, WriteOptions,
};

/// The `inventory` this crate collects plugins with; plugins call
/// `imageio_core::inventory::submit!`.
pub use inventory;
/// The `ndarray` this crate uses, so users need no version match.
pub use ndarray;
