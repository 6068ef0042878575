//! The options of the verbs: [`ReadOptions`] (which image, plugin,
//! conversions, limits, plugin options) and [`WriteOptions`] (plugin,
//! extension, overwriting, batch, plugin options).

use crate::convert::Mode;
use crate::value::{Options, Value};
use crate::{DType, Index, Limits};

/// Options of a read: which image, which plugin, conversions, limits, and
/// plugin options (validated against the plugin's declared specs).
///
/// ```
/// use imageio_core::{ReadOptions, Index, Mode, DType};
/// let o = ReadOptions::new().index(Index::All).mode(Mode::Rgb).dtype(DType::F32);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    pub(crate) index: Index,
    pub(crate) plugin: Option<String>,
    pub(crate) extension: Option<String>,
    pub(crate) mode: Option<Mode>,
    pub(crate) dtype: Option<DType>,
    pub(crate) limits: Limits,
    pub(crate) options: Options,
}

impl ReadOptions {
    /// Defaults: the first image, any plugin, no conversion, default limits.
    pub fn new() -> Self {
        Self::default()
    }
    /// Which image to read (`Index::At(0)` by default, or `Index::All`).
    pub fn index(mut self, index: Index) -> Self {
        self.index = index;
        self
    }
    /// Use this plugin only.
    pub fn plugin(mut self, name: &str) -> Self {
        self.plugin = Some(name.to_owned());
        self
    }
    /// Treat the resource as having this extension (`".png"`), for plugin
    /// selection; useful for bytes.
    pub fn extension(mut self, ext: &str) -> Self {
        self.extension = Some(ext.to_owned());
        self
    }
    /// Convert the result to this colour mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }
    /// Cast the result to this dtype (values are not rescaled).
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = Some(dtype);
        self
    }
    /// Limits for this read.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
    /// A plugin option.
    pub fn option(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.options.insert(key, value);
        self
    }
    /// The index of this read.
    pub fn get_index(&self) -> Index {
        self.index
    }
}

/// Options of a write: plugin, extension, overwriting, batch, plugin options.
///
/// ```
/// use imageio_core::WriteOptions;
/// let o = WriteOptions::new().option("quality", 90).overwrite(false);
/// ```
#[derive(Clone, Debug)]
pub struct WriteOptions {
    pub(crate) plugin: Option<String>,
    pub(crate) extension: Option<String>,
    pub(crate) overwrite: bool,
    pub(crate) is_batch: Option<bool>,
    pub(crate) options: Options,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            plugin: None,
            extension: None,
            overwrite: true,
            is_batch: None,
            options: Options::new(),
        }
    }
}

impl WriteOptions {
    /// Defaults: any plugin, overwrite allowed, batch guessed from the shape.
    pub fn new() -> Self {
        Self::default()
    }
    /// Use this plugin only.
    pub fn plugin(mut self, name: &str) -> Self {
        self.plugin = Some(name.to_owned());
        self
    }
    /// Write in the format of this extension, whatever the path says.
    pub fn extension(mut self, ext: &str) -> Self {
        self.extension = Some(ext.to_owned());
        self
    }
    /// `false`: never replace an existing file ([`ErrorKind::AlreadyExists`]).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }
    /// Whether the array is a stack of images on its first axis. Unset, a
    /// 4-d array or a 3-d array whose last axis is longer than 4 is a stack.
    pub fn is_batch(mut self, is_batch: bool) -> Self {
        self.is_batch = Some(is_batch);
        self
    }
    /// A plugin option.
    pub fn option(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.options.insert(key, value);
        self
    }
}

/// Guesses whether `shape` is a stack: `(N, H, W, C)`, or `(N, H, W)` with
/// W > 4. `(H, W, C)` with C <= 4 is one image.
pub fn guess_is_batch(shape: &[usize]) -> bool {
    match shape.len() {
        4 => true,
        3 => shape[2] > 4,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_guess() {
        assert!(guess_is_batch(&[5, 10, 10, 3]));
        assert!(guess_is_batch(&[5, 10, 10]));
        assert!(!guess_is_batch(&[10, 10, 3]));
        assert!(!guess_is_batch(&[10, 10]));
    }
}
