//! Palette quantization for writing: NeuQuant (`color_quant`) or k-means
//! (`exoquant`), an exact palette when the colours fit, optional
//! Floyd-Steinberg dithering, and one palette slot kept for transparency.

use exoquant::optimizer::Optimizer;
use exoquant::{ditherer, optimizer, Color, Remapper, SimpleColorSpace};

/// Which quantizer builds the palette.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantizer {
    /// NeuQuant (Dekker's neural network) from the `color_quant` crate,
    /// sampling factor 10 (the `gif` crate's `from_rgba_speed` default).
    NeuQuant,
    /// Variance-based splitting refined by k-means, from the `exoquant` crate.
    KMeans,
}

/// An indexed frame: palette (RGB triples), indices, transparent index.
pub struct Indexed {
    /// RGB triples.
    pub palette: Vec<u8>,
    /// One index per pixel.
    pub indices: Vec<u8>,
    /// The transparent index, when a pixel has alpha < 128.
    pub transparent: Option<u8>,
}

/// Quantizes RGBA pixels (`width` per row) to at most `palette_size`
/// entries (2..=256), alpha < 128 being transparent.
pub fn quantize(
    rgba: &[u8],
    width: usize,
    palette_size: usize,
    dither: bool,
    q: Quantizer,
) -> Indexed {
    let opaque_px = |p: &[u8]| p[3] >= 128;
    let has_transparency = rgba.chunks_exact(4).any(|p| !opaque_px(p));
    let colours = palette_size - usize::from(has_transparency);
    let transparent = has_transparency.then_some(colours as u8);

    // Exact palette when the opaque colours fit.
    let mut exact: Vec<[u8; 3]> = Vec::new();
    let mut fits = true;
    {
        let mut seen = std::collections::HashSet::new();
        for p in rgba.chunks_exact(4).filter(|p| opaque_px(p)) {
            if seen.insert([p[0], p[1], p[2]]) {
                if seen.len() > colours {
                    fits = false;
                    break;
                }
                exact.push([p[0], p[1], p[2]]);
            }
        }
    }
    if fits {
        exact.sort_unstable();
        let lookup: std::collections::HashMap<[u8; 3], u8> = exact
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, i as u8))
            .collect();
        let indices = rgba
            .chunks_exact(4)
            .map(|p| {
                if opaque_px(p) {
                    lookup[&[p[0], p[1], p[2]]]
                } else {
                    transparent.unwrap_or(0)
                }
            })
            .collect();
        let mut palette: Vec<u8> = exact.iter().flatten().copied().collect();
        if has_transparency {
            palette.resize(colours * 3, 0);
            palette.extend_from_slice(&[0, 0, 0]);
        }
        if palette.len() < 6 {
            palette.resize(6, 0);
        }
        return Indexed {
            palette,
            indices,
            transparent,
        };
    }

    let opaque: Vec<u8> = rgba
        .chunks_exact(4)
        .filter(|p| opaque_px(p))
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect();
    let (mut palette, mut indices) = match q {
        Quantizer::NeuQuant => {
            let nq = color_quant::NeuQuant::new(10, colours, &opaque);
            let palette = nq.color_map_rgb();
            let indices = if dither {
                floyd_steinberg(rgba, width, &palette, |c| {
                    nq.index_of(&[c[0], c[1], c[2], 255]) as u8
                })
            } else {
                rgba.chunks_exact(4)
                    .map(|p| nq.index_of(&[p[0], p[1], p[2], 255]) as u8)
                    .collect()
            };
            (palette, indices)
        }
        Quantizer::KMeans => {
            let hist = opaque
                .chunks_exact(4)
                .map(|p| Color::new(p[0], p[1], p[2], 255))
                .collect();
            let space = SimpleColorSpace::default();
            let pal = exoquant::generate_palette(&hist, &space, &optimizer::KMeans, colours);
            let pal = optimizer::KMeans.optimize_palette(&space, &pal, &hist, 8);
            let pixels: Vec<Color> = rgba
                .chunks_exact(4)
                .map(|p| Color::new(p[0], p[1], p[2], 255))
                .collect();
            let indices = if dither {
                Remapper::new(&pal, &space, &ditherer::FloydSteinberg::vanilla())
                    .remap(&pixels, width)
            } else {
                Remapper::new(&pal, &space, &ditherer::None).remap(&pixels, width)
            };
            let palette = pal.iter().flat_map(|c| [c.r, c.g, c.b]).collect();
            (palette, indices)
        }
    };
    palette.truncate(colours * 3);
    if let Some(t) = transparent {
        palette.resize(colours * 3, 0);
        palette.extend_from_slice(&[0, 0, 0]);
        for (i, p) in indices.iter_mut().zip(rgba.chunks_exact(4)) {
            if !opaque_px(p) {
                *i = t;
            }
        }
    }
    Indexed {
        palette,
        indices,
        transparent,
    }
}

/// Floyd-Steinberg error diffusion with `nearest` over an RGB `palette`.
fn floyd_steinberg(
    rgba: &[u8],
    width: usize,
    palette: &[u8],
    nearest: impl Fn([u8; 3]) -> u8,
) -> Vec<u8> {
    let height = rgba.len() / 4 / width.max(1);
    let mut err = vec![[0f32; 3]; (width + 2) * 2];
    let mut out = Vec::with_capacity(width * height);
    for y in 0..height {
        let (cur, nxt) = if y % 2 == 0 { (0, 1) } else { (1, 0) };
        for e in &mut err[nxt * (width + 2)..(nxt + 1) * (width + 2)] {
            *e = [0.0; 3];
        }
        for x in 0..width {
            let p = &rgba[(y * width + x) * 4..][..4];
            let e = err[cur * (width + 2) + x + 1];
            let want = [0, 1, 2].map(|c| (f32::from(p[c]) + e[c]).clamp(0.0, 255.0));
            let i = nearest(want.map(|v| v.round() as u8));
            out.push(i);
            let got = &palette[i as usize * 3..][..3];
            for c in 0..3 {
                let d = want[c] - f32::from(got[c]);
                err[cur * (width + 2) + x + 2][c] += d * 7.0 / 16.0;
                err[nxt * (width + 2) + x][c] += d * 3.0 / 16.0;
                err[nxt * (width + 2) + x + 1][c] += d * 5.0 / 16.0;
                err[nxt * (width + 2) + x + 2][c] += d / 16.0;
            }
        }
    }
    out
}
