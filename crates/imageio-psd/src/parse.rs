//! The structure of a PSD file: the header, the color mode data (the
//! palette), the image resources (the ICC profile), the layer records and
//! where each channel's data lies. Every length is checked against the
//! file's length before it is used; nothing here allocates from a header
//! value (the layer list grows one record at a time, each record at least
//! 34 bytes of the file, and stops at [`MAX_IMAGES`]).

use imageio_core::plugin::MAX_IMAGES;
use imageio_core::{Error, Result};

/// A big-endian cursor over the file's bytes; every read is bounds-checked.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at `pos` of `bytes`.
    pub(crate) fn new(bytes: &'a [u8], pos: usize) -> Self {
        Cursor { bytes, pos }
    }

    /// The current offset.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| truncated(what))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// Everything after the current offset (the cursor moves to the end).
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let s = &self.bytes[self.pos.min(self.bytes.len())..];
        self.pos = self.bytes.len();
        s
    }

    /// Skips `n` bytes.
    pub(crate) fn skip(&mut self, n: usize, what: &str) -> Result<()> {
        self.take(n, what).map(|_| ())
    }

    /// A big-endian u16.
    pub(crate) fn u16(&mut self, what: &str) -> Result<u16> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// A big-endian u32.
    pub(crate) fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A big-endian i32.
    fn i32(&mut self, what: &str) -> Result<i32> {
        self.u32(what).map(|v| v as i32)
    }

    /// A section: a u32 length, then that many bytes; returns their range.
    fn section(&mut self, what: &str) -> Result<(usize, usize)> {
        let len = self.u32(what)? as usize;
        let start = self.pos;
        self.skip(len, what)?;
        Ok((start, self.pos))
    }
}

/// The error for data the file is too short to hold.
pub(crate) fn truncated(what: &str) -> Error {
    Error::decode(format!("PSD: the file is truncated (in the {what})"))
}

/// The color modes of the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ColorMode {
    /// 1-bit black and white (1 = black).
    Bitmap,
    /// One gray channel; also multichannel and duotone files, whose first
    /// channel is read as gray, as Pillow does.
    Gray,
    /// 8-bit indices into the 256-entry palette of the color mode data.
    Indexed,
    /// Red, green, blue.
    Rgb,
    /// Cyan, magenta, yellow, black (stored as 255 = no ink).
    Cmyk,
    /// CIE L*a*b*, as stored.
    Lab,
}

impl ColorMode {
    /// The name of the mode in the metadata.
    pub(crate) fn name(self, code: u16) -> &'static str {
        match (self, code) {
            (ColorMode::Bitmap, _) => "bitmap",
            (ColorMode::Gray, 7) => "multichannel",
            (ColorMode::Gray, 8) => "duotone",
            (ColorMode::Gray, _) => "grayscale",
            (ColorMode::Indexed, _) => "indexed",
            (ColorMode::Rgb, _) => "RGB",
            (ColorMode::Cmyk, _) => "CMYK",
            (ColorMode::Lab, _) => "Lab",
        }
    }

    /// The number of color channels a layer of this mode has.
    pub(crate) fn layer_colors(self) -> usize {
        match self {
            ColorMode::Rgb | ColorMode::Lab => 3,
            ColorMode::Cmyk => 4,
            _ => 1,
        }
    }
}

/// What the 26-byte header says.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header {
    /// Channels stored in the composite (1 to 56).
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    /// Bits per sample: 1, 8, 16 or 32.
    pub depth: u16,
    pub mode: ColorMode,
    /// The color mode as stored (0..9).
    pub mode_code: u16,
}

/// One layer record.
#[derive(Clone, Debug)]
pub(crate) struct Layer {
    pub name: String,
    pub top: i64,
    pub left: i64,
    pub height: usize,
    pub width: usize,
    pub opacity: u8,
    pub visible: bool,
    pub clipping: bool,
    pub blend_mode: String,
    /// The channels: id and the range of its data (compression first).
    pub channels: Vec<(i16, (usize, usize))>,
}

/// The whole file's structure.
#[derive(Debug)]
pub(crate) struct Psd {
    pub header: Header,
    /// The 768-byte palette of an indexed file.
    pub palette: Option<(usize, usize)>,
    pub icc_profile: Option<(usize, usize)>,
    /// Horizontal and vertical resolution (pixels per inch), resource 1005.
    pub dpi: Option<(f64, f64)>,
    pub layers: Vec<Layer>,
    /// Where the composite's image data begins (its compression field).
    pub image_data: usize,
}

/// Parses the header. The signature is routing's to check.
fn header(c: &mut Cursor<'_>) -> Result<Header> {
    c.skip(4, "header")?;
    match c.u16("header")? {
        1 => {}
        2 => {
            return Err(Error::unsupported(
                "PSD: large documents (PSB, version 2) are not supported",
            ))
        }
        v => return Err(Error::decode(format!("PSD: version {v} is not 1"))),
    }
    c.skip(6, "header")?;
    let channels = usize::from(c.u16("header")?);
    let height = c.u32("header")? as usize;
    let width = c.u32("header")? as usize;
    let depth = c.u16("header")?;
    let mode_code = c.u16("header")?;
    if !(1..=56).contains(&channels) {
        return Err(Error::decode(format!(
            "PSD: the header says {channels} channels; 1 to 56 are valid"
        )));
    }
    if height == 0 || width == 0 {
        return Err(Error::decode(format!("PSD: the image is {width}x{height}")));
    }
    let mode = match mode_code {
        0 => ColorMode::Bitmap,
        1 | 7 | 8 => ColorMode::Gray,
        2 => ColorMode::Indexed,
        3 => ColorMode::Rgb,
        4 => ColorMode::Cmyk,
        9 => ColorMode::Lab,
        m => return Err(Error::decode(format!("PSD: color mode {m} is not valid"))),
    };
    let valid = match mode {
        ColorMode::Bitmap => depth == 1,
        ColorMode::Indexed => depth == 8,
        _ => matches!(depth, 8 | 16 | 32),
    };
    if !valid {
        return Err(Error::unsupported(format!(
            "PSD: {depth}-bit {} files are not supported",
            mode.name(mode_code)
        )));
    }
    Ok(Header {
        channels,
        height,
        width,
        depth,
        mode,
        mode_code,
    })
}

/// Walks the file: header, color mode data, image resources, layer records.
pub(crate) fn parse(bytes: &[u8]) -> Result<Psd> {
    let mut c = Cursor::new(bytes, 0);
    let header = header(&mut c)?;
    let (cm_start, cm_end) = c.section("color mode data")?;
    let palette = (header.mode == ColorMode::Indexed).then_some((cm_start, cm_end));
    if palette.is_some() && cm_end - cm_start < 768 {
        return Err(Error::decode(
            "PSD: an indexed file without its 768-byte palette",
        ));
    }
    let (res_start, res_end) = c.section("image resources")?;
    let (icc_profile, dpi) = resources(&bytes[..res_end], res_start);
    let (lm_start, lm_end) = c.section("layer and mask information")?;
    let layers = if lm_end > lm_start {
        layer_info(&bytes[..lm_end], lm_start)?
    } else {
        Vec::new()
    };
    Ok(Psd {
        header,
        palette,
        icc_profile,
        dpi,
        layers,
        image_data: c.pos(),
    })
}

/// The image resources this plugin reports: the ICC profile (1039) and the
/// resolution (1005). A malformed block ends the walk (the resources are
/// not needed for the pixels).
#[allow(clippy::type_complexity)]
fn resources(bytes: &[u8], start: usize) -> (Option<(usize, usize)>, Option<(f64, f64)>) {
    let mut c = Cursor::new(bytes, start);
    let (mut icc, mut dpi) = (None, None);
    let mut block = || -> Result<()> {
        if c.take(4, "resources")? != b"8BIM" {
            return Err(Error::decode("PSD: a resource without its signature"));
        }
        let id = c.u16("resources")?;
        let name_len = usize::from(c.take(1, "resources")?[0]);
        c.skip(name_len + (name_len + 1) % 2, "resources")?;
        let len = c.u32("resources")? as usize;
        let start = c.pos();
        let data = c.take(len, "resources")?;
        if len % 2 == 1 && c.pos() < bytes.len() {
            c.skip(1, "resources")?;
        }
        match id {
            1039 => icc = Some((start, start + len)),
            1005 if len >= 16 => {
                let fixed = |i: usize| {
                    f64::from(u32::from_be_bytes([
                        data[i],
                        data[i + 1],
                        data[i + 2],
                        data[i + 3],
                    ])) / 65536.0
                };
                dpi = Some((fixed(0), fixed(8)));
            }
            _ => {}
        }
        Ok(())
    };
    for _ in 0..MAX_IMAGES {
        if block().is_err() {
            break;
        }
    }
    (icc, dpi)
}

/// The layer records and the ranges of their channels' data.
fn layer_info(bytes: &[u8], start: usize) -> Result<Vec<Layer>> {
    let mut c = Cursor::new(bytes, start);
    let (li_start, li_end) = c.section("layer info")?;
    if li_end == li_start {
        return Ok(Vec::new());
    }
    let bytes = &bytes[..li_end];
    let mut c = Cursor::new(bytes, li_start);
    let count = usize::from((c.u16("layer info")? as i16).unsigned_abs());
    if count > MAX_IMAGES {
        return Err(Error::limit(format!(
            "PSD: {count} layers, beyond the limit of {MAX_IMAGES}"
        )));
    }
    let mut layers = Vec::new();
    for _ in 0..count {
        layers.push(layer_record(&mut c)?);
    }
    // The channels' data follows the records, layer by layer.
    for layer in &mut layers {
        for (_, range) in &mut layer.channels {
            let len = range.1;
            let start = c.pos();
            c.skip(len, "layer channel data")?;
            *range = (start, start + len);
        }
    }
    Ok(layers)
}

/// One layer record (the channel ranges hold only lengths until
/// [`layer_info`] places them).
fn layer_record(c: &mut Cursor<'_>) -> Result<Layer> {
    let what = "layer record";
    let top = i64::from(c.i32(what)?);
    let left = i64::from(c.i32(what)?);
    let bottom = i64::from(c.i32(what)?);
    let right = i64::from(c.i32(what)?);
    if bottom < top || right < left {
        return Err(Error::decode(format!(
            "PSD: a layer's bounds are inverted ({top}, {left}, {bottom}, {right})"
        )));
    }
    let (height, width) = ((bottom - top) as usize, (right - left) as usize);
    let n = usize::from(c.u16(what)?);
    if n > 56 {
        return Err(Error::decode(format!("PSD: a layer with {n} channels")));
    }
    let mut channels = Vec::with_capacity(n);
    for _ in 0..n {
        let id = c.u16(what)? as i16;
        let len = c.u32(what)? as usize;
        channels.push((id, (0, len)));
    }
    if c.take(4, what)? != b"8BIM" {
        return Err(Error::decode(
            "PSD: a layer record without its blend signature",
        ));
    }
    let blend_mode = String::from_utf8_lossy(c.take(4, what)?).trim().to_owned();
    let opacity = c.take(1, what)?[0];
    let clipping = c.take(1, what)?[0] != 0;
    let flags = c.take(1, what)?[0];
    c.skip(1, what)?;
    let (extra_start, extra_end) = c.section(what)?;
    let mut e = Cursor::new(&c.bytes[..extra_end], extra_start);
    let (_, _) = e.section(what)?; // layer mask data
    let (_, _) = e.section(what)?; // blending ranges
    let name_len = usize::from(e.take(1, what)?[0]);
    let mut name = latin1(e.take(name_len, what)?);
    // The Pascal name is padded to a multiple of 4 bytes (with its length
    // byte); what follows is tagged additional information, where `luni`
    // holds the Unicode name.
    let padded = (name_len + 1).div_ceil(4) * 4;
    if e.skip(padded - 1 - name_len, what).is_ok() {
        while let Ok(sig) = e.take(4, what) {
            if sig != b"8BIM" && sig != b"8B64" {
                break;
            }
            let Ok(key) = e.take(4, what) else { break };
            let Ok(len) = e.u32(what) else { break };
            let Ok(data) = e.take(len as usize, what) else {
                break;
            };
            if key == b"luni" && data.len() >= 4 {
                let n = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
                let units: Vec<u16> = data[4..]
                    .chunks_exact(2)
                    .take(n)
                    .map(|u| u16::from_be_bytes([u[0], u[1]]))
                    .collect();
                name = String::from_utf16_lossy(&units)
                    .trim_end_matches('\0')
                    .to_owned();
            }
        }
    }
    Ok(Layer {
        name,
        top,
        left,
        height,
        width,
        opacity,
        visible: flags & 2 == 0,
        clipping,
        blend_mode,
        channels,
    })
}

/// Latin-1 bytes as a string (Pillow's guess for Pascal layer names).
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}
