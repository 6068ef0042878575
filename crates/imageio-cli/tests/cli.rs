//! Tests of the `imageio` binary: every subcommand, the exit codes, malformed
//! input, batch conversion, and bit-for-bit round trips through NPY.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use imageio::{imread, imread_with, DType, Index, NdImage, ReadOptions};
use serde_json::Value as Json;

fn imageio_cmd(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imageio"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the imageio binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and expects exit status `code`; a panic message never shows.
fn run(dir: &Path, args: &[&str], code: i32) -> Output {
    let o = imageio_cmd(dir, args);
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(code),
        "{args:?}\nstdout: {}\nstderr: {err}",
        stdout(&o)
    );
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    o
}

/// Expects exit status 1 with exactly one `error: ...` line on stderr.
fn fails(dir: &Path, args: &[&str]) -> String {
    let err = stderr(&run(dir, args, 1));
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

fn json(o: &Output) -> Json {
    serde_json::from_slice(&o.stdout).expect("valid JSON")
}

fn corpus() -> Option<PathBuf> {
    let test = std::thread::current().name().unwrap_or("cli").to_owned();
    imageio::test_corpus::for_test(&test, "")
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["convert", "info", "plugins", "bench"] {
        let o = run(dir.path(), &[sub, "--help"], 0);
        assert!(stdout(&o).contains("Examples:"), "{sub}");
        assert!(stdout(&o).contains(&format!("imageio {sub}")), "{sub}");
    }
    let o = run(dir.path(), &["--help"], 0);
    for sub in ["convert", "info", "plugins", "bench"] {
        assert!(stdout(&o).contains(sub));
    }
    run(dir.path(), &["--version"], 0);
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &[][..],
        &["frobnicate"][..],
        &["convert", "only-one.png"][..],
        &["convert", "a", "b", "c"][..],
        &["convert", "a.png", "b.npy", "--index", "x"][..],
        &["convert", "a.png", "b.npy", "--index", "1", "--all"][..],
        &["convert", "a.png", "--to", "npy"][..],
        &["convert", "a.png", "b.npy", "-o", "novalue"][..],
        &["info"][..],
        &["bench", "x.npy", "--repeat", "0"][..],
    ] {
        let o = run(dir.path(), args, 2);
        assert!(
            stderr(&o).contains("error") || stderr(&o).contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn gradient16_through_npy_is_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let want = imread("imageio:gradient16").unwrap();
    run(d, &["convert", "imageio:gradient16", "out.npy"], 0);
    let got = imread(d.join("out.npy")).unwrap();
    assert_eq!((got.shape(), got.dtype()), (&[256, 256][..], DType::U16));
    assert_eq!(got, want);
    assert_eq!(got.as_array::<u16>().unwrap()[[3, 5]], 3 * 256 + 5);
    // And back: npy to npy gives the same bytes; the array is unchanged.
    run(d, &["convert", "out.npy", "back.npy"], 0);
    assert_eq!(
        std::fs::read(d.join("out.npy")).unwrap(),
        std::fs::read(d.join("back.npy")).unwrap()
    );
    assert_eq!(imread(d.join("back.npy")).unwrap(), want);
}

#[test]
fn every_standard_image_through_npy() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["testpattern", "gradient16", "rgba"] {
        let uri = format!("imageio:{name}");
        run(d, &["convert", &uri, &format!("{name}.npy")], 0);
        assert_eq!(
            imread(d.join(format!("{name}.npy"))).unwrap(),
            imread(uri.as_str()).unwrap()
        );
    }
    run(d, &["convert", "imageio:animation", "anim.npy", "--all"], 0);
    let all = imread_with("imageio:animation", &ReadOptions::new().index(Index::All)).unwrap();
    assert_eq!(imread(d.join("anim.npy")).unwrap(), all);
    run(
        d,
        &["convert", "imageio:animation", "f5.npy", "--index", "5"],
        0,
    );
    assert_eq!(imread(d.join("f5.npy")).unwrap(), all.frame(5).unwrap());
    // A stack to an .npz archive: one member per frame.
    run(
        d,
        &[
            "convert",
            "imageio:animation",
            "anim.npz",
            "--all",
            "-o",
            "compress=true",
        ],
        0,
    );
    let o = run(d, &["info", "anim.npz", "--index", "7", "--json"], 0);
    let j = json(&o);
    assert_eq!(j["properties"]["n_images"], 8);
    assert_eq!(j["metadata"]["name"], "arr_7");
    assert_eq!(j["metadata"]["compression"], "deflate");
    assert_eq!(
        imread_with(d.join("anim.npz"), &ReadOptions::new().index(Index::At(7))).unwrap(),
        all.frame(7).unwrap()
    );
}

#[test]
fn output_patterns_write_one_file_per_image() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(
        d,
        &["convert", "imageio:animation", "frame_{:04}.npy", "--all"],
        0,
    );
    assert!(stdout(&o).contains("wrote 8"));
    for i in 0..8 {
        let f = imread(d.join(format!("frame_{i:04}.npy"))).unwrap();
        assert_eq!(f.shape(), &[64, 64, 3]);
    }
    let err = fails(d, &["convert", "imageio:animation", "frame_{}.npy"]);
    assert!(err.contains("--all"), "{err}");
}

#[test]
fn png_round_trip_needs_pillowlike() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, &["convert", "imageio:gradient16", "g.png"], 0);
    run(d, &["convert", "g.png", "g.npy"], 0);
    assert_eq!(
        imread(d.join("g.npy")).unwrap(),
        imread("imageio:gradient16").unwrap()
    );
    run(
        d,
        &[
            "convert",
            "imageio:testpattern",
            "t.png",
            "-o",
            "compression=best",
        ],
        0,
    );
    assert_eq!(
        imread(d.join("t.png")).unwrap(),
        imread("imageio:testpattern").unwrap()
    );
    // A wrong option type is a clean error.
    let err = fails(
        d,
        &["convert", "imageio:testpattern", "u.png", "-o", "filter=7"],
    );
    assert!(err.contains("filter"), "{err}");
    assert!(!d.join("u.png").exists());
}

#[test]
fn no_overwrite_keeps_the_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("taken.npy"), b"precious").unwrap();
    let err = fails(
        d,
        &["convert", "imageio:rgba", "taken.npy", "--no-overwrite"],
    );
    assert!(err.contains("taken.npy") && err.contains("exists"), "{err}");
    assert_eq!(std::fs::read(d.join("taken.npy")).unwrap(), b"precious");
    run(d, &["convert", "imageio:rgba", "taken.npy"], 0);
    assert_eq!(
        imread(d.join("taken.npy")).unwrap(),
        imread("imageio:rgba").unwrap()
    );
}

#[test]
fn errors_name_the_file_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let err = fails(d, &["convert", "missing.png", "out.npy"]);
    assert!(err.contains("missing.png"), "{err}");
    // Malformed input: a truncated NPY, a text file named .npy, a hostile header.
    std::fs::write(d.join("text.npy"), b"this is not an array").unwrap();
    let err = fails(d, &["info", "text.npy"]);
    assert!(err.contains("text.npy"), "{err}");
    run(d, &["convert", "imageio:testpattern", "t.npy"], 0);
    let full = std::fs::read(d.join("t.npy")).unwrap();
    std::fs::write(d.join("trunc.npy"), &full[..full.len() / 2]).unwrap();
    let err = fails(d, &["convert", "trunc.npy", "x.npy"]);
    assert!(
        err.contains("trunc.npy") && err.contains("truncated"),
        "{err}"
    );
    assert!(
        !d.join("x.npy").exists(),
        "no output from a failed conversion"
    );
    let mut bomb = full[..128].to_vec();
    let text =
        String::from_utf8_lossy(&bomb[10..128]).replace("(256, 384, 3)", "(99999, 99999, 3)");
    bomb.truncate(10);
    bomb.extend_from_slice(text.as_bytes());
    std::fs::write(d.join("bomb.npy"), &bomb).unwrap();
    let err = fails(d, &["convert", "bomb.npy", "x.npy"]);
    assert!(
        err.contains("bomb.npy") && err.contains("[99999, 99999, 3]"),
        "{err}"
    );
    let err = fails(d, &["convert", "imageio:testpattern", "out.unknownext"]);
    assert!(err.contains("out.unknownext"), "{err}");
    fails(d, &["info", "imageio:testpattern", "--index", "3"]);
    let err = fails(d, &["info", "t.npy", "--plugin", "nonesuch"]);
    assert!(
        err.contains("nonesuch") && err.contains("npy"),
        "lists the linked plugins: {err}"
    );
    fails(d, &["bench", "missing.npy"]);
    if let Some(root) = corpus() {
        for f in [
            "malformed/trunc_gen_rgb_u8.npy",
            "malformed/npy_bad_version.npy",
            "npy/py3-objarr.npy",
        ] {
            let p = root.join(f);
            let err = fails(d, &["info", p.to_str().unwrap()]);
            assert!(err.contains(f.rsplit('/').next().unwrap()), "{err}");
        }
    }
}

#[test]
fn info_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(d, &["info", "imageio:testpattern"], 0);
    let text = stdout(&o);
    assert!(
        text.contains("(256, 384, 3)") && text.contains("uint8") && text.contains("standard"),
        "{text}"
    );
    let j = json(&run(
        d,
        &["info", "imageio:animation", "--all", "--json"],
        0,
    ));
    assert_eq!(j["uri"], "imageio:animation");
    assert_eq!(j["plugin"], "standard");
    assert_eq!(j["properties"]["shape"], serde_json::json!([8, 64, 64, 3]));
    assert_eq!(j["properties"]["dtype"], "uint8");
    assert_eq!(j["properties"]["n_images"], 8);
    assert_eq!(j["properties"]["is_batch"], true);
    assert!(j["properties"]["spacing"].is_null());
    assert!(j["metadata"].is_object());
    let j = json(&run(
        d,
        &["info", "imageio:animation", "--index", "2", "--json"],
        0,
    ));
    assert_eq!(j["properties"]["shape"], serde_json::json!([64, 64, 3]));
    assert_eq!(j["properties"]["is_batch"], false);
    assert_eq!(j["metadata"]["duration"], 100);
    // NPY: numpy dtype names, metadata from the header.
    run(d, &["convert", "imageio:gradient16", "g.npy"], 0);
    let j = json(&run(d, &["info", "g.npy", "--json"], 0));
    assert_eq!(j["plugin"], "npy");
    assert_eq!(j["properties"]["dtype"], "uint16");
    assert_eq!(j["properties"]["n_images"], 1);
    assert_eq!(j["metadata"]["descr"], "<u2");
    assert_eq!(j["metadata"]["fortran_order"], false);
    if let Some(root) = corpus() {
        let p = root.join("npy/gen_multi_compressed.npz");
        let j = json(&run(
            d,
            &["info", p.to_str().unwrap(), "--index", "1", "--json"],
            0,
        ));
        assert_eq!(j["properties"]["shape"], serde_json::json!([32, 48, 3]));
        assert_eq!(
            j["metadata"]["names"],
            serde_json::json!(["c", "arr_0", "arr_1"])
        );
        assert_eq!(j["metadata"]["name"], "arr_0");
        let p = root.join("npy/gen_f16.npy");
        let j = json(&run(d, &["info", p.to_str().unwrap(), "--json"], 0));
        assert_eq!(
            (
                j["properties"]["dtype"].as_str(),
                j["metadata"]["dtype"].as_str()
            ),
            (Some("float32"), Some("float16"))
        );
    }
}

#[test]
fn plugins_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let text = stdout(&run(dir.path(), &["plugins"], 0));
    assert!(text.contains("npy (imageio-npy)"), "{text}");
    assert!(text.contains("compress (bool, default false)"), "{text}");
    // The effective order per extension: dedicated, general, fallback.
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(".tif "))
        .expect("a routing line for .tif");
    assert!(line.contains("tiff [200], pillowlike [100]"), "{line}");
    assert!(
        text.contains("imageio:"),
        "standard images are routed by scheme: {text}"
    );
    let j = json(&run(dir.path(), &["plugins", "--json"], 0));
    let gif: Vec<&str> = j["routes"]["read"][".gif"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["plugin"].as_str().unwrap())
        .collect();
    assert_eq!(&gif[..2], ["gif", "pillowlike"], "{gif:?}");
    let list = j["plugins"].as_array().unwrap();
    let npy = list
        .iter()
        .find(|p| p["name"] == "npy")
        .expect("npy is linked");
    assert_eq!(npy["crate"], "imageio-npy");
    assert_eq!(npy["read_extensions"], serde_json::json!([".npy", ".npz"]));
    assert_eq!(
        (npy["read"].as_bool(), npy["write"].as_bool()),
        (Some(true), Some(true))
    );
    let opt = &npy["write_options"][0];
    assert_eq!(
        (
            opt["name"].as_str(),
            opt["type"].as_str(),
            opt["default"].as_str()
        ),
        (Some("compress"), Some("bool"), Some("false"))
    );
    assert!(opt["doc"].as_str().unwrap().contains("savez_compressed"));
    assert!(
        list.iter().any(|p| p["name"] == "pillowlike"),
        "pillowlike is linked by default"
    );
}

#[test]
fn bench_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, &["convert", "imageio:testpattern", "t.npy"], 0);
    let j = json(&run(
        d,
        &[
            "bench",
            "t.npy",
            "imageio:gradient16",
            "--repeat",
            "3",
            "--json",
        ],
        0,
    ));
    let t = &j["t.npy"];
    assert_eq!(t["plugin"], "npy");
    let (median, min) = (
        t["median_s"].as_f64().unwrap(),
        t["min_s"].as_f64().unwrap(),
    );
    assert!(min > 0.0 && min <= median && median < 5.0, "{min} {median}");
    assert_eq!(j["imageio:gradient16"]["plugin"], "standard");
    let text = stdout(&run(d, &["bench", "t.npy", "-n", "1"], 0));
    assert!(
        text.starts_with("t.npy: median") && text.contains("(npy, (256, 384, 3) uint8, 1 runs)"),
        "{text}"
    );
}

#[test]
fn batch_converts_a_directory_and_reports_failures() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("in")).unwrap();
    for name in ["testpattern", "gradient16", "rgba"] {
        run(
            d,
            &[
                "convert",
                &format!("imageio:{name}"),
                &format!("in/{name}.npy"),
            ],
            0,
        );
    }
    run(d, &["convert", "imageio:testpattern", "in/pattern.png"], 0);
    std::fs::write(d.join("in/broken.npy"), b"\x93NUMPY\x01\x00\xff").unwrap();
    std::fs::write(d.join("in/notes.txt"), b"not an image").unwrap();
    let o = run(
        d,
        &[
            "convert",
            "in",
            "--to",
            "npy",
            "--out-dir",
            "out",
            "--jobs",
            "2",
        ],
        1,
    );
    let err = stderr(&o);
    assert!(
        stdout(&o).contains("converted 4 of 6 files"),
        "{}",
        stdout(&o)
    );
    assert!(
        err.contains("broken.npy") && err.contains("notes.txt"),
        "{err}"
    );
    assert!(err.lines().all(|l| l.starts_with("error: ")), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "no progress bar when stderr is not a terminal: {err:?}"
    );
    for name in ["testpattern", "gradient16", "rgba"] {
        let got = imread(d.join(format!("out/{name}.npy"))).unwrap();
        assert_eq!(
            got,
            imread(format!("imageio:{name}").as_str()).unwrap(),
            "{name}"
        );
    }
    assert_eq!(
        imread(d.join("out/pattern.npy")).unwrap(),
        imread("imageio:testpattern").unwrap()
    );
    let mut names: Vec<String> = std::fs::read_dir(d.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "gradient16.npy",
            "pattern.npy",
            "rgba.npy",
            "testpattern.npy"
        ],
        "no partial files"
    );
    // Globs and standard images, all succeeding: exit 0.
    let o = run(
        d,
        &[
            "convert",
            "in/*.npy",
            "imageio:animation",
            "--to",
            "npz",
            "--out-dir",
            "out2",
        ],
        1,
    );
    assert!(stderr(&o).contains("broken.npy"));
    let o = run(
        d,
        &[
            "convert",
            "in/[gtr]*.npy",
            "imageio:animation",
            "--to",
            "npz",
            "--out-dir",
            "out3",
        ],
        0,
    );
    assert!(
        stdout(&o).contains("converted 4 of 4 files"),
        "{}",
        stdout(&o)
    );
    let a: NdImage = imread(d.join("out3/animation.npz")).unwrap();
    assert_eq!(a, imread("imageio:animation").unwrap());
    let err = fails(
        d,
        &[
            "convert",
            "nothing/*.png",
            "--to",
            "npy",
            "--out-dir",
            "out4",
        ],
    );
    assert!(err.contains("matches no file"), "{err}");
}
