//! The PSD plugin of imageio-rs. Registered as plugin `"psd"`: reads
//! Photoshop `.psd` files (signature `8BPS`, version 1), read only.
//!
//! What a read returns:
//! - index 0 is the composite (the merged image Photoshop stores beside the
//!   layers), in the mode Pillow gives it: grayscale, multichannel and
//!   duotone files `(H, W)` (their first channel); bitmap files `(H, W)`
//!   u8, black 0 and white 255; indexed files expanded to RGB
//!   `(H, W, 3)`; RGB `(H, W, 3)`, or `(H, W, 4)` RGBA when the file has
//!   exactly four channels (more channels are read as RGB, as Pillow does);
//!   CMYK `(H, W, 4)` with 0 = no ink (the stored values inverted, Pillow's
//!   `CMYK;I`); Lab `(H, W, 3)` as stored;
//! - the samples at the stored depth: 8-bit u8, 16-bit u16, 32-bit f32
//!   (Pillow reads 8-bit files only);
//! - index `n` (1..=layers) is the `n`-th layer record (bottom first), as
//!   Pillow's `seek(n)` gives it: a canvas-size array, zero where the layer
//!   does not reach, with the document's color channels plus alpha when the
//!   layer has a transparency channel (`(H, W, 4)` for an RGB layer with
//!   transparency). Layer masks are not applied, and neither are opacity,
//!   visibility or blend mode (they are in the metadata). Group markers are
//!   layers too (empty ones, as in Pillow).
//!
//! Differences from Pillow: bitmap files are read with 1 = black (Pillow
//! inverts them; psd-tools and Photoshop do not); a layer hanging over the
//! canvas' edges is clipped to it (Pillow refuses it); a layer with a mask
//! is kept (Pillow skips layers with more than four channels, which renumbers
//! the later ones); 16- and 32-bit files are read (Pillow refuses them);
//! a PackBits file with more channels than its mode reads uses the
//! file's full row-length table (Pillow reads only the first channels'
//! table, and so misplaces the data).
//!
//! Metadata: `color_mode` (`"RGB"`, `"grayscale"`, ...), `depth` (bits),
//! `channels` (stored in the composite), `n_layers`, `icc_profile` (image
//! resource 1039), `dpi` (resource 1005); for a layer also `name` (its
//! Unicode name when present), `top`, `left`, `bottom`, `right` (its
//! bounds on the canvas), `opacity` (0..255), `visible`, `clipping`,
//! `blend_mode` (the four-letter key, `"norm"`, ...).
//!
//! Limits: the composite's size from the header is checked against the
//! request's [`Limits`] when the file is opened, each
//! layer's canvas and row before it is decoded; data the file is too short
//! to hold is an error; at most [`MAX_IMAGES`](imageio_core::plugin::MAX_IMAGES) layers.
//!
//! Compression: raw, PackBits, ZIP and ZIP with prediction (8- and 16-bit;
//! inflated through `flate2`, never past the bytes the rows need).
//!
//! Not supported (a clear error): PSB (version 2) files, ZIP with
//! prediction on 32-bit data, layers of bitmap files, writing.
//!
//! The decoder is this crate's own, in safe Rust with every length checked.
//! The `psd` crate (0.3) was the planned backend; it is not used because it
//! panics on truncated files (unchecked slicing), calls `unimplemented!` on
//! ZIP data, returns RGBA for every mode (CMYK as RGBA, gray alpha dropped)
//! and decodes 16-bit files wrongly (only the red plane is narrowed).
//!
//! Most users want the `imageio-rs` facade, which links this plugin with its
//! `psd` feature.
#![deny(missing_docs)]

mod decode;
mod parse;

use imageio_core::plugin::{
    Claim, Format, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader, Signature,
};
use imageio_core::{
    keys, DType, Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes,
};

use parse::Psd;

/// The bytes a PSD file begins with.
pub const MAGIC: &[u8] = b"8BPS";

/// The PSD format as routing sees it: its extension and magic bytes.
pub const FORMAT: Format = Format::new("PSD", &[".psd"]).signatures(&[Signature::new(MAGIC)]);

/// The options the reader accepts (none).
pub const READ_OPTIONS: &[OptionSpec] = &[];

imageio_core::inventory::submit! {
    PluginInfo {
        name: "psd",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "PSD: the composite image and the layers, 1/8/16/32-bit (read only)",
        read: Some(ReadEntry {
            formats: &[Claim::new(FORMAT, Rank::DEDICATED)],
            options: READ_OPTIONS,
            open: open_read,
        }),
        write: None,
    }
}

/// Opens a reader: the file's structure is walked (no pixel is decoded)
/// and the composite's size checked against the request's limits.
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    let bytes = request.bytes()?;
    let psd = parse::parse(&bytes)?;
    let limits = request.limits();
    let (shape, _) = decode::composite_shape(&psd.header)?;
    limits.check_shape(&shape, dtype(&psd))?;
    Ok(Box::new(PsdReader { bytes, psd, limits }))
}

/// The dtype the file's depth gives.
fn dtype(psd: &Psd) -> DType {
    match psd.header.depth {
        16 => DType::U16,
        32 => DType::F32,
        _ => DType::U8,
    }
}

/// A PSD file open for reading.
struct PsdReader {
    bytes: SharedBytes,
    psd: Psd,
    limits: Limits,
}

impl PsdReader {
    /// The number of images: the composite and the layers.
    fn len(&self) -> usize {
        1 + self.psd.layers.len()
    }

    /// The shape of image `index`.
    fn shape(&self, index: usize) -> Result<Vec<usize>> {
        match index {
            0 => Ok(decode::composite_shape(&self.psd.header)?.0),
            i if i < self.len() => Ok(decode::layer_shape(
                &self.psd.header,
                &self.psd.layers[i - 1],
            )),
            i => Err(Error::index_out_of_range(i, Some(self.len()))),
        }
    }

    /// The metadata every image shares.
    fn file_metadata(&self) -> Metadata {
        let h = &self.psd.header;
        let mut m = Metadata::new();
        m.insert("color_mode", h.mode.name(h.mode_code));
        m.insert("depth", i64::from(h.depth));
        m.insert("channels", h.channels);
        m.insert("n_layers", self.psd.layers.len());
        if let Some((a, b)) = self.psd.icc_profile {
            m.insert(keys::ICC_PROFILE, &self.bytes[a..b]);
        }
        if let Some((x, y)) = self.psd.dpi {
            m.insert(
                keys::DPI,
                vec![imageio_core::Value::Float(x), imageio_core::Value::Float(y)],
            );
        }
        m
    }
}

impl Reader for PsdReader {
    fn read(&mut self, index: usize, _options: &Options) -> Result<NdImage> {
        let shape = self.shape(index)?;
        self.limits.check_shape(&shape, dtype(&self.psd))?;
        if index == 0 {
            return decode::composite(&self.bytes, &self.psd);
        }
        let layer = &self.psd.layers[index - 1];
        self.limits
            .check_dimensions(layer.width as u64, layer.height as u64)?;
        decode::layer(&self.bytes, &self.psd.header, layer)
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(self.len()))
    }

    fn properties(&mut self, index: usize, _options: &Options) -> Result<ImageProperties> {
        Ok(ImageProperties::new(self.shape(index)?, dtype(&self.psd)))
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        let mut m = self.file_metadata();
        let Some(index) = index else { return Ok(m) };
        self.shape(index)?;
        if let Some(layer) = index.checked_sub(1).map(|i| &self.psd.layers[i]) {
            m.insert("name", layer.name.as_str());
            m.insert("top", layer.top);
            m.insert("left", layer.left);
            m.insert("bottom", layer.top + layer.height as i64);
            m.insert("right", layer.left + layer.width as i64);
            m.insert("opacity", i64::from(layer.opacity));
            m.insert("visible", layer.visible);
            m.insert("clipping", layer.clipping);
            m.insert("blend_mode", layer.blend_mode.as_str());
        }
        Ok(m)
    }
}
