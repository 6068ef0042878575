//! The user-facing verbs (`imread`, `imwrite`, `imiter`, `improps`, `immeta`,
//! `imopen`, `imencode`, `imdecode`), their options, and [`ImageFile`], the
//! open handle they are built on.

use crate::convert::{convert_mode, shape_after_mode, Mode};
use crate::plugin::{ImageProperties, Index, Plugin, PluginInfo};
use crate::registry::{guard, select};
use crate::standard::Standard;
use crate::uri::Uri;
use crate::value::{Options, Value};
use crate::{DType, Error, ErrorKind, IoMode, Limits, Metadata, NdImage, Request, Result};

/// Options of a read: which image, which plugin, conversions, limits, and
/// plugin options (validated against the plugin's declared specs).
///
/// ```
/// use imageio_core::{ReadOptions, Index, Mode, DType};
/// let o = ReadOptions::new().index(Index::All).mode(Mode::Rgb).dtype(DType::F32);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    index: Index,
    plugin: Option<String>,
    extension: Option<String>,
    mode: Option<Mode>,
    dtype: Option<DType>,
    limits: Limits,
    options: Options,
}

impl ReadOptions {
    /// Defaults: the first image, any plugin, no conversion, default limits.
    pub fn new() -> Self {
        Self::default()
    }
    /// Which image to read (`Index::At(0)` by default, or `Index::All`).
    pub fn index(mut self, index: Index) -> Self {
        self.index = index;
        self
    }
    /// Use this plugin only.
    pub fn plugin(mut self, name: &str) -> Self {
        self.plugin = Some(name.to_owned());
        self
    }
    /// Treat the resource as having this extension (`".png"`), for plugin
    /// selection; useful for bytes.
    pub fn extension(mut self, ext: &str) -> Self {
        self.extension = Some(ext.to_owned());
        self
    }
    /// Convert the result to this colour mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }
    /// Cast the result to this dtype (values are not rescaled).
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = Some(dtype);
        self
    }
    /// Limits for this read.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
    /// A plugin option.
    pub fn option(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.options.insert(key, value);
        self
    }
    /// The index of this read.
    pub fn get_index(&self) -> Index {
        self.index
    }
}

/// Options of a write: plugin, extension, overwriting, batch, plugin options.
///
/// ```
/// use imageio_core::WriteOptions;
/// let o = WriteOptions::new().option("quality", 90).overwrite(false);
/// ```
#[derive(Clone, Debug)]
pub struct WriteOptions {
    plugin: Option<String>,
    extension: Option<String>,
    overwrite: bool,
    is_batch: Option<bool>,
    options: Options,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            plugin: None,
            extension: None,
            overwrite: true,
            is_batch: None,
            options: Options::new(),
        }
    }
}

impl WriteOptions {
    /// Defaults: any plugin, overwrite allowed, batch guessed from the shape.
    pub fn new() -> Self {
        Self::default()
    }
    /// Use this plugin only.
    pub fn plugin(mut self, name: &str) -> Self {
        self.plugin = Some(name.to_owned());
        self
    }
    /// Write in the format of this extension, whatever the path says.
    pub fn extension(mut self, ext: &str) -> Self {
        self.extension = Some(ext.to_owned());
        self
    }
    /// `false`: never replace an existing file ([`ErrorKind::AlreadyExists`]).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }
    /// Whether the array is a stack of images on its first axis. Unset, a
    /// 4-d array or a 3-d array whose last axis is longer than 4 is a stack.
    pub fn is_batch(mut self, is_batch: bool) -> Self {
        self.is_batch = Some(is_batch);
        self
    }
    /// A plugin option.
    pub fn option(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.options.insert(key, value);
        self
    }
}

/// Guesses whether `shape` is a stack: `(N, H, W, C)`, or `(N, H, W)` with
/// W > 4. `(H, W, C)` with C <= 4 is one image.
pub fn guess_is_batch(shape: &[usize]) -> bool {
    match shape.len() {
        4 => true,
        3 => shape[2] > 4,
        _ => false,
    }
}

/// An open resource: one plugin serving one request, for several reads or a
/// streaming write. Made by [`imopen`], [`ImageFile::open_read`] or
/// [`ImageFile::open_write`].
pub struct ImageFile {
    // Field order matters: the plugin (which may hold writer handles and
    // spilled paths of the request) drops before the request.
    plugin: Box<dyn Plugin>,
    name: &'static str,
    crate_name: &'static str,
    request: Request,
    mode: Option<Mode>,
    dtype: Option<DType>,
    limits: Limits,
    closed: bool,
}

impl std::fmt::Debug for ImageFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageFile")
            .field("plugin", &self.name)
            .field("resource", &self.request.name())
            .finish_non_exhaustive()
    }
}

static STANDARD_INFO: PluginInfo = PluginInfo {
    name: "standard",
    crate_name: "imageio-core",
    summary: "built-in standard images (imageio:NAME)",
    read_extensions: &[],
    write_extensions: &[],
    signatures: &[],
    read_options: &[],
    write_options: &[],
    open: |_| Err(Error::declined("only for imageio: URIs")),
};

impl ImageFile {
    /// Opens `uri` for reading with `options` (plugin, extension, limits,
    /// conversions and plugin options; the index is used by the verbs).
    pub fn open_read(uri: impl Into<Uri>, options: &ReadOptions) -> Result<ImageFile> {
        let uri = uri.into();
        let resource = uri.describe();
        let tag = |e: Error| e.with_resource(&resource);
        if let Uri::Standard(name) = &uri {
            let plugin = Standard::open(name).map_err(tag)?;
            if let Some(p) = options
                .plugin
                .as_deref()
                .filter(|p| *p != STANDARD_INFO.name)
            {
                return Err(tag(Error::new(
                    ErrorKind::NoPlugin,
                    format!(
                        "imageio: standard images are served by the core's \"standard\" plugin, \
                         not {p:?}; drop the plugin choice"
                    ),
                )));
            }
            if let Some((k, _)) = options.options.iter().next() {
                return Err(tag(Error::invalid_option(format!(
                    "unknown read option {k:?}: standard images take no options"
                ))));
            }
            return Ok(ImageFile {
                plugin: Box::new(plugin),
                name: STANDARD_INFO.name,
                crate_name: STANDARD_INFO.crate_name,
                request: Request::for_read(Uri::from(Vec::new()), None, options.limits)
                    .map_err(tag)?,
                mode: options.mode,
                dtype: options.dtype,
                limits: options.limits,
                closed: false,
            });
        }
        let mut request =
            Request::for_read(uri, options.extension.as_deref(), options.limits).map_err(tag)?;
        request.set_options(options.options.clone());
        let (info, plugin) = select(&mut request, options.plugin.as_deref()).map_err(tag)?;
        Ok(ImageFile {
            plugin,
            name: info.name,
            crate_name: info.crate_name,
            request,
            mode: options.mode,
            dtype: options.dtype,
            limits: options.limits,
            closed: false,
        })
    }

    /// Opens `uri` for writing with `options`. Nothing is written to the
    /// target until [`close`](Self::close) succeeds.
    pub fn open_write(uri: impl Into<Uri>, options: &WriteOptions) -> Result<ImageFile> {
        let uri = uri.into();
        let resource = uri.describe();
        let tag = |e: Error| e.with_resource(&resource);
        let mut request = Request::for_write(uri, options.extension.as_deref(), options.overwrite)
            .map_err(tag)?;
        if request.extension().is_none() && options.plugin.is_none() {
            return Err(tag(Error::new(
                ErrorKind::NoPlugin,
                "cannot tell the format to write: give the path an extension or pass one \
                 (WriteOptions::extension)",
            )));
        }
        request.set_options(options.options.clone());
        let (info, plugin) = select(&mut request, options.plugin.as_deref()).map_err(tag)?;
        Ok(ImageFile {
            plugin,
            name: info.name,
            crate_name: info.crate_name,
            request,
            mode: None,
            dtype: None,
            limits: Limits::default(),
            closed: false,
        })
    }

    /// The name of the plugin serving this resource.
    pub fn plugin_name(&self) -> &str {
        self.name
    }

    /// A description of the resource (path, `<bytes>`, `imageio:NAME`).
    pub fn resource(&self) -> &str {
        self.request.name()
    }

    fn tag(&self, e: Error) -> Error {
        e.with_plugin(self.name).with_resource(self.request.name())
    }

    fn call<T>(&mut self, f: impl FnOnce(&mut dyn Plugin, &Options) -> Result<T>) -> Result<T> {
        let info = PluginInfo {
            name: self.name,
            crate_name: self.crate_name,
            ..STANDARD_INFO
        };
        let options = self.request.options().clone();
        let plugin = &mut *self.plugin;
        let r = guard(&info, || f(plugin, &options));
        r.map_err(|e| self.tag(e))
    }

    fn check_read(&self) -> Result<()> {
        if self.request.mode() != IoMode::Read {
            return Err(self.tag(Error::invalid_input("the resource is open for writing")));
        }
        Ok(())
    }

    fn convert(&self, img: NdImage, is_batch: bool) -> Result<NdImage> {
        let img = match self.mode {
            Some(m) => convert_mode(img, m, is_batch).map_err(|e| self.tag(e))?,
            None => img,
        };
        Ok(match self.dtype {
            Some(d) if d != img.dtype() => img.cast(d),
            _ => img,
        })
    }

    /// Reads image `index` (or every image, stacked, with `Index::All`),
    /// converted as the open options asked.
    pub fn read(&mut self, index: Index) -> Result<NdImage> {
        self.check_read()?;
        let limits = self.limits;
        match index {
            Index::At(i) => {
                let img = self.call(|p, o| p.read(i, o))?;
                self.convert(img, false)
            }
            Index::All => {
                let img = self.call(|p, o| p.read_all(o, limits))?;
                self.convert(img, true)
            }
        }
    }

    /// The number of images, when the plugin knows it without decoding.
    pub fn n_images(&mut self) -> Result<Option<usize>> {
        self.check_read()?;
        self.call(|p, _| p.n_images())
    }

    /// The standard properties of image `index`, or of the stack with
    /// `Index::All`, reflecting the open options' conversions.
    pub fn properties(&mut self, index: Index) -> Result<ImageProperties> {
        self.check_read()?;
        let mut props = match index {
            Index::At(i) => {
                let mut props = self.call(|p, o| p.properties(i, o))?;
                props.n_images = self.call(|p, _| p.n_images())?;
                props.is_batch = false;
                props
            }
            Index::All => {
                let first = self.call(|p, o| p.properties(0, o))?;
                let n = match self.call(|p, _| p.n_images())? {
                    Some(n) => n,
                    None => {
                        let mut n = 1;
                        loop {
                            match self.call(|p, o| p.properties(n, o)) {
                                Ok(_) => n += 1,
                                Err(e) if e.kind() == ErrorKind::IndexOutOfRange => break,
                                Err(e) => return Err(e),
                            }
                        }
                        n
                    }
                };
                let mut shape = vec![n];
                shape.extend_from_slice(&first.shape);
                ImageProperties {
                    shape,
                    dtype: first.dtype,
                    n_images: Some(n),
                    is_batch: true,
                    spacing: first.spacing,
                }
            }
        };
        if let Some(m) = self.mode {
            props.shape =
                shape_after_mode(&props.shape, props.is_batch, m).map_err(|e| self.tag(e))?;
        }
        if let Some(d) = self.dtype {
            props.dtype = d;
        }
        Ok(props)
    }

    /// Metadata of image `index` (file-level entries included), or of the
    /// file alone with `Index::All`.
    pub fn metadata(&mut self, index: Index) -> Result<Metadata> {
        self.check_read()?;
        let i = match index {
            Index::At(i) => Some(i),
            Index::All => None,
        };
        self.call(|p, o| p.metadata(i, o))
    }

    /// Iterates over the images from the first, reading them one at a time.
    pub fn iter(&mut self) -> ImageIter<&mut ImageFile> {
        ImageIter {
            file: self,
            next: 0,
            done: false,
        }
    }

    /// Writes one image, or a stack when `is_batch` (each image in turn).
    pub fn write_with(&mut self, image: &NdImage, is_batch: bool) -> Result<()> {
        if self.request.mode() != IoMode::Write {
            return Err(self.tag(Error::invalid_input("the resource is open for reading")));
        }
        if self.closed {
            return Err(self.tag(Error::invalid_input("the resource is closed")));
        }
        if image.is_empty() {
            return Err(self.tag(Error::invalid_input(format!(
                "cannot write an empty array of shape {:?}",
                image.shape()
            ))));
        }
        if is_batch {
            self.call(|p, o| p.write_batch(image, o))
        } else {
            self.call(|p, o| p.write(image, o))
        }
    }

    /// Writes one image (a stack when its shape says so, see [`guess_is_batch`]);
    /// each call appends where the format allows several images.
    pub fn write(&mut self, image: &NdImage) -> Result<()> {
        self.write_with(image, guess_is_batch(image.shape()))
    }

    /// Finishes a write and makes it the target (atomically, for files).
    /// Returns the bytes for a memory target, `None` for a file. Closing a
    /// read handle just drops it.
    pub fn close(mut self) -> Result<Option<Vec<u8>>> {
        if self.request.mode() == IoMode::Read {
            return Ok(None);
        }
        self.closed = true;
        self.call(|p, _| p.close())?;
        // Drop every writer handle the plugin holds before committing.
        self.plugin = Box::new(Closed);
        let r = self.request.commit();
        r.map_err(|e| self.tag(e))
    }
}

struct Closed;
impl Plugin for Closed {
    fn read(&mut self, _: usize, _: &Options) -> Result<NdImage> {
        Err(Error::invalid_input("the resource is closed"))
    }
}

/// An iterator over the images of a resource, reading one at a time. Owns the
/// handle (from [`imiter`]) or borrows it (from [`ImageFile::iter`]). Stops
/// after the last image or after the first error.
pub struct ImageIter<F> {
    file: F,
    next: usize,
    done: bool,
}

impl<F: std::borrow::BorrowMut<ImageFile>> Iterator for ImageIter<F> {
    type Item = Result<NdImage>;
    fn next(&mut self) -> Option<Result<NdImage>> {
        if self.done {
            return None;
        }
        match self.file.borrow_mut().read(Index::At(self.next)) {
            Ok(img) => {
                self.next += 1;
                Some(Ok(img))
            }
            Err(e) if e.kind() == ErrorKind::IndexOutOfRange && self.next > 0 => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

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
    Ok(ImageIter {
        file,
        next: 0,
        done: false,
    })
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

    #[test]
    fn batch_guess() {
        assert!(guess_is_batch(&[5, 10, 10, 3]));
        assert!(guess_is_batch(&[5, 10, 10]));
        assert!(!guess_is_batch(&[10, 10, 3]));
        assert!(!guess_is_batch(&[10, 10]));
    }
}
