//! The one error type of the workspace: an [`ErrorKind`], a message that tells a
//! person what to do next, and the plugin and resource the error concerns.

use std::fmt;

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

/// The error of every imageio-rs operation.
///
/// Its [`Display`](fmt::Display) form is one line meant for a person:
/// `resource: [plugin] message`.
pub struct Error {
    kind: ErrorKind,
    message: String,
    plugin: Option<String>,
    resource: Option<String>,
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

    /// What went wrong, coarsely.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The stable integer of [`kind`](Self::kind), for FFI callers.
    pub fn code(&self) -> i32 {
        self.kind.code()
    }
    /// The message, without the resource and plugin.
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
        if let Some(r) = &self.resource {
            write!(f, "{r}: ")?;
        }
        if let Some(p) = &self.plugin {
            write!(f, "[{p}] ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("plugin", &self.plugin)
            .field("resource", &self.resource)
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
    fn io_kinds_map() {
        let e = Error::io(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e = Error::io(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        assert_eq!(e.kind(), ErrorKind::Decode);
    }
}
