//! The EXIF orientation (1..8) applied to an array, written once for the
//! plugins whose formats store one (JPEG, HEIF, the `image`-based fallback):
//! the eight flips and rotations that make an `(H, W[, C])` image display
//! upright.

use ndarray::{ArrayD, Axis};

use crate::{NdImage, Result};

/// Applies EXIF `orientation` (1..8; anything else leaves the image as it
/// is) to an `(H, W[, C])` image, so that it displays upright.
pub fn apply_orientation(img: NdImage, orientation: u32) -> Result<NdImage> {
    if !(2..=8).contains(&orientation) || img.ndim() < 2 {
        return Ok(img);
    }
    Ok(crate::with_ndimage!(img, a => map orient(a, orientation)))
}

/// The shape of an image of `shape` after [`apply_orientation`]: height and
/// width swap for orientations 5..=8.
pub fn oriented_shape(mut shape: Vec<usize>, orientation: u32) -> Vec<usize> {
    if (5..=8).contains(&orientation) && shape.len() >= 2 {
        shape.swap(0, 1);
    }
    shape
}

/// Orientation `o` on one typed array: 5..8 transpose first, then flips.
fn orient<T: Clone>(a: ArrayD<T>, o: u32) -> ArrayD<T> {
    let mut v = a.view();
    if (5..=8).contains(&o) {
        let mut axes: Vec<usize> = (0..v.ndim()).collect();
        axes.swap(0, 1);
        v = v.permuted_axes(axes);
    }
    // (flip rows, flip columns) after the transpose.
    let (rows, cols) = match o {
        2 | 6 => (false, true),
        3 | 7 => (true, true),
        4 | 8 => (true, false),
        _ => (false, false),
    };
    if rows {
        v.invert_axis(Axis(0));
    }
    if cols {
        v.invert_axis(Axis(1));
    }
    v.as_standard_layout().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr2;

    /// The 2x3 image [[1 2 3] [4 5 6]] under every orientation, as the EXIF
    /// specification draws them (what a viewer shows).
    #[test]
    fn all_eight() {
        let img = NdImage::from(arr2(&[[1u8, 2, 3], [4, 5, 6]]));
        let want: [&[&[u8]]; 8] = [
            &[&[1, 2, 3], &[4, 5, 6]],
            &[&[3, 2, 1], &[6, 5, 4]],
            &[&[6, 5, 4], &[3, 2, 1]],
            &[&[4, 5, 6], &[1, 2, 3]],
            &[&[1, 4], &[2, 5], &[3, 6]],
            &[&[4, 1], &[5, 2], &[6, 3]],
            &[&[6, 3], &[5, 2], &[4, 1]],
            &[&[3, 6], &[2, 5], &[1, 4]],
        ];
        for (o, rows) in (1..=8).zip(want) {
            let got = apply_orientation(img.clone(), o).unwrap();
            assert_eq!(got.shape(), oriented_shape(vec![2, 3], o).as_slice(), "{o}");
            let flat: Vec<u8> = rows.iter().flat_map(|r| r.iter().copied()).collect();
            let expect = NdImage::from_shape_vec(&[rows.len(), rows[0].len()], flat).unwrap();
            assert_eq!(got, expect, "orientation {o}");
        }
        assert_eq!(apply_orientation(img.clone(), 0).unwrap(), img);
        assert_eq!(apply_orientation(img.clone(), 9).unwrap(), img);
    }
}
