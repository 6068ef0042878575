//! Times this plugin's reads and writes with each backend, for the side by
//! side measurements of BENCHMARKS.md (a Python script times Pillow and
//! OpenCV on the same files in the same run).
//!
//! ```sh
//! cargo run --release -p imageio-jpeg --features turbo --example jpeg_timing -- \
//!     N OUT_DIR FILE.jpg... FILE.npy...
//! ```
//!
//! For each `.jpg`: a warm-up read, then N timed `imread_with` calls per read
//! backend. For each `.npy` (a `(H, W, 3)` u8 array): N timed in-memory
//! encodes at quality 90, 4:2:0, per write backend, the last one's bytes
//! saved to `OUT_DIR/ours_<backend>_q90.jpg`. One JSON line per (file,
//! backend) with the times in milliseconds. `JPEG_TIMING_BACKENDS` (a comma
//! list) restricts the read backends.

use std::time::Instant;

use imageio::{imencode_with, imread_with, NdImage, ReadOptions, WriteOptions};

/// A `(H, W, 3)` u8 array from a version 1 NPY file (C order).
fn load_npy(path: &str) -> NdImage {
    let b = std::fs::read(path).expect("reads the npy file");
    assert!(b.starts_with(b"\x93NUMPY"), "{path}: not an NPY file");
    let hlen = u16::from_le_bytes([b[8], b[9]]) as usize;
    let header = std::str::from_utf8(&b[10..10 + hlen]).expect("ascii header");
    assert!(header.contains("'|u1'"), "{path}: not u8");
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .expect("a shape");
    let dims: Vec<usize> = shape
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().expect("a dimension"))
        .collect();
    NdImage::from_shape_vec(&dims, b[10 + hlen..].to_vec()).expect("the shape fits the data")
}

fn print(file: &str, who: &str, ms: &[f64]) {
    let list: Vec<String> = ms.iter().map(|m| format!("{m:.3}")).collect();
    println!(
        "{{\"file\": \"{file}\", \"peer\": \"{who}\", \"ms\": [{}]}}",
        list.join(", ")
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args[0].parse().expect("N");
    let out_dir = &args[1];
    // JPEG_TIMING_BACKENDS=libjpeg-turbo,zune-jpeg: only those read backends.
    let only = std::env::var("JPEG_TIMING_BACKENDS").ok();
    let read_backends: Vec<&str> = ["libjpeg-turbo", "zune-jpeg", "jpeg-decoder", "auto"]
        .into_iter()
        .filter(|b| cfg!(feature = "turbo") || *b != "libjpeg-turbo")
        .filter(|b| only.as_ref().is_none_or(|o| o.split(',').any(|x| x == *b)))
        .collect();
    for f in &args[2..] {
        if f.ends_with(".npy") {
            let img = load_npy(f);
            for b in ["libjpeg-turbo", "jpeg-encoder"] {
                if b == "libjpeg-turbo" && !cfg!(feature = "turbo") {
                    continue;
                }
                let o = WriteOptions::new()
                    .option("quality", 90)
                    .option("backend", b);
                let mut bytes = imencode_with(&img, ".jpg", &o).expect("encodes");
                let mut ms = Vec::new();
                for _ in 0..n {
                    drop(bytes);
                    let t = Instant::now();
                    bytes = imencode_with(&img, ".jpg", &o).expect("encodes");
                    ms.push(t.elapsed().as_secs_f64() * 1e3);
                }
                std::fs::write(format!("{out_dir}/ours_{b}_q90.jpg"), &bytes).expect("writes");
                print(f, &format!("ours-enc-{b}"), &ms);
            }
            continue;
        }
        for b in &read_backends {
            let o = ReadOptions::new().plugin("jpeg").option("backend", *b);
            let mut img = imread_with(f, &o).expect("reads");
            let mut ms = Vec::new();
            for _ in 0..n {
                drop(img);
                let t = Instant::now();
                img = imread_with(f, &o).expect("reads");
                ms.push(t.elapsed().as_secs_f64() * 1e3);
            }
            print(f, &format!("ours-{b}"), &ms);
        }
    }
}
