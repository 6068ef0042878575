//! Animations through the general plugin: the channels follow the rule of
//! the dedicated plugins (RGB unless the composited canvas can show
//! transparency), decided from the headers so that `improps` agrees with
//! `imread`, and the pixels are Pillow's. The files in `tests/data` and
//! their expected pixels are made by `tests/data/make_data.py` (Pillow).

use imageio_core::{improps_with, imread_with, ImageFile, Index, Metadata, ReadOptions, Value};

fn ro() -> ReadOptions {
    ReadOptions::new().plugin(imageio_pillowlike::NAME)
}

fn data(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Reads every frame and checks it against `want` (raw bytes of the stack
/// Pillow decodes) and `shape`; `improps` and a read of frame 0 agree.
fn check(file: &str, want: &str, shape: &[usize]) -> Metadata {
    let bytes = data(file);
    let all = imread_with(bytes.clone(), &ro().index(Index::All)).unwrap();
    assert_eq!(all.shape(), shape, "{file}");
    // `image` blends WebP frames with a rounding that can be 1 below
    // libwebp's (Pillow's); GIF pixels are exact.
    let tol = if file.ends_with(".webp") { 1 } else { 0 };
    let (got, want) = (all.as_bytes().unwrap(), data(want));
    assert_eq!(got.len(), want.len(), "{file}");
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap_or(0);
    assert!(
        worst <= tol,
        "{file}: a sample differs by {worst} from Pillow's"
    );
    let p = improps_with(bytes.clone(), &ro()).unwrap();
    assert_eq!(p.shape, shape[1..], "{file}: improps of frame 0");
    assert_eq!(p.n_images, Some(shape[0]));
    let p = improps_with(bytes.clone(), &ro().index(Index::All)).unwrap();
    assert_eq!(p.shape, shape, "{file}: improps of the stack");
    // Frames read one by one, backwards too, equal the stack's.
    let mut f = ImageFile::open_read(bytes.clone(), &ro()).unwrap();
    for i in (0..shape[0]).rev().chain(0..shape[0]) {
        assert_eq!(
            f.read(Index::At(i)).unwrap(),
            all.frame(i).unwrap(),
            "{file} {i}"
        );
    }
    f.metadata(Index::All).unwrap()
}

fn ms(l: &[f64]) -> Value {
    Value::List(l.iter().map(|&v| v.into()).collect())
}

#[test]
fn pillow_delta_gif_reads_as_rgb() {
    let m = check("pillow_delta.gif", "pillow_delta.rgb", &[3, 20, 24, 3]);
    assert_eq!(m.get("duration"), Some(&ms(&[100.0, 200.0, 300.0])));
}

#[test]
fn animated_webp_with_blended_deltas_reads_as_rgb() {
    // Frames 1 and 2 are rectangles with an alpha channel blended over the
    // opaque full frame 0: the VP8X alpha flag is set, yet nothing shown is
    // transparent.
    let m = check("pillow_anim.webp", "pillow_anim.rgb", &[3, 20, 24, 3]);
    assert_eq!(m.get("duration"), Some(&ms(&[100.0, 200.0, 300.0])));
    assert_eq!(m.get("n_frames"), Some(&Value::Int(3)));
    assert_eq!(m.get("loop"), Some(&Value::Int(0)));
}

#[test]
fn animated_webp_with_a_transparent_first_frame_reads_as_rgba() {
    let m = check(
        "pillow_anim_alpha.webp",
        "pillow_anim_alpha.rgba",
        &[2, 20, 24, 4],
    );
    assert_eq!(m.get("loop"), Some(&Value::Int(2)));
    let all = imread_with(data("pillow_anim_alpha.webp"), &ro().index(Index::All)).unwrap();
    let a = all.as_bytes().unwrap();
    // Frame 0, pixel (3, 3): transparent; (10, 10): opaque.
    assert_eq!(a[(3 * 24 + 3) * 4 + 3], 0);
    assert_eq!(a[(10 * 24 + 10) * 4 + 3], 255);
}
