//! The general-purpose imageio-rs plugin, `pillowlike`, on the
//! [`image`](https://docs.rs/image) crate: it reads and writes every format
//! `image` supports (PNG, APNG, JPEG, GIF, WebP, TIFF, BMP, ICO, TGA, PNM, QOI,
//! HDR, OpenEXR, Farbfeld; DDS read; AVIF write with the `avif` feature),
//! plus PFM reads (a small reader here: `image` has none),
//! keeping 16-bit and float depth, and decoding straight into the array's
//! own buffer.
//!
//! Dedicated plugins (`png`, `gif`, `tiff`, `jpeg`) take precedence for their
//! formats when linked; this one is the fallback that reads almost anything.
//!
//! What it returns follows the pixel semantics of the workspace (DESIGN.md):
//! palettes expanded, PNG tRNS as an alpha channel, low-bit gray scaled to
//! 0..255, 16-bit kept as `u16`, HDR and EXR as `f32`. Animations (GIF, APNG,
//! animated WebP) are composited by `image` onto the full canvas, one frame
//! per index, RGB unless the file can be transparent. ICO index `i` is the
//! `i`-th directory entry. Known limits of the backend are listed in the
//! workspace's `tests/known-failures.tsv` with their reasons.
//!
//! You probably want the `imageio` facade, which links this plugin by default.
#![deny(missing_docs)]

mod anim;
mod decode;
mod encode;
mod exr_read;
mod pfm;
mod tiff_guard;

use image::ImageFormat;
use imageio_core::{
    Error, ImageProperties, Limits, Metadata, NdImage, OptionKind, OptionSpec, Options, Plugin,
    PluginInfo, Request, SharedBytes, Signature,
};

/// The plugin's name.
pub const NAME: &str = "pillowlike";

const READ_EXTENSIONS: &[&str] = &[
    ".png",
    ".apng",
    ".jpg",
    ".jpeg",
    ".jpe",
    ".jfif",
    ".gif",
    ".webp",
    ".tif",
    ".tiff",
    ".bmp",
    ".dib",
    ".ico",
    ".tga",
    ".pbm",
    ".pgm",
    ".ppm",
    ".pnm",
    ".pam",
    ".qoi",
    ".hdr",
    ".exr",
    ".ff",
    ".farbfeld",
    ".dds",
    ".pfm",
];

/// `.avif` is listed either way: without the `avif` feature a write says
/// which feature to enable instead of "no plugin".
const WRITE_EXTENSIONS: &[&str] = &[
    ".png",
    ".jpg",
    ".jpeg",
    ".jpe",
    ".jfif",
    ".gif",
    ".webp",
    ".tif",
    ".tiff",
    ".bmp",
    ".ico",
    ".tga",
    ".pbm",
    ".pgm",
    ".ppm",
    ".pnm",
    ".pam",
    ".qoi",
    ".hdr",
    ".exr",
    ".ff",
    ".farbfeld",
    ".avif",
];

const SIGNATURES: &[Signature] = &[
    Signature::new(b"\x89PNG\r\n\x1a\n"),
    Signature::new(b"\xFF\xD8\xFF"),
    Signature::new(b"GIF87a"),
    Signature::new(b"GIF89a"),
    Signature::masked(
        0,
        b"RIFF\0\0\0\0WEBP",
        b"\xFF\xFF\xFF\xFF\0\0\0\0\xFF\xFF\xFF\xFF",
    ),
    Signature::new(b"II*\0"),
    Signature::new(b"MM\0*"),
    Signature::new(b"II+\0"),
    Signature::new(b"MM\0+"),
    Signature::new(b"BM"),
    Signature::new(b"\0\0\x01\0"),
    Signature::new(b"\0\0\x02\0"),
    Signature::new(b"qoif"),
    Signature::new(b"#?RADIANCE"),
    Signature::new(b"#?RGBE"),
    Signature::new(b"\x76\x2f\x31\x01"),
    Signature::new(b"farbfeld"),
    Signature::new(b"DDS "),
    Signature::masked(0, b"P1", b"\xFF\xF8"),
    Signature::new(b"PF\n"),
    Signature::new(b"Pf\n"),
];

const READ_OPTIONS: &[OptionSpec] = &[];

const WRITE_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "quality",
        OptionKind::Int,
        "75",
        "JPEG quality 1..100 (AVIF: default 80)",
    ),
    OptionSpec::new(
        "compression",
        OptionKind::Any,
        "fast",
        "PNG compression: fast, default, best, none, or a level 0..9",
    ),
    OptionSpec::new(
        "filter",
        OptionKind::Choice(&["none", "sub", "up", "avg", "paeth", "adaptive"]),
        "adaptive",
        "PNG row filter",
    ),
    OptionSpec::new(
        "duration",
        OptionKind::FloatOrList,
        "100",
        "GIF frame duration in ms: one value, or one per frame",
    ),
    OptionSpec::new("loop", OptionKind::Int, "0", "GIF loop count, 0 = forever"),
    OptionSpec::new(
        "speed",
        OptionKind::Int,
        "10",
        "GIF quantizer speed 1 (best) ..30 (fastest); AVIF speed 1..10",
    ),
];

imageio_core::inventory::submit! {
    PluginInfo {
        name: NAME,
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "general-purpose reader and writer on the `image` crate (PNG, JPEG, GIF, WebP, TIFF, BMP, ICO, TGA, PNM, QOI, HDR, EXR, Farbfeld, DDS)",
        read_extensions: READ_EXTENSIONS,
        write_extensions: WRITE_EXTENSIONS,
        signatures: SIGNATURES,
        read_options: READ_OPTIONS,
        write_options: WRITE_OPTIONS,
        open,
    }
}

/// Maps an `image` error into ours, tagged with the format.
pub(crate) fn decode_err(format: ImageFormat, e: image::ImageError) -> Error {
    use image::ImageError as E;
    match e {
        E::Limits(l) => Error::limit(format!("{format:?}: {l}")),
        E::Unsupported(u) => Error::unsupported(format!("{format:?}: {u}")),
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => Error::decode(format!(
            "{format:?}: unexpected end of data: the file is truncated"
        )),
        E::IoError(io) => Error::decode(format!("{format:?}: {io}")),
        other => Error::decode(format!("{format:?}: {other}")),
    }
}

/// Maps an `image` encoding error into ours, tagged with the format.
pub(crate) fn encode_err(format: ImageFormat, e: image::ImageError) -> Error {
    match e {
        image::ImageError::Unsupported(u) => Error::unsupported(format!("{format:?}: {u}")),
        image::ImageError::Parameter(p) => Error::invalid_input(format!("{format:?}: {p}")),
        other => Error::encode(format!("{format:?}: {other}")),
    }
}

/// Formats without a reliable magic number, recognised by extension alone.
fn format_by_extension_only(ext: Option<&str>) -> Option<ImageFormat> {
    match ext? {
        ".tga" => Some(ImageFormat::Tga),
        _ => None,
    }
}

fn format_for_write(ext: &str) -> Option<ImageFormat> {
    match ext {
        ".ff" | ".farbfeld" => Some(ImageFormat::Farbfeld),
        ".jpe" | ".jfif" => Some(ImageFormat::Jpeg),
        ".pbm" | ".pgm" | ".ppm" | ".pnm" | ".pam" => Some(ImageFormat::Pnm),
        e => ImageFormat::from_extension(e.trim_start_matches('.')),
    }
}

fn open(request: &mut Request) -> imageio_core::Result<Box<dyn Plugin>> {
    match request.mode() {
        imageio_core::IoMode::Read => {
            let first = request.first_bytes();
            let pfm = first.starts_with(b"PF") || first.starts_with(b"Pf");
            if pfm && first.get(2).is_some_and(u8::is_ascii_whitespace) {
                let data = request.bytes()?;
                return Ok(Box::new(PfmReader {
                    data,
                    limits: request.limits(),
                }));
            }
            let bigtiff = first.starts_with(b"II+\0") || first.starts_with(b"MM\0+");
            let format = match image::guess_format(first) {
                Ok(f) => f,
                Err(_) if bigtiff => ImageFormat::Tiff,
                Err(_) => match format_by_extension_only(request.extension()) {
                    Some(f) => f,
                    None => return Err(Error::declined("not a format the image crate recognises")),
                },
            };
            let data = request.bytes()?;
            Ok(Box::new(Reader::new(data, format, request.limits())))
        }
        imageio_core::IoMode::Write => {
            let ext = request.extension().unwrap_or("").to_owned();
            let format = format_for_write(&ext)
                .filter(|_| WRITE_EXTENSIONS.contains(&ext.as_str()))
                .ok_or_else(|| Error::declined(format!("cannot write {ext} files")))?;
            if format == ImageFormat::Avif && !cfg!(feature = "avif") {
                return Err(Error::unsupported(
                    "AVIF writing is behind the `avif` feature of the `imageio` crate (it builds \
                     the rav1e encoder); enable it",
                ));
            }
            let writer = request.writer()?;
            Ok(Box::new(encode::Encoder::new(writer, format, ext)))
        }
    }
}

/// The read side: one resource, decoded on demand.
struct Reader {
    data: SharedBytes,
    format: ImageFormat,
    limits: Limits,
    anim: Option<anim::Animation>,
    ico_entries: Option<usize>,
    tiff: Option<tiff_guard::TiffInfo>,
}

impl Reader {
    fn new(data: SharedBytes, format: ImageFormat, limits: Limits) -> Self {
        Reader {
            data,
            format,
            limits,
            anim: None,
            ico_entries: None,
            tiff: None,
        }
    }

    /// True when the resource is an animation `image` composites frame by frame.
    fn animation(&mut self) -> imageio_core::Result<Option<&mut anim::Animation>> {
        if self.anim.is_none() {
            self.anim = anim::Animation::probe(&self.data, self.format, self.limits)?;
        }
        Ok(self.anim.as_mut())
    }

    fn count(&mut self) -> imageio_core::Result<usize> {
        if let Some(a) = self.animation()? {
            return a.count();
        }
        if self.format == ImageFormat::OpenExr {
            return exr_read::part_count(&self.data);
        }
        if self.format == ImageFormat::Tiff {
            if self.tiff.is_none() {
                self.tiff = Some(tiff_guard::inspect(&self.data)?);
            }
            return Ok(self.tiff.map(|t| t.pages).unwrap_or(1));
        }
        if self.format == ImageFormat::Ico {
            if self.ico_entries.is_none() {
                self.ico_entries = Some(decode::ico_entry_count(&self.data)?);
            }
            return Ok(self.ico_entries.unwrap_or(1));
        }
        Ok(1)
    }

    fn check_index(&mut self, index: usize) -> imageio_core::Result<()> {
        let n = self.count()?;
        if index >= n {
            return Err(Error::index_out_of_range(index, Some(n)));
        }
        Ok(())
    }
}

impl Plugin for Reader {
    fn read(&mut self, index: usize, _options: &Options) -> imageio_core::Result<NdImage> {
        self.check_index(index)?;
        if let Some(a) = self.animation()? {
            return a.frame(index);
        }
        if self.format == ImageFormat::OpenExr {
            return exr_read::decode(&self.data, index, self.limits);
        }
        let (data, format) = self.still_data(index)?;
        decode::decode(&data, format, self.limits)
    }

    fn n_images(&mut self) -> imageio_core::Result<Option<usize>> {
        self.count().map(Some)
    }

    fn properties(
        &mut self,
        index: usize,
        _options: &Options,
    ) -> imageio_core::Result<ImageProperties> {
        self.check_index(index)?;
        if let Some(a) = self.animation()? {
            return a.properties();
        }
        if self.format == ImageFormat::OpenExr {
            let (shape, dtype) = exr_read::header(&self.data, index)?;
            return Ok(ImageProperties::new(shape, dtype));
        }
        let (data, format) = self.still_data(index)?;
        let (shape, dtype) = decode::header(&data, format, self.limits)?;
        Ok(ImageProperties::new(shape, dtype))
    }

    fn metadata(
        &mut self,
        index: Option<usize>,
        _options: &Options,
    ) -> imageio_core::Result<Metadata> {
        if let Some(i) = index {
            self.check_index(i)?;
        }
        let mut m = Metadata::new();
        m.insert("format", format!("{:?}", self.format).to_uppercase());
        if let Some(a) = self.animation()? {
            a.metadata(index, &mut m)?;
            return Ok(m);
        }
        if self.format == ImageFormat::OpenExr {
            m.insert("n_parts", self.count()?);
            return Ok(m);
        }
        let (data, format) = self.still_data(index.unwrap_or(0))?;
        decode::metadata(&data, format, self.limits, &mut m)?;
        Ok(m)
    }
}

impl Reader {
    /// The bytes and format to decode for still image `index`: the file, or
    /// for ICO directory entry `index` (a PNG, or a one-entry ICO around a
    /// BMP entry). Only the first TIFF page is served here.
    fn still_data(&self, index: usize) -> imageio_core::Result<(SharedBytes, ImageFormat)> {
        if self.format == ImageFormat::Ico {
            return decode::ico_entry(&self.data, index);
        }
        if self.format == ImageFormat::Tiff && index > 0 {
            return Err(Error::unsupported(format!(
                "the pillowlike plugin reads only the first TIFF page, not page {index}; \
                 read multi-page TIFF with the tiff plugin (imageio feature `tiff`)"
            )));
        }
        Ok((self.data.clone(), self.format))
    }
}

/// PFM files, which `image` does not read.
struct PfmReader {
    data: SharedBytes,
    limits: Limits,
}

impl Plugin for PfmReader {
    fn read(&mut self, index: usize, _options: &Options) -> imageio_core::Result<NdImage> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        pfm::decode(&self.data, self.limits)
    }

    fn n_images(&mut self) -> imageio_core::Result<Option<usize>> {
        Ok(Some(1))
    }

    fn properties(
        &mut self,
        index: usize,
        _options: &Options,
    ) -> imageio_core::Result<ImageProperties> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        Ok(ImageProperties::new(
            pfm::properties(&self.data)?,
            imageio_core::DType::F32,
        ))
    }
}
