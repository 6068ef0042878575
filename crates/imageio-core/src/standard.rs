//! Built-in standard images, `imageio:NAME`: small images generated in code so
//! that examples, docs and tests run offline and without any plugin.
//!
//! | name | array | what |
//! |---|---|---|
//! | `testpattern` | `(256, 384, 3)` u8 | colour bars over gradients and a checkerboard |
//! | `gradient16` | `(256, 256)` u16 | every 16-bit value once: `y * 256 + x` |
//! | `rgba` | `(128, 128, 4)` u8 | a colour wheel fading to transparent |
//! | `animation` | 8 x `(64, 64, 3)` u8 | a red square crossing a blue field, 100 ms a frame |
//!
//! A name may carry an extension (`imageio:testpattern.png`); it is ignored.
//!
//! imageio's own standard images (`imageio:chelsea.png` and the other names
//! of [`REMOTE_STANDARD_IMAGES`](crate::REMOTE_STANDARD_IMAGES)) are not
//! served here: the read request resolves them to a cached file (downloaded
//! on first use, see `standard_remote.rs`), which the plugin for its format
//! reads.

use ndarray::{Array2, Array3};

use crate::plugin::{Claim, Format, PluginInfo, Rank, ReadEntry, ReadRequest, Reader};
use crate::{Error, ErrorKind, ImageProperties, Metadata, NdImage, Options, Result};

/// The names of the built-in standard images.
pub const STANDARD_IMAGES: &[&str] = &["testpattern", "gradient16", "rgba", "animation"];

const ANIMATION_FRAMES: usize = 8;

/// Standard images: the resources of the `imageio` URI scheme.
const STANDARD: Format = Format::new("standard image", &[]).schemes(&["imageio"]);

inventory::submit! {
    PluginInfo {
        name: "standard",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "built-in standard images (imageio:NAME), generated in code",
        read: Some(ReadEntry {
            formats: &[Claim::new(STANDARD, Rank::DEDICATED)],
            options: &[],
            open: open_standard,
        }),
        write: None,
    }
}

fn open_standard(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    let name = request.target().unwrap_or_default();
    Ok(Box::new(Standard::open(name)?))
}

/// The reader serving `imageio:NAME`.
struct Standard {
    name: &'static str,
}

impl Standard {
    fn open(uri_name: &str) -> Result<Standard> {
        let base = uri_name.split('.').next().unwrap_or("");
        match STANDARD_IMAGES.iter().find(|n| **n == base) {
            Some(name) => Ok(Standard { name }),
            None => Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "there is no standard image {uri_name:?}; built in: {}; imageio's, \
                     downloaded on first use: {}",
                    STANDARD_IMAGES
                        .iter()
                        .map(|n| format!("imageio:{n}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    crate::REMOTE_STANDARD_IMAGES
                        .iter()
                        .map(|n| format!("imageio:{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    fn count(&self) -> usize {
        if self.name == "animation" {
            ANIMATION_FRAMES
        } else {
            1
        }
    }
}

impl Reader for Standard {
    fn read(&mut self, index: usize, _options: &Options) -> Result<NdImage> {
        if index >= self.count() {
            return Err(Error::index_out_of_range(index, Some(self.count())));
        }
        Ok(match self.name {
            "testpattern" => testpattern(),
            "gradient16" => gradient16(),
            "rgba" => rgba(),
            _ => animation_frame(index),
        })
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(self.count()))
    }

    fn properties(&mut self, index: usize, _options: &Options) -> Result<ImageProperties> {
        if index >= self.count() {
            return Err(Error::index_out_of_range(index, Some(self.count())));
        }
        let (shape, dtype) = match self.name {
            "testpattern" => (vec![256, 384, 3], crate::DType::U8),
            "gradient16" => (vec![256, 256], crate::DType::U16),
            "rgba" => (vec![128, 128, 4], crate::DType::U8),
            _ => (vec![64, 64, 3], crate::DType::U8),
        };
        Ok(ImageProperties::new(shape, dtype))
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        let mut m = Metadata::new();
        m.insert(
            "description",
            format!("imageio-rs standard image {:?}", self.name),
        );
        if self.name == "animation" {
            m.insert("loop", 0);
            m.insert("n_frames", ANIMATION_FRAMES);
            if index.is_some() {
                m.insert("duration", 100);
            }
        }
        Ok(m)
    }
}

fn testpattern() -> NdImage {
    const BARS: [[u8; 3]; 8] = [
        [255, 255, 255],
        [255, 255, 0],
        [0, 255, 255],
        [0, 255, 0],
        [255, 0, 255],
        [255, 0, 0],
        [0, 0, 255],
        [0, 0, 0],
    ];
    let (h, w) = (256usize, 384usize);
    NdImage::from(Array3::from_shape_fn((h, w, 3), |(y, x, c)| {
        if y < 128 {
            BARS[x * 8 / w][c]
        } else {
            match c {
                0 => (x * 255 / (w - 1)) as u8,
                1 => ((y - 128) * 2) as u8,
                _ => {
                    if (x / 16 + y / 16) % 2 == 0 {
                        224
                    } else {
                        32
                    }
                }
            }
        }
    }))
}

fn gradient16() -> NdImage {
    NdImage::from(Array2::from_shape_fn((256, 256), |(y, x)| {
        (y * 256 + x) as u16
    }))
}

fn rgba() -> NdImage {
    NdImage::from(Array3::from_shape_fn((128, 128, 4), |(y, x, c)| {
        let dx = x as f64 - 63.5;
        let dy = y as f64 - 63.5;
        let r = (dx * dx + dy * dy).sqrt() / 63.5;
        let angle = dy.atan2(dx);
        match c {
            0 => (127.5 + 127.5 * angle.cos()) as u8,
            1 => (127.5 + 127.5 * (angle + 2.094).cos()) as u8,
            2 => (127.5 + 127.5 * (angle + 4.189).cos()) as u8,
            _ => ((1.0 - r).clamp(0.0, 1.0) * 255.0).round() as u8,
        }
    }))
}

fn animation_frame(i: usize) -> NdImage {
    let x0 = i * 6;
    NdImage::from(Array3::from_shape_fn((64, 64, 3), |(y, x, c)| {
        let inside = (x0..x0 + 16).contains(&x) && (24..40).contains(&y);
        match (inside, c) {
            (true, 0) => 230u8,
            (true, _) => 20,
            (false, 2) => 160,
            (false, _) => 30,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_image_reads_with_its_declared_properties() {
        for name in STANDARD_IMAGES {
            let mut s = Standard::open(name).unwrap();
            let n = s.n_images().unwrap().unwrap();
            for i in 0..n {
                let img = s.read(i, &Options::new()).unwrap();
                let p = s.properties(i, &Options::new()).unwrap();
                assert_eq!(img.shape(), &p.shape[..], "{name}");
                assert_eq!(img.dtype(), p.dtype, "{name}");
            }
            assert_eq!(
                s.read(n, &Options::new()).unwrap_err().kind(),
                ErrorKind::IndexOutOfRange
            );
        }
        assert_eq!(
            Standard::open("nope").err().unwrap().kind(),
            ErrorKind::NotFound
        );
        assert!(Standard::open("testpattern.png").is_ok());
    }

    #[test]
    fn gradient16_holds_every_value() {
        let g = gradient16().into_array::<u16>().unwrap();
        assert_eq!(g[[0, 0]], 0);
        assert_eq!(g[[255, 255]], 65535);
        assert_eq!(g[[1, 2]], 258);
    }
}
