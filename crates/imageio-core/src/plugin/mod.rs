//! The plugin-author API: what a crate implements and registers to serve a
//! format. Users of the library never need this module; they call the verbs.
//!
//! A plugin is a crate that depends on `imageio-core` and its backend, and
//! registers one [`PluginInfo`] with `imageio_core::inventory::submit!`:
//!
//! - its name, crate and a one-line summary;
//! - per direction it supports, an entry ([`ReadEntry`], [`WriteEntry`]) with
//!   the formats it claims ([`Claim`]: a [`Format`]'s extensions, magic
//!   [`Signature`]s or URI scheme, and a [`Rank`]), the options it accepts
//!   ([`OptionSpec`]) and an opener;
//! - the opener gets a [`ReadRequest`] (bytes, reader, random access, local
//!   path) or a [`WriteRequest`] (an atomic [`Output`]) and returns a
//!   [`Reader`] or a [`Writer`].
//!
//! Routing is the core's job and is decided from the claims alone, before
//! any opener runs: a reader is offered a resource only when its extension
//! or URI scheme is claimed and the content carries a claimed signature (or
//! the format has none), or, whatever the name says, when the content
//! carries one of its signatures. An opener may still answer "not mine"
//! ([`Error::declined`](crate::Error::declined)) when the content needs a
//! closer look; selection then moves on.
//!
//! ```
//! use imageio_core::plugin::{
//!     Claim, Format, PluginInfo, Rank, ReadEntry, ReadRequest, Reader, Signature,
//! };
//! use imageio_core::{NdImage, Options, Result};
//!
//! const DEMO: Format = Format::new("Demo", &[".demo"]).signatures(&[Signature::new(b"DEMO")]);
//!
//! struct Demo(u8);
//! impl Reader for Demo {
//!     fn read(&mut self, index: usize, _: &Options) -> Result<NdImage> {
//!         if index > 0 {
//!             return Err(imageio_core::Error::index_out_of_range(index, Some(1)));
//!         }
//!         NdImage::from_shape_vec(&[1, 1], vec![self.0])
//!     }
//! }
//! fn open(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
//!     let bytes = request.bytes()?;
//!     Ok(Box::new(Demo(bytes.get(4).copied().unwrap_or(0))))
//! }
//! imageio_core::inventory::submit! {
//!     PluginInfo {
//!         name: "demo",
//!         crate_name: "demo-crate",
//!         summary: "Demo images",
//!         read: Some(ReadEntry { formats: &[Claim::new(DEMO, Rank::DEDICATED)], options: &[], open }),
//!         write: None,
//!     }
//! }
//! # fn main() {
//! let img = imageio_core::imread(b"DEMO\x07".to_vec()).unwrap();
//! assert_eq!(img.into_array::<u8>().unwrap()[[0, 0]], 7);
//! # }
//! ```

mod formats;
mod info;
mod traits;

pub use crate::access::{advise_huge_pages, RandomAccess};
pub use crate::convert::{channels_of, convert_mode, shape_after_mode};
pub use crate::keys;
pub use crate::limits::MAX_IMAGES;
pub use crate::orient::{apply_orientation, oriented_shape};
pub use crate::registry::{
    conflicts, plugin_by_name, plugins, read_candidates, routes, unlinked_plugins,
    write_candidates, Route, RouteKey,
};
pub use crate::request::{Output, ReadRequest, WriteRequest, DIRECTORY_SCHEME, FIRST_BYTES};
pub use crate::value::{dpi_option, validate_options, OptionKind, OptionSpec, DPI_OPTION_HELP};
pub use crate::{inventory, with_dtype, with_ndimage};
pub use formats::*;
pub use info::{Claim, Format, KnownPlugin, PluginInfo, Rank, ReadEntry, Signature, WriteEntry};
pub use traits::{image_dims, read_in_turn, Reader, Writer};
