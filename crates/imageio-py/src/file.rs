//! [`File`]: an open resource (imageio-rs's `ImageFile`) for Python, and the
//! functions that open one for reading or writing.

use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};

use imageio::{
    DType, Error, ErrorKind, ImageFile, ImageProperties, Index, Limits, Mode, ReadOptions, Uri,
    WriteOptions,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};
use pyo3::IntoPyObjectExt;

use crate::convert::{image_from_py, image_to_py, metadata_to_py, options_from_py};
use crate::errors::to_py;

/// An open resource: one plugin serving it, for several reads or a streaming
/// write. The handle sits behind a mutex (Python objects may be shared
/// between threads); every call on it runs with the GIL released.
#[pyclass(frozen, module = "imageio_rs._imageio_rs")]
pub struct File {
    inner: Mutex<Option<ImageFile>>,
    plugin: String,
    resource: String,
    writing: bool,
}

impl File {
    fn new(f: ImageFile, writing: bool) -> File {
        File {
            plugin: f.plugin_name().to_owned(),
            resource: f.resource().to_owned(),
            inner: Mutex::new(Some(f)),
            writing,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<ImageFile>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `op` on the open handle (an error once closed).
    fn with<T>(&self, op: impl FnOnce(&mut ImageFile) -> imageio::Result<T>) -> imageio::Result<T> {
        match self.lock().as_mut() {
            Some(f) => op(f),
            None => Err(Error::new(
                ErrorKind::InvalidInput,
                format!("I/O operation on a closed file ({})", self.resource),
            )),
        }
    }
}

fn index_of(index: Option<usize>) -> Index {
    index.map_or(Index::All, Index::At)
}

fn props_to_py<'py>(py: Python<'py>, p: ImageProperties) -> PyResult<Bound<'py, PyTuple>> {
    let items = [
        PyTuple::new(py, &p.shape)?.into_any(),
        PyString::new(py, p.dtype.name()).into_any(),
        p.n_images.into_bound_py_any(py)?,
        p.is_batch.into_bound_py_any(py)?,
        p.spacing.into_bound_py_any(py)?,
    ];
    PyTuple::new(py, items)
}

#[pymethods]
impl File {
    /// The name of the plugin serving the resource.
    #[getter]
    fn plugin(&self) -> &str {
        &self.plugin
    }

    /// The resource as described in messages.
    #[getter]
    fn resource(&self) -> &str {
        &self.resource
    }

    /// True for a write handle.
    #[getter]
    fn writing(&self) -> bool {
        self.writing
    }

    /// True once closed.
    #[getter]
    fn closed(&self) -> bool {
        self.lock().is_none()
    }

    /// Reads image `index`, or every image stacked when `index` is None.
    #[pyo3(signature = (index=Some(0)))]
    fn read<'py>(&self, py: Python<'py>, index: Option<usize>) -> PyResult<Bound<'py, PyAny>> {
        let img = py
            .detach(|| self.with(|f| f.read(index_of(index))))
            .map_err(to_py)?;
        image_to_py(py, img)
    }

    /// The number of images when the plugin knows it without decoding.
    fn n_images(&self, py: Python<'_>) -> PyResult<Option<usize>> {
        py.detach(|| self.with(|f| f.n_images())).map_err(to_py)
    }

    /// `(shape, dtype, n_images, is_batch, spacing)` of image `index`, or
    /// of the stack when `index` is None.
    #[pyo3(signature = (index=Some(0)))]
    fn properties<'py>(
        &self,
        py: Python<'py>,
        index: Option<usize>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let p = py
            .detach(|| self.with(|f| f.properties(index_of(index))))
            .map_err(to_py)?;
        props_to_py(py, p)
    }

    /// The metadata of image `index` (file-level entries included), or of
    /// the file alone when `index` is None, as a dict.
    #[pyo3(signature = (index=Some(0)))]
    fn metadata<'py>(&self, py: Python<'py>, index: Option<usize>) -> PyResult<Bound<'py, PyDict>> {
        let m = py
            .detach(|| self.with(|f| f.metadata(index_of(index))))
            .map_err(to_py)?;
        metadata_to_py(py, &m)
    }

    /// Writes one image, or a stack on the first axis when `is_batch`
    /// (guessed from the shape when None: 4-d, or 3-d with a last axis longer
    /// than 4).
    ///
    /// `options`: plugin options for this image only, on top of the open
    /// ones; each must be one the writer reads at every write (a GIF frame's
    /// `duration`, a TIFF page's `compression`), else ValueError.
    #[pyo3(signature = (image, is_batch=None, options=None))]
    fn write(
        &self,
        py: Python<'_>,
        image: &Bound<'_, PyAny>,
        is_batch: Option<bool>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let img = image_from_py(image)?;
        let batch = is_batch.unwrap_or_else(|| imageio::guess_is_batch(img.shape()));
        let options = match options {
            Some(d) => options_from_py(d)?,
            None => imageio::Metadata::new(),
        };
        py.detach(|| self.with(move |f| f.write_with_options(img, batch, &options)))
            .map_err(to_py)
    }

    /// Closes the handle. A write handle commits here: the target appears
    /// complete, or not at all. Returns the encoded bytes of an in-memory
    /// write target, else None. Closing again does nothing.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let taken = self.lock().take();
        let Some(f) = taken else {
            return Ok(None);
        };
        let bytes = py.detach(move || f.close()).map_err(to_py)?;
        Ok(bytes.map(|b| PyBytes::new(py, &b)))
    }

    fn __repr__(&self) -> String {
        let mode = if self.writing { "w" } else { "r" };
        format!(
            "<imageio_rs File {:?} mode={mode} plugin={}>",
            self.resource, self.plugin
        )
    }
}

/// A source given as `str` (path, URL, `imageio:NAME`, `<video0>`) or bytes.
fn source_uri(source: &Bound<'_, PyAny>) -> PyResult<Uri> {
    if let Ok(s) = source.cast::<PyString>() {
        return Ok(Uri::from(s.to_str()?));
    }
    if let Ok(b) = source.cast::<PyBytes>() {
        return Ok(Uri::from(b.as_bytes().to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "cannot read from a {}: give a path, a URL, bytes or a file object",
        source.get_type().name()?
    )))
}

fn limits_of(max_alloc: Option<u64>, max_pixels: Option<u64>) -> Limits {
    let mut limits = Limits::default();
    if let Some(a) = max_alloc {
        limits.max_alloc = a;
    }
    if let Some(p) = max_pixels {
        limits.max_pixels = p;
    }
    limits
}

/// Opens `source` for reading. `plugin`: one plugin only; `extension`:
/// treat the resource as having it; `mode` (`L`, `LA`, `RGB`, `RGBA`) and
/// `dtype` convert what reads return; `options`: the plugin's options.
#[pyfunction]
#[pyo3(signature = (source, plugin=None, extension=None, mode=None, dtype=None, options=None, max_alloc=None, max_pixels=None))]
#[allow(clippy::too_many_arguments)]
pub fn open_read(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    plugin: Option<&str>,
    extension: Option<&str>,
    mode: Option<&str>,
    dtype: Option<&str>,
    options: Option<&Bound<'_, PyDict>>,
    max_alloc: Option<u64>,
    max_pixels: Option<u64>,
) -> PyResult<File> {
    let uri = source_uri(source)?;
    let mut o = ReadOptions::new().limits(limits_of(max_alloc, max_pixels));
    if let Some(p) = plugin {
        o = o.plugin(p);
    }
    if let Some(e) = extension {
        o = o.extension(e);
    }
    if let Some(m) = mode {
        o = o.mode(Mode::from_str(m).map_err(to_py)?);
    }
    if let Some(d) = dtype {
        o = o.dtype(DType::from_str(d).map_err(to_py)?);
    }
    if let Some(opts) = options {
        for (k, v) in options_from_py(opts)?.iter() {
            o = o.option(k, v.clone());
        }
    }
    let f = py
        .detach(move || ImageFile::open_read(uri, &o))
        .map_err(to_py)?;
    Ok(File::new(f, false))
}

/// Opens `target` (a path; None: in memory, returned by `close`) for
/// writing in the format of `extension` or of the path's extension.
#[pyfunction]
#[pyo3(signature = (target, plugin=None, extension=None, overwrite=true, options=None))]
pub fn open_write(
    py: Python<'_>,
    target: Option<&str>,
    plugin: Option<&str>,
    extension: Option<&str>,
    overwrite: bool,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<File> {
    let uri = match target {
        Some(t) => Uri::from(t),
        None => Uri::memory(extension.unwrap_or("")),
    };
    let mut o = WriteOptions::new().overwrite(overwrite);
    if let Some(p) = plugin {
        o = o.plugin(p);
    }
    if let Some(e) = extension {
        o = o.extension(e);
    }
    if let Some(opts) = options {
        for (k, v) in options_from_py(opts)?.iter() {
            o = o.option(k, v.clone());
        }
    }
    let f = py
        .detach(move || ImageFile::open_write(uri, &o))
        .map_err(to_py)?;
    Ok(File::new(f, true))
}
