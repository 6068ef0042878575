//! ImageJ hyperstacks as tifffile's series model sees them: the
//! `ImageJ=...` ImageDescription of the first page names how many images
//! the file holds and how they divide into frames (T), slices (Z) and
//! channels (C); the series is those images stacked, shaped
//! `(T, Z, C, Y, X[, S])` with the axes of size 1 left out, which is what
//! `tifffile.imread(path, series=0)` returns.

use imageio_core::{Error, Result};

/// What the description of an ImageJ hyperstack says.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Hyperstack {
    /// The number of 2-D (or RGB) images in the series.
    pub images: usize,
    /// The leading dimensions and their axes (`T`, `Z`, `C`, or `I` when the
    /// counts do not divide the images), the dimensions of size 1 left out.
    pub dims: Vec<(char, usize)>,
    /// Physical size of a slice (`spacing=`), when given.
    pub z_spacing: Option<f64>,
}

/// The most images a description is believed to name (the core's cap on
/// the images a reader walks).
const MAX_IMAGES: usize = imageio_core::plugin::MAX_IMAGES;

/// The hyperstack an ImageDescription describes, when it is ImageJ's
/// (`ImageJ=` on its first line).
pub(crate) fn parse(description: &str) -> Option<Hyperstack> {
    let mut lines = description.trim_start().lines();
    if !lines.next()?.trim().starts_with("ImageJ=") {
        return None;
    }
    let (mut images, mut channels, mut slices, mut frames) = (None, 1usize, 1usize, 1usize);
    let mut z_spacing = None;
    for line in description.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let n = || v.trim().parse::<usize>().ok().filter(|&n| n >= 1);
        match k.trim() {
            "images" => images = n(),
            "channels" => channels = n().unwrap_or(1),
            "slices" => slices = n().unwrap_or(1),
            "frames" => frames = n().unwrap_or(1),
            "spacing" => z_spacing = v.trim().parse::<f64>().ok().filter(|s| s.is_finite()),
            _ => {}
        }
    }
    let product = frames
        .checked_mul(slices)
        .and_then(|p| p.checked_mul(channels));
    let images = images.or(product).unwrap_or(1).min(MAX_IMAGES);
    let dims = if product == Some(images) {
        [('T', frames), ('Z', slices), ('C', channels)]
            .into_iter()
            .filter(|&(_, n)| n > 1)
            .collect()
    } else if images > 1 {
        vec![('I', images)]
    } else {
        Vec::new()
    };
    Some(Hyperstack {
        images,
        dims,
        z_spacing,
    })
}

impl Hyperstack {
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
        // Counts that do not divide the images: one I axis.
        let h = parse("ImageJ=1.53\nimages=7\nchannels=2\n").unwrap();
        assert_eq!(h.dims, [('I', 7)]);
        // No counts at all: one image.
        assert_eq!(parse("ImageJ=\n").unwrap().shape(&[2, 2]), [2, 2]);
        assert!(parse("not ImageJ=1").is_none());
        // Absurd counts are bounded.
        let h = parse("ImageJ=1\nimages=99999999999999\n").unwrap();
        assert_eq!(h.images, MAX_IMAGES);
    }
}
