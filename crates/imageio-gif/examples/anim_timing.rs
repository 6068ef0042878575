//! The animation timer of `cargo xtask bench --compare`: times one kind of
//! read of an animated file (GIF or APNG) in this process and prints JSON.
//!
//! `anim_timing (--index N | --all | --props) REPEAT FILE` makes one warm-up
//! call, then `REPEAT` timed calls, each opening the file afresh: `imread`
//! of frame `N` or of every frame, or `improps` of frame 0 (shape and frame
//! count). Prints `{"times_s": [...], "shape": [...], "dtype": "...",
//! "plugin": "..."}`.

use std::time::Instant;

use imageio::{improps_with, imread_with, ImageFile, Index, ReadOptions};

/// What to time.
enum What {
    Frame(usize),
    All,
    Props,
}

/// One timed call; the shape and dtype it gives.
fn once(what: &What, file: &str) -> Result<(Vec<usize>, String), imageio::Error> {
    Ok(match what {
        What::Frame(i) => {
            let img = imread_with(file, &ReadOptions::new().index(Index::At(*i)))?;
            (img.shape().to_vec(), img.dtype().name().to_owned())
        }
        What::All => {
            let img = imread_with(file, &ReadOptions::new().index(Index::All))?;
            (img.shape().to_vec(), img.dtype().name().to_owned())
        }
        What::Props => {
            let p = improps_with(file, &ReadOptions::new())?;
            let mut shape = vec![p.n_images.unwrap_or(1)];
            shape.extend(p.shape);
            (shape, p.dtype.name().to_owned())
        }
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: anim_timing (--index N | --all | --props) REPEAT FILE";
    let (what, rest) = match args.first().map(String::as_str) {
        Some("--index") => {
            let n = args.get(1).and_then(|a| a.parse().ok()).expect(usage);
            (What::Frame(n), &args[2..])
        }
        Some("--all") => (What::All, &args[1..]),
        Some("--props") => (What::Props, &args[1..]),
        _ => panic!("{usage}"),
    };
    let [repeat, file] = rest else {
        panic!("{usage}")
    };
    let repeat: usize = repeat.parse().expect(usage);
    let plugin = ImageFile::open_read(file.as_str(), &ReadOptions::new())
        .map(|f| f.plugin_name().to_owned())
        .unwrap_or_else(|e| {
            eprintln!("{file}: {e}");
            std::process::exit(1)
        });
    let (shape, dtype) = once(&what, file).unwrap_or_else(|e| {
        eprintln!("{file}: {e}");
        std::process::exit(1)
    });
    let mut times = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let t = Instant::now();
        let r = once(&what, file);
        times.push(t.elapsed().as_secs_f64());
        if let Err(e) = r {
            eprintln!("{file}: {e}");
            std::process::exit(1)
        }
    }
    let list = |v: Vec<String>| v.join(", ");
    println!(
        "{{\"times_s\": [{}], \"shape\": [{}], \"dtype\": \"{dtype}\", \"plugin\": \"{plugin}\"}}",
        list(times.iter().map(|t| format!("{t:e}")).collect()),
        list(shape.iter().map(|d| d.to_string()).collect()),
    );
}
