//! Writing: one image is a still file encoded by `WebPEncode`, several an
//! animation assembled by libwebp's `WebPAnimEncoder`. Frames are kept
//! until the second arrives (a still file and an animation differ from the
//! first byte) and then encoded as they come; the file is written at close.

use std::io::Write;
use std::ptr::NonNull;

use imageio_core::plugin::{image_dims, Output, WriteRequest, Writer};
use imageio_core::{Error, NdImage, Options, Result, Value};
use libwebp_sys as sys;

/// Opens a writer on the request's output.
pub fn open_write(request: &mut WriteRequest) -> Result<Box<dyn Writer>> {
    Ok(Box::new(WebpWriter {
        output: Some(request.output()?),
        first: None,
        anim: None,
        frames: 0,
        timestamp: 0,
    }))
}

/// The encoder settings of one `write` call.
#[derive(Clone, Copy, Debug)]
struct Settings {
    quality: f32,
    lossless: bool,
    exact: bool,
    method: i32,
    loop_count: i32,
}

impl Settings {
    fn from(options: &Options) -> Result<Settings> {
        let quality = match options.get("quality") {
            None => 80.0,
            Some(v) => match v.as_float() {
                Some(q) if (0.0..=100.0).contains(&q) => q as f32,
                _ => {
                    return Err(Error::invalid_option(format!(
                        "quality: 0 to 100 (got {v:?})"
                    )))
                }
            },
        };
        let lossless = match options.get("lossless") {
            None => false,
            Some(v) => v.as_bool().ok_or_else(|| {
                Error::invalid_option(format!("lossless: true or false (got {v:?})"))
            })?,
        };
        let exact = match options.get("exact") {
            None => lossless,
            Some(v) => v.as_bool().ok_or_else(|| {
                Error::invalid_option(format!("exact: true or false (got {v:?})"))
            })?,
        };
        let method = match options.get("method") {
            None => 4,
            Some(v) => match v.as_int() {
                Some(m) if (0..=6).contains(&m) => m as i32,
                _ => return Err(Error::invalid_option(format!("method: 0 to 6 (got {v:?})"))),
            },
        };
        let loop_count = match options.get("loop") {
            None => 0,
            Some(v) => match v.as_int() {
                Some(l) if (0..=65535).contains(&l) => l as i32,
                _ => {
                    return Err(Error::invalid_option(format!(
                        "loop: 0 to 65535 (got {v:?})"
                    )))
                }
            },
        };
        Ok(Settings {
            quality,
            lossless,
            exact,
            method,
            loop_count,
        })
    }

    /// libwebp's encoder configuration for these settings.
    fn config(&self) -> Result<sys::WebPConfig> {
        // SAFETY: libwebp initialises the zeroed struct.
        let mut config: sys::WebPConfig = unsafe { std::mem::zeroed() };
        let ok = unsafe {
            sys::WebPConfigInitInternal(
                &mut config,
                sys::WebPPreset::WEBP_PRESET_DEFAULT,
                self.quality,
                sys::WEBP_ENCODER_ABI_VERSION as _,
            )
        };
        if ok == 0 {
            return Err(Error::internal(
                "WebP: libwebp's encoder ABI does not match",
            ));
        }
        config.lossless = i32::from(self.lossless);
        config.method = self.method;
        config.exact = i32::from(self.exact);
        // SAFETY: a config initialised above.
        if unsafe { sys::WebPValidateConfig(&config) } == 0 {
            return Err(Error::invalid_option(
                "WebP: libwebp refuses these settings",
            ));
        }
        Ok(config)
    }
}

/// The duration (ms) of frame `n` from the `duration` option: one value for
/// every frame, or one per frame (the last repeats).
fn duration(options: &Options, n: usize) -> Result<i32> {
    let v = match options.get("duration") {
        None => return Ok(100),
        Some(Value::List(l)) => l.get(n).or(l.last()).cloned(),
        Some(v) => Some(v.clone()),
    };
    match v.as_ref().and_then(Value::as_float) {
        Some(d) if (0.0..=16_777_215.0).contains(&d) => Ok(d.round() as i32),
        _ => Err(Error::invalid_option(format!(
            "duration: milliseconds, 0 to 16777215 (got {v:?})"
        ))),
    }
}

/// An image as RGB or RGBA u8 samples, row after row.
struct Rgb {
    width: usize,
    height: usize,
    alpha: bool,
    samples: Vec<u8>,
}

impl Rgb {
    fn from(image: &NdImage) -> Result<Rgb> {
        let (height, width, channels) = image_dims(image.shape(), 4, "WebP")?;
        if width == 0 || height == 0 || width > 16383 || height > 16383 {
            return Err(Error::invalid_input(format!(
                "WebP images are 1 to 16383 pixels a side, not {height}x{width}"
            )));
        }
        let view = image.view::<u8>().ok_or_else(|| {
            Error::invalid_input(format!(
                "WebP stores u8 samples, not {} (convert with the dtype option)",
                image.dtype()
            ))
        })?;
        let view = view.as_standard_layout();
        let s = view
            .as_slice()
            .ok_or_else(|| Error::internal("an array in standard layout is contiguous"))?;
        let samples = match channels {
            3 | 4 => s.to_vec(),
            1 => s.iter().flat_map(|&g| [g, g, g]).collect(),
            _ => s
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect(),
        };
        Ok(Rgb {
            width,
            height,
            alpha: channels % 2 == 0,
            samples,
        })
    }

    /// A picture holding these samples (ARGB), freed on drop.
    fn picture(&self) -> Result<Picture> {
        // SAFETY: libwebp initialises the zeroed picture, then copies the
        // samples (`height` rows of `stride` bytes) into memory it owns.
        unsafe {
            let mut pic: sys::WebPPicture = std::mem::zeroed();
            if sys::WebPPictureInitInternal(&mut pic, sys::WEBP_ENCODER_ABI_VERSION as _) == 0 {
                return Err(Error::internal(
                    "WebP: libwebp's encoder ABI does not match",
                ));
            }
            pic.use_argb = 1;
            pic.width = self.width as i32;
            pic.height = self.height as i32;
            let mut pic = Picture(pic);
            let ok = if self.alpha {
                sys::WebPPictureImportRGBA(
                    &mut pic.0,
                    self.samples.as_ptr(),
                    (self.width * 4) as i32,
                )
            } else {
                sys::WebPPictureImportRGB(
                    &mut pic.0,
                    self.samples.as_ptr(),
                    (self.width * 3) as i32,
                )
            };
            if ok == 0 {
                return Err(Error::encode(
                    "WebP: libwebp cannot import the image (out of memory?)",
                ));
            }
            Ok(pic)
        }
    }
}

/// A libwebp picture, freed on drop.
struct Picture(sys::WebPPicture);

impl Drop for Picture {
    fn drop(&mut self) {
        // SAFETY: initialised by `WebPPictureInitInternal`; freeing an empty
        // picture is allowed.
        unsafe { sys::WebPPictureFree(&mut self.0) }
    }
}

/// Encodes one still image.
fn encode_still(image: &Rgb, settings: &Settings) -> Result<Vec<u8>> {
    let config = settings.config()?;
    let mut pic = image.picture()?;
    // SAFETY: the memory writer collects the output; its buffer is copied
    // and freed before returning.
    unsafe {
        let mut writer: sys::WebPMemoryWriter = std::mem::zeroed();
        sys::WebPMemoryWriterInit(&mut writer);
        pic.0.writer = Some(sys::WebPMemoryWrite);
        pic.0.custom_ptr = (&mut writer as *mut sys::WebPMemoryWriter).cast();
        let ok = sys::WebPEncode(&config, &mut pic.0);
        let out = if ok != 0 && !writer.mem.is_null() {
            Ok(std::slice::from_raw_parts(writer.mem, writer.size).to_vec())
        } else {
            Err(Error::encode(format!(
                "WebP: libwebp cannot encode the image ({:?})",
                pic.0.error_code
            )))
        };
        sys::WebPMemoryWriterClear(&mut writer);
        out
    }
}

/// libwebp's animation encoder, deleted on drop.
struct AnimEncoder {
    enc: NonNull<sys::WebPAnimEncoder>,
    width: usize,
    height: usize,
}

// SAFETY: the encoder is owned by this value alone and used through `&mut`.
unsafe impl Send for AnimEncoder {}

impl AnimEncoder {
    fn new(width: usize, height: usize, settings: &Settings) -> Result<AnimEncoder> {
        // SAFETY: libwebp initialises the zeroed options.
        unsafe {
            let mut opts: sys::WebPAnimEncoderOptions = std::mem::zeroed();
            if sys::WebPAnimEncoderOptionsInitInternal(&mut opts, sys::WEBP_MUX_ABI_VERSION as _)
                == 0
            {
                return Err(Error::internal("WebP: libwebp's mux ABI does not match"));
            }
            opts.anim_params.loop_count = settings.loop_count;
            let enc = sys::WebPAnimEncoderNewInternal(
                width as i32,
                height as i32,
                &opts,
                sys::WEBP_MUX_ABI_VERSION as _,
            );
            let enc = NonNull::new(enc)
                .ok_or_else(|| Error::encode("WebP: libwebp cannot start an animation"))?;
            Ok(AnimEncoder { enc, width, height })
        }
    }

    fn error(&self, what: &str) -> Error {
        // SAFETY: a live encoder; the message is a C string it owns.
        let msg = unsafe {
            let p = sys::WebPAnimEncoderGetError(self.enc.as_ptr());
            if p.is_null() {
                String::new()
            } else {
                std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        };
        Error::encode(format!("WebP: {what}: {msg}"))
    }

    /// Adds a frame shown from `timestamp` (ms).
    fn add(&mut self, image: &Rgb, timestamp: i32, settings: &Settings) -> Result<()> {
        if (image.width, image.height) != (self.width, self.height) {
            return Err(Error::invalid_input(format!(
                "WebP: every frame of an animation has the first one's size ({}x{}), not {}x{}",
                self.height, self.width, image.height, image.width
            )));
        }
        let config = settings.config()?;
        let mut pic = image.picture()?;
        // SAFETY: a live encoder; it copies what it needs from the picture.
        let ok =
            unsafe { sys::WebPAnimEncoderAdd(self.enc.as_ptr(), &mut pic.0, timestamp, &config) };
        if ok == 0 {
            return Err(self.error("cannot add a frame"));
        }
        Ok(())
    }

    /// Ends the animation at `timestamp` (ms) and returns the file.
    fn finish(&mut self, timestamp: i32) -> Result<Vec<u8>> {
        // SAFETY: a live encoder; the assembled data is copied and freed.
        unsafe {
            if sys::WebPAnimEncoderAdd(
                self.enc.as_ptr(),
                std::ptr::null_mut(),
                timestamp,
                std::ptr::null(),
            ) == 0
            {
                return Err(self.error("cannot end the animation"));
            }
            let mut data = sys::WebPData::default();
            if sys::WebPAnimEncoderAssemble(self.enc.as_ptr(), &mut data) == 0 {
                return Err(self.error("cannot assemble the animation"));
            }
            let out = std::slice::from_raw_parts(data.bytes, data.size).to_vec();
            sys::WebPDataClear(&mut data);
            Ok(out)
        }
    }
}

impl Drop for AnimEncoder {
    fn drop(&mut self) {
        // SAFETY: created by `WebPAnimEncoderNewInternal`, deleted once.
        unsafe { sys::WebPAnimEncoderDelete(self.enc.as_ptr()) }
    }
}

/// A WebP file open for writing.
struct WebpWriter {
    output: Option<Output>,
    /// The first image and its settings and duration, until a second one
    /// makes the file an animation.
    first: Option<(Rgb, Settings, i32)>,
    anim: Option<AnimEncoder>,
    frames: usize,
    /// Where the next frame starts (ms).
    timestamp: i32,
}

impl WebpWriter {
    fn add(&mut self, image: Rgb, settings: Settings, duration: i32) -> Result<()> {
        if self.anim.is_none() {
            let (w, h) = (image.width, image.height);
            self.anim = Some(AnimEncoder::new(w, h, &settings)?);
        }
        let anim = self.anim.as_mut().expect("just made");
        anim.add(&image, self.timestamp, &settings)?;
        self.timestamp = self.timestamp.saturating_add(duration);
        Ok(())
    }
}

impl Writer for WebpWriter {
    fn write(&mut self, image: &NdImage, options: &Options) -> Result<()> {
        let settings = Settings::from(options)?;
        let duration = duration(options, self.frames)?;
        let rgb = Rgb::from(image)?;
        if self.frames == 0 {
            self.first = Some((rgb, settings, duration));
        } else {
            if let Some((first, s, d)) = self.first.take() {
                self.add(first, s, d)?;
            }
            self.add(rgb, settings, duration)?;
        }
        self.frames += 1;
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        let bytes = match (self.first.take(), self.anim.as_mut()) {
            (Some((image, settings, _)), None) => encode_still(&image, &settings)?,
            (None, Some(anim)) => anim.finish(self.timestamp)?,
            _ => return Err(Error::internal("WebP: closed with no image written")),
        };
        self.anim = None;
        let mut out = self
            .output
            .take()
            .ok_or_else(|| Error::internal("WebP: closed twice"))?;
        out.write_all(&bytes)?;
        out.flush()?;
        Ok(())
    }
}
