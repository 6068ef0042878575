//! Tiled pages, which tiff 0.11's image encoder cannot write (it writes
//! strips only): the directory is written through its low-level
//! [`DirectoryEncoder`] (tags, then one `write_data` per tile), and each tile
//! is cut from the page here, padded with zeros at the right and bottom
//! edges, differenced (horizontal predictor) and compressed with the crate's
//! own compressors. The tiles of one row of tiles are prepared in parallel.

use imageio_core::{DType, Error, NdImage, Options, Result, Value};
use tiff::encoder::compression::{
    Compression as _, CompressionAlgorithm, Compressor, Deflate, Lzw, Packbits, Uncompressed,
};
use tiff::encoder::{Compression, DirectoryEncoder, Predictor, Rational, TiffKind};
use tiff::tags::{
    CompressionMethod, ExtraSamples, PhotometricInterpretation, PlanarConfiguration,
    ResolutionUnit, SampleFormat, Tag,
};

use crate::write::{enc_err, PageOptions};

/// The largest tile side accepted: TIFF allows 2^32 - 1, but one tile is
/// held in memory (several, in parallel) while it is compressed.
pub(crate) const MAX_TILE_SIDE: u32 = 1 << 16;

/// The largest tile, in bytes (256 MiB), for the same reason.
pub(crate) const MAX_TILE_BYTES: u64 = 256 << 20;

/// How to read the option, for its errors.
const TILE_HELP: &str = "tile: the tile size in pixels, one number for square tiles or \
     [rows, columns] (tifffile's (length, width)), each a multiple of 16 from 16 to 65536";

/// The `tile` option: `(rows, columns)` of a tile, each a positive multiple
/// of 16 (TIFF 6.0, section 15). Accepts one integer (square tiles), a list
/// of two, or a string `"256"`, `"256x128"` or `"256,128"`.
pub(crate) fn tile_option(options: &Options) -> Result<Option<(u32, u32)>> {
    let Some(v) = options.get("tile") else {
        return Ok(None);
    };
    let bad = || Error::invalid_option(format!("{TILE_HELP} (got {v:?})"));
    let sides: Vec<i64> = match v {
        Value::List(l) => l
            .iter()
            .map(|x| x.as_int().ok_or_else(bad))
            .collect::<Result<_>>()?,
        Value::Str(s) => s
            .split(['x', 'X', ','])
            .map(|p| p.trim().parse::<i64>().map_err(|_| bad()))
            .collect::<Result<_>>()?,
        other => vec![other.as_int().ok_or_else(bad)?],
    };
    let (rows, cols) = match sides[..] {
        [s] => (s, s),
        [r, c] => (r, c),
        _ => return Err(bad()),
    };
    let ok = |s: i64| (16..=MAX_TILE_SIDE as i64).contains(&s) && s % 16 == 0;
    if !ok(rows) || !ok(cols) {
        return Err(bad());
    }
    Ok(Some((rows as u32, cols as u32)))
}

/// The Compression tag value of an encoder setting.
fn method(c: Compression) -> CompressionMethod {
    match c {
        Compression::Uncompressed => CompressionMethod::None,
        Compression::Lzw => CompressionMethod::LZW,
        Compression::Deflate(_) => CompressionMethod::Deflate,
        Compression::Packbits => CompressionMethod::PackBits,
    }
}

fn compressor(c: Compression) -> Compressor {
    match c {
        Compression::Uncompressed => Uncompressed.get_algorithm(),
        Compression::Lzw => Lzw.get_algorithm(),
        Compression::Deflate(level) => Deflate::with_level(level).get_algorithm(),
        Compression::Packbits => Packbits.get_algorithm(),
    }
}

/// The SampleFormat tag value of a dtype.
fn sample_format(d: DType) -> SampleFormat {
    if d.is_float() {
        SampleFormat::IEEEFP
    } else if d.is_signed_int() {
        SampleFormat::Int
    } else {
        SampleFormat::Uint
    }
}

/// One page's geometry: the page and tile sizes and the bytes of a pixel.
#[derive(Clone, Copy)]
struct Grid {
    h: usize,
    w: usize,
    th: usize,
    tw: usize,
    /// Samples per pixel and bytes per sample.
    c: usize,
    es: usize,
}

impl Grid {
    fn pixel(&self) -> usize {
        self.c * self.es
    }

    /// Tile `(ty, tx)` cut from `src` (the page's C-order bytes), zero
    /// padded past the page's edges.
    fn cut(&self, src: &[u8], ty: usize, tx: usize) -> Vec<u8> {
        let (px, row) = (self.pixel(), self.tw * self.pixel());
        let mut tile = vec![0u8; self.th * row];
        let (y0, x0) = (ty * self.th, tx * self.tw);
        let n = self.tw.min(self.w - x0) * px;
        for r in 0..self.th.min(self.h - y0) {
            let at = ((y0 + r) * self.w + x0) * px;
            tile[r * row..r * row + n].copy_from_slice(&src[at..at + n]);
        }
        tile
    }

    /// Horizontal differencing of every tile row, in place: each sample
    /// minus the same sample of the pixel before (wrapping, as TIFF's
    /// predictor 2 defines it for signed and unsigned samples alike).
    fn predict(&self, tile: &mut [u8]) {
        macro_rules! diff {
            ($t:ty) => {{
                const N: usize = std::mem::size_of::<$t>();
                let get =
                    |b: &[u8], i: usize| <$t>::from_ne_bytes(b[i * N..][..N].try_into().unwrap());
                for row in tile.chunks_exact_mut(self.tw * self.pixel()) {
                    for i in (self.c..self.tw * self.c).rev() {
                        let v = get(row, i).wrapping_sub(get(row, i - self.c));
                        row[i * N..][..N].copy_from_slice(&v.to_ne_bytes());
                    }
                }
            }};
        }
        match self.es {
            1 => diff!(u8),
            2 => diff!(u16),
            4 => diff!(u32),
            _ => diff!(u64),
        }
    }

    /// A tile as stored: predicted, then compressed (PackBits row by row,
    /// as a run may not cross rows).
    fn encode(&self, mut tile: Vec<u8>, o: &PageOptions) -> Result<Vec<u8>> {
        if o.predictor == Predictor::Horizontal {
            self.predict(&mut tile);
        }
        if o.compression == Compression::Uncompressed {
            return Ok(tile);
        }
        let io = |e: std::io::Error| Error::encode(format!("TIFF: compressing a tile: {e}"));
        let mut out = Vec::with_capacity(tile.len() / 2);
        if o.compression == Compression::Packbits {
            for row in tile.chunks_exact(self.tw * self.pixel()) {
                compressor(o.compression)
                    .write_to(&mut out, row)
                    .map_err(io)?;
            }
        } else {
            compressor(o.compression)
                .write_to(&mut out, &tile)
                .map_err(io)?;
        }
        Ok(out)
    }
}

/// Writes `image` (`(H, W)` or `(H, W, C)`, C = 1..4, in a dtype the strip
/// writer takes) as one tiled page of `dir`, with tiles of `(rows, cols)`.
pub(crate) fn write<W, K>(
    mut dir: DirectoryEncoder<'_, W, K>,
    image: &NdImage,
    (h, w): (u32, u32),
    c: usize,
    (th, tw): (u32, u32),
    o: &PageOptions,
) -> Result<()>
where
    W: std::io::Write + std::io::Seek,
    K: TiffKind,
{
    use rayon::prelude::*;
    let dtype = image.dtype();
    let grid = Grid {
        h: h as usize,
        w: w as usize,
        th: th as usize,
        tw: tw as usize,
        c,
        es: dtype.size(),
    };
    let src = image.standard_bytes();
    let tile_bytes = (th as u64) * (tw as u64) * grid.pixel() as u64;
    if tile_bytes > MAX_TILE_BYTES {
        return Err(Error::invalid_option(format!(
            "tile: a {th}x{tw} tile of {c} x {dtype} samples is {tile_bytes} bytes, more than \
             the {MAX_TILE_BYTES} this writer holds per tile; use smaller tiles"
        )));
    }
    let (across, down) = (grid.w.div_ceil(grid.tw), grid.h.div_ceil(grid.th));
    let mut offsets = Vec::with_capacity(across * down);
    let mut counts = Vec::with_capacity(across * down);
    for ty in 0..down {
        let tiles = (0..across)
            .into_par_iter()
            .map(|tx| grid.encode(grid.cut(&src, ty, tx), o))
            .collect::<Result<Vec<_>>>()?;
        for t in tiles {
            let at = dir.write_data(t.as_slice()).map_err(enc_err)?;
            offsets.push(K::convert_offset(at).map_err(enc_err)?);
            let n = K::OffsetType::try_from(t.len())
                .map_err(|_| Error::encode("TIFF: a compressed tile exceeds 4 GiB"))?;
            counts.push(n);
        }
    }
    let bits = vec![(grid.es * 8) as u16; c];
    let formats = vec![sample_format(dtype).to_u16(); c];
    let photometric = if c >= 3 {
        PhotometricInterpretation::RGB
    } else {
        PhotometricInterpretation::BlackIsZero
    };
    dir.write_tag(Tag::ImageWidth, w).map_err(enc_err)?;
    dir.write_tag(Tag::ImageLength, h).map_err(enc_err)?;
    dir.write_tag(Tag::BitsPerSample, &bits[..])
        .map_err(enc_err)?;
    let m = method(o.compression).to_u16();
    dir.write_tag(Tag::Compression, m).map_err(enc_err)?;
    let p = photometric.to_u16();
    dir.write_tag(Tag::PhotometricInterpretation, p)
        .map_err(enc_err)?;
    dir.write_tag(Tag::SamplesPerPixel, c as u16)
        .map_err(enc_err)?;
    let chunky = PlanarConfiguration::Chunky.to_u16();
    dir.write_tag(Tag::PlanarConfiguration, chunky)
        .map_err(enc_err)?;
    dir.write_tag(Tag::SampleFormat, &formats[..])
        .map_err(enc_err)?;
    if c == 2 || c == 4 {
        let alpha = [ExtraSamples::UnassociatedAlpha.to_u16()];
        dir.write_tag(Tag::ExtraSamples, &alpha[..])
            .map_err(enc_err)?;
    }
    if o.predictor != Predictor::None {
        dir.write_tag(Tag::Predictor, o.predictor.to_u16())
            .map_err(enc_err)?;
    }
    dir.write_tag(Tag::TileWidth, tw).map_err(enc_err)?;
    dir.write_tag(Tag::TileLength, th).map_err(enc_err)?;
    let t = Tag::TileOffsets;
    dir.write_tag(t, K::convert_slice(&offsets))
        .map_err(enc_err)?;
    let t = Tag::TileByteCounts;
    dir.write_tag(t, K::convert_slice(&counts))
        .map_err(enc_err)?;
    if o.dpi.is_none() {
        // What the strip writer (tiff's image encoder) writes: no unit, 1/1.
        let one = Rational { n: 1, d: 1 };
        dir.write_tag(Tag::XResolution, &one).map_err(enc_err)?;
        dir.write_tag(Tag::YResolution, &one).map_err(enc_err)?;
        let none = ResolutionUnit::None.to_u16();
        dir.write_tag(Tag::ResolutionUnit, none).map_err(enc_err)?;
    }
    crate::write::describe(&mut dir, o)?;
    dir.finish().map_err(enc_err)
}
