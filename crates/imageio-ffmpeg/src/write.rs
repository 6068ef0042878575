//! Writing: an encoder and a muxer over the request's output stream
//! (FFmpeg custom I/O), opened on the first frame, flushed on `close`.

use ff::ffi;
use ff::format::context::{Output, StreamIo};
use ff::format::Pixel;
use ff::util::frame::video::Video as VideoFrame;
use ff::{Dictionary, Rational};
use ffmpeg_next as ff;
use imageio_core::plugin::{Output as Sink, WriteRequest, Writer};
use imageio_core::{DType, Error, NdImage, Options, Result, Value};

use crate::encode_err;
use crate::scale::Scaler;

/// The write options, parsed.
#[derive(Clone, Debug)]
struct WriteConfig {
    codec: String,
    fps: f64,
    quality: Option<f64>,
    bit_rate: Option<usize>,
    pixel_format: Option<String>,
    macro_block_size: u32,
    preset: Option<String>,
    codec_options: Vec<(String, String)>,
}

/// The encoder an extension gets by default.
fn default_codec(ext: &str) -> &'static str {
    match ext {
        ".webm" => "libvpx-vp9",
        ".avi" => "mpeg4",
        ".gif" => "gif",
        _ => "libx264",
    }
}

fn write_config(options: &Options, ext: &str) -> Result<WriteConfig> {
    let asked = options
        .get("codec")
        .and_then(Value::as_str)
        .unwrap_or(default_codec(ext));
    let codec = match find_encoder(asked) {
        Some(encoder) => encoder.name().to_owned(),
        None => {
            return Err(Error::unsupported(format!(
                "ffmpeg: the linked FFmpeg has no encoder {asked:?}; pick another with the codec option"
            )))
        }
    };
    let fps = options.get("fps").and_then(Value::as_float).unwrap_or(10.0);
    if !(fps.is_finite() && fps > 0.0 && fps <= 1000.0) {
        return Err(Error::invalid_option(format!(
            "fps {fps} is not in (0, 1000]"
        )));
    }
    let quality = match options.get("quality").and_then(Value::as_float) {
        Some(q) if !(0.0..=10.0).contains(&q) => {
            return Err(Error::invalid_option(format!(
                "quality {q} is not in 0..=10 (10 is best)"
            )))
        }
        q => q,
    };
    let bit_rate = match options.get("bit_rate").and_then(Value::as_int) {
        Some(b) if b <= 0 => {
            return Err(Error::invalid_option(format!(
                "bit_rate {b} must be positive (bit/s)"
            )))
        }
        b => b.map(|b| b as usize),
    };
    let macro_block_size = match options.get("macro_block_size").and_then(Value::as_int) {
        None => 16,
        Some(m) if (1..=256).contains(&m) => m as u32,
        Some(m) => {
            return Err(Error::invalid_option(format!(
                "macro_block_size {m} is not in 1..=256"
            )))
        }
    };
    let mut codec_options = Vec::new();
    match options.get("codec_options") {
        None => {}
        Some(Value::Map(m)) => {
            for (k, v) in m.iter() {
                codec_options.push((k.to_owned(), v.to_string()));
            }
        }
        Some(v) => {
            return Err(Error::invalid_option(format!(
                "codec_options must be a map of encoder options, not a {}",
                v.type_name()
            )))
        }
    }
    Ok(WriteConfig {
        codec,
        fps,
        quality,
        bit_rate,
        pixel_format: options
            .get("pixel_format")
            .and_then(Value::as_str)
            .map(str::to_owned),
        macro_block_size,
        preset: options
            .get("preset")
            .and_then(Value::as_str)
            .map(str::to_owned),
        codec_options,
    })
}

/// The encoder, the muxer and the frame geometry, made on the first frame.
struct Encoding {
    output: Output,
    encoder: ff::encoder::Video,
    stream: usize,
    enc_tb: Rational,
    ost_tb: Rational,
    next_pts: i64,
    src_fmt: Pixel,
    src_shape: Vec<usize>,
    src_dtype: DType,
    enc_fmt: Pixel,
    enc_w: u32,
    enc_h: u32,
    src: VideoFrame,
    scaler: Scaler,
}

/// An open video for writing.
pub(crate) struct VideoWriter {
    sink: Option<Sink>,
    ext: String,
    config: WriteConfig,
    enc: Option<Encoding>,
}

/// The swscale format of an input array, from its shape and dtype.
fn source_format(shape: &[usize], dtype: DType) -> Result<Pixel> {
    let c = match shape.len() {
        2 => 1,
        3 => shape[2],
        _ => 0,
    };
    let le = cfg!(target_endian = "little");
    Ok(match (c, dtype) {
        (1, DType::U8) => Pixel::GRAY8,
        (3, DType::U8) => Pixel::RGB24,
        (4, DType::U8) => Pixel::RGBA,
        (1, DType::U16) if le => Pixel::GRAY16LE,
        (1, DType::U16) => Pixel::GRAY16BE,
        (3, DType::U16) if le => Pixel::RGB48LE,
        (3, DType::U16) => Pixel::RGB48BE,
        (4, DType::U16) if le => Pixel::RGBA64LE,
        (4, DType::U16) => Pixel::RGBA64BE,
        _ => {
            return Err(Error::invalid_input(format!(
                "ffmpeg writes frames of shape (H, W), (H, W, 3) or (H, W, 4) in u8 or u16, \
                 not {:?} {}; convert the array first",
                shape,
                dtype.name()
            )))
        }
    })
}

/// Rounds `x` up to a multiple of `m`.
/// The encoder `name` names: an encoder of that name (`libx264`), else the
/// default encoder of the codec of that name (`h264` → `libx264`), as the
/// ffmpeg command and PyAV resolve `-c:v h264`.
fn find_encoder(name: &str) -> Option<ff::Codec> {
    if let Some(codec) = ff::encoder::find_by_name(name) {
        return Some(codec);
    }
    let cname = std::ffi::CString::new(name).ok()?;
    // SAFETY: a NUL-terminated name; FFmpeg returns a pointer to a static
    // descriptor or null.
    let id = unsafe {
        let d = ffi::avcodec_descriptor_get_by_name(cname.as_ptr());
        if d.is_null() {
            return None;
        }
        (*d).id
    };
    ff::encoder::find(id.into())
}

fn round_up(x: u32, m: u32) -> u32 {
    x.div_ceil(m) * m
}

impl VideoWriter {
    /// Accepts the request (the format is known from the extension).
    pub(crate) fn open(request: &mut WriteRequest) -> Result<VideoWriter> {
        let ext = request.extension().unwrap_or("").to_owned();
        let config = write_config(request.options(), &ext)?;
        Ok(VideoWriter {
            sink: Some(request.output()?),
            ext,
            config,
            enc: None,
        })
    }

    /// Opens the muxer and the encoder for frames like `image`.
    fn start(&mut self, image: &NdImage) -> Result<Encoding> {
        let cfg = &self.config;
        let shape = image.shape().to_vec();
        let src_fmt = source_format(&shape, image.dtype())?;
        let (h, w) = (shape[0], shape[1]);
        let (w, h) = match (u32::try_from(w), u32::try_from(h)) {
            (Ok(w), Ok(h)) if w <= 16384 && h <= 16384 => (w, h),
            _ => {
                return Err(Error::invalid_input(format!(
                    "a {w}x{h} frame is too large for a video (16384 at most)"
                )))
            }
        };
        let codec = ff::encoder::find_by_name(&cfg.codec)
            .ok_or_else(|| Error::unsupported(format!("ffmpeg: no encoder {:?}", cfg.codec)))?;
        let supported: Option<Vec<Pixel>> = codec
            .video()
            .ok()
            .and_then(|v| v.formats().map(|f| f.collect()));
        let enc_fmt = match &cfg.pixel_format {
            Some(name) => {
                let p: Pixel = name.parse().map_err(|_| {
                    Error::invalid_option(format!(
                        "pixel_format {name:?} is not an FFmpeg pixel format"
                    ))
                })?;
                if supported.as_ref().is_some_and(|s| !s.contains(&p)) {
                    return Err(Error::invalid_option(format!(
                        "encoder {} does not take pixel_format {name}; it takes {}",
                        cfg.codec,
                        supported
                            .unwrap_or_default()
                            .iter()
                            .filter_map(|p| p.descriptor().map(|d| d.name()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                p
            }
            None => {
                let want = if cfg.codec == "gif" {
                    Pixel::RGB8
                } else {
                    Pixel::YUV420P
                };
                match &supported {
                    Some(s) if !s.contains(&want) => *s.first().unwrap_or(&want),
                    _ => want,
                }
            }
        };
        let mbs = cfg.macro_block_size;
        let (enc_w, enc_h) = (round_up(w, mbs), round_up(h, mbs));

        let sink = self
            .sink
            .take()
            .ok_or_else(|| Error::internal("the output stream was already used"))?;
        let io = StreamIo::from_write_seek(sink).map_err(|e| encode_err("custom I/O", e))?;
        let name = format!("output{}", self.ext);
        let mut output = ff::format::output_to_stream(io, Some(&name), None)
            .map_err(|e| encode_err("cannot make the container", e))?;
        let global_header = output
            .format()
            .flags()
            .contains(ff::format::Flags::GLOBAL_HEADER);

        let fps = Rational::from(cfg.fps);
        let enc_tb = fps.invert();
        let mut ctx = ff::codec::context::Context::new_with_codec(codec);
        if global_header {
            ctx.set_flags(ff::codec::Flags::GLOBAL_HEADER);
        }
        let mut enc = ctx
            .encoder()
            .video()
            .map_err(|e| encode_err("cannot make the encoder", e))?;
        enc.set_width(enc_w);
        enc.set_height(enc_h);
        enc.set_format(enc_fmt);
        enc.set_time_base(enc_tb);
        enc.set_frame_rate(Some(fps));
        let mut dict = Dictionary::new();
        let q = cfg.quality.unwrap_or(5.0);
        let codec_name = cfg.codec.as_str();
        match cfg.bit_rate {
            Some(b) => enc.set_bit_rate(b),
            None => match codec_name {
                "libx264" | "libx264rgb" | "libx265" => {
                    dict.set(
                        "crf",
                        &format!("{}", ((1.0 - q / 10.0) * 51.0).round() as i32),
                    );
                }
                "libvpx" | "libvpx-vp9" | "libaom-av1" => {
                    dict.set(
                        "crf",
                        &format!("{}", ((1.0 - q / 10.0) * 63.0).round() as i32),
                    );
                    dict.set("b", "0");
                }
                "gif" | "rawvideo" | "ffv1" | "png" | "huffyuv" | "utvideo" => {}
                _ => {
                    let qscale = 1 + ((1.0 - q / 10.0) * 30.0).round() as i32;
                    enc.set_global_quality(qscale * ffi::FF_QP2LAMBDA);
                    // SAFETY: a plain flags field of the unopened context.
                    unsafe {
                        (*enc.as_mut_ptr()).flags |= ffi::AV_CODEC_FLAG_QSCALE as i32;
                    }
                }
            },
        }
        if let Some(p) = &cfg.preset {
            dict.set("preset", p);
        }
        for (k, v) in &cfg.codec_options {
            dict.set(k, v);
        }
        let encoder = enc
            .open_with(dict)
            .map_err(|e| encode_err(&format!("cannot open encoder {codec_name}"), e))?;
        let stream = {
            let mut ost = output
                .add_stream(codec)
                .map_err(|e| encode_err("cannot add the video stream", e))?;
            ost.set_parameters(&encoder);
            ost.set_time_base(enc_tb);
            ost.set_avg_frame_rate(fps);
            ost.set_rate(fps);
            ost.index()
        };
        output
            .write_header()
            .map_err(|e| encode_err("cannot write the container header", e))?;
        // The muxer may change the stream time base in write_header: read it after.
        let ost_tb = output
            .stream(stream)
            .ok_or_else(|| Error::internal("the output stream vanished"))?
            .time_base();
        Ok(Encoding {
            output,
            encoder,
            stream,
            enc_tb,
            ost_tb,
            next_pts: 0,
            src_fmt,
            src_shape: shape,
            src_dtype: image.dtype(),
            enc_fmt,
            enc_w,
            enc_h,
            src: VideoFrame::new(src_fmt, w, h),
            scaler: Scaler::default(),
        })
    }
}

/// Makes `frame`'s buffers its own before they are written: FFmpeg copies
/// them when an encoder still holds a reference. A frame that cannot be made
/// writable (no buffer, out of memory) is an `Encode` error: writing into a
/// buffer the encoder still reads would corrupt an earlier frame.
fn make_writable(frame: &mut VideoFrame) -> Result<()> {
    // SAFETY: `frame` is a valid `AVFrame` we own; the call only replaces
    // its buffers by unshared copies.
    let r = unsafe { ffi::av_frame_make_writable(frame.as_mut_ptr()) };
    if r < 0 {
        return Err(encode_err(
            "cannot make the source frame writable",
            ff::Error::from(r),
        ));
    }
    Ok(())
}

impl Encoding {
    /// Sends `frame` (or the end of stream with `None`) and muxes the packets.
    fn send(&mut self, frame: Option<&VideoFrame>) -> Result<()> {
        match frame {
            Some(f) => self.encoder.send_frame(f),
            None => self.encoder.send_eof(),
        }
        .map_err(|e| encode_err("encoding failed", e))?;
        let mut packet = ff::Packet::empty();
        loop {
            match self.encoder.receive_packet(&mut packet) {
                Ok(()) => {}
                Err(ff::Error::Eof) => return Ok(()),
                Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => {
                    return Ok(())
                }
                Err(e) => return Err(encode_err("encoding failed", e)),
            }
            packet.set_stream(self.stream);
            // Without a duration the mp4 muxer drops the last frame.
            if packet.duration() <= 0 {
                packet.set_duration(1);
            }
            packet.rescale_ts(self.enc_tb, self.ost_tb);
            packet
                .write_interleaved(&mut self.output)
                .map_err(|e| encode_err("cannot write a packet", e))?;
        }
    }

    /// Converts and encodes one frame.
    fn write(&mut self, image: &NdImage) -> Result<()> {
        if image.shape() != self.src_shape.as_slice() || image.dtype() != self.src_dtype {
            return Err(Error::invalid_input(format!(
                "every frame of a video has the same shape and dtype: got {:?} {}, the first was \
                 {:?} {}",
                image.shape(),
                image.dtype().name(),
                self.src_shape,
                self.src_dtype.name()
            )));
        }
        let image = image.clone().into_standard_layout();
        let bytes = image
            .as_bytes()
            .ok_or_else(|| Error::internal("a standard-layout array has bytes"))?;
        let (h, w) = (self.src_shape[0], self.src_shape[1]);
        let row = bytes.len() / h.max(1);
        debug_assert_eq!(row % w.max(1), 0);
        make_writable(&mut self.src)?;
        let stride = self.src.stride(0);
        let data = self.src.data_mut(0);
        for y in 0..h {
            data[y * stride..y * stride + row].copy_from_slice(&bytes[y * row..(y + 1) * row]);
        }
        // RGB -> YUV with swscale's defaults: BT.601, limited range, as the
        // reader assumes for untagged streams.
        let _ = self.src_fmt;
        let out =
            self.scaler
                .convert_with(&self.src, self.enc_fmt, self.enc_w, self.enc_h, 5, true)?;
        out.set_pts(Some(self.next_pts));
        self.next_pts += 1;
        // `send` needs `&mut self`: move the frame out for the call.
        let frame = std::mem::replace(out, VideoFrame::empty());
        let r = self.send(Some(&frame));
        self.scaler.put_back(frame);
        r
    }
}

impl Writer for VideoWriter {
    fn write(&mut self, image: &NdImage, options: &Options) -> Result<()> {
        if self.enc.is_none() {
            self.config = write_config(options, &self.ext)?;
            let e = self.start(image)?;
            self.enc = Some(e);
        }
        self.enc.as_mut().expect("started").write(image)
    }

    fn close(&mut self) -> Result<()> {
        let Some(mut enc) = self.enc.take() else {
            self.sink = None;
            return Err(Error::invalid_input(
                "no frame was written; a video needs at least one",
            ));
        };
        enc.send(None)?;
        enc.output
            .write_trailer()
            .map_err(|e| encode_err("cannot write the container trailer", e))?;
        // Dropping the muxer drops its custom I/O and with it the output
        // handle, which the core needs gone before it commits.
        drop(enc);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_that_cannot_be_made_writable_is_an_encode_error() {
        crate::init();
        // A frame without buffers: av_frame_make_writable fails (EINVAL).
        let mut empty = VideoFrame::empty();
        let e = make_writable(&mut empty).unwrap_err();
        assert_eq!(e.kind(), imageio_core::ErrorKind::Encode, "{e}");
        assert!(e.message().contains("writable"), "{e}");
        // A frame with its own buffers is made writable.
        let mut frame = VideoFrame::new(Pixel::RGB24, 4, 2);
        make_writable(&mut frame).unwrap();
    }
}
