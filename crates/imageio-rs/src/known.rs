//! The first-party plugins, as data: which crate and facade feature links
//! each one and what it reads and writes, registered whether or not the
//! feature is on, so that "no plugin reads .tif" can say which feature to
//! enable. The core names no plugin; this table is the facade's, because the
//! facade is what knows the first-party crates and their features. A test
//! (`tests/routing.rs`) checks it against the linked plugins' own claims.

use imageio_core::plugin::KnownPlugin;

macro_rules! known {
    ($($plugin:literal, $crate_name:literal, $feature:literal,
       reads: [$($r:literal),*], writes: [$($w:literal),*], schemes: [$($s:literal),*];)*) => {
        $(imageio_core::inventory::submit! {
            KnownPlugin {
                plugin: $plugin,
                crate_name: $crate_name,
                feature: $feature,
                reads: &[$($r),*],
                writes: &[$($w),*],
                schemes: &[$($s),*],
            }
        })*
    };
}

known! {
    "png", "imageio-png", "png",
        reads: [".png", ".apng"], writes: [".png", ".apng"], schemes: [];
    "gif", "imageio-gif", "gif",
        reads: [".gif"], writes: [".gif"], schemes: [];
    "jpeg", "imageio-jpeg", "jpeg",
        reads: [".jpg", ".jpeg", ".jpe", ".jfif"], writes: [".jpg", ".jpeg", ".jpe", ".jfif"], schemes: [];
    "tiff", "imageio-tiff", "tiff",
        reads: [".tif", ".tiff"], writes: [".tif", ".tiff"], schemes: [];
    "npy", "imageio-npy", "npy",
        reads: [".npy", ".npz"], writes: [".npy", ".npz"], schemes: [];
    "pdf", "imageio-pdf", "pdf",
        reads: [".pdf"], writes: [".pdf"], schemes: [];
    "pillowlike", "imageio-pillowlike", "pillowlike",
        reads: [".png", ".apng", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".webp", ".tif",
                ".tiff", ".bmp", ".dib", ".ico", ".tga", ".pbm", ".pgm", ".ppm", ".pnm", ".pam",
                ".qoi", ".hdr", ".exr", ".ff", ".farbfeld", ".dds", ".pfm"],
        writes: [".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".webp", ".tif", ".tiff",
                 ".bmp", ".ico", ".tga", ".pbm", ".pgm", ".ppm", ".pnm", ".pam", ".qoi", ".hdr",
                 ".exr", ".ff", ".farbfeld", ".avif"],
        schemes: [];
    "ffmpeg", "imageio-ffmpeg", "ffmpeg",
        reads: [".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts", ".m2ts", ".mpg",
                ".mpeg", ".flv", ".wmv", ".ogv", ".3gp", ".gif"],
        writes: [".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".gif"],
        schemes: [];
    "camera", "imageio-ffmpeg", "ffmpeg-device",
        reads: [], writes: [], schemes: ["device"];
    "jpeg2000", "imageio-jpeg2000", "jpeg2000",
        reads: [".jp2", ".j2k", ".j2c", ".jpx"], writes: [], schemes: [];
    "webp", "imageio-webp", "webp",
        reads: [".webp"], writes: [".webp"], schemes: [];
    "nifti", "imageio-nifti", "nifti",
        reads: [".nii", ".nii.gz", ".gz"], writes: [".nii", ".nii.gz", ".gz"], schemes: [];
    "fits", "imageio-fits", "fits",
        reads: [".fits", ".fit", ".fts"], writes: [], schemes: [];
    "dicom", "imageio-dicom", "dicom",
        reads: [".dcm", ".dicom"], writes: [".dcm", ".dicom"], schemes: ["directory"];
    "jxl", "imageio-jxl", "jxl",
        reads: [".jxl"], writes: [".jxl"], schemes: [];
    "heif", "imageio-heif", "heif",
        reads: [".heic", ".heif", ".heics", ".heifs", ".hif", ".avif"], writes: [], schemes: [];
    "raw", "imageio-raw", "raw",
        reads: [".dng", ".cr2", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".cr3", ".raf", ".orf", ".rw2"],
        writes: [], schemes: [];
    "psd", "imageio-psd", "psd",
        reads: [".psd"], writes: [], schemes: [];
}
