//! The `rotate` read option: EXIF orientation applied to a still image's
//! array (the eight flips and rotations), and the shape it gives.

use imageio_core::ndarray::{ArrayD, Axis};
use imageio_core::{NdImage, Result};

/// The EXIF orientation code (1..=8) for `image`'s orientation.
pub(crate) fn code(o: image::metadata::Orientation) -> u32 {
    use image::metadata::Orientation as O;
    match o {
        O::NoTransforms => 1,
        O::FlipHorizontal => 2,
        O::Rotate180 => 3,
        O::FlipVertical => 4,
        O::Rotate90FlipH => 5,
        O::Rotate90 => 6,
        O::Rotate270FlipH => 7,
        O::Rotate270 => 8,
    }
}

/// The shape after orientation `o`: height and width swap for 5..=8.
pub(crate) fn shape(mut shape: Vec<usize>, o: u32) -> Vec<usize> {
    if (5..=8).contains(&o) && shape.len() >= 2 {
        shape.swap(0, 1);
    }
    shape
}

/// Applies orientation `o` (1..=8; anything else leaves the image as it is)
/// to an `(H, W[, C])` image, so that it displays upright.
pub(crate) fn apply(img: NdImage, o: u32) -> Result<NdImage> {
    if !(2..=8).contains(&o) || img.ndim() < 2 {
        return Ok(img);
    }
    Ok(imageio_core::with_ndimage!(img, a => map orient(a, o)))
}

/// Orientation `o` on one typed array: 5..=8 transpose first, then flips.
fn orient<T: Clone>(a: ArrayD<T>, o: u32) -> ArrayD<T> {
    let mut v = a.view();
    if (5..=8).contains(&o) {
        let mut axes: Vec<usize> = (0..v.ndim()).collect();
        axes.swap(0, 1);
        v = v.permuted_axes(axes);
    }
    let (flip_rows, flip_cols) = match o {
        2 | 6 => (false, true),
        3 | 7 => (true, true),
        4 | 8 => (true, false),
        _ => (false, false),
    };
    if flip_rows {
        v.invert_axis(Axis(0));
    }
    if flip_cols {
        v.invert_axis(Axis(1));
    }
    v.as_standard_layout().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use imageio_core::ndarray::arr2;

    /// [[1 2 3] [4 5 6]] under each orientation, as a viewer shows it.
    #[test]
    fn eight_orientations() {
        let img = NdImage::from(arr2(&[[1u8, 2, 3], [4, 5, 6]]));
        let want: [&[u8]; 8] = [
            &[1, 2, 3, 4, 5, 6],
            &[3, 2, 1, 6, 5, 4],
            &[6, 5, 4, 3, 2, 1],
            &[4, 5, 6, 1, 2, 3],
            &[1, 4, 2, 5, 3, 6],
            &[4, 1, 5, 2, 6, 3],
            &[6, 3, 5, 2, 4, 1],
            &[3, 6, 2, 5, 1, 4],
        ];
        for (o, want) in (1..=8).zip(want) {
            let got = apply(img.clone(), o).unwrap();
            assert_eq!(got.shape(), shape(vec![2, 3], o).as_slice(), "{o}");
            let a = got.as_array::<u8>().unwrap();
            assert_eq!(a.iter().copied().collect::<Vec<_>>(), want, "{o}");
        }
        assert_eq!(apply(img.clone(), 0).unwrap(), img);
        assert_eq!(apply(img.clone(), 9).unwrap(), img);
    }
}
