//! Compares every file of a directory with pydicom's decode: the directory
//! holds `<name>.dcm` and pydicom's `<name>.npy` (for example every pydicom
//! test file pydicom decodes, written by `tests/data/make.py`), and the run
//! prints each difference and a summary. A measurement tool, not a test.
//!
//! ```sh
//! cargo run -p imageio-dicom --example wide_comparison -- DIR
//! ```

use std::path::PathBuf;

use imageio::{imread, imread_with, DType, Index, NdImage, ReadOptions};

fn as_f64(img: &NdImage) -> Vec<f64> {
    img.cast(DType::F64)
        .into_array::<f64>()
        .expect("f64")
        .iter()
        .copied()
        .collect()
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: wide_comparison DIR (with <name>.dcm and pydicom's <name>.npy)");
        std::process::exit(2);
    };
    let raw = ReadOptions::new().option("rescale", false);
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dcm"))
        .collect();
    names.sort();
    let (mut exact, mut close, mut differ, mut refused) = (0, 0, 0, 0);
    for p in &names {
        let theirs = imread(p.with_extension("npy")).unwrap();
        let index = if theirs.ndim() == 3 && theirs.shape()[2] > 4 || theirs.ndim() == 4 {
            Index::All
        } else {
            Index::At(0)
        };
        let name = p.file_name().unwrap().to_string_lossy();
        match imread_with(p, &raw.clone().index(index)) {
            Err(e) => {
                refused += 1;
                println!("{name}: refused: {e}");
            }
            Ok(img) if img == theirs => exact += 1,
            Ok(img) if img.shape() == theirs.shape() && img.dtype() == theirs.dtype() => {
                let (a, b) = (as_f64(&img), as_f64(&theirs));
                let max = a
                    .iter()
                    .zip(&b)
                    .map(|(x, y)| (x - y).abs())
                    .fold(0.0, f64::max);
                if max <= 4.0 {
                    close += 1;
                } else {
                    differ += 1;
                }
                println!("{name}: largest difference {max}");
            }
            Ok(img) => {
                differ += 1;
                println!(
                    "{name}: {:?} {} vs pydicom {:?} {}",
                    img.shape(),
                    img.dtype(),
                    theirs.shape(),
                    theirs.dtype()
                );
            }
        }
    }
    println!(
        "{} files: {exact} exact, {close} within 4 (lossy), {differ} differ, {refused} refused",
        names.len()
    );
}
