//! Compares the quantizers of the GIF writer: PSNR of the decoded GIF
//! against the source and encode time per megapixel, in one run.
//!
//! `cargo run --release -p imageio-gif --example quantizers`

use std::time::Instant;

use imageio::ndarray::{Array3, Ix3};
use imageio::{imencode_with, imread, imread_with, NdImage, ReadOptions, WriteOptions};

fn gradient(h: usize, w: usize) -> Array3<u8> {
    Array3::from_shape_fn((h, w, 3), |(y, x, c)| {
        let (fy, fx) = (y as f64 / h as f64, x as f64 / w as f64);
        let v = match c {
            0 => fx,
            1 => fy,
            _ => 0.5 + 0.5 * ((fx * 6.0).sin() * (fy * 4.0).cos()),
        };
        (v * 255.0).round() as u8
    })
}

fn psnr(a: &Array3<u8>, b: &Array3<u8>) -> f64 {
    let mse = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    10.0 * (255.0f64 * 255.0 / mse.max(1e-12)).log10()
}

fn main() -> Result<(), imageio::Error> {
    let pattern = imread("imageio:testpattern")?
        .into_array::<u8>()?
        .into_dimensionality::<Ix3>()
        .expect("(H, W, 3)");
    let images = [
        ("imageio:testpattern 384x256", pattern),
        ("gradient 1024x768", gradient(768, 1024)),
    ];
    println!("| image | quantizer | dither | PSNR (dB) | ms / megapixel |");
    println!("|---|---|---|---|---|");
    for (name, src) in &images {
        let mp = (src.shape()[0] * src.shape()[1]) as f64 / 1e6;
        let img = NdImage::from(src.clone());
        for q in ["neuquant", "kmeans"] {
            for dither in [false, true] {
                let o = WriteOptions::new()
                    .plugin("gif")
                    .option("quantizer", q)
                    .option("dither", dither);
                let t = Instant::now();
                let bytes = imencode_with(&img, ".gif", &o)?;
                let ms = t.elapsed().as_secs_f64() * 1e3;
                let back = imread_with(bytes, &ReadOptions::new().plugin("gif"))?
                    .into_array::<u8>()?
                    .into_dimensionality::<Ix3>()
                    .expect("(H, W, 3)");
                println!(
                    "| {name} | {q} | {dither} | {:.2} | {:.0} |",
                    psnr(src, &back),
                    ms / mp
                );
            }
        }
    }
    Ok(())
}
