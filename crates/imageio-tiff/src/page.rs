//! What a page holds ([`Page`], read from its tags), what the returned
//! array is and how to get there ([`Plan`]), and the synthetic directory
//! that shows the page's chunks to the `tiff` crate as plain min-is-black
//! samples ([`Page::directory`]).

use imageio_core::{DType, Error, Result};
use tiff::decoder::IfdDecoder;
use tiff::tags::{
    CompressionMethod, PhotometricInterpretation, PlanarConfiguration, Predictor, SampleFormat,
    Tag, Type,
};

use crate::ifd::{DirBuilder, Format, RawEntry};
use crate::metadata::{compression_name, photometric_name};
use crate::read::tiff_err;

/// SampleFormat 5 and 6 (complex samples), which the `tiff` crate does not name.
const COMPLEX_INT: u16 = 5;
const COMPLEX_FLOAT: u16 = 6;

/// YCbCr chroma subsampling factors this plugin unpacks without JPEG.
const SUBSAMPLING_FACTORS: [u16; 3] = [1, 2, 4];

/// How stored samples become the samples of the returned array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Whole bytes of the output's size (8/16/32/64-bit): copied.
    Bytes,
    /// IEEE half floats, widened to f32.
    F16,
    /// A bit depth that is not a whole number of bytes: unpacked MSB first.
    Packed,
}

/// What a page holds, from its tags.
#[derive(Clone, Debug)]
pub(crate) struct Page {
    /// The directory's entries as stored, for the synthetic directory.
    pub entries: Vec<RawEntry>,
    pub width: u32,
    pub height: u32,
    pub spp: u16,
    pub bits: u16,
    /// `Void` (unspecified) is read as `Uint`.
    pub sample_format: SampleFormat,
    /// As stored: values the `tiff` crate has no name for are reported by
    /// number ([`Page::photometric`] names the others).
    pub photometric: u16,
    pub compression: CompressionMethod,
    /// As stored: unknown predictors are reported by number.
    pub predictor: u16,
    pub planar: bool,
    pub tile: Option<(u32, u32)>,
    pub rows_per_strip: u32,
    pub extra: Vec<u16>,
    pub subsampling: (u16, u16),
    pub colormap: Option<Vec<u16>>,
    /// FillOrder: 1 (first pixel in the most significant bit) or 2.
    pub fill_order: u16,
    /// T4Options of Group 3 pages (0 when absent).
    pub t4_options: u32,
}

/// The returned array and how to get there.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub shape: Vec<usize>,
    pub dtype: DType,
    /// The dtype samples are decoded to before the photometric step.
    pub raw: DType,
    pub mode: Mode,
    /// Synthetic directory: use whole bytes (bit depths like 10 or 12).
    pub byte_trick: bool,
    /// YCbCr subsampled `(h, v)` without JPEG: blocks unpacked here.
    pub ycc: Option<(usize, usize)>,
}

/// The returned array of a photometric interpretation: its shape and
/// dtype, and the YCbCr blocks to unpack, if any.
struct Output {
    shape: Vec<usize>,
    dtype: DType,
    ycc: Option<(usize, usize)>,
}

/// One value of a tag that may hold one per sample, all the same (`default`
/// when absent or empty).
fn uniform(v: Option<Vec<u16>>, what: &str, default: u16) -> Result<u16> {
    match v.as_deref() {
        None | Some([]) => Ok(default),
        Some(v) if v.iter().any(|&b| b != v[0]) => Err(Error::unsupported(format!(
            "TIFF: samples of different {what} ({v:?}) are not supported"
        ))),
        Some(v) => Ok(v[0]),
    }
}

fn tag_u32(t: &mut IfdDecoder<'_>, tag: Tag) -> Result<Option<u32>> {
    t.find_tag_unsigned(tag).map_err(tiff_err)
}

fn tag_u16(t: &mut IfdDecoder<'_>, tag: Tag, default: u16) -> Result<u16> {
    Ok(t.find_tag_unsigned(tag)
        .map_err(tiff_err)?
        .unwrap_or(default))
}

fn tag_u16s(t: &mut IfdDecoder<'_>, tag: Tag) -> Result<Option<Vec<u16>>> {
    t.find_tag_unsigned_vec(tag).map_err(tiff_err)
}

/// Width and height, both required.
fn dimensions(t: &mut IfdDecoder<'_>) -> Result<(u32, u32)> {
    let width = tag_u32(t, Tag::ImageWidth)?
        .ok_or_else(|| Error::decode("TIFF: the page has no ImageWidth"))?;
    let height = tag_u32(t, Tag::ImageLength)?
        .ok_or_else(|| Error::decode("TIFF: the page has no ImageLength"))?;
    Ok((width, height))
}

/// The photometric interpretation; when absent, RGB for three colour
/// samples or more, else min-is-black.
fn photometric(t: &mut IfdDecoder<'_>, spp: u16, extra: usize) -> Result<u16> {
    let colour = spp as usize - extra.min(spp as usize);
    let default = if colour >= 3 {
        PhotometricInterpretation::RGB
    } else {
        PhotometricInterpretation::BlackIsZero
    };
    tag_u16(t, Tag::PhotometricInterpretation, default.to_u16())
}

/// The tile size, when the page is tiled.
fn tiling(t: &mut IfdDecoder<'_>) -> Result<Option<(u32, u32)>> {
    match (tag_u32(t, Tag::TileWidth)?, tag_u32(t, Tag::TileLength)?) {
        (Some(w), Some(h)) if w > 0 && h > 0 => Ok(Some((w, h))),
        (None, None) => Ok(None),
        _ => Err(Error::decode("TIFF: invalid TileWidth/TileLength")),
    }
}

fn subsampling(t: &mut IfdDecoder<'_>) -> Result<(u16, u16)> {
    Ok(match tag_u16s(t, Tag::ChromaSubsampling)?.as_deref() {
        Some(&[h, v]) => (h, v),
        _ => (2, 2),
    })
}

fn sample_format(t: &mut IfdDecoder<'_>) -> Result<SampleFormat> {
    let f = uniform(
        tag_u16s(t, Tag::SampleFormat)?,
        "sample formats",
        SampleFormat::Uint.to_u16(),
    )?;
    Ok(match SampleFormat::from_u16_exhaustive(f) {
        SampleFormat::Void => SampleFormat::Uint,
        f => f,
    })
}

impl Page {
    /// Reads the tags of a directory whose raw entries are `entries`.
    pub fn read(t: &mut IfdDecoder<'_>, entries: Vec<RawEntry>) -> Result<Page> {
        let (width, height) = dimensions(t)?;
        let spp = tag_u16(t, Tag::SamplesPerPixel, 1)?;
        if spp == 0 {
            return Err(Error::decode("TIFF: SamplesPerPixel is 0"));
        }
        let bits = uniform(tag_u16s(t, Tag::BitsPerSample)?, "bit depths", 1)?;
        let extra = tag_u16s(t, Tag::ExtraSamples)?.unwrap_or_default();
        let photometric = photometric(t, spp, extra.len())?;
        let compression = tag_u16(t, Tag::Compression, CompressionMethod::None.to_u16())?;
        let planar = tag_u16(t, Tag::PlanarConfiguration, 1)?;
        let palette = photometric == PhotometricInterpretation::RGBPalette.to_u16();
        Ok(Page {
            entries,
            width,
            height,
            spp,
            bits,
            sample_format: sample_format(t)?,
            photometric,
            compression: CompressionMethod::from_u16_exhaustive(compression),
            predictor: tag_u16(t, Tag::Predictor, Predictor::None.to_u16())?,
            planar: planar == PlanarConfiguration::Planar.to_u16() && spp > 1,
            tile: tiling(t)?,
            rows_per_strip: tag_u32(t, Tag::RowsPerStrip)?.unwrap_or(height).max(1),
            extra,
            subsampling: subsampling(t)?,
            colormap: if palette {
                tag_u16s(t, Tag::ColorMap)?
            } else {
                None
            },
            // Both only matter to CCITT pages: a malformed value is the default.
            fill_order: tag_u16(t, Tag::FillOrder, 1).unwrap_or(1),
            t4_options: tag_u32(t, crate::ccitt::T4_OPTIONS)
                .ok()
                .flatten()
                .unwrap_or(0),
        })
    }

    /// The photometric interpretation, when the `tiff` crate names it.
    pub fn photometric(&self) -> Option<PhotometricInterpretation> {
        PhotometricInterpretation::from_u16(self.photometric)
    }

    pub fn channels(&self) -> usize {
        self.spp as usize
    }

    /// Samples per pixel in one chunk: all of them, or one per plane.
    pub fn chunk_spp(&self) -> usize {
        if self.planar {
            1
        } else {
            self.channels()
        }
    }

    /// The shape of the samples as stored: `(H, W)` or `(H, W, C)`.
    pub fn raw_shape(&self) -> Vec<usize> {
        let (h, w, c) = (self.height as usize, self.width as usize, self.channels());
        if c == 1 {
            vec![h, w]
        } else {
            vec![h, w, c]
        }
    }

    /// The size of a full chunk: the tile, or the width by the rows of a strip.
    pub fn chunk_size(&self) -> (u32, u32) {
        match self.tile {
            Some(t) => t,
            None => (self.width, self.rows_per_strip.min(self.height).max(1)),
        }
    }

    /// The number of strips or tiles the page's dimensions call for.
    fn chunk_count(&self) -> usize {
        let (cw, ch) = self.chunk_size();
        let planes = if self.planar { self.channels() } else { 1 };
        self.width.div_ceil(cw) as usize * self.height.div_ceil(ch) as usize * planes
    }

    /// The returned array and how to decode into it; an error for what is
    /// not supported.
    pub fn plan(&self) -> Result<Plan> {
        if self.width == 0 || self.height == 0 {
            return Err(Error::decode(format!(
                "TIFF: the page is {}x{} pixels",
                self.width, self.height
            )));
        }
        self.check_compression()?;
        let (raw, mode) = self.sample_layout()?;
        if mode == Mode::Packed && self.predictor != Predictor::None.to_u16() {
            return Err(Error::unsupported(format!(
                "TIFF: predictor {} with {}-bit samples is not supported",
                self.predictor, self.bits
            )));
        }
        let Output { shape, dtype, ycc } = match self.photometric() {
            Some(PhotometricInterpretation::RGBPalette) => self.palette_output()?,
            Some(PhotometricInterpretation::YCbCr) => self.ycbcr_output()?,
            _ => self.plain_output(raw)?,
        };
        Ok(Plan {
            shape,
            dtype,
            raw,
            mode,
            byte_trick: mode == Mode::Packed && self.bits > 8,
            ycc,
        })
    }

    /// Compressions the `tiff` crate (with the features enabled here) or
    /// this crate's CCITT decoder decodes.
    fn check_compression(&self) -> Result<()> {
        use CompressionMethod as C;
        if crate::ccitt::decodes(self) {
            return crate::ccitt::check(self);
        }
        match self.compression {
            C::None | C::Fax4 | C::LZW | C::ModernJPEG | C::Deflate | C::OldDeflate => Ok(()),
            C::PackBits | C::ZSTD | C::WebP => Ok(()),
            c => Err(Error::unsupported(format!(
                "TIFF compression {} ({}) is not supported by the tiff crate",
                compression_name(c),
                c.to_u16()
            ))),
        }
    }

    /// The dtype samples decode to and how.
    fn sample_layout(&self) -> Result<(DType, Mode)> {
        use SampleFormat as F;
        Ok(match (self.sample_format, self.bits) {
            (F::Uint, 8) => (DType::U8, Mode::Bytes),
            (F::Uint, 16) => (DType::U16, Mode::Bytes),
            (F::Uint, 32) => (DType::U32, Mode::Bytes),
            (F::Uint, 64) => (DType::U64, Mode::Bytes),
            (F::Uint, 1..=7) => (DType::U8, Mode::Packed),
            (F::Uint, 9..=15) => (DType::U16, Mode::Packed),
            (F::Uint, 17..=31) => (DType::U32, Mode::Packed),
            (F::Int, 8) => (DType::I8, Mode::Bytes),
            (F::Int, 16) => (DType::I16, Mode::Bytes),
            (F::Int, 32) => (DType::I32, Mode::Bytes),
            (F::Int, 64) => (DType::I64, Mode::Bytes),
            (F::IEEEFP, 16) => (DType::F32, Mode::F16),
            (F::IEEEFP, 32) => (DType::F32, Mode::Bytes),
            (F::IEEEFP, 64) => (DType::F64, Mode::Bytes),
            (f, b) => {
                let kind = match f {
                    F::Uint => "unsigned integer",
                    F::Int => "signed integer",
                    F::IEEEFP => "floating-point",
                    F::Unknown(COMPLEX_INT) => "complex integer",
                    F::Unknown(COMPLEX_FLOAT) => "complex floating-point",
                    _ => "unknown",
                };
                return Err(Error::unsupported(format!(
                    "TIFF: {b}-bit {kind} samples (SampleFormat {}) are not supported",
                    f.to_u16()
                )));
            }
        })
    }

    /// Palette pages: one index sample, expanded to RGB u8.
    fn palette_output(&self) -> Result<Output> {
        let (c, bits) = (self.channels(), self.bits);
        let colour = c - self.extra.len().min(c);
        if colour != 1 || c != 1 || bits > 16 || self.sample_format != SampleFormat::Uint {
            return Err(Error::unsupported(format!(
                "TIFF: palette images with {c} samples of {bits} bits are not supported"
            )));
        }
        if self.colormap.as_ref().map(|m| m.len()) != Some(3usize << bits) {
            return Err(Error::decode(format!(
                "TIFF: the palette image has no ColorMap of 3 x {} entries",
                1u32 << bits
            )));
        }
        Ok(Output {
            shape: self.rgb_shape(),
            dtype: DType::U8,
            ycc: None,
        })
    }

    /// YCbCr pages: three 8-bit samples, converted to RGB u8 (subsampled
    /// chroma without JPEG unpacked here).
    fn ycbcr_output(&self) -> Result<Output> {
        let (c, bits) = (self.channels(), self.bits);
        if c != 3 || bits != 8 || self.sample_format != SampleFormat::Uint {
            return Err(Error::unsupported(format!(
                "TIFF: YCbCr with {c} samples of {bits} bits is not supported"
            )));
        }
        let ycc = if self.compression != CompressionMethod::ModernJPEG && self.subsampling != (1, 1)
        {
            Some(self.ycc_blocks()?)
        } else {
            None
        };
        Ok(Output {
            shape: self.rgb_shape(),
            dtype: DType::U8,
            ycc,
        })
    }

    /// The block size of subsampled YCbCr, when this plugin can unpack it.
    fn ycc_blocks(&self) -> Result<(usize, usize)> {
        let (sh, sv) = self.subsampling;
        let fits = |n: u32, s: u16| n.is_multiple_of(s as u32);
        let aligned = match self.tile {
            Some((tw, th)) => fits(tw, sh) && fits(th, sv),
            None => {
                fits(self.rows_per_strip.min(self.height), sv) || self.rows_per_strip >= self.height
            }
        };
        if !SUBSAMPLING_FACTORS.contains(&sh)
            || !SUBSAMPLING_FACTORS.contains(&sv)
            || self.planar
            || self.predictor != Predictor::None.to_u16()
            || !aligned
        {
            return Err(Error::unsupported(format!(
                "TIFF: YCbCr chroma subsampling {sh}x{sv} without JPEG compression \
                 in this layout is not supported"
            )));
        }
        Ok((sh as usize, sv as usize))
    }

    /// Gray, RGB, CMYK, Lab: the samples as stored.
    fn plain_output(&self, raw: DType) -> Result<Output> {
        use PhotometricInterpretation as P;
        match self.photometric() {
            Some(P::WhiteIsZero) if self.sample_format != SampleFormat::Uint => {
                Err(Error::unsupported(
                    "TIFF: min-is-white with signed or floating-point samples is not supported",
                ))
            }
            Some(
                P::WhiteIsZero
                | P::BlackIsZero
                | P::RGB
                | P::CMYK
                | P::CIELab
                | P::IccLab
                | P::ItuLab,
            ) => Ok(Output {
                shape: self.raw_shape(),
                dtype: raw,
                ycc: None,
            }),
            _ => Err(Error::unsupported(format!(
                "TIFF: photometric interpretation {} ({}) is not supported",
                photometric_name(self.photometric),
                self.photometric
            ))),
        }
    }

    fn rgb_shape(&self) -> Vec<usize> {
        vec![self.height as usize, self.width as usize, 3]
    }

    /// The synthetic directory presenting this page as min-is-black samples.
    pub fn directory(&self, f: Format, plan: &Plan) -> Result<DirBuilder> {
        let mut d = DirBuilder::new(f);
        self.copy_chunk_entries(&mut d, f);
        d.short(
            Tag::PhotometricInterpretation,
            PhotometricInterpretation::BlackIsZero.to_u16(),
        );
        let planar = if self.planar {
            PlanarConfiguration::Planar
        } else {
            PlanarConfiguration::Chunky
        };
        d.short(Tag::PlanarConfiguration, planar.to_u16());
        if let Some(blocks) = plan.ycc {
            self.describe_ycc_blocks(&mut d, blocks)?;
        } else if plan.byte_trick {
            self.describe_whole_bytes(&mut d)?;
        } else {
            self.describe_samples(&mut d)?;
        }
        Ok(d)
    }

    /// Copies what the chunk decoder needs as stored: the rows, compression,
    /// predictor, JPEG tables and the chunks' offsets and byte counts.
    fn copy_chunk_entries(&self, d: &mut DirBuilder, f: Format) {
        const KEEP: &[Tag] = &[
            Tag::ImageLength,
            Tag::Compression,
            Tag::Predictor,
            Tag::JPEGTables,
        ];
        let has = |tag: Tag| self.entries.iter().any(|e| e.tag == tag);
        for e in &self.entries {
            let mut e = e.clone();
            match (self.tile.is_some(), e.tag) {
                (_, t) if KEEP.contains(&t) => {}
                (false, Tag::StripOffsets | Tag::RowsPerStrip | Tag::StripByteCounts) => {}
                (true, Tag::TileLength | Tag::TileOffsets | Tag::TileByteCounts) => {}
                // Tiled pages whose tile offsets are stored under the strip
                // tags (libtiff reads them so): move them.
                (true, Tag::StripOffsets) if !has(Tag::TileOffsets) => e.tag = Tag::TileOffsets,
                (true, Tag::StripByteCounts) if !has(Tag::TileByteCounts) => {
                    e.tag = Tag::TileByteCounts
                }
                _ => continue,
            }
            self.trim_chunk_array(&mut e, f);
            d.raw(e);
        }
    }

    /// More offsets than chunks (some writers pad the arrays; libtiff
    /// ignores the rest): keep the ones used, when the array stays out of
    /// line.
    fn trim_chunk_array(&self, e: &mut RawEntry, f: Format) {
        let chunk_array = [
            Tag::StripOffsets,
            Tag::StripByteCounts,
            Tag::TileOffsets,
            Tag::TileByteCounts,
        ];
        if !chunk_array.contains(&e.tag) {
            return;
        }
        let size = match Type::from_u16(e.typ) {
            Some(Type::SHORT) => 2,
            Some(Type::LONG8) => 8,
            _ => 4,
        };
        let inline = if f.bigtiff { 8 } else { 4 };
        let want = self.chunk_count() as u64;
        if e.count > want && want * size > inline {
            e.count = want;
        }
    }

    /// Subsampled YCbCr: one row of blocks becomes one row of bytes, per
    /// block `sh * sv` luma samples, then Cb and Cr.
    fn describe_ycc_blocks(&self, d: &mut DirBuilder, (sh, sv): (usize, usize)) -> Result<()> {
        let too_big = || Error::decode("TIFF: the row length overflows");
        let unit = (sh * sv + 2) as u32;
        let (sh, sv) = (sh as u32, sv as u32);
        d.short(Tag::BitsPerSample, 8);
        d.short(Tag::SampleFormat, SampleFormat::Uint.to_u16());
        d.short(Tag::SamplesPerPixel, 1);
        d.long(Tag::ImageLength, self.height.div_ceil(sv));
        match self.tile {
            Some((tw, th)) => {
                let tile_row = (tw / sh).checked_mul(unit).ok_or_else(too_big)?;
                d.long(Tag::TileWidth, tile_row);
                d.long(Tag::TileLength, th / sv);
                let across = self.width.div_ceil(tw);
                let width = across.checked_mul(tile_row).ok_or_else(too_big)?;
                d.long(Tag::ImageWidth, width);
            }
            None => {
                let width = self.width.div_ceil(sh).checked_mul(unit);
                d.long(Tag::ImageWidth, width.ok_or_else(too_big)?);
                let rows = self.rows_per_strip.min(self.height).div_ceil(sv);
                d.long(Tag::RowsPerStrip, rows);
            }
        }
        Ok(())
    }

    /// Bit depths like 10 or 12: whole bytes stand in for the packed
    /// samples, unpacked here.
    fn describe_whole_bytes(&self, d: &mut DirBuilder) -> Result<()> {
        let too_big = || Error::decode("TIFF: the row length overflows");
        let row_bytes = |w: u32| {
            let bits = w as u64 * self.chunk_spp() as u64 * self.bits as u64;
            u32::try_from(bits.div_ceil(8)).map_err(|_| too_big())
        };
        d.short(Tag::BitsPerSample, 8);
        d.short(Tag::SampleFormat, SampleFormat::Uint.to_u16());
        let planes = if self.planar { self.spp } else { 1 };
        d.short(Tag::SamplesPerPixel, planes);
        match self.tile {
            Some((tw, _)) => {
                let tile_row = row_bytes(tw)?;
                let across = self.width.div_ceil(tw);
                d.long(Tag::TileWidth, tile_row);
                let width = across.checked_mul(tile_row).ok_or_else(too_big)?;
                d.long(Tag::ImageWidth, width);
            }
            None => d.long(Tag::ImageWidth, row_bytes(self.width)?),
        }
        Ok(())
    }

    /// Whole-byte samples (and half floats): described as they are, except
    /// that a tiled page is made a whole number of tiles wide. tiff 0.11
    /// decodes a partial right-edge tile row by row, skipping each row's
    /// padding, and fails ("no lzw end code found") on LZW tiles whose last
    /// row ends the data (tiles by libtiff, tifffile and this plugin alike);
    /// whole tiles are decoded in one read.
    fn describe_samples(&self, d: &mut DirBuilder) -> Result<()> {
        d.short(Tag::BitsPerSample, self.bits);
        d.short(Tag::SampleFormat, self.sample_format.to_u16());
        d.short(Tag::SamplesPerPixel, self.spp);
        match self.tile {
            Some((tw, _)) => {
                let width = self.width.div_ceil(tw).checked_mul(tw);
                let width = width.ok_or_else(|| Error::decode("TIFF: the row length overflows"))?;
                d.long(Tag::ImageWidth, width);
                d.long(Tag::TileWidth, tw);
            }
            None => d.long(Tag::ImageWidth, self.width),
        }
        Ok(())
    }
}
