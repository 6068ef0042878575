//! Which image to read ([`Index`]) and the standard [`ImageProperties`] of
//! what a read returns, the same for every format.

use crate::{DType, NdImage};

/// Which image(s) of a resource to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Index {
    /// The n-th image, page or frame (0-based). The default is `At(0)`: the
    /// first image, page or frame, for every plugin.
    At(usize),
    /// Every image, stacked on a new leading axis.
    All,
}

impl Default for Index {
    fn default() -> Self {
        Index::At(0)
    }
}

/// The standard properties of an image (or of a stack, with `Index::All`),
/// the same for every format, computed without decoding pixels wherever the
/// format allows.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageProperties {
    /// The shape of the array a read returns.
    pub shape: Vec<usize>,
    /// The dtype of the array a read returns.
    pub dtype: DType,
    /// The number of images, with `Index::All` (and when cheaply known).
    pub n_images: Option<usize>,
    /// True when `shape` describes a stack (`Index::All`).
    pub is_batch: bool,
    /// Physical size of a pixel per axis (`(dy, dx)`), when the format stores it.
    pub spacing: Option<Vec<f64>>,
}

impl ImageProperties {
    /// Properties of one image of `shape` and `dtype`.
    pub fn new(shape: Vec<usize>, dtype: DType) -> Self {
        ImageProperties {
            shape,
            dtype,
            n_images: None,
            is_batch: false,
            spacing: None,
        }
    }
    /// Properties of an array already in hand.
    pub fn of(img: &NdImage) -> Self {
        Self::new(img.shape().to_vec(), img.dtype())
    }
}
