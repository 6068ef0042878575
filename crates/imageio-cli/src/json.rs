//! Metadata and properties as JSON (`serde_json`), and as short text.

use imageio::{ImageProperties, Metadata, Value};
use serde_json::{json, Map, Value as Json};

/// A metadata value as JSON: bytes are summarised as `"<N bytes>"`.
pub(crate) fn value(v: &Value) -> Json {
    match v {
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => Json::from(*f),
        Value::Str(s) => Json::String(s.clone()),
        Value::Bytes(_) => Json::String(v.to_string()),
        Value::List(l) => Json::Array(l.iter().map(value).collect()),
        Value::Map(m) => metadata(m),
        // `Value` may grow; its text form is the safe fallback.
        #[allow(unreachable_patterns)]
        _ => Json::String(v.to_string()),
    }
}

/// A metadata map as a JSON object, in its order.
pub(crate) fn metadata(m: &Metadata) -> Json {
    Json::Object(
        m.iter()
            .map(|(k, v)| (k.to_owned(), value(v)))
            .collect::<Map<_, _>>(),
    )
}

/// The standard properties, with numpy dtype names.
pub(crate) fn properties(p: &ImageProperties) -> Json {
    json!({
        "shape": p.shape,
        "dtype": p.dtype.name(),
        "n_images": p.n_images,
        "is_batch": p.is_batch,
        "spacing": p.spacing,
    })
}

/// A shape as numpy prints it: `(256, 384, 3)`, `(7,)`, `()`.
pub(crate) fn shape_text(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
