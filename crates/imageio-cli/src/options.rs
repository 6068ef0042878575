//! From the command line's words to the library's types: `KEY=VALUE` values
//! typed, `--mode` and `--dtype` names, the index of `--index`/`--all`.

use imageio::{DType, Index, Limits, Mode, Value};

use crate::cli::{DTypeArg, LimitArgs, ModeArg, Which};

/// A `KEY=VALUE` value: an int, a float, a bool, or else a string.
pub(crate) fn typed(v: &str) -> Value {
    match v {
        "true" | "True" => return Value::Bool(true),
        "false" | "False" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = v.parse::<i64>() {
        return Value::Int(i);
    }
    let numeric = v.bytes().any(|b| b.is_ascii_digit());
    match v.parse::<f64>() {
        Ok(f) if numeric => Value::Float(f),
        _ => Value::Str(v.to_owned()),
    }
}

/// Every `KEY=VALUE` pair, its value typed.
pub(crate) fn typed_all(pairs: &[(String, String)]) -> Vec<(String, Value)> {
    pairs.iter().map(|(k, v)| (k.clone(), typed(v))).collect()
}

/// The index `--index N` / `--all` asks for (the first image by default).
pub(crate) fn index(w: Which) -> Index {
    match (w.all, w.index) {
        (true, _) => Index::All,
        (false, n) => Index::At(n.unwrap_or(0)),
    }
}

/// The limits of `--max-alloc`, `--max-pixels` and `--max-size`, the
/// library's defaults for the others.
pub(crate) fn limits(a: LimitArgs) -> Limits {
    let d = Limits::default();
    Limits {
        max_alloc: a.max_alloc.unwrap_or(d.max_alloc),
        max_pixels: a.max_pixels.unwrap_or(d.max_pixels),
        max_width: a.max_size.unwrap_or(d.max_width),
        max_height: a.max_size.unwrap_or(d.max_height),
    }
}

/// The library's colour mode of `--mode`.
pub(crate) fn mode(m: ModeArg) -> Mode {
    match m {
        ModeArg::Gray => Mode::Gray,
        ModeArg::GrayAlpha => Mode::GrayAlpha,
        ModeArg::Rgb => Mode::Rgb,
        ModeArg::Rgba => Mode::Rgba,
    }
}

/// The library's dtype of `--dtype`.
pub(crate) fn dtype(d: DTypeArg) -> DType {
    match d {
        DTypeArg::Uint8 => DType::U8,
        DTypeArg::Uint16 => DType::U16,
        DTypeArg::Uint32 => DType::U32,
        DTypeArg::Uint64 => DType::U64,
        DTypeArg::Int8 => DType::I8,
        DTypeArg::Int16 => DType::I16,
        DTypeArg::Int32 => DType::I32,
        DTypeArg::Int64 => DType::I64,
        DTypeArg::Float32 => DType::F32,
        DTypeArg::Float64 => DType::F64,
    }
}

/// The `--mode` word of a mode (`gray-alpha`).
pub(crate) fn mode_flag(m: Mode) -> &'static str {
    match m {
        Mode::Gray => "gray",
        Mode::GrayAlpha => "gray-alpha",
        Mode::Rgb => "rgb",
        _ => "rgba",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed() {
        assert_eq!(typed("90"), Value::Int(90));
        assert_eq!(typed("29.97"), Value::Float(29.97));
        assert_eq!(typed("true"), Value::Bool(true));
        assert_eq!(typed("RGB"), Value::Str("RGB".into()));
        assert_eq!(typed("nan"), Value::Str("nan".into()));
        assert_eq!(typed("a=b"), Value::Str("a=b".into()));
    }

    #[test]
    fn every_dtype_name_is_numpy_s() {
        use clap::ValueEnum;
        for d in DTypeArg::value_variants() {
            let name = d.to_possible_value().unwrap().get_name().to_owned();
            assert_eq!(dtype(*d).name(), name);
        }
        for m in ModeArg::value_variants() {
            let name = m.to_possible_value().unwrap().get_name().to_owned();
            assert_eq!(mode_flag(mode(*m)), name);
        }
    }
}
