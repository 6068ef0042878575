//! The command as people who live in shells use it: `--mode`, `--dtype` and
//! `--auto-convert`; error hints that name flags, never Rust calls; batches
//! with folders kept, `--fail-fast`, summaries per error kind, `--json`
//! lines; Ctrl-C in the middle of a batch; `info` on many files. Every test
//! runs the binary and makes its own files (the corpus batch skips, with a
//! message, when the corpus is absent).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use imageio::ndarray::{Array2, Array3};
use imageio::{imread, imwrite, DType, NdImage};
use serde_json::Value as Json;

fn imageio(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imageio"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the imageio binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs and expects exit status `code`.
fn run(dir: &Path, args: &[&str], code: i32) -> Output {
    let o = imageio(dir, args);
    assert_eq!(
        o.status.code(),
        Some(code),
        "{args:?}\nstdout: {}\nstderr: {}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert!(!text(&o.stderr).contains("panicked"));
    o
}

/// No hint in the command's output names a Rust call.
fn no_rust_calls(s: &str) {
    for call in [
        ".cast(",
        "DType::",
        "Mode::",
        "is_batch(",
        ".option(",
        "Limits::",
    ] {
        assert!(!s.contains(call), "{call} in {s}");
    }
}

/// A float32 RGB ramp in [0, 1] (some values outside, to be clipped).
fn float_rgb() -> NdImage {
    NdImage::from(
        Array3::from_shape_fn((6, 8, 3), |(y, x, c)| {
            (y * 8 + x) as f32 / 47.0 * if c == 2 { 1.5 } else { 1.0 }
        })
        .into_dyn(),
    )
}

/// A uint16 RGBA gradient.
fn u16_rgba() -> NdImage {
    NdImage::from(
        Array3::from_shape_fn((5, 7, 4), |(y, x, c)| {
            (y * 7 + x) as u16 * 1800 + c as u16 * 3
        })
        .into_dyn(),
    )
}

fn u8_rgba() -> NdImage {
    NdImage::from(
        Array3::from_shape_fn((16, 16, 4), |(y, x, c)| (y * 16 + x + c * 40) as u8).into_dyn(),
    )
}

fn values<T: imageio::Element>(img: NdImage) -> Vec<T> {
    img.into_array::<T>().unwrap().iter().copied().collect()
}

#[test]
fn mode_and_dtype_say_what_comes_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    imwrite(d.join("in.npy"), &u16_rgba()).unwrap();
    run(
        d,
        &[
            "convert", "in.npy", "out.png", "--mode", "rgb", "--dtype", "uint8",
        ],
        0,
    );
    let got = imread(d.join("out.png")).unwrap();
    assert_eq!((got.shape(), got.dtype()), (&[5, 7, 3][..], DType::U8));
    // uint16 to uint8 is v >> 8, after the alpha was dropped.
    let want: Vec<u8> = u16_rgba()
        .into_array::<u16>()
        .unwrap()
        .indexed_iter()
        .filter(|(i, _)| i[2] < 3)
        .map(|(_, &v)| (v >> 8) as u8)
        .collect();
    assert_eq!(values::<u8>(got), want);
    // Gray from RGB(A) by the luma transform; float to uint16 maps [0, 1].
    imwrite(d.join("f.npy"), &float_rgb()).unwrap();
    run(
        d,
        &[
            "convert", "f.npy", "g.png", "--mode", "gray", "--dtype", "uint16",
        ],
        0,
    );
    let g = imread(d.join("g.png")).unwrap();
    assert_eq!((g.shape(), g.dtype()), (&[6, 8][..], DType::U16));
    let g = values::<u16>(g);
    assert_eq!(g[0], 0);
    // Pixel 47: R = G = 1.0, B = 1.5 -> luma 1.057, clipped to 65535.
    assert_eq!(g[47], 65535);
    // Pixel 10: luma of (10/47, 10/47, 15/47) scaled and rounded.
    let l = 10.0f64 / 47.0 * (0.299 + 0.587) + 15.0 / 47.0 * 0.114;
    assert_eq!(g[10], (l * 65535.0).round() as u16);
    // int16 to uint8: negatives clip to 0, 15 value bits to 8.
    let i16s = NdImage::from(
        Array2::from_shape_vec((1, 4), vec![-5i16, 0, 256, 32767])
            .unwrap()
            .into_dyn(),
    );
    imwrite(d.join("i.npy"), &i16s).unwrap();
    run(d, &["convert", "i.npy", "i8.npy", "--dtype", "uint8"], 0);
    assert_eq!(
        values::<u8>(imread(d.join("i8.npy")).unwrap()),
        [0, 0, 2, 255]
    );
}

#[test]
fn a_dtype_error_names_the_flag_and_auto_convert_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    imwrite(d.join("f.npy"), &float_rgb()).unwrap();
    let o = run(d, &["convert", "f.npy", "f.png"], 1);
    let err = text(&o.stderr);
    assert!(
        err.starts_with("error: ") && err.trim_end().lines().count() == 1,
        "{err}"
    );
    assert!(
        err.contains("float32") && err.contains("--dtype uint16"),
        "{err}"
    );
    assert!(err.contains("--auto-convert"), "{err}");
    no_rust_calls(&err);
    assert!(!d.join("f.png").exists());
    // --auto-convert: the nearest dtype PNG stores, said once on stderr.
    let o = run(d, &["convert", "f.npy", "f.png", "--auto-convert"], 0);
    let note = text(&o.stderr);
    assert_eq!(
        note.trim_end(),
        "note: f.npy: converted float32 to uint16 to write f.png (--auto-convert)"
    );
    let got = imread(d.join("f.png")).unwrap();
    assert_eq!(got.dtype(), DType::U16);
    let v = values::<u16>(got);
    assert_eq!((v[0], v[3 * 47], v[3 * 47 + 2]), (0, 65535, 65535));
    // --dtype uint8 instead: quiet, since it was asked for.
    let o = run(d, &["convert", "f.npy", "f8.png", "--dtype", "uint8"], 0);
    assert_eq!(text(&o.stderr), "");
    assert_eq!(imread(d.join("f8.png")).unwrap().dtype(), DType::U8);
}

#[test]
fn alpha_into_jpeg_names_the_flags_and_auto_convert_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    imwrite(d.join("a.png"), &u8_rgba()).unwrap();
    let err = text(&run(d, &["convert", "a.png", "a.jpg"], 1).stderr);
    assert!(
        err.contains("--mode rgb") && err.contains("-o drop_alpha=true"),
        "{err}"
    );
    no_rust_calls(&err);
    let o = run(d, &["convert", "a.png", "a.jpg", "--auto-convert"], 0);
    assert!(text(&o.stderr).contains("RGBA to RGB (alpha dropped)"));
    assert_eq!(imread(d.join("a.jpg")).unwrap().shape(), [16, 16, 3]);
    // Both problems at once: uint16 RGBA into JPEG.
    imwrite(d.join("b.npy"), &u16_rgba()).unwrap();
    let o = run(d, &["convert", "b.npy", "b.jpg", "--auto-convert"], 0);
    let note = text(&o.stderr);
    assert!(
        note.contains("uint16 to uint8, RGBA to RGB (alpha dropped)"),
        "{note}"
    );
    let b = imread(d.join("b.jpg")).unwrap();
    assert_eq!((b.shape(), b.dtype()), (&[5, 7, 3][..], DType::U8));
}

#[test]
fn exit_codes_0_1_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    imwrite(d.join("a.png"), &u8_rgba()).unwrap();
    run(d, &["convert", "a.png", "b.png", "--mode", "gray-alpha"], 0);
    assert_eq!(imread(d.join("b.png")).unwrap().shape(), [16, 16, 2]);
    run(d, &["convert", "missing.png", "b.png"], 1);
    for args in [
        &["convert", "a.png", "b.png", "--dtype", "uint9"][..],
        &["convert", "a.png", "b.png", "--mode", "cmyk"][..],
        &["convert", "a.png", "b.png", "-r"][..],
        &["convert", "a.png", "b.png", "--fail-fast"][..],
        &["convert", "a.png", "b.png", "--max-alloc", "lots"][..],
    ] {
        let o = run(d, args, 2);
        assert!(text(&o.stderr).contains("error"), "{args:?}");
    }
}

#[test]
fn limit_and_format_hints_name_flags() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    imwrite(d.join("a.png"), &u8_rgba()).unwrap();
    // 16 x 16 = 256 pixels: over a limit of 100, under one of 256.
    let err = text(&run(d, &["convert", "a.png", "b.png", "--max-pixels", "100"], 1).stderr);
    assert!(
        err.contains("beyond the limit of 100") && err.contains("--max-pixels N"),
        "{err}"
    );
    no_rust_calls(&err);
    run(d, &["convert", "a.png", "b.png", "--max-pixels", "256"], 0);
    let err = text(&run(d, &["convert", "a.png", "c.png", "--max-size", "8"], 1).stderr);
    assert!(err.contains("--max-size N"), "{err}");
    no_rust_calls(&err);
    let err = text(&run(d, &["convert", "a.png", "noextension"], 1).stderr);
    assert!(err.contains("give the output an extension"), "{err}");
    no_rust_calls(&err);
}

/// A tree of inputs: good files in folders, a float one, a broken one.
fn tree(d: &Path) {
    for (p, img) in [
        ("in/a.npy", u8_rgba()),
        ("in/x/b.npy", u16_rgba()),
        ("in/x/y/c.npy", float_rgb()),
        ("in/z/d.npy", u8_rgba()),
    ] {
        std::fs::create_dir_all(d.join(p).parent().unwrap()).unwrap();
        imwrite(d.join(p), &img).unwrap();
    }
    std::fs::write(d.join("in/x/broken.npy"), b"\x93NUMPY\x01\x00\xff").unwrap();
}

fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    out.sort();
    out
}

#[test]
fn batch_keeps_folders_continues_and_sums_up_per_kind() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tree(d);
    // Without -r: the files directly in the directory only.
    let o = run(d, &["convert", "in", "--to", "png", "--out-dir", "flat"], 0);
    assert!(text(&o.stdout).starts_with("converted 1 of 1 files to flat"));
    // -r: every folder kept; the float file fails without --auto-convert.
    let o = run(
        d,
        &[
            "convert",
            "in",
            "-r",
            "--to",
            "png",
            "--out-dir",
            "out",
            "-j",
            "2",
        ],
        1,
    );
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(
        out.contains("converted 3 of 5 files to out")
            && out.contains("; 2 failed: 1 decode error, 1 unsupported\n"),
        "{out}"
    );
    assert!(
        out.contains("kept going after failures (--continue-on-error, the default"),
        "{out}"
    );
    assert!(
        err.contains("c.npy") && err.contains("--dtype uint16"),
        "{err}"
    );
    assert!(err.contains("broken.npy"), "{err}");
    assert!(err
        .trim_end()
        .ends_with("error: 2 of 5 files failed to convert (listed above)"));
    no_rust_calls(&err);
    assert_eq!(files_below(&d.join("out")), ["a.png", "x/b.png", "z/d.png"]);
    // --auto-convert: every converted file reported, and counted.
    let o = run(
        d,
        &[
            "convert",
            "in",
            "-r",
            "--to",
            "png",
            "--out-dir",
            "auto",
            "--auto-convert",
        ],
        1,
    );
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(
        out.contains("converted 4 of 5 files to auto") && out.contains("(1 auto-converted)"),
        "{out}"
    );
    let notes: Vec<&str> = err.lines().filter(|l| l.starts_with("note: ")).collect();
    assert_eq!(notes.len(), 1, "{err}");
    assert!(notes[0].contains("c.npy: converted float32 to uint16 to write auto/x/y/c.png"));
    assert_eq!(
        files_below(&d.join("auto")),
        ["a.png", "x/b.png", "x/y/c.png", "z/d.png"]
    );
    assert_eq!(imread(d.join("auto/x/b.png")).unwrap(), u16_rgba());
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("in")).unwrap();
    std::fs::write(d.join("in/0-broken.npy"), b"\x93NUMPY\x01\x00\xff").unwrap();
    for i in 1..6 {
        imwrite(d.join(format!("in/{i}.npy")), &u8_rgba()).unwrap();
    }
    let o = run(
        d,
        &[
            "convert",
            "in",
            "--to",
            "png",
            "--out-dir",
            "out",
            "--fail-fast",
            "-j",
            "1",
        ],
        1,
    );
    let out = text(&o.stdout);
    assert!(
        out.starts_with("converted 0 of 6 files to out")
            && out.contains("1 failed: 1 decode error; 5 not started"),
        "{out}"
    );
    assert!(
        out.contains("stopped at the first failure (--fail-fast)"),
        "{out}"
    );
    assert!(!d.join("out/1.png").exists());
}

#[test]
fn json_lines_for_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tree(d);
    let o = run(
        d,
        &[
            "convert",
            "in",
            "-r",
            "--to",
            "png",
            "--out-dir",
            "out",
            "--json",
            "--auto-convert",
        ],
        1,
    );
    let lines: Vec<Json> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 5);
    let by_input = |name: &str| {
        lines
            .iter()
            .find(|l| l["input"].as_str().unwrap().ends_with(name))
            .unwrap()
            .clone()
    };
    let c = by_input("c.npy");
    assert_eq!(c["output"], "out/x/y/c.png");
    assert_eq!(
        (c["plugin"].as_str(), c["writer"].as_str()),
        (Some("npy"), Some("png"))
    );
    assert_eq!(c["shape"], serde_json::json!([6, 8, 3]));
    assert_eq!(c["dtype"], "float32");
    assert_eq!(c["converted"], serde_json::json!(["float32 to uint16"]));
    assert!(c["seconds"].as_f64().unwrap() >= 0.0 && c["error"].is_null());
    let b = by_input("broken.npy");
    assert_eq!(b["error"]["kind"], "decode error");
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("broken.npy"));
    assert!(b["plugin"].is_null());
    // The summary goes to stderr, out of the way of the JSON.
    assert!(text(&o.stderr).contains("converted 4 of 5 files"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_mid_batch_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("in")).unwrap();
    // Large enough that a conversion takes a while, many enough to interrupt.
    let big = NdImage::from(
        Array3::from_shape_fn((512, 512, 3), |(y, x, c)| {
            ((x * 7 + y * 13 + c * 50) % 251) as u8
        })
        .into_dyn(),
    );
    imwrite(d.join("in/0000.npy"), &big).unwrap();
    let n = 400;
    for i in 1..n {
        std::fs::copy(d.join("in/0000.npy"), d.join(format!("in/{i:04}.npy"))).unwrap();
    }
    let child = Command::new(env!("CARGO_BIN_EXE_imageio"))
        .args([
            "convert",
            "in",
            "--to",
            "png",
            "--out-dir",
            "out",
            "-j",
            "2",
        ])
        .current_dir(d)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while d.join("out").read_dir().map_or(0, |r| r.count()) < 3 {
        assert!(Instant::now() < deadline, "no output after 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(130), "stdout: {out}\nstderr: {err}");
    assert!(out.contains("interrupted (Ctrl-C) after"), "{out}");
    assert!(out.contains("not started"), "{out}");
    assert!(err.trim_end().ends_with(&format!("of {n} files")), "{err}");
    let written = files_below(&d.join("out"));
    assert!(written.len() >= 3 && written.len() < n, "{}", written.len());
    // Every output is whole: nothing hidden, nothing truncated.
    for name in &written {
        assert!(name.ends_with(".png") && !name.starts_with('.'), "{name}");
        assert_eq!(imread(d.join("out").join(name)).unwrap(), big, "{name}");
    }
    let converted: usize = out
        .strip_prefix("converted ")
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert_eq!(converted, written.len(), "{out}");
}

#[test]
fn info_on_many_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tree(d);
    let o = run(d, &["info", "in", "-r"], 1);
    let out = text(&o.stdout);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 5, "{out}");
    assert!(
        rows[0].starts_with("FILE") && rows[0].ends_with("IMAGES"),
        "{out}"
    );
    assert!(out.contains("in/x/y/c.npy") && out.contains("(6, 8, 3)") && out.contains("float32"));
    let err = text(&o.stderr);
    assert!(
        err.contains("broken.npy") && err.contains("1 of 5 files could not be read"),
        "{err}"
    );
    let o = run(d, &["info", "in/a.npy", "in/z/d.npy", "--json"], 0);
    let lines: Vec<Json> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["uri"], "in/z/d.npy");
    assert_eq!(
        lines[1]["properties"]["shape"],
        serde_json::json!([16, 16, 4])
    );
    // --all: every image's metadata.
    let o = run(d, &["info", "imageio:animation", "--all", "--json"], 0);
    let j: Json = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["frames"].as_array().unwrap().len(), 8);
    assert_eq!(j["frames"][5]["metadata"]["duration"], 100);
    let o = run(d, &["info", "imageio:animation", "--all"], 0);
    let frames: Vec<String> = text(&o.stdout)
        .lines()
        .filter(|l| l.starts_with("image "))
        .map(String::from)
        .collect();
    assert_eq!(frames.len(), 8, "{frames:?}");
    assert_eq!(frames[7], "image 7:   (64, 64, 3) uint8");
}

fn corpus() -> Option<PathBuf> {
    let test = std::thread::current().name().unwrap_or("shell").to_owned();
    imageio::test_corpus::for_test(&test, "")
}

/// 44 ordinary files: 8- and 16-bit PNG, TIFF, PNM; float TIFF, EXR, HDR,
/// PFM, NPY; int16/int32/uint32/float64 TIFF and NPY; gray+alpha; RGBA;
/// JPEG, GIF, BMP, QOI, TGA, ICO.
const BATCH44: [&str; 44] = [
    "png/chelsea.png",
    "png/camera.png",
    "png/horse.png",
    "png/pngsuite_basn6a08.png",
    "png/pngsuite_tbbn0g04.png",
    "png/pngsuite_basn3p08.png",
    "png/monkey16.png",
    "png/pngsuite_basn6a16.png",
    "png/pngsuite_basn4a16.png",
    "png/pngsuite_basn0g16.png",
    "jpeg/hopper.jpg",
    "jpeg/hopper_gray.jpg",
    "jpeg/progressive_cat.jpg",
    "jpeg/pil_sample_cmyk.jpg",
    "jpeg/testorig.jpg",
    "gif/interlaced.gif",
    "gif/alpha_gif_a.gif",
    "bmp/shira_bird8.bmp",
    "bmp/bmpsuite_q_rgba32.bmp",
    "tiff/rgb-3c-16b.tiff",
    "tiff/libtiff_ladoga.tif",
    "tiff/libtiff_flower-rgb-planar-16.tif",
    "tiff/12bit.cropped.tiff",
    "tiff/predictor-3-rgb-f32.tif",
    "tiff/predictor-3-gray-f32.tif",
    "tiff/random-fp16.tiff",
    "tiff/int16.tif",
    "tiff/libtiff_caspian.tif",
    "tiff/gradient-1c-32b.tiff",
    "exr/ScanLines_Carrots.exr",
    "exr/TestImages_GammaChart.exr",
    "exr/TestImages_GrayRampsHorizontal.exr",
    "hdr/image1.hdr",
    "hdr/scale.hdr",
    "npy/gen_f16.npy",
    "npy/gen_gray_u16_be.npy",
    "npy/array.npy",
    "pnm/monkey16.pgm",
    "pnm/pillow_hopper.pfm",
    "pnm/gen_gray_alpha16.pam",
    "qoi/basic-test.qoi",
    "tga/pillow_200x32_la_bl_rle.tga",
    "ico/png_rgb8.ico",
    "tiff/seq-1c-i32-99fddec2.tiff",
];

#[test]
fn the_44_file_batch_converts_44_of_44() {
    let Some(root) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for f in BATCH44 {
        let to = d.join("batch").join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root.join(f), to).unwrap();
    }
    // As a new user tries it: the dtype problems fail, with flags as hints.
    let o = run(
        d,
        &[
            "convert",
            "batch",
            "-r",
            "--to",
            "png",
            "--out-dir",
            "plain",
        ],
        1,
    );
    no_rust_calls(&text(&o.stderr));
    let failed: Vec<String> = text(&o.stderr)
        .lines()
        .filter(|l| l.starts_with("error: batch/"))
        .map(String::from)
        .collect();
    assert!(!failed.is_empty());
    assert!(failed.iter().all(|l| l.contains("--dtype")), "{failed:#?}");
    let o = run(
        d,
        &[
            "convert",
            "batch",
            "-r",
            "--to",
            "png",
            "--out-dir",
            "auto",
            "--auto-convert",
        ],
        0,
    );
    let out = text(&o.stdout);
    assert!(
        out.starts_with("converted 44 of 44 files to auto")
            && out.contains(&format!("({} auto-converted)", failed.len())),
        "{out}"
    );
    assert_eq!(files_below(&d.join("auto")).len(), 44);
    // --dtype uint8 on just the files whose dtype was the problem.
    let names: Vec<String> = failed
        .iter()
        .map(|l| l["error: ".len()..].split(':').next().unwrap().to_owned())
        .collect();
    let mut args = vec!["convert"];
    args.extend(names.iter().map(String::as_str));
    args.extend(["--to", "png", "--out-dir", "u8", "--dtype", "uint8"]);
    let o = run(d, &args, 0);
    let n = names.len();
    assert!(text(&o.stdout).starts_with(&format!("converted {n} of {n} files")));
}
