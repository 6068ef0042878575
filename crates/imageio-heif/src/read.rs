//! The reader: a libheif context over the request's bytes, the images it
//! serves (top-level items, or the frames of a sequence track), and the
//! conversion of libheif's decoded planes into arrays.

use std::io::Cursor;

use libheif_rs::{
    ColorSpace, HeifContext, HeifError, HeifErrorCode, HeifErrorSubCode, Image, ImageHandle,
    ItemId, LibHeif, Plane, RgbChroma, SecurityLimits, StreamReader,
};

use imageio_core::plugin::{Reader, MAX_IMAGES};
use imageio_core::{
    keys, DType, Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes,
    Value,
};

use crate::boxes::{self, TrackInfo};
use crate::orient;

/// How an image is decoded and what array it becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layout {
    /// Monochrome: the Y plane (and alpha), not RGB.
    gray: bool,
    /// An alpha channel.
    alpha: bool,
    /// More than 8 bits a sample: decoded to 16-bit storage, returned as u16.
    high: bool,
}

impl Layout {
    fn channels(self) -> usize {
        match (self.gray, self.alpha) {
            (true, false) => 1,
            (true, true) => 2,
            (false, false) => 3,
            (false, true) => 4,
        }
    }

    fn dtype(self) -> DType {
        if self.high {
            DType::U16
        } else {
            DType::U8
        }
    }

    /// The array shape of an image of `height` x `width`.
    fn shape(self, height: usize, width: usize) -> Vec<usize> {
        match self.channels() {
            1 => vec![height, width],
            c => vec![height, width, c],
        }
    }

    /// The colour space libheif is asked for.
    fn color_space(self) -> ColorSpace {
        match (self.gray, self.alpha, self.high) {
            (true, _, _) => ColorSpace::Monochrome,
            (false, false, false) => ColorSpace::Rgb(RgbChroma::Rgb),
            (false, true, false) => ColorSpace::Rgb(RgbChroma::Rgba),
            (false, false, true) => ColorSpace::Rgb(RgbChroma::HdrRgbLe),
            (false, true, true) => ColorSpace::Rgb(RgbChroma::HdrRgbaLe),
        }
    }
}

/// One top-level image item, as its handle describes it.
#[derive(Clone, Debug)]
struct Item {
    id: ItemId,
    /// Displayed size (transformations applied), as libheif reports it.
    height: usize,
    width: usize,
    layout: Layout,
    bits: u8,
    /// EXIF orientation equivalent of the item's irot/imir properties.
    orientation: u32,
}

impl Item {
    /// The shape a read returns: displayed with `rotate`, coded without.
    fn shape(&self, rotate: bool) -> Vec<usize> {
        let (h, w) = if !rotate && self.orientation >= 5 {
            (self.width, self.height)
        } else {
            (self.height, self.width)
        };
        self.layout.shape(h, w)
    }
}

/// A sequence track being read frame by frame.
struct Sequence {
    info: TrackInfo,
    /// The layout frames are decoded to.
    layout: Layout,
    /// Whether `layout` was guessed (no still image to take it from): frames
    /// are then decoded to 16-bit RGB(A) and narrowed when they have 8 bits.
    guessed: bool,
    /// The index of the next frame libheif's track will decode.
    next: usize,
}

/// A HEIF/AVIF file open for reading.
pub(crate) struct HeifReader {
    bytes: SharedBytes,
    limits: Limits,
    lib: LibHeif,
    ctx: HeifContext<'static>,
    items: Vec<Item>,
    sequence: Option<Sequence>,
    codec: Option<&'static str>,
}

/// libheif's error as ours: a security limit is a limit, the rest decode
/// errors.
fn heif_err(what: &str, e: HeifError) -> Error {
    let message = format!("HEIF: {what}: {}", e.message);
    let limit = matches!(e.sub_code, HeifErrorSubCode::SecurityLimitExceeded)
        || matches!(e.code, HeifErrorCode::MemoryAllocationError);
    if limit {
        Error::limit(message).with_source(e)
    } else if matches!(
        e.code,
        HeifErrorCode::UnsupportedFeature | HeifErrorCode::UnsupportedFileType
    ) {
        Error::unsupported(message).with_source(e)
    } else {
        Error::decode(message).with_source(e)
    }
}

/// The smaller of a libheif limit (0: none) and ours.
fn lower(theirs: u64, ours: u64) -> u64 {
    if theirs == 0 {
        ours
    } else {
        theirs.min(ours)
    }
}

/// A libheif context over `bytes`, with its security limits lowered to
/// `limits`.
fn context(bytes: &SharedBytes, limits: &Limits) -> Result<HeifContext<'static>> {
    let mut ctx = HeifContext::new().map_err(|e| heif_err("cannot start libheif", e))?;
    let mut sl: SecurityLimits = ctx.security_limits();
    sl.set_max_image_size_pixels(lower(sl.max_image_size_pixels(), limits.max_pixels));
    sl.set_max_memory_block_size(lower(sl.max_memory_block_size(), limits.max_alloc));
    sl.set_max_total_memory(lower(sl.max_total_memory(), limits.max_alloc));
    let frames = u64::from(sl.max_sequence_frames());
    sl.set_max_sequence_frames(lower(frames, MAX_IMAGES as u64) as u32);
    ctx.set_security_limits(&sl)
        .map_err(|e| heif_err("cannot set the limits", e))?;
    let len = bytes.len() as u64;
    ctx.read_reader(Box::new(StreamReader::new(Cursor::new(bytes.clone()), len)))
        .map_err(|e| heif_err("cannot parse the file", e))?;
    Ok(ctx)
}

/// The layout and bit depth of an image handle.
fn layout_of(handle: &ImageHandle) -> (Layout, u8) {
    let bits = handle.luma_bits_per_pixel();
    let gray = matches!(
        handle.preferred_decoding_colorspace(),
        Ok(ColorSpace::Monochrome)
    );
    let layout = Layout {
        gray,
        alpha: handle.has_alpha_channel(),
        high: bits > 8,
    };
    (layout, bits)
}

/// The codec the `ftyp` brands announce.
fn codec_of(bytes: &[u8]) -> Option<&'static str> {
    let ftyp = bytes.get(4..8)?;
    if ftyp != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes(bytes.get(0..4)?.try_into().ok()?) as usize;
    let brands = bytes.get(8..size.min(bytes.len()))?;
    let has = |b: &[u8; 4]| brands.chunks_exact(4).any(|c| c == b);
    if has(b"avif") || has(b"avis") {
        Some("av1")
    } else if [
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
    ]
    .iter()
    .any(|b| has(b))
    {
        Some("hevc")
    } else {
        None
    }
}

impl HeifReader {
    /// Parses the file (boxes, then libheif) and describes its images.
    pub(crate) fn open(bytes: SharedBytes, limits: Limits) -> Result<HeifReader> {
        let info = boxes::walk(&bytes)?;
        let lib = LibHeif::new();
        let ctx = context(&bytes, &limits)?;
        // libheif bounds the item count (its `max_items` security limit).
        let mut ids = ctx.image_ids();
        ids.truncate(MAX_IMAGES);
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let handle = ctx
                .image_handle(id)
                .map_err(|e| heif_err("cannot open an image", e))?;
            let (layout, bits) = layout_of(&handle);
            items.push(Item {
                id,
                height: handle.height() as usize,
                width: handle.width() as usize,
                layout,
                bits,
                orientation: orient::orientation_of(info.transforms_of(id)),
            });
        }
        let sequence = if ctx.has_sequence() {
            let track = ctx
                .track(0)
                .ok_or_else(|| Error::decode("HEIF: the sequence has no visual track"))?;
            let id = track.id();
            let tinfo = info
                .tracks
                .iter()
                .find(|t| t.id == id)
                .cloned()
                .ok_or_else(|| Error::decode("HEIF: the sequence track has no sample table"))?;
            let primary = ctx.primary_image_handle().ok().map(|h| layout_of(&h).0);
            let layout = primary.map_or(
                Layout {
                    gray: false,
                    alpha: track.has_alpha_channel(),
                    high: true,
                },
                |l| Layout {
                    alpha: track.has_alpha_channel(),
                    ..l
                },
            );
            Some(Sequence {
                info: tinfo,
                layout,
                guessed: primary.is_none(),
                next: 0,
            })
        } else {
            None
        };
        if items.is_empty() && sequence.is_none() {
            return Err(Error::decode("HEIF: the file holds no image"));
        }
        Ok(HeifReader {
            codec: codec_of(&bytes),
            bytes,
            limits,
            lib,
            ctx,
            items,
            sequence,
        })
    }

    /// How many images `read` serves.
    fn count(&self) -> usize {
        match &self.sequence {
            Some(s) => s.info.samples,
            None => self.items.len(),
        }
    }

    fn check_index(&self, index: usize) -> Result<()> {
        let n = self.count();
        if index >= n {
            return Err(Error::index_out_of_range(index, Some(n)));
        }
        Ok(())
    }

    /// Decodes top-level item `index`.
    fn read_item(&mut self, index: usize, rotate: bool) -> Result<NdImage> {
        let item = self.items[index].clone();
        self.limits
            .check_shape(&item.shape(true), item.layout.dtype())?;
        let handle = self
            .ctx
            .image_handle(item.id)
            .map_err(|e| heif_err("cannot open the image", e))?;
        let img = self
            .lib
            .decode(&handle, item.layout.color_space(), None)
            .map_err(|e| heif_err("cannot decode the image", e))?;
        let arr = to_array(&img, item.layout, item.height, item.width, &self.limits)?;
        if rotate {
            Ok(arr)
        } else {
            imageio_core::plugin::apply_orientation(arr, orient::inverse(item.orientation))
        }
    }

    /// Decodes frame `index` of the sequence, continuing from the last frame
    /// read, or starting over (a new context) when reading backwards.
    fn read_frame(&mut self, index: usize) -> Result<NdImage> {
        let next = self.sequence.as_ref().map_or(0, |s| s.next);
        if index < next {
            self.ctx = context(&self.bytes, &self.limits)?;
            if let Some(s) = self.sequence.as_mut() {
                s.next = 0;
            }
        }
        let Some(seq) = self.sequence.as_mut() else {
            return Err(Error::internal("HEIF: no sequence"));
        };
        let track = self
            .ctx
            .track(seq.info.id)
            .ok_or_else(|| Error::decode("HEIF: the sequence track is gone"))?;
        let res = track
            .image_resolution()
            .map_err(|e| heif_err("the track has no size", e))?;
        let (h, w) = (usize::from(res.height), usize::from(res.width));
        self.limits
            .check_shape(&seq.layout.shape(h, w), seq.layout.dtype())?;
        while seq.next < index {
            track
                .decode_next_image(ColorSpace::Undefined, None)
                .map_err(|e| heif_err("cannot decode a frame", e))?;
            seq.next += 1;
        }
        let img = track
            .decode_next_image(seq.layout.color_space(), None)
            .map_err(|e| heif_err("cannot decode a frame", e))?;
        seq.next += 1;
        let (ih, iw) = (img.height() as usize, img.width() as usize);
        self.limits
            .check_shape(&seq.layout.shape(ih, iw), seq.layout.dtype())?;
        let arr = to_array(&img, seq.layout, ih, iw, &self.limits)?;
        if seq.guessed && arr.dtype() == DType::U16 {
            let bits = img.bits_per_pixel(libheif_rs::Channel::Interleaved);
            if bits.is_some_and(|b| b <= 8) {
                return Ok(arr.cast(DType::U8));
            }
        }
        Ok(arr)
    }

    fn rotate(options: &Options) -> Result<bool> {
        match options.get("rotate") {
            None => Ok(false),
            Some(v) => v.as_bool().ok_or_else(|| {
                Error::invalid_option(format!("rotate takes true or false, not {v}"))
            }),
        }
    }

    /// The EXIF block of item `id` (TIFF header first), when there is one
    /// that the file can hold.
    fn exif(&self, id: ItemId) -> Option<Vec<u8>> {
        let handle = self.ctx.image_handle(id).ok()?;
        let mut ids = [0 as ItemId; 1];
        if handle.metadata_block_ids(&mut ids, b"Exif") == 0 {
            return None;
        }
        if handle.metadata_size(ids[0]) > self.bytes.len() {
            return None;
        }
        let raw = handle.metadata(ids[0]).ok()?;
        // A 4-byte big-endian offset to the TIFF header comes first.
        let offset = u32::from_be_bytes(raw.get(..4)?.try_into().ok()?) as usize;
        raw.get(4usize.checked_add(offset)?..).map(<[u8]>::to_vec)
    }
}

impl Reader for HeifReader {
    fn read(&mut self, index: usize, options: &Options) -> Result<NdImage> {
        let rotate = Self::rotate(options)?;
        self.check_index(index)?;
        if self.sequence.is_some() {
            self.read_frame(index)
        } else {
            self.read_item(index, rotate)
        }
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(self.count()))
    }

    fn properties(&mut self, index: usize, options: &Options) -> Result<ImageProperties> {
        let rotate = Self::rotate(options)?;
        self.check_index(index)?;
        let n = Some(self.count());
        let mut props = match &self.sequence {
            Some(s) if !s.guessed => {
                let track = self
                    .ctx
                    .track(s.info.id)
                    .ok_or_else(|| Error::decode("HEIF: the sequence track is gone"))?;
                let res = track
                    .image_resolution()
                    .map_err(|e| heif_err("the track has no size", e))?;
                let shape = s
                    .layout
                    .shape(usize::from(res.height), usize::from(res.width));
                ImageProperties::new(shape, s.layout.dtype())
            }
            Some(_) => ImageProperties::of(&self.read_frame(index)?),
            None => {
                let item = &self.items[index];
                ImageProperties::new(item.shape(rotate), item.layout.dtype())
            }
        };
        props.n_images = n;
        Ok(props)
    }

    fn metadata(&mut self, index: Option<usize>, options: &Options) -> Result<Metadata> {
        let rotate = Self::rotate(options)?;
        let mut meta = Metadata::new();
        if let Some(codec) = self.codec {
            meta.insert(keys::CODEC, codec);
        }
        if let Some(s) = &self.sequence {
            meta.insert(keys::N_FRAMES, s.info.samples as i64);
        }
        let Some(index) = index else {
            return Ok(meta);
        };
        self.check_index(index)?;
        if let Some(s) = &self.sequence {
            if let Some(ms) = s.info.duration_ms(index) {
                meta.insert(keys::DURATION, ms);
            }
            return Ok(meta);
        }
        let item = self.items[index].clone();
        meta.insert("bit_depth", i64::from(item.bits));
        if !rotate && item.orientation != 1 {
            meta.insert(keys::ORIENTATION, i64::from(item.orientation));
        }
        if let Some(exif) = self.exif(item.id) {
            meta.insert(keys::EXIF, Value::Bytes(exif));
        }
        // A raw (ICC) colour profile; libheif bounds its size (its
        // `max_color_profile_size` security limit).
        if let Some(icc) = self
            .ctx
            .image_handle(item.id)
            .ok()
            .and_then(|h| h.color_profile_raw())
        {
            meta.insert(keys::ICC_PROFILE, Value::Bytes(icc.data));
        }
        Ok(meta)
    }
}

/// The rows of `plane`: `height` slices of `row` bytes, checked against the
/// plane's stride and length.
fn rows<'a>(plane: &Plane<&'a [u8]>, height: usize, row: usize) -> Result<Vec<&'a [u8]>> {
    let bad = || Error::decode("HEIF: libheif returned a plane smaller than the image");
    if plane.stride < row || (plane.height as usize) < height {
        return Err(bad());
    }
    (0..height)
        .map(|y| {
            let start = y * plane.stride;
            plane.data.get(start..start + row).ok_or_else(bad)
        })
        .collect()
}

/// The decoded image as an array of `layout`, `height` x `width`, copied
/// once from libheif's planes.
fn to_array(
    img: &Image,
    layout: Layout,
    height: usize,
    width: usize,
    limits: &Limits,
) -> Result<NdImage> {
    if img.height() as usize != height || img.width() as usize != width {
        return Err(Error::decode(format!(
            "HEIF: the decoded image is {}x{}, the file says {width}x{height}",
            img.width(),
            img.height()
        )));
    }
    let shape = layout.shape(height, width);
    limits.check_shape(&shape, layout.dtype())?;
    let c = layout.channels();
    let bps = if layout.high { 2 } else { 1 };
    let planes = img.planes();
    let missing = || Error::decode("HEIF: libheif returned no pixels");
    // The rows of the array, each as one or two runs of bytes: interleaved
    // RGB(A), or Y, or Y and alpha to interleave sample by sample.
    let (main, alpha) = if layout.gray {
        let y = planes.y.as_ref().ok_or_else(missing)?;
        let y_rows = rows(y, height, width * bps)?;
        let a_rows = if layout.alpha {
            let a = planes.a.as_ref().ok_or_else(missing)?;
            Some(rows(a, height, width * bps)?)
        } else {
            None
        };
        (y_rows, a_rows)
    } else {
        let p = planes.interleaved.as_ref().ok_or_else(missing)?;
        (rows(p, height, width * c * bps)?, None)
    };
    let len = height * width * c;
    if layout.high {
        // Interleaved HDR RGB is little-endian by request; planar samples are
        // in native order (little-endian on every target libheif builds for).
        let le = |s: &[u8]| u16::from_le_bytes([s[0], s[1]]);
        let mut v: Vec<u16> = Vec::with_capacity(len);
        match &alpha {
            None => main
                .iter()
                .for_each(|r| v.extend(r.chunks_exact(2).map(le))),
            Some(a_rows) => {
                for (yr, ar) in main.iter().zip(a_rows) {
                    for (ys, as_) in yr.chunks_exact(2).zip(ar.chunks_exact(2)) {
                        v.push(le(ys));
                        v.push(le(as_));
                    }
                }
            }
        }
        NdImage::from_shape_vec(&shape, v)
    } else {
        let mut v: Vec<u8> = Vec::with_capacity(len);
        match &alpha {
            None => main.iter().for_each(|r| v.extend_from_slice(r)),
            Some(a_rows) => {
                for (yr, ar) in main.iter().zip(a_rows) {
                    for (&y, &a) in yr.iter().zip(ar.iter()) {
                        v.push(y);
                        v.push(a);
                    }
                }
            }
        }
        NdImage::from_shape_vec(&shape, v)
    }
}
