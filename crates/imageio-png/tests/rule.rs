//! The channels of an APNG: RGB (or gray) unless the composited canvas can
//! show transparency, decided from the headers (`improps` agrees with
//! `imread`); one hand-built file per clause of the rule, written with the
//! `png` crate's encoder, and the pixels each returns.

use imageio::ndarray::{ArrayD, IxDyn};
use imageio::{improps_with, imread_with, ImageFile, Index, ReadOptions};
use png::{BlendOp, ColorType, DisposeOp};

fn ro() -> ReadOptions {
    ReadOptions::new().plugin("png")
}

/// One frame: region `(x, y, w, h)`, a flat value, dispose and blend ops.
struct F {
    rect: (u32, u32, u32, u32),
    value: u8,
    dispose: DisposeOp,
    blend: BlendOp,
}

fn f(rect: (u32, u32, u32, u32), value: u8, dispose: DisposeOp) -> F {
    F {
        rect,
        value,
        dispose,
        blend: BlendOp::Over,
    }
}

const FULL: (u32, u32, u32, u32) = (0, 0, 4, 3);
const NONE: DisposeOp = DisposeOp::None;

/// A 4x3 8-bit APNG of `frames` in `color`; with `default` a full default
/// image (value 9) outside the animation; with `trns` a tRNS chunk that
/// makes the value 0 transparent.
fn build(color: ColorType, default: bool, trns: bool, frames: &[F]) -> Vec<u8> {
    let samples = color.samples();
    let pixel = |v: u8| -> Vec<u8> {
        match color {
            ColorType::Grayscale => vec![v],
            ColorType::GrayscaleAlpha => vec![v, 255],
            ColorType::Rgb => vec![v, 0, 255 - v],
            _ => vec![v, 0, 255 - v, 255],
        }
    };
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, 4, 3);
        e.set_color(color);
        e.set_depth(png::BitDepth::Eight);
        if trns {
            // 16-bit samples of `pixel(0)`.
            e.set_trns(if samples == 1 {
                vec![0, 0]
            } else {
                vec![0, 0, 0, 0, 0, 255]
            });
        }
        e.set_animated(frames.len() as u32, 0).unwrap();
        e.set_sep_def_img(default).unwrap();
        let mut w = e.write_header().unwrap();
        if default {
            w.write_image_data(&pixel(9).repeat(12)).unwrap();
        }
        for fr in frames {
            let (x, y, fw, fh) = fr.rect;
            w.reset_frame_position().unwrap();
            w.set_frame_dimension(fw, fh).unwrap();
            w.set_frame_position(x, y).unwrap();
            w.set_dispose_op(fr.dispose).unwrap();
            w.set_blend_op(fr.blend).unwrap();
            w.write_image_data(&pixel(fr.value).repeat((fw * fh) as usize))
                .unwrap();
        }
        w.finish().unwrap();
    }
    out
}

/// Every image, stacked; asserts that `improps` (one image and the stack)
/// and a read of image 0 give the same shape.
fn read(bytes: &[u8]) -> ArrayD<u8> {
    let all = imread_with(bytes.to_vec(), &ro().index(Index::All))
        .unwrap()
        .into_array::<u8>()
        .unwrap();
    let p = improps_with(bytes.to_vec(), &ro()).unwrap();
    assert_eq!(p.shape, all.shape()[1..], "improps of image 0");
    let p = improps_with(bytes.to_vec(), &ro().index(Index::All)).unwrap();
    assert_eq!(p.shape, all.shape(), "improps of the stack");
    let first = imread_with(bytes.to_vec(), &ro()).unwrap();
    assert_eq!(first.shape(), &all.shape()[1..], "imread of image 0");
    all
}

/// The samples of pixel `(y, x)` of image `i`.
fn px(a: &ArrayD<u8>, i: usize, y: usize, x: usize) -> Vec<u8> {
    (0..a.shape()[3]).map(|c| a[IxDyn(&[i, y, x, c])]).collect()
}

#[test]
fn opaque_deltas_blended_over_read_as_rgb() {
    // A full opaque first frame, then OVER subframes: RGB (was RGB too).
    let bytes = build(
        ColorType::Rgb,
        false,
        false,
        &[f(FULL, 10, NONE), f((1, 1, 2, 2), 200, NONE)],
    );
    let a = read(&bytes);
    assert_eq!(a.shape(), &[2, 3, 4, 3]);
    assert_eq!(px(&a, 1, 0, 0), [10, 0, 245]);
    assert_eq!(px(&a, 1, 2, 2), [200, 0, 55]);
}

#[test]
fn clause_first_frame_not_covering_the_canvas_is_rgba() {
    // The default image is outside the animation, so the first animation
    // frame may be smaller than the canvas.
    let bytes = build(
        ColorType::Rgb,
        true,
        false,
        &[f((2, 0, 2, 3), 10, NONE), f(FULL, 20, NONE)],
    );
    let a = read(&bytes);
    assert_eq!(a.shape(), &[3, 3, 4, 4]);
    assert_eq!(px(&a, 0, 0, 0), [9, 0, 246, 255], "the default image");
    assert_eq!(px(&a, 1, 0, 0), [0, 0, 0, 0], "unpainted");
    assert_eq!(px(&a, 1, 0, 3), [10, 0, 245, 255]);
    assert_eq!(px(&a, 2, 0, 0), [20, 0, 235, 255]);
}

#[test]
fn clause_first_frame_with_transparency_is_rgba() {
    // An alpha channel, even with every pixel opaque.
    let bytes = build(ColorType::Rgba, false, false, &[f(FULL, 10, NONE)]);
    let a = read(&bytes);
    assert_eq!(a.shape(), &[1, 3, 4, 4]);
    assert_eq!(px(&a, 0, 1, 1), [10, 0, 245, 255]);
    // tRNS on RGB: value 0 is transparent.
    let bytes = build(
        ColorType::Rgb,
        false,
        true,
        &[f(FULL, 10, NONE), f((0, 0, 1, 1), 0, NONE)],
    );
    let a = read(&bytes);
    assert_eq!(a.shape(), &[2, 3, 4, 4]);
    assert_eq!(px(&a, 0, 0, 0), [10, 0, 245, 255]);
    // OVER: the transparent pixel shows frame 0.
    assert_eq!(px(&a, 1, 0, 0), [10, 0, 245, 255]);
}

#[test]
fn clause_frame_disposed_to_background_is_rgba() {
    let bytes = build(
        ColorType::Rgb,
        false,
        false,
        &[
            f(FULL, 10, NONE),
            f((0, 0, 1, 3), 20, DisposeOp::Background),
            f((3, 0, 1, 3), 30, NONE),
        ],
    );
    let a = read(&bytes);
    assert_eq!(a.shape(), &[3, 3, 4, 4]);
    assert_eq!(px(&a, 1, 1, 0), [20, 0, 235, 255]);
    assert_eq!(px(&a, 2, 1, 0), [0, 0, 0, 0], "disposed");
    assert_eq!(px(&a, 2, 1, 1), [10, 0, 245, 255]);
    // Covered again by an opaque frame, or the last frame: RGB.
    for frames in [
        vec![
            f(FULL, 10, NONE),
            f((0, 0, 1, 3), 20, DisposeOp::Background),
            f((0, 0, 2, 3), 30, NONE),
        ],
        vec![
            f(FULL, 10, NONE),
            f((0, 0, 1, 3), 20, DisposeOp::Background),
        ],
    ] {
        let a = read(&build(ColorType::Rgb, false, false, &frames));
        assert_eq!(a.shape()[3], 3);
    }
}

#[test]
fn clause_unpainted_area_under_a_later_frame_is_rgba() {
    // The first frame restored to previous is cleared (the spec): the next
    // frame does not cover the canvas.
    let bytes = build(
        ColorType::Rgb,
        false,
        false,
        &[f(FULL, 10, DisposeOp::Previous), f((0, 0, 2, 3), 20, NONE)],
    );
    let a = read(&bytes);
    assert_eq!(a.shape(), &[2, 3, 4, 4]);
    assert_eq!(px(&a, 1, 0, 3), [0, 0, 0, 0]);
    assert_eq!(px(&a, 1, 0, 0), [20, 0, 235, 255]);
    // A later frame restored to previous goes back to a painted canvas: RGB.
    let bytes = build(
        ColorType::Rgb,
        false,
        false,
        &[
            f(FULL, 10, NONE),
            f(FULL, 20, DisposeOp::Previous),
            f((0, 0, 2, 3), 30, NONE),
        ],
    );
    let a = read(&bytes);
    assert_eq!(a.shape(), &[3, 3, 4, 3]);
    assert_eq!(px(&a, 2, 0, 3), [10, 0, 245]);
    // SOURCE blending of an opaque frame is the same as OVER.
    let mut frames = vec![f(FULL, 10, NONE), f((1, 1, 2, 2), 20, NONE)];
    frames[1].blend = BlendOp::Source;
    assert_eq!(
        read(&build(ColorType::Rgb, false, false, &frames)).shape(),
        &[2, 3, 4, 3]
    );
}

#[test]
fn gray_animations_stay_gray() {
    let bytes = build(
        ColorType::Grayscale,
        false,
        false,
        &[f(FULL, 10, NONE), f((1, 1, 2, 2), 200, NONE)],
    );
    let all = imread_with(bytes.clone(), &ro().index(Index::All))
        .unwrap()
        .into_array::<u8>()
        .unwrap();
    assert_eq!(all.shape(), &[2, 3, 4]);
    assert_eq!(all[IxDyn(&[1, 0, 0])], 10);
    assert_eq!(all[IxDyn(&[1, 2, 2])], 200);
    let p = improps_with(bytes, &ro()).unwrap();
    assert_eq!(p.shape, [3, 4]);
    // Gray with an alpha channel: gray + alpha.
    let bytes = build(
        ColorType::GrayscaleAlpha,
        false,
        false,
        &[f(FULL, 10, NONE)],
    );
    let one = imread_with(bytes.clone(), &ro()).unwrap();
    assert_eq!(one.shape(), &[3, 4, 2]);
    assert_eq!(
        one.into_array::<u8>().unwrap()[IxDyn(&[2, 3, 1])],
        255,
        "alpha"
    );
}

#[test]
fn iteration_matches_the_stack() {
    let bytes = build(
        ColorType::Rgb,
        false,
        false,
        &[
            f(FULL, 10, NONE),
            f((0, 0, 2, 2), 20, DisposeOp::Previous),
            f((1, 1, 3, 2), 30, DisposeOp::Background),
            f((1, 1, 3, 2), 40, NONE),
        ],
    );
    let all = read(&bytes);
    assert_eq!(all.shape(), &[4, 3, 4, 3]);
    let mut file = ImageFile::open_read(bytes, &ro()).unwrap();
    for i in [3, 0, 1, 2, 3, 1] {
        let got = file.read(Index::At(i)).unwrap().into_array::<u8>().unwrap();
        assert_eq!(got, all.index_axis(imageio::ndarray::Axis(0), i), "{i}");
    }
}

#[test]
fn frame_0_read_directly_matches_the_compositor() {
    // Image 0 of an animation is decoded straight into the output. Drawn
    // onto the transparent canvas it is its own pixels, except that blend
    // OVER leaves a pixel of alpha 0 all 0. Frame 1 is fully transparent
    // and blended OVER, so it shows the compositor's canvas after frame 0.
    for depth16 in [false, true] {
        for blend in [BlendOp::Over, BlendOp::Source] {
            let px0: [[u16; 4]; 2] = [[10, 20, 30, 0], [40, 50, 60, 128]];
            let scale = if depth16 { 257 } else { 1 };
            let sample = |v: u16| -> Vec<u8> {
                if depth16 {
                    (v * scale).to_be_bytes().to_vec()
                } else {
                    vec![v as u8]
                }
            };
            let frame0: Vec<u8> = px0.iter().flatten().flat_map(|&v| sample(v)).collect();
            let frame1: Vec<u8> = [[7u16, 7, 7, 0]; 2]
                .iter()
                .flatten()
                .flat_map(|&v| sample(v))
                .collect();
            let mut bytes = Vec::new();
            {
                let mut e = png::Encoder::new(&mut bytes, 2, 1);
                e.set_color(ColorType::Rgba);
                e.set_depth(if depth16 {
                    png::BitDepth::Sixteen
                } else {
                    png::BitDepth::Eight
                });
                e.set_animated(2, 0).unwrap();
                let mut w = e.write_header().unwrap();
                w.set_blend_op(blend).unwrap();
                w.write_image_data(&frame0).unwrap();
                w.set_blend_op(BlendOp::Over).unwrap();
                w.write_image_data(&frame1).unwrap();
                w.finish().unwrap();
            }
            let shown: Vec<u16> = px0
                .iter()
                .flat_map(|p| match (blend, p[3]) {
                    (BlendOp::Over, 0) => [0; 4],
                    _ => *p,
                })
                .map(|v| v * scale)
                .collect();
            let samples = |img: imageio::NdImage| -> Vec<u16> {
                assert_eq!(img.shape(), &[1, 2, 4]);
                if depth16 {
                    img.into_array::<u16>().unwrap().iter().copied().collect()
                } else {
                    let a = img.into_array::<u8>().unwrap();
                    a.iter().map(|&v| u16::from(v)).collect()
                }
            };
            let what = format!("16-bit {depth16}, {blend:?}");
            let mut file = ImageFile::open_read(bytes.clone(), &ro()).unwrap();
            for i in [0, 1, 0, 0, 1] {
                let got = samples(file.read(Index::At(i)).unwrap());
                assert_eq!(got, shown, "{what}: frame {i}");
            }
        }
    }
}
