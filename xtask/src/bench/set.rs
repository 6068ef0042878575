//! The comparison set: which files it holds, how each is made (from the base
//! arrays of `pixels`, by our CLI or by the peer program), and making the
//! ones that are missing in `target/bench-set/`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::pixels::write_bases;
use super::text::first_line;

/// Bumped when the generated set changes, so that old sets are regenerated.
const SET_VERSION: &str = "3";

/// Per file of the set, whether it is there (`Err` says why not).
pub type Generated = BTreeMap<&'static str, Result<(), String>>;

/// What kind of read a file gets, which picks the peers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// One image: Pillow, OpenCV, imageio.
    Image,
    /// One TIFF page: Pillow, OpenCV, tifffile, imageio.
    Tiff,
    /// Every page of a TIFF: tifffile, OpenCV (imreadmulti), Pillow, imageio.
    TiffStack,
    /// An NPY array: numpy.
    Npy,
    /// Every GIF frame: Pillow, imageio.
    Gif,
    /// Every video frame as RGB: PyAV, OpenCV.
    Video,
}

impl Kind {
    /// The `kind` of a `time` request to the peer server.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Tiff => "tiff",
            Kind::TiffStack => "tiffstack",
            Kind::Npy => "npy",
            Kind::Gif => "gif",
            Kind::Video => "video",
        }
    }

    /// Whether our side reads every image (`--all`).
    pub fn all(self) -> bool {
        matches!(self, Kind::TiffStack | Kind::Gif | Kind::Video)
    }
}

/// How a file of the set is made.
pub enum Gen {
    /// `imageio convert BASE.npy FILE` with these write options.
    Convert(&'static str, &'static [&'static str]),
    /// The base NPY itself.
    Copy(&'static str),
    /// `peers.py gen-jpeg BASE.npy FILE QUALITY PROGRESSIVE` (Pillow).
    Jpeg(&'static str, bool),
    /// `peers.py gen-video FILE CODEC W H FRAMES` (PyAV).
    Clip(&'static str, u32, u32, u32),
}

/// One file of the comparison set.
pub struct Entry {
    /// The file name in the set's directory.
    pub file: &'static str,
    /// What kind of read it gets.
    pub kind: Kind,
    /// An uncompressed format, compared with memcpy.
    pub raw: bool,
    /// What the file is, for the report.
    pub what: &'static str,
    /// How it is made.
    pub gen: Gen,
}

/// Every file of the comparison set, in the report's order.
pub fn set() -> Vec<Entry> {
    use Gen::*;
    use Kind::*;
    let e = |file, kind, raw, what, gen| Entry {
        file,
        kind,
        raw,
        what,
        gen,
    };
    vec![
        e(
            "photo_4k.png",
            Image,
            false,
            "3840×2160 RGB u8 PNG (our writer, compression=fast)",
            Convert("photo_rgb8", &[]),
        ),
        e(
            "photo_4k_baseline.jpg",
            Image,
            false,
            "3840×2160 RGB JPEG baseline, q90 4:2:0 (Pillow)",
            Jpeg("photo_rgb8", false),
        ),
        e(
            "photo_4k_progressive.jpg",
            Image,
            false,
            "3840×2160 RGB JPEG progressive, q90 4:2:0 (Pillow)",
            Jpeg("photo_rgb8", true),
        ),
        e(
            "photo_4k.bmp",
            Image,
            true,
            "3840×2160 RGB u8 BMP (our writer)",
            Convert("photo_rgb8", &[]),
        ),
        e(
            "photo_4k_lossless.webp",
            Image,
            false,
            "3840×2160 RGB lossless WebP (our writer)",
            Convert("photo_rgb8", &[]),
        ),
        e(
            "photo16_1080p.png",
            Image,
            false,
            "1920×1080 RGB u16 PNG (our writer)",
            Convert("photo_rgb16", &[]),
        ),
        e(
            "photo_4k_raw.tif",
            Tiff,
            true,
            "3840×2160 RGB u8 TIFF, uncompressed",
            Convert("photo_rgb8", &[]),
        ),
        e(
            "photo_4k_lzw.tif",
            Tiff,
            false,
            "3840×2160 RGB u8 TIFF, LZW",
            Convert("photo_rgb8", &["compression=lzw"]),
        ),
        e(
            "photo_4k_deflate_pred.tif",
            Tiff,
            false,
            "3840×2160 RGB u8 TIFF, Deflate + horizontal predictor",
            Convert(
                "photo_rgb8",
                &["compression=deflate", "predictor=horizontal"],
            ),
        ),
        e(
            "float_2k.tif",
            Tiff,
            true,
            "2048×2048 gray f32 TIFF, uncompressed",
            Convert("float_gray", &[]),
        ),
        e(
            "stack_64x512x512_u16.tif",
            TiffStack,
            true,
            "64 pages 512×512 u16 TIFF, uncompressed, all pages",
            Convert("stack_u16", &[]),
        ),
        e(
            "photo_4k.npy",
            Npy,
            true,
            "3840×2160×3 u8 NPY",
            Copy("photo_rgb8"),
        ),
        e(
            "anim_60f.gif",
            Gif,
            false,
            "60 frames 480×270 GIF (our writer), all frames",
            Convert("anim_rgb8", &[]),
        ),
        e(
            "anim_60f.apng",
            Image,
            false,
            "60 frames 480×270 RGB APNG (our writer), frame 0",
            Convert("anim_rgb8", &[]),
        ),
        e(
            "clip_1080p_h264.mp4",
            Video,
            false,
            "1920×1080 H.264 (libx264 via PyAV), 60 frames, all to RGB",
            Clip("libx264", 1920, 1080, 60),
        ),
        e(
            "clip_720p_vp9.webm",
            Video,
            false,
            "1280×720 VP9 (libvpx via PyAV), 60 frames, all to RGB",
            Clip("libvpx-vp9", 1280, 720, 60),
        ),
    ]
}

/// Generates every file of the set that is missing (or from an older set);
/// returns per file whether that worked. `python` runs the peer program
/// `script` for the files made by Pillow and PyAV.
pub fn generate(
    entries: &[Entry],
    dir: &Path,
    exe: &Path,
    python: &Path,
    script: &Path,
) -> Result<Generated, String> {
    restart_if_stale(entries, dir)?;
    let mut out = BTreeMap::new();
    for e in entries {
        let path = dir.join(e.file);
        let r = if path.exists() {
            Ok(())
        } else {
            make(e, &path, dir, exe, python, script)
        };
        out.insert(e.file, r);
    }
    Ok(out)
}

/// When `dir` holds no set or one of another `SET_VERSION`: removes its
/// files and writes the base arrays anew.
fn restart_if_stale(entries: &[Entry], dir: &Path) -> Result<(), String> {
    let stamp = dir.join("SET_VERSION");
    let current = std::fs::read_to_string(&stamp).unwrap_or_default();
    if current.trim() == SET_VERSION {
        return Ok(());
    }
    eprintln!(
        "xtask bench: generating the comparison set in {}",
        dir.display()
    );
    for e in entries {
        let _ = std::fs::remove_file(dir.join(e.file));
    }
    let t = Instant::now();
    write_bases(dir)?;
    eprintln!(
        "xtask bench: base arrays in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    std::fs::write(&stamp, SET_VERSION)
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// Makes one file of the set at `path`; a failed attempt leaves no file.
fn make(
    e: &Entry,
    path: &Path,
    dir: &Path,
    exe: &Path,
    python: &Path,
    script: &Path,
) -> Result<(), String> {
    let base = |b: &str| dir.join(format!("{b}.npy"));
    let mut cmd = match &e.gen {
        Gen::Copy(b) => {
            return std::fs::copy(base(b), path)
                .map(|_| ())
                .map_err(|err| format!("copy: {err}"))
        }
        Gen::Convert(b, opts) => {
            let mut c = Command::new(exe);
            c.arg("convert").arg(base(b)).arg(path);
            for o in opts.iter() {
                c.args(["-o", o]);
            }
            c
        }
        Gen::Jpeg(b, progressive) => {
            let mut c = Command::new(python);
            c.arg(script).arg("gen-jpeg").arg(base(b)).arg(path);
            c.args(["90", if *progressive { "1" } else { "0" }]);
            c
        }
        Gen::Clip(codec, w, h, n) => {
            let mut c = Command::new(python);
            c.arg(script).arg("gen-video").arg(path).arg(codec);
            c.args([w.to_string(), h.to_string(), n.to_string()]);
            c
        }
    };
    eprintln!("xtask bench: making {}", e.file);
    let r = match cmd.output() {
        Ok(o) if o.status.success() && path.exists() => Ok(()),
        Ok(o) => Err(first_line(&String::from_utf8_lossy(&o.stderr))),
        Err(err) => Err(err.to_string()),
    };
    if r.is_err() {
        let _ = std::fs::remove_file(path);
    }
    r
}
