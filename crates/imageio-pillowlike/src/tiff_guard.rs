//! What the `image` crate's TIFF path cannot do right, found from the header
//! with the `tiff` crate before decoding: the page count (this plugin reads
//! only the first page), CMYK (which `image` would silently turn into RGB),
//! and tiled planar-separate files (on which `tiff` 0.11 panics).

use std::io::Cursor;

use imageio_core::{Error, Result};
use tiff::decoder::Decoder;
use tiff::tags::Tag;

/// What the header says.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TiffInfo {
    /// The number of pages (IFDs).
    pub pages: usize,
}

const MAX_PAGES: usize = 1_000_000;

fn tiff_err(e: tiff::TiffError) -> Error {
    Error::decode(format!("TIFF: {e}"))
}

/// Inspects the first page and counts the pages. An error says what cannot be
/// read and which plugin can.
pub(crate) fn inspect(data: &[u8]) -> Result<TiffInfo> {
    let mut d = Decoder::new(Cursor::new(data)).map_err(tiff_err)?;
    let photometric = d
        .find_tag_unsigned::<u16>(Tag::PhotometricInterpretation)
        .map_err(tiff_err)?;
    if photometric == Some(5) {
        return Err(Error::unsupported(
            "CMYK TIFF: the image crate would convert it to RGB, but reads return the stored \
             channels; read it with the tiff plugin (the `tiff` feature of the `imageio-rs` \
             crate)",
        ));
    }
    let planar = d
        .find_tag_unsigned::<u16>(Tag::PlanarConfiguration)
        .map_err(tiff_err)?;
    let tiled = d.find_tag(Tag::TileWidth).map_err(tiff_err)?.is_some();
    if tiled && planar == Some(2) {
        return Err(Error::unsupported(
            "tiled planar-separate TIFF: the tiff crate 0.11 panics on these \
             (decoder/image.rs buffer assertion); read it with the tiff plugin",
        ));
    }
    let mut pages = 1;
    while d.more_images() {
        if pages >= MAX_PAGES {
            return Err(Error::limit(format!("TIFF: more than {MAX_PAGES} pages")));
        }
        d.next_image().map_err(tiff_err)?;
        pages += 1;
    }
    Ok(TiffInfo { pages })
}
