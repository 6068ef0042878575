//! [`ImageFile`]: one plugin serving one resource, for several reads or a
//! streaming write, and [`ImageIter`], the images of a resource one at a
//! time. The verbs are built on it.

use std::borrow::Cow;

use crate::convert::{convert_mode, shape_after_mode, Mode};
use crate::options::{guess_is_batch, ReadOptions, WriteOptions};
use crate::plugin::{PluginInfo, Reader, Writer};
use crate::registry::{guard_named, open_reader, open_writer};
use crate::request::{ReadRequest, WriteRequest};
use crate::uri::Uri;
use crate::{
    DType, Error, ErrorKind, ImageProperties, Index, Limits, Metadata, NdImage, Options, Result,
};

/// An open resource: one plugin serving one request, for several reads or a
/// streaming write. Made by [`imopen`](crate::imopen),
/// [`ImageFile::open_read`] or [`ImageFile::open_write`].
///
/// A write handle commits on [`close`](Self::close) only: until then the
/// target is untouched, and dropping the handle leaves it so. After a failed
/// write the handle is poisoned: later writes and `close` fail and nothing is
/// committed. Closing a handle that wrote no image is an error too.
pub struct ImageFile {
    plugin: &'static str,
    crate_name: &'static str,
    resource: String,
    state: State,
}

// Field order matters in each variant: the plugin (which may hold output
// handles and spilled paths of the request) drops before the request.
enum State {
    Read {
        reader: Box<dyn Reader>,
        request: ReadRequest,
        mode: Option<Mode>,
        dtype: Option<DType>,
        limits: Limits,
    },
    Write {
        writer: Box<dyn Writer>,
        request: WriteRequest,
        written: usize,
        failed: Option<(ErrorKind, String)>,
    },
}

impl std::fmt::Debug for ImageFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageFile")
            .field("plugin", &self.plugin)
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}

impl ImageFile {
    /// Opens `uri` for reading with `options` (plugin, extension, limits,
    /// conversions and plugin options; the index is used by the verbs).
    pub fn open_read(uri: impl Into<Uri>, options: &ReadOptions) -> Result<ImageFile> {
        let uri = uri.into();
        let resource = uri.describe();
        let tag = |e: Error| e.with_resource(&resource);
        let mut request =
            ReadRequest::new(uri, options.extension.as_deref(), options.limits).map_err(tag)?;
        request.set_options(options.options.clone());
        let (info, reader) = open_reader(&mut request, options.plugin.as_deref()).map_err(tag)?;
        Ok(ImageFile::new(
            info,
            resource.clone(),
            State::Read {
                reader,
                request,
                mode: options.mode,
                dtype: options.dtype,
                limits: options.limits,
            },
        ))
    }

    /// Opens `uri` for writing with `options`. Nothing is written to the
    /// target until [`close`](Self::close) succeeds.
    pub fn open_write(uri: impl Into<Uri>, options: &WriteOptions) -> Result<ImageFile> {
        let uri = uri.into();
        let resource = uri.describe();
        let tag = |e: Error| e.with_resource(&resource);
        let mut request =
            WriteRequest::new(uri, options.extension.as_deref(), options.overwrite).map_err(tag)?;
        if request.extension().is_none() && options.plugin.is_none() {
            return Err(tag(Error::new(
                ErrorKind::NoPlugin,
                "cannot tell the format to write",
            )
            .with_hint(crate::Hint::NameFormat)));
        }
        request.set_options(options.options.clone());
        let (info, writer) = open_writer(&mut request, options.plugin.as_deref()).map_err(tag)?;
        Ok(ImageFile::new(
            info,
            resource.clone(),
            State::Write {
                writer,
                request,
                written: 0,
                failed: None,
            },
        ))
    }

    fn new(info: &'static PluginInfo, resource: String, state: State) -> ImageFile {
        ImageFile {
            plugin: info.name,
            crate_name: info.crate_name,
            resource,
            state,
        }
    }

    /// The name of the plugin serving this resource.
    pub fn plugin_name(&self) -> &str {
        self.plugin
    }

    /// A description of the resource (path, `<bytes>`, `imageio:NAME`).
    pub fn resource(&self) -> &str {
        &self.resource
    }

    fn tag(&self, e: Error) -> Error {
        e.with_plugin(self.plugin).with_resource(&self.resource)
    }

    /// Runs reader code behind the panic guard, errors tagged.
    fn call<T>(&mut self, f: impl FnOnce(&mut dyn Reader, &Options) -> Result<T>) -> Result<T> {
        let (name, crate_name) = (self.plugin, self.crate_name);
        let r = match &mut self.state {
            State::Read {
                reader, request, ..
            } => {
                let (reader, options) = (&mut **reader, request.options());
                guard_named(name, crate_name, || f(reader, options))
            }
            State::Write { .. } => Err(Error::invalid_input("the resource is open for writing")),
        };
        r.map_err(|e| self.tag(e))
    }

    fn conversions(&self) -> (Option<Mode>, Option<DType>, Limits) {
        match &self.state {
            State::Read {
                mode,
                dtype,
                limits,
                ..
            } => (*mode, *dtype, *limits),
            State::Write { .. } => (None, None, Limits::default()),
        }
    }

    fn convert(&self, img: NdImage, is_batch: bool) -> Result<NdImage> {
        let (mode, dtype, limits) = self.conversions();
        if mode.is_some() || dtype.is_some_and(|d| d != img.dtype()) {
            // The converted array can be many times the decoded one (gray u8
            // to RGBA f64 is 32x): it is checked against the limits first.
            let shape = match mode {
                Some(m) => shape_after_mode(img.shape(), is_batch, m).map_err(|e| self.tag(e))?,
                None => img.shape().to_vec(),
            };
            let size = dtype.unwrap_or(img.dtype()).size() as u64;
            let bytes = shape
                .iter()
                .try_fold(size, |acc, &d| acc.checked_mul(d as u64))
                .unwrap_or(u64::MAX);
            limits.check_alloc(bytes).map_err(|e| {
                self.tag(
                    Error::limit(format!(
                        "{} (converting the decoded {:?} {} array to {}{})",
                        e.message(),
                        img.shape(),
                        img.dtype(),
                        mode.map_or("its mode".to_string(), |m| format!("mode {}", m.name())),
                        dtype.map_or(String::new(), |d| format!(", dtype {d}")),
                    ))
                    .with_hint(crate::Hint::RaiseMaxAlloc),
                )
            })?;
        }
        let img = match mode {
            Some(m) => convert_mode(img, m, is_batch).map_err(|e| self.tag(e))?,
            None => img,
        };
        Ok(match dtype {
            Some(d) if d != img.dtype() => img.cast(d),
            _ => img,
        })
    }

    /// Reads image `index` (or every image, stacked, with `Index::All`),
    /// converted as the open options asked.
    pub fn read(&mut self, index: Index) -> Result<NdImage> {
        let (_, _, limits) = self.conversions();
        match index {
            Index::At(i) => {
                let img = self.call(|r, o| r.read(i, o))?;
                self.convert(img, false)
            }
            Index::All => {
                let img = self.call(|r, o| r.read_all(o, limits))?;
                self.convert(img, true)
            }
        }
    }

    /// The number of images, when the plugin knows it without decoding.
    pub fn n_images(&mut self) -> Result<Option<usize>> {
        self.call(|r, _| r.n_images())
    }

    /// The standard properties of image `index`, or of the stack with
    /// `Index::All`, reflecting the open options' conversions.
    pub fn properties(&mut self, index: Index) -> Result<ImageProperties> {
        let mut props = match index {
            Index::At(i) => {
                let mut props = self.call(|r, o| r.properties(i, o))?;
                props.n_images = self.call(|r, _| r.n_images())?;
                props.is_batch = false;
                props
            }
            Index::All => self.stack_properties()?,
        };
        let (mode, dtype, _) = self.conversions();
        if let Some(m) = mode {
            props.shape =
                shape_after_mode(&props.shape, props.is_batch, m).map_err(|e| self.tag(e))?;
        }
        if let Some(d) = dtype {
            props.dtype = d;
        }
        Ok(props)
    }

    /// The properties of the stack: the first image's, with the count in
    /// front (counted by asking for properties in turn when the plugin
    /// cannot tell).
    fn stack_properties(&mut self) -> Result<ImageProperties> {
        let first = self.call(|r, o| r.properties(0, o))?;
        let n = match self.call(|r, _| r.n_images())? {
            Some(n) => n,
            None => {
                let mut n = 1;
                loop {
                    match self.call(|r, o| r.properties(n, o)) {
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
        Ok(ImageProperties {
            shape,
            dtype: first.dtype,
            n_images: Some(n),
            is_batch: true,
            spacing: first.spacing,
        })
    }

    /// Metadata of image `index` (file-level entries included), or of the
    /// file alone with `Index::All`.
    pub fn metadata(&mut self, index: Index) -> Result<Metadata> {
        let i = match index {
            Index::At(i) => Some(i),
            Index::All => None,
        };
        self.call(|r, o| r.metadata(i, o))
    }

    /// Iterates over the images from the first, reading them one at a time.
    pub fn iter(&mut self) -> ImageIter<&mut ImageFile> {
        ImageIter::new(self)
    }

    /// Writes one image, or a stack when `is_batch` (each image in turn).
    /// Pass the array by value to hand it over: a plugin that keeps frames
    /// until `close` then keeps it without a copy.
    pub fn write_with<'a>(
        &mut self,
        image: impl Into<Cow<'a, NdImage>>,
        is_batch: bool,
    ) -> Result<()> {
        let image = image.into();
        let (name, crate_name) = (self.plugin, self.crate_name);
        let State::Write {
            writer,
            request,
            written,
            failed,
        } = &mut self.state
        else {
            return Err(self.tag(Error::invalid_input("the resource is open for reading")));
        };
        if let Some((kind, msg)) = failed {
            return Err(poisoned(*kind, msg)
                .with_plugin(name)
                .with_resource(&self.resource));
        }
        if image.is_empty() {
            return Err(Error::invalid_input(format!(
                "cannot write an empty array of shape {:?}",
                image.shape()
            ))
            .with_plugin(name)
            .with_resource(&self.resource));
        }
        let options = request.options();
        let r = guard_named(name, crate_name, || match (image, is_batch) {
            (image, true) => writer.write_batch(&image, options),
            (Cow::Owned(image), false) => writer.write_owned(image, options),
            (Cow::Borrowed(image), false) => writer.write(image, options),
        });
        match r {
            Ok(()) => {
                *written += 1;
                Ok(())
            }
            Err(e) => {
                *failed = Some((e.kind(), e.message().to_owned()));
                Err(e.with_plugin(name).with_resource(&self.resource))
            }
        }
    }

    /// Writes one image, or a stack when `is_batch`, with options of its own
    /// on top of those the resource was opened with: each must be one the
    /// writer reads at every write (marked
    /// [`per_write`](crate::plugin::OptionSpec::per_write) in the plugin's
    /// specs, as a GIF frame's `duration` or a TIFF page's `compression`);
    /// an option fixed at open may only repeat its open value. Anything else
    /// is an [`InvalidOption`](ErrorKind::InvalidOption) error, and nothing
    /// is written.
    pub fn write_with_options<'a>(
        &mut self,
        image: impl Into<Cow<'a, NdImage>>,
        is_batch: bool,
        options: &Options,
    ) -> Result<()> {
        if options.is_empty() {
            return self.write_with(image, is_batch);
        }
        let name = self.plugin;
        let State::Write { request, .. } = &mut self.state else {
            return Err(self.tag(Error::invalid_input("the resource is open for reading")));
        };
        let specs = crate::registry::plugin_by_name(name)?.write_options();
        crate::value::validate_options(options, specs, "write")
            .map_err(|e| e.with_plugin(name).with_resource(&self.resource))?;
        let opened = request.options().clone();
        let mut merged = opened.clone();
        for (key, value) in options.iter() {
            let per_write = specs.iter().any(|s| s.name == key && s.per_write);
            if !per_write && opened.get(key) != Some(value) {
                let which: Vec<&str> = specs
                    .iter()
                    .filter(|s| s.per_write)
                    .map(|s| s.name)
                    .collect();
                let which = if which.is_empty() {
                    "none".to_owned()
                } else {
                    which.join(", ")
                };
                return Err(Error::invalid_option(format!(
                    "write option {key:?} is fixed when the resource is opened: give it when \
                     opening (options that may change from one write to the next: {which})"
                ))
                .with_plugin(name)
                .with_resource(&self.resource));
            }
            merged.insert(key, value.clone());
        }
        request.set_options(merged);
        let r = self.write_with(image, is_batch);
        if let State::Write { request, .. } = &mut self.state {
            request.set_options(opened);
        }
        r
    }

    /// Writes one image (a stack when its shape says so, see
    /// [`guess_is_batch`]); each call appends where the format allows
    /// several images. Pass `&image` to lend it, `image` to hand it over.
    pub fn write<'a>(&mut self, image: impl Into<Cow<'a, NdImage>>) -> Result<()> {
        let image = image.into();
        let batch = guess_is_batch(image.shape());
        self.write_with(image, batch)
    }

    /// Finishes a write and makes it the target (atomically, for files).
    /// Returns the bytes for a memory target, `None` for a file. Fails, and
    /// commits nothing, when a write failed or no image was written. Closing
    /// a read handle just drops it.
    pub fn close(self) -> Result<Option<Vec<u8>>> {
        let ImageFile {
            plugin,
            crate_name,
            resource,
            state,
        } = self;
        let tag = |e: Error| e.with_plugin(plugin).with_resource(&resource);
        let State::Write {
            mut writer,
            mut request,
            written,
            failed,
        } = state
        else {
            return Ok(None);
        };
        if let Some((kind, msg)) = failed {
            return Err(tag(poisoned(kind, &msg)));
        }
        if written == 0 {
            return Err(tag(Error::invalid_input(
                "nothing was written: no image was given before close; the target is untouched",
            )));
        }
        guard_named(plugin, crate_name, || writer.close()).map_err(tag)?;
        // Drop every output handle the plugin holds before committing.
        drop(writer);
        request.commit().map_err(tag)
    }
}

/// The error of a write or close after a failed write.
fn poisoned(kind: ErrorKind, msg: &str) -> Error {
    Error::new(
        kind,
        format!(
            "an earlier write failed ({msg}); nothing will be written and the target is \
             untouched: open it again"
        ),
    )
}

/// An iterator over the images of a resource, reading one at a time. Owns the
/// handle (from [`imiter`](crate::imiter)) or borrows it (from
/// [`ImageFile::iter`]). Stops after the last image or after the first error.
pub struct ImageIter<F> {
    file: F,
    next: usize,
    done: bool,
}

impl<F> ImageIter<F> {
    pub(crate) fn new(file: F) -> Self {
        ImageIter {
            file,
            next: 0,
            done: false,
        }
    }
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
