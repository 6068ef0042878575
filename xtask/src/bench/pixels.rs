//! The base arrays the comparison set is encoded from: deterministic,
//! photo-like pixels made here and written as NPY files.

use std::path::Path;

/// xorshift64*: deterministic noise without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// A photo-like value in [0, 1] at (x, y) of a w×h picture, channel c:
/// smooth shading, a few hard-edged shapes, texture and sensor noise.
fn photo(x: usize, y: usize, w: usize, h: usize, c: usize, rng: &mut Rng) -> f32 {
    let (u, v) = (x as f32 / w as f32, y as f32 / h as f32);
    let mut val = 0.45 + 0.25 * (u * 3.1 + c as f32).sin() * (v * 2.3).cos();
    val += 0.08 * ((u * 40.0 + v * 25.0).sin() * (v * 31.0).sin());
    // shapes: a disc, a bar, a frame
    let (dx, dy) = (u - 0.3, (v - 0.55) * h as f32 / w as f32);
    if dx * dx + dy * dy < 0.012 {
        val = 0.85 - 0.1 * c as f32;
    }
    if (0.6..0.8).contains(&u) && (0.2..0.35).contains(&v) {
        val = 0.15 + 0.2 * c as f32 + 0.1 * (u * 60.0).sin();
    }
    if ((0.1..0.12).contains(&u) || (0.9..0.92).contains(&u)) && (0.1..0.9).contains(&v) {
        val = 0.05;
    }
    (val + 0.012 * rng.unit()).clamp(0.0, 1.0)
}

/// An NPY file (format 1.0) holding `data` (little-endian) with `descr`.
pub fn write_npy(path: &Path, descr: &str, shape: &[usize], data: &[u8]) -> Result<(), String> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_s = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_s}, }}");
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    std::fs::write(path, out).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes the base arrays the set is encoded from, in `dir`, each named
/// `BASE.npy` after the base that `set::Gen` names. One noise sequence runs
/// through them in this order, so the order is part of the set.
pub fn write_bases(dir: &Path) -> Result<(), String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    photo_rgb8(dir, &mut rng)?;
    photo_rgb16(dir, &mut rng)?;
    float_gray(dir, &mut rng)?;
    stack_u16(dir, &mut rng)?;
    anim_rgb8(dir)
}

/// `photo_rgb8.npy`: 4K RGB u8.
fn photo_rgb8(dir: &Path, rng: &mut Rng) -> Result<(), String> {
    let (w, h) = (3840, 2160);
    let rgb8 = rgb_photo(w, h, rng, |v, out| {
        out.push((v * 255.0 + 0.5) as u8);
    });
    write_npy(&dir.join("photo_rgb8.npy"), "|u1", &[h, w, 3], &rgb8)
}

/// `photo_rgb16.npy`: 1080p RGB u16.
fn photo_rgb16(dir: &Path, rng: &mut Rng) -> Result<(), String> {
    let (w, h) = (1920, 1080);
    let rgb16 = rgb_photo(w, h, rng, |v, out| {
        out.extend_from_slice(&((v * 65535.0 + 0.5) as u16).to_le_bytes());
    });
    write_npy(&dir.join("photo_rgb16.npy"), "<u2", &[h, w, 3], &rgb16)
}

/// The bytes of a w×h RGB `photo`, row by row, each value in [0, 1] stored
/// by `put`.
fn rgb_photo(w: usize, h: usize, rng: &mut Rng, put: impl Fn(f32, &mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                put(photo(x, y, w, h, c, rng), &mut out);
            }
        }
    }
    out
}

/// `float_gray.npy`: 2048² gray f32.
fn float_gray(dir: &Path, rng: &mut Rng) -> Result<(), String> {
    let n = 2048;
    let mut f = Vec::with_capacity(n * n * 4);
    for y in 0..n {
        for x in 0..n {
            f.extend_from_slice(&(photo(x, y, n, n, 1, rng) * 2.0 - 0.5).to_le_bytes());
        }
    }
    write_npy(&dir.join("float_gray.npy"), "<f4", &[n, n], &f)
}

/// `stack_u16.npy`: 64 pages of 512² u16.
fn stack_u16(dir: &Path, rng: &mut Rng) -> Result<(), String> {
    let (pages, n) = (64, 512);
    let mut stack = Vec::with_capacity(pages * n * n * 2);
    for p in 0..pages {
        for y in 0..n {
            for x in 0..n {
                let v = photo(x + p * 4, y, n + 256, n, p % 3, rng);
                stack.extend_from_slice(&((v * 4095.0) as u16).to_le_bytes());
            }
        }
    }
    write_npy(&dir.join("stack_u16.npy"), "<u2", &[pages, n, n], &stack)
}

/// `anim_rgb8.npy`: 60 frames 480x270 RGB u8, a disc moving over shading.
fn anim_rgb8(dir: &Path) -> Result<(), String> {
    let (frames, w, h) = (60, 480, 270);
    let mut anim = Vec::with_capacity(frames * w * h * 3);
    for t in 0..frames {
        let (cx, cy) = (40.0 + 6.5 * t as f32, 135.0 + 60.0 * (t as f32 * 0.2).sin());
        for y in 0..h {
            for x in 0..w {
                let (dx, dy) = (x as f32 - cx, y as f32 - cy);
                let inside = dx * dx + dy * dy < 900.0;
                for c in 0..3 {
                    let v = if inside {
                        [230u8, 80, 40][c]
                    } else {
                        (40.0 + 150.0 * x as f32 / w as f32 + 40.0 * c as f32) as u8
                    };
                    anim.push(v);
                }
            }
        }
    }
    write_npy(&dir.join("anim_rgb8.npy"), "|u1", &[frames, h, w, 3], &anim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_header_is_aligned_and_parsable() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        write_npy(&p, "<u2", &[2, 3], &[0u8; 12]).unwrap();
        let b = std::fs::read(&p).unwrap();
        assert_eq!(&b[..8], b"\x93NUMPY\x01\x00");
        let hlen = u16::from_le_bytes([b[8], b[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0);
        let h = std::str::from_utf8(&b[10..10 + hlen]).unwrap();
        assert!(h.contains("'shape': (2, 3)") && h.ends_with('\n'), "{h}");
        assert_eq!(b.len(), 10 + hlen + 12);
    }
}
