//! Writing: one page per `write` call, streamed through the `tiff` crate's
//! encoder into the request's [`Output`] (kept until `close`).

use imageio_core::plugin::{dpi_option, image_dims, Output, Writer, DPI_OPTION_HELP};
use imageio_core::{DType, Element, Error, Hint, NdImage, Options, Result, Value};
use tiff::encoder::colortype::{self, ColorType};
use tiff::encoder::{
    Compression, DeflateLevel, DirectoryEncoder, Predictor, Rational, TiffEncoder, TiffKind,
    TiffKindBig, TiffKindStandard, TiffValue,
};
use tiff::tags::{ExtraSamples, ResolutionUnit, Tag};

enum Enc {
    Std(TiffEncoder<Output, TiffKindStandard>),
    Big(TiffEncoder<Output, TiffKindBig>),
}

/// The write side of the plugin.
pub(crate) struct TiffWriter {
    output: Option<Output>,
    enc: Option<Enc>,
    pages: usize,
    /// Bytes of a batch announced by `write_batch`, for the BigTIFF choice.
    batch_bytes: u64,
}

/// What one page's options ask for.
pub(crate) struct PageOptions {
    pub compression: Compression,
    pub predictor: Predictor,
    pub description: Option<String>,
    pub software: Option<String>,
    pub dpi: Option<(f64, f64)>,
    /// `(rows, columns)` of a tile: a tiled page ([`crate::tile`]).
    pub tile: Option<(u32, u32)>,
    /// `(dy, dx)`: X/YResolution of 1/dx and 1/dy with no unit (ImageJ's
    /// pixel size, [`crate::imagej_write`]).
    pub pixel_size: Option<(f64, f64)>,
}

pub(crate) fn enc_err(e: tiff::TiffError) -> Error {
    match e {
        tiff::TiffError::UsageError(u) => Error::invalid_input(format!("TIFF: {u}")),
        tiff::TiffError::UnsupportedError(u) => Error::unsupported(format!("TIFF: {u}")),
        other => Error::encode(format!("TIFF: {other}")),
    }
}

fn page_options(options: &Options) -> Result<PageOptions> {
    let s = |k: &str| options.get(k).and_then(Value::as_str).map(str::to_owned);
    let compression = match s("compression").as_deref().map(str::to_ascii_lowercase) {
        None => Compression::Uncompressed,
        Some(c) => match c.as_str() {
            "none" => Compression::Uncompressed,
            "lzw" => Compression::Lzw,
            "deflate" => Compression::Deflate(DeflateLevel::Balanced),
            "packbits" => Compression::Packbits,
            other => {
                return Err(Error::invalid_option(format!(
                    "compression {other:?}: use none, lzw, deflate or packbits"
                )))
            }
        },
    };
    let predictor = match s("predictor").as_deref().map(str::to_ascii_lowercase) {
        None => Predictor::None,
        Some(p) if p == "none" => Predictor::None,
        Some(p) if p == "horizontal" => Predictor::Horizontal,
        Some(p) => {
            return Err(Error::invalid_option(format!(
                "predictor {p:?}: use none or horizontal"
            )))
        }
    };
    let dpi = dpi_option(options)?;
    if dpi.is_some_and(|(x, y)| !(x < 1e9 && y < 1e9)) {
        return Err(Error::invalid_option(DPI_OPTION_HELP));
    }
    Ok(PageOptions {
        compression,
        predictor,
        description: s("description"),
        software: s("software"),
        dpi,
        tile: crate::tile::tile_option(options)?,
        pixel_size: None,
    })
}

/// A rational close to `v` (4 decimals).
fn rational(v: f64) -> Rational {
    let d = if v * 10_000.0 < u32::MAX as f64 {
        10_000
    } else {
        1
    };
    Rational {
        n: (v * d as f64).round() as u32,
        d,
    }
}

/// A rational close to `v` with the largest power-of-ten denominator (up
/// to 10^6) that keeps the numerator in 32 bits.
fn fine_rational(v: f64) -> Rational {
    let mut d = 1_000_000u32;
    while d > 1 && v * d as f64 >= u32::MAX as f64 {
        d /= 10;
    }
    Rational {
        n: (v * d as f64).round().min(u32::MAX as f64) as u32,
        d,
    }
}

fn put<C: ColorType, K: TiffKind>(
    enc: &mut TiffEncoder<Output, K>,
    (h, w): (u32, u32),
    data: &[C::Inner],
    alpha: bool,
    o: &PageOptions,
) -> Result<()>
where
    [C::Inner]: TiffValue,
{
    let mut img = enc.new_image::<C>(w, h).map_err(enc_err)?;
    if alpha {
        img.extra_samples(&[ExtraSamples::UnassociatedAlpha])
            .map_err(enc_err)?;
    }
    describe(img.encoder(), o)?;
    img.write_data(data).map_err(enc_err)
}

/// The page's description, software and resolution tags, when asked for.
pub(crate) fn describe<W, K>(e: &mut DirectoryEncoder<'_, W, K>, o: &PageOptions) -> Result<()>
where
    W: std::io::Write + std::io::Seek,
    K: TiffKind,
{
    if let Some(d) = &o.description {
        e.write_tag(Tag::ImageDescription, d.as_str())
            .map_err(enc_err)?;
    }
    if let Some(s) = &o.software {
        e.write_tag(Tag::Software, s.as_str()).map_err(enc_err)?;
    }
    if let Some((dy, dx)) = o.pixel_size {
        e.write_tag(Tag::ResolutionUnit, ResolutionUnit::None.to_u16())
            .map_err(enc_err)?;
        e.write_tag(Tag::XResolution, fine_rational(1.0 / dx))
            .map_err(enc_err)?;
        e.write_tag(Tag::YResolution, fine_rational(1.0 / dy))
            .map_err(enc_err)?;
    }
    if let Some((x, y)) = o.dpi {
        e.write_tag(Tag::ResolutionUnit, ResolutionUnit::Inch.to_u16())
            .map_err(enc_err)?;
        e.write_tag(Tag::XResolution, rational(x))
            .map_err(enc_err)?;
        e.write_tag(Tag::YResolution, rational(y))
            .map_err(enc_err)?;
    }
    Ok(())
}

/// The samples of `image` in C order.
fn samples<T: Element>(image: &NdImage) -> Vec<T> {
    let a = image.as_array::<T>().expect("dtype checked");
    match a.as_slice() {
        Some(s) => s.to_vec(),
        None => a.iter().copied().collect(),
    }
}

/// The page's `(height, width)` and samples per pixel: `(H, W)` or
/// `(H, W, C)` with C = 1..4, each side within TIFF's 32-bit dimensions.
fn page_dims(image: &NdImage) -> Result<((u32, u32), usize)> {
    let (h, w, c) = image_dims(image.shape(), 4, "TIFF")
        .map_err(|e| Error::invalid_input(e.message()).with_hint(Hint::WriteAsBatch))?;
    let dims = (
        u32::try_from(h).map_err(|_| Error::invalid_input("the image is too tall for TIFF"))?,
        u32::try_from(w).map_err(|_| Error::invalid_input("the image is too wide for TIFF"))?,
    );
    Ok((dims, c))
}

/// The predictor applies to integer samples, and not to gray+alpha.
fn check_predictor(o: &PageOptions, channels: usize, dtype: DType) -> Result<()> {
    if o.predictor == Predictor::None {
        return Ok(());
    }
    if channels == 2 {
        // tiff 0.11's encoder differences gray+alpha rows with a stride of one
        // sample (the colour type's), not two: the file would not read back.
        return Err(Error::unsupported(
            "TIFF: the horizontal predictor is not supported for gray+alpha pages (the tiff \
             crate predicts them wrongly); write without a predictor",
        ));
    }
    if dtype.is_float() {
        return Err(Error::invalid_option(
            "the horizontal predictor applies to integer samples only, not to floats",
        ));
    }
    Ok(())
}

fn write_page<K: TiffKind>(
    enc: TiffEncoder<Output, K>,
    image: &NdImage,
    o: &PageOptions,
) -> Result<TiffEncoder<Output, K>> {
    let mut enc = enc
        .with_compression(o.compression)
        .with_predictor(o.predictor);
    let (dims, c) = page_dims(image)?;
    check_predictor(o, c, image.dtype())?;
    if let Some(tile) = o.tile {
        check_colour_dtype(image.dtype(), c)?;
        let dir = enc.image_directory().map_err(enc_err)?;
        crate::tile::write(dir, image, dims, c, tile, o)?;
        return Ok(enc);
    }
    macro_rules! gray {
        ($t:ty, $ct:ty) => {
            put::<$ct, K>(&mut enc, dims, &samples::<$t>(image), c == 2, o)
        };
    }
    macro_rules! colour {
        ($t:ty, $rgb:ty, $rgba:ty) => {
            if c == 3 {
                put::<$rgb, K>(&mut enc, dims, &samples::<$t>(image), false, o)
            } else {
                put::<$rgba, K>(&mut enc, dims, &samples::<$t>(image), false, o)
            }
        };
    }
    let r = match (image.dtype(), c) {
        (DType::U8, 1 | 2) => gray!(u8, colortype::Gray8),
        (DType::U16, 1 | 2) => gray!(u16, colortype::Gray16),
        (DType::U32, 1 | 2) => gray!(u32, colortype::Gray32),
        (DType::U64, 1 | 2) => gray!(u64, colortype::Gray64),
        (DType::I8, 1 | 2) => gray!(i8, colortype::GrayI8),
        (DType::I16, 1 | 2) => gray!(i16, colortype::GrayI16),
        (DType::I32, 1 | 2) => gray!(i32, colortype::GrayI32),
        (DType::I64, 1 | 2) => gray!(i64, colortype::GrayI64),
        (DType::F32, 1 | 2) => gray!(f32, colortype::Gray32Float),
        (DType::F64, 1 | 2) => gray!(f64, colortype::Gray64Float),
        (DType::U8, _) => colour!(u8, colortype::RGB8, colortype::RGBA8),
        (DType::U16, _) => colour!(u16, colortype::RGB16, colortype::RGBA16),
        (DType::U32, _) => colour!(u32, colortype::RGB32, colortype::RGBA32),
        (DType::U64, _) => colour!(u64, colortype::RGB64, colortype::RGBA64),
        (DType::F32, _) => colour!(f32, colortype::RGB32Float, colortype::RGBA32Float),
        (DType::F64, _) => colour!(f64, colortype::RGB64Float, colortype::RGBA64Float),
        (d, c) => check_colour_dtype(d, c),
    };
    r.map(|()| enc)
}

/// The tiff crate has no signed colour types: RGB/RGBA pages of signed
/// integers are refused (tiled pages too, so both layouts take the same
/// images).
fn check_colour_dtype(d: DType, c: usize) -> Result<()> {
    if c <= 2 || !d.is_signed_int() {
        return Ok(());
    }
    Err(Error::unsupported(format!(
        "TIFF: the tiff crate writes {d} gray images, not {d} RGB/RGBA"
    ))
    .with_hint(Hint::Cast(vec![
        DType::F64,
        DType::F32,
        DType::U64,
        DType::U32,
        DType::U16,
        DType::U8,
    ])))
}

/// Pixel data beyond this size is written as BigTIFF unless the `bigtiff`
/// option says otherwise: classic TIFF offsets end at 4 GiB, and the margin
/// covers directories and compression that expands.
pub(crate) const AUTO_BIGTIFF_BYTES: u64 = (4 << 30) - (256 << 20);

/// BigTIFF when asked, or when the data known at the first write (the page,
/// or the whole batch) would not fit classic TIFF offsets. Pages streamed one
/// by one past 4 GiB into a classic file fail cleanly: pass `bigtiff = true`.
pub(crate) fn choose_bigtiff(explicit: Option<bool>, bytes: u64) -> bool {
    explicit.unwrap_or(bytes > AUTO_BIGTIFF_BYTES)
}

impl TiffWriter {
    pub(crate) fn new(output: Output) -> Self {
        TiffWriter {
            output: Some(output),
            enc: None,
            pages: 0,
            batch_bytes: 0,
        }
    }
}

impl TiffWriter {
    /// One page with the options `o` (`explicit`: the `bigtiff` option).
    fn write_one(
        &mut self,
        image: &NdImage,
        o: &PageOptions,
        explicit: Option<bool>,
    ) -> Result<()> {
        if self.enc.is_none() {
            let w = self
                .output
                .take()
                .ok_or_else(|| Error::invalid_input("the TIFF file is already closed"))?;
            let bytes = self.batch_bytes.max(image.nbytes() as u64);
            let big = choose_bigtiff(explicit, bytes);
            self.enc = Some(if big {
                Enc::Big(TiffEncoder::new_big(w).map_err(enc_err)?)
            } else {
                Enc::Std(TiffEncoder::new(w).map_err(enc_err)?)
            });
        }
        // On error the encoder is dropped: the write request fails as a whole
        // and the target is left untouched.
        self.enc = Some(match self.enc.take().expect("set above") {
            Enc::Std(e) => Enc::Std(write_page(e, image, o)?),
            Enc::Big(e) => Enc::Big(write_page(e, image, o)?),
        });
        self.pages += 1;
        Ok(())
    }

    /// The whole array as an ImageJ hyperstack ([`crate::imagej_write`]):
    /// one call, classic TIFF.
    fn write_hyperstack(&mut self, image: &NdImage, options: &Options) -> Result<()> {
        if self.pages > 0 {
            return Err(Error::invalid_input(
                "TIFF: an ImageJ hyperstack is written whole, in one call",
            ));
        }
        let h = crate::imagej_write::prepare(image, options)?;
        let big = options.get("bigtiff").and_then(Value::as_bool);
        if big == Some(true) || image.nbytes() as u64 > AUTO_BIGTIFF_BYTES {
            return Err(Error::unsupported(
                "TIFF: ImageJ hyperstacks are classic TIFF (ImageJ reads no BigTIFF): under 4 GiB",
            ));
        }
        let mut o = page_options(options)?;
        if h.pixel_size.is_some() && o.dpi.is_some() {
            return Err(Error::invalid_option(
                "imagej: give the pixel size by `spacing` or `dpi`, not both",
            ));
        }
        o.pixel_size = h.pixel_size;
        if o.compression == Compression::Uncompressed {
            // ImageJ's own layout: the images back to back after the
            // header, then the directories (what ImageJ and tifffile write,
            // and what both read as one contiguous block).
            if self.enc.is_none() {
                let w = self
                    .output
                    .take()
                    .ok_or_else(|| Error::invalid_input("the TIFF file is already closed"))?;
                self.enc = Some(Enc::Std(TiffEncoder::new(w).map_err(enc_err)?));
            }
            let Some(Enc::Std(enc)) = self.enc.as_mut() else {
                return Err(Error::internal("TIFF: an ImageJ file is classic TIFF"));
            };
            crate::imagej_write::write_contiguous(enc, image, &h, &o)?;
            self.pages += h.shape[0];
            return Ok(());
        }
        for i in 0..h.shape[0] {
            o.description = (i == 0).then(|| h.description.clone());
            let page = crate::imagej_write::page(image, &h.shape, i)?;
            self.write_one(&page, &o, Some(false))?;
        }
        Ok(())
    }
}

impl Writer for TiffWriter {
    fn write(&mut self, image: &NdImage, options: &Options) -> Result<()> {
        if crate::imagej_write::wanted(options)? {
            return self.write_hyperstack(image, options);
        }
        let o = page_options(options)?;
        let explicit = options.get("bigtiff").and_then(Value::as_bool);
        self.write_one(image, &o, explicit)
    }

    fn write_batch(&mut self, images: &NdImage, options: &Options) -> Result<()> {
        if crate::imagej_write::wanted(options)? {
            return self.write_hyperstack(images, options);
        }
        self.batch_bytes = images.nbytes() as u64;
        let n = images.shape().first().copied().unwrap_or(0);
        for i in 0..n {
            self.write(&images.frame(i)?, options)?;
        }
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        self.enc = None;
        self.output = None;
        if self.pages == 0 {
            return Err(Error::encode("TIFF: no image was written"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod bigtiff_choice {
    use super::*;

    #[test]
    fn bigtiff_is_automatic_beyond_4_gib_unless_told() {
        assert!(!choose_bigtiff(None, 1 << 30));
        assert!(choose_bigtiff(None, 4 << 30));
        assert!(choose_bigtiff(Some(true), 10));
        assert!(!choose_bigtiff(Some(false), 5 << 30));
    }
}
