//! Writing: one frame per `write` call, quantized and streamed through the
//! `gif` crate's encoder into the request's output (kept until `close`).

use std::borrow::Cow;

use gif::{DisposalMethod, Encoder, Frame, Repeat};
use imageio_core::plugin::{image_dims, Output, Writer};
use imageio_core::{DType, Error, NdImage, Options, Result, Value};

use crate::quant::{quantize, Quantizer};

fn enc_err(e: gif::EncodingError) -> Error {
    Error::encode(format!("GIF: {e}"))
}

/// The write side of the plugin.
pub(crate) struct GifWriter {
    output: Option<Output>,
    enc: Option<Encoder<Output>>,
    size: (usize, usize),
    frames: usize,
}

impl GifWriter {
    pub(crate) fn new(output: Output) -> GifWriter {
        GifWriter {
            output: Some(output),
            enc: None,
            size: (0, 0),
            frames: 0,
        }
    }
}

/// The image as RGBA u8 (height, width, pixels).
fn to_rgba(image: &NdImage) -> Result<(usize, usize, Vec<u8>)> {
    if image.dtype() != DType::U8 {
        return Err(Error::invalid_input(format!(
            "GIF stores 8-bit colour; got {:?} samples: convert the array to u8 first",
            image.dtype()
        )));
    }
    let (h, w, c) = image_dims(image.shape(), 4, "GIF")?;
    if h == 0 || w == 0 || h > 65535 || w > 65535 {
        return Err(Error::invalid_input(format!(
            "GIF images are 1..=65535 pixels on a side, not {w}x{h}"
        )));
    }
    let a = image
        .view::<u8>()
        .ok_or_else(|| Error::internal("u8 view of a u8 image"))?;
    let mut out = Vec::with_capacity(h * w * 4);
    for px in a
        .as_standard_layout()
        .as_slice()
        .expect("standard layout")
        .chunks_exact(c)
    {
        out.extend_from_slice(&match c {
            1 => [px[0], px[0], px[0], 255],
            2 => [px[0], px[0], px[0], px[1]],
            3 => [px[0], px[1], px[2], 255],
            _ => [px[0], px[1], px[2], px[3]],
        });
    }
    Ok((h, w, out))
}

/// The delay of frame `i` in 10 ms units, from `duration` (ms).
fn delay(options: &Options, i: usize) -> Result<u16> {
    let ms = match options.get("duration") {
        // imageio's default frame time, as the pillowlike plugin writes it.
        None => 100.0,
        Some(v) => match (v.as_float(), v.as_list()) {
            (Some(x), _) => x,
            (None, Some(l)) => l.get(i).and_then(Value::as_float).ok_or_else(|| {
                Error::invalid_option(format!(
                    "duration: the list has {} values, frame {i} needs one",
                    l.len()
                ))
            })?,
            _ => f64::NAN,
        },
    };
    if !(0.0..=655_350.0).contains(&ms) {
        return Err(Error::invalid_option(format!(
            "duration {ms} ms: GIF delays are 0..=655350 ms (10 ms units)"
        )));
    }
    Ok((ms / 10.0).round() as u16)
}

fn repeat(options: &Options) -> Result<Repeat> {
    match options.get("loop") {
        None => Ok(Repeat::Infinite),
        Some(v) => match v.as_int() {
            Some(0) => Ok(Repeat::Infinite),
            Some(n @ 1..=65535) => Ok(Repeat::Finite(n as u16)),
            _ => Err(Error::invalid_option(format!(
                "loop {v}: 0 (forever) or a count 1..=65535"
            ))),
        },
    }
}

fn quant_options(options: &Options) -> Result<(usize, bool, Quantizer)> {
    let palette_size = match options.get("palette_size") {
        None => 256,
        Some(v) => match v.as_int() {
            Some(n @ 2..=256) => n as usize,
            _ => return Err(Error::invalid_option(format!("palette_size {v}: 2..=256"))),
        },
    };
    let dither = options
        .get("dither")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let q = match options
        .get("quantizer")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("neuquant") => Quantizer::NeuQuant,
        Some("kmeans") => Quantizer::KMeans,
        Some(other) => {
            return Err(Error::invalid_option(format!(
                "quantizer {other:?}: neuquant or kmeans"
            )))
        }
    };
    Ok((palette_size, dither, q))
}

impl Writer for GifWriter {
    fn write(&mut self, image: &NdImage, options: &Options) -> Result<()> {
        let (h, w, mut rgba) = to_rgba(image)?;
        let (palette_size, dither, q) = quant_options(options)?;
        let delay = delay(options, self.frames)?;
        if self.enc.is_none() {
            let repeat = repeat(options)?;
            let output = self
                .output
                .take()
                .ok_or_else(|| Error::internal("GIF writer already closed"))?;
            let mut enc = Encoder::new(output, w as u16, h as u16, &[]).map_err(enc_err)?;
            enc.set_repeat(repeat).map_err(enc_err)?;
            self.enc = Some(enc);
            self.size = (h, w);
        } else if self.size != (h, w) {
            return Err(Error::invalid_input(format!(
                "GIF: frame {} is {w}x{h} but the first frame (the logical screen) is {}x{}; \
                 every frame of an animation must have the size of the first",
                self.frames, self.size.1, self.size.0
            )));
        }
        let ix = quantize(&rgba, w, palette_size, dither, q);
        rgba.clear();
        let frame = Frame {
            width: w as u16,
            height: h as u16,
            delay,
            // A frame with transparent pixels must not show the one below.
            dispose: if ix.transparent.is_some() {
                DisposalMethod::Background
            } else {
                DisposalMethod::Keep
            },
            transparent: ix.transparent,
            palette: Some(ix.palette),
            buffer: Cow::Owned(ix.indices),
            ..Frame::default()
        };
        self.enc
            .as_mut()
            .expect("encoder open")
            .write_frame(&frame)
            .map_err(enc_err)?;
        self.frames += 1;
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        if let Some(enc) = self.enc.take() {
            let mut w = enc.into_inner().map_err(enc_err)?;
            std::io::Write::flush(&mut w)?;
        }
        Ok(())
    }
}
