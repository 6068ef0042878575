//! Samples after the chunk decoder: one decoded row of a chunk placed into
//! the array ([`RowCopy`]: interleaving planes, unpacking odd bit depths,
//! widening half floats), then the photometric step ([`finish`]:
//! min-is-white, palette, YCbCr, low-bit scaling).

use imageio_core::{DType, Error, NdImage, Result};
use tiff::tags::PhotometricInterpretation;

use crate::page::{Mode, Page, Plan};

/// Where one decoded row of a chunk goes in the output row (which starts
/// at the chunk's first pixel).
pub(crate) struct RowCopy {
    /// Pixels in the row.
    pub width: usize,
    /// Samples per pixel in the chunk: all of them, or one per plane.
    pub chunk_spp: usize,
    /// Samples per pixel in the output.
    pub channels: usize,
    /// The plane of a planar-separate chunk.
    pub plane: usize,
    /// Bytes per output sample.
    pub es: usize,
    pub mode: Mode,
    pub bits: u16,
}

impl RowCopy {
    /// Copies (converting) `src` into `dst`.
    pub fn place(&self, src: &[u8], dst: &mut [u8]) {
        match self.mode {
            Mode::Bytes if self.chunk_spp == self.channels => {
                let n = self.width * self.channels * self.es;
                dst[..n].copy_from_slice(&src[..n]);
            }
            Mode::Bytes => self.place_plane(src, dst),
            Mode::F16 => self.place_halves(src, dst),
            Mode::Packed => self.place_packed(src, dst),
        }
    }

    /// The output channel of sample `s` of a pixel of the chunk.
    fn channel(&self, s: usize) -> usize {
        if self.chunk_spp == self.channels {
            s
        } else {
            self.plane
        }
    }

    /// One plane's whole-byte samples, interleaved.
    fn place_plane(&self, src: &[u8], dst: &mut [u8]) {
        let (c, es) = (self.channels, self.es);
        for x in 0..self.width {
            let d = (x * c + self.plane) * es;
            dst[d..d + es].copy_from_slice(&src[x * es..(x + 1) * es]);
        }
    }

    /// Half floats widened to f32.
    fn place_halves(&self, src: &[u8], dst: &mut [u8]) {
        for x in 0..self.width {
            for s in 0..self.chunk_spp {
                let i = x * self.chunk_spp + s;
                let v = u16::from_ne_bytes([src[2 * i], src[2 * i + 1]]);
                let d = (x * self.channels + self.channel(s)) * 4;
                dst[d..d + 4].copy_from_slice(&f16_to_f32(v).to_ne_bytes());
            }
        }
    }

    /// Packed samples (MSB first) unpacked into whole u8/u16/u32.
    fn place_packed(&self, src: &[u8], dst: &mut [u8]) {
        let (bits, es) = (self.bits as usize, self.es);
        for x in 0..self.width {
            for s in 0..self.chunk_spp {
                let i = x * self.chunk_spp + s;
                let v = read_bits(src, i * bits, bits);
                let d = (x * self.channels + self.channel(s)) * es;
                match es {
                    1 => dst[d] = v as u8,
                    2 => dst[d..d + 2].copy_from_slice(&(v as u16).to_ne_bytes()),
                    _ => dst[d..d + 4].copy_from_slice(&v.to_ne_bytes()),
                }
            }
        }
    }
}

/// `n` bits (at most 32) starting at bit `at`, most significant bit first.
pub(crate) fn read_bits(src: &[u8], at: usize, n: usize) -> u32 {
    let mut v: u64 = 0;
    let first = at / 8;
    let last = (at + n - 1) / 8;
    for b in &src[first..=last] {
        v = (v << 8) | *b as u64;
    }
    let total = (last - first + 1) * 8;
    let shift = total - (at % 8) - n;
    ((v >> shift) & ((1u64 << n) - 1)) as u32
}

/// IEEE 754 half to single precision (exact).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let man = (h & 0x3ff) as u32;
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, m) => {
            // Subnormal: normalise.
            let mut e: i32 = -14;
            let mut m = m;
            while m & 0x400 == 0 {
                m <<= 1;
                e -= 1;
            }
            sign | (((e + 127) as u32) << 23) | ((m & 0x3ff) << 13)
        }
        (0x1f, m) => sign | 0x7f80_0000 | (m << 13),
        (e, m) => sign | ((e + 112) << 23) | (m << 13),
    };
    f32::from_bits(bits)
}

/// The photometric step: min-is-white, low-bit scaling, palette, YCbCr.
pub(crate) fn finish(mut raw: NdImage, page: &Page, plan: &Plan) -> Result<NdImage> {
    use PhotometricInterpretation as P;
    let photometric = page.photometric();
    if photometric == Some(P::WhiteIsZero) {
        invert(&mut raw, page.bits);
    }
    match photometric {
        Some(P::RGBPalette) => expand_palette(&raw, page, plan),
        Some(P::YCbCr) => {
            ycbcr_to_rgb(&mut raw);
            Ok(raw)
        }
        _ => {
            scale_low_bits(&mut raw, page.bits, plan.dtype);
            Ok(raw)
        }
    }
}

/// Min-is-white: `max - v` for unsigned samples of `bits` bits.
fn invert(raw: &mut NdImage, bits: u16) {
    let max = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    match raw {
        NdImage::U8(a) => a.mapv_inplace(|v| (max as u8).wrapping_sub(v)),
        NdImage::U16(a) => a.mapv_inplace(|v| (max as u16).wrapping_sub(v)),
        NdImage::U32(a) => a.mapv_inplace(|v| (max as u32).wrapping_sub(v)),
        NdImage::U64(a) => a.mapv_inplace(|v| max.wrapping_sub(v)),
        _ => {}
    }
}

/// Palette indices to RGB u8 (the colour map's high bytes).
fn expand_palette(raw: &NdImage, page: &Page, plan: &Plan) -> Result<NdImage> {
    let map = page.colormap.as_deref().unwrap_or(&[]);
    let n = 1usize << page.bits;
    let idx: Vec<usize> = match raw {
        NdImage::U8(a) => a.iter().map(|&v| v as usize).collect(),
        NdImage::U16(a) => a.iter().map(|&v| v as usize).collect(),
        _ => return Err(Error::internal("palette indices of an unexpected type")),
    };
    let mut out = Vec::with_capacity(idx.len() * 3);
    for i in idx {
        let i = i.min(n - 1);
        out.push((map[i] >> 8) as u8);
        out.push((map[n + i] >> 8) as u8);
        out.push((map[2 * n + i] >> 8) as u8);
    }
    NdImage::from_shape_vec(&plan.shape, out)
}

/// YCbCr (ITU-R BT.601, full range) to RGB, in place.
fn ycbcr_to_rgb(raw: &mut NdImage) {
    let NdImage::U8(a) = raw else {
        return;
    };
    let s = a.as_slice_mut().expect("contiguous");
    for px in s.chunks_exact_mut(3) {
        let (y, cb, cr) = (px[0] as f32, px[1] as f32 - 128.0, px[2] as f32 - 128.0);
        let r = y + 1.402 * cr;
        let g = y - 0.344_136 * cb - 0.714_136 * cr;
        let b = y + 1.772 * cb;
        px[0] = r.round().clamp(0.0, 255.0) as u8;
        px[1] = g.round().clamp(0.0, 255.0) as u8;
        px[2] = b.round().clamp(0.0, 255.0) as u8;
    }
}

/// Samples of fewer than 8 bits scaled to 0..255.
fn scale_low_bits(raw: &mut NdImage, bits: u16, dtype: DType) {
    if bits >= 8 || dtype != DType::U8 {
        return;
    }
    let max = (1u32 << bits) - 1;
    if let NdImage::U8(a) = raw {
        a.mapv_inplace(|v| ((v as u32 * 255 + max / 2) / max) as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_and_halves() {
        // 12-bit samples 0xABC, 0x123 packed MSB first.
        let b = [0xAB, 0xC1, 0x23];
        assert_eq!(read_bits(&b, 0, 12), 0xABC);
        assert_eq!(read_bits(&b, 12, 12), 0x123);
        assert_eq!(read_bits(&[0b1011_0000], 2, 2), 0b11);
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x7BFF), 65504.0);
        assert!(f16_to_f32(0x7E00).is_nan());
        assert_eq!(f16_to_f32(0xFC00), f32::NEG_INFINITY);
    }
}
