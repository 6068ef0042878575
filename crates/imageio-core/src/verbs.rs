//! The user-facing verbs (`imread`, `imwrite`, `imiter`, `improps`, `immeta`,
//! `imopen`, `imencode`, `imdecode`), built on [`ImageFile`].

use crate::file::{ImageFile, ImageIter};
use crate::options::{guess_is_batch, ReadOptions, WriteOptions};
use crate::uri::Uri;
use crate::{Error, ImageProperties, IoMode, Metadata, NdImage, Result};

/// Reads the first image of `uri` (a path, `imageio:NAME`, or bytes).
///
/// ```
/// let img = imageio_core::imread("imageio:testpattern").unwrap();
/// assert_eq!(img.shape(), &[256, 384, 3]);
/// ```
pub fn imread(uri: impl Into<Uri>) -> Result<NdImage> {
    imread_with(uri, &ReadOptions::new())
}

/// Reads with options: `Index::All` stacks every image; `mode` and `dtype`
/// convert; `plugin` picks the plugin.
pub fn imread_with(uri: impl Into<Uri>, options: &ReadOptions) -> Result<NdImage> {
    ImageFile::open_read(uri, options)?.read(options.index)
}

/// Iterates over the images of `uri`, one at a time.
///
/// ```
/// let n = imageio_core::imiter("imageio:animation").unwrap().count();
/// assert_eq!(n, 8);
/// ```
pub fn imiter(uri: impl Into<Uri>) -> Result<ImageIter<ImageFile>> {
    imiter_with(uri, &ReadOptions::new())
}

/// [`imiter`] with options.
pub fn imiter_with(uri: impl Into<Uri>, options: &ReadOptions) -> Result<ImageIter<ImageFile>> {
    let file = ImageFile::open_read(uri, options)?;
    Ok(ImageIter::new(file))
}

/// The standard properties of the first image of `uri`, without decoding
/// pixels where the format allows.
pub fn improps(uri: impl Into<Uri>) -> Result<ImageProperties> {
    improps_with(uri, &ReadOptions::new())
}

/// [`improps`] with options (`Index::All`: the properties of the stack).
pub fn improps_with(uri: impl Into<Uri>, options: &ReadOptions) -> Result<ImageProperties> {
    ImageFile::open_read(uri, options)?.properties(options.index)
}

/// The metadata of the first image of `uri` (file-level entries included).
pub fn immeta(uri: impl Into<Uri>) -> Result<Metadata> {
    immeta_with(uri, &ReadOptions::new())
}

/// [`immeta`] with options (`Index::All`: file-level metadata only).
pub fn immeta_with(uri: impl Into<Uri>, options: &ReadOptions) -> Result<Metadata> {
    ImageFile::open_read(uri, options)?.metadata(options.index)
}

/// Writes `image` to `uri` in the format of its extension. The file appears
/// complete or not at all; a failed write leaves an existing file untouched.
pub fn imwrite(uri: impl Into<Uri>, image: &NdImage) -> Result<()> {
    imwrite_with(uri, image, &WriteOptions::new())
}

/// [`imwrite`] with options (plugin options, `overwrite(false)`, `is_batch`).
pub fn imwrite_with(uri: impl Into<Uri>, image: &NdImage, options: &WriteOptions) -> Result<()> {
    let uri = uri.into();
    if let Uri::Memory(ext) = &uri {
        return Err(Error::invalid_input(format!(
            "imwrite returns no bytes: encode into memory with imencode(&image, \"{ext}\")"
        ))
        .with_resource(&uri.describe()));
    }
    let mut f = ImageFile::open_write(uri, options)?;
    let batch = options
        .is_batch
        .unwrap_or_else(|| guess_is_batch(image.shape()));
    f.write_with(image, batch)?;
    f.close()?;
    Ok(())
}

/// Opens `uri` for several reads or a streaming write.
///
/// ```
/// use imageio_core::{imopen, IoMode, Index};
/// let mut f = imopen("imageio:animation", IoMode::Read).unwrap();
/// assert_eq!(f.n_images().unwrap(), Some(8));
/// let frame3 = f.read(Index::At(3)).unwrap();
/// assert_eq!(frame3.shape(), &[64, 64, 3]);
/// ```
pub fn imopen(uri: impl Into<Uri>, mode: IoMode) -> Result<ImageFile> {
    match mode {
        IoMode::Read => ImageFile::open_read(uri, &ReadOptions::new()),
        IoMode::Write => ImageFile::open_write(uri, &WriteOptions::new()),
    }
}

/// Encodes `image` in the format of `extension` (`".png"`) into bytes.
pub fn imencode(image: &NdImage, extension: &str) -> Result<Vec<u8>> {
    imencode_with(image, extension, &WriteOptions::new())
}

/// [`imencode`] with options.
pub fn imencode_with(image: &NdImage, extension: &str, options: &WriteOptions) -> Result<Vec<u8>> {
    let mut f = ImageFile::open_write(Uri::memory(extension), options)?;
    let batch = options
        .is_batch
        .unwrap_or_else(|| guess_is_batch(image.shape()));
    f.write_with(image, batch)?;
    Ok(f.close()?.unwrap_or_default())
}

/// Decodes the first image of `bytes`, the format found from the content.
///
/// The bytes are copied once (the request owns its data). For a large buffer
/// read repeatedly or a raw format, where that copy is a large part of the
/// work, hand over a [`SharedBytes`](crate::SharedBytes) (or a `Vec<u8>` by
/// value) to [`imread`] instead: it is not copied.
pub fn imdecode(bytes: &[u8]) -> Result<NdImage> {
    imread_with(bytes, &ReadOptions::new())
}

/// [`imdecode`] with options (an `extension` hint, `Index::All`, ...).
pub fn imdecode_with(bytes: &[u8], options: &ReadOptions) -> Result<NdImage> {
    imread_with(bytes, options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DType, ErrorKind, Index, Mode, Value};

    #[test]
    fn standard_images_through_the_verbs() {
        let all = imread_with("imageio:animation", &ReadOptions::new().index(Index::All)).unwrap();
        assert_eq!(all.shape(), &[8, 64, 64, 3]);
        let p = improps_with("imageio:animation", &ReadOptions::new().index(Index::All)).unwrap();
        assert_eq!(p.shape, vec![8, 64, 64, 3]);
        assert!(p.is_batch);
        assert_eq!(p.n_images, Some(8));
        let m = immeta("imageio:animation").unwrap();
        assert_eq!(m.get("duration"), Some(&Value::Int(100)));
        let frames: Vec<_> = imiter("imageio:animation")
            .unwrap()
            .map(|f| f.unwrap())
            .collect();
        assert_eq!(frames.len(), 8);
        assert_eq!(all.frame(5).unwrap(), frames[5]);
    }

    #[test]
    fn mode_and_dtype_conversions() {
        let o = ReadOptions::new().mode(Mode::Gray).dtype(DType::F32);
        let g = imread_with("imageio:testpattern", &o).unwrap();
        assert_eq!(g.shape(), &[256, 384]);
        assert_eq!(g.dtype(), DType::F32);
        assert_eq!(g.as_array::<f32>().unwrap()[[0, 0]], 255.0);
        let p = improps_with("imageio:testpattern", &o).unwrap();
        assert_eq!(p.shape, vec![256, 384]);
        assert_eq!(p.dtype, DType::F32);
        let o = ReadOptions::new().mode(Mode::Rgba).index(Index::All);
        assert_eq!(
            imread_with("imageio:animation", &o).unwrap().shape(),
            &[8, 64, 64, 4]
        );
    }

    #[test]
    fn standard_images_are_read_only() {
        let img = imread("imageio:gradient16").unwrap();
        let e = imwrite("imageio:gradient16", &img).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = imread_with(
            "imageio:testpattern",
            &ReadOptions::new().plugin("pillowlike"),
        )
        .unwrap_err();
        assert_eq!(
            e.kind(),
            ErrorKind::NoPlugin,
            "a plugin choice is never silently ignored"
        );
        assert!(imread_with(
            "imageio:testpattern",
            &ReadOptions::new().plugin("standard")
        )
        .is_ok());
        let e = imread("imageio:nonesuch").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("imageio:testpattern"), "{e}");
    }

    #[test]
    fn imwrite_to_memory_points_to_imencode() {
        let img = imread("imageio:gradient16").unwrap();
        let e = imwrite(Uri::memory(".png"), &img).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("imencode"), "{e}");
    }
}
