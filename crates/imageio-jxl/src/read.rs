//! Reading: the header and every frame loaded by jxl-oxide (with its
//! allocation tracker bounded), the header checked against the limits, then
//! keyframes rendered on demand into arrays of the header's dtype.

use imageio_core::plugin::{ReadRequest, Reader, MAX_IMAGES};
use imageio_core::{
    keys, DType, Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, Value,
};
use jxl_bitstream::{Bitstream, ContainerParser, ParseEvent};
use jxl_oxide::frame::Encoding;
use jxl_oxide::image::BitDepth;
use jxl_oxide::{
    AllocTracker, AuxBoxData, FrameBufferSample, ImageHeader, InitializeResult, JxlImage,
    PixelFormat,
};
use jxl_oxide_common::Bundle;

use crate::orient::unorient;

/// What jxl-oxide may allocate while loading the frames, beyond the file's
/// length (the frame data it keeps is a copy of the codestream's).
const LOAD_SLACK: u64 = 16 << 20;

/// What jxl-oxide may allocate while rendering, per sample of one frame
/// (its working planes are f32, and an animation keeps reference frames
/// and the canvas besides the frame in progress), plus a fixed amount.
const RENDER_BYTES_PER_SAMPLE: u64 = 24;
const RENDER_SLACK: u64 = 64 << 20;

/// Opens a reader: the image header is parsed and checked against the
/// request's limits before anything is rendered.
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    let bytes = request.bytes()?;
    let limits = request.limits();
    let (image, info) = load(&bytes, &limits)?;
    Ok(Box::new(JxlReader { image, info }))
}

/// A jxl-oxide error as ours: a refused allocation is a limit, the rest a
/// decode error.
fn oxide_err(what: &str, e: &(dyn std::error::Error + 'static)) -> Error {
    let mut chain = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    let text = chain.join(": ");
    if chain
        .iter()
        .any(|m| m.contains("failed to allocate") || m.contains("out of memory"))
    {
        return Error::limit(format!(
            "JPEG XL: {what}: the decoder's memory budget is spent ({text}); raise \
             Limits::max_alloc to read this file"
        ));
    }
    Error::decode(format!(
        "JPEG XL: {what}: {text} (the file is damaged, truncated, or uses a feature jxl-oxide \
         does not decode)"
    ))
}

/// The sample type a read returns, from the codestream's bit depth.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Samples {
    /// Integer samples of 1 to 8 bits: u8 (narrower ones scaled to 0..255).
    U8,
    /// Integer samples of 9 to 16 bits: u16, as stored.
    U16 { bits: u32 },
    /// Float samples, and integers wider than 16 bits: f32.
    F32,
}

impl Samples {
    fn of(depth: BitDepth) -> Samples {
        match depth {
            BitDepth::IntegerSample { bits_per_sample } if bits_per_sample <= 8 => Samples::U8,
            BitDepth::IntegerSample { bits_per_sample } if bits_per_sample <= 16 => Samples::U16 {
                bits: bits_per_sample,
            },
            _ => Samples::F32,
        }
    }

    fn dtype(self) -> DType {
        match self {
            Samples::U8 => DType::U8,
            Samples::U16 { .. } => DType::U16,
            Samples::F32 => DType::F32,
        }
    }
}

/// What the headers say about the file.
#[derive(Debug)]
struct Info {
    /// Stored (not oriented) dimensions.
    width: usize,
    height: usize,
    channels: usize,
    samples: Samples,
    depth: BitDepth,
    orientation: u32,
    /// Keyframe durations in ms; `None` for a still image.
    durations: Option<Vec<f64>>,
    loop_count: u32,
    n_frames: usize,
    pixel_format: &'static str,
    compression: &'static str,
    icc: Option<Vec<u8>>,
    exif: Option<Vec<u8>>,
    xmp: Option<Vec<u8>>,
}

impl Info {
    /// The shape of one image, oriented when `rotate`.
    fn shape(&self, rotate: bool) -> Vec<usize> {
        let (h, w) = if rotate && self.orientation >= 5 {
            (self.width, self.height)
        } else {
            (self.height, self.width)
        };
        match self.channels {
            1 => vec![h, w],
            c => vec![h, w, c],
        }
    }
}

/// Feeds the whole of `bytes` to a decoder stage, as far as it takes them.
fn feed_all(mut feed: impl FnMut(&[u8]) -> jxl_oxide::Result<usize>, bytes: &[u8]) -> Result<()> {
    let mut at = 0;
    while at < bytes.len() {
        let n = feed(&bytes[at..]).map_err(|e| oxide_err("reading the container", &*e))?;
        if n == 0 {
            break;
        }
        at += n;
    }
    Ok(())
}

/// The most codestream bytes the image header is looked for in: a header
/// is a few bytes, unless it names thousands of extra channels.
const HEADER_WINDOW: usize = 64 << 10;

/// Parses the image header from the first bytes of the codestream (inside
/// the container's `jxlc`/`jxlp` boxes, or bare), before jxl-oxide loads
/// any frame.
fn peek_header(bytes: &[u8]) -> Result<ImageHeader> {
    let mut parser = ContainerParser::new();
    let mut code = Vec::new();
    for event in parser.feed_bytes(bytes) {
        match event {
            Ok(ParseEvent::Codestream(b)) => {
                let room = HEADER_WINDOW - code.len();
                code.extend_from_slice(&b[..b.len().min(room)]);
                if code.len() == HEADER_WINDOW {
                    break;
                }
            }
            Ok(_) => {}
            Err(e) => return Err(oxide_err("reading the container", &e)),
        }
    }
    let mut bits = Bitstream::new(&code);
    ImageHeader::parse(&mut bits, ()).map_err(|e| {
        if e.unexpected_eof() {
            Error::decode("JPEG XL: the file ends inside its image header (truncated?)")
        } else {
            oxide_err("reading the image header", &e)
        }
    })
}

/// Loads the header and the frames, checking the header against `limits`
/// first.
fn load(bytes: &[u8], limits: &Limits) -> Result<(JxlImage, Info)> {
    limits.check_alloc(bytes.len() as u64)?;
    let header = peek_header(bytes)?;
    let (width, height) = (header.size.width as usize, header.size.height as usize);
    limits.check_dimensions(width as u64, height as u64)?;
    let meta = &header.metadata;
    if meta.ec_info.iter().any(|ec| ec.is_black()) {
        return Err(Error::unsupported(
            "JPEG XL: CMYK images (a black extra channel) are not supported",
        ));
    }
    let alpha = meta.ec_info.iter().any(|ec| ec.is_alpha());
    let color = if meta.grayscale() { 1 } else { 3 };
    let samples = Samples::of(meta.bit_depth);
    let one = match color + usize::from(alpha) {
        1 => vec![height, width],
        c => vec![height, width, c],
    };
    limits.check_shape(&one, samples.dtype())?;
    // jxl-oxide renders every channel (extra channels included) into f32
    // planes: one frame's planes are checked like an array, and what it may
    // allocate is bounded by the frame data it copies from the file and a
    // budget for rendering proportional to them.
    let planes = 3 + meta.ec_info.len() as u64;
    let frame_samples = (width as u64)
        .saturating_mul(height as u64)
        .saturating_mul(planes);
    limits.check_alloc(frame_samples.saturating_mul(4))?;
    let render = frame_samples
        .saturating_mul(RENDER_BYTES_PER_SAMPLE)
        .saturating_add(RENDER_SLACK);
    let budget = (bytes.len() as u64)
        .saturating_add(LOAD_SLACK)
        .saturating_add(render);
    let tracker = AllocTracker::with_limit(usize::try_from(budget).unwrap_or(usize::MAX / 2));
    let mut uninit = JxlImage::builder().alloc_tracker(tracker).build_uninit();
    feed_all(|b| uninit.feed_bytes(b), bytes)?;
    let mut image = match uninit
        .try_init()
        .map_err(|e| oxide_err("reading the header", &*e))?
    {
        InitializeResult::Initialized(image) => image,
        InitializeResult::NeedMoreData(_) => {
            return Err(Error::decode(
                "JPEG XL: the file ends inside its header (truncated?)",
            ))
        }
    };
    let channels = match image.pixel_format() {
        PixelFormat::Gray => (1, "L"),
        PixelFormat::Graya => (2, "LA"),
        PixelFormat::Rgb => (3, "RGB"),
        PixelFormat::Rgba => (4, "RGBA"),
        PixelFormat::Cmyk | PixelFormat::Cmyka => {
            return Err(Error::unsupported(
                "JPEG XL: CMYK images (a black extra channel) are not supported",
            ))
        }
    };
    let header = image.image_header();
    let meta = &header.metadata;
    let mut info = Info {
        width,
        height,
        channels: channels.0,
        samples,
        depth: meta.bit_depth,
        orientation: meta.orientation,
        durations: None,
        loop_count: meta.animation.as_ref().map_or(0, |a| a.num_loops),
        n_frames: 0,
        pixel_format: channels.1,
        compression: "",
        icc: None,
        exif: None,
        xmp: None,
    };
    if info.shape(false) != one {
        return Err(Error::decode("JPEG XL: the image header is inconsistent"));
    }
    let animation = meta
        .animation
        .as_ref()
        .map(|a| (a.tps_numerator, a.tps_denominator));
    let xyb = meta.xyb_encoded;
    image
        .finalize()
        .map_err(|e| oxide_err("reading the container's boxes", &*e))?;
    if !image.is_loading_done() {
        return Err(Error::decode(
            "JPEG XL: the file ends before its last frame (truncated?)",
        ));
    }
    let n = image.num_loaded_keyframes();
    if n == 0 {
        return Err(Error::decode("JPEG XL: the file has no frame to show"));
    }
    if n > MAX_IMAGES {
        return Err(Error::limit(format!(
            "JPEG XL: {n} frames, more than {MAX_IMAGES}"
        )));
    }
    info.n_frames = n;
    let (mut modular, mut vardct) = (false, false);
    let mut durations = Vec::with_capacity(n);
    for k in 0..n {
        let Some(fh) = image.frame_header(k) else {
            return Err(Error::decode("JPEG XL: a frame header is missing"));
        };
        match fh.encoding {
            Encoding::Modular => modular = true,
            Encoding::VarDct => vardct = true,
        }
        if let Some((num, den)) = animation {
            let ms = if num == 0 {
                0.0
            } else {
                f64::from(fh.duration) * 1000.0 * f64::from(den) / f64::from(num)
            };
            durations.push(ms);
        }
    }
    info.compression = match (modular, vardct, xyb) {
        (true, false, false) => "modular",
        (true, false, true) => "modular (xyb)",
        (false, true, _) => "vardct",
        _ => "mixed",
    };
    if animation.is_some() {
        info.durations = Some(durations);
    }
    // The profile of the returned pixels: the embedded one (an XYB image
    // is converted to it by moxcms, as libjxl converts it), else the one
    // jxl-oxide synthesises from the header's colour encoding.
    let original = image.original_icc().map(<[u8]>::to_vec);
    let icc = match original {
        Some(icc) if !xyb => icc,
        Some(icc) if image.request_icc(&icc).is_ok() => image.rendered_icc(),
        _ => image.rendered_icc(),
    };
    info.icc = Some(icc).filter(|icc| !icc.is_empty());
    let boxes = image.aux_boxes();
    if let Ok(AuxBoxData::Data(exif)) = boxes.first_exif() {
        info.exif = Some(exif.payload().to_vec());
    }
    if let AuxBoxData::Data(xmp) = boxes.first_xml() {
        info.xmp = Some(xmp.to_vec());
    }
    Ok((image, info))
}

/// A JPEG XL file open for reading.
struct JxlReader {
    image: JxlImage,
    info: Info,
}

/// The `rotate` option (default false).
fn rotate_option(options: &Options) -> Result<bool> {
    match options.get("rotate") {
        None => Ok(false),
        Some(v) => v
            .as_bool()
            .ok_or_else(|| Error::invalid_option(format!("rotate takes true or false, not {v}"))),
    }
}

/// Renders keyframe `index` into a buffer of `T` (oriented: jxl-oxide
/// applies the orientation), checking the sample count.
fn render_into<T: FrameBufferSample + Copy + Default>(
    image: &JxlImage,
    index: usize,
    len: usize,
    mut convert: impl FnMut(&[f32], &mut [T]),
    direct: bool,
) -> Result<Vec<T>> {
    let render = image
        .render_frame(index)
        .map_err(|e| oxide_err("decoding a frame", &*e))?;
    let mut stream = render.stream();
    let mut out = vec![T::default(); len];
    let written = if direct {
        stream.write_to_buffer(&mut out)
    } else {
        // Through f32, a chunk at a time.
        let mut chunk = vec![0f32; 4096.min(len.max(1))];
        let mut at = 0;
        while at < len {
            let n = stream.write_to_buffer(&mut chunk[..(len - at).min(4096)]);
            if n == 0 {
                break;
            }
            convert(&chunk[..n], &mut out[at..at + n]);
            at += n;
        }
        at
    };
    if written != len {
        return Err(Error::decode(format!(
            "JPEG XL: the frame has {written} samples, not the {len} its header says"
        )));
    }
    Ok(out)
}

impl JxlReader {
    fn check_index(&self, index: usize) -> Result<()> {
        if index >= self.info.n_frames {
            return Err(Error::index_out_of_range(index, Some(self.info.n_frames)));
        }
        Ok(())
    }

    fn decode<T: FrameBufferSample + Copy + Default + imageio_core::Element>(
        &self,
        index: usize,
        rotate: bool,
        convert: impl FnMut(&[f32], &mut [T]),
        direct: bool,
    ) -> Result<NdImage> {
        let info = &self.info;
        let len = info.width * info.height * info.channels;
        let oriented = render_into::<T>(&self.image, index, len, convert, direct)?;
        let o = info.orientation;
        let data = if rotate || o == 1 {
            oriented
        } else {
            // The oriented image's dimensions, undone to the stored ones.
            let (h, w) = if o >= 5 {
                (info.width, info.height)
            } else {
                (info.height, info.width)
            };
            unorient(&oriented, o, h, w, info.channels)
        };
        NdImage::from_shape_vec(&info.shape(rotate), data)
    }
}

impl Reader for JxlReader {
    fn read(&mut self, index: usize, options: &Options) -> Result<NdImage> {
        self.check_index(index)?;
        let rotate = rotate_option(options)?;
        match self.info.samples {
            Samples::U8 => self.decode::<u8>(index, rotate, |_, _| (), true),
            Samples::U16 { bits: 16 } => self.decode::<u16>(index, rotate, |_, _| (), true),
            Samples::U16 { bits } => {
                // Values as stored: jxl-oxide's nominal 0..1 times the top value.
                let top = ((1u32 << bits) - 1) as f32;
                self.decode::<u16>(
                    index,
                    rotate,
                    |from, to| {
                        for (t, &f) in to.iter_mut().zip(from) {
                            *t = (f * top + 0.5).clamp(0.0, top) as u16;
                        }
                    },
                    false,
                )
            }
            Samples::F32 => self.decode::<f32>(index, rotate, |_, _| (), true),
        }
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(self.info.n_frames))
    }

    fn properties(&mut self, index: usize, options: &Options) -> Result<ImageProperties> {
        self.check_index(index)?;
        let rotate = rotate_option(options)?;
        Ok(ImageProperties::new(
            self.info.shape(rotate),
            self.info.samples.dtype(),
        ))
    }

    fn metadata(&mut self, index: Option<usize>, options: &Options) -> Result<Metadata> {
        if let Some(i) = index {
            self.check_index(i)?;
        }
        let rotate = rotate_option(options)?;
        let info = &self.info;
        let mut m = Metadata::new();
        m.insert(keys::COMPRESSION, info.compression);
        m.insert(keys::PIXEL_FORMAT, info.pixel_format);
        m.insert("bits_per_sample", i64::from(info.depth.bits_per_sample()));
        if let BitDepth::FloatSample { exp_bits, .. } = info.depth {
            m.insert("exponent_bits", i64::from(exp_bits));
        }
        if !rotate {
            m.insert(keys::ORIENTATION, i64::from(info.orientation));
        }
        if let Some(icc) = &info.icc {
            m.insert(keys::ICC_PROFILE, icc.clone());
        }
        if let Some(exif) = &info.exif {
            m.insert(keys::EXIF, exif.clone());
        }
        if let Some(xmp) = &info.xmp {
            m.insert("xmp", String::from_utf8_lossy(xmp).into_owned());
        }
        if let Some(durations) = &info.durations {
            m.insert(keys::LOOP, i64::from(info.loop_count));
            m.insert(keys::N_FRAMES, info.n_frames);
            match index {
                Some(i) => m.insert(keys::DURATION, durations[i]),
                None => m.insert(
                    keys::DURATION,
                    Value::List(durations.iter().map(|&d| d.into()).collect()),
                ),
            }
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtypes_follow_the_bit_depth() {
        let int = |b| Samples::of(BitDepth::IntegerSample { bits_per_sample: b });
        assert_eq!(int(1), Samples::U8);
        assert_eq!(int(8), Samples::U8);
        assert_eq!(int(12), Samples::U16 { bits: 12 });
        assert_eq!(int(16), Samples::U16 { bits: 16 });
        assert_eq!(int(24), Samples::F32);
        let float = Samples::of(BitDepth::FloatSample {
            bits_per_sample: 16,
            exp_bits: 5,
        });
        assert_eq!(float.dtype(), DType::F32);
    }
}
