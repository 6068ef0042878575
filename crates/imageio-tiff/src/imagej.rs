//! ImageJ hyperstacks as tifffile's series model sees them: the
//! `ImageJ=...` ImageDescription of the first page names how the images
//! divide into frames (T), slices (Z) and channels (C), in the order its
//! `order=` says (`czt` by default: `T, Z, C`); the series is those images
//! stacked, the axes of size 1 left out, which is what
//! `tifffile.imread(path, series=0)` returns. tifffile's rules are kept:
//! the image count is the product of the counts (RGB samples or planar
//! samples declared as channels are no axis of their own), except a
//! description of one image over several pages, whose pages are then the
//! images (`I`).

use imageio_core::{Error, Result};

/// What the description of an ImageJ hyperstack says, and the series it
/// makes once [`Hyperstack::resolve`]d against the file's pages.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Hyperstack {
    /// The number of 2-D (or RGB) images in the series: after
    /// [`Hyperstack::resolve`], the product of `dims`.
    pub images: usize,
    /// The leading dimensions and their axes (`T`, `Z`, `C` in the
    /// description's `order`, `I` first for images beyond them), the
    /// dimensions of size 1 left out.
    pub dims: Vec<(char, usize)>,
    /// Physical size of a slice (`spacing=`), when given.
    pub z_spacing: Option<f64>,
    /// The unit of the spacings (`unit=`), when given.
    pub unit: Option<String>,
    /// The counts as written (`images`, `channels`, `slices`, `frames`;
    /// 1 when absent) and `order` (`czt` by default).
    pub counts: [usize; 4],
    pub order: String,
    /// The channels are the planar samples of the pages (Bio-Formats).
    pub planar_channels: bool,
}

/// The most images a description is believed to name (the core's cap on
/// the images a reader walks).
const MAX_IMAGES: usize = imageio_core::plugin::MAX_IMAGES;

/// The hyperstack an ImageDescription describes, when it is ImageJ's
/// (`ImageJ=` on its first line) and its counts are valid (tifffile reads
/// counts below 1 as no ImageJ series).
pub(crate) fn parse(description: &str) -> Option<Hyperstack> {
    let mut lines = description.trim_start().lines();
    if !lines.next()?.trim().starts_with("ImageJ=") {
        return None;
    }
    let mut counts = [1usize; 4];
    let mut z_spacing = None;
    let mut unit = None;
    let mut order = "czt".to_owned();
    for line in description.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let slot = match k.trim() {
            "images" => Some(0),
            "channels" => Some(1),
            "slices" => Some(2),
            "frames" => Some(3),
            "spacing" => {
                z_spacing = v.trim().parse::<f64>().ok().filter(|s| s.is_finite());
                None
            }
            "unit" => {
                unit = Some(v.trim().to_owned());
                None
            }
            "order" => {
                order = v.trim().to_ascii_lowercase();
                None
            }
            _ => None,
        };
        if let Some(i) = slot {
            match v.trim().parse::<u64>() {
                Ok(0) => return None,
                Ok(n) => counts[i] = usize::try_from(n).unwrap_or(usize::MAX),
                Err(_) => {}
            }
        }
    }
    let mut h = Hyperstack {
        images: 1,
        dims: Vec::new(),
        z_spacing,
        unit,
        counts,
        order,
        planar_channels: false,
    };
    h.resolve(1, 1, 1);
    Some(h)
}

impl Hyperstack {
    /// The series over a file of `pages` directories whose first page has
    /// `planar` planar-separate samples and `contig` interleaved ones
    /// (tifffile's rules): channels that are the planar samples, or an RGB
    /// page's samples declared as channels, are no axis of their own; the
    /// description's `images` counts only when it is 1 in a file of several
    /// pages (then every page is an image, `I` first).
    pub fn resolve(&mut self, pages: usize, planar: usize, contig: usize) {
        let [images, channels, slices, frames] = self.counts;
        let fs = frames.saturating_mul(slices);
        self.planar_channels = planar > 1 && planar == channels;
        let mut c = channels;
        let mut n = if channels == 1 || self.planar_channels {
            fs
        } else if images == fs && contig == channels {
            c = 1;
            fs
        } else {
            fs.saturating_mul(channels)
        };
        if n == 1 && pages > 1 {
            n = pages;
        }
        if self.planar_channels {
            c = 1;
        }
        let (t, z) = (('T', frames), ('Z', slices));
        let ch = ('C', c);
        let base = match self.order.as_str() {
            "ctz" => [z, t, ch],
            "zct" => [t, ch, z],
            "ztc" => [ch, t, z],
            "tcz" => [z, ch, t],
            "tzc" => [ch, z, t],
            _ => [t, z, ch],
        };
        let product = base.iter().fold(1usize, |p, &(_, k)| p.saturating_mul(k));
        let mut dims = Vec::new();
        let remain = n.min(MAX_IMAGES) / product.max(1);
        if remain > 1 {
            dims.push(('I', remain));
        }
        dims.extend(base.into_iter().filter(|&(_, k)| k > 1));
        self.images = dims.iter().fold(1usize, |p, &(_, k)| p.saturating_mul(k));
        self.dims = dims;
    }

    /// The series' shape: the leading dimensions, then a page's.
    pub fn shape(&self, page: &[usize]) -> Vec<usize> {
        let mut s: Vec<usize> = self.dims.iter().map(|&(_, n)| n).collect();
        s.extend_from_slice(page);
        s
    }

    /// The series' axes, tifffile's letters: e.g. `TZCYX`, `ZYXS`.
    pub fn axes(&self, page_ndim: usize) -> String {
        let mut a: String = self.dims.iter().map(|&(c, _)| c).collect();
        a.push_str("YX");
        if page_ndim == 3 {
            a.push('S');
        }
        a
    }
}

/// The `series` read option: `None` when absent, else the series asked for
/// (only 0 exists in an ImageJ file).
pub(crate) fn series_option(options: &imageio_core::Options) -> Result<Option<usize>> {
    match options.get("series") {
        None => Ok(None),
        Some(v) => match v.as_int() {
            Some(n) if n >= 0 => Ok(Some(n as usize)),
            _ => Err(Error::invalid_option(format!(
                "series: the number of a series, from 0 (got {v:?})"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_give_tifffile_shapes() {
        let d = "ImageJ=1.11a\nimages=24\nchannels=2\nslices=3\nframes=4\nhyperstack=true\n";
        let h = parse(d).unwrap();
        assert_eq!(h.images, 24);
        assert_eq!(h.shape(&[5, 6]), [4, 3, 2, 5, 6]);
        assert_eq!(h.axes(2), "TZCYX");
        let h = parse("ImageJ=1.53\nimages=5\nslices=5\nspacing=0.5\nunit=um\n").unwrap();
        assert_eq!((h.axes(3), h.z_spacing), ("ZYXS".to_owned(), Some(0.5)));
        // tifffile takes the counts, not `images` (unless it is 1 over
        // several pages: then every page).
        let h = parse("ImageJ=1.53\nimages=7\nchannels=2\n").unwrap();
        assert_eq!(h.dims, [('C', 2)]);
        let mut h = parse("ImageJ=1.53\nimages=1\n").unwrap();
        h.resolve(9, 1, 1);
        assert_eq!((h.dims.as_slice(), h.images), (&[('I', 9)][..], 9));
        // RGB samples declared as channels; another order.
        let mut h = parse("ImageJ=1\nimages=4\nchannels=3\nslices=4\n").unwrap();
        h.resolve(4, 1, 3);
        assert_eq!(h.dims, [('Z', 4)]);
        let h = parse("ImageJ=1\nimages=6\nchannels=2\nslices=3\norder=zct\n").unwrap();
        assert_eq!(h.axes(2), "CZYX");
        // No counts at all: one image.
        assert_eq!(parse("ImageJ=\n").unwrap().shape(&[2, 2]), [2, 2]);
        assert!(parse("not ImageJ=1").is_none());
        assert!(parse("ImageJ=1\nchannels=0\n").is_none());
        // Absurd counts are kept (the limits refuse the shape); images are capped.
        let h = parse("ImageJ=1\nimages=99999999999999\nslices=99999999999999\n").unwrap();
        assert_eq!(h.dims, [('Z', 99_999_999_999_999)]);
        let mut h = parse("ImageJ=1\n").unwrap();
        h.resolve(usize::MAX, 1, 1);
        assert_eq!(h.images, MAX_IMAGES);
    }
}
