//! Pixel-format conversion through swscale, configured as PyAV's
//! `to_ndarray` does (the frame's colour matrix and range, BT.601 when
//! untagged, bilinear), straight into packed arrays for reads.

use ff::ffi;
use ff::format::Pixel;
use ff::util::frame::video::Video as VideoFrame;
use ffmpeg_next as ff;
use imageio_core::{DType, Error, NdImage, Result};

/// The pixel formats a read returns (option `pixel_format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutFormat {
    /// `(H, W, 3)` u8.
    Rgb24,
    /// `(H, W, 4)` u8.
    Rgba,
    /// `(H, W)` u8.
    Gray,
    /// `(H, W)` u16.
    Gray16,
    /// `(H, W, 3)` u16.
    Rgb48,
}

/// The names the `pixel_format` read option accepts.
pub const OUT_FORMAT_NAMES: &[&str] = &["rgb24", "rgba", "gray", "gray16", "rgb48"];

impl OutFormat {
    /// Parses an option value (case-insensitive).
    pub fn parse(s: &str) -> Option<OutFormat> {
        Some(match s.to_ascii_lowercase().as_str() {
            "rgb24" => OutFormat::Rgb24,
            "rgba" => OutFormat::Rgba,
            "gray" => OutFormat::Gray,
            "gray16" => OutFormat::Gray16,
            "rgb48" => OutFormat::Rgb48,
            _ => return None,
        })
    }
    /// The swscale pixel format (native-endian for 16-bit).
    pub fn pixel(self) -> Pixel {
        match self {
            OutFormat::Rgb24 => Pixel::RGB24,
            OutFormat::Rgba => Pixel::RGBA,
            OutFormat::Gray => Pixel::GRAY8,
            OutFormat::Gray16 if cfg!(target_endian = "little") => Pixel::GRAY16LE,
            OutFormat::Gray16 => Pixel::GRAY16BE,
            OutFormat::Rgb48 if cfg!(target_endian = "little") => Pixel::RGB48LE,
            OutFormat::Rgb48 => Pixel::RGB48BE,
        }
    }
    /// Channels per pixel (1 for the `(H, W)` gray formats).
    pub fn channels(self) -> usize {
        match self {
            OutFormat::Rgb24 | OutFormat::Rgb48 => 3,
            OutFormat::Rgba => 4,
            OutFormat::Gray | OutFormat::Gray16 => 1,
        }
    }
    /// The dtype of the returned array.
    pub fn dtype(self) -> DType {
        match self {
            OutFormat::Gray16 | OutFormat::Rgb48 => DType::U16,
            _ => DType::U8,
        }
    }
    /// The shape of one frame of `width` x `height`.
    pub fn shape(self, width: usize, height: usize) -> Vec<usize> {
        match self.channels() {
            1 => vec![height, width],
            c => vec![height, width, c],
        }
    }
    /// Bytes of one packed frame.
    pub fn frame_bytes(self, width: usize, height: usize) -> usize {
        width * height * self.channels() * self.dtype().size()
    }
}

/// What a cached scaler was made for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Key {
    src: ffi::AVPixelFormat,
    sw: i32,
    sh: i32,
    dst: ffi::AVPixelFormat,
    dw: i32,
    dh: i32,
    colorspace: i32,
    full_range: bool,
}

/// A swscale context, re-made when the source or target changes.
pub struct Scaler {
    ctx: *mut ffi::SwsContext,
    key: Option<Key>,
    out: Option<VideoFrame>,
}

// SAFETY: the SwsContext is owned by this struct alone (created, used and
// freed only through `&mut self`), and swscale keeps no thread-local state,
// so moving it to another thread is sound. It is not `Sync`.
unsafe impl Send for Scaler {}

impl Default for Scaler {
    fn default() -> Self {
        Scaler {
            ctx: std::ptr::null_mut(),
            key: None,
            out: None,
        }
    }
}

impl Drop for Scaler {
    fn drop(&mut self) {
        // SAFETY: `ctx` is null or a context from sws_getContext that nobody
        // else holds; sws_freeContext accepts null.
        unsafe { ffi::sws_freeContext(self.ctx) };
    }
}

/// True for the pixel formats FFmpeg marks as full range ("J" formats).
fn is_jpeg_format(p: Pixel) -> bool {
    matches!(
        p,
        Pixel::YUVJ420P | Pixel::YUVJ422P | Pixel::YUVJ444P | Pixel::YUVJ440P | Pixel::YUVJ411P
    )
}

impl Scaler {
    /// Converts `src` to `dst` at `dw` x `dh`, with the source colour matrix
    /// (an `AVColorSpace` value) and range given, and returns the converted
    /// frame (its rows padded as FFmpeg allocates them).
    pub fn convert_with(
        &mut self,
        src: &VideoFrame,
        dst: Pixel,
        dw: u32,
        dh: u32,
        colorspace: i32,
        full_range: bool,
    ) -> Result<&mut VideoFrame> {
        let key = self.ensure_context(src, dst, dw, dh, colorspace, full_range)?;
        if self.out.is_none() {
            self.out = Some(VideoFrame::new(dst, dw, dh));
        }
        let out = self.out.as_mut().expect("allocated above");
        // SAFETY: an encoder may still hold a reference to the previous
        // picture's buffer; this gives `out` a buffer of its own first.
        if unsafe { ffi::av_frame_make_writable(out.as_mut_ptr()) } < 0 {
            return Err(Error::internal("ffmpeg: out of memory for a frame"));
        }
        // SAFETY: both frames are allocated for the sizes and formats the
        // context was made for (checked through `key`); swscale reads the
        // source planes and writes the target planes within their strides.
        let h = unsafe {
            ffi::sws_scale(
                self.ctx,
                (*src.as_ptr()).data.as_ptr() as *const *const u8,
                (*src.as_ptr()).linesize.as_ptr(),
                0,
                key.sh,
                (*out.as_mut_ptr()).data.as_ptr(),
                (*out.as_mut_ptr()).linesize.as_ptr(),
            )
        };
        if h <= 0 {
            return Err(Error::decode(format!(
                "ffmpeg: swscale failed to convert a {:?} frame",
                src.format()
            )));
        }
        Ok(out)
    }

    /// Converts `src` to `dst` at `dw` x `dh` straight into `out`, packed
    /// rows of `dw` pixels with no padding, which must hold the frame and
    /// [`SLACK`] bytes more (swscale's vector loops may store a little past
    /// the last pixel of a row; the next row, written later, or the slack
    /// takes it). No frame in between, no copy of its rows.
    pub fn convert_to_slice(
        &mut self,
        src: &VideoFrame,
        dst: OutFormat,
        dw: u32,
        dh: u32,
        out: &mut [u8],
    ) -> Result<()> {
        let full_range =
            src.color_range() == ff::color::Range::JPEG || is_jpeg_format(src.format());
        let colorspace = ffi::AVColorSpace::from(src.color_space()) as i32;
        let key = self.ensure_context(src, dst.pixel(), dw, dh, colorspace, full_range)?;
        let row = dw as usize * dst.channels() * dst.dtype().size();
        let need = (row * dh as usize).checked_add(SLACK);
        if need.is_none_or(|n| out.len() < n) || i32::try_from(row).is_err() {
            return Err(Error::internal("ffmpeg: the output slice is too small"));
        }
        let planes = [
            out.as_mut_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ];
        let strides = [row as i32, 0, 0, 0];
        // SAFETY: the context was made for this source and a packed
        // single-plane target of `dw` x `dh` (`key`); `out` holds `dh` rows
        // of `row` bytes plus SLACK, checked above; the source planes are
        // the frame's own.
        let h = unsafe {
            ffi::sws_scale(
                self.ctx,
                (*src.as_ptr()).data.as_ptr() as *const *const u8,
                (*src.as_ptr()).linesize.as_ptr(),
                0,
                key.sh,
                planes.as_ptr(),
                strides.as_ptr(),
            )
        };
        if h <= 0 {
            return Err(Error::decode(format!(
                "ffmpeg: swscale failed to convert a {:?} frame",
                src.format()
            )));
        }
        Ok(())
    }

    /// The swscale context for this conversion, made (and the target frame
    /// dropped) when the source or target changed.
    fn ensure_context(
        &mut self,
        src: &VideoFrame,
        dst: Pixel,
        dw: u32,
        dh: u32,
        colorspace: i32,
        full_range: bool,
    ) -> Result<Key> {
        let key = Key {
            src: src.format().into(),
            sw: src.width() as i32,
            sh: src.height() as i32,
            dst: dst.into(),
            dw: dw as i32,
            dh: dh as i32,
            colorspace,
            full_range,
        };
        if key.sw <= 0 || key.sh <= 0 || key.dw <= 0 || key.dh <= 0 {
            return Err(Error::decode("ffmpeg: a frame has no pixels"));
        }
        if self.key != Some(key) {
            // SAFETY: sws_freeContext accepts null or a context of ours; the
            // new context is checked for null before use. The coefficient
            // tables returned by sws_getCoefficients are static.
            unsafe {
                ffi::sws_freeContext(self.ctx);
                self.ctx = std::ptr::null_mut();
                self.key = None;
                let ctx = ffi::sws_getContext(
                    key.sw,
                    key.sh,
                    key.src,
                    key.dw,
                    key.dh,
                    key.dst,
                    ffi::SWS_BILINEAR,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    std::ptr::null(),
                );
                if ctx.is_null() {
                    return Err(Error::unsupported(format!(
                        "ffmpeg: swscale cannot convert {:?} {}x{} to {:?} {}x{}",
                        src.format(),
                        key.sw,
                        key.sh,
                        dst,
                        key.dw,
                        key.dh
                    )));
                }
                self.ctx = ctx;
                let mut inv = std::ptr::null_mut();
                let mut src_range = 0;
                let mut table = std::ptr::null_mut();
                let mut dst_range = 0;
                let (mut bri, mut con, mut sat) = (0, 0, 0);
                let r = ffi::sws_getColorspaceDetails(
                    ctx,
                    &mut inv,
                    &mut src_range,
                    &mut table,
                    &mut dst_range,
                    &mut bri,
                    &mut con,
                    &mut sat,
                );
                if r >= 0 {
                    // Only YUV sources and targets have a matrix; swscale
                    // answers -1 otherwise and the call below is skipped.
                    let coeffs = ffi::sws_getCoefficients(colorspace);
                    ffi::sws_setColorspaceDetails(
                        ctx,
                        coeffs,
                        i32::from(full_range),
                        table,
                        dst_range,
                        bri,
                        con,
                        sat,
                    );
                }
            }
            self.out = None;
            self.key = Some(key);
        }
        Ok(key)
    }
}

impl Scaler {
    /// Returns the frame [`convert`](Self::convert) lent out.
    pub fn put_back(&mut self, frame: VideoFrame) {
        self.out = Some(frame);
    }
}

/// Bytes past the last row that [`Scaler::convert_to_slice`] needs.
pub const SLACK: usize = 256;

/// Makes an array of `fmt` from packed bytes (`n` frames when `n` is given).
pub fn to_ndimage(
    fmt: OutFormat,
    n: Option<usize>,
    w: usize,
    h: usize,
    bytes: Vec<u8>,
) -> Result<NdImage> {
    let mut shape = Vec::new();
    if let Some(n) = n {
        shape.push(n);
    }
    shape.extend(fmt.shape(w, h));
    match fmt.dtype() {
        DType::U16 => {
            let v: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_ne_bytes([c[0], c[1]]))
                .collect();
            NdImage::from_shape_vec(&shape, v)
        }
        _ => NdImage::from_shape_vec(&shape, bytes),
    }
}
