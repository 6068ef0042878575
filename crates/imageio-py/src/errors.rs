//! imageio-rs errors as the Python exceptions imageio raises, with the
//! remedy (the error's `Hint`) worded for Python.

use imageio::{Error, ErrorKind, Hint};
use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyIndexError, PyOSError, PyRuntimeError, PyTypeError,
    PyValueError,
};
use pyo3::prelude::*;

/// A hint in Python's terms: the keyword or call that does it.
fn python_hint(hint: &Hint) -> String {
    match hint {
        Hint::Cast(to) => {
            let names: Vec<String> = to
                .iter()
                .map(|d| format!("image.astype(\"{d}\")"))
                .collect();
            format!(
                "cast the array first ({}; values are not rescaled)",
                names.join(" or ")
            )
        }
        Hint::DropAlpha { option } => {
            let mut s = String::new();
            if let Some(o) = option {
                s.push_str(&format!("pass {o}=True to write without it, or "));
            }
            s.push_str("drop the alpha channel first (image[..., :-1])");
            s
        }
        Hint::WriteAsBatch => "write a stack page by page: is_batch=True".into(),
        Hint::RaiseMaxAlloc | Hint::RaiseMaxPixels | Hint::RaiseMaxSize => {
            "raise the limits (max_alloc=, max_pixels=, max_size=) if the input is trusted".into()
        }
        Hint::NameFormat => "give the path an extension or pass extension=\".png\"".into(),
        Hint::ReadOneByOne => {
            "read the images one at a time with imiter, or pass a larger max_alloc= if the \
             input is trusted"
                .into()
        }
        Hint::WriteElsewhere => {
            "write to a file, or encode into memory with imwrite(\"<bytes>\", image, \
             extension=\".png\")"
                .into()
        }
        other => other.to_string(),
    }
}

/// True for an option error about a key the plugin does not take (a
/// `TypeError` in Python, as for an unexpected keyword argument); a bad value
/// is a `ValueError`.
fn is_unknown_option(e: &Error) -> bool {
    e.message().contains("unknown") && e.message().contains("option")
}

/// The Python exception for `e`: `FileNotFoundError`, `IndexError`,
/// `ValueError`, `TypeError`, `OSError` (and its subclass
/// `FileExistsError`); a size over the limits is a `ValueError`, an
/// internal error (a bug) a `RuntimeError`.
pub fn to_py(e: Error) -> PyErr {
    let text = e.display_with(python_hint);
    match e.kind() {
        ErrorKind::NotFound => PyFileNotFoundError::new_err(text),
        ErrorKind::IndexOutOfRange => PyIndexError::new_err(text),
        ErrorKind::InvalidOption if is_unknown_option(&e) => PyTypeError::new_err(text),
        ErrorKind::InvalidOption
        | ErrorKind::InvalidInput
        | ErrorKind::Unsupported
        | ErrorKind::LimitExceeded => PyValueError::new_err(text),
        ErrorKind::AlreadyExists => PyFileExistsError::new_err(text),
        ErrorKind::Internal => PyRuntimeError::new_err(text),
        // NoPlugin, PluginNotLinked, Declined, Decode, Encode, Io and kinds
        // added later: imageio raises OSError ("could not find a backend",
        // "cannot identify image file", a truncated file).
        _ => PyOSError::new_err(text),
    }
}
