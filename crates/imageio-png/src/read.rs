//! Reading: the header and chunk walk at open (no pixels decoded), still
//! images decoded straight into the array's buffer, APNG frames through the
//! compositor in `anim`, and the metadata.

use std::io::Cursor;

use imageio_core::canvas::{Coverage, Dispose};
use imageio_core::plugin::{read_in_turn, Reader};
use imageio_core::{
    DType, Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes, Value,
};
use png::{BitDepth, ColorType, Transformations};

use crate::anim::Animator;

/// A `png` decoding error as an imageio error.
pub(crate) fn decode_err(e: png::DecodingError) -> Error {
    match e {
        png::DecodingError::IoError(io) => Error::io(io),
        png::DecodingError::Format(f) => Error::decode(format!("PNG: {f}")),
        png::DecodingError::Parameter(p) => Error::decode(format!("PNG: {p}")),
        png::DecodingError::LimitsExceeded => {
            Error::limit("PNG: the decoder's memory limit was exceeded")
                .with_hint(imageio_core::Hint::RaiseMaxAlloc)
        }
    }
}

/// The `png` decoder's limits from ours.
fn png_limits(limits: Limits) -> png::Limits {
    png::Limits {
        bytes: usize::try_from(limits.max_alloc).unwrap_or(usize::MAX),
    }
}

/// A decoder over `data` with `transform`, the request's limits, and the
/// header and the chunks before the first image data read. The IHDR size is
/// checked against the limits when `check` (before decoding pixels; opening
/// a file and reading its properties allocate nothing that large).
pub(crate) fn reader(
    data: &SharedBytes,
    limits: Limits,
    transform: Transformations,
    check: bool,
) -> Result<png::Reader<Cursor<SharedBytes>>> {
    let mut dec = png::Decoder::new_with_limits(Cursor::new(data.clone()), png_limits(limits));
    dec.set_transformations(transform);
    let (w, h) = {
        let info = dec.read_header_info().map_err(decode_err)?;
        (info.width, info.height)
    };
    if check {
        limits.check_dimensions(w as u64, h as u64)?;
    }
    dec.read_info().map_err(decode_err)
}

/// The shape of an `(h, w)` image of `channels` samples.
pub(crate) fn shape_of(h: u32, w: u32, channels: usize) -> Vec<usize> {
    if channels == 1 {
        vec![h as usize, w as usize]
    } else {
        vec![h as usize, w as usize, channels]
    }
}

/// Swaps the big-endian samples `png` wrote into a u16 array to native order.
pub(crate) fn fix_u16(img: &mut NdImage) {
    if let Some(a) = img.as_array_mut::<u16>() {
        a.mapv_inplace(u16::from_be);
    }
}

/// Delay fraction of a frame in milliseconds (a zero denominator is 100).
pub(crate) fn delay_ms(num: u16, den: u16) -> f64 {
    let den = if den == 0 { 100 } else { den };
    num as f64 * 1000.0 / den as f64
}

/// What a walk over the chunks finds, without decompressing anything.
#[derive(Clone, Debug, Default)]
pub(crate) struct Walk {
    /// acTL: (num_frames, num_plays).
    pub(crate) actl: Option<(u32, u32)>,
    /// An fcTL before the first IDAT: the default image is frame 0.
    pub(crate) fctl_before_idat: bool,
    /// The (delay_num, delay_den) of every fcTL, in order.
    pub(crate) delays: Vec<(u16, u16)>,
    /// The region and the dispose op of every fcTL, in order.
    pub(crate) regions: Vec<Region>,
    /// A tRNS chunk is present.
    pub(crate) trns: bool,
    /// Text or EXIF chunks after the image data.
    pub(crate) meta_after_idat: bool,
    /// The first fcTL/fdAT whose sequence number is not the next one.
    pub(crate) bad_sequence: Option<(u32, u32)>,
}

/// What the transparency rule needs of an fcTL: the frame's region and its
/// dispose op (0 none, 1 background, 2 previous).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Region {
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) dispose: u8,
}

/// Walks the chunks of `data` (after the signature) up to IEND or the end.
pub(crate) fn walk(data: &[u8]) -> Walk {
    let mut w = Walk::default();
    let mut pos = 8usize;
    let mut idat = false;
    let mut seq = 0u32;
    while let Some(head) = data.get(pos..pos + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        let body = data.get(pos + 8..(pos + 8).saturating_add(len));
        if kind == b"fcTL" || kind == b"fdAT" {
            if let Some(b) = body.filter(|b| b.len() >= 4) {
                let got = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
                if got != seq && w.bad_sequence.is_none() {
                    w.bad_sequence = Some((seq, got));
                }
                seq = seq.wrapping_add(1);
            }
        }
        match (kind, body) {
            (b"acTL", Some(b)) if b.len() >= 8 && w.actl.is_none() && !idat => {
                let n = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
                let plays = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
                w.actl = Some((n, plays));
            }
            (b"fcTL", Some(b)) if b.len() >= 26 => {
                if !idat {
                    w.fctl_before_idat = true;
                }
                w.delays.push((
                    u16::from_be_bytes([b[20], b[21]]),
                    u16::from_be_bytes([b[22], b[23]]),
                ));
                let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
                w.regions.push(Region {
                    width: be(4),
                    height: be(8),
                    x: be(12),
                    y: be(16),
                    dispose: b[24],
                });
            }
            (b"tRNS", _) if !idat => w.trns = true,
            (b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf", _) if idat => w.meta_after_idat = true,
            (b"IDAT", _) => idat = true,
            (b"IEND", _) => break,
            _ => {}
        }
        match pos.checked_add(12).and_then(|p| p.checked_add(len)) {
            Some(p) => pos = p,
            None => break,
        }
    }
    w
}

/// Whether the composited canvas of an APNG of `width` x `height` can show
/// transparency, from the headers alone: when the frames may hold
/// transparent pixels (`alpha`: an alpha channel or tRNS, so the first frame
/// has transparency), or when a frame is drawn while part of the canvas is
/// unpainted (the whole canvas before the first frame; the region of a
/// frame disposed to background; the unpainted part before a frame
/// restored to previous) and does not cover that part. An opaque frame
/// covering it leaves nothing transparent whatever its blend op; the last
/// frame's disposal is never shown. `regions` are the animation's fcTLs.
pub(crate) fn canvas_can_be_transparent(
    regions: &[Region],
    width: u32,
    height: u32,
    alpha: bool,
) -> bool {
    if alpha {
        return true;
    }
    let mut cov = Coverage::new(u64::from(width), u64::from(height));
    regions.iter().enumerate().any(|(k, r)| {
        let dispose = match r.dispose {
            1 => Dispose::Background,
            // The first frame restored to previous is cleared to background
            // (the APNG spec).
            2 if k == 0 => Dispose::Background,
            2 => Dispose::Previous,
            _ => Dispose::Keep,
        };
        let area = (
            u64::from(r.x),
            u64::from(r.y),
            u64::from(r.width),
            u64::from(r.height),
        );
        // The frames are opaque here (`alpha` is false): blending or not,
        // what matters is whether they cover the unpainted part.
        cov.frame(area, false, false, dispose)
    })
}

/// APNG facts from the walk.
#[derive(Clone, Debug)]
pub(crate) struct Apng {
    pub(crate) num_frames: u32,
    pub(crate) num_plays: u32,
    pub(crate) default_outside: bool,
    pub(crate) delays: Vec<(u16, u16)>,
    /// The composited canvas can show transparency: RGBA (or gray+alpha).
    pub(crate) alpha: bool,
}

impl Apng {
    /// The number of images: the animation frames, + 1 for a default image
    /// outside the animation.
    pub(crate) fn count(&self) -> usize {
        self.num_frames as usize + self.default_outside as usize
    }
    /// The duration of image `i` in ms (0 for a default image outside the
    /// animation).
    pub(crate) fn duration(&self, i: usize) -> Option<f64> {
        let k = if self.default_outside {
            if i == 0 {
                return Some(0.0);
            }
            i - 1
        } else {
            i
        };
        self.delays.get(k).map(|&(n, d)| delay_ms(n, d))
    }
}

/// The read side of the plugin.
pub(crate) struct PngReader {
    data: SharedBytes,
    limits: Limits,
    width: u32,
    height: u32,
    color: ColorType,
    depth: BitDepth,
    trns: bool,
    meta_after_idat: bool,
    apng: Option<Apng>,
    anim: Option<Animator>,
    /// Why the animation chunks cannot be trusted: every read and
    /// properties call fails with it. Kept for then, not raised on opening,
    /// so that the file is not handed to another plugin that would read it
    /// regardless.
    broken: Option<String>,
}

impl PngReader {
    /// Reads the header and walks the chunks; decodes no pixels.
    pub(crate) fn open(data: SharedBytes, limits: Limits) -> Result<PngReader> {
        let r = reader(&data, limits, Transformations::IDENTITY, false)?;
        let info = r.info();
        let (width, height, color, depth) =
            (info.width, info.height, info.color_type, info.bit_depth);
        let w = walk(&data);
        let trns = info.trns.is_some() || w.trns;
        let meta_after_idat = w.meta_after_idat;
        let broken = match (w.actl, w.bad_sequence) {
            (Some(_), Some((want, got))) => Some(format!(
                "APNG: chunk sequence number {got} where {want} was expected: the animation \
                 chunks are missing or out of order"
            )),
            _ => None,
        };
        let apng = match (info.animation_control, w.actl) {
            (Some(a), _) => {
                let frames = w.regions.len().min(a.num_frames as usize);
                let alpha = matches!(color, ColorType::GrayscaleAlpha | ColorType::Rgba) || trns;
                Some(Apng {
                    num_frames: a.num_frames,
                    num_plays: a.num_plays,
                    default_outside: info.frame_control.is_none(),
                    alpha: canvas_can_be_transparent(&w.regions[..frames], width, height, alpha),
                    delays: w.delays,
                })
            }
            _ => None,
        };
        Ok(PngReader {
            data,
            limits,
            width,
            height,
            color,
            depth,
            trns,
            meta_after_idat,
            apng,
            anim: None,
            broken,
        })
    }

    /// Fails when the animation chunks are broken (see `broken`).
    fn check_intact(&self) -> Result<()> {
        match &self.broken {
            Some(why) => Err(Error::decode(why.clone())),
            None => Ok(()),
        }
    }

    fn is_16(&self) -> bool {
        self.depth == BitDepth::Sixteen
    }

    /// The channels of an animation: gray for gray files, else RGB; an
    /// alpha channel when the canvas can show transparency.
    fn anim_channels(&self) -> usize {
        let gray = matches!(self.color, ColorType::Grayscale | ColorType::GrayscaleAlpha);
        let alpha = self.apng.as_ref().is_some_and(|a| a.alpha);
        (if gray { 1 } else { 3 }) + alpha as usize
    }

    /// The channels a still read returns.
    fn still_channels(&self) -> usize {
        match self.color {
            ColorType::Grayscale => 1 + self.trns as usize,
            ColorType::GrayscaleAlpha => 2,
            ColorType::Rgb => 3 + self.trns as usize,
            ColorType::Rgba => 4,
            ColorType::Indexed => 3 + self.trns as usize,
        }
    }

    /// Image 0 of an animation decoded straight into the output array,
    /// when that is what compositing it would give: the image fills the
    /// canvas (the default image outside the animation, or a first frame
    /// at `(0, 0)` of the canvas's size) and decodes to the output's
    /// channels. Drawn onto the transparent canvas, such a frame is its own
    /// pixels, except that blend OVER leaves fully transparent pixels
    /// `0` in every sample. `None` when it is not such an image (the
    /// compositor reads it). No canvas, no frame buffer, no copy: reading
    /// frame 0 of a long APNG costs one decode. The compositor, made by the
    /// next read, starts over from frame 0.
    fn first_direct(&self) -> Result<Option<NdImage>> {
        let Some(apng) = &self.apng else {
            return Ok(None);
        };
        let channels = self.anim_channels();
        if self.still_channels() != channels {
            return Ok(None);
        }
        let mut r = reader(&self.data, self.limits, Transformations::EXPAND, true)?;
        let (w, h) = r.info().size();
        let over = match (apng.default_outside, r.info().frame_control) {
            (true, _) => false,
            (false, Some(fc))
                if fc.x_offset == 0 && fc.y_offset == 0 && fc.width == w && fc.height == h =>
            {
                fc.blend_op == png::BlendOp::Over
            }
            _ => return Ok(None),
        };
        let (ct, bd) = r.output_color_type();
        if ct.samples() != channels || (bd == BitDepth::Sixteen) != self.is_16() {
            return Ok(None);
        }
        let dtype = if self.is_16() { DType::U16 } else { DType::U8 };
        let shape = shape_of(h, w, channels);
        self.limits.check_shape(&shape, dtype)?;
        let mut img = NdImage::zeros(&shape, dtype);
        let buf = img
            .as_bytes_mut()
            .ok_or_else(|| Error::internal("a new array is contiguous"))?;
        if r.output_buffer_size() != Some(buf.len()) {
            return Ok(None);
        }
        r.next_frame(buf).map_err(decode_err)?;
        if over && matches!(channels, 2 | 4) {
            // OVER onto transparent black: a pixel of alpha 0 stays 0.
            let bytes = channels * if self.is_16() { 2 } else { 1 };
            let alpha = bytes - bytes / channels;
            for px in buf.chunks_exact_mut(bytes) {
                if px[alpha..].iter().all(|&b| b == 0) {
                    px.fill(0);
                }
            }
        }
        if dtype == DType::U16 {
            fix_u16(&mut img);
        }
        Ok(Some(img))
    }

    fn decode_still(&self) -> Result<NdImage> {
        let mut r = reader(&self.data, self.limits, Transformations::EXPAND, true)?;
        let (ct, bd) = r.output_color_type();
        let (w, h) = r.info().size();
        let shape = shape_of(h, w, ct.samples());
        let dtype = if bd == BitDepth::Sixteen {
            DType::U16
        } else {
            DType::U8
        };
        self.limits.check_shape(&shape, dtype)?;
        let mut img = NdImage::zeros(&shape, dtype);
        let buf = img
            .as_bytes_mut()
            .ok_or_else(|| Error::internal("a new array is contiguous"))?;
        if r.output_buffer_size() != Some(buf.len()) {
            return Err(Error::internal(format!(
                "PNG: the decoder wants {:?} bytes for a {shape:?} {dtype} array",
                r.output_buffer_size()
            )));
        }
        r.next_frame(buf).map_err(decode_err)?;
        if dtype == DType::U16 {
            fix_u16(&mut img);
        }
        Ok(img)
    }
}

impl Reader for PngReader {
    /// Refuses an animation whose acTL frame count cannot fit the limits
    /// before decoding any frame (a few kilobytes of tiny compressed frames
    /// could otherwise grow the stack to `max_alloc`), then reads and stacks
    /// every image as the default does.
    fn read_all(&mut self, options: &Options, limits: Limits) -> Result<NdImage> {
        if let Some(apng) = &self.apng {
            // A lower bound of one frame's size: the fewest samples its
            // colour type expands to, one byte each below 16 bits.
            let samples: u64 = match self.color {
                ColorType::Grayscale => 1,
                ColorType::GrayscaleAlpha => 2,
                ColorType::Rgb | ColorType::Indexed => 3,
                ColorType::Rgba => 4,
            };
            let depth: u64 = if self.depth == BitDepth::Sixteen {
                2
            } else {
                1
            };
            let frame = (self.width as u64) * (self.height as u64) * samples * depth;
            limits.check_alloc((apng.count() as u64).saturating_mul(frame))?;
        }
        read_in_turn(|i| self.read(i, options), limits)
    }

    fn read(&mut self, index: usize, _options: &Options) -> Result<NdImage> {
        self.check_intact()?;
        let Some(apng) = &self.apng else {
            if index != 0 {
                return Err(Error::index_out_of_range(index, Some(1)));
            }
            return self.decode_still();
        };
        let n = apng.count();
        if index >= n {
            return Err(Error::index_out_of_range(index, Some(n)));
        }
        let restart = match &self.anim {
            Some(a) => !a.can_reach(index),
            None => true,
        };
        if restart && index == 0 {
            if let Some(img) = self.first_direct()? {
                return Ok(img);
            }
        }
        if restart {
            self.anim = None;
            self.anim = Some(Animator::new(
                &self.data,
                self.limits,
                self.anim_channels(),
                self.is_16(),
            )?);
        }
        let anim = self.anim.as_mut().expect("just made");
        match anim.read(index) {
            Ok(img) => Ok(img),
            Err(e) => {
                self.anim = None;
                Err(e)
            }
        }
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(self.apng.as_ref().map_or(1, Apng::count)))
    }

    fn properties(&mut self, index: usize, _options: &Options) -> Result<ImageProperties> {
        self.check_intact()?;
        let n = self.apng.as_ref().map_or(1, Apng::count);
        if index >= n {
            return Err(Error::index_out_of_range(index, Some(n)));
        }
        let channels = if self.apng.is_some() {
            self.anim_channels()
        } else {
            self.still_channels()
        };
        let dtype = if self.is_16() { DType::U16 } else { DType::U8 };
        let mut p = ImageProperties::new(shape_of(self.height, self.width, channels), dtype);
        p.n_images = Some(n);
        Ok(p)
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        let mut m = Metadata::new();
        let n = self.apng.as_ref().map_or(1, Apng::count);
        if let Some(i) = index.filter(|&i| i >= n) {
            return Err(Error::index_out_of_range(i, Some(n)));
        }
        let mut r = reader(&self.data, self.limits, Transformations::IDENTITY, false)?;
        // Text and EXIF may follow the image data: then read on (inflating
        // the image data without unfiltering it); a broken tail keeps what
        // came before it.
        if self.meta_after_idat {
            let _ = r.finish();
        }
        let info = r.info();
        m.insert("bit_depth", info.bit_depth as u8);
        m.insert(
            "color_type",
            match info.color_type {
                ColorType::Grayscale => "gray",
                ColorType::GrayscaleAlpha => "gray+alpha",
                ColorType::Rgb => "rgb",
                ColorType::Rgba => "rgba",
                ColorType::Indexed => "palette",
            },
        );
        m.insert("interlaced", info.interlaced);
        if let Some(g) = info.gama_chunk {
            m.insert("gamma", g.into_value() as f64);
        }
        if let Some(s) = info.srgb {
            m.insert("srgb", s as u8);
        }
        if let Some(c) = info.chrm_chunk {
            let p = |(x, y): (png::ScaledFloat, png::ScaledFloat)| {
                Value::List(vec![
                    (x.into_value() as f64).into(),
                    (y.into_value() as f64).into(),
                ])
            };
            let mut cm = Metadata::new();
            cm.insert("white", p(c.white));
            cm.insert("red", p(c.red));
            cm.insert("green", p(c.green));
            cm.insert("blue", p(c.blue));
            m.insert("chromaticities", cm);
        }
        if let Some(c) = info.coding_independent_code_points {
            let mut cm = Metadata::new();
            cm.insert("color_primaries", c.color_primaries);
            cm.insert("transfer_function", c.transfer_function);
            cm.insert("matrix_coefficients", c.matrix_coefficients);
            cm.insert("full_range", c.is_video_full_range_image);
            m.insert("cicp", cm);
        }
        if let Some(icc) = &info.icc_profile {
            m.insert("icc_profile", icc.to_vec());
        }
        if let Some(exif) = &info.exif_metadata {
            m.insert("exif", exif.to_vec());
        }
        if let Some(d) = info.pixel_dims {
            match d.unit {
                png::Unit::Meter => m.insert(
                    "dpi",
                    Value::List(vec![
                        (d.xppu as f64 * 0.0254).into(),
                        (d.yppu as f64 * 0.0254).into(),
                    ]),
                ),
                png::Unit::Unspecified => {
                    m.insert("aspect", Value::List(vec![d.xppu.into(), d.yppu.into()]))
                }
            }
        }
        let mut text: Vec<(String, String)> = Vec::new();
        for t in &info.uncompressed_latin1_text {
            text.push((t.keyword.clone(), t.text.clone()));
        }
        for t in &info.compressed_latin1_text {
            let mut t = t.clone();
            if t.decompress_text().is_ok() {
                if let Ok(s) = t.get_text() {
                    text.push((t.keyword.clone(), s));
                }
            }
        }
        for t in &info.utf8_text {
            let mut t = t.clone();
            if t.decompress_text().is_ok() {
                if let Ok(s) = t.get_text() {
                    text.push((t.keyword.clone(), s));
                }
            }
        }
        for (k, v) in text {
            let std_key = match k.as_str() {
                "Description" => Some("description"),
                "Software" => Some("software"),
                "Creation Time" => Some("datetime"),
                _ => None,
            };
            if let Some(s) = std_key {
                if !m.contains_key(s) {
                    m.insert(s, v.clone());
                }
            }
            if !m.contains_key(&k) {
                m.insert(k, v);
            }
        }
        if let Some(a) = &self.apng {
            m.insert("loop", a.num_plays);
            m.insert("n_frames", a.count());
            m.insert("default_image_in_animation", !a.default_outside);
            match index {
                Some(i) => {
                    if let Some(d) = a.duration(i) {
                        m.insert("duration", d);
                    }
                }
                None => m.insert(
                    "duration",
                    Value::List(
                        (0..a.count())
                            .filter_map(|i| a.duration(i))
                            .map(Value::from)
                            .collect(),
                    ),
                ),
            }
        }
        Ok(m)
    }
}
