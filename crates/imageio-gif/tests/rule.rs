//! The RGB/RGBA rule of animated GIFs and the lazy reads: files written by
//! Pillow and ffmpeg (in `tests/data`, made by `tests/data/make_data.py`,
//! compared with Pillow's decode), hand-built files for each clause of the
//! rule, and files whose later frames are broken or cut, which frame 0 and
//! the header questions must not touch.

use std::borrow::Cow;

use gif::{DisposalMethod, Encoder, Frame};
use imageio::ndarray::{Array4, Axis};
use imageio::{
    immeta_with, improps_with, imread_with, ErrorKind, ImageFile, Index, ReadOptions, Value,
};

fn ro() -> ReadOptions {
    ReadOptions::new().plugin("gif")
}

/// The samples of pixel `(y, x)` of frame `f`.
fn px(a: &Array4<u8>, f: usize, y: usize, x: usize) -> Vec<u8> {
    a.index_axis(Axis(0), f)
        .index_axis(Axis(0), y)
        .index_axis(Axis(0), x)
        .to_vec()
}

fn data(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every frame, as a `(n, h, w, c)` u8 array.
fn all(bytes: &[u8]) -> Array4<u8> {
    imread_with(bytes.to_vec(), &ro().index(Index::All))
        .unwrap()
        .into_array::<u8>()
        .unwrap()
        .into_dimensionality()
        .unwrap()
}

/// The shape `improps` gives for frame 0 and for the stack; asserts that
/// they agree with each other and with what `imread` returns.
fn props_agree(bytes: &[u8], stack: &[usize]) {
    let p = improps_with(bytes.to_vec(), &ro()).unwrap();
    assert_eq!(p.shape, stack[1..], "improps of frame 0");
    assert_eq!(p.n_images, Some(stack[0]));
    let p = improps_with(bytes.to_vec(), &ro().index(Index::All)).unwrap();
    assert_eq!(p.shape, stack, "improps of the stack");
    let first = imread_with(bytes.to_vec(), &ro()).unwrap();
    assert_eq!(first.shape(), &stack[1..], "imread of frame 0");
}

/// Palette of the hand-built files: 0 black, 1 red, 2 green, 3 blue.
const PAL: [u8; 12] = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255];

/// One hand-built frame: rectangle, one index everywhere except `hole`
/// (the transparent index 0 in its first pixel when `transparent`), and the
/// disposal.
struct F {
    rect: (u16, u16, u16, u16),
    index: u8,
    transparent: bool,
    dispose: DisposalMethod,
}

fn f(rect: (u16, u16, u16, u16), index: u8, transparent: bool, dispose: DisposalMethod) -> F {
    F {
        rect,
        index,
        transparent,
        dispose,
    }
}

/// A 4x3 (w x h) GIF of `frames`, written by the `gif` crate's encoder.
fn build(frames: &[F]) -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut e = Encoder::new(&mut bytes, 4, 3, &PAL).unwrap();
        for fr in frames {
            let (left, top, width, height) = fr.rect;
            let mut buffer = vec![fr.index; width as usize * height as usize];
            if fr.transparent {
                buffer[0] = 0;
            }
            e.write_frame(&Frame {
                left,
                top,
                width,
                height,
                buffer: Cow::Owned(buffer),
                transparent: fr.transparent.then_some(0),
                dispose: fr.dispose,
                ..Frame::default()
            })
            .unwrap();
        }
    }
    bytes
}

const FULL: (u16, u16, u16, u16) = (0, 0, 4, 3);
const KEEP: DisposalMethod = DisposalMethod::Keep;

#[test]
fn pillow_delta_gif_reads_as_rgb_as_pillow_decodes_it() {
    // Frames 1 and 2 carry a transparent index (unchanged pixels): the old
    // rule returned RGBA with alpha 255 everywhere.
    let bytes = data("pillow_delta.gif");
    let got = all(&bytes);
    assert_eq!(got.shape(), &[3, 20, 24, 3]);
    assert_eq!(got.as_slice().unwrap(), &data("pillow_delta.rgb")[..]);
    props_agree(&bytes, &[3, 20, 24, 3]);
    let m = immeta_with(bytes, &ro().index(Index::All)).unwrap();
    let ms = Value::List(vec![100.0.into(), 200.0.into(), 300.0.into()]);
    assert_eq!(m.get("duration"), Some(&ms));
    assert_eq!(m.get("loop"), Some(&Value::Int(0)));
}

#[test]
fn ffmpeg_delta_gif_reads_as_rgb_as_pillow_decodes_it() {
    // `ffmpeg -f gif`: frames 1 and 2 are rectangles with transparent pixels,
    // disposal "keep".
    let bytes = data("ffmpeg_delta.gif");
    let got = all(&bytes);
    assert_eq!(got.shape(), &[3, 20, 24, 3]);
    assert_eq!(got.as_slice().unwrap(), &data("ffmpeg_delta.rgb")[..]);
    props_agree(&bytes, &[3, 20, 24, 3]);
}

#[test]
fn clause_first_frame_not_covering_the_screen_is_rgba() {
    // Frame 0 paints the right half only; frame 1 covers everything.
    let bytes = build(&[f((2, 0, 2, 3), 1, false, KEEP), f(FULL, 2, false, KEEP)]);
    let got = all(&bytes);
    assert_eq!(got.shape(), &[2, 3, 4, 4]);
    assert_eq!(got[[0, 1, 0, 3]], 0, "unpainted: transparent");
    assert_eq!(px(&got, 0, 1, 3), [255, 0, 0, 255]);
    assert_eq!(px(&got, 1, 1, 0), [0, 255, 0, 255]);
    props_agree(&bytes, &[2, 3, 4, 4]);
    // The same frames with a full first frame: RGB.
    let bytes = build(&[f(FULL, 1, false, KEEP), f((2, 0, 2, 3), 2, false, KEEP)]);
    let got = all(&bytes);
    assert_eq!(got.shape(), &[2, 3, 4, 3]);
    assert_eq!(px(&got, 1, 0, 0), [255, 0, 0]);
    assert_eq!(px(&got, 1, 0, 3), [0, 255, 0]);
    props_agree(&bytes, &[2, 3, 4, 3]);
}

#[test]
fn clause_first_frame_with_a_transparent_index_is_rgba() {
    let bytes = build(&[f(FULL, 1, true, KEEP), f(FULL, 2, false, KEEP)]);
    let got = all(&bytes);
    assert_eq!(got.shape(), &[2, 3, 4, 4]);
    assert_eq!(px(&got, 0, 0, 0), [0, 0, 0, 0], "transparent index");
    assert_eq!(px(&got, 0, 0, 1), [255, 0, 0, 255]);
    props_agree(&bytes, &[2, 3, 4, 4]);
    // A one-frame file too.
    let bytes = build(&[f(FULL, 1, true, KEEP)]);
    props_agree(&bytes, &[1, 3, 4, 4]);
}

#[test]
fn clause_frame_disposed_to_background_is_rgba() {
    // Frame 1 (left column) is disposed to background; frame 2 paints
    // elsewhere, so frame 2's canvas has a transparent column.
    let bytes = build(&[
        f(FULL, 1, false, KEEP),
        f((0, 0, 1, 3), 2, false, DisposalMethod::Background),
        f((3, 0, 1, 3), 3, false, KEEP),
    ]);
    let got = all(&bytes);
    assert_eq!(got.shape(), &[3, 3, 4, 4]);
    assert_eq!(px(&got, 1, 2, 0), [0, 255, 0, 255]);
    assert_eq!(px(&got, 2, 2, 0), [0, 0, 0, 0], "disposed");
    assert_eq!(px(&got, 2, 2, 1), [255, 0, 0, 255]);
    assert_eq!(px(&got, 2, 2, 3), [0, 0, 255, 255]);
    props_agree(&bytes, &[3, 3, 4, 4]);
    // The next frame covers the disposed area with opaque pixels, or the
    // disposed frame is the last: no canvas shown is transparent, RGB.
    for bytes in [
        build(&[
            f(FULL, 1, false, KEEP),
            f((0, 0, 1, 3), 2, false, DisposalMethod::Background),
            f((0, 0, 2, 3), 3, false, KEEP),
        ]),
        build(&[
            f(FULL, 1, false, KEEP),
            f((0, 0, 1, 3), 2, false, DisposalMethod::Background),
        ]),
    ] {
        let n = all(&bytes).shape()[0];
        props_agree(&bytes, &[n, 3, 4, 3]);
    }
    // Covering it with a frame that has a transparent index: RGBA.
    let bytes = build(&[
        f(FULL, 1, false, KEEP),
        f((0, 0, 1, 3), 2, false, DisposalMethod::Background),
        f(FULL, 3, true, KEEP),
    ]);
    let got = all(&bytes);
    assert_eq!(px(&got, 2, 0, 0), [0, 0, 0, 0]);
    props_agree(&bytes, &[3, 3, 4, 4]);
}

#[test]
fn clause_transparent_pixels_over_unpainted_area_is_rgba() {
    // Frame 0 is restored to previous (the empty canvas): frame 1's
    // transparent pixel falls where nothing is painted.
    let bytes = build(&[
        f(FULL, 1, false, DisposalMethod::Previous),
        f(FULL, 2, true, KEEP),
    ]);
    let got = all(&bytes);
    assert_eq!(got.shape(), &[2, 3, 4, 4]);
    assert_eq!(px(&got, 0, 0, 0), [255, 0, 0, 255]);
    assert_eq!(px(&got, 1, 0, 0), [0, 0, 0, 0], "nothing under it");
    assert_eq!(px(&got, 1, 0, 1), [0, 255, 0, 255]);
    props_agree(&bytes, &[2, 3, 4, 4]);
    // Over a painted area (the deltas of Pillow and ffmpeg): the earlier
    // frame shows through, RGB.
    let bytes = build(&[f(FULL, 1, false, KEEP), f(FULL, 2, true, KEEP)]);
    let got = all(&bytes);
    assert_eq!(got.shape(), &[2, 3, 4, 3]);
    assert_eq!(px(&got, 1, 0, 0), [255, 0, 0], "frame 0 shows");
    assert_eq!(px(&got, 1, 0, 1), [0, 255, 0]);
    props_agree(&bytes, &[2, 3, 4, 3]);
}

/// The offsets of the image descriptors of a GIF written by the `gif`
/// crate (global palette, extensions, images), found by the block lengths.
fn descriptors(b: &[u8]) -> Vec<usize> {
    let mut pos = 13
        + if b[10] & 0x80 != 0 {
            3 << ((b[10] & 7) + 1)
        } else {
            0
        };
    let skip = |mut p: usize| loop {
        let n = b[p] as usize;
        p += 1 + n;
        if n == 0 {
            return p;
        }
    };
    let mut out = Vec::new();
    loop {
        match b[pos] {
            0x21 => pos = skip(pos + 2),
            0x2C => {
                out.push(pos);
                let flags = b[pos + 9];
                let table = if flags & 0x80 != 0 {
                    3 << ((flags & 7) + 1)
                } else {
                    0
                };
                pos = skip(pos + 10 + table + 1);
            }
            _ => return out,
        }
    }
}

#[test]
fn frame_0_decodes_nothing_after_it() {
    let mut bytes = build(&[
        f(FULL, 1, false, KEEP),
        f(FULL, 2, false, KEEP),
        f(FULL, 3, false, KEEP),
    ]);
    let d = descriptors(&bytes);
    assert_eq!(d.len(), 3);
    // Frame 2's LZW minimum code size made invalid: its data cannot be
    // decoded, its block structure is intact.
    let flags = bytes[d[2] + 9];
    assert_eq!(flags & 0x80, 0, "no local palette");
    bytes[d[2] + 10] = 0x0F;
    let mut file = ImageFile::open_read(bytes.clone(), &ro()).unwrap();
    let f0 = file.read(Index::At(0)).unwrap();
    assert_eq!(f0.shape(), &[3, 4, 3]);
    let f1 = file.read(Index::At(1)).unwrap().into_array::<u8>().unwrap();
    assert_eq!(f1[[0, 0, 1]], 255);
    // Counting and the properties come from the headers alone.
    assert_eq!(file.n_images().unwrap(), Some(3));
    assert_eq!(file.properties(Index::All).unwrap().shape, [3, 3, 4, 3]);
    let e = file.read(Index::At(2)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    let e = imread_with(bytes, &ro().index(Index::All)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
}

#[test]
fn a_file_cut_in_a_frame_counts_the_complete_frames() {
    let bytes = build(&[
        f(FULL, 1, false, KEEP),
        f(FULL, 2, false, KEEP),
        f(FULL, 3, false, KEEP),
    ]);
    let d = descriptors(&bytes);
    let cut = bytes[..d[2] + 12].to_vec();
    let got = all(&cut);
    assert_eq!(got.shape(), &[2, 3, 4, 3]);
    assert_eq!(px(&got, 1, 2, 3), [0, 255, 0]);
    props_agree(&cut, &[2, 3, 4, 3]);
    // Cut inside frame 0's data: no frame, a decode error, no panic.
    let e = imread_with(bytes[..d[0] + 12].to_vec(), &ro()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
}

#[test]
fn iteration_and_random_access_agree_over_every_disposal() {
    let bytes = build(&[
        f(FULL, 1, false, KEEP),
        f((0, 0, 2, 2), 2, true, DisposalMethod::Previous),
        f((1, 1, 3, 2), 3, false, DisposalMethod::Background),
        f((0, 0, 4, 2), 2, true, DisposalMethod::Any),
        f((2, 1, 2, 2), 1, false, KEEP),
    ]);
    let stack = all(&bytes);
    assert_eq!(stack.shape(), &[5, 3, 4, 4]);
    let mut file = ImageFile::open_read(bytes, &ro()).unwrap();
    for i in [4, 0, 1, 2, 3, 4, 2, 2, 0] {
        let got = file.read(Index::At(i)).unwrap().into_array::<u8>().unwrap();
        assert_eq!(got, stack.index_axis(Axis(0), i).into_dyn(), "{i}");
    }
    // Frame 1 (transparent pixel over red, frame 0 shows), restored; frame 2
    // disposed to background leaves (1..3, 1..4) transparent under frame 3.
    assert_eq!(px(&stack, 1, 0, 0), [255, 0, 0, 255]);
    assert_eq!(px(&stack, 2, 0, 0), [255, 0, 0, 255]);
    assert_eq!(px(&stack, 3, 2, 2), [0, 0, 0, 0]);
    assert_eq!(px(&stack, 3, 1, 1), [0, 255, 0, 255]);
    assert_eq!(px(&stack, 4, 2, 3), [255, 0, 0, 255]);
}

/// A 64x64 GIF of `n` frames of noise (incompressible: about 5 KB each),
/// the last one disposed to background when `late_alpha`, then one more
/// small frame that does not cover the disposed area.
fn long_gif(n: usize, late_alpha: bool) -> Vec<u8> {
    let pal: Vec<u8> = (0..=255u8).flat_map(|i| [i, 255 - i, i / 2]).collect();
    let mut seed = 0x2545_F491_u32;
    let mut bytes = Vec::new();
    {
        let mut e = Encoder::new(&mut bytes, 64, 64, &pal).unwrap();
        for k in 0..n {
            let buffer: Vec<u8> = (0..64 * 64)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    (seed >> 24) as u8
                })
                .collect();
            let last = k + 1 == n;
            e.write_frame(&Frame {
                width: 64,
                height: 64,
                buffer: Cow::Owned(buffer),
                dispose: if last && late_alpha {
                    DisposalMethod::Background
                } else {
                    KEEP
                },
                ..Frame::default()
            })
            .unwrap();
        }
        if late_alpha {
            e.write_frame(&Frame {
                width: 2,
                height: 2,
                buffer: Cow::Owned(vec![7; 4]),
                ..Frame::default()
            })
            .unwrap();
        }
    }
    bytes
}

#[test]
fn frame_0_of_a_long_file_sees_the_whole_file_for_its_channels() {
    // Long enough for the header scan to run beside the frame's decoding.
    for late_alpha in [false, true] {
        let bytes = long_gif(80, late_alpha);
        assert!(bytes.len() > 300_000, "{}", bytes.len());
        let n = 80 + late_alpha as usize;
        let c = if late_alpha { 4 } else { 3 };
        let first = imread_with(bytes.clone(), &ro()).unwrap();
        assert_eq!(first.shape(), &[64, 64, c], "late_alpha {late_alpha}");
        props_agree(&bytes, &[n, 64, 64, c]);
        let stack = all(&bytes);
        let f0 = first.into_array::<u8>().unwrap();
        assert_eq!(f0, stack.index_axis(Axis(0), 0).into_dyn());
        if late_alpha {
            assert_eq!(px(&stack, 80, 10, 10), [0, 0, 0, 0], "disposed");
            assert_eq!(px(&stack, 80, 0, 0), [7, 248, 3, 255]);
        }
    }
}

/// A 4x3 GIF whose frame 0 covers the screen, is interlaced (stored rows
/// 1, 2, 3 land on screen rows 0, 2, 1) and disposed by `dispose`; frame 1
/// paints green on `(0..2, 0)`.
fn interlaced_first(dispose: DisposalMethod) -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut e = Encoder::new(&mut bytes, 4, 3, &PAL).unwrap();
        let rows: Vec<u8> = [1u8, 2, 3].iter().flat_map(|&i| [i; 4]).collect();
        e.write_frame(&Frame {
            width: 4,
            height: 3,
            interlaced: true,
            buffer: Cow::Owned(rows),
            dispose,
            ..Frame::default()
        })
        .unwrap();
        e.write_frame(&Frame {
            width: 2,
            height: 1,
            buffer: Cow::Owned(vec![2, 2]),
            ..Frame::default()
        })
        .unwrap();
    }
    bytes
}

#[test]
fn frame_0_decoded_in_place_then_read_on_from_one_file() {
    // Frame 0 takes the in-place path (it covers the screen) and the first
    // read gives its canvas away: reading on, back and again must still
    // composite from the right canvas.
    let (r, g, b, k) = ([255, 0, 0], [0, 255, 0], [0, 0, 255], [0, 0, 0]);
    for (dispose, c) in [(KEEP, 3), (DisposalMethod::Previous, 4)] {
        let bytes = interlaced_first(dispose);
        let pixel = |p: [u8; 3], a: u8| {
            if c == 4 {
                [&p[..], &[a]].concat()
            } else {
                p.to_vec()
            }
        };
        let row = |p: [u8; 3]| pixel(p, 255).repeat(4);
        let frame0 = [row(r), row(b), row(g)].concat();
        // Restored to previous, frame 0 leaves an unpainted canvas: RGBA.
        let under = |p| if c == 4 { pixel(k, 0) } else { pixel(p, 255) };
        let frame1 = [
            pixel(g, 255),
            pixel(g, 255),
            under(r),
            under(r),
            [under(b), under(b), under(b), under(b)].concat(),
            [under(g), under(g), under(g), under(g)].concat(),
        ]
        .concat();
        let mut file = ImageFile::open_read(bytes.clone(), &ro()).unwrap();
        for i in [0, 1, 1, 0, 1, 0, 0] {
            let got = file.read(Index::At(i)).unwrap();
            assert_eq!(got.shape(), &[3, 4, c], "{dispose:?} frame {i}");
            let want = if i == 0 { &frame0 } else { &frame1 };
            let got = got.into_array::<u8>().unwrap();
            assert_eq!(got.as_slice().unwrap(), &want[..], "{dispose:?} frame {i}");
        }
        let stack = all(&bytes);
        assert_eq!(stack.as_slice().unwrap(), &[frame0, frame1].concat()[..]);
    }
}
