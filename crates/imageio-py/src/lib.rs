//! The `imageio_rs._imageio_rs` extension module: imageio-rs's verbs for
//! Python. It is deliberately small (open a resource for reading or writing,
//! read, write, properties, metadata, close, the plugin table); the
//! `imageio.v3` semantics (index rules, plugin names, keyword options,
//! inputs such as file objects and `"<bytes>"`) live in the Python package
//! `imageio_rs` around it.
//!
//! Every decode and encode runs with the GIL released (`Python::detach`),
//! and arrays come out without a copy: the Rust buffer becomes the numpy
//! array's base.

mod convert;
mod errors;
mod file;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use imageio::plugin::{OptionSpec, PluginInfo};

/// The version of the Rust crates this module was built from.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One option spec as a dict: `name`, `kind`, `default`, `doc`.
fn option_dict<'py>(py: Python<'py>, spec: &OptionSpec) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("name", spec.name)?;
    d.set_item("kind", spec.kind.name())?;
    d.set_item("default", spec.default)?;
    d.set_item("doc", spec.doc)?;
    Ok(d)
}

fn options_list<'py>(py: Python<'py>, specs: &[OptionSpec]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for s in specs {
        list.append(option_dict(py, s)?)?;
    }
    Ok(list)
}

fn plugin_dict<'py>(py: Python<'py>, info: &PluginInfo) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("name", info.name)?;
    d.set_item("crate", info.crate_name)?;
    d.set_item("summary", info.summary)?;
    d.set_item("can_read", info.can_read())?;
    d.set_item("can_write", info.can_write())?;
    d.set_item("read_extensions", info.read_extensions())?;
    d.set_item("write_extensions", info.write_extensions())?;
    d.set_item("read_options", options_list(py, info.read_options())?)?;
    d.set_item("write_options", options_list(py, info.write_options())?)?;
    Ok(d)
}

/// The linked plugins, each a dict: `name`, `crate`, `summary`, `can_read`,
/// `can_write`, `read_extensions`, `write_extensions`, `read_options` and
/// `write_options` (lists of dicts with `name`, `kind`, `default`, `doc`).
#[pyfunction]
fn plugins(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let all = imageio::plugin::plugins().map_err(errors::to_py)?;
    let list = PyList::empty(py);
    for info in all {
        list.append(plugin_dict(py, info)?)?;
    }
    Ok(list)
}

/// The names of the built-in standard images (`imageio:NAME`).
#[pyfunction]
fn standard_images() -> Vec<&'static str> {
    imageio::STANDARD_IMAGES.to_vec()
}

/// The extension module.
#[pymodule]
fn _imageio_rs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", VERSION)?;
    m.add_class::<file::File>()?;
    m.add_function(wrap_pyfunction!(file::open_read, m)?)?;
    m.add_function(wrap_pyfunction!(file::open_write, m)?)?;
    m.add_function(wrap_pyfunction!(plugins, m)?)?;
    m.add_function(wrap_pyfunction!(standard_images, m)?)?;
    Ok(())
}
