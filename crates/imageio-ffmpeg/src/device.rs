//! Cameras: `<video0>`-style names, read through libavdevice (v4l2 on Linux)
//! with the `device` feature. Untested on hardware: the machines that ran the
//! tests have no camera; the name parsing and the error without a device are
//! tested.
//!
//! The core parses `<videoN>` into a resource of the `device` URI scheme
//! (no bytes; its [`target`](imageio_core::plugin::ReadRequest::target) is
//! the name) and routes it to the plugin that claims that scheme: with the
//! `device` feature this crate registers a second plugin, `camera`, whose
//! opener calls [`open`], so `imread("<video0>")` and `imiter` reach it.
//! [`open`] can also be called directly, reading frames from the returned
//! reader in turn. Without the feature no `camera` plugin is registered (the
//! `imageio-rs` facade then says to enable `ffmpeg-device`), and [`open`]
//! fails with `Unsupported`, naming the feature.

use imageio_core::plugin::Reader;
use imageio_core::{Error, ErrorKind, Result};

/// The device number of a `<videoN>` name (`"<video0>"` -> `Some(0)`), or
/// `None` for anything else.
pub fn parse_device_uri(uri: &str) -> Option<u32> {
    let inner = uri.trim().strip_prefix('<')?.strip_suffix('>')?;
    let digits = inner.strip_prefix("video")?;
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The platform path of device `n` (`/dev/videoN` on Linux).
pub fn device_path(n: u32) -> String {
    format!("/dev/video{n}")
}

/// Opens the camera named by `uri` (`<video0>`) for sequential reads:
/// `read(0)`, `read(1)`... each return the next captured frame as RGB u8.
///
/// Errors: `InvalidInput` for a name that is not `<videoN>`, `NotFound` when
/// the device does not exist, `Unsupported` when the crate was built without
/// the `device` feature.
pub fn open(uri: &str) -> Result<Box<dyn Reader>> {
    let n = parse_device_uri(uri).ok_or_else(|| {
        Error::invalid_input(format!(
            "{uri:?} is not a camera name; cameras are named <video0>, <video1>..."
        ))
    })?;
    let path = device_path(n);
    if !std::path::Path::new(&path).exists() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("no camera {uri}: {path} does not exist; check that a camera is connected"),
        )
        .with_resource(uri));
    }
    open_path(uri, &path)
}

#[cfg(not(feature = "device"))]
fn open_path(uri: &str, _path: &str) -> Result<Box<dyn Reader>> {
    Err(Error::unsupported(
        "cameras need imageio-ffmpeg's `device` feature (libavdevice); rebuild with it",
    )
    .with_resource(uri))
}

#[cfg(feature = "device")]
fn open_path(uri: &str, path: &str) -> Result<Box<dyn Reader>> {
    use ffmpeg_next as ff;
    crate::init();
    ff::device::register_all();
    let v4l2 = ff::device::input::video()
        .find(|f| f.name() == "v4l2")
        .ok_or_else(|| Error::unsupported("the linked libavdevice has no v4l2 input"))?;
    let format = v4l2;
    let input = ff::format::open_with(&path, &format, ff::Dictionary::new())
        .map_err(|e| crate::decode_err("cannot open the camera", e).with_resource(uri))?;
    let ff::format::context::Context::Input(input) = input else {
        return Err(Error::internal("libavdevice opened an output"));
    };
    let stream = input
        .streams()
        .best(ff::media::Type::Video)
        .ok_or_else(|| Error::decode("the camera has no video stream"))?;
    let index = stream.index();
    let ctx = ff::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| crate::decode_err("camera codec parameters", e))?;
    let decoder = ctx
        .decoder()
        .video()
        .map_err(|e| crate::decode_err("cannot open the camera decoder", e))?;
    Ok(Box::new(Camera {
        input,
        decoder,
        index,
        frame: ff::util::frame::video::Video::empty(),
        scaler: crate::scale::Scaler::default(),
    }))
}

/// An open camera: frames in capture order.
#[cfg(feature = "device")]
struct Camera {
    input: ffmpeg_next::format::context::Input,
    decoder: ffmpeg_next::decoder::Video,
    index: usize,
    frame: ffmpeg_next::util::frame::video::Video,
    scaler: crate::scale::Scaler,
}

#[cfg(feature = "device")]
impl Reader for Camera {
    fn read(
        &mut self,
        _index: usize,
        _options: &imageio_core::Options,
    ) -> Result<imageio_core::NdImage> {
        use ffmpeg_next as ff;
        let mut packet = ff::Packet::empty();
        loop {
            if self.decoder.receive_frame(&mut self.frame).is_ok() {
                break;
            }
            crate::read::read_packet(&mut packet, &mut self.input)
                .map_err(|e| crate::decode_err("camera read failed", e))?;
            if packet.stream() == self.index {
                self.decoder
                    .send_packet(&packet)
                    .map_err(|e| crate::decode_err("camera decode failed", e))?;
            }
        }
        let (w, h) = (self.frame.width(), self.frame.height());
        let out = crate::scale::OutFormat::Rgb24;
        let fb = out.frame_bytes(w as usize, h as usize);
        let mut bytes = vec![0u8; fb + crate::scale::SLACK];
        self.scaler
            .convert_to_slice(&self.frame, out, w, h, &mut bytes)?;
        bytes.truncate(fb);
        crate::scale::to_ndimage(out, None, w as usize, h as usize, bytes)
    }
}
