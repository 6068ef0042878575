//! Many threads at once (issue #11): registry initialisation, reads and
//! writes from 16 threads over different files and formats, and one file
//! read by all of them, give the same arrays as a sequential run, pixel for
//! pixel; plugins and open files are `Send`, checked at compile time.
//!
//! Files above the core's 256 KiB memory-mapping threshold (issue #18) go
//! through the mapped and positioned-read paths: a 768 KiB NPY file (named
//! `.bin`, read with an extension hint) read by every thread, and
//! uncompressed TIFF stacks whose pages are read in parallel.

use std::path::{Path, PathBuf};
use std::sync::Barrier;

use imageio::plugin::{Reader, Writer};
use imageio::{imread, imread_with, imwrite, ImageFile, Index, NdImage, ReadOptions};
use imageio_tests::reliability::pattern;

/// The core's memory-mapping threshold (`MMAP_THRESHOLD` in
/// `imageio-core/src/request/read.rs`): larger files are mapped or read
/// with positioned reads.
const MMAP_THRESHOLD: usize = 256 * 1024;

/// The NPY file (version 1.0, C order) of a u8 `image`, built without the
/// registry.
fn npy_bytes(image: &NdImage) -> Vec<u8> {
    let shape: Vec<String> = image.shape().iter().map(|d| d.to_string()).collect();
    let header = format!(
        "{{'descr': '|u1', 'fortran_order': False, 'shape': ({},), }}",
        shape.join(", ")
    );
    imageio_tests::npy::npy_file(&header, image.as_bytes().expect("a standard-layout image"))
}

/// The shared file every thread reads: 512x512 RGB, above the threshold.
fn shared_image() -> NdImage {
    pattern(&[512, 512, 3], 77)
}

fn read_shared(path: &Path) -> NdImage {
    imread_with(path, &ReadOptions::new().extension(".npy"))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Compile-time: every plugin (the trait requires `Send`, so each
/// implementation is checked where it is written), a boxed plugin and an
/// open file can move to another thread.
#[allow(dead_code)]
fn plugins_are_send() {
    fn send<T: Send>() {}
    send::<Box<dyn Reader>>();
    send::<Box<dyn Writer>>();
    send::<ImageFile>();
    send::<NdImage>();
    send::<imageio::Error>();
}

/// Formats written and read back losslessly by the stable plugins, with
/// the image each thread writes (`(ext, shape)`); `Index::All` for stacks.
const FORMATS: &[(&str, &[usize])] = &[
    (".png", &[24, 32, 3]),
    (".apng", &[3, 24, 32, 4]),
    (".tif", &[2, 24, 32, 3]),
    (".gif", &[3, 24, 32, 3]),
    (".npy", &[24, 32, 3]),
    (".npz", &[24, 32]),
    (".bmp", &[24, 32, 3]),
    (".webp", &[24, 32, 4]),
    (".qoi", &[24, 32, 3]),
    (".tga", &[24, 32, 3]),
    (".pbm", &[24, 32]),
];

fn read(path: &PathBuf, stack: bool) -> NdImage {
    let opts = if stack {
        ReadOptions::new().index(Index::All)
    } else {
        ReadOptions::new()
    };
    imread_with(path, &opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn sixteen_threads_match_a_sequential_run() {
    let dir = tempfile::tempdir().unwrap();
    // Inputs written by the test before the threads start (through std only,
    // so the registry is still uninitialised: the threads race for it).
    let shared = dir.path().join("shared.bin");
    let shared_bytes = npy_bytes(&shared_image());
    assert!(shared_bytes.len() > MMAP_THRESHOLD);
    std::fs::write(&shared, &shared_bytes).unwrap();
    let barrier = Barrier::new(16);
    // Each thread: registry init (first call), write its own file in its
    // format, read it back, read the shared file; twice over.
    let run = |i: usize, out: &std::path::Path| -> Vec<NdImage> {
        let (ext, shape) = FORMATS[i % FORMATS.len()];
        let stack = shape.len() == 4;
        let img = match ext {
            ".pbm" => {
                let p = pattern(shape, i as u64);
                let bits: Vec<u8> = p.as_bytes().unwrap().iter().map(|b| b & 1).collect();
                NdImage::from_shape_vec(shape, bits).unwrap()
            }
            _ => pattern(shape, i as u64),
        };
        let mut got = Vec::new();
        for round in 0..2 {
            let path = out.join(format!("t{i}-{round}{ext}"));
            imwrite(&path, &img).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            got.push(read(&path, stack));
        }
        got.push(imread("imageio:gradient16").unwrap());
        got.push(read_shared(&shared));
        got.push(img);
        got
    };
    let par_dir = dir.path().join("par");
    let seq_dir = dir.path().join("seq");
    std::fs::create_dir_all(&par_dir).unwrap();
    std::fs::create_dir_all(&seq_dir).unwrap();
    let parallel: Vec<Vec<NdImage>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..16)
            .map(|i| {
                let (barrier, par_dir) = (&barrier, &par_dir);
                s.spawn(move || {
                    barrier.wait();
                    run(i, par_dir)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let sequential: Vec<Vec<NdImage>> = (0..16).map(|i| run(i, &seq_dir)).collect();
    for (i, (p, s)) in parallel.iter().zip(&sequential).enumerate() {
        let ext = FORMATS[i % FORMATS.len()].0;
        assert_eq!(
            p, s,
            "thread {i} ({ext}): parallel and sequential arrays agree"
        );
        // Lossless formats give back what was written.
        if !matches!(ext, ".gif" | ".webp") {
            assert_eq!(
                p[0], p[4],
                "thread {i} ({ext}): the written image read back"
            );
        }
        assert_eq!(p[0], p[1], "thread {i} ({ext}): both rounds read the same");
        // The shared file, mapped, is the array it holds.
        assert!(p[3] == shared_image(), "thread {i}: shared.bin read back");
        // The files written in parallel are the files written in turn.
        for round in 0..2 {
            let name = format!("t{i}-{round}{ext}");
            assert_eq!(
                std::fs::read(par_dir.join(&name)).unwrap(),
                std::fs::read(seq_dir.join(&name)).unwrap(),
                "{name}: same bytes"
            );
        }
    }
}

#[test]
fn one_file_read_by_sixteen_threads() {
    let dir = tempfile::tempdir().unwrap();
    for (ext, shape) in [
        (".png", &[64usize, 48, 3][..]),
        (".tif", &[3, 40, 30, 3]),
        (".gif", &[4, 32, 32, 3]),
    ] {
        let path = dir.path().join(format!("same{ext}"));
        imwrite(&path, &pattern(shape, 9)).unwrap();
        let stack = shape.len() == 4;
        let expected = read(&path, stack);
        let barrier = Barrier::new(16);
        let got: Vec<NdImage> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..16)
                .map(|_| {
                    let (barrier, path) = (&barrier, &path);
                    s.spawn(move || {
                        barrier.wait();
                        (0..4).map(|_| read(path, stack)).collect::<Vec<_>>()
                    })
                })
                .collect();
            hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(got.len(), 64);
        for (i, g) in got.iter().enumerate() {
            assert_eq!(g, &expected, "{ext}: read {i}");
        }
        // Open files moved to other threads read the same (`ImageFile: Send`).
        let files: Vec<ImageFile> = (0..4)
            .map(|_| imageio::imopen(&path, imageio::IoMode::Read).unwrap())
            .collect();
        let moved: Vec<NdImage> = files
            .into_iter()
            .map(|mut f| {
                std::thread::spawn(move || f.read(Index::At(0)).unwrap())
                    .join()
                    .unwrap()
            })
            .collect();
        let first = read(&path, false);
        assert_eq!(first.shape(), &expected.shape()[usize::from(stack)..]);
        for m in &moved {
            assert_eq!(m, &first, "{ext}: an open file moved to another thread");
        }
    }
}

/// Large files (above [`MMAP_THRESHOLD`]) read by 16 threads at once: an
/// uncompressed TIFF stack (pages read in parallel with positioned reads)
/// and an NPY array, each exactly what was written.
#[test]
fn large_files_read_by_sixteen_threads() {
    let dir = tempfile::tempdir().unwrap();
    let stack = pattern(&[6, 128, 256, 3], 31);
    let tif = dir.path().join("stack.tif");
    imwrite(&tif, &stack).unwrap();
    let npy = dir.path().join("big.npy");
    let array = pattern(&[384, 512, 3], 32);
    imwrite(&npy, &array).unwrap();
    for p in [&tif, &npy] {
        let len = std::fs::metadata(p).unwrap().len() as usize;
        assert!(len > MMAP_THRESHOLD, "{}: {len} bytes", p.display());
    }
    let barrier = Barrier::new(16);
    std::thread::scope(|s| {
        for i in 0..16 {
            let (barrier, tif, npy, stack, array) = (&barrier, &tif, &npy, &stack, &array);
            s.spawn(move || {
                barrier.wait();
                for round in 0..2 {
                    if (i + round) % 2 == 0 {
                        assert!(read(tif, true) == *stack, "thread {i}: the TIFF stack");
                        let page =
                            imread_with(tif, &ReadOptions::new().index(Index::At(i % 6))).unwrap();
                        let want = stack.frame(i % 6).unwrap();
                        assert!(page == want, "thread {i}: TIFF page {}", i % 6);
                    } else {
                        assert!(read(npy, false) == *array, "thread {i}: the NPY array");
                    }
                }
            });
        }
    });
}
