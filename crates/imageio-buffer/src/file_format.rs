//! [`FileFormat`]: the file formats [`ImageIO::save_to_memory`](crate::ImageIO::save_to_memory)
//! encodes to, each named by the extension that selects its plugin.

use std::fmt;

use imageio_core::normalize_extension;

/// A file format to encode into. Each maps to one extension
/// ([`extension`](Self::extension)), and the plugin that writes it is chosen
/// from that extension as for [`imencode`](imageio_core::imencode): a format
/// whose plugin is not linked into the program fails with
/// [`PluginNotLinked`](imageio_core::ErrorKind::PluginNotLinked) (or
/// [`NoPlugin`](imageio_core::ErrorKind::NoPlugin)) naming what to add.
///
/// With the default features, `Pdf` has no writer yet (the `imageio-pdf`
/// plugin is not linked) and `Avif` needs the `avif` feature. Which pixel
/// formats a file format can hold is the plugin's business (JPEG has no
/// alpha and no 16-bit samples, for example); it says so in its error.
///
/// ```
/// use imageio::FileFormat;
/// assert_eq!(FileFormat::Jpeg.extension(), ".jpg");
/// assert_eq!(FileFormat::from_extension("TIF"), Some(FileFormat::Tiff));
/// assert_eq!(FileFormat::from_extension(".xyz"), None);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// JPEG (`.jpg`), lossy, gray or RGB.
    Jpeg,
    /// PNG (`.png`), lossless, 8 or 16 bits, with alpha.
    Png,
    /// Windows bitmap (`.bmp`).
    Bmp,
    /// TIFF (`.tif`), lossless, 8 or 16 bits.
    Tiff,
    /// PDF (`.pdf`): the image as a page. Needs the `pdf` plugin.
    Pdf,
    /// GIF (`.gif`), at most 256 colours.
    Gif,
    /// WebP (`.webp`).
    Webp,
    /// Windows icon (`.ico`).
    Ico,
    /// Truevision TGA (`.tga`).
    Tga,
    /// Portable anymap (`.pnm`).
    Pnm,
    /// The Quite OK Image format (`.qoi`), RGB or RGBA.
    Qoi,
    /// Farbfeld (`.ff`), 16-bit RGBA.
    Farbfeld,
    /// AVIF (`.avif`). Needs the `avif` feature.
    Avif,
    /// NumPy's `.npy`: the natural array, lossless, any pixel format.
    Npy,
}

impl FileFormat {
    /// Every file format.
    pub const ALL: [FileFormat; 14] = [
        FileFormat::Jpeg,
        FileFormat::Png,
        FileFormat::Bmp,
        FileFormat::Tiff,
        FileFormat::Pdf,
        FileFormat::Gif,
        FileFormat::Webp,
        FileFormat::Ico,
        FileFormat::Tga,
        FileFormat::Pnm,
        FileFormat::Qoi,
        FileFormat::Farbfeld,
        FileFormat::Avif,
        FileFormat::Npy,
    ];

    /// The extension that selects the writer, with its dot: `".png"`.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Jpeg => ".jpg",
            FileFormat::Png => ".png",
            FileFormat::Bmp => ".bmp",
            FileFormat::Tiff => ".tif",
            FileFormat::Pdf => ".pdf",
            FileFormat::Gif => ".gif",
            FileFormat::Webp => ".webp",
            FileFormat::Ico => ".ico",
            FileFormat::Tga => ".tga",
            FileFormat::Pnm => ".pnm",
            FileFormat::Qoi => ".qoi",
            FileFormat::Farbfeld => ".ff",
            FileFormat::Avif => ".avif",
            FileFormat::Npy => ".npy",
        }
    }

    /// The format of an extension, with or without its dot, any case
    /// (`"jpeg"`, `".JPG"`, `"tiff"`, `"pbm"`...); `None` when unknown.
    pub fn from_extension(extension: &str) -> Option<FileFormat> {
        let ext = normalize_extension(extension);
        Some(match ext.as_str() {
            ".jpg" | ".jpeg" | ".jpe" | ".jfif" => FileFormat::Jpeg,
            ".png" => FileFormat::Png,
            ".bmp" | ".dib" => FileFormat::Bmp,
            ".tif" | ".tiff" => FileFormat::Tiff,
            ".pdf" => FileFormat::Pdf,
            ".gif" => FileFormat::Gif,
            ".webp" => FileFormat::Webp,
            ".ico" => FileFormat::Ico,
            ".tga" => FileFormat::Tga,
            ".pnm" | ".pbm" | ".pgm" | ".ppm" | ".pam" => FileFormat::Pnm,
            ".qoi" => FileFormat::Qoi,
            ".ff" | ".farbfeld" => FileFormat::Farbfeld,
            ".avif" => FileFormat::Avif,
            ".npy" => FileFormat::Npy,
            _ => return None,
        })
    }

    /// The usual name: `"JPEG"`, `"PNG"`...
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Jpeg => "JPEG",
            FileFormat::Png => "PNG",
            FileFormat::Bmp => "BMP",
            FileFormat::Tiff => "TIFF",
            FileFormat::Pdf => "PDF",
            FileFormat::Gif => "GIF",
            FileFormat::Webp => "WebP",
            FileFormat::Ico => "ICO",
            FileFormat::Tga => "TGA",
            FileFormat::Pnm => "PNM",
            FileFormat::Qoi => "QOI",
            FileFormat::Farbfeld => "Farbfeld",
            FileFormat::Avif => "AVIF",
            FileFormat::Npy => "NPY",
        }
    }
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_round_trip() {
        for f in FileFormat::ALL {
            assert_eq!(FileFormat::from_extension(f.extension()), Some(f));
            assert_eq!(
                FileFormat::from_extension(&f.extension()[1..].to_uppercase()),
                Some(f)
            );
            assert_eq!(f.to_string(), f.name());
        }
        assert_eq!(FileFormat::from_extension("jpeg"), Some(FileFormat::Jpeg));
        assert_eq!(FileFormat::from_extension(".PPM"), Some(FileFormat::Pnm));
        assert_eq!(FileFormat::from_extension(""), None);
    }
}
