//! The metadata keys several formats share, spelled once for every plugin.

/// Frame duration in milliseconds (int or float; a list for per-frame values
/// in file-level metadata).
pub const DURATION: &str = "duration";
/// Loop count of an animation: 0 = forever.
pub const LOOP: &str = "loop";
/// Frames per second (float).
pub const FPS: &str = "fps";
/// Number of frames (int).
pub const N_FRAMES: &str = "n_frames";
/// Codec name (`"h264"`, `"lzw"`...).
pub const CODEC: &str = "codec";
/// Resolution in dots per inch: a list `[x, y]` of floats.
pub const DPI: &str = "dpi";
/// The ICC profile, bytes.
pub const ICC_PROFILE: &str = "icc_profile";
/// Raw EXIF bytes (TIFF structure, without the `Exif\0\0` prefix).
pub const EXIF: &str = "exif";
/// EXIF orientation, 1..8 (reported, applied only when asked).
pub const ORIENTATION: &str = "orientation";
/// Compression scheme name.
pub const COMPRESSION: &str = "compression";
/// Image description / comment.
pub const DESCRIPTION: &str = "description";
/// Software that wrote the file.
pub const SOFTWARE: &str = "software";
/// Date and time the image was made, as stored.
pub const DATETIME: &str = "datetime";
/// Stored pixel format (`"rgb24"`, `"yuv420p"`, `"RGBA8"`...).
pub const PIXEL_FORMAT: &str = "pixel_format";
