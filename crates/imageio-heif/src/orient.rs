//! Orientation: a HEIF item's `irot`/`imir` properties as one EXIF
//! orientation (1..8), and that orientation applied to (or undone on) an
//! array.

use imageio_core::ndarray::{Array2, ArrayD, Axis};
use imageio_core::plugin::apply_orientation;
use imageio_core::NdImage;

use crate::boxes::Transform;

/// The EXIF orientation (1..8) equal to applying `transforms` in order.
///
/// Found by applying them to a small array of distinct values and matching
/// the result against the eight orientations, so the two descriptions can
/// never disagree on a direction.
pub(crate) fn orientation_of(transforms: &[Transform]) -> u32 {
    let start = Array2::from_shape_fn((2, 3), |(r, c)| (r * 3 + c) as u8).into_dyn();
    let mut a = start.clone();
    for t in transforms {
        a = match *t {
            Transform::Rotate(k) => (0..k).fold(a, |x, _| rotate_ccw(x)),
            Transform::Mirror(0) => flipped(a, 0),
            Transform::Mirror(_) => flipped(a, 1),
        };
    }
    let (start, a) = (NdImage::U8(start), NdImage::U8(a));
    (1..=8)
        .find(|&o| apply_orientation(start.clone(), o).is_ok_and(|x| x == a))
        .unwrap_or(1)
}

/// The orientation that undoes `o` (6 and 8 are each other's inverse; the
/// others are their own).
pub(crate) fn inverse(o: u32) -> u32 {
    match o {
        6 => 8,
        8 => 6,
        o => o,
    }
}

/// A quarter turn anti-clockwise: transpose, then flip the rows.
fn rotate_ccw<T: Clone>(a: ArrayD<T>) -> ArrayD<T> {
    let mut axes: Vec<usize> = (0..a.ndim()).collect();
    axes.swap(0, 1);
    flipped(a.permuted_axes(axes), 0)
}

/// `a` flipped along `axis`, in standard layout.
fn flipped<T: Clone>(mut a: ArrayD<T>, axis: usize) -> ArrayD<T> {
    a.invert_axis(Axis(axis));
    a.as_standard_layout().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use imageio_core::ndarray::arr2;

    #[test]
    fn transforms_map_to_exif_orientations() {
        use Transform::*;
        assert_eq!(orientation_of(&[]), 1);
        assert_eq!(orientation_of(&[Mirror(1)]), 2);
        assert_eq!(orientation_of(&[Rotate(2)]), 3);
        assert_eq!(orientation_of(&[Mirror(0)]), 4);
        // A quarter turn clockwise is three anti-clockwise: EXIF 6.
        assert_eq!(orientation_of(&[Rotate(3)]), 6);
        assert_eq!(orientation_of(&[Rotate(1)]), 8);
        assert_eq!(orientation_of(&[Rotate(1), Mirror(0)]), 5);
        assert_eq!(orientation_of(&[Rotate(1), Mirror(1)]), 7);
    }

    #[test]
    fn inverse_undoes() {
        let a = NdImage::U8(arr2(&[[1u8, 2, 3], [4, 5, 6]]).into_dyn());
        for o in 1..=8 {
            let there = apply_orientation(a.clone(), o).unwrap();
            assert_eq!(
                apply_orientation(there, inverse(o)).unwrap(),
                a,
                "orientation {o}"
            );
        }
    }
}
