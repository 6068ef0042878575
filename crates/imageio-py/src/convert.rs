//! Conversions between imageio-rs values and Python objects: arrays
//! ([`NdImage`] to and from numpy, out without a copy), metadata values and
//! plugin options.

use imageio::{Element, Metadata, NdImage, Value};
use ndarray::ArrayD;
use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};
use pyo3::IntoPyObjectExt;

/// Hands an image to numpy without copying its pixels: the Rust buffer
/// becomes the array's base.
pub fn image_to_py(py: Python<'_>, img: NdImage) -> PyResult<Bound<'_, PyAny>> {
    Ok(match img {
        NdImage::U8(a) => PyArrayDyn::from_owned_array(py, a).into_any(),
        NdImage::U16(a) => PyArrayDyn::from_owned_array(py, a).into_any(),
        NdImage::U32(a) => PyArrayDyn::from_owned_array(py, a).into_any(),
        NdImage::U64(a) => PyArrayDyn::from_owned_array(py, a).into_any(),
        NdImage::I8(a) => PyArrayDyn::from_owned_array(py, a).into_any(),
        NdImage::I16(a) => PyArrayDyn::from_owned_array(py, a).into_any(),
        NdImage::I32(a) => PyArrayDyn::from_owned_array(py, a).into_any(),
        NdImage::I64(a) => PyArrayDyn::from_owned_array(py, a).into_any(),
        NdImage::F32(a) => PyArrayDyn::from_owned_array(py, a).into_any(),
        NdImage::F64(a) => PyArrayDyn::from_owned_array(py, a).into_any(),
    })
}

/// The array's pixels in C order, if it is a numpy array of `T`.
fn owned<T: Element + numpy::Element>(obj: &Bound<'_, PyAny>) -> Option<ArrayD<T>> {
    let arr = obj.cast::<PyArrayDyn<T>>().ok()?;
    let ro = arr.readonly();
    Some(ro.as_array().as_standard_layout().into_owned())
}

/// A numpy array as an [`NdImage`] (one copy: the image owns its pixels).
/// `bool` and `float16` arrays are converted by the Python layer first.
pub fn image_from_py(obj: &Bound<'_, PyAny>) -> PyResult<NdImage> {
    macro_rules! try_types {
        ($($t:ty => $v:ident),*) => {
            $(if let Some(a) = owned::<$t>(obj) {
                return Ok(NdImage::$v(a));
            })*
        };
    }
    try_types!(u8 => U8, u16 => U16, u32 => U32, u64 => U64, i8 => I8, i16 => I16,
        i32 => I32, i64 => I64, f32 => F32, f64 => F64);
    match obj.cast::<numpy::PyUntypedArray>() {
        Ok(a) => Err(PyTypeError::new_err(format!(
            "cannot write an array of dtype {}: use an integer or float dtype",
            a.dtype()
        ))),
        Err(_) => Err(PyTypeError::new_err(format!(
            "expected a numpy array, not {}",
            obj.get_type().name()?
        ))),
    }
}

/// A metadata value as a Python object: bool, int, float, str, bytes, list
/// or dict.
pub fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Int(i) => i.into_bound_py_any(py),
        Value::Float(f) => f.into_bound_py_any(py),
        Value::Str(s) => s.into_bound_py_any(py),
        Value::Bytes(b) => Ok(PyBytes::new(py, b).into_any()),
        Value::List(l) => {
            let list = PyList::empty(py);
            for x in l {
                list.append(value_to_py(py, x)?)?;
            }
            Ok(list.into_any())
        }
        Value::Map(m) => Ok(metadata_to_py(py, m)?.into_any()),
        other => Ok(PyString::new(py, &format!("{other:?}")).into_any()),
    }
}

/// Metadata as a dict, in its order.
pub fn metadata_to_py<'py>(py: Python<'py>, m: &Metadata) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in m.iter() {
        d.set_item(k, value_to_py(py, v)?)?;
    }
    Ok(d)
}

/// A Python value as an option value: bool, int, float, str, bytes, a list
/// or tuple of those, a dict with str keys, or a numpy scalar.
pub fn value_from_py(key: &str, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(obj.extract()?));
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(Value::Int(obj.extract().map_err(|_| {
            PyValueError::new_err(format!("option {key}: the integer does not fit in 64 bits"))
        })?));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(Value::Float(obj.extract()?));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::Str(s.to_str()?.to_owned()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Value::Bytes(b.as_bytes().to_vec()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Value::Bytes(b.to_vec()));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for x in obj.try_iter()? {
            out.push(value_from_py(key, &x?)?);
        }
        return Ok(Value::List(out));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return Ok(Value::Map(options_from_py(d)?));
    }
    // numpy scalars and other numbers: through __index__ or __float__.
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Value::Int(i));
    }
    if let Ok(f) = obj.extract::<f64>() {
        return Ok(Value::Float(f));
    }
    Err(PyTypeError::new_err(format!(
        "option {key}: cannot pass a {} to a plugin (use bool, int, float, str, bytes, list or dict)",
        obj.get_type().name()?
    )))
}

/// Keyword options as a [`Metadata`] map (the core's option map).
pub fn options_from_py(d: &Bound<'_, PyDict>) -> PyResult<Metadata> {
    let mut m = Metadata::new();
    for (k, v) in d.iter() {
        let key: String = k
            .extract()
            .map_err(|_| PyTypeError::new_err("option names must be strings"))?;
        let value = value_from_py(&key, &v)?;
        m.insert(key, value);
    }
    Ok(m)
}
