//! The general-purpose imageio-rs plugin, `pillowlike`, on the
//! [`image`](https://docs.rs/image) crate: it reads and writes every format
//! `image` supports (PNG, JPEG, GIF, WebP, TIFF, BMP, ICO, TGA, PNM, QOI,
//! HDR, OpenEXR, Farbfeld; APNG and DDS read; AVIF write with the `avif`
//! feature), plus PFM reads (a small reader here: `image` has none),
//! keeping 16-bit and float depth, and decoding straight into the array's
//! own buffer.
//!
//! It registers one `PluginInfo` named [`NAME`] that claims each of those
//! formats (extensions and magic numbers) at `Rank::GENERAL`; the core routes
//! a resource here when its extension or its content is one of them. The
//! dedicated plugins (`png`, `gif`, `jpeg`, `tiff`) claim their formats at
//! `Rank::DEDICATED` and so take precedence when linked; this one is the
//! fallback that reads almost anything.
//!
//! What it returns follows the workspace's pixel semantics (ARCHITECTURE.md):
//! palettes expanded, PNG tRNS as an alpha channel, low-bit gray scaled to
//! 0..255, 16-bit kept as `u16`, HDR and EXR as `f32`. Animations (GIF, APNG,
//! animated WebP) are composited by `image` onto the full canvas, one frame
//! per index, decoded in order on demand (frame `i` costs frames `0..=i`,
//! nothing after them); the frame count, durations and loop count come
//! from the headers. Their channels follow the rule of the dedicated
//! plugins, decided from the headers so that `improps` agrees with
//! `imread`: RGB (gray for a gray APNG) unless the composited canvas can
//! show transparency, that is unless the first frame does not cover the
//! canvas, the first frame has transparency, a frame is disposed to
//! background (or restored to an unpainted state) and the next frame does
//! not cover that area with opaque pixels, a frame's transparent pixels can
//! fall on an area no earlier frame has painted, or a WebP frame copies
//! its transparent pixels without blending. WebP disposal clears to
//! transparent black (the ANIM background colour is not used, as
//! libwebp's animation decoder does). ICO index `i` is the
//! `i`-th directory entry. Known limits of the backend are listed in the
//! workspace's `tests/known-failures.tsv` with their reasons.
//!
//! Options: reading, `rotate` (`false` by default) applies a still image's
//! EXIF orientation (PNG eXIf, JPEG, WebP, TIFF, AVIF), as the `jpeg`
//! plugin does; writing, `exif` (raw EXIF bytes, with or without the
//! `Exif\0\0` prefix) is stored in PNG (eXIf chunk) and JPEG (APP1) files,
//! besides the quality, compression and animation options below.
//!
//! You probably want the `imageio-rs` facade, which links this plugin by
//! default.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod anim;
mod decode;
mod encode;
mod exr_read;
mod orient;
mod pfm;
mod tiff_guard;

use image::ImageFormat;
use imageio_core::plugin::{
    Claim, Format, OptionKind, OptionSpec, PluginInfo, Rank, ReadEntry, ReadRequest, Reader,
    Signature, WriteEntry, WriteRequest, Writer, APNG, AVIF, GIF, JPEG, PNG, TIFF, WEBP,
};
use imageio_core::{Error, ImageProperties, Limits, Metadata, NdImage, Options, SharedBytes};

/// The plugin's name.
pub const NAME: &str = "pillowlike";

/// BMP (and DIB, read only).
const BMP: Format = Format::new("BMP", &[".bmp", ".dib"]).signatures(&[Signature::new(b"BM")]);
/// ICO (a directory of PNG or BMP entries).
const ICO: Format = Format::new("ICO", &[".ico"]).signatures(&[Signature::new(b"\0\0\x01\0")]);
/// TGA: no magic number, the extension decides.
const TGA: Format = Format::new("TGA", &[".tga"]);
/// The PNM family (`P1`..`P7`: PBM, PGM, PPM, PAM).
const PNM: Format = Format::new("PNM", &[".pbm", ".pgm", ".ppm", ".pnm", ".pam"])
    .signatures(&[Signature::masked(0, b"P1", b"\xFF\xF8")]);
/// QOI.
const QOI: Format = Format::new("QOI", &[".qoi"]).signatures(&[Signature::new(b"qoif")]);
/// Radiance HDR. Only the `#?RADIANCE` header: `image`'s decoder refuses the
/// `#?RGBE` variant, so that one is not claimed.
const HDR: Format = Format::new("HDR", &[".hdr"]).signatures(&[Signature::new(b"#?RADIANCE")]);
/// OpenEXR.
const EXR: Format =
    Format::new("OpenEXR", &[".exr"]).signatures(&[Signature::new(b"\x76\x2f\x31\x01")]);
/// Farbfeld.
const FARBFELD: Format =
    Format::new("Farbfeld", &[".ff", ".farbfeld"]).signatures(&[Signature::new(b"farbfeld")]);
/// DirectDraw Surface (read only).
const DDS: Format = Format::new("DDS", &[".dds"]).signatures(&[Signature::new(b"DDS ")]);
/// PFM (read only, by [`pfm`]): `PF` (RGB) or `Pf` (gray), then whitespace.
const PFM: Format = Format::new("PFM", &[".pfm"]).signatures(&[
    Signature::new(b"PF\n"),
    Signature::new(b"PF "),
    Signature::new(b"PF\t"),
    Signature::new(b"PF\r"),
    Signature::new(b"PF\x0C"),
    Signature::new(b"Pf\n"),
    Signature::new(b"Pf "),
    Signature::new(b"Pf\t"),
    Signature::new(b"Pf\r"),
    Signature::new(b"Pf\x0C"),
]);

/// What it reads: everything `image` decodes here, as the general-purpose
/// fallback behind the dedicated plugins (which claim PNG, GIF, JPEG and
/// TIFF at [`Rank::DEDICATED`]).
const READ_FORMATS: &[Claim] = &[
    Claim::new(PNG, Rank::GENERAL),
    Claim::new(APNG, Rank::GENERAL),
    Claim::new(JPEG, Rank::GENERAL),
    Claim::new(GIF, Rank::GENERAL),
    Claim::new(WEBP, Rank::GENERAL),
    Claim::new(TIFF, Rank::GENERAL),
    Claim::new(BMP, Rank::GENERAL),
    Claim::new(ICO, Rank::GENERAL),
    Claim::new(TGA, Rank::GENERAL),
    Claim::new(PNM, Rank::GENERAL),
    Claim::new(QOI, Rank::GENERAL),
    Claim::new(HDR, Rank::GENERAL),
    Claim::new(EXR, Rank::GENERAL),
    Claim::new(FARBFELD, Rank::GENERAL),
    Claim::new(DDS, Rank::GENERAL),
    Claim::new(PFM, Rank::GENERAL),
];

/// What it writes: not APNG (one image per PNG file), DIB, DDS or PFM.
/// AVIF is claimed either way: without the `avif` feature a write says which
/// feature to enable instead of "no plugin".
const WRITE_FORMATS: &[Claim] = &[
    Claim::new(PNG, Rank::GENERAL),
    Claim::new(JPEG, Rank::GENERAL),
    Claim::new(GIF, Rank::GENERAL),
    Claim::new(WEBP, Rank::GENERAL),
    Claim::new(TIFF, Rank::GENERAL),
    Claim::new(
        Format {
            extensions: &[".bmp"],
            ..BMP
        },
        Rank::GENERAL,
    ),
    Claim::new(ICO, Rank::GENERAL),
    Claim::new(TGA, Rank::GENERAL),
    Claim::new(PNM, Rank::GENERAL),
    Claim::new(QOI, Rank::GENERAL),
    Claim::new(HDR, Rank::GENERAL),
    Claim::new(EXR, Rank::GENERAL),
    Claim::new(FARBFELD, Rank::GENERAL),
    Claim::new(AVIF, Rank::GENERAL),
];

const READ_OPTIONS: &[OptionSpec] = &[OptionSpec::new(
    "rotate",
    OptionKind::Bool,
    "false",
    "apply the EXIF orientation of a still image (turn it upright)",
)];

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
    OptionSpec::new(
        "exif",
        OptionKind::Bytes,
        "",
        "raw EXIF bytes to store (PNG eXIf chunk, JPEG APP1)",
    ),
];

imageio_core::inventory::submit! {
    PluginInfo {
        name: NAME,
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "general-purpose reader and writer on the `image` crate (PNG, JPEG, GIF, WebP, TIFF, BMP, ICO, TGA, PNM, QOI, HDR, EXR, Farbfeld, DDS)",
        read: Some(ReadEntry { formats: READ_FORMATS, options: READ_OPTIONS, open: open_read }),
        write: Some(WriteEntry { formats: WRITE_FORMATS, options: WRITE_OPTIONS, open: open_write }),
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

/// The `image` format to encode files with extension `ext` as, or `None`
/// when this plugin does not write them. Routing sends only the extensions
/// of [`WRITE_FORMATS`] here, but a plugin chosen by name is opened whatever
/// the extension, and `image` maps some this plugin does not write (`.apng`,
/// `.dds`): the claims are the list.
fn format_for_write(ext: &str) -> Option<ImageFormat> {
    match ext {
        ".ff" | ".farbfeld" => Some(ImageFormat::Farbfeld),
        ".jpe" | ".jfif" => Some(ImageFormat::Jpeg),
        ".pbm" | ".pgm" | ".ppm" | ".pnm" | ".pam" => Some(ImageFormat::Pnm),
        e => ImageFormat::from_extension(e.trim_start_matches('.')),
    }
}

/// Opens a reader. Routing already matched one of [`READ_FORMATS`]; this
/// picks the decoder: PFM's own, else the `image` format the magic number
/// names (BigTIFF, which `image::guess_format` does not know, as TIFF; TGA,
/// which has no magic number, by its extension).
fn open_read(request: &mut ReadRequest) -> imageio_core::Result<Box<dyn Reader>> {
    let first = request.first_bytes();
    if PFM.sniff(first) {
        let data = request.bytes()?;
        return Ok(Box::new(PfmReader {
            data,
            limits: request.limits(),
        }));
    }
    let tga = request
        .extension()
        .is_some_and(|e| TGA.extensions.contains(&e));
    let format = match image::guess_format(first) {
        Ok(f) => f,
        Err(_) if TIFF.sniff(first) => ImageFormat::Tiff,
        Err(_) if tga => ImageFormat::Tga,
        // A claimed magic number that `image` does not take (the PNM mask
        // also matches `P0`).
        Err(_) => return Err(Error::declined("not a format the image crate recognises")),
    };
    let data = request.bytes()?;
    Ok(Box::new(ImageReader::new(data, format, request.limits())))
}

/// Opens a writer for the request's extension (one of [`WRITE_FORMATS`]).
fn open_write(request: &mut WriteRequest) -> imageio_core::Result<Box<dyn Writer>> {
    let ext = request.extension().unwrap_or("").to_owned();
    // The core routes only the extensions of `WRITE_FORMATS` here (a plugin
    // chosen by name included), and each maps to an `image` format.
    let format = format_for_write(&ext)
        .ok_or_else(|| Error::internal(format!("no `image` format for the claimed {ext}")))?;
    if format == ImageFormat::Avif && !cfg!(feature = "avif") {
        return Err(Error::unsupported(
            "AVIF writing is behind the `avif` feature of the `imageio-rs` crate (it builds \
             the rav1e encoder); enable it",
        ));
    }
    let output = request.output()?;
    Ok(Box::new(encode::Encoder::new(output, format, ext)))
}

/// The read side: one resource, decoded on demand.
struct ImageReader {
    data: SharedBytes,
    format: ImageFormat,
    limits: Limits,
    anim: Option<anim::Animation>,
    ico_entries: Option<usize>,
    tiff: Option<tiff_guard::TiffInfo>,
}

impl ImageReader {
    fn new(data: SharedBytes, format: ImageFormat, limits: Limits) -> Self {
        ImageReader {
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

impl Reader for ImageReader {
    fn read(&mut self, index: usize, options: &Options) -> imageio_core::Result<NdImage> {
        self.check_index(index)?;
        if let Some(a) = self.animation()? {
            return a.frame(index);
        }
        if self.format == ImageFormat::OpenExr {
            return exr_read::decode(&self.data, index, self.limits);
        }
        let (data, format) = self.still_data(index)?;
        let img = decode::decode(&data, format, self.limits)?;
        match rotate(options)? {
            true => imageio_core::plugin::apply_orientation(
                img,
                decode::orientation(&data, format, self.limits)?,
            ),
            false => Ok(img),
        }
    }

    fn n_images(&mut self) -> imageio_core::Result<Option<usize>> {
        self.count().map(Some)
    }

    fn properties(
        &mut self,
        index: usize,
        options: &Options,
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
        let shape = match rotate(options)? {
            true => imageio_core::plugin::oriented_shape(
                shape,
                decode::orientation(&data, format, self.limits)?,
            ),
            false => shape,
        };
        Ok(ImageProperties::new(shape, dtype))
    }

    fn metadata(
        &mut self,
        index: Option<usize>,
        options: &Options,
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
        if rotate(options)? {
            // Applied to the pixels: no longer the file's to report.
            m.remove("orientation");
        }
        Ok(m)
    }
}

impl ImageReader {
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
                 read multi-page TIFF with the tiff plugin (the `tiff` feature of the \
                 `imageio-rs` crate)"
            )));
        }
        Ok((self.data.clone(), self.format))
    }
}

/// The `rotate` read option.
fn rotate(options: &Options) -> imageio_core::Result<bool> {
    match options.get("rotate") {
        None => Ok(false),
        Some(v) => v
            .as_bool()
            .ok_or_else(|| Error::invalid_option(format!("rotate takes true or false, not {v}"))),
    }
}

/// PFM files, which `image` does not read.
struct PfmReader {
    data: SharedBytes,
    limits: Limits,
}

impl Reader for PfmReader {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Why CUR and the `#?RGBE` HDR header are not claimed: `image` reads
    /// neither (if it ever does, claim them).
    #[test]
    fn unclaimed_variants_are_ones_image_cannot_read() {
        assert!(image::guess_format(b"\0\0\x02\0\x01\0").is_err());
        let body = b"\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n\x80\x40\x20\x81";
        let hdr = |magic: &[u8]| [magic, body.as_slice()].concat();
        let radiance = image::load_from_memory_with_format(&hdr(b"#?RADIANCE"), ImageFormat::Hdr);
        assert_eq!(radiance.unwrap().to_rgb32f().dimensions(), (1, 1));
        assert!(image::load_from_memory_with_format(&hdr(b"#?RGBE"), ImageFormat::Hdr).is_err());
        assert!(!HDR.sniff(&hdr(b"#?RGBE")) && HDR.sniff(&hdr(b"#?RADIANCE")));
    }

    #[test]
    fn every_claimed_write_extension_has_an_image_format() {
        assert_eq!(format_for_write(".jfif"), Some(ImageFormat::Jpeg));
        assert_eq!(format_for_write(".ff"), Some(ImageFormat::Farbfeld));
        assert_eq!(format_for_write(".pam"), Some(ImageFormat::Pnm));
        assert_eq!(format_for_write(".avif"), Some(ImageFormat::Avif));
        for ext in WRITE_FORMATS.iter().flat_map(|c| c.format.extensions) {
            assert!(format_for_write(ext).is_some(), "{ext}");
        }
    }
}
