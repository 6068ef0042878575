//! The `rotate` read option: `image`'s orientation as the EXIF code that
//! `imageio_core::plugin::apply_orientation` applies.

/// The EXIF orientation code (1..=8) for `image`'s orientation.
pub(crate) fn code(o: image::metadata::Orientation) -> u32 {
    use image::metadata::Orientation as O;
    match o {
        O::NoTransforms => 1,
        O::FlipHorizontal => 2,
        O::Rotate180 => 3,
        O::FlipVertical => 4,
        O::Rotate90FlipH => 5,
        O::Rotate90 => 6,
        O::Rotate270FlipH => 7,
        O::Rotate270 => 8,
    }
}
