//! The NPY/NPZ plugin of imageio-rs: numpy's own formats, the lossless bridge
//! between Rust and Python. Registered as plugin `"npy"`: one [`PluginInfo`]
//! whose read and write entries claim the formats [`NPY`] (`.npy`, the
//! `\x93NUMPY` magic) and [`NPZ`] (`.npz`, a zip archive) at
//! [`Rank::DEDICATED`]. The core routes to [`open_read`] a file with the NPY
//! magic or a zip signature (whatever its name), and to [`open_write`] a
//! `.npy` or `.npz` target. A zip archive is still declined when a closer
//! look says it is not an NPZ: it is named with another extension (`.zip`),
//! or it has no extension and its members are not all `.npy` arrays.
//!
//! Reading returns the array as stored, in C order, with its shape kept
//! exactly (any number of axes, 0-d included):
//!
//! - the ten dtypes of [`DType`](imageio_core::DType), little or big endian
//!   (converted to this machine's order);
//! - `bool` arrays read as `uint8` 0/1 (a byte other than 0 reads as 1);
//! - `float16` arrays read as `float32` (exactly);
//! - Fortran-order data is reordered into a C-order array with the same values;
//! - complex, string, date, structured and object (pickled) arrays are refused
//!   with an [`Unsupported`](imageio_core::ErrorKind::Unsupported) error; pickles
//!   are never loaded.
//!
//! An `.npz` archive holds several arrays: image `i` is the `i`-th `.npy`
//! member in archive order, `n_images` is the number of members, stored and
//! deflated members are read (stored ones without copying). The read option
//! `name` picks one member by name instead. Metadata: `dtype` (the stored
//! numpy dtype, e.g. `"float16"`), `descr` (`"<u2"`), `fortran_order`,
//! `version`; for archives also `names` (every member, in order), `name` and
//! `compression` of the member read.
//!
//! The header is parsed here, by hand, so that the dtype and the size are
//! known and checked against the request's [`Limits`](imageio_core::Limits)
//! (and against the bytes actually present) before the array is allocated: a
//! header claiming 10^15 elements fails at once, small. The data is then
//! decoded straight into the array's own buffer; a `.npy` file stored in the
//! machine's order is read with positioned reads at its data offset into an
//! array that is never zeroed first (the file is not memory-mapped: see
//! [`ReadRequest::random_access`](imageio_core::plugin::ReadRequest::random_access)),
//! which is as fast as numpy's `np.load`. Arrays need not be images, so
//! only `max_alloc` bounds them (the image-axis limits would refuse a
//! `(2000000, 3)` table as "too tall").
//!
//! Writing uses the `ndarray-npy` crate. One `write` to `.npy` writes one
//! array, of any shape; a stack (`is_batch`) is written whole, as one array; a
//! second write is an error (write `.npz` for several). Each `write` to
//! `.npz` appends a member `arr_0`, `arr_1`, ... as `numpy.savez` does, stored,
//! or deflated as `numpy.savez_compressed` with the write option
//! `compress = true`; a stack becomes one member per image.
//!
//! Most users want the facade crate, `imageio-rs` (used as `imageio`), which
//! links this plugin with its `npy` feature (on by default):
//!
//! ```
//! use imageio::{imread, imwrite, immeta, NdImage};
//! # fn main() -> Result<(), imageio::Error> {
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("volume.npy");
//! let volume = NdImage::from(ndarray::Array3::<f32>::from_elem((4, 5, 6), 0.5));
//! imwrite(&path, &volume)?;
//! assert_eq!(imread(&path)?, volume);
//! assert_eq!(immeta(&path)?.get("dtype").and_then(|v| v.as_str()), Some("float32"));
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod decode;
mod header;
mod plugin;

pub use plugin::{open_read, open_write};

use imageio_core::plugin::{
    Claim, Format, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, Signature, WriteEntry,
};

/// NPY: one array, `.npy`, the magic `\x93NUMPY`.
pub const NPY: Format = Format::new("NPY", &[".npy"]).signatures(&[Signature::new(header::MAGIC)]);

/// NPZ: a zip archive of `.npy` members, `.npz`; a zip archive starts with a
/// local file header (`PK\x03\x04`), or with the end of the central
/// directory when it is empty (`PK\x05\x06`).
pub const NPZ: Format = Format::new("NPZ", &[".npz"]).signatures(&[
    Signature::new(plugin::ZIP_MAGIC),
    Signature::new(plugin::ZIP_EMPTY),
]);

/// The formats this plugin claims, reading and writing, as their dedicated
/// plugin.
pub const FORMATS: &[Claim] = &[
    Claim::new(NPY, Rank::DEDICATED),
    Claim::new(NPZ, Rank::DEDICATED),
];

/// The options `read` accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[OptionSpec::new(
    "name",
    OptionKind::Str,
    "",
    "NPZ only: read the member of this name (without .npy) instead of by index",
)];

/// The options `write` accepts.
pub const WRITE_OPTIONS: &[OptionSpec] = &[OptionSpec::new(
    "compress",
    OptionKind::Bool,
    "false",
    "NPZ only: deflate the members (numpy.savez_compressed) instead of storing them",
)];

imageio_core::inventory::submit! {
    PluginInfo {
        name: "npy",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "NPY and NPZ, numpy's formats: every dtype, any shape, lossless",
        read: Some(ReadEntry { formats: FORMATS, options: READ_OPTIONS, open: open_read }),
        write: Some(WriteEntry { formats: FORMATS, options: WRITE_OPTIONS, open: open_write }),
    }
}
