//! [`Value`], the ordered string-keyed [`Metadata`] map, plugin [`Options`] and
//! the [`OptionSpec`]s a plugin declares so the core can validate them.

use std::fmt;

use crate::{Error, Result};

/// A metadata or option value.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// Raw bytes (an ICC profile, EXIF, ...).
    Bytes(Vec<u8>),
    /// A list (per-frame durations, a resolution pair, ...).
    List(Vec<Value>),
    /// A nested map.
    Map(Metadata),
}

impl Value {
    /// The integer, if this is an `Int` (or a `Float` with an integral value).
    pub fn as_int(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            Value::Bool(b) => Some(b as i64),
            _ => None,
        }
    }
    /// The number as `f64`, if this is an `Int` or `Float`.
    pub fn as_float(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }
    /// The boolean, if this is a `Bool` (or the integers 0 and 1).
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            Value::Int(0) => Some(false),
            Value::Int(1) => Some(true),
            _ => None,
        }
    }
    /// The string, if this is a `Str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The bytes, if this is `Bytes`.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
    /// The list, if this is a `List`.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }
    /// The map, if this is a `Map`.
    pub fn as_map(&self) -> Option<&Metadata> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    /// The name of the variant, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Map(_) => "map",
        }
    }
}

impl fmt::Display for Value {
    /// A short human form: bytes are summarised as `<N bytes>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => write!(f, "{s}"),
            Value::Bytes(b) => write!(f, "<{} bytes>", b.len()),
            Value::List(l) => {
                write!(f, "[")?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{v}")?;
                }
                write!(f, "]")
            }
            Value::Map(m) => {
                write!(f, "{{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                write!(f, "}}")
            }
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $v:ident $(as $c:ty)?),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from(x: $t) -> Self {
                Value::$v(x $(as $c)? .into())
            }
        })*
    };
}
value_from!(
    bool => Bool, i64 => Int, i32 => Int, u32 => Int, u16 => Int, u8 => Int, i16 => Int,
    f64 => Float, f32 => Float, String => Str, &str => Str, Vec<u8> => Bytes,
    Vec<Value> => List, Metadata => Map,
);
impl From<usize> for Value {
    fn from(x: usize) -> Self {
        Value::Int(i64::try_from(x).unwrap_or(i64::MAX))
    }
}
impl From<u64> for Value {
    fn from(x: u64) -> Self {
        Value::Int(i64::try_from(x).unwrap_or(i64::MAX))
    }
}
impl From<&[u8]> for Value {
    fn from(x: &[u8]) -> Self {
        Value::Bytes(x.to_vec())
    }
}

/// An ordered map from string keys to [`Value`]s, in insertion order.
///
/// Keys shared by several formats have one spelling across all plugins:
/// `duration` (ms), `loop` (0 = forever), `fps`, `n_frames`, `codec`, `dpi`,
/// `icc_profile`, `exif`, `orientation` (1..8), `compression`, `description`,
/// `software`, `datetime`, `pixel_format` (see [`keys`](crate::keys)).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    entries: Vec<(String, Value)>,
}

impl Metadata {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    /// Sets `key`, replacing an earlier value in place (its position is kept).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }
    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(i).1)
    }
    /// True if `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// The entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
    /// The keys in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = Metadata::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

/// Plugin options: string keys to [`Value`]s, validated by the core against
/// the plugin's declared [`OptionSpec`]s before the plugin sees them.
pub type Options = Metadata;

/// The type an option accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OptionKind {
    /// `true`/`false`.
    Bool,
    /// An integer.
    Int,
    /// A number (an integer is accepted too).
    Float,
    /// A string.
    Str,
    /// One string of a fixed set.
    Choice(&'static [&'static str]),
    /// Raw bytes.
    Bytes,
    /// A list of values.
    List,
    /// A number or a list of numbers (per-frame values such as durations).
    FloatOrList,
    /// Anything; the plugin checks it.
    Any,
}

impl OptionKind {
    /// A short name for messages and `imageio plugins`.
    pub fn name(self) -> String {
        match self {
            OptionKind::Bool => "bool".into(),
            OptionKind::Int => "int".into(),
            OptionKind::Float => "float".into(),
            OptionKind::Str => "string".into(),
            OptionKind::Choice(c) => c.join("|"),
            OptionKind::Bytes => "bytes".into(),
            OptionKind::List => "list".into(),
            OptionKind::FloatOrList => "number or list".into(),
            OptionKind::Any => "any".into(),
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            OptionKind::Bool => v.as_bool().is_some(),
            OptionKind::Int => v.as_int().is_some(),
            OptionKind::Float => v.as_float().is_some(),
            OptionKind::Str => matches!(v, Value::Str(_)),
            OptionKind::Choice(c) => v
                .as_str()
                .map(|s| c.iter().any(|x| x.eq_ignore_ascii_case(s)))
                .unwrap_or(false),
            OptionKind::Bytes => matches!(v, Value::Bytes(_)),
            OptionKind::List => matches!(v, Value::List(_)),
            OptionKind::FloatOrList => {
                v.as_float().is_some()
                    || v.as_list()
                        .is_some_and(|l| l.iter().all(|x| x.as_float().is_some()))
            }
            OptionKind::Any => true,
        }
    }
}

/// One option a plugin accepts, declared in its
/// [`PluginInfo`](crate::plugin::PluginInfo).
#[derive(Clone, Copy, Debug)]
pub struct OptionSpec {
    /// The key.
    pub name: &'static str,
    /// The accepted type.
    pub kind: OptionKind,
    /// The default, as text for people (`""` when there is none).
    pub default: &'static str,
    /// One line of documentation.
    pub doc: &'static str,
    /// The writer reads it at every write, so each image may have its own
    /// value ([`ImageFile::write_with_options`](crate::ImageFile::write_with_options));
    /// otherwise it is fixed when the resource is opened.
    pub per_write: bool,
}

impl OptionSpec {
    /// A spec (const, for `PluginInfo` tables).
    pub const fn new(
        name: &'static str,
        kind: OptionKind,
        default: &'static str,
        doc: &'static str,
    ) -> Self {
        OptionSpec {
            name,
            kind,
            default,
            doc,
            per_write: false,
        }
    }

    /// The same spec, for an option a writer reads at every write (a frame's
    /// duration, a page's compression).
    pub const fn per_write(mut self) -> Self {
        self.per_write = true;
        self
    }
}

/// Checks every option against `specs`: an unknown key or a wrong type is an
/// [`InvalidOption`](crate::ErrorKind::InvalidOption) error that lists the
/// accepted keys.
pub fn validate_options(options: &Options, specs: &[OptionSpec], what: &str) -> Result<()> {
    for (key, value) in options.iter() {
        match specs.iter().find(|s| s.name == key) {
            None => {
                let accepted = if specs.is_empty() {
                    "none".to_owned()
                } else {
                    specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
                };
                return Err(Error::invalid_option(format!(
                    "unknown {what} option {key:?}; accepted: {accepted}"
                )));
            }
            Some(spec) if !spec.kind.accepts(value) => {
                return Err(Error::invalid_option(format!(
                    "{what} option {key:?} takes {}, not {} {value}",
                    spec.kind.name(),
                    value.type_name()
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The message of every `dpi` option error.
pub const DPI_OPTION_HELP: &str = "dpi takes one positive number or a list [x, y] of two";

/// Reads the shared `dpi` write option (one number, or a list `[x, y]`) as
/// positive finite `(x, y)` dots per inch; `None` when it is absent.
pub fn dpi_option(options: &Options) -> Result<Option<(f64, f64)>> {
    let Some(v) = options.get(crate::keys::DPI) else {
        return Ok(None);
    };
    let (x, y) = match (v.as_float(), v.as_list()) {
        (Some(x), _) => (x, x),
        (None, Some([x, y])) => (
            x.as_float().unwrap_or(f64::NAN),
            y.as_float().unwrap_or(f64::NAN),
        ),
        _ => (f64::NAN, f64::NAN),
    };
    if !(x > 0.0 && y > 0.0 && x.is_finite() && y.is_finite()) {
        return Err(Error::invalid_option(DPI_OPTION_HELP));
    }
    Ok(Some((x, y)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[OptionSpec] = &[
        OptionSpec::new("quality", OptionKind::Int, "75", "JPEG quality"),
        OptionSpec::new("filter", OptionKind::Choice(&["none", "sub"]), "", ""),
        OptionSpec::new("duration", OptionKind::FloatOrList, "", ""),
    ];

    #[test]
    fn metadata_keeps_order_and_replaces_in_place() {
        let mut m = Metadata::new();
        m.insert("b", 1);
        m.insert("a", "x");
        m.insert("b", 2.5);
        assert_eq!(m.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(m.get("b"), Some(&Value::Float(2.5)));
        assert_eq!(m.remove("b"), Some(Value::Float(2.5)));
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn validation() {
        let ok: Options = [("quality", Value::Int(90))].into_iter().collect();
        validate_options(&ok, SPECS, "write").unwrap();
        let list: Options = [("duration", Value::List(vec![10.into(), 20.5.into()]))]
            .into_iter()
            .collect();
        validate_options(&list, SPECS, "write").unwrap();
        let bad: Options = [("qualty", Value::Int(90))].into_iter().collect();
        let e = validate_options(&bad, SPECS, "write").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidOption);
        assert!(e.message().contains("quality, filter, duration"), "{e}");
        let wrong: Options = [("quality", Value::Str("high".into()))]
            .into_iter()
            .collect();
        assert!(validate_options(&wrong, SPECS, "write").is_err());
        let choice: Options = [("filter", Value::Str("paeth".into()))]
            .into_iter()
            .collect();
        assert!(validate_options(&choice, SPECS, "write").is_err());
    }

    #[test]
    fn dpi_option_takes_a_number_or_a_pair() {
        let one: Options = [("dpi", Value::Int(300))].into_iter().collect();
        assert_eq!(dpi_option(&one).unwrap(), Some((300.0, 300.0)));
        let two: Options = [("dpi", Value::List(vec![72.into(), 96.5.into()]))]
            .into_iter()
            .collect();
        assert_eq!(dpi_option(&two).unwrap(), Some((72.0, 96.5)));
        assert_eq!(dpi_option(&Options::new()).unwrap(), None);
        let bad: Options = [("dpi", Value::Int(-1))].into_iter().collect();
        assert!(dpi_option(&bad).is_err());
    }

    #[test]
    fn display_summarises_bytes() {
        assert_eq!(Value::Bytes(vec![0; 10]).to_string(), "<10 bytes>");
        assert_eq!(
            Value::List(vec![1.into(), "a".into()]).to_string(),
            "[1, a]"
        );
    }
}
