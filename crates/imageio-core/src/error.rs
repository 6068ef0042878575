//! The one error type of the workspace: an [`ErrorKind`], a message that tells a
//! person what went wrong, the plugin and resource the error concerns, and an
//! optional [`Hint`]: the remedy, kept as data so that each front end words it
//! in its own terms (the Rust API names a call, the `imageio` command a flag).

use std::fmt;

use crate::DType;

/// A specialised `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, coarsely. Match on this; read the message for details.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The resource does not exist (a missing file, an unknown standard image).
    NotFound,
    /// No linked plugin could serve the request.
    NoPlugin,
    /// The plugin that serves this format exists but is not linked into this
    /// program: add the crate or the facade feature the message names.
    PluginNotLinked,
    /// A plugin declined the request as "not mine". Normal during selection;
    /// callers only see it when they named the plugin explicitly.
    Declined,
    /// The plugin understood the request but cannot do it (a feature of the
    /// format it does not support, a shape it cannot write).
    Unsupported,
    /// An option was unknown, of the wrong type or out of range.
    InvalidOption,
    /// The input is not a valid image of its format (corrupt, truncated).
    Decode,
    /// Encoding failed.
    Encode,
    /// A size taken from the input exceeds the configured [`crate::Limits`].
    LimitExceeded,
    /// The image index is past the last image of the resource.
    IndexOutOfRange,
    /// The target exists and overwriting was not allowed.
    AlreadyExists,
    /// An operating-system I/O error (permission denied, disk full, ...).
    Io,
    /// The caller passed something the API cannot use (an array with an
    /// impossible shape, a dtype that does not match).
    InvalidInput,
    /// A bug in imageio-rs or in a backend (a backend that panicked).
    Internal,
}

impl ErrorKind {
    /// A stable integer for this kind, for callers across an FFI boundary.
    /// Numbers are never reused or renumbered.
    pub fn code(self) -> i32 {
        match self {
            ErrorKind::NotFound => 1,
            ErrorKind::NoPlugin => 2,
            ErrorKind::PluginNotLinked => 3,
            ErrorKind::Declined => 4,
            ErrorKind::Unsupported => 5,
            ErrorKind::InvalidOption => 6,
            ErrorKind::Decode => 7,
            ErrorKind::Encode => 8,
            ErrorKind::LimitExceeded => 9,
            ErrorKind::IndexOutOfRange => 10,
            ErrorKind::AlreadyExists => 11,
            ErrorKind::Io => 12,
            ErrorKind::InvalidInput => 13,
            ErrorKind::Internal => 14,
        }
    }

    fn label(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::NoPlugin => "no plugin",
            ErrorKind::PluginNotLinked => "plugin not linked",
            ErrorKind::Declined => "declined",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::InvalidOption => "invalid option",
            ErrorKind::Decode => "decode error",
            ErrorKind::Encode => "encode error",
            ErrorKind::LimitExceeded => "limit exceeded",
            ErrorKind::IndexOutOfRange => "index out of range",
            ErrorKind::AlreadyExists => "already exists",
            ErrorKind::Io => "I/O error",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Internal => "internal error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A remedy an error suggests. It is data, not text, so that there is one
/// source of truth for it and each front end renders it in its own terms:
/// [`Error`]'s `Display` (the Rust API) names the call (`.cast(DType::U8)`),
/// the `imageio` command names the flag (`--dtype uint8`). A message never
/// spells out a remedy that its hint covers.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hint {
    /// Convert the samples to one of these dtypes: the ones the target can
    /// store, the most precise first.
    Cast(Vec<DType>),
    /// Drop the alpha channel, which the format cannot store. `option` is the
    /// plugin's boolean write option that drops it while writing, if any.
    DropAlpha {
        /// The write option that drops the alpha channel (`"drop_alpha"`).
        option: Option<&'static str>,
    },
    /// Write the stack one image per page or frame
    /// ([`WriteOptions::is_batch`](crate::WriteOptions::is_batch)).
    WriteAsBatch,
    /// Raise [`Limits::max_alloc`](crate::Limits::max_alloc) if the input is
    /// trusted.
    RaiseMaxAlloc,
    /// Raise [`Limits::max_pixels`](crate::Limits::max_pixels) if the input is
    /// trusted.
    RaiseMaxPixels,
    /// Raise [`Limits::max_width`](crate::Limits::max_width) and
    /// [`max_height`](crate::Limits::max_height) if the input is trusted.
    RaiseMaxSize,
    /// Say which format to write: an extension on the path, or
    /// [`WriteOptions::extension`](crate::WriteOptions::extension).
    NameFormat,
    /// Read the images one at a time instead of as one stack (their stack
    /// is over the limits): [`imiter`](crate::imiter), or raise
    /// [`Limits::max_alloc`](crate::Limits::max_alloc) if trusted.
    ReadOneByOne,
    /// The target is read-only (a URL, a standard image): write to a file,
    /// or encode into memory ([`imencode`](crate::imencode)).
    WriteElsewhere,
}

impl fmt::Display for Hint {
    /// The Rust API's wording: the call that does it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hint::Cast(to) => {
                let calls: Vec<String> =
                    to.iter().map(|d| format!(".cast(DType::{d:?})")).collect();
                write!(
                    f,
                    "cast the array first ({}; values are not rescaled)",
                    calls.join(" or ")
                )
            }
            Hint::DropAlpha { option } => {
                if let Some(o) = option {
                    write!(f, "pass .option(\"{o}\", true) to write without it, or ")?;
                }
                f.write_str(
                    "convert the image first with imageio::plugin::convert_mode(image, \
                     Mode::Rgb (Mode::Gray for gray+alpha), is_batch)",
                )
            }
            Hint::WriteAsBatch => {
                f.write_str("write a stack page by page: WriteOptions::is_batch(true)")
            }
            Hint::RaiseMaxAlloc => {
                f.write_str("raise Limits::max_alloc (ReadOptions::limits) if the input is trusted")
            }
            Hint::RaiseMaxPixels => f.write_str(
                "raise Limits::max_pixels (ReadOptions::limits) if the input is trusted",
            ),
            Hint::RaiseMaxSize => f.write_str(
                "raise Limits::max_width/max_height (ReadOptions::limits) if the input is trusted",
            ),
            Hint::NameFormat => {
                f.write_str("give the path an extension or pass one (WriteOptions::extension)")
            }
            Hint::ReadOneByOne => f.write_str(
                "read the images one at a time with imiter, or raise Limits::max_alloc \
                 (ReadOptions::limits) if the input is trusted",
            ),
            Hint::WriteElsewhere => f.write_str(
                "write to a file, or encode into memory with imencode (or Uri::memory(\".ext\"))",
            ),
        }
    }
}

/// The error of every imageio-rs operation.
///
/// Its [`Display`](fmt::Display) form is one line meant for a person:
/// `resource: [plugin] message; hint`, the [`Hint`] worded for the Rust API.
/// Other front ends word it their own way with [`Error::display_with`].
pub struct Error {
    kind: ErrorKind,
    message: String,
    plugin: Option<String>,
    resource: Option<String>,
    hint: Option<Hint>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a message for a person.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            plugin: None,
            resource: None,
            hint: None,
            source: None,
        }
    }

    /// "Not mine": the plugin declines the request; selection moves on.
    pub fn declined(reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::Declined, reason)
    }
    /// The input is not valid for its format.
    pub fn decode(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Decode, message)
    }
    /// Encoding failed.
    pub fn encode(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Encode, message)
    }
    /// A feature the plugin does not support.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }
    /// An option that is unknown, mistyped or out of range.
    pub fn invalid_option(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidOption, message)
    }
    /// The caller's input cannot be used.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }
    /// A limit was exceeded.
    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::LimitExceeded, message)
    }
    /// The index is past the last image; `n` is the number of images when known.
    pub fn index_out_of_range(index: usize, n: Option<usize>) -> Self {
        let msg = match n {
            Some(n) => {
                format!("image index {index} is out of range: the resource has {n} image(s)")
            }
            None => format!("image index {index} is out of range"),
        };
        Self::new(ErrorKind::IndexOutOfRange, msg)
    }
    /// An I/O error, with the operating system's error kept as the source.
    pub fn io(err: std::io::Error) -> Self {
        let kind = match err.kind() {
            std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            std::io::ErrorKind::AlreadyExists => ErrorKind::AlreadyExists,
            std::io::ErrorKind::UnexpectedEof => ErrorKind::Decode,
            _ => ErrorKind::Io,
        };
        let message = match err.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                "unexpected end of data: the file is truncated".into()
            }
            _ => err.to_string(),
        };
        Error {
            kind,
            message,
            plugin: None,
            resource: None,
            hint: None,
            source: Some(Box::new(err)),
        }
    }
    /// An internal error (a bug, or a backend that panicked).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// Keeps `source` as the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }
    /// Tags the error with the plugin it concerns (kept if already set).
    pub fn with_plugin(mut self, plugin: &str) -> Self {
        if self.plugin.is_none() {
            self.plugin = Some(plugin.to_owned());
        }
        self
    }
    /// Tags the error with the resource it concerns (kept if already set).
    pub fn with_resource(mut self, resource: &str) -> Self {
        if self.resource.is_none() {
            self.resource = Some(resource.to_owned());
        }
        self
    }

    /// Attaches the remedy (replacing any earlier one).
    pub fn with_hint(mut self, hint: Hint) -> Self {
        self.hint = Some(hint);
        self
    }

    /// What went wrong, coarsely.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The stable integer of [`kind`](Self::kind), for FFI callers.
    pub fn code(&self) -> i32 {
        self.kind.code()
    }
    /// The remedy the error suggests, if any.
    pub fn hint(&self) -> Option<&Hint> {
        self.hint.as_ref()
    }
    /// The one-line form with the hint worded by `render` (a front end's own
    /// terms) instead of the Rust API's: `resource: [plugin] message; hint`.
    pub fn display_with(&self, render: impl FnOnce(&Hint) -> String) -> String {
        let mut s = String::new();
        if let Some(r) = &self.resource {
            s.push_str(r);
            s.push_str(": ");
        }
        if let Some(p) = &self.plugin {
            s.push('[');
            s.push_str(p);
            s.push_str("] ");
        }
        s.push_str(&self.message);
        if let Some(h) = &self.hint {
            s.push_str("; ");
            s.push_str(&render(h));
        }
        s
    }
    /// The message, without the resource, plugin and hint.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The plugin the error concerns, if any.
    pub fn plugin(&self) -> Option<&str> {
        self.plugin.as_deref()
    }
    /// The resource (file name, URI) the error concerns, if any.
    pub fn resource(&self) -> Option<&str> {
        self.resource.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_with(|h| h.to_string()))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("plugin", &self.plugin)
            .field("resource", &self.resource)
            .field("hint", &self.hint)
            .field("source", &self.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::io(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_resource_and_plugin() {
        let e = Error::decode("bad chunk")
            .with_plugin("png")
            .with_resource("a.png");
        assert_eq!(e.to_string(), "a.png: [png] bad chunk");
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(e.code(), 7);
    }

    #[test]
    fn first_tag_wins() {
        let e = Error::decode("x").with_resource("a").with_resource("b");
        assert_eq!(e.resource(), Some("a"));
    }

    #[test]
    fn hint_is_rendered_by_each_front_end() {
        let e = Error::unsupported("PNG stores u8 or u16 samples, not float32")
            .with_plugin("png")
            .with_resource("a.png")
            .with_hint(Hint::Cast(vec![DType::U16, DType::U8]));
        assert_eq!(e.hint(), Some(&Hint::Cast(vec![DType::U16, DType::U8])));
        assert_eq!(e.message(), "PNG stores u8 or u16 samples, not float32");
        assert_eq!(
            e.to_string(),
            "a.png: [png] PNG stores u8 or u16 samples, not float32; cast the array first \
             (.cast(DType::U16) or .cast(DType::U8); values are not rescaled)"
        );
        let cli = e.display_with(|h| match h {
            Hint::Cast(d) => format!("use --dtype {}", d[0]),
            _ => String::new(),
        });
        assert_eq!(
            cli,
            "a.png: [png] PNG stores u8 or u16 samples, not float32; use --dtype uint16"
        );
        let plain = Error::decode("bad").with_resource("a");
        assert_eq!(plain.display_with(|_| unreachable!()), "a: bad");
        let alpha = Error::unsupported("no alpha").with_hint(Hint::DropAlpha {
            option: Some("drop_alpha"),
        });
        assert!(
            alpha.to_string().contains(".option(\"drop_alpha\", true)"),
            "{alpha}"
        );
    }

    #[test]
    fn io_kinds_map() {
        let e = Error::io(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e = Error::io(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        assert_eq!(e.kind(), ErrorKind::Decode);
    }
}
