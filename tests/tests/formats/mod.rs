//! Per-format hostile inputs shared by the mutation run and the bomb test:
//! one file per plugin, each with `seeds()` and `bombs()`, so that a new
//! plugin adds its seeds without touching the two runners.

pub mod dicom;
pub mod fits;
pub mod heif;
pub mod jxl;
pub mod nifti;
pub mod psd;
pub mod raw;
pub mod tiff_series;

/// Every format's mutation seeds: (extension, bytes).
#[allow(dead_code)]
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    v.extend(dicom::seeds());
    v.extend(jxl::seeds());
    v.extend(heif::seeds());
    v.extend(raw::seeds());
    v.extend(psd::seeds());
    v.extend(fits::seeds());
    v.extend(nifti::seeds());
    v.extend(tiff_series::seeds());
    v
}

/// Every format's bombs: (name, extension, bytes).
#[allow(dead_code)]
pub fn bombs() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let mut v = Vec::new();
    v.extend(dicom::bombs());
    v.extend(jxl::bombs());
    v.extend(heif::bombs());
    v.extend(raw::bombs());
    v.extend(psd::bombs());
    v.extend(fits::bombs());
    v.extend(nifti::bombs());
    v.extend(tiff_series::bombs());
    v
}
