//! EXIF, parsed with `kamadak-exif`: the orientation and the tags of the
//! primary image (IFD0, Exif, GPS and interoperability IFDs) by name.

use exif::{In, Reader, Tag};
use imageio_core::{Metadata, Value};

/// Parses the TIFF structure of an EXIF segment (after `Exif\0\0`).
fn parse(raw: &[u8]) -> Option<exif::Exif> {
    Reader::new().read_raw(raw.to_vec()).ok()
}

/// The orientation (1..8) of the primary image, when present and valid.
pub(crate) fn orientation(raw: &[u8]) -> Option<u32> {
    let e = parse(raw)?;
    let o = e
        .get_field(Tag::Orientation, In::PRIMARY)?
        .value
        .get_uint(0)?;
    (1..=8).contains(&o).then_some(o)
}

/// The tags of the primary image, tag name -> value as text (as `exif`
/// displays it: ASCII strings without quotes, rationals as fractions,
/// unknown tags as `Tag(Context, number)`). The thumbnail's IFD1 is left out.
pub(crate) fn exif_tags(raw: &[u8]) -> Option<Metadata> {
    let e = parse(raw)?;
    let mut m = Metadata::new();
    for f in e.fields().filter(|f| f.ifd_num == In::PRIMARY) {
        let text = match &f.value {
            exif::Value::Ascii(v) => v
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect::<Vec<_>>()
                .join(", "),
            _ => f.display_value().to_string(),
        };
        m.insert(f.tag.to_string(), Value::Str(text));
    }
    Some(m)
}
