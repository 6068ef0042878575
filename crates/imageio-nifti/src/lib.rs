//! The NIfTI plugin of imageio-rs: NIfTI-1 and NIfTI-2 volumes (`.nii`,
//! and gzip-compressed `.nii.gz`), read and written. Registered as plugin
//! `"nifti"`. The NIfTI-1 header is parsed by the
//! [`nifti`](https://crates.io/crates/nifti) crate (without its ndarray and
//! nalgebra features); that crate reads no NIfTI-2 and writes to file paths
//! only, so the NIfTI-2 header, the voxels and the writer are this crate's
//! own (a NIfTI header is a fixed 348- or 540-byte record).
//!
//! # What a read returns
//! - **Axes.** The C-order view of the stored data: a 3-D volume is
//!   `(z, y, x)`, a 4-D series `(t, z, y, x)`, a 2-D image `(y, x)`; so a
//!   slice `volume[k]` is an `(H, W)` image like every other image, as
//!   Python imageio's ITK plugin returns volumes. **nibabel returns the
//!   transpose**: its `img.get_fdata()` is `(x, y, z)`, so nibabel's
//!   `a[i, j, k]` is our `a[k, j, i]` (`a.T` in numpy). All `dim[0]` axes
//!   are kept, axes of length 1 too.
//! - **Dtypes.** Every numeric datatype as stored: u8, i8, u16, i16, u32,
//!   i32, u64, i64, f32, f64; RGB24 and RGBA32 as u8 with a last axis of 3
//!   or 4. Bool, complex and 128-bit datatypes are refused (`Unsupported`).
//! - **Scaling.** By default (read option `scale=true`) a file whose
//!   `scl_slope` is valid (finite, not 0) and not the identity (1, 0) reads
//!   as f64 `stored * scl_slope + scl_inter`, exactly nibabel's
//!   `img.get_fdata()` (and `np.asarray(img.dataobj)`); every other file
//!   reads in its stored dtype. This is what Python imageio's ITK plugin
//!   returns too: SimpleITK 2.5 (ITK 5.4) applies the scaling, as float32
//!   (within float32 rounding of ours; it keeps int16 when unscaled).
//!   `scale=false` returns the stored values, unscaled (nibabel's
//!   `img.dataobj.get_unscaled()`). A valid slope with a non-finite
//!   intercept is an error, as in nibabel. `scl_slope` and `scl_inter` are
//!   in the metadata either way. RGB and RGBA are never scaled.
//! - **Spacing.** [`ImageProperties::spacing`](imageio_core::ImageProperties)
//!   holds `pixdim` in the order of the array's axes (`(dz, dy, dx)`, with
//!   `dt` first for a series), as stored (units in the metadata).
//! - **Metadata.** `affine` (4 rows of 4 floats, for voxel indices in
//!   nibabel's `(x, y, z)` order: nibabel's `img.affine`), `affine_source`
//!   (`sform` when `sform_code > 0`, else `qform` when `qform_code > 0`,
//!   else `pixdim`: nibabel's default), `qform_code`, `sform_code` (names),
//!   `spatial_unit`, `time_unit` (`mm`, `s`, ...), `pixdim`, `spacing`,
//!   `dim` (stored order), `datatype`, `nifti_version`, `byteorder`,
//!   `scl_slope`, `scl_inter`, `cal_min`, `cal_max`, `toffset`,
//!   `intent_code`, `intent_name`, `dim_info`, `description` (`descrip`),
//!   `compression` (`gzip`).
//!
//! One file is one image (`n_images` is 1). Big-endian files are read.
//! Extensions between the header and the voxels are skipped. `.hdr`/`.img`
//! pairs are not read (`.hdr` is Radiance HDR here).
//!
//! # Limits and hostile input
//! The header is read first (for `.nii.gz`, its first 540 decompressed
//! bytes); the volume's size (`dim` product times the datatype's size)
//! goes through [`Limits`](imageio_core::Limits) before any voxel buffer
//! exists, and an uncompressed file must hold `vox_offset` plus that many
//! bytes. A gzip stream is decompressed only up to the end of the volume
//! the header declared, so a gzip bomb costs at most `max_alloc`.
//!
//! # Writing
//! One array per file, any of the ten numeric dtypes, 1 to 7 axes, in
//! reverse order as the stored axes: writing `(z, y, x)` writes a file
//! nibabel reads back as `(x, y, z)` with equal values (our read gives the
//! array back). NIfTI-1 (`n+1`, little-endian, `vox_offset` 352), or
//! NIfTI-2 with the option `version=2` (chosen by itself when an axis
//! exceeds 32767). `.nii.gz` (and a memory target named `.gz`) is gzipped.
//! Options: `spacing` (one number per array axis, written to `pixdim` in
//! stored order, units mm and s), `affine` (the 3x4 or 4x4 matrix for
//! `(x, y, z)` indices, written as the sform, code `aligned`; the voxel
//! sizes default to its column lengths), `description`. Without them the
//! header says unit voxels and no transform, as nibabel writes
//! `Nifti1Image(a, None)`. The file appears only when the write completed
//! (the core's atomic write).
//!
//! # Routing
//! `.nii` is claimed with its signatures (`n+1\0` at byte 344, `n+2\0\r\n\x1a\n`
//! at byte 4), so a `.nii` file is found whatever its name. The core routes
//! by the last extension, so `x.nii.gz` arrives as `.gz`: this plugin claims
//! `.gz` (and `.nii.gz`, for explicit extensions) without a signature, looks
//! inside the gzip stream, and declines what is not NIfTI; it writes `.gz`
//! only to names ending in `.nii.gz`.
//!
//! Most users want the `imageio-rs` facade, which links this plugin with its
//! `nifti` feature.
#![deny(missing_docs)]

mod header;
mod read;
mod write;

use imageio_core::plugin::{
    Claim, Format, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, Signature, WriteEntry,
};

pub use header::{V1_MAGIC, V2_MAGIC};
pub use read::{open_read, GZIP_MAGIC};
pub use write::open_write;

/// NIfTI-1 and NIfTI-2 single files: `.nii`, found by their magic.
pub const FORMAT: Format = Format::new("NIfTI", &[".nii"])
    .signatures(&[Signature::at(344, V1_MAGIC), Signature::at(4, V2_MAGIC)]);

/// Gzip-compressed NIfTI: `.nii.gz`, which routing sees as `.gz` (no
/// signature: the gzip stream is opened to tell).
pub const FORMAT_GZ: Format = Format::new("NIfTI (gzip)", &[".nii.gz", ".gz"]);

/// The options the reader accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[OptionSpec::new(
    "scale",
    OptionKind::Bool,
    "true",
    "apply scl_slope/scl_inter (f64, as nibabel's get_fdata) when the file has them; false: stored values",
)];

/// The options the writer accepts.
pub const WRITE_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "version",
        OptionKind::Int,
        "1",
        "NIfTI version: 1, or 2 (used by itself when an axis exceeds 32767)",
    ),
    OptionSpec::new(
        "spacing",
        OptionKind::FloatOrList,
        "",
        "voxel sizes, one per array axis (written to pixdim in stored order, in mm and s)",
    ),
    OptionSpec::new(
        "affine",
        OptionKind::List,
        "",
        "voxel-to-world matrix (3x4 or 4x4) for (x, y, z) indices, written as the sform",
    ),
    OptionSpec::new(
        "description",
        OptionKind::Str,
        "",
        "the descrip field (79 bytes)",
    ),
];

imageio_core::inventory::submit! {
    PluginInfo {
        name: "nifti",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "NIfTI-1/NIfTI-2 volumes (.nii, .nii.gz): every numeric dtype and RGB, (z, y, x) order, spacing and affine; header on the `nifti` crate",
        read: Some(ReadEntry {
            formats: &[
                Claim::new(FORMAT, Rank::DEDICATED),
                Claim::new(FORMAT_GZ, Rank::DEDICATED),
            ],
            options: READ_OPTIONS,
            open: open_read,
        }),
        write: Some(WriteEntry {
            formats: &[
                Claim::new(FORMAT, Rank::DEDICATED),
                Claim::new(FORMAT_GZ, Rank::DEDICATED),
            ],
            options: WRITE_OPTIONS,
            open: open_write,
        }),
    }
}
