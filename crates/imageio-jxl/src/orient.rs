//! The orientation (1..8, the EXIF convention the JPEG XL header uses):
//! jxl-oxide renders oriented pixels, and a read returns the stored ones
//! unless asked, so the orientation is undone here.

/// Where the pixel at `(x, y)` of the oriented (displayed) image, `width`
/// x `height` pixels, is in the stored image. The orientation says how
/// the stored image is turned for display: 2 flips it left-right, 3 turns
/// it 180 degrees, 4 flips it top-bottom, 5 transposes it, 6 turns it 90
/// degrees clockwise, 7 transposes it across the other diagonal, 8 turns
/// it 90 degrees counter-clockwise.
pub(crate) fn stored_xy(
    orientation: u32,
    x: usize,
    y: usize,
    width: usize,
    height: usize,
) -> (usize, usize) {
    match orientation {
        2 => (width - 1 - x, y),
        3 => (width - 1 - x, height - 1 - y),
        4 => (x, height - 1 - y),
        5 => (y, x),
        6 => (y, width - 1 - x),
        7 => (height - 1 - y, width - 1 - x),
        8 => (height - 1 - y, x),
        _ => (x, y),
    }
}

/// Undoes `orientation` on an oriented image of `height` x `width` pixels
/// with `channels` interleaved samples: returns the stored image (its
/// width and height swapped for orientations 5 to 8).
pub(crate) fn unorient<T: Copy + Default>(
    oriented: &[T],
    orientation: u32,
    height: usize,
    width: usize,
    channels: usize,
) -> Vec<T> {
    if !(2..=8).contains(&orientation) {
        return oriented.to_vec();
    }
    let stored_width = if orientation >= 5 { height } else { width };
    let mut out = vec![T::default(); oriented.len()];
    for y in 0..height {
        for x in 0..width {
            let (sx, sy) = stored_xy(orientation, x, y, width, height);
            let from = (y * width + x) * channels;
            let to = (sy * stored_width + sx) * channels;
            out[to..to + channels].copy_from_slice(&oriented[from..from + channels]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored 2x3 image [[1 2 3] [4 5 6]] as each orientation displays
    /// it (the EXIF definitions: row 0 of the display is ... of the stored
    /// image), as (height, width, samples).
    fn displayed(o: u32) -> (usize, usize, Vec<u8>) {
        match o {
            1 => (2, 3, vec![1, 2, 3, 4, 5, 6]),
            2 => (2, 3, vec![3, 2, 1, 6, 5, 4]),
            3 => (2, 3, vec![6, 5, 4, 3, 2, 1]),
            4 => (2, 3, vec![4, 5, 6, 1, 2, 3]),
            5 => (3, 2, vec![1, 4, 2, 5, 3, 6]),
            6 => (3, 2, vec![4, 1, 5, 2, 6, 3]),
            7 => (3, 2, vec![6, 3, 5, 2, 4, 1]),
            8 => (3, 2, vec![3, 6, 2, 5, 1, 4]),
            _ => unreachable!(),
        }
    }

    #[test]
    fn every_orientation_is_undone() {
        for o in 1..=8 {
            let (h, w, shown) = displayed(o);
            assert_eq!(
                unorient(&shown, o, h, w, 1),
                [1, 2, 3, 4, 5, 6],
                "orientation {o}"
            );
            // Two interleaved channels move together.
            let two: Vec<u16> = shown
                .iter()
                .flat_map(|&v| [v.into(), 100 + u16::from(v)])
                .collect();
            let back = unorient(&two, o, h, w, 2);
            let expect: Vec<u16> = (1..=6).flat_map(|v| [v, 100 + v]).collect();
            assert_eq!(back, expect, "orientation {o}, two channels");
        }
    }
}
