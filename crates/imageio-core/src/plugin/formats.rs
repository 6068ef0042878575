//! Formats that several plugins claim, defined once: their extensions and
//! magic numbers are facts about files, not about plugins. A format served
//! by one plugin only is defined in that plugin's crate.

use super::{Format, Signature};

/// PNG (and APNG in a `.png` file).
pub const PNG: Format = Format::new("PNG", &[".png"]).signatures(PNG_SIGNATURES);
/// APNG under its own extension.
pub const APNG: Format = Format::new("APNG", &[".apng"]).signatures(PNG_SIGNATURES);
const PNG_SIGNATURES: &[Signature] = &[Signature::new(b"\x89PNG\r\n\x1a\n")];

/// GIF 87a and 89a.
pub const GIF: Format = Format::new("GIF", &[".gif"])
    .signatures(&[Signature::new(b"GIF87a"), Signature::new(b"GIF89a")]);

/// JPEG (JFIF, EXIF, Adobe): any file that starts with SOI and a marker.
pub const JPEG: Format = Format::new("JPEG", &[".jpg", ".jpeg", ".jpe", ".jfif"])
    .signatures(&[Signature::new(b"\xFF\xD8\xFF")]);

/// TIFF and BigTIFF, in both byte orders.
pub const TIFF: Format = Format::new("TIFF", &[".tif", ".tiff"]).signatures(&[
    Signature::new(b"II*\0"),
    Signature::new(b"MM\0*"),
    Signature::new(b"II+\0"),
    Signature::new(b"MM\0+"),
]);

/// WebP (lossy, lossless, animated): a RIFF container of form `WEBP`.
pub const WEBP: Format = Format::new("WebP", &[".webp"]).signatures(&[Signature::masked(
    0,
    b"RIFF\0\0\0\0WEBP",
    b"\xFF\xFF\xFF\xFF\0\0\0\0\xFF\xFF\xFF\xFF",
)]);

/// AVIF: an ISO-BMFF file whose `ftyp` brand is `avif` or `avis`.
pub const AVIF: Format = Format::new("AVIF", &[".avif"])
    .signatures(&[Signature::at(4, b"ftypavif"), Signature::at(4, b"ftypavis")]);
